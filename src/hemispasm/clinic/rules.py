"""The clinical rules as data: loader, schema check and a small pure evaluation engine.

The rules themselves live in ``rules.yaml`` beside this module (shipped with the package), so a
clinician can review and change a rule without reading Python. Each rule has an ``id``, a
condition (``when``) over the case's facts (see :func:`case_facts`), a conclusion in words, a
``source`` key into ``docs/references.md`` and ``verified`` (whether the rule's statement was
checked against text of that source actually read). Nothing here diagnoses: rules collect the
features for and against each possibility so a clinician can see why each conclusion was reached.

Condition language (YAML mappings, nestable)::

    {present: fact}           fact is True (recorded as present)
    {absent: fact}            fact is False (recorded as absent; not recorded never matches)
    {recorded: fact}          fact is recorded (not None, not an empty list)
    {not_recorded: fact}      fact is not recorded
    {is: [fact, value]}       fact == value
    {in: [fact, [values]]}    fact is one of values
    {lt: [fact, number]}      fact < number (not recorded never matches)
    {ge: [fact, number]}      fact >= number (not recorded never matches)
    {all: [cond, ...]}        every condition holds
    {any: [cond, ...]}        at least one holds
    {not: cond}               the condition does not hold

At load every condition is checked: an unknown operator, an unknown fact name, a value a field
cannot take, an unknown source key, a differential target or red-flag problem that is not
declared, or a duplicate id is an error naming the rule (:class:`RuleFileError`, one line).

Weights of differential rules (1 supportive, 2 strong, 3 near-specific, 4 for a mass on imaging)
are an engineering choice used only to order the differential; they are not probabilities.
"""

from __future__ import annotations

import difflib
import functools
import typing
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from hemispasm.clinic.case import FACIAL_MUSCLES, JAW_MUSCLES, LOWER_FACE, Case
from hemispasm.clinic.sources import SOURCES
from hemispasm.errors import ValidationError

Cond = tuple[Any, ...]

RULES_FILE = Path(__file__).with_name("rules.yaml")

HFS_TRIGGERS = ("emotional_stress", "fatigue", "anxiety", "reading", "coughing")

#: Facts derived from a case by :func:`case_facts` (beside the case's own fields), with meaning.
DERIVED_FACTS: dict[str, str] = {
    "unilateral": "spasms on one side",
    "bilateral": "spasms on both sides",
    "bilateral_asynchronous": "both sides, recorded as not synchronous",
    "periocular_onset": "first muscle orbicularis oculi",
    "lower_face_onset": "first muscle in the lower face",
    "jaw_onset": "first muscle masseter or temporalis",
    "facial_onset": "first muscle in facial-nerve territory (or not recorded)",
    "spread_in_facial_territory": "more than one muscle, all facial-nerve",
    "lower_face_involved": "a lower-face muscle involved",
    "periocular_only": "only orbicularis oculi involved",
    "isolated_lower_face": "only lower-face muscles involved",
    "spasm_recorded": "spasm type recorded",
    "hfs_trigger": "a typical HFS trigger (stress, fatigue, anxiety, reading, coughing)",
    "bright_light_trigger": "bright light provokes",
    "voluntary_movement_trigger": "voluntary facial movement provokes",
    "other_cn": "other cranial-nerve signs recorded",
    "other_cn_recorded": "the other cranial nerves were examined (list given, even empty)",
    "trigeminal_sign": "a trigeminal (V) sign recorded",
    "visual_cn_sign": "an optic or ocular-motor nerve sign (II, III, IV, VI) recorded",
    "vestibulocochlear": "tinnitus or vertigo",
    "weakness_after_toxin": "the latest toxin session lists facial weakness as a side effect",
    "weakness_explained": "facial weakness explained (prior palsy, nerve injury, or toxin)",
    "unexplained_weakness": "facial weakness not explained by a palsy, injury or toxin",
    "no_prior_palsy": "no prior palsy or facial nerve injury recorded",
    "mri_done": "an MRI is recorded",
    "emg_done": "an EMG is recorded",
    "mri_contrast": "the MRI recorded included contrast",
    "mri_missing_high_res_t2": "MRI done without high-resolution T2",
    "mri_missing_mra": "MRI done without MRA/TOF",
    "mri_sequences_recorded": "MRI sequences recorded",
    "mri_not_mass": "MRI recorded without a mass lesion",
    "mass_on_imaging": "a mass lesion recorded on MRI",
    "young_onset": "onset before age 30",
    "child": "under 18 years",
    "elderly": "over 60 years",
    "painful_tic_convulsif": "same-side facial pain with one-sided spasms",
    "progressive_subacute_loss": "progressive facial weakness, or a subacute/sudden onset with a "
    "neurological deficit",
    "pregnant": "pregnant",
    "breastfeeding": "breastfeeding",
    "planning_pregnancy": "planning a pregnancy",
}
#: Facts added from the treatment course (:func:`hemispasm.clinic.treatment.course_facts`) and by
#: :func:`hemispasm.clinic.assess.assess` before the red-flag and work-up rules run.
COURSE_FACTS = (
    "botox_sessions",
    "botox_waning",
    "botox_intolerance",
    "oral_drug_failed",
    "mvd_done",
    "secondary_nonresponse_suspected",
)
ASSESS_FACTS = ("hfs_considered", "hfs_uncertain", "atypical_features", "secondary_leads")

_OPS_UNARY = ("present", "absent", "recorded", "not_recorded")
_OPS_PAIR = ("is", "in", "lt", "ge")
_OPS_LIST = ("all", "any")


def known_facts() -> set[str]:
    """Every fact name a rule may read."""
    return {*Case.model_fields, *DERIVED_FACTS, *COURSE_FACTS, *ASSESS_FACTS}


def _literal_values(fact: str) -> tuple[Any, ...] | None:
    """The values a case field can take, when it is a Literal (else None)."""
    field = Case.model_fields.get(fact)
    if field is None:
        return None
    ann = field.annotation
    for arg in (ann, *typing.get_args(ann)):
        if typing.get_origin(arg) is Literal:
            return typing.get_args(arg)
    return None


# ------------------------------------------------------------------------------------------
# the rule file schema
# ------------------------------------------------------------------------------------------


class RuleFileError(ValidationError):
    """The rule file is malformed (one line naming the rule and the problem)."""


class Rule(BaseModel):
    """One rule, as loaded (``when`` parsed into ``condition``).

    Attributes
    ----------
    id : str
        Stable identifier, shown by ``--explain``.
    kind : {"likelihood", "differential", "red_flag", "workup"}
    condition : tuple
        The parsed condition (internal tuple form, see :func:`evaluate`).
    conclusion : str
        What the rule concludes, in words (the reason shown in reports).
    source : str
        Key into docs/references.md (:data:`hemispasm.clinic.sources.SOURCES`).
    verified : bool
        The statement was checked against text of the source actually read; False is shown as
        "unverified source".
    target, direction, weight : differential rules (weight: engineering ordering).
    group : likelihood rules: ``core``, ``confirm``, ``phenomenology``, ``secondary``.
    caps : likelihood rules: the highest likelihood level allowed while the rule fires.
    problem : red-flag rules: the problem (one combined action) the sign belongs to.
    meaning : what the case field means, in words (e.g. "visual change not explained by eyelid
        closure").
    action, reason : work-up rules.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: Literal["likelihood", "differential", "red_flag", "workup"]
    condition: tuple[Any, ...]
    conclusion: str
    source: str
    verified: bool = True
    target: str | None = None
    direction: Literal["for", "against"] | None = None
    weight: int = 1
    group: str | None = None
    caps: Literal["low", "possible", "probable"] | None = None
    problem: str | None = None
    meaning: str | None = None
    action: str | None = None
    reason: str | None = None


class ActionSpec(BaseModel):
    """One way of acting on a problem; the first whose ``when`` holds is used."""

    model_config = ConfigDict(extra="forbid")

    when: Any = None
    urgency: Literal["emergency", "urgent", "priority", "routine"]
    time_frame: str
    action: str
    source: str
    verified: bool = True


class ProblemSpec(BaseModel):
    """A red-flag problem: the signs of it are combined into one action."""

    model_config = ConfigDict(extra="forbid")

    label: str
    actions: list[ActionSpec] = Field(min_length=1)


class ConditionSpec(BaseModel):
    """A condition of the differential; ``leads_when`` makes it lead regardless of scores."""

    model_config = ConfigDict(extra="forbid")

    label: str
    leads_when: Any = None


class RuleSpec(BaseModel):
    """One rule as written in the YAML file."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["likelihood", "differential", "red_flag", "workup"]
    when: Any
    conclusion: str
    source: str
    verified: bool = True
    target: str | None = None
    direction: Literal["for", "against"] | None = None
    weight: int = Field(default=1, ge=1, le=4)
    group: Literal["core", "confirm", "phenomenology", "secondary"] | None = None
    caps: Literal["low", "possible", "probable"] | None = None
    problem: str | None = None
    meaning: str | None = None
    action: str | None = None
    reason: str | None = None


class CompletenessSpec(BaseModel):
    """Which fields must be recorded before the red flags count as assessed."""

    model_config = ConfigDict(extra="forbid")

    red_flag_fields: dict[str, str]
    only_when_present: dict[str, str] = Field(default_factory=dict)
    required_for_sufficiency: list[str]
    phenomenology_required: list[str]


class RuleFile(BaseModel):
    """The whole rule file."""

    model_config = ConfigDict(extra="forbid")

    version: int
    conditions: dict[str, ConditionSpec]
    problems: dict[str, ProblemSpec]
    completeness: CompletenessSpec
    rules: list[RuleSpec]


class RuleBook(BaseModel):
    """The loaded, checked rules (what the engine uses)."""

    model_config = ConfigDict(frozen=True)

    version: int
    conditions: dict[str, str]
    leads_when: dict[str, tuple[Any, ...]]
    problems: dict[str, ProblemSpec]
    problem_actions: dict[str, list[tuple[tuple[Any, ...] | None, ActionSpec]]]
    completeness: CompletenessSpec
    rules: list[Rule]

    def of_kind(self, kind: str) -> list[Rule]:
        """The rules of one kind, in file order."""
        return [r for r in self.rules if r.kind == kind]


def parse_condition(raw: Any, facts: set[str], where: str) -> Cond:
    """Parse a YAML condition into the internal tuple form, checking it (see module doc)."""

    def bad(msg: str) -> RuleFileError:
        return RuleFileError(f"{where}: {msg}", hint="see the condition language in rules.py")

    def fact_name(name: Any) -> str:
        if not isinstance(name, str):
            raise bad(f"a fact name must be text, got {name!r}")
        if name not in facts:
            close = difflib.get_close_matches(name, sorted(facts), n=1)
            raise bad(
                f"unknown fact '{name}'" + (f" (did you mean '{close[0]}'?)" if close else "")
            )
        return name

    def check_value(fact: str, value: Any) -> None:
        allowed = _literal_values(fact)
        if allowed is not None and value not in allowed:
            raise bad(f"'{fact}' cannot be {value!r}; it takes {', '.join(map(str, allowed))}")

    if not isinstance(raw, dict) or len(raw) != 1:
        raise bad(f"a condition is a mapping with one operator, got {raw!r}")
    ((op, arg),) = raw.items()
    if op in _OPS_UNARY:
        return ("true" if op == "present" else "false" if op == "absent" else op, fact_name(arg))
    if op in _OPS_PAIR:
        if not isinstance(arg, list) or len(arg) != 2:
            raise bad(f"'{op}' takes [fact, value], got {arg!r}")
        name = fact_name(arg[0])
        if op == "in":
            if not isinstance(arg[1], list):
                raise bad(f"'in' takes [fact, [values]], got {arg!r}")
            for v in arg[1]:
                check_value(name, v)
            return ("in", name, tuple(arg[1]))
        if op in ("lt", "ge") and (
            isinstance(arg[1], bool) or not isinstance(arg[1], (int, float))
        ):
            raise bad(f"'{op}' compares with a number, got {arg[1]!r}")
        if op == "is":
            check_value(name, arg[1])
        return (op, name, arg[1])
    if op in _OPS_LIST:
        if not isinstance(arg, list) or not arg:
            raise bad(f"'{op}' takes a non-empty list of conditions")
        return (op, tuple(parse_condition(c, facts, where) for c in arg))
    if op == "not":
        return ("not", parse_condition(arg, facts, where))
    ops = (*_OPS_UNARY, *_OPS_PAIR, *_OPS_LIST, "not")
    raise bad(f"unknown operator '{op}' (use one of {', '.join(ops)})")


def _first_error(exc: pydantic.ValidationError) -> str:
    e = exc.errors(include_url=False, include_input=False)[0]
    loc = ".".join(str(p) for p in e["loc"])
    return f"{loc}: {e['msg']}"


def build_rulebook(data: Any, *, source: str | Path | None = None) -> RuleBook:
    """Check a parsed rule file and build the :class:`RuleBook` (pure).

    Raises
    ------
    RuleFileError
        One line naming the rule (or section) and what is wrong.
    """
    hint = "fix the rule file (see docs/clinic.md, 'The rules as data')"
    try:
        spec = RuleFile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise RuleFileError(_first_error(exc), path=source, hint=hint) from None
    facts = known_facts()
    try:
        seen: set[str] = set()
        rules: list[Rule] = []
        for r in spec.rules:
            where = f"rule '{r.id}'"
            if r.id in seen:
                raise RuleFileError(f"{where}: duplicate id")
            seen.add(r.id)
            if r.source not in SOURCES:
                raise RuleFileError(f"{where}: unknown source '{r.source}'")
            if r.kind == "differential" and (
                r.target not in spec.conditions or r.direction is None
            ):
                raise RuleFileError(
                    f"{where}: a differential rule needs a declared target and a direction"
                )
            if r.kind == "likelihood" and (r.group is None or r.direction is None):
                raise RuleFileError(f"{where}: a likelihood rule needs a group and a direction")
            if r.kind == "red_flag" and r.problem not in spec.problems:
                raise RuleFileError(f"{where}: unknown problem '{r.problem}'")
            if r.kind == "workup" and not r.action:
                raise RuleFileError(f"{where}: a work-up rule needs an action")
            cond = parse_condition(r.when, facts, where)
            rules.append(Rule(condition=cond, **r.model_dump(exclude={"when"})))
        problem_actions: dict[str, list[tuple[Cond | None, ActionSpec]]] = {}
        for pid, p in spec.problems.items():
            acts = []
            for i, a in enumerate(p.actions):
                where = f"problem '{pid}' action {i + 1}"
                if a.source not in SOURCES:
                    raise RuleFileError(f"{where}: unknown source '{a.source}'")
                cond = None if a.when is None else parse_condition(a.when, facts, where)
                acts.append((cond, a))
            if acts[-1][0] is not None:
                raise RuleFileError(
                    f"problem '{pid}': the last action must have no 'when' (the default)"
                )
            problem_actions[pid] = acts
        leads = {
            cid: parse_condition(c.leads_when, facts, f"condition '{cid}'")
            for cid, c in spec.conditions.items()
            if c.leads_when is not None
        }
        for name in [
            *spec.completeness.red_flag_fields,
            *spec.completeness.required_for_sufficiency,
            *spec.completeness.phenomenology_required,
            *spec.completeness.only_when_present,
            *spec.completeness.only_when_present.values(),
        ]:
            if name not in Case.model_fields:
                raise RuleFileError(f"completeness: '{name}' is not a case field")
        targets = {r.target for r in rules if r.kind == "differential" and r.direction == "for"}
        missing = [c for c in spec.conditions if c not in targets]
        if missing:
            raise RuleFileError(f"conditions without any rule for them: {', '.join(missing)}")
    except RuleFileError as exc:
        raise RuleFileError(exc.message, path=source, hint=hint) from None
    return RuleBook(
        version=spec.version,
        conditions={k: v.label for k, v in spec.conditions.items()},
        leads_when=leads,
        problems=spec.problems,
        problem_actions=problem_actions,
        completeness=spec.completeness,
        rules=rules,
    )


def load_rules(path: str | Path | None = None) -> RuleBook:
    """Read and check a rule file (default: the packaged ``rules.yaml``).

    Raises
    ------
    hemispasm.errors.InputError
        The file is missing or unreadable.
    RuleFileError
        The file is not valid YAML or a rule is malformed (one line naming the rule).
    """
    from hemispasm.clinic.case import read_mapping

    p = Path(path) if path is not None else RULES_FILE
    return build_rulebook(read_mapping(p, what="rule file"), source=p)


@functools.cache
def rulebook() -> RuleBook:
    """The packaged rules, loaded once."""
    return load_rules()


# ------------------------------------------------------------------------------------------
# facts and the condition language
# ------------------------------------------------------------------------------------------


def _recorded(v: Any) -> bool:
    return v is not None and v != [] and v != ()


def case_facts(case: Case, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Flatten a case into the facts rules read (pure; derived facts included).

    A field left out of the case is ``None`` ("not recorded"), never ``False``: rules that need
    a finding to be absent only fire on an explicit ``false``. For
    ``other_cranial_nerve_signs`` (a list) the fact ``other_cn_recorded`` says whether the list
    was given at all.

    Parameters
    ----------
    case : Case
    extra : dict, optional
        Further facts (e.g. from the treatment-course analysis: ``botox_waning``).
    """
    facts: dict[str, Any] = case.model_dump(
        exclude={"treatments", "scales", "video_summary", "identity", "notes", "interpretations"}
    )
    muscles = case.muscles_involved
    first = case.first_muscle
    toxin = [t for t in case.treatments if t.type == "botulinum_toxin"]
    latest_toxin = max(toxin, key=lambda t: (t.date is not None, t.date or 0)) if toxin else None
    weakness_after_toxin = bool(latest_toxin and "facial_weakness" in latest_toxin.side_effects)
    explained = bool(case.prior_bells_palsy) or bool(case.facial_trauma) or weakness_after_toxin
    cn = set(case.other_cranial_nerve_signs)
    deficit = (
        (case.facial_weakness is True and not explained) or case.hearing_loss is True or bool(cn)
    )
    pregnancy = getattr(case, "pregnancy", None)
    facts.update(
        unilateral=case.side in ("left", "right"),
        bilateral=case.side == "bilateral",
        bilateral_asynchronous=case.side == "bilateral" and case.bilateral_synchronous is False,
        periocular_onset=first == "orbicularis_oculi",
        lower_face_onset=first in LOWER_FACE,
        jaw_onset=first in JAW_MUSCLES,
        facial_onset=first is None or first in FACIAL_MUSCLES,
        spread_in_facial_territory=len(muscles) > 1 and all(m in FACIAL_MUSCLES for m in muscles),
        lower_face_involved=any(m in LOWER_FACE for m in muscles),
        periocular_only=muscles == ["orbicularis_oculi"],
        isolated_lower_face=bool(muscles) and all(m in LOWER_FACE for m in muscles),
        spasm_recorded=case.spasm_type is not None,
        hfs_trigger=any(t in HFS_TRIGGERS for t in case.triggers),
        bright_light_trigger="bright_light" in case.triggers,
        voluntary_movement_trigger="voluntary_facial_movement" in case.triggers,
        other_cn=bool(cn),
        other_cn_recorded="other_cranial_nerve_signs" in case.model_fields_set,
        trigeminal_sign="V" in cn,
        visual_cn_sign=bool(cn & {"II", "III", "IV", "VI"}),
        vestibulocochlear=bool(case.tinnitus) or bool(case.vertigo),
        weakness_after_toxin=weakness_after_toxin,
        weakness_explained=explained,
        unexplained_weakness=case.facial_weakness is True and not explained,
        no_prior_palsy=case.prior_bells_palsy is False and case.facial_trauma is not True,
        mri_done=case.mri != "not_done",
        emg_done=case.emg_lsr != "not_done",
        mri_contrast=case.mri != "not_done" and "contrast" in case.mri_sequences,
        mri_missing_high_res_t2=case.mri != "not_done" and "high_res_t2" not in case.mri_sequences,
        mri_missing_mra=case.mri != "not_done" and "mra_tof" not in case.mri_sequences,
        mri_sequences_recorded=bool(case.mri_sequences),
        mri_not_mass=case.mri in ("normal", "neurovascular_conflict"),
        mass_on_imaging=case.mri == "mass_lesion",
        young_onset=(case.onset_age if case.onset_age is not None else case.age) is not None
        and (case.onset_age if case.onset_age is not None else case.age) < 30,
        child=case.age is not None and case.age < 18,
        elderly=case.age is not None and case.age > 60,
        painful_tic_convulsif=case.facial_pain is True and case.side in ("left", "right"),
        progressive_subacute_loss=getattr(case, "progressive_weakness", None) is True
        or (getattr(case, "onset_tempo", None) in ("subacute", "sudden") and deficit),
        pregnant=pregnancy == "pregnant",
        breastfeeding=pregnancy == "breastfeeding",
        planning_pregnancy=pregnancy == "planning",
    )
    if extra:
        facts.update(extra)
    return facts


def evaluate(cond: Cond, facts: dict[str, Any]) -> bool:
    """Evaluate a parsed condition against facts (pure). Unknown facts count as not recorded."""
    op = cond[0]
    if op == "true":
        return facts.get(cond[1]) is True
    if op == "false":
        return facts.get(cond[1]) is False
    if op == "recorded":
        return _recorded(facts.get(cond[1]))
    if op == "not_recorded":
        return not _recorded(facts.get(cond[1]))
    if op == "is":
        return facts.get(cond[1]) == cond[2]
    if op == "in":
        return facts.get(cond[1]) in cond[2]
    if op in ("lt", "ge"):
        v = facts.get(cond[1])
        if v is None or isinstance(v, bool):
            return False
        return v < cond[2] if op == "lt" else v >= cond[2]
    if op == "all":
        return all(evaluate(c, facts) for c in cond[1])
    if op == "any":
        return any(evaluate(c, facts) for c in cond[1])
    if op == "not":
        return not evaluate(cond[1], facts)
    raise ValueError(f"unknown condition operator {op!r}")


def describe(cond: Cond) -> str:
    """The condition in words, e.g. ``facial_weakness is present``."""
    op = cond[0]
    if op == "true":
        return f"{cond[1]} is present"
    if op == "false":
        return f"{cond[1]} is recorded as absent"
    if op == "recorded":
        return f"{cond[1]} is recorded"
    if op == "not_recorded":
        return f"{cond[1]} is not recorded"
    if op == "is":
        return f"{cond[1]} = {cond[2]}"
    if op == "in":
        return f"{cond[1]} in {{{', '.join(map(str, cond[2]))}}}"
    if op == "lt":
        return f"{cond[1]} < {cond[2]}"
    if op == "ge":
        return f"{cond[1]} >= {cond[2]}"
    if op in ("all", "any"):
        joiner = " and " if op == "all" else " or "
        return "(" + joiner.join(describe(c) for c in cond[1]) + ")"
    if op == "not":
        return f"not {describe(cond[1])}"
    raise ValueError(f"unknown condition operator {op!r}")


def fired(rules: list[Rule], facts: dict[str, Any]) -> list[Rule]:
    """The rules whose condition holds, in file order (pure)."""
    return [r for r in rules if evaluate(r.condition, facts)]


def problem_action(problem: str, facts: dict[str, Any]) -> ActionSpec:
    """The action for a red-flag problem: the first variant whose condition holds (pure)."""
    for cond, act in rulebook().problem_actions[problem]:
        if cond is None or evaluate(cond, facts):
            return act
    raise AssertionError("unreachable: the last action has no condition")  # pragma: no cover


# Views kept for callers of the former Python tables.
def __getattr__(name: str) -> Any:
    views = {
        "LIKELIHOOD_RULES": "likelihood",
        "DIFFERENTIAL_RULES": "differential",
        "RED_FLAG_RULES": "red_flag",
        "WORKUP_RULES": "workup",
    }
    if name in views:
        return rulebook().of_kind(views[name])
    if name == "CONDITIONS":
        return rulebook().conditions
    raise AttributeError(name)
