"""Per-sweep delay of ``emg monitor`` (LSL, this machine) vs re-reading the whole recording.

Usage::

    python benchmarks/bench_lsr_monitor.py [--sweeps 60] [--speed 1]

A SYNTHETIC recording (2 EMG channels at 10 kHz, one stimulus every 0.5 s) is streamed by
:func:`hemispasm.emg.live.replay` (loopback LSL, machine scope) and read by
:func:`hemispasm.emg.live.monitor`. The delay of a sweep is the time from the moment the
monitor pulled the chunk that completed the sweep (its last sample, 50 ms after the stimulus)
to the moment its rows were written to sweeps.csv (cleaning, matched filter, state, CSV
flush). The first reading comes when the baseline (10 sweeps) is complete and reads them
together: reported apart. Not included: LSL transport (chunks of 10 ms) and the 50 ms of the
sweep itself.

The naive approach, in the same run: a monitor that re-runs the offline ``emg_lsr`` on
everything received so far each time a sweep arrives (its delay is one ``emg_lsr`` call on
the first k sweeps).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from hemispasm.emg import emg_lsr, emg_simulate_lsr
from hemispasm.emg.io import EmgRecording
from hemispasm.emg.live import monitor, replay


def crop(rec: EmgRecording, n_sweeps: int, interval_s: float) -> EmgRecording:
    """The recording up to 60 ms after its ``n_sweeps``-th stimulus."""
    ann = sorted(rec.annotations, key=lambda a: a.onset)[:n_sweeps]
    end = round((ann[-1].onset + 0.06) * rec.sfreq)
    return EmgRecording(rec.data[:, :end], rec.sfreq, list(rec.ch_names), ann, dict(rec.meta))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweeps", type=int, default=60)
    ap.add_argument("--speed", type=float, default=1.0)
    a = ap.parse_args()
    load = os.getloadavg()
    interval = 0.5
    sim = emg_simulate_lsr(
        n_sweeps=a.sweeps, snr=6, disappear_at=a.sweeps // 2, interval_s=interval, seed=3
    )
    name = f"hemispasm-bench-{os.getpid()}"
    th = threading.Thread(target=replay, args=(sim.recording, name),
                          kwargs={"speed": a.speed, "wait_s": 10.0})  # fmt: skip
    th.start()
    with tempfile.TemporaryDirectory() as tmp:
        st = monitor(name, Path(tmp), resolve_s=5.0, idle_s=1.5)
    th.join()
    d = np.asarray(st.delays_ms)
    first, rest = d[0], d[1:]
    print(f"monitor: {st.sweeps} sweeps read live at {a.speed:g}x real time")
    print(f"  baseline (10 sweeps read together): {first:.1f} ms")
    print(
        f"  per sweep after it: median {np.median(rest):.1f} ms, p90 "
        f"{np.percentile(rest, 90):.1f} ms, max {rest.max():.1f} ms (n={len(rest)})"
    )
    print("naive: emg_lsr on everything so far, per new sweep:")
    for k in sorted({10, 20, 40, a.sweeps}):
        if k > a.sweeps:
            continue
        r = crop(sim.recording, k, interval)
        t0 = time.perf_counter()
        emg_lsr(r)
        print(f"  after {k} sweeps: {(time.perf_counter() - t0) * 1e3:.0f} ms")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
