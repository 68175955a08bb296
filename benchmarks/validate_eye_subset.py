"""Eye-spasm figures on a subset of the synthetic videos of docs/validation.md (issue 15's
before/after check on a loaded machine): stages 1-4, one side, one seed, the same 30-s
protocol as ``validate_synth.py`` (whose full run gives the "before" per-video figures).

Run: ``python benchmarks/validate_eye_subset.py [--side left] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from hemispasm.pipeline import analyze
from hemispasm.synth import synth_video
from hemispasm.synth.demo import evaluate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", default="left")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    face = "astronaut" if args.seed % 2 == 0 else "hopper"
    with tempfile.TemporaryDirectory() as tmp:
        for stage in (1, 2, 3, 4):
            t0 = time.perf_counter()
            d = Path(tmp) / str(stage)
            syn = synth_video(d, side=args.side, stage=stage, seconds=args.seconds,
                              seed=args.seed, face=face)  # fmt: skip
            res = analyze(syn.video, d / "out")
            c = evaluate(syn.script, res.summary, res.analysis.events)
            row = dict(stage=stage, side=args.side, seed=args.seed, face=face, **c.model_dump(),
                       seconds=round(time.perf_counter() - t0, 1))  # fmt: skip
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
