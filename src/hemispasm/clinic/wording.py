"""Read a case file written in a clinician's own words (pure, before validation).

Values are matched case-insensitively with spaces and hyphens as underscores, then through the
synonym table ``wording.yaml`` (validated when loaded); free-text doses ("200 mg twice daily"),
responses ("good, lasted 16 weeks"), durations ("4 months"), ages ("52 years") and percentages
("80%") are parsed where they are unambiguous. Every interpretation is returned as a sentence
("read 'stress' as emotional_stress") so nothing is silent; a value that cannot be read raises one
:class:`~hemispasm.errors.ValidationError` line naming the field, the value and the accepted
values. Rules of reading: docs/clinic.md, "Wording".
"""

from __future__ import annotations

import functools
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal

from hemispasm.errors import ValidationError

WORDING_PATH = Path(__file__).with_name("wording.yaml")
ORAL_DRUGS = ("carbamazepine", "clonazepam", "diazepam")
#: Weeks in a month (365.25 / 12 / 7) and in a day, for "lasted 4 months".
WEEKS_PER = {"week": 1.0, "month": 365.25 / 12 / 7, "day": 1 / 7}
_NOT_READ_FIELDS = frozenset(
    {"case_id", "notes", "identity", "scales", "video_summary", "treatments", "interpretations"}
)
_SPECIAL_TABLES = {"boolean", "frequency_per_day", "product"}
_SHOW_MAX = 60


_SEP = re.compile(r"[\s\-]+")


def norm(text: str) -> str:
    """Lower case; spaces and hyphens as underscores ("Orbicularis oculi" → orbicularis_oculi)."""
    return _SEP.sub("_", text.strip().lower()).strip("_")


def _show(value: Any) -> str:
    s = repr(value) if not isinstance(value, str) else f"'{value}'"
    return s if len(s) <= _SHOW_MAX else s[: _SHOW_MAX - 4] + "...'"


def _literal_values(annotation: Any) -> tuple[str, ...]:
    """Every Literal value reachable in a type annotation (Optional, Union, list unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return tuple(str(a) for a in typing.get_args(annotation))
    out: tuple[str, ...] = ()
    if origin in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            out += _literal_values(arg)
    return out


def _kind(annotation: Any) -> set[str]:
    """Which shapes a field accepts: 'list', 'bool', 'number'."""
    out: set[str] = set()
    stack = [annotation]
    while stack:
        a = stack.pop()
        origin = typing.get_origin(a)
        if origin is list:
            out.add("list")
        if a is bool:
            out.add("bool")
        if a in (int, float):
            out.add("number")
        if origin in (typing.Union, types.UnionType, list):
            stack.extend(typing.get_args(a))
    return out


def _models() -> tuple[type, type]:
    from hemispasm.clinic.case import Case, Treatment

    return Case, Treatment


@functools.lru_cache(maxsize=256)
def field_choices(field: str) -> tuple[str, ...]:
    """Accepted values of a Case field (or ``treatments.X``), from the model itself."""
    case_model, treatment_model = _models()
    model, name = (
        (treatment_model, field.split(".", 1)[1])
        if field.startswith("treatments.")
        else (case_model, field)
    )
    if name not in model.model_fields:
        raise KeyError(field)
    return _literal_values(model.model_fields[name].annotation)


class Wording:
    """The validated synonym tables (see ``wording.yaml``)."""

    def __init__(self, tables: dict[str, dict[str, Any]], fields: dict[str, str]) -> None:
        self.tables = tables
        self.fields = fields

    def table(self, field: str) -> dict[str, Any]:
        name = self.fields.get(field)
        return self.tables.get(name, {}) if name else {}


def load_wording(path: str | Path | None = None) -> Wording:
    """Load and validate a synonym table (the packaged one by default, cached).

    Raises
    ------
    hemispasm.errors.ValidationError
        One line: an unknown field, a table that does not exist, a phrase not in normalised
        form, or a target that is not an accepted value of its field.
    """
    if path is None:
        return _default_wording()
    return _load(Path(path))


@functools.lru_cache(maxsize=1)
def _default_wording() -> Wording:
    return _load(WORDING_PATH)


def _load(p: Path) -> Wording:
    import yaml

    def bad(msg: str) -> ValidationError:
        return ValidationError(msg, path=p, hint="fix the synonym table (see its header)")

    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise bad(f"cannot read the synonym table ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("version") != 1:
        raise bad("the synonym table must be a mapping with 'version: 1'")
    tables, fields = data.get("tables"), data.get("fields")
    if not isinstance(tables, dict) or not isinstance(fields, dict):
        raise bad("the synonym table needs 'tables' and 'fields' mappings")
    for tname, table in tables.items():
        if not isinstance(table, dict):
            raise bad(f"table '{tname}' is not a mapping")
        for phrase in table:
            if not isinstance(phrase, str) or norm(phrase) != phrase or not phrase:
                raise bad(f"table '{tname}': phrase {phrase!r} is not in normalised form")
    for tname, check in (
        ("boolean", lambda v: v is None or isinstance(v, bool)),
        ("frequency_per_day", lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0),
        ("product", lambda v: isinstance(v, str) and bool(v)),
    ):
        for phrase, target in tables.get(tname, {}).items():
            if not check(target):
                raise bad(f"table '{tname}': '{phrase}' has an invalid target {target!r}")
    for field, tname in fields.items():
        if tname not in tables or tname in _SPECIAL_TABLES:
            raise bad(f"field '{field}' names table '{tname}', which is not a value table")
        try:
            choices = field_choices(str(field))
        except KeyError:
            raise bad(f"unknown field '{field}'") from None
        for phrase, target in tables[tname].items():
            if str(target) not in choices:
                raise bad(
                    f"table '{tname}': '{phrase}' → {target!r} is not an accepted value of "
                    f"'{field}' ({', '.join(choices)})"
                )
    for tname in tables:
        if tname not in _SPECIAL_TABLES and tname not in fields.values():
            raise bad(f"table '{tname}' is used by no field")
    return Wording(tables, {str(k): str(v) for k, v in fields.items()})


# ----------------------------------------------------------------------------------------
# reading values
# ----------------------------------------------------------------------------------------

_ROMAN = {
    str(i): r
    for i, r in enumerate(
        ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
    )
    if i
}
_NUM = r"(\d+(?:\.\d+)?)"
_DURATION = re.compile(_NUM + r"\s*(weeks?|wks?|w|months?|mos?|days?|d)\b", re.IGNORECASE)


def _duration_unit(word: str) -> str:
    w = word.lower()
    return "month" if w.startswith("mo") else "day" if w.startswith("d") else "week"


class _Reader:
    """Reads one case mapping; collects interpretations."""

    def __init__(self, wording: Wording) -> None:
        self.w = wording
        self.notes: list[str] = []

    # -- generic -----------------------------------------------------------------------
    def _fail(self, label: str, value: Any, accepted: str, hint: str | None = None) -> None:
        raise ValidationError(
            f"field '{label}': cannot read {_show(value)}; accepted: {accepted}",
            hint=hint or "synonyms are listed in docs/clinic.md (Wording)",
        )

    def choice(self, label: str, field: str, raw: Any) -> Any:
        choices = field_choices(field)
        table = self.w.table(field)
        if isinstance(raw, bool):
            key = "true" if raw else "false"
            if key in table:
                self.notes.append(f"read {key} in '{label}' as {table[key]}")
                return table[key]
            self._fail(
                label,
                raw,
                ", ".join(choices),
                hint="YAML reads an unquoted yes/no/on/off as true/false: write one of the values",
            )
        if isinstance(raw, int | float) and field == "other_cranial_nerve_signs":
            raw = str(raw)
        if raw is None:
            return raw
        if not isinstance(raw, str):
            self._fail(label, raw, ", ".join(choices))
        if raw in choices:
            return raw
        n = norm(raw)
        lower = {c.lower(): c for c in choices}
        if n in lower:
            return lower[n]
        if n in table:
            self.notes.append(f"read '{raw}' in '{label}' as {table[n]}")
            return table[n]
        if field == "other_cranial_nerve_signs":
            m = re.fullmatch(r"(?:cn|cranial_nerve|nerve)?_?([0-9]+|[ivx]+)(?:_nerve)?", n)
            if m:
                roman = _ROMAN.get(m.group(1), m.group(1).upper())
                if roman in choices:
                    if roman != raw.strip():
                        self.notes.append(f"read '{raw}' in '{label}' as {roman}")
                    return roman
        self._fail(label, raw, ", ".join(choices))
        return None  # pragma: no cover

    def choices(self, label: str, field: str, raw: Any) -> Any:
        if isinstance(raw, str):
            n = norm(raw)
            table = self.w.table(field)
            whole = {c.lower() for c in field_choices(field)} | set(table)
            if n in whole or not re.search(r",|;|\band\b|\+", raw):
                return [self.choice(f"{label}", field, raw)]
            parts = [p for p in re.split(r"\s*(?:,|;|\band\b|\+)\s*", raw) if p.strip()]
            before = len(self.notes)
            out = [self.choice(f"{label}[{i}]", field, p) for i, p in enumerate(parts)]
            if len(self.notes) == before:  # the split itself is the only interpretation
                self.notes.append(f"read '{raw}' in '{label}' as {', '.join(map(str, out))}")
            return out
        if isinstance(raw, list):
            return [self.choice(f"{label}[{i}]", field, v) for i, v in enumerate(raw)]
        return raw

    def boolean(self, label: str, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        n = norm(raw)
        if n in ("true", "yes", "false", "no", "1", "0", "on", "off", "t", "f"):
            return raw
        table = self.w.tables.get("boolean", {})
        if n in table:
            val = table[n]
            shown = "not recorded" if val is None else str(val).lower()
            self.notes.append(f"read '{raw}' in '{label}' as {shown}")
            return val
        self._fail(
            label,
            raw,
            "true/false (yes/no), present/absent, or leave it out when not recorded",
        )
        return None  # pragma: no cover

    def number(self, label: str, raw: Any, *, unit: str, words: str) -> Any:
        if isinstance(raw, bool):
            raise ValidationError(
                f"field '{label}': {str(raw).lower()} is a yes/no value, not a number",
                hint=f"give a number ({unit})",
            )
        if not isinstance(raw, str):
            return raw
        m = re.fullmatch(r"\s*" + _NUM + r"\s*(" + words + r")?\s*", raw, re.IGNORECASE)
        if not m:
            self._fail(label, raw, f"a number ({unit})")
        assert m is not None
        val = float(m.group(1))
        val_out: float | int = int(val) if val.is_integer() else val
        return val_out  # a number with the field's own unit: nothing was interpreted

    # -- treatment entries -------------------------------------------------------------
    def duration_weeks(self, label: str, raw: Any) -> Any:
        if isinstance(raw, bool):
            raise ValidationError(
                f"field '{label}': {str(raw).lower()} is a yes/no value, not a number",
                hint="give the duration in weeks",
            )
        if not isinstance(raw, str):
            return raw
        m = re.fullmatch(r"\s*" + _NUM + r"\s*", raw)
        if m:
            return float(m.group(1))
        m = _DURATION.fullmatch(raw.strip())
        if not m:
            self._fail(label, raw, "a number of weeks, or 'N weeks' / 'N months' / 'N days'")
        assert m is not None
        unit = _duration_unit(m.group(2))
        weeks = round(float(m.group(1)) * WEEKS_PER[unit], 1)
        if unit != "week":
            self.notes.append(f"read '{raw}' in '{label}' as {weeks:g} weeks")
        return weeks

    def response(self, label: str, raw: Any) -> tuple[Any, float | None]:
        """A response level and, when written with it, the benefit in weeks."""
        if not isinstance(raw, str):
            return raw, None
        choices = field_choices("treatments.response")
        table = self.w.table("treatments.response")
        text = raw.strip()
        whole = norm(re.sub(r"[,;:.!]", " ", text))
        if whole in table or whole in choices:
            level = table.get(whole, whole)
            if level != raw.strip():
                self.notes.append(f"read '{raw}' in '{label}' as response {level}")
            return level, None
        found = list(_DURATION.finditer(text))
        if len(found) > 1:
            self._fail(label, raw, "one level and at most one duration")
        weeks = None
        if found:
            m = found[0]
            weeks = round(float(m.group(1)) * WEEKS_PER[_duration_unit(m.group(2))], 1)
            text = text[: m.start()] + " " + text[m.end() :]
        text = re.sub(
            r"\b(lasted|lasting|lasts|for|about|approx(?:imately)?|around|benefit|response|"
            r"effect|improvement|with|of|over|ca)\b|[~,;:.!()]",
            " ",
            text,
            flags=re.IGNORECASE,
        )
        n = norm(text)
        if not n:
            level = None
        elif n in choices:
            level = n
        elif n in table:
            level = table[n]
        else:
            level = "?"
        accepted = (
            ", ".join(choices)
            + " (or "
            + ", ".join(sorted(table))
            + "), optionally with a duration: 'good, lasted 16 weeks'"
        )
        if level == "?" or (level is None and weeks is None):
            self._fail(label, raw, accepted)
        if raw.strip() != level:
            parts = [f"response {level}"] if level else []
            if weeks is not None:
                parts.append(f"benefit_weeks {weeks:g}")
            self.notes.append(f"read '{raw}' in '{label}' as {', '.join(parts)}")
        return level, weeks

    def _amount(self, label: str, raw: str, ttype: str) -> float:
        s = raw.strip()
        low = s.lower()
        if ttype == "botulinum_toxin":
            m = re.fullmatch(_NUM + r"\s*(u|units?|iu|mu)?\.?(?:\s*(?:in\s+)?total)?", low)
            if not m:
                self._fail(
                    label, raw, "a number of units, 'N U' or 'N units', or a mapping muscle → units"
                )
            assert m is not None
            return float(m.group(1))  # units of toxin, as the field expects
        if ttype in ORAL_DRUGS:
            accepted = (
                "a number (mg/day), 'N mg/day', or 'N mg' with how often "
                "(once/twice/three times/four times daily, od, bd, tds, qds)"
            )
            m = re.fullmatch(_NUM + r"\s*(mg|milligrams?|mcg|µg|ug|micrograms?)?\s*(.*)", low)
            if not m:
                self._fail(label, raw, accepted)
            assert m is not None
            amount, unit, rest = float(m.group(1)), m.group(2), m.group(3)
            if unit and unit[0] in "mµu" and unit != "mg" and not unit.startswith("milli"):
                amount /= 1000.0
            rest_n = norm(rest.replace(".", ""))
            if re.fullmatch(r"(units?|u|iu)", rest_n or "x"):
                raise ValidationError(
                    f"field '{label}': {_show(raw)} is in units, which are for botulinum toxin",
                    hint=f"give {ttype} in mg per day",
                )
            if not rest_n:
                if unit is None:
                    return amount
                raise ValidationError(
                    f"field '{label}': {_show(raw)} does not say how often it is taken",
                    hint="write the daily total ('400 mg/day') or the frequency "
                    "('200 mg twice daily')",
                )
            per_day = {"/day", "/d", "per_day", "a_day", "daily_total", "/_day", "mg/day"}
            freq = self.w.tables.get("frequency_per_day", {})
            if rest_n in per_day or rest_n.replace("_", "") in ("/day", "/d", "perday"):
                n_day = 1
            elif rest_n in freq:
                n_day = freq[rest_n]
            else:
                self._fail(label, raw, accepted)
            total = amount * n_day
            self.notes.append(f"read '{raw}' in '{label}' as {total:g} mg/day")
            return total
        raise ValidationError(
            f"field '{label}': {_show(raw)} is not a dose for {ttype}",
            hint="leave doses empty for MVD",
        )

    def doses(self, label: str, raw: Any, ttype: Any) -> Any:
        if isinstance(raw, bool):
            raise ValidationError(
                f"field '{label}': {str(raw).lower()} is a yes/no value, not a dose",
                hint="give a number (units for toxin, mg/day for oral drugs)",
            )
        if isinstance(raw, str) and isinstance(ttype, str):
            return self._amount(label, raw, ttype)
        if isinstance(raw, dict):
            out: dict[Any, Any] = {}
            for k, v in raw.items():
                key = (
                    self.choice(f"{label} (muscle)", "first_muscle", k) if isinstance(k, str) else k
                )
                if isinstance(v, bool):
                    raise ValidationError(
                        f"field '{label}.{key}': {str(v).lower()} is a yes/no value, not a dose",
                        hint="give the units for this muscle",
                    )
                if isinstance(v, str) and isinstance(ttype, str):
                    v = self._amount(f"{label}.{key}", v, ttype)
                if key in out:
                    raise ValidationError(
                        f"field '{label}': muscle '{key}' is given twice",
                        hint="give each muscle once",
                    )
                out[key] = v
            return out
        return raw

    def treatment(self, label: str, entry: Any) -> Any:
        _, treatment_model = _models()
        if not isinstance(entry, dict):
            return entry
        e = self.keys(label, entry, treatment_model.model_fields)
        product_table = self.w.tables.get("product", {})
        if isinstance(e.get("type"), str):
            typed = e["type"]
            n = norm(typed)
            before = len(self.notes)
            e["type"] = self.choice(f"{label}.type", "treatments.type", typed)
            brand = product_table.get(n)
            if e["type"] == "botulinum_toxin" and brand and n not in ("botulinum_toxin",):
                given = e.get("product")
                given_n = product_table.get(norm(given), given) if isinstance(given, str) else given
                if given is None:
                    e["product"] = brand
                    del self.notes[before:]
                    self.notes.append(
                        f"read '{typed}' in '{label}.type' as botulinum_toxin, product {brand}"
                    )
                elif given_n != brand:
                    raise ValidationError(
                        f"field '{label}': type '{typed}' and product '{given}' disagree",
                        hint="give the product once",
                    )
        if isinstance(e.get("product"), str):
            n = norm(e["product"])
            if n in product_table and product_table[n] != e["product"]:
                self.notes.append(
                    f"read '{e['product']}' in '{label}.product' as {product_table[n]}"
                )
                e["product"] = product_table[n]
        if "side_effects" in e:
            e["side_effects"] = self.choices(
                f"{label}.side_effects", "treatments.side_effects", e["side_effects"]
            )
        if "response" in e:
            level, weeks = self.response(f"{label}.response", e["response"])
            e["response"] = level
            if weeks is not None:
                given = e.get("benefit_weeks")
                if (
                    given is not None
                    and self.duration_weeks(f"{label}.benefit_weeks", given) != weeks
                ):
                    raise ValidationError(
                        f"field '{label}': the response says {weeks:g} weeks but benefit_weeks "
                        f"is {given}",
                        hint="give the duration once",
                    )
                e["benefit_weeks"] = weeks
        if "benefit_weeks" in e:
            e["benefit_weeks"] = self.duration_weeks(f"{label}.benefit_weeks", e["benefit_weeks"])
        if "peak_improvement_pct" in e:
            e["peak_improvement_pct"] = self.number(
                f"{label}.peak_improvement_pct", e["peak_improvement_pct"], unit="%", words="%"
            )
        if "stopped_for_side_effects" in e:
            e["stopped_for_side_effects"] = self.boolean(
                f"{label}.stopped_for_side_effects", e["stopped_for_side_effects"]
            )
        if "doses" in e:
            e["doses"] = self.doses(f"{label}.doses", e["doses"], e.get("type"))
        d = e.get("date")
        if isinstance(d, str) and not re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", d):
            raise ValidationError(
                f"field '{label}.date': cannot read {_show(d)} as a date",
                hint="write it as YYYY-MM-DD (day/month order is ambiguous otherwise)",
            )
        return e

    def keys(self, label: str, data: dict, known: Any) -> dict:
        out: dict[Any, Any] = {}
        for k, v in data.items():
            if not isinstance(k, str):
                raise ValidationError(
                    f"field names must be text, got {_show(k)}"
                    + (f" in '{label}'" if label else ""),
                    hint="write field names as in `hemispasm case template`",
                )
            key = k
            if k not in known and norm(k) in known:
                key = norm(k)
                self.notes.append(f"read field '{k}' as {key}")
            if key in out:
                raise ValidationError(
                    f"field '{key}' is given twice" + (f" in '{label}'" if label else ""),
                    hint="give each field once",
                )
            out[key] = v
        return out

    def case(self, data: dict) -> dict:
        case_model, _ = _models()
        fields = case_model.model_fields
        d = self.keys("", data, fields)
        for name, value in list(d.items()):
            if name not in fields or name in _NOT_READ_FIELDS or value is None:
                continue
            ann = fields[name].annotation
            kind = _kind(ann)
            if _literal_values(ann):
                d[name] = (
                    self.choices(name, name, value)
                    if "list" in kind
                    else self.choice(name, name, value)
                )
            elif "bool" in kind:
                d[name] = self.boolean(name, value)
            elif "number" in kind:
                d[name] = self.number(
                    name, value, unit="years", words=r"years?\s*old|years?|yrs?|y/o|yo|y"
                )
        tr = d.get("treatments")
        if isinstance(tr, list):
            d["treatments"] = [self.treatment(f"treatments[{i}]", e) for i, e in enumerate(tr)]
        return d


def read_wording(data: dict[str, Any], *, wording: Wording | None = None) -> tuple[dict, list[str]]:
    """Normalise a case mapping written in natural wording (pure).

    Returns
    -------
    (dict, list of str)
        The mapping with every value in the form the model accepts, and the interpretations
        made ("read 'stress' in 'triggers[0]' as emotional_stress").

    Raises
    ------
    hemispasm.errors.ValidationError
        A value that cannot be read: the field, the value and the accepted values.
    """
    reader = _Reader(wording or load_wording())
    return reader.case(data), reader.notes
