"""Lazy imports of heavy optional dependencies, with an install hint when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from hemispasm.errors import MissingDependencyError

#: module name -> (pip package, hemispasm extra)
_HINTS: dict[str, tuple[str, str]] = {
    "mediapipe": ("mediapipe", "video"),
    "av": ("av", "video"),
    "skimage": ("scikit-image", "video"),
    "cv2": ("opencv-contrib-python", "video"),
    "edfio": ("edfio", "emg"),
    "mne": ("mne", "dev"),
    "psutil": ("psutil", "dev"),
    "fastapi": ("fastapi", "web"),
    "sqlalchemy": ("sqlalchemy", "registry"),
    "alembic": ("alembic", "registry"),
    "psycopg": ("psycopg[binary]", "registry"),
    "fhir": ("fhir.resources", "registry"),
}


def require(module: str) -> ModuleType:
    """Import ``module`` or raise a one-line error that says how to install it.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"mediapipe"`` or ``"mediapipe.tasks.python.vision"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        pkg, extra = _HINTS.get(top, (top, "all"))
        raise MissingDependencyError(
            f"the optional dependency '{pkg}' is not installed ({exc.__class__.__name__}: {exc})",
            hint=f"install it with: pip install 'hemispasm[{extra}]'",
        ) from exc
