"""Benchmark the EMG CSV reader against the naive approach, in the same run.

    python benchmarks/bench_emg_csv.py [--rows 1000000] [--no-write]

Writes a SYNTHETIC continuous CSV (``time_s`` + 2 channels of Gaussian noise at 10 kHz), then
reads it in fresh child processes (so each peak RSS is its own):

* ``read_emg``: the header sniffed once (separator, encoding), pandas' C parser, the rate from
  the whole time span;
* naive: ``pandas.read_csv(sep=None, engine="python")`` (the csv.Sniffer on the whole file, the
  Python parser), ``to_numeric`` per column, the rate from the median interval — what the reader
  did before issue 10.

Prints a markdown table and writes it into the ``## EMG CSV reader`` section of
docs/benchmarks.md (only that section is replaced). Figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## EMG CSV reader"

OURS = """
import sys, time
from hemispasm.emg import read_emg
t = time.perf_counter(); rec = read_emg(sys.argv[1])
print(time.perf_counter() - t, repr(rec.sfreq))
"""
NAIVE = """
import sys, time
import numpy as np, pandas as pd
t = time.perf_counter()
df = pd.read_csv(sys.argv[1], sep=None, engine="python")
num = df.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
rate = 1.0 / float(np.median(np.diff(num[:, 0])))
print(time.perf_counter() - t, repr(rate))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    import pandas as pd

    rng = np.random.default_rng(0)
    n = args.rows
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "synthetic.csv"
        pd.DataFrame(
            {
                "time_s": np.arange(n) / 10_000.0,
                "Oculi": rng.standard_normal(n) * 10.0,
                "Mentalis": rng.standard_normal(n) * 10.0,
            }
        ).to_csv(path, index=False)
        size_mb = path.stat().st_size / 1e6
        load = os.getloadavg()[0]
        ours = _run_isolated(OURS, path)
        naive = _run_isolated(NAIVE, path)
    rows = [
        "| reader | seconds | peak RSS (MB) | rate found (Hz) |",
        "|---|---|---|---|",
        f"| `read_emg` (sniff header, C parser, span rate) | {ours[0]:.2f} | {ours[2]:.0f} | "
        f"{ours[1]} |",
        f'| naive (`sep=None, engine="python"`, median interval) | {naive[0]:.2f} | '
        f"{naive[2]:.0f} | {naive[1]} |",
    ]
    text = (
        f"{SECTION}\n\n`python benchmarks/bench_emg_csv.py --rows {n}`: a SYNTHETIC CSV of "
        f"{n} rows x 3 columns ({size_mb:.0f} MB, 10 kHz), each read in a fresh process, same "
        f"run. {platform.processor() or platform.machine()}, load average {load:.1f} "
        "(the machine was shared; re-run on a quiet one).\n\n" + "\n".join(rows) + "\n"
    )
    print(text)
    if not args.no_write:
        doc = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
        pat = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
        doc = pat.sub(text + "\n", doc) if pat.search(doc) else doc.rstrip() + "\n\n" + text
        DOCS.write_text(doc)


def _run_isolated(code: str, path: Path) -> tuple[float, str, float]:
    """Run ``code`` in a child that reports its own peak RSS (MB) after the read."""
    wrapped = (
        code + "\nimport resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapped, str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), out[1], float(out[2]) / 1024.0


if __name__ == "__main__":
    main()
