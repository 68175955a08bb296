"""CLI: ``hemispasm analyze`` and ``hemispasm models``."""

from __future__ import annotations

from pathlib import Path

import typer

from hemispasm.cli._common import lazy_progress, make_progress, print_warning, say

models_app = typer.Typer(
    help="Find, fetch and check the MediaPipe face model.", no_args_is_help=True
)


def analyze_cmd(
    input_path: str = typer.Argument(
        ...,
        metavar="INPUT",
        help="Video, signals table, or per-frame CSV (JeFaPaTo, OpenFace, py-feat); "
        "a path or an fsspec URL (file://, memory://, s3://).",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder."),
    fps: float = typer.Option(
        None, "--fps", help="Frame rate of an eye-aspect-ratio or py-feat CSV."
    ),
    model: Path = typer.Option(None, "--model", help="Face model file (face_landmarker.task)."),
    csv: bool = typer.Option(False, "--csv", help="Also write signals.csv."),
    landmarks: bool = typer.Option(
        False, "--landmarks", help="Also save raw landmarks (identifying data)."
    ),
    workers: int = typer.Option(
        None,
        "--workers",
        min=1,
        help="Parallel segments (threads; default: one per core if long; at most the cores).",
    ),
    max_faces: int = typer.Option(
        2,
        "--max-faces",
        min=1,
        max=4,
        help="Faces to look for (1 is faster; 2 follows the subject when someone else is in view).",
    ),
    tasks: Path = typer.Option(
        None,
        "--tasks",
        help="Task sidecar of a protocol recording (default: <video>.tasks.json beside it).",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print summary.json to stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace an earlier analysis in OUT (else OUT must be empty)."
    ),
) -> None:
    """Analyse a recording: signals, spasm events, summary and report in OUT (new or empty)."""
    from hemispasm.pipeline import run_recording

    with lazy_progress(quiet=quiet or json_out) as update:  # starts once frames flow
        run = run_recording(
            input_path,
            out,
            fps=fps,
            model=model,
            write_csv=csv,
            landmarks=landmarks,
            workers=workers,
            progress=lambda done, total: update("frames", done, total),
            max_faces=max_faces,
            overwrite=overwrite,
            tasks=tasks,
        )
    result = run.analysis
    if json_out:
        typer.echo(result.files["summary.json"].read_text(encoding="utf-8"))
        return
    if not quiet:
        s = result.signals.meta
        say(
            f"{s.n_frames} frames, face visible {100 * s.face_visible_fraction:.0f}%,"
            f" {len(result.analysis.events)} events" + (" (SYNTHETIC data)" if s.synthetic else "")
        )
        if s.frames_lost:
            print_warning(
                f"{s.frames_lost} of {s.expected_frames} "
                "frames could not be decoded; analysed what decoded"
            )
        say(f"report: {result.files['report.html']}")


@models_app.command("status")
def models_status(model: Path = typer.Option(None, "--model")) -> None:
    """Where the face model would come from, and whether it is verified."""
    from hemispasm.video.model import MODEL_SHA256, model_status

    st = model_status(model)
    say(
        f"source:   {st.source}\npath:     {st.path}\nverified: {st.verified}"
        f"\nsha256:   {MODEL_SHA256}"
    )
    if not st.verified:
        raise typer.Exit(1)


@models_app.command("fetch")
def models_fetch(force: bool = typer.Option(False, "--force", help="Download again.")) -> None:
    """Download the face model into the user cache and verify it."""
    from hemispasm.video.model import fetch_model

    with make_progress() as bar:
        task = bar.add_task("face_landmarker.task", total=None)
        path = fetch_model(
            force=force, progress=lambda d, t: bar.update(task, completed=d, total=t or None)
        )
    say(str(path))


@models_app.command("path")
def models_path(model: Path = typer.Option(None, "--model")) -> None:
    """Print the path of a verified face model (fetching it if needed)."""
    from hemispasm.video.model import resolve_model

    typer.echo(str(resolve_model(model)))


def register(app: typer.Typer) -> None:
    """Add ``analyze`` and ``models`` to the root app."""
    app.command("analyze")(analyze_cmd)
    app.add_typer(models_app, name="models")
