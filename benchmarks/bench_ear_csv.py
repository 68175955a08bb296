"""Benchmark the EAR table reader against the naive approach, in the same run.

    python benchmarks/bench_ear_csv.py [--rows 1000000] [--no-write]

A JeFaPaTo-style CSV (``frame, EAR2D6_l, EAR2D6_r, EAR2D6_valid, BS_Valid``) of ``--rows``
rows is read, each way in a fresh Python process, measuring wall time and the peak resident
memory above the process's footprint after its imports:

* naive: ``pandas.read_csv(sep=None, engine="python")`` (separator sniffed by the Python
  engine; what hemispasm did before issue 10), then the same columns picked;
* hemispasm: :func:`hemispasm.signals_io.read_ear_table` (separator sniffed from the header,
  C engine, only the columns used, every value checked).

Prints a markdown table and writes it into the ``## EAR tables`` section of docs/benchmarks.md
(only that section is replaced). Figures depend on the machine and its load (printed).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"

CHILD = r"""
import resource, sys, time
import pandas as pd
from hemispasm.signals_io import read_ear_table
path, how = sys.argv[1], sys.argv[2]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
if how == "naive":
    raw = pd.read_csv(path, sep=None, engine="python")
    n = len(raw[["frame", "EAR2D6_l", "EAR2D6_r"]])
else:
    n = len(read_ear_table(path, fps=240.0))
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(n, dt, (peak - base) * 1024)
"""


def write_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    ear = 0.3 + 0.01 * rng.standard_normal((rows, 2))
    with open(path, "w") as fh:
        fh.write("frame,EAR2D6_l,EAR2D6_r,EAR2D6_valid,BS_Valid\n")
        for start in range(0, rows, 100_000):
            chunk = ear[start : start + 100_000]
            fh.write(
                "".join(
                    f"{start + i}, {a:.8f}, {b:.8f},True,True\n" for i, (a, b) in enumerate(chunk)
                )
            )


def run(path: Path, how: str) -> tuple[int, float, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), how], capture_output=True, text=True, check=True
    )
    n, dt, mem = out.stdout.split()
    return int(n), float(dt), float(mem)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "ear.csv"
        write_csv(path, args.rows)
        size = path.stat().st_size
        load = os.getloadavg()[0]
        results = {how: run(path, how) for how in ("naive", "hemispasm")}
    lines = [
        f"{args.rows:,} rows, file {size / 1e6:.1f} MB; {os.cpu_count()} cores, "
        f"load average {load:.1f} at the start.",
        "",
        "| reader | time (s) | peak memory above start (MB) | memory / file size |",
        "|---|---|---|---|",
    ]
    for how, label in (
        ("naive", 'naive: `read_csv(sep=None, engine="python")`'),
        ("hemispasm", "hemispasm `read_ear_table` (C engine, sniffed separator)"),
    ):
        n, dt, mem = results[how]
        assert n == args.rows
        lines.append(f"| {label} | {dt:.2f} | {mem / 1e6:.0f} | {mem / size:.1f}x |")
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        text = DOCS.read_text(encoding="utf-8")
        section = (
            "## EAR tables\n\n`python benchmarks/bench_ear_csv.py` (issue 10: the reader of "
            "eye-aspect-ratio CSVs).\n\n" + table + "\n"
        )
        if "## EAR tables" in text:
            text = re.sub(r"## EAR tables\n.*?(?=\n## |\Z)", section, text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + section
        DOCS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
