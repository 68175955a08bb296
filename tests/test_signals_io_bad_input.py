"""Issue 10: bad or impossible EAR and signals tables get one line, never a traceback or a
confident result; synthetic labels survive re-analysis; big CSVs are read without 15x memory."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from hemispasm.cli import main
from hemispasm.errors import InputError
from hemispasm.signals_io import read_ear_table, read_signals_table

HEAD = "frame,EAR2D6_l,EAR2D6_r\n"


def _rows(n: int, ear: str = "0.3", start: int = 0) -> str:
    return "".join(f"{i},{ear},{ear}\n" for i in range(start, n))


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("", "empty"),
        ("\n\n", "empty"),
        (HEAD + "x,0.3,0.3\n" + _rows(40, start=1), "frame"),  # non-numeric frame
        (HEAD + "0,0.3,0.3\n2,0.3,0.3\n1,0.3,0.3\n" + _rows(40, start=3), "increase"),
        (HEAD + "0,abc,0.3\n" + _rows(40, start=1), "not a number"),
        (HEAD + "0,-5,0.3\n" + _rows(40, start=1), "impossible"),
        (HEAD + "0,1e30,0.3\n" + _rows(40, start=1), "impossible"),
        (HEAD + "0,inf,0.3\n" + _rows(40, start=1), "impossible"),
        (HEAD + "0,0.3,0.3\n", "too short"),
        (HEAD + _rows(5), "too short"),
        ("\x00\x01\x02binary", "not a text table"),
    ],
)
def test_bad_ear_tables_one_line(tmp_path, text, expect):
    p = tmp_path / "ear.csv"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_ear_table(p, fps=30)
    assert expect in str(exc.value) and "ear.csv" in str(exc.value)


@pytest.mark.parametrize("fps", [1e-9, 1e9, -30, float("nan"), float("inf")])
def test_impossible_fps(tmp_path, fps):
    p = tmp_path / "ear.csv"
    p.write_text(HEAD + _rows(60))
    with pytest.raises(InputError, match="fps"):
        read_ear_table(p, fps=fps)


def test_semicolon_and_tab_separators(tmp_path):
    for sep in (";", "\t"):
        p = tmp_path / "ear.csv"
        p.write_text((HEAD + _rows(60)).replace(",", sep))
        t = read_ear_table(p, fps=30)
        assert len(t) == 60 and t["face"].all()


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("time_s,ear_left,ear_right\n0,0.3,0.3\n", "too short"),
        ("time_s,ear_left,ear_right\n" + "0,0.3,0.3\n" * 40, "increase"),
        ("time_s,ear_left,ear_right\nzero,0.3,0.3\n1,0.3,0.3\n", "not a number"),
        ("time_s,ear_left,ear_right\n0,0.3,0.3\n1,7,0.3\n2,0.3,0.3\n", "impossible"),
    ],
)
def test_bad_signals_csv_one_line(tmp_path, text, expect):
    p = tmp_path / "signals.csv"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_signals_table(p)
    assert expect in str(exc.value) and "signals.csv" in str(exc.value)


@pytest.mark.parametrize(
    "args",
    [
        ["--fps", "1e-9"],
        ["--fps", "1e9"],
        ["--fps", "-30"],
    ],
)
def test_analyze_impossible_fps_cli(tmp_path, capsys, args):
    p = tmp_path / "ear.csv"
    p.write_text(HEAD + _rows(60))
    out = tmp_path / "o"
    assert main(["analyze", str(p), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1 and "fps" in err
    assert not out.exists()


def test_reanalysing_synthetic_signals_keeps_the_label(shared, tmp_path):
    from hemispasm.pipeline import analyze, write_signals_parquet
    from hemispasm.video import load_signals

    sig = load_signals(shared("data/ear/ear_30fps_1min.csv"), fps=30)
    meta = sig.meta.model_copy(update={"synthetic": True})
    src = tmp_path / "signals.parquet"
    write_signals_parquet(sig.table, meta, src)
    res = analyze(src, tmp_path / "again")
    assert res.signals.meta.synthetic
    assert pd.read_csv(tmp_path / "again" / "events.csv")["synthetic"].all()
    summary = json.loads((tmp_path / "again" / "summary.json").read_text())
    assert summary["signals_meta"]["synthetic"] is True


def test_big_ear_csv_memory_is_bounded(tmp_path):
    n = 200_000
    rng = np.random.default_rng(0)
    ear = 0.3 + 0.01 * rng.standard_normal((n, 2))
    p = tmp_path / "big.csv"
    with open(p, "w") as fh:
        fh.write("frame,EAR2D6_l,EAR2D6_r,EAR2D6_valid,BS_Valid\n")
        for i in range(n):
            fh.write(f"{i}, {ear[i, 0]:.8f}, {ear[i, 1]:.8f},True,True\n")
    size = p.stat().st_size
    tracemalloc.start()
    t = read_ear_table(p, fps=240)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(t) == n
    assert peak < 3 * size, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
