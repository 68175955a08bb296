"""Inputs as paths or fsspec URLs (``file://``, ``memory://``, ``s3://`` with s3fs, ...).

Recordings are read as streams, in 1 MiB blocks: hashing never holds a file in memory, and a
remote video that PyAV must open by path is streamed to a temporary local file first (deleted
afterwards). Local paths and ``file://`` URLs are used in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from hemispasm.errors import InputError, MissingDependencyError

CHUNK_BYTES = 1 << 20
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(source: str | Path) -> bool:
    """True for ``scheme://...`` (a URL for fsspec), False for a plain path."""
    return isinstance(source, str) and bool(_URL.match(source))


def local_path(source: str | Path) -> Path | None:
    """The local path of a plain path or ``file://`` URL; None for other URLs."""
    if not is_url(source):
        return Path(source)
    if str(source).startswith("file://"):
        return Path(str(source)[len("file://") :])
    return None


def _fs(url: str):
    try:
        import fsspec
    except ImportError as exc:
        raise MissingDependencyError(
            "reading URLs needs fsspec", hint="install it with: pip install 'hemispasm[batch]'"
        ) from exc
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as exc:  # e.g. s3:// without s3fs
        raise MissingDependencyError(
            f"no driver for this URL ({exc})",
            path=url,
            hint="install the fsspec driver it names (e.g. pip install s3fs for s3://)",
        ) from exc
    except ValueError as exc:
        raise InputError(f"not a URL fsspec knows ({exc})", path=url) from exc


def name_of(source: str | Path) -> str:
    """The file name (last path component) of a path or URL."""
    return PurePosixPath(str(source).rstrip("/")).name


def suffix_of(source: str | Path) -> str:
    return PurePosixPath(name_of(source)).suffix.lower()


@contextlib.contextmanager
def open_stream(source: str | Path) -> Iterator:
    """A binary file object on a path or URL (one clear error when missing/unreadable)."""
    lp = local_path(source)
    try:
        if lp is not None:
            if not lp.is_file():
                raise InputError("file not found", path=source, hint="check the path")
            fh = open(lp, "rb")  # noqa: SIM115 (closed by the with below)
        else:
            fs, p = _fs(str(source))
            if not fs.isfile(p):
                raise InputError("file not found", path=source, hint="check the URL")
            fh = fs.open(p, "rb")
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc})", path=source) from exc
    with fh:
        yield fh


def sha256(source: str | Path) -> str:
    """SHA-256 hex digest of a path or URL, streamed in 1 MiB blocks."""
    h = hashlib.sha256()
    with open_stream(source) as fh:
        while block := fh.read(CHUNK_BYTES):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def local_input(source: str | Path) -> Iterator[Path]:
    """A local path for ``source``: itself when local, else a streamed temporary copy."""
    lp = local_path(source)
    if lp is not None:
        yield lp
        return
    folder = Path(tempfile.mkdtemp(prefix="hemispasm-in-"))
    tmp = folder / (name_of(source) or f"input{suffix_of(source)}")  # keeps the file's name
    try:
        with open(tmp, "wb") as out, open_stream(source) as fh:
            while block := fh.read(CHUNK_BYTES):
                out.write(block)
        yield tmp
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def find_files(source: str | Path) -> list[str] | None:
    """Every file below a folder (path or URL), sorted; None when ``source`` is not a folder."""
    lp = local_path(source)
    if lp is not None:
        if not lp.is_dir():
            return None
        return sorted(
            str(p)
            for p in lp.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(lp).parts)
        )
    fs, p = _fs(str(source))
    if not fs.isdir(p):
        return None
    found = []
    for f in sorted(fs.find(p)):
        rel = PurePosixPath(f).relative_to(PurePosixPath(p.rstrip("/") or "/"))
        if not any(part.startswith(".") for part in rel.parts):
            found.append(fs.unstrip_protocol(f))
    return found
