"""The ``hemispasm emg`` commands: outputs, SYNTHETIC labels, one-line errors, no traceback."""

from __future__ import annotations

import json

import pandas as pd

from hemispasm.cli import main


def _one_line_error(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().startswith("error:")
    assert len(err.strip().splitlines()) <= 2  # Rich may soft-wrap; the message is one line
    return err


def test_lsr_command_writes_outputs(lsr_edf, tmp_path, capsys):
    path, _ = lsr_edf
    out = tmp_path / "out"
    assert main(["emg", "lsr", str(path), "--out", str(out)]) == 0
    sw = pd.read_csv(out / "sweeps.csv")
    assert {
        "sweep",
        "time_s",
        "channel",
        "present",
        "latency_ms",
        "amplitude_uv",
        "duration_ms",
        "confidence",
    } <= set(sw.columns)
    s = json.loads((out / "summary.json").read_text())
    assert s["lsr_channel"] == "Mentalis" and s["sweeps"] == 40
    assert s["lsr_disappeared"] and abs(s["disappearance_sweep"] - 25) <= 3
    assert s["synthetic"] is True and s["returned"] is False
    html = (out / "report.html").read_text()
    assert "SYNTHETIC DATA" in html and "does not diagnose" in html
    assert "data:image/png;base64" in html and "<script" not in html
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_bursts_command_writes_outputs(bursts_edf, tmp_path, capsys):
    path, _ = bursts_edf
    out = tmp_path / "b"
    assert main(["emg", "bursts", str(path), "--out", str(out)]) == 0
    b = pd.read_csv(out / "bursts.csv")
    assert {"channel", "onset_s", "offset_s", "duration_ms", "discharge_hz"} <= set(b.columns)
    s = json.loads((out / "summary.json").read_text())
    assert s["synchronous"] is True and s["synthetic"] is True
    assert "SYNTHETIC DATA" in (out / "report.html").read_text()


def test_simulate_commands(tmp_path, capsys):
    f = tmp_path / "s.edf"
    assert (
        main(
            [
                "emg",
                "simulate",
                "lsr",
                "--out",
                str(f),
                "--sweeps",
                "10",
                "--stimulus",
                "trigger",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    out = tmp_path / "o"
    assert main(["emg", "lsr", str(f), "--out", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text())["stimulus_source"] == "trigger"
    g = tmp_path / "b.edf"
    assert (
        main(["emg", "simulate", "bursts", "--out", str(g), "--duration", "10", "--independent"])
        == 0
    )
    assert "SYNTHETIC" in capsys.readouterr().out
    assert main(["emg", "simulate", "lsr", "--out", str(tmp_path / "x.csv")]) != 0
    _one_line_error(capsys)


def test_bad_inputs_exit_non_zero_with_one_line(tmp_path, lsr_edf, capsys):
    junk = tmp_path / "junk.edf"
    junk.write_bytes(b"0" * 300)
    out = tmp_path / "o"
    assert main(["emg", "lsr", str(junk), "--out", str(out)]) != 0
    assert "junk.edf" in _one_line_error(capsys)
    assert not out.exists() or not any(out.iterdir())

    path, _ = lsr_edf
    cut = tmp_path / "cut.edf"
    cut.write_bytes(path.read_bytes()[:-3000])
    assert main(["emg", "lsr", str(cut), "--out", str(out)]) != 0
    assert "truncated" in _one_line_error(capsys)

    csv = tmp_path / "slow.csv"
    pd.DataFrame({"time_s": [i / 500 for i in range(2000)], "Mentalis": 0.0}).to_csv(csv)
    assert main(["emg", "lsr", str(csv), "--out", str(out)]) != 0
    assert "too low" in _one_line_error(capsys)

    quiet = tmp_path / "quiet.csv"
    import numpy as np

    rng = np.random.default_rng(0)
    pd.DataFrame(
        {"Oculi": rng.standard_normal(20000), "Mentalis": rng.standard_normal(20000)}
    ).to_csv(quiet, index=False)
    assert main(["emg", "lsr", str(quiet), "--out", str(out), "--rate", "10000"]) != 0
    assert "no stimulus found" in _one_line_error(capsys)
    assert main(["emg", "bursts", str(quiet), "--out", str(out)]) != 0
    assert "no time column" in _one_line_error(capsys)
    assert main(["emg", "lsr", str(path), "--out", str(out), "--lsr-channel", "Nope"]) != 0
    _one_line_error(capsys)
    assert main(["emg", "lsr", str(tmp_path / "missing.edf"), "--out", str(out)]) != 0
    _one_line_error(capsys)
    assert main(["emg", "lsr", str(path), "--out", str(out), "--unit", "furlong"]) != 0
    assert "unknown unit" in _one_line_error(capsys)
    assert not out.exists() or not any(out.iterdir())
