"""Issue 15 end to end from pixels (SYNTHETIC): a lower-face-onset spasm without eye closure
is found on the right side, its regions exclude the eye, its onset is the lips; a protocol
video carries its task sidecar into the summary."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hemispasm.cli import main

pytestmark = pytest.mark.slow


def test_lower_onset_right_spasm_from_pixels(tmp_path, face_model):
    syn, out = tmp_path / "syn", tmp_path / "a"
    assert main(["synth", "--onset", "lower", "--side", "right", "--stage", "2", "--seed", "3",
                 "--seconds", "10", "--out", str(syn), "--model", str(face_model),
                 "--quiet"]) == 0  # fmt: skip
    truth = json.loads((syn / "truth.json").read_text())
    assert truth["onset"] == "lower" and truth["true_pattern"] == "unilateral"
    assert main(["analyze", str(syn / "video.mp4"), "--out", str(out), "--model",
                 str(face_model), "--quiet"]) == 0  # fmt: skip
    ev = pd.read_csv(out / "events.csv", keep_default_na=False)
    sp = ev[ev["kind"].isin(["clonic", "tonic"])]
    assert len(sp) >= 1 and set(sp["side"]) == {"right"}
    assert all("orbicularis_oculi" not in r.split(";") for r in sp["regions"])
    assert set(sp["onset_region"]) == {"orbicularis_oris"}
    assert set(sp["babinski2"]) == {""}  # no eye closure: not measurable
    s = json.loads((out / "summary.json").read_text())
    assert s["affected_side"] == "right" and s["pattern"]["pattern"] == "unilateral"
    assert s["sides"]["right"]["lower_face_only_count"] == len(sp)
    html = (out / "report.html").read_text()
    assert "onset region" in html and "Pattern:" in html


def test_issue15_done_when_command(tmp_path, face_model):
    """The issue's own command, in full (30 s, the default face): every one of its right-sided
    spasms is found, the eye-free ones without the eye in their regions, each with the lips as
    its onset region, and no spasm is called that is not there."""
    syn, out = tmp_path / "D", tmp_path / "A"
    assert main(["synth", "--onset", "lower", "--side", "right", "--stage", "2", "--seed", "3",
                 "--out", str(syn), "--model", str(face_model), "--quiet"]) == 0  # fmt: skip
    assert main(["analyze", str(syn / "video.mp4"), "--out", str(out), "--model",
                 str(face_model), "--quiet"]) == 0  # fmt: skip
    truth = [e for e in json.loads((syn / "truth.json").read_text())["events"]
             if e["kind"] in ("clonic", "tonic")]  # fmt: skip
    ev = pd.read_csv(out / "events.csv", keep_default_na=False)
    sp = ev[ev["kind"].isin(["clonic", "tonic"])]
    assert len(truth) == 5 and len(sp) == len(truth) and set(sp["side"]) == {"right"}
    for tr in truth:
        hit = sp[(sp["start_s"] < tr["end_s"]) & (sp["end_s"] > tr["start_s"])]
        assert len(hit) == 1, tr
        regions = hit.iloc[0]["regions"].split(";")
        assert ("orbicularis_oculi" in regions) == ("orbicularis_oculi" in tr["regions"])
        assert hit.iloc[0]["onset_region"] == "orbicularis_oris"
    s = json.loads((out / "summary.json").read_text())
    assert s["sides"]["right"]["onset_region"] == "orbicularis_oris"
    assert s["pattern"]["pattern"] == "unilateral"


def test_bad_whole_face_synth_options(tmp_path, capsys):
    for argv in (["--onset", "middle"], ["--pattern", "tic"], ["--side", "up"]):
        code = main(["synth", *argv, "--out", str(tmp_path / "x"), "--quiet"])
        err = capsys.readouterr().err
        assert code == 2 and argv[0] in err and "Traceback" not in err
        assert not (tmp_path / "x").exists()


def test_protocol_video_carries_its_tasks(tmp_path, face_model):
    syn, out = tmp_path / "syn", tmp_path / "a"
    assert main(["synth", "--protocol", "--side", "left", "--stage", "2", "--seed", "4",
                 "--seconds", "12", "--out", str(syn), "--model", str(face_model),
                 "--quiet"]) == 0  # fmt: skip
    tasks = json.loads((syn / "video.tasks.json").read_text())
    assert [t["task"] for t in tasks][:2] == ["rest", "reading_aloud"] and tasks[-1]["end_s"] == 12
    assert main(["analyze", str(syn / "video.mp4"), "--out", str(out), "--model",
                 str(face_model), "--quiet"]) == 0  # fmt: skip
    s = json.loads((out / "summary.json").read_text())
    assert s["tasks"]["source"] == "video.tasks.json"
    assert [r["task"] for r in s["tasks"]["segments"]] == [t["task"] for t in tasks]
    assert "Provocation tasks" in (out / "report.html").read_text()
