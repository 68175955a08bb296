"""``hemispasm analyze``: input file → signals → events → summary → report, in one call.

Everything is written into a hidden staging folder inside ``out_dir`` and moved into place at
the end, so a failure leaves nothing half-written.

Outputs in ``out_dir``:

- ``signals.parquet`` (and ``signals.csv`` with ``write_csv``): one row per frame, schema in
  docs/signals.md; the :class:`~hemispasm.video.SignalsMeta` is stored as JSON in the Parquet
  schema metadata under the key ``hemispasm``.
- ``landmarks.npy`` (only with ``landmarks=True``): float32 array frames x 478 x 3 (normalised
  MediaPipe coordinates; NaN where no face).
- ``events.csv``, ``summary.json``, ``report.html``: see docs/events.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hemispasm._io import check_out_dir, staged_outputs
from hemispasm._log import get_logger

log = get_logger(__name__)

#: Every file ``analyze`` can write: an output folder holds one run (``overwrite`` replaces it).
OUTPUT_NAMES = frozenset(
    {
        "signals.parquet",
        "signals.csv",
        "landmarks.npy",
        "events.csv",
        "summary.json",
        "report.html",
    }
)

Progress = Callable[[int, int], None]


@dataclass
class AnalysisResult:
    """What ``analyze`` produced: the signals, the event analysis, and the files written."""

    signals: object  # hemispasm.video.Signals
    analysis: object  # hemispasm.events.EventAnalysis
    files: dict[str, Path]

    @property
    def summary(self):
        return self.analysis.summary


def write_signals_parquet(table: pd.DataFrame, meta, dest: Path) -> None:
    """Write a signals table with its metadata (JSON under the schema key ``hemispasm``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pa_table = pa.Table.from_pandas(table, preserve_index=False)
    md = dict(pa_table.schema.metadata or {})
    md[b"hemispasm"] = meta.model_dump_json().encode()
    pq.write_table(pa_table.replace_schema_metadata(md), dest, compression="zstd")


def _tasks_path(input_path: str | Path, tasks: str | Path | None) -> Path | None:
    """The task sidecar to use: the one given, else ``<video>.tasks.json`` beside a local file."""
    from hemispasm.events.tasks import sidecar_for

    if tasks is not None:
        return Path(tasks)
    if "://" in str(input_path):
        return None
    return sidecar_for(input_path)


def analyze(
    input_path: str | Path,
    out_dir: str | Path,
    *,
    fps: float | None = None,
    model: str | Path | None = None,
    write_csv: bool = False,
    landmarks: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
    max_faces: int = 2,
    overwrite: bool = False,
    tasks: str | Path | None = None,
) -> AnalysisResult:
    """Analyse one recording and write its outputs.

    Parameters
    ----------
    input_path : str or Path
        A video, a signals table, or a per-frame eye-aspect-ratio CSV (with ``fps``).
    out_dir : str or Path
        Output folder: new or empty (created only when the outputs are ready), or, with
        ``overwrite``, holding an earlier run, which is replaced (the folder then holds
        exactly this run's files).
    fps : float, optional
        Frame rate of an eye-aspect-ratio CSV.
    model : str or Path, optional
        Face model (default: resolved, see ``hemispasm models status``).
    write_csv : bool
        Also write ``signals.csv``.
    landmarks : bool
        Also write ``landmarks.npy`` (raw landmarks are identifying data: off by default).
    workers : int, optional
        Parallel segments (threads of this process) for long videos; default one per core.
    max_faces : int
        Faces the model looks for (2: notice a second person and follow the subject).
    progress : callable, optional
        ``progress(done_frames, total_frames)``.
    overwrite : bool
        Replace an earlier run's outputs in ``out_dir``.
    tasks : str or Path, optional
        Task sidecar of a protocol recording (default: ``<video>.tasks.json`` beside a video
        input, when there is one; docs/events.md, "Provocation protocol").
    """
    from hemispasm.events import analyze_signals
    from hemispasm.events.tasks import read_tasks
    from hemispasm.report import render_html
    from hemispasm.video import load_signals

    # fail before the long work when the folder is unusable (without creating it)
    out = check_out_dir(out_dir, overwrite=overwrite, owned=OUTPUT_NAMES)
    tasks_path = _tasks_path(input_path, tasks)
    if tasks_path is not None:
        read_tasks(tasks_path)  # a bad sidecar fails before the long work
    signals = load_signals(
        input_path,
        fps=fps,
        model=model,
        landmarks=landmarks,
        workers=workers,
        progress=progress,
        max_faces=max_faces,
    )
    table, meta = signals.table, signals.meta
    segs = read_tasks(tasks_path, duration_s=meta.duration_s) if tasks_path else None
    analysis = analyze_signals(
        table,
        fps=meta.fps,
        synthetic=meta.synthetic,
        tasks=segs,
        tasks_source=tasks_path.name if tasks_path else "",
    )
    html = render_html(table, analysis, meta=meta, synthetic=meta.synthetic)
    names = ["signals.parquet", "events.csv", "summary.json", "report.html"]
    with staged_outputs(out, replace=OUTPUT_NAMES) as stage:
        write_signals_parquet(table, meta, stage / "signals.parquet")
        if write_csv:
            table.to_csv(stage / "signals.csv", index=False, float_format="%.6g")
            names.append("signals.csv")
        if landmarks and signals.landmarks is not None:
            np.save(stage / "landmarks.npy", signals.landmarks)
            names.append("landmarks.npy")
        analysis.events_table().to_csv(stage / "events.csv", index=False, float_format="%.4f")
        summary = json.loads(analysis.summary.model_dump_json())
        summary["signals_meta"] = json.loads(meta.model_dump_json())
        (stage / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (stage / "report.html").write_text(html, encoding="utf-8")
    log.info(
        "analysed %s: %d frames, %d events",
        Path(input_path).name,
        meta.n_frames,
        len(analysis.events),
    )
    return AnalysisResult(signals=signals, analysis=analysis, files={n: out / n for n in names})
