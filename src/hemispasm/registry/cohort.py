"""Cohort distributions over the registry: pseudonymised aggregates (pure).

Two pure steps, shared by the web cohort page, its CSV/JSON downloads and any CLI or batch:

1. :func:`patient_facts`: one :class:`~hemispasm.registry.derive.PatientRecord` → the few
   values a cohort needs (:class:`PatientFacts`), computed by the registry's own derivations
   (:func:`~hemispasm.registry.derive.course_of` for waning and intervals, ``schedule``,
   ``cycles``, ``dose_by_product``, ``visit_measures``, ``mvd_outcomes``); nothing is
   re-derived here. A fact row carries no registry id, no identity and no free text.
2. :func:`cohort_summary`: fact rows + a :class:`CohortFilter` → a :class:`CohortSummary`:
   counts, fixed-bin histograms and quantiles, each with its n, with small counts suppressed.

Small-cell suppression (an ENGINEERING choice, see docs/web.md and docs/references.md section
"Cohort page"): a count of 1 to ``min_cell - 1`` patients is shown as ``< min_cell`` (the
threshold rule of statistical disclosure control, ``oecd_sdc_glossary``; 5 is a common minimum
cell count, ``omopgenerics_suppression``); when a partition (bins of one histogram, the cells of
one table) would then hold a single hidden cell, the smallest other non-zero cell is hidden too
so that the hidden one cannot be recovered by subtraction from the total (``ukllc_sdc``,
``wa_doh_small_numbers``); a distribution whose n is under the threshold shows neither bins
nor quantiles. Quantiles are p10, p25, median, p75, p90 (no minimum or maximum: those are one
patient's value). Histogram bins are fixed in advance, never drawn from the data.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import itertools
import statistics
from collections import Counter
from collections.abc import Iterable
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from hemispasm._version import __version__
from hemispasm.registry.derive import (
    PatientRecord,
    course_of,
    cycles,
    dose_by_product,
    mvd_outcomes,
    schedule,
    visit_measures,
)

#: Smallest count of patients shown as a number (ENGINEERING choice; docs/web.md).
MIN_CELL = 5

Side = Literal["left", "right", "bilateral"]
Sex = Literal["female", "male", "other"]
Treatment = Literal["toxin", "mvd", "drugs"]
OnsetBand = Literal["0-29", "30-44", "45-59", "60-74", "75+"]
#: Age at onset bands of the filter, years [lo, hi) (ENGINEERING choice).
ONSET_BANDS: dict[str, tuple[int, int | None]] = {
    "0-29": (0, 30),
    "30-44": (30, 45),
    "45-59": (45, 60),
    "60-74": (60, 75),
    "75+": (75, None),
}
SIDES: tuple[str, ...] = get_args(Side)
SEXES: tuple[str, ...] = get_args(Sex)
TREATMENTS: tuple[str, ...] = get_args(Treatment)

Bins = list[tuple[float, float | None, str]]  # [lo, hi) and its label; hi None: open


def _edges(edges: list[float], *, integer: bool = False) -> Bins:
    """Bins between consecutive edges, then one open bin from the last edge."""
    out: Bins = []
    for lo, hi in itertools.pairwise(edges):
        label = f"{lo:g}-{hi - 1:g}" if integer else f"{lo:g}-{hi:g}"
        out.append((lo, hi, label))
    out.append((edges[-1], None, f"{edges[-1]:g}+"))
    return out


#: Fixed histogram bins [lo, hi) per measure (ENGINEERING choices; never drawn from the data).
BINS: dict[str, Bins] = {
    "onset_age_years": [(0, 20, "< 20"), *_edges([20, 30, 40, 50, 60, 70, 80], integer=True)],
    "spasms_per_min": _edges([0, 2, 5, 10, 20, 40]),
    "benefit_weeks": _edges([0, 4, 8, 12, 16, 20, 26]),
    "interval_weeks": [(0, 10, "< 10"), *_edges([10, 12, 14, 16, 18, 20, 26])],
}
#: Scale totals: one bin per integer for short scales, else this width (ENGINEERING).
SCALE_RANGES: dict[str, tuple[int, int, int]] = {  # min, max, bin width
    "jankovic": (0, 8, 1),
    "smc": (1, 4, 1),
    "cohen_albert": (0, 4, 1),
    "hfs7": (0, 28, 4),
    "hfs30": (0, 120, 12),
}
#: Units per session: bin width per product (units are not interchangeable between products).
UNIT_BIN_WIDTH: dict[str, float] = {"abobotulinumtoxinA": 50.0, "rimabotulinumtoxinB": 1000.0}
DEFAULT_UNIT_BIN_WIDTH = 10.0
UNIT_BINS = 6  # then one open bin

#: What each distribution is, one value per patient unless said otherwise.
MEASURES: dict[str, str] = {
    "side_sex": "patients by affected side and sex",
    "onset_age_years": "age at onset (years), one value per patient",
    "spasms_per_min": "video-measured spasms per minute on the affected side at the patient's "
    "latest visit with a video analysis (hemispasm analyze; the latest analysis of that visit); "
    "an analysis of a SYNTHETIC video counts only for a synthetic patient",
    "scale": "the patient's latest total of each scale, per scale and rater (clinician, patient, "
    "video estimate); scales are never pooled",
    "benefit_weeks": "per product: the median wearing-off time (weeks) of the patient's toxin "
    "cycles (registry.derive.cycles: recorded benefit, else follow-ups)",
    "units_per_session": "per product: total units of the patient's latest session of that "
    "product (registry.derive.dose_by_product); never summed across products",
    "waning": "toxin patients whose response wanes (hemispasm.clinic.treatment.analyze_course)",
    "interval_weeks": "median weeks between the patient's toxin sessions (registry.derive)",
    "mvd_outcome": "per operation: outcome class at the latest follow-up (registry.derive."
    "mvd_outcomes)",
    "mvd_lsr": "per operation: intraoperative LSR disappearance against spasm-free at the latest "
    "follow-up",
    "mvd_complications": "per operation: complications by name and permanence (counts are not a "
    "partition: an operation may have several)",
}


class CohortFilter(BaseModel):
    """Which patients the cohort covers (every field optional; None = all)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    side: Side | None = None
    sex: Sex | None = None
    synthetic: bool | None = None
    treatment: Treatment | None = None
    onset: OnsetBand | None = None


#: The accepted text of each filter (query strings, CLI options); "" means all.
FILTER_CHOICES: dict[str, tuple[str, ...]] = {
    "side": SIDES,
    "sex": SEXES,
    "synthetic": ("yes", "no"),
    "treatment": TREATMENTS,
    "onset": tuple(ONSET_BANDS),
}


def parse_filter(
    *, side: str = "", sex: str = "", synthetic: str = "", treatment: str = "", onset: str = ""
) -> CohortFilter:
    """A :class:`CohortFilter` from text values ("" or None = all).

    Raises
    ------
    ValidationError
        A value outside :data:`FILTER_CHOICES` (one line naming the filter and its choices).
    """
    from hemispasm.errors import ValidationError

    given = {"side": side, "sex": sex, "synthetic": synthetic, "treatment": treatment}
    given["onset"] = onset
    for name, value in given.items():
        if value and value not in FILTER_CHOICES[name]:
            raise ValidationError(
                f"{name}: '{value[:40]}' is not one of {', '.join(FILTER_CHOICES[name])}",
                hint="leave it empty for all patients",
            )
    return CohortFilter(
        side=side or None,  # type: ignore[arg-type]
        sex=sex or None,  # type: ignore[arg-type]
        synthetic={"yes": True, "no": False}.get(synthetic or ""),
        treatment=treatment or None,  # type: ignore[arg-type]
        onset=onset or None,  # type: ignore[arg-type]
    )


def filter_query(flt: CohortFilter) -> dict[str, str]:
    """The filter back as text values (for a query string or a form)."""
    d = flt.model_dump(exclude_none=True)
    if "synthetic" in d:
        d["synthetic"] = "yes" if d["synthetic"] else "no"
    return d


class MvdFact(BaseModel):
    """One operation's outcome (no date: the cohort needs none)."""

    outcome: str
    lsr_disappeared: bool | None = None
    permanent_complications: list[str] = Field(default_factory=list)
    transient_complications: list[str] = Field(default_factory=list)


class PatientFacts(BaseModel):
    """The values of one patient a cohort needs: no id, no identity, no date, no free text."""

    synthetic: bool = False
    sex: str | None = None
    side: str | None = None
    onset_age: int | None = None
    toxin: bool = False
    mvd: bool = False
    drugs: bool = False
    spasms_per_min: float | None = None
    scales: dict[str, float] = Field(default_factory=dict)  # "scale/source" → latest total
    benefit_weeks: dict[str, float] = Field(default_factory=dict)  # product → median weeks
    units: dict[str, float] = Field(default_factory=dict)  # product → latest session units
    interval_weeks: float | None = None
    waning: bool | None = None  # None without toxin sessions
    operations: list[MvdFact] = Field(default_factory=list)


def _latest_rate(p: PatientRecord) -> float | None:
    for vm in reversed(visit_measures(p)):  # oldest first → walk back from the latest visit
        rates = [
            v["spasms_per_min"]
            for v in vm.video
            if v.get("spasms_per_min") is not None
            # a synthetic video stored for a real patient (a demonstration, a test of the
            # recorder) is labelled; it must not become that patient's measured rate
            and (p.synthetic or not v.get("synthetic"))
        ]
        if rates:
            return float(rates[-1])
    return None


def _latest_scales(p: PatientRecord) -> dict[str, float]:
    visit_dates = {v.id: v.date for v in p.visits}
    latest: dict[str, tuple[_dt.date, int, float]] = {}
    for sc in p.scale_scores:
        when = sc.date or visit_dates.get(sc.visit_id or -1) or _dt.date.min
        key = f"{sc.scale}/{sc.source}"
        if key not in latest or (when, sc.id) > latest[key][:2]:
            latest[key] = (when, sc.id, float(sc.total))
    return {k: v[2] for k, v in sorted(latest.items())}


def patient_facts(record: PatientRecord) -> PatientFacts:
    """The cohort values of one patient, from the registry's derivations (pure)."""
    p = record
    course = course_of(p)
    toxin = bool(p.toxin_sessions)
    benefit: dict[str, list[float]] = {}
    for c in cycles(p):
        if c.wearing_off_weeks is not None:
            benefit.setdefault(c.product, []).append(c.wearing_off_weeks)
    ops = [
        MvdFact(
            outcome=o.outcome,
            lsr_disappeared=o.lsr_disappeared,
            permanent_complications=sorted(set(o.permanent_complications)),
            transient_complications=sorted(set(o.transient_complications)),
        )
        for o in mvd_outcomes(p)
    ]
    return PatientFacts(
        synthetic=p.synthetic,
        sex=p.sex,
        side=p.side,
        onset_age=p.onset_age,
        toxin=toxin,
        mvd=bool(ops),
        drugs=bool(p.drug_courses),
        spasms_per_min=_latest_rate(p),
        scales=_latest_scales(p),
        benefit_weeks={k: round(statistics.median(v), 2) for k, v in benefit.items()},
        units={d.product: d.last_units for d in dose_by_product(p) if d.last_units is not None},
        interval_weeks=schedule(p, course).median_interval_weeks,
        waning=course.waning if toxin else None,
        operations=ops,
    )


# ------------------------------------------------------------------------------------------
# output
# ------------------------------------------------------------------------------------------


class Cell(BaseModel):
    """One count: ``value`` is None when suppressed; ``text`` is what a page shows (``< k`` for a
    small count, ``hidden`` for a secondary suppression)."""

    label: str
    value: int | None
    text: str
    suppressed: Literal["", "primary", "secondary", "group"] = ""


class Bin(Cell):
    """A histogram bin [lo, hi) (hi None: open)."""

    lo: float
    hi: float | None = None


class Distribution(BaseModel):
    """A fixed-bin histogram with quantiles of one measure."""

    measure: str
    key: str = ""  # product or scale/source, "" when the measure has one distribution
    unit: str
    n: Cell
    bins: list[Bin] = Field(default_factory=list)
    quantiles: dict[str, float] | None = None  # p10, p25, median, p75, p90, mean


class Counts(BaseModel):
    """Counts of patients (or operations) in categories."""

    measure: str
    unit: str = "patients"
    n: Cell
    cells: list[Cell]
    partition: bool = True  # every unit in exactly one cell (then secondary suppression)
    share: float | None = None  # for waning: share of the first cell, when both are shown


class CohortSummary(BaseModel):
    """Pseudonymised distributions over a registry (aggregates only, never rows)."""

    filters: dict[str, Any]
    min_cell: int
    registry_patients: int
    registry_synthetic: int
    n_patients: Cell
    synthetic_in_selection: Cell
    side_sex: Counts
    onset_age: Distribution
    spasm_rate: Distribution
    scales: list[Distribution]
    benefit_weeks: list[Distribution]
    units: list[Distribution]
    waning: Counts
    interval_weeks: Distribution
    mvd_outcome: Counts
    mvd_lsr: Counts
    mvd_complications: Counts
    measures: dict[str, str] = Field(default_factory=lambda: dict(MEASURES))
    provenance: dict[str, Any] = Field(default_factory=dict)


# ------------------------------------------------------------------------------------------
# suppression
# ------------------------------------------------------------------------------------------


def _cell(label: str, value: int, k: int) -> Cell:
    if 0 < value < k:
        return Cell(label=label, value=None, text=f"< {k}", suppressed="primary")
    return Cell(label=label, value=value, text=str(value))


def _hide(c: Cell, k: int, how: str) -> None:
    c.value, c.suppressed = None, how  # type: ignore[assignment]
    c.text = "hidden" if how == "secondary" else f"< {k}"


def _suppress(cells: list[Cell], raw: list[int], k: int, *, partition: bool) -> None:
    """Primary suppression in place; for a partition, a second hidden cell if only one is."""
    for c, v in zip(cells, raw, strict=True):
        if 0 < v < k:
            _hide(c, k, "primary")
    if not partition:
        return
    hidden = [i for i, c in enumerate(cells) if c.value is None]
    if len(hidden) == 1:
        rest = [(v, i) for i, v in enumerate(raw) if i not in hidden and v > 0]
        if rest:
            _hide(cells[min(rest)[1]], k, "secondary")


def _counts(
    measure: str,
    labels: list[str],
    raw: list[int],
    n: int,
    k: int,
    *,
    partition: bool = True,
    unit: str = "patients",
) -> Counts:
    ncell = _cell("n", n, k)
    cells = [Cell(label=lab, value=v, text=str(v)) for lab, v in zip(labels, raw, strict=True)]
    if ncell.value is None:
        for c in cells:
            _hide(c, k, "group")
    else:
        _suppress(cells, raw, k, partition=partition)
    return Counts(measure=measure, unit=unit, n=ncell, cells=cells, partition=partition)


def _quantiles(values: list[float]) -> dict[str, float]:
    import numpy as np

    a = np.asarray(values, float)
    q = np.percentile(a, [10, 25, 50, 75, 90])
    out = dict(
        zip(("p10", "p25", "median", "p75", "p90"), (round(float(x), 2) for x in q), strict=True)
    )
    out["mean"] = round(float(a.mean()), 2)
    return out


def _distribution(
    measure: str, values: list[float], bins: Bins, k: int, *, key: str = "", unit: str
) -> Distribution:
    n = len(values)
    ncell = _cell("n", n, k)
    raw = [0] * len(bins)
    los = [lo for lo, _hi, _label in bins]  # contiguous bins: each starts where the last ends
    for v in values:
        raw[max(bisect.bisect_right(los, v) - 1, 0)] += 1  # below the first bin: the first
    out = [
        Bin(label=label, value=c, text=str(c), lo=lo, hi=hi)
        for (lo, hi, label), c in zip(bins, raw, strict=True)
    ]
    if ncell.value is None or n == 0:
        return Distribution(measure=measure, key=key, unit=unit, n=ncell)
    _suppress(out, raw, k, partition=True)  # type: ignore[arg-type]
    return Distribution(
        measure=measure, key=key, unit=unit, n=ncell, bins=out, quantiles=_quantiles(values)
    )


def _scale_bins(scale: str) -> Bins:
    lo, hi, width = SCALE_RANGES.get(scale, (0, 100, 10))
    out: Bins = []
    for v in range(lo, hi + 1, width):
        last = v + width > hi
        label = f"{v}" if width == 1 else (f"{v}-{hi}" if last else f"{v}-{v + width - 1}")
        out.append((float(v), None if last else float(v + width), label))
        if last:
            break
    return out


def _unit_bins(product: str) -> Bins:
    w = UNIT_BIN_WIDTH.get(product, DEFAULT_UNIT_BIN_WIDTH)
    return _edges([w * i for i in range(UNIT_BINS + 1)])


# ------------------------------------------------------------------------------------------
# the summary
# ------------------------------------------------------------------------------------------


def matches(f: PatientFacts, flt: CohortFilter) -> bool:
    """True when a patient's facts pass the filter."""
    if flt.side is not None and f.side != flt.side:
        return False
    if flt.sex is not None and f.sex != flt.sex:
        return False
    if flt.synthetic is not None and f.synthetic != flt.synthetic:
        return False
    if flt.treatment is not None and not getattr(f, flt.treatment):
        return False
    if flt.onset is not None:
        lo, hi = ONSET_BANDS[flt.onset]
        if f.onset_age is None or f.onset_age < lo or (hi is not None and f.onset_age >= hi):
            return False
    return True


def cohort_summary(
    *,
    facts: Iterable[PatientFacts],
    filters: CohortFilter | None = None,
    min_cell: int = MIN_CELL,
) -> CohortSummary:
    """Distributions over the patients that pass ``filters`` (pure; aggregates only).

    Parameters
    ----------
    facts : iterable of PatientFacts
        One per patient of the registry (:func:`patient_facts`).
    filters : CohortFilter, optional
        Which patients (default: all).
    min_cell : int
        Counts from 1 to ``min_cell - 1`` are suppressed (default :data:`MIN_CELL`).

    Returns
    -------
    CohortSummary
        Every count with its n; suppressed cells have ``value`` None and ``text`` "< k".
    """
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    flt = filters or CohortFilter()
    k = min_cell
    every = list(facts)
    sel = [f for f in every if matches(f, flt)]
    n = len(sel)

    sides = [*SIDES, None]
    sexes = [*SEXES, None]
    labels, raw = [], []
    by_cell = Counter((f.sex, f.side) for f in sel)
    for sx in sexes:
        for sd in sides:
            c = by_cell[(sx, sd)]
            if c or (sx is not None and sd is not None and sd != "bilateral" and sx != "other"):
                labels.append(f"{sx or 'sex not recorded'} · {sd or 'side not recorded'}")
                raw.append(c)

    scale_vals: dict[str, list[float]] = {}
    benefit: dict[str, list[float]] = {}
    units: dict[str, list[float]] = {}
    for f in sel:
        for key, v in f.scales.items():
            scale_vals.setdefault(key, []).append(v)
        for key, v in f.benefit_weeks.items():
            benefit.setdefault(key, []).append(v)
        for key, v in f.units.items():
            units.setdefault(key, []).append(v)

    tox = [f for f in sel if f.waning is not None]
    wan = sum(1 for f in tox if f.waning)
    waning = _counts("waning", ["waning", "not waning"], [wan, len(tox) - wan], len(tox), k)
    if all(c.value is not None for c in waning.cells) and tox:
        waning.share = round(wan / len(tox), 3)

    ops = [o for f in sel for o in f.operations]
    outcomes = ["spasm_free", "recurred", "improved", "unchanged", "not_assessed"]
    lsr_labels, lsr_raw = [], []
    for lsr, name in (
        (True, "LSR disappeared"),
        (False, "LSR persisted"),
        (None, "LSR not recorded"),
    ):
        for free, fname in (
            (True, "spasm-free"),
            (False, "not spasm-free"),
            (None, "not assessed"),
        ):
            lsr_labels.append(f"{name} · {fname}")
            lsr_raw.append(
                sum(
                    1
                    for o in ops
                    if o.lsr_disappeared is lsr
                    and (
                        (free is None and o.outcome == "not_assessed")
                        or (free is True and o.outcome == "spasm_free")
                        or (free is False and o.outcome not in ("spasm_free", "not_assessed"))
                    )
                )
            )
    comp: dict[str, int] = {}
    for o in ops:
        for c in o.permanent_complications:
            comp[f"{c} (permanent)"] = comp.get(f"{c} (permanent)", 0) + 1
        for c in o.transient_complications:
            comp[f"{c} (transient)"] = comp.get(f"{c} (transient)", 0) + 1
    comp_labels = sorted(comp)
    no_comp = sum(1 for o in ops if not o.permanent_complications and not o.transient_complications)

    return CohortSummary(
        filters=flt.model_dump(exclude_none=True),
        min_cell=k,
        registry_patients=len(every),
        registry_synthetic=sum(1 for f in every if f.synthetic),
        n_patients=_cell("patients", n, k),
        synthetic_in_selection=_cell("synthetic", sum(1 for f in sel if f.synthetic), k),
        side_sex=_counts("side_sex", labels, raw, n, k),
        onset_age=_distribution(
            "onset_age_years",
            [float(f.onset_age) for f in sel if f.onset_age is not None],
            BINS["onset_age_years"],
            k,
            unit="years",
        ),
        spasm_rate=_distribution(
            "spasms_per_min",
            [f.spasms_per_min for f in sel if f.spasms_per_min is not None],
            BINS["spasms_per_min"],
            k,
            unit="/min",
        ),
        scales=[
            _distribution("scale", v, _scale_bins(key.split("/")[0]), k, key=key, unit="points")
            for key, v in sorted(scale_vals.items())
        ],
        benefit_weeks=[
            _distribution("benefit_weeks", v, BINS["benefit_weeks"], k, key=key, unit="weeks")
            for key, v in sorted(benefit.items())
        ],
        units=[
            _distribution("units_per_session", v, _unit_bins(key), k, key=key, unit="U")
            for key, v in sorted(units.items())
        ],
        waning=waning,
        interval_weeks=_distribution(
            "interval_weeks",
            [f.interval_weeks for f in sel if f.interval_weeks is not None],
            BINS["interval_weeks"],
            k,
            unit="weeks",
        ),
        mvd_outcome=_counts(
            "mvd_outcome",
            [o.replace("_", " ") for o in outcomes],
            [sum(1 for o in ops if o.outcome == name) for name in outcomes],
            len(ops),
            k,
            unit="operations",
        ),
        mvd_lsr=_counts("mvd_lsr", lsr_labels, lsr_raw, len(ops), k, unit="operations"),
        mvd_complications=_counts(
            "mvd_complications",
            ["none", *comp_labels],
            [no_comp] + [comp[c] for c in comp_labels],
            len(ops),
            k,
            partition=False,
            unit="operations",
        ),
        provenance={
            "package": "hemispasm",
            "version": __version__,
            "method": "registry.cohort.cohort_summary",
            "facts_method": "registry.cohort.patient_facts over registry.derive",
            "min_cell": k,
            "suppression": "threshold rule with secondary suppression within each partition",
        },
    )


def summary_rows(summary: CohortSummary) -> list[dict[str, Any]]:
    """The summary as flat rows (for CSV): aggregates only, never a row per patient.

    Columns: ``section``, ``key``, ``kind`` (n, bin, cell, quantile, share, meta), ``label``,
    ``lo``, ``hi``, ``value`` (the shown text: a number, ``< k`` or ``hidden``), ``unit``.
    """
    rows: list[dict[str, Any]] = []

    def add(
        section: str,
        key: str,
        kind: str,
        label: str,
        value: Any,
        unit: str = "",
        lo: Any = "",
        hi: Any = "",
    ) -> None:
        rows.append(
            {
                "section": section,
                "key": key,
                "kind": kind,
                "label": label,
                "lo": lo,
                "hi": hi,
                "value": value,
                "unit": unit,
            }
        )

    add("meta", "", "meta", "hemispasm_version", summary.provenance.get("version", ""))
    add("meta", "", "meta", "min_cell", summary.min_cell)
    for name, value in summary.filters.items():
        add("meta", "", "filter", name, value)
    add("meta", "", "meta", "registry_synthetic_patients", summary.registry_synthetic)
    add("meta", "", "n", "patients", summary.n_patients.text, "patients")
    add("meta", "", "n", "synthetic_in_selection", summary.synthetic_in_selection.text, "patients")

    def counts(c: Counts) -> None:
        add(c.measure, "", "n", "n", c.n.text, c.unit)
        for cell in c.cells:
            add(c.measure, "", "cell", cell.label, cell.text, c.unit)
        if c.share is not None:
            add(c.measure, "", "share", c.cells[0].label, c.share)

    def dist(d: Distribution) -> None:
        add(d.measure, d.key, "n", "n", d.n.text, "patients")
        for b in d.bins:
            add(
                d.measure,
                d.key,
                "bin",
                b.label,
                b.text,
                "patients",
                b.lo,
                "" if b.hi is None else b.hi,
            )
        for q, v in (d.quantiles or {}).items():
            add(d.measure, d.key, "quantile", q, v, d.unit)

    counts(summary.side_sex)
    dist(summary.onset_age)
    dist(summary.spasm_rate)
    for d in summary.scales:
        dist(d)
    for d in summary.benefit_weeks:
        dist(d)
    for d in summary.units:
        dist(d)
    counts(summary.waning)
    dist(summary.interval_weeks)
    counts(summary.mvd_outcome)
    counts(summary.mvd_lsr)
    counts(summary.mvd_complications)
    return rows


CSV_COLUMNS = ("section", "key", "kind", "label", "lo", "hi", "value", "unit")


def summary_csv(summary: CohortSummary) -> str:
    """:func:`summary_rows` as CSV text (header :data:`CSV_COLUMNS`)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(summary_rows(summary))
    return buf.getvalue()


__all__ = [
    "BINS",
    "CSV_COLUMNS",
    "FILTER_CHOICES",
    "MEASURES",
    "MIN_CELL",
    "ONSET_BANDS",
    "Cell",
    "CohortFilter",
    "CohortSummary",
    "Counts",
    "Distribution",
    "PatientFacts",
    "cohort_summary",
    "filter_query",
    "matches",
    "parse_filter",
    "patient_facts",
    "summary_csv",
    "summary_rows",
]
