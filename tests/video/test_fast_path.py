"""The fast per-frame path gives the same numbers as the reference measures and public API."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from hemispasm.video.landmarker import BLENDSHAPES, Detector
from hemispasm.video.measures import (
    REGION_KEYS,
    ear_2d,
    frame_measures,
    pose_angles_deg,
    region_measures,
    to_canonical,
)
from hemispasm.video.reader import iter_frames


def _reference(lms, w, h, matrix):
    px = lms.copy()
    px[:, 0] *= w
    px[:, 1] *= h
    ear = [ear_2d(px, "left"), ear_2d(px, "right")]
    angles = pose_angles_deg(matrix) if matrix is not None else None
    reg = region_measures(to_canonical(lms, w, h, matrix))
    return ear, angles, [reg[k] for k in REGION_KEYS]


def _rotation(yaw, pitch, roll):
    y, p, r = np.radians([yaw, pitch, roll])
    cy, sy, cp, sp, cr, sr = np.cos(y), np.sin(y), np.cos(p), np.sin(p), np.cos(r), np.sin(r)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    m = np.eye(4)
    m[:3, :3] = 1.3 * (ry @ rx @ rz)
    return m


def test_frame_measures_match_reference_functions():
    rng = np.random.default_rng(0)
    for trial in range(20):
        lms = rng.uniform(0.2, 0.8, (478, 3))
        lms[:, 2] = rng.normal(0, 0.05, 478)
        matrix = None if trial % 4 == 0 else _rotation(*rng.uniform(-30, 30, 3))
        w, h = (640, 360) if trial % 2 else (1080, 1920)
        ear, angles, regions = frame_measures(lms, w, h, matrix)
        r_ear, r_angles, r_regions = _reference(lms, w, h, matrix)
        assert np.allclose(ear, r_ear, rtol=1e-12, atol=1e-12)
        assert np.allclose(regions, r_regions, rtol=1e-10, atol=1e-12)
        assert (angles is None) == (r_angles is None)
        if angles is not None:
            assert np.allclose(angles, r_angles)


def test_detector_fast_path_matches_public_api(shared, face_model):
    frames = list(iter_frames(shared("data/video/blink_2s_360p.mp4"), end_s=0.5))
    fast, public = Detector(face_model), Detector(face_model)
    public._fast = False
    with fast, public:
        for _, t, rgb in frames:
            ts = round(t * 1000)
            a, b = fast.detect(rgb, ts), public.detect(rgb, ts)
            assert len(a.landmarks) == len(b.landmarks) == 1
            assert np.array_equal(a.landmarks[0], b.landmarks[0])
            assert np.array_equal(a.blendshapes[0], b.blendshapes[0])
            assert np.array_equal(a.matrices[0], b.matrices[0])
    assert fast._fast  # the C layout check passes with the pinned MediaPipe
    assert len(a.blendshapes[0]) == len(BLENDSHAPES) and not np.isnan(a.blendshapes[0]).any()


def test_mediapipe_drawing_helpers_load_lazily_and_still_work():
    code = (
        "import sys\n"
        "from hemispasm.video.landmarker import import_mediapipe\n"
        "mp = import_mediapipe()\n"
        "assert 'matplotlib' not in sys.modules\n"
        "from mediapipe.tasks.python.vision import drawing_utils, drawing_styles\n"
        "assert callable(drawing_utils.draw_landmarks)\n"
        "assert callable(drawing_styles.get_default_face_mesh_tesselation_style)\n"
        "assert 'matplotlib' in sys.modules and mp.Image is not None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
