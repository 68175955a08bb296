"""PyAV reading: timestamps, frame counts, bad files."""

from __future__ import annotations

import numpy as np
import pytest

from hemispasm.errors import InputError
from hemispasm.video import iter_frames, probe


def test_blink_clip_frames_and_times(shared):
    path = shared("data/video/blink_2s_360p.mp4")
    info = probe(path)
    assert (info.width, info.height) == (640, 360)
    frames = [(i, t) for i, t, _ in iter_frames(path)]
    assert len(frames) == 72
    t = np.array([t for _, t in frames])
    assert t[0] == pytest.approx(0.0, abs=1e-6)
    assert np.allclose(np.diff(t), 1 / 30, atol=1e-3)


def test_hevc_mov_decodes(shared):
    path = shared("data/video/face_then_noface_6s.mov")
    first = next(iter_frames(path))
    assert first[2].shape == (540, 960, 3)


def test_variable_frame_rate_times_are_kept(tmp_path):
    import av

    path = tmp_path / "vfr.mkv"
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        s.codec_context.time_base = s.time_base = __import__("fractions").Fraction(1, 1000)
        for pts in [0, 33, 66, 200, 233, 500]:
            fr = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            fr.pts = pts
            fr.time_base = s.time_base
            for pkt in s.encode(fr):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    times = [round(t, 3) for _, t, _ in iter_frames(path)]
    assert times == [0.0, 0.033, 0.066, 0.2, 0.233, 0.5]


def test_missing_and_non_video(tmp_path):
    with pytest.raises(InputError, match="not found"):
        probe(tmp_path / "missing.mp4")
    fake = tmp_path / "fake.mp4"
    fake.write_text("this is not a video\n" * 50)
    with pytest.raises(InputError) as exc:
        probe(fake)
    assert "fake.mp4" in str(exc.value) and "\n" not in str(exc.value)
