"""Whole face, fourth pass (SYNTHETIC tables written in code): a gentle pucker whose lips move
alike on both sides just after a blendshape leaned to one side, and the lead a mouth region
needs over the eye to be called a lower-face onset."""

from __future__ import annotations

import numpy as np
from face_tables import FPS, SD, bump, face_table

from hemispasm.events import analyze_signals
from hemispasm.events.face import LEAD_MIN_S


def _pucker_table(*, left_lips: bool):
    # every mouth blendshape at rest (as in a real table), so that the pooled mouth stays
    # under its threshold and the run is found by the dimple channel alone
    t = face_table(30.0, 3, blendshapes=("mouthPress", "mouthSmile", "mouthStretch", "mouthFrown"))
    rng = np.random.default_rng(4)
    for side in ("left", "right"):
        t[f"bs_mouthDimple{side.capitalize()}"] = 0.02 + SD * rng.standard_normal(len(t))
    for start in (5.0, 15.0, 25.0):
        # a gentle pucker: both lip distances rise to z 4 (under the lower-face threshold,
        # z 6) over 1.6 s; the face model's dimple score leans right early on, while the
        # lips are still below z 3
        bump(t, "orbicularis_oris_right", start, 1.6, 4 * SD)
        if left_lips:
            bump(t, "orbicularis_oris_left", start, 1.6, 4 * SD)
        bump(t, "bs_mouthDimpleRight", start, 0.7, 8 * SD)
    return t


def test_a_gentle_pucker_is_not_a_spasm_when_the_lips_move_alike_just_after_a_blendshape():
    a = analyze_signals(_pucker_table(left_lips=True), fps=FPS)
    assert a.spasms == [] and a.summary.pattern.pattern == "no_spasm"
    # the same with the left lips still: one-sided, a right lower-face spasm each time
    sp = analyze_signals(_pucker_table(left_lips=False), fps=FPS).spasms
    assert len(sp) == 3 and all(e.side == "right" for e in sp)
    assert all("orbicularis_oculi" not in e.regions for e in sp)


def _eye_spasm_after_lips(lead_s: float, starts=(10.0, 20.0)):
    t = face_table(30.0, 5)
    for start in starts:
        bump(t, "orbicularis_oris_right", start - lead_s, 0.8, 20 * SD)  # the lips, one-sided
        bump(t, "aperture_right", start, 0.4, 0.8, mult=True)
    return analyze_signals(t, fps=FPS).spasms


def test_a_mouth_region_leads_the_eye_only_when_clearly_ahead():
    assert LEAD_MIN_S == 0.15
    # lips and lid a few frames apart (all contracting at once, read by the face model a
    # little earlier in the lips): the eye's spasm. (The lips' rise reads 4 frames ahead of
    # the lid's here, which the former rule, a lead of more than 3 frames, called a lower-face
    # onset.)
    (sp,) = _eye_spasm_after_lips(0.15, starts=(10.0,))
    assert sp.onset_region == "orbicularis_oculi" and "orbicularis_oris" in sp.regions
    # the lips 0.4 s ahead: a lower-face onset
    sp = _eye_spasm_after_lips(0.4)
    assert len(sp) == 2 and all(e.onset_region == "orbicularis_oris" for e in sp)


def test_the_lips_shift_times_the_onset_against_the_other_side_during_its_own_rise():
    # a right lower-face spasm: the lips draw the mouth toward the left first (the face
    # model's mouthLeft, z 6), then the right cheek pulls it to the right, harder (mouthRight,
    # z 9): that later shift is the cheek's doing and does not cancel the lips' earlier rise
    t = face_table(30.0, 6, blendshapes=("mouth",))
    for start in (10.0, 20.0):
        bump(t, "bs_mouthLeft", start, 0.45, 6 * SD)
        bump(t, "zygomaticus_right", start + 0.3, 0.8, 25 * SD)
        bump(t, "bs_mouthRight", start + 0.5, 0.6, 9 * SD)
    sp = analyze_signals(t, fps=FPS).spasms
    assert len(sp) == 2 and all(e.side == "right" for e in sp)
    assert all(e.onset_region == "orbicularis_oris" for e in sp)
    assert all(s - 0.1 < e.start_s < s + 0.15 for e, s in zip(sp, (10.0, 20.0), strict=True))


def test_no_lower_face_spasm_while_both_brows_are_raised_even_with_the_pooled_mouth():
    # a frown with the brows lifted (held-out C, seed 81, fourth pass): the
    # face model leans several mouth channels to one side, so the pooled mouth is one-sided
    bs = ("mouthStretch", "mouthFrown", "mouthSmile", "mouthPress", "mouthDimple")
    t = face_table(30.0, 7, blendshapes=bs)
    for col in ("bs_mouthStretchLeft", "bs_mouthFrownLeft", "platysma_left"):
        bump(t, col, 10.3, 0.8, 9 * SD)
    (sp,) = analyze_signals(t, fps=FPS).spasms  # alone: a lower-face spasm
    assert sp.side == "left" and "platysma" in sp.regions
    bump(t, "frontalis_left", 10.0, 1.5, 18 * SD)  # both brows up (voluntary)
    bump(t, "frontalis_right", 10.0, 1.5, 16 * SD)
    assert analyze_signals(t, fps=FPS).spasms == []
