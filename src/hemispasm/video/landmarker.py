"""MediaPipe Tasks FaceLandmarker (VIDEO mode) → one signals row per frame.

The per-frame loop is kept lean: decode runs in its own thread (bounded queue), the model runs
in this one, and each frame's measures are a few small NumPy operations.
"""

from __future__ import annotations

import ctypes
import importlib.abc
import importlib.machinery
import importlib.util
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

from hemispasm._lazy import require
from hemispasm.schema import signal_columns
from hemispasm.video.measures import REGION_KEYS, frame_measures
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


class _LazyDrawingModules(importlib.abc.MetaPathFinder):
    """Load MediaPipe's drawing helpers lazily (standard :class:`importlib.util.LazyLoader`).

    ``import mediapipe`` imports its drawing utilities, and with them matplotlib and OpenCV:
    about 0.8 s and 45 MB that hemispasm never uses. With this finder in place during the first
    import they become lazy modules that load in full on first use, so other code using them
    still works.
    """

    NAMES = frozenset(
        {
            "mediapipe.tasks.python.vision.drawing_utils",
            "mediapipe.tasks.python.vision.drawing_styles",
        }
    )

    def find_spec(self, name, path, target=None):
        if name not in self.NAMES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


_IMPORT_LOCK = threading.Lock()


def import_mediapipe():
    """``import mediapipe`` (once, thread-safe), without loading its drawing helpers eagerly."""
    with _IMPORT_LOCK:
        if "mediapipe" in sys.modules:
            return require("mediapipe")
        finder = _LazyDrawingModules()
        sys.meta_path.insert(0, finder)
        try:
            return require("mediapipe")
        finally:
            sys.meta_path.remove(finder)


def create_landmarker(model_path: str | Path, *, max_faces: int = MAX_FACES):
    """A FaceLandmarker in VIDEO mode with blendshapes and transformation matrices.

    MediaPipe's C++ start-up lines go to the package log, not the terminal
    (:func:`hemispasm._native.native_stderr_to_log`).
    """
    from hemispasm._native import native_stderr_to_log

    with native_stderr_to_log("mediapipe"):
        import_mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        opts = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=max_faces,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        return vision.FaceLandmarker.create_from_options(opts)


class FaceResult(NamedTuple):
    """One frame's faces as arrays: landmarks (478 x 3, normalised), 52 blendshape scores in
    :data:`BLENDSHAPES` order, 4 x 4 transformation matrices (one entry per face)."""

    landmarks: list[np.ndarray]
    blendshapes: list[np.ndarray]
    matrices: list[np.ndarray]


_BS_INDEX = {n: i for i, n in enumerate(BLENDSHAPES)}


def _c_layout_ok(fl) -> bool:
    """The C result structs are laid out as this module reads them (else use the public API)."""
    try:
        from mediapipe.tasks.python.components.containers import category_c, landmark_c

        lm, cat = landmark_c.MpNormalizedLandmarkC, category_c.MpCategoryC
        res = fl.MpFaceLandmarkerResultC
        return (
            (lm.x.offset, lm.y.offset, lm.z.offset, lm.x.size) == (0, 4, 8, 4)
            and (cat.score.offset, cat.score.size) == (4, 4)
            and {f[0] for f in res._fields_}
            >= {"face_landmarks", "face_blendshapes", "facial_transformation_matrixes"}
        )
    except (ImportError, AttributeError):
        return False


class Detector:
    """A VIDEO-mode FaceLandmarker returning :class:`FaceResult` arrays.

    MediaPipe's Python ``detect_for_video`` turns each result into 478 Python objects per face
    (about 1 ms a frame, holding the GIL). Where the C result layout is the one checked by
    :func:`_c_layout_ok`, this reads it straight into NumPy instead (the same C call, the same
    numbers); otherwise it uses the public API.
    """

    def __init__(self, model_path: str | Path, *, max_faces: int = MAX_FACES) -> None:
        self._mp = import_mediapipe()
        from mediapipe.tasks.python.vision import face_landmarker as fl

        self._lm = create_landmarker(model_path, max_faces=max_faces)
        self._fl = fl
        self._fast = hasattr(self._lm, "_lib") and hasattr(self._lm, "_handle") and _c_layout_ok(fl)
        if self._fast:
            from mediapipe.tasks.python.components.containers import category_c, landmark_c

            self._lm_size = ctypes.sizeof(landmark_c.MpNormalizedLandmarkC)
            self._cat_size = ctypes.sizeof(category_c.MpCategoryC)
        self._bs_order: np.ndarray | None = None

    def __enter__(self) -> Detector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._lm.close()

    def detect(self, rgb: np.ndarray, ts_ms: int) -> FaceResult:
        # mp.Image ignores strides: padded rows (odd widths) would reach the model garbled
        rgb = np.ascontiguousarray(rgb)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        if not self._fast:
            return self._from_public(self._lm.detect_for_video(image, ts_ms))
        res = self._fl.MpFaceLandmarkerResultC()
        self._lm._lib.MpFaceLandmarkerDetectForVideo(
            self._lm._handle, image._image_ptr, None, ts_ms, ctypes.byref(res)
        )
        try:
            return self._from_c(res)
        finally:
            self._lm._lib.MpFaceLandmarkerCloseResult(ctypes.byref(res))

    @staticmethod
    def _view(ptr, count: int, itemsize: int, cols: int, offset: int = 0) -> np.ndarray:
        """float32 (count x cols) view of an array of C structs (copied by the caller)."""
        addr = ctypes.cast(ptr, ctypes.c_void_p).value
        buf = (ctypes.c_char * (count * itemsize)).from_address(addr)
        return np.ndarray(
            (count, cols), np.float32, buffer=buf, offset=offset, strides=(itemsize, 4)
        )

    def _from_c(self, res) -> FaceResult:
        faces, shapes, mats = [], [], []
        for i in range(res.face_landmarks_count):
            c = res.face_landmarks[i]
            faces.append(self._view(c.landmarks, c.landmarks_count, self._lm_size, 3).astype(float))
        for i in range(res.face_blendshapes_count):
            c = res.face_blendshapes[i]
            n = c.categories_count
            scores = self._view(c.categories, n, self._cat_size, 1, offset=4)[:, 0]
            if self._bs_order is None or len(self._bs_order) != n:
                names = [c.categories[j].category_name.decode() for j in range(n)]
                self._bs_order = np.array([_BS_INDEX[nm] for nm in names])
            out = np.full(len(BLENDSHAPES), np.nan)
            out[self._bs_order] = scores
            shapes.append(out)
        for i in range(res.facial_transformation_matrixes_count):
            mats.append(res.facial_transformation_matrixes[i].to_numpy())
        return FaceResult(faces, shapes, mats)

    @staticmethod
    def _from_public(result) -> FaceResult:
        faces = [np.array([(p.x, p.y, p.z) for p in f], dtype=float) for f in result.face_landmarks]
        shapes = []
        for cats in result.face_blendshapes or []:
            out = np.full(len(BLENDSHAPES), np.nan)
            for cat in cats:
                out[_BS_INDEX[cat.category_name]] = cat.score
            shapes.append(out)
        mats = [np.asarray(m) for m in result.facial_transformation_matrixes or []]
        return FaceResult(faces, shapes, mats)


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


_COL = {c: i for i, c in enumerate(COLUMNS)}
_EMPTY = np.full(len(COLUMNS), np.nan)
_EMPTY[[_COL["face"], _COL["quality"], _COL["n_faces"]]] = 0.0
_EAR = [_COL["ear_left"], _COL["ear_right"]]
_POSE = [_COL["yaw_deg"], _COL["pitch_deg"], _COL["roll_deg"]]
_REGIONS = [_COL[k] for k in REGION_KEYS]
_FOREHEAD = [_COL["forehead_left"], _COL["forehead_right"]]
_BS = slice(_COL[BS_COLUMNS[0]], _COL[BS_COLUMNS[0]] + len(BS_COLUMNS))


def frame_row(
    result: FaceResult, frame: int, t: float, width: int, height: int, tracker: SubjectTracker
) -> tuple[np.ndarray, np.ndarray | None]:
    """One signals row (float64, in :data:`COLUMNS` order; ``face`` 0/1) and the chosen face's
    raw landmarks, from a :class:`FaceResult`."""
    row = _EMPTY.copy()
    row[_COL["frame"]], row[_COL["time_s"]] = frame, t
    if not result.landmarks:
        return row, None
    faces = result.landmarks
    k = tracker.choose(faces)
    lms = faces[k]
    matrix = result.matrices[k] if result.matrices else None
    ear, angles, regions = frame_measures(lms, width, height, matrix)
    row[_COL["face"]] = 1.0
    row[_COL["n_faces"]] = len(faces)
    row[_EAR] = ear
    row[_REGIONS] = regions
    yaw = 0.0
    if angles is not None:
        row[_POSE] = angles
        yaw = abs(angles[0]) if np.isfinite(angles[0]) else 0.0
    if result.blendshapes:
        row[_BS] = result.blendshapes[k]
    # quality: 1 inside the frame and facing the camera, lower when turned or at the edge
    xy = lms[:, :2]
    inside = float(np.count_nonzero(((xy > 0) & (xy < 1)).all(axis=1))) / len(lms)
    row[_COL["quality"]] = inside * max(0.0, 1.0 - yaw / 60.0)
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
    rotation_deg: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Yield ``(row, landmarks_or_None)`` per decoded frame (``row`` as in :func:`frame_row`).

    ``start_s`` is where decoding (and the landmarker's tracking) starts; rows before
    ``keep_from_s`` are warm-up for the tracker and are not yielded. ``rotation_deg`` is the
    file's display rotation (read once by :func:`hemispasm.video.probe`).
    """
    from hemispasm.video.forehead import ForeheadTracker

    keep = start_s if keep_from_s is None else keep_from_s
    forehead = ForeheadTracker()
    frames = iter_frames(
        path, start_s=start_s, end_s=end_s, threads=decode_threads, rotation_deg=rotation_deg
    )
    if threaded:
        frames = _threaded(frames)
    tracker = tracker if tracker is not None else SubjectTracker()
    last_ms = -1
    from hemispasm.video.pool import open_detector  # pooled in batch workers, else fresh

    with open_detector(model_path, max_faces=max_faces) as det:
        for index, t, rgb in frames:
            h, w = rgb.shape[:2]
            ts_ms = max(round(t * 1000), last_ms + 1)  # strictly increasing for VIDEO mode
            last_ms = ts_ms
            result = det.detect(rgb, ts_ms)
            if on_frame is not None:
                on_frame()
            if t < keep - 1e-6:
                continue
            row, lms = frame_row(result, index, t, w, h, tracker)
            row[_FOREHEAD] = forehead.update(rgb, lms)
            yield row, (lms if with_landmarks else None)
