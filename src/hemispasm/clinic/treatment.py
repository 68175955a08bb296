"""Treatment options, treatment-course analysis and a botulinum toxin injection plan.

Decision support for a clinician, not a prescription. Every rate, duration and dose below comes
with a source key into ``docs/references.md``; thresholds that are engineering choices say so.
"""

from __future__ import annotations

import statistics
from typing import Any, Literal

from pydantic import BaseModel, Field

from hemispasm.clinic.case import Case, Treatment
from hemispasm.clinic.injection import Cited

#: A toxin benefit or peak improvement below this fraction of the best earlier session counts as
#: shorter/lower. ENGINEERING CHOICE (not from the literature): 0.75.
WANING_FRACTION = 0.75
#: Usual re-injection interval: botulinum toxin "must be repeated every 3 to 4 months"
#: (rosenstengel2012); intervals shorter than 12 weeks are pointed out, and the label warns that
#: treatments more often than every 3 months may lead to tolerance (botox_label_blepharospasm).
USUAL_MIN_INTERVAL_WEEKS = 12.0

_RESPONSE_ORDER = {"none": 0, "mild": 1, "moderate": 2, "marked": 3, "complete": 4}
UNSPECIFIED_PRODUCT = "product not recorded"

WaningVerdict = Literal[
    "not_applicable", "no_waning", "waning", "shorter_after_dose_cut", "dose_not_recorded"
]


class TreatmentOption(BaseModel):
    """One treatment option with its expected benefit, duration and risks (all cited)."""

    treatment: str
    when: str
    expected_benefit: list[Cited]
    duration: list[Cited]
    risks: list[Cited]
    notes: list[Cited] = Field(default_factory=list)


class SessionSummary(BaseModel):
    """One treatment episode as analysed; every dose carries its unit."""

    index: int
    type: str
    date: str | None
    product: str | None = None
    total_dose: float | None
    dose_unit: str | None = None
    dose_text: str
    response: str | None
    peak_improvement_pct: float | None
    benefit_weeks: float | None
    weeks_since_previous_toxin: float | None = None
    side_effects: list[str] = Field(default_factory=list)


class CourseAnalysis(BaseModel):
    """Per-treatment response, toxin intervals and a dose- and product-aware waning verdict.

    Attributes
    ----------
    sessions : list of SessionSummary
    toxin_sessions : int
    toxin_intervals_weeks, mean_toxin_interval_weeks, short_intervals : weeks between dated
        toxin sessions; intervals under :data:`USUAL_MIN_INTERVAL_WEEKS`.
    waning : bool
        The latest toxin session's benefit is shorter or lower than the best earlier session of
        the same product although the dose was the same or higher (see ``waning_verdict``).
    waning_verdict : str
        ``waning``; ``shorter_after_dose_cut`` (shorter after a lower dose: expected, not
        waning); ``dose_not_recorded`` (shorter, doses missing: cannot tell); ``no_waning``;
        ``not_applicable`` (fewer than two comparable sessions).
    waning_summary : str
        The verdict in words (for the report and the CLI summary line).
    waning_reasons : list of str
    what_to_check : list of Cited
        When waning: what to check (neutralising antibodies, booster intervals, technique,
        dilution, product).
    products : list of str
        Toxin products recorded (units are never summed across products).
    oral_drug_failed, toxin_intolerance, mvd_done : bool
    """

    sessions: list[SessionSummary] = Field(default_factory=list)
    toxin_sessions: int = 0
    toxin_intervals_weeks: list[float] = Field(default_factory=list)
    mean_toxin_interval_weeks: float | None = None
    short_intervals: list[float] = Field(default_factory=list)
    waning: bool = False
    waning_verdict: WaningVerdict = "not_applicable"
    waning_summary: str = "fewer than two comparable toxin sessions recorded"
    waning_reasons: list[str] = Field(default_factory=list)
    what_to_check: list[Cited] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)
    oral_drug_failed: bool = False
    toxin_intolerance: bool = False
    mvd_done: bool = False


def _dose_text(t: Treatment) -> tuple[float | None, str | None, str]:
    total = t.total_units
    if t.type == "botulinum_toxin":
        product = t.product or UNSPECIFIED_PRODUCT
        if total is None:
            return None, "U", f"dose not recorded ({product})"
        if isinstance(t.doses, dict):
            per = ", ".join(f"{m.replace('_', ' ')} {u:g} U" for m, u in t.doses.items())
            return total, "U", f"{total:g} U {product} ({per})"
        return total, "U", f"{total:g} U {product}"
    if t.type == "mvd":
        return None, None, "surgery"
    if total is None:
        return None, "mg/day", "dose not recorded"
    return total, "mg/day", f"{total:g} mg/day"


def _shorter(values: list[tuple[int, float]], what: str, unit: str) -> tuple[str, int] | None:
    """(reason, index of the best earlier session) when the latest is below the fraction."""
    if len(values) < 2:
        return None
    last = values[-1][1]
    best_i, best = max(values[:-1], key=lambda iv: iv[1])
    if best > 0 and last < WANING_FRACTION * best:
        return (
            f"latest {what} {last:g}{unit} is below {WANING_FRACTION:.0%} of the best earlier "
            f"session of the same product ({best:g}{unit})",
            best_i,
        )
    return None


def _waning(toxin: list[Treatment], out: CourseAnalysis) -> None:
    """Fill the waning verdict from the toxin sessions in date order (pure helper)."""
    if len(toxin) < 2:
        return
    latest = toxin[-1]
    product = latest.product or UNSPECIFIED_PRODUCT
    same = [t for t in toxin if (t.product or UNSPECIFIED_PRODUCT) == product]
    if len(same) < 2:
        out.waning_summary = (
            f"the latest session used a different product ({product}): units are not "
            "interchangeable, so it is not compared with earlier sessions"
        )
        return
    idx = {id(t): i for i, t in enumerate(same)}
    benefit = [(idx[id(t)], t.benefit_weeks) for t in same if t.benefit_weeks is not None]
    peak = [
        (idx[id(t)], t.peak_improvement_pct) for t in same if t.peak_improvement_pct is not None
    ]
    found = [
        r
        for r in (
            _shorter(benefit, "benefit duration", " weeks")
            if benefit and benefit[-1][0] == len(same) - 1
            else None,
            _shorter(peak, "peak improvement", "%")
            if peak and peak[-1][0] == len(same) - 1
            else None,
        )
        if r
    ]
    resp = [(i, _RESPONSE_ORDER[t.response]) for i, t in enumerate(same) if t.response]
    if len(resp) >= 2 and resp[-1][0] == len(same) - 1:
        best_i, best = max(resp[:-1], key=lambda iv: iv[1])
        if best - resp[-1][1] >= 2:
            found.append(
                ("latest global response is two or more steps below the best earlier one", best_i)
            )
    if not found:
        out.waning_verdict = "no_waning"
        out.waning_summary = "no waning: the latest benefit is comparable to earlier sessions"
        return
    out.waning_reasons = [r for r, _ in found]
    best_doses = [same[i].total_units for _, i in found]
    last_dose = latest.total_units
    if last_dose is None or any(d is None for d in best_doses):
        out.waning_verdict = "dose_not_recorded"
        out.waning_summary = (
            "shorter or weaker benefit, but the doses are not all recorded: cannot tell waning "
            "from a dose reduction; record the units per session"
        )
        return
    if all(last_dose < d for d in best_doses):
        out.waning_verdict = "shorter_after_dose_cut"
        out.waning_summary = (
            f"shorter or weaker benefit after a dose reduction ({max(best_doses):g} U to "
            f"{last_dose:g} U {product}): expected from the lower dose, not waning"
        )
        return
    out.waning = True
    out.waning_verdict = "waning"
    out.waning_summary = (
        f"waning despite the same or a higher dose ({last_dose:g} U {product} vs "
        f"{max(best_doses):g} U): possible secondary non-response"
    )
    out.what_to_check = [
        Cited(
            text="neutralising antibodies can cause secondary treatment failure (more likely "
            "with products carrying complexing proteins or inactive toxin)",
            source="frevert2015",
        ),
        Cited(
            text="booster injections: tolerance may develop when treatments are given more often "
            "than every 3 months"
            + (
                " (intervals under 12 weeks recorded: "
                + ", ".join(f"{w:g} weeks" for w in out.short_intervals)
                + ")"
                if out.short_intervals
                else ""
            ),
            source="botox_label_blepharospasm",
        ),
        Cited(
            text="technique (sites, muscles missed as the spasm spreads), dilution and product "
            "(a change of product or batch; storage) before concluding resistance",
            source="engineering",
            verified=False,
        ),
        Cited(
            text="a waning toxin response is a reason to discuss MVD (lasting relief only with "
            "MVD)",
            source="rosenstengel2012",
        ),
    ]


def analyze_course(treatments: list[Treatment]) -> CourseAnalysis:
    """Analyse a treatment list (pure).

    Sessions are ordered by date (undated ones keep their place after dated ones). Waning of the
    botulinum toxin response compares the latest session with earlier sessions **of the same
    product** (units are not interchangeable): its benefit duration or peak improvement below
    :data:`WANING_FRACTION` of the best earlier session, or a global response two or more steps
    lower (none < mild < moderate < marked < complete). It is called waning only when the dose
    was the same or higher than in that best session; after a dose reduction it is
    ``shorter_after_dose_cut``; with doses missing, ``dose_not_recorded``.
    """
    order = sorted(
        range(len(treatments)),
        key=lambda i: (treatments[i].date is None, treatments[i].date or 0, i),
    )
    ts = [treatments[i] for i in order]
    out = CourseAnalysis()
    prev_toxin_date = None
    toxin: list[Treatment] = []
    for k, t in enumerate(ts):
        weeks = None
        if t.type == "botulinum_toxin":
            out.toxin_sessions += 1
            toxin.append(t)
            if t.date is not None and prev_toxin_date is not None:
                weeks = round((t.date - prev_toxin_date).days / 7.0, 1)
                out.toxin_intervals_weeks.append(weeks)
            if t.date is not None:
                prev_toxin_date = t.date
            if t.stopped_for_side_effects:
                out.toxin_intolerance = True
            p = t.product or UNSPECIFIED_PRODUCT
            if p not in out.products:
                out.products.append(p)
        elif t.type == "mvd":
            out.mvd_done = True
        elif t.response in ("none", "mild") or t.stopped_for_side_effects:
            out.oral_drug_failed = True
        total, unit, text = _dose_text(t)
        out.sessions.append(
            SessionSummary(
                index=k + 1,
                type=t.type,
                date=t.date.isoformat() if t.date else None,
                product=t.product,
                total_dose=total,
                dose_unit=unit,
                dose_text=text,
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
    _waning(toxin, out)
    return out


def course_facts(course: CourseAnalysis) -> dict[str, Any]:
    """Facts for the rule engine from a course analysis."""
    return {
        "botox_sessions": course.toxin_sessions,
        "botox_waning": course.waning,
        "botox_intolerance": course.toxin_intolerance,
        "oral_drug_failed": course.oral_drug_failed,
        "mvd_done": course.mvd_done,
        "secondary_nonresponse_suspected": course.waning,
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
            verified=False,
        ),
        Cited(
            text="clonazepam/diazepam: sedation; boxed warning for abuse, dependence and "
            "withdrawal, and with opioids",
            source="benzodiazepine_boxed_warning",
            verified=False,
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
        Cited(
            text="AAN 2008 (retired guideline): may be considered for HFS (Level C)",
            source="simpson2008",
        ),
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
        Cited(
            text="units are not interchangeable between toxin products",
            source="botox_label",
            verified=False,
        ),
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


ORAL_LABEL = "oral medication"

#: Pregnancy cautions, each cited (shown in the text of every option they concern).
PREGNANCY_NOTES: dict[str, dict[str, Cited]] = {
    "pregnant": {
        "carbamazepine": Cited(
            text="pregnancy: carbamazepine is a teratogen (spina bifida and other malformations); "
            "not to be used in pregnancy unless absolutely necessary",
            source="tegretol_smpc_pregnancy",
        ),
        "benzodiazepine": Cited(
            text="pregnancy: benzodiazepines late in pregnancy cause neonatal sedation ('floppy "
            "infant') and withdrawal",
            source="mhra_benzodiazepines_pregnancy",
        ),
        "toxin": Cited(
            text="pregnancy: limited data; botulinum toxin only if the benefit justifies the risk "
            "to the fetus, so injections are usually deferred",
            source="dysport_smpc_pregnancy",
        ),
        "mvd": Cited(
            text="pregnancy: elective surgery is postponed until after delivery (obstetric "
            "consultation before any non-obstetric surgery)",
            source="acog_nonobstetric_surgery",
        ),
        "gadolinium": Cited(
            text="pregnancy: avoid routine gadolinium contrast; give it only when the clinical "
            "benefit clearly outweighs the unknown fetal risk (MRI without contrast preferred)",
            source="acr_gadolinium_pregnancy",
        ),
    },
    "breastfeeding": {
        "benzodiazepine": Cited(
            text="breastfeeding: benzodiazepines pass into breast milk",
            source="mhra_benzodiazepines_pregnancy",
        ),
        "toxin": Cited(
            text="breastfeeding: use of botulinum toxin during lactation cannot be recommended, "
            "so injections are usually deferred",
            source="dysport_smpc_pregnancy",
        ),
    },
    "planning": {
        "carbamazepine": Cited(
            text="planning a pregnancy: carbamazepine is a teratogen; it also lowers the effect of "
            "hormonal contraceptives (use another reliable method)",
            source="tegretol_smpc_pregnancy",
        ),
        "benzodiazepine": Cited(
            text="planning a pregnancy: discuss stopping the benzodiazepine before conception",
            source="mhra_benzodiazepines_pregnancy",
        ),
    },
}


def pregnancy_notes(status: str | None, *keys: str) -> list[Cited]:
    """The pregnancy cautions for ``status`` that concern ``keys`` (pure)."""
    table = PREGNANCY_NOTES.get(status or "", {})
    return [table[k] for k in keys if k in table]


SYNKINESIS_OPTION = TreatmentOption(
    treatment="facial retraining, then low-dose botulinum toxin (post-paralytic synkinesis)",
    when="post-paralytic synkinesis after facial palsy or nerve injury",
    expected_benefit=[
        Cited(
            text="first-line treatment is facial training (biofeedback-based retraining), "
            "followed by botulinum toxin; surgery only for unsatisfactory cases",
            source="synkinesis_consensus2022",
        ),
    ],
    duration=[],
    risks=[
        Cited(
            text="low doses: 1.5 U onabotulinumtoxinA per site in post-paralytic HFS (instead of "
            "2 U in essential HFS); weakness of the already weak side is the risk",
            source="choe_kim2016",
        ),
    ],
)

BLEPHAROSPASM_OPTION = TreatmentOption(
    treatment="botulinum toxin (blepharospasm)",
    when="blepharospasm",
    expected_benefit=[
        Cited(
            text="onabotulinumtoxinA and incobotulinumtoxinA probably effective (Level B)",
            source="simpson2016",
        ),
    ],
    duration=[
        Cited(
            text="effect from about 3 days, peak at 1-2 weeks, lasts about 3 months",
            source="botox_label_blepharospasm",
        ),
    ],
    risks=[
        Cited(
            text="ptosis (avoid the levator) and diplopia (avoid the medial lower lid); tolerance "
            "may develop with treatments more often than every 3 months",
            source="botox_label_blepharospasm",
        ),
    ],
    notes=[
        Cited(
            text="onabotulinumtoxinA: initially 1.25-2.5 U per site (0.05-0.1 mL) into the "
            "medial and lateral pretarsal orbicularis oculi of the upper lid and the lateral "
            "pretarsal orbicularis oculi of the lower lid (3 sites per eye, 3.75-7.5 U per eye)",
            source="botox_label_blepharospasm",
        ),
        Cited(
            text="if the effect lasts under 2 months the dose may be doubled; little benefit "
            "above 5 U per site; no more than 200 U cumulative in 30 days",
            source="botox_label_blepharospasm",
        ),
    ],
)

TIC_CONVULSIF_PAIN_OPTION = TreatmentOption(
    treatment="carbamazepine for the trigeminal pain (painful tic convulsif)",
    when="same-side trigeminal neuralgia with HFS",
    expected_benefit=[
        Cited(
            text="first-line treatment of trigeminal neuralgia: sodium-channel-blocking "
            "anticonvulsants such as carbamazepine",
            source="baldauf2019",
        ),
    ],
    duration=[],
    risks=[
        Cited(
            text="carbamazepine: boxed warnings for serious skin reactions (HLA-B*1502) and "
            "aplastic anaemia/agranulocytosis",
            source="tegretol_label",
            verified=False,
        ),
    ],
    notes=[
        Cited(
            text="MVD is recommended as the treatment of choice for painful tic convulsif "
            "(after contrast imaging)",
            source="han2009",
        ),
    ],
)

LESION_OPTION = TreatmentOption(
    treatment="treat the underlying lesion (neurosurgical assessment)",
    when="secondary HFS from a structural lesion seen on MRI",
    expected_benefit=[
        Cited(
            text="HFS can result from tumour, vascular malformation or dolichoectatic artery; "
            "appropriate radiological investigation is crucial for the correct diagnosis",
            source="han2009",
        )
    ],
    duration=[],
    risks=[],
    notes=[
        Cited(
            text="no MVD and no toxin plan are offered while a mass is recorded: the "
            "neurosurgical team decides on symptomatic treatment",
            source="engineering",
        )
    ],
)

IMAGE_FIRST_OPTION = TreatmentOption(
    treatment="image first: contrast MRI before any treatment",
    when="a secondary (structural) cause leads and no imaging is recorded",
    expected_benefit=[
        Cited(
            text="appropriate radiological investigation is crucial to reach the correct "
            "diagnosis; HFS can result from tumour or vascular malformation",
            source="han2009",
        )
    ],
    duration=[],
    risks=[],
)


def mvd_discussion_reasons(case: Case, course: CourseAnalysis) -> list[Cited]:
    """Why MVD should be discussed for this case (empty when no reason fired).

    Never while a mass is recorded. The under-30 statement and painful tic convulsif
    (``han2009``) apply to imaged patients only (an MRI without a mass is recorded).
    """
    reasons: list[Cited] = []
    if case.mri == "mass_lesion":
        return reasons
    imaged = case.mri in ("normal", "neurovascular_conflict")
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
    if imaged and case.facial_pain is True and case.side in ("left", "right"):
        reasons.append(
            Cited(
                text="painful tic convulsif (same-side trigeminal pain): MVD recommended as the "
                "treatment of choice",
                source="han2009",
            )
        )
    if imaged and case.age is not None and case.age < 30:
        reasons.append(
            Cited(
                text="young patient (imaged, no mass): MVD recommended as the treatment of choice "
                "under 30 years",
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


# The injection plan lives in hemispasm.clinic.injection (re-exported here).
from hemispasm.clinic.injection import InjectionPlan, InjectionSite, injection_plan  # noqa: E402

__all__ = ["InjectionPlan", "InjectionSite", "injection_plan"]
