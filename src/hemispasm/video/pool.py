"""Face models kept for the life of a process (one per worker of ``hemispasm batch``).

Creating a FaceLandmarker costs 0.1-0.2 s, and a fresh process first pays about 1.4 s to import
MediaPipe. A batch worker analyses many recordings, so it keeps its landmarkers in a per-process
pool (:func:`enable`) instead of creating one per recording. Landmarkers are never pickled: each
worker process builds its own, lazily, the first time a recording needs one.

A VIDEO-mode landmarker needs strictly increasing timestamps and carries the previous frame's
face regions into the next frame. When a recording ends, its landmarker is handed one black
frame ``GAP_MS`` after the last one (no face: nothing is carried over) and later recordings
continue on an offset clock, so a pooled landmarker gives the same landmarks as a fresh one
(tests/video/test_pool.py checks this on real clips).

With ``max_faces=1`` MediaPipe smooths landmarks over time (a One Euro filter) and offers no way
to reset that filter: a reused landmarker then differs from a fresh one by up to 1e-4 in the
eye-aspect ratio for the first frames. So landmarkers for one face are not reused: each
recording gets a fresh one (0.1-0.2 s; the process still imports MediaPipe only once).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from hemispasm._log import get_logger

log = get_logger(__name__)

#: Gap on the landmarker's clock between two recordings (1 hour, in milliseconds).
GAP_MS = 3_600_000
_BLANK = np.zeros((64, 64, 3), dtype=np.uint8)


class PooledDetector:
    """A :class:`~hemispasm.video.landmarker.Detector` on an offset clock (one recording at a
    time)."""

    def __init__(self, model_path: Path, max_faces: int) -> None:
        from hemispasm.video.landmarker import Detector

        self.key = (str(model_path), int(max_faces))
        self._det = Detector(model_path, max_faces=max_faces)
        self._offset_ms = 0
        self._last_ms = -1
        self.recordings = 0

    def detect(self, rgb: np.ndarray, ts_ms: int):
        ts = self._offset_ms + int(ts_ms)
        self._last_ms = ts
        return self._det.detect(rgb, ts)

    def reset(self) -> None:
        """Forget the last recording: one blank frame, then a fresh clock offset."""
        if self._last_ms >= 0:
            blank_ms = self._last_ms + GAP_MS
            self._det.detect(_BLANK, blank_ms)
            self._offset_ms = blank_ms + GAP_MS
            self._last_ms = -1
        self.recordings += 1

    def close(self) -> None:
        self._det.close()


class DetectorPool:
    """Idle landmarkers by (model, max_faces); thread-safe (segments of a long video)."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, int], list[PooledDetector]] = {}
        self._lock = threading.Lock()
        self.created = 0

    @contextlib.contextmanager
    def borrow(self, model_path: str | Path, max_faces: int) -> Iterator[PooledDetector]:
        key = (str(model_path), int(max_faces))
        with self._lock:
            idle = self._idle.setdefault(key, [])
            det = idle.pop() if idle else None
        if det is None:
            det = PooledDetector(Path(model_path), max_faces)
            with self._lock:
                self.created += 1
            log.info("face model loaded in this process (%d so far)", self.created)
        ok = False
        try:
            yield det
            ok = True
        finally:
            if ok and det.key[1] > 1:  # one-face landmarkers smooth over time: never reused
                det.reset()
                with self._lock:
                    self._idle.setdefault(key, []).append(det)
            else:  # a failed recording may leave the graph in any state: do not reuse it
                det.close()

    def close(self) -> None:
        with self._lock:
            dets = [d for ds in self._idle.values() for d in ds]
            self._idle.clear()
        for d in dets:
            d.close()


_POOL: DetectorPool | None = None
_POOL_LOCK = threading.Lock()


def enable() -> DetectorPool:
    """Keep face models for the life of this process (idempotent); returns the pool."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = DetectorPool()
        return _POOL


def active() -> DetectorPool | None:
    """The process's pool, or None when models are created per recording."""
    return _POOL


@contextlib.contextmanager
def open_detector(model_path: str | Path, *, max_faces: int) -> Iterator:
    """A landmarker for one recording (or segment): from the pool when enabled, else fresh."""
    pool = _POOL
    if pool is not None:
        with pool.borrow(model_path, max_faces) as det:
            yield det
        return
    from hemispasm.video.landmarker import Detector

    with Detector(model_path, max_faces=max_faces) as det:
        yield det
