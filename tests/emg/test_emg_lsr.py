"""LSR detection and measurement on seeded SYNTHETIC sweeps (the issue's acceptance criteria)."""

from __future__ import annotations

import numpy as np
import pytest

from hemispasm.emg import emg_lsr, emg_simulate_lsr, lsr_changes


def score(sim, res):
    d = res.sweeps[res.sweeps.channel == sim.lsr_channel].reset_index(drop=True)
    tr = sim.truth
    tp = (d.present & tr.present).sum()
    sens = tp / max(1, tr.present.sum())
    spec = (~d.present & ~tr.present).sum() / max(1, (~tr.present).sum())
    both = d.present & tr.present
    lat = np.abs(d.latency_ms[both] - tr.latency_ms[both]).to_numpy()
    amp = (np.abs(d.amplitude_uv[both] - tr.amplitude_uv[both]) / tr.amplitude_uv[both]).to_numpy()
    return sens, spec, lat, amp


@pytest.mark.parametrize("snr", [3, 5, 10, 20])
def test_presence_latency_amplitude_meet_targets(snr):
    sens, spec, lats, amps = [], [], [], []
    for seed in range(3):
        sim = emg_simulate_lsr(n_sweeps=80, snr=snr, absent_fraction=0.3, seed=100 * snr + seed)
        res = emg_lsr(sim.recording)
        assert res.summary["lsr_channel"] == "Mentalis"
        assert res.summary["direct_channels"] == ["Oculi"]
        s, p, lat, amp = score(sim, res)
        sens.append(s)
        spec.append(p)
        lats.append(lat)
        amps.append(amp)
    assert min(sens) >= 0.98
    assert min(spec) >= 0.98
    assert np.median(np.concatenate(lats)) <= 0.2
    # At SNR 3 a single sweep's amplitude cannot be known to better than ~8% median error
    # (matched-filter limit for this waveform: SD = noise/||waveform|| ≈ 12%); we measure
    # ~10% there (docs/emg.md, validation table) and hold it to 12%; from SNR 5 on, 10%.
    assert np.median(np.concatenate(amps)) <= (0.12 if snr == 3 else 0.10)


def test_amplitude_error_pooled_over_snr_2_to_20():
    errs = []
    for snr in (2, 3, 5, 10, 20):
        sim = emg_simulate_lsr(n_sweeps=60, snr=snr, seed=500 + snr)
        errs.append(score(sim, emg_lsr(sim.recording))[3])
    assert np.median(np.concatenate(errs)) <= 0.10


def test_low_snr_two_is_reported_not_required():
    sim = emg_simulate_lsr(n_sweeps=80, snr=2, absent_fraction=0.3, seed=7)
    sens, spec, _, _ = score(sim, emg_lsr(sim.recording))
    assert spec >= 0.98  # false alarms stay rare even when detection degrades
    assert sens > 0.5


@pytest.mark.parametrize(("snr", "at", "seed"), [(3, 30, 1), (5, 12, 2), (10, 45, 3), (20, 5, 4)])
def test_disappearance_sweep_found_within_three(snr, at, seed):
    sim = emg_simulate_lsr(n_sweeps=60, snr=snr, disappear_at=at, seed=seed)
    s = emg_lsr(sim.recording).summary
    assert s["lsr_disappeared"]
    assert abs(s["disappearance_sweep"] - at) <= 3
    assert s["disappearance_time_s"] == pytest.approx(sim.truth.time_s[s["disappearance_sweep"]])
    assert not s["returned"]
    assert "complete loss" in s["disappearance_definition"]


def test_return_is_detected_and_persistent_lsr_is_not_called_gone():
    sim = emg_simulate_lsr(n_sweeps=60, snr=6, disappear_at=20, return_at=40, seed=9)
    s = emg_lsr(sim.recording).summary
    assert s["returned"] and abs(s["return_sweep"] - 40) <= 3
    assert [c["change"] for c in s["changes"]] == ["disappeared", "returned"]
    sim = emg_simulate_lsr(n_sweeps=60, snr=6, seed=10)
    s = emg_lsr(sim.recording).summary
    assert not s["lsr_disappeared"] and s["disappearance_sweep"] is None


@pytest.mark.parametrize("marking", ["trigger", "none"])
def test_stimuli_from_trigger_channel_or_artifact(marking):
    sim = emg_simulate_lsr(n_sweeps=30, snr=8, stimulus=marking, seed=4)
    res = emg_lsr(sim.recording)
    assert res.summary["stimulus_source"] == ("trigger" if marking == "trigger" else "artifact")
    assert res.summary["sweeps"] == 30
    assert "TRIG" not in res.channels
    sens, _, lat, _ = score(sim, res)
    assert sens == 1.0 and np.median(lat) <= 0.2


def test_direct_response_kept_apart_from_lsr():
    sim = emg_simulate_lsr(n_sweeps=30, snr=8, seed=12)
    res = emg_lsr(sim.recording)
    oc = res.sweeps[res.sweeps.channel == "Oculi"]
    assert oc.m_present.all()
    assert oc.m_latency_ms.median() == pytest.approx(3.0, abs=0.3)
    me = res.sweeps[res.sweeps.channel == "Mentalis"]
    assert (me.latency_ms > 6).all()
    assert not me.m_present.any()


def test_lsr_changes_rule():
    p = np.array([1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1], bool)
    assert lsr_changes(p, consecutive=3) == [(6, "disappeared"), (10, "returned")]
    assert lsr_changes(np.zeros(10, bool)) == []
    assert lsr_changes(np.array([1, 1, 0, 0], bool)) == []  # 2 absent sweeps: not confirmed


def test_per_sweep_measures_are_complete():
    sim = emg_simulate_lsr(n_sweeps=20, snr=10, seed=3)
    res = emg_lsr(sim.recording)
    cols = {
        "sweep",
        "time_s",
        "channel",
        "present",
        "latency_ms",
        "amplitude_uv",
        "duration_ms",
        "confidence",
        "area_uv_ms",
        "phases",
    }
    assert cols <= set(res.sweeps.columns)
    me = res.sweeps[res.sweeps.channel == "Mentalis"]
    assert me.sweep.tolist() == list(range(20))
    assert (me.phases == 3).all()
    assert me.duration_ms.median() == pytest.approx(8.0, abs=1.0)
    assert (me.confidence > 0.9).all()


def test_mains_hum_locked_to_the_stimuli_is_removed():
    # 2-s stimulus interval = 100 mains cycles: the hum is phase-locked and survives averaging
    sim = emg_simulate_lsr(
        n_sweeps=60, snr=8, absent_fraction=0.3, line_noise_uv=60.0, amplitude_uv=100, seed=3
    )
    res = emg_lsr(sim.recording)
    assert res.summary["line_hz_removed"] == 50.0
    sens, spec, lat, amp = score(sim, res)
    assert sens >= 0.98 and spec >= 0.98
    assert np.median(lat) <= 0.2 and np.median(amp) <= 0.10
    clean = emg_simulate_lsr(n_sweeps=20, snr=8, seed=3)
    assert emg_lsr(clean.recording).summary["line_hz_removed"] is None


def test_no_lsr_at_all_is_not_a_disappearance():
    sim = emg_simulate_lsr(n_sweeps=30, snr=8, disappear_at=0, seed=3)
    s = emg_lsr(sim.recording).summary
    assert s["lsr_present_sweeps"] == 0
    assert not s["lsr_disappeared"] and s["final_state"] == "absent"
