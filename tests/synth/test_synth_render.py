"""Rendering from real photographs: the face model must see what the renderer draws."""

from __future__ import annotations

import numpy as np
import pytest

from hemispasm.errors import InputError, NoFaceError
from hemispasm.synth.faces import BUILTIN_FACES, detect_landmarks, prepare_face
from hemispasm.synth.render import CameraParams, Renderer
from hemispasm.synth.rig import ACTIONS
from hemispasm.video.measures import region_measures, to_canonical

STILL = CameraParams(roll_deg=0, shift_frac=0, scale_frac=0, gain_frac=0, gradient_frac=0)


def _measures(img, model):
    lm = detect_landmarks(img, model)
    assert lm is not None, "the face model lost the rendered face"
    return region_measures(to_canonical(lm, img.shape[1], img.shape[0], None))


@pytest.fixture(scope="module", params=sorted(BUILTIN_FACES))
def renderer(request, face_model):
    photo = prepare_face(request.param, model_path=face_model)
    assert photo.image.shape == (480, 640, 3) and photo.landmarks_px.shape == (478, 2)
    return Renderer(photo.image, photo.landmarks_px, seed=0, camera=STILL)


def test_closed_lid_reads_as_a_closed_eye(renderer, face_model):
    open_ = _measures(renderer.render(0.0, {}, {}), face_model)
    left = _measures(renderer.render(0.0, {"squeeze_left": 1.0}, {"left": 1.0}), face_model)
    both = _measures(renderer.render(0.0, {}, {"left": 1.0, "right": 1.0}), face_model)
    # one-sided spasm: the left eye closes by more than the detector's onset (25%); the right
    # eye (which the mesh couples a little) by less than half of that: one-sided for the
    # detector's bilateral rule
    shut_l = 1 - left["aperture_left"] / open_["aperture_left"]
    shut_r = 1 - left["aperture_right"] / open_["aperture_right"]
    assert shut_l > 0.3
    assert shut_r < 0.5 * shut_l
    # blink: both eyes
    assert both["aperture_left"] < 0.7 * open_["aperture_left"]
    assert both["aperture_right"] < 0.7 * open_["aperture_right"]


def test_cheek_and_mouth_actions_move_their_measures(renderer, face_model):
    base = _measures(renderer.render(0.0, {}, {}), face_model)
    zyg = _measures(renderer.render(0.0, {"zygomaticus_right": 1.0}, {}), face_model)
    moved = zyg["zygomaticus_right"] - base["zygomaticus_right"]
    assert moved > 0.02
    assert abs(zyg["zygomaticus_left"] - base["zygomaticus_left"]) < 0.5 * moved


@pytest.mark.parametrize("side", ["left", "right"])
def test_lower_face_spasm_lifts_its_own_mouth_corner(renderer, face_model, side):
    """A lower-face spasm co-contracts the lips and the cheek on one side: the corner still
    rises on that side. Before the third pass's rig change, the sphincter's pull and a large
    press cancelled the lift on the smiling photo's left side (docs/synth.md)."""
    other = "right" if side == "left" else "left"
    base = _measures(renderer.render(0.0, {}, {}), face_model)
    acts = {f"orbicularis_oris_{side}": 1.0, f"zygomaticus_{side}": 1.0}
    spasm = _measures(renderer.render(0.0, acts, {}), face_model)
    moved = spasm[f"zygomaticus_{side}"] - base[f"zygomaticus_{side}"]
    assert moved > 0.015
    assert abs(spasm[f"zygomaticus_{other}"] - base[f"zygomaticus_{other}"]) < 0.5 * moved


def test_frames_vary_with_time_and_stay_in_range(renderer):
    a = renderer.render(0.0, {}, {}, 0)
    b = renderer.render(3.0, {}, {}, 1)
    assert a.dtype == np.uint8 and a.shape == b.shape
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 0.5  # head motion / light / noise
    assert set(ACTIONS) >= {"squeeze", "corrugator", "zygomaticus"}


def test_bad_face_inputs(tmp_path, face_model):
    from PIL import Image

    with pytest.raises(InputError, match="not found"):
        prepare_face(tmp_path / "nope.jpg", model_path=face_model)
    bad = tmp_path / "bad.jpg"
    bad.write_text("not an image")
    with pytest.raises(InputError, match="not a readable image"):
        prepare_face(bad, model_path=face_model)
    flat = tmp_path / "flat.png"
    Image.fromarray(np.full((200, 200, 3), 127, np.uint8)).save(flat)
    with pytest.raises(NoFaceError, match="no face"):
        prepare_face(flat, model_path=face_model)
