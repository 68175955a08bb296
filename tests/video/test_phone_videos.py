"""Real phone exports: odd frame widths (row padding) and display-matrix rotation."""

from __future__ import annotations

import numpy as np
import pytest
from video_helpers import resized_clip, rotated_clip

from hemispasm.events import analyze_signals
from hemispasm.video import iter_frames, probe, video_signals


@pytest.mark.parametrize(("width", "height"), [(1080, 1920), (360, 640), (854, 480), (1366, 768)])
def test_odd_widths_reach_the_model_unpadded(shared, face_model, tmp_path, width, height):
    clip = resized_clip(
        shared("data/video/blink_2s_360p.mp4"), tmp_path / f"c{width}x{height}.mp4", width, height
    )
    _, _, img = next(iter_frames(clip))
    assert img.shape == (height, width, 3) and img.flags["C_CONTIGUOUS"]
    sig = video_signals(clip, model=face_model, workers=1)
    assert sig.meta.face_visible_fraction > 0.9
    assert (sig.meta.width, sig.meta.height) == (width, height)


def test_probe_reports_display_rotation_and_true_size(shared, tmp_path):
    clip = rotated_clip(shared("data/video/blink_2s_360p.mp4"), tmp_path / "r.mp4", seconds=1)
    info = probe(clip)
    assert info.rotation_deg == 90
    assert (info.width, info.height) == (640, 360)  # as displayed (stored 360 x 640)
    for start in (0.0, 0.5):
        _, _, img = next(iter_frames(clip, start_s=start))
        assert img.shape == (360, 640, 3)


@pytest.mark.slow
def test_rotated_20s_clip_same_events_in_parallel(shared, face_model, tmp_path):
    clip = rotated_clip(shared("data/video/blink_2s_360p.mp4"), tmp_path / "phone.mp4")
    one = video_signals(clip, model=face_model, workers=1)
    par = video_signals(clip, model=face_model)  # the default: parallel segments
    assert par.meta.provenance.parameters["workers"] > 1
    for sig in (one, par):
        assert sig.meta.rotation_deg == 90
        assert (sig.meta.width, sig.meta.height) == (640, 360)
        assert sig.meta.face_visible_fraction > 0.95
    ev1 = analyze_signals(one.table, fps=one.fps).events
    ev2 = analyze_signals(par.table, fps=par.fps).events
    assert [(e.kind, e.side) for e in ev1] == [(e.kind, e.side) for e in ev2]
    assert np.allclose([e.start_s for e in ev1], [e.start_s for e in ev2], atol=0.1)
    assert not any(e.is_spasm for e in ev1)
