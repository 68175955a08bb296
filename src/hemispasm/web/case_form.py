"""The case form of the web app: its fields grouped as a clinician reads them, and the
mapping between a submitted form and a clinic case (:mod:`hemispasm.clinic.case`) (pure).

Every finding is yes / no / **not recorded** (the default). "Not recorded" leaves the field out
of the case mapping, so the clinic core reads it as unknown, never as absent; the other cranial
nerves have a fourth state, "none" (an empty list, which the core reads as assessed).
"""

from __future__ import annotations

import re
from typing import Any

from hemispasm.errors import HemispasmError, ValidationError

TREATMENT_ROWS_EMPTY = 2
TRI = (("yes", "yes"), ("no", "no"), ("", "not recorded"))

# (field, kind, label); kinds: tri (yes/no/not recorded), choice, multi, int, cn (cranial
# nerves: not recorded / none / which). Choices come from the Case model itself.
GROUPS: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    (
        "history",
        "History",
        [
            ("age", "int", "Age (years)"),
            ("sex", "choice", "Sex"),
            ("side", "choice", "Side of the spasms (patient's own)"),
            ("onset_age", "int", "Age at onset (years)"),
            ("onset_tempo", "choice", "How it began"),
            ("pregnancy", "choice", "Pregnancy"),
            ("first_muscle", "choice", "First muscle involved"),
            ("spread_to", "multi", "Spread to"),
            ("spasm_type", "choice", "Spasm type"),
            ("frequency", "choice", "Frequency"),
            ("triggers", "multi", "Triggers"),
            ("facial_pain", "tri", "Same-side facial pain"),
            ("bilateral_synchronous", "tri", "Both sides contract together"),
            ("bilateral_blinking", "tri", "Excessive blinking of both eyes"),
            ("prior_bells_palsy", "tri", "Earlier Bell's palsy"),
            ("facial_trauma", "tri", "Facial nerve injury or trauma"),
            ("suppressible", "tri", "Can be suppressed at will"),
            ("premonitory_urge", "tri", "An urge precedes the movements"),
            ("sensory_trick", "tri", "A touch relieves them (sensory trick)"),
            ("distractible", "tri", "Vary or stop with distraction"),
            ("dopamine_blocker_exposure", "tri", "Dopamine-blocking drugs taken"),
            ("orolingual_movements", "tri", "Stereotyped mouth or tongue movements"),
            ("seizures", "tri", "Known or suspected seizures"),
            ("jaw_muscle_spasm", "tri", "Jaw-closing (masseter, temporalis) spasms"),
        ],
    ),
    (
        "exam",
        "Examination",
        [
            ("facial_weakness", "tri", "Facial weakness"),
            ("progressive_weakness", "tri", "Weakness getting worse (not from a toxin session)"),
            ("hearing_loss", "tri", "Hearing loss"),
            ("tinnitus", "tri", "Tinnitus"),
            ("vertigo", "tri", "Vertigo"),
            ("other_cranial_nerve_signs", "cn", "Other cranial nerve signs"),
            ("other_babinski_sign", "tri", "Other Babinski sign (brow rises as the eye closes)"),
            ("myokymia", "tri", "Rippling myokymia"),
            ("downward_mouth_deviation", "tri", "Mouth angle pulled down in a spasm"),
        ],
    ),
    (
        "warning",
        "Head and neck warning signs",
        [
            ("neck_mass", "tri", "Neck lump or mass"),
            ("dysphagia", "tri", "Trouble swallowing"),
            ("dyspnea", "tri", "Trouble breathing"),
            ("visual_change", "tri", "Trouble seeing"),
            ("hoarseness", "tri", "Voice change or hoarseness"),
            ("weight_loss", "tri", "Unexplained weight loss"),
        ],
    ),
    (
        "imaging",
        "Imaging and EMG",
        [
            ("emg_lsr", "choice", "Lateral spread response (EMG)"),
            ("mri", "choice", "MRI"),
            ("mri_sequences", "multi", "MRI sequences done"),
            ("mri_vessel", "choice", "Offending vessel"),
            ("compression_site", "choice", "Compression site"),
        ],
    ),
]
#: Fields whose default is a value, not None: "not done" is their not-recorded.
DEFAULTED = {"emg_lsr": "not_done", "mri": "not_done"}
TREATMENT_FIELDS = (
    "type",
    "date",
    "doses",
    "product",
    "response",
    "peak_improvement_pct",
    "benefit_weeks",
    "side_effects",
    "stopped_for_side_effects",
)
SCALE_FIELDS = (("jankovic", "severity"), ("jankovic", "frequency"), ("smc", "grade"))


def choices(field: str) -> tuple[str, ...]:
    """Accepted values of a case field (or ``treatments.X``), from the Case model itself."""
    from hemispasm.clinic.wording import field_choices

    return field_choices(field)


def _label_of(field: str) -> str:
    for _key, _title, fields in GROUPS:
        for name, _kind, label in fields:
            if name == field:
                return label
    return field.replace("_", " ")


def form_spec() -> list[dict[str, Any]]:
    """The form's groups with each field's kind, label and choices (for the template)."""
    out = []
    for key, title, fields in GROUPS:
        rows = []
        for name, kind, label in fields:
            opts = choices(name) if kind in ("choice", "multi", "cn") else ()
            if name in DEFAULTED:
                opts = tuple(c for c in opts if c != DEFAULTED[name])
            rows.append({"name": name, "kind": kind, "label": label, "choices": opts})
        out.append({"key": key, "title": title, "fields": rows})
    return out


# ---------------------------------------------------------------------------- form <-> case


def field_text(form: Any, name: str) -> str:
    v = form.get(name)
    return v.strip() if isinstance(v, str) else ""


def _doses(text: str) -> Any:
    """Doses as typed: "400" → 400.0; "orbicularis_oculi: 15, zygomaticus: 4" → a mapping;
    else the words (the clinic's wording reader takes "200 mg twice daily")."""
    if not text:
        return None
    if ":" in text:
        out: dict[str, Any] = {}
        for part in text.split(","):
            k, _, v = part.partition(":")
            out[k.strip().replace(" ", "_")] = v.strip()
        return out
    try:
        return float(text)
    except ValueError:
        return text


def case_mapping_from_form(form: Any) -> dict[str, Any]:
    """The case mapping a submitted form describes (not yet validated).

    A finding left "not recorded" (an empty value) is left out of the mapping; yes/no become
    true/false. Lists are the ticked boxes. Treatment rows without a type are ignored unless
    something else was typed in them (then one line asks for the type).
    """
    data: dict[str, Any] = {}
    getlist = getattr(form, "getlist", lambda k: [form[k]] if k in form else [])
    for _key, _title, fields in GROUPS:
        for name, kind, _label in fields:
            if kind == "tri":
                v = field_text(form, name)
                if v in ("yes", "no"):
                    data[name] = v == "yes"
            elif kind == "multi":
                vals = [x for x in getlist(name) if isinstance(x, str) and x]
                if vals:
                    data[name] = vals
            elif kind == "cn":
                state = field_text(form, f"{name}__state")
                vals = [x for x in getlist(name) if isinstance(x, str) and x]
                if vals:
                    data[name] = vals
                elif state == "none":
                    data[name] = []
                elif state == "some":
                    raise ValidationError(
                        f"field '{name}' ({_label_of(name)}): 'yes' is ticked but no nerve",
                        hint="tick the nerves, or choose none or not recorded",
                    )
            else:
                v = field_text(form, name)
                if v:
                    data[name] = v
    treatments = []
    for i in range(int(field_text(form, "treatment_rows") or 0)):
        row = {f: field_text(form, f"t{i}_{f}") for f in TREATMENT_FIELDS}
        if not row["type"]:
            if any(row[f] for f in TREATMENT_FIELDS if f != "type"):
                raise ValidationError(
                    f"field 'treatments[{i}].type': the treatment in row {i + 1} has no type",
                    hint="choose the treatment, or empty the row",
                )
            continue
        t: dict[str, Any] = {"type": row["type"]}
        for f in ("date", "product", "response", "peak_improvement_pct", "benefit_weeks"):
            if row[f]:
                t[f] = row[f]
        if row["doses"]:
            t["doses"] = _doses(row["doses"])
        if row["side_effects"]:
            t["side_effects"] = [x.strip() for x in row["side_effects"].split(",") if x.strip()]
        if row["stopped_for_side_effects"] in ("yes", "no"):
            t["stopped_for_side_effects"] = row["stopped_for_side_effects"] == "yes"
        treatments.append(t)
    if treatments:
        data["treatments"] = treatments
    v = field_text(form, "prefers_definitive_treatment")
    if v in ("yes", "no"):
        data["prefers_definitive_treatment"] = v == "yes"
    scales: dict[str, dict[str, Any]] = {}
    for scale, item in SCALE_FIELDS:
        v = field_text(form, f"scale_{scale}_{item}")
        if v:
            scales.setdefault(scale, {})[item] = v
    if scales:
        data["scales"] = scales
    for name in ("notes", "case_id"):
        v = field_text(form, name)
        if v:
            data[name] = v
    return data


def _tri(v: Any) -> str:
    return "yes" if v is True else "no" if v is False else ""


def form_values(data: dict[str, Any] | None) -> dict[str, Any]:
    """The form's values from a stored (or submitted) case mapping."""
    data = data or {}
    vals: dict[str, Any] = {}
    for _key, _title, fields in GROUPS:
        for name, kind, _label in fields:
            v = data.get(name)
            if kind == "tri":
                vals[name] = _tri(v)
            elif kind == "multi":
                vals[name] = list(v or [])
            elif kind == "cn":
                vals[name] = list(v or [])
                vals[f"{name}__state"] = "some" if v else ("none" if v == [] else "")
            else:
                vals[name] = "" if v is None or v == DEFAULTED.get(name) else str(v)
    rows = []
    for t in data.get("treatments") or []:
        doses = t.get("doses")
        if isinstance(doses, dict):
            doses = ", ".join(f"{k}: {_num(x)}" for k, x in doses.items())
        elif isinstance(doses, float | int):
            doses = _num(doses)
        rows.append(
            {
                "type": t.get("type") or "",
                "date": t.get("date") or "",
                "doses": doses or "",
                "product": t.get("product") or "",
                "response": t.get("response") or "",
                "peak_improvement_pct": _num(t.get("peak_improvement_pct")),
                "benefit_weeks": _num(t.get("benefit_weeks")),
                "side_effects": ", ".join(t.get("side_effects") or []),
                "stopped_for_side_effects": _tri(t.get("stopped_for_side_effects")),
            }
        )
    rows += [dict.fromkeys(TREATMENT_FIELDS, "") for _ in range(TREATMENT_ROWS_EMPTY)]
    vals["treatments"] = rows
    vals["prefers_definitive_treatment"] = _tri(data.get("prefers_definitive_treatment"))
    scales = data.get("scales") or {}
    for scale, item in SCALE_FIELDS:
        x = (scales.get(scale) or {}).get(item)
        vals[f"scale_{scale}_{item}"] = "" if x is None else str(x)
    vals["notes"] = data.get("notes") or ""
    vals["case_id"] = data.get("case_id") or ""
    return vals


def _num(v: Any) -> str:
    """A number as typed back into the form: short, and exact (so a saved dose keeps its
    value: the registry knows a stored treatment by its total dose)."""
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, float | int):
        return str(v)
    short = f"{v:g}"
    return short if float(short) == float(v) else repr(float(v))


def form_error(exc: HemispasmError) -> str:
    """One line for the form: the field with its label, what is wrong, what to do."""
    msg = exc.message.rstrip(".")
    found = re.match(r"field '([a-z_]+)", msg)
    if found and found.group(1) not in ("treatments", "scales", "case"):
        name = found.group(1)
        label = _label_of(name)
        if label != name.replace("_", " ") and f"({label})" not in msg:
            msg = msg.replace(f"field '{name}'", f"field '{name}' ({label})", 1)
    hint = exc.hint if exc.hint and "hemispasm case" not in exc.hint else ""
    hint = hint.rstrip(".") if hint else "Correct it"
    return f"{msg}. {hint[:1].upper()}{hint[1:]} and save again."


def keep_raw(values: dict[str, Any], form: Any) -> None:
    """Show what was typed (not what was parsed) after a refusal."""
    for _key, _title, fields in GROUPS:
        for name, kind, _label in fields:
            if kind in ("int", "choice"):
                values[name] = field_text(form, name)
            elif kind == "cn":
                values[f"{name}__state"] = field_text(form, f"{name}__state")
    rows = []
    for i in range(int(field_text(form, "treatment_rows") or 0)):
        rows.append({f: field_text(form, f"t{i}_{f}") for f in TREATMENT_FIELDS})
    if rows:
        values["treatments"] = rows
    for scale, item in SCALE_FIELDS:
        values[f"scale_{scale}_{item}"] = field_text(form, f"scale_{scale}_{item}")
    values["notes"] = field_text(form, "notes")


def findings(data: dict[str, Any]) -> dict[str, list[str]]:
    """The recorded findings in words, per group: present, absent, not recorded."""
    out: dict[str, list[str]] = {"present": [], "absent": [], "not recorded": []}
    for _key, _title, fields in GROUPS:
        for name, kind, label in fields:
            if kind != "tri":
                continue
            v = data.get(name)
            out["present" if v is True else "absent" if v is False else "not recorded"].append(
                label
            )
    return out
