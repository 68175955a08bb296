"""The ``hemispasm`` command: a thin Typer shell over the Python API.

Every command is one call into the package. Errors the user can act on
(:class:`hemispasm.errors.HemispasmError`) print one line and exit non-zero, with no traceback.

Each capability registers its commands from its own module (``cli/video.py``, ``cli/emg.py``,
...), through a ``register(app)`` function.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Sequence

import typer

from hemispasm._version import __version__
from hemispasm.cli._common import err_console
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
COMMAND_MODULES: tuple[str, ...] = ("video", "events", "synth", "emg", "clinic", "registry", "web")


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status (also the entry point of the console script).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when omitted.
    """
    _register_all()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        app(args=args, prog_name="hemispasm")
        code = 0
    except SystemExit as exc:  # Typer/Click end every run, usage errors included, this way
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except HemispasmError as exc:
        err_console.print(f"[bold red]error:[/] {exc.one_line()}", highlight=False, soft_wrap=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted")
        code = 130
    if argv is None:
        sys.exit(code)
    return code


__all__ = ["app", "main"]
