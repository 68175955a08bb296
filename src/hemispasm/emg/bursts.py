"""Free-running facial EMG: spasm bursts per channel and synchrony across channels.

Method ``"tkeo"`` (Teager-Kaiser energy conditioning with a double threshold; Li, Zhou & Aruin
2007; Solnik et al. 2010; Bonato et al. 1998 for the double threshold):

1. band-pass each channel (``band_hz``, 2nd-order Butterworth, zero phase), processed in chunks
   of ``chunk_s`` with overlap so hour-long files stay in bounded memory;
2. Teager-Kaiser energy ``ψ[n] = x[n]² - x[n-1]·x[n+1]``, rectified;
3. envelope: ``smooth_ms`` moving average (cumulative sums), decimated to ``env_hz``, then a
   zero-phase low-pass at ``lowpass_hz``;
4. baseline from the envelope's robust statistics (median, MAD) — valid while bursts occupy
   less than half of the recording;
5. double threshold: the envelope above ``median + h·MAD·1.4826`` for at least ``min_on_ms``
   (amplitude + duration thresholds); gaps shorter than ``min_off_ms`` are merged; onset and
   offset are then moved out to where the envelope falls below ``median + h_low·σ``.

Per burst: onset/offset (s), duration (ms), peak envelope, within-burst discharge frequency
(Hz, median inter-discharge interval of the largest-polarity MUAP peaks). Per channel: burst
rate (per minute), median duration. Across channels: onset coincidence within ``sync_tol_ms``
versus chance (binomial test), the HFS hallmark of synchronous bursts in muscles of different
facial-nerve branches (Nielsen 1984; Møller & Jannetta 1986). All numeric settings are
engineering choices recorded in the output.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from hemispasm._log import get_logger
from hemispasm.emg.io import TRIGGER_PATTERN, EmgRecording, check_rate
from hemispasm.emg.limits import check_samples
from hemispasm.errors import InputError

log = get_logger(__name__)

#: Minimum sampling rate for burst analysis (engineering: the band-pass needs fs > 2·450 Hz).
BURST_MIN_SFREQ = 1000.0

#: Muscle name fragments → facial-nerve branch (standard anatomy).
BRANCHES: dict[str, str] = {
    "frontal": "temporal",
    "corrugator": "temporal",
    "oculi": "zygomatic",
    "oculus": "zygomatic",
    "ooc": "zygomatic",
    "eye": "zygomatic",
    "zygomatic": "zygomatic",
    "nasalis": "buccal",
    "oris": "buccal",
    "oor": "buccal",
    "buccinator": "buccal",
    "mentalis": "marginal_mandibular",
    "depressor": "marginal_mandibular",
    "platysma": "cervical",
}


def branch_of(channel: str) -> str | None:
    """Facial-nerve branch of a channel from its muscle name, or None."""
    low = channel.lower()
    for key, br in BRANCHES.items():
        if key in low:
            return br
    return None


@dataclass
class BurstParams:
    """Burst-detection settings (engineering choices; see module docstring)."""

    band_hz: tuple[float, float] = (30.0, 450.0)
    smooth_ms: float = 5.0
    env_hz: float = 1000.0
    lowpass_hz: float = 80.0
    h: float = 8.0
    h_low: float = 3.0
    min_on_ms: float = 25.0
    min_off_ms: float = 30.0
    chunk_s: float = 60.0
    sync_tol_ms: float = 25.0
    sync_min_fraction: float = 0.5
    sync_alpha: float = 1e-3


@dataclass
class BurstResult:
    """Output of :func:`emg_bursts`: ``bursts`` table, ``summary`` dict, envelopes for plots."""

    bursts: pd.DataFrame
    summary: dict[str, Any]
    envelopes: np.ndarray  # (n_ch, n_env) at env_hz
    env_hz: float
    channels: list[str]
    thresholds: list[float]


def tkeo(x: np.ndarray) -> np.ndarray:
    """Teager-Kaiser energy operator along the last axis (edges copied from neighbours)."""
    x = np.asarray(x)
    out = np.empty_like(x)
    out[..., 1:-1] = x[..., 1:-1] ** 2 - x[..., :-2] * x[..., 2:]
    out[..., 0] = out[..., 1]
    out[..., -1] = out[..., -2]
    return out


def _envelope(x: np.ndarray, sfreq: float, p: BurstParams) -> tuple[np.ndarray, float]:
    """TKEO envelope of one channel, decimated to ~env_hz, computed in overlapping chunks."""
    from scipy.signal import butter, sosfiltfilt

    q = max(1, int(sfreq // p.env_hz))
    env_hz = sfreq / q
    hi = min(p.band_hz[1], 0.45 * sfreq)
    sos = butter(2, [p.band_hz[0], hi], btype="bandpass", fs=sfreq, output="sos")
    n = len(x)
    chunk = max(q, int(p.chunk_s * sfreq) // q * q)
    pad = int(0.5 * sfreq) // q * q
    k = max(1, round(p.smooth_ms * 1e-3 * sfreq))
    out = []
    for start in range(0, n, chunk):
        a, b = max(0, start - pad), min(n, start + chunk + pad)
        seg = np.asarray(x[a:b], dtype=np.float64)
        seg = sosfiltfilt(sos, seg)
        e = np.abs(tkeo(seg))
        c = np.empty(len(e) + 1)
        c[0] = 0.0
        np.cumsum(e, out=c[1:])
        # centred moving average of k samples, evaluated only at the kept (decimated) samples
        idx = np.arange(start - a, min(b, start + chunk) - a, q)
        lo = np.clip(idx - k // 2, 0, len(e))
        hi_ = np.clip(lo + k, 0, len(e))
        mav = (c[hi_] - c[lo]) / np.maximum(hi_ - lo, 1)
        out.append(mav)
    env = np.concatenate(out)
    lp = butter(2, min(p.lowpass_hz, 0.45 * env_hz), fs=env_hz, output="sos")
    env = sosfiltfilt(lp, env) if len(env) > 15 else env
    return np.maximum(env, 0.0), env_hz


def _detect(env: np.ndarray, env_hz: float, p: BurstParams) -> tuple[list[tuple[int, int]], float]:
    med = float(np.median(env))
    sd = 1.4826 * float(np.median(np.abs(env - med))) + 1e-12
    thr, thr_low = med + p.h * sd, med + p.h_low * sd
    above = env > thr
    edges = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    on, off = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    gap = round(p.min_off_ms * 1e-3 * env_hz)
    # merge short gaps
    if len(on) > 1:
        keep = np.concatenate([[True], on[1:] - off[:-1] > gap])
        on = on[keep]
        off = np.concatenate([off[:-1][keep[1:]], off[-1:]])
    dur_ok = (off - on) >= round(p.min_on_ms * 1e-3 * env_hz)
    on, off = on[dur_ok], off[dur_ok]
    # move the edges out to the low threshold (hysteresis)
    low_idx = np.flatnonzero(env <= thr_low)  # sorted; searched, never rescanned
    out: list[tuple[int, int]] = []
    last = 0
    for a, b in zip(on, off, strict=True):
        j = np.searchsorted(low_idx, a) - 1  # last low sample before the onset
        a2 = max(last, int(low_idx[j]) + 1) if j >= 0 else last
        j = np.searchsorted(low_idx, b)  # first low sample at/after the offset
        b2 = int(low_idx[j]) if j < len(low_idx) else len(env)
        if out and a2 <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b2))
        else:
            out.append((int(a2), int(b2)))
        last = out[-1][1]
    return out, thr


@functools.lru_cache(maxsize=16)
def _bandpass(lo: float, hi: float, sfreq: float) -> np.ndarray:
    """2nd-order Butterworth band-pass (second-order sections), designed once per setting."""
    from scipy.signal import butter

    return butter(2, [lo, hi], btype="bandpass", fs=sfreq, output="sos")


def _discharge_hz(seg: np.ndarray, sfreq: float, p: BurstParams) -> float:
    """Median discharge frequency in a raw burst segment (NaN when fewer than 3 discharges)."""
    from scipy.signal import find_peaks, sosfiltfilt

    if len(seg) < 0.01 * sfreq:
        return math.nan
    hi = min(p.band_hz[1] * 2, 0.45 * sfreq)
    y = sosfiltfilt(_bandpass(p.band_hz[0], hi, sfreq), np.asarray(seg, dtype=np.float64))
    sgn = 1.0 if y.max() >= -y.min() else -1.0
    y = sgn * y
    peaks, _ = find_peaks(y, height=0.4 * y.max(), distance=max(1, round(0.0015 * sfreq)))
    if len(peaks) < 3:
        return math.nan
    return float(sfreq / np.median(np.diff(peaks)))


def _synchrony(
    onsets: dict[str, np.ndarray], duration_s: float, p: BurstParams
) -> list[dict[str, Any]]:
    from scipy.stats import binom

    tol = p.sync_tol_ms / 1e3
    names = list(onsets)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            ta, tb = onsets[a], onsets[b]
            n = min(len(ta), len(tb))
            if n == 0:
                pairs.append(
                    {
                        "a": a,
                        "b": b,
                        "n_a": len(ta),
                        "n_b": len(tb),
                        "matched": 0,
                        "fraction": 0.0,
                        "chance_fraction": 0.0,
                        "p_value": 1.0,
                        "median_lag_ms": None,
                        "synchronous": False,
                        "different_branches": _diff_branch(a, b),
                    }
                )
                continue
            few, many = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
            j = np.searchsorted(many, few)
            cand = np.stack([np.clip(j - 1, 0, len(many) - 1), np.clip(j, 0, len(many) - 1)])
            d = many[cand] - few[None, :]
            best = np.take_along_axis(d, np.argmin(np.abs(d), axis=0)[None, :], axis=0)[0]
            hit = np.abs(best) <= tol
            k = int(hit.sum())
            rate = len(many) / max(duration_s, 1e-9)
            p0 = min(1.0, 1 - math.exp(-rate * 2 * tol))
            pv = float(binom.sf(k - 1, n, p0)) if k > 0 else 1.0
            frac = k / n
            lag = float(np.median(best[hit]) * 1e3) if k else None
            if lag is not None and len(ta) > len(tb):
                lag = -lag
            pairs.append(
                {
                    "a": a,
                    "b": b,
                    "n_a": len(ta),
                    "n_b": len(tb),
                    "matched": k,
                    "fraction": frac,
                    "chance_fraction": p0,
                    "p_value": pv,
                    "median_lag_ms": lag,
                    "synchronous": bool(frac >= p.sync_min_fraction and pv < p.sync_alpha),
                    "different_branches": _diff_branch(a, b),
                }
            )
    return pairs


def _diff_branch(a: str, b: str) -> bool | None:
    ba, bb = branch_of(a), branch_of(b)
    return None if ba is None or bb is None else ba != bb


def emg_bursts(
    rec: EmgRecording,
    *,
    method: str = "tkeo",
    channels: list[str] | None = None,
    params: BurstParams | None = None,
) -> BurstResult:
    """Detect spasm bursts in free-running EMG and test their synchrony across channels.

    Parameters
    ----------
    rec : EmgRecording
        µV data; trigger channels are ignored.
    method : {"tkeo"}
        Teager-Kaiser energy + double threshold (see module docstring).
    channels : list of str, optional
        Channels to analyse (default: every EMG channel).
    params : BurstParams, optional

    Returns
    -------
    BurstResult
    """
    if method != "tkeo":
        raise ValueError(f"unknown burst method {method!r}; use 'tkeo'")
    p = params or BurstParams()
    path = rec.meta.get("source")
    check_rate(rec, BURST_MIN_SFREQ, "burst detection", path)
    chans = channels or [c for c in rec.ch_names if not TRIGGER_PATTERN.search(c)]
    # one inf/NaN or 1e30 sample would flood the filtered envelope and erase every burst
    check_samples(rec, path, trigger=set(rec.ch_names) - set(chans))
    if not chans:
        raise InputError("no EMG channel to analyse", path=path, hint="check the file")
    if rec.duration_s < 2.0:
        raise InputError(
            f"recording too short ({rec.duration_s:.2f} s) for burst detection (needs >= 2 s)",
            path=path,
            hint="record at least a few seconds of free-running EMG",
        )
    rows, envs, thrs, onsets = [], [], [], {}
    env_hz = p.env_hz
    for ch in chans:
        x = rec.channel(ch)
        env, env_hz = _envelope(x, rec.sfreq, p)
        segs, thr = _detect(env, env_hz, p)
        envs.append(env.astype(np.float32))
        thrs.append(thr)
        on_s = []
        for a, b in segs:
            t0, t1 = a / env_hz, b / env_hz
            i0, i1 = int(t0 * rec.sfreq), int(t1 * rec.sfreq)
            rows.append(
                {
                    "channel": ch,
                    "branch": branch_of(ch),
                    "onset_s": t0,
                    "offset_s": t1,
                    "duration_ms": (t1 - t0) * 1e3,
                    "peak_envelope": float(env[a:b].max()) if b > a else 0.0,
                    "discharge_hz": _discharge_hz(x[i0:i1], rec.sfreq, p),
                }
            )
            on_s.append(t0)
        onsets[ch] = np.asarray(on_s)
    bursts = pd.DataFrame(
        rows,
        columns=[
            "channel",
            "branch",
            "onset_s",
            "offset_s",
            "duration_ms",
            "peak_envelope",
            "discharge_hz",
        ],
    )
    dur_min = rec.duration_s / 60.0
    per_channel = {}
    for ch in chans:
        b = bursts[bursts.channel == ch]
        per_channel[ch] = {
            "branch": branch_of(ch),
            "bursts": len(b),
            "rate_per_min": len(b) / dur_min,
            "median_duration_ms": _f(b.duration_ms.median()),
            "median_discharge_hz": _f(b.discharge_hz.median()),
            "active_fraction": float(b.duration_ms.sum() / 1e3 / rec.duration_s),
        }
    pairs = _synchrony(onsets, rec.duration_s, p)
    sync = [q for q in pairs if q["synchronous"]]
    summary = {
        "channels": chans,
        "duration_s": rec.duration_s,
        "bursts": len(bursts),
        "per_channel": per_channel,
        "synchrony": pairs,
        "synchronous": bool(sync),
        "synchronous_different_branches": any(q["different_branches"] is not False for q in sync),
        "synchrony_definition": (
            f"two channels are synchronous when >= {p.sync_min_fraction:.0%} of the bursts of "
            f"the channel with fewer bursts start within {p.sync_tol_ms:g} ms of a burst in "
            f"the other and that coincidence is above chance (binomial p < {p.sync_alpha:g}); "
            "thresholds are engineering choices. Synchronous bursts in muscles of different "
            "facial-nerve branches are the EMG hallmark of HFS (Nielsen 1984)."
        ),
        "synthetic": rec.synthetic,
        "note": "hemispasm supports clinicians; it does not diagnose. Measures are estimates.",
    }
    from hemispasm.provenance import Provenance

    summary["provenance"] = Provenance(
        method=f"emg.bursts.{method}",
        parameters=asdict(p),
        input_name=path,
        input_sha256=rec.meta.get("sha256"),
        synthetic=rec.synthetic,
    ).model_dump(mode="json")
    return BurstResult(bursts, summary, np.vstack(envs), env_hz, chans, thrs)


def _f(v: Any) -> float | None:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None
