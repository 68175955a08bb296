"""Onset timing of a region (pure NumPy): each channel timed on its own rise, walked back from
its peak, and only on the rises that belong to the event (docs/events.md, "The whole face",
step 4). Used by :mod:`hemispasm.events.face`."""

from __future__ import annotations

import numpy as np

from hemispasm.events.face_channels import _TIMING_KEYS, _other, _runs
from hemispasm.schema import REGIONS

#: Onset of a channel: walking back from its peak to the last frame above ``ONSET_SHARE`` of
#: the peak (and above ``ONSET_MIN_Z``). The same share of every channel's own rise, so
#: channels with large and small peaks (a blendshape at z 40, a lip distance at z 5, the lid)
#: are timed alike; the detection threshold crossing is not used for timing (it comes later
#: on a weak channel). ENGINEERING choices, tuned on the development seeds (docs/validation.md).
ONSET_SHARE = 0.25
ONSET_MIN_Z = 2.0
#: A channel times its region only when it leads at its peak: above ``ONSET_PEAK_Z`` and
#: ``ONSET_SIDE_RATIO`` times the same channel of the other side (the face model couples the
#: two mouth corners, so a one-sided lip press moves the other side's lip distance a little;
#: whether the event is one-sided at all is decided by the detection, not here). ENGINEERING
#: choices.
ONSET_PEAK_Z = 3.0
ONSET_SIDE_RATIO = 1.25
#: A rise times its region only when it lasts this long (s) above ``ONSET_MIN_Z``: shorter
#: than the shortest clonic twitch the validation injects (0.10 s, docs/events.md) it is a
#: flicker of the face model, not a contraction. ENGINEERING choice (third pass).
ONSET_MIN_S = 0.1
#: A mouth region leads an eye-closing spasm (an atypical, lower-face onset) only when timed
#: by a rise whose peak is this many times the same channel of the other side during that
#: rise (and ``ONSET_SIDE_RATIO`` times its peak over the whole look-back): the detection's
#: own one-sided test (twice), stricter because calling a lower-face onset is the clinically
#: decisive part. ENGINEERING choice (third pass).
LEAD_SIDE_RATIO = 2.0
#: ... and only when its rise starts at least this long (s) before the eye's: the face model
#: reads the lips and cheek a few frames before the lid of a spasm in which all contract at
#: once (3 of 45 stage-3 eye spasms of the development seeds, with the fourth pass's lip press,
#: read a mouth region about 0.1 s ahead). 0.15 s is 4 frames at 30 fps (Python rounds 4.5 to
#: even). ENGINEERING choice (fourth pass); the synthetic lower-face onset leads the eye by 0.6 s.
LEAD_MIN_S = 0.15


def walk_back(v: np.ndarray, peak: int, lo: int) -> int:
    """First frame of the rise that ends at ``peak``: walking back while ``v`` stays above
    ``max(ONSET_MIN_Z, ONSET_SHARE * v[peak])`` (not before ``lo``)."""
    lvl = max(ONSET_MIN_Z, ONSET_SHARE * float(v[peak]))
    j = peak
    while j > lo and np.isfinite(v[j - 1]) and v[j - 1] > lvl:
        j -= 1
    return j


def crossing(v: np.ndarray, j: int, peak: int, lo: int) -> float:
    """The onset ``j`` of :func:`walk_back` at sub-frame resolution: where ``v`` crosses the
    same level between frames ``j - 1`` and ``j`` (linear interpolation; ``j`` itself when
    ``j - 1`` is before ``lo`` or not finite). Used only to order two regions whose rises
    start in the same frame (sixth pass), so an onset is never moved by it."""
    lvl = max(ONSET_MIN_Z, ONSET_SHARE * float(v[peak]))
    if j <= lo or not (np.isfinite(v[j - 1]) and v[j] > v[j - 1]):
        return float(j)
    return float(j - 1) + float(np.clip((lvl - v[j - 1]) / (v[j] - v[j - 1]), 0.0, 1.0))


def region_onsets(
    z: dict[str, np.ndarray],
    side: str,
    regions,
    a: int,
    b: int,
    lo: int,
    ref: int | None = None,
    tol: int = 0,
    min_len: int = 1,
    side_ratio: float = ONSET_SIDE_RATIO,
    local: bool = False,
    crossings: dict[str, float] | None = None,
) -> dict[str, int]:
    """Onset frame of each of ``regions`` on ``side`` whose peak in [a, b) is one-sided: the
    earliest :func:`walk_back` of its one-sided channels (not before ``lo``).

    With ``ref`` (the frame where the event itself starts), a channel is timed on its rises
    that belong to the event: every stretch above ``ONSET_MIN_Z`` in [a, b) whose peak is
    one-sided (as above) and that is still on within ``tol`` frames of the event's start, or
    of the start of a rise already joined to it (a spasm spreads from region to region, each
    still contracting when the next one starts). A rise that was over before the event began
    (noise, an earlier movement) does not time it; a rise that began before the detection
    run (a lip press read too weakly to pass the one-sided test) does. With ``local``, the
    ``side_ratio`` test compares a rise with the other side's same channel during that rise
    (and ``ONSET_SIDE_RATIO`` with its peak over [a, b)).

    With ``crossings`` (a dict, filled in place): each timed region's onset at sub-frame
    resolution (:func:`crossing`), to order regions timed to the same frame."""
    other = _other(side)
    rises: list[tuple] = []  # region, channel, peak z, onset (walked back), end of the stretch
    for region in regions:
        prefix = f"{region}_{side}"
        for key, v in z.items():
            if key.split("#")[0] != prefix:
                continue
            seg = v[a:b]
            if not np.isfinite(seg).any():
                continue
            w = z.get(f"{region}_{other}" + key[len(prefix) :])
            zb = float(np.nanmax(w[a:b])) if w is not None and np.isfinite(w[a:b]).any() else 0.0
            if ref is None:
                peaks = [(a + int(np.nanargmax(seg)), a, b)]
            else:
                above = np.nan_to_num(seg, nan=-np.inf) > ONSET_MIN_Z
                peaks = [(a + s0 + int(np.nanargmax(seg[s0:s1])), a + s0, a + s1)
                         for s0, s1 in _runs(above) if s1 - s0 >= min_len]  # fmt: skip
            timing_only = key.split("#", 1)[-1] in _TIMING_KEYS
            for ip, r0, end in peaks:
                pk = float(v[ip])
                zr = zb  # the other side over the window; with ``local``, during this rise
                if timing_only and not local and w is not None:
                    # an antisymmetric channel: the mouth shifted the other way later is
                    # another muscle's doing (this side's cheek), so compare during the rise
                    wr = w[r0:end]
                    zr = float(np.nanmax(wr)) if np.isfinite(wr).any() else 0.0
                elif local and w is not None:
                    wr = w[r0:end]
                    zr = float(np.nanmax(wr)) if np.isfinite(wr).any() else 0.0
                    if pk <= ONSET_SIDE_RATIO * max(zb, 0.0):
                        continue
                if pk <= ONSET_PEAK_Z or pk <= side_ratio * max(zr, 0.0):
                    continue
                j = walk_back(v, ip, lo)
                rises.append((region, key, pk, j, end, crossing(v, j, ip, lo)))
    if ref is not None:
        # each channel is timed on its strongest rise joined to the event
        best: dict[str, tuple] = {}
        for r in _joined(rises, ref, tol):
            if r[1] not in best or r[2] > best[r[1]][2]:
                best[r[1]] = r
        rises = list(best.values())
    out: dict[str, int] = {}
    frac: dict[str, float] = {}
    for region, _, _, j, _, x in rises:
        if region not in out or (j, x) < (out[region], frac[region]):
            out[region], frac[region] = j, x
    if crossings is not None:
        crossings.update(frac)
    return out


def first_region(onsets: dict[str, int], crossings: dict[str, float]) -> str:
    """The region whose rise starts first: the earliest onset frame, then (regions timed to the
    same frame) the earliest :func:`crossing`, then the spread order of the schema."""
    return min(onsets, key=lambda r: (onsets[r], crossings.get(r, onsets[r]), REGIONS.index(r)))


def _joined(rises: list[tuple], ref: int, tol: int) -> list[tuple]:
    """The rises (region, channel, peak, onset, end, crossing) joined to an event starting at
    ``ref``: still on at ``ref - tol``, or at ``tol`` before the onset of a rise already
    joined (repeated until no rise joins)."""
    start, keep, rest = ref, [], list(rises)
    grown = True
    while grown:
        grown = False
        for r in list(rest):
            if r[4] >= start - tol:
                keep.append(r)
                rest.remove(r)
                if r[3] < start:
                    start, grown = r[3], True
    return keep
