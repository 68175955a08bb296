"""Validation of the EMG analyses on seeded SYNTHETIC data (the table in docs/emg.md).

``python -m hemispasm.emg.validate`` prints the tables as markdown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hemispasm.emg.bursts import emg_bursts
from hemispasm.emg.lsr import emg_lsr
from hemispasm.emg.simulate import emg_simulate_bursts, emg_simulate_lsr


def score_lsr(sim, res) -> dict[str, float]:
    """Sensitivity, specificity, latency and amplitude errors of one simulated session."""
    d = res.sweeps[res.sweeps.channel == sim.lsr_channel].reset_index(drop=True)
    tr = sim.truth
    both = d.present & tr.present
    lat = np.abs(d.latency_ms[both] - tr.latency_ms[both]).to_numpy()
    amp = (np.abs(d.amplitude_uv[both] - tr.amplitude_uv[both]) / tr.amplitude_uv[both]).to_numpy()
    return {
        "tp": int(both.sum()),
        "pos": int(tr.present.sum()),
        "tn": int((~d.present & ~tr.present).sum()),
        "neg": int((~tr.present).sum()),
        "lat": lat,
        "amp": amp,
    }


def validate_lsr(snrs=(2, 3, 5, 10, 20), seeds=(0, 1, 2, 3, 4), n_sweeps: int = 80) -> pd.DataFrame:
    """Per SNR: sensitivity, specificity, median |latency error|, median |amplitude error|,
    and the disappearance-sweep error (sessions with 30 % of sweeps randomly absent, and
    separate sessions with a disappearance at a random sweep)."""
    rows = []
    for snr in snrs:
        acc = {"tp": 0, "pos": 0, "tn": 0, "neg": 0, "lat": [], "amp": [], "dis": []}
        for seed in seeds:
            sim = emg_simulate_lsr(
                n_sweeps=n_sweeps, snr=snr, absent_fraction=0.3, seed=1000 * snr + seed
            )
            sc = score_lsr(sim, emg_lsr(sim.recording))
            for k in ("tp", "pos", "tn", "neg"):
                acc[k] += sc[k]
            acc["lat"].append(sc["lat"])
            acc["amp"].append(sc["amp"])
            at = int(np.random.default_rng(seed).integers(10, n_sweeps - 10))
            sim = emg_simulate_lsr(n_sweeps=n_sweeps, snr=snr, disappear_at=at, seed=seed + 77)
            s = emg_lsr(sim.recording).summary
            acc["dis"].append(
                abs(s["disappearance_sweep"] - at) if s["disappearance_sweep"] is not None else None
            )
        found = [d for d in acc["dis"] if d is not None]
        rows.append(
            {
                "snr": snr,
                "sweeps": acc["pos"] + acc["neg"],
                "sensitivity": acc["tp"] / max(1, acc["pos"]),
                "specificity": acc["tn"] / max(1, acc["neg"]),
                "latency_err_ms_median": float(np.median(np.concatenate(acc["lat"]))),
                "amplitude_err_median": float(np.median(np.concatenate(acc["amp"]))),
                "disappearance_found": f"{len(found)}/{len(acc['dis'])}",
                "disappearance_err_sweeps_max": max(found) if found else None,
            }
        )
    return pd.DataFrame(rows)


def validate_bursts(snrs=(3, 6, 12), seeds=(0, 1, 2), duration_s: float = 60.0) -> pd.DataFrame:
    """Per SNR and synchrony: F1, median |onset error| (ms), synchrony flagged."""
    rows = []
    for sync in (True, False):
        for snr in snrs:
            tp = fp = fn = 0
            errs, flagged = [], 0
            for seed in seeds:
                sim = emg_simulate_bursts(
                    duration_s=duration_s, snr=snr, synchronous=sync, seed=100 * snr + seed
                )
                res = emg_bursts(sim.recording)
                flagged += res.summary["synchronous"]
                for ch in sim.recording.ch_names:
                    tr = sim.truth[sim.truth.channel == ch]
                    de = res.bursts[res.bursts.channel == ch]
                    used = set()
                    for on, off in zip(tr.onset_s, tr.offset_s, strict=True):
                        m = de[(de.onset_s < off) & (de.offset_s > on)]
                        if len(m):
                            tp += 1
                            errs.append(abs(m.onset_s.iloc[0] - on) * 1e3)
                            used.update(m.index)
                        else:
                            fn += 1
                    fp += len(set(de.index) - used)
            rows.append(
                {
                    "synchronous_truth": sync,
                    "snr": snr,
                    "bursts": tp + fn,
                    "f1": 2 * tp / max(1, 2 * tp + fp + fn),
                    "onset_err_ms_median": float(np.median(errs)) if errs else None,
                    "synchrony_flagged": f"{flagged}/{len(seeds)}",
                }
            )
    return pd.DataFrame(rows)


def to_markdown(df: pd.DataFrame) -> str:
    """A markdown table (no extra dependency)."""

    def cell(v) -> str:
        if isinstance(v, float):
            return f"{v:.3f}"
        return "" if v is None else str(v)

    head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n"
    body = "".join("| " + " | ".join(cell(v) for v in row) + " |\n" for row in df.itertuples(False))
    return head + body


if __name__ == "__main__":  # pragma: no cover
    print(to_markdown(validate_lsr()))  # noqa: T201
    print(to_markdown(validate_bursts()))  # noqa: T201
