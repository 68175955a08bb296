"""The case and assessment page: history and examination of a visit, and the decision support.

- ``GET /patients/{id}/case`` (clinician): the form, grouped as a clinician reads it (history,
  examination, head and neck warning signs, imaging and EMG, treatment so far), prefilled from
  the patient's most recent stored case. Every finding is yes / no / **not recorded** (the
  default); "not recorded" leaves the field out of the case, so the clinic core reads it as
  unknown, never as absent.
- ``POST /patients/{id}/case`` (clinician): the form is turned into a case mapping, validated
  by :func:`hemispasm.clinic.case.case_from_dict` and assessed by
  :func:`hemispasm.clinic.assess.assess` (optionally with a stored video analysis's summary, as
  ``hemispasm assess --video-summary``); case and assessment are stored at the visit of that
  date through the registry's own writer (:func:`hemispasm.registry.importer.write_prepared`,
  audited with the user). A bad field re-renders the form with one line (422); nothing is stored.
- ``GET /cases/{id}`` (clinician, nurse): the stored assessment: red flags first, the ranked
  differential with the reasons (rule ids, cited sources), work-up, treatment options and what
  is withheld, the disclaimer. ``GET /patients/{id}/case/latest`` is the patient page's summary.
- API: ``POST /api/v1/patients/{id}/cases`` (case JSON, plus ``visit_date``, ``reason``,
  ``video_analysis_id``), ``GET /api/v1/patients/{id}/cases``, ``GET /api/v1/cases/{id}``.

Reads of a case (which sits beside the patient's identity on these pages) are audited. Case
content (free-text notes included) is never logged.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hemispasm._log import get_logger
from hemispasm.errors import HemispasmError, ValidationError
from hemispasm.registry import models as m
from hemispasm.registry.db import Registry
from hemispasm.registry.patients import get_patient
from hemispasm.web.deps import CLINICAL, Principal, allow
from hemispasm.web.users import audit_read

log = get_logger(__name__)
router = APIRouter()
api_router = APIRouter(prefix="/api/v1")

#: Stored as the case's source name (the registry keeps the file name of an imported case).
SOURCE_NAME = "web form"
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


def _choices(field: str) -> tuple[str, ...]:
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
            choices = _choices(name) if kind in ("choice", "multi", "cn") else ()
            if name in DEFAULTED:
                choices = tuple(c for c in choices if c != DEFAULTED[name])
            rows.append({"name": name, "kind": kind, "label": label, "choices": choices})
        out.append({"key": key, "title": title, "fields": rows})
    return out


# ---------------------------------------------------------------------------- form <-> case


def _text(form: Any, name: str) -> str:
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
                v = _text(form, name)
                if v in ("yes", "no"):
                    data[name] = v == "yes"
            elif kind == "multi":
                vals = [x for x in getlist(name) if isinstance(x, str) and x]
                if vals:
                    data[name] = vals
            elif kind == "cn":
                state = _text(form, f"{name}__state")
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
                v = _text(form, name)
                if v:
                    data[name] = v
    treatments = []
    for i in range(int(_text(form, "treatment_rows") or 0)):
        row = {f: _text(form, f"t{i}_{f}") for f in TREATMENT_FIELDS}
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
    v = _text(form, "prefers_definitive_treatment")
    if v in ("yes", "no"):
        data["prefers_definitive_treatment"] = v == "yes"
    scales: dict[str, dict[str, Any]] = {}
    for scale, item in SCALE_FIELDS:
        v = _text(form, f"scale_{scale}_{item}")
        if v:
            scales.setdefault(scale, {})[item] = v
    if scales:
        data["scales"] = scales
    for name in ("notes", "case_id"):
        v = _text(form, name)
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
            doses = ", ".join(
                f"{k}: {x:g}" if isinstance(x, float | int) else f"{k}: {x}"
                for k, x in doses.items()
            )
        elif isinstance(doses, float | int):
            doses = f"{doses:g}"
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
    return "" if v is None else f"{v:g}" if isinstance(v, float | int) else str(v)


def _form_error(exc: HemispasmError) -> str:
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


# ---------------------------------------------------------------------------- store and read


def _refuse_keys(data: dict[str, Any]) -> None:
    if "identity" in data:
        raise ValidationError(
            "field 'identity': the patient is the one in the address",
            hint="leave identity out (it is kept apart, in the patient's record)",
        )
    if "video_summary" in data:
        raise ValidationError(
            "field 'video_summary': a web request cannot name a file on the server",
            hint="give video_analysis_id, the id of a stored video analysis of this patient",
        )


def video_analyses(reg: Registry, patient_id: str) -> list[dict[str, Any]]:
    """The patient's stored video analyses, newest first: id, visit date, rate, synthetic."""
    from sqlalchemy import select

    from hemispasm.registry.derive import video_spasm_rate

    with reg.read_session() as s:
        p = get_patient(s, patient_id)
        rows = s.execute(
            select(m.Analysis, m.Visit.date)
            .join(m.Recording, m.Recording.id == m.Analysis.recording_id)
            .outerjoin(m.Visit, m.Visit.id == m.Recording.visit_id)
            .where(m.Recording.patient_id == p.id, m.Analysis.kind == "video")
            .order_by(m.Analysis.created_at.desc(), m.Analysis.id.desc())
        ).all()
        out = []
        for an, day in rows:
            summary = an.summary if isinstance(an.summary, dict) else {}
            side, rate = video_spasm_rate(summary, p.side)
            prov = summary.get("provenance") if isinstance(summary.get("provenance"), dict) else {}
            out.append(
                {
                    "id": an.id,
                    "date": day.isoformat() if day else an.created_at.date().isoformat(),
                    "side": side,
                    "spasms_per_min": rate,
                    "synthetic": bool(summary.get("synthetic") or prov.get("synthetic")),
                }
            )
    return out


def _analysis_summary(reg: Registry, patient_id: str, analysis_id: int) -> dict[str, Any]:
    from sqlalchemy import select

    with reg.read_session() as s:
        row = s.execute(
            select(m.Analysis.summary, m.Recording.patient_id)
            .join(m.Recording, m.Recording.id == m.Analysis.recording_id)
            .where(m.Analysis.id == analysis_id, m.Analysis.kind == "video")
        ).first()
    if row is None or row[1] != patient_id:
        raise ValidationError(
            f"field 'video_analysis_id': patient {patient_id} has no video analysis {analysis_id}",
            hint="choose one of the patient's analyses, or none",
        )
    return dict(row[0])


def assess_mapping(
    reg: Registry, patient_id: str, data: dict[str, Any], *, video_analysis_id: int | None = None
) -> tuple[Any, Any, str]:
    """Validate and assess a case mapping (no database write): (case, assessment, sha256).

    The case gets the patient's registry id as its (pseudonymous) ``case_id`` when it has none.

    Raises
    ------
    ValidationError
        One line naming the field.
    """
    from hemispasm.clinic.assess import assess
    from hemispasm.clinic.case import case_from_dict

    _refuse_keys(data)
    data = {**data, "case_id": data.get("case_id") or patient_id}
    case = case_from_dict(data)
    summary = None
    if video_analysis_id is not None:
        summary = _analysis_summary(reg, patient_id, video_analysis_id)
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    a = assess(case, video_summary=summary, input_name=SOURCE_NAME, input_sha256=sha)
    if a.video is not None and video_analysis_id is not None:
        a.video.source_name = f"registry video analysis {video_analysis_id}"
        a.provenance.parameters["video_analysis_id"] = video_analysis_id
    return case, a, sha


def store_case(
    reg: Registry,
    patient_id: str,
    data: dict[str, Any],
    *,
    day: _dt.date,
    actor: str,
    reason: str | None = None,
    video_analysis_id: int | None = None,
) -> dict[str, Any]:
    """Validate, assess and store a case at the patient's visit of ``day`` (created if none)
    through the registry's writer, in one audited transaction; return :func:`get_case`.

    A visit that already has a case needs ``reason`` (the registry audits the change).

    Raises
    ------
    ValidationError
        A bad field (nothing stored), or a second case for a visit without a reason.
    RegistryError
        Unknown patient.
    """
    from sqlalchemy import select

    from hemispasm.registry.importer import Prepared, write_prepared

    with reg.read_session() as s:
        pid = get_patient(s, patient_id).id
    case, a, sha = assess_mapping(reg, pid, data, video_analysis_id=video_analysis_id)
    reason = (reason or "").strip() or None
    with reg.transaction(actor=actor, reason=reason) as s:
        p = get_patient(s, pid)
        visit = s.scalars(
            select(m.Visit)
            .where(m.Visit.patient_id == pid, m.Visit.date == day)
            .order_by(m.Visit.id)
        ).first()
        if visit is not None and visit.case is not None and reason is None:
            raise ValidationError(
                f"field 'reason': the visit of {day.isoformat()} already has a case",
                hint="give the reason for the change (it goes into the audit trail)",
            )
        prep = Prepared(Path(SOURCE_NAME), sha, case, a, None, day, True)
        write_prepared(s, prep, patient=p, visit=visit)
        s.flush()
        case_id = s.scalars(
            select(m.Case.id)
            .join(m.Visit, m.Visit.id == m.Case.visit_id)
            .where(m.Case.patient_id == pid, m.Visit.date == day)
            .order_by(m.Visit.id)
        ).first()
    log.info("case stored: %d red flag(s), %d rule(s) fired", len(a.red_flags), len(a.rules_fired))
    return get_case(reg, int(case_id))


def _case_row(c: m.Case, day: _dt.date | None) -> dict[str, Any]:
    return {
        "id": c.id,
        "patient_id": c.patient_id,
        "visit_id": c.visit_id,
        "visit_date": day.isoformat() if day else None,
        "source_name": c.source_name,
        "hemispasm_version": c.hemispasm_version,
        "case": c.data,
        "assessment": c.assessment,
    }


def get_case(reg: Registry, case_id: int) -> dict[str, Any]:
    """One stored case with its assessment, visit and patient id.

    Raises
    ------
    ValidationError
        Unknown case.
    """
    with reg.read_session() as s:
        c = s.get(m.Case, case_id)
        if c is None:
            raise ValidationError(f"no case {case_id}", hint="open the case from the patient page")
        return _case_row(c, c.visit.date)


def list_cases(reg: Registry, patient_id: str) -> list[dict[str, Any]]:
    """The patient's cases, newest visit first, each with its assessment's headline."""
    from sqlalchemy import select

    with reg.read_session() as s:
        p = get_patient(s, patient_id)
        rows = s.execute(
            select(m.Case, m.Visit.date)
            .join(m.Visit, m.Visit.id == m.Case.visit_id)
            .where(m.Case.patient_id == p.id)
            .order_by(m.Visit.date.desc(), m.Visit.id.desc())
        ).all()
        return [{**_case_row(c, day), **headline(c.assessment)} for c, day in rows]


def headline(a: dict[str, Any] | None) -> dict[str, Any]:
    """Leading diagnosis, likelihood, red flags (label, urgency) of a stored assessment."""
    a = a or {}
    return {
        "leading_diagnosis": a.get("leading_diagnosis"),
        "leading_label": a.get("leading_label") or a.get("leading_diagnosis"),
        "hfs_likelihood": a.get("hfs_likelihood"),
        "likelihood_label": a.get("likelihood_label") or a.get("hfs_likelihood"),
        "red_flags": [
            {"label": f.get("label") or f.get("flag"), "urgency": f.get("urgency")}
            for f in a.get("red_flags") or []
        ],
        "red_flags_not_assessed": len(a.get("red_flags_not_assessed") or []),
    }


def _assessment_model(stored: dict[str, Any] | None) -> Any:
    """The stored assessment as the clinic's model, or None when it no longer validates."""
    from hemispasm.clinic.assess import Assessment

    try:
        return Assessment.model_validate(stored or {})
    except Exception:  # stored by an older hemispasm whose model differed
        return None


# ---------------------------------------------------------------------------- pages


def _head(reg: Registry, patient_id: str, *, identity: bool) -> dict[str, Any]:
    from hemispasm.web.clinical import _ident

    with reg.read_session() as s:
        p = get_patient(s, patient_id)
        out = {"id": p.id, "synthetic": p.synthetic, "side": p.side, "sex": p.sex}
        if identity:
            out["identity"] = _ident(p.identity)
    return out


def _form_page(
    request: Request,
    p: Principal,
    patient_id: str,
    *,
    values: dict[str, Any],
    day: str,
    prefilled_from: str | None,
    error: str | None = None,
    status: int = 200,
    reason: str = "",
    video_id: str = "",
    has_case: bool = False,
) -> Response:
    from hemispasm.web.pages import render

    reg = request.app.state.reg
    v = _head(reg, patient_id, identity=True)
    audit_read(reg, p.username, v["id"], "case form")
    return render(
        request,
        "case_form.html",
        p,
        status=status,
        v=v,
        groups=form_spec(),
        val=values,
        day=day,
        prefilled_from=prefilled_from,
        error=error,
        reason=reason,
        video_id=video_id,
        has_case=has_case,
        videos=video_analyses(reg, v["id"]),
        tri=TRI,
        t_types=_choices("treatments.type"),
        t_responses=_choices("treatments.response"),
        t_side_effects=_choices("treatments.side_effects"),
    )


@router.get("/patients/{patient_id}/case", response_class=HTMLResponse)
def case_form(
    patient_id: str,
    request: Request,
    visit: int | None = None,
    p: Principal = Depends(allow("clinician")),
) -> Response:
    """The case form, prefilled from the patient's most recent case (or that of ``visit``)."""
    reg = request.app.state.reg
    cases = list_cases(reg, patient_id)
    chosen = next((c for c in cases if c["visit_id"] == visit), None) if visit else None
    if visit and chosen is None:
        raise ValidationError(f"patient {patient_id} has no case at visit {visit}")
    src = chosen or (cases[0] if cases else None)
    day = chosen["visit_date"] if chosen else _dt.date.today().isoformat()
    return _form_page(
        request,
        p,
        patient_id,
        values=form_values(src["case"] if src else None),
        day=day,
        prefilled_from=src["visit_date"] if src else None,
        has_case=any(c["visit_date"] == day for c in cases),
    )


@router.post("/patients/{patient_id}/case")
async def case_submit(
    patient_id: str, request: Request, p: Principal = Depends(allow("clinician"))
) -> Response:
    """Validate, assess and store the case; show its assessment (or the form with one line)."""
    from hemispasm.registry.patients import parse_date

    form = await request.form()
    reg = request.app.state.reg
    day_text = _text(form, "visit_date")
    reason = _text(form, "reason")
    video_id = _text(form, "video_analysis_id")
    try:
        day = parse_date(day_text or None, field="visit date") or _dt.date.today()
        data = case_mapping_from_form(form)
        vid = int(video_id) if video_id else None
        out = store_case(
            reg, patient_id, data, day=day, actor=p.username, reason=reason, video_analysis_id=vid
        )
    except (ValidationError, ValueError) as exc:
        err = exc if isinstance(exc, ValidationError) else ValidationError(str(exc))
        log.info("case form refused: %s", err.__class__.__name__)
        try:
            values = form_values(case_mapping_from_form(form))
        except ValidationError:
            values = form_values(None)
        _keep_raw(values, form)
        return _form_page(
            request,
            p,
            patient_id,
            values=values,
            day=day_text,
            prefilled_from=None,
            error=_form_error(err),
            status=422,
            reason=reason,
            video_id=video_id,
            has_case=bool(reason),
        )
    return RedirectResponse(f"/cases/{out['id']}", status_code=303)


def _keep_raw(values: dict[str, Any], form: Any) -> None:
    """Show what was typed (not what was parsed) after a refusal."""
    for _key, _title, fields in GROUPS:
        for name, kind, _label in fields:
            if kind in ("int", "choice"):
                values[name] = _text(form, name)
            elif kind == "cn":
                values[f"{name}__state"] = _text(form, f"{name}__state")
    rows = []
    for i in range(int(_text(form, "treatment_rows") or 0)):
        rows.append({f: _text(form, f"t{i}_{f}") for f in TREATMENT_FIELDS})
    if rows:
        values["treatments"] = rows
    for scale, item in SCALE_FIELDS:
        values[f"scale_{scale}_{item}"] = _text(form, f"scale_{scale}_{item}")
    values["notes"] = _text(form, "notes")


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))) -> Response:
    """The stored case's decision support: red flags first, differential with reasons."""
    from hemispasm.web.pages import render

    reg = request.app.state.reg
    c = get_case(reg, case_id)
    v = _head(reg, c["patient_id"], identity=True)
    audit_read(reg, p.username, v["id"], "case and assessment")
    a = _assessment_model(c["assessment"])
    return render(
        request,
        "case_assessment.html",
        p,
        v=v,
        c=c,
        a=a,
        head=headline(c["assessment"]),
        differential=[d for d in (a.differential if a else []) if d.score > 0 or d.rank <= 3],
        unlikely=[d for d in (a.differential if a else []) if d.score < 0 and d.rank > 3],
        findings=_findings(c["case"]),
        cite=_cite,
        sources=_cited_keys(a) if a else [],
    )


def _cite(key: str | None) -> str:
    """The short citation of a source key (the key itself when it is not a listed source)."""
    from hemispasm.clinic.assess import citation
    from hemispasm.clinic.sources import SOURCES

    return citation(key) if key in SOURCES else str(key or "")


def _cited_keys(a: Any) -> list[str]:
    from hemispasm.clinic.report import _cited_keys as keys

    return keys(a)


def _findings(data: dict[str, Any]) -> dict[str, list[str]]:
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


@router.get("/patients/{patient_id}/case/latest", response_class=HTMLResponse)
def case_latest(
    patient_id: str, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """The patient page's summary of the latest assessment (an htmx fragment, no identity)."""
    from hemispasm.web.pages import render

    cases = list_cases(request.app.state.reg, patient_id)
    return render(
        request, "case_latest.html", p, latest=cases[0] if cases else None, pid=patient_id
    )


# ---------------------------------------------------------------------------- API


def _api_error(exc: HemispasmError) -> Response:
    from fastapi.responses import JSONResponse

    log.info("case refused: %s", exc.__class__.__name__)
    return JSONResponse({"error": exc.one_line()}, status_code=422)


@api_router.post("/patients/{patient_id}/cases", status_code=201)
def api_case_create(
    patient_id: str,
    request: Request,
    body: dict[str, Any] = Body(...),
    p: Principal = Depends(allow("clinician")),
) -> Any:
    """Store a case (the ``hemispasm assess`` case JSON, plus optional ``visit_date``,
    ``reason`` and ``video_analysis_id``) with its assessment; 422 with one line if bad."""
    from hemispasm.registry.patients import parse_date

    data = dict(body)
    day_raw = data.pop("visit_date", None)
    reason = data.pop("reason", None)
    vid = data.pop("video_analysis_id", None)
    try:
        if vid is not None and (isinstance(vid, bool) or not isinstance(vid, int)):
            raise ValidationError("field 'video_analysis_id': must be an integer id")
        day = parse_date(str(day_raw) if day_raw else None, field="visit_date")
        return store_case(
            request.app.state.reg,
            patient_id,
            data,
            day=day or _dt.date.today(),
            actor=p.username,
            reason=str(reason) if reason else None,
            video_analysis_id=vid,
        )
    except ValidationError as exc:
        return _api_error(exc)


@api_router.get("/patients/{patient_id}/cases")
def api_case_list(
    patient_id: str, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> dict[str, Any]:
    """The patient's cases, newest first (case, assessment and its headline)."""
    reg = request.app.state.reg
    cases = list_cases(reg, patient_id)
    audit_read(reg, p.username, patient_id, "cases (API)")
    return {"patient_id": patient_id, "cases": cases}


@api_router.get("/cases/{case_id}")
def api_case_get(case_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))) -> Any:
    """One stored case with its assessment."""
    reg = request.app.state.reg
    c = get_case(reg, case_id)
    audit_read(reg, p.username, c["patient_id"], "case (API)")
    return c
