"""The other Babinski sign read from the forehead skin lift (``forehead_<side>``, from the
pixels) when the brow landmarks stay flat, as behind a spectacle frame (SYNTHETIC tables)."""

from __future__ import annotations

import numpy as np
from face_tables import FPS, bump, face_table

from hemispasm.events import analyze_signals
from hemispasm.events.brow import forehead_lift

STARTS = (5.0, 15.0, 25.0)


def _table(seed: int = 0):
    return face_table(35.0, seed, forehead=True)


_bump = bump


def _spasms(t):
    for s in STARTS:  # right eye closes, the brow landmarks do not move
        _bump(t, "aperture_right", s, 0.4, 0.8, mult=True)
    return analyze_signals(t, fps=FPS).spasms


def test_forehead_lift_gives_the_sign_where_the_brow_landmarks_stay_flat():
    t = _table()
    for s in STARTS:
        _bump(t, "forehead_right", s, 0.4, 0.02)  # 2 % IOD: the skin above the brow rises
    sp = _spasms(t)
    assert len(sp) == 3 and all(e.side == "right" for e in sp)
    assert all(e.babinski2 is True and "frontalis" in e.regions for e in sp)


def test_forehead_pulled_down_or_still_is_no_sign():
    t = _table()
    for s in STARTS:
        _bump(t, "forehead_right", s, 0.4, -0.02)  # the squeeze pulls the forehead down
    assert [e.babinski2 for e in _spasms(t)] == [False, False, False]
    t = _table(1)
    assert [e.babinski2 for e in _spasms(t)] == [False, False, False]


def test_without_forehead_columns_the_landmarks_decide_as_before():
    t = _table().drop(columns=["forehead_left", "forehead_right"])
    assert [e.babinski2 for e in _spasms(t)] == [False, False, False]


def test_forehead_lift_rules():
    x = np.zeros(100)
    x[50:55] = [0.002, 0.01, 0.02, 0.01, 0.002]
    kw = dict(fps=FPS, thr_z=3.0, min_iod=0.008)
    assert forehead_lift(x, 50, 55, **kw) is True
    assert forehead_lift(x * 0.3, 50, 55, **kw) is False  # 0.6 % IOD: under the minimum
    assert forehead_lift(None, 50, 55, **kw) is None
    y = np.full(100, np.nan)
    assert forehead_lift(y, 50, 55, **kw) is None
    noisy = x + 0.02 * np.random.default_rng(0).standard_normal(100)
    assert forehead_lift(noisy, 50, 55, **kw) is False  # within the column's own noise


def test_a_forehead_level_that_stays_after_the_spasm_is_not_the_sign():
    t = _table()
    i0 = int(STARTS[0] * FPS)
    t.loc[i0:, "forehead_right"] += 0.02  # the flow's reference drifts at the first spasm and stays
    sp = _spasms(t)
    assert len(sp) == 3 and sp[0].babinski2 is False
    x = np.zeros(100)
    x[50:] = 0.02  # a step: higher during and after the event than before it
    assert forehead_lift(x, 50, 55, fps=FPS, thr_z=3.0, min_iod=0.008) is False
