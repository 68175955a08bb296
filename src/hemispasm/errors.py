"""Exceptions with a one-line message for the user.

Every error a user can cause (a bad file, a missing model, an unwritable folder) is raised as a
:class:`HemispasmError`. The CLI prints ``str(err)`` on one line and exits non-zero, with no
traceback. The message says which file, what is wrong, and what to do.
"""

from __future__ import annotations

from pathlib import Path


class HemispasmError(Exception):
    """Base class for errors the user can act on.

    Parameters
    ----------
    message : str
        What is wrong, in one sentence.
    path : str or Path, optional
        The file or folder concerned; printed first.
    hint : str, optional
        What to do about it.
    exit_code : int
        The CLI exit status (default 2).
    """

    exit_code: int = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        hint: str | None = None,
        exit_code: int | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message as one line: ``PATH: what is wrong. What to do.``"""
        parts = []
        if self.path:
            parts.append(f"{self.path}: ")
        msg = self.message.rstrip()
        parts.append(msg if msg.endswith((".", "!", "?")) else msg + ".")
        if self.hint:
            hint = self.hint.rstrip()
            parts.append(" " + (hint if hint.endswith((".", "!", "?")) else hint + "."))
        return "".join(parts).replace("\n", " ")


class InputError(HemispasmError):
    """An input file is missing, unreadable or not what it claims to be."""


class NoFaceError(InputError):
    """No face was found anywhere in a video."""

    exit_code = 3


class OutputError(HemispasmError):
    """The output folder cannot be written."""


class ModelError(HemispasmError):
    """The face model cannot be found, fetched or verified."""


class MissingDependencyError(HemispasmError):
    """An optional dependency is not installed."""


class ValidationError(HemispasmError):
    """A case file or questionnaire answer is malformed (names the field)."""
