"""Cohort tables (pure): one row per recording from its summary; events with recording ids.

``cohort.parquet`` columns (docs/batch.md): ``recording_id``, ``path``, ``input_sha256``,
``kind``, the manifest's own columns, ``status`` (``ok`` or ``failed``), ``error``,
``synthetic``, the summary's measures (overall and ``left_*`` / ``right_*`` per side, the
subject's own sides), and provenance (``hemispasm_version``, ``method``, ``parameters``,
``model_sha256``, ``task_key``). Rows are sorted by ``recording_id`` and hold no clock time,
so the same inputs give the same table however the work was scheduled or interrupted.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from hemispasm._version import __version__

SIDE_FIELDS = (
    "spasm_count",
    "spasms_per_min",
    "pct_time_in_spasm",
    "mean_duration_s",
    "longest_duration_s",
    "clonic_count",
    "tonic_count",
    "twitch_count",
    "spread_stage",
    "severity_score",
)
SCALE_FIELDS = ("smc_grade", "jankovic_severity", "jankovic_frequency")
OVERALL_FIELDS = (
    "duration_s",
    "face_visible_pct",
    "affected_side",
    "laterality_index",
    "blink_count",
    "blink_rate_per_min",
    "severity_score",
)
FIRST_COLUMNS = ["recording_id", "path", "input_sha256", "kind", "status", "error", "synthetic"]
LAST_COLUMNS = [
    "source",
    "fps",
    "n_frames",
    "method",
    "model_sha256",
    "hemispasm_version",
    "parameters",
    "task_key",
]


def face_measures(summary: dict) -> dict[str, Any]:
    """The cohort measures of a face recording's ``summary.json``."""
    row: dict[str, Any] = {k: summary.get(k) for k in OVERALL_FIELDS}
    stages = []
    for side in ("left", "right"):
        s = summary.get("sides", {}).get(side, {})
        for f in SIDE_FIELDS:
            row[f"{side}_{f}"] = s.get(f)
        for f in SCALE_FIELDS:
            est = s.get(f)
            row[f"{side}_{f}_estimate"] = None if est is None else est.get("value")
        row[f"{side}_regions"] = ";".join(s.get("regions", []))
        stages.append(int(s.get("spread_stage") or 0))
    row["stage"] = max(stages) if stages else 0
    affected = summary.get("affected_side")
    if affected in ("left", "right"):
        a = summary["sides"][affected]
        row["spasms_per_min"] = a.get("spasms_per_min")
        row["pct_time_in_spasm"] = a.get("pct_time_in_spasm")
    else:
        row["spasms_per_min"] = max((row[f"{s}_spasms_per_min"] or 0.0) for s in ("left", "right"))
        row["pct_time_in_spasm"] = max(
            (row[f"{s}_pct_time_in_spasm"] or 0.0) for s in ("left", "right")
        )
    meta = summary.get("signals_meta", {})
    prov = meta.get("provenance", {})
    row["source"] = meta.get("source")
    row["fps"] = meta.get("fps")
    row["n_frames"] = meta.get("n_frames")
    row["method"] = f"{prov.get('method')}+events.robust_baseline"
    row["model_sha256"] = prov.get("model_sha256")
    return row


def emg_measures(summary: dict) -> dict[str, Any]:
    """The scalar entries of an EMG ``summary.json``, as ``emg_<name>`` columns."""
    row = {
        f"emg_{k}": v
        for k, v in summary.items()
        if isinstance(v, (int, float, str, bool)) or v is None
    }
    prov = summary.get("provenance") or {}
    row["method"] = prov.get("method")
    row["model_sha256"] = None
    return row


def cohort_row(
    rec: dict[str, Any],
    *,
    task_key: str,
    params: dict,
    summary: dict | None = None,
    error: str | None = None,
    kind: str = "auto",
) -> dict[str, Any]:
    """One cohort row: the recording, its manifest columns, status, measures, provenance."""
    row: dict[str, Any] = {
        "recording_id": rec["recording_id"],
        "path": rec["source"],
        "input_sha256": rec.get("input_sha256"),
        "kind": kind,
        "status": "failed" if error else "ok",
        "error": error,
        "synthetic": None,
    }
    for k, v in (rec.get("columns") or {}).items():
        row.setdefault(k, v)
    if summary is not None:
        measures = emg_measures(summary) if kind.startswith("emg") else face_measures(summary)
        row["synthetic"] = bool(summary.get("synthetic", False))
        row.update(measures)
    row["hemispasm_version"] = __version__
    row["parameters"] = json.dumps(params, sort_keys=True)
    row["task_key"] = task_key
    return row


def cohort_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows → the cohort table, sorted by recording id: identifying columns first, then the
    manifest's columns and the measures (alphabetical), provenance last."""
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=FIRST_COLUMNS)
    fixed = set(FIRST_COLUMNS) | set(LAST_COLUMNS)
    cols = (
        [c for c in FIRST_COLUMNS if c in table]
        + sorted(c for c in table.columns if c not in fixed)
        + [c for c in LAST_COLUMNS if c in table]
    )
    table = table[cols].sort_values("recording_id", kind="stable").reset_index(drop=True)
    for c in table.columns:  # a column mixing text and numbers is written as text
        if table[c].dtype == object:
            is_str = table[c].dropna().map(lambda v: isinstance(v, str))
            if is_str.any() and not is_str.all():
                table[c] = table[c].map(lambda v: None if v is None else str(v))
    return table


def events_table(per_recording: dict[str, list[dict]]) -> pd.DataFrame:
    """Every recording's events with its ``recording_id`` first, sorted by id and start."""
    frames = [
        pd.DataFrame(evs).assign(recording_id=rid) for rid, evs in per_recording.items() if evs
    ]
    if not frames:
        return pd.DataFrame(columns=["recording_id", "start_s", "end_s", "side", "kind"])
    table = pd.concat(frames, ignore_index=True)
    cols = ["recording_id"] + [c for c in table.columns if c != "recording_id"]
    return (
        table[cols].sort_values(["recording_id", "start_s"], kind="stable").reset_index(drop=True)
    )


def errors_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """``errors.csv``: path and the one-line reason of each failed recording."""
    failed = [
        {"path": r["path"], "recording_id": r["recording_id"], "reason": r["error"]}
        for r in rows
        if r.get("status") == "failed"
    ]
    return pd.DataFrame(failed, columns=["path", "recording_id", "reason"]).sort_values(
        "path", kind="stable"
    )
