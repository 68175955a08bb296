"""Provenance: what produced a result (package version, method, parameters, model hash)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from hemispasm._version import __version__


class Provenance(BaseModel):
    """Where a result came from.

    Attributes
    ----------
    package : str
        Always ``"hemispasm"``.
    version : str
        The hemispasm version that produced the result.
    method : str
        The algorithm, e.g. ``"video.mediapipe_face_landmarker"`` or ``"events.robust_baseline"``.
    parameters : dict
        The parameters that change the result (thresholds, fps, ...).
    model_sha256 : str or None
        SHA-256 of the model file used, when one was used.
    input_name : str or None
        The input file's name (no folder: folders can carry a patient's name).
    input_sha256 : str or None
        SHA-256 of the input file, when computed.
    synthetic : bool
        True when the input is synthetic data (generated, not recorded from a person).
    created_utc : str
        ISO-8601 time of creation.
    python : str
        The Python version.
    """

    package: str = "hemispasm"
    version: str = __version__
    method: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    model_sha256: str | None = None
    input_name: str | None = None
    input_sha256: str | None = None
    synthetic: bool = False
    created_utc: str = Field(
        default_factory=lambda: _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    )
    python: str = Field(default_factory=platform.python_version)


def sha256_file(path: str | Path, *, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks (bounded memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            h.update(block)
    return h.hexdigest()
