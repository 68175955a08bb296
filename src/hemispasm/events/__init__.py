"""Spasm events, their classification, and a per-recording summary and grade.

Main entry point: :func:`analyze_signals` (signals table → :class:`EventAnalysis`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from hemispasm.events.detect import DetectParams, detect_events
from hemispasm.events.summary import Summary, summarize
from hemispasm.provenance import Provenance
from hemispasm.schema import Event

EVENT_COLUMNS = [
    "start_s",
    "end_s",
    "side",
    "kind",
    "regions",
    "amplitude",
    "velocity",
    "confidence",
    "n_twitches",
    "twitch_rate_hz",
    "onset_region",
    "babinski2",
    "synthetic",
]


class EventAnalysis(BaseModel):
    """Events, summary and provenance of one recording."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    events: list[Event]
    summary: Summary
    provenance: Provenance
    traces: dict | None = None

    def events_table(self) -> pd.DataFrame:
        """Events as a table (``regions`` joined with ';'; ``babinski2`` true/false/empty;
        ``synthetic`` on every row)."""
        rows = []
        for e in self.events:
            d = e.model_dump(mode="json")
            d["regions"] = ";".join(d["regions"])
            b2 = d.get("babinski2")
            d["babinski2"] = "" if b2 is None else ("true" if b2 else "false")
            d["synthetic"] = self.provenance.synthetic
            rows.append(d)
        return pd.DataFrame(rows, columns=EVENT_COLUMNS)

    @property
    def spasms(self) -> list[Event]:
        return [e for e in self.events if e.is_spasm]


def analyze_signals(
    table: pd.DataFrame,
    *,
    fps: float,
    method: str = "robust_baseline",
    synthetic: bool = False,
    tasks: list | None = None,
    tasks_source: str = "",
    **params,
) -> EventAnalysis:
    """Detect events in a signals table and summarise them.

    Parameters
    ----------
    table : DataFrame
        Signals table (docs/signals.md); at least ``time_s`` and ``ear_left``/``ear_right``.
    fps : float
        Frame rate.
    method : {"robust_baseline"}
        The detector (docs/events.md).
    synthetic : bool
        Mark the result as coming from synthetic data.
    tasks : list of TaskSegment, optional
        Task segments of a protocol recording (:mod:`hemispasm.events.tasks`): adds
        ``summary.tasks`` (spasms per minute per task, provoked-to-rest ratio).
    tasks_source : str
        File name of the task sidecar, for the summary.
    **params
        Overrides of :class:`DetectParams`.
    """
    if method != "robust_baseline":
        raise ValueError(f"unknown method {method!r}; use 'robust_baseline'")
    p = DetectParams(**params)
    events, traces = detect_events(table, fps=fps, params=p)
    n = len(table)
    face = table["face"].to_numpy(bool) if "face" in table else np.ones(n, bool)
    pose = None
    if "yaw_deg" in table and table["yaw_deg"].notna().any():
        pose = {
            c.replace("_deg", ""): round(float(np.nanmax(table[c]) - np.nanmin(table[c])), 1)
            for c in ("yaw_deg", "pitch_deg", "roll_deg")
        }
    duration = n / fps
    summary = summarize(
        events,
        duration_s=duration,
        face_visible_pct=100 * float(face.mean()),
        pose=pose,
        synthetic=synthetic,
        exclude_closures=[
            (s.start_s, s.end_s) for s in (tasks or []) if s.task == "forceful_eye_closure"
        ],
    )
    if tasks:
        from hemispasm.events.tasks import task_summary

        summary.tasks = task_summary(events, tasks, duration_s=duration, source=tasks_source)
    prov = Provenance(method=f"events.{method}", parameters=p.model_dump(), synthetic=synthetic)
    return EventAnalysis(events=events, summary=summary, provenance=prov, traces=traces)


__all__ = ["DetectParams", "EventAnalysis", "Summary", "analyze_signals", "detect_events"]
