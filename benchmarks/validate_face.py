"""Whole-face validation on SYNTHETIC videos and the real shared clips (issue 15).

Run: ``python benchmarks/validate_face.py [--seeds 1] [--first-seed 0] [--seconds 20]
[--out FILE.md]`` (needs the face model and ``HEMISPASM_SHARED``). For every kind of recording
(lower-face onset, Babinski-2 on and off, bilateral asynchronous HFS, blepharospasm-like,
expressions) and three faces (astronaut, hopper, and a frame of the real shared blink clip: a
third person), it renders a video, analyses it with ``hemispasm.pipeline.analyze`` and scores:
lower-face spasm F1 and onset region, Babinski-2 per event and per recording, the pattern, and
spasms in expression videos. Then the real clips: spasms and blinks found.

The expensive part is rendering and MediaPipe; detection on a signals table takes well under a
second. So the validation is split in two (a cache OUTSIDE the repository, ``--cache DIR`` or
``$HEMISPASM_CACHE``, default ``/work/cache/face2``; its entries are keyed by a hash of the
synthesis and signal-extraction sources, so a rig change re-renders):

- ``--render --set dev|heldout --seeds N --first-seed S``: render every (kind, face, seed)
  once, extract the signals once, keep ``signals.parquet`` + ``truth.json`` (the video is
  deleted);
- ``--evaluate --set dev|heldout``: run the event detector and summary on every cached
  signals table of that set and score it (seconds for the whole set). The development set
  is what the detector's thresholds were tuned on; the held-out set is evaluated once, at
  the end, and reported separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from hemispasm.events.validation import match_pairs
from hemispasm.pipeline import analyze
from hemispasm.synth import synth_video

SHARED = Path(os.environ.get("HEMISPASM_SHARED", "../shared"))
KINDS = {
    "lower": dict(onset="lower", stage=2),
    "b2_on": dict(stage=2, babinski2=True),
    "b2_off": dict(stage=3, babinski2=False),
    "both": dict(side="both", stage=2),
    "blepharospasm": dict(pattern="blepharospasm", stage=0),
    "expressions": dict(pattern="expressions", stage=0),
}


def third_face(tmp: Path) -> Path:
    """A frame of the real shared blink clip (another person), written to ``tmp``."""
    import av
    from PIL import Image

    with av.open(str(SHARED / "data/video/blink_2s_360p.mp4")) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="rgb24")
    dest = tmp / "person.png"
    Image.fromarray(frame).save(dest)
    return dest


#: ``--quick``: one face per kind except the lower-face onset (all three), for a loaded machine.
QUICK = {
    "lower": ("astronaut", "hopper", "person"),
    "b2_on": ("astronaut", "person"),
    "b2_off": ("hopper",),
    "both": ("person",),
    "blepharospasm": ("astronaut",),
    "expressions": ("hopper", "person"),
}


CACHE = Path(os.environ.get("HEMISPASM_CACHE", "/work/cache/face2"))
FACES = ("astronaut", "hopper", "person")


#: Modules of those folders that do not take part in rendering these videos (the own-blink paste
#: generator of the faint-twitch benchmark).
_NOT_RENDERING = {"paste.py"}


@functools.cache
def source_key() -> str:
    """Hash of the sources that decide what a cached signals table holds (synthesis, video
    measures and signal extraction): a change to any of them makes a new cache folder."""
    import hemispasm

    root = Path(hemispasm.__file__).parent
    h = hashlib.sha256()
    for sub in ("synth", "video"):
        for f in sorted((root / sub).glob("*.py")):
            if f.name in _NOT_RENDERING:
                continue
            h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:12]


def entry_dir(cache: Path, set_name: str, kind: str, face: str, seed: int) -> Path:
    return cache / source_key() / set_name / f"{kind}_{face}_{seed}"


def render_set(
    cache: Path, set_name: str, seeds: int, first_seed: int, seconds: float,
    kinds: list[str] | None = None, faces: list[str] | None = None,
) -> None:  # fmt: skip
    """Render and extract the signals of every (kind, face, seed) not yet in the cache."""
    from hemispasm.pipeline import write_signals_parquet
    from hemispasm.video import load_signals

    with tempfile.TemporaryDirectory() as tmp:
        person = third_face(Path(tmp))
        for seed in range(first_seed, first_seed + seeds):
            for kind in kinds or list(KINDS):
                for fname in faces or FACES:
                    dest = entry_dir(cache, set_name, kind, fname, seed)
                    if (dest / "signals.parquet").exists():
                        continue
                    kw = KINDS[kind]
                    side = kw.get("side", "right" if seed % 2 == 0 else "left")
                    args = {k: v for k, v in kw.items() if k != "side"}
                    face = person if fname == "person" else fname
                    work = Path(tmp) / f"{kind}{fname}{seed}"
                    t0 = time.perf_counter()
                    syn = synth_video(
                        work, side=side, seconds=seconds, seed=seed, face=face, **args
                    )
                    sig = load_signals(syn.video)
                    part = dest.with_name(dest.name + ".part")
                    part.mkdir(parents=True, exist_ok=True)
                    write_signals_parquet(sig.table, sig.meta, part / "signals.parquet")
                    shutil.copy(syn.truth, part / "truth.json")
                    shutil.rmtree(work)
                    if dest.exists():
                        shutil.rmtree(dest)
                    part.rename(dest)
                    took = round(time.perf_counter() - t0, 1)
                    info = dict(set=set_name, kind=kind, face=fname, seed=seed, seconds=took)
                    print(json.dumps({**info, "load": os.getloadavg()[0]}), flush=True)


def load_truth(path: Path):
    from hemispasm.synth.script import Script

    raw = json.loads(path.read_text())
    return Script.model_validate({k: v for k, v in raw.items() if k in Script.model_fields})


def evaluate_set(cache: Path, set_name: str) -> list[dict]:
    """Detect and score every cached signals table of ``set_name`` (no rendering)."""
    from hemispasm.events import analyze_signals
    from hemispasm.video import load_signals

    rows = []
    root = cache / source_key() / set_name
    for d in sorted(root.glob("*_*_*")):
        if d.name.endswith(".part") or not (d / "signals.parquet").exists():
            continue
        kind, fname, seed = d.name.rsplit("_", 2)
        sig = load_signals(d / "signals.parquet")
        analysis = analyze_signals(sig.table, fps=sig.meta.fps, synthetic=True)
        rows.append(score(kind, fname, int(seed), load_truth(d / "truth.json"), analysis))
    return rows


def run(seeds: int, first_seed: int, seconds: float, quick: bool = False) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        faces = {"astronaut": "astronaut", "hopper": "hopper", "person": third_face(Path(tmp))}
        for kind, kw in KINDS.items():
            for fname, face in faces.items():
                if quick and fname not in QUICK[kind]:
                    continue
                for seed in range(first_seed, first_seed + seeds):
                    side = kw.get("side", "right" if seed % 2 == 0 else "left")
                    args = {k: v for k, v in kw.items() if k != "side"}
                    d = Path(tmp) / f"{kind}{fname}{seed}"
                    t0 = time.perf_counter()
                    syn = synth_video(d, side=side, seconds=seconds, seed=seed, face=face, **args)
                    res = analyze(syn.video, d / "out")
                    rows.append(score(kind, fname, seed, syn.script, res.analysis))
                    rows[-1]["seconds"] = round(time.perf_counter() - t0, 1)
                    print(json.dumps(rows[-1]), flush=True)
    return rows


def score(kind: str, face: str, seed: int, script, analysis) -> dict:
    truth = [e for e in script.events if e.is_spasm]
    found = [e for e in analysis.events if e.is_spasm]
    pairs = match_pairs(truth, found, slack_s=0.1)
    s = analysis.summary
    b2 = []  # (true, detected) per matched eye-closing spasm
    for a, b in pairs:
        if a.babinski2 is not None:
            b2.append((a.babinski2, b.babinski2))
    sides = [script.side] if script.side in ("left", "right") else ["left", "right"]
    obs = [s.sides[x].other_babinski_sign for x in sides]
    return dict(
        kind=kind,
        face=face,
        seed=seed,
        side=script.side,
        true_spasms=len(truth),
        detected=len(found),
        matched=len(pairs),
        side_right=sum(a.side == b.side for a, b in pairs),
        lower_true=sum("orbicularis_oculi" not in e.regions for e in truth),
        onset_right=sum(a.onset_region == b.onset_region for a, b in pairs),
        onset_lower_group=sum(
            (a.onset_region != "orbicularis_oculi") == (b.onset_region != "orbicularis_oculi")
            for a, b in pairs
        ),
        b2_tp=sum(t and d is True for t, d in b2),
        b2_fn=sum(t and d is not True for t, d in b2),
        b2_tn=sum((not t) and d is False for t, d in b2),
        b2_fp=sum((not t) and d is True for t, d in b2),
        b2_unmeasured=sum(d is None for _, d in b2),
        b2_true_present=bool(script.babinski2 and any(e.babinski2 for e in truth)),
        b2_present=any(o is not None and o.present for o in obs),
        pattern_true=script.true_pattern,
        pattern=s.pattern.pattern,
        affected=s.affected_side,
    )


def real_clips(cache: Path | None = None) -> list[dict]:
    """Spasms and blinks on the real shared clips; with ``cache``, their signals are
    extracted once and kept there (``<cache>/<source key>/real/<clip>/signals.parquet``)."""
    from hemispasm.events import analyze_signals
    from hemispasm.pipeline import write_signals_parquet
    from hemispasm.video import load_signals

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("blink_2s_360p.mp4", "expressive_20s_360p.mp4"):
            if cache is None:
                s = analyze(SHARED / "data/video" / name, Path(tmp) / name).summary
            else:
                dest = cache / source_key() / "real" / name / "signals.parquet"
                if not dest.exists():
                    sig = load_signals(SHARED / "data/video" / name)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    write_signals_parquet(sig.table, sig.meta, dest)
                sig = load_signals(dest)
                an = analyze_signals(sig.table, fps=sig.meta.fps)
                s = an.summary
            out.append(
                dict(
                    clip=name,
                    spasms=sum(d.spasm_count for d in s.sides.values()),
                    blinks=s.blink_count,
                    pattern=s.pattern.pattern,
                    lower_face_only=sum(d.lower_face_only_count for d in s.sides.values()),
                )
            )
            print(json.dumps(out[-1]), flush=True)
    return out


def _f1(t: int, d: int, m: int) -> tuple[float, float, float]:
    p = m / d if d else 1.0
    r = m / t if t else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def markdown(rows: list[dict], real: list[dict], *, title: str) -> str:
    lines = [title, ""]
    lines.append(
        "| kind | videos | true spasms | detected | matched | precision | recall | F1 "
        "| onset region right | pattern right | Babinski-2 present right |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in KINDS:
        rs = [r for r in rows if r["kind"] == kind]
        if not rs:
            continue
        t, d, m = (sum(r[k] for r in rs) for k in ("true_spasms", "detected", "matched"))
        p, rc, f1 = _f1(t, d, m)
        on = sum(r["onset_right"] for r in rs)
        pat = sum(r["pattern"] == r["pattern_true"] for r in rs)
        b2 = sum(r["b2_present"] == r["b2_true_present"] for r in rs)
        lines.append(
            f"| {kind} | {len(rs)} | {t} | {d} | {m} | {p:.3f} | {rc:.3f} | {f1:.3f} "
            f"| {on}/{m} | {pat}/{len(rs)} | {b2}/{len(rs)} |"
        )
    tp, fn, tn, fp = (sum(r[k] for r in rows) for k in ("b2_tp", "b2_fn", "b2_tn", "b2_fp"))
    un = sum(r["b2_unmeasured"] for r in rows)
    sens = tp / (tp + fn) if tp + fn else float("nan")
    spec = tn / (tn + fp) if tn + fp else float("nan")
    lines += [
        "",
        f"Babinski-2 per matched eye-closing spasm: sensitivity {sens:.3f} ({tp}/{tp + fn}), "
        f"specificity {spec:.3f} ({tn}/{tn + fp}); not measured {un}.",
        "",
        "Pattern mistakes: "
        + (
            "; ".join(
                f"{r['kind']} {r['face']} seed {r['seed']}: {r['pattern']} "
                f"(truth {r['pattern_true']})"
                for r in rows
                if r["pattern"] != r["pattern_true"]
            )
            or "none"
        )
        + ".",
        "",
        "Real shared clips (no spasm): "
        + "; ".join(
            f"{c['clip']}: {c['spasms']} spasm(s), {c['blinks']} blink(s), pattern {c['pattern']}"
            for c in real
        )
        + ".",
    ]
    return "\n".join(lines) + "\n"


def figure(runs: dict[str, list[dict]], dest: Path) -> None:
    """Per kind: spasm F1 (kinds with spasms) and the share of recordings whose pattern is
    right; then the lower-onset spasms' onset region, Babinski-2 per-event sensitivity and
    specificity and per-recording ``present``; one bar per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    kinds = list(KINDS)
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(14, 3.8))
    measures = ("onset region\n(lower onset)", "Babinski-2\nsensitivity", "Babinski-2\nspecificity",
                "Babinski-2\npresent")  # fmt: skip
    w = 0.8 / max(len(runs), 1)
    for k, (name, rows) in enumerate(runs.items()):
        f1, pat = [], []
        for kind in kinds:
            rs = [r for r in rows if r["kind"] == kind]
            t, d, m = (sum(r[x] for r in rs) for x in ("true_spasms", "detected", "matched"))
            f1.append(_f1(t, d, m)[2] if rs else np.nan)
            pat.append(np.mean([r["pattern"] == r["pattern_true"] for r in rs]) if rs else np.nan)
        x = np.arange(len(kinds)) + k * w
        a1.bar(x, f1, w, label=name)
        a2.bar(x, pat, w, label=name)
        low = [r for r in rows if r["kind"] == "lower"]
        tp, fn, tn, fp = (sum(r[x] for r in rows) for x in ("b2_tp", "b2_fn", "b2_tn", "b2_fp"))
        vals = [
            sum(r["onset_right"] for r in low) / max(1, sum(r["matched"] for r in low)),
            tp / max(1, tp + fn),
            tn / max(1, tn + fp),
            np.mean([r["b2_present"] == r["b2_true_present"] for r in rows]),
        ]
        a3.bar(np.arange(len(measures)) + k * w, vals, w, label=name)
    for ax, title in ((a1, "spasm F1 (expressions: 0 = false spasms)"), (a2, "pattern right")):
        ax.set_xticks(np.arange(len(kinds)) + 0.4 - w / 2, kinds, rotation=30, fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_title(title + " — SYNTHETIC", fontsize=9)
    a3.set_xticks(np.arange(len(measures)) + 0.4 - w / 2, measures, fontsize=8)
    a3.set_ylim(0, 1.05)
    a3.set_title("onset and Babinski-2 — SYNTHETIC", fontsize=9)
    a3.axhline(0.9, color="r", lw=0.8, ls="--")
    a1.axhline(0.95, color="r", lw=0.8, ls="--")
    a2.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(dest, dpi=100)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--out", type=Path, help="Write the markdown table into this file.")
    ap.add_argument("--json", type=Path, help="Write the per-video rows as JSON.")
    ap.add_argument("--quick", action="store_true", help="Fewer faces per kind (QUICK).")
    ap.add_argument(
        "--figure", nargs="+", metavar="NAME=ROWS.json", help="Only draw the figure of runs."
    )
    ap.add_argument("--figure-out", type=Path, default=Path("docs/img/face_validation.png"))
    ap.add_argument("--cache", type=Path, default=CACHE, help="Cache folder (outside the repo).")
    ap.add_argument("--set", default="dev", help="Cache set: dev or heldout.")
    ap.add_argument("--render", action="store_true", help="Render + extract into the cache.")
    ap.add_argument("--evaluate", action="store_true", help="Detect + score from the cache.")
    ap.add_argument("--kinds", nargs="+", choices=list(KINDS), help="Only these kinds.")
    ap.add_argument("--faces", nargs="+", choices=list(FACES), help="Only these faces.")
    ap.add_argument("--no-real", action="store_true", help="Skip the real shared clips.")
    args = ap.parse_args()
    if args.render:
        render_set(args.cache, args.set, args.seeds, args.first_seed, args.seconds,
                   args.kinds, args.faces)  # fmt: skip
        return
    if args.evaluate:
        rows = evaluate_set(args.cache, args.set)
        real = [] if args.no_real else real_clips(args.cache)
        n_seeds = len({r["seed"] for r in rows})
        md = markdown(
            rows,
            real,
            title=f"`python benchmarks/validate_face.py --evaluate --set {args.set}` — "
            f"{dt.date.today()}, {len(rows)} cached SYNTHETIC videos ({n_seeds} seeds, faces "
            f"{', '.join(sorted({r['face'] for r in rows}))}), load average "
            f"{os.getloadavg()[0]:.1f}.",
        )
        print(md)
        if args.out:
            args.out.write_text(md, encoding="utf-8")
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
        return
    if args.figure:
        runs = {
            n: json.loads(Path(f).read_text()) for n, f in (a.split("=", 1) for a in args.figure)
        }
        figure(runs, args.figure_out)
        return
    real = real_clips()
    rows = run(args.seeds, args.first_seed, args.seconds, args.quick)
    seeds = f"{args.first_seed}-{args.first_seed + args.seeds - 1}"
    md = markdown(
        rows,
        real,
        title=f"`python benchmarks/validate_face.py --seeds {args.seeds} --first-seed "
        f"{args.first_seed} --seconds {args.seconds:g}{' --quick' if args.quick else ''}` — "
        f"{dt.date.today()}, seeds {seeds}; "
        f"SYNTHETIC videos, faces astronaut / hopper / a frame of the real blink clip.",
    )
    print(md)
    if args.out:
        args.out.write_text(md, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
