"""What the registry derives per patient: pure functions over a patient's stored data.

The input is a :class:`PatientRecord`, a plain snapshot of one patient's rows (built from the
database by :func:`hemispasm.registry.records.load_patient_record`, or by hand in tests).
Nothing here touches a database, a file or the clock.

The botulinum toxin course (intervals, waning) is NOT computed here a second time: toxin
sessions, drug courses and operations are converted to :class:`hemispasm.clinic.case.Treatment`
objects and handed to :func:`hemispasm.clinic.treatment.analyze_course`, the same function
``hemispasm assess`` uses. Every measure below carries its definition and source key
(``docs/references.md``, section "Registry demo cohort").
"""

from __future__ import annotations

import datetime as _dt
import statistics
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from hemispasm._version import __version__
from hemispasm.clinic.case import MUSCLES, SideEffect, Treatment
from hemispasm.clinic.treatment import (
    USUAL_MIN_INTERVAL_WEEKS,
    CourseAnalysis,
    analyze_course,
)

ORAL_DRUGS: frozenset[str] = frozenset({"carbamazepine", "clonazepam", "diazepam"})
_SIDE_EFFECTS: frozenset[str] = frozenset(get_args(SideEffect))
_RESPONSES = frozenset({"none", "mild", "moderate", "marked", "complete"})

#: MVD: a patient spasm-free at or before this many days after the operation resolved
#: "immediately"; later is "delayed". The boundary is the first group of the 175-patient series
#: ``jnsb2022_delayed_cure`` (spasm-free < 7 days, 7 days-1 month, ...); using it as a class
#: boundary is an ENGINEERING choice.
MVD_IMMEDIATE_MAX_DAYS = 7


class Definition(BaseModel):
    """What a derived measure means and where the definition comes from."""

    measure: str
    text: str
    sources: list[str]


#: Every derived measure's definition (source keys in docs/references.md).
DEFINITIONS: dict[str, Definition] = {
    d.measure: d
    for d in [
        Definition(
            measure="timeline",
            text="every dated event of the patient (visits, toxin sessions, drug starts and "
            "stops, operations, follow-ups, adverse events, recordings, scale scores) on one "
            "time axis, oldest first",
            sources=["engineering"],
        ),
        Definition(
            measure="toxin_intervals",
            text="weeks between consecutive dated botulinum toxin sessions, from "
            "hemispasm.clinic.treatment.analyze_course; intervals under "
            f"{USUAL_MIN_INTERVAL_WEEKS:g} weeks are flagged short (toxin 'must be repeated "
            "every 3 to 4 months')",
            sources=["rosenstengel2012"],
        ),
        Definition(
            measure="next_due",
            text="last dated session + the median of the patient's own intervals, or + "
            f"{USUAL_MIN_INTERVAL_WEEKS:g} weeks (3 months) with fewer than two sessions; overdue "
            "when the reference date is past it",
            sources=["rosenstengel2012", "engineering"],
        ),
        Definition(
            measure="cycle",
            text="a toxin cycle runs from one session to the next; onset = days to the first "
            "follow-up rating an improvement (> 0 %), peak = days to the follow-up with the "
            "highest improvement, wearing off = the session's recorded benefit duration in weeks "
            "(or the weeks to the first later follow-up rating no improvement); only recorded "
            "follow-ups count, so onset and peak are upper bounds set by when follow-ups were "
            "made",
            sources=["sorgun2015", "moin2017", "engineering"],
        ),
        Definition(
            measure="waning",
            text="the verdict of hemispasm.clinic.treatment.analyze_course over the patient's "
            "toxin sessions (its rule and threshold, an engineering choice, are documented in "
            "docs/clinic.md); on average the benefit does not wane in HFS",
            sources=["engineering", "toxins2021_review", "can_j_neurol_sci2010"],
        ),
        Definition(
            measure="dose_drift",
            text="per product (units are not interchangeable between products, so never summed "
            "across them): total units per session in date order, the least-squares slope in "
            "units per year, and units per week of benefit (session units / benefit weeks); doses "
            "rise over the first years of treatment and then stabilise",
            sources=["botox_label", "dantas2025", "engineering"],
        ),
        Definition(
            measure="video_spasm_rate",
            text="one-sided spasms per minute on the affected side from each video analysis of "
            "the visit (hemispasm analyze summary.json, sides.<side>.spasms_per_min; UCUM "
            "'/min'), beside the scale scores recorded at that visit",
            sources=["osaki2019"],
        ),
        Definition(
            measure="mvd_outcome",
            text="from the follow-ups after the operation: spasm_free (complete resolution at "
            "the latest follow-up), recurred (spasm-free earlier, spasm again at the latest), "
            "improved (never spasm-free, improvement > 0 %), unchanged (no benefit), "
            "not_assessed (no follow-up yet); time to spasm-free = days from the operation to "
            f"the first spasm-free follow-up (an upper bound); <= {MVD_IMMEDIATE_MAX_DAYS} days "
            "immediate, later delayed",
            sources=["auger1986", "miller_miller2012", "jnsb2022_delayed_cure", "engineering"],
        ),
    ]
}


# ------------------------------------------------------------------------------------------
# input: a plain snapshot of one patient's rows
# ------------------------------------------------------------------------------------------


class InjectionRow(BaseModel):
    """Units of the session's product into one muscle on one side."""

    id: int | None = None
    muscle: str | None = None
    side: str | None = None
    units: float
    points: int | None = None


class ToxinSessionRow(BaseModel):
    """One botulinum toxin session."""

    id: int
    date: _dt.date | None = None
    visit_id: int | None = None
    product_inn: str | None = None
    brand: str | None = None
    vial_units: float | None = None
    dilution_ml: float | None = None
    lot: str | None = None
    response: str | None = None
    peak_improvement_pct: float | None = None
    benefit_weeks: float | None = None
    injections: list[InjectionRow] = Field(default_factory=list)

    @property
    def total_units(self) -> float | None:
        """Units of this session's product (None when no injection was recorded)."""
        if not self.injections:
            return None
        return round(float(sum(i.units for i in self.injections)), 3)

    @property
    def product(self) -> str:
        """The product key used to keep units apart (INN, else brand, else 'unknown')."""
        return self.product_inn or self.brand or "unknown"


class DrugCourseRow(BaseModel):
    """An oral drug course."""

    id: int
    drug: str
    dose_mg_per_day: float | None = None
    start_date: _dt.date | None = None
    stop_date: _dt.date | None = None
    response: str | None = None
    side_effects: list[Any] = Field(default_factory=list)
    stopped_for_side_effects: bool | None = None


class SurgeryRow(BaseModel):
    """An operation (MVD)."""

    id: int
    date: _dt.date | None = None
    procedure: str = "mvd"
    side: str | None = None
    offending_vessels: list[Any] = Field(default_factory=list)
    technique: str | None = None
    lsr_recording_id: int | None = None
    lsr_disappeared: bool | None = None
    complications: list[Any] = Field(default_factory=list)


class FollowUpRow(BaseModel):
    """A follow-up rating."""

    id: int
    date: _dt.date
    visit_id: int | None = None
    surgery_id: int | None = None
    spasm_free: bool | None = None
    improvement_pct: float | None = None
    pgi: int | None = None
    house_brackmann: int | None = None


class AdverseEventRow(BaseModel):
    """An adverse event and what caused it."""

    id: int
    event: str
    onset_date: _dt.date | None = None
    toxin_session_id: int | None = None
    surgery_id: int | None = None
    drug_course_id: int | None = None
    severity: str | None = None
    resolved_date: _dt.date | None = None
    permanent: bool | None = None


class ScaleScoreRow(BaseModel):
    """A scored scale."""

    id: int
    scale: str
    total: float
    source: str
    date: _dt.date | None = None
    visit_id: int | None = None
    analysis_id: int | None = None


class VideoAnalysisRow(BaseModel):
    """The part of a video analysis the registry derives from."""

    analysis_id: int
    recording_id: int
    visit_id: int | None = None
    recorded: _dt.date | None = None
    sha256: str | None = None
    summary: dict[str, Any] = Field(default_factory=dict)
    hemispasm_version: str | None = None


class VisitRow(BaseModel):
    """A visit."""

    id: int
    date: _dt.date
    clinician: str | None = None


class PatientRecord(BaseModel):
    """Everything stored about one patient (no identifying data: none is needed here)."""

    patient_id: str
    synthetic: bool = False
    sex: str | None = None
    side: str | None = None
    onset_age: int | None = None
    visits: list[VisitRow] = Field(default_factory=list)
    toxin_sessions: list[ToxinSessionRow] = Field(default_factory=list)
    drug_courses: list[DrugCourseRow] = Field(default_factory=list)
    surgeries: list[SurgeryRow] = Field(default_factory=list)
    follow_ups: list[FollowUpRow] = Field(default_factory=list)
    adverse_events: list[AdverseEventRow] = Field(default_factory=list)
    scale_scores: list[ScaleScoreRow] = Field(default_factory=list)
    video_analyses: list[VideoAnalysisRow] = Field(default_factory=list)


# ------------------------------------------------------------------------------------------
# output
# ------------------------------------------------------------------------------------------

EventKind = Literal[
    "visit",
    "toxin_session",
    "drug_start",
    "drug_stop",
    "surgery",
    "follow_up",
    "adverse_event",
    "recording",
    "scale_score",
]
_KIND_ORDER = {k: i for i, k in enumerate(get_args(EventKind))}


class TimelineEvent(BaseModel):
    """One dated event."""

    date: _dt.date
    kind: EventKind
    ref_id: int | None
    label: str
    detail: dict[str, Any] = Field(default_factory=dict)


class Schedule(BaseModel):
    """Toxin intervals and the next due date."""

    intervals_weeks: list[float] = Field(default_factory=list)
    mean_interval_weeks: float | None = None
    median_interval_weeks: float | None = None
    short_intervals_weeks: list[float] = Field(default_factory=list)
    last_session: _dt.date | None = None
    next_due: _dt.date | None = None
    next_due_basis: str | None = None
    overdue_weeks: float | None = None


class Cycle(BaseModel):
    """One toxin cycle: from a session to the next."""

    session_id: int
    date: _dt.date | None
    product: str
    units: float | None
    onset_days: int | None = None
    peak_days: int | None = None
    peak_improvement_pct: float | None = None
    wearing_off_weeks: float | None = None
    wearing_off_basis: Literal["recorded_benefit", "follow_up"] | None = None
    response: str | None = None


class ProductDose(BaseModel):
    """Dose drift of one toxin product (never mixed with another product's units)."""

    product: str
    sessions: int
    units_per_cycle: list[tuple[_dt.date | None, float]]
    units_per_week_of_benefit: list[tuple[_dt.date | None, float]]
    first_units: float | None = None
    last_units: float | None = None
    slope_units_per_year: float | None = None


class VisitMeasures(BaseModel):
    """The objective spasm rate of a visit's videos beside that visit's scale scores."""

    visit_id: int
    date: _dt.date
    video: list[dict[str, Any]] = Field(default_factory=list)
    scales: list[dict[str, Any]] = Field(default_factory=list)


class MvdOutcome(BaseModel):
    """The outcome of one operation from its follow-ups."""

    surgery_id: int
    date: _dt.date | None
    outcome: Literal["spasm_free", "recurred", "improved", "unchanged", "not_assessed"]
    time_to_spasm_free_days: int | None = None
    resolution: Literal["immediate", "delayed"] | None = None
    follow_up_days: int | None = None
    lsr_disappeared: bool | None = None
    permanent_complications: list[str] = Field(default_factory=list)
    transient_complications: list[str] = Field(default_factory=list)


class DerivedMeasures(BaseModel):
    """All derived measures of one patient, with their definitions and provenance."""

    patient_id: str
    synthetic: bool
    as_of: _dt.date | None
    timeline: list[TimelineEvent]
    course: CourseAnalysis
    schedule: Schedule
    cycles: list[Cycle]
    waning: bool
    waning_reasons: list[str]
    dose_by_product: list[ProductDose]
    visits: list[VisitMeasures]
    mvd: list[MvdOutcome]
    definitions: list[Definition] = Field(default_factory=lambda: list(DEFINITIONS.values()))
    provenance: dict[str, Any] = Field(
        default_factory=lambda: {
            "package": "hemispasm",
            "version": __version__,
            "method": "registry.derive",
            "course_method": "hemispasm.clinic.treatment.analyze_course",
        }
    )


# ------------------------------------------------------------------------------------------
# conversion to hemispasm.clinic Treatments (shared course logic)
# ------------------------------------------------------------------------------------------


def _side_effects(names: list[Any]) -> list[str]:
    out = []
    for n in names:
        key = str(n.get("name") if isinstance(n, dict) else n).strip().lower().replace(" ", "_")
        out.append(key if key in _SIDE_EFFECTS else "other")
    return list(dict.fromkeys(out))


def toxin_treatment(
    *,
    date: _dt.date | None,
    product: str | None,
    response: str | None,
    peak_improvement_pct: float | None,
    benefit_weeks: float | None,
    doses: float | dict[str, float] | None = None,
    side_effects: list[Any] | None = None,
) -> Treatment:
    """A toxin session's stored fields as a clinic :class:`Treatment` (values outside the case
    vocabulary are dropped, improvement clipped to 0-100 %)."""
    pct = peak_improvement_pct
    return Treatment(
        type="botulinum_toxin",
        date=date,
        doses=doses,
        product=product,
        response=response if response in _RESPONSES else None,
        peak_improvement_pct=None if pct is None else min(100.0, max(0.0, pct)),
        benefit_weeks=benefit_weeks if (benefit_weeks or 0) >= 0 else None,
        side_effects=_side_effects(side_effects or []),  # type: ignore[arg-type]
    )


def session_treatment(s: ToxinSessionRow, side_effects: list[str] | None = None) -> Treatment:
    """One toxin session as a :class:`Treatment` (units per muscle, sides added together).

    Injections with no muscle recorded (or a name outside the case vocabulary) make the dose a
    plain total, so that no unit is dropped.
    """
    doses: float | dict[str, float] | None = None
    if s.injections:
        if all(i.muscle in MUSCLES for i in s.injections):
            per: dict[str, float] = {}
            for i in s.injections:
                per[i.muscle] = per.get(i.muscle, 0.0) + float(i.units)  # type: ignore[index]
            doses = per
        else:
            doses = float(sum(i.units for i in s.injections))
    return toxin_treatment(
        date=s.date,
        product=s.product_inn or s.brand,
        response=s.response,
        peak_improvement_pct=s.peak_improvement_pct,
        benefit_weeks=s.benefit_weeks,
        doses=doses,
        side_effects=side_effects,
    )


def record_treatments(p: PatientRecord) -> list[Treatment]:
    """Every toxin session, oral drug course and MVD of a patient as clinic Treatments."""
    effects: dict[int, list[str]] = {}
    for ae in p.adverse_events:
        if ae.toxin_session_id is not None:
            effects.setdefault(ae.toxin_session_id, []).append(ae.event)
    out = [session_treatment(s, effects.get(s.id)) for s in p.toxin_sessions]
    for d in p.drug_courses:
        if d.drug in ORAL_DRUGS:
            out.append(
                Treatment(
                    type=d.drug,  # type: ignore[arg-type]
                    date=d.start_date,
                    doses=d.dose_mg_per_day,
                    response=d.response if d.response in _RESPONSES else None,
                    side_effects=_side_effects(d.side_effects),  # type: ignore[arg-type]
                    stopped_for_side_effects=d.stopped_for_side_effects,
                )
            )
    for s in p.surgeries:
        if s.procedure == "mvd":
            out.append(Treatment(type="mvd", date=s.date))
    return out


def course_of(p: PatientRecord) -> CourseAnalysis:
    """The treatment course of a patient, by :func:`hemispasm.clinic.treatment.analyze_course`."""
    return analyze_course(record_treatments(p))


# ------------------------------------------------------------------------------------------
# the measures
# ------------------------------------------------------------------------------------------


def timeline(p: PatientRecord) -> list[TimelineEvent]:
    """All dated events of a patient on one axis, oldest first (undated rows are left out)."""
    ev: list[TimelineEvent] = []
    for v in p.visits:
        ev.append(TimelineEvent(date=v.date, kind="visit", ref_id=v.id, label="visit"))
    for s in p.toxin_sessions:
        if s.date is None:
            continue
        units = s.total_units
        label = f"toxin {s.product}" + (f" {units:g} U" if units is not None else "")
        ev.append(
            TimelineEvent(
                date=s.date,
                kind="toxin_session",
                ref_id=s.id,
                label=label,
                detail={
                    "product": s.product,
                    "units": units,
                    "muscles": [i.muscle for i in s.injections],
                    "benefit_weeks": s.benefit_weeks,
                    "response": s.response,
                },
            )
        )
    for d in p.drug_courses:
        dose = f" {d.dose_mg_per_day:g} mg/day" if d.dose_mg_per_day is not None else ""
        if d.start_date is not None:
            ev.append(
                TimelineEvent(
                    date=d.start_date, kind="drug_start", ref_id=d.id, label=f"{d.drug}{dose}"
                )
            )
        if d.stop_date is not None:
            ev.append(
                TimelineEvent(
                    date=d.stop_date,
                    kind="drug_stop",
                    ref_id=d.id,
                    label=f"stop {d.drug}",
                    detail={"response": d.response},
                )
            )
    for s in p.surgeries:
        if s.date is not None:
            ev.append(
                TimelineEvent(
                    date=s.date,
                    kind="surgery",
                    ref_id=s.id,
                    label=f"{s.procedure} {s.side or ''}".strip(),
                    detail={"lsr_disappeared": s.lsr_disappeared},
                )
            )
    for f in p.follow_ups:
        ev.append(
            TimelineEvent(
                date=f.date,
                kind="follow_up",
                ref_id=f.id,
                label="follow-up" + (" spasm-free" if f.spasm_free else ""),
                detail={"improvement_pct": f.improvement_pct, "spasm_free": f.spasm_free},
            )
        )
    for a in p.adverse_events:
        if a.onset_date is not None:
            ev.append(
                TimelineEvent(
                    date=a.onset_date,
                    kind="adverse_event",
                    ref_id=a.id,
                    label=a.event,
                    detail={"toxin_session_id": a.toxin_session_id, "surgery_id": a.surgery_id},
                )
            )
    visit_dates = {v.id: v.date for v in p.visits}
    for r in p.video_analyses:
        when = r.recorded or visit_dates.get(r.visit_id or -1)
        if when is not None:
            ev.append(
                TimelineEvent(
                    date=when,
                    kind="recording",
                    ref_id=r.recording_id,
                    label="video analysis",
                    detail={"analysis_id": r.analysis_id},
                )
            )
    for sc in p.scale_scores:
        when = sc.date or visit_dates.get(sc.visit_id or -1)
        if when is not None:
            ev.append(
                TimelineEvent(
                    date=when,
                    kind="scale_score",
                    ref_id=sc.id,
                    label=f"{sc.scale} {sc.total:g} ({sc.source})",
                )
            )
    ev.sort(key=lambda e: (e.date, _KIND_ORDER[e.kind], e.ref_id or 0))
    return ev


def schedule(
    p: PatientRecord, course: CourseAnalysis | None = None, *, as_of: _dt.date | None = None
) -> Schedule:
    """Inter-injection intervals (from the shared course analysis) and the next due date."""
    course = course if course is not None else course_of(p)
    dated = sorted(s.date for s in p.toxin_sessions if s.date is not None)
    out = Schedule(
        intervals_weeks=list(course.toxin_intervals_weeks),
        mean_interval_weeks=course.mean_toxin_interval_weeks,
        short_intervals_weeks=list(course.short_intervals),
    )
    if course.toxin_intervals_weeks:
        out.median_interval_weeks = round(statistics.median(course.toxin_intervals_weeks), 1)
    if not dated:
        return out
    out.last_session = dated[-1]
    if out.median_interval_weeks is not None:
        weeks, basis = out.median_interval_weeks, "median of the patient's own intervals"
    else:
        weeks, basis = USUAL_MIN_INTERVAL_WEEKS, "usual interval (3 months; rosenstengel2012)"
    out.next_due = dated[-1] + _dt.timedelta(days=round(weeks * 7))
    out.next_due_basis = basis
    if as_of is not None and as_of > out.next_due:
        out.overdue_weeks = round((as_of - out.next_due).days / 7.0, 1)
    return out


def cycles(p: PatientRecord) -> list[Cycle]:
    """Per-cycle onset, peak and wearing off, where follow-ups or benefit were recorded."""
    sessions = sorted(
        (s for s in p.toxin_sessions if s.date is not None), key=lambda s: (s.date, s.id)
    )
    tox_fu = sorted(
        (f for f in p.follow_ups if f.surgery_id is None and f.improvement_pct is not None),
        key=lambda f: f.date,
    )
    mvd_dates = sorted(o.date for o in p.surgeries if o.date is not None)
    out: list[Cycle] = []
    for k, s in enumerate(sessions):
        start = s.date
        ends = [d for d in mvd_dates if d > start]  # type: ignore[operator]
        if k + 1 < len(sessions):
            ends.append(sessions[k + 1].date)  # type: ignore[arg-type]
        end = min(ends) if ends else None
        fus = [f for f in tox_fu if f.date > start and (end is None or f.date <= end)]  # type: ignore[operator]
        c = Cycle(
            session_id=s.id,
            date=start,
            product=s.product,
            units=s.total_units,
            response=s.response,
            peak_improvement_pct=s.peak_improvement_pct,
        )
        improving = [f for f in fus if (f.improvement_pct or 0) > 0]
        if improving:
            c.onset_days = (improving[0].date - start).days  # type: ignore[operator]
            best = max(improving, key=lambda f: (f.improvement_pct, -f.date.toordinal()))
            c.peak_days = (best.date - start).days  # type: ignore[operator]
            if c.peak_improvement_pct is None:
                c.peak_improvement_pct = best.improvement_pct
        if s.benefit_weeks is not None:
            c.wearing_off_weeks, c.wearing_off_basis = s.benefit_weeks, "recorded_benefit"
        elif improving:
            after = [f for f in fus if f.date > best.date and (f.improvement_pct or 0) <= 0]
            if after:
                c.wearing_off_weeks = round((after[0].date - start).days / 7.0, 1)  # type: ignore[operator]
                c.wearing_off_basis = "follow_up"
        out.append(c)
    return out


def _slope_per_year(points: list[tuple[_dt.date, float]]) -> float | None:
    if len(points) < 2:
        return None
    xs = [d.toordinal() / 365.25 for d, _ in points]
    ys = [u for _, u in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx, 2)


def dose_by_product(p: PatientRecord) -> list[ProductDose]:
    """Dose drift per product: units per cycle, units per week of benefit, slope per year."""
    groups: dict[str, list[ToxinSessionRow]] = {}
    for s in sorted(p.toxin_sessions, key=lambda s: (s.date is None, s.date or _dt.date.min)):
        groups.setdefault(s.product, []).append(s)
    out = []
    for product, ss in groups.items():
        per = [(s.date, s.total_units) for s in ss if s.total_units is not None]
        per_week = [
            (s.date, round(s.total_units / s.benefit_weeks, 2))
            for s in ss
            if s.total_units is not None and s.benefit_weeks
        ]
        dated = [(d, u) for d, u in per if d is not None]
        out.append(
            ProductDose(
                product=product,
                sessions=len(ss),
                units_per_cycle=per,  # type: ignore[arg-type]
                units_per_week_of_benefit=per_week,  # type: ignore[arg-type]
                first_units=per[0][1] if per else None,
                last_units=per[-1][1] if per else None,
                slope_units_per_year=_slope_per_year(dated),  # type: ignore[arg-type]
            )
        )
    return out


def video_spasm_rate(summary: dict[str, Any], side: str | None) -> tuple[str | None, float | None]:
    """The affected side's spasms per minute from a ``hemispasm analyze`` summary.

    The patient's recorded side is used when it is left or right; otherwise the summary's own
    ``affected_side``; for bilateral or unknown, the higher of the two sides.
    """
    sides = summary.get("sides") or {}
    if not isinstance(sides, dict) or not sides:
        return None, None
    pick = side if side in ("left", "right") else summary.get("affected_side")
    if pick in sides and isinstance(sides[pick], dict):
        rate = sides[pick].get("spasms_per_min")
        return pick, None if rate is None else float(rate)
    rates = [
        (k, float(v["spasms_per_min"]))
        for k, v in sides.items()
        if isinstance(v, dict) and v.get("spasms_per_min") is not None
    ]
    if not rates:
        return None, None
    return max(rates, key=lambda kv: kv[1])


def visit_measures(p: PatientRecord) -> list[VisitMeasures]:
    """Per visit: the objective spasm rate of each video analysis beside the scale scores."""
    by_visit: dict[int, VisitMeasures] = {
        v.id: VisitMeasures(visit_id=v.id, date=v.date)
        for v in sorted(p.visits, key=lambda v: (v.date, v.id))
    }
    for a in p.video_analyses:
        if a.visit_id in by_visit:
            side, rate = video_spasm_rate(a.summary, p.side)
            by_visit[a.visit_id].video.append(
                {
                    "analysis_id": a.analysis_id,
                    "recording_sha256": a.sha256,
                    "side": side,
                    "spasms_per_min": rate,
                    "unit": "/min",
                    "duration_s": a.summary.get("duration_s"),
                    "synthetic": bool(a.summary.get("synthetic", False)),
                    "hemispasm_version": a.hemispasm_version,
                }
            )
    for sc in p.scale_scores:
        if sc.visit_id in by_visit:
            by_visit[sc.visit_id].scales.append(
                {"scale": sc.scale, "total": sc.total, "source": sc.source, "id": sc.id}
            )
    return list(by_visit.values())


def _complications(items: list[Any]) -> tuple[list[str], list[str]]:
    perm, trans = [], []
    for c in items:
        name = str(c.get("name")) if isinstance(c, dict) else str(c)
        (perm if isinstance(c, dict) and c.get("permanent") else trans).append(name)
    return perm, trans


def mvd_outcomes(p: PatientRecord) -> list[MvdOutcome]:
    """Outcome class and time to spasm-free of each MVD (see ``DEFINITIONS['mvd_outcome']``)."""
    out = []
    ops = sorted(
        (s for s in p.surgeries if s.procedure == "mvd"),
        key=lambda s: (s.date is None, s.date or _dt.date.min),
    )
    for k, s in enumerate(ops):
        nxt = ops[k + 1].date if k + 1 < len(ops) else None
        fus = sorted(
            (
                f
                for f in p.follow_ups
                if f.surgery_id == s.id
                or (
                    f.surgery_id is None
                    and s.date is not None
                    and f.date >= s.date
                    and (nxt is None or f.date < nxt)
                )
            ),
            key=lambda f: f.date,
        )
        perm, trans = _complications(s.complications)
        res = MvdOutcome(
            surgery_id=s.id,
            date=s.date,
            outcome="not_assessed",
            lsr_disappeared=s.lsr_disappeared,
            permanent_complications=perm,
            transient_complications=trans,
        )
        if fus:
            last = fus[-1]
            free = [f for f in fus if f.spasm_free]
            if last.spasm_free:
                res.outcome = "spasm_free"
            elif free:
                res.outcome = "recurred"
            elif (last.improvement_pct or 0) > 0:
                res.outcome = "improved"
            else:
                res.outcome = "unchanged"
            if s.date is not None:
                res.follow_up_days = (last.date - s.date).days
                if free:
                    days = (free[0].date - s.date).days
                    res.time_to_spasm_free_days = days
                    res.resolution = "immediate" if days <= MVD_IMMEDIATE_MAX_DAYS else "delayed"
        out.append(res)
    return out


def derive(p: PatientRecord, *, as_of: _dt.date | None = None) -> DerivedMeasures:
    """Every derived measure of one patient (pure).

    Parameters
    ----------
    p : PatientRecord
        The patient's stored rows.
    as_of : date, optional
        Reference date for "overdue"; without it no overdue flag is computed.
    """
    course = course_of(p)
    return DerivedMeasures(
        patient_id=p.patient_id,
        synthetic=p.synthetic,
        as_of=as_of,
        timeline=timeline(p),
        course=course,
        schedule=schedule(p, course, as_of=as_of),
        cycles=cycles(p),
        waning=course.waning,
        waning_reasons=list(course.waning_reasons),
        dose_by_product=dose_by_product(p),
        visits=visit_measures(p),
        mvd=mvd_outcomes(p),
    )


__all__ = [
    "DEFINITIONS",
    "Cycle",
    "Definition",
    "DerivedMeasures",
    "MvdOutcome",
    "PatientRecord",
    "ProductDose",
    "Schedule",
    "TimelineEvent",
    "ToxinSessionRow",
    "VisitMeasures",
    "course_of",
    "cycles",
    "derive",
    "dose_by_product",
    "mvd_outcomes",
    "record_treatments",
    "schedule",
    "session_treatment",
    "timeline",
    "toxin_treatment",
    "video_spasm_rate",
    "visit_measures",
]
