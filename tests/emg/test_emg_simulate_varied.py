"""The varied LSR simulator (SYNTHETIC): seeds, ranges, ground truth, CLI."""

from __future__ import annotations

import numpy as np
import pytest

from hemispasm.cli import main
from hemispasm.emg import read_emg
from hemispasm.emg.simulate_varied import (
    ARTIFACTS,
    MONTAGE_LAYOUT,
    RANGES,
    check_varied_options,
    emg_simulate_lsr_varied,
    phased_wave,
    simulate_varied_checked,
)
from hemispasm.errors import InputError

SEEDS = range(40)


@pytest.fixture(scope="module")
def sessions():
    return [emg_simulate_lsr_varied(s, n_sweeps=24) for s in SEEDS]


def test_same_seed_same_session_other_seed_differs():
    a = emg_simulate_lsr_varied(3, n_sweeps=20)
    b = emg_simulate_lsr_varied(3, n_sweeps=20)
    c = emg_simulate_lsr_varied(4, n_sweeps=20)
    assert np.array_equal(a.recording.data, b.recording.data)
    assert a.truth.equals(b.truth) and a.scenario == b.scenario
    assert a.scenario != c.scenario


def test_scenarios_cover_every_kind(sessions):
    sc = [s.scenario for s in sessions]
    assert {x["montage"] for x in sc} == set(MONTAGE_LAYOUT)
    assert {x["artifact"] for x in sc} == set(ARTIFACTS)
    assert {x["course"] for x in sc} == {"steady", "intermittent", "disappear", "disappear_return"}
    assert {x["stimulus"] for x in sc} == {"annotations", "trigger", "none"}
    assert {x["generic_names"] for x in sc} == {True, False}
    assert {x["phases"] for x in sc} >= {1, 2}
    assert any(x["late_component"] for x in sc) and not all(x["late_component"] for x in sc)


def test_drawn_values_stay_in_their_ranges(sessions):
    for s in sessions:
        x = s.scenario
        for key, rng in (("lsr_latency_ms", "lsr_latency_ms"), ("duration_ms", "lsr_duration_ms"),
                         ("lsr_p2p_uv", "lsr_p2p_uv"), ("snr", "snr"),
                         ("interval_s", "interval_s"), ("m_latency_ms", "m_latency_ms"),
                         ("jitter_sd_ms", "lsr_jitter_sd_ms")):  # fmt: skip
            lo, hi = RANGES[rng]
            assert lo <= x[key] <= hi, (key, x[key])
        assert 1 <= x["phases"] <= 5
        tr = s.truth
        p2p = tr.p2p_uv[tr.present]
        # per-sweep variation is clipped to 0.5-1.5 x the session amplitude
        assert (p2p >= 0.5 * 0.3 * x["lsr_p2p_uv"] - 1e-9).all()
        assert (p2p <= 1.5 * x["lsr_p2p_uv"] + 1e-9).all()
        assert np.allclose(tr.noise_sd_uv, x["lsr_p2p_uv"] / x["snr"])


def test_truth_matches_course_and_marking(sessions):
    for s in sessions:
        x, tr, rec = s.scenario, s.truth, s.recording
        assert rec.synthetic and rec.meta["simulation"]["kind"] == "lsr_varied"
        if x["course"] in ("disappear", "disappear_return"):
            d = x["disappear_at"]
            assert tr.present[:d].all() or x["course"] == "intermittent"
            assert not tr.present[d : x["return_at"] or len(tr)].any()
            if x["return_at"] is not None:
                assert tr.present[x["return_at"] :].all()
        if x["course"] == "steady":
            assert tr.present.all()
        assert tr.latency_ms[~tr.present].isna().all()
        if x["stimulus"] == "annotations":
            assert len(rec.annotations) == len(tr)
        if x["stimulus"] == "trigger":
            assert rec.ch_names[-1] == "TRIG"
        names = rec.ch_names[:2]
        if x["generic_names"]:
            assert names == ["EMG1", "EMG2"]
        else:
            direct, lsr_opts = MONTAGE_LAYOUT[x["montage"]]
            assert names[0] == direct and names[1] in lsr_opts


def test_lsr_wave_onset_and_peak_to_peak_are_exact():
    t = np.linspace(0, 20, 20001)
    w = phased_wave(t - 5.0, np.array([2.0, 3.0]), np.array([1.0, -0.5]))
    assert w[t < 5.0].max() == 0 and w[(t > 5.0) & (t < 5.01)].min() > 0
    assert np.ptp(w) == pytest.approx(1.5, abs=1e-6)


def test_fixed_fields_are_respected():
    s = emg_simulate_lsr_varied(1, n_sweeps=20, montage="mandibular", snr=8.0,
                                artifact="saturation", course="steady", stimulus="trigger",
                                generic_names=False)  # fmt: skip
    x = s.scenario
    assert (x["montage"], x["snr"], x["artifact"], x["course"], x["stimulus"]) == (
        "mandibular",
        8.0,
        "saturation",
        "steady",
        "trigger",
    )
    assert s.lsr_channel == "OrbOculi" and s.direct_channel == "Mentalis"


def test_bad_options_one_line():
    with pytest.raises(InputError, match="unknown --artifact"):
        simulate_varied_checked(0, artifact="spike")
    with pytest.raises(InputError, match="does not apply with --varied"):
        check_varied_options(n_sweeps=60, sfreq=1e4, snr=None, seed=0, disappear_at=3)
    with pytest.raises(InputError, match="at least 20"):
        check_varied_options(n_sweeps=5, sfreq=1e4, snr=None, seed=0)


def test_cli_simulate_lsr_varied_then_lsr(tmp_path, capsys):
    out = tmp_path / "v.edf"
    assert main(["emg", "simulate", "lsr", "--varied", "--seed", "7", "--sweeps", "30",
                 "--montage", "zygomatic", "--out", str(out)]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "SYNTHETIC varied LSR session" in text and "montage zygomatic" in text
    rec = read_emg(out)
    assert rec.synthetic
    assert main(["emg", "simulate", "lsr", "--artifact", "ringing", "--out", str(out)]) != 0
    assert "--artifact needs --varied" in capsys.readouterr().err
    assert main(["emg", "simulate", "lsr", "--varied", "--interval", "1", "--out",
                 str(out)]) != 0  # fmt: skip
    assert "does not apply with --varied" in capsys.readouterr().err


def test_dc_step_ends_under_the_next_artifact_not_with_a_jump():
    """The slow DC shift lasts until the next stimulus: finding stimuli from the artifact alone
    sees exactly one per stimulus (a jump at the end of the artifact window used to add one)."""
    from hemispasm.emg.lsr import find_stimuli

    for seed in (0, 1, 2):
        s = emg_simulate_lsr_varied(seed, n_sweeps=20, artifact="dc_step", stimulus="none",
                                    snr=25.0)  # fmt: skip
        idx, src = find_stimuli(s.recording)
        assert src == "artifact" and len(idx) == 20
