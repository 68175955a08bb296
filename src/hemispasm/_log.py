"""The package logger.

One logger, ``hemispasm``; modules use ``get_logger(__name__)`` which returns a child of it.
Never log patient names or free text from case files: log file names, counts and numbers.
"""

from __future__ import annotations

import logging

LOGGER_NAME = "hemispasm"
logger = logging.getLogger(LOGGER_NAME)
logger.addHandler(logging.NullHandler())


def get_logger(name: str | None = None) -> logging.Logger:
    """Return the package logger or one of its children.

    Parameters
    ----------
    name : str, optional
        A module ``__name__``; names outside the package are nested under it.
    """
    if not name or name == LOGGER_NAME:
        return logger
    if name.startswith(LOGGER_NAME + "."):
        return logging.getLogger(name)
    return logger.getChild(name)
