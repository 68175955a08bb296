"""Per-recording summary and grade from detected events (pure).

Every estimate of a clinical scale says it is an estimate and which rule produced it
(docs/events.md; sources in docs/references.md).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

from hemispasm.events.tasks import TasksSummary
from hemispasm.schema import REGIONS, SIDES, Event, EventKind

STAGE_TEXT = {
    0: "no spasm",
    1: "periocular only (orbicularis oculi)",
    2: "upper and mid face (corrugator, frontalis or zygomaticus)",
    3: "lower face (orbicularis oris or platysma)",
}
UPPER_MID = {"corrugator", "frontalis", "zygomaticus"}
MOUTH = {"zygomaticus", "orbicularis_oris", "platysma"}
#: Forceful bilateral closures per minute from which the pattern is bilateral synchronous
#: (ENGINEERING choice; docs/events.md).
SYNC_CLOSURES_PER_MIN = 2.0
#: Share of one-sided spasms overlapping the other side's above which two-sided spasms are
#: called synchronous (ENGINEERING choice).
SYNC_SHARE = 0.5
LOWER = {"orbicularis_oris", "platysma"}
#: Upper end of the published spasm rate in untreated HFS (0.3-25 per minute; docs/references.md).
MAX_PUBLISHED_RATE_PER_MIN = 25.0
SEVERITY_DEFINITION = (
    "hemispasm severity score (0-100, our own composite, not a published scale): "
    "100 x [0.5 x min(% time in spasm / 50, 1) + 0.25 x min(spasms per minute / 25, 1) "
    "+ 0.25 x spread stage / 3]. 50% is the Jankovic frequency item's boundary for eye closure, "
    "25/min the top of the published spasm rate in untreated HFS; the weights are an "
    "engineering choice."
)


class Estimate(BaseModel):
    """A clinical scale item estimated from measurements (never a clinician's rating)."""

    value: int
    label: str
    rule: str
    estimate: bool = True


class OtherBabinskiSign(BaseModel):
    """The other Babinski sign (Babinski-2) of one side, over its eye-closing spasms."""

    present: bool = Field(description="the brow rose in at least one measured eye spasm")
    events_with_sign: int
    events_measured: int


class Pattern(BaseModel):
    """The pattern of the recording and the measures behind it (docs/events.md)."""

    pattern: str = Field(
        description="no_spasm, unilateral, bilateral_asynchronous or bilateral_synchronous"
    )
    one_sided_spasms: dict[str, int]
    synchronous_share: float | None = Field(
        None, description="share of one-sided spasms overlapping a spasm of the other side"
    )
    forceful_bilateral_closures: int = Field(
        0, description="bilateral closures > blink length with both brows drawn down"
    )
    forceful_bilateral_closures_per_min: float = 0.0
    blink_rate_per_min: float = 0.0
    rule: str = ""


class SideSummary(BaseModel):
    """Spasm measures for one side (the subject's own)."""

    spasm_count: int = 0
    spasms_per_min: float = 0.0
    pct_time_in_spasm: float = 0.0
    mean_duration_s: float = 0.0
    longest_duration_s: float = 0.0
    clonic_count: int = 0
    tonic_count: int = 0
    twitch_count: int = 0
    regions: list[str] = Field(default_factory=list)
    spread_stage: int = 0
    spread_stage_text: str = STAGE_TEXT[0]
    severity_score: float = 0.0
    jankovic_severity: Estimate | None = None
    jankovic_frequency: Estimate | None = None
    smc_grade: Estimate | None = None
    eye_spasm_count: int = 0
    lower_face_only_count: int = Field(0, description="spasms without eye closure")
    onset_region: str | None = Field(None, description="the region most often first")
    synkinesis_index: float | None = Field(
        None, description="share of eye spasms with same-side mouth co-contraction"
    )
    other_babinski_sign: OtherBabinskiSign | None = None


class Summary(BaseModel):
    """What ``summary.json`` holds (field by field in docs/events.md)."""

    duration_s: float
    face_visible_pct: float
    sides: dict[str, SideSummary]
    affected_side: str = Field(description="left, right, both (bilateral HFS) or none")
    pattern: Pattern | None = None
    laterality_index: float | None = Field(
        None, description="(time in spasm left - right) / (left + right); +1 all left"
    )
    blink_count: int = 0
    blink_rate_per_min: float = 0.0
    non_spasm_events: dict[str, int] = Field(default_factory=dict)
    head_pose_range_deg: dict[str, float] | None = None
    severity_score: float = 0.0
    severity_definition: str = SEVERITY_DEFINITION
    plain_language: str = ""
    tasks: TasksSummary | None = Field(
        None, description="per-task spasm rates of a protocol recording (its .tasks.json)"
    )
    synthetic: bool = False
    disclaimer: str = (
        "hemispasm supports clinicians; it does not diagnose. Scale values are "
        "estimates from video measurements, not a clinician's rating."
    )


def _stage(regions: set[str], any_spasm: bool) -> int:
    if not any_spasm:
        return 0
    if regions & LOWER:
        return 3
    if regions & UPPER_MID:
        return 2
    return 1


def jankovic_frequency_estimate(spasms: list[Event], pct_time: float) -> Estimate:
    """JRS frequency item estimated from spasm durations and time in spasm (Jankovic 1987)."""
    if not spasms:
        return Estimate(value=0, label="none", rule="no spasm detected")
    if pct_time > 50:
        return Estimate(
            value=4,
            label="eye closed by spasm more than 50% of the time",
            rule="time in spasm > 50% of the recording",
        )
    if any(e.kind == EventKind.tonic for e in spasms):
        return Estimate(
            value=3,
            label="spasms longer than 1 s, eye open more than 50% of time",
            rule="a tonic spasm (one-sided contraction > 1 s) and time in spasm <= 50%",
        )
    return Estimate(
        value=2,
        label="eyelid twitches shorter than 1 s",
        rule="clonic twitches only, each < 1 s (level 1, increased blinking, not estimated)",
    )


def jankovic_severity_estimate(spasms: list[Event], pct_time: float, stage: int) -> Estimate:
    """JRS severity item: ENGINEERING mapping; function (disability) cannot be seen in video."""
    rule_base = "engineering mapping, not validated: "
    if not spasms:
        return Estimate(value=0, label="none", rule=rule_base + "no spasm")
    tonic = any(e.kind == EventKind.tonic for e in spasms)
    if pct_time > 50 or (tonic and stage >= 2):
        return Estimate(
            value=4,
            label="severe",
            rule=rule_base + "time in spasm > 50%, or tonic spasm spreading beyond the eye",
        )
    if tonic or pct_time >= 10:
        return Estimate(
            value=3,
            label="moderate",
            rule=rule_base + "tonic eyelid spasm, or time in spasm 10-50%",
        )
    return Estimate(
        value=2, label="mild", rule=rule_base + "clonic twitches only, time in spasm < 10%"
    )


def smc_estimate(spasms: list[Event], stage: int, per_min_tonic: float) -> Estimate:
    """SMC grade from the findings that define it (Lee et al. 2012), as measured on video."""
    from hemispasm.clinic.scales import SMC, smc_grade_from_findings

    if not spasms:
        return Estimate(value=0, label="no spasm (SMC not applicable)", rule="no spasm detected")
    vision = per_min_tonic >= 1.0
    grade = smc_grade_from_findings(
        spread_beyond_periocular=stage >= 2, vision_interference=vision, disfiguring_asymmetry=False
    )
    return Estimate(
        value=grade,
        label=SMC.items[0].levels[grade],
        rule="spread beyond the eye = regions beyond orbicularis oculi; interference "
        "with vision = tonic eye-closing spasms at >= 1 per minute (engineering "
        "choice); disfiguring asymmetry is not measured (never grade IV)",
    )


def summarize(
    events: list[Event],
    *,
    duration_s: float,
    face_visible_pct: float,
    pose: dict[str, float] | None = None,
    synthetic: bool = False,
    exclude_closures: list[tuple[float, float]] | None = None,
) -> Summary:
    """Summary per side and recording from events.

    ``exclude_closures``: time spans (s) whose bilateral closures are asked for (the
    protocol's forceful eye closure task) and do not count toward the pattern.
    """
    minutes = max(duration_s, 1e-9) / 60.0
    sides: dict[str, SideSummary] = {}
    times = {}
    for side in SIDES:
        sp = [e for e in events if e.side == side and e.kind in (EventKind.clonic, EventKind.tonic)]
        durs = np.array([e.duration_s for e in sp]) if sp else np.zeros(0)
        regions = sorted({r for e in sp for r in e.regions}, key=REGIONS.index)
        stage = _stage(set(regions), bool(sp))
        pct = float(100 * durs.sum() / max(duration_s, 1e-9))
        rate = len(sp) / minutes
        tonic_rate = sum(e.kind == EventKind.tonic for e in sp) / minutes
        score = 100 * (
            0.5 * min(pct / 50, 1)
            + 0.25 * min(rate / MAX_PUBLISHED_RATE_PER_MIN, 1)
            + 0.25 * stage / 3
        )
        times[side] = float(durs.sum())
        eye = [e for e in sp if "orbicularis_oculi" in e.regions]
        measured = [e for e in eye if e.babinski2 is not None]
        with_sign = sum(bool(e.babinski2) for e in measured)
        onsets = [e.onset_region for e in sp if e.onset_region]
        onset = max(sorted(set(onsets), key=REGIONS.index), key=onsets.count) if onsets else None
        sides[side] = SideSummary(
            eye_spasm_count=len(eye),
            lower_face_only_count=len(sp) - len(eye),
            onset_region=onset,
            synkinesis_index=(
                round(sum(bool(MOUTH & set(e.regions)) for e in eye) / len(eye), 3) if eye else None
            ),
            other_babinski_sign=(
                OtherBabinskiSign(
                    present=with_sign > 0,
                    events_with_sign=with_sign,
                    events_measured=len(measured),
                )
                if measured
                else None
            ),
            spasm_count=len(sp),
            spasms_per_min=round(rate, 3),
            pct_time_in_spasm=round(pct, 3),
            mean_duration_s=round(float(durs.mean()), 3) if sp else 0.0,
            longest_duration_s=round(float(durs.max()), 3) if sp else 0.0,
            clonic_count=sum(e.kind == EventKind.clonic for e in sp),
            tonic_count=sum(e.kind == EventKind.tonic for e in sp),
            twitch_count=sum((e.n_twitches or 1) for e in sp if e.kind == EventKind.clonic),
            regions=regions,
            spread_stage=stage,
            spread_stage_text=STAGE_TEXT[stage],
            severity_score=round(score, 1),
            jankovic_severity=jankovic_severity_estimate(sp, pct, stage),
            jankovic_frequency=jankovic_frequency_estimate(sp, pct),
            smc_grade=smc_estimate(sp, stage, tonic_rate),
        )
    active = [s for s in SIDES if sides[s].spasm_count]
    if len(active) == 2:  # both sides only when each is clearly affected (see below)
        active = [s for s in active if _clearly_affected(sides[s])] or active
    affected = "none" if not active else (active[0] if len(active) == 1 else "both")
    tot = times["left"] + times["right"]
    blinks = [e for e in events if e.kind == EventKind.blink]
    other = {}
    for e in events:
        if e.kind in (EventKind.voluntary, EventKind.head_motion, EventKind.face_lost):
            other[str(e.kind)] = other.get(str(e.kind), 0) + 1
    pattern = recording_pattern(events, minutes=minutes, exclude=exclude_closures)
    summary = Summary(
        pattern=pattern,
        duration_s=round(duration_s, 3),
        face_visible_pct=round(face_visible_pct, 2),
        sides=sides,
        affected_side=affected,
        laterality_index=round((times["left"] - times["right"]) / tot, 3) if tot > 0 else None,
        blink_count=len(blinks),
        blink_rate_per_min=round(len(blinks) / minutes, 2),
        non_spasm_events=other,
        head_pose_range_deg=pose,
        severity_score=max(sides[s].severity_score for s in SIDES),
        synthetic=synthetic,
    )
    summary.plain_language = plain_language(summary)
    return summary


#: A side counts toward a bilateral pattern only with at least one eye-closing spasm or this
#: many spasms: a single lone lower-face twitch on the other side is weak evidence of the rare
#: bilateral HFS (ENGINEERING choice; docs/validation.md).
BILATERAL_MIN_SPASMS = 2


def _clearly_affected(side: SideSummary) -> bool:
    return side.eye_spasm_count > 0 or side.spasm_count >= BILATERAL_MIN_SPASMS


def _overlaps(a: Event, b: Event, tol: float = 0.1) -> bool:
    return a.start_s < b.end_s + tol and b.start_s < a.end_s + tol


def recording_pattern(
    events: list[Event], *, minutes: float, exclude: list[tuple[float, float]] | None = None
) -> Pattern:
    """No spasm, unilateral, bilateral asynchronous (bilateral HFS) or bilateral synchronous
    (forceful closures of both eyes together beyond blinking, as in blepharospasm)."""
    sp = {s: [e for e in events if e.side == s and e.is_spasm] for s in SIDES}
    counts = {s: len(v) for s, v in sp.items()}
    both = sp["left"] + sp["right"]
    clear = {
        s: any("orbicularis_oculi" in e.regions for e in v) or len(v) >= BILATERAL_MIN_SPASMS
        for s, v in sp.items()
    }
    sync = None
    if sp["left"] and sp["right"] and (all(clear.values()) or not any(clear.values())):
        n_sync = sum(
            any(_overlaps(e, o) for o in sp["right" if e.side == "left" else "left"]) for e in both
        )
        sync = round(n_sync / len(both), 3)
    ex = exclude or []
    forceful = [
        e
        for e in events
        if e.kind == EventKind.voluntary
        and "corrugator" in e.regions
        and not any(a <= e.start_s < b for a, b in ex)
    ]
    rate = len(forceful) / minutes
    blinks = sum(e.kind == EventKind.blink for e in events) / minutes
    rule = (
        f"bilateral_synchronous: >= {SYNC_CLOSURES_PER_MIN:g} forceful bilateral closures per "
        "minute (and at least 2, more than one-sided spasms), or spasms on both sides with more "
        f"than {SYNC_SHARE:.0%} of them together; bilateral_asynchronous: spasms on both sides, "
        "mostly apart; unilateral: spasms on one side (a side counts toward a bilateral "
        f"pattern with an eye-closing spasm or at least {BILATERAL_MIN_SPASMS} spasms); "
        "thresholds are engineering choices"
    )
    if len(forceful) >= 2 and rate >= SYNC_CLOSURES_PER_MIN and len(forceful) > len(both):
        pat = "bilateral_synchronous"
    elif sync is not None:
        pat = "bilateral_synchronous" if sync > SYNC_SHARE else "bilateral_asynchronous"
    elif both:
        pat = "unilateral"
    else:
        pat = "no_spasm"
    return Pattern(
        pattern=pat,
        one_sided_spasms=counts,
        synchronous_share=sync,
        forceful_bilateral_closures=len(forceful),
        forceful_bilateral_closures_per_min=round(rate, 3),
        blink_rate_per_min=round(blinks, 2),
        rule=rule,
    )


def plain_language(s: Summary) -> str:
    """A short paragraph a patient or clinician reads in seconds."""
    mins = s.duration_s / 60
    parts = [f"In this {mins:.1f}-minute recording" + (" (SYNTHETIC DATA)" if s.synthetic else "")]
    if s.affected_side == "none":
        parts.append(" no one-sided spasm was found.")
    else:
        for side in SIDES:
            d = s.sides[side]
            if d.spasm_count:
                parts.append(
                    f", the {side} side showed {d.spasm_count} spasm(s) ({d.spasms_per_min:.1f} "
                    f"per minute, {d.clonic_count} clonic, {d.tonic_count} tonic), in spasm "
                    f"{d.pct_time_in_spasm:.1f}% of the time; involvement: "
                    f"{d.spread_stage_text}"
                )
        parts.append(".")
    parts.append(
        f" {s.blink_count} normal blink(s) ({s.blink_rate_per_min:.0f} per minute). "
        f"The face was visible {s.face_visible_pct:.0f}% of the time. Scale values are "
        "estimates from the video, to be checked by a clinician."
    )
    return "".join(parts)
