"""The Dask edge of ``hemispasm batch``: plan, skip what is done, run the rest, write the cohort.

``local`` starts a :class:`distributed.LocalCluster` of worker processes with one thread each,
bound to 127.0.0.1, dashboard off unless asked; an address (``tcp://host:8786``) uses a running
cluster as it is (SLURM through dask-jobqueue, Kubernetes through dask-kubernetes: docs/batch.md).
The cluster is started only when something is left to do, so a finished cohort reruns in a
fraction of a second plus the time to hash new or changed inputs.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hemispasm import _fsio
from hemispasm._io import atomic_path, ensure_out_dir, write_text_atomic
from hemispasm._log import get_logger
from hemispasm.batch import cohort as cohort_mod
from hemispasm.batch.plan import (
    STATE_DIR,
    BatchParams,
    Recording,
    assign_ids,
    discover,
    is_emg,
    load_done,
    read_manifest,
)
from hemispasm.errors import HemispasmError, InputError, OutputError

log = get_logger(__name__)

#: ``progress(stage, done, total)``; stages ``"hashing"`` and ``"recordings"``.
BatchProgress = Callable[[str, int, int], None]
HASH_THREADS = 8


@dataclass
class BatchResult:
    """What a batch did (counts for the closing line, the cohort table, timing, memory)."""

    out_dir: Path
    succeeded: int = 0
    skipped: int = 0
    failed: int = 0
    known_failed: int = 0  # failed in an earlier run with the same key (not tried again)
    duplicates: int = 0
    cohort: object = None  # pandas DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    elapsed_s: float = 0.0
    frames: int = 0
    worker_peak_rss_mb: dict[int, float] = field(default_factory=dict)
    registry: object = None  # hemispasm.batch.registry.RegistryStore with --registry

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not (self.registry is not None and self.registry.errors)

    def closing_line(self) -> str:
        known = f" ({self.known_failed} as in the last run)" if self.known_failed else ""
        return (
            f"{self.succeeded} succeeded, {self.skipped} skipped (already done), "
            f"{self.failed} failed{known}; cohort in {self.out_dir}"
        )


# ------------------------------------------------------------------ hashing (client side)
def _hash_one(source: str, cache: dict) -> tuple[str | None, str | None]:
    """(sha256, None) or (None, one-line reason); reuses the cache when size and mtime match."""
    try:
        stamp = _stamp(source)
        hit = cache.get(source)
        if stamp is not None and hit and hit.get("stamp") == stamp:
            return hit["sha256"], None
        digest = _fsio.sha256(source)
        if stamp is not None:
            cache[source] = {"stamp": stamp, "sha256": digest}
        return digest, None
    except HemispasmError as exc:
        return None, exc.one_line()
    except OSError as exc:
        return None, f"{source}: cannot read the file ({exc})."


def _stamp(source: str) -> list | None:
    lp = _fsio.local_path(source)
    if lp is None:
        return None  # remote objects are hashed every run (their mtime is not always given)
    if not lp.is_file():
        return None  # sha256 then says what is wrong
    st = lp.stat()
    return [st.st_size, st.st_mtime_ns]


def hash_all(
    recs: list[Recording], state: Path, progress: BatchProgress | None
) -> list[tuple[Recording, str | None]]:
    """Hash every input (threads; streamed), keeping a size/mtime cache in the state folder."""
    cache_file = state / "hashes.json"
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        cache = {}
    out: list[tuple[Recording, str | None]] = []
    with ThreadPoolExecutor(HASH_THREADS, thread_name_prefix="hemispasm-hash") as pool:
        for i, (rec, (digest, err)) in enumerate(
            zip(recs, pool.map(lambda r: _hash_one(r.source, cache), recs), strict=True)
        ):
            out.append((rec.model_copy(update={"input_sha256": digest}), err))
            if progress:
                progress("hashing", i + 1, len(recs))
    write_text_atomic(cache_file, json.dumps(cache, sort_keys=True))
    return out


# ------------------------------------------------------------------ the cluster
@contextlib.contextmanager
def open_client(
    scheduler: str, workers: int | None, *, dashboard: bool = False, slurm: dict | None = None
):
    """A Dask client on a new LocalCluster (``local``), on SLURM jobs (``slurm``, dask-jobqueue;
    ``slurm`` holds ``jobs`` and the options of :func:`hemispasm.batch.clusters.slurm_cluster`)
    or on a running scheduler (an address).

    Yields ``(client, segments)``: ``segments`` is how many parallel segments a long video may
    use inside its task so that workers x segments never exceed the cores.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        from hemispasm.errors import MissingDependencyError

        raise MissingDependencyError(
            "hemispasm batch needs dask[distributed]",
            hint="install it with: pip install 'hemispasm[batch]'",
        ) from exc
    if not log.isEnabledFor(logging.INFO):  # Dask's own chatter only with --verbose
        logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler == "local":
        cores = os.cpu_count() or 1
        n = max(1, int(workers or cores))
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:8787" if dashboard else None,
            silence_logs=logging.ERROR if log.isEnabledFor(logging.INFO) else logging.CRITICAL,
        )
        client = Client(cluster)
        try:
            yield client, max(1, cores // n)
        finally:
            client.close()
            cluster.close()
        return
    if scheduler == "slurm":
        from hemispasm.batch.clusters import slurm_cluster

        opts = dict(slurm or {})
        jobs = int(opts.pop("jobs", 1) or 1)
        cluster = slurm_cluster(**opts)
        cluster.scale(jobs=jobs)
        client = Client(cluster)
        try:
            yield client, 1
        finally:
            client.close()
            cluster.close()
        return
    if "://" not in scheduler:
        raise InputError(
            f"--scheduler must be 'local', 'slurm' or an address like tcp://host:8786, "
            f"not {scheduler!r}",
            hint="e.g. --scheduler tcp://127.0.0.1:8786",
        )
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler ({exc.__class__.__name__})",
            path=scheduler,
            hint="check the address and that the scheduler is running",
        ) from exc
    try:
        yield client, 1  # another machine's cores are unknown here: one segment per task
    finally:
        client.close()


# ------------------------------------------------------------------ the batch
@contextlib.contextmanager
def _lock(state: Path):
    state.mkdir(parents=True, exist_ok=True)
    fh = open(state / "lock", "w")  # noqa: SIM115 (closed below)
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise OutputError(
                "another hemispasm batch is writing this folder",
                path=state.parent,
                hint="wait for it to finish or choose another --out",
            ) from exc
        yield
    finally:
        fh.close()


def _clean_scratch(state: Path) -> None:
    scratch = state / "tmp"
    if scratch.is_dir():
        for p in scratch.iterdir():
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def collect_recordings(
    inputs: list[str], manifest: str | None, fps: float | None
) -> tuple[list[Recording], list[str]]:
    """The manifest's rows and the inputs' files; error when there is nothing to analyse."""
    recs: list[Recording] = []
    skipped: list[str] = []
    if manifest:
        recs += read_manifest(manifest)
    if inputs:
        found, skipped = discover(list(inputs), fps=fps)
        recs += found
    if not recs:
        raise InputError(
            "no recording to analyse",
            hint="give video files, folders, per-frame tables or --manifest FILE",
        )
    for s in skipped:
        log.info("not a recording hemispasm batch takes from a folder: %s", _fsio.suffix_of(s))
    return recs, skipped


def run_batch(
    inputs: list[str],
    out_dir: str | Path,
    *,
    manifest: str | None = None,
    scheduler: str = "local",
    workers: int | None = None,
    fps: float | None = None,
    model: str | Path | None = None,
    max_faces: int = 2,
    write_csv: bool = False,
    dashboard: bool = False,
    retry_failed: bool = False,
    slurm: dict | None = None,
    client=None,
    progress: BatchProgress | None = None,
    registry: bool = False,
    registry_url: str | None = None,
) -> BatchResult:
    """Analyse a cohort: every recording to ``out_dir/<recording_id>/``, then the cohort files.

    Parameters
    ----------
    inputs : list of str
        Files and folders (recursive), paths or fsspec URLs.
    out_dir : str or Path
        Output folder (local or shared by all workers).
    manifest : str, optional
        CSV or Parquet manifest (see :func:`hemispasm.batch.plan.read_manifest`).
    scheduler : str
        ``local``, ``slurm`` (jobs submitted through dask-jobqueue, options in ``slurm``) or a
        Dask scheduler address.
    workers : int, optional
        Worker processes of the local cluster (default: one per core).
    retry_failed : bool
        Analyse again the recordings that failed in an earlier run for a reason of their own.
    client : distributed.Client, optional
        Use this client instead (tests, notebooks); ``scheduler`` is then ignored.
    progress : callable, optional
        ``progress(stage, done, total)``.
    registry : bool
        Also store every analysed recording in the registry at ``registry_url``
        (:mod:`hemispasm.batch.registry`; the manifest's ``patient`` column names each one's
        patient). Checked before anything runs.
    registry_url : str, optional
        The registry (default: as ``hemispasm registry``).

    Returns
    -------
    BatchResult
        ``ok`` is False when a recording failed (its reason is in ``errors.csv``).
    """
    t0 = time.perf_counter()
    if client is None and scheduler not in ("local", "slurm") and "://" not in scheduler:
        raise InputError(
            f"--scheduler must be 'local', 'slurm' or an address like tcp://host:8786, "
            f"not {scheduler!r}",
            hint="e.g. --scheduler tcp://127.0.0.1:8786",
        )
    recs, _ = collect_recordings(list(inputs), manifest, fps)
    if registry:
        from hemispasm.batch.registry import check_targets

        check_targets(recs, registry_url)
    out = ensure_out_dir(out_dir)  # only once the inputs are known good (issue 10, item 16)
    state = out / STATE_DIR
    needs_model = any(not is_emg(r) for r in recs)
    model_path = model_sha = None
    if needs_model:
        from hemispasm.video.model import MODEL_SHA256, resolve_model

        model_path, model_sha = str(resolve_model(model)), MODEL_SHA256
    params = BatchParams(max_faces=max_faces, write_csv=write_csv, model_sha256=model_sha)
    pdict = params.model_dump()
    result = BatchResult(out_dir=out)
    with _lock(state):
        _clean_scratch(state)
        hashed = hash_all(recs, state, progress)
        rows: list[dict] = []
        events: dict[str, list[dict]] = {}
        good = [r for r, err in hashed if err is None]
        for r, err in hashed:
            if err is not None:
                d = r.model_dump()
                d["recording_id"] = r.recording_id
                rows.append(
                    cohort_mod.cohort_row(d, task_key="", params=pdict, error=err, kind=r.kind)
                )
        good, dups = assign_ids(good)
        for _r, rid in dups:
            log.warning("an input has the same content as recording %s: analysed once", rid)
        result.duplicates = len(dups)
        todo: list[tuple[Recording, str]] = []
        for r in good:
            key = r.key(params)
            done = load_done(out, r, key, retry_failed=retry_failed)
            if done is not None:
                rows.append(done["row"])
                if done.get("status") == "failed":
                    result.known_failed += 1
                else:
                    events[r.recording_id] = done.get("events", [])
                    result.skipped += 1
            else:
                todo.append((r, key))
        if todo:
            own = client is None
            ctx = open_client(scheduler, workers, dashboard=dashboard, slurm=slurm) if own else None
            try:
                if own:
                    cl, segments = ctx.__enter__()
                else:
                    cl, segments = client, 1
                _run_todo(
                    cl, todo, out, pdict, model_path, segments, rows, events, result, progress
                )
            except BaseException as exc:
                if ctx is not None:
                    ctx.__exit__(type(exc), exc, exc.__traceback__)
                    ctx = None
                _clean_scratch(state)
                raise
            finally:
                if ctx is not None:
                    ctx.__exit__(None, None, None)
        result.failed = sum(1 for r in rows if r.get("status") == "failed")
        _write_cohort(out, state, rows, events, result)
    if registry:
        from hemispasm.batch.registry import store_rows

        result.registry = store_rows(rows, out, registry_url)
    result.elapsed_s = time.perf_counter() - t0
    return result


def _run_todo(client, todo, out, pdict, model_path, segments, rows, events, result, progress):
    from distributed import as_completed

    specs = []
    for r, key in todo:
        specs.append(
            (
                f"hemispasm-recording-{key[:40]}",
                {
                    "out_dir": str(out),
                    "recording": r.model_dump(),
                    "task_key": key,
                    "params": pdict,
                    "model": model_path,
                    "segments": segments,
                },
            )
        )
    # longest first (by file size) so the last task to start is a short one
    specs.sort(key=lambda ks: -_size(ks[1]["recording"]["source"]))
    from hemispasm.batch.worker import run_task

    futures = {client.submit(run_task, spec, key=k, pure=False): spec for k, spec in specs}
    if progress:
        progress("recordings", 0, len(futures))
    for done, fut in enumerate(as_completed(futures), start=1):
        spec = futures[fut]
        try:
            res = fut.result()
        except Exception as exc:  # the worker died (killed, out of memory) or was lost
            rec = spec["recording"]
            reason = (
                f"{rec['source']}: the worker analysing it stopped "
                f"({exc.__class__.__name__}); run the batch again to retry it."
            )
            res = {
                "status": "failed",
                "row": cohort_mod.cohort_row(
                    rec, task_key=spec["task_key"], params=pdict, error=reason, kind=rec["kind"]
                ),
                "events": [],
            }
        rows.append(res["row"])
        if res["status"] == "ok":
            result.succeeded += 1
            events[res["row"]["recording_id"]] = res["events"]
            result.frames += res.get("n_frames", 0)
        if "pid" in res:
            pid = res["pid"]
            result.worker_peak_rss_mb[pid] = max(
                result.worker_peak_rss_mb.get(pid, 0.0), res["peak_rss_mb"]
            )
        if progress:
            progress("recordings", done, len(futures))


def _size(source: str) -> int:
    lp = _fsio.local_path(source)
    try:
        return lp.stat().st_size if lp is not None else 0
    except OSError:
        return 0


def _write_cohort(out: Path, state: Path, rows, events, result: BatchResult) -> None:
    """cohort.parquet, events.parquet, errors.csv, cohort.html (each atomically); skipped when
    the same recordings with the same keys and statuses were written last time."""
    table = cohort_mod.cohort_table(rows)
    result.cohort = table
    names = ("cohort.parquet", "events.parquet", "errors.csv", "cohort.html")
    result.files = {n: out / n for n in names}
    fingerprint = json.dumps(
        sorted(
            (str(r.get("recording_id")), r.get("task_key"), r.get("status"), r.get("path"))
            for r in rows
        )
    )
    fp_file = state / "cohort.fingerprint"
    same = fp_file.is_file() and fp_file.read_text(encoding="utf-8") == fingerprint
    if same and all((out / n).is_file() for n in names):
        return
    ev = cohort_mod.events_table(events)
    with atomic_path(out / "cohort.parquet") as tmp:
        table.to_parquet(tmp, index=False)
    with atomic_path(out / "events.parquet") as tmp:
        ev.to_parquet(tmp, index=False)
    with atomic_path(out / "errors.csv") as tmp:
        cohort_mod.errors_table(rows).to_csv(tmp, index=False)
    from hemispasm.batch.report import cohort_html

    write_text_atomic(out / "cohort.html", cohort_html(table, ev))
    write_text_atomic(fp_file, fingerprint)
