"""Lateral spread response (LSR, abnormal muscle response): stimuli, sweeps, measures, trend.

Pipeline (``emg_lsr``): find the stimuli → epoch -5..+50 ms → suppress the stimulus artifact
(baseline subtraction, blanking, fitted exponential-tail template subtraction) → per channel,
separate the direct M-response (early window, the stimulated branch's muscle) from the LSR
(later window) → detect and measure the LSR in every sweep with a matched filter built from the
ensemble average of the sweeps → across sweeps: amplitude trend, disappearance, return.

Method ``"template"`` (the only one so far): the LSR waveform of a channel is estimated as the
average of the sweeps that carry it (two passes: all sweeps, then detected sweeps). Each sweep
is correlated with that template over lags of ±``max_shift_ms``; the statistic ``z`` is the
correlation at the best lag divided by its standard deviation under noise alone (computed from
the noise autocovariance measured before the stimuli). A sweep has an LSR when
``z >= z_threshold``. Its latency is the template onset plus the lag, its amplitude the fitted
scale times the template's peak-to-peak (least squares). Thresholds and windows are engineering
choices (not clinical numbers) and are recorded in the output; the clinical disappearance
definition is in :data:`DISAPPEARANCE_DEFINITION`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import savgol_filter

from hemispasm._log import get_logger
from hemispasm.emg.io import TRIGGER_PATTERN, EmgRecording, check_rate
from hemispasm.errors import InputError

log = get_logger(__name__)

#: Minimum sampling rate for LSR latency measurement (engineering: 0.5 ms resolution or better).
LSR_MIN_SFREQ = 2000.0

#: The disappearance definition written into summary.json.
DISAPPEARANCE_DEFINITION = (
    "LSR disappearance = complete loss of the lateral spread response on the LSR recording "
    "channel (no response distinguishable from noise in the LSR latency window) in {k} "
    "consecutive sweeps after it had been present, as in the intraoperative monitoring studies "
    "that define resolution as complete disappearance (Isu et al. 1996; Hatem et al. 2001; Kong "
    "et al. 2007; Thirumala et al. 2011). The number of consecutive sweeps ({k}) is an "
    "engineering choice to reject single missed sweeps. Return = the LSR present again in {k} "
    "consecutive sweeps. Partial amplitude reductions are reported as a trend, not as "
    "disappearance."
)

_STIM_TEXT = re.compile(r"(stim|trig|shock|pulse|lsr|amr)", re.IGNORECASE)


@dataclass
class LsrParams:
    """Analysis parameters (all engineering choices; see module docstring)."""

    tmin_ms: float = -5.0
    tmax_ms: float = 50.0
    blank_ms: float = 1.0
    tail_fit_ms: float = 1.5
    m_window_ms: tuple[float, float] = (1.0, 6.0)
    lsr_window_ms: tuple[float, float] = (6.0, 30.0)
    max_shift_ms: float = 2.0
    z_threshold: float = 4.5
    consecutive: int = 3
    noise_ms: float = 50.0
    min_interval_s: float = 0.06
    line_hz: float | str | None = "auto"


@dataclass
class LsrResult:
    """Output of :func:`emg_lsr`.

    Attributes
    ----------
    sweeps : DataFrame
        One row per sweep and recording channel (see docs/emg.md for the columns).
    summary : dict
        The summary.json content.
    epochs : ndarray, shape (n_sweeps, n_channels, n_times)
        Artifact-suppressed sweeps (µV), for the report.
    times_ms : ndarray
        Epoch time axis (ms from the stimulus).
    channels : list of str
        Recording channels, in ``epochs`` order.
    templates : dict
        Per channel: template waveform, its onset index, peak indices.
    """

    sweeps: pd.DataFrame
    summary: dict[str, Any]
    epochs: np.ndarray
    times_ms: np.ndarray
    channels: list[str]
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)


def recording_channels(rec: EmgRecording, stim_channel: str | None = None) -> list[str]:
    """EMG channels: every channel except trigger/stimulus-marker channels."""
    return [c for c in rec.ch_names if c != stim_channel and not TRIGGER_PATTERN.search(c)]


def find_stimuli(
    rec: EmgRecording,
    *,
    source: str = "auto",
    stim_channel: str | None = None,
    min_interval_s: float = 0.06,
) -> tuple[np.ndarray, str]:
    """Stimulus sample indices and where they came from.

    Parameters
    ----------
    source : {"auto", "annotations", "trigger", "artifact"}
        ``auto`` tries annotations (text containing stim/trigger/shock/pulse/LSR/AMR), then a
        trigger channel (``stim_channel`` or a name matching trig/stim/status/ttl), then the
        stimulus artifact itself (simultaneous steep jumps on the EMG channels).

    Raises
    ------
    InputError
        When no stimulus is found.
    """
    path = rec.meta.get("source")
    tried = []
    if source in ("auto", "annotations"):
        on = [a.onset for a in rec.annotations if _STIM_TEXT.search(a.text)]
        if on:
            idx = np.unique(np.round(np.asarray(on) * rec.sfreq).astype(int))
            return _refractory(idx, min_interval_s * rec.sfreq), "annotations"
        tried.append("annotations")
    if source in ("auto", "trigger"):
        names = (
            [stim_channel]
            if stim_channel
            else [c for c in rec.ch_names if TRIGGER_PATTERN.search(c)]
        )
        if stim_channel and stim_channel not in rec.ch_names:
            raise InputError(
                f"stimulus channel '{stim_channel}' not in the file ({rec.ch_names})",
                path=path,
                hint="give the trigger channel's exact name with --stim-channel",
            )
        for name in names:
            x = np.asarray(rec.channel(name), dtype=np.float64)
            lo, hi = np.percentile(x, [1, 99.99])
            if hi - lo <= 0:
                continue
            above = x > lo + 0.5 * (hi - lo)
            idx = np.flatnonzero(above[1:] & ~above[:-1]) + 1
            if len(idx):
                return _refractory(idx, min_interval_s * rec.sfreq), "trigger"
        tried.append("trigger channel")
    if source in ("auto", "artifact"):
        chans = recording_channels(rec, stim_channel)
        idx = _artifact_onsets(rec, chans, min_interval_s)
        if len(idx):
            return idx, "artifact"
        tried.append("stimulus artifact")
    raise InputError(
        f"no stimulus found (looked for {', '.join(tried)})",
        path=path,
        hint="add stimulus annotations, name the trigger channel with --stim-channel, "
        "or check that this is a stimulus-locked LSR recording",
    )


def _refractory(idx: np.ndarray, min_gap: float) -> np.ndarray:
    keep, last = [], -np.inf
    for i in np.sort(idx):
        if i - last >= min_gap:
            keep.append(i)
            last = i
    return np.asarray(keep, dtype=int)


def _artifact_onsets(rec: EmgRecording, chans: list[str], min_interval_s: float) -> np.ndarray:
    """Stimulus artifacts: a first difference far above the channel's robust noise on the
    majority of channels at once (engineering: 40 robust SDs)."""
    if not chans:
        return np.array([], int)
    votes = np.zeros(rec.n_samples - 1, np.int16)
    for c in chans:
        d = np.abs(np.diff(np.asarray(rec.channel(c), dtype=np.float64)))
        sd = 1.4826 * np.median(d) + 1e-12
        votes += d > 40.0 * sd
    need = max(1, math.ceil(len(chans) / 2))
    hits = np.flatnonzero(votes >= need) + 1
    return _refractory(hits, min_interval_s * rec.sfreq)


def _epochs(x: np.ndarray, idx: np.ndarray, n_pre: int, n_post: int) -> np.ndarray:
    """(n_sweeps, n_ch, n_pre + n_post) by fancy indexing (no Python loop over sweeps)."""
    offs = np.arange(-n_pre, n_post)
    return np.ascontiguousarray(np.moveaxis(x[:, idx[:, None] + offs[None, :]], 0, 1))


def suppress_artifact(ep: np.ndarray, sfreq: float, n_pre: int, p: LsrParams) -> np.ndarray:
    """Baseline subtraction, blanking and exponential-tail template subtraction (in place).

    ``ep`` has shape (n_sweeps, n_ch, n_times) with the stimulus at index ``n_pre``.
    1. subtract the mean of the pre-stimulus window (-5 .. -0.3 ms);
    2. fit ``a·exp(-(t - t_b)/tau)`` (tau in 0.2-3 ms, least squares) to ``tail_fit_ms`` after
       the blanking end ``t_b`` and subtract it from ``t_b`` onwards;
    3. blank ``0 .. blank_ms`` (set to 0, the baseline).
    """
    pre_end = n_pre - max(1, round(0.0003 * sfreq))
    ep -= ep[..., :pre_end].mean(axis=-1, keepdims=True)
    b = n_pre + round(p.blank_ms * 1e-3 * sfreq)
    nfit = max(3, round(p.tail_fit_ms * 1e-3 * sfreq))
    t = np.arange(ep.shape[-1] - b) / sfreq
    seg = ep[..., b : b + nfit]
    best_res = np.full(ep.shape[:2], np.inf)
    best_a = np.zeros(ep.shape[:2])
    best_tau = np.ones(ep.shape[:2])
    for tau in (0.0002, 0.0003, 0.0005, 0.0008, 0.0012, 0.002, 0.003):
        g = np.exp(-t[:nfit] / tau)
        a = seg @ g / (g @ g)
        res = ((seg - a[..., None] * g) ** 2).sum(-1)
        better = res < best_res
        best_res = np.where(better, res, best_res)
        best_a = np.where(better, a, best_a)
        best_tau = np.where(better, tau, best_tau)
    ep[..., b:] -= best_a[..., None] * np.exp(-t[None, None, :] / best_tau[..., None])
    ep[..., n_pre:b] = 0.0
    return ep


def line_frequency(rec: EmgRecording, chans: list[str], *, max_s: float = 20.0) -> float | None:
    """Mains frequency (50 or 60 Hz) when a clear spectral line stands out, else None.

    Welch spectrum (1-Hz bins) of up to ``max_s`` seconds of each EMG channel; a line counts
    when its power is > 10x the median of the 30-90 Hz neighbourhood (*engineering*).
    """
    from scipy.signal import welch

    n = min(rec.n_samples, int(max_s * rec.sfreq))
    nper = int(rec.sfreq)
    if n < 2 * nper:
        return None
    best, best_ratio = None, 10.0
    for c in chans:
        f, pxx = welch(np.asarray(rec.channel(c)[:n], dtype=np.float64), fs=rec.sfreq, nperseg=nper)
        ref = np.median(pxx[(f >= 30) & (f <= 90) & (np.abs(f - 50) > 3) & (np.abs(f - 60) > 3)])
        for line in (50.0, 60.0):
            ratio = pxx[np.argmin(np.abs(f - line))] / max(ref, 1e-30)
            if ratio > best_ratio:
                best, best_ratio = line, ratio
    return best


def remove_line(seg: np.ndarray, sfreq: float, line_hz: float, fit: np.ndarray) -> np.ndarray:
    """Subtract offset + linear trend + a sinusoid at ``line_hz`` fitted (least squares) on the
    samples ``fit`` of the last axis — samples outside the responses — from every sample."""
    t = np.arange(seg.shape[-1]) / sfreq
    w = 2 * np.pi * line_hz * t
    x = np.stack([np.ones_like(t), t - t.mean(), np.sin(w), np.cos(w)], axis=1)
    beta = seg[..., fit] @ np.linalg.pinv(x[fit]).T
    seg -= beta @ x.T
    return seg


def _noise_autocov(noise: np.ndarray, max_lag: int) -> np.ndarray:
    """Pooled autocovariance (lags 0..max_lag) of noise segments, shape (n_seg, n)."""
    seg = noise - noise.mean(axis=-1, keepdims=True)
    n = seg.shape[-1]
    lags = min(max_lag, n - 1)
    ac = np.array([np.mean(seg[:, : n - k] * seg[:, k:]) for k in range(lags + 1)])
    # taper: trust short lags only (Bartlett) to keep the variance estimate positive
    ac *= 1 - np.arange(lags + 1) / (lags + 1)
    out = np.zeros(max_lag + 1)
    out[: lags + 1] = ac
    return out


def _null_sd(h: np.ndarray, ac: np.ndarray) -> float:
    """SD of ``sum(noise * h)`` for stationary noise with autocovariance ``ac``."""
    m = len(h)
    acf_h = np.correlate(h, h, mode="full")[m - 1 :]
    k = min(m, len(ac))
    var = ac[0] * acf_h[0] + 2 * np.sum(ac[1:k] * acf_h[1:k])
    return float(np.sqrt(max(var, 1e-30)))


def _segment(avg: np.ndarray, sd_avg: float, lo: int, hi: int) -> tuple[int, int] | None:
    """Onset/offset (indices into ``avg``) of the response between ``lo`` and ``hi``."""
    w = np.abs(avg[lo:hi])
    if len(w) == 0:
        return None
    peak = w.max()
    if peak < 6.0 * sd_avg:  # engineering: the averaged response must stand out clearly
        return None
    thr = max(4.0 * sd_avg, 0.1 * peak)
    above = np.flatnonzero(w > thr)
    on, off = lo + above[0], lo + above[-1]
    # walk back/forward to the baseline (zero crossing of the average)
    sgn = np.sign(avg[on])
    while on > 0 and np.sign(avg[on - 1]) == sgn and abs(avg[on - 1]) > 0.5 * sd_avg:
        on -= 1
    sgn = np.sign(avg[off])
    end = len(avg) - 1
    while off < end and np.sign(avg[off + 1]) == sgn and abs(avg[off + 1]) > 0.5 * sd_avg:
        off += 1
    return int(on), int(off)


def _phases(h: np.ndarray, sd: float) -> int:
    """Number of phases: baseline crossings + 1, counting only lobes larger than 3 SD."""
    lobes, cur, big = 0, 0.0, False
    for v in h:
        s = np.sign(v)
        if s != 0 and s != cur:
            if big:
                lobes += 1
            cur, big = s, False
        big = big or abs(v) > 3 * sd
    if big:
        lobes += 1
    return max(lobes, 1)


def _onset_frac(h: np.ndarray) -> float:
    """Sub-sample onset of a template, relative to its first sample.

    The tangent at the steepest point of the first lobe, extrapolated back to the baseline
    (a classic evoked-potential onset estimate); limited to [-1, first peak].
    """
    if len(h) < 3:
        return 0.0
    sgn = np.sign(h[np.argmax(np.abs(h[: max(3, len(h) // 2)]))])
    y = h * sgn
    stop = 1
    while stop < len(y) - 1 and y[stop + 1] >= y[stop]:
        stop += 1
    d = np.diff(y[: stop + 1])
    if len(d) == 0 or d.max() <= 0:
        return 0.0
    j = int(np.argmax(d))
    mid = 0.5 * (y[j] + y[j + 1])
    return float(np.clip(j + 0.5 - mid / d[j], -1.0, stop))


def _best_block(x: np.ndarray, sd: float, lo: int, hi: int, size: int = 10) -> np.ndarray:
    """Sweeps to build the first template from: all sweeps, or the block of ``size``
    consecutive sweeps whose average response stands out most (an LSR seen only before
    decompression is diluted in the average of all sweeps)."""
    n = x.shape[0]
    best = np.ones(n, bool)
    best_ratio = np.abs(x[:, lo:hi].mean(axis=0)).max() / (sd / math.sqrt(n)) if hi > lo else 0
    if n > size:
        c = np.cumsum(np.concatenate([np.zeros((1, hi - lo)), x[:, lo:hi]]), axis=0)
        starts = np.arange(0, n - size + 1, max(1, size // 2))
        avgs = (c[starts + size] - c[starts]) / size
        ratios = np.abs(avgs).max(axis=1) / (sd / math.sqrt(size))
        k = int(np.argmax(ratios))
        if ratios[k] > best_ratio:
            best = np.zeros(n, bool)
            best[starts[k] : starts[k] + size] = True
    return best


def _measure_channel(
    x: np.ndarray,
    sfreq: float,
    n_pre: int,
    win: tuple[int, int],
    ac: np.ndarray,
    p: LsrParams,
) -> tuple[dict[str, np.ndarray], dict[str, Any] | None]:
    """Detect and measure one response kind in one channel, all sweeps at once."""
    n_sw = x.shape[0]
    sd = math.sqrt(ac[0]) if ac[0] > 0 else 1e-9
    shift = max(1, round(p.max_shift_ms * 1e-3 * sfreq))
    lo, hi = win
    out = {
        "present": np.zeros(n_sw, bool),
        "z": np.zeros(n_sw),
        "latency_ms": np.full(n_sw, np.nan),
        "amplitude_uv": np.zeros(n_sw),
        "raw_p2p_uv": np.full(n_sw, np.nan),
        "lag": np.zeros(n_sw, int),
    }
    use = _best_block(x, sd, lo, hi)
    tpl = None
    for _ in range(3):
        if not use.any():
            break
        avg = x[use].mean(axis=0)
        sd_avg = sd / math.sqrt(use.sum())
        # light Savitzky-Golay smoothing of the ensemble average (~1 ms window, engineering):
        # keeps the waveform, removes the residual noise that would inflate peak-to-peak
        wlen = max(5, 2 * (round(0.0005 * sfreq)) + 1)
        if wlen < len(avg):
            avg = savgol_filter(avg, wlen, min(3, wlen - 2))
        seg = _segment(avg, sd_avg, lo, hi)
        if seg is None:
            break
        on, off = seg
        h = avg[on : off + 1]
        m = len(h)
        start = max(0, on - shift)
        stop = min(x.shape[1] - m, on + shift)
        win_x = x[:, start : stop + m]
        sw = sliding_window_view(win_x, m, axis=-1)  # (n_sw, n_lag, m)
        corr = sw @ h
        best = np.argmax(corr, axis=1)
        c_best = corr[np.arange(n_sw), best]
        # parabolic interpolation of the correlation peak (sub-sample lag)
        frac = np.zeros(n_sw)
        inner = (best > 0) & (best < corr.shape[1] - 1)
        if inner.any():
            i = np.flatnonzero(inner)
            y0, y1, y2 = corr[i, best[i] - 1], corr[i, best[i]], corr[i, best[i] + 1]
            den = y0 - 2 * y1 + y2
            frac[i] = np.where(den < 0, 0.5 * (y0 - y2) / np.where(den == 0, 1, den), 0.0)
        z = c_best / _null_sd(h, ac)
        a = c_best / (h @ h)
        present = z >= p.z_threshold
        lag = start + best - on
        onset = on + _onset_frac(h)
        out.update(
            present=present,
            z=z,
            latency_ms=np.where(present, (onset + lag + frac - n_pre) / sfreq * 1e3, np.nan),
            amplitude_uv=a * np.ptp(h),
            lag=lag,
        )
        idx = on + lag[:, None] + np.arange(m)[None, :]
        out["raw_p2p_uv"] = np.ptp(np.take_along_axis(x, idx, axis=1), axis=1)
        tpl = {
            "waveform": h,
            "onset": on,
            "offset": off,
            "duration_ms": m / sfreq * 1e3,
            "area_per_unit": float(np.abs(h).sum() / sfreq * 1e3),
            "phases": _phases(h, sd_avg),
            "peaks": (int(np.argmax(h)), int(np.argmin(h))),
            "ptp": float(np.ptp(h)),
        }
        if present.sum() == 0 or np.array_equal(present, use):
            break
        use = present.copy()
    return out, tpl


def _confidence(z: np.ndarray, thr: float) -> np.ndarray:
    """Heuristic 0.5-1 confidence of the present/absent call: Φ(|z - threshold|)."""
    from scipy.special import ndtr

    return ndtr(np.abs(z - thr))


def lsr_changes(present: np.ndarray, *, consecutive: int = 3) -> list[tuple[int, str]]:
    """Disappearances and returns as (sweep, "disappeared"|"returned"), per the definition."""
    k = consecutive
    changes: list[tuple[int, str]] = []
    state = None  # None until the LSR has been seen
    n = len(present)
    for i in range(n - k + 1):
        run = present[i : i + k]
        if state is None and present[i]:
            state = True
        if state is True and not run.any():
            changes.append((i, "disappeared"))
            state = False
        elif state is False and run.all():
            changes.append((i, "returned"))
            state = True
    return changes


def emg_lsr(
    rec: EmgRecording,
    *,
    method: str = "template",
    stim_source: str = "auto",
    stim_channel: str | None = None,
    lsr_channel: str | None = None,
    params: LsrParams | None = None,
) -> LsrResult:
    """Measure the lateral spread response in a stimulus-locked recording.

    Parameters
    ----------
    rec : EmgRecording
        Data in µV with stimuli (annotations, trigger channel or visible artifacts).
    method : {"template"}
        Detection/measurement algorithm (see module docstring).
    stim_source : {"auto", "annotations", "trigger", "artifact"}
    stim_channel : str, optional
        Name of the trigger channel.
    lsr_channel : str, optional
        Force the LSR recording channel (default: the non-direct channel with most LSRs).
    params : LsrParams, optional

    Returns
    -------
    LsrResult

    Raises
    ------
    InputError
        Rate too low, no stimulus, no EMG channel, sweeps outside the recording.
    """
    if method != "template":
        raise ValueError(f"unknown LSR method {method!r}; use 'template'")
    p = params or LsrParams()
    path = rec.meta.get("source")
    check_rate(rec, LSR_MIN_SFREQ, "LSR latency measurement", path)
    chans = recording_channels(rec, stim_channel)
    if not chans:
        raise InputError("no EMG channel besides the trigger", path=path, hint="check the file")
    if lsr_channel and lsr_channel not in chans:
        raise InputError(
            f"LSR channel '{lsr_channel}' is not an EMG channel of the file ({chans})",
            path=path,
            hint="pass an existing channel name to --lsr-channel",
        )
    stim, stim_src = find_stimuli(
        rec, source=stim_source, stim_channel=stim_channel, min_interval_s=p.min_interval_s
    )
    sf = rec.sfreq
    n_pre = round(-p.tmin_ms * 1e-3 * sf)
    n_post = round(p.tmax_ms * 1e-3 * sf)
    ok = (stim - n_pre >= 0) & (stim + n_post <= rec.n_samples)
    if not ok.all():
        log.warning("%d stimuli too close to the file edges were skipped", int((~ok).sum()))
    stim = stim[ok]
    if len(stim) == 0:
        raise InputError(
            "no complete sweep: every stimulus is within 50 ms of the file edges",
            path=path,
            hint="check the recording",
        )
    ch_idx = [rec.ch_names.index(c) for c in chans]
    x = np.asarray(rec.data[ch_idx], dtype=np.float64)
    ep = _epochs(x, stim, n_pre, n_post)
    line_hz = line_frequency(rec, chans) if p.line_hz == "auto" else p.line_hz
    if line_hz:
        t_ms = (np.arange(ep.shape[-1]) - n_pre) / sf * 1e3
        fit = np.flatnonzero((t_ms <= -0.3) | (t_ms >= p.lsr_window_ms[1] + 2.0))
        remove_line(ep, sf, float(line_hz), fit)
    ep = suppress_artifact(ep, sf, n_pre, p)
    # noise: up to noise_ms before each stimulus when clear of the previous sweep, else the
    # pre-stimulus part of the sweep
    n_noise = round(p.noise_ms * 1e-3 * sf)
    prev_end = np.concatenate([[-np.inf], stim[:-1] + n_post])
    clean = (stim - n_pre - n_noise >= 0) & (stim - n_pre - n_noise >= prev_end)
    if clean.sum() >= 3:
        noise = _epochs(x, stim[clean] - n_pre, n_noise, 0)
        if line_hz:
            remove_line(noise, sf, float(line_hz), np.arange(noise.shape[-1]))
    else:
        noise = ep[..., : n_pre - max(1, round(0.0003 * sf))]
    times_ms = (np.arange(ep.shape[-1]) - n_pre) / sf * 1e3
    to_idx = lambda ms: int(np.clip(n_pre + round(ms * 1e-3 * sf), 0, ep.shape[-1]))  # noqa: E731
    sweep_times = rec.meta.get("sweep_times_s")
    if sweep_times is not None and len(sweep_times) == len(ok):
        t_s = np.asarray(sweep_times, float)[ok]
    else:
        t_s = stim / sf
    rows, templates, per_ch = [], {}, {}
    for ci, ch in enumerate(chans):
        max_lag = round(3e-3 * sf)
        ac = _noise_autocov(noise[:, ci, :], max_lag)
        m_res, m_tpl = _measure_channel(
            ep[:, ci], sf, n_pre, (to_idx(p.m_window_ms[0]), to_idx(p.m_window_ms[1])), ac, p
        )
        direct = m_tpl is not None and m_res["present"].mean() >= 0.5
        lsr_lo = to_idx(p.lsr_window_ms[0])
        if direct:  # keep the LSR window after the end of the direct response
            lsr_lo = max(lsr_lo, m_tpl["offset"] + round(1e-3 * sf))
        res, tpl = _measure_channel(
            ep[:, ci], sf, n_pre, (lsr_lo, to_idx(p.lsr_window_ms[1])), ac, p
        )
        conf = _confidence(res["z"], p.z_threshold)
        templates[ch] = {"lsr": tpl, "direct": m_tpl if direct else None}
        per_ch[ch] = {"direct": direct, "present": res["present"], "res": res, "tpl": tpl}
        dur = tpl["duration_ms"] if tpl else np.nan
        area = res["amplitude_uv"] / tpl["ptp"] * tpl["area_per_unit"] if tpl else np.nan
        rows.append(
            pd.DataFrame(
                {
                    "sweep": np.arange(len(stim)),
                    "time_s": t_s,
                    "channel": ch,
                    "role": "direct" if direct else "recording",
                    "present": res["present"],
                    "latency_ms": res["latency_ms"],
                    "amplitude_uv": res["amplitude_uv"],
                    "raw_p2p_uv": res["raw_p2p_uv"],
                    "duration_ms": np.where(res["present"], dur, np.nan),
                    "area_uv_ms": np.where(res["present"], area, np.nan),
                    "phases": np.where(res["present"], tpl["phases"] if tpl else 0, 0),
                    "confidence": conf,
                    "z": res["z"],
                    "m_present": m_res["present"] if direct else False,
                    "m_latency_ms": m_res["latency_ms"] if direct else np.nan,
                    "m_amplitude_uv": m_res["amplitude_uv"] if direct else np.nan,
                }
            )
        )
    sweeps = pd.concat(rows, ignore_index=True)
    if lsr_channel is None:
        cands = [c for c in chans if not per_ch[c]["direct"]] or chans
        lsr_channel = max(
            cands,
            key=lambda c: (per_ch[c]["present"].sum(), per_ch[c]["res"]["amplitude_uv"].mean()),
        )
    summary = _summary(sweeps, per_ch, lsr_channel, t_s, stim_src, p, rec)
    summary["line_hz_removed"] = float(line_hz) if line_hz else None
    return LsrResult(sweeps, summary, ep, times_ms, chans, templates)


def _summary(
    sweeps: pd.DataFrame,
    per_ch: dict[str, dict[str, Any]],
    lsr_channel: str,
    t_s: np.ndarray,
    stim_src: str,
    p: LsrParams,
    rec: EmgRecording,
) -> dict[str, Any]:
    from hemispasm.provenance import Provenance

    present = per_ch[lsr_channel]["present"]
    amp = per_ch[lsr_channel]["res"]["amplitude_uv"]
    lat = per_ch[lsr_channel]["res"]["latency_ms"]
    changes = lsr_changes(present, consecutive=p.consecutive)
    first_dis = next((s for s, c in changes if c == "disappeared"), None)
    ret = next((s for s, c in changes if c == "returned" and first_dis is not None), None)
    n_base = min(10, len(present))
    base = amp[:n_base][present[:n_base]]
    baseline_amp = float(np.median(base)) if len(base) else None
    slope = None
    sel = present.copy()
    if first_dis is not None:
        sel[first_dis:] = False
    if sel.sum() >= 3 and np.ptp(t_s[sel]) > 0:
        slope = float(np.polyfit(t_s[sel] / 60.0, amp[sel], 1)[0])

    def f(v: Any) -> Any:
        return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v

    direct = [c for c, d in per_ch.items() if d["direct"]]
    return {
        "lsr_channel": lsr_channel,
        "direct_channels": direct,
        "channels": list(per_ch),
        "sweeps": len(present),
        "stimulus_source": stim_src,
        "lsr_present_sweeps": int(present.sum()),
        "lsr_present_fraction": float(present.mean()),
        "lsr_disappeared": first_dis is not None,
        "disappearance_sweep": first_dis,
        "disappearance_time_s": None if first_dis is None else float(t_s[first_dis]),
        "returned": ret is not None,
        "return_sweep": ret,
        "return_time_s": None if ret is None else float(t_s[ret]),
        "final_state": "present"
        if (not changes or changes[-1][1] == "returned") and present.any()
        else "absent",
        "changes": [{"sweep": int(s), "time_s": float(t_s[s]), "change": c} for s, c in changes],
        "disappearance_definition": DISAPPEARANCE_DEFINITION.format(k=p.consecutive),
        "consecutive_sweeps": p.consecutive,
        "baseline_amplitude_uv": f(baseline_amp),
        "amplitude_slope_uv_per_min": f(slope),
        "median_latency_ms": f(float(np.nanmedian(lat))) if np.isfinite(lat).any() else None,
        "last_amplitude_ratio": (f(float(amp[-1] / baseline_amp)) if baseline_amp else None),
        "synthetic": rec.synthetic,
        "note": "hemispasm supports clinicians; it does not diagnose. Measures are estimates.",
        "provenance": Provenance(
            method="emg.lsr.template",
            parameters={k: v for k, v in p.__dict__.items()},
            input_name=rec.meta.get("source"),
            input_sha256=rec.meta.get("sha256"),
            synthetic=rec.synthetic,
        ).model_dump(mode="json"),
    }
