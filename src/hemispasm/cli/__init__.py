"""The ``hemispasm`` command: a thin Typer shell over the Python API.

Every command is one call into the package. Errors the user can act on
(:class:`hemispasm.errors.HemispasmError`) print one line and exit non-zero, with no traceback;
so do usage errors (a bad option value, a missing argument: exit 2, with a ``--help`` hint).
SIGTERM is handled like SIGINT (staged outputs are removed; exit 143). Python warnings go to the
log (one line each, shown with ``--verbose``), not to the terminal with their source lines.

Each capability registers its commands from its own module (``cli/video.py``, ``cli/emg.py``,
...), through a ``register(app)`` function.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import typer

from hemispasm._log import get_logger
from hemispasm._version import __version__
from hemispasm.cli._common import print_error
from hemispasm.errors import HemispasmError

app = typer.Typer(
    name="hemispasm",
    help=(
        "Measure, confirm and follow hemifacial spasm from video, EMG and clinical data. "
        "hemispasm supports clinicians; it does not diagnose or prescribe."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)

#: Modules under ``hemispasm.cli`` that register commands.
COMMAND_MODULES: tuple[str, ...] = (
    "video",
    "events",
    "synth",
    "emg",
    "clinic",
    "registry",
    "batch",
    "web",
    "cohort",
    "paste",
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"hemispasm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version."
    ),
) -> None:
    """hemispasm command line."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _register_all() -> None:
    if getattr(app, "_hemispasm_registered", False):
        return
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"hemispasm.cli.{name}")
        module.register(app)
    app._hemispasm_registered = True  # type: ignore[attr-defined]


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, systemd, Docker, CI), raised where SIGINT raises KeyboardInterrupt,
    so that every ``finally`` (staged outputs, worker threads) runs."""


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[dict[str, bool]]:
    state = {"terminated": False}
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum, frame):
        state["terminated"] = True
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGTERM, previous)


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    get_logger("hemispasm.warnings").info(
        "%s: %s (%s:%s)", category.__name__, message, Path(str(filename)).name, lineno
    )


def _usage_line(exc) -> str:
    """A Typer/Click usage error as one line with a hint."""
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "hemispasm"
    message = " ".join(exc.format_message().split()) or "invalid usage"
    message = message if message.endswith((".", "!", "?")) else message + "."
    return f"{path}: {message} Run '{path} --help' for the options."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status (also the entry point of the console script).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when omitted.
    """
    _register_all()
    args = list(sys.argv[1:] if argv is None else argv)
    with _sigterm_as_interrupt() as state, warnings.catch_warnings():
        warnings.showwarning = _log_warning
        try:
            rv = app(args=args, prog_name="hemispasm", standalone_mode=False)
            code = rv if isinstance(rv, int) else 0
        except HemispasmError as exc:
            print_error(exc.one_line())
            code = exc.exit_code
        except typer.Abort:  # EOF at a prompt
            print_error("aborted")
            code = 1
        except typer.TyperException as exc:  # Click usage errors (vendored by Typer)
            if type(exc).__name__ == "NoArgsIsHelpError":
                code = 0 if not args else 2  # the help was printed
            else:
                print_error(_usage_line(exc))
                code = int(getattr(exc, "exit_code", 2) or 2)
        except KeyboardInterrupt:
            code = 130
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if state["terminated"]:
            print_error("terminated (SIGTERM); no partial output was left")
            code = 143
        elif code == 130:
            print_error("interrupted; no partial output was left")
    if argv is None:
        sys.exit(code)
    return code


__all__ = ["COMMAND_MODULES", "Terminated", "app", "main"]
