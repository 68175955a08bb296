"""Faint one-sided eyelid twitches (issue 15): found, and nothing else becomes a spasm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hemispasm.events import analyze_signals
from hemispasm.signals_io import read_ear_table
from hemispasm.synth.paste import paste_video, twitch_shape

FPS = 30.0


def _series(n: int = 600, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {s: 0.30 * (1 + 0.01 * rng.standard_normal(n)) for s in ("left", "right")}


def _table(ear: dict[str, np.ndarray]) -> pd.DataFrame:
    n = len(ear["left"])
    return pd.DataFrame(
        {"time_s": np.arange(n) / FPS, "ear_left": ear["left"], "ear_right": ear["right"]}
    )


def _dip(x: np.ndarray, i0: int, n: int, depth: float) -> None:
    x[i0 : i0 + n] *= 1 - depth * twitch_shape(n)


def test_faint_one_sided_twitch_found_blink_and_gaze_are_not():
    ear = _series()
    _dip(ear["left"], 60, 5, 0.9)  # a real-like bilateral blink
    _dip(ear["right"], 60, 5, 0.9)
    _dip(ear["right"], 240, 5, 0.18)  # a faint one-sided twitch (18 % closure)
    for s in ("left", "right"):  # gaze down: both lids lower 20 % for 1.5 s
        ear[s][420:465] *= 0.8
    table = _table(ear)
    after = analyze_signals(table, fps=FPS)
    before = analyze_signals(table, fps=FPS, faint=False)
    assert not before.spasms  # below the 25 % onset: the old detector misses it
    (sp,) = after.spasms
    assert sp.side == "right" and 7.9 < sp.start_s < 8.1 and str(sp.kind) == "clonic"
    assert [str(e.kind) for e in after.events if e.side == "both"] == ["blink"]


def test_faint_stage_is_recorded_in_provenance():
    res = analyze_signals(_table(_series()), fps=FPS)
    assert res.provenance.parameters["faint"] is True
    assert res.provenance.parameters["faint_z"] > 0


def test_real_240fps_ear_series_no_spasm(shared):
    table = read_ear_table(shared("data/ear/blinking_240fps_60s.csv"), fps=240.0)
    res = analyze_signals(table, fps=240.0)
    assert not res.spasms
    assert res.summary.blink_count >= 7


@pytest.mark.parametrize(("seed", "side"), [(1, "left"), (2, "right")])
def test_faint_pasted_twitch_found_in_real_clip(shared, face_model, tmp_path, seed, side):
    from hemispasm.video import video_signals

    res = paste_video(
        shared("data/video/blink_2s_360p.mp4"),
        tmp_path / "p",
        seed=seed,
        bands=((0.2, 0.3),),
        model=face_model,
    )
    (truth,) = res.truth.spasms
    assert truth.side == side and truth.depth < 0.3
    sig = video_signals(res.video, model=face_model, workers=1)
    assert sig.meta.synthetic
    after = analyze_signals(sig.table, fps=sig.meta.fps, synthetic=True)
    (sp,) = after.spasms
    assert sp.side == side and sp.start_s < truth.end_s + 0.1 and sp.end_s > truth.start_s - 0.1
    assert [str(e.kind) for e in after.events if e.side == "both"] == ["blink"]  # the real one
    assert not analyze_signals(sig.table, fps=sig.meta.fps, faint=False).spasms


def test_real_clips_same_events_with_and_without_faint_stage(shared, face_model):
    from hemispasm.video import video_signals

    for clip in ("blink_2s_360p.mp4", "expressive_20s_360p.mp4"):
        sig = video_signals(shared(f"data/video/{clip}"), model=face_model)
        a = analyze_signals(sig.table, fps=sig.meta.fps)
        b = analyze_signals(sig.table, fps=sig.meta.fps, faint=False)
        assert [(e.kind, e.side, e.start_s) for e in a.events] == [
            (e.kind, e.side, e.start_s) for e in b.events
        ]
        assert len(a.spasms) <= (0 if clip.startswith("blink") else 1)


def test_validate_ear_faint_depths_scored_apart(shared):
    from hemispasm.events.validation import FAINT_DEPTH, inject, validate

    ear30 = read_ear_table(shared("data/ear/ear_30fps_1min.csv"), fps=30.0)
    _, truth = inject(ear30, fps=30.0, seed=3, exclude=[])
    faint, ftruth = inject(ear30, fps=30.0, seed=3, exclude=[], depth=FAINT_DEPTH)
    assert [(t.start_s, t.side) for t in truth] == [(t.start_s, t.side) for t in ftruth]
    closure = 1 - faint["ear_left"] / ear30["ear_left"]
    assert closure.max() <= FAINT_DEPTH[1] + 0.05  # same draws, shallower
    scores = {
        s.detector: s
        for s in validate(
            [(ear30, 30.0)], seeds=3, depth=FAINT_DEPTH, label=" (faint)", before=True
        )
    }
    now, old = scores["hemispasm (faint)"], scores["hemispasm, faint stage off (faint)"]
    assert now.recall > old.recall and now.blinks_called_spasm == 0
