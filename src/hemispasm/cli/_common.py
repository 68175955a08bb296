"""Shared pieces of the CLI: consoles, literal output lines, one-line errors, a progress bar.

User text (paths, file names, labels) never goes through Rich markup: a path such as
``clip [final].mp4`` or ``out[/x]`` is printed as it is. Use :func:`say` for lines that hold
user text, :func:`print_error` / :func:`print_warning` for the one-line messages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

console = Console()
err_console = Console(stderr=True)

__all__ = [
    "console",
    "err_console",
    "escape",
    "lazy_progress",
    "make_progress",
    "print_error",
    "print_warning",
    "say",
]


def say(text: str, *, err: bool = False, style: str | None = None) -> None:
    """Print ``text`` literally (no Rich markup, no highlighting, no wrapping inside it)."""
    (err_console if err else console).print(
        Text(str(text), style=style or ""), soft_wrap=True, highlight=False
    )


def _labelled(label: str, style: str, message: str) -> Text:
    return Text.assemble((label, style), " ", str(message).replace("\n", " "))


def print_error(message: str) -> None:
    """``error: MESSAGE`` on stderr, one line, the message printed literally."""
    err_console.print(_labelled("error:", "bold red", message), soft_wrap=True, highlight=False)


def print_warning(message: str) -> None:
    """``warning: MESSAGE`` on stderr, one line, the message printed literally."""
    err_console.print(_labelled("warning:", "yellow", message), soft_wrap=True, highlight=False)


def make_progress(*, quiet: bool = False) -> Progress:
    """A Rich progress bar on stderr (disabled with ``quiet``)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet,
        transient=False,
    )


@contextlib.contextmanager
def lazy_progress(*, quiet: bool = False) -> Iterator[Callable[[str, int, int], None]]:
    """Yield ``update(step, done, total)``; the bar appears only once work reports progress,
    so an error found first prints its one line alone."""
    bar = make_progress(quiet=quiet)
    tasks: dict[str, int] = {}

    def update(step: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()
        if step not in tasks:
            tasks[step] = bar.add_task(step, total=total or None)
        bar.update(tasks[step], completed=done, total=total or None)

    try:
        yield update
    finally:
        if tasks:
            bar.stop()
