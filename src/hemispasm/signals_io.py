"""Readers for per-frame tables that are not videos.

- :func:`read_ear_table`: JeFaPaTo's eye-aspect-ratio CSV (``frame,EAR2D6_l,EAR2D6_r`` and
  validity flags). JeFaPaTo's ``_l``/``_r`` are the subject's left and right.
- :func:`read_signals_table`: a signals table written by ``hemispasm analyze`` (parquet or csv).

Both return a DataFrame in the signals schema (docs/signals.md). An EAR table only has the eye
columns; the event detector then analyses the eye region only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hemispasm.errors import InputError

JEFAPATO_COLUMNS = {"EAR2D6_l": "ear_left", "EAR2D6_r": "ear_right"}


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError("file not found", path=path, hint="check the path")
    try:
        return pd.read_csv(path, sep=None, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(
            f"not a readable CSV table ({exc.__class__.__name__})",
            path=path,
            hint="give a comma-separated table with a header row",
        ) from exc


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
    """
    path = Path(path)
    if fps is None or not np.isfinite(fps) or fps <= 0:
        raise InputError(
            "an eye-aspect-ratio table needs its frame rate",
            path=path,
            hint="give it with --fps (e.g. --fps 30)",
        )
    raw = _read_csv(path)
    missing = [c for c in JEFAPATO_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (found: "
            f"{', '.join(map(str, raw.columns[:8]))})",
            path=path,
            hint="give JeFaPaTo's CSV with frame, EAR2D6_l and EAR2D6_r",
        )
    if raw.empty:
        raise InputError("the table has no rows", path=path, hint="give a non-empty table")
    frame = raw["frame"].to_numpy(dtype=np.int64) if "frame" in raw else np.arange(len(raw))
    out = pd.DataFrame({"frame": frame - frame[0], "time_s": (frame - frame[0]) / float(fps)})
    valid = np.ones(len(raw), dtype=bool)
    for col in raw.columns:
        if str(col).upper().startswith("EAR") and str(col).lower().endswith("valid"):
            flags = raw[col].astype(str).str.strip().str.lower()
            valid &= flags.isin(["true", "1", "1.0", "yes"]).to_numpy()
    for src, dst in JEFAPATO_COLUMNS.items():
        vals = pd.to_numeric(raw[src], errors="coerce").to_numpy(dtype=float)
        out[dst] = np.where(valid, vals, np.nan)
    out["face"] = valid & np.isfinite(out["ear_left"]) & np.isfinite(out["ear_right"])
    if not out["face"].any():
        raise InputError(
            "no valid eye-aspect-ratio value in the table",
            path=path,
            hint="check the EAR columns and validity flags",
        )
    return out


def read_signals_table(path: str | Path) -> pd.DataFrame:
    """Read a signals table written by ``hemispasm analyze`` (``.parquet`` or ``.csv``)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path, hint="check the path")
    if path.suffix.lower() == ".parquet":
        try:
            table = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise InputError(
                f"not a readable Parquet table ({exc.__class__.__name__})",
                path=path,
                hint="give signals.parquet from hemispasm analyze",
            ) from exc
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
    if "face" not in table:
        table["face"] = table[["ear_left", "ear_right"]].notna().all(axis=1)
    table["face"] = table["face"].astype(bool)
    if "frame" not in table:
        table["frame"] = np.arange(len(table))
    return table
