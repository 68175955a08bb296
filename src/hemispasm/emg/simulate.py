"""Seeded simulators of facial EMG: LSR sweeps and free-running HFS bursts (SYNTHETIC data).

Every recording made here has ``meta["synthetic"] = True``; :func:`hemispasm.emg.write_edf`
marks it in the EDF recording field and in a first ``SYNTHETIC`` annotation.

Parameters and their sources are listed in ``docs/references.md`` (section "EMG: lateral spread
response and spasm bursts"). In short: the LSR onset latency is centred on ~10 ms (Isu et al.
1996; Misawa et al. 2006); the within-burst discharge rate is drawn from 250-350 Hz (Nielsen
1984); the LSR/M-response amplitudes, durations, the stimulus artifact, the stimulation
interval, burst rates and burst durations are **engineering choices** that give realistic-looking
test signals, not clinical values. SNR is defined as the LSR peak-to-peak amplitude divided by the
standard deviation of the added white Gaussian noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hemispasm.emg.io import Annotation, EmgRecording

#: Published LSR onset latency centre (ms): Isu et al. 1996 ("about 10 msec"), Misawa et al.
#: 2006 (mean onset 10.0 ms). The spread (SD 0.8 ms, clipped to 8-13 ms) is an engineering choice.
LSR_LATENCY_MS = 10.0
#: Within-burst discharge rate range (Hz) reported for HFS trains (Nielsen 1984).
DISCHARGE_HZ = (250.0, 350.0)


@dataclass
class SimulatedLsr:
    """A simulated LSR session: the recording and the per-sweep ground truth."""

    recording: EmgRecording
    truth: pd.DataFrame  # sweep, time_s, present, latency_ms, amplitude_uv, duration_ms
    lsr_channel: str
    direct_channel: str
    disappearance_sweep: int | None
    return_sweep: int | None


@dataclass
class SimulatedBursts:
    """A simulated free-running recording: the recording and the bursts it contains."""

    recording: EmgRecording
    truth: pd.DataFrame  # channel, onset_s, offset_s, discharge_hz
    synchronous: bool


def lsr_waveform(n: int, *, n_phases: int = 3) -> np.ndarray:
    """A polyphasic response of ``n`` samples, peak-to-peak 1, starting at 0 with a linear rise.

    ``sin(n_phases·π·u)·exp(-1.2·u)`` for ``u`` in [0, 1): ``n_phases`` half-waves of alternating
    sign that decay; its onset is exactly the first sample.
    """
    u = np.arange(n) / n
    w = np.sin(n_phases * np.pi * u) * np.exp(-1.2 * u)
    return w / np.ptp(w)


def emg_simulate_lsr(
    *,
    n_sweeps: int = 60,
    sfreq: float = 10_000.0,
    snr: float = 10.0,
    interval_s: float = 2.0,
    latency_ms: float | None = None,
    amplitude_uv: float | None = None,
    duration_ms: float = 8.0,
    n_phases: int = 3,
    disappear_at: int | None = None,
    return_at: int | None = None,
    absent_fraction: float = 0.0,
    artifact_uv: float = 3000.0,
    line_noise_uv: float = 0.0,
    stimulus: str = "annotations",
    seed: int | None = 0,
) -> SimulatedLsr:
    """Simulate intraoperative LSR monitoring: stimulus every ``interval_s`` seconds.

    Channels: ``Oculi`` (muscle of the stimulated branch: direct M-response at ~3 ms),
    ``Mentalis`` (another branch: the LSR at ``latency_ms``), and with
    ``stimulus="trigger"`` a ``TRIG`` channel.

    Parameters
    ----------
    n_sweeps, sfreq, interval_s : int, float, float
        Number of stimuli, sampling rate (Hz), time between stimuli (s).
    snr : float
        LSR peak-to-peak amplitude / noise SD (white Gaussian noise up to Nyquist).
    latency_ms, amplitude_uv : float, optional
        The LSR onset latency and peak-to-peak amplitude; drawn when omitted (latency
        ~N(10, 0.8) ms clipped to 8-13 ms, amplitude U(50, 300) µV).
    duration_ms, n_phases : float, int
        Shape of the LSR.
    disappear_at : int, optional
        0-based sweep from which the LSR is gone (decompression).
    return_at : int, optional
        0-based sweep from which it comes back.
    absent_fraction : float
        Fraction of other sweeps (chosen at random) with no LSR (to test specificity).
    artifact_uv : float
        Stimulus artifact peak (µV) on the recording channels.
    line_noise_uv : float
        50 Hz mains amplitude (µV).
    stimulus : {"annotations", "trigger", "none"}
        How stimuli are marked: EDF annotations, a trigger channel, or not at all (the
        analysis then finds them from the artifact).
    seed : int or None
    """
    if stimulus not in ("annotations", "trigger", "none"):
        raise ValueError("stimulus must be 'annotations', 'trigger' or 'none'")
    rng = np.random.default_rng(seed)
    if latency_ms is None:
        latency_ms = float(np.clip(rng.normal(LSR_LATENCY_MS, 0.8), 8.0, 13.0))
    if amplitude_uv is None:
        amplitude_uv = float(rng.uniform(50.0, 300.0))
    n_int = round(interval_s * sfreq)
    lead = round(0.5 * sfreq)
    n_total = lead + n_sweeps * n_int
    # round the length up to whole seconds (EDF data records of 1 s)
    n_total = int(np.ceil(n_total / sfreq) * sfreq)
    sigma = amplitude_uv / snr
    noise = rng.standard_normal((2, n_total)) * sigma
    data = noise
    if line_noise_uv:
        t = np.arange(n_total) / sfreq
        data += line_noise_uv * np.sin(2 * np.pi * 50.0 * t + rng.uniform(0, 2 * np.pi, (2, 1)))
    stim_idx = lead + np.arange(n_sweeps) * n_int
    # stimulus artifact: 0.2 ms pulse + exponential tail (tau 0.5 ms), per-channel gain
    n_art = round(0.004 * sfreq)
    ta = np.arange(n_art) / sfreq
    pulse = (ta < 0.0002).astype(float)
    tail = -0.15 * np.exp(-ta / 0.0005) * (ta >= 0.0002)
    art = artifact_uv * (pulse + tail)
    gains = np.array([1.0, 0.6])
    # direct M-response in Oculi (engineering: onset 3 ms, 5 ms long, 4x the LSR amplitude)
    m_wave = lsr_waveform(round(0.005 * sfreq), n_phases=2) * 4.0 * amplitude_uv
    m_on = round(0.003 * sfreq)
    present = np.ones(n_sweeps, bool)
    if absent_fraction > 0:
        present &= rng.random(n_sweeps) >= absent_fraction
    if disappear_at is not None:
        present[disappear_at:] = False
        if return_at is not None:
            present[return_at:] = True
    lat = latency_ms + rng.normal(0, 0.1, n_sweeps)  # engineering: small jitter (constant LSR)
    amp = amplitude_uv * np.clip(1 + rng.normal(0, 0.05, n_sweeps), 0.7, 1.3)
    n_w = round(duration_ms * 1e-3 * sfreq)
    shape = lsr_waveform(n_w, n_phases=n_phases)
    for k, s0 in enumerate(stim_idx):
        for c in range(2):
            data[c, s0 : s0 + n_art] += gains[c] * art * rng.uniform(0.8, 1.2)
        data[0, s0 + m_on : s0 + m_on + len(m_wave)] += m_wave
        if present[k]:
            # fractional-sample onset: shift by linear interpolation of the shape
            on = lat[k] * 1e-3 * sfreq
            i0 = int(np.floor(on))
            frac = on - i0
            idx = np.arange(n_w + 1)
            src = idx - frac
            wave = np.interp(src, np.arange(n_w), shape, left=0.0, right=0.0)
            data[1, s0 + i0 : s0 + i0 + n_w + 1] += amp[k] * wave
    names = ["Oculi", "Mentalis"]
    data, annotations = mark_stimuli(data, names, stim_idx, sfreq=sfreq, stimulus=stimulus)
    meta = {
        "source": "emg_simulate_lsr",
        "format": "simulated",
        "synthetic": True,
        "simulation": {
            "kind": "lsr",
            "seed": seed,
            "snr": snr,
            "latency_ms": latency_ms,
            "amplitude_uv": amplitude_uv,
        },
    }
    rec = EmgRecording(data, float(sfreq), names, annotations, meta)
    truth = pd.DataFrame(
        {
            "sweep": np.arange(n_sweeps),
            "time_s": stim_idx / sfreq,
            "present": present,
            "latency_ms": np.where(present, lat, np.nan),
            "amplitude_uv": np.where(present, amp, 0.0),
            "duration_ms": np.where(present, duration_ms, np.nan),
        }
    )
    return SimulatedLsr(rec, truth, "Mentalis", "Oculi", disappear_at, return_at)


def muap_shape(sfreq: float, *, duration_ms: float = 3.0) -> np.ndarray:
    """A biphasic motor-unit potential (first derivative of a Gaussian), peak |value| 1."""
    n = max(5, round(duration_ms * 1e-3 * sfreq))
    t = np.linspace(-3, 3, n)
    w = -t * np.exp(-(t**2) / 2)
    return w / np.abs(w).max()


def emg_simulate_bursts(
    *,
    duration_s: float = 60.0,
    sfreq: float = 10_000.0,
    channels: tuple[str, ...] = ("Oculi", "Oris", "Mentalis", "Frontalis"),
    burst_rate_hz: float = 0.5,
    burst_duration_ms: tuple[float, float] = (80.0, 300.0),
    snr: float = 8.0,
    noise_uv: float = 10.0,
    synchronous: bool = True,
    jitter_ms: float = 2.0,
    dtype: type = np.float64,
    seed: int | None = 0,
) -> SimulatedBursts:
    """Simulate free-running facial EMG with clonic HFS bursts.

    Each burst is a train of motor-unit potentials discharging at a rate drawn from
    :data:`DISCHARGE_HZ`; bursts start at random (Poisson, ``burst_rate_hz``) with a refractory
    gap of twice the maximum burst duration. With ``synchronous=True`` every channel fires the
    same bursts (onsets within ``jitter_ms``), as in HFS; otherwise each channel has its own.

    Parameters
    ----------
    snr : float
        MUAP peak amplitude / noise SD.
    noise_uv : float
        Background noise SD (µV, white).
    dtype : numpy dtype
        float32 halves the memory of long recordings.
    """
    rng = np.random.default_rng(seed)
    n = round(duration_s * sfreq)
    n_ch = len(channels)
    data = rng.standard_normal((n_ch, n), dtype=np.float32 if dtype == np.float32 else np.float64)
    data *= noise_uv
    muap = muap_shape(sfreq) * snr * noise_uv
    gap = 2 * burst_duration_ms[1] / 1000.0

    def draw_bursts() -> list[tuple[float, float, float]]:
        out, t = [], 0.5
        while True:
            t += gap + rng.exponential(1.0 / burst_rate_hz)
            dur = rng.uniform(*burst_duration_ms) / 1000.0
            if t + dur > duration_s - 0.5:
                return out
            out.append((t, t + dur, rng.uniform(*DISCHARGE_HZ)))
            t += dur

    rows = []
    shared = draw_bursts() if synchronous else None
    for c in range(n_ch):
        bursts = shared if synchronous else draw_bursts()
        impulses = np.zeros(n)
        for on, off, f in bursts:
            j = rng.normal(0, jitter_ms / 1000.0) if synchronous else 0.0
            on_c, off_c = on + j, off + j
            times = np.arange(on_c, off_c, 1.0 / f)
            times = times + rng.normal(0, 0.05 / f, len(times))  # engineering: 5% jitter
            idx = np.round(times * sfreq).astype(int)
            impulses[idx[(idx >= 0) & (idx < n)]] += rng.uniform(0.7, 1.3, len(idx))
            rows.append((channels[c], on_c, off_c, f))
        nz = np.flatnonzero(impulses)
        if len(nz):
            # add the MUAP at every impulse (short kernel: scatter-add, no full convolution)
            half = len(muap) // 2
            for k, w in enumerate(muap):
                pos = nz + k - half
                ok = (pos >= 0) & (pos < n)
                np.add.at(data[c], pos[ok], (impulses[nz[ok]] * w).astype(data.dtype))
    truth = pd.DataFrame(rows, columns=["channel", "onset_s", "offset_s", "discharge_hz"])
    meta = {
        "source": "emg_simulate_bursts",
        "format": "simulated",
        "synthetic": True,
        "simulation": {"kind": "bursts", "seed": seed, "snr": snr, "synchronous": synchronous},
    }
    rec = EmgRecording(data, float(sfreq), list(channels), [], meta)
    return SimulatedBursts(rec, truth, synchronous)


def mark_stimuli(
    data: np.ndarray, names: list[str], stim_idx, *, sfreq: float, stimulus: str
) -> tuple[np.ndarray, list[Annotation]]:
    """Mark the stimuli of a simulated recording: ``annotations`` (one "Stimulus" annotation
    each) or ``trigger`` (a 1-ms 5-V pulse each on a ``TRIG`` channel appended to ``data`` and
    ``names``, which is changed in place); anything else marks nothing."""
    annotations: list[Annotation] = []
    if stimulus == "annotations":
        annotations = [Annotation(s / sfreq, 0.0, "Stimulus") for s in stim_idx]
    elif stimulus == "trigger":
        trig = np.zeros((1, data.shape[1]))
        for s in stim_idx:
            trig[0, s : s + round(0.001 * sfreq)] = 5.0
        data = np.vstack([data, trig])
        names.append("TRIG")
    return data, annotations
