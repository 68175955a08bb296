"""Event detection on the real shared EAR series, and the injected-spasm validation."""

from __future__ import annotations

import pytest

from hemispasm.events import analyze_signals
from hemispasm.events.validation import validate
from hemispasm.signals_io import read_ear_table


@pytest.fixture
def ear240(shared):
    return read_ear_table(shared("data/ear/blinking_240fps_60s.csv"), fps=240)


@pytest.fixture
def ear30(shared):
    return read_ear_table(shared("data/ear/ear_30fps_1min.csv"), fps=30)


def test_seven_real_blinks_no_spasm(ear240):
    a = analyze_signals(ear240, fps=240)
    kinds = [str(e.kind) for e in a.events]
    assert kinds.count("blink") == 7
    assert not a.spasms
    assert a.summary.affected_side == "none" and a.summary.blink_count == 7
    assert all(e.side == "both" for e in a.events)


def test_30fps_series_has_no_spasm(ear30):
    a = analyze_signals(ear30, fps=30)
    assert not a.spasms
    assert a.summary.sides["left"].jankovic_frequency.value == 0


def test_injected_spasms_found_on_the_right_side(ear240, ear30):
    scores = {s.detector: s for s in validate([(ear240, 240.0), (ear30, 30.0)], seeds=5)}
    ours, naive = scores["hemispasm"], scores["naive"]
    assert ours.injected >= 50
    assert ours.f1 >= 0.97
    assert ours.side_accuracy == 1.0
    assert ours.blinks_called_spasm == 0
    assert ours.precision > naive.precision
    assert naive.blinks_called_spasm > 0  # the baseline really is naive


def test_events_table_columns(ear240):
    t = analyze_signals(ear240, fps=240).events_table()
    assert list(t.columns)[:7] == [
        "start_s",
        "end_s",
        "side",
        "kind",
        "regions",
        "amplitude",
        "velocity",
    ]
    assert len(t) == 7
