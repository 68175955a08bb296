"""Benchmark: ``hemispasm batch`` against a shell loop of ``hemispasm analyze`` (issue 14).

The cohort: N SYNTHETIC clips from ``hemispasm synth`` (8 s, 640x480, 30 fps; made once and
kept in --clips) and 2 real shared clips (blink_2s_360p.mp4, expressive_20s_360p.mp4). In one
run, each command timed as a whole from the shell (start-up, model loading, outputs, reports):

1. a shell loop of ``hemispasm analyze FILE --out ... --quiet`` over the files;
2. ``hemispasm batch`` with 2 workers, then the same command again (everything done);
3. ``hemispasm batch`` with 1 worker.

Peak memory per worker is the kernel's peak RSS of each worker process (reported by the
worker itself), an upper bound of its own memory. The load average is printed beside each
figure: the machine may be shared. From the same run it prints the sizing of 100,000 one-minute
recordings (core-hours from the measured core-seconds per frame, memory per worker, storage of
the outputs). Usage::

    python benchmarks/bench_batch.py [--n-synth 12] [--clips DIR] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(os.environ.get("HEMISPASM_SHARED", Path(__file__).resolve().parents[2] / "shared"))
REAL = ["data/video/blink_2s_360p.mp4", "data/video/expressive_20s_360p.mp4"]
HEMISPASM = [sys.executable, "-c", "from hemispasm.cli import main; main()"]
RUN_BATCH = """
import json, sys
from hemispasm.batch import run_batch
r = run_batch([sys.argv[1]], sys.argv[2], workers=int(sys.argv[3]))
print(json.dumps({"succeeded": r.succeeded, "skipped": r.skipped, "failed": r.failed,
                  "frames": r.frames, "worker_peak_rss_mb": list(r.worker_peak_rss_mb.values())}))
"""


def load() -> float:
    return os.getloadavg()[0]


def make_clips(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for i in range(n):
        dest = folder / f"synth_{i:02d}.mp4"
        if not dest.exists():
            tmp = folder / f".s{i}"
            side = "left" if i % 2 == 0 else "right"
            subprocess.run(
                [
                    *HEMISPASM,
                    "synth",
                    "--out",
                    str(tmp),
                    "--seconds",
                    "8",
                    "--seed",
                    str(100 + i),
                    "--side",
                    side,
                    "--stage",
                    str(1 + i % 3),
                    "--quiet",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            (tmp / "video.mp4").rename(dest)
            shutil.rmtree(tmp)
        clips.append(dest)
    for rel in REAL:
        dest = folder / Path(rel).name
        if not dest.exists():
            shutil.copy(SHARED / rel, dest)
        clips.append(dest)
    return clips


def timed(cmd: list[str], **kw) -> tuple[float, float, float, str]:
    l0 = load()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, check=False, capture_output=True, text=True, **kw)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd[:6])}\n{p.stderr[-2000:]}")
    return dt, l0, load(), p.stdout


def folder_bytes(out: Path) -> dict[str, list[int]]:
    sizes: dict[str, list[int]] = {}
    for d in out.iterdir():
        if d.is_dir() and not d.name.startswith("."):
            for f in d.iterdir():
                sizes.setdefault(f.name, []).append(f.stat().st_size)
    return sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-synth", type=int, default=12)
    ap.add_argument(
        "--clips", type=Path, default=Path(tempfile.gettempdir()) / "hemispasm-bench-batch"
    )
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    clips = make_clips(args.clips / f"cohort{args.n_synth}", args.n_synth)
    cohort = clips[0].parent
    work = Path(tempfile.mkdtemp(prefix="hemispasm-bench-"))
    res: dict = {"clips": len(clips), "cores": os.cpu_count(), "load_start": load()}
    try:
        exe = shutil.which("hemispasm")
        if exe is None:
            sys.exit("the hemispasm command is not on PATH (pip install 'hemispasm[all]')")
        loop = (
            f'i=0; for f in "{cohort}"/*.mp4; do "{exe}" analyze "$f" --out "{work}/loop/$i" '
            "--quiet || exit 1; i=$((i+1)); done"
        )
        res["loop"] = timed(["bash", "-c", loop])[:3]
        dt, l0, l1, out = timed(
            [sys.executable, "-c", RUN_BATCH, str(cohort), str(work / "b2"), "2"]
        )
        res["batch2"] = (dt, l0, l1)
        res["batch2_info"] = json.loads(out.strip().splitlines()[-1])
        dt, l0, l1, out = timed(
            [sys.executable, "-c", RUN_BATCH, str(cohort), str(work / "b2"), "2"]
        )
        res["rerun"] = (dt, l0, l1)
        res["rerun_info"] = json.loads(out.strip().splitlines()[-1])
        dt, l0, l1, out = timed(
            [sys.executable, "-c", RUN_BATCH, str(cohort), str(work / "b1"), "1"]
        )
        res["batch1"] = (dt, l0, l1)
        res["batch1_info"] = json.loads(out.strip().splitlines()[-1])
        res["sizes"] = folder_bytes(work / "b2")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))


def report(res: dict) -> None:
    frames = res["batch2_info"]["frames"]
    loop, b2, b1, rr = res["loop"][0], res["batch2"][0], res["batch1"][0], res["rerun"][0]
    peak = max(res["batch2_info"]["worker_peak_rss_mb"] + res["batch1_info"]["worker_peak_rss_mb"])
    print(f"cohort: {res['clips']} recordings, {frames} frames, {res['cores']} cores")
    print("| run | wall s | frames/s | load avg (1 min) before → after |")
    print("|---|---|---|---|")
    for name, key in (
        ("shell loop of `hemispasm analyze`", "loop"),
        ("`hemispasm batch`, 2 workers", "batch2"),
        ("`hemispasm batch`, 1 worker", "batch1"),
        ("rerun, all done (2 workers)", "rerun"),
    ):
        dt, l0, l1 = res[key]
        fps = f"{frames / dt:.1f}" if key != "rerun" else "–"
        print(f"| {name} | {dt:.1f} | {fps} | {l0:.1f} → {l1:.1f} |")
    print(f"\nbatch (2 workers) vs shell loop: {loop / b2:.2f}x (target >= 2.0x)")
    print(f"workers 1 vs 2: {b1 / b2:.2f}x (target >= 1.8x)")
    print(f"rerun: {100 * rr / b2:.1f}% of the first run (target < 5%)")
    print(f"peak RSS per worker: {peak:.0f} MB (target < 500 MB)")
    # sizing of 100,000 one-minute recordings at 30 fps, from this run's 2-worker batch
    core_s_per_frame = b2 * res["cores"] / frames
    n_frames = 100_000 * 60 * 30
    sizes = res["sizes"]
    per_frame = sum(sizes["signals.parquet"]) / frames  # signals.parquet grows with frames
    fixed = sum(sum(v) / len(v) for k, v in sizes.items() if k != "signals.parquet")
    storage_gb = 100_000 * (fixed + per_frame * 1800) / 1e9
    print(
        f"\ncore-seconds per frame (2-worker batch, whole command): "
        f"{core_s_per_frame * 1000:.2f} ms"
    )
    print(
        f"100,000 x 1 min at 30 fps = {n_frames:.2e} frames: "
        f"{n_frames * core_s_per_frame / 3600:,.0f} core-hours; peak RSS per worker {peak:.0f} MB; "
        f"outputs {storage_gb:,.0f} GB ({per_frame:.0f} B/frame signals.parquet + "
        f"{fixed / 1e3:.0f} kB/recording other files)"
    )
    res["derived"] = {
        "core_s_per_frame": core_s_per_frame,
        "peak_rss_mb": peak,
        "bytes_per_frame": per_frame,
        "fixed_bytes": fixed,
        "storage_gb": storage_gb,
    }


if __name__ == "__main__":
    main()
