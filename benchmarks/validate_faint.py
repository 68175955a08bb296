"""Faint one-sided eyelid twitches (issue 15): recall per depth band, precision, false spasms.

SYNTHETIC test set, built at run time from the shared real clips (HEMISPASM_SHARED, never
copied): :func:`hemispasm.synth.paste.paste_video` pastes each clip's own real blink frames
onto one eye of its other frames (blink_2s_360p.mp4 and expressive_20s_360p.mp4). The pasted
videos and their MediaPipe signal tables are cached in ``--cache`` (outside the repository), so
a detector change re-runs from the signals in seconds.

Reported for the detector before the faint-twitch stage (``faint=False``, the previous
behaviour) and after (``faint=True``, the default), in the same run, on development seeds and
held-out seeds separately, plus the spasms called on the unmodified real clips and on the real
240-fps and 30-fps EAR series.

Run: ``nice -n 5 python benchmarks/validate_faint.py [--dev 0-5] [--held-out 100-105]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import pandas as pd

from hemispasm.events import analyze_signals
from hemispasm.events.validation import match_pairs
from hemispasm.synth.paste import BANDS, load_truth, paste_video

CLIPS = ("blink_2s_360p.mp4", "expressive_20s_360p.mp4")
EAR = (("blinking_240fps_60s.csv", 240.0), ("ear_30fps_1min.csv", 30.0))
SLACK_S = 0.1


def shared() -> Path:
    return Path(os.environ.get("HEMISPASM_SHARED", "../shared"))


def seeds_of(spec: str) -> list[int]:
    a, _, b = spec.partition("-")
    return list(range(int(a), int(b or a) + 1))


def signals_of(video: Path, cache: Path) -> tuple[pd.DataFrame, float]:
    """The MediaPipe signals table of a video, cached as parquet beside its fps."""
    from hemispasm.video.signals import video_signals

    pq, meta = cache / "signals.parquet", cache / "signals.json"
    if pq.exists() and meta.exists():
        return pd.read_parquet(pq), json.loads(meta.read_text())["fps"]
    sig = video_signals(video, workers=1)
    cache.mkdir(parents=True, exist_ok=True)
    sig.table.to_parquet(pq)
    meta.write_text(json.dumps({"fps": sig.meta.fps, "synthetic": sig.meta.synthetic}))
    return sig.table, float(sig.meta.fps)


def pasted(clip: str, seed: int, cache: Path):
    """(truth, table, fps) of one pasted clip, generated and analysed once."""
    d = cache / f"{Path(clip).stem}_seed{seed}"
    if not (d / "truth.json").exists():
        paste_video(shared() / "data" / "video" / clip, d, seed=seed, overwrite=True)
    table, fps = signals_of(d / "video.mp4", d / "signals")
    return load_truth(d / "truth.json"), table, fps


def band_name(lo: float, hi: float) -> str:
    if lo == BANDS[0][0]:
        return f"< {hi:.0%}"
    if hi == BANDS[-1][1]:
        return f"> {lo:.0%}"
    return f"{lo:.0%}-{hi:.0%}"


def score(items, faint: bool) -> dict:
    """Recall per band, precision and side over (truth, table, fps) items."""
    rows = {band_name(*b): [0, 0] for b in BANDS}
    det = tp = side_ok = 0
    missed = []
    for truth, table, fps in items:
        res = analyze_signals(table, fps=fps, synthetic=True, faint=faint)
        sp = res.spasms
        det += len(sp)
        pairs = match_pairs(truth.spasms, sp, slack_s=SLACK_S)
        hit = {id(tr) for tr, e in pairs if e.side == tr.side}
        tp += len(pairs)
        side_ok += len(hit)
        for tr in truth.spasms:
            lo, hi = next(b for b in BANDS if tr.depth < b[1] or b == BANDS[-1])
            r = rows[band_name(lo, hi)]
            r[0] += 1
            r[1] += id(tr) in hit
            if id(tr) not in hit:
                missed.append(f"{truth.clip} seed {truth.seed} {tr.side} {tr.start_s:.2f} s "
                              f"depth {tr.depth:.2f}")  # fmt: skip
    n = sum(r[0] for r in rows.values())
    found = sum(r[1] for r in rows.values())
    return {
        "bands": {k: f"{v[1]}/{v[0]}" for k, v in rows.items()},
        "recall": round(found / n, 3) if n else 1.0,
        "detected": det,
        "precision": round(side_ok / det, 3) if det else 1.0,
        "false": det - side_ok,
        "missed": missed,
    }


def real_counts(cache: Path, faint: bool) -> dict[str, str]:
    from hemispasm.signals_io import read_ear_table

    out = {}
    for clip in CLIPS:
        table, fps = signals_of(shared() / "data" / "video" / clip, cache / f"real_{clip}")
        res = analyze_signals(table, fps=fps, faint=faint)
        blinks = sum(e.kind == "blink" for e in res.events)
        out[clip] = f"{len(res.spasms)} spasms, {blinks} blinks"
    for name, fps in EAR:
        table = read_ear_table(shared() / "data" / "ear" / name, fps=fps)
        res = analyze_signals(table, fps=fps, faint=faint)
        out[name] = f"{len(res.spasms)} spasms"
    return out


def markdown(results: dict) -> str:
    bands = [band_name(*b) for b in BANDS]
    head = (
        "| detector | seeds | " + " | ".join(f"recall {b}" for b in bands)
        + " | recall | detected | precision | false spasms |\n"
        + "|---" * (len(bands) + 6) + "|\n"
    )  # fmt: skip
    rows = ""
    for (label, det), r in results["sets"].items():
        rows += (
            f"| {det} | {label} | " + " | ".join(r["bands"][b] for b in bands)
            + f" | {r['recall']:.3f} | {r['detected']} | {r['precision']:.3f} | {r['false']} |\n"
        )  # fmt: skip
    real = "".join(
        f"| {det} | " + " | ".join(v for v in counts.values()) + " |\n"
        for det, counts in results["real"].items()
    )
    names = list(next(iter(results["real"].values())))
    real_head = "| detector | " + " | ".join(names) + " |\n" + "|---" * (len(names) + 1) + "|\n"
    return head + rows + "\nUnmodified real recordings (no spasm in any):\n\n" + real_head + real


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", default="0-5", help="development seeds, e.g. 0-5")
    ap.add_argument("--held-out", default="100-105", help="held-out seeds, e.g. 100-105")
    ap.add_argument("--cache", type=Path, default=Path("/work/cache/faint"))
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    sets = {"development": seeds_of(args.dev), "held-out": seeds_of(args.held_out)}
    results: dict = {"sets": {}, "real": {}}
    for label, seeds in sets.items():
        items = [pasted(c, s, args.cache) for s in seeds for c in CLIPS]
        for faint in (False, True):
            det = "after (faint stage)" if faint else "before"
            results["sets"][(f"{label} {args.dev if label[0] == 'd' else args.held_out}", det)] = (
                score(items, faint)
            )
    for faint in (False, True):
        results["real"]["after (faint stage)" if faint else "before"] = real_counts(
            args.cache, faint
        )
    print(markdown(results))
    for (label, det), r in results["sets"].items():
        if r["missed"]:
            print(f"missed ({label}, {det}): " + "; ".join(r["missed"]))
    print(f"\n{time.perf_counter() - t0:.0f} s, load average {os.getloadavg()}")
    if args.json:
        args.json.write_text(
            json.dumps({f"{k[0]} | {k[1]}": v for k, v in results["sets"].items()}, indent=2)
        )


if __name__ == "__main__":
    main()
