"""Channel roles: declared montages, muscle names, and inference that artifact cannot fool."""

from __future__ import annotations

import json

import pytest

from hemispasm.cli import main
from hemispasm.emg import emg_lsr, write_edf
from hemispasm.emg.roles import MIN_M_LATENCY_MS, decide_role, declared_roles, muscle_branch
from hemispasm.emg.simulate_varied import emg_simulate_lsr_varied
from hemispasm.errors import InputError


def test_muscle_names_recognised():
    assert muscle_branch("Mentalis") == "marginal_mandibular"
    assert muscle_branch("OrbOris") == "buccal"
    assert muscle_branch("OrbOculi") == "zygomatic"
    assert muscle_branch("Frontalis") == "temporal"
    assert muscle_branch("EMG1") is None


@pytest.mark.parametrize(
    ("montage", "expected"),
    [
        ("zygomatic", {"OrbOculi": "direct", "Mentalis": "recording", "OrbOris": "recording",
                       "Frontalis": "recording"}),
        ("temporal", {"OrbOculi": "direct", "Mentalis": "recording", "OrbOris": "recording",
                      "Frontalis": "direct"}),
        ("mandibular", {"OrbOculi": "recording", "Mentalis": "direct", "OrbOris": "recording",
                        "Frontalis": "recording"}),
    ],
)  # fmt: skip
def test_declared_montages(montage, expected):
    assert declared_roles(list(expected), montage) == expected


def test_declared_roles_refuse_what_they_cannot_place():
    with pytest.raises(InputError, match="unknown montage"):
        declared_roles(["Mentalis"], "buccal")
    with pytest.raises(InputError, match="not a recognised facial muscle"):
        declared_roles(["Mentalis", "EMG2"], "zygomatic")
    with pytest.raises(InputError, match="no channel can record the LSR"):
        declared_roles(["Mentalis"], "mandibular")


def test_decide_role_rules():
    base = {"early_response": True, "artifact_end_ms": 1.2, "early_present_fraction": 0.9}
    assert decide_role({"early_response": False})[0] == "recording"
    role, why = decide_role(base | {"starts_inside_artifact": True, "early_onset_ms": 1.2})
    assert role == "recording" and "artifact" in why
    role, why = decide_role(base | {"early_onset_ms": MIN_M_LATENCY_MS - 0.3})
    assert role == "recording" and "sooner than any" in why
    assert decide_role(base | {"early_onset_ms": 3.0, "early_present_fraction": 0.3})[0] == (
        "recording"
    )
    role, why = decide_role(base | {"early_onset_ms": 3.0})
    assert role == "direct" and "after the artifact" in why


@pytest.mark.parametrize("artifact", ["exponential", "ringing", "dc_step", "saturation"])
def test_artifact_residue_is_not_an_m_response(artifact):
    """Generic channel names, so roles come from the data: the LSR channel (large artifact
    residue, no M-response) must never be called direct; the stimulated branch's muscle is."""
    for seed in (21, 22):
        sim = emg_simulate_lsr_varied(seed, n_sweeps=30, artifact=artifact, snr=10.0,
                                      course="steady", generic_names=True)  # fmt: skip
        res = emg_lsr(sim.recording)
        roles = res.summary["roles"]
        assert roles["EMG2"]["role"] == "recording", roles["EMG2"]
        assert res.summary["lsr_channel"] == "EMG2"
        assert roles["EMG1"]["role"] == "direct", roles["EMG1"]
        ev = roles["EMG1"]["evidence"]
        assert ev["early_onset_ms"] >= MIN_M_LATENCY_MS and ev["artifact_end_ms"] > 0
        assert roles["EMG1"]["source"] == "data" and roles["EMG1"]["reason"]


def test_montage_declared_on_the_cli(tmp_path):
    sim = emg_simulate_lsr_varied(5, n_sweeps=30, montage="zygomatic", snr=10.0,
                                  course="steady", generic_names=False)  # fmt: skip
    path = tmp_path / "z.edf"
    write_edf(sim.recording, path)
    out = tmp_path / "o"
    assert main(["emg", "lsr", str(path), "--montage", "zygomatic", "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["roles"]["OrbOculi"]["role"] == "direct"
    assert s["roles"]["OrbOculi"]["source"] == "montage"
    assert s["roles"][sim.lsr_channel]["role"] == "recording"
    assert s["lsr_channel"] == sim.lsr_channel


def test_noise_pool_with_segments_of_two_lengths():
    """Sweeps without a noise segment before them give shorter noise: the pool keeps the most
    common length instead of failing to stack."""
    import numpy as np

    from hemispasm.emg.lsr import LsrParams
    from hemispasm.emg.tracker import LsrTracker

    tr = LsrTracker(["A"], 10_000.0, LsrParams())
    for n in (420, 420, 46, 420):
        tr._noise_pool[0].append(np.zeros(n))
    assert tr._pool(0).shape == (3, 420)
