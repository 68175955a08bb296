"""What runs on a Dask worker: one recording, written atomically to ``DIR/<recording_id>/``.

The worker keeps its face models for its whole life (:func:`hemispasm.video.pool.enable`,
created lazily in the worker's own process; nothing holding a model is ever pickled). A
recording is analysed into a private folder under ``DIR/.hemispasm-batch/tmp/`` and renamed
into place only when complete; its batch state (task key, cohort row, events) is written after
that, atomically. So a killed worker or an interrupted run leaves either a finished recording
or nothing (stale private folders are removed by the next run). A recording that fails for a
reason of its own (a :class:`~hemispasm.errors.HemispasmError`: unreadable, no face, ...) is
remembered as failed with the same key, so a rerun does not analyse it again (``--retry-failed``
does); an unexpected error or a lost worker is tried again by the next run.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from hemispasm._log import get_logger
from hemispasm.batch.cohort import cohort_row
from hemispasm.batch.plan import STATE_DIR, state_path
from hemispasm.errors import HemispasmError

log = get_logger(__name__)


def _clean(v: Any) -> Any:
    """JSON-safe: NaN/inf → None, NumPy scalars → Python."""
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        with contextlib.suppress(ValueError, TypeError):
            v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def write_state(path: Path, state: dict) -> None:
    """Write a recording's batch state atomically (JSON, no NaN)."""
    from hemispasm._io import write_text_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(_clean(state), sort_keys=True, allow_nan=False) + "\n")


def move_into_place(src: Path, dest: Path, scratch: Path) -> None:
    """Rename the finished folder ``src`` to ``dest``, replacing an older ``dest`` whole."""
    for _ in range(5):
        try:
            os.rename(src, dest)
            return
        except OSError:
            if not dest.exists():
                raise
            old = scratch / f"old-{time.monotonic_ns()}"
            with contextlib.suppress(FileNotFoundError):
                os.rename(dest, old)
            shutil.rmtree(old, ignore_errors=True)
    os.rename(src, dest)


_FAST_EXIT = False


def exit_fast_at_shutdown() -> None:
    """In a worker process, skip interpreter finalization at exit (once registered).

    Once MediaPipe is imported, a process takes 4 s or more to finalise (its native threads
    and static destructors), so Dask's nanny waits and then kills every worker at the end of a
    batch. Everything a task writes is closed before its result is returned, so a worker
    process ends with ``os._exit(0)`` after its other exit handlers. Never in the main process
    (an in-process client in a notebook or a test).
    """
    global _FAST_EXIT
    import multiprocessing

    if _FAST_EXIT or multiprocessing.current_process().name == "MainProcess":
        return
    import atexit

    atexit.register(os._exit, 0)  # after the worker has closed; later exit handlers skipped
    _FAST_EXIT = True


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_task(spec: dict) -> dict:
    """Analyse one recording (a batch task). Never raises for a bad recording: returns
    ``{"status": "failed", "row": ...}`` with the one-line reason instead.

    ``spec`` holds ``out_dir``, ``recording`` (a :class:`~hemispasm.batch.plan.Recording` as a
    dict), ``task_key``, ``params``, ``model``, ``segments``.
    """
    from hemispasm.pipeline import run_recording
    from hemispasm.video import pool

    pool.enable()
    exit_fast_at_shutdown()
    out = Path(spec["out_dir"])
    rec = spec["recording"]
    rid = rec["recording_id"]
    params = spec["params"]
    scratch = out / STATE_DIR / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{rid}.", dir=scratch))
    t0 = time.perf_counter()
    try:
        res = run_recording(
            rec["source"],
            work / "out",
            kind=rec["kind"],
            fps=rec["fps"],
            model=spec.get("model"),
            write_csv=params.get("write_csv", False),
            max_workers=spec.get("segments", 1),
            max_faces=params.get("max_faces", 2),
        )
        row = cohort_row(
            rec, task_key=spec["task_key"], params=params, summary=res.summary, kind=rec["kind"]
        )
        events = _clean(res.events.to_dict("records"))
        move_into_place(work / "out", out / rid, scratch)
        write_state(
            state_path(out, rid),
            {"task_key": spec["task_key"], "status": "ok", "row": row, "events": events},
        )
        n_frames = (res.summary.get("signals_meta") or {}).get("n_frames", 0)
        log.info("recording %s done in %.1f s", rid, time.perf_counter() - t0)
        return {
            "status": "ok",
            "row": _clean(row),
            "events": events,
            "n_frames": int(n_frames or 0),
            "seconds": time.perf_counter() - t0,
            "peak_rss_mb": peak_rss_mb(),
            "pid": os.getpid(),
        }
    except HemispasmError as exc:  # the input's own problem: the same input fails the same way
        reason, remember = exc.one_line(), True
    except Exception as exc:  # a bug or a library failure must not stop the cohort
        log.exception("recording %s failed", rid)
        reason = f"{rec['source']}: unexpected error ({exc.__class__.__name__}: {exc})."
        remember = False  # may be transient: tried again by the next run
    finally:
        shutil.rmtree(work, ignore_errors=True)
    row = cohort_row(rec, task_key=spec["task_key"], params=params, error=reason, kind=rec["kind"])
    if remember:
        write_state(
            state_path(out, rid),
            {"task_key": spec["task_key"], "status": "failed", "row": row, "events": []},
        )
    return {
        "status": "failed",
        "row": _clean(row),
        "events": [],
        "n_frames": 0,
        "seconds": time.perf_counter() - t0,
        "peak_rss_mb": peak_rss_mb(),
        "pid": os.getpid(),
    }
