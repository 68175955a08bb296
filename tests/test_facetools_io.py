"""OpenFace 2.x and py-feat per-frame CSVs as inputs of ``analyze``: sides, rates, bad tables.

The fixtures are generated here, faithfully in each tool's format: OpenFace 2.2's full header
(``frame, face_id, timestamp, ...`` with its ``", "`` separator), py-feat's ``Fex`` columns (as
in py-feat's own tests/data/output.csv). The 68 points are a frontal face in image pixels; the
SUBJECT'S LEFT eye (points 42-47, on the image's right) has a clonic train and a tonic spasm,
both eyes blink together, so a reader that swapped the sides would report the right side.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hemispasm.cli import main
from hemispasm.errors import InputError
from hemispasm.facetools_io import ear_from_68, read_openface_table, read_pyfeat_table, sniff

FPS = 30.0
SECONDS = 40.0
OPEN_EAR = 0.30


def _closure(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closure (0 open, 1 closed) of the subject's left and right eye over time (SYNTHETIC)."""
    left = np.zeros_like(t)
    right = np.zeros_like(t)
    for b in (4.0, 13.0, 22.0, 31.0):  # bilateral blinks, 0.2 s
        m = (t >= b) & (t < b + 0.2)
        left[m] = right[m] = 0.9
    for k in range(6):  # clonic train on the left: 6 twitches, 0.15 s, at 3 Hz
        s = 8.0 + k / 3
        left[(t >= s) & (t < s + 0.15)] = 0.6
    left[(t >= 17.0) & (t < 18.8)] = 0.7  # tonic spasm on the left, 1.8 s
    left[(t >= 26.0) & (t < 26.9)] = 0.6  # more left twitches
    return left, right


def _face68(closure_left: float, closure_right: float) -> tuple[np.ndarray, np.ndarray]:
    """68 (x, y) points of a frontal face, 640x360 frame; eyes closed by the given fractions."""
    x = np.linspace(250, 390, 68)
    y = np.full(68, 200.0)
    for (first, cx), c in (((36, 300.0), closure_right), ((42, 345.0), closure_left)):
        w, h = 30.0, OPEN_EAR * 30.0 / 2 * (1 - c)
        ex = [cx - w / 2, cx - w / 6, cx + w / 6, cx + w / 2, cx + w / 6, cx - w / 6]
        ey = [170.0, 170 - h, 170 - h, 170.0, 170 + h, 170 + h]
        x[first : first + 6], y[first : first + 6] = ex, ey
    return x, y


def _openface_header() -> list[str]:
    cols = ["frame", "face_id", "timestamp", "confidence", "success"]
    cols += [f"gaze_{e}_{a}" for e in (0, 1) for a in "xyz"] + ["gaze_angle_x", "gaze_angle_y"]
    cols += [f"eye_lmk_{a}_{i}" for a in "xyXYZ" for i in range(56)]
    cols += [f"pose_{a}" for a in ("Tx", "Ty", "Tz", "Rx", "Ry", "Rz")]
    cols += [f"{a}_{i}" for a in "xyXYZ" for i in range(68)]
    cols += ["p_scale", "p_rx", "p_ry", "p_rz", "p_tx", "p_ty"] + [f"p_{i}" for i in range(34)]
    aus_r = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 45]
    aus_c = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 28, 45]
    cols += [f"AU{a:02d}_r" for a in aus_r] + [f"AU{a:02d}_c" for a in aus_c]
    return cols


def write_openface_csv(path, *, au45_only: bool = False, lost=(), two_faces: bool = False):
    """An OpenFace 2.2 FeatureExtraction CSV of the SYNTHETIC script above."""
    t = np.arange(int(SECONDS * FPS)) / FPS
    cl, cr = _closure(t)
    cols = _openface_header()
    rows = []
    for i, ti in enumerate(t):
        d = dict.fromkeys(cols, 0.0)
        x, y = _face68(cl[i], cr[i])
        d.update({f"x_{k}": x[k] for k in range(68)})
        d.update({f"y_{k}": y[k] for k in range(68)})
        ok = i not in lost
        d.update(frame=i + 1, face_id=0, timestamp=round(ti, 3), confidence=0.98 if ok else 0.0)
        d["success"] = int(ok)
        d["AU45_r"] = round(5.0 * max(cl[i], cr[i]) if cl[i] == cr[i] else 0.0, 3)
        d["AU45_c"] = int(d["AU45_r"] > 1)
        rows.append(d)
        if two_faces:  # a second, smaller person who never blinks
            e = dict(d, face_id=1, success=1)
            e.update({f"x_{k}": x[k] / 2 for k in range(68)})
            e.update({f"y_{k}": y[k] / 2 for k in range(68)})
            rows.append(e) if i % 3 == 0 else None
    table = pd.DataFrame(rows, columns=cols)
    if au45_only:
        table = table[[c for c in cols if not c.startswith(("x_", "y_"))]]
    with open(path, "w", encoding="utf-8") as fh:  # OpenFace separates with ", "
        fh.write(", ".join(table.columns) + "\n")
        for row in table.itertuples(index=False):
            fh.write(",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in row) + "\n")
    return path


def write_pyfeat_csv(path, *, step: int = 1, extra_face: bool = False):
    """A py-feat Fex CSV (detect_video) of the SYNTHETIC script, every ``step``-th frame."""
    t = np.arange(int(SECONDS * FPS)) / FPS
    cl, cr = _closure(t)
    cols = ["frame", "FaceRectX", "FaceRectY", "FaceRectWidth", "FaceRectHeight", "FaceScore"]
    cols += [f"x_{i}" for i in range(68)] + [f"y_{i}" for i in range(68)]
    cols += ["Pitch", "Roll", "Yaw", "AU01", "AU02", "AU04", "AU43", "anger", "neutral", "input"]
    rows = []
    for i in range(0, len(t), step):
        x, y = _face68(cl[i], cr[i])
        d = dict.fromkeys(cols, 0.0)
        d.update({f"x_{k}": x[k] for k in range(68)}, **{f"y_{k}": y[k] for k in range(68)})
        d.update(
            frame=i,
            FaceRectX=240.0,
            FaceRectY=120.0,
            FaceRectWidth=160.0,
            FaceRectHeight=200.0,
            FaceScore=0.99,
            input="video.mp4",
        )
        rows.append(d)
        if extra_face:
            e = dict(d, FaceRectWidth=40.0, FaceRectHeight=50.0)
            e.update({f"y_{k}": 100.0 for k in range(36, 48)})  # a degenerate small face
            rows.append(e)
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    return path


def test_ear_from_68_is_the_six_point_ratio():
    x, y = _face68(0.0, 0.5)
    table = pd.DataFrame(
        {**{f"x_{k}": [x[k]] for k in range(68)}, **{f"y_{k}": [y[k]] for k in range(68)}}
    )
    assert ear_from_68(table, "left")[0] == pytest.approx(OPEN_EAR)
    assert ear_from_68(table, "right")[0] == pytest.approx(OPEN_EAR / 2)


def test_openface_sides_rate_and_lost_frames(tmp_path):
    p = write_openface_csv(tmp_path / "of.csv", lost={100, 101})
    assert sniff(p) == "openface"
    table, fps, method = read_openface_table(p)
    assert method == "openface.ear68" and fps == pytest.approx(FPS, rel=1e-3)
    assert len(table) == SECONDS * FPS and (~table["face"]).sum() == 2
    assert np.isnan(table["ear_left"].iloc[100])
    i = int(17.5 * FPS)  # in the left tonic spasm
    assert table["ear_left"].iloc[i] < 0.5 * table["ear_right"].iloc[i]


def test_openface_keeps_the_tracked_subject(tmp_path):
    table, _, _ = read_openface_table(write_openface_csv(tmp_path / "of2.csv", two_faces=True))
    assert len(table) == SECONDS * FPS


@pytest.mark.parametrize("kind", ["openface", "pyfeat", "pyfeat_step2"])
def test_analyze_finds_the_left_side(tmp_path, kind):
    p = tmp_path / f"{kind}.csv"
    args = []
    if kind == "openface":
        write_openface_csv(p)
    else:
        write_pyfeat_csv(p, step=2 if kind.endswith("2") else 1, extra_face=True)
        args = ["--fps", "30"]
    out = tmp_path / "out"
    assert main(["analyze", str(p), "--out", str(out), "--quiet", *args]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["affected_side"] == "left"
    assert summary["sides"]["left"]["spasm_count"] >= 2
    assert summary["sides"]["right"]["spasm_count"] == 0
    assert summary["blink_count"] >= 3
    meta = summary["signals_meta"]
    assert meta["source"] == "tool_table"
    assert meta["provenance"]["method"] == (
        "openface.ear68" if kind == "openface" else "pyfeat.ear68"
    )
    assert meta["fps"] == pytest.approx(15.0 if kind.endswith("2") else 30.0, rel=1e-3)


def test_openface_au45_only_has_no_side(tmp_path):
    p = write_openface_csv(tmp_path / "au.csv", au45_only=True)
    table, _, method = read_openface_table(p)
    assert method == "openface.au45"
    assert np.array_equal(table["ear_left"], table["ear_right"])
    out = tmp_path / "o"
    assert main(["analyze", str(p), "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["affected_side"] == "none" and summary["blink_count"] == 4


@pytest.mark.parametrize(
    ("text", "fps", "expect"),
    [
        (
            "frame,FaceRectX,FaceRectY,FaceRectWidth,FaceRectHeight,x_36,y_47\n0,1,1,1,1,1,1\n",
            None,
            "--fps",
        ),
        (
            "frame, face_id, timestamp, success, AU45_r\n1, 0, 0.0, 1, 0\n2, 0, 0.0, 1, 0\n",
            None,
            "timestamp",
        ),
        (
            "frame, timestamp, success, AU45_r\n1, 0.0, 0, 0\n2, 0.033, 0, 0\n",
            None,
            "no frame with a tracked face",
        ),
    ],
)
def test_bad_tool_tables(tmp_path, capsys, text, fps, expect):
    p = tmp_path / "tool.csv"
    p.write_text(text)
    args = ["analyze", str(p), "--out", str(tmp_path / "o"), "--quiet"]
    if fps:
        args += ["--fps", str(fps)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert expect in err and "tool.csv" in err and "Traceback" not in err
    assert not (tmp_path / "o" / "summary.json").exists()
    with pytest.raises(InputError):
        (read_pyfeat_table(p, fps=fps) if "FaceRect" in text else read_openface_table(p))
