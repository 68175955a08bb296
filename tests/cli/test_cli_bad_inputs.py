"""Issue 10: bad inputs of analyze, synth, demo and validate-ear: one line, exit 2, no --out left
behind, and the worker count capped to the cores."""

from __future__ import annotations

import os

import pytest

from hemispasm.cli import main

HEAD = "frame,EAR2D6_l,EAR2D6_r\n"


def _err_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error:") and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("text", "expect"),
    [("", "empty"), (HEAD, "no rows"), (HEAD + "0,0.3,0.3\n", "too short")],
)
def test_validate_ear_empty_or_one_row(tmp_path, capsys, text, expect):
    p = tmp_path / "ear.csv"
    p.write_text(text)
    assert main(["validate-ear", str(p), "--fps", "30", "--seeds", "1"]) == 2
    assert expect in _err_line(capsys)


def test_validate_ear_out_existing_folder(shared, tmp_path, capsys):
    ear = shared("data/ear/ear_30fps_1min.csv")
    folder = tmp_path / "results"
    folder.mkdir()
    args = ["validate-ear", str(ear), "--fps", "30", "--seeds", "1", "--out", str(folder)]
    assert main(args) == 2
    assert "existing folder, not a file" in _err_line(capsys)
    assert list(folder.iterdir()) == []


def test_synth_and_demo_refuse_a_used_folder(tmp_path, capsys, face_model):
    out = tmp_path / "o"
    out.mkdir()
    (out / "holiday.jpg").write_text("x")
    for cmd in (["synth", "--seconds", "5"], ["demo"]):
        assert main([*cmd, "--out", str(out), "--model", str(face_model)]) == 2
        assert "not empty" in _err_line(capsys)  # one line: no progress bar before it
        assert main([*cmd, "--out", str(out), "--model", str(face_model), "-q", "--overwrite"]) == 2
        assert "holiday.jpg" in _err_line(capsys)
    assert [p.name for p in out.iterdir()] == ["holiday.jpg"]


def test_one_frame_video_is_too_short(tmp_path, face_model, capsys, shared):
    from video_helpers import transcode

    one = transcode(shared("data/video/blink_2s_360p.mp4"), tmp_path / "one.mp4", max_frames=1)
    out = tmp_path / "o"
    assert main(["analyze", str(one), "--out", str(out), "--model", str(face_model), "-q"]) == 2
    assert "too short" in _err_line(capsys)
    assert not out.exists()


def test_workers_capped_to_the_cores(shared, face_model):
    from hemispasm.video import video_signals

    sig = video_signals(shared("data/video/blink_2s_360p.mp4"), model=face_model, workers=64)
    assert sig.meta.provenance.parameters["workers"] == min(64, os.cpu_count() or 1)
    assert len(sig.table) == 72
