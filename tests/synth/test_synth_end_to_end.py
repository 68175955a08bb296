"""End to end from pixels: synthetic video → hemispasm analyze → events vs truth."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hemispasm.cli import main
from hemispasm.pipeline import analyze
from hemispasm.synth import synth_video
from hemispasm.synth.demo import evaluate

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("stage", "side", "seed", "face"),
    [(2, "left", 1, "astronaut"), (3, "right", 2, "hopper"), (0, "right", 4, "astronaut")],
)
def test_pixels_to_grade(tmp_path, face_model, stage, side, seed, face):
    syn = synth_video(
        tmp_path / "syn", side=side, stage=stage, seconds=15, seed=seed, face=face,
        model=face_model,
    )  # fmt: skip
    truth = json.loads(syn.truth.read_text())
    assert truth["synthetic"] is True and truth["stage"] == stage and truth["face"] == face
    assert truth["n_frames"] == 450
    res = analyze(syn.video, tmp_path / "out", model=face_model)
    assert res.signals.meta.synthetic  # read back from the video's metadata
    assert res.summary.synthetic
    assert "SYNTHETIC" in res.files["report.html"].read_text()
    assert pd.read_csv(res.files["events.csv"])["synthetic"].all()
    c = evaluate(syn.script, res.summary, res.analysis.events)
    if stage == 0:
        assert c.detected_spasms == 0 and res.summary.affected_side == "none"
    else:
        assert c.f1 >= 0.95, c
        assert c.side_correct == c.matched_spasms and res.summary.affected_side == side
        assert abs(c.estimated_stage - stage) <= 1
    assert c.blink_f1 >= 0.9


def test_synth_cli_and_bad_inputs(tmp_path, face_model, capsys):
    out = tmp_path / "s"
    code = main(["synth", "--side", "right", "--stage", "1", "--seconds", "6", "--seed", "3",
                 "--out", str(out), "--model", str(face_model), "--quiet"])  # fmt: skip
    assert code == 0
    assert (out / "video.mp4").stat().st_size > 10_000
    assert json.loads((out / "truth.json").read_text())["side"] == "right"
    assert "SYNTHETIC" in capsys.readouterr().out

    bad = tmp_path / "bad"
    code = main(["synth", "--side", "up", "--out", str(bad), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "--side" in err and "Traceback" not in err

    code = main(["synth", "--face", str(tmp_path / "missing.jpg"), "--seconds", "6",
                 "--out", str(bad), "--model", str(face_model), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "missing.jpg" in err and "not found" in err
    assert not bad.exists() or not any(bad.iterdir())  # nothing half-written

    blocked = tmp_path / "file"
    blocked.write_text("x")
    code = main(["synth", "--seconds", "6", "--out", str(blocked / "sub"),
                 "--model", str(face_model), "--quiet"])  # fmt: skip
    assert code == 2 and "output" in capsys.readouterr().err
    code = main(["demo", "--out", str(blocked / "sub"), "--model", str(face_model), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot create the output folder" in err and "Traceback" not in err


def test_demo_command(tmp_path, face_model, capsys):
    out = tmp_path / "demo"
    code = main(["demo", "--out", str(out), "--model", str(face_model), "--quiet"])
    text = capsys.readouterr().out
    assert code == 0
    assert "truth vs detected" in text and "SYNTHETIC" in text and "report.html" in text
    comp = json.loads((out / "comparison.json").read_text())
    assert comp["synthetic"] is True
    assert comp["f1"] >= 0.95 and comp["estimated_side"] == "left"
    assert (out / "analysis" / "report.html").exists()
