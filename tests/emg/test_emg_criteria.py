"""Disappearance criteria (complete loss; Pan 2025 amplitude drop) and the outcome context."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hemispasm.cli import main
from hemispasm.emg.criteria import (
    CRITERIA,
    OUTCOME_CONTEXT,
    baseline_amplitude,
    changes_from_absent,
    criterion_absent,
    evaluate_criteria,
)


def test_changes_need_a_present_response_first_and_k_in_a_row():
    absent = np.array([1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 0], bool)
    assert changes_from_absent(absent, consecutive=3) == [(8, "disappeared"), (11, "returned")]
    assert changes_from_absent(np.ones(6, bool), consecutive=3) == []


def _amp(values):
    a = np.asarray(values, float)
    return a, a > 0


def test_amplitude_drop_at_least_86_5_percent():
    base = [100.0] * 10
    # 87 % drop in 3 sweeps: disappeared; 80 % drop: not (still "present" for this criterion)
    a, p = _amp([*base, 13.0, 13.0, 13.0, 100.0, 100.0, 100.0])
    c = evaluate_criteria(p, a, np.arange(len(a), dtype=float))
    assert c["amplitude-drop"]["disappearance_sweep"] == 10
    assert c["amplitude-drop"]["return_sweep"] == 13
    assert c["complete-loss"]["disappearance_sweep"] is None  # still present on every sweep
    a, p = _amp([*base, 20.0, 20.0, 20.0])
    c = evaluate_criteria(p, a, np.arange(len(a), dtype=float))
    assert c["amplitude-drop"]["disappearance_sweep"] is None


def test_drop_threshold_boundary_and_absent_sweeps_count_as_zero():
    a, p = _amp([100.0] * 10 + [13.5, 0.0, 13.5])
    gone = criterion_absent("amplitude-drop", p, a, baseline_uv=100.0, drop=0.865)
    assert gone[10:].all() and not gone[:10].any()
    assert baseline_amplitude(a, p, 10) == 100.0
    with pytest.raises(ValueError, match="unknown criterion"):
        criterion_absent("half", p, a, baseline_uv=100.0)


def test_criteria_carry_definitions_and_sources():
    a, p = _amp([50.0] * 12)
    c = evaluate_criteria(p, a, np.arange(12, dtype=float), consecutive=4)
    assert set(c) == set(CRITERIA)
    assert (
        "86.5%" in c["amplitude-drop"]["definition"]
        and "4 consecutive" in (c["amplitude-drop"]["definition"])
    )
    assert c["amplitude-drop"]["source"].startswith("pan2025")
    assert "thirumala2011" in c["complete-loss"]["source"]
    assert c["complete-loss"]["final_state"] == "present"


def test_outcome_context_states_thirumala_2020_figures_as_context():
    for text in ("7,479", "47.8 %", "7.3 %", "Neurosurgery 2020", "not a prediction"):
        assert text in OUTCOME_CONTEXT


def test_cli_criterion_amplitude_drop(lsr_edf, tmp_path):
    path, _ = lsr_edf
    out = tmp_path / "o"
    assert main(["emg", "lsr", str(path), "--criterion", "amplitude-drop", "--out",
                 str(out)]) == 0  # fmt: skip
    s = json.loads((out / "summary.json").read_text())
    assert s["criterion"] == "amplitude-drop"
    assert set(s["criteria"]) == {"complete-loss", "amplitude-drop"}
    assert s["lsr_disappeared"] and abs(s["disappearance_sweep"] - 25) <= 3
    assert "47.8 %" in s["outcome_context"]
    html = (out / "report.html").read_text()
    assert "47.8" in html
