"""Assess a clinical case: HFS likelihood, ranked differential, red flags, work-up, treatment.

:func:`assess` is pure (a :class:`~hemispasm.clinic.case.Case` in, an :class:`Assessment` out)
apart from reading a video summary file when the case points to one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from hemispasm.clinic import rules as R
from hemispasm.clinic.case import Case
from hemispasm.clinic.scales import ScaleScore, score_scale
from hemispasm.clinic.sources import SOURCES
from hemispasm.clinic.treatment import (
    MVD_OPTION,
    ORAL_OPTION,
    TOXIN_OPTION,
    Cited,
    CourseAnalysis,
    InjectionPlan,
    TreatmentOption,
    analyze_course,
    course_facts,
    injection_plan,
    mvd_discussion_reasons,
)
from hemispasm.clinic.video import VideoMeasures, apply_video_summary
from hemispasm.errors import ValidationError
from hemispasm.provenance import Provenance

DISCLAIMER = (
    "Decision support for a clinician: hemispasm does not diagnose or prescribe. Every "
    "conclusion lists the findings and cited rules behind it; the clinician decides."
)
METHOD = "clinic.cited_rules_v1"

Likelihood = Literal["low", "possible", "probable", "typical"]


class Reason(BaseModel):
    """A feature that speaks for or against a conclusion, with the rule and its source."""

    rule: str
    text: str
    source: str


class DifferentialItem(BaseModel):
    condition: str
    label: str
    rank: int
    score: int
    for_: list[Reason] = Field(default_factory=list, alias="for")
    against: list[Reason] = Field(default_factory=list)

    model_config = {"populate_by_name": True}


class RedFlag(BaseModel):
    flag: str
    urgency: Literal["emergency", "urgent", "priority", "routine"]
    action: str
    rule: str
    source: str


class WorkupItem(BaseModel):
    test: str
    reason: str
    rule: str
    source: str


class FiredRule(BaseModel):
    id: str
    kind: str
    condition: str
    conclusion: str
    source: str
    citation: str


class Assessment(BaseModel):
    """What ``hemispasm assess`` writes to assessment.json."""

    case_id: str | None = None
    hfs_likelihood: Likelihood
    likelihood_for: list[Reason]
    likelihood_against: list[Reason]
    likelihood_rule: str
    leading_diagnosis: str
    differential: list[DifferentialItem]
    red_flags: list[RedFlag]
    workup: list[WorkupItem]
    treatment_options: list[TreatmentOption]
    discuss_mvd: list[Cited]
    treatment_course: CourseAnalysis
    injection_plan: InjectionPlan | None
    scales: dict[str, ScaleScore] = Field(default_factory=dict)
    video: VideoMeasures | None = None
    rules_fired: list[FiredRule]
    disclaimer: str = DISCLAIMER
    provenance: Provenance


def _reason(r: R.Rule) -> Reason:
    return Reason(rule=r.id, text=r.conclusion, source=r.source)


def hfs_likelihood(facts: dict[str, Any]) -> tuple[Likelihood, list[R.Rule], list[R.Rule], str]:
    """How typical of HFS the picture is (pure).

    Levels (the definition; the grouping is an engineering choice over cited features):

    - ``low``: no one-sided (or asynchronous bilateral) facial-nerve picture, or two or more
      features typical of another disorder (``phenomenology`` group);
    - ``typical``: the core picture with periocular onset, at least one confirmatory sign
      (other Babinski sign, lateral spread response, neurovascular conflict) and nothing against;
    - ``probable``: the core picture with nothing against, or one feature against plus a
      confirmatory sign;
    - ``possible``: anything else.
    """
    fired = R.fired(R.LIKELIHOOD_RULES, facts)
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
    if not con and facts.get("periocular_onset") and confirm:
        return (
            "typical",
            pro,
            con,
            "core picture, periocular onset, confirmatory sign, nothing against",
        )
    if not con or (len(con) == 1 and confirm):
        return (
            "probable",
            pro,
            con,
            "core picture with nothing against (or one, with a confirmatory sign)",
        )
    return "possible", pro, con, "core picture with features against"


def rank_differential(facts: dict[str, Any]) -> list[DifferentialItem]:
    """Rank the differential by (weights for) - (weights against); ties keep table order."""
    fired = R.fired(R.DIFFERENTIAL_RULES, facts)
    items = []
    for order, (cond, label) in enumerate(R.CONDITIONS.items()):
        pro = [r for r in fired if r.target == cond and r.direction == "for"]
        con = [r for r in fired if r.target == cond and r.direction == "against"]
        score = sum(r.weight for r in pro) - sum(r.weight for r in con)
        items.append((score, -order, cond, label, pro, con))
    items.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [
        DifferentialItem(
            condition=cond,
            label=label,
            rank=i + 1,
            score=score,
            for_=[_reason(r) for r in pro],
            against=[_reason(r) for r in con],
        )
        for i, (score, _o, cond, label, pro, con) in enumerate(items)
    ]


def _flag_action(rule: R.Rule, case: Case) -> str:
    """The red flag's action, noting an MRI already recorded."""
    action = rule.action or ""
    if action == R.MRI_ACTION and case.mri != "not_done":
        done = ", ".join(case.mri_sequences) or "sequences not recorded"
        action += f" (MRI already recorded: {case.mri}, {done}; review it with this flag in mind)"
    return action


def _treatment_options(leading: str, case: Case, course: CourseAnalysis) -> list[TreatmentOption]:
    if leading == "secondary_hfs_cpa_lesion":
        return [
            TreatmentOption(
                treatment="treat the underlying lesion (neurosurgical / ENT assessment)",
                when="secondary HFS from a structural lesion",
                expected_benefit=[
                    Cited(
                        text="HFS can result from tumour, vascular malformation or "
                        "dolichoectatic artery; correct diagnosis guides therapy",
                        source="han2009",
                    )
                ],
                duration=[],
                risks=[],
                notes=[
                    Cited(
                        text="botulinum toxin can control symptoms meanwhile", source="choe_kim2016"
                    )
                ],
            )
        ]
    if leading in ("hemifacial_spasm",):
        mvd = MVD_OPTION
        if case.mri_vessel == "vertebral":
            mvd = MVD_OPTION.model_copy(
                update={
                    "notes": [
                        Cited(
                            text="vertebral-artery-associated HFS: similar effective rate, but "
                            "transient and permanent complications and hearing loss more frequent "
                            "than in non-vertebral HFS",
                            source="li2022_va_mvd",
                        )
                    ]
                }
            )
        opts = [TOXIN_OPTION, mvd]
        if course.toxin_sessions == 0 and not course.mvd_done:
            opts.insert(0, ORAL_OPTION)
        return opts
    if leading == "blepharospasm":
        return [
            TreatmentOption(
                treatment="botulinum toxin (blepharospasm)",
                when="blepharospasm",
                expected_benefit=[
                    Cited(
                        text="onabotulinumtoxinA and incobotulinumtoxinA probably "
                        "effective (Level B)",
                        source="simpson2016",
                    )
                ],
                duration=[],
                risks=[],
            )
        ]
    return []


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
    course = analyze_course(case.treatments)
    facts = R.case_facts(case, extra=course_facts(course))
    level, pro, con, why = hfs_likelihood(facts)
    differential = rank_differential(facts)
    leading = differential[0].condition if differential[0].score > 0 else "undetermined"
    # HFS is being considered: it leads the differential, or the picture is probable/typical.
    facts["hfs_considered"] = leading in ("hemifacial_spasm", "secondary_hfs_cpa_lesion") or (
        level in ("probable", "typical")
    )
    red = R.fired(R.RED_FLAG_RULES, facts)
    work = R.fired(R.WORKUP_RULES, facts)
    scales = {}
    for name, answers in case.scales.items():
        try:
            scales[name] = score_scale(name, answers)
        except ValidationError as exc:
            raise ValidationError(f"field 'scales.{name}': {exc.message}", hint=exc.hint) from None
    measured = (
        sorted(vm.sides[vm.affected_side].regions)
        if (vm and vm.affected_side in ("left", "right"))
        else None
    )
    plan = (
        injection_plan(case, measured_muscles=measured)
        if leading in ("hemifacial_spasm", "secondary_hfs_cpa_lesion")
        else None
    )
    all_fired = [
        *R.fired(R.LIKELIHOOD_RULES, facts),
        *R.fired(R.DIFFERENTIAL_RULES, facts),
        *red,
        *work,
    ]
    return Assessment(
        case_id=case.case_id,
        hfs_likelihood=level,
        likelihood_for=[_reason(r) for r in pro],
        likelihood_against=[_reason(r) for r in con],
        likelihood_rule=why,
        leading_diagnosis=leading,
        differential=differential,
        red_flags=[
            RedFlag(
                flag=r.conclusion,
                urgency=r.urgency,
                action=_flag_action(r, case),
                rule=r.id,
                source=r.source,
            )
            for r in red
        ],
        workup=[
            WorkupItem(
                test=r.action,
                reason=r.reason or R.describe(r.condition),
                rule=r.id,
                source=r.source,
            )
            for r in work
        ],
        treatment_options=_treatment_options(leading, case, course),
        discuss_mvd=mvd_discussion_reasons(case, course) if leading == "hemifacial_spasm" else [],
        treatment_course=course,
        injection_plan=plan,
        scales=scales,
        video=vm,
        rules_fired=[
            FiredRule(
                id=r.id,
                kind=r.kind,
                condition=R.describe(r.condition),
                conclusion=r.conclusion,
                source=r.source,
                citation=SOURCES[r.source],
            )
            for r in all_fired
        ],
        provenance=Provenance(
            method=METHOD,
            parameters={"waning_fraction": 0.75, "rules": len(all_fired)},
            input_name=input_name,
            input_sha256=input_sha256,
            synthetic=bool(vm and vm.synthetic),
        ),
    )
