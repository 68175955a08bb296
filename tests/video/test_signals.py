"""Per-frame signals from real clips (shared data) with the real face model."""

from __future__ import annotations

import numpy as np
import pytest
from video_helpers import transcode, write_video

from hemispasm.errors import InputError, NoFaceError
from hemispasm.schema import signal_columns
from hemispasm.video import load_signals, video_signals
from hemispasm.video.landmarker import BS_COLUMNS


def test_blink_clip_rows_and_blink_in_both_eyes(shared, face_model):
    sig = video_signals(shared("data/video/blink_2s_360p.mp4"), model=face_model, workers=1)
    t = sig.table
    assert len(t) == 72 and list(t["frame"]) == list(range(72))
    assert set(signal_columns()) <= set(t.columns) and set(BS_COLUMNS) <= set(t.columns)
    assert t["face"].all() and sig.meta.face_visible_fraction == 1.0
    for side in ("left", "right"):
        ear = t[f"ear_{side}"].to_numpy()
        closed = ear[26:31].min()
        assert closed < 0.6 * np.median(ear), side
        assert ear[:20].min() > 0.6 * np.median(ear), side  # open before the blink
        ap = t[f"aperture_{side}"].to_numpy()
        assert ap[26:31].min() < 0.6 * np.median(ap), side
    # the blink shows in the blendshapes of both eyes as well
    assert t["bs_eyeBlinkLeft"].iloc[26:31].max() > 2 * t["bs_eyeBlinkLeft"].median()
    assert (
        sig.meta.provenance.model_sha256 and sig.meta.provenance.input_name == "blink_2s_360p.mp4"
    )
    assert not sig.meta.synthetic


def test_face_leaving_frame_keeps_rows(shared, face_model):
    sig = video_signals(shared("data/video/face_then_noface_6s.mov"), model=face_model)
    t = sig.table
    assert (~t["face"]).sum() > 10 and t["face"].sum() > 10
    assert t.loc[~t["face"], "ear_left"].isna().all()
    assert np.all(np.diff(t["time_s"]) > 0)


def test_parallel_segments_match_one_process(shared, face_model):
    path = shared("data/video/expressive_20s_360p.mp4")
    one = video_signals(path, model=face_model, workers=1).table
    two = video_signals(path, model=face_model, workers=2).table
    assert len(one) == len(two) == 472
    assert np.allclose(one["time_s"], two["time_s"])
    diff = np.abs(one["ear_left"] - two["ear_left"])
    assert np.nanmedian(diff) < 0.01  # same tracking away from the join, settled at it


def test_no_face_anywhere(shared, face_model):
    with pytest.raises(NoFaceError) as exc:
        video_signals(shared("data/video/no_face.mp4"), model=face_model)
    assert "no_face.mp4" in str(exc.value) and "no face" in str(exc.value)


def test_truncated_file_analyses_what_decodes(shared, face_model, tmp_path, caplog):
    full = transcode(shared("data/video/blink_2s_360p.mp4"), tmp_path / "full.mkv")
    cut = tmp_path / "cut.mkv"
    data = full.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.5)])
    sig = video_signals(cut, model=face_model)
    assert 5 < len(sig.table) < 72
    assert sig.meta.frames_lost > 0
    assert any("could not be decoded" in r.message for r in caplog.records)


def test_zero_frames(tmp_path, face_model):
    path = write_video(tmp_path / "empty.mp4", [])
    with pytest.raises(InputError) as exc:
        video_signals(path, model=face_model)
    assert "empty.mp4" in str(exc.value) and "no video" in str(exc.value)


def test_gray_video_has_no_face(gray_video, face_model):
    with pytest.raises(NoFaceError):
        load_signals(gray_video, model=face_model)


def test_ear_csv_needs_fps(shared):
    with pytest.raises(InputError, match="--fps"):
        load_signals(shared("data/ear/ear_30fps_1min.csv"))
