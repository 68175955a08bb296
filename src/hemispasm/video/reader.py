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
        Size as displayed, after rotation (a 1920 x 1080 stream rotated by 90 degrees is
        1080 x 1920).
    rotation_deg : int
        Display rotation, counter-clockwise (0, 90, 180, 270), from the display matrix FFmpeg
        attaches to decoded frames (or the legacy ``rotate`` tag); every frame is turned by it.
    codec : str
    coded_width, coded_height : int
        Size of the stored frames, before rotation.
    """

    n_frames: int
    fps: float
    duration_s: float
    width: int
    height: int
    rotation_deg: int
    codec: str
    coded_width: int = 0
    coded_height: int = 0


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
    """Display rotation in degrees counter-clockwise (0, 90, 180, 270).

    FFmpeg attaches the stream's display matrix to every decoded frame (``frame.rotation``,
    counter-clockwise). Without it, the legacy ``rotate`` tag (clockwise, older FFmpeg) is used.
    """
    if frame is not None:
        rot = getattr(frame, "rotation", None)
        if rot:
            return _quarter(float(rot))
    meta = getattr(stream, "metadata", {}) or {}
    try:
        return _quarter(-float(meta.get("rotate") or 0))
    except (TypeError, ValueError):
        return 0


def _quarter(deg: float) -> int:
    """The nearest multiple of 90 degrees in [0, 360)."""
    if not np.isfinite(deg):
        return 0
    return (round(deg / 90.0) * 90) % 360


def _file_rotation(container, stream) -> int:
    """Rotation of a file, read once: from the first decoded frame, else the stream tags."""
    av = require("av")
    try:
        for frame in container.decode(stream):
            return _rotation(stream, frame)
    except av.error.FFmpegError:
        pass
    return _rotation(stream)


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
        w, h = s.codec_context.width, s.codec_context.height
        rotation = _file_rotation(container, s)
        return VideoInfo(
            n_frames=int(s.frames or 0),
            fps=fps,
            duration_s=dur,
            width=h if rotation in (90, 270) else w,
            height=w if rotation in (90, 270) else h,
            rotation_deg=rotation,
            codec=s.codec_context.name,
            coded_width=w,
            coded_height=h,
        )
    finally:
        container.close()


def _rotate(img: np.ndarray, rotation_deg: int) -> np.ndarray:
    # FFmpeg's display-matrix angle is counter-clockwise; rotate so the face is upright.
    k = (rotation_deg // 90) % 4
    # also drops FFmpeg's row padding (widths that are not a multiple of the alignment)
    return np.ascontiguousarray(np.rot90(img, k=k) if k else img)


def iter_frames(
    path: str | Path,
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    threads: int = 0,
    rotation_deg: int | None = None,
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
    rotation_deg : int, optional
        The file's rotation (:attr:`VideoInfo.rotation_deg`, read once by :func:`probe`), so
        that every parallel segment turns its frames the same way; default: read here.

    Yields
    ------
    RGB frames as C-contiguous ``uint8`` arrays (FFmpeg pads rows to an alignment; the padding
    is dropped, since MediaPipe's ``mp.Image`` ignores strides).

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
        # every decoded frame carries the display matrix: without rotation_deg, the first
        # frame decoded here gives it
        rotation = None if rotation_deg is None else _quarter(rotation_deg)
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
                if rotation is None:
                    rotation = _rotation(stream, frame)
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
