"""The clinical case: structured history and examination for hemifacial spasm (HFS).

A case file is YAML or JSON, written by hand (``hemispasm case template`` prints a commented
example; ``hemispasm case schema`` prints the JSON Schema). Every field is optional except that
unknown field names are rejected, so a typo (``hearing_los``) is an error naming the field rather
than a silently ignored finding. Boolean findings default to ``None`` ("not recorded"), which is
different from ``false`` ("looked for, absent").

"left" and "right" are the patient's own sides. ``case_id`` is meant for a pseudonymous identifier;
``identity`` (name, birth date, MRN, as a registry import carries them) is accepted but excluded
from every serialisation, output and log, and ``notes`` (free text) is never logged nor copied into
outputs. ``interpretations`` is filled by the loader (how it read natural wording), never by hand.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hemispasm.errors import InputError, ValidationError
from hemispasm.schema import REGIONS

#: Muscles a case may name: the facial-nerve regions of :data:`hemispasm.schema.REGIONS`, plus
#: buccinator (facial nerve) and the jaw muscles (trigeminal nerve: hemimasticatory spasm).
FACIAL_MUSCLES: tuple[str, ...] = (*REGIONS, "buccinator")
JAW_MUSCLES: tuple[str, ...] = ("masseter", "temporalis")
MUSCLES: tuple[str, ...] = (*FACIAL_MUSCLES, *JAW_MUSCLES)
#: Periocular / upper-face muscles (typical HFS starts here) and lower-face muscles (atypical
#: onset), following the typical downward spread described by Wang & Jankovic 1998.
UPPER_FACE: frozenset[str] = frozenset({"orbicularis_oculi", "corrugator", "frontalis"})
LOWER_FACE: frozenset[str] = frozenset(
    {"zygomaticus", "orbicularis_oris", "platysma", "buccinator"}
)

Muscle = Literal[
    "orbicularis_oculi",
    "corrugator",
    "frontalis",
    "zygomaticus",
    "orbicularis_oris",
    "platysma",
    "buccinator",
    "masseter",
    "temporalis",
]
Trigger = Literal[
    "emotional_stress",
    "fatigue",
    "anxiety",
    "reading",
    "coughing",
    "talking",
    "chewing",
    "bright_light",
    "voluntary_facial_movement",
    "other",
]
CranialNerve = Literal["II", "III", "IV", "V", "VI", "VIII", "IX", "X", "XI", "XII"]
TreatmentType = Literal["carbamazepine", "clonazepam", "diazepam", "botulinum_toxin", "mvd"]
Response = Literal["none", "mild", "moderate", "marked", "complete"]
SideEffect = Literal[
    "ptosis",
    "facial_weakness",
    "diplopia",
    "dry_eye",
    "lagophthalmos",
    "drowsiness",
    "dizziness",
    "hearing_loss",
    "csf_leak",
    "other",
]

_NERVE_NAMES: dict[str, str] = {
    "optic": "II",
    "oculomotor": "III",
    "trochlear": "IV",
    "trigeminal": "V",
    "abducens": "VI",
    "vestibulocochlear": "VIII",
    "glossopharyngeal": "IX",
    "vagus": "X",
    "accessory": "XI",
    "hypoglossal": "XII",
}


#: Plausibility bounds for recorded treatments (issue 10: NaN, inf, 1e12 units or a session in the
#: future must not reach a report). Above a bound the case is refused with one line naming the
#: field; see docs/clinic.md ("Limits") for the sources and the engineering choices.
#: Oral drugs: the highest labelled adult daily dose (mg/day): carbamazepine "up to 1600 mg/day
#: ... in rare instances", clonazepam 20 mg/day, diazepam 2-10 mg 2-4 times a day (40 mg/day).
MAX_ORAL_MG_PER_DAY: dict[str, float] = {
    "carbamazepine": 1600.0,
    "clonazepam": 20.0,
    "diazepam": 40.0,
}
#: Botulinum toxin, units in one session (engineering choice): five times the labelled 30-day
#: maximum of onabotulinumtoxinA for blepharospasm (200 U), leaving room for products whose units
#: are smaller; a facial session above it is a unit or typing error.
MAX_TOXIN_UNITS_PER_SESSION = 1000.0
#: Benefit of one treatment, weeks (engineering choice): 120 years, the age limit of a case.
MAX_BENEFIT_WEEKS = 120 * 52.18
#: Earliest plausible treatment date (engineering choice).
EARLIEST_TREATMENT_DATE = _dt.date(1900, 1, 1)


class Treatment(BaseModel):
    """One treatment episode (for botulinum toxin: one injection session).

    Attributes
    ----------
    type : {"carbamazepine", "clonazepam", "diazepam", "botulinum_toxin", "mvd"}
    date : date, optional
        Start date (ISO ``YYYY-MM-DD``); needed for the interval between toxin sessions.
    doses : float or dict, optional
        Botulinum toxin: total units, or units per muscle (``{orbicularis_oculi: 10}``).
        Oral drugs: mg per day. MVD: leave empty.
    product : str, optional
        Toxin product, e.g. ``onabotulinumtoxinA`` (units are not interchangeable between
        products).
    response : {"none", "mild", "moderate", "marked", "complete"}, optional
        The clinician's global rating of the benefit.
    peak_improvement_pct : float, optional
        Peak improvement, 0-100 % (patient or clinician estimate).
    benefit_weeks : float, optional
        How long the benefit lasted, in weeks.
    side_effects : list, optional
    stopped_for_side_effects : bool, optional
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    type: TreatmentType
    date: _dt.date | None = None
    doses: float | dict[str, float] | None = None
    product: str | None = None
    response: Response | None = None
    peak_improvement_pct: float | None = Field(default=None, ge=0, le=100)
    benefit_weeks: float | None = Field(default=None, ge=0)
    side_effects: list[SideEffect] = Field(default_factory=list)
    stopped_for_side_effects: bool | None = None

    @field_validator("doses")
    @classmethod
    def _doses_positive(cls, v: float | dict[str, float] | None) -> Any:
        if v is None:
            return v
        values = v.values() if isinstance(v, dict) else [v]
        if any(x < 0 for x in values):
            raise ValueError("doses must not be negative")
        if isinstance(v, dict):
            bad = [k for k in v if k not in MUSCLES]
            if bad:
                raise ValueError(f"unknown muscle(s) {bad}; use names from {list(MUSCLES)}")
        return v

    @model_validator(mode="after")
    def _plausible(self) -> Treatment:
        total = self.total_units
        if total is not None:
            if self.type == "botulinum_toxin" and total > MAX_TOXIN_UNITS_PER_SESSION:
                raise ValueError(
                    f"doses total {total:g} U, more than {MAX_TOXIN_UNITS_PER_SESSION:g} U in one "
                    "session is not plausible (a unit or typing error?)"
                )
            limit = MAX_ORAL_MG_PER_DAY.get(self.type)
            if limit is not None and total > limit:
                raise ValueError(
                    f"doses {total:g} mg/day is above the highest labelled daily dose of "
                    f"{self.type} ({limit:g} mg/day); check the unit (mg per day)"
                )
            if self.type == "mvd" and total > 0:
                raise ValueError("MVD has no dose; leave doses empty")
        if self.date is not None:
            today = _dt.date.today()
            if self.date > today:
                raise ValueError(f"date {self.date.isoformat()} is in the future")
            if self.date < EARLIEST_TREATMENT_DATE:
                raise ValueError(f"date {self.date.isoformat()} is before 1900")
        if self.benefit_weeks is not None and self.benefit_weeks > MAX_BENEFIT_WEEKS:
            raise ValueError(
                f"benefit_weeks {self.benefit_weeks:g} is longer than a lifetime "
                f"({MAX_BENEFIT_WEEKS:g} weeks)"
            )
        return self

    @property
    def total_units(self) -> float | None:
        """Total dose (units for toxin, mg/day for drugs), or None when not recorded."""
        if self.doses is None:
            return None
        return float(sum(self.doses.values())) if isinstance(self.doses, dict) else self.doses


class Identity(BaseModel):
    """Patient identity, as a registry import carries it.

    Accepted so that a case exported from a record system loads unchanged, but never printed:
    it is excluded from every serialisation (``exclude=True``), from ``repr`` and from every
    output and log line.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, repr=False, description="Patient name.")
    birth_date: _dt.date | None = Field(default=None, repr=False, description="Date of birth.")
    mrn: str | None = Field(default=None, repr=False, description="Medical record number.")


class Case(BaseModel):
    """Structured history and examination of one patient with facial spasms.

    See ``docs/clinic.md`` for every field, its meaning and allowed values.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    # identity (pseudonymous) -------------------------------------------------------------
    case_id: str | None = Field(default=None, description="Pseudonymous case identifier.")
    notes: str | None = Field(default=None, description="Free text; never logged or exported.")
    identity: Identity | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description=(
            "Patient identity {name, birth_date, mrn} (optional, as a registry import carries "
            "it). Accepted but never written to any output or log."
        ),
    )
    # history ------------------------------------------------------------------------------
    age: int | None = Field(default=None, ge=0, le=120, description="Age in years.")
    sex: Literal["female", "male", "other"] | None = None
    side: Literal["left", "right", "bilateral"] | None = Field(
        default=None, description="Side of the spasms (patient's own side)."
    )
    onset_age: int | None = Field(default=None, ge=0, le=120, description="Age at onset.")
    onset_tempo: Literal["gradual", "subacute", "sudden"] | None = Field(
        default=None,
        description=(
            "How the facial symptoms began: gradual (over months or years), subacute (over days "
            "to weeks) or sudden (within hours to a day)."
        ),
    )
    pregnancy: Literal["none", "pregnant", "breastfeeding", "planning"] | None = Field(
        default=None,
        description=(
            "Pregnancy status: none, pregnant, breastfeeding, or planning a pregnancy. Not "
            "recorded (empty) is different from none."
        ),
    )
    first_muscle: Muscle | None = Field(default=None, description="First muscle involved.")
    spread_to: list[Muscle] = Field(default_factory=list, description="Muscles involved later.")
    spasm_type: Literal["clonic", "tonic", "both"] | None = None
    frequency: Literal["intermittent", "frequent", "continuous"] | None = None
    triggers: list[Trigger] = Field(default_factory=list)
    facial_pain: bool | None = Field(default=None, description="Ipsilateral facial pain.")
    bilateral_synchronous: bool | None = Field(
        default=None, description="Both sides contract together (synchronously)."
    )
    bilateral_blinking: bool | None = Field(
        default=None, description="Excessive blinking of both eyes."
    )
    prior_bells_palsy: bool | None = None
    facial_trauma: bool | None = Field(default=None, description="Facial nerve injury/trauma.")
    suppressible: bool | None = Field(
        default=None, description="Movements can be voluntarily suppressed."
    )
    premonitory_urge: bool | None = Field(default=None, description="An urge precedes them.")
    sensory_trick: bool | None = Field(
        default=None, description="A touch or manoeuvre relieves them (geste antagoniste)."
    )
    distractible: bool | None = Field(
        default=None, description="Movements vary or stop with distraction."
    )
    dopamine_blocker_exposure: bool | None = Field(
        default=None, description="Exposure to dopamine-receptor-blocking drugs."
    )
    orolingual_movements: bool | None = Field(
        default=None, description="Stereotyped mouth/tongue movements."
    )
    seizures: bool | None = Field(default=None, description="Known or suspected seizures.")
    jaw_muscle_spasm: bool | None = Field(
        default=None, description="Spasms of masseter/temporalis (jaw closure)."
    )
    # examination --------------------------------------------------------------------------
    facial_weakness: bool | None = Field(
        default=None, description="Weakness of the facial muscles on examination."
    )
    progressive_weakness: bool | None = Field(
        default=None,
        description=(
            "The facial weakness is getting worse over time (not weakness explained by a recent "
            "toxin session)."
        ),
    )
    hearing_loss: bool | None = None
    tinnitus: bool | None = None
    vertigo: bool | None = None
    other_cranial_nerve_signs: list[CranialNerve] = Field(default_factory=list)
    other_babinski_sign: bool | None = Field(
        default=None, description="Brow elevation with ipsilateral eye closure during spasm."
    )
    myokymia: bool | None = Field(default=None, description="Rippling, undulating myokymia.")
    downward_mouth_deviation: bool | None = Field(
        default=None, description="The mouth angle is pulled downward during the spasms."
    )
    # head and neck warning signs ----------------------------------------------------------
    neck_mass: bool | None = Field(default=None, description="Palpable lump or mass.")
    dysphagia: bool | None = Field(default=None, description="Trouble eating or swallowing.")
    dyspnea: bool | None = Field(default=None, description="Trouble breathing.")
    visual_change: bool | None = Field(default=None, description="Trouble seeing.")
    hoarseness: bool | None = Field(default=None, description="Voice change or hoarseness.")
    weight_loss: bool | None = Field(default=None, description="Unexplained weight loss.")
    # investigations -----------------------------------------------------------------------
    emg_lsr: Literal["present", "absent", "not_done"] = "not_done"
    mri: Literal["normal", "neurovascular_conflict", "mass_lesion", "not_done"] = "not_done"
    mri_sequences: list[Literal["high_res_t2", "mra_tof", "contrast"]] = Field(
        default_factory=list, description="Sequences of the MRI done."
    )
    mri_vessel: Literal["AICA", "PICA", "vertebral", "vein", "other"] | None = None
    compression_site: (
        Literal["root_exit_zone", "attached_segment", "cisternal", "distal", "other"] | None
    ) = None
    # treatment, scales and video ------------------------------------------------------------
    treatments: list[Treatment] = Field(default_factory=list)
    prefers_definitive_treatment: bool | None = Field(
        default=None, description="The patient wishes a definitive (surgical) treatment."
    )
    scales: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Scale answers, e.g. {hfs7: {item1: 2, ...}}."
    )
    video_summary: str | dict[str, Any] | None = Field(
        default=None, description="Path to, or content of, a `hemispasm analyze` summary.json."
    )
    # filled by the loader, not written by hand -------------------------------------------------
    interpretations: list[str] = Field(
        default_factory=list,
        exclude=True,
        description=(
            "Filled by hemispasm, not written in a case file: how the loader read each value it "
            "had to interpret (e.g. \"read 'stress' as emotional_stress\"). Not a clinical fact."
        ),
        json_schema_extra={"readOnly": True},
    )

    @field_validator("other_cranial_nerve_signs", mode="before")
    @classmethod
    def _nerve_names(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list):
            out = []
            for item in v:
                s = str(item).strip()
                s = _NERVE_NAMES.get(s.lower(), s.upper())
                out.append(s)
            return out
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if self.age is not None and self.onset_age is not None and self.onset_age > self.age:
            raise ValueError(f"onset_age ({self.onset_age}) is greater than age ({self.age})")
        if self.side in ("left", "right") and self.bilateral_synchronous:
            raise ValueError("bilateral_synchronous is true but side is one-sided")
        return self

    # derived facts ------------------------------------------------------------------------
    @property
    def muscles_involved(self) -> list[str]:
        """First muscle then the spread, without duplicates, in the order given."""
        seen: list[str] = []
        for m in [self.first_muscle, *self.spread_to]:
            if m and m not in seen:
                seen.append(m)
        return seen


# ----------------------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------------------


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "case"


def _first_error_line(exc: pydantic.ValidationError, known: set[str]) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    extra = [e for e in errors if e["type"] == "extra_forbidden"]
    if extra:
        names = [_loc(e["loc"]) for e in extra]
        parts = []
        for name in names:
            leaf = name.split(".")[-1].split("[")[0]
            close = difflib.get_close_matches(leaf, sorted(known), n=1)
            parts.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        return f"unknown field(s) {', '.join(parts)}"
    # a union (e.g. doses: number or mapping) reports one error per member: show the most
    # specific one (a constraint, not "should be a valid <type>"), without the member tags
    e = sorted(errors, key=lambda x: str(x["type"]).endswith("_type"))[0]
    tags = {"float", "int", "str", "bool", "dict[str,float]", "list[str]"}
    where = _loc(
        tuple(
            p
            for p in e["loc"]
            if not str(p).startswith("function-") and str(p) not in tags and "[" not in str(p)
        )
    )
    msg = str(e["msg"]).replace("Value error, ", "")
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"field '{where}': {msg}{more}"


def case_from_dict(data: Any, *, source: str | Path | None = None) -> Case:
    """Validate a mapping into a :class:`Case`.

    Raises
    ------
    hemispasm.errors.ValidationError
        One line naming the field (and the file, when ``source`` is given).
    """
    if not isinstance(data, dict):
        raise ValidationError(
            f"a case must be a mapping of field names to values, not {type(data).__name__}",
            path=source,
            hint="see `hemispasm case template`",
        )
    if "interpretations" in data:
        raise ValidationError(
            "field 'interpretations' is filled by hemispasm (how it read the file), not written "
            "in a case file",
            path=source,
            hint="remove it",
        )
    from hemispasm.clinic.wording import read_wording

    try:
        data, interpretations = read_wording(data)
    except ValidationError as exc:
        raise ValidationError(exc.message, path=source, hint=exc.hint) from None
    try:
        case = Case.model_validate(data)
    except pydantic.ValidationError as exc:
        known = set(Case.model_fields) | set(Treatment.model_fields)
        raise ValidationError(
            _first_error_line(exc, known),
            path=source,
            hint="see `hemispasm case schema` for the allowed fields and values",
        ) from None
    case.interpretations = interpretations
    return case


#: Largest case, answers or summary file read (engineering choice): a hand-written case is a
#: few kB; 1 MB leaves room for long treatment histories and stops a 50 MB file from taking
#: minutes and gigabytes to parse (issue 10).
MAX_MAPPING_BYTES = 1_000_000


def _yaml_loader() -> Any:
    """libyaml's CSafeLoader when PyYAML has it (several times faster), else SafeLoader."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def read_mapping(path: str | Path, *, what: str = "file") -> Any:
    """Read a YAML or JSON file (chosen by extension; YAML otherwise) into Python objects.

    Files over :data:`MAX_MAPPING_BYTES` are refused before parsing; JSON ``NaN``/``Infinity``
    are refused (they are not JSON numbers).

    Raises
    ------
    hemispasm.errors.InputError
        Missing, unreadable or too large.
    hemispasm.errors.ValidationError
        Not valid YAML/JSON (with the line).
    """
    import yaml

    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"the {what} does not exist" + (" (it is a folder)" if p.is_dir() else ""),
            path=p,
            hint="check the path",
        )
    try:
        size = p.stat().st_size
        if size > MAX_MAPPING_BYTES:
            raise InputError(
                f"the {what} is {size / 1e6:.1f} MB, more than the "
                f"{MAX_MAPPING_BYTES / 1e6:g} MB limit",
                path=p,
                hint="a case or answers file is a few kB of YAML or JSON; check the file",
            )
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the {what} ({type(exc).__name__})", path=p) from None
    is_json = p.suffix.lower() == ".json"
    try:
        if is_json:
            return json.loads(text, parse_constant=_reject_constant)
        return yaml.load(text, Loader=_yaml_loader())  # a safe loader
    except (json.JSONDecodeError, yaml.YAMLError, ValueError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        if isinstance(exc, json.JSONDecodeError):
            where = f" at line {exc.lineno}"
        elif isinstance(exc, ValueError) and not isinstance(exc, yaml.YAMLError):
            where = f" ({exc})"
        hint = (
            "fix the syntax (see `hemispasm case template`)"
            if what == "case file"
            else "re-create it with `hemispasm analyze`"
            if what == "video summary"
            else "fix the syntax"
        )
        raise ValidationError(
            f"the {what} is not valid {'JSON' if is_json else 'YAML'}{where}", path=p, hint=hint
        ) from None


def load_case(path: str | Path) -> Case:
    """Read and validate a case file (YAML or JSON).

    Raises
    ------
    hemispasm.errors.InputError
        The file is missing or unreadable.
    hemispasm.errors.ValidationError
        The file is not valid YAML/JSON, or a field is unknown or malformed (named).
    """
    data = read_mapping(path, what="case file")
    case = case_from_dict(data, source=path)
    if isinstance(case.video_summary, str):
        vs = Path(case.video_summary).expanduser()
        if not vs.is_absolute():
            vs = Path(path).resolve().parent / vs
        case = case.model_copy(update={"video_summary": str(vs)})
    return case


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema of a case file (what ``hemispasm case schema`` prints)."""
    schema = Case.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "hemispasm clinical case"
    return schema


def case_template() -> str:
    """A commented example case file (YAML), as printed by ``hemispasm case template``."""
    return (Path(__file__).with_name("case_template.yaml")).read_text(encoding="utf-8")
