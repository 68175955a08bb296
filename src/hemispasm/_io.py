"""Atomic output: nothing half-written.

Outputs are written under a temporary name in the destination folder, then renamed into place.
A failure leaves the folder as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hemispasm.errors import OutputError


def ensure_out_dir(out_dir: str | Path) -> Path:
    """Create ``out_dir`` if needed and check it is writable.

    Raises
    ------
    OutputError
        When the folder cannot be created or written.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder ({exc.strerror or exc})",
            path=out,
            hint="choose a folder you can write to with --out",
        ) from exc
    if not out.is_dir():
        raise OutputError(
            "the output path exists and is not a folder", path=out, hint="choose another --out"
        )
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(
            "the output folder is not writable",
            path=out,
            hint="choose a folder you can write to with --out",
        )
    return out


@contextlib.contextmanager
def atomic_path(dest: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it to ``dest`` when the block succeeds.

    Examples
    --------
    >>> with atomic_path(out / "signals.parquet") as tmp:  # doctest: +SKIP
    ...     table.to_parquet(tmp)
    """
    dest = Path(dest)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise OutputError(
            f"cannot write here ({exc.strerror or exc})",
            path=dest.parent,
            hint="choose a folder you can write to with --out",
        ) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text_atomic(dest: str | Path, text: str) -> Path:
    """Write text to ``dest`` atomically (UTF-8)."""
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(dest)


def write_json_atomic(dest: str | Path, obj: Any) -> Path:
    """Write JSON to ``dest`` atomically; pydantic models are dumped in JSON mode."""
    if hasattr(obj, "model_dump_json"):
        text = obj.model_dump_json(indent=2)
    else:
        text = json.dumps(obj, indent=2, default=str, allow_nan=False)
    return write_text_atomic(dest, text + "\n")


@contextlib.contextmanager
def staged_outputs(out_dir: str | Path) -> Iterator[Path]:
    """Stage several output files in a hidden folder; move them all into ``out_dir`` at the end.

    Either every file lands or none does (each move is a rename on the same file system).
    """
    out = ensure_out_dir(out_dir)
    try:
        stage = Path(tempfile.mkdtemp(prefix=".hemispasm-", dir=out))
    except OSError as exc:
        raise OutputError(
            f"cannot write here ({exc.strerror or exc})",
            path=out,
            hint="choose a folder you can write to with --out",
        ) from exc
    try:
        yield stage
        for item in sorted(stage.iterdir()):
            target = out / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(item, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
