"""LSR disappearance criteria (as data, with their sources) and the outcome context.

Two criteria, computed side by side on the LSR channel; ``--criterion`` chooses the one that
drives the headline (``lsr_disappeared``, the live state):

* ``complete-loss`` (default): no LSR distinguishable from noise in ``k`` consecutive sweeps
  after it had been present (complete resolution, Isu 1996; Hatem 2001; Kong 2007;
  Thirumala 2011). ``k`` = 3 is an *engineering* choice.
* ``amplitude-drop``: the LSR amplitude at least ``drop`` (default 86.5 %) below the baseline
  (median amplitude of the LSR in the first ``baseline_sweeps`` sweeps) in ``k`` consecutive
  sweeps. The 86.5 % comes from Pan et al., Neurosurg Focus 2025 (final-to-baseline amplitude
  change ≥ 86.5 % in the mentalis predicted complete resolution at 6 months, 99 % sensitivity,
  47 % specificity); applying it sweep by sweep with ``k`` consecutive sweeps is an
  *engineering* adaptation of a final-versus-baseline ratio.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CRITERIA: dict[str, dict[str, str]] = {
    "complete-loss": {
        "definition": "LSR disappearance = complete loss of the lateral spread response on the "
        "LSR recording channel (no response distinguishable from noise in the LSR latency "
        "window) in {k} consecutive sweeps after it had been present, as in the intraoperative "
        "monitoring studies that define resolution as complete disappearance (Isu et al. 1996; "
        "Hatem et al. 2001; Kong et al. 2007; Thirumala et al. 2011). The number of consecutive "
        "sweeps ({k}) is an engineering choice to reject single missed sweeps. Return = the LSR "
        "present again in {k} consecutive sweeps.",
        "source": "isu1996; hatem2001; kong2007; thirumala2011 (docs/references.md)",
    },
    "amplitude-drop": {
        "definition": "LSR disappearance = LSR amplitude at least {drop:.1%} below the baseline "
        "(median LSR amplitude of the first {nb} sweeps) in {k} consecutive sweeps; absent "
        "sweeps count as amplitude 0. Return = amplitude above that level again in {k} "
        "consecutive sweeps. Threshold from Pan et al., Neurosurg Focus 2025 (final-to-baseline "
        "change >= 86.5 % in the mentalis predicted complete resolution at 6 months); the "
        "sweep-by-sweep use with {k} consecutive sweeps is an engineering adaptation.",
        "source": "pan2025 (docs/references.md)",
    },
}

#: What persistence or resolution has meant for outcome in a meta-analysis (context only).
OUTCOME_CONTEXT = (
    "Context, not a prediction for this patient: in a meta-analysis of 26 studies (7,479 "
    "patients; Thirumala et al., Neurosurgery 2020;87:E473), when the LSR persisted after "
    "decompression hemifacial spasm persisted at discharge in 47.8 % (95 % CI 33-63 %), at "
    "3 months in 40.8 % and at 1 year in 24.4 %; when the LSR resolved, in 7.3 %, 4.2 % and "
    "4.0 %. Final LSR status had high specificity (about 89 %) but modest sensitivity (about "
    "40 %) for persistent spasm."
)


def changes_from_absent(absent: np.ndarray, *, consecutive: int = 3) -> list[tuple[int, str]]:
    """(sweep, "disappeared"|"returned") from a per-sweep "criterion met" flag.

    The response must first have been seen (a sweep with ``absent`` False); disappearance is
    the first sweep of ``consecutive`` sweeps all absent; return the first of ``consecutive``
    sweeps all present.
    """
    k = consecutive
    changes: list[tuple[int, str]] = []
    state = None
    present = ~np.asarray(absent, bool)
    for i in range(len(present) - k + 1):
        run = present[i : i + k]
        if state is None and present[i]:
            state = True
        if state is True and not run.any():
            changes.append((i, "disappeared"))
            state = False
        elif state is False and run.all():
            changes.append((i, "returned"))
            state = True
    return changes


def baseline_amplitude(amp: np.ndarray, present: np.ndarray, n_base: int) -> float | None:
    """Median amplitude of the LSR sweeps among the first ``n_base`` sweeps (None if none)."""
    a = np.asarray(amp, float)[:n_base][np.asarray(present, bool)[:n_base]]
    return float(np.median(a)) if len(a) else None


def criterion_absent(
    name: str,
    present: np.ndarray,
    amp: np.ndarray,
    *,
    baseline_uv: float | None,
    drop: float = 0.865,
) -> np.ndarray:
    """Per-sweep flag "the response counts as gone in this sweep" under criterion ``name``."""
    present = np.asarray(present, bool)
    if name == "complete-loss":
        return ~present
    if name == "amplitude-drop":
        if baseline_uv is None:
            return ~present
        a = np.where(present, np.asarray(amp, float), 0.0)
        return a <= (1.0 - drop) * baseline_uv
    raise ValueError(f"unknown criterion {name!r}; use {', '.join(CRITERIA)}")


def evaluate_criteria(
    present: np.ndarray,
    amp: np.ndarray,
    t_s: np.ndarray,
    *,
    consecutive: int = 3,
    baseline_sweeps: int = 10,
    drop: float = 0.865,
) -> dict[str, dict[str, Any]]:
    """Every criterion on one channel: definition, source, changes, disappearance and return."""
    base = baseline_amplitude(amp, present, baseline_sweeps)
    out = {}
    for name, c in CRITERIA.items():
        gone = criterion_absent(name, present, amp, baseline_uv=base, drop=drop)
        ch = changes_from_absent(gone, consecutive=consecutive)
        dis = next((s for s, kind in ch if kind == "disappeared"), None)
        ret = next((s for s, kind in ch if kind == "returned" and dis is not None), None)
        out[name] = {
            "definition": c["definition"].format(k=consecutive, drop=drop, nb=baseline_sweeps),
            "source": c["source"],
            "disappearance_sweep": dis,
            "disappearance_time_s": None if dis is None else float(t_s[dis]),
            "return_sweep": ret,
            "return_time_s": None if ret is None else float(t_s[ret]),
            "changes": [
                {"sweep": int(s), "time_s": float(t_s[s]), "change": kind} for s, kind in ch
            ],
            "final_state": "absent"
            if ch and ch[-1][1] == "disappeared"
            else ("present" if (~gone).any() else "absent"),
        }
    out["amplitude-drop"]["baseline_amplitude_uv"] = base
    return out
