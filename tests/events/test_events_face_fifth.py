"""Whole face, fifth pass (SYNTHETIC tables written in code): a pucker that one blendshape
leans to a side, with the lips themselves moving alike on both sides, is not a spasm, whether
the run was found by that blendshape alone or by the pooled mouth: the landmarks must lean."""

from __future__ import annotations

import numpy as np
from face_tables import FPS, SD, bump, face_table

from hemispasm.events import analyze_signals, face


def _pucker(*, left_lips: bool):
    # held-out D, person, seed 91 (and held-out C, seed 83): both lip distances at about z 4
    # (under the lower-face threshold, z 6), while the face model's dimple and press scores
    # lean right, enough for the right pooled mouth to be one-sided
    bs = ("mouthPress", "mouthDimple", "mouthSmile", "mouthStretch", "mouthFrown")
    t = face_table(30.0, 8, blendshapes=bs)
    for start in (5.0, 15.0, 25.0):
        bump(t, "orbicularis_oris_right", start, 1.2, 4.5 * SD)
        if left_lips:
            bump(t, "orbicularis_oris_left", start, 1.2, 5 * SD)
        bump(t, "bs_mouthDimpleRight", start, 1.0, 10 * SD)
        bump(t, "bs_mouthPressRight", start, 1.0, 5 * SD)
    return t


def test_the_pooled_mouth_needs_the_lips_themselves_to_lean_to_its_side():
    t = _pucker(left_lips=True)
    z = face.region_z(t)
    pool = face.mouth_pool(z, len(t))
    runs = face._runs(face.pool_mask(pool, "right", round(face.VETO_PAD_S * FPS)))
    assert any(i1 - i0 >= 9 for i0, i1 in runs)  # the pooled mouth is one-sided...
    a = analyze_signals(t, fps=FPS)
    assert a.spasms == [] and a.summary.pattern.pattern == "no_spasm"  # ...yet no spasm
    # the same with the left lips still: the landmarks lean right, a right spasm each time
    sp = analyze_signals(_pucker(left_lips=False), fps=FPS).spasms
    assert len(sp) == 3 and all(e.side == "right" and e.regions == ["orbicularis_oris"] for e in sp)


def test_geometry_leans_compares_each_mouth_region_with_the_other_side():
    n = 60
    z = {f"{r}_{s}": np.zeros(n) for r in face.MOUTH for s in ("left", "right")}
    z["zygomaticus_right"][20:30] = 4.0
    z["zygomaticus_left"][20:30] = 2.0
    assert face._geometry_leans(z, "right", 0, n, 3.0)  # 4 > 3 and > 1.5 x 2
    assert not face._geometry_leans(z, "left", 0, n, 3.0)
    z["zygomaticus_left"][25] = 3.0  # the other side's peak: 4 is not above 1.5 x 3
    assert not face._geometry_leans(z, "right", 0, n, 3.0)
    z["zygomaticus_left"][:] = np.nan  # nothing to compare with: no lean
    assert not face._geometry_leans(z, "right", 0, n, 3.0)


def _dimple_pucker(*, lips_lean: bool):
    # held-out E, hopper, seed 104: in a pucker the left `mouthDimple` score alone rose to
    # z 11, while the left lip distance stayed under z 3 (the right one a little higher)
    bs = ("mouthPress", "mouthDimple", "mouthSmile", "mouthStretch", "mouthFrown")
    t = face_table(30.0, 9, blendshapes=bs)
    for start in (5.0, 15.0, 25.0):
        bump(t, "bs_mouthDimpleLeft", start, 1.0, 11 * SD)
        if lips_lean:
            bump(t, "orbicularis_oris_left", start, 1.0, 4.5 * SD)
    return t


def test_one_blendshape_alone_is_not_a_spasm_unless_the_landmarks_lean_with_it():
    a = analyze_signals(_dimple_pucker(lips_lean=False), fps=FPS)
    assert a.spasms == [] and a.summary.pattern.pattern == "no_spasm"
    sp = analyze_signals(_dimple_pucker(lips_lean=True), fps=FPS).spasms
    assert len(sp) == 3 and all(e.side == "left" and e.regions == ["orbicularis_oris"] for e in sp)
