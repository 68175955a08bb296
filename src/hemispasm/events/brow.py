"""The brow in whole-face events: the other Babinski sign of an eye-closing spasm and bilateral
brow raising (pure NumPy).

- :func:`brow_lift`: the same-side frontalis channels (geometric brow height, ``browOuterUp``)
  from the face model's landmarks and blendshapes.
- :func:`forehead_lift`: the forehead skin above the brow, read from the pixels
  (``forehead_<side>``, :mod:`hemispasm.video.forehead`), for brows the face model does not
  follow (behind a spectacle frame).
- :func:`brows_raised`: both brows raised together (a voluntary expression).

Rules and thresholds: docs/events.md ("The whole face") and docs/references.md.
"""

from __future__ import annotations

import numpy as np


def _other(side: str) -> str:
    return "right" if side == "left" else "left"


#: Babinski-2: the same-side brow channel must exceed the other side's by this factor (the
#: face model lifts the other brow a little with it). ENGINEERING choice, tuned on the
#: development seeds (docs/validation.md).
B2_SIDE_RATIO = 1.5


def brow_lift(z: dict[str, np.ndarray], side: str, i0: int, i1: int, thr: float) -> bool | None:
    """The other Babinski sign during [i0, i1): a frontalis channel of ``side`` (geometric
    brow height or ``browOuterUp``) above ``thr`` and ``B2_SIDE_RATIO`` times the same channel
    of the other side;
    None when no frontalis channel is measurable there."""
    other = _other(side)
    found, measured = False, False
    for key, a in z.items():
        base, sep, bs = key.partition("#")
        if base != f"frontalis_{side}":
            continue
        b = z.get(f"frontalis_{other}" + (sep + bs if sep else ""))
        seg = a[i0:i1]
        if b is None or not np.isfinite(seg).any():
            continue
        measured = True
        za = float(np.nanmax(seg))
        zb = float(np.nanmax(b[i0:i1])) if np.isfinite(b[i0:i1]).any() else 0.0
        found |= za > thr and za > B2_SIDE_RATIO * max(zb, 0.0)
    return found if measured else None


#: Forehead lift: the baseline is the higher of the medians of the second before and the
#: second after the event (the sign comes and goes with the spasm; a level that stays after
#: it — a brow held up, the optical flow's reference drifting — is not the sign); the lift is read
#: on the frames where the eye is closed by at least ``FOREHEAD_CLOSED`` of its deepest closure
#: in the event, as their ``FOREHEAD_Q`` percentile (the sign is the brow rising *while* the eye
#: closes; a rebound after the eye reopens does not count). ENGINEERING choices, tuned on the
#: development seeds (docs/validation.md, third pass).
FOREHEAD_BASE_S = 1.0
FOREHEAD_CLOSED = 0.3
FOREHEAD_Q = 90.0


def forehead_lift(
    x: np.ndarray | None,
    i0: int,
    i1: int,
    *,
    fps: float,
    thr_z: float,
    min_iod: float,
    closure: np.ndarray | None = None,
    noise: float | None = None,
) -> bool | None:
    """Whether the forehead of one side rose while the eye closed in [i0, i1).

    ``x`` is a ``forehead_<side>`` column (IOD, up positive, :mod:`hemispasm.video.forehead`),
    ``closure`` the eye's closure (larger = more closed; None: every frame of the event counts).
    The lift, the ``FOREHEAD_Q`` percentile of ``x`` over the closed frames minus the higher of
    the medians of the ``FOREHEAD_BASE_S`` before and after the event, must exceed ``min_iod``
    and ``thr_z`` robust SDs of the column's frame-to-frame noise (``noise``, else
    :func:`forehead_noise` of ``x``: pass it when testing many events of one recording). The
    skin above the brow is read from the pixels, so a brow the face model does not follow
    (behind a spectacle frame) still counts. None when the column is missing or empty there.
    """
    if x is None:
        return None
    seg = x[i0:i1]
    nb = max(1, round(FOREHEAD_BASE_S * fps))
    before, after = x[max(0, i0 - nb) : i0], x[i1 : i1 + nb]
    levels = [float(np.nanmedian(w)) for w in (before, after) if np.isfinite(w).any()]
    if not (np.isfinite(seg).any() and levels):
        return None
    keep = np.isfinite(seg)
    if closure is not None:
        c = closure[i0:i1]
        if np.isfinite(c).any():
            keep &= np.nan_to_num(c, nan=-np.inf) >= FOREHEAD_CLOSED * float(np.nanmax(c))
    if not keep.any():
        return None
    sig = forehead_noise(x) if noise is None else noise
    lift = float(np.percentile(seg[keep], FOREHEAD_Q)) - max(levels)
    if not (np.isfinite(sig) and sig > 0):
        return bool(lift > min_iod)
    return bool(lift > min_iod and lift > thr_z * sig)


def forehead_noise(x: np.ndarray) -> float:
    """Robust SD of a forehead column's frame-to-frame noise (of its differences, / sqrt 2);
    NaN with 10 finite frames or fewer."""
    from hemispasm.events.detect import robust_sigma

    d = np.diff(x[np.isfinite(x)])
    return float(robust_sigma(d) / np.sqrt(2.0)) if d.size > 10 else float("nan")


def brows_raised(z: dict[str, np.ndarray], n: int, thr: float) -> np.ndarray:
    """Frames where both brows are raised together: in some frontalis channel (geometric brow
    height or ``browOuterUp``), both sides above ``thr`` and neither more than
    ``B2_SIDE_RATIO`` times the other (a one-sided lift, the other Babinski sign, is not
    this). Voluntary brow raising is bilateral; it lifts the upper lids and shifts the face
    model's eye landmarks a little on both sides, unevenly."""
    out = np.zeros(n, bool)
    for key, a in z.items():
        base, sep, bs = key.partition("#")
        if base != "frontalis_left" or a.size != n:
            continue
        b = z.get("frontalis_right" + (sep + bs if sep else ""))
        if b is None or b.size != n:
            continue
        a0, b0 = np.nan_to_num(a, nan=0.0), np.nan_to_num(b, nan=0.0)
        both = (a0 > thr) & (b0 > thr)
        out |= both & (a0 <= B2_SIDE_RATIO * b0) & (b0 <= B2_SIDE_RATIO * a0)
    return out
