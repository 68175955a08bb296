"""The synthetic script (truth) and the event comparison: pure, seeded, no model needed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hemispasm.schema import Event
from hemispasm.synth import STAGES, activations, compare_events, make_script
from hemispasm.synth.script import BLINK_S, MIN_SEPARATION_S


def test_same_seed_same_script_and_different_seed_differs():
    a = make_script(side="left", stage=2, seconds=30, seed=3)
    b = make_script(side="left", stage=2, seconds=30, seed=3)
    c = make_script(side="left", stage=2, seconds=30, seed=4)
    assert a == b
    assert a.events != c.events


@pytest.mark.parametrize("stage", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("side", ["left", "right"])
def test_stage_content(stage, side):
    s = make_script(side=side, stage=stage, seconds=60, seed=stage)
    spasms = [e for e in s.events if e.is_spasm]
    blinks = [e for e in s.events if e.kind == "blink"]
    assert s.synthetic is True
    assert 10 <= len(blinks) <= 15  # about 15 per minute
    assert all(BLINK_S[0] - 1e-9 <= b.duration_s <= BLINK_S[1] + 1e-9 for b in blinks)
    assert all(b.side == "both" for b in blinks)
    assert all(e.side == side for e in spasms)
    if stage == 0:
        assert not spasms
        return
    assert spasms
    # issue 15: eye-closing spasms lift the brow (Babinski-2) by default in stages 2-4
    b2 = {"frontalis"} if stage >= 2 else set()
    assert all(set(e.regions) == set(STAGES[stage].regions) | b2 for e in spasms)
    assert all(e.babinski2 is (stage >= 2) for e in spasms)
    tonic = [e for e in spasms if e.kind == "tonic"]
    assert all(e.duration_s > 1.0 for e in tonic)  # Jankovic's 1-s boundary
    if stage <= 2:
        assert not tonic
    else:
        assert len(tonic) / (s.seconds / 60) >= 1  # frequent tonic spasms (SMC III picture)
    if stage == 4:
        assert sum(e.duration_s for e in spasms) / s.seconds > 0.4  # near-continuous
    per_min = len(spasms) / (s.seconds / 60)
    assert per_min <= 24.7  # inside the published range of untreated HFS


def test_events_are_separated_and_inside_the_recording():
    s = make_script(side="right", stage=3, seconds=60, seed=11)
    ev = sorted(s.events, key=lambda e: e.start_s)
    for a, b in itertools.pairwise(ev):
        assert b.start_s - a.end_s >= MIN_SEPARATION_S - 1e-6
    assert ev[0].start_s >= 0.5 and ev[-1].end_s <= s.seconds - 0.5


def test_activations_follow_the_script():
    s = make_script(side="left", stage=3, seconds=30, seed=2)
    t = np.arange(0, 30, 1 / 300)  # dense: a 100-ms blink reaches its peak
    closure, actions = activations(s, t)
    for e in s.events:
        inside = (t >= e.start_s) & (t <= e.end_s)
        if e.kind == "blink":
            assert closure["left"][inside].max() > 0.9 and closure["right"][inside].max() > 0.9
        else:
            assert closure["left"][inside].max() > 0.7
            assert closure["right"][inside].max() == 0.0  # one-sided
            assert actions["zygomaticus_left"][inside].max() > 0.5
    assert not any(k.endswith("_right") for k in actions)  # no right-sided muscle action
    quiet = np.ones_like(t, bool)
    for e in s.events:
        quiet &= ~((t >= e.start_s - 0.05) & (t <= e.end_s + 0.05))
    assert closure["left"][quiet].max() == 0.0


@pytest.mark.parametrize(
    "kwargs",
    # side="both" is valid since issue 15 (bilateral HFS); a made-up side is not
    [
        dict(side="middle"),
        dict(stage=5),
        dict(stage=-1),
        dict(seconds=2),
        dict(onset="mid"),
        dict(pattern="tic"),
    ],
)
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        make_script(**kwargs)


def _ev(a, b, side="left", kind="clonic"):
    return Event(start_s=a, end_s=b, side=side, kind=kind)


def test_compare_events_counts():
    truth = [_ev(1, 1.5), _ev(5, 7, kind="tonic"), _ev(9, 9.2, "both", "blink")]
    perfect = compare_events(truth, list(truth))
    assert (perfect.f1, perfect.side_correct, perfect.blink_f1) == (1.0, 2, 1.0)
    found = [_ev(1.1, 1.4), _ev(5.1, 6.9, "right", "tonic"), _ev(12, 12.3)]
    c = compare_events(truth, found)
    assert (c.matched_spasms, c.detected_spasms, c.side_correct) == (2, 3, 1)
    assert c.precision == pytest.approx(2 / 3, abs=1e-3) and c.recall == 1.0
    assert c.matched_blinks == 0 and c.blink_f1 == 0.0
    missed = compare_events(truth, [])
    assert missed.recall == 0.0 and missed.f1 == 0.0


def test_whole_face_options_truth():
    """Issue 15: lower onset, both sides, Babinski-2 off, blepharospasm, expressions, protocol."""
    low = make_script(side="right", stage=2, seed=3, onset="lower")
    sp = [e for e in low.events if e.is_spasm]
    assert sp and all(e.onset_region == "orbicularis_oris" for e in sp)
    assert any("orbicularis_oculi" not in e.regions for e in sp)
    assert all((e.babinski2 is None) == ("orbicularis_oculi" not in e.regions) for e in sp)
    both = make_script(side="both", stage=2, seed=1)
    assert {e.side for e in both.events if e.is_spasm} == {"left", "right"}
    assert both.true_pattern == "bilateral_asynchronous"
    off = make_script(side="left", stage=3, seed=1, babinski2=False)
    assert all(e.babinski2 is False and "frontalis" not in e.regions
               for e in off.events if e.is_spasm)  # fmt: skip
    blepharo = make_script(pattern="blepharospasm", seed=1)
    assert blepharo.true_pattern == "bilateral_synchronous"
    assert not [e for e in blepharo.events if e.is_spasm]
    expr = make_script(pattern="expressions", seed=2)
    assert expr.true_pattern == "no_spasm" and sum(e.kind == "voluntary" for e in expr.events) > 3
    proto = make_script(side="left", stage=2, seed=4, protocol=True, seconds=60)
    assert proto.tasks[0].task == "rest" and proto.tasks[-1].end_s == 60
