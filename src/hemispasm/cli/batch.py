"""CLI: ``hemispasm batch`` (cohort analysis on Dask; docs/batch.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from hemispasm.cli._common import make_progress, say

#: Failed recordings whose reason is printed (all are in errors.csv).
SHOW_ERRORS = 5


def batch_cmd(
    inputs: list[str] = typer.Argument(
        None,
        metavar="INPUT...",
        help="Files and folders (recursive): videos, per-frame tables; paths or fsspec URLs.",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder of the cohort."),
    manifest: str = typer.Option(
        None,
        "--manifest",
        help="CSV or Parquet: path [, recording_id, kind, fps, group, visit, patient, ...].",
    ),
    scheduler: str = typer.Option(
        "local",
        "--scheduler",
        help="'local' (a cluster on this machine), 'slurm' (jobs via dask-jobqueue) "
        "or the address of a running scheduler, tcp://HOST:8786.",
    ),
    workers: int = typer.Option(
        None, "--workers", min=1, help="Local worker processes (default: one per core)."
    ),
    fps: float = typer.Option(None, "--fps", help="Frame rate of EAR / py-feat tables."),
    model: Path = typer.Option(None, "--model", help="Face model file (face_landmarker.task)."),
    max_faces: int = typer.Option(2, "--max-faces", min=1, max=4, help="Faces to look for."),
    csv: bool = typer.Option(False, "--csv", help="Also write signals.csv per recording."),
    dashboard: bool = typer.Option(
        False, "--dashboard", help="Serve the Dask dashboard on 127.0.0.1:8787."
    ),
    retry_failed: bool = typer.Option(
        False, "--retry-failed", help="Analyse again the recordings that failed last time."
    ),
    jobs: int = typer.Option(1, "--jobs", min=1, help="SLURM jobs to start (--scheduler slurm)."),
    slurm_cores: int = typer.Option(None, "--slurm-cores", min=1, help="Cores per SLURM job."),
    slurm_memory: str = typer.Option(None, "--slurm-memory", help="Memory per job, e.g. 16GB."),
    slurm_walltime: str = typer.Option(None, "--slurm-walltime", help="e.g. 04:00:00."),
    slurm_queue: str = typer.Option(None, "--slurm-queue", help="SLURM partition."),
    slurm_account: str = typer.Option(None, "--slurm-account", help="SLURM account."),
    job_script: bool = typer.Option(
        False, "--job-script", help="Print the SLURM job script and exit (needs no SLURM)."
    ),
    registry: bool = typer.Option(
        False,
        "--registry",
        help="Also store each analysis in the registry (manifest column 'patient': registry ids).",
    ),
    db: str = typer.Option(
        None,
        "--db",
        help="Registry database URL or SQLite file (with --registry; default as `registry`).",
        show_default=False,
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Analyse a cohort on Dask: DIR/<recording_id>/ per recording, cohort.parquet,
    events.parquet, errors.csv, cohort.html. Resumes; a bad file never stops the rest."""
    from hemispasm.batch import run_batch

    slurm = {
        "cores": slurm_cores,
        "memory": slurm_memory,
        "walltime": slurm_walltime,
        "queue": slurm_queue,
        "account": slurm_account,
    }
    if job_script:
        from hemispasm.batch.clusters import slurm_job_script

        typer.echo(slurm_job_script(**slurm))
        return
    bar = make_progress(quiet=quiet)
    tasks: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            bar.start()
            tasks[stage] = bar.add_task(stage, total=total or None)
        bar.update(tasks[stage], completed=done, total=total or None)

    try:
        res = run_batch(
            list(inputs or []),
            out,
            manifest=manifest,
            scheduler=scheduler,
            workers=workers,
            fps=fps,
            model=model,
            max_faces=max_faces,
            write_csv=csv,
            dashboard=dashboard,
            retry_failed=retry_failed,
            slurm={**slurm, "jobs": jobs},
            progress=progress,
            registry=registry,
            registry_url=db,
        )
    finally:
        bar.stop()
    if res.failed:
        reasons = res.cohort.loc[res.cohort["status"] == "failed", "error"].tolist()
        for reason in reasons[:SHOW_ERRORS]:
            say(f"failed: {reason}", err=True, style="red")
        more = f" ({len(reasons) - SHOW_ERRORS} more)" if len(reasons) > SHOW_ERRORS else ""
        say(
            f"{res.failed} recording(s) failed{more}: reasons in {res.files['errors.csv']}",
            err=True,
            style="yellow",
        )
    say(res.closing_line())
    if res.registry is not None:
        for rid, reason in res.registry.errors[:SHOW_ERRORS]:
            say(f"not stored in the registry: recording {rid}: {reason}", err=True, style="red")
        say(res.registry.line())
    if not res.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``batch`` to the root app."""
    app.command("batch")(batch_cmd)
