"""``hemispasm analyze`` and ``hemispasm models`` through the CLI: outputs and every bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hemispasm.cli import main


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:"), err
    assert "Traceback" not in err
    return err


def test_analyze_blink_clip(shared, face_model, tmp_path, capsys):
    out = tmp_path / "out"
    clip = shared("data/video/blink_2s_360p.mp4")
    assert (
        main(
            [
                "analyze",
                str(clip),
                "--out",
                str(out),
                "--model",
                str(face_model),
                "--csv",
                "--quiet",
            ]
        )
        == 0
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == ["events.csv", "report.html", "signals.csv", "signals.parquet", "summary.json"]
    t = pd.read_parquet(out / "signals.parquet")
    assert len(t) == 72 and len(pd.read_csv(out / "signals.csv")) == 72
    for side in ("left", "right"):
        ear = t[f"ear_{side}"].to_numpy()
        assert ear[26:31].min() < 0.6 * np.median(ear)
    events = pd.read_csv(out / "events.csv")
    assert {"start_s", "end_s", "side", "kind", "regions", "amplitude", "confidence"} <= set(
        events.columns
    )
    assert (events["kind"] == "blink").sum() == 1
    assert not events["synthetic"].any()  # a real recording
    assert not events["kind"].isin(["clonic", "tonic"]).any()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["signals_meta"]["n_frames"] == 72
    import pyarrow.parquet as pq

    meta = json.loads(pq.read_schema(out / "signals.parquet").metadata[b"hemispasm"])
    assert meta["provenance"]["model_sha256"].startswith("64184e22")


def test_analyze_json_prints_summary(shared, tmp_path, capsys):
    ear = shared("data/ear/ear_30fps_1min.csv")
    assert main(["analyze", str(ear), "--fps", "30", "--out", str(tmp_path / "o"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["signals_meta"]["source"] == "ear_table"


@pytest.mark.parametrize(
    ("make", "expect"),
    [
        (lambda d: d / "missing.mp4", "file not found"),
        (
            lambda d: (d / "fake.mp4").write_text("not a video\n" * 100) and d / "fake.mp4",
            "not a readable video",
        ),
    ],
)
def test_analyze_bad_files(make, expect, tmp_path, capsys):
    src = make(tmp_path)
    out = tmp_path / "out"
    code = main(["analyze", str(src), "--out", str(out)])
    assert code != 0
    err = _one_line_error(capsys)
    assert expect in err and src.name in err
    assert not out.exists() or not any(out.iterdir())


def test_analyze_no_face_writes_nothing(shared, face_model, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    code = main(
        [
            "analyze",
            str(shared("data/video/no_face.mp4")),
            "--out",
            str(out),
            "--model",
            str(face_model),
            "--quiet",
        ]
    )
    assert code == 3
    assert "no face" in _one_line_error(capsys)
    assert list(out.iterdir()) == []


def test_analyze_zero_frames(tmp_path, face_model, capsys):
    from video_helpers import write_video

    empty = write_video(tmp_path / "empty.mp4", [])
    assert (
        main(
            [
                "analyze",
                str(empty),
                "--out",
                str(tmp_path / "o"),
                "--model",
                str(face_model),
                "--quiet",
            ]
        )
        != 0
    )
    assert "no video" in _one_line_error(capsys)


def test_analyze_unwritable_out(shared, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code = main(
        [
            "analyze",
            str(shared("data/ear/ear_30fps_1min.csv")),
            "--fps",
            "30",
            "--out",
            str(blocker / "out"),
        ]
    )
    assert code != 0
    assert "output folder" in _one_line_error(capsys)


def test_analyze_truncated_warns(shared, face_model, tmp_path, capsys):
    from video_helpers import transcode

    full = transcode(shared("data/video/blink_2s_360p.mp4"), tmp_path / "full.mkv")
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: int(full.stat().st_size * 0.5)])
    assert (
        main(["analyze", str(cut), "--out", str(tmp_path / "o"), "--model", str(face_model)]) == 0
    )
    assert "could not be decoded" in capsys.readouterr().err


def test_wrong_model_file(shared, tmp_path, capsys):
    bad = tmp_path / "model.task"
    bad.write_bytes(b"0" * 100)
    assert (
        main(
            [
                "analyze",
                str(shared("data/video/blink_2s_360p.mp4")),
                "--out",
                str(tmp_path / "o"),
                "--model",
                str(bad),
            ]
        )
        != 0
    )
    assert "SHA-256" in _one_line_error(capsys)


def test_models_status_and_path(face_model, monkeypatch, capsys):
    monkeypatch.setenv("HEMISPASM_FACE_MODEL", str(face_model))
    assert main(["models", "status"]) == 0
    assert "HEMISPASM_FACE_MODEL" in capsys.readouterr().out
    assert main(["models", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(face_model)
