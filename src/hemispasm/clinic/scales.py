"""Rating scales and questionnaires for hemifacial spasm, scored as published.

Each scale is a declarative :class:`ScaleSpec` (items, allowed values, what each value means,
source) plus a pure ``score_*`` function. Bad answers are never guessed: an unknown item, a value
out of range or a missing item raises :class:`hemispasm.errors.ValidationError` naming the item.
Definitions and sources: ``docs/scales.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from hemispasm.errors import ValidationError


class ItemSpec(BaseModel):
    """One item: its name, allowed integer values and their published meaning."""

    name: str
    label: str
    levels: dict[int, str]


class ScaleSpec(BaseModel):
    """A scale: its items and how the total is formed."""

    name: str
    title: str
    source: str
    items: list[ItemSpec]
    scoring: str


class ScaleScore(BaseModel):
    """A scored scale."""

    scale: str
    title: str
    items: dict[str, int]
    total: float
    total_range: tuple[float, float]
    interpretation: str
    extra: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    source: str


JANKOVIC = ScaleSpec(
    name="jankovic",
    title="Jankovic Rating Scale (JRS)",
    source="jankovic_orman1987",
    items=[
        ItemSpec(
            name="severity",
            label="Severity",
            levels={
                0: "none",
                1: "minimal: increased blinking present only with external stimuli "
                "(e.g. bright light, wind, reading, driving)",
                2: "mild: spontaneous eyelid fluttering (without actual spasm), definitely "
                "noticeable, possibly embarrassing, but not functionally disabling",
                3: "moderate: very noticeable spasm of eyelids only, mildly incapacitating",
                4: "severe: incapacitating spasm of eyelids and possibly other facial muscles",
            },
        ),
        ItemSpec(
            name="frequency",
            label="Frequency",
            levels={
                0: "none",
                1: "slightly increased frequency of blinking",
                2: "eyelid fluttering lasting less than 1 s",
                3: "eyelid spasm lasting more than 1 s, eyes open more than 50% of waking time",
                4: "functionally 'blind' from persistent eye closure more than 50% of waking time",
            },
        ),
    ],
    scoring="two items reported separately (0-4 each); total = severity + frequency (0-8)",
)

SMC = ScaleSpec(
    name="smc",
    title="Samsung Medical Center (SMC) grading system for HFS",
    source="lee2012_smc",
    items=[
        ItemSpec(
            name="grade",
            label="SMC grade",
            levels={
                1: "localized spasm around the periocular area",
                2: "involuntary movement spreads to other parts of the ipsilateral face",
                3: "interference with vision because of frequent tonic spasms",
                4: "disfiguring asymmetry",
            },
        ),
    ],
    scoring="one grade I-IV; from findings, the highest grade whose description is met",
)

COHEN_ALBERT = ScaleSpec(
    name="cohen_albert",
    title="Cohen-Albert spasm intensity scale",
    source="cohen_albert",
    items=[
        ItemSpec(
            name="grade",
            label="Spasm intensity",
            levels={
                0: "no spasm",
                1: "increased blinking caused by external stimuli",
                2: "mild, noticeable fluttering, not incapacitating",
                3: "moderate, very noticeable spasm, mildly incapacitating",
                4: "severely incapacitating (unable to drive, read, etc.)",
            },
        ),
    ],
    scoring="one grade 0-4",
)

_HFS7_LEVELS = {0: "0 (never/none)", 1: "1", 2: "2", 3: "3", 4: "4 (always/most severe)"}
HFS7 = ScaleSpec(
    name="hfs7",
    title="HFS-7 quality-of-life questionnaire",
    source="tan2005_hfs7",
    items=[
        ItemSpec(name=f"item{i}", label=f"HFS-7 item {i}", levels=_HFS7_LEVELS) for i in range(1, 8)
    ],
    scoring="7 self-rated items 0-4; the raw total 0-28 is the primary figure (as published); "
    "an index 0-100 = 100 x total / 28 is shown beside it",
)

SCALES: dict[str, ScaleSpec] = {s.name: s for s in (JANKOVIC, SMC, COHEN_ALBERT, HFS7)}


def _check(spec: ScaleSpec, answers: Mapping[str, Any]) -> dict[str, int]:
    names = [it.name for it in spec.items]
    unknown = [k for k in answers if k not in names]
    if unknown:
        raise ValidationError(
            f"{spec.name}: unknown item(s) {', '.join(map(repr, unknown))}",
            hint=f"the items are {', '.join(names)}",
        )
    missing = [n for n in names if n not in answers or answers[n] is None]
    if missing:
        raise ValidationError(
            f"{spec.name}: missing item(s) {', '.join(missing)}",
            hint="every item is needed; the published scoring has no rule for missing items",
        )
    out: dict[str, int] = {}
    for it in spec.items:
        raw = answers[it.name]
        if isinstance(raw, bool):
            raise ValidationError(
                f"{spec.name}: item '{it.name}' is {str(raw).lower()}, a yes/no value, not a "
                "whole number",
                hint=f"allowed values: {min(it.levels)}-{max(it.levels)}",
            )
        try:
            if not isinstance(raw, int | float | str) or float(raw) != int(float(raw)):
                raise ValueError
            val = int(float(raw))
        except (TypeError, ValueError, OverflowError):
            shown = repr(raw) if len(repr(raw)) <= 40 else repr(raw)[:36] + "..."
            raise ValidationError(
                f"{spec.name}: item '{it.name}' must be a whole number, got {shown}",
                hint=f"allowed values: {min(it.levels)}-{max(it.levels)}",
            ) from None
        if val not in it.levels:
            raise ValidationError(
                f"{spec.name}: item '{it.name}' = {val} is out of range",
                hint=f"allowed values: {min(it.levels)}-{max(it.levels)}",
            )
        out[it.name] = val
    return out


#: Two Jankovic items more than this apart are pointed out as possibly inconsistent.
#: ENGINEERING CHOICE (the published scale has no consistency rule): 3 or more.
JRS_INCONSISTENT_GAP = 3


def jankovic_warnings(severity: int, frequency: int) -> list[str]:
    """Warnings for an internally inconsistent pair of Jankovic items (pure).

    One item 0 ("none") while the other is above 0 describes spasms that are both absent and
    present; items 3 or more apart (e.g. severity 4 "incapacitating" with frequency 1 "slightly
    increased blinking") are unlikely together. Both are pointed out, never corrected.
    """
    out = []
    if (severity == 0) != (frequency == 0):
        out.append(
            f"inconsistent pair: severity {severity} and frequency {frequency} (one says no "
            "spasm, the other says there is); check both items"
        )
    elif abs(severity - frequency) >= JRS_INCONSISTENT_GAP:
        out.append(
            f"unusual pair: severity {severity} and frequency {frequency} are "
            f"{abs(severity - frequency)} points apart; check both items"
        )
    return out


def score_jankovic(answers: Mapping[str, Any]) -> ScaleScore:
    """Jankovic Rating Scale: severity 0-4 and frequency 0-4; total = sum (0-8).

    Internally inconsistent pairs get a warning (:func:`jankovic_warnings`).
    """
    items = _check(JANKOVIC, answers)
    sev, freq = items["severity"], items["frequency"]
    return ScaleScore(
        scale="jankovic",
        title=JANKOVIC.title,
        items=items,
        total=float(sev + freq),
        total_range=(0, 8),
        interpretation=f"severity {sev}: {JANKOVIC.items[0].levels[sev]}; "
        f"frequency {freq}: {JANKOVIC.items[1].levels[freq]}",
        warnings=jankovic_warnings(sev, freq),
        source=JANKOVIC.source,
    )


_SMC_FINDINGS = ("spread_beyond_periocular", "vision_interference", "disfiguring_asymmetry")


def smc_grade_from_findings(
    *, spread_beyond_periocular: bool, vision_interference: bool, disfiguring_asymmetry: bool
) -> int:
    """SMC grade from the findings that define it: the highest grade whose description is met.

    Grade I (periocular only) is the grade when none of the other descriptions is met.
    """
    if disfiguring_asymmetry:
        return 4
    if vision_interference:
        return 3
    if spread_beyond_periocular:
        return 2
    return 1


def score_smc(answers: Mapping[str, Any]) -> ScaleScore:
    """SMC grade I-IV, from ``grade`` directly or from the three defining findings."""
    if "grade" in answers:
        items = _check(SMC, answers)
    else:
        unknown = [k for k in answers if k not in _SMC_FINDINGS]
        missing = [k for k in _SMC_FINDINGS if k not in answers]
        if unknown or missing:
            raise ValidationError(
                "smc: give either 'grade' (1-4) or all of "
                + ", ".join(_SMC_FINDINGS)
                + (f" (unknown: {', '.join(unknown)})" if unknown else "")
                + (f" (missing: {', '.join(missing)})" if missing else ""),
            )
        flags = {}
        for k in _SMC_FINDINGS:
            v = answers[k]
            if isinstance(v, str) and v.lower() in ("true", "yes", "1", "false", "no", "0"):
                v = v.lower() in ("true", "yes", "1")
            if not isinstance(v, bool) and v not in (0, 1):
                raise ValidationError(f"smc: '{k}' must be true or false, got {v!r}")
            flags[k] = bool(v)
        items = {"grade": smc_grade_from_findings(**flags)}
    g = items["grade"]
    return ScaleScore(
        scale="smc",
        title=SMC.title,
        items=items,
        total=float(g),
        total_range=(1, 4),
        interpretation=f"grade {['I', 'II', 'III', 'IV'][g - 1]}: {SMC.items[0].levels[g]}",
        source=SMC.source,
    )


def score_cohen_albert(answers: Mapping[str, Any]) -> ScaleScore:
    """Cohen-Albert spasm intensity grade 0-4."""
    items = _check(COHEN_ALBERT, answers)
    g = items["grade"]
    return ScaleScore(
        scale="cohen_albert",
        title=COHEN_ALBERT.title,
        items=items,
        total=float(g),
        total_range=(0, 4),
        interpretation=f"grade {g}: {COHEN_ALBERT.items[0].levels[g]}",
        source=COHEN_ALBERT.source,
    )


def score_hfs7(answers: Mapping[str, Any]) -> ScaleScore:
    """HFS-7: seven items 0-4; the raw total 0-28 is the primary figure (as the literature
    reports it), with the index 0-100 (= 100 x total / 28) beside it in ``extra``."""
    items = _check(HFS7, answers)
    total = sum(items.values())
    index = round(100.0 * total / 28.0, 1)
    return ScaleScore(
        scale="hfs7",
        title=HFS7.title,
        items=items,
        total=float(total),
        total_range=(0, 28),
        interpretation=f"raw total {total}/28 (index {index}/100 beside it; higher = worse "
        "quality of life)",
        extra={"raw_total": float(total), "index_0_100": index},
        source=HFS7.source,
    )


_SCORERS = {
    "jankovic": score_jankovic,
    "smc": score_smc,
    "cohen_albert": score_cohen_albert,
    "hfs7": score_hfs7,
}
_ALIASES = {
    "jrs": "jankovic",
    "hfs-7": "hfs7",
    "cohen-albert": "cohen_albert",
    "cohen": "cohen_albert",
}


def score_scale(name: str, answers: Mapping[str, Any]) -> ScaleScore:
    """Score any scale by name (``jankovic``, ``smc``, ``cohen_albert``, ``hfs7``)."""
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in _SCORERS:
        raise ValidationError(
            f"unknown scale '{name}'", hint=f"choose one of {', '.join(_SCORERS)}"
        )
    if not isinstance(answers, Mapping):
        raise ValidationError(f"{key}: answers must be a mapping of item to value")
    return _SCORERS[key](answers)
