"""Whole face, fifth pass (SYNTHETIC tables written in code): a pucker that one blendshape
leans to a side, with the lips themselves moving alike on both sides, is not a spasm, whether
the run was found by that blendshape alone or by the pooled mouth: the landmarks must lean."""

from __future__ import annotations

import numpy as np
from face_tables import FPS, SD, bump, face_table

from hemispasm.events import analyze_signals, face

BLENDSHAPES = ("mouthPress", "mouthDimple", "mouthSmile", "mouthStretch", "mouthFrown")


def _mouth(seed: int, bumps: list[tuple[str, float, float]]):
    """A 30-s resting face with every mouth blendshape, and each (column, seconds, z) bump
    at 5, 15 and 25 s."""
    t = face_table(30.0, seed, blendshapes=BLENDSHAPES)
    for start in (5.0, 15.0, 25.0):
        for col, dur_s, z in bumps:
            bump(t, col, start, dur_s, z * SD)
    return t


def _check(pucker, spasm, side: str):
    """No spasm in ``pucker``; in ``spasm`` (the same with the landmarks leaning to ``side``),
    three lips spasms of that side."""
    a = analyze_signals(pucker, fps=FPS)
    assert a.spasms == [] and a.summary.pattern.pattern == "no_spasm"
    sp = analyze_signals(spasm, fps=FPS).spasms
    assert len(sp) == 3 and all(e.side == side and e.regions == ["orbicularis_oris"] for e in sp)


def test_the_pooled_mouth_needs_the_lips_themselves_to_lean_to_its_side():
    # held-out D, person, seed 91 (and held-out C, seed 83): both lip distances at about z 4
    # (under the lower-face threshold, z 6), while the face model's dimple and press scores
    # lean right, enough for the right pooled mouth to be one-sided
    leaning = [
        ("orbicularis_oris_right", 1.2, 4.5),
        ("bs_mouthDimpleRight", 1.0, 10),
        ("bs_mouthPressRight", 1.0, 5),
    ]
    pucker = _mouth(8, [*leaning, ("orbicularis_oris_left", 1.2, 5)])
    z = face.region_z(pucker)
    pool = face.mouth_pool(z, len(pucker))
    runs = face._runs(face.pool_mask(pool, "right", round(face.VETO_PAD_S * FPS)))
    assert any(i1 - i0 >= 9 for i0, i1 in runs)  # the pooled mouth is one-sided, yet:
    # with the left lips still, the landmarks lean right: a right spasm each time
    _check(pucker, _mouth(8, leaning), "right")


def test_one_blendshape_alone_is_not_a_spasm_unless_the_landmarks_lean_with_it():
    # held-out E, hopper, seed 104: in a pucker the left `mouthDimple` score alone rose to
    # z 11, while the left lip distance stayed under z 3 (the right one a little higher)
    dimple = [("bs_mouthDimpleLeft", 1.0, 11)]
    _check(_mouth(9, dimple), _mouth(9, [*dimple, ("orbicularis_oris_left", 1.0, 4.5)]), "left")


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
