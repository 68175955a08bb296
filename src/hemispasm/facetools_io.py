"""Per-frame tables of other face-analysis tools as signals tables: OpenFace 2.x and py-feat.

Both tools write the 68-point landmark scheme of iBUG 300-W (dlib's), in image pixels, as
columns ``x_0..x_67`` and ``y_0..y_67``. In that scheme points 36-41 outline the subject's
right eye and 42-47 the subject's left eye (the eye on the image's right in an unmirrored
frontal video), each in the order corner, upper lid, upper lid, corner, lower lid, lower lid,
which is the order of the eye-aspect ratio of Soukupová & Čech (2016):
``EAR = (|p2 - p6| + |p3 - p5|) / (2 |p1 - p4|)``. So both tools give ``ear_left`` and
``ear_right`` of the subject's own sides, as hemispasm's video path does (docs/signals.md).

- OpenFace 2.x (``FeatureExtraction`` / ``FaceLandmarkVidMulti`` CSV; header names may have a
  leading space): ``frame``, ``timestamp`` (s), ``success``, ``x_*``/``y_*``, ``AU45_r``.
  Without the 2D landmarks, ``AU45_r`` (blink, intensity 0-5) is used for both eyes:
  aperture = 1 - AU45_r / 5 (an engineering mapping; AU45 has no side, so a table of AU45 alone
  cannot show which side is affected: its events are bilateral by construction).
- py-feat (``Fex`` CSV from ``Detector.detect_video``): ``frame``, ``FaceRectWidth``,
  ``FaceRectHeight``, ``x_*``/``y_*``; no time column, so the video's frame rate is needed
  (``--fps``); py-feat can skip frames (``skip_frames``), so the sampling rate is the frame
  rate divided by the step between rows.

With several faces per frame the subject is kept: OpenFace's most often tracked ``face_id``;
py-feat's largest face rectangle in each frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hemispasm._log import get_logger
from hemispasm.errors import InputError

log = get_logger(__name__)

#: Subject's eye → the six 68-point indices (corner, upper, upper, corner, lower, lower).
EYE_POINTS_68 = {"right": (36, 37, 38, 39, 40, 41), "left": (42, 43, 44, 45, 46, 47)}
AU45_MAX = 5.0
TOOLS = ("openface", "pyfeat")


def _header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            line = fh.readline()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", path=path) from exc
    sep = ";" if line.count(";") > line.count(",") else ","
    return [h.strip() for h in line.replace("\t", sep).split(sep)]


def sniff(path: str | Path) -> str | None:
    """Which tool wrote a CSV: ``"openface"``, ``"pyfeat"`` or None (from its header)."""
    cols = set(_header(Path(path)))
    if {"frame", "timestamp", "success"} <= cols and ({"x_36", "y_47"} <= cols or "AU45_r" in cols):
        return "openface"
    if {"frame", "FaceRectWidth", "FaceRectHeight", "x_36", "y_47"} <= cols:
        return "pyfeat"
    return None


def ear_from_68(table: pd.DataFrame, side: str) -> np.ndarray:
    """Eye-aspect ratio of the subject's ``side`` from 68-point pixel columns."""
    idx = EYE_POINTS_68[side]
    p = [
        np.stack(
            [
                pd.to_numeric(table[f"x_{i}"], errors="coerce").to_numpy(float),
                pd.to_numeric(table[f"y_{i}"], errors="coerce").to_numpy(float),
            ],
            axis=1,
        )
        for i in idx
    ]
    with np.errstate(invalid="ignore", divide="ignore"):
        vert = np.linalg.norm(p[1] - p[5], axis=1) + np.linalg.norm(p[2] - p[4], axis=1)
        ear = vert / (2.0 * np.linalg.norm(p[0] - p[3], axis=1))
    return np.where(np.isfinite(ear), ear, np.nan)


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError("file not found", path=path, hint="check the path")
    try:
        raw = pd.read_csv(path, sep=None, engine="python", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(
            f"not a readable CSV table ({exc.__class__.__name__})",
            path=path,
            hint="give the tool's CSV output unchanged",
        ) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    if raw.empty:
        raise InputError("the table has no rows", path=path, hint="give a non-empty table")
    return raw


def _finish(out: pd.DataFrame, path: Path, tool: str) -> pd.DataFrame:
    out["face"] = out["face"].to_numpy(bool) & out[["ear_left", "ear_right"]].notna().all(axis=1)
    if not out["face"].any():
        raise InputError(
            f"no frame with a tracked face in this {tool} table",
            path=path,
            hint="check that the tool found the face (success / face columns)",
        )
    out["frame"] = np.arange(len(out), dtype=np.int64)
    return out.reset_index(drop=True)


def read_openface_table(path: str | Path) -> tuple[pd.DataFrame, float, str]:
    """Read an OpenFace 2.x CSV.

    Returns
    -------
    table : DataFrame
        ``frame``, ``time_s``, ``face``, ``ear_left``, ``ear_right`` (subject's sides).
    fps : float
        Sampling rate from the ``timestamp`` column.
    method : str
        ``"openface.ear68"`` (landmarks) or ``"openface.au45"`` (AU45 only, no laterality).
    """
    path = Path(path)
    raw = _read(path)
    if "face_id" in raw and raw["face_id"].nunique() > 1:
        ok = raw[pd.to_numeric(raw["success"], errors="coerce") == 1]
        keep = (ok if len(ok) else raw)["face_id"].value_counts().idxmax()
        log.info(
            "%s: %d faces; kept face_id %s (tracked most often)",
            path.name,
            raw["face_id"].nunique(),
            keep,
        )
        raw = raw[raw["face_id"] == keep]
    raw = raw.sort_values("timestamp", kind="stable")
    t = pd.to_numeric(raw["timestamp"], errors="coerce").to_numpy(float)
    if not np.isfinite(t).all() or len(t) < 2 or not (np.diff(t) > 0).all():
        raise InputError(
            "the timestamp column is not a strictly increasing time in seconds",
            path=path,
            hint="give OpenFace's CSV unchanged (one face per frame)",
        )
    fps = (len(t) - 1) / float(t[-1] - t[0])
    out = pd.DataFrame({"time_s": t - t[0]})
    out["face"] = pd.to_numeric(raw["success"], errors="coerce").fillna(0).to_numpy() == 1
    if {f"{a}_{i}" for a in "xy" for i in range(36, 48)} <= set(raw.columns):
        method = "openface.ear68"
        for side in ("left", "right"):
            out[f"ear_{side}"] = ear_from_68(raw, side)
    elif "AU45_r" in raw:
        method = "openface.au45"
        au = pd.to_numeric(raw["AU45_r"], errors="coerce").to_numpy(float)
        aperture = 1.0 - np.clip(au, 0.0, AU45_MAX) / AU45_MAX
        out["ear_left"] = aperture
        out["ear_right"] = aperture
        log.warning(
            "%s: AU45 only (no eye landmarks): both eyes get the same signal, so the "
            "affected side cannot be measured",
            path.name,
        )
    else:
        raise InputError(
            "neither eye landmarks (x_36..x_47, y_36..y_47) nor AU45_r in this OpenFace table",
            path=path,
            hint="run OpenFace with -2Dfp or -aus",
        )
    out.loc[~out["face"], ["ear_left", "ear_right"]] = np.nan
    return _finish(out, path, "OpenFace"), fps, method


def read_pyfeat_table(path: str | Path, *, fps: float | None) -> tuple[pd.DataFrame, float, str]:
    """Read a py-feat ``Fex`` CSV (``detect_video`` output); ``fps`` is the video's frame rate.

    Returns the same as :func:`read_openface_table`, method ``"pyfeat.ear68"``.
    """
    path = Path(path)
    if fps is None or not np.isfinite(fps) or fps <= 0:
        raise InputError(
            "a py-feat table has frame numbers but no times: it needs the video's frame rate",
            path=path,
            hint="give it with --fps (e.g. --fps 30)",
        )
    raw = _read(path)
    area = pd.to_numeric(raw["FaceRectWidth"], errors="coerce") * pd.to_numeric(
        raw["FaceRectHeight"], errors="coerce"
    )
    raw = pd.concat([raw, area.rename("_area")], axis=1)
    frames = pd.to_numeric(raw["frame"], errors="coerce")
    if frames.isna().any():
        raise InputError(
            "the frame column is not numeric", path=path, hint="give py-feat's CSV unchanged"
        )
    raw["frame"] = frames.astype(np.int64)
    n_rows = len(raw)
    raw = raw.sort_values(["frame", "_area"], ascending=[True, False], kind="stable")
    raw = raw.drop_duplicates("frame", keep="first")  # the largest face: the subject
    if len(raw) < n_rows:
        log.info("%s: several faces in some frames; kept the largest", path.name)
    step = np.diff(raw["frame"].to_numpy())
    stride = int(np.median(step)) if len(step) else 1
    if stride < 1:
        raise InputError(
            "frame numbers do not increase", path=path, hint="give py-feat's CSV unchanged"
        )
    if stride > 1:
        log.warning(
            "%s: py-feat analysed every %d-th frame: %.1f samples/s",
            path.name,
            stride,
            fps / stride,
        )
    f = raw["frame"].to_numpy()
    out = pd.DataFrame({"time_s": (f - f[0]) / float(fps)})
    out["face"] = np.isfinite(raw["_area"].to_numpy(float))
    for side in ("left", "right"):
        out[f"ear_{side}"] = ear_from_68(raw, side)
    return _finish(out, path, "py-feat"), float(fps) / stride, "pyfeat.ear68"


def read_tool_table(path: str | Path, tool: str, *, fps: float | None):
    """Dispatch to the reader of ``tool`` (see :func:`sniff`)."""
    if tool == "openface":
        return read_openface_table(path)
    if tool == "pyfeat":
        return read_pyfeat_table(path, fps=fps)
    raise ValueError(f"unknown tool {tool!r}; use one of {TOOLS}")
