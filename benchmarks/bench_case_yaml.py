"""Benchmark reading a large case file: libyaml's CSafeLoader against PyYAML's pure-Python
SafeLoader (the naive approach), in the same run, and the full ``load_case`` (read + natural
wording + validation).

    python benchmarks/bench_case_yaml.py [--treatments 6000] [--repeats 5] [--no-write]

The case is SYNTHETIC: one left-sided HFS history with N botulinum toxin sessions in natural
wording ("25 U", "good, lasted 12 weeks"), just under the 1 MB limit at the default N. Prints a
markdown table and writes it into the ``## Clinic case files`` section of docs/benchmarks.md
(only that section is replaced).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import tempfile
import time
from pathlib import Path

import yaml

from hemispasm.clinic import load_case

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADING = "## Clinic case files"


def synthetic_case(n: int) -> str:
    """A SYNTHETIC case YAML with ``n`` toxin sessions written in natural wording."""
    lines = [
        "# SYNTHETIC benchmark case",
        "case_id: BENCH-1",
        "side: left",
        "first_muscle: orbicularis oculi",
        "triggers: stress, smiling",
        "treatments:",
    ]
    day = dt.date(2000, 1, 3)
    for i in range(n):
        d = day + dt.timedelta(days=i % 9000)
        lines.append(
            f"  - {{type: Botox, date: {d.isoformat()}, doses: {20 + i % 5} U, "
            f"response: 'good, lasted {10 + i % 6} weeks', side_effects: [droopy eyelid]}}"
        )
    return "\n".join(lines) + "\n"


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--treatments", type=int, default=6000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    text = synthetic_case(args.treatments)
    size_kb = len(text.encode()) / 1000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.yaml"
        path.write_text(text, encoding="utf-8")
        naive = _best(lambda: yaml.load(text, Loader=yaml.SafeLoader), args.repeats)
        fast = _best(lambda: yaml.load(text, Loader=yaml.CSafeLoader), args.repeats)
        full = _best(lambda: load_case(path), args.repeats)
    load = os.getloadavg()
    rows = [
        "| step | time | vs naive |",
        "|---|---|---|",
        f"| parse, PyYAML SafeLoader (naive) | {naive * 1000:.0f} ms | 1.0x |",
        f"| parse, libyaml CSafeLoader (used) | {fast * 1000:.0f} ms | {naive / fast:.1f}x |",
        f"| `load_case` (CSafeLoader + wording + validation) | {full * 1000:.0f} ms | "
        f"{naive / full:.1f}x |",
    ]
    note = (
        f"SYNTHETIC case of {args.treatments} toxin sessions in natural wording, {size_kb:.0f} kB "
        f"(the limit is 1 MB: larger files are refused before parsing); best of {args.repeats}; "
        f"{platform.python_implementation()} {platform.python_version()}, PyYAML "
        f"{yaml.__version__}; load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} on "
        f"{os.cpu_count()} cores (`python benchmarks/bench_case_yaml.py`)."
    )
    table = "\n".join(rows)
    print(table)
    print(note)
    if not args.no_write:
        section = f"{HEADING}\n\n{note}\n\n{table}\n"
        doc = DOCS.read_text(encoding="utf-8")
        if HEADING in doc:
            doc = re.sub(
                rf"{re.escape(HEADING)}\n.*?(?=\n## |\Z)", section.rstrip("\n"), doc, flags=re.S
            )
            doc = doc if doc.endswith("\n") else doc + "\n"
        else:
            doc = doc.rstrip("\n") + "\n\n" + section
        DOCS.write_text(doc, encoding="utf-8")


if __name__ == "__main__":
    main()
