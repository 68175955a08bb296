"""Write the event-detection validation on real EAR series into docs/validation.md.

Run: ``python benchmarks/validate_events.py [--seeds 100]`` (needs ../shared or HEMISPASM_SHARED).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from hemispasm.events.validation import scores_markdown, validate
from hemispasm.signals_io import read_ear_table

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEMISPASM_SHARED", REPO.parent / "shared"))
SECTION = "## Event detection on real EAR series with injected spasms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=100)
    args = ap.parse_args()
    files = [("blinking_240fps_60s.csv", 240.0), ("ear_30fps_1min.csv", 30.0)]
    series = [(read_ear_table(SHARED / "data/ear" / f, fps=fps), fps) for f, fps in files]
    scores = validate(series, seeds=args.seeds)
    table = scores_markdown(scores, seeds=args.seeds, names=[f for f, _ in files])
    text = (
        f"{SECTION}\n\n`python benchmarks/validate_events.py --seeds {args.seeds}` — "
        f"{dt.date.today()}. Real two-eye series from JeFaPaTo's tests (real blinks, no "
        "spasm) with one-sided spasms injected (SYNTHETIC spasms on REAL series; "
        "kinematics in docs/events.md). The naive detector thresholds each eye alone.\n\n"
        f"{table}\n"
    )
    print(text)
    doc = REPO / "docs" / "validation.md"
    old = doc.read_text(encoding="utf-8") if doc.exists() else "# Validation\n\n"
    if SECTION in old:
        a = old.index(SECTION)
        b = old.find("\n## ", a + 5)
        new = old[:a] + text + (old[b + 1 :] if b != -1 else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    tmp = doc.with_suffix(".tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, doc)


if __name__ == "__main__":
    main()
