"""Event detection on small synthetic tables written in code (labelled synthetic)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hemispasm.events import analyze_signals
from hemispasm.events.summary import jankovic_frequency_estimate
from hemispasm.schema import Event

FPS = 30.0


def _table(seconds: float = 60.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = int(seconds * FPS)
    base = 0.30 + 0.005 * rng.standard_normal((n, 2))
    return pd.DataFrame(
        {
            "frame": np.arange(n),
            "time_s": np.arange(n) / FPS,
            "face": True,
            "ear_left": base[:, 0],
            "ear_right": base[:, 1],
        }
    )


def _close(t: pd.DataFrame, side: str, start_s: float, dur_s: float, amp: float) -> None:
    i0, m = int(start_s * FPS), max(3, int(dur_s * FPS))
    shape = np.sin(np.linspace(0, np.pi, m))
    col = f"ear_{side}"
    t.loc[i0 : i0 + m - 1, col] = t.loc[i0 : i0 + m - 1, col].to_numpy() * (1 - amp * shape)


def test_blink_clonic_train_tonic_and_voluntary():
    t = _table()
    _close(t, "left", 5.0, 0.2, 0.9)
    _close(t, "right", 5.0, 0.2, 0.9)  # blink
    for k in range(4):
        _close(t, "right", 15.0 + 0.3 * k, 0.15, 0.6)  # clonic train, right
    _close(t, "left", 30.0, 2.5, 0.9)  # tonic, left
    _close(t, "left", 45.0, 2.0, 0.6)
    _close(t, "right", 45.0, 2.0, 0.6)  # long bilateral closure: voluntary
    a = analyze_signals(t, fps=FPS, synthetic=True)
    kinds = [(str(e.kind), e.side) for e in a.events]
    assert kinds == [
        ("blink", "both"),
        ("clonic", "right"),
        ("tonic", "left"),
        ("voluntary", "both"),
    ]
    train = a.events[1]
    assert train.n_twitches == 4 and train.twitch_rate_hz == pytest.approx(3.3, rel=0.2)
    s = a.summary
    assert s.affected_side == "both"  # issue 15: bilateral HFS is "both" (was "bilateral")
    assert s.pattern.pattern == "bilateral_asynchronous"
    assert s.sides["left"].tonic_count == 1 and s.sides["right"].clonic_count == 1
    assert s.sides["left"].jankovic_frequency.value == 3
    assert s.synthetic and "SYNTHETIC" in s.plain_language


def test_face_lost_and_head_turn_are_not_spasms():
    t = _table()
    t.loc[300:360, ["ear_left", "ear_right"]] = np.nan
    t.loc[300:360, "face"] = False
    t["yaw_deg"] = 0.0
    t["pitch_deg"] = 0.0
    t["roll_deg"] = 0.0
    t.loc[900:960, "yaw_deg"] = 35.0
    _close(t, "left", 30.5, 0.3, 0.7)  # one eye narrows while the head is turned
    a = analyze_signals(t, fps=FPS)
    assert not a.spasms
    assert {str(e.kind) for e in a.events} >= {"face_lost", "head_motion"}


def test_region_co_contraction_on_video_like_table():
    t = _table()
    rng = np.random.default_rng(1)
    for side in ("left", "right"):
        t[f"aperture_{side}"] = t[f"ear_{side}"]
        t[f"zygomaticus_{side}"] = 0.1 + 0.002 * rng.standard_normal(len(t))
    _close(t, "left", 20.0, 0.3, 0.7)
    t["aperture_left"] = t["ear_left"]
    t.loc[600:609, "zygomaticus_left"] += 0.05  # mouth corner pulled with the eye
    a = analyze_signals(t, fps=FPS)
    (ev,) = a.spasms
    assert ev.side == "left" and "zygomaticus" in ev.regions
    assert a.summary.sides["left"].spread_stage == 2


def test_jankovic_frequency_rules():
    short = [Event(start_s=0, end_s=1.5, side="left", kind="clonic", n_twitches=4)]
    long_ = [Event(start_s=0, end_s=2.0, side="left", kind="tonic")]
    assert jankovic_frequency_estimate([], 0).value == 0
    assert jankovic_frequency_estimate(short, 1).value == 2
    assert jankovic_frequency_estimate(long_, 5).value == 3
    assert jankovic_frequency_estimate(long_, 60).value == 4


def test_unknown_method():
    with pytest.raises(ValueError):
        analyze_signals(_table(5), fps=FPS, method="magic")
