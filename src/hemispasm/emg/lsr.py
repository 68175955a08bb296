"""Lateral spread response (LSR, abnormal muscle response): stimuli, sweeps, reading, trend.

Pipeline (``emg_lsr``): find the stimuli → cut one window per stimulus (up to ``noise_ms``
of noise before the sweep, then -5..+50 ms) → feed the windows, in order, to
:class:`hemispasm.emg.tracker.LsrTracker` (artifact cleaning, channel roles with their
evidence, aligned template, matched filter, onset by hinge fit; the same code reads a live
stream in ``emg monitor``) → across sweeps: amplitude trend and the disappearance criteria of
:mod:`hemispasm.emg.criteria`. The reading of a sweep depends only on that sweep and the ones
before it, so a live reading equals the offline one. Thresholds and windows are engineering
choices (not clinical numbers) recorded in the output; the clinical definitions and their
sources are in :mod:`hemispasm.emg.criteria`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

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
    z_track: float = 3.5
    track_ms: float = 0.5
    consecutive: int = 3
    noise_ms: float = 110.0
    min_interval_s: float = 0.06
    line_hz: float | str | None = "auto"
    init_sweeps: int = 10
    max_init_sweeps: int = 30
    template_sweeps: int = 20
    quiet_late_ms: tuple[float, float] = (44.0, 50.0)
    criterion: str = "complete-loss"
    drop_fraction: float = 0.865


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


def lsr_changes(present: np.ndarray, *, consecutive: int = 3) -> list[tuple[int, str]]:
    """Disappearances and returns as (sweep, "disappeared"|"returned") under complete loss."""
    from hemispasm.emg.criteria import changes_from_absent

    return changes_from_absent(~np.asarray(present, bool), consecutive=consecutive)


def sweep_windows(
    x: np.ndarray, stim: np.ndarray, n_pre: int, n_post: int, n_noise: int
) -> list[tuple[np.ndarray, int]]:
    """One window per stimulus: up to ``n_noise`` noise samples before the sweep (only those
    clear of the previous sweep and of the file start), then the sweep. Causal: a window only
    uses samples up to ``tmax`` after its own stimulus."""
    out = []
    prev_end = -np.inf
    for s in stim:
        first = s - n_pre - n_noise
        nn = n_noise if first >= 0 and first >= prev_end else 0
        out.append((x[:, s - n_pre - nn : s + n_post], nn))
        prev_end = s + n_post
    return out


def _roles_declared(chans: list[str], montage: str | None, path: str | None):
    if montage is None:
        return None
    from hemispasm.emg.roles import declared_roles

    return declared_roles(chans, montage, path)


def emg_lsr(
    rec: EmgRecording,
    *,
    method: str = "template",
    stim_source: str = "auto",
    stim_channel: str | None = None,
    lsr_channel: str | None = None,
    montage: str | None = None,
    params: LsrParams | None = None,
) -> LsrResult:
    """Measure the lateral spread response in a stimulus-locked recording.

    Parameters
    ----------
    rec : EmgRecording
        Data in µV with stimuli (annotations, trigger channel or visible artifacts).
    method : {"template"}
        Detection/measurement algorithm (see :mod:`hemispasm.emg.tracker`).
    stim_source : {"auto", "annotations", "trigger", "artifact"}
    stim_channel : str, optional
        Name of the trigger channel.
    lsr_channel : str, optional
        Force the LSR recording channel (default: the recording channel with most LSRs in the
        baseline sweeps).
    montage : {"zygomatic", "temporal", "mandibular"}, optional
        The stimulated branch; roles then come from the channels' muscle names.
    params : LsrParams, optional

    Returns
    -------
    LsrResult

    Raises
    ------
    InputError
        Rate too low, no stimulus, no EMG channel, unknown channel or montage, sweeps outside
        the recording.
    """
    from hemispasm.emg.tracker import LsrTracker

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
    roles = _roles_declared(chans, montage, path)
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
    tracker = LsrTracker(chans, sf, p, roles=roles, lsr_channel=lsr_channel)
    rows: list[dict[str, Any]] = []
    for win, nn in sweep_windows(x, stim, n_pre, n_post, round(p.noise_ms * 1e-3 * sf)):
        rows.extend(tracker.add(win, nn))
    rows.extend(tracker.finish())
    sweep_times = rec.meta.get("sweep_times_s")
    if sweep_times is not None and len(sweep_times) == len(ok):
        t_s = np.asarray(sweep_times, float)[ok]
    else:
        t_s = stim / sf
    return lsr_result(tracker, rows, t_s, stim_src, rec, p)


SWEEP_COLUMNS = [
    "sweep", "time_s", "channel", "role", "present", "latency_ms", "latency_sd_ms",
    "amplitude_uv", "raw_p2p_uv", "duration_ms", "area_uv_ms", "phases", "confidence", "z",
    "z_threshold", "m_present", "m_latency_ms", "m_amplitude_uv",
]  # fmt: skip


def confidence(z: np.ndarray | float, thr: float) -> np.ndarray:
    """Heuristic 0.5-1 confidence of the present/absent call: Φ(|z - threshold|)."""
    from scipy.special import ndtr

    return ndtr(np.abs(np.asarray(z, float) - thr))


def rows_frame(rows: list[dict[str, Any]], t_s: np.ndarray, p: LsrParams) -> pd.DataFrame:
    """The sweeps table (columns :data:`SWEEP_COLUMNS`) from tracker rows."""
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=SWEEP_COLUMNS)
    df["time_s"] = np.asarray(t_s, float)[df["sweep"].to_numpy()]
    df["confidence"] = confidence(df["z"].to_numpy(), df["z_threshold"].to_numpy())
    df = df.sort_values(["sweep", "channel"], kind="stable")
    order = {c: i for i, c in enumerate(dict.fromkeys(r["channel"] for r in rows))}
    df = df.sort_values(["channel"], key=lambda s: s.map(order), kind="stable")
    return df[SWEEP_COLUMNS].reset_index(drop=True)


def lsr_result(tracker, rows, t_s, stim_src, rec, p) -> LsrResult:
    """Assemble the :class:`LsrResult` from a tracker that has read every sweep."""
    sweeps = rows_frame(rows, t_s, p)
    chans = tracker.ch
    lsr_channel = tracker.lsr_channel or next(
        (c for c in chans if tracker.roles[c]["role"] == "recording"), chans[0]
    )
    summary = _summary(sweeps, tracker, lsr_channel, np.asarray(t_s, float), stim_src, p, rec)
    epochs = np.stack(tracker.epochs) if tracker.epochs else np.zeros((0, len(chans), 0))
    times_ms = (np.arange(epochs.shape[-1]) - tracker.n_pre) / tracker.sf * 1e3
    templates = {c: {"lsr": tracker.lsr_tpl.get(c), "direct": tracker.m_tpl.get(c)} for c in chans}
    return LsrResult(sweeps, summary, epochs, times_ms, chans, templates)


def _summary(sweeps, tracker, lsr_channel, t_s, stim_src, p, rec) -> dict[str, Any]:
    from hemispasm.emg.criteria import OUTCOME_CONTEXT, evaluate_criteria
    from hemispasm.provenance import Provenance

    d = sweeps[sweeps.channel == lsr_channel].sort_values("sweep")
    present = d.present.to_numpy(bool)
    amp = d.amplitude_uv.to_numpy(float)
    lat = d.latency_ms.to_numpy(float)
    t_s = t_s[: len(present)]
    crit = evaluate_criteria(
        present,
        amp,
        t_s,
        consecutive=p.consecutive,
        baseline_sweeps=p.init_sweeps,
        drop=p.drop_fraction,
    )
    main = crit[p.criterion]
    first_dis, ret = main["disappearance_sweep"], main["return_sweep"]
    baseline_amp = crit["amplitude-drop"]["baseline_amplitude_uv"]
    slope = None
    sel = present.copy()
    if first_dis is not None:
        sel[first_dis:] = False
    if sel.sum() >= 3 and np.ptp(t_s[sel]) > 0:
        slope = float(np.polyfit(t_s[sel] / 60.0, amp[sel], 1)[0])

    def f(v: Any) -> Any:
        return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v

    def clean(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [clean(v) for v in obj]
        if isinstance(obj, np.generic):
            obj = obj.item()
        return f(obj) if isinstance(obj, float) else obj

    roles = {
        c: {k: v for k, v in r.items() if k != "lsr_template"} | {"lsr_template": r["lsr_template"]}
        for c, r in tracker.roles.items()
    }
    return {
        "lsr_channel": lsr_channel,
        "direct_channels": [c for c, r in tracker.roles.items() if r["role"] == "direct"],
        "channels": list(tracker.ch),
        "roles": clean(roles),
        "sweeps": len(present),
        "stimulus_source": stim_src,
        "lsr_present_sweeps": int(present.sum()),
        "lsr_present_fraction": float(present.mean()) if len(present) else 0.0,
        "criterion": p.criterion,
        "lsr_disappeared": first_dis is not None,
        "disappearance_sweep": first_dis,
        "disappearance_time_s": main["disappearance_time_s"],
        "returned": ret is not None,
        "return_sweep": ret,
        "return_time_s": main["return_time_s"],
        "final_state": main["final_state"],
        "changes": main["changes"],
        "disappearance_definition": main["definition"],
        "criteria": clean(crit),
        "outcome_context": OUTCOME_CONTEXT,
        "consecutive_sweeps": p.consecutive,
        "baseline_amplitude_uv": f(baseline_amp),
        "amplitude_slope_uv_per_min": f(slope),
        "median_latency_ms": f(float(np.nanmedian(lat))) if np.isfinite(lat).any() else None,
        "last_amplitude_ratio": (
            f(float(amp[-1] / baseline_amp)) if baseline_amp and len(amp) else None
        ),
        "line_hz_removed": tracker.line_hz,
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
