"""``hemispasm.pipeline.analyze`` called from Python (the CLI's one call)."""

from __future__ import annotations

import json

import pytest

from hemispasm.errors import InputError
from hemispasm.pipeline import analyze


def test_analyze_ear_table_from_python(shared, tmp_path):
    out = tmp_path / "out"
    result = analyze(shared("data/ear/blinking_240fps_60s.csv"), out, fps=240, write_csv=True)
    assert set(result.files) == {
        "signals.parquet",
        "events.csv",
        "summary.json",
        "report.html",
        "signals.csv",
    }
    assert all(p.is_file() for p in result.files.values())
    assert result.summary.blink_count == 7 and result.summary.affected_side == "none"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["signals_meta"]["source"] == "ear_table"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_analyze_bad_input_leaves_out_dir_empty(tmp_path):
    out = tmp_path / "out"
    bad = tmp_path / "ear.csv"
    bad.write_text("frame,left,right\n0,0.3,0.3\n")
    with pytest.raises(InputError):
        analyze(bad, out, fps=30)
    assert not out.exists()  # issue 10 item 16: a failing run does not create --out
    out.mkdir()
    with pytest.raises(InputError):
        analyze(bad, out, fps=30)
    assert list(out.iterdir()) == []
