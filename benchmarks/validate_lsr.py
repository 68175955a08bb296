"""Validate ``emg lsr`` on the varied LSR simulator (SYNTHETIC), development and held-out seeds.

Usage::

    python benchmarks/validate_lsr.py --seeds 0:60 --held-out 1000:1030 [--sweeps 60]
        [--out docs/img/validate_lsr.csv]

Each seed draws one session of :func:`hemispasm.emg.simulate_varied.emg_simulate_lsr_varied`
(montage, artifact, LSR shape, noise, course, stimulus marking, channel names); the reading is
``emg_lsr`` with its defaults (roles inferred from the data, no montage declared). Figures
(item 3 of issue 16), by SNR band and by montage, for development and held-out seeds
separately; **held-out seeds are never used to choose parameters**:

* latency: median and 90th percentile of |measured - true onset| (ms) over sweeps where the
  LSR is present, detected and its peak-to-peak is at least 3x the noise SD;
* sensitivity: detected / present, over present sweeps with peak-to-peak >= 3x noise SD;
* specificity: not detected / absent, over absent sweeps;
* false disappearances: a disappearance signalled (complete loss, 3 consecutive sweeps) at a
  sweep where the true course is not in the disappeared state under the same criterion
  (``false_dis_3sd``: those of them whose run's truly present sweeps were all >= 3x noise SD);
* channel: sessions where the LSR channel chosen is the true one.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hemispasm.emg.criteria import changes_from_absent
from hemispasm.emg.lsr import emg_lsr
from hemispasm.emg.simulate_varied import emg_simulate_lsr_varied

SNR_BANDS = [(1.5, 3.0), (3.0, 6.0), (6.0, 12.0), (12.0, 25.1)]


def truth_disappeared(present: np.ndarray, k: int) -> np.ndarray:
    """Per sweep: is the true course in the disappeared state (complete loss, ``k`` sweeps)?"""
    state = np.zeros(len(present), bool)
    for s, kind in changes_from_absent(~present, consecutive=k):
        # the state holds from the sweep the criterion is met (s + k - 1)
        state[s + k - 1 :] = kind == "disappeared"
    return state


def score_session(seed: int, n_sweeps: int) -> tuple[dict, pd.DataFrame]:
    """Read one simulated session; per-sweep comparison with the truth and session facts."""
    sim = emg_simulate_lsr_varied(seed, n_sweeps=n_sweeps)
    t0 = time.perf_counter()
    res = emg_lsr(sim.recording)
    secs = time.perf_counter() - t0
    d = res.sweeps[res.sweeps.channel == sim.lsr_channel].set_index("sweep")
    tr = sim.truth.set_index("sweep")
    k = res.summary["consecutive_sweeps"]
    det = d.present.reindex(tr.index, fill_value=False).to_numpy(bool)
    per = pd.DataFrame(
        {
            "seed": seed,
            "sweep": tr.index,
            "present": tr.present.to_numpy(bool),
            "detected": det,
            "snr_sweep": tr.p2p_uv.to_numpy() / tr.noise_sd_uv.to_numpy(),
            "lat_err_ms": (d.latency_ms.reindex(tr.index) - tr.latency_ms).to_numpy(),
        }
    )
    tstate = truth_disappeared(per.present.to_numpy(), k)
    changes = changes_from_absent(~det, consecutive=k) if res.summary["lsr_channel"] else []
    last = len(tstate) - 1
    pres, snr_sw = per.present.to_numpy(), per.snr_sweep.to_numpy()
    false_runs = [
        s for s, kind in changes if kind == "disappeared" and not tstate[min(s + k - 1, last)]
    ]
    # ... of which the run's truly present sweeps were all at least 3x the noise SD
    false_3sd = sum(
        1
        for s in false_runs
        if pres[s : s + k].any() and (snr_sw[s : s + k][pres[s : s + k]] >= 3).all()
    )
    false_dis = len(false_runs)
    sc = sim.scenario
    facts = {
        "seed": seed, "montage": sc["montage"], "artifact": sc["artifact"],
        "course": sc["course"], "snr": sc["snr"], "phases": sc["phases"],
        "generic_names": sc["generic_names"], "stimulus": sc["stimulus"],
        "channel_ok": res.summary["lsr_channel"] == sim.lsr_channel,
        "stimuli_ok": res.summary["sweeps"] == n_sweeps,
        "direct_ok": res.summary["direct_channels"] in ([sim.direct_channel], []),
        "direct_found": res.summary["direct_channels"] == [sim.direct_channel],
        "false_disappearances": false_dis, "false_dis_3sd": false_3sd, "seconds": secs,
    }  # fmt: skip
    return facts, per


def figures(per: pd.DataFrame) -> dict:
    """Item-3 figures of a set of sweeps."""
    strong = per.present & (per.snr_sweep >= 3.0)
    both = strong & per.detected
    err = per.lat_err_ms[both].abs()
    absent = ~per.present
    return {
        "sweeps": len(per),
        "present_3sd": int(strong.sum()),
        "lat_median_ms": float(err.median()) if len(err) else np.nan,
        "lat_p90_ms": float(err.quantile(0.9)) if len(err) else np.nan,
        "lat_bias_ms": float(per.lat_err_ms[both].median()) if len(err) else np.nan,
        "sensitivity": float(per.detected[strong].mean()) if strong.any() else np.nan,
        "specificity": float((~per.detected[absent]).mean()) if absent.any() else np.nan,
    }


def table(sessions: pd.DataFrame, per: pd.DataFrame) -> pd.DataFrame:
    """Figures overall, by SNR band and by montage."""
    per = per.merge(sessions[["seed", "montage", "snr"]], on="seed")
    rows = [
        {
            "group": "all",
            **figures(per),
            "false_disappearances": int(sessions.false_disappearances.sum()),
            "false_dis_3sd": int(sessions.false_dis_3sd.sum()),
            "sessions": len(sessions),
            "channel_ok": int(sessions.channel_ok.sum()),
        }
    ]
    for lo, hi in SNR_BANDS:
        sel = (sessions.snr >= lo) & (sessions.snr < hi)
        s = sessions[sel]
        rows.append(
            {
                "group": f"SNR {lo:g}-{min(hi, 25):g}",
                **figures(per[per.seed.isin(s.seed)]),
                "false_disappearances": int(s.false_disappearances.sum()),
                "false_dis_3sd": int(s.false_dis_3sd.sum()),
                "sessions": len(s),
                "channel_ok": int(s.channel_ok.sum()),
            }
        )
    for m in sorted(sessions.montage.unique()):
        s = sessions[sessions.montage == m]
        rows.append(
            {
                "group": f"montage {m}",
                **figures(per[per.seed.isin(s.seed)]),
                "false_disappearances": int(s.false_disappearances.sum()),
                "false_dis_3sd": int(s.false_dis_3sd.sum()),
                "sessions": len(s),
                "channel_ok": int(s.channel_ok.sum()),
            }
        )
    return pd.DataFrame(rows)  # fmt: skip


def markdown(df: pd.DataFrame) -> str:
    """A markdown table (3 significant digits), without the optional ``tabulate``."""

    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return "—" if not np.isfinite(v) else f"{v:.3g}"
        return str(v)

    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(False)]
    return "\n".join(lines)


def run(seeds: range, n_sweeps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    facts, pers = [], []
    for s in seeds:
        f, p = score_session(s, n_sweeps)
        facts.append(f)
        pers.append(p)
    return pd.DataFrame(facts), pd.concat(pers, ignore_index=True)


def _range(text: str) -> range:
    a, b = text.split(":")
    return range(int(a), int(b))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0:60", help="development seeds, a:b")
    ap.add_argument("--held-out", default="1000:1030", help="held-out seeds, a:b")
    ap.add_argument("--sweeps", type=int, default=60)
    ap.add_argument("--out", type=Path, default=None, help="CSV of the per-session facts")
    a = ap.parse_args()
    load = os.getloadavg()
    t0 = time.perf_counter()
    out = []
    for label, seeds in (("development", _range(a.seeds)), ("held-out", _range(a.held_out))):
        if len(seeds) == 0:
            continue
        sessions, per = run(seeds, a.sweeps)
        tab = table(sessions, per)
        print(f"\n### {label} seeds {seeds.start}-{seeds.stop - 1} ({len(seeds)} sessions)\n")
        print(markdown(tab))
        bad = sessions[
            (~sessions.channel_ok) | (~sessions.stimuli_ok) | (sessions.false_disappearances > 0)
        ]
        if len(bad):
            print("\nsessions with a wrong LSR channel or a false disappearance:\n")
            print(markdown(bad.drop(columns=["seconds"])))
        sessions["set"] = label
        out.append(sessions)
    secs = time.perf_counter() - t0
    print(f"\n{secs:.0f} s in all; load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if a.out and out:
        pd.concat(out).to_csv(a.out, index=False)


if __name__ == "__main__":
    main()
