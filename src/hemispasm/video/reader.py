"""Video reading with PyAV: stream timestamps (variable frame rate kept), rotation, bounded memory.

Frames are decoded one at a time and handed on; nothing holds the whole video.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from hemispasm._lazy import require
from hemispasm._log import get_logger
from hemispasm.errors import InputError

log = get_logger(__name__)

VIDEO_SUFFIXES = frozenset(
    {
        ".mp4",
        ".mov",
        ".avi",
        ".mkv",
        ".webm",
        ".m4v",
        ".mpg",
        ".mpeg",
        ".wmv",
        ".flv",
        ".3gp",
        ".ts",
        ".mts",
    }
)


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about the video stream.

    Attributes
    ----------
    n_frames : int
        Frame count from the container (0 when unknown; the decoder is the truth).
    fps : float
        Average frame rate.
    duration_s : float
        Stream duration (0 when unknown).
    width, height : int
        Decoded size before rotation.
    rotation_deg : int
        Display rotation from the stream's metadata (0, 90, 180, 270), applied to frames.
    codec : str
    """

    n_frames: int
    fps: float
    duration_s: float
    width: int
    height: int
    rotation_deg: int
    codec: str


def _open(path: Path):
    av = require("av")
    if not path.exists():
        raise InputError("file not found", path=path, hint="check the path")
    if path.is_dir():
        raise InputError("is a folder, not a video file", path=path, hint="give a video file")
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise InputError(
            f"not a readable video ({exc.__class__.__name__})",
            path=path,
            hint="give a video FFmpeg can read (mp4, mov, avi, mkv, webm)",
        ) from exc
    if not container.streams.video:
        container.close()
        raise InputError(
            "contains no video (no video stream, zero frames)",
            path=path,
            hint="give a video file with frames",
        )
    return container


def _rotation(stream, frame=None) -> int:
    """Display rotation in degrees clockwise, from frame side data or stream metadata."""
    rot = None
    if frame is not None:
        rot = getattr(frame, "rotation", None)
    if not rot:
        meta = getattr(stream, "metadata", {}) or {}
        rot = meta.get("rotate")
    try:
        return round(float(rot or 0)) % 360
    except (TypeError, ValueError):
        return 0


def probe(path: str | Path) -> VideoInfo:
    """Read the container header without decoding."""
    path = Path(path)
    container = _open(path)
    try:
        s = container.streams.video[0]
        fps = float(s.average_rate or s.guessed_rate or 0) or 30.0
        dur = (
            float(s.duration * s.time_base)
            if s.duration and s.time_base
            else (container.duration / 1e6 if container.duration else 0.0)
        )
        return VideoInfo(
            n_frames=int(s.frames or 0),
            fps=fps,
            duration_s=dur,
            width=s.codec_context.width,
            height=s.codec_context.height,
            rotation_deg=_rotation(s),
            codec=s.codec_context.name,
        )
    finally:
        container.close()


def _rotate(img: np.ndarray, rotation_deg: int) -> np.ndarray:
    # FFmpeg's display-matrix angle is counter-clockwise; rotate so the face is upright.
    k = (rotation_deg // 90) % 4
    return np.ascontiguousarray(np.rot90(img, k=k)) if k else img


def iter_frames(
    path: str | Path, *, start_s: float = 0.0, end_s: float | None = None, threads: int = 0
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield ``(frame_index, time_s, rgb)`` for each decoded frame, in order.

    Parameters
    ----------
    path : str or Path
    start_s : float
        Seek to this time first (keyframe before it) and skip earlier frames. Frame indices
        then count from the seek point and are only meaningful with ``start_s=0``.
    end_s : float, optional
        Stop before this time.
    threads : int
        FFmpeg decoder threads (0 = FFmpeg's choice).

    Notes
    -----
    Time comes from each frame's presentation time stamp, so variable frame rate is kept.
    A file that stops decoding part way (truncated, corrupt) ends the iteration with a warning
    in the log; :func:`hemispasm.video.load_signals` reports how much was lost.
    """
    av = require("av")
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if threads:
            stream.codec_context.thread_count = threads
        tb = stream.time_base
        rotation = _rotation(stream)
        t_first = float(stream.start_time * tb) if stream.start_time is not None else 0.0
        if start_s > 0:
            container.seek(
                int((start_s + t_first) / tb), stream=stream, backward=True, any_frame=False
            )
        index = 0
        last_t = -np.inf
        try:
            for frame in container.decode(stream):
                pts = frame.pts if frame.pts is not None else frame.dts
                t = float(Fraction(pts) * tb) - t_first if pts is not None else last_t + 1e-3
                if t < start_s - 1e-6:
                    continue
                if end_s is not None and t >= end_s - 1e-6:
                    break
                last_t = t
                if index == 0 and start_s == 0:
                    rotation = _rotation(stream, frame) or rotation
                img = frame.to_ndarray(format="rgb24", threads=1)  # faster than sws threads
                yield index, t, _rotate(img, rotation)
                index += 1
        except av.error.FFmpegError as exc:
            log.warning(
                "%s: decoding stopped at %.2f s (%s)",
                path.name,
                max(last_t, 0),
                exc.__class__.__name__,
            )
    finally:
        container.close()
