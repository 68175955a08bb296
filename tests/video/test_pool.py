"""A pooled face model (one per batch worker) gives the same signals as a fresh one."""

from __future__ import annotations

import numpy as np
import pytest

from hemispasm.video import pool
from hemispasm.video.signals import video_signals


@pytest.fixture
def fresh_pool(monkeypatch):
    p = pool.DetectorPool()
    monkeypatch.setattr(pool, "_POOL", p)
    yield p
    p.close()


def _table(path, model, max_faces=2):
    return video_signals(path, model=model, workers=1, max_faces=max_faces).table


@pytest.mark.parametrize("max_faces", [1, 2])
def test_pooled_model_matches_fresh_model(shared, face_model, monkeypatch, max_faces):
    blink = shared("data/video/blink_2s_360p.mp4")
    other = shared("data/video/office_2s_1080p.mp4")
    monkeypatch.setattr(pool, "_POOL", None)
    fresh = _table(blink, face_model, max_faces)
    p = pool.DetectorPool()
    monkeypatch.setattr(pool, "_POOL", p)
    try:
        _table(other, face_model, max_faces)  # another face, elsewhere in the frame, first
        reused = _table(blink, face_model, max_faces)
        # two faces (the default): the second recording reused the model; one face: MediaPipe
        # smooths over time with no reset, so each recording gets a fresh model
        assert p.created == (1 if max_faces > 1 else 2)
    finally:
        p.close()
    cols = ["ear_left", "ear_right", "yaw_deg", "zygomaticus_left", "bs_eyeBlinkLeft"]
    assert np.array_equal(fresh["face"].to_numpy(), reused["face"].to_numpy())
    np.testing.assert_array_equal(fresh[cols].to_numpy(), reused[cols].to_numpy())


def test_failed_recording_does_not_return_its_model(face_model, fresh_pool):
    with pytest.raises(RuntimeError), fresh_pool.borrow(face_model, 2):
        raise RuntimeError("boom")
    with fresh_pool.borrow(face_model, 2):
        pass
    assert fresh_pool.created == 2
