"""Face photographs for synthetic videos, and their landmarks (detected once per photo).

Built-in faces are real photographs shipped inside packages hemispasm already installs, so the
generator works offline:

- ``astronaut``: scikit-image ``data.astronaut()`` — Eileen Collins, NASA portrait (public
  domain).
- ``hopper``: Matplotlib sample data ``grace_hopper.jpg`` — Grace Hopper, US Navy portrait
  (public domain); she wears glasses, which makes the eyes harder for the landmark model.

A user's own photo (``face=PATH``) works the same way. The photo is cropped around the face and
resized to the output frame once; the landmarks are detected again on that frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hemispasm._lazy import require
from hemispasm.errors import InputError, NoFaceError

#: Built-in faces: name -> where the photograph comes from.
BUILTIN_FACES: dict[str, str] = {
    "astronaut": "scikit-image data.astronaut(): Eileen Collins, NASA portrait (public domain)",
    "hopper": "matplotlib sample_data/grace_hopper.jpg: Grace Hopper, US Navy portrait "
    "(public domain)",
}
#: The face (landmark extent) fills this fraction of the frame height.
FACE_FILL = 0.5


@dataclass(frozen=True)
class FacePhoto:
    """A face photograph cropped to the output frame, with its landmarks.

    Attributes
    ----------
    image : ndarray
        H x W x 3 uint8 RGB frame (the neutral face).
    landmarks_px : ndarray
        478 x 2 landmark positions in pixels (x right, y down).
    name : str
        ``astronaut``, ``hopper`` or the photo's file name.
    source : str
        Where the photograph comes from.
    """

    image: np.ndarray
    landmarks_px: np.ndarray
    name: str
    source: str


def load_photo(face: str | Path = "astronaut") -> tuple[np.ndarray, str, str]:
    """Read a built-in face or a photo file as RGB uint8; return ``(rgb, name, source)``."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(face, str) and face in BUILTIN_FACES:
        if face == "astronaut":
            rgb = require("skimage.data").astronaut()
        else:
            import matplotlib.cbook as cbook

            with cbook.get_sample_data("grace_hopper.jpg") as fh:
                rgb = np.asarray(Image.open(fh).convert("RGB"))
        return np.ascontiguousarray(rgb[..., :3]), face, BUILTIN_FACES[face]
    path = Path(face)
    if not path.exists():
        raise InputError(
            "face photo not found",
            path=path,
            hint=f"give a photo file, or one of the built-in faces: {', '.join(BUILTIN_FACES)}",
        )
    try:
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(
            f"not a readable image ({exc.__class__.__name__})",
            path=path,
            hint="give a JPEG or PNG photo of a face",
        ) from exc
    return np.ascontiguousarray(rgb), path.name, f"user photo {path.name}"


def detect_landmarks(rgb: np.ndarray, model_path: str | Path) -> np.ndarray | None:
    """478 x 3 normalised landmarks of the largest face in a still image (None if no face)."""
    from hemispasm._native import native_stderr_to_log
    from hemispasm.video.landmarker import import_mediapipe

    with native_stderr_to_log("mediapipe"):  # C++ start-up lines to the log, not the terminal
        mp = import_mediapipe()  # without MediaPipe's drawing helpers (see video.landmarker)
        from mediapipe.tasks.python import BaseOptions, vision

        opts = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.IMAGE,
            num_faces=2,
        )
        lm = vision.FaceLandmarker.create_from_options(opts)
    with lm:
        res = lm.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)))
    if not res.face_landmarks:
        return None
    faces = [np.array([(p.x, p.y, p.z) for p in f]) for f in res.face_landmarks]
    return max(faces, key=lambda f: np.ptp(f[:, 0]) * np.ptp(f[:, 1]))


def prepare_face(
    face: str | Path = "astronaut",
    *,
    model_path: str | Path,
    width: int = 640,
    height: int = 480,
) -> FacePhoto:
    """Crop a face photo around the face, resize it to ``width`` x ``height``, find landmarks.

    Raises
    ------
    InputError
        The photo cannot be read.
    NoFaceError
        No face found in the photo.
    """
    from PIL import Image

    rgb, name, source = load_photo(face)
    where = face if name not in BUILTIN_FACES else name
    lms = detect_landmarks(rgb, model_path)
    if lms is None:
        raise NoFaceError(
            "no face found in the photo",
            path=where,
            hint="use a well-lit, frontal photo in which the face fills a good part of the image",
        )
    h0, w0 = rgb.shape[:2]
    x0, x1 = lms[:, 0].min() * w0, lms[:, 0].max() * w0
    y0, y1 = lms[:, 1].min() * h0, lms[:, 1].max() * h0
    crop_h = (y1 - y0) / FACE_FILL
    crop_w = crop_h * width / height
    scale = min(1.0, w0 / crop_w, h0 / crop_h)  # never crop outside the photo
    crop_w, crop_h = crop_w * scale, crop_h * scale
    cx = float(np.clip(0.5 * (x0 + x1), crop_w / 2, w0 - crop_w / 2))
    cy = float(np.clip(0.5 * (y0 + y1) - 0.04 * crop_h, crop_h / 2, h0 - crop_h / 2))
    box = (cx - crop_w / 2, cy - crop_h / 2, cx + crop_w / 2, cy + crop_h / 2)
    img = Image.fromarray(rgb).resize((width, height), Image.Resampling.LANCZOS, box=box)
    frame = np.ascontiguousarray(np.asarray(img))
    lms2 = detect_landmarks(frame, model_path)
    if lms2 is None:  # the model lost the face in the crop (a very small or odd face)
        raise NoFaceError(
            "the face could not be found again after cropping the photo",
            path=where,
            hint="use a photo in which the whole face is visible",
        )
    px = lms2[:, :2] * np.array([width, height], dtype=float)
    return FacePhoto(image=frame, landmarks_px=px, name=name, source=source)
