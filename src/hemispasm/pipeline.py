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

from hemispasm._io import check_out_dir, ensure_out_dir, staged_outputs
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


#: What a recording can be (``kind`` of ``run_recording`` and of a batch manifest). ``auto``
#: decides from the file (video, signals table, JeFaPaTo / OpenFace / py-feat CSV); the EMG
#: kinds run ``hemispasm emg lsr`` / ``emg bursts`` on an EDF/BDF or CSV recording.
KINDS = ("auto", "video", "signals", "ear", "openface", "pyfeat", "emg_lsr", "emg_bursts")
EMG_KINDS = ("emg_lsr", "emg_bursts")


@dataclass
class RunResult:
    """One recording analysed by :func:`run_recording`.

    Attributes
    ----------
    kind : str
        The kind that ran (``auto`` for the face path, or an EMG kind).
    files : dict
        Output name → path.
    summary : dict
        The content of ``summary.json``.
    events : DataFrame
        The events table (``events.csv``; empty for EMG).
    synthetic : bool
    analysis : AnalysisResult or None
        The face path's full result (None for EMG).
    """

    kind: str
    files: dict[str, Path]
    summary: dict
    events: pd.DataFrame
    synthetic: bool
    analysis: AnalysisResult | None = None


def run_recording(
    source: str | Path,
    out_dir: str | Path,
    *,
    kind: str = "auto",
    fps: float | None = None,
    model: str | Path | None = None,
    write_csv: bool = False,
    landmarks: bool = False,
    workers: int | None = None,
    max_workers: int | None = None,
    progress: Progress | None = None,
    max_faces: int = 2,
    overwrite: bool = False,
    tasks: str | Path | None = None,
) -> RunResult:
    """Analyse one recording (path or fsspec URL) into ``out_dir``: the one execution function
    of ``hemispasm analyze``, ``hemispasm batch`` and the web app's jobs.

    Parameters
    ----------
    source : str or Path
        A path, or an fsspec URL (``file://``, ``memory://``, ``s3://`` with s3fs): remote files
        are streamed to a temporary local copy (videos must be opened by path).
    out_dir : str or Path
        Output folder, written as :func:`analyze` (or ``hemispasm emg``) writes it.
    kind : str
        One of :data:`KINDS`.
    max_workers : int, optional
        Upper bound on a long video's parallel segments when ``workers`` is not given (a batch
        worker passes its share of the cores, so workers x segments never exceed them).
    Other parameters are those of :func:`analyze`.

    Raises
    ------
    HemispasmError
        Any input, output or model problem, as one line.
    """
    from hemispasm import _fsio
    from hemispasm.errors import HemispasmError, InputError

    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}", hint=f"use one of: {', '.join(KINDS)}")
    with _fsio.local_input(source) as local:
        try:
            if kind in EMG_KINDS:
                return _run_emg(local, out_dir, kind=kind)
            if workers is None and max_workers is not None:
                workers = _segments_for(local, max_workers)
            res = analyze(
                local,
                out_dir,
                fps=fps,
                model=model,
                write_csv=write_csv,
                landmarks=landmarks,
                workers=workers,
                progress=progress,
                max_faces=max_faces,
                overwrite=overwrite,
                tasks=tasks,
            )
        except HemispasmError as exc:
            if exc.path != str(local) or str(local) == str(source):
                raise
            # a streamed copy: name the URL, not the temporary file
            raise type(exc)(
                exc.message, path=source, hint=exc.hint, exit_code=exc.exit_code
            ) from exc
    summary = json.loads(res.files["summary.json"].read_text(encoding="utf-8"))
    return RunResult(
        kind=kind,
        files=res.files,
        summary=summary,
        events=res.analysis.events_table(),
        synthetic=bool(res.signals.meta.synthetic),
        analysis=res,
    )


def _segments_for(path: Path, max_workers: int) -> int | None:
    """A long video's segments, capped at ``max_workers`` (None: not a video, let it decide)."""
    from hemispasm.video.reader import VIDEO_SUFFIXES, probe
    from hemispasm.video.signals import default_workers

    if path.suffix.lower() not in VIDEO_SUFFIXES:
        return None
    info = probe(path)
    duration = info.duration_s or (info.n_frames / info.fps if info.n_frames else 0.0)
    return max(1, min(int(max_workers), default_workers(duration)))


def _run_emg(path: Path, out_dir: str | Path, *, kind: str) -> RunResult:
    from hemispasm.emg import (
        emg_bursts,
        emg_lsr,
        read_emg,
        write_burst_outputs,
        write_lsr_outputs,
    )

    ensure_out_dir(out_dir)
    rec = read_emg(path)
    if kind == "emg_lsr":
        res = emg_lsr(rec)
        write_lsr_outputs(res, out_dir)
        names = ["sweeps.csv", "summary.json", "report.html"]
    else:
        res = emg_bursts(rec)
        write_burst_outputs(res, out_dir)
        names = ["bursts.csv", "summary.json", "report.html"]
    out = Path(out_dir)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return RunResult(
        kind=kind,
        files={n: out / n for n in names},
        summary=summary,
        events=pd.DataFrame(),
        synthetic=bool(summary.get("synthetic", False)),
    )
