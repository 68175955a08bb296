"""Detected events against the truth of a synthetic recording (pure)."""

from __future__ import annotations

from pydantic import BaseModel

from hemispasm.events.validation import match_pairs
from hemispasm.schema import Event, EventKind

#: Slack (s) when matching a detected event to a true one by overlap.
MATCH_SLACK_S = 0.1


class Comparison(BaseModel):
    """Event-level agreement between detected events and the truth.

    Spasms match one to one by time overlap (greedy, in time order); a match counts whatever
    the detected side, and ``side_correct`` counts the matches on the true side. Blinks are
    scored the same way, separately.
    """

    true_spasms: int
    detected_spasms: int
    matched_spasms: int
    side_correct: int
    kind_correct: int
    precision: float
    recall: float
    f1: float
    true_blinks: int
    detected_blinks: int
    matched_blinks: int
    blink_f1: float
    true_stage: int | None = None
    estimated_stage: int | None = None
    estimated_side: str | None = None
    true_side: str | None = None


def _f1(n_true: int, n_found: int, n_match: int) -> tuple[float, float, float]:
    p = n_match / n_found if n_found else 1.0
    r = n_match / n_true if n_true else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def compare_events(
    truth: list[Event],
    detected: list[Event],
    *,
    true_stage: int | None = None,
    estimated_stage: int | None = None,
    true_side: str | None = None,
    estimated_side: str | None = None,
) -> Comparison:
    """Score detected events against true ones (spasms and blinks separately)."""
    t_sp = [e for e in truth if e.is_spasm]
    d_sp = [e for e in detected if e.is_spasm]
    pairs = match_pairs(t_sp, d_sp, slack_s=MATCH_SLACK_S)
    p, r, f1 = _f1(len(t_sp), len(d_sp), len(pairs))
    t_bl = [e for e in truth if e.kind == EventKind.blink]
    d_bl = [e for e in detected if e.kind == EventKind.blink]
    b_pairs = match_pairs(t_bl, d_bl, slack_s=MATCH_SLACK_S)
    return Comparison(
        true_spasms=len(t_sp),
        detected_spasms=len(d_sp),
        matched_spasms=len(pairs),
        side_correct=sum(a.side == b.side for a, b in pairs),
        kind_correct=sum(a.kind == b.kind for a, b in pairs),
        precision=round(p, 4),
        recall=round(r, 4),
        f1=round(f1, 4),
        true_blinks=len(t_bl),
        detected_blinks=len(d_bl),
        matched_blinks=len(b_pairs),
        blink_f1=round(_f1(len(t_bl), len(d_bl), len(b_pairs))[2], 4),
        true_stage=true_stage,
        estimated_stage=estimated_stage,
        true_side=true_side,
        estimated_side=estimated_side,
    )
