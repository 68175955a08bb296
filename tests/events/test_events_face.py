"""Whole-face events on small tables written in code (SYNTHETIC): lower-face spasms, onset
region, the other Babinski sign, synkinesis, pattern, forceful bilateral closures."""

from __future__ import annotations

import numpy as np
from face_tables import FPS, bump, face_table

from hemispasm.events import analyze_signals


def _table(seconds: float = 40.0, seed: int = 0):
    return face_table(seconds, seed)


_bump = bump


def test_lower_face_spasm_without_eye_closure_and_its_onset():
    t = _table()
    _bump(t, "orbicularis_oris_right", 10.0, 0.8, 0.05)  # lips pressed on the right alone
    _bump(t, "zygomaticus_right", 10.2, 0.6, 0.05)  # corner joins later
    a = analyze_signals(t, fps=FPS, synthetic=True)
    sp = a.spasms
    assert len(sp) == 1 and sp[0].side == "right"
    assert "orbicularis_oculi" not in sp[0].regions
    assert sp[0].onset_region == "orbicularis_oris" and sp[0].babinski2 is None
    assert {"orbicularis_oris", "zygomaticus"} <= set(sp[0].regions)
    assert a.summary.sides["right"].lower_face_only_count == 1
    assert a.summary.pattern.pattern == "unilateral"
    assert a.events_table()["babinski2"].tolist() == [""]


def test_bilateral_expressions_and_speech_are_not_spasms():
    t = _table()
    for k in range(4):  # smiles, a little asymmetric
        _bump(t, "zygomaticus_left", 5.0 + 5 * k, 1.5, 0.05)
        _bump(t, "zygomaticus_right", 5.0 + 5 * k, 1.5, 0.04)
    tt = t["time_s"].to_numpy()
    talk = (tt > 25) & (tt < 35)
    wave = 0.03 * np.abs(np.sin(2 * np.pi * 2.5 * tt))
    for side in ("left", "right"):  # talking: both sides of the mouth together
        t.loc[talk, f"orbicularis_oris_{side}"] += wave[talk]
        t.loc[talk, f"platysma_{side}"] += 0.8 * wave[talk]
    a = analyze_signals(t, fps=FPS)
    assert a.spasms == [] and a.summary.pattern.pattern == "no_spasm"


def test_babinski2_synkinesis_and_eye_onset():
    t = _table()
    for k, start in enumerate((5.0, 12.0, 19.0, 26.0)):
        _bump(t, "aperture_left", start, 0.3, 0.8, mult=True)
        _bump(t, "zygomaticus_left", start, 0.3, 0.05)
        if k < 3:
            _bump(t, "frontalis_left", start, 0.3, 0.05)  # the brow rises as the eye closes
    a = analyze_signals(t, fps=FPS)
    sp = a.spasms
    assert len(sp) == 4 and all(e.onset_region == "orbicularis_oculi" for e in sp)
    assert [e.babinski2 for e in sp] == [True, True, True, False]
    left = a.summary.sides["left"]
    assert left.other_babinski_sign.model_dump() == {
        "present": True, "events_with_sign": 3, "events_measured": 4
    }  # fmt: skip
    assert left.synkinesis_index == 1.0 and left.onset_region == "orbicularis_oculi"
    assert a.events_table()["babinski2"].tolist() == ["true", "true", "true", "false"]


def test_forceful_bilateral_closures_are_bilateral_synchronous_unless_asked_for():
    t = _table()
    for start in (4.0, 12.0, 20.0, 28.0):
        for side in ("left", "right"):
            _bump(t, f"aperture_{side}", start, 2.0, 0.9, mult=True)
            _bump(t, f"corrugator_{side}", start, 2.0, 0.05)  # brows drawn down
    a = analyze_signals(t, fps=FPS)
    p = a.summary.pattern
    assert p.pattern == "bilateral_synchronous" and p.forceful_bilateral_closures == 4
    assert a.summary.affected_side == "none"
    from hemispasm.events.tasks import TaskSegment

    asked = [TaskSegment(task="forceful_eye_closure", start_s=0, end_s=40)]
    assert analyze_signals(t, fps=FPS, tasks=asked).summary.pattern.pattern == "no_spasm"


def test_babinski2_read_from_the_brow_blendshape_when_the_geometry_is_bilateral():
    t = _table()
    rng = np.random.default_rng(1)
    for side in ("left", "right"):
        t[f"bs_browOuterUp{side.capitalize()}"] = 0.05 + 0.003 * rng.standard_normal(len(t))
    for start in (5.0, 15.0, 25.0):
        _bump(t, "aperture_right", start, 0.4, 0.8, mult=True)
        _bump(t, "frontalis_right", start, 0.4, 0.05)
        _bump(t, "frontalis_left", start, 0.4, 0.04)  # the other brow follows a little
        _bump(t, "bs_browOuterUpRight", start, 0.4, 0.3)  # but only the right brow lifts
    sp = analyze_signals(t, fps=FPS).spasms
    assert len(sp) == 3 and all(e.babinski2 is True and "frontalis" in e.regions for e in sp)
    t["bs_browOuterUpRight"] = t["bs_browOuterUpLeft"]  # no blendshape lift: not the sign
    t["frontalis_right"] = t["frontalis_left"]
    sp = analyze_signals(t, fps=FPS).spasms
    assert len(sp) == 3 and all(e.babinski2 is False for e in sp)


def test_a_pucker_moving_both_lips_alike_is_not_a_spasm_when_a_blendshape_leans_to_one_side():
    t = _table()
    rng = np.random.default_rng(2)
    for side in ("left", "right"):
        t[f"bs_mouthDimple{side.capitalize()}"] = 0.02 + 0.002 * rng.standard_normal(len(t))
    for start in (5.0, 15.0, 25.0):  # voluntary pucker: the lip distances alike on both sides
        _bump(t, "orbicularis_oris_left", start, 1.2, 0.03)
        _bump(t, "orbicularis_oris_right", start, 1.2, 0.03)
        _bump(t, "bs_mouthDimpleRight", start, 1.2, 0.06)  # the face model's score leans right
        _bump(t, "bs_mouthDimpleLeft", start, 1.2, 0.01)
    a = analyze_signals(t, fps=FPS)
    assert a.spasms == [] and a.summary.pattern.pattern == "no_spasm"
    for start in (5.0, 15.0, 25.0):  # the same with the left lips still: a right spasm
        _bump(t, "orbicularis_oris_left", start, 1.2, -0.03)
    sp = analyze_signals(t, fps=FPS).spasms
    assert len(sp) == 3 and all(e.side == "right" for e in sp)
