"""Benchmark hemispasm.emg against the naive approach, in the same run.

    python benchmarks/bench_emg.py [--hours 1.0] [--sweeps 600] [--no-write]

* Bursts: one hour of 4-channel EMG at 10 kHz (SYNTHETIC, float32) through ``emg_bursts``
  (chunked, vectorised TKEO + double threshold). Naive: the same TKEO / moving average /
  threshold as a per-sample Python loop, timed on 20 s of one channel and extrapolated
  (marked as such).
* LSR: ``emg_lsr`` on SYNTHETIC sweeps (vectorised over sweeps) against a per-sweep,
  per-channel, per-lag Python implementation of the same artifact fit and matched filter.

Prints a markdown table and writes it into the ``## EMG`` section of docs/benchmarks.md
(only that section is replaced). Figures depend on the machine; the lead re-runs them on a
quiet one.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from pathlib import Path

import numpy as np

from hemispasm.emg import emg_bursts, emg_lsr, emg_simulate_bursts, emg_simulate_lsr
from hemispasm.emg.lsr import LsrParams

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def naive_bursts(x: np.ndarray, sfreq: float) -> int:
    """Per-sample Python loop: TKEO, rectification, moving average, threshold, onsets."""
    n = len(x)
    k = int(0.005 * sfreq)
    e = [0.0] * n
    for i in range(1, n - 1):
        e[i] = abs(x[i] * x[i] - x[i - 1] * x[i + 1])
    s = 0.0
    env = [0.0] * n
    for i in range(n):
        s += e[i]
        if i >= k:
            s -= e[i - k]
        env[i] = s / k
    srt = sorted(env)
    med = srt[n // 2]
    thr = med * 10
    onsets, on = 0, False
    for v in env:
        if v > thr and not on:
            onsets += 1
            on = True
        elif v <= thr:
            on = False
    return onsets


def naive_lsr(rec, res, p: LsrParams) -> int:
    """Per-sweep, per-channel loops: baseline, exponential-tail fit, per-lag correlation."""
    sf = rec.sfreq
    n_pre, n_post = round(-p.tmin_ms * 1e-3 * sf), round(p.tmax_ms * 1e-3 * sf)
    stim = np.round(np.array([a.onset for a in rec.annotations]) * sf).astype(int)
    found = 0
    for s0 in stim:
        for ch in res.channels:
            x = np.array(rec.channel(ch)[s0 - n_pre : s0 + n_post], dtype=float)
            x -= x[: n_pre - 3].mean()
            b = n_pre + round(p.blank_ms * 1e-3 * sf)
            nfit = round(p.tail_fit_ms * 1e-3 * sf)
            best, best_a, best_tau = np.inf, 0.0, 1.0
            for tau in (0.0002, 0.0003, 0.0005, 0.0008, 0.0012, 0.002, 0.003):
                g = [np.exp(-i / sf / tau) for i in range(nfit)]
                a = sum(x[b + i] * g[i] for i in range(nfit)) / sum(v * v for v in g)
                r = sum((x[b + i] - a * g[i]) ** 2 for i in range(nfit))
                if r < best:
                    best, best_a, best_tau = r, a, tau
            for i in range(b, len(x)):
                x[i] -= best_a * np.exp(-(i - b) / sf / best_tau)
            tpl = res.templates[ch]["lsr"]
            if tpl is None:
                continue
            h, on = tpl["waveform"], tpl["onset"]
            shift = round(p.max_shift_ms * 1e-3 * sf)
            c_best = -np.inf
            for lag in range(-shift, shift + 1):
                c = sum(x[on + lag + i] * h[i] for i in range(len(h)))
                c_best = max(c_best, c)
            found += c_best > 0
    return found


def bench_bursts(hours: float) -> list[tuple[str, str, str, str]]:
    dur = hours * 3600.0
    t0 = time.perf_counter()
    sim = emg_simulate_bursts(duration_s=dur, snr=6, dtype=np.float32, seed=1)
    gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = emg_bursts(sim.recording)
    fast = time.perf_counter() - t0
    seg = np.asarray(sim.recording.data[0, : int(20 * sim.recording.sfreq)], dtype=float)
    t0 = time.perf_counter()
    naive_bursts(seg.tolist(), sim.recording.sfreq)
    naive_20s = time.perf_counter() - t0
    naive_est = naive_20s * (dur / 20.0) * sim.recording.data.shape[0]
    label = f"{hours:g} h, 4 ch, 10 kHz ({len(res.bursts)} bursts; simulated in {gen:.1f} s)"
    return [
        ("bursts: emg_bursts (chunked, vectorised)", label, f"{fast:.2f} s", "1x"),
        (
            "bursts: per-sample Python loop",
            label + ", extrapolated from 20 s of 1 channel",
            f"{naive_est:.0f} s",
            f"{naive_est / fast:.0f}x slower",
        ),
    ]


def bench_lsr(n_sweeps: int) -> list[tuple[str, str, str, str]]:
    sim = emg_simulate_lsr(n_sweeps=n_sweeps, snr=5, interval_s=0.5, seed=2)
    emg_lsr(sim.recording)  # warm-up (imports)
    t0 = time.perf_counter()
    res = emg_lsr(sim.recording)
    fast = time.perf_counter() - t0
    n_naive = min(60, n_sweeps)
    sub = emg_simulate_lsr(n_sweeps=n_naive, snr=5, interval_s=0.5, seed=2).recording
    t0 = time.perf_counter()
    naive_lsr(sub, res, LsrParams())
    naive = (time.perf_counter() - t0) / n_naive
    return [
        (
            "LSR: emg_lsr (vectorised over sweeps)",
            f"{n_sweeps} sweeps, 2 ch, 10 kHz",
            f"{fast / n_sweeps * 1e3:.3f} ms/sweep",
            "1x",
        ),
        (
            "LSR: per-sweep Python loops",
            f"{n_naive} sweeps, 2 ch, 10 kHz",
            f"{naive * 1e3:.1f} ms/sweep",
            f"{naive / (fast / n_sweeps):.0f}x slower",
        ),
    ]


def table(rows: list[tuple[str, str, str, str]]) -> str:
    head = "| task | input | time | vs hemispasm |\n|---|---|---|---|\n"
    return head + "".join(f"| {a} | {b} | {c} | {d} |\n" for a, b, c, d in rows)


def write_section(md: str) -> None:
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    section = "## EMG\n\n" + md.rstrip() + "\n"
    pat = re.compile(r"^## EMG\n.*?(?=^## |\Z)", re.S | re.M)
    if pat.search(text):
        text = pat.sub(lambda _m: section + "\n", text, count=1)
    else:
        text = text.rstrip() + "\n\n" + section
    tmp = DOCS.with_name(f".{DOCS.name}.{os.getpid()}.tmp")
    tmp.write_text(text.rstrip() + "\n", encoding="utf-8")
    os.replace(tmp, DOCS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--sweeps", type=int, default=600)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows = bench_lsr(args.sweeps) + bench_bursts(args.hours)
    cpu = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    md = (
        f"`python benchmarks/bench_emg.py` — {time.strftime('%Y-%m-%d')}, {cpu}, "
        f"Python {platform.python_version()}. Targets (issue 5): bursts for 1 h of 4-channel "
        "10 kHz EMG < 10 s; LSR < 1 ms per sweep. SYNTHETIC inputs.\n\n" + table(rows)
    )
    print(md)
    if not args.no_write:
        write_section(md)


if __name__ == "__main__":
    main()
