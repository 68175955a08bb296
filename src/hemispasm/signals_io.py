"""Readers for per-frame tables that are not videos.

- :func:`read_ear_table`: JeFaPaTo's eye-aspect-ratio CSV (``frame,EAR2D6_l,EAR2D6_r`` and
  validity flags). JeFaPaTo's ``_l``/``_r`` are the subject's left and right.
- :func:`read_signals_table`: a signals table written by ``hemispasm analyze`` (parquet or csv);
  :func:`read_signals_meta` reads the metadata stored with a Parquet table.

Both return a DataFrame in the signals schema (docs/signals.md). An EAR table only has the eye
columns; the event detector then analyses the eye region only.

Whatever they are given, the readers return a table or raise :class:`~hemispasm.errors.InputError`
with one line (tests/test_signals_io_properties.py holds that). CSV files are parsed by pandas'
C engine with a separator sniffed from the first line (comma, semicolon, tab or bar), reading
only the columns used: memory stays near the size of the numbers, not many times the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from hemispasm.errors import InputError

JEFAPATO_COLUMNS = {"EAR2D6_l": "ear_left", "EAR2D6_r": "ear_right"}

#: Shortest recording analysed, in seconds (engineering choice: the longest blink the detector
#: knows, ``DetectParams.blink_max_s``; a shorter recording cannot hold one, so "no spasm"
#: would mean nothing).
MIN_DURATION_S = 0.5
#: Frame rates accepted for a table (engineering choice: from the slowest webcam to high-speed
#: cameras used in blink research; outside this a rate is a typo).
FPS_RANGE = (1.0, 1000.0)
#: Eye-aspect ratios possible (engineering choice: EAR is eyelid opening over eye width; above
#: 1.5 the eye would be half again as tall as it is wide, below 0 the lids would cross).
EAR_RANGE = (0.0, 1.5)
SEPARATORS = (",", ";", "\t", "|")
_SNIFF_BYTES = 65536


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise InputError("is a folder, not a table", path=path, hint="give a CSV or Parquet file")
    if not path.is_file():
        raise InputError("file not found", path=path, hint="check the path")


def _sniff_separator(path: Path) -> str:
    """The separator of a CSV table, from its header line."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", path=path) from exc
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if len(head) < _SNIFF_BYTES or exc.start < len(head) - 4:
            raise InputError(
                "not a text table (not UTF-8)",
                path=path,
                hint="give a comma-separated table with a header row",
            ) from exc
        text = head[: exc.start].decode("utf-8-sig")
    if "\x00" in text:
        raise InputError(
            "not a text table (binary data)",
            path=path,
            hint="give a comma-separated table with a header row",
        )
    header = text.splitlines()[0] if text.strip() else ""
    if not header.strip():
        raise InputError(
            "the table is empty (no header row)",
            path=path,
            hint="give a comma-separated table with a header row",
        )
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _read_csv(path: Path, usecols: Callable[[str], bool] | None = None) -> pd.DataFrame:
    """Read a CSV table with the C engine (separator sniffed), only the columns wanted."""
    _check_file(path)
    sep = _sniff_separator(path)
    try:
        table = pd.read_csv(
            path,
            sep=sep,
            engine="c",
            usecols=usecols,
            skipinitialspace=True,
            encoding="utf-8-sig",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(
            f"not a readable CSV table ({exc.__class__.__name__})",
            path=path,
            hint="give a comma-separated table with a header row",
        ) from exc
    except ValueError as exc:  # e.g. usecols matching nothing, bad quoting
        raise InputError(
            f"not a readable CSV table ({' '.join(str(exc).split())[:120]})",
            path=path,
            hint="give a comma-separated table with a header row",
        ) from exc
    table.columns = [str(c).strip() for c in table.columns]
    return table


def _numeric(raw: pd.Series, name: str, path: Path) -> np.ndarray:
    """A column as float64; a non-empty cell that is not a number is an error naming its row."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        raise InputError(f"column {name} holds true/false, not numbers", path=path)
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return raw.to_numpy(dtype=float)
    vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(vals) & raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        cell = str(raw.iloc[i])[:20]
        raise InputError(
            f"column {name} has a value that is not a number ({cell!r} in data row {i + 1})",
            path=path,
            hint="fix or remove that row; leave a cell empty when the value is missing",
        )
    return vals


def _check_range(vals: np.ndarray, name: str, path: Path, lo: float, hi: float) -> None:
    bad = np.isfinite(vals) & ((vals < lo) | (vals > hi)) | np.isinf(vals)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"column {name} has an impossible value ({vals[i]:g} in data row {i + 1}; "
            f"expected {lo:g} to {hi:g})",
            path=path,
            hint="check that this is the right column and file",
        )


def check_fps(fps: float | None, path: Path) -> float:
    """``fps`` as a float within :data:`FPS_RANGE`, else an :class:`InputError`."""
    try:
        f = float(fps) if fps is not None else float("nan")
    except (TypeError, ValueError):
        f = float("nan")
    if not np.isfinite(f) or f <= 0:
        raise InputError(
            "an eye-aspect-ratio table needs its frame rate",
            path=path,
            hint="give it with --fps (e.g. --fps 30)",
        )
    lo, hi = FPS_RANGE
    if not lo <= f <= hi:
        raise InputError(
            f"--fps {f:g} is not a camera frame rate (expected {lo:g} to {hi:g})",
            path=path,
            hint="give the recording's frame rate with --fps (e.g. --fps 30)",
        )
    return f


def _check_length(time_s: np.ndarray, path: Path) -> None:
    span = float(time_s[-1] - time_s[0]) if len(time_s) > 1 else 0.0
    if len(time_s) < 3 or span < MIN_DURATION_S:
        raise InputError(
            f"too short to analyse ({len(time_s)} frames, {span:.2f} s; at least "
            f"{MIN_DURATION_S:g} s needed)",
            path=path,
            hint="give a longer recording",
        )


def _flags(raw: pd.Series) -> np.ndarray:
    """A validity column (true/false, 1/0, yes/no) as booleans; anything else is false."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return (raw.fillna(0) != 0).to_numpy()
    return raw.astype(str).str.strip().str.lower().isin(["true", "1", "1.0", "yes"]).to_numpy()


def _is_ear_column(c: str) -> bool:
    return c == "frame" or c in JEFAPATO_COLUMNS or _is_valid_flag(c)


def _is_valid_flag(c: str) -> bool:
    return c.upper().startswith("EAR") and c.lower().endswith("valid")


def read_ear_table(path: str | Path, *, fps: float | None) -> pd.DataFrame:
    """Read a JeFaPaTo eye-aspect-ratio CSV as a signals table.

    Parameters
    ----------
    path : str or Path
    fps : float
        The frame rate of the recording (the CSV has frame numbers, not times).

    Returns
    -------
    DataFrame with ``frame``, ``time_s``, ``face``, ``ear_left``, ``ear_right``.

    Raises
    ------
    InputError
        Not a readable table, a missing column, non-numeric or impossible values, frame
        numbers not increasing, no valid row, or shorter than :data:`MIN_DURATION_S`.
    """
    path = Path(path)
    fps = check_fps(fps, path)
    raw = _read_csv(path, usecols=lambda c: _is_ear_column(str(c).strip()))
    missing = [c for c in JEFAPATO_COLUMNS if c not in raw.columns]
    if missing:
        found = _read_header(path)
        raise InputError(
            f"missing column(s) {', '.join(missing)} (found: {', '.join(found[:8])})",
            path=path,
            hint="give JeFaPaTo's CSV with frame, EAR2D6_l and EAR2D6_r",
        )
    if raw.empty:
        raise InputError("the table has no rows", path=path, hint="give a non-empty table")
    if "frame" in raw:
        fr = _numeric(raw["frame"], "frame", path)
        if not np.isfinite(fr).all() or (fr != np.round(fr)).any():
            raise InputError(
                "column frame must hold whole frame numbers in every row",
                path=path,
                hint="give JeFaPaTo's CSV unchanged",
            )
        frame = fr.astype(np.int64)
        if len(frame) > 1 and (np.diff(frame) <= 0).any():
            i = int(np.argmax(np.diff(frame) <= 0)) + 1
            raise InputError(
                f"frame numbers must increase (data row {i + 1} has {frame[i]} after "
                f"{frame[i - 1]})",
                path=path,
                hint="give the table in frame order, without repeated rows",
            )
    else:
        frame = np.arange(len(raw), dtype=np.int64)
    out = pd.DataFrame({"frame": frame - frame[0], "time_s": (frame - frame[0]) / fps})
    valid = np.ones(len(raw), dtype=bool)
    for col in raw.columns:
        if _is_valid_flag(col):
            valid &= _flags(raw[col])
    for src, dst in JEFAPATO_COLUMNS.items():
        vals = _numeric(raw[src], src, path)
        _check_range(vals, src, path, *EAR_RANGE)
        out[dst] = np.where(valid, vals, np.nan)
    out["face"] = valid & np.isfinite(out["ear_left"]) & np.isfinite(out["ear_right"])
    if not out["face"].any():
        raise InputError(
            "no valid eye-aspect-ratio value in the table",
            path=path,
            hint="check the EAR columns and validity flags",
        )
    _check_length(out["time_s"].to_numpy(), path)
    return out


def _read_header(path: Path) -> list[str]:
    try:
        sep = _sniff_separator(path)
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            return [h.strip() for h in fh.readline().rstrip("\r\n").split(sep)]
    except (OSError, InputError):
        return []


def _numeric_columns(columns) -> list[str]:
    """The schema's numeric columns present in a table (all but ``face``)."""
    from hemispasm.schema import signal_columns

    known = set(signal_columns()) | {c for c in columns if str(c).startswith("bs_")}
    return [c for c in columns if c in known and c != "face"]


def read_signals_meta(path: str | Path) -> dict:
    """The metadata ``hemispasm analyze`` stored with a Parquet signals table ({} if none)."""
    path = Path(path)
    if path.suffix.lower() != ".parquet":
        return {}
    import pyarrow.parquet as pq

    try:
        md = pq.read_schema(path).metadata or {}
        meta = json.loads(md.get(b"hemispasm", b"{}"))
    except Exception:  # a file without (valid) metadata is still a table
        return {}
    return meta if isinstance(meta, dict) else {}


def read_signals_table(path: str | Path) -> pd.DataFrame:
    """Read a signals table written by ``hemispasm analyze`` (``.parquet`` or ``.csv``).

    Raises
    ------
    InputError
        Not a readable table, a missing or non-numeric column, impossible eye-aspect ratios,
        times not increasing, or shorter than :data:`MIN_DURATION_S`.
    """
    path = Path(path)
    _check_file(path)
    if path.suffix.lower() == ".parquet":
        try:
            table = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise InputError(
                f"not a readable Parquet table ({exc.__class__.__name__})",
                path=path,
                hint="give signals.parquet from hemispasm analyze",
            ) from exc
        table.columns = [str(c) for c in table.columns]
    else:
        table = _read_csv(path)
    for col in ("time_s", "ear_left", "ear_right"):
        if col not in table.columns:
            raise InputError(
                f"missing column '{col}'",
                path=path,
                hint="give a signals table written by hemispasm analyze",
            )
    if table.empty:
        raise InputError("the table has no rows", path=path, hint="give a non-empty table")
    table = table.loc[:, ~pd.Index(table.columns).duplicated()].copy()
    t = _numeric(table["time_s"], "time_s", path)
    if not np.isfinite(t).all():
        raise InputError("column time_s must hold a time in every row", path=path)
    if len(t) > 1 and (np.diff(t) <= 0).any():
        i = int(np.argmax(np.diff(t) <= 0)) + 1
        raise InputError(
            f"times must increase (data row {i + 1} has time_s {t[i]:g} after {t[i - 1]:g})",
            path=path,
            hint="give a signals table written by hemispasm analyze",
        )
    for col in _numeric_columns(table.columns):
        dtype = table[col].dtype
        if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            continue  # frame, n_faces as written
        if pd.api.types.is_float_dtype(dtype):
            vals = table[col].to_numpy(dtype=float)
        else:
            vals = _numeric(table[col], col, path)
        if col in ("ear_left", "ear_right"):
            _check_range(vals, col, path, *EAR_RANGE)
        elif np.isinf(vals).any():
            i = int(np.argmax(np.isinf(vals)))
            raise InputError(f"column {col} is infinite in data row {i + 1}", path=path)
        table[col] = vals
    if "face" not in table:
        table["face"] = table[["ear_left", "ear_right"]].notna().all(axis=1)
    table["face"] = _flags(table["face"])
    if "frame" not in table:
        table["frame"] = np.arange(len(table))
    _check_length(t, path)
    return table
