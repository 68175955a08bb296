"""Atomic output: nothing half-written, one run per folder.

Outputs are written under a temporary name in the destination folder, then renamed into place.
A failure (an error, Ctrl-C, SIGTERM) leaves the folder as it was, and an output folder that did
not exist before is not left behind.

An output folder holds exactly one run's outputs (docs/robustness.md): :func:`check_out_dir`
refuses a non-empty folder unless ``overwrite`` is given, and then only when everything in it is
an output of the same command (its ``owned`` names); :func:`staged_outputs` then removes the
earlier run's files that the new run did not write (e.g. an old ``landmarks.npy``).

Files are created with the usual mode (``0666`` less the umask, e.g. ``0644``), whichever way
they were written.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from hemispasm.errors import OutputError

STAGE_PREFIX = ".hemispasm-"
_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets here: ``0o666`` less the process umask (``0o644`` usually)."""
    return 0o666 & ~_umask()


def _not_a_folder(out: Path) -> OutputError:
    return OutputError(
        "--out names an existing file, not a folder",
        path=out,
        hint="give a new or empty folder with --out",
    )


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_out_dir(
    out_dir: str | Path, *, overwrite: bool = False, owned: Collection[str] | None = None
) -> Path:
    """Check that ``out_dir`` can take one run's outputs, without creating it.

    Parameters
    ----------
    out_dir : str or Path
    overwrite : bool
        Allow a folder holding an earlier run of the same command (only ``owned`` names).
    owned : collection of str, optional
        The names the command writes. Without it, any non-empty folder is refused.

    Raises
    ------
    OutputError
        ``out_dir`` is a file, is not writable, cannot be created, or is not empty.
    """
    out = Path(out_dir)
    if out.exists():
        if not out.is_dir():
            raise _not_a_folder(out)
        if not os.access(out, os.W_OK | os.X_OK):
            raise OutputError(
                "the output folder is not writable",
                path=out,
                hint="choose a folder you can write to with --out",
            )
        entries = sorted(p.name for p in out.iterdir() if not p.name.startswith(STAGE_PREFIX))
        if entries and not overwrite:
            raise OutputError(
                f"the output folder is not empty ({len(entries)} entries, e.g. {entries[0]})",
                path=out,
                hint="give a new or empty folder with --out, or add --overwrite to replace an "
                "earlier run there",
            )
        foreign = [e for e in entries if owned is None or e not in owned]
        if foreign:
            raise OutputError(
                f"the output folder holds files this command did not write ({foreign[0]}"
                + (f" and {len(foreign) - 1} more" if len(foreign) > 1 else "")
                + "), so --overwrite does not apply",
                path=out,
                hint="give a new or empty folder with --out",
            )
        return out
    base = _nearest_existing(out)
    if not base.is_dir():
        raise OutputError(
            f"cannot create the output folder ({base.name} is a file, not a folder)",
            path=out,
            hint="choose another --out",
        )
    if not os.access(base, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot create the output folder ({base} is not writable)",
            path=out,
            hint="choose a folder you can write to with --out",
        )
    return out


def ensure_out_dir(out_dir: str | Path) -> Path:
    """Create ``out_dir`` if needed and check it is writable.

    Raises
    ------
    OutputError
        When the folder cannot be created or written.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise _not_a_folder(out)
    base = _nearest_existing(out)
    if base != out.absolute() and not base.is_dir():
        raise OutputError(
            f"cannot create the output folder ({base.name} is a file, not a folder)",
            path=out,
            hint="choose another --out",
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder ({exc.strerror or exc})",
            path=out,
            hint="choose a folder you can write to with --out",
        ) from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(
            "the output folder is not writable",
            path=out,
            hint="choose a folder you can write to with --out",
        )
    return out


def check_out_file(dest: str | Path) -> Path:
    """Check that ``dest`` can be written as a file (not a folder; its folder exists)."""
    dest = Path(dest)
    if dest.is_dir():
        raise OutputError(
            "--out names an existing folder, not a file",
            path=dest,
            hint="give the path of a file to write, e.g. scores.md",
        )
    parent = dest.parent if str(dest.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(
            "the folder of this output file does not exist",
            path=dest,
            hint="create the folder first or choose another path",
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            "the folder of this output file is not writable", path=dest, hint="choose another path"
        )
    return dest


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the block runs (a few renames), then deliver them.

    In the main thread only (elsewhere Python runs no signal handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    sigs = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in sigs}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        for signum in pending[:1]:
            handler = previous[signum]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)


@contextlib.contextmanager
def atomic_path(dest: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it to ``dest`` when the block succeeds.

    Examples
    --------
    >>> with atomic_path(out / "signals.parquet") as tmp:  # doctest: +SKIP
    ...     table.to_parquet(tmp)
    """
    dest = check_out_file(dest)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise OutputError(
            f"cannot write here ({exc.strerror or exc})",
            path=dest.parent,
            hint="choose a folder you can write to with --out",
        ) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.exists():
            os.chmod(tmp, file_mode())  # mkstemp makes 0600; outputs get the usual mode
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text_atomic(dest: str | Path, text: str) -> Path:
    """Write text to ``dest`` atomically (UTF-8)."""
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(dest)


def write_json_atomic(dest: str | Path, obj: Any) -> Path:
    """Write JSON to ``dest`` atomically; pydantic models are dumped in JSON mode."""
    if hasattr(obj, "model_dump_json"):
        text = obj.model_dump_json(indent=2)
    else:
        text = json.dumps(obj, indent=2, default=str, allow_nan=False)
    return write_text_atomic(dest, text + "\n")


@contextlib.contextmanager
def staged_outputs(out_dir: str | Path, *, replace: Collection[str] = ()) -> Iterator[Path]:
    """Stage several output files in a hidden folder; move them all into ``out_dir`` at the end.

    Either every file lands or none does (each move is a rename on the same file system, with
    SIGINT/SIGTERM held back during the moves). ``out_dir`` is created here when needed, and
    removed again when the block fails. Names in ``replace`` that the block did not write are
    removed from ``out_dir`` (an earlier run's outputs: the folder then holds this run only).
    """
    out = Path(out_dir)
    created = not out.exists()
    out = ensure_out_dir(out)
    try:
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out))
    except OSError as exc:
        raise OutputError(
            f"cannot write here ({exc.strerror or exc})",
            path=out,
            hint="choose a folder you can write to with --out",
        ) from exc
    ok = False
    try:
        yield stage
        with deferred_interrupts():
            items = sorted(stage.iterdir())
            for item in items:
                target = out / item.name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                os.replace(item, target)
            new = {i.name for i in items}
            for name in replace:
                old = out / name
                if name not in new and (old.exists() or old.is_symlink()):
                    if old.is_dir() and not old.is_symlink():
                        shutil.rmtree(old)
                    else:
                        old.unlink()
        ok = True
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if not ok and created:
            with contextlib.suppress(OSError):
                out.rmdir()  # only when empty: nothing but our stage was ever in it
