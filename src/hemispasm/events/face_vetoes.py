"""Vetoes of one-sided mouth runs (pure NumPy): the lips' landmarks moving alike on both
sides, or not leaning to the run's side, and the other side moving comparably (speech,
expressions; docs/events.md, "The whole face", step 3). Used by :mod:`hemispasm.events.face`."""

from __future__ import annotations

import numpy as np

from hemispasm.events.face_channels import MOUTH, _other

#: A mouth region's geometric measure is bilateral when both sides pass the region's own
#: activation threshold (``lower_z``) at the same frame and neither is more than this many
#: times the other; reused by :func:`_geometry_leans` (a region leads when its peak is more
#: than this many times the other side's). ENGINEERING choice (the Babinski-2 side ratio
#: reused), set on the development seeds and the first held-out seeds (which were then no
#: longer held out; docs/validation.md).
GEOMETRY_SIDE_RATIO = 1.5


def _geometry_bilateral(z: dict[str, np.ndarray], side: str, i0: int, i1: int, thr: float) -> bool:
    """Whether, in [i0, i1), a mouth region's geometric measure (the landmark distances, not a
    blendshape) moves on both sides together: both above ``thr`` and within
    ``GEOMETRY_SIDE_RATIO`` of each other at some frame. A voluntary pucker or smile moves the
    lips alike on both sides even when a blendshape leans to one; then the pooled mouth,
    which averages the blendshapes in, must not decide one-sidedness."""
    other = _other(side)
    for region in MOUTH:
        a, b = z.get(f"{region}_{side}"), z.get(f"{region}_{other}")
        if a is None or b is None:
            continue
        x, y = np.nan_to_num(a[i0:i1], nan=0.0), np.nan_to_num(b[i0:i1], nan=0.0)
        both = (x > thr) & (y > thr)
        if (both & (x <= GEOMETRY_SIDE_RATIO * y) & (y <= GEOMETRY_SIDE_RATIO * x)).any():
            return True
    return False


def _geometry_leans(z: dict[str, np.ndarray], side: str, i0: int, i1: int, thr: float) -> bool:
    """Whether, in [i0, i1), some mouth region's geometric measure on ``side`` peaks above
    ``thr`` and above ``GEOMETRY_SIDE_RATIO`` times the other side's peak there (clipped at
    0): the landmarks, not only the blendshapes, lean to ``side``."""
    other = _other(side)
    for region in MOUTH:
        a, b = z.get(f"{region}_{side}"), z.get(f"{region}_{other}")
        if a is None or b is None:
            continue
        x, y = a[i0:i1], b[i0:i1]
        if not (np.isfinite(x).any() and np.isfinite(y).any()):
            continue
        peak = float(np.nanmax(x))
        if peak > thr and peak > GEOMETRY_SIDE_RATIO * max(float(np.nanmax(y)), 0.0):
            return True
    return False


#: Speech veto: a one-sided run is dropped when, in its strongest channel, the other side
#: reaches this share of its peak within ``train_gap_s`` of it (both mouth corners moving
#: comparably: speech, an expression). ENGINEERING choice, tuned on the development seeds.
VETO_SHARE = 0.5
#: How far in time (s) the speech veto and the pooled mouth look at the other side.
VETO_PAD_S = 0.5


def _other_side_comparable(
    z: dict[str, np.ndarray], regions: list[str], side: str, i0: int, i1: int, pad: int
) -> bool:
    """True when the other side moves comparably to ``side`` in the strongest channel of
    ``regions`` during [i0, i1) (the other side looked at ``pad`` frames either side)."""
    best, key_best = -np.inf, None
    for key, v in z.items():
        base = key.split("#")[0]
        if base.rsplit("_", 1)[0] in regions and base.endswith("_" + side):
            seg = v[i0:i1]
            if np.isfinite(seg).any() and np.nanmax(seg) > best:
                best, key_best = float(np.nanmax(seg)), key
    if key_best is None:
        return False
    w = z.get(key_best.replace(f"_{side}", f"_{_other(side)}", 1))
    if w is None:
        return False
    seg = w[max(0, i0 - pad) : i1 + pad]
    return bool(np.isfinite(seg).any() and np.nanmax(seg) >= VETO_SHARE * best)
