"""MediaPipe Tasks FaceLandmarker (VIDEO mode) → one signals row per frame.

The per-frame loop is kept lean: decode runs in its own thread (bounded queue), the model runs
in this one, and each frame's measures are a few small NumPy operations.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from hemispasm._lazy import require
from hemispasm.schema import signal_columns
from hemispasm.video.measures import ear_2d, pose_angles_deg, region_measures, to_canonical
from hemispasm.video.reader import iter_frames

#: MediaPipe's 52 blendshape names, in the model's output order (index 0 is "_neutral").
BLENDSHAPES: tuple[str, ...] = (
    "_neutral",
    "browDownLeft",
    "browDownRight",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
    "cheekSquintLeft",
    "cheekSquintRight",
    "eyeBlinkLeft",
    "eyeBlinkRight",
    "eyeLookDownLeft",
    "eyeLookDownRight",
    "eyeLookInLeft",
    "eyeLookInRight",
    "eyeLookOutLeft",
    "eyeLookOutRight",
    "eyeLookUpLeft",
    "eyeLookUpRight",
    "eyeSquintLeft",
    "eyeSquintRight",
    "eyeWideLeft",
    "eyeWideRight",
    "jawForward",
    "jawLeft",
    "jawOpen",
    "jawRight",
    "mouthClose",
    "mouthDimpleLeft",
    "mouthDimpleRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthFunnel",
    "mouthLeft",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthPucker",
    "mouthRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "noseSneerLeft",
    "noseSneerRight",
)
BS_COLUMNS: tuple[str, ...] = tuple(f"bs_{n}" for n in BLENDSHAPES)
COLUMNS: tuple[str, ...] = (*signal_columns(), *BS_COLUMNS)
MAX_FACES = 2
QUEUE_FRAMES = 4


def create_landmarker(model_path: str | Path, *, max_faces: int = MAX_FACES):
    """A FaceLandmarker in VIDEO mode with blendshapes and transformation matrices."""
    require("mediapipe")
    from mediapipe.tasks.python import BaseOptions, vision

    opts = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.VIDEO,
        num_faces=max_faces,
        output_face_blendshapes=True,
        output_facial_transformation_matrixes=True,
    )
    return vision.FaceLandmarker.create_from_options(opts)


class SubjectTracker:
    """Follow one subject among several faces: the largest at first, then the nearest.

    ``switches`` counts frames where the followed face jumped (a sign of a second person).
    """

    def __init__(self) -> None:
        self.center: np.ndarray | None = None
        self.size: float = 0.0
        self.multi_face_frames = 0
        self.switches = 0

    def choose(self, faces: list[np.ndarray]) -> int:
        centers = [f[:, :2].mean(axis=0) for f in faces]
        sizes = [float(np.ptp(f[:, 0]) * np.ptp(f[:, 1])) for f in faces]
        if len(faces) > 1:
            self.multi_face_frames += 1
        if self.center is None or len(faces) == 1:
            k = int(np.argmax(sizes))
        else:
            d = [float(np.linalg.norm(c - self.center)) for c in centers]
            k = int(np.argmin(d))
            if d[k] > 0.5 * np.sqrt(max(self.size, 1e-6)):
                k = int(np.argmax(sizes))
                self.switches += 1
        self.center, self.size = centers[k], sizes[k]
        return k


def _empty_row(frame: int, t: float, n_faces: int = 0) -> dict:
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(frame=frame, time_s=t, face=False, quality=0.0, n_faces=n_faces)
    return row


def frame_row(
    result, frame: int, t: float, width: int, height: int, tracker: SubjectTracker
) -> tuple[dict, np.ndarray | None]:
    """One signals row (and the chosen face's raw landmarks) from a FaceLandmarker result."""
    if not result.face_landmarks:
        return _empty_row(frame, t), None
    faces = [np.array([(p.x, p.y, p.z) for p in lm], dtype=float) for lm in result.face_landmarks]
    k = tracker.choose(faces)
    lms = faces[k]
    matrix = (
        np.asarray(result.facial_transformation_matrixes[k])
        if result.facial_transformation_matrixes
        else None
    )
    row = _empty_row(frame, t, len(faces))
    px = lms.copy()
    px[:, 0] *= width
    px[:, 1] *= height
    row["face"] = True
    row["ear_left"] = ear_2d(px, "left")
    row["ear_right"] = ear_2d(px, "right")
    if matrix is not None:
        row["yaw_deg"], row["pitch_deg"], row["roll_deg"] = pose_angles_deg(matrix)
    row.update(region_measures(to_canonical(lms, width, height, matrix)))
    if result.face_blendshapes:
        for cat in result.face_blendshapes[k]:
            row[f"bs_{cat.category_name}"] = float(cat.score)
    # quality: 1 inside the frame and facing the camera, lower when turned or at the edge
    inside = float(np.mean((lms[:, 0] > 0) & (lms[:, 0] < 1) & (lms[:, 1] > 0) & (lms[:, 1] < 1)))
    yaw = abs(row["yaw_deg"]) if np.isfinite(row["yaw_deg"]) else 0.0
    row["quality"] = float(inside * max(0.0, 1.0 - yaw / 60.0))
    return row, lms


def _threaded(it: Iterator, maxsize: int = QUEUE_FRAMES) -> Iterator:
    """Run an iterator in a background thread with a bounded queue (decode ‖ inference)."""
    q: queue.Queue = queue.Queue(maxsize=maxsize)
    done = object()
    stop = threading.Event()

    def pump() -> None:
        try:
            for item in it:
                if stop.is_set():
                    break
                q.put(item)
        except BaseException as exc:  # re-raised in the consumer
            q.put(exc)
        finally:
            q.put(done)

    th = threading.Thread(target=pump, daemon=True, name="hemispasm-decode")
    th.start()
    try:
        while (item := q.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while th.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                th.join(timeout=0.05)


def iter_rows(
    path: str | Path,
    model_path: str | Path,
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    keep_from_s: float | None = None,
    with_landmarks: bool = False,
    threaded: bool = True,
    on_frame: Callable[[], None] | None = None,
    tracker: SubjectTracker | None = None,
    decode_threads: int = 0,
    max_faces: int = MAX_FACES,
) -> Iterator[tuple[dict, np.ndarray | None]]:
    """Yield ``(row, landmarks_or_None)`` per decoded frame.

    ``start_s`` is where decoding (and the landmarker's tracking) starts; rows before
    ``keep_from_s`` are warm-up for the tracker and are not yielded.
    """
    mp = require("mediapipe")
    keep = start_s if keep_from_s is None else keep_from_s
    frames = iter_frames(path, start_s=start_s, end_s=end_s, threads=decode_threads)
    if threaded:
        frames = _threaded(frames)
    tracker = tracker if tracker is not None else SubjectTracker()
    last_ms = -1
    with create_landmarker(model_path, max_faces=max_faces) as lm:
        for index, t, rgb in frames:
            h, w = rgb.shape[:2]
            ts_ms = max(round(t * 1000), last_ms + 1)  # strictly increasing for VIDEO mode
            last_ms = ts_ms
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
            result = lm.detect_for_video(image, ts_ms)
            if on_frame is not None:
                on_frame()
            if t < keep - 1e-6:
                continue
            row, lms = frame_row(result, index, t, w, h, tracker)
            yield row, (lms if with_landmarks else None)
