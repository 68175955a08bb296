"""Assess a clinical case: HFS likelihood, ranked differential, red flags, work-up, treatment.

:func:`assess` is pure (a :class:`~hemispasm.clinic.case.Case` in, an :class:`Assessment` out)
apart from reading a video summary file when the case points to one. The rules are data
(``rules.yaml``, see :mod:`hemispasm.clinic.rules`); the safety logic that decides what is
offered (treatment gating) is here and in :mod:`hemispasm.clinic.treatment`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from hemispasm.clinic import rules as R
from hemispasm.clinic.case import Case
from hemispasm.clinic.injection import Cited, InjectionPlan, injection_plan
from hemispasm.clinic.scales import ScaleScore, score_scale
from hemispasm.clinic.sources import RETIRED, SOURCES
from hemispasm.clinic.treatment import (
    BLEPHAROSPASM_OPTION,
    IMAGE_FIRST_OPTION,
    LESION_OPTION,
    MVD_OPTION,
    ORAL_OPTION,
    SYNKINESIS_OPTION,
    TIC_CONVULSIF_PAIN_OPTION,
    TOXIN_OPTION,
    CourseAnalysis,
    TreatmentOption,
    analyze_course,
    course_facts,
    mvd_discussion_reasons,
    pregnancy_notes,
)
from hemispasm.clinic.video import VideoMeasures, apply_video_summary
from hemispasm.errors import ValidationError
from hemispasm.provenance import Provenance

DISCLAIMER = (
    "Decision support for a clinician: hemispasm does not diagnose or prescribe. Every "
    "conclusion lists the findings and cited rules behind it; the clinician decides."
)
METHOD = "clinic.cited_rules_v2"
UNVERIFIED = "unverified source"

Likelihood = Literal["insufficient_data", "low", "possible", "probable", "typical"]
_LEVELS = ("low", "possible", "probable", "typical")
LIKELIHOOD_LABELS = {
    "insufficient_data": "insufficient data",
    "low": "low",
    "possible": "possible",
    "probable": "probable",
    "typical": "typical",
}
_URGENCY_ORDER = {"emergency": 0, "urgent": 1, "priority": 2, "routine": 3}


def citation(key: str) -> str:
    """The short citation, marked "(retired guideline)" for a retired guideline."""
    text = SOURCES[key]
    return text if key not in RETIRED or "retired" in text else text + " (retired guideline)"


class Reason(BaseModel):
    """A feature that speaks for or against a conclusion, with the rule and its source."""

    rule: str
    text: str
    source: str
    verified: bool = True
    citation: str = ""


class DifferentialItem(BaseModel):
    condition: str
    label: str
    rank: int
    score: int
    leads_because: str | None = None
    for_: list[Reason] = Field(default_factory=list, alias="for")
    against: list[Reason] = Field(default_factory=list)

    model_config = {"populate_by_name": True}


class RedFlag(BaseModel):
    """One problem needing action: its signs combined into one time-framed action.

    ``flag`` is the problem with its signs in words; ``rule`` the problem id (``P.<problem>``);
    ``rules`` the ids of the sign rules that fired.
    """

    flag: str
    label: str
    urgency: Literal["emergency", "urgent", "priority", "routine"]
    time_frame: str
    action: str
    rule: str
    rules: list[str]
    signs: list[Reason]
    meanings: list[str] = Field(default_factory=list)
    notes: list[Cited] = Field(default_factory=list)
    source: str
    verified: bool = True
    citation: str = ""


class WorkupItem(BaseModel):
    test: str
    reason: str
    rule: str
    source: str
    verified: bool = True


class FiredRule(BaseModel):
    id: str
    kind: str
    condition: str
    conclusion: str
    source: str
    citation: str
    verified: bool = True


class Assessment(BaseModel):
    """What ``hemispasm assess`` writes to assessment.json."""

    case_id: str | None = None
    summary: str = ""
    hfs_likelihood: Likelihood
    likelihood_label: str = ""
    likelihood_for: list[Reason]
    likelihood_against: list[Reason]
    likelihood_rule: str
    data_sufficient: bool = True
    red_flags_not_assessed: list[str] = Field(default_factory=list)
    leading_diagnosis: str
    leading_label: str = ""
    differential: list[DifferentialItem]
    red_flags: list[RedFlag]
    workup: list[WorkupItem]
    treatment_options: list[TreatmentOption]
    withheld: list[Cited] = Field(default_factory=list)
    pregnancy_cautions: list[Cited] = Field(default_factory=list)
    discuss_mvd: list[Cited]
    treatment_course: CourseAnalysis
    injection_plan: InjectionPlan | None
    scales: dict[str, ScaleScore] = Field(default_factory=dict)
    video: VideoMeasures | None = None
    interpretations: list[str] = Field(default_factory=list)
    unverified_rules: list[str] = Field(default_factory=list)
    rules_fired: list[FiredRule]
    disclaimer: str = DISCLAIMER
    provenance: Provenance


def _reason(r: R.Rule) -> Reason:
    return Reason(
        rule=r.id,
        text=r.conclusion + ("" if r.verified else f" ({UNVERIFIED})"),
        source=r.source,
        verified=r.verified,
        citation=citation(r.source),
    )


def missing_fields(case: Case) -> tuple[list[str], list[str]]:
    """(red-flag fields not recorded, in words; required fields not recorded) (pure)."""
    spec = R.rulebook().completeness
    set_ = case.model_fields_set

    def recorded(name: str) -> bool:
        if name == "other_cranial_nerve_signs":
            return name in set_
        v = getattr(case, name, None)
        return v is not None and v != []

    not_assessed = [
        label
        for name, label in spec.red_flag_fields.items()
        if not recorded(name)
        and (
            name not in spec.only_when_present
            or getattr(case, spec.only_when_present[name], None) is True
        )
    ]
    required = [*spec.phenomenology_required, *spec.required_for_sufficiency]
    missing = [
        spec.red_flag_fields.get(n, n.replace("_", " ")) for n in required if not recorded(n)
    ]
    return not_assessed, missing


def hfs_likelihood(
    facts: dict[str, Any], missing: list[str] | None = None
) -> tuple[Likelihood, list[R.Rule], list[R.Rule], str]:
    """How typical of HFS the picture is (pure).

    Levels (the definition; the grouping is an engineering choice over cited features):

    - ``low``: no one-sided (or asynchronous bilateral) facial-nerve picture, or two or more
      features typical of another disorder (``phenomenology`` group);
    - ``insufficient_data``: otherwise, when a required field is not recorded (``missing``:
      side, first muscle, facial weakness, hearing loss);
    - ``typical``: the core picture with periocular onset, at least one confirmatory sign
      (other Babinski sign, lateral spread response, neurovascular conflict) and nothing against;
    - ``probable``: the core picture with nothing against, or one feature against plus a
      confirmatory sign;
    - ``possible``: anything else.

    A rule with ``caps`` (a mass on imaging) lowers the level to at most that value.
    """
    fired = R.fired(R.rulebook().of_kind("likelihood"), facts)
    pro = [r for r in fired if r.direction == "for"]
    con = [r for r in fired if r.direction == "against"]
    core = (facts.get("unilateral") or facts.get("bilateral_asynchronous")) and facts.get(
        "facial_onset"
    )
    confirm = [r for r in pro if r.group == "confirm"]
    n_ph = sum(r.group == "phenomenology" for r in con)
    if not core or n_ph >= 2:
        return (
            "low",
            pro,
            con,
            "no one-sided facial-nerve picture, or >=2 features of another disorder",
        )
    if missing:
        return (
            "insufficient_data",
            pro,
            con,
            "the data are insufficient: not recorded: " + ", ".join(missing),
        )
    if not con and facts.get("periocular_onset") and confirm:
        level, why = "typical", "core picture, periocular onset, confirmatory sign, nothing against"
    elif not con or (len(con) == 1 and confirm):
        level, why = (
            "probable",
            "core picture with nothing against (or one, with a confirmatory sign)",
        )
    else:
        level, why = "possible", "core picture with features against"
    caps = [r for r in con if r.caps]
    for r in caps:
        if _LEVELS.index(level) > _LEVELS.index(r.caps):
            level, why = r.caps, f"at most {r.caps}: {r.conclusion}"
    return level, pro, con, why


def rank_differential(facts: dict[str, Any]) -> list[DifferentialItem]:
    """Rank the differential by (weights for) - (weights against); ties keep file order.

    A condition whose ``leads_when`` holds (a mass on imaging: secondary HFS) leads regardless of
    the scores.
    """
    book = R.rulebook()
    fired = R.fired(book.of_kind("differential"), facts)
    items = []
    for order, (cond, label) in enumerate(book.conditions.items()):
        pro = [r for r in fired if r.target == cond and r.direction == "for"]
        con = [r for r in fired if r.target == cond and r.direction == "against"]
        score = sum(r.weight for r in pro) - sum(r.weight for r in con)
        forced = cond in book.leads_when and R.evaluate(book.leads_when[cond], facts)
        items.append((forced, score, -order, cond, label, pro, con))
    items.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    return [
        DifferentialItem(
            condition=cond,
            label=label,
            rank=i + 1,
            score=score,
            leads_because=R.describe(book.leads_when[cond]) if forced else None,
            for_=[_reason(r) for r in pro],
            against=[_reason(r) for r in con],
        )
        for i, (forced, score, _o, cond, label, pro, con) in enumerate(items)
    ]


def red_flags(facts: dict[str, Any], pregnancy: str | None) -> tuple[list[RedFlag], list[R.Rule]]:
    """The fired red-flag signs grouped into one action per problem, most urgent first (pure)."""
    book = R.rulebook()
    signs = R.fired(book.of_kind("red_flag"), facts)
    out = []
    for pid, spec in book.problems.items():
        mine = [r for r in signs if r.problem == pid]
        if not mine:
            continue
        act = R.problem_action(pid, facts)
        notes = []
        if "gadolinium" in act.action:
            notes = pregnancy_notes(pregnancy, "gadolinium")
        out.append(
            RedFlag(
                flag=f"{spec.label}: " + "; ".join(r.conclusion for r in mine),
                label=spec.label,
                urgency=act.urgency,
                time_frame=act.time_frame,
                action=act.action,
                rule=f"P.{pid}",
                rules=[r.id for r in mine],
                signs=[_reason(r) for r in mine],
                meanings=[r.meaning for r in mine if r.meaning],
                notes=notes,
                source=act.source,
                verified=act.verified,
                citation=citation(act.source),
            )
        )
    out.sort(key=lambda f: _URGENCY_ORDER[f.urgency])
    return out, signs


def _with_notes(opt: TreatmentOption, extra: list[Cited]) -> TreatmentOption:
    return opt.model_copy(update={"notes": [*extra, *opt.notes]}) if extra else opt


def treatment_plan(
    leading: str,
    case: Case,
    course: CourseAnalysis,
    facts: dict[str, Any],
    sufficient: bool,
    not_assessed: list[str],
) -> tuple[list[TreatmentOption], list[Cited], bool]:
    """(options, what is withheld and why, whether a toxin plan may be shown) (pure).

    Safety gates: nothing while the data are insufficient; while a mass is recorded, no MVD and
    no toxin; while a structural cause is suspected and no MRI is recorded, image first (no
    toxin plan, no MVD); pregnancy and breastfeeding gate the text of every option.
    """
    preg = getattr(case, "pregnancy", None)
    withheld: list[Cited] = []
    hfs_like = leading in ("hemifacial_spasm", "secondary_hfs_cpa_lesion")
    if hfs_like and not sufficient:
        withheld.append(
            Cited(
                text="treatment options and the injection plan are withheld until the red flags "
                "are assessed (not recorded: " + ", ".join(not_assessed) + ")",
                source="engineering",
            )
        )
        return [], withheld, False
    mass = facts.get("mass_on_imaging") is True
    structural = facts.get("structural_suspected") is True
    imaged = facts.get("mri_done") is True
    if mass:
        withheld.append(
            Cited(
                text="MVD and botulinum toxin are not offered while a mass lesion is recorded: "
                "treat the cause first (neurosurgical decision)",
                source="han2009",
            )
        )
        return [LESION_OPTION], withheld, False
    if hfs_like and structural and not imaged:
        withheld.append(
            Cited(
                text="no injection plan until contrast MRI, and toxin or MVD only after it: a "
                "structural cause is suspected and no imaging is recorded",
                source="han2009",
            )
        )
        if leading == "secondary_hfs_cpa_lesion":
            return (
                [_with_notes(IMAGE_FIRST_OPTION, pregnancy_notes(preg, "gadolinium"))],
                (withheld),
                False,
            )
    opts: list[TreatmentOption] = []
    toxin_ok = True
    if leading in ("hemifacial_spasm", "secondary_hfs_cpa_lesion"):
        if facts.get("painful_tic_convulsif"):
            opts.append(
                _with_notes(TIC_CONVULSIF_PAIN_OPTION, pregnancy_notes(preg, "carbamazepine"))
            )
        if course.toxin_sessions == 0 and not course.mvd_done:
            opts.append(
                _with_notes(ORAL_OPTION, pregnancy_notes(preg, "carbamazepine", "benzodiazepine"))
            )
        image_first = structural and not imaged
        toxin_ok = not image_first
        toxin = TOXIN_OPTION
        if image_first:
            toxin = _with_notes(
                toxin,
                [
                    Cited(
                        text="only after contrast MRI: a structural cause is suspected",
                        source="han2009",
                    )
                ],
            )
        opts.append(_with_notes(toxin, pregnancy_notes(preg, "toxin")))
        mvd = MVD_OPTION
        if case.mri_vessel == "vertebral":
            mvd = MVD_OPTION.model_copy(
                update={
                    "notes": [
                        Cited(
                            text="vertebral-artery-associated HFS: similar effective rate, "
                            "but transient and permanent complications and hearing loss more "
                            "frequent than in non-vertebral HFS",
                            source="li2022_va_mvd",
                        )
                    ]
                }
            )
        if not imaged:
            mvd = _with_notes(
                mvd, [Cited(text="MVD is planned on MRI/MRA: image first", source="kemp_reich2004")]
            )
        opts.append(_with_notes(mvd, pregnancy_notes(preg, "mvd")))
    elif leading == "blepharospasm":
        opts.append(_with_notes(BLEPHAROSPASM_OPTION, pregnancy_notes(preg, "toxin")))
        toxin_ok = False
    elif leading == "post_paralytic_synkinesis":
        opts.append(_with_notes(SYNKINESIS_OPTION, pregnancy_notes(preg, "toxin")))
        toxin_ok = False
    else:
        toxin_ok = False
    if toxin_ok and preg in ("pregnant", "breastfeeding"):
        withheld.append(
            Cited(
                text=f"the injection plan is not shown ({preg}): toxin is usually deferred",
                source="dysport_smpc_pregnancy",
            )
        )
        toxin_ok = False
    return opts, withheld, toxin_ok


def _summary(a: Assessment) -> str:
    parts = [f"{a.leading_label or a.leading_diagnosis}; HFS likelihood {a.likelihood_label}"]
    if a.red_flags:
        top = a.red_flags[0]
        parts.append(
            f"{len(a.red_flags)} problem(s) to act on, most urgent: {top.label} "
            f"({top.urgency}, {top.time_frame.split(' (')[0]})"
        )
    if a.red_flags_not_assessed:
        parts.append(f"{len(a.red_flags_not_assessed)} red-flag field(s) not assessed")
    if a.treatment_course.toxin_sessions >= 2:
        parts.append(f"toxin course: {a.treatment_course.waning_summary}")
    return "; ".join(parts)


def assess(
    case: Case,
    *,
    video_summary: str | Path | dict[str, Any] | None = None,
    input_name: str | None = None,
    input_sha256: str | None = None,
) -> Assessment:
    """Assess a case.

    Parameters
    ----------
    case : Case
    video_summary : path or mapping, optional
        A ``hemispasm analyze`` summary; overrides ``case.video_summary``.
    input_name, input_sha256 : str, optional
        Recorded in the provenance (file name only, never a folder).
    """
    vm = None
    source = video_summary if video_summary is not None else case.video_summary
    if source is not None:
        case, vm = apply_video_summary(case, source)
    book = R.rulebook()
    course = analyze_course(case.treatments)
    facts = R.case_facts(case, extra=course_facts(course))
    not_assessed, missing = missing_fields(case)
    level, pro, con, why = hfs_likelihood(facts, missing)
    differential = rank_differential(facts)
    top = differential[0]
    leading = top.condition if (top.score > 0 or top.leads_because) else "undetermined"
    facts["hfs_considered"] = leading in ("hemifacial_spasm", "secondary_hfs_cpa_lesion") or (
        level in ("probable", "typical")
    )
    facts["hfs_uncertain"] = level in ("insufficient_data", "low", "possible")
    facts["atypical_features"] = bool(con)
    facts["secondary_leads"] = leading == "secondary_hfs_cpa_lesion"
    preg = getattr(case, "pregnancy", None)
    flags, signs = red_flags(facts, preg)
    facts["structural_suspected"] = any(f.rule == "P.structural_lesion" for f in flags)
    work = R.fired(book.of_kind("workup"), facts)
    scales = {}
    for name, answers in case.scales.items():
        try:
            scales[name] = score_scale(name, answers)
        except ValidationError as exc:
            raise ValidationError(f"field 'scales.{name}': {exc.message}", hint=exc.hint) from None
    sufficient = not missing
    options, withheld, toxin_ok = treatment_plan(
        leading, case, course, facts, sufficient, not_assessed
    )
    measured = (
        sorted(vm.sides[vm.affected_side].regions)
        if (vm and vm.affected_side in ("left", "right"))
        else None
    )
    plan = (
        injection_plan(case, measured_muscles=measured)
        if toxin_ok and leading in ("hemifacial_spasm", "secondary_hfs_cpa_lesion")
        else None
    )
    discuss = (
        mvd_discussion_reasons(case, course) if leading == "hemifacial_spasm" and sufficient else []
    )
    cautions = []
    if preg in ("pregnant", "breastfeeding", "planning"):
        keys = ("carbamazepine", "benzodiazepine", "toxin", "mvd", "gadolinium")
        cautions = pregnancy_notes(preg, *keys)
    all_fired = [
        *R.fired(book.of_kind("likelihood"), facts),
        *R.fired(book.of_kind("differential"), facts),
        *signs,
        *work,
    ]
    workup = []
    for r in work:
        test = r.action or ""
        if r.id == "W.mri" and facts["structural_suspected"]:
            test = "see the structural-lesion action above (MRI with gadolinium contrast)"
        workup.append(
            WorkupItem(
                test=test,
                reason=r.reason or R.describe(r.condition),
                rule=r.id,
                source=r.source,
                verified=r.verified,
            )
        )
    a = Assessment(
        case_id=case.case_id,
        hfs_likelihood=level,
        likelihood_label=LIKELIHOOD_LABELS[level],
        likelihood_for=[_reason(r) for r in pro],
        likelihood_against=[_reason(r) for r in con],
        likelihood_rule=why,
        data_sufficient=sufficient,
        red_flags_not_assessed=not_assessed,
        leading_diagnosis=leading,
        leading_label=book.conditions.get(leading, "undetermined (no condition scores above 0)"),
        differential=differential,
        red_flags=flags,
        workup=workup,
        treatment_options=options,
        withheld=withheld,
        pregnancy_cautions=cautions,
        discuss_mvd=discuss,
        treatment_course=course,
        injection_plan=plan,
        scales=scales,
        video=vm,
        interpretations=list(getattr(case, "interpretations", []) or []),
        unverified_rules=sorted({r.id for r in all_fired if not r.verified}),
        rules_fired=[
            FiredRule(
                id=r.id,
                kind=r.kind,
                condition=R.describe(r.condition),
                conclusion=r.conclusion,
                source=r.source,
                citation=citation(r.source) + ("" if r.verified else f" — {UNVERIFIED}"),
                verified=r.verified,
            )
            for r in all_fired
        ],
        provenance=Provenance(
            method=METHOD,
            parameters={
                "waning_fraction": 0.75,
                "rules_fired": len(all_fired),
                "rules_version": book.version,
            },
            input_name=input_name,
            input_sha256=input_sha256,
            synthetic=bool(vm and vm.synthetic),
        ),
    )
    a.summary = _summary(a)
    return a
