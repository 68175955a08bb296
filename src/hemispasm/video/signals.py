"""Video → per-frame signals table, in one segment or split into parallel segments (threads).

:func:`load_signals` is the one call: it reads a video (or a table of eye-aspect ratios, or a
signals table written before) and returns a :class:`Signals` object: ``table`` (one row per
frame, see docs/signals.md) and ``meta`` (:class:`SignalsMeta`).

Long videos are split into time segments analysed in parallel threads of this one process (each
with its own decoder and landmarker; MediaPipe releases the GIL while it runs); each segment
starts decoding ``WARMUP_S`` before its start so that MediaPipe's face tracking has settled at
the join, and drops those warm-up rows. Each segment decodes in a thread beside its model.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel

from hemispasm._lazy import require
from hemispasm._log import get_logger
from hemispasm.errors import InputError, NoFaceError
from hemispasm.provenance import Provenance, sha256_file
from hemispasm.video.landmarker import COLUMNS, SubjectTracker, iter_rows
from hemispasm.video.model import MODEL_SHA256, resolve_model
from hemispasm.video.reader import VIDEO_SUFFIXES, probe

log = get_logger(__name__)

WARMUP_S = 1.0
#: Videos shorter than this run as one segment (the warm-up would cost more than it saves).
MIN_PARALLEL_S = 12.0
METHOD = "video.mediapipe_face_landmarker"

Progress = Callable[[int, int], None]


class SignalsMeta(BaseModel):
    """What the signals table was made from.

    Attributes
    ----------
    source : {"video", "ear_table", "signals_table", "tool_table"}
        ``tool_table``: an OpenFace 2.x or py-feat CSV (hemispasm.facetools_io).
    fps : float
        Average frame rate (frames / duration for video; given for EAR tables).
    n_frames : int
        Rows in the table (frames decoded).
    expected_frames : int
        Frames the container announced (0 when unknown).
    frames_lost : int
        Frames announced but not decoded (truncated or corrupt files).
    duration_s : float
    width, height : int
        Frame size as displayed, after rotation (0 for tables).
    rotation_deg : int
    face_visible_fraction : float
        Fraction of frames with a face.
    multi_face_frames : int
        Frames where more than one face was seen; the largest, most stable face is followed.
    subject_note : str
    synthetic : bool
        The input is synthetic (generated) data.
    provenance : Provenance
    """

    source: Literal["video", "ear_table", "signals_table", "tool_table"]
    fps: float
    n_frames: int
    expected_frames: int = 0
    frames_lost: int = 0
    duration_s: float
    width: int = 0
    height: int = 0
    rotation_deg: int = 0
    face_visible_fraction: float
    multi_face_frames: int = 0
    subject_note: str = ""
    synthetic: bool = False
    provenance: Provenance


@dataclass
class Signals:
    """A signals table with its metadata (``table``: one row per frame; ``meta``)."""

    table: pd.DataFrame
    meta: SignalsMeta
    landmarks: np.ndarray | None = None

    @property
    def fps(self) -> float:
        return self.meta.fps


class RowBuffer:
    """Rows kept compactly: float64 blocks of ``BLOCK`` rows (656 bytes a frame, not 2 KB)."""

    BLOCK = 2048

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []
        self.n = 0

    def append(self, row: np.ndarray) -> None:
        i = self.n % self.BLOCK
        if i == 0:
            self.blocks.append(np.empty((self.BLOCK, len(COLUMNS))))
        self.blocks[-1][i] = row
        self.n += 1

    def array(self) -> np.ndarray:
        if not self.blocks:
            return np.empty((0, len(COLUMNS)))
        return np.concatenate(self.blocks)[: self.n]


# ---------------------------------------------------------------- segments
class _Cancelled(Exception):
    """Another segment failed; this one stops."""


def _segment(
    path: Path,
    model: Path,
    t0: float,
    t1: float | None,
    *,
    max_faces: int,
    on_frame: Callable[[], None],
    threaded: bool,
    rotation_deg: int | None = None,
) -> tuple[np.ndarray, int, int]:
    """Analyse the frames with t0 <= time < t1 (decoding from t0 - WARMUP_S)."""
    cols = RowBuffer()
    tracker = SubjectTracker()
    for row, _ in iter_rows(
        path,
        model,
        start_s=max(0.0, t0 - WARMUP_S),
        end_s=t1,
        keep_from_s=t0,
        on_frame=on_frame,
        tracker=tracker,
        max_faces=max_faces,
        threaded=threaded,
        rotation_deg=rotation_deg,
    ):
        cols.append(row)
    return cols.array(), tracker.multi_face_frames, tracker.switches


def segment_bounds(duration_s: float, n: int) -> np.ndarray:
    """Segment start/end times (n + 1 values) with equal work per segment: every segment but the
    first also decodes and runs the model on ``WARMUP_S`` before its start, so the first is
    longer by ``WARMUP_S`` (when the video is long enough)."""
    first = (duration_s + (n - 1) * WARMUP_S) / n
    if n <= 1 or first - WARMUP_S <= 0.5 * duration_s / n:
        return np.linspace(0.0, duration_s, n + 1)
    return np.concatenate([[0.0], first + (first - WARMUP_S) * np.arange(n)])


def default_workers(duration_s: float) -> int:
    """Parallel segments for a video: 1 for short clips, else one per core (at most 4)."""
    if duration_s < MIN_PARALLEL_S:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def cap_workers(workers: int) -> int:
    """``workers`` capped to the cores (each segment runs its own model: more only costs
    memory and start-up)."""
    cores = os.cpu_count() or 1
    n = max(1, int(workers))
    if n > cores:
        log.info("--workers %d capped to the %d cores of this machine", n, cores)
    return min(n, cores)


def _run_video(
    path: Path,
    model: Path,
    *,
    workers: int,
    total: int,
    duration_s: float,
    progress: Progress | None,
    landmarks: bool,
    max_faces: int = 2,
    rotation_deg: int | None = None,
):
    lms_list: list[np.ndarray] = []
    if workers <= 1 or landmarks:
        cols = RowBuffer()
        tracker = SubjectTracker()
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            if progress and done % 10 == 0:
                progress(done, total)

        for row, lms in iter_rows(
            path,
            model,
            on_frame=tick,
            with_landmarks=landmarks,
            tracker=tracker,
            max_faces=max_faces,
            rotation_deg=rotation_deg,
        ):
            cols.append(row)
            if landmarks:
                lms_list.append(lms if lms is not None else np.full((478, 3), np.nan))
        if progress:
            progress(done, total)
        stacked = np.stack(lms_list).astype(np.float32) if lms_list else None
        return [cols.array()], tracker.multi_face_frames, tracker.switches, stacked

    # Segments run in threads of this process: MediaPipe's detect call releases the GIL, so
    # they use all cores without a second process (no second start-up, one model in memory).
    # With a segment per core the cores are busy, so each segment decodes in its own thread
    # (no extra decode thread: fewer frames in flight, less memory, same speed).
    bounds = segment_bounds(duration_s, workers)
    decode_thread = workers < (os.cpu_count() or 1)
    counts = [0] * workers
    failed = threading.Event()

    def ticker(i: int) -> Callable[[], None]:
        def tick() -> None:
            counts[i] += 1
            if failed.is_set():
                raise _Cancelled

        return tick

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hemispasm-seg") as pool:
        futs = [
            pool.submit(
                _segment,
                path,
                model,
                float(bounds[i]),
                None if i == workers - 1 else float(bounds[i + 1]),
                max_faces=max_faces,
                on_frame=ticker(i),
                threaded=decode_thread,
                rotation_deg=rotation_deg,
            )
            for i in range(workers)
        ]
        pending = set(futs)
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
                for f in finished:
                    if f.exception() is not None:
                        raise f.exception()
                if progress:
                    progress(min(sum(counts), total), total)
        finally:
            failed.set()
        results = [f.result() for f in futs]
    return (
        [r[0] for r in results],
        sum(r[1] for r in results),
        sum(r[2] for r in results),
        None,
    )


def video_signals(
    path: str | Path,
    *,
    model: str | Path | None = None,
    workers: int | None = None,
    landmarks: bool = False,
    progress: Progress | None = None,
    synthetic: bool | None = None,
    max_faces: int = 2,
) -> Signals:
    """Per-frame signals of a video.

    Parameters
    ----------
    path : str or Path
        Any video FFmpeg reads.
    model : str or Path, optional
        The face model (see :func:`hemispasm.video.resolve_model`).
    workers : int, optional
        Parallel segments (threads) to split the video across (default: :func:`default_workers`).
    landmarks : bool
        Also return the 478 x 3 landmarks per frame (one segment; memory grows with length).
    progress : callable, optional
        ``progress(done_frames, total_frames)``.
    synthetic : bool, optional
        Mark the result synthetic (default: read from the video's metadata comment).
    max_faces : int
        Faces the model looks for. 2 (default) lets hemispasm notice a second person and follow
        the subject; 1 is about 15% faster when only the subject can be in view.

    Raises
    ------
    InputError
        Unreadable video, or no frame decoded.
    NoFaceError
        No face in any frame.
    """
    path = Path(path)
    info = probe(path)
    model_path = resolve_model(model)
    duration = info.duration_s or (info.n_frames / info.fps if info.n_frames else 0.0)
    n_workers = default_workers(duration) if workers is None else cap_workers(workers)
    total = info.n_frames or round(duration * info.fps)
    parts, multi, switches, lms = _run_video(
        path,
        model_path,
        workers=n_workers,
        total=total,
        duration_s=duration,
        progress=progress,
        landmarks=landmarks,
        max_faces=max_faces,
        rotation_deg=info.rotation_deg,  # read once, applied in every segment
    )
    table = pd.DataFrame(np.concatenate(parts), columns=list(COLUMNS))
    if table.empty:
        raise InputError(
            "no video frame could be decoded (empty or corrupt file)",
            path=path,
            hint="check that the file plays; re-export it from the camera",
        )
    table = table.sort_values("time_s", kind="stable").reset_index(drop=True)
    table["frame"] = np.arange(len(table), dtype=np.int64)
    table["face"] = table["face"].astype(bool)
    table["n_faces"] = table["n_faces"].astype(np.int64)
    n = len(table)
    expected = info.n_frames or round(info.duration_s * info.fps)
    lost = max(0, expected - n)
    if lost <= max(2, 0.01 * expected):
        lost = 0  # container durations can be off by a frame or two
    else:
        log.warning(
            "%s: %d of %d frames could not be decoded (file truncated or corrupt); "
            "analysed the first %.1f s",
            path.name,
            lost,
            expected,
            float(table["time_s"].iloc[-1]),
        )
    face_frac = float(table["face"].mean())
    if face_frac == 0:
        raise NoFaceError(
            f"no face found in any of its {n} frames",
            path=path,
            hint="film the face from the front, well lit, filling a good part of the frame",
        )
    dur = float(table["time_s"].iloc[-1] - table["time_s"].iloc[0]) if n > 1 else 0.0
    from hemispasm.signals_io import MIN_DURATION_S

    if n < 3 or dur < MIN_DURATION_S:
        raise InputError(
            f"too short to analyse ({n} frames, {dur:.2f} s; at least {MIN_DURATION_S:g} s needed)",
            path=path,
            hint="give a longer recording",
        )
    fps = (n - 1) / dur
    if synthetic is None:
        synthetic = _is_synthetic(path)
    w, h = info.width, info.height  # as displayed (probe swaps them for 90/270)
    note = (
        "one face in every frame"
        if multi == 0
        else f"more than one face in {multi} frames: followed the largest, most stable face"
        + (f" ({switches} jumps)" if switches else "")
    )
    meta = SignalsMeta(
        source="video",
        fps=fps,
        n_frames=n,
        expected_frames=expected,
        frames_lost=lost,
        duration_s=dur + (1.0 / fps if fps else 0.0),
        width=w,
        height=h,
        rotation_deg=info.rotation_deg,
        face_visible_fraction=face_frac,
        multi_face_frames=multi,
        subject_note=note,
        synthetic=synthetic,
        provenance=Provenance(
            method=METHOD,
            parameters={"workers": n_workers, "warmup_s": WARMUP_S, "max_faces": max_faces},
            model_sha256=MODEL_SHA256,
            input_name=path.name,
            input_sha256=sha256_file(path),
            synthetic=synthetic,
        ),
    )
    return Signals(table=table, meta=meta, landmarks=lms)


def _is_synthetic(path: Path) -> bool:
    av = require("av")
    try:
        with av.open(str(path)) as c:
            text = " ".join(str(v) for v in c.metadata.values()).lower()
    except av.error.FFmpegError:
        return False
    return "synthetic" in text


def table_signals(
    table: pd.DataFrame,
    *,
    source: Literal["ear_table", "signals_table", "tool_table"],
    fps: float,
    name: str,
    synthetic: bool = False,
    method: str = "table",
) -> Signals:
    """Wrap a table read from a file (EAR CSV, signals parquet) as :class:`Signals`."""
    n = len(table)
    face = table["face"].astype(bool) if "face" in table else pd.Series(True, index=table.index)
    dur = float(table["time_s"].iloc[-1] - table["time_s"].iloc[0]) + 1.0 / fps if n else 0.0
    meta = SignalsMeta(
        source=source,
        fps=fps,
        n_frames=n,
        duration_s=dur,
        face_visible_fraction=float(face.mean()) if n else 0.0,
        synthetic=synthetic,
        provenance=Provenance(
            method=method, parameters={"fps": fps}, input_name=name, synthetic=synthetic
        ),
    )
    return Signals(table=table, meta=meta)


def load_signals(
    path: str | Path,
    *,
    fps: float | None = None,
    model: str | Path | None = None,
    landmarks: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
    max_faces: int = 2,
) -> Signals:
    """Read any supported input as a signals table.

    Parameters
    ----------
    path : str or Path
        A video; a signals table written by ``hemispasm analyze`` (``.parquet``, or ``.csv``
        with a ``time_s`` column); or a per-frame eye-aspect-ratio table from another tool
        (JeFaPaTo ``frame,EAR2D6_l,EAR2D6_r`` CSV, with ``fps``; OpenFace 2.x CSV; py-feat CSV,
        with ``fps``).
    fps : float, optional
        Frame rate of an EAR table (its CSV has no time column).

    Returns
    -------
    Signals
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path, hint="check the path")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet", ".tsv"):
        from hemispasm import facetools_io, signals_io

        tool = None if suffix == ".parquet" else facetools_io.sniff(path)
        if tool is not None:  # OpenFace 2.x or py-feat per-frame CSV
            table, rate, method = facetools_io.read_tool_table(path, tool, fps=fps)
            return table_signals(
                table, source="tool_table", fps=rate, name=path.name, method=method
            )
        if suffix == ".parquet" or _has_time_column(path):
            table = signals_io.read_signals_table(path)
            t = table["time_s"].to_numpy()
            est = (len(t) - 1) / (t[-1] - t[0])  # the reader checked: >= 3 rows, increasing
            stored = signals_io.read_signals_meta(path)
            synthetic = bool(stored.get("synthetic")) or bool(
                (stored.get("provenance") or {}).get("synthetic")
            )
            if "synthetic" in table and table["synthetic"].astype(str).str.lower().eq("true").any():
                synthetic = True
            return table_signals(
                table,
                source="signals_table",
                fps=signals_io.check_fps(fps, path) if fps is not None else float(est),
                name=path.name,
                synthetic=synthetic,
                method="signals_table",
            )
        if fps is None:
            raise InputError(
                "an eye-aspect-ratio table has no time column",
                path=path,
                hint="give its frame rate with --fps",
            )
        table = signals_io.read_ear_table(path, fps=fps)
        return table_signals(
            table, source="ear_table", fps=float(fps), name=path.name, method="ear_table"
        )
    if suffix not in VIDEO_SUFFIXES:
        log.info("%s: unknown extension, trying it as a video", path.name)
    return video_signals(
        path,
        model=model,
        workers=workers,
        landmarks=landmarks,
        progress=progress,
        max_faces=max_faces,
    )


def _has_time_column(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            header = fh.readline()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", path=path) from exc
    return "time_s" in [h.strip() for h in header.replace("\t", ",").split(",")]
