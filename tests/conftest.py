"""Shared test fixtures.

Shared real data (``../shared`` beside the repo, or ``HEMISPASM_SHARED``) is found at run time,
never copied into the repo. A missing shared file skips the test, except with
``HEMISPASM_REQUIRE_SHARED=1`` (set in ``.ci/run``), where it fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_root() -> Path:
    """The shared data folder: ``$HEMISPASM_SHARED`` or ``../shared`` beside the repo."""
    env = os.environ.get("HEMISPASM_SHARED")
    return Path(env).expanduser().resolve() if env else (REPO.parent / "shared").resolve()


def _require() -> bool:
    return os.environ.get("HEMISPASM_REQUIRE_SHARED", "") not in ("", "0", "false", "no")


def get_shared(relpath: str) -> Path:
    """Path of a shared file; skip (or fail under HEMISPASM_REQUIRE_SHARED=1) when missing."""
    path = shared_root() / relpath
    if not path.is_file():
        msg = f"shared file missing: {path} (set HEMISPASM_SHARED)"
        if _require():
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture
def shared():
    """Return a function ``shared("data/video/blink_2s_360p.mp4") -> Path``."""
    return get_shared


@pytest.fixture(scope="session")
def face_model() -> Path:
    """The MediaPipe face model: ``$HEMISPASM_FACE_MODEL`` or the shared copy."""
    env = os.environ.get("HEMISPASM_FACE_MODEL")
    if env and Path(env).is_file():
        return Path(env).resolve()
    return get_shared("models/face_landmarker.task")


@pytest.fixture(autouse=True)
def _no_network_model_cache(tmp_path_factory, monkeypatch):
    """Keep tests out of the user's real model cache."""
    cache = tmp_path_factory.getbasetemp() / "model-cache"
    monkeypatch.setenv("HEMISPASM_CACHE_DIR", str(cache))
