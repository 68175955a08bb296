"""Whole-face channels (pure NumPy/pandas): each region's activation against the subject's
own rest (robust z per channel, geometric measures and MediaPipe blendshapes), one-sided
activation with hysteresis, and the pooled mouth (docs/events.md, "The whole face", steps 1-2).
Used by :mod:`hemispasm.events.face`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hemispasm.schema import MEASURED_REGIONS, SIDES

#: Regions of the mouth (co-contraction with the eye = eye-mouth synkinesis).
MOUTH = ("zygomaticus", "orbicularis_oris", "platysma")


def _other(side: str) -> str:
    return "right" if side == "left" else "left"


#: MediaPipe blendshapes read as further channels of a region (``{Side}`` = Left/Right, the
#: subject's own side; checked on synthetic one-sided spasms: a subject-right mouth spasm
#: raises ``mouthDimpleRight``). Each channel is tested for one-sidedness against its own
#: other-side channel; a region is active when any of its channels is.
BLENDSHAPES: dict[str, tuple[str, ...]] = {
    "corrugator": ("browDown{Side}",),
    "frontalis": ("browOuterUp{Side}",),
    "zygomaticus": ("mouthSmile{Side}",),
    "orbicularis_oris": ("mouthPress{Side}", "mouthDimple{Side}"),
    "platysma": ("mouthStretch{Side}", "mouthFrown{Side}"),
}


def eye_z(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Eye closure per side in robust SD below the median eye-aspect ratio (``ear_<side>``)."""
    out = {}
    for side in SIDES:
        col = f"ear_{side}"
        if col in table:
            z = _z(table[col].to_numpy(dtype=float))
            if z is not None:
                out[side] = -z
    return out


def _z(x: np.ndarray) -> np.ndarray | None:
    from hemispasm.events.detect import robust_sigma

    if np.isfinite(x).sum() <= 10:
        return None
    sig = robust_sigma(x)
    if not (np.isfinite(sig) and sig > 0):
        return None
    return (x - np.nanmedian(x)) / sig


#: Further channels used only to time a region that is already found active (never to find
#: or veto an event): ``mouth{Other}`` (the lips shifted toward the other side: this side's
#: half of the sphincter drawing its lips toward the midline), an antisymmetric channel that
#: an asymmetric voluntary pucker also moves, so it cannot decide one-sidedness.
TIMING_BLENDSHAPES: dict[str, tuple[str, ...]] = {"orbicularis_oris": ("mouth{Other}",)}
_TIMING_KEYS = {b.format(Side="", Other="") for v in TIMING_BLENDSHAPES.values() for b in v}


def region_z(table: pd.DataFrame, *, timing: bool = False) -> dict[str, np.ndarray]:
    """Per-frame activation, in robust SD above its median, of every region channel:
    ``<region>_<side>`` (the geometric measure) and ``<region>_<side>#<blendshape>``; with
    ``timing``, also the :data:`TIMING_BLENDSHAPES` channels."""
    out = {}
    for region in MEASURED_REGIONS:
        for side in SIDES:
            chans = [(f"{region}_{side}", f"{region}_{side}")]
            cap, oth = side.capitalize(), _other(side).capitalize()
            extra = TIMING_BLENDSHAPES.get(region, ()) if timing else ()
            chans += [
                (f"{region}_{side}#{b.format(Side='', Other='')}",
                 "bs_" + b.format(Side=cap, Other=oth))
                for b in (*BLENDSHAPES.get(region, ()), *extra)
            ]  # fmt: skip
            for key, col in chans:
                if col in table:
                    z = _z(table[col].to_numpy(dtype=float))
                    if z is not None:
                        out[key] = z
    return out


def one_sided(
    z: dict[str, np.ndarray], region: str, side: str, thr: float, veto_thr: float | None = None
) -> np.ndarray:
    """Frames where any channel of ``region`` on ``side`` is above ``thr`` and twice the
    same channel of the other side, and the other side's ``region`` is not moving: its
    geometric measure not above ``veto_thr / 2`` and no blendshape channel above ``veto_thr``
    (default ``thr``; the region moving on both sides is an expression or speech, whatever one
    channel says)."""
    vt = thr if veto_thr is None else veto_thr
    out = None
    veto = None
    prefix, other = f"{region}_{side}", f"{region}_{_other(side)}"
    for key, a in z.items():
        if key.split("#")[0] != prefix:
            continue
        b = z.get(other + key[len(prefix) :])
        if b is None:
            continue
        a, b = np.nan_to_num(a, nan=-np.inf), np.nan_to_num(b, nan=0.0)
        m = (a > thr) & (a > 2 * np.maximum(b, 0))
        out = m if out is None else out | m
        v = b > (vt if "#" in key else vt / 2)  # blendshapes are noisier than geometry
        veto = v if veto is None else veto | v
    return np.zeros(0, bool) if out is None else out & ~veto


def _hysteresis(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    from scipy import ndimage

    labels, n = ndimage.label(low)
    if n == 0:
        return low
    keep = np.zeros(n + 1, bool)
    keep[np.unique(labels[high & low])] = True
    keep[0] = False
    return keep[labels]


def lower_face_masks(
    z: dict[str, np.ndarray], n: int, thr: float
) -> dict[str, dict[str, np.ndarray]]:
    """Per side and non-eye region: one-sided activation with hysteresis (on ``thr``, off
    ``thr / 2``)."""
    out: dict[str, dict[str, np.ndarray]] = {s: {} for s in SIDES}
    for side in SIDES:
        for region in MEASURED_REGIONS:
            hi = one_sided(z, region, side, thr)
            if hi.size != n:
                continue
            lo = one_sided(z, region, side, thr / 2, veto_thr=thr)
            out[side][region] = _hysteresis(hi, lo)
    return out


#: The pooled mouth: the mean, per side and frame, of every mouth channel's activation
#: (z clipped at 0). A faint one-sided twitch leans every mouth channel to its side a little
#: (the face model couples the two corners, so no single channel is twice the other side's);
#: the pool is one-sided when above ``POOL_Z`` and ``POOL_RATIO`` times the other side's pool
#: within ``train_gap_s`` (speech and expressions move both pools). ENGINEERING choices,
#: tuned on the development seeds (docs/validation.md).
POOL_Z = 2.0
POOL_RATIO = 1.6


def mouth_pool(z: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Per side: the mean of the mouth channels' activations (z clipped at 0), NaN-safe."""
    out = {}
    for side in SIDES:
        chans = [
            np.clip(np.nan_to_num(v, nan=0.0), 0, None)
            for k, v in z.items()
            if k.split("#")[0] in {f"{r}_{side}" for r in MOUTH}
        ]
        if chans:
            out[side] = np.mean(chans, axis=0)
    return out if len(out) == 2 and all(v.size == n for v in out.values()) else {}


def pool_mask(pool: dict[str, np.ndarray], side: str, pad: int) -> np.ndarray:
    """Frames where ``side``'s mouth pool is one-sided (see :data:`POOL_Z`), with hysteresis
    (off at half of it)."""
    from scipy import ndimage

    a, b = pool[side], pool[_other(side)]
    b_max = ndimage.maximum_filter1d(b, size=2 * pad + 1)  # the other side, nearby in time
    hi = (a > POOL_Z) & (a > POOL_RATIO * b_max)
    lo = (a > POOL_Z / 2) & (a > POOL_RATIO * b_max)
    return _hysteresis(hi, lo)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    from scipy import ndimage

    labels, k = ndimage.label(mask)
    return [(sl[0].start, sl[0].stop) for sl in ndimage.find_objects(labels)] if k else []


def _first_on(mask: np.ndarray, i0: int, i1: int) -> int | None:
    """First frame of the run of ``mask`` that overlaps [i0, i1) (it may start before i0)."""
    idx = np.flatnonzero(mask[i0:i1])
    if idx.size == 0:
        return None
    j = i0 + int(idx[0])
    while j > 0 and mask[j - 1]:
        j -= 1
    return j
