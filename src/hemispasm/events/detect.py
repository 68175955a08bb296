"""Spasm event detection: per-side closure against each subject's own rest, then pairing sides.

Pure functions on arrays and DataFrames. The steps (docs/events.md):

1. Eye closure per side: ``closure = 1 - aperture / rest``, where ``rest`` is the running
   median, over ``baseline_window_s``, of the samples less closed than ``onset_threshold``
   relative to the running upper quartile (``rest_quantile``): the open eye alone, even while
   blinks and spasms close it for up to three quarters of the window (late HFS); it follows
   slow drift.
   Video tables use the pose-normalised ``aperture_<side>``; EAR tables ``ear_<side>``.
2. Candidate segments per side by hysteresis: closure above ``offset_threshold`` containing a
   sample above ``onset_threshold``.
3. Pairing: a segment whose opposite eye closes at the same time by at least
   ``bilateral_ratio`` of its own peak is bilateral (blink, or voluntary closure when long);
   otherwise it is one-sided: a clonic twitch (< ``tonic_min_s``) or a tonic spasm.
4. One-sided twitches on the same side closer than ``train_gap_s`` form one clonic train.
5. Head turns and lost face make their own non-spasm events; overlapping candidates are
   not spasms.
6. Faint one-sided twitches below the onset threshold (``faint``, issue 15): brief rises of
   one eye's closure or ``eyeBlink`` blendshape that the other eye does not share, in units
   of the recording's own rest noise (:func:`faint_twitches`); they join the one-sided
   candidates before trains are formed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from scipy import ndimage

from hemispasm.schema import MEASURED_REGIONS, SIDES, Event, EventKind


class DetectParams(BaseModel):
    """Detector parameters. Sources and the reasons for each value: docs/events.md."""

    baseline_window_s: float = Field(10.0, gt=0)
    rest_quantile: float = Field(0.75, gt=0, lt=1)
    onset_threshold: float = Field(0.25, gt=0, lt=1)
    offset_threshold: float = Field(0.12, gt=0, lt=1)
    bilateral_ratio: float = Field(0.5, gt=0, le=1)
    blink_max_s: float = Field(0.5, gt=0)
    tonic_min_s: float = Field(1.0, gt=0)
    train_gap_s: float = Field(0.5, ge=0)
    head_turn_deg: float = Field(15.0, gt=0)
    face_lost_min_s: float = Field(0.2, ge=0)
    min_event_s: float = Field(0.05, ge=0)
    region_z: float = Field(4.0, gt=0)
    lower_z: float = Field(6.0, gt=0)
    lower_min_s: float = Field(0.3, ge=0)
    onset_tol_s: float = Field(0.1, ge=0)
    onset_lookback_s: float = Field(1.0, ge=0)
    b2_forehead_z: float = Field(5.0, gt=0)
    b2_forehead_min_iod: float = Field(0.008, gt=0)
    faint: bool = True
    faint_onset: float = Field(0.06, gt=0, lt=1)
    faint_z: float = Field(5.0, gt=0)
    faint_off_z: float = Field(2.5, gt=0)
    faint_opp_ratio: float = Field(0.5, gt=0, le=1)
    faint_max_s: float = Field(0.6, gt=0)
    faint_window_s: float = Field(1.0, gt=0)
    faint_smooth_s: float = Field(0.04, ge=0)
    faint_bs_onset: float = Field(0.05, gt=0, lt=1)
    faint_bs_ratio: float = Field(0.5, gt=0, le=1)
    faint_min_closure: float = Field(0.06, gt=0, lt=1)


def eye_signal(table: pd.DataFrame, side: str) -> np.ndarray:
    """Aperture series of one eye: pose-normalised aperture if present, else the EAR."""
    col = f"aperture_{side}"
    if col in table and table[col].notna().any():
        return table[col].to_numpy(dtype=float)
    return table[f"ear_{side}"].to_numpy(dtype=float)


def running_rest(
    x: np.ndarray, window: int, quantile: float = 0.75, open_tol: float = 0.25
) -> np.ndarray:
    """Running aperture of the open eye over ``window`` samples (centred), ignoring NaN.

    The running ``quantile`` finds the open eye's level even when spasms close the eye for
    most of the window; the rest is then the running median of the samples within
    ``open_tol`` of that level (the open eye alone, so neither blinks nor spasms bias it).
    """
    s = pd.Series(x)
    kw = dict(window=max(3, window), center=True, min_periods=max(3, window // 10))
    level = s.rolling(**kw).quantile(quantile)
    rest = s.where(s >= (1 - open_tol) * level).rolling(**kw).median()
    return rest.fillna(level).bfill().ffill().to_numpy()


def closure(
    x: np.ndarray, fps: float, window_s: float, quantile: float = 0.75, open_tol: float = 0.25
) -> np.ndarray:
    """Fraction of eye closure relative to rest: 0 open as at rest, 1 fully closed.

    ``rest`` is the open eye's running aperture over ``window_s`` (:func:`running_rest`).
    """
    rest = running_rest(x, round(window_s * fps), quantile, open_tol)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = 1.0 - x / rest
    return np.clip(c, -1.0, 1.0)


def robust_sigma(x: np.ndarray) -> float:
    """1.4826 x median absolute deviation (NaN ignored)."""
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan")
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def hysteresis_segments(c: np.ndarray, on: float, off: float) -> list[tuple[int, int]]:
    """Index ranges [start, stop) where ``c > off`` and somewhere ``c > on``."""
    above = np.nan_to_num(c, nan=-1.0) > off
    labels, n = ndimage.label(above)
    if n == 0:
        return []
    peaks = ndimage.maximum(np.nan_to_num(c, nan=-1.0), labels, index=np.arange(1, n + 1))
    slices = ndimage.find_objects(labels)
    return [(sl[0].start, sl[0].stop) for sl, p in zip(slices, peaks, strict=True) if p > on]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    labels, n = ndimage.label(mask)
    return [(sl[0].start, sl[0].stop) for sl in ndimage.find_objects(labels)] if n else []


def _regions_for(
    table: pd.DataFrame, side: str, i0: int, i1: int, rest: dict, z: float
) -> list[str]:
    """Same-side regions that activate during [i0, i1) clearly more than the other side."""
    found = ["orbicularis_oculi"]
    other = "right" if side == "left" else "left"
    for region in MEASURED_REGIONS:
        a, b = f"{region}_{side}", f"{region}_{other}"
        if a not in rest or b not in rest:
            continue
        za = (np.nanmax(table[a].to_numpy()[i0:i1]) - rest[a][0]) / rest[a][1]
        zb = (np.nanmax(table[b].to_numpy()[i0:i1]) - rest[b][0]) / rest[b][1]
        if np.isfinite(za) and za > z and za > 2 * max(zb, 0):
            found.append(region)
    return found


def _region_rest(table: pd.DataFrame) -> dict[str, tuple[float, float]]:
    rest = {}
    for region in MEASURED_REGIONS:
        for side in SIDES:
            col = f"{region}_{side}"
            if col in table and table[col].notna().sum() > 10:
                x = table[col].to_numpy(dtype=float)
                sig = robust_sigma(x)
                if np.isfinite(sig) and sig > 0:
                    rest[col] = (float(np.nanmedian(x)), sig)
    return rest


def detect_events(
    table: pd.DataFrame, *, fps: float, params: DetectParams | None = None
) -> tuple[list[Event], dict]:
    """Detect and classify events in a signals table.

    Returns
    -------
    events : list of Event
        Sorted by start time.
    traces : dict
        ``closure_left``, ``closure_right`` (arrays) and ``time_s``, for plots and scoring.
    """
    p = params or DetectParams()
    t = table["time_s"].to_numpy(dtype=float)
    n = len(t)
    dt = 1.0 / fps
    face = table["face"].to_numpy(dtype=bool) if "face" in table else np.ones(n, bool)
    clos = {}
    for side in SIDES:
        x = eye_signal(table, side)
        x = np.where(face, x, np.nan)
        clos[side] = closure(x, fps, p.baseline_window_s, p.rest_quantile, p.onset_threshold)
    segs = {s: hysteresis_segments(clos[s], p.onset_threshold, p.offset_threshold) for s in SIDES}

    # non-spasm context: lost face and head turns
    events: list[Event] = []
    blocked = np.zeros(n, dtype=bool)
    for i0, i1 in _runs(~face):
        blocked[max(0, i0 - 2) : i1 + 2] = True
        if (i1 - i0) * dt >= p.face_lost_min_s:
            events.append(
                Event(
                    start_s=t[i0],
                    end_s=t[i1 - 1] + dt,
                    side="both",
                    kind=EventKind.face_lost,
                    confidence=1.0,
                )
            )
    if "yaw_deg" in table:
        pose = np.nan_to_num(table[["yaw_deg", "pitch_deg"]].to_numpy(dtype=float))
        # away from the head's usual pose (running median over the baseline window)
        win = max(3, round(p.baseline_window_s * fps))
        ref = pd.DataFrame(pose).rolling(win, center=True, min_periods=1).median().to_numpy()
        turning = np.abs(pose - ref).max(axis=1) > p.head_turn_deg
        for i0, i1 in _runs(turning):
            blocked[i0:i1] = True
            events.append(
                Event(
                    start_s=t[i0],
                    end_s=t[i1 - 1] + dt,
                    side="both",
                    kind=EventKind.head_motion,
                    confidence=0.8,
                )
            )

    rest = _region_rest(table)
    used = {s: np.zeros(len(segs[s]), bool) for s in SIDES}
    singles: list[tuple[str, int, int, float, float]] = []  # side, i0, i1, peak, conf
    tol = max(1, round(0.05 * fps))
    for side in SIDES:
        other = "right" if side == "left" else "left"
        for k, (i0, i1) in enumerate(segs[side]):
            if used[side][k]:
                continue
            peak = float(np.nanmax(clos[side][i0:i1]))
            a, b = max(0, i0 - tol), min(n, i1 + tol)
            opp = float(np.nanmax(clos[other][a:b])) if np.isfinite(clos[other][a:b]).any() else 0.0
            if opp >= p.bilateral_ratio * peak:
                # bilateral: merge with the overlapping segments of the other eye
                j0, j1 = i0, i1
                for m, (o0, o1) in enumerate(segs[other]):
                    if o0 < b and o1 > a:
                        used[other][m] = True
                        j0, j1 = min(j0, o0), max(j1, o1)
                dur = (j1 - j0) * dt
                kind = EventKind.blink if dur <= p.blink_max_s else EventKind.voluntary
                amp = float(max(peak, opp))
                events.append(
                    Event(
                        start_s=t[j0],
                        end_s=t[j1 - 1] + dt,
                        side="both",
                        kind=kind,
                        regions=["orbicularis_oculi"],
                        amplitude=amp,
                        velocity=_velocity(clos[side], j0, j1, fps),
                        confidence=float(min(1.0, opp / max(peak, 1e-9))),
                    )
                )
                continue
            if blocked[i0:i1].any() or (i1 - i0) * dt < p.min_event_s:
                continue
            conf = float(
                np.clip((peak - opp) / max(peak, 1e-9), 0, 1)
                * np.clip(peak / (2 * p.onset_threshold), 0, 1)
            )
            singles.append((side, i0, i1, peak, conf))

    if p.faint:
        from hemispasm.events import face

        brows = face.brows_raised(face.region_z(table), n, p.region_z)
        faint = faint_twitches(table, clos, events, singles, blocked, fps, p, brows)
        singles = merge_items(singles + faint)

    # one-sided: tonic when long, else clonic twitches grouped into trains
    gap = round(p.train_gap_s * fps)
    for side in SIDES:
        mine = sorted((s for s in singles if s[0] == side), key=lambda s: s[1])
        group: list[tuple] = []
        for item in [*mine, None]:
            if item is not None and (item[2] - item[1]) * dt >= p.tonic_min_s:
                events.append(_spasm(table, EventKind.tonic, [item], clos, t, fps, rest, p))
                continue
            if group and (item is None or item[1] - group[-1][2] > gap):
                events.append(_spasm(table, EventKind.clonic, group, clos, t, fps, rest, p))
                group = []
            if item is not None:
                group.append(item)
    events = _whole_face(table, events, t, fps, blocked, p)
    events.sort(key=lambda e: (e.start_s, e.side))
    return events, {"time_s": t, "closure_left": clos["left"], "closure_right": clos["right"]}


def _whole_face(table, events, t, fps, blocked, p) -> list[Event]:
    """Onset region and Babinski-2 of eye spasms; lower-face spasms (events.face)."""
    from hemispasm.events import face
    from hemispasm.events.brow import forehead_noise

    z = face.region_z(table)
    if not z:
        return events
    masks = face.lower_face_masks(z, len(t), p.lower_z)
    kw = dict(t=t, fps=fps, masks=masks, z=z)
    eyes = face.eye_z(table)
    zt = face.region_z(table, timing=True)
    forehead = {
        s: table[f"forehead_{s}"].to_numpy(dtype=float)
        for s in ("left", "right")
        if f"forehead_{s}" in table
    }
    forehead_sd = {s: forehead_noise(x) for s, x in forehead.items()}  # once per recording
    out = [
        face.annotate_eye_spasm(
            e,
            **kw,
            onset_tol_s=p.onset_tol_s,
            lookback_s=p.onset_lookback_s,
            b2_z=p.region_z,
            eyes=eyes,
            zt=zt,
            forehead=forehead,
            forehead_sd=forehead_sd,
            forehead_z=p.b2_forehead_z,
            forehead_min_iod=p.b2_forehead_min_iod,
        )
        if e.is_spasm
        else face.annotate_bilateral(e, t=t, z=z, thr=p.region_z)
        if e.kind == EventKind.voluntary
        else e
        for e in events
    ]
    eye = [e for e in out if e.kind in (EventKind.blink, EventKind.voluntary) or e.is_spasm]
    out += face.lower_face_events(
        **kw,
        blocked=blocked,
        eye_events=eye,
        min_s=p.lower_min_s,
        tonic_min_s=p.tonic_min_s,
        train_gap_s=p.train_gap_s,
        veto_thr=p.lower_z,
        zt=zt,
        lookback_s=p.onset_lookback_s,
        onset_tol_s=p.onset_tol_s,
        brow_z=p.region_z,
    )
    return face.merge_overlapping(out)


def _transient(x: np.ndarray, window: int, quantile: float = 0.25) -> np.ndarray:
    """``x`` above its running lower quartile over ``window`` samples: brief rises only.

    The lower quartile stays at the open eye's level inside a clonic train (twitches close
    the eye for about half of it), where a running median would rise with the train.
    """
    low = pd.Series(x).rolling(max(3, window), center=True, min_periods=1).quantile(quantile)
    return x - low.to_numpy()


def faint_twitches(
    table: pd.DataFrame,
    clos: dict[str, np.ndarray],
    events: list[Event],
    singles: list[tuple[str, int, int, float, float]],
    blocked: np.ndarray,
    fps: float,
    p: DetectParams,
    brows: np.ndarray | None = None,
) -> list[tuple[str, int, int, float, float]]:
    """Faint one-sided twitches below the onset threshold (issue 15).

    Channels: each eye's closure (averaged over ``faint_smooth_s`` when sampled faster than
    that) and, for video, its ``eyeBlink`` blendshape. In each, the brief part of the signal
    (minus its running lower quartile over ``faint_window_s``: slow lid lowering with gaze or
    expression drops out), and this eye's minus the other eye's, in units of the recording's
    own rest noise (robust SD over the frames outside every candidate). A faint twitch, in
    either channel: that asymmetry above ``faint_z`` (hysteresis down to ``faint_off_z``);
    this eye's brief rise at least ``faint_onset`` (closure) or ``faint_bs_onset``
    (blendshape); the other eye's at most ``faint_opp_ratio`` (closure) or ``faint_bs_ratio``
    (blendshape) of it; the eye's closure against rest at least ``faint_min_closure`` (the
    same 6 % as ``faint_onset``, whichever channel found the twitch); neither
    channel saying the other eye closed more; at most
    ``faint_max_s`` long; away from the main stage's blinks and bilateral closures (0.1 s
    margin), head turns and lost face, outside its one-sided candidates, and not while both
    brows are raised (``brows``, :func:`hemispasm.events.face.brows_raised`). A twitch is then
    grown over the one-sided closure that holds around it (a faint tonic contraction).

    Returns ``(side, i0, i1, peak, confidence)`` items like the main stage's one-sided
    candidates (overlapping ones merged).
    """
    n = len(clos["left"])
    win = round(p.faint_window_s * fps)
    pad = max(1, round(0.1 * fps))
    t = table["time_s"].to_numpy(dtype=float)
    busy = blocked.copy()
    for e in events:  # blinks and bilateral closures, with a margin
        if e.kind in (EventKind.blink, EventKind.voluntary):
            i0, i1 = np.searchsorted(t, [e.start_s, e.end_s])
            busy[max(0, i0 - pad) : i1 + pad] = True
    if brows is not None and brows.size == n:
        busy |= brows  # both brows raised: a voluntary expression moves both lids unevenly
    taken = np.zeros(n, dtype=bool)
    for _, i0, i1, _, _ in singles:  # one-sided candidates of the main stage
        taken[i0:i1] = True
    sm = max(1, round(p.faint_smooth_s * fps))  # 1 sample (none) at video rates
    cs = {s: _smooth(np.nan_to_num(clos[s], nan=0.0), sm) for s in SIDES}
    tr = {s: _transient(cs[s], win) for s in SIDES}
    bs = {s: f"bs_eyeBlink{s.capitalize()}" for s in SIDES}
    has_bs = all(c in table and table[c].notna().sum() > 10 for c in bs.values())
    if has_bs:
        trb = {s: _transient(np.nan_to_num(table[bs[s]].to_numpy(float)), win) for s in SIDES}
    chans = [(tr, p.faint_onset, p.faint_opp_ratio)]
    if has_bs:
        chans.append((trb, p.faint_bs_onset, p.faint_bs_ratio))
    out = []
    for side in SIDES:
        other = "right" if side == "left" else "left"
        # one-sided closure that holds: where the eye stays at least half as closed as at the
        # twitch, and clearly more than the other eye (a faint tonic contraction goes on)
        pk = ndimage.maximum_filter1d(cs[side], max(1, round(p.faint_max_s * fps)))
        holds = (cs[side] >= 0.5 * pk) & (cs[side] - cs[other] >= 0.25 * pk) & ~busy
        for x, onset, ratio in chans:
            z = _noise_units(x[side] - x[other], busy | taken)
            for i0, i1 in hysteresis_segments(z, p.faint_z, p.faint_off_z):
                dur = (i1 - i0) / fps
                if busy[i0:i1].any() or taken[i0:i1].any():
                    continue
                if not p.min_event_s <= dur <= p.faint_max_s:
                    continue
                w0, w1 = max(0, i0 - pad), min(n, i1 + pad)
                peak = float(np.max(x[side][i0:i1]))
                opp = float(np.max(x[other][w0:w1]))
                if peak < onset or opp > ratio * peak:
                    continue
                if np.max(cs[side][i0:i1]) < p.faint_min_closure:
                    continue  # less wide open than a moment ago, but not closed
                # the other channel must not say the other eye closed more
                if any(np.max(y[other][w0:w1]) > np.max(y[side][w0:w1]) for y, _, _ in chans):
                    continue
                conf = float(np.clip((peak - max(opp, 0)) / peak, 0, 1) * np.clip(
                    float(np.max(z[i0:i1])) / (2 * p.faint_z), 0, 1))  # fmt: skip
                j0, j1 = _extend(holds, i0, i1)
                out.append((side, j0, j1, float(np.nanmax(clos[side][j0:j1])), conf))
    return merge_items(out)


def _extend(mask: np.ndarray, i0: int, i1: int) -> tuple[int, int]:
    """[i0, i1) grown over the run of ``mask`` that touches it."""
    while i0 > 0 and mask[i0 - 1]:
        i0 -= 1
    while i1 < len(mask) and mask[i1]:
        i1 += 1
    return i0, i1


def merge_items(items: list[tuple]) -> list[tuple]:
    """Merge overlapping one-sided candidates of the same side (union, max peak, mean conf)."""
    out: list[tuple] = []
    for it in sorted(items, key=lambda x: (x[0], x[1])):
        if out and out[-1][0] == it[0] and it[1] < out[-1][2]:
            s, a, b, pk, cf = out[-1]
            out[-1] = (s, a, max(b, it[2]), max(pk, it[3]), (cf + it[4]) / 2)
        else:
            out.append(it)
    return out


def _smooth(x: np.ndarray, k: int) -> np.ndarray:
    return x if k <= 1 else ndimage.uniform_filter1d(x, k, mode="nearest")


def _noise_units(x: np.ndarray, busy: np.ndarray) -> np.ndarray:
    """``x`` over its robust SD on the quiet frames (``~busy``); zeros when unmeasurable."""
    quiet = x[~busy]
    sig = robust_sigma(quiet if quiet.size > 10 else x)
    if not np.isfinite(sig) or sig <= 0:
        return np.zeros_like(x)
    return (x - float(np.median(quiet if quiet.size > 10 else x))) / sig


def _velocity(c: np.ndarray, i0: int, i1: int, fps: float) -> float | None:
    seg = c[i0:i1]
    if seg.size < 2 or not np.isfinite(seg).any():
        return None
    return float(np.nanmax(np.diff(seg)) * fps)


def _spasm(table, kind, items, clos, t, fps, rest, p) -> Event:
    side = items[0][0]
    i0, i1 = items[0][1], items[-1][2]
    dt = 1.0 / fps
    n_tw = len(items)
    dur = (i1 - i0) * dt
    return Event(
        start_s=t[i0],
        end_s=t[i1 - 1] + dt,
        side=side,
        kind=kind,
        regions=_regions_for(table, side, i0, i1, rest, p.region_z),
        amplitude=float(max(it[3] for it in items)),
        velocity=_velocity(clos[side], i0, i1, fps),
        confidence=float(np.mean([it[4] for it in items])),
        n_twitches=n_tw if kind == EventKind.clonic else None,
        twitch_rate_hz=(
            float((n_tw - 1) / dur) if kind == EventKind.clonic and n_tw > 1 and dur > 0 else None
        ),
    )
