"""Burst detection and synchrony on seeded SYNTHETIC free-running EMG."""

from __future__ import annotations

import numpy as np
import pytest

from hemispasm.emg import emg_bursts, emg_simulate_bursts, tkeo


def match(sim, res):
    tp = fp = fn = 0
    errs = []
    for ch in sim.recording.ch_names:
        tr = sim.truth[sim.truth.channel == ch]
        de = res.bursts[res.bursts.channel == ch]
        used = set()
        for on, off in zip(tr.onset_s, tr.offset_s, strict=True):
            m = de[(de.onset_s < off) & (de.offset_s > on)]
            if len(m):
                tp += 1
                errs.append(abs(m.onset_s.iloc[0] - on))
                used.update(m.index)
            else:
                fn += 1
        fp += len(set(de.index) - used)
    return 2 * tp / (2 * tp + fp + fn), np.median(errs) * 1e3


def test_tkeo_definition():
    x = np.array([1.0, 2.0, 3.0, 2.0, 1.0])
    np.testing.assert_allclose(tkeo(x)[1:-1], [4 - 3, 9 - 4, 4 - 3])


@pytest.mark.parametrize(("snr", "seed"), [(3, 1), (6, 2), (12, 3)])
def test_burst_onsets_and_f1(snr, seed):
    sim = emg_simulate_bursts(duration_s=60, snr=snr, seed=seed)
    res = emg_bursts(sim.recording)
    f1, onset_ms = match(sim, res)
    assert f1 >= 0.95
    assert onset_ms <= 10.0
    dis = res.bursts.discharge_hz.median()
    assert dis == pytest.approx(sim.truth.discharge_hz.median(), rel=0.1)


def test_synchrony_flagged_for_hfs_like_bursts():
    sim = emg_simulate_bursts(duration_s=60, snr=6, synchronous=True, seed=21)
    s = emg_bursts(sim.recording).summary
    assert s["synchronous"] and s["synchronous_different_branches"]
    assert all(q["synchronous"] for q in s["synchrony"])
    assert all(abs(q["median_lag_ms"]) < 10 for q in s["synchrony"])


def test_synchrony_not_flagged_for_independent_channels():
    sim = emg_simulate_bursts(duration_s=60, snr=6, synchronous=False, seed=22)
    res = emg_bursts(sim.recording)
    f1, _ = match(sim, res)
    assert f1 >= 0.95
    assert not res.summary["synchronous"]
    assert not any(q["synchronous"] for q in res.summary["synchrony"])


def test_quiet_recording_has_no_bursts():
    sim = emg_simulate_bursts(duration_s=20, snr=6, burst_rate_hz=1e-6, seed=3)
    assert len(sim.truth) == 0
    res = emg_bursts(sim.recording)
    assert len(res.bursts) <= 1  # robust threshold: at most a stray noise excursion


def test_chunked_matches_single_pass():
    from hemispasm.emg import BurstParams

    sim = emg_simulate_bursts(duration_s=30, snr=6, seed=8)
    a = emg_bursts(sim.recording, params=BurstParams(chunk_s=7.0))
    b = emg_bursts(sim.recording, params=BurstParams(chunk_s=100.0))
    assert len(a.bursts) == len(b.bursts)
    np.testing.assert_allclose(a.bursts.onset_s, b.bursts.onset_s, atol=0.003)
