"""Readers of non-video tables: JeFaPaTo EAR CSV and signals tables, with their bad inputs."""

from __future__ import annotations

import pytest

from hemispasm.cli import main
from hemispasm.errors import InputError
from hemispasm.signals_io import read_ear_table, read_signals_table


def test_read_jefapato(shared):
    t = read_ear_table(shared("data/ear/blinking_240fps_60s.csv"), fps=240)
    assert len(t) == 14401 and t["face"].all()
    assert t["time_s"].iloc[-1] == pytest.approx(60.0)


@pytest.mark.parametrize(
    ("text", "fps", "expect"),
    [
        ("frame,EAR2D6_l,EAR2D6_r\n0,0.3,0.3\n", None, "--fps"),
        ("frame,EAR2D6_l,EAR2D6_r\n0,0.3,0.3\n", 0, "--fps"),
        ("frame,left,right\n0,0.3,0.3\n", 30, "EAR2D6_l"),
        ("frame,EAR2D6_l,EAR2D6_r\n", 30, "no rows"),
        ("frame,EAR2D6_l,EAR2D6_r,EAR2D6_valid\n0,0.3,0.3,False\n", 30, "no valid"),
    ],
)
def test_bad_ear_tables(tmp_path, text, fps, expect):
    p = tmp_path / "ear.csv"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_ear_table(p, fps=fps)
    assert expect in str(exc.value) and "ear.csv" in str(exc.value)


def test_signals_table_roundtrip_and_errors(tmp_path, shared, capsys):
    out = tmp_path / "o"
    ear = shared("data/ear/blinking_240fps_60s.csv")
    assert main(["analyze", str(ear), "--fps", "240", "--out", str(out), "--quiet"]) == 0
    t = read_signals_table(out / "signals.parquet")
    assert len(t) == 14401
    # re-analysis from the signals table gives the same events
    assert (
        main(["analyze", str(out / "signals.parquet"), "--out", str(tmp_path / "o2"), "--quiet"])
        == 0
    )
    assert (out / "events.csv").read_text() == (tmp_path / "o2" / "events.csv").read_text()
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="Parquet"):
        read_signals_table(bad)
    nocol = tmp_path / "x.csv"
    nocol.write_text("time_s,a\n0,1\n")
    with pytest.raises(InputError, match="ear_left"):
        read_signals_table(nocol)
