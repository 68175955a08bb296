"""The planning core of ``hemispasm batch`` (pure: no Dask, no face model).

inputs / manifest → :class:`Recording` rows → tasks keyed by content hash, hemispasm version and
parameters → which are done already (resume) → the cohort table.

Recording ids come from the manifest's ``recording_id`` or from the content hash, never from
file or folder names (which may name a patient).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from hemispasm import _fsio
from hemispasm._version import __version__
from hemispasm.errors import InputError
from hemispasm.pipeline import EMG_KINDS, KINDS

#: Files a folder contributes (EDF/BDF only through a manifest, which says which EMG analysis).
FACE_TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".parquet"})
EMG_SUFFIXES = frozenset({".edf", ".bdf"})
MANIFEST_COLUMNS = ("path", "recording_id", "kind", "fps")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HASH_ID_CHARS = 16
STATE_DIR = ".hemispasm-batch"


class BatchParams(BaseModel):
    """Parameters that change a recording's result (part of every task key)."""

    max_faces: int = Field(2, ge=1, le=4)
    write_csv: bool = False
    model_sha256: str | None = None


class Recording(BaseModel):
    """One input of a batch, before and after hashing."""

    source: str
    kind: str = "auto"
    fps: float | None = None
    recording_id: str | None = None
    columns: dict[str, Any] = Field(default_factory=dict)
    input_sha256: str | None = None

    def key(self, params: BatchParams) -> str:
        """The task key: SHA-256 of content hash, version, kind, fps and parameters."""
        if self.input_sha256 is None:
            raise ValueError("hash the input first")
        blob = json.dumps(
            {
                "input_sha256": self.input_sha256,
                "version": __version__,
                "kind": self.kind,
                "fps": self.fps,
                "params": params.model_dump(),
            },
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()


def _video_suffixes() -> frozenset[str]:
    from hemispasm.video.reader import VIDEO_SUFFIXES

    return VIDEO_SUFFIXES


def read_manifest(source: str | Path) -> list[Recording]:
    """Read a manifest (CSV or Parquet): ``path`` (required), optional ``recording_id``,
    ``kind``, ``fps``; every other column (``group``, ``visit``, ``patient``, ...) is kept.

    Relative paths are relative to the manifest's folder.

    Raises
    ------
    InputError
        Unreadable manifest, no ``path`` column, a bad kind, fps or recording id (row named).
    """
    src = str(source)
    try:
        with _fsio.open_stream(src) as fh:
            if _fsio.suffix_of(src) == ".parquet":
                table = pd.read_parquet(fh)
            else:
                text = fh.read().decode("utf-8-sig")
                head = text.split("\n", 1)[0]
                sep = max((",", ";", "\t"), key=head.count)  # one column: ","
                table = pd.read_csv(io.StringIO(text), sep=sep, dtype={"recording_id": str})
    except InputError:
        raise
    except Exception as exc:  # pandas / pyarrow raise many types for a bad table
        raise InputError(
            f"not a readable manifest ({exc.__class__.__name__})",
            path=src,
            hint="give a CSV or Parquet table with a 'path' column",
        ) from exc
    table.columns = [str(c).strip() for c in table.columns]
    if "path" not in table.columns:
        raise InputError(
            f"the manifest has no 'path' column (found: {', '.join(table.columns[:8])})",
            path=src,
            hint="add a 'path' column with one recording per row",
        )
    if table.empty:
        raise InputError("the manifest has no rows", path=src, hint="add one row per recording")
    base = _fsio.local_path(src)
    recs = []
    for i, row in enumerate(table.to_dict("records"), start=2 if src.endswith("csv") else 1):
        where = f"row {i}"
        p = str(row["path"]).strip()
        if not p or p == "nan":
            raise InputError(f"{where}: empty path", path=src, hint="fill in every path")
        if not _fsio.is_url(p) and not Path(p).is_absolute() and base is not None:
            p = str(base.parent / p)
        kind = str(row.get("kind") or "auto").strip()
        if kind in ("", "nan"):
            kind = "auto"
        if kind not in KINDS:
            raise InputError(
                f"{where}: unknown kind {kind!r}", path=src, hint=f"use one of: {', '.join(KINDS)}"
            )
        fps = row.get("fps")
        fps = None if fps is None or (isinstance(fps, float) and np.isnan(fps)) else fps
        if fps is not None:
            try:
                fps = float(fps)
            except (TypeError, ValueError):
                fps = -1.0
            if not np.isfinite(fps) or fps <= 0:
                raise InputError(
                    f"{where}: fps must be a positive number", path=src, hint="e.g. 30"
                )
        rid = row.get("recording_id")
        rid = None if rid is None or str(rid) in ("", "nan") else str(rid).strip()
        if rid is not None and not ID_PATTERN.match(rid):
            raise InputError(
                f"{where}: recording_id {rid!r} is not a safe folder name",
                path=src,
                hint="use letters, digits, '.', '_' or '-' (at most 64), no names of people",
            )
        extra = {k: _plain(v) for k, v in row.items() if k not in MANIFEST_COLUMNS}
        recs.append(Recording(source=p, kind=kind, fps=fps, recording_id=rid, columns=extra))
    ids = [r.recording_id for r in recs if r.recording_id]
    dup = sorted({x for x in ids if ids.count(x) > 1})
    if dup:
        raise InputError(
            f"recording_id repeated: {', '.join(dup[:5])}",
            path=src,
            hint="give each recording its own id",
        )
    return recs


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    return v


def discover(inputs: list[str], *, fps: float | None = None) -> tuple[list[Recording], list[str]]:
    """Files and folders (recursive) → recordings; also returns the sources that were skipped.

    A folder contributes its videos and per-frame tables; EDF/BDF files only through a
    manifest (which says which EMG analysis), and hidden files not at all.
    """
    video = _video_suffixes()
    recs: list[Recording] = []
    skipped: list[str] = []
    for src in inputs:
        files = _fsio.find_files(src)
        if files is None:  # a single file: taken whatever its suffix (analyze decides)
            recs.append(Recording(source=str(src), fps=fps))
            continue
        for f in files:
            suffix = _fsio.suffix_of(f)
            if suffix in video or suffix in FACE_TABLE_SUFFIXES:
                recs.append(Recording(source=f, fps=fps))
            else:
                skipped.append(f)
    return recs, skipped


def assign_ids(recs: list[Recording]) -> tuple[list[Recording], list[tuple[Recording, str]]]:
    """Give each hashed recording its id (manifest's, else the hash's first 16 hex digits).

    Returns the recordings to run and the duplicates left out (same content and parameters as
    an earlier input, when ids come from hashes), each with the id it duplicates.
    """
    out: list[Recording] = []
    dups: list[tuple[Recording, str]] = []
    seen: dict[str, Recording] = {}
    for r in recs:
        rid = r.recording_id or f"h{r.input_sha256[:HASH_ID_CHARS]}"
        if rid in seen:
            dups.append((r, rid))
            continue
        r = r.model_copy(update={"recording_id": rid})
        seen[rid] = r
        out.append(r)
    return out, dups


def state_path(out_dir: Path, recording_id: str) -> Path:
    """Where a finished recording's batch state (key and cohort row) is kept."""
    return out_dir / STATE_DIR / "done" / f"{recording_id}.json"


def load_done(
    out_dir: Path, rec: Recording, key: str, *, retry_failed: bool = False
) -> dict | None:
    """The stored state of a recording finished with this key, or None (to be run).

    A finished recording needs its ``summary.json`` in place; a recording that failed for a
    reason of its own is done too (the same input fails the same way) unless ``retry_failed``.
    """
    st = state_path(out_dir, rec.recording_id)
    if not st.is_file():
        return None
    try:
        state = json.loads(st.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if state.get("task_key") != key:
        return None
    if state.get("status") == "failed":
        return None if retry_failed else state
    return state if (out_dir / rec.recording_id / "summary.json").is_file() else None


def is_emg(rec: Recording) -> bool:
    return rec.kind in EMG_KINDS
