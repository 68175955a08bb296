"""Events from real face videos (shared clips, real face model): no false spasms."""

from __future__ import annotations

from hemispasm.events import analyze_signals
from hemispasm.video import video_signals


def test_blink_clip_one_blink_no_spasm(shared, face_model):
    sig = video_signals(shared("data/video/blink_2s_360p.mp4"), model=face_model)
    a = analyze_signals(sig.table, fps=sig.meta.fps)
    assert [str(e.kind) for e in a.events] == ["blink"]
    ev = a.events[0]
    assert ev.side == "both" and 0.8 < ev.start_s < 1.05  # frames 26-30 at 30 fps


def test_expressive_clip_at_most_one_spasm(shared, face_model):
    sig = video_signals(shared("data/video/expressive_20s_360p.mp4"), model=face_model)
    a = analyze_signals(sig.table, fps=sig.meta.fps)
    assert len(a.spasms) <= 1
    assert a.summary.blink_count >= 3  # real blinks are still found during the expressions


def test_face_leaving_is_face_lost(shared, face_model):
    sig = video_signals(shared("data/video/face_then_noface_6s.mov"), model=face_model)
    a = analyze_signals(sig.table, fps=sig.meta.fps)
    assert "face_lost" in {str(e.kind) for e in a.events}
    assert not a.spasms
