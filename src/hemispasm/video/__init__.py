"""Video → per-frame, per-side facial-muscle signals (MediaPipe Tasks + PyAV).

Main entry points: :func:`load_signals` (any input → :class:`Signals`), :func:`video_signals`,
:func:`resolve_model`, :func:`iter_frames`. MediaPipe and PyAV are imported only when used.
"""

from hemispasm.video.model import (
    MODEL_SHA256,
    fetch_model,
    model_status,
    resolve_model,
)
from hemispasm.video.reader import VideoInfo, iter_frames, probe
from hemispasm.video.signals import Signals, SignalsMeta, load_signals, video_signals

__all__ = [
    "MODEL_SHA256",
    "Signals",
    "SignalsMeta",
    "VideoInfo",
    "fetch_model",
    "iter_frames",
    "load_signals",
    "model_status",
    "probe",
    "resolve_model",
    "video_signals",
]
