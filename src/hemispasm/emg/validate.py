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


def score_varied(sim, res, *, declared: bool) -> dict:
    """Per-session figures on the varied simulator (item-3 goals)."""
    d = res.sweeps[res.sweeps.channel == sim.lsr_channel].sort_values("sweep")
    d = d.reset_index(drop=True)
    tr = sim.truth
    strong = tr.present & (tr.p2p_uv >= 3.0 * tr.noise_sd_uv)
    det = d.present.to_numpy(bool)
    both = strong.to_numpy() & det
    err = (d.latency_ms - tr.latency_ms).to_numpy()[both]
    # false disappearance: 3 consecutive "absent" readings while the LSR is truly present
    false_dis = 0
    strong_a = strong.to_numpy(bool)
    for i in range(len(det) - 2):
        if strong_a[i : i + 3].all() and not det[i : i + 3].any():
            false_dis += 1
    return {
        "seed": sim.scenario["seed"],
        "montage": sim.montage,
        "artifact": sim.scenario["artifact"],
        "snr": sim.scenario["snr"],
        "declared": declared,
        "lsr_channel_ok": res.summary["lsr_channel"] == sim.lsr_channel,
        "strong": int(strong.sum()),
        "tp": int(both.sum()),
        "neg": int((~tr.present).sum()),
        "tn": int((~tr.present.to_numpy() & ~det).sum()),
        "err": err,
        "false_disappearance_runs": false_dis,
    }


def run_varied(seeds, *, n_sweeps: int = 60, declared: bool = True) -> list[dict]:
    """Run the varied simulator over ``seeds`` (montage declared or roles inferred)."""
    from hemispasm.emg.simulate_varied import emg_simulate_lsr_varied

    out = []
    for s in seeds:
        sim = emg_simulate_lsr_varied(int(s), n_sweeps=n_sweeps)
        gen = sim.scenario["generic_names"]
        montage = sim.montage if declared and not gen else None
        res = emg_lsr(sim.recording, montage=montage)
        out.append(score_varied(sim, res, declared=montage is not None))
    return out


def summarise_varied(rows: list[dict], by: str | None = None) -> pd.DataFrame:
    """Median / 90th percentile |latency error|, sensitivity, specificity, false runs."""
    groups = {"all": rows} if by is None else {}
    if by is not None:
        for r in rows:
            groups.setdefault(r[by], []).append(r)
    out = []
    for g, rs in groups.items():
        err = np.abs(np.concatenate([r["err"] for r in rs])) if rs else np.array([])
        tp, strong = sum(r["tp"] for r in rs), sum(r["strong"] for r in rs)
        tn, neg = sum(r["tn"] for r in rs), sum(r["neg"] for r in rs)
        out.append(
            {
                "group": g,
                "sessions": len(rs),
                "sweeps_scored": strong,
                "latency_err_ms_median": float(np.median(err)) if len(err) else None,
                "latency_err_ms_p90": float(np.percentile(err, 90)) if len(err) else None,
                "sensitivity": tp / max(1, strong),
                "specificity": tn / max(1, neg),
                "false_disappearances": sum(r["false_disappearance_runs"] for r in rs),
                "lsr_channel_ok": f"{sum(r['lsr_channel_ok'] for r in rs)}/{len(rs)}",
            }
        )
    return pd.DataFrame(out)
