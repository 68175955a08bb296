"""Bounds on EMG inputs and on simulation requests, checked before any work is done.

Every check raises :class:`hemispasm.errors.InputError` with one line naming the file or the
option, what is wrong and what to do. The numbers are **engineering choices** (listed in
docs/robustness.md, section "EMG inputs"), not physiological constants:

* :data:`SFREQ_MIN_HZ`, :data:`SFREQ_MAX_HZ` — a sampling rate below 1 Hz or above 1 MHz is
  taken as a wrong time unit (EMG is sampled at a few kHz to a few tens of kHz);
* :data:`SAMPLE_MAX_UV` — an EMG sample beyond ±1 V (10⁶ µV) at the electrode is taken as a
  corrupt value or a wrong unit: biopotential amplifier inputs are far smaller (the EMG itself is
  µV to a few mV). Trigger channels (TTL pulses in volts) are exempt;
* :data:`SIM_SFREQ_HZ`, :data:`SIM_MAX_SAMPLES`, :data:`SIM_MAX_SNR` — the simulator holds the
  whole recording in memory, so a request is capped at 12 million samples per channel (20
  minutes at 10 kHz). Measured at the cap: peak RSS 0.77 GB for ``emg simulate bursts`` (4
  channels, 1200 s) and 0.53 GB for ``emg simulate lsr`` (599 sweeps), 16 s and 12 s.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hemispasm.errors import InputError

if TYPE_CHECKING:
    from hemispasm.emg.io import EmgRecording

#: Lowest and highest sampling rate accepted from a file or ``--rate`` (Hz); engineering bounds.
SFREQ_MIN_HZ = 1.0
SFREQ_MAX_HZ = 1.0e6
#: Largest |sample| accepted on an EMG channel (µV), i.e. 1 V; engineering bound.
SAMPLE_MAX_UV = 1.0e6
#: Sampling rates the simulator accepts (Hz).
SIM_SFREQ_HZ = (1000.0, 100_000.0)
#: Most samples per channel the simulator writes (20 minutes at 10 kHz).
SIM_MAX_SAMPLES = 12_000_000
#: Largest simulated SNR (LSR peak-to-peak or MUAP peak / noise SD).
SIM_MAX_SNR = 1000.0


def check_rate_option(value: float | None, *, path: str | Path | None = None) -> None:
    """Refuse a ``--rate`` that is not a rate in [:data:`SFREQ_MIN_HZ`, :data:`SFREQ_MAX_HZ`]."""
    if value is None:
        return
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not (math.isfinite(v) and SFREQ_MIN_HZ <= v <= SFREQ_MAX_HZ):
        raise InputError(
            f"--rate {value} is not a sampling rate (accepted: {SFREQ_MIN_HZ:g} to "
            f"{SFREQ_MAX_HZ:g} Hz)",
            path=path,
            hint="pass the CSV's sampling rate, e.g. --rate 10000",
        )


def check_file_rate(sfreq: float, path: str | Path, where: str) -> None:
    """Refuse a sampling rate read from a file (``where`` names the field) outside the bounds."""
    if not (math.isfinite(sfreq) and SFREQ_MIN_HZ <= sfreq <= SFREQ_MAX_HZ):
        raise InputError(
            f"{where} gives a sampling rate of {sfreq:g} Hz (accepted: {SFREQ_MIN_HZ:g} to "
            f"{SFREQ_MAX_HZ:g} Hz)",
            path=path,
            hint="check the time unit (seconds vs milliseconds) and export the file again",
        )


def check_samples(
    rec: EmgRecording, path: str | Path | None, *, trigger: set[str], hint: str | None = None
) -> None:
    """Refuse non-finite samples anywhere and samples beyond ±1 V on EMG channels.

    The message names the channel, the sample (1-based: the first sample is sample 1; with its
    time from the start) and the value.
    ``trigger`` lists the channels exempt from the amplitude bound; ``hint`` replaces the
    default advice for a sample beyond ±1 V.
    """
    data = rec.data
    if data.size == 0:
        return
    bad = ~np.isfinite(data)
    if bad.any():
        c, i = np.argwhere(bad)[0]
        n_bad = int(bad.sum())
        raise InputError(
            f"channel '{rec.ch_names[c]}' sample {i + 1} (t = {i / rec.sfreq:.6g} s) is "
            f"{data[c, i]} ({n_bad} non-finite sample{'s' if n_bad > 1 else ''} in all)",
            path=path,
            hint="every sample must be a finite number; export the file again",
        )
    emg = [k for k, n in enumerate(rec.ch_names) if n not in trigger]
    if not emg:
        return
    absval = np.abs(data[emg])
    big = absval > SAMPLE_MAX_UV
    if big.any():
        r, i = np.argwhere(big)[0]
        c = emg[r]
        n_big = int(big.sum())
        raise InputError(
            f"channel '{rec.ch_names[c]}' sample {i + 1} (t = {i / rec.sfreq:.6g} s) is "
            f"{data[c, i]:.3g} µV, beyond ±1 V "
            f"({n_big} such sample{'s' if n_big > 1 else ''})",
            path=path,
            hint=hint or "check the unit (--unit uV|mV|V) or remove the corrupt samples",
        )


def _positive_finite(value: float, option: str, lo: float, hi: float, unit: str = "") -> None:
    if not (math.isfinite(value) and lo <= value <= hi):
        raise InputError(
            f"{option} {value:g} is out of range (accepted: {lo:g} to {hi:g}{unit})",
            hint=f"choose {option} within the range",
        )


def _check_seed(seed: int | None) -> None:
    if seed is not None and seed < 0:
        raise InputError(f"--seed {seed} is out of range", hint="use a seed of 0 or more")


def _check_samples_budget(n_samples: float, what: str) -> None:
    if not n_samples <= SIM_MAX_SAMPLES:
        raise InputError(
            f"{what} asks for {n_samples:.3g} samples per channel (the simulator holds the "
            f"whole recording in memory; accepted: up to {SIM_MAX_SAMPLES:.3g})",
            hint="lower --sfreq or the length of the recording",
        )


def check_simulation(
    *, sfreq: float, duration_s: float, snr: float, seed: int | None = None
) -> None:
    """Bounds for ``emg simulate bursts`` (``--sfreq``, ``--duration``, ``--snr``, ``--seed``)."""
    _positive_finite(sfreq, "--sfreq", *SIM_SFREQ_HZ, " Hz")
    _positive_finite(duration_s, "--duration", 2.0, SIM_MAX_SAMPLES / SIM_SFREQ_HZ[0], " s")
    _positive_finite(snr, "--snr", 0.1, SIM_MAX_SNR)
    _check_seed(seed)
    _check_samples_budget(duration_s * sfreq, f"--duration {duration_s:g} at --sfreq {sfreq:g}")


def check_simulation_lsr(
    *,
    n_sweeps: int,
    sfreq: float,
    interval_s: float,
    snr: float,
    disappear_at: int | None = None,
    return_at: int | None = None,
    seed: int | None = None,
) -> None:
    """Bounds for ``emg simulate lsr`` (also the consistency of the two sweep indices)."""
    _positive_finite(sfreq, "--sfreq", *SIM_SFREQ_HZ, " Hz")
    _positive_finite(interval_s, "--interval", 0.1, 600.0, " s")
    _positive_finite(snr, "--snr", 0.1, SIM_MAX_SNR)
    _check_seed(seed)
    if n_sweeps < 1:
        raise InputError(f"--sweeps {n_sweeps} must be at least 1", hint="e.g. --sweeps 60")
    _check_samples_budget(
        (0.5 + n_sweeps * interval_s) * sfreq,
        f"--sweeps {n_sweeps} every --interval {interval_s:g} s at --sfreq {sfreq:g}",
    )
    if disappear_at is not None and not 0 <= disappear_at < n_sweeps:
        raise InputError(
            f"--disappear-at {disappear_at} is not a sweep (0-based, 0 to {n_sweeps - 1})",
            hint="give the index of the first sweep without the LSR",
        )
    if return_at is not None:
        if disappear_at is None:
            raise InputError(
                "--return-at needs --disappear-at", hint="say when the LSR disappears first"
            )
        if not disappear_at < return_at < n_sweeps:
            raise InputError(
                f"--return-at {return_at} must come after --disappear-at {disappear_at} and "
                f"before --sweeps {n_sweeps}",
                hint="give the index of the first sweep where the LSR is back",
            )


def check_channel_option(rec: EmgRecording, name: str | None, option: str) -> None:
    """Refuse a channel named on the command line (``option``) that the recording lacks."""
    if name is not None and name not in rec.ch_names:
        raise InputError(
            f"{option} '{name}' is not a channel of the file (it has {', '.join(rec.ch_names)})",
            path=rec.meta.get("source"),
            hint=f"give the exact channel name with {option}",
        )
