"""Treatment options, treatment-course analysis and a botulinum toxin injection plan.

Decision support for a clinician, not a prescription. Every rate, duration and dose below comes
with a source key into ``docs/references.md``; thresholds that are engineering choices say so.
"""

from __future__ import annotations

import statistics
from typing import Any

from pydantic import BaseModel, Field

from hemispasm.clinic.case import LOWER_FACE, Case, Treatment

#: A toxin benefit or peak improvement below this fraction of the best earlier session counts as
#: waning. ENGINEERING CHOICE (not from the literature): 0.75.
WANING_FRACTION = 0.75
#: Usual re-injection interval: botulinum toxin "must be repeated every 3 to 4 months"
#: (rosenstengel2012); intervals shorter than 12 weeks are pointed out.
USUAL_MIN_INTERVAL_WEEKS = 12.0

_RESPONSE_ORDER = {"none": 0, "mild": 1, "moderate": 2, "marked": 3, "complete": 4}


class Cited(BaseModel):
    """A statement with its source key."""

    text: str
    source: str


class TreatmentOption(BaseModel):
    """One treatment option with its expected benefit, duration and risks (all cited)."""

    treatment: str
    when: str
    expected_benefit: list[Cited]
    duration: list[Cited]
    risks: list[Cited]
    notes: list[Cited] = Field(default_factory=list)


class SessionSummary(BaseModel):
    """One treatment episode as analysed."""

    index: int
    type: str
    date: str | None
    total_dose: float | None
    response: str | None
    peak_improvement_pct: float | None
    benefit_weeks: float | None
    weeks_since_previous_toxin: float | None = None
    side_effects: list[str] = Field(default_factory=list)


class CourseAnalysis(BaseModel):
    """Per-treatment response, toxin intervals and waning.

    Attributes
    ----------
    sessions : list of SessionSummary
    toxin_sessions : int
    toxin_intervals_weeks : list of float
        Weeks between consecutive toxin sessions (dated sessions only).
    mean_toxin_interval_weeks : float or None
    short_intervals : list of float
        Intervals under :data:`USUAL_MIN_INTERVAL_WEEKS`.
    waning : bool
        Shorter benefit or lower peak improvement in the latest toxin session (see ``reasons``).
    waning_reasons : list of str
    oral_drug_failed : bool
        An oral drug gave no or mild response, or was stopped for side effects.
    toxin_intolerance : bool
        A toxin session was stopped for side effects.
    mvd_done : bool
    """

    sessions: list[SessionSummary] = Field(default_factory=list)
    toxin_sessions: int = 0
    toxin_intervals_weeks: list[float] = Field(default_factory=list)
    mean_toxin_interval_weeks: float | None = None
    short_intervals: list[float] = Field(default_factory=list)
    waning: bool = False
    waning_reasons: list[str] = Field(default_factory=list)
    oral_drug_failed: bool = False
    toxin_intolerance: bool = False
    mvd_done: bool = False


def _latest_vs_best(values: list[float], what: str, unit: str) -> str | None:
    if len(values) < 2:
        return None
    last, best = values[-1], max(values[:-1])
    if best > 0 and last < WANING_FRACTION * best:
        return (
            f"latest {what} {last:g}{unit} is below {WANING_FRACTION:.0%} of the best earlier "
            f"session ({best:g}{unit})"
        )
    return None


def analyze_course(treatments: list[Treatment]) -> CourseAnalysis:
    """Analyse a treatment list (pure).

    Sessions are ordered by date (undated ones keep their place after dated ones). Waning of the
    botulinum toxin response: the latest session's benefit duration or peak improvement is below
    :data:`WANING_FRACTION` of the best earlier session, or its global response is lower than the
    best earlier one by two or more steps (none < mild < moderate < marked < complete).
    """
    order = sorted(
        range(len(treatments)),
        key=lambda i: (treatments[i].date is None, treatments[i].date or 0, i),
    )
    ts = [treatments[i] for i in order]
    out = CourseAnalysis()
    prev_toxin_date = None
    benefit: list[float] = []
    peak: list[float] = []
    resp: list[int] = []
    for k, t in enumerate(ts):
        weeks = None
        if t.type == "botulinum_toxin":
            out.toxin_sessions += 1
            if t.date is not None and prev_toxin_date is not None:
                weeks = round((t.date - prev_toxin_date).days / 7.0, 1)
                out.toxin_intervals_weeks.append(weeks)
            if t.date is not None:
                prev_toxin_date = t.date
            if t.benefit_weeks is not None:
                benefit.append(t.benefit_weeks)
            if t.peak_improvement_pct is not None:
                peak.append(t.peak_improvement_pct)
            if t.response is not None:
                resp.append(_RESPONSE_ORDER[t.response])
            if t.stopped_for_side_effects:
                out.toxin_intolerance = True
        elif t.type == "mvd":
            out.mvd_done = True
        else:
            if t.response in ("none", "mild") or t.stopped_for_side_effects:
                out.oral_drug_failed = True
        out.sessions.append(
            SessionSummary(
                index=k + 1,
                type=t.type,
                date=t.date.isoformat() if t.date else None,
                total_dose=t.total_units,
                response=t.response,
                peak_improvement_pct=t.peak_improvement_pct,
                benefit_weeks=t.benefit_weeks,
                weeks_since_previous_toxin=weeks,
                side_effects=list(t.side_effects),
            )
        )
    if out.toxin_intervals_weeks:
        out.mean_toxin_interval_weeks = round(statistics.fmean(out.toxin_intervals_weeks), 1)
        out.short_intervals = [w for w in out.toxin_intervals_weeks if w < USUAL_MIN_INTERVAL_WEEKS]
    reasons = [
        _latest_vs_best(benefit, "benefit duration", " weeks"),
        _latest_vs_best(peak, "peak improvement", "%"),
    ]
    if len(resp) >= 2 and max(resp[:-1]) - resp[-1] >= 2:
        reasons.append("latest global response is two or more steps below the best earlier one")
    out.waning_reasons = [r for r in reasons if r]
    out.waning = bool(out.waning_reasons)
    return out


def course_facts(course: CourseAnalysis) -> dict[str, Any]:
    """Facts for the rule engine from a course analysis."""
    return {
        "botox_sessions": course.toxin_sessions,
        "botox_waning": course.waning,
        "botox_intolerance": course.toxin_intolerance,
        "oral_drug_failed": course.oral_drug_failed,
        "mvd_done": course.mvd_done,
    }


# ------------------------------------------------------------------------------------------
# treatment options (cited numbers only)
# ------------------------------------------------------------------------------------------

ORAL_OPTION = TreatmentOption(
    treatment="oral medication: carbamazepine, clonazepam or diazepam",
    when="mild, early HFS, or when injections are declined",
    expected_benefit=[
        Cited(
            text="response rate is low and the evidence almost exclusively anecdotal",
            source="kemp_reich2004",
        ),
    ],
    duration=[
        Cited(
            text="not established (the evidence is almost exclusively anecdotal)",
            source="kemp_reich2004",
        )
    ],
    risks=[
        Cited(
            text="carbamazepine: boxed warnings for serious skin reactions (HLA-B*1502) and "
            "aplastic anaemia/agranulocytosis",
            source="tegretol_label",
        ),
        Cited(
            text="clonazepam/diazepam: sedation; boxed warning for abuse, dependence and "
            "withdrawal, and with opioids",
            source="benzodiazepine_boxed_warning",
        ),
    ],
)

TOXIN_OPTION = TreatmentOption(
    treatment="botulinum toxin injections into the affected muscles",
    when="symptomatic treatment of choice for HFS",
    expected_benefit=[
        Cited(text="moderate or marked relief in 85-95% of patients", source="rosenstengel2012"),
        Cited(
            text="efficacy 73-98.4% across studies; effectiveness did not decrease over time",
            source="toxins2021_review",
        ),
        Cited(text="AAN: may be considered for HFS (Level C)", source="simpson2008"),
    ],
    duration=[
        Cited(text="mean duration of effect around 12 weeks", source="toxins2021_review"),
        Cited(text="repeated every 3-4 months", source="rosenstengel2012"),
    ],
    risks=[
        Cited(
            text="lower facial weakness was frequent when lower-face doses were not reduced; "
            "ptosis mild and reversible",
            source="yu1992",
        ),
        Cited(text="units are not interchangeable between toxin products", source="botox_label"),
    ],
)

MVD_OPTION = TreatmentOption(
    treatment="microvascular decompression (MVD)",
    when="definitive treatment; discuss when toxin benefit wanes, is not tolerated, or the "
    "patient prefers a definitive treatment",
    expected_benefit=[
        Cited(
            text="complete resolution in 91.1% over a median 2.9-year follow-up; recurrence 2.4%",
            source="miller_miller2012",
        ),
        Cited(
            text="long-term complete resolution 88.5% (95% CI 86.7-90.4%)", source="neurolindia2017"
        ),
    ],
    duration=[Cited(text="lasting relief (potentially curative)", source="rosenstengel2012")],
    risks=[
        Cited(
            text="transient: facial palsy 9.5%, hearing deficit 3.2%, CSF leak 1.4%",
            source="miller_miller2012",
        ),
        Cited(
            text="permanent: hearing deficit 2.3%, facial palsy 0.9%, stroke <0.1%, death <0.1%",
            source="miller_miller2012",
        ),
    ],
)


def mvd_discussion_reasons(case: Case, course: CourseAnalysis) -> list[Cited]:
    """Why MVD should be discussed for this case (empty when no reason fired)."""
    reasons: list[Cited] = []
    if course.waning:
        reasons.append(
            Cited(
                text="botulinum toxin response is waning (toxin is symptomatic; lasting relief "
                "only with MVD)",
                source="rosenstengel2012",
            )
        )
    if course.toxin_intolerance:
        reasons.append(Cited(text="botulinum toxin not tolerated", source="kemp_reich2004"))
    if course.oral_drug_failed and course.toxin_sessions == 0:
        reasons.append(
            Cited(text="oral medication failed or was not tolerated", source="kemp_reich2004")
        )
    if case.age is not None and case.age < 30:
        reasons.append(
            Cited(
                text="young patient: MVD recommended as the treatment of choice under 30 years",
                source="han2009",
            )
        )
    if case.prefers_definitive_treatment:
        reasons.append(
            Cited(
                text="the patient prefers a definitive treatment (lasting relief only with MVD)",
                source="rosenstengel2012",
            )
        )
    if case.mri == "neurovascular_conflict":
        reasons.append(Cited(text="MRI shows the offending vessel", source="lu2014"))
    return reasons


# ------------------------------------------------------------------------------------------
# injection plan
# ------------------------------------------------------------------------------------------


class InjectionSite(BaseModel):
    """Suggested onabotulinumtoxinA units for one muscle (decision support)."""

    muscle: str
    measured: bool
    units_per_site_range: tuple[float, float]
    sites: int | None
    note: str
    sources: list[str]


class InjectionPlan(BaseModel):
    """A botulinum toxin injection plan suggested from the muscles involved."""

    disclaimer: str = (
        "Decision support for a clinician, not a prescription: doses are typical published "
        "onabotulinumtoxinA units; the injector decides sites, doses and product."
    )
    product: str = "onabotulinumtoxinA"
    side: str | None
    sites: list[InjectionSite]
    reference_totals: list[Cited]


def injection_plan(
    case: Case, *, measured_muscles: list[str] | None = None
) -> InjectionPlan | None:
    """Suggest per-muscle onabotulinumtoxinA units from the muscles involved (pure).

    Parameters
    ----------
    case : Case
    measured_muscles : list of str, optional
        Muscles measured as involved on video (marked ``measured``).

    Returns
    -------
    InjectionPlan or None
        None when no facial-nerve muscle is recorded as involved.
    """
    measured = set(measured_muscles or [])
    muscles = [m for m in [*case.muscles_involved, *sorted(measured)] if m]
    muscles = list(dict.fromkeys(muscles))
    facial = [m for m in muscles if m not in ("masseter", "temporalis")]
    if not facial:
        return None
    reduced = bool(case.mri == "mass_lesion" or case.prior_bells_palsy or case.facial_trauma)
    sites: list[InjectionSite] = []
    for m in facial:
        if m == "orbicularis_oculi":
            sites.append(
                InjectionSite(
                    muscle=m,
                    measured=m in measured,
                    units_per_site_range=(2.0, 5.0),
                    sites=4,
                    note="4 orbital sites at 5 U each in a fixed-site paradigm; 2 U/site "
                    "standard in a wide-area strategy",
                    sources=["thai_fixed_site_mds", "choe_kim2016"],
                )
            )
        else:
            low = 1.5
            high = 1.5 if reduced else 2.0
            note = (
                "2 U/site standard for essential HFS; 1.5 U/site for post-paralytic or "
                "tumour-related HFS"
            )
            srcs = ["choe_kim2016"]
            if m in LOWER_FACE:
                note += "; lower-face doses should be kept low (lower facial weakness)"
                srcs.append("yu1992")
            sites.append(
                InjectionSite(
                    muscle=m,
                    measured=m in measured,
                    units_per_site_range=(low, high),
                    sites=None,
                    note=note,
                    sources=srcs,
                )
            )
    return InjectionPlan(
        side=case.side,
        sites=sites,
        reference_totals=[
            Cited(
                text="wide-area strategy: mean 22.6 ± 6.7 sites, mean total 28.6 ± 4.9 U on the "
                "affected side, benefit 28.6 ± 7.7 weeks",
                source="choe_kim2016",
            ),
            Cited(text="average 9.3 U per session, mean relief 10.8 weeks", source="yu1992"),
        ],
    )
