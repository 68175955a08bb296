"""The whole face: region activation against the subject's own rest, lower-face spasms,
onset region and the other Babinski sign per event (pure NumPy/pandas).

Steps (docs/events.md, "The whole face"):

1. Activation per side and region: ``z = (measure - median) / robust SD`` over the recording
   (the subject's own rest: the median is the resting face when the face rests most of the
   time). One-sided activation: ``z`` above a threshold and more than twice the other side's.
2. Lower-face spasms: runs of one-sided activation of any non-eye region (``lower_z``, with
   hysteresis at half of it) that are not part of an eye-closing spasm of that side, and not
   during a bilateral eye closure (blinks move the mouth landmarks a little on both sides),
   a head turn or a lost face. Voluntary expressions and speech are bilateral, so they do not
   pass the one-sided test.
3. For every spasm: ``onset_region`` is the region whose rise starts first, each channel
   timed on its own rise joined to the event (:func:`region_onsets`; the eye when it closes
   first or at the same time, within ``onset_tol_s``; the mouth leads the eye only on a
   clearly one-sided channel, ``LEAD_SIDE_RATIO``, and which mouth region then leads is
   timed as in a lower-face spasm; regions timed to the same frame are ordered by
   :func:`first_region`); ``babinski2``
   (eye-closing spasms only) is True when the same-side frontalis (brow lifted) is among the
   event's regions, False when it is measurable and not, None when the frontalis measure is
   missing (the brow rules are in :mod:`hemispasm.events.brow`).
"""

from __future__ import annotations

import numpy as np

from hemispasm.events.brow import brow_lift, brows_raised, forehead_lift
from hemispasm.events.face_channels import (
    BLENDSHAPES,
    MOUTH,
    POOL_RATIO,
    POOL_Z,
    TIMING_BLENDSHAPES,
    _first_on,
    _other,
    _runs,
    eye_z,
    lower_face_masks,
    mouth_pool,
    one_sided,
    pool_mask,
    region_z,
)
from hemispasm.events.face_onset import (
    LEAD_MIN_S,
    LEAD_SIDE_RATIO,
    ONSET_MIN_S,
    ONSET_MIN_Z,
    ONSET_PEAK_Z,
    ONSET_SHARE,
    ONSET_SIDE_RATIO,
    crossing,
    first_region,
    region_onsets,
    walk_back,
)
from hemispasm.events.face_vetoes import (
    GEOMETRY_SIDE_RATIO,
    VETO_PAD_S,
    VETO_SHARE,
    _geometry_bilateral,
    _geometry_leans,
    _other_side_comparable,
)
from hemispasm.schema import MEASURED_REGIONS, REGIONS, SIDES, Event, EventKind

#: The channels, onset timing and vetoes live in :mod:`~hemispasm.events.face_channels`,
#: :mod:`~hemispasm.events.face_onset` and :mod:`~hemispasm.events.face_vetoes`; their
#: public names are re-exported here.
__all__ = [
    "BLENDSHAPES",
    "GEOMETRY_SIDE_RATIO",
    "LEAD_MIN_S",
    "LEAD_SIDE_RATIO",
    "MOUTH",
    "ONSET_MIN_S",
    "ONSET_MIN_Z",
    "ONSET_PEAK_Z",
    "ONSET_SHARE",
    "ONSET_SIDE_RATIO",
    "POOL_RATIO",
    "POOL_Z",
    "TIMING_BLENDSHAPES",
    "VETO_PAD_S",
    "VETO_SHARE",
    "annotate_bilateral",
    "annotate_eye_spasm",
    "brow_lift",
    "brows_raised",
    "crossing",
    "eye_z",
    "first_region",
    "forehead_lift",
    "lower_face_events",
    "lower_face_masks",
    "merge_overlapping",
    "mouth_pool",
    "one_sided",
    "pool_mask",
    "region_onsets",
    "region_z",
    "walk_back",
]


def annotate_eye_spasm(
    e: Event,
    *,
    t: np.ndarray,
    fps: float,
    masks: dict[str, dict[str, np.ndarray]],
    z: dict[str, np.ndarray],
    onset_tol_s: float,
    lookback_s: float,
    b2_z: float = 4.0,
    eyes: dict[str, np.ndarray] | None = None,
    zt: dict[str, np.ndarray] | None = None,
    forehead: dict[str, np.ndarray] | None = None,
    forehead_z: float = 5.0,
    forehead_min_iod: float = 0.008,
    forehead_sd: dict[str, float] | None = None,
) -> Event:
    """Onset region (and an earlier start when a lower region led) and Babinski-2 of one
    eye-closing spasm (``forehead``: the ``forehead_<side>`` columns, see
    :func:`forehead_lift`; ``forehead_sd``: their
    :func:`~hemispasm.events.brow.forehead_noise`, computed once per recording)."""
    side = e.side
    i0 = int(np.searchsorted(t, e.start_s - 1e-9))
    i1 = max(int(np.searchsorted(t, e.end_s - 1e-9)), i0 + 1)
    a = max(0, i0 - round(lookback_s * fps))
    starts = {}
    for region, m in masks.get(side, {}).items():
        if region in e.regions or region in MOUTH:
            j = _first_on(m, a, i1)
            if j is not None and j < i1:
                starts[region] = j
    # timing: each region's own rise (walk back from its peak), the lid's likewise
    cand = [r for r in MEASURED_REGIONS if r != "frontalis" and (r in starts or r in e.regions)]
    cand += [r for r in MOUTH if r not in cand]
    ez = (eyes or {}).get(side)
    eye_on = i0
    if ez is not None and np.isfinite(ez[i0:i1]).any():
        eye_on = min(i0, walk_back(ez, i0 + int(np.nanargmax(ez[i0:i1])), a))
    tol = round(onset_tol_s * fps)
    # a region's rise must run into the eye's (a rise over before the eye moved is not a lead)
    lo = max(0, a - round(0.5 * fps))
    cross: dict[str, float] = {}
    timed = region_onsets(
        zt or z, side, cand, a, i1, lo, ref=eye_on, tol=tol, min_len=round(ONSET_MIN_S * fps),
        crossings=cross,
    )  # fmt: skip
    for r in timed:
        starts.setdefault(r, timed[r])
    onset, start = "orbicularis_oculi", i0
    # only a mouth region can lead the eye (the corrugator contracts with the orbicularis
    # oculi, the periocular muscles together; a lone brow lift may be compensatory), and only
    # when timed by a channel one-sided as the detection defines it (LEAD_SIDE_RATIO: a mouth
    # drifting on both sides before the eye closes is not a lower-face onset)
    cross_strict: dict[str, float] = {}
    strict = region_onsets(
        zt or z, side, list(MOUTH), a, i1, lo, ref=eye_on, tol=tol,
        min_len=round(ONSET_MIN_S * fps), side_ratio=LEAD_SIDE_RATIO, local=True,
        crossings=cross_strict,
    )  # fmt: skip
    lead = {r: j for r, j in strict.items() if j < eye_on - max(tol, round(LEAD_MIN_S * fps))}
    if lead:
        # the strict test decides THAT the mouth leads; WHICH mouth region leads is timed as
        # in a lower-face spasm without the eye (``timed``, ONSET_SIDE_RATIO): a lip press
        # read faintly, one-sided but not twice the other side, starts before the cheek
        # that the strict test saw first (sixth pass)
        first = min(lead.values())
        early = {r: j for r, j in timed.items() if r in MOUTH and j <= first}
        order = {**{r: cross_strict[r] for r in lead}, **{r: cross[r] for r in early}}
        early = {**lead, **early}
        onset = first_region(early, order)
        # the event starts with that region's earliest rise joined to it
        start = min(i0, early[onset], timed.get(onset, i0))
    b2 = brow_lift(z, side, i0, i1, b2_z)
    if forehead and b2 is not True:
        fl = forehead_lift(
            forehead.get(side),
            i0,
            i1,
            fps=fps,
            thr_z=forehead_z,
            min_iod=forehead_min_iod,
            noise=(forehead_sd or {}).get(side),
            closure=ez,
        )
        b2 = fl if b2 is None else (b2 or bool(fl))
    regions = sorted({*e.regions, *starts, *(["frontalis"] if b2 else [])}, key=REGIONS.index)
    return e.model_copy(
        update=dict(start_s=float(t[start]), regions=regions, onset_region=onset, babinski2=b2)
    )


def lower_face_events(
    *,
    t: np.ndarray,
    fps: float,
    masks: dict[str, dict[str, np.ndarray]],
    z: dict[str, np.ndarray],
    blocked: np.ndarray,
    eye_events: list[Event],
    min_s: float,
    tonic_min_s: float,
    train_gap_s: float,
    veto_thr: float = 6.0,
    zt: dict[str, np.ndarray] | None = None,
    lookback_s: float = 1.0,
    onset_tol_s: float = 0.1,
    brow_z: float = 4.0,
) -> list[Event]:
    """One-sided spasms of the non-eye regions outside eye-closing spasms (see module doc).

    A run is dropped when, in it or within ``train_gap_s`` of it, the other side's same region
    moves (geometric measure above ``veto_thr / 2``, a blendshape above ``veto_thr``): speech
    and expressions move both sides, even when one side's channels lead; and when no mouth
    region's landmarks lean to its side (:func:`~hemispasm.events.face_vetoes._geometry_leans`
    at ``veto_thr / 2``)."""
    n = len(t)
    dt = 1.0 / fps
    out: list[Event] = []
    brows = brows_raised(z, n, brow_z)
    for side in SIDES:
        ms = masks.get(side, {})
        if not ms:
            continue
        union = np.zeros(n, bool)
        for region, m in ms.items():
            # the mouth regions only: a lone one-sided brow lift may be compensatory, and a
            # brow drawn down without the eye closing is not how a spasm of the orbicularis
            # oculi and corrugator looks (they contract together)
            if region in MOUTH:
                union |= m
        pool = mouth_pool(z, n)
        pad = round(VETO_PAD_S * fps)  # speech: the other side moves in the next syllable
        pooled = pool_mask(pool, side, pad) if pool else np.zeros(n, bool)
        union |= pooled
        union &= ~blocked
        moving = brows.copy()
        if pool:
            moving |= pool[_other(side)] > POOL_Z
        busy = np.zeros(n, bool)
        for e in eye_events:  # either side: a one-sided squeeze moves the other mouth corner
            i0 = int(np.searchsorted(t, e.start_s - 1e-9))
            i1 = int(np.searchsorted(t, e.end_s - 1e-9))
            busy[max(0, i0 - 2) : i1 + 2] = True
        segs = []
        for i0, i1 in _runs(union):
            if busy[i0:i1].any() or (i1 - i0) * dt < min_s:
                continue
            if brows[max(0, i0 - pad) : i1 + pad].any():
                # both brows raised together, in the run or within ``pad`` of it: a voluntary
                # movement, and the face model leans the mouth channels with it, all of them
                # at times (the pooled mouth one-sided too; fourth pass)
                continue
            if not _geometry_leans(z, side, i0, i1, veto_thr / 2):
                # the lips' landmarks do not lean to this side: a face-model score (a
                # blendshape, or the pool that averages them in) leaning in a pucker that
                # moves the lips alike, not a contraction (fifth pass)
                continue
            active = [r for r, m in ms.items() if m[i0:i1].any() and r in MOUTH]
            if pooled[i0:i1].any():
                # the pool decided one-sidedness; its regions are the mouth channels that lead
                active = sorted(
                    {*active, *region_onsets(z, side, MOUTH, i0, i1, i0)}, key=REGIONS.index
                )
                if not active or _geometry_bilateral(z, side, i0, i1, veto_thr):
                    continue
            elif _other_side_comparable(z, active, side, i0, i1, pad) or _geometry_bilateral(
                z, side, max(0, i0 - pad), i1 + pad, veto_thr / 2
            ):
                # found by single channels: the lips moving alike on both sides at half the
                # threshold, in the run or within ``pad`` of it, is a voluntary movement
                continue
            elif moving[max(0, i0 - pad) : i1 + pad].any():
                # a bilateral movement (both brows raised, or the other side's mouth pool
                # above POOL_Z): the face model moves mouth channels with it, unevenly, so
                # one channel cannot decide; the pooled mouth must be one-sided too
                continue
            segs.append((i0, i1, tuple(active)))
        # twitches closer than the train gap form one clonic train
        groups: list[list[tuple[int, int, tuple[str, ...]]]] = []
        gap = round(train_gap_s * fps)
        for s in segs:
            if groups and s[0] - groups[-1][-1][1] <= gap and (s[1] - s[0]) * dt < tonic_min_s:
                groups[-1].append(s)
            else:
                groups.append([s])
        for g in groups:
            i0, i1 = g[0][0], g[-1][1]
            starts = {r: _first_on(m, i0, i1) for r, m in ms.items()}
            starts = {r: j for r, j in starts.items() if j is not None}
            for r in {r for sg in g for r in sg[2]} - set(starts):  # found through the pool
                starts[r] = i0
            # the onset region: each mouth region's own rise, timed alike (walk back from the
            # peak), looking back as for an eye spasm; a rise joined to the run counts even
            # when it began before the run (or never passed the one-sided test itself)
            a = max(0, i0 - round(lookback_s * fps))
            cand = [*starts, *(r for r in MOUTH if r not in starts)]
            cross: dict[str, float] = {}
            timed = region_onsets(
                zt or z, side, cand, a, i1, max(0, a - round(0.5 * fps)),
                ref=i0, tol=round(onset_tol_s * fps), min_len=round(ONSET_MIN_S * fps),
                crossings=cross,
            )  # fmt: skip
            timed = {**timed, **{r: timed.get(r, j) for r, j in starts.items()}}
            regions = sorted(timed, key=REGIONS.index)
            onset = first_region(timed, cross)
            i0 = min(i0, timed[onset])
            peak = max(
                float(np.nanmax(v[i0:i1]))
                for k, v in z.items()
                if k.split("#")[0] in {f"{r}_{side}" for r in regions}
            )
            dur = (i1 - i0) * dt
            tonic = len(g) == 1 and dur >= tonic_min_s
            out.append(
                Event(
                    start_s=float(t[i0]),
                    end_s=float(t[i1 - 1] + dt),
                    side=side,
                    kind=EventKind.tonic if tonic else EventKind.clonic,
                    regions=regions,
                    amplitude=round(peak, 3),
                    confidence=float(np.clip(peak / 20.0, 0.3, 1.0)),
                    n_twitches=None if tonic else len(g),
                    twitch_rate_hz=(len(g) - 1) / dur if not tonic and len(g) > 1 else None,
                    onset_region=onset,
                    babinski2=None,
                )
            )
    # at the same time on both sides: one side's movement seen on the other; keep the larger
    keep = [
        e
        for e in out
        if not any(o.side != e.side and _overlap(o, e) and o.amplitude > e.amplitude for o in out)
    ]
    return keep


def _overlap(a: Event, b: Event) -> bool:
    return a.start_s < b.end_s and b.start_s < a.end_s


def annotate_bilateral(e: Event, *, t: np.ndarray, z: dict[str, np.ndarray], thr: float) -> Event:
    """Add ``corrugator`` to a bilateral closure when both brows are drawn down (z > ``thr``
    on both sides, in the geometric brow measure or in the ``browDown`` blendshape): a
    forceful closure, as in blepharospasm, not a lid lowered with the gaze."""
    i0 = int(np.searchsorted(t, e.start_s - 1e-9))
    i1 = max(int(np.searchsorted(t, e.end_s - 1e-9)), i0 + 1)
    for key, a in z.items():
        base, sep, bs = key.partition("#")
        if base != "corrugator_left":
            continue
        b = z.get("corrugator_right" + (sep + bs if sep else ""))
        if b is None:
            continue
        both = np.fmin(a[i0:i1], b[i0:i1])
        if np.isfinite(both).any() and np.nanmax(both) > thr:
            return e.model_copy(update={"regions": [*e.regions, "corrugator"]})
    return e


def merge_overlapping(events: list[Event]) -> list[Event]:
    """Merge spasms of one side that overlap (an onset moved back onto the previous twitch of
    a train): one event, regions joined, the earlier onset, Babinski-2 if either shows it."""
    out: list[Event] = []
    for e in sorted(events, key=lambda e: (e.side, e.start_s)):
        prev = out[-1] if out else None
        if (
            prev is not None
            and e.is_spasm
            and prev.is_spasm
            and prev.side == e.side
            and (e.start_s < prev.end_s)
        ):
            b2 = [x.babinski2 for x in (prev, e) if x.babinski2 is not None]
            tonic = EventKind.tonic in (prev.kind, e.kind)
            out[-1] = prev.model_copy(
                update=dict(
                    end_s=max(prev.end_s, e.end_s),
                    kind=EventKind.tonic if tonic else EventKind.clonic,
                    regions=sorted({*prev.regions, *e.regions}, key=REGIONS.index),
                    amplitude=max(prev.amplitude, e.amplitude),
                    n_twitches=None if tonic else (prev.n_twitches or 1) + (e.n_twitches or 1),
                    twitch_rate_hz=None,
                    babinski2=any(b2) if b2 else None,
                )
            )
            continue
        out.append(e)
    return out
