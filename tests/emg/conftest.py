"""Fixtures for the EMG tests: small seeded SYNTHETIC recordings written in code."""

from __future__ import annotations

import pytest

from hemispasm.emg import emg_simulate_bursts, emg_simulate_lsr, write_edf


@pytest.fixture(scope="session")
def lsr_edf(tmp_path_factory):
    """A synthetic LSR EDF+ (40 sweeps, disappears at sweep 25) and its simulation."""
    sim = emg_simulate_lsr(n_sweeps=40, snr=6, disappear_at=25, seed=11)
    path = tmp_path_factory.mktemp("emg") / "lsr.edf"
    write_edf(sim.recording, path)
    return path, sim


@pytest.fixture(scope="session")
def bursts_edf(tmp_path_factory):
    """A synthetic free-running EDF+ with synchronous bursts (20 s)."""
    sim = emg_simulate_bursts(duration_s=20, snr=6, seed=5)
    path = tmp_path_factory.mktemp("emg") / "bursts.edf"
    write_edf(sim.recording, path)
    return path, sim
