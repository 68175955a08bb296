"""hemispasm.emg: lateral spread response (LSR) and free-running spasm EMG.

Flat, NeuroKit2-style names; ``method=`` selects the algorithm; simulators are seeded and
label their output SYNTHETIC.

>>> from hemispasm.emg import emg_simulate_lsr, emg_lsr  # doctest: +SKIP
>>> sim = emg_simulate_lsr(n_sweeps=40, snr=5, disappear_at=25, seed=1)
>>> res = emg_lsr(sim.recording)
>>> res.summary["disappearance_sweep"]
25

Readers return :class:`EmgRecording` (data in µV, ``sfreq``, ``ch_names``, annotations in
seconds, ``meta``). See docs/emg.md.
"""

from __future__ import annotations

from pathlib import Path

from hemispasm.emg.bursts import BurstParams, BurstResult, emg_bursts, tkeo
from hemispasm.emg.io import Annotation, EmgRecording, read_emg, write_edf
from hemispasm.emg.lsr import (
    DISAPPEARANCE_DEFINITION,
    LsrParams,
    LsrResult,
    emg_lsr,
    find_stimuli,
    lsr_changes,
)
from hemispasm.emg.simulate import emg_simulate_bursts, emg_simulate_lsr


def write_lsr_outputs(res: LsrResult, out_dir: str | Path) -> Path:
    """Write sweeps.csv, summary.json and report.html into ``out_dir`` (all or nothing)."""
    from hemispasm._io import staged_outputs, write_json_atomic, write_text_atomic
    from hemispasm.emg.report import lsr_report_html

    html = lsr_report_html(res)
    with staged_outputs(out_dir) as stage:
        res.sweeps.to_csv(stage / "sweeps.csv", index=False, float_format="%.4g")
        write_json_atomic(stage / "summary.json", res.summary)
        write_text_atomic(stage / "report.html", html)
    return Path(out_dir)


def write_burst_outputs(res: BurstResult, out_dir: str | Path) -> Path:
    """Write bursts.csv, summary.json and report.html into ``out_dir`` (all or nothing)."""
    from hemispasm._io import staged_outputs, write_json_atomic, write_text_atomic
    from hemispasm.emg.report import bursts_report_html

    html = bursts_report_html(res)
    with staged_outputs(out_dir) as stage:
        res.bursts.to_csv(stage / "bursts.csv", index=False, float_format="%.6g")
        write_json_atomic(stage / "summary.json", res.summary)
        write_text_atomic(stage / "report.html", html)
    return Path(out_dir)


__all__ = [
    "DISAPPEARANCE_DEFINITION",
    "Annotation",
    "BurstParams",
    "BurstResult",
    "EmgRecording",
    "LsrParams",
    "LsrResult",
    "emg_bursts",
    "emg_lsr",
    "emg_simulate_bursts",
    "emg_simulate_lsr",
    "find_stimuli",
    "lsr_changes",
    "read_emg",
    "tkeo",
    "write_burst_outputs",
    "write_edf",
    "write_lsr_outputs",
]
