"""Forehead skin lift from the pixels (``video.forehead``) on images written in code
(SYNTHETIC textures with hand-placed landmarks)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("cv2")

from hemispasm.video.forehead import BROW, MIDLINE, NOSE, ForeheadTracker

W, H = 320, 240


def _landmarks(dx: float = 0.0, dy: float = 0.0) -> np.ndarray:
    p = np.full((478, 3), 0.0)
    p[:, :2] = (160, 130)
    p[[33, 133, 362, 263], :2] = [(100, 120), (140, 120), (180, 120), (220, 120)]  # IOD 80 px
    for side, x0 in (("right", 95), ("left", 175)):
        p[list(BROW[side]), :2] = np.c_[np.linspace(x0, x0 + 50, 5), np.full(5, 100)]
    p[list(MIDLINE), :2] = [(160, 105), (160, 90)]
    rng = np.random.default_rng(3)
    p[list(NOSE), :2] = np.c_[160 + rng.uniform(-12, 12, len(NOSE)), rng.uniform(115, 165, 12)]
    p[:, :2] += (dx, dy)
    p[:, 0] /= W
    p[:, 1] /= H
    return p


def _texture(seed: int = 0) -> np.ndarray:
    import cv2

    g = np.random.default_rng(seed).uniform(0, 255, (H, W)).astype(np.float32)
    g = cv2.GaussianBlur(g, (0, 0), 2.0)
    g = cv2.normalize(g, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


def test_one_sided_forehead_lift_is_read_on_that_side_only():
    img = _texture()
    tr = ForeheadTracker()
    assert tr.update(img, _landmarks()) == (0.0, 0.0)  # the reference
    moved = img.copy()
    band = np.s_[60:104, 172:230]
    moved[band] = np.roll(img, -2, axis=0)[band]  # the left forehead skin 2 px (2.5 % IOD) up
    left, right = tr.update(moved, _landmarks())
    assert left == pytest.approx(0.025, abs=0.008)
    assert abs(right) < 0.004


def test_head_movement_is_aligned_away_and_a_lost_face_resets():
    img = _texture(1)
    tr = ForeheadTracker()
    tr.update(img, _landmarks())
    shifted = np.roll(np.roll(img, 3, axis=0), 5, axis=1)  # the whole head 5 px right, 3 down
    left, right = tr.update(shifted, _landmarks(5, 3))
    assert abs(left) < 0.004 and abs(right) < 0.004
    assert all(np.isnan(tr.update(img, None)))
    assert tr.ref is None and tr.update(img, _landmarks()) == (0.0, 0.0)


def test_a_face_too_small_gives_nan():
    small = _landmarks()
    small[:, :2] = (small[:, :2] - 0.5) * 0.05 + 0.5  # a face of a few pixels
    tr = ForeheadTracker()
    assert all(np.isnan(tr.update(_texture(), small)))
