"""A varied LSR monitoring simulator (SYNTHETIC): many artifact, response and noise shapes.

Written to test the LSR reading against recordings that do not look like the reading's own
assumptions. Each session draws (seeded) one scenario; every range, and whether it is cited or
an *engineering* choice, is listed in docs/references.md ("EMG: the varied LSR simulator") and
in :data:`RANGES`.

* **Montage** — ``zygomatic`` or ``temporal`` branch stimulated → the LSR in Mentalis or
  OrbOris, the direct M-response in OrbOculi (zygomatic) or Frontalis (temporal);
  ``mandibular`` (marginal mandibular branch) stimulated → the LSR in OrbOculi, the direct
  response in Mentalis. Channel names are the muscle names, or (30 %) generic ``EMG1/EMG2``.
* **Stimulus artifact** — a 0.2-ms pulse, then one of: exponential decay, damped ringing, DC
  step (slowly decaying baseline shift), amplifier saturation (flat at the rail for 0.5-3 ms,
  then recovery). Per-sweep gain ±20 %.
* **Direct M-response** (stimulated branch's muscle) — 2-3 phases, onset 2.5-5 ms.
* **LSR** — mono- (1 phase) or polyphasic (2-5 phases of random widths), 7-15 ms long,
  onset latency 8-12 ms with per-sweep jitter, 30-500 µV peak-to-peak with per-sweep
  variation; its onset is exact (each phase is a half sine, so the first phase leaves the
  baseline with a finite slope at the true onset).
* **Late component** (30 % of sessions) near 35 ms, in half the sweeps.
* **Noise** — white + pink (1/f) Gaussian noise; SD set from the drawn SNR (LSR peak-to-peak
  / noise SD); mains hum 50 or 60 Hz with 2nd/3rd harmonics.
* **Course** — the LSR is steady, or fades over a few sweeps and disappears (optionally
  returns); some sessions have randomly absent sweeps.
* **Stimulus rate** 0.5-2 Hz; stimuli marked by annotations, a trigger channel, or not at all.

Ground truth per sweep: ``present``, ``latency_ms`` (true onset), ``p2p_uv`` (true peak-to-
peak of the LSR in that sweep), ``noise_sd_uv``; the scenario in ``scenario``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hemispasm.emg.io import EmgRecording
from hemispasm.emg.simulate import mark_stimuli

#: Ranges drawn by the simulator (cited or engineering: see docs/references.md).
RANGES: dict[str, Any] = {
    "lsr_latency_ms": (8.0, 12.0),
    "lsr_jitter_sd_ms": (0.05, 0.3),
    "lsr_duration_ms": (7.0, 15.0),
    "lsr_p2p_uv": (30.0, 500.0),
    "lsr_sweep_cv": (0.05, 0.2),
    "m_latency_ms": (2.5, 5.0),
    "m_duration_ms": (4.0, 8.0),
    "m_p2p_uv": (300.0, 3000.0),
    "late_latency_ms": (33.0, 38.0),
    "late_duration_ms": (3.0, 6.0),
    "saturation_ms": (0.5, 3.0),
    "ringing_hz": (1500.0, 4000.0),
    "ringing_tau_ms": (0.15, 0.35),
    "exp_tau_ms": (0.2, 1.0),
    "artifact_uv": (500.0, 5000.0),
    "dc_step_uv": (20.0, 300.0),
    "dc_tau_ms": (100.0, 1000.0),
    "snr": (1.5, 25.0),
    "pink_fraction": (0.0, 0.8),
    "hum_sd_ratio": (0.0, 3.0),
    "interval_s": (0.5, 2.0),
}
ARTIFACTS = ("exponential", "ringing", "dc_step", "saturation")
MONTAGE_LAYOUT = {
    "zygomatic": ("OrbOculi", ("Mentalis", "OrbOris")),
    "temporal": ("Frontalis", ("Mentalis", "OrbOris")),
    "mandibular": ("Mentalis", ("OrbOculi",)),
}


@dataclass
class VariedLsr:
    """One simulated session (SYNTHETIC)."""

    recording: EmgRecording
    truth: pd.DataFrame
    lsr_channel: str
    direct_channel: str
    montage: str
    scenario: dict[str, Any] = field(default_factory=dict)


def phased_wave(t_ms: np.ndarray, widths: np.ndarray, amps: np.ndarray) -> np.ndarray:
    """Consecutive half-sine phases (widths ms, signed amplitudes), 0 outside; peak-to-peak 1."""
    out = np.zeros_like(t_ms, dtype=float)
    edges = np.concatenate([[0.0], np.cumsum(widths)])
    for a, w, e0 in zip(amps, widths, edges[:-1], strict=True):
        u = (t_ms - e0) / w
        inside = (u >= 0) & (u < 1)
        out[inside] += a * np.sin(np.pi * u[inside])
    return out


def _shape(rng: np.random.Generator, n_phases: int, duration_ms: float):
    widths = rng.dirichlet(np.full(n_phases, 3.0)) * duration_ms
    mags = np.concatenate([[1.0], rng.uniform(0.3, 1.0, n_phases - 1)]) if n_phases > 1 else [1.0]
    sign = rng.choice([-1.0, 1.0])
    amps = sign * np.asarray(mags) * (-1.0) ** np.arange(n_phases)
    grid = np.linspace(0, duration_ms, 2001)
    ptp = np.ptp(phased_wave(grid, widths, amps))
    return widths, amps / ptp


def _pink(rng: np.random.Generator, n: int, sfreq: float) -> np.ndarray:
    spec = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    f = np.fft.rfftfreq(n, 1 / sfreq)
    spec *= 1.0 / np.sqrt(np.maximum(f, 1.0))
    spec[0] = 0
    x = np.fft.irfft(spec, n)
    return x / x.std()


def emg_simulate_lsr_varied(
    seed: int,
    *,
    n_sweeps: int = 60,
    sfreq: float = 10_000.0,
    montage: str | None = None,
    snr: float | None = None,
    artifact: str | None = None,
    course: str | None = None,
    stimulus: str | None = None,
    generic_names: bool | None = None,
) -> VariedLsr:
    """Simulate one varied LSR session (SYNTHETIC); any scenario field may be fixed.

    Parameters
    ----------
    seed : int
        Draws every unspecified field.
    montage : {"zygomatic", "temporal", "mandibular"}, optional
    snr : float, optional
        LSR peak-to-peak / total noise SD (drawn log-uniform in 1.5-25).
    artifact : {"exponential", "ringing", "dc_step", "saturation"}, optional
    course : {"steady", "intermittent", "disappear", "disappear_return"}, optional
    stimulus : {"annotations", "trigger", "none"}, optional
    generic_names : bool, optional
        Name the channels EMG1/EMG2 instead of after the muscles.
    """
    rng = np.random.default_rng(seed)
    R = RANGES
    montage = montage or str(rng.choice(list(MONTAGE_LAYOUT)))
    direct_name, lsr_opts = MONTAGE_LAYOUT[montage]
    lsr_name = str(rng.choice(lsr_opts))
    artifact = artifact or str(rng.choice(ARTIFACTS))
    course = course or str(rng.choice(["steady", "intermittent", "disappear", "disappear_return"]))
    stimulus = stimulus or str(rng.choice(["annotations", "trigger", "none"]))
    if generic_names is None:
        generic_names = bool(rng.random() < 0.3)
    if snr is None:
        snr = float(np.exp(rng.uniform(np.log(R["snr"][0]), np.log(R["snr"][1]))))
    interval = float(rng.uniform(*R["interval_s"]))
    n_int = round(interval * sfreq)
    lead = round(0.5 * sfreq)
    n_total = int(np.ceil((lead + n_sweeps * n_int + round(0.1 * sfreq)) / sfreq) * sfreq)
    stim = lead + np.arange(n_sweeps) * n_int

    # LSR
    p2p = float(rng.uniform(*R["lsr_p2p_uv"]))
    lat0 = float(rng.uniform(*R["lsr_latency_ms"]))
    jit = float(rng.uniform(*R["lsr_jitter_sd_ms"]))
    dur = float(rng.uniform(*R["lsr_duration_ms"]))
    n_ph = 1 if rng.random() < 0.25 else int(rng.integers(2, 6))
    widths, amps = _shape(rng, n_ph, dur)
    cv = float(rng.uniform(*R["lsr_sweep_cv"]))
    present = np.ones(n_sweeps, bool)
    scale = np.clip(1 + rng.normal(0, cv, n_sweeps), 0.5, 1.5)
    dis = ret = None
    if course == "intermittent":
        present &= rng.random(n_sweeps) >= rng.uniform(0.1, 0.3)
        present[:3] = True
    if course in ("disappear", "disappear_return"):
        dis = int(rng.integers(max(10, n_sweeps // 3), n_sweeps - max(6, n_sweeps // 4)))
        fade = int(rng.integers(0, 6))
        f0 = max(0, dis - fade)
        scale[f0:dis] *= np.linspace(1.0, rng.uniform(0.3, 0.7), dis - f0)
        present[dis:] = False
        if course == "disappear_return":
            ret = int(rng.integers(dis + 4, max(dis + 5, n_sweeps - 2)))
            present[ret:] = True
    lat = lat0 + rng.normal(0, jit, n_sweeps)
    sweep_p2p = np.where(present, p2p * scale, 0.0)

    # noise
    sigma = p2p / snr
    pink_f = float(rng.uniform(*R["pink_fraction"]))
    hum_hz = float(rng.choice([50.0, 60.0]))
    hum = float(rng.uniform(*R["hum_sd_ratio"])) * sigma
    t = np.arange(n_total) / sfreq
    data = np.zeros((2, n_total))
    for c in range(2):
        data[c] = sigma * (
            np.sqrt(1 - pink_f) * rng.standard_normal(n_total)
            + np.sqrt(pink_f) * _pink(rng, n_total, sfreq)
        )
        ph = rng.uniform(0, 2 * np.pi, 3)
        h2, h3 = rng.uniform(0, 0.3, 2)
        data[c] += (
            hum
            * np.sqrt(2)
            * (
                np.sin(2 * np.pi * hum_hz * t + ph[0])
                + h2 * np.sin(4 * np.pi * hum_hz * t + ph[1])
                + h3 * np.sin(6 * np.pi * hum_hz * t + ph[2])
            )
        )

    # artifact (channel 0 = direct, larger; channel 1 = LSR channel)
    n_art = round(0.060 * sfreq)
    ta_ms = np.arange(n_art) / sfreq * 1e3
    # the artifact stands far out of the noise (as stimulus artifacts do): at least 100 noise SD
    a0 = float(rng.uniform(*R["artifact_uv"])) + 100.0 * sigma
    pulse = (ta_ms < 0.2).astype(float)
    if artifact == "exponential":
        tau = float(rng.uniform(*R["exp_tau_ms"]))
        tail = -0.3 * np.exp(-(ta_ms - 0.2) / tau) * (ta_ms >= 0.2)
    elif artifact == "ringing":
        f = float(rng.uniform(*R["ringing_hz"]))
        tau = float(rng.uniform(*R["ringing_tau_ms"]))
        tail = 0.5 * np.exp(-(ta_ms - 0.2) / tau) * np.cos(2 * np.pi * f * (ta_ms - 0.2) / 1e3)
        tail *= ta_ms >= 0.2
    elif artifact == "dc_step":
        tau = float(rng.uniform(*R["exp_tau_ms"]))
        step = float(rng.uniform(*R["dc_step_uv"])) * rng.choice([-1, 1]) / a0
        dtau = float(rng.uniform(*R["dc_tau_ms"]))
        # the slow baseline shift lasts until the next stimulus (added below), so it ends
        # under the next artifact rather than with a jump
        tail = -0.3 * np.exp(-(ta_ms - 0.2) / tau) * (ta_ms >= 0.2)
    else:  # saturation
        tau = float(rng.uniform(0.2, 0.6))
        sat_ms = float(rng.uniform(*R["saturation_ms"]))
        tail = np.where(ta_ms < sat_ms, 1.0, np.exp(-(ta_ms - sat_ms) / tau)) * (ta_ms >= 0.2)
    art = a0 * (pulse + tail)
    gains = np.array([float(rng.uniform(1.0, 2.0)), float(rng.uniform(0.3, 1.0))])

    # direct M-response
    m_lat = float(rng.uniform(*R["m_latency_ms"]))
    m_dur = float(rng.uniform(*R["m_duration_ms"]))
    m_w, m_a = _shape(rng, int(rng.integers(2, 4)), m_dur)
    m_p2p = float(rng.uniform(*R["m_p2p_uv"]))
    # late component
    late = rng.random() < 0.3
    l_lat = float(rng.uniform(*R["late_latency_ms"]))
    l_w, l_a = _shape(rng, 2, float(rng.uniform(*R["late_duration_ms"])))
    l_p2p = float(rng.uniform(0.3, 1.0)) * p2p

    n_win = round(0.050 * sfreq)
    tw_ms = np.arange(n_win) / sfreq * 1e3
    rail = None
    for k, s0 in enumerate(stim):
        for c in range(2):
            g = gains[c] * rng.uniform(0.8, 1.2)
            data[c, s0 : s0 + n_art] += g * art
            if artifact == "dc_step":
                s1 = stim[k + 1] if k + 1 < len(stim) else n_total
                td_ms = np.arange(s1 - s0) / sfreq * 1e3
                data[c, s0:s1] += g * a0 * step * np.exp(-(td_ms - 0.2) / dtau) * (td_ms >= 0.2)
        m_gain = m_p2p * rng.uniform(0.9, 1.1)
        data[0, s0 : s0 + n_win] += m_gain * phased_wave(tw_ms - m_lat, m_w, m_a)
        if present[k]:
            data[1, s0 : s0 + n_win] += sweep_p2p[k] * phased_wave(tw_ms - lat[k], widths, amps)
        if late and rng.random() < 0.5:
            lt = l_lat + rng.normal(0, 1.0)
            data[1, s0 : s0 + n_win] += l_p2p * phased_wave(tw_ms - lt, l_w, l_a)
    if artifact == "saturation":
        rail = gains * a0 * 0.7  # below the smallest artifact peak (gain x 0.8)
        for c in range(2):
            data[c] = np.clip(data[c], -rail[c] * 10, rail[c])
    names = ["EMG1", "EMG2"] if generic_names else [direct_name, lsr_name]
    data, annotations = mark_stimuli(data, names, stim, sfreq=sfreq, stimulus=stimulus)
    scenario = {
        "seed": seed, "montage": montage, "artifact": artifact, "course": course,
        "stimulus": stimulus, "generic_names": generic_names, "snr": snr, "interval_s": interval,
        "lsr_p2p_uv": p2p, "lsr_latency_ms": lat0, "jitter_sd_ms": jit, "duration_ms": dur,
        "phases": n_ph, "noise_sd_uv": sigma, "pink_fraction": pink_f, "hum_hz": hum_hz,
        "hum_sd_uv": hum, "late_component": bool(late), "m_latency_ms": m_lat,
        "disappear_at": dis, "return_at": ret,
    }  # fmt: skip
    meta = {
        "source": "emg_simulate_lsr_varied",
        "format": "simulated",
        "synthetic": True,
        "simulation": {"kind": "lsr_varied", **scenario},
    }
    rec = EmgRecording(data, float(sfreq), names, annotations, meta)
    truth = pd.DataFrame(
        {
            "sweep": np.arange(n_sweeps),
            "time_s": stim / sfreq,
            "present": present,
            "latency_ms": np.where(present, lat, np.nan),
            "p2p_uv": sweep_p2p,
            "amplitude_uv": sweep_p2p,
            "noise_sd_uv": sigma,
        }
    )
    return VariedLsr(rec, truth, names[1], names[0], montage, scenario)


def check_varied_options(
    *,
    n_sweeps: int,
    sfreq: float,
    snr: float | None,
    seed: int,
    disappear_at: int | None = None,
    return_at: int | None = None,
    interval_s: float | None = None,
) -> None:
    """Bounds of ``emg simulate lsr --varied`` (one-line errors); the course and the stimulus
    rate are drawn, so ``--disappear-at``/``--return-at``/``--interval`` do not apply."""
    from hemispasm.emg.limits import check_simulation_lsr
    from hemispasm.errors import InputError

    for flag, v in (("--disappear-at", disappear_at), ("--return-at", return_at),
                    ("--interval", interval_s)):  # fmt: skip
        if v is not None:
            raise InputError(
                f"{flag} does not apply with --varied (the seed draws it)",
                hint="use --course disappear / disappear_return, or leave out --varied",
            )
    if n_sweeps < 20:
        raise InputError(f"--sweeps {n_sweeps} with --varied must be at least 20",
                         hint="e.g. --sweeps 60")  # fmt: skip
    check_simulation_lsr(
        n_sweeps=n_sweeps, sfreq=sfreq, interval_s=RANGES["interval_s"][1],
        snr=10.0 if snr is None else snr, seed=seed,
    )  # fmt: skip


def simulate_varied_checked(seed: int, **kw: Any) -> VariedLsr:
    """:func:`emg_simulate_lsr_varied` with the scenario names checked (one-line errors)."""
    from hemispasm.errors import InputError

    allowed = {
        "montage": tuple(MONTAGE_LAYOUT),
        "artifact": ARTIFACTS,
        "course": ("steady", "intermittent", "disappear", "disappear_return"),
        "stimulus": ("annotations", "trigger", "none"),
    }
    for key, ok in allowed.items():
        v = kw.get(key)
        if v is not None and v not in ok:
            raise InputError(f"unknown --{key} '{v}'", hint=f"use one of {', '.join(ok)}")
    return emg_simulate_lsr_varied(seed, **kw)
