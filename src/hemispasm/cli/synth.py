"""CLI commands of ``hemispasm.synth``: ``synth`` and ``demo``."""

from __future__ import annotations

from pathlib import Path

import typer

from hemispasm.cli._common import console, lazy_progress, say

FACE_HELP = "Face photo: 'astronaut', 'hopper' (built in) or the path of a photo."


def synth_cmd(
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (video.mp4, truth.json)."),
    side: str = typer.Option(
        "left", "--side", help="Affected side: left, right or both (subject's; both = bilateral)."
    ),
    stage: int = typer.Option(2, "--stage", min=0, max=4, help="0 (control) to 4."),
    seconds: float = typer.Option(30.0, "--seconds", min=5.0, max=3600.0, help="Length."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed >= 0 (same seed, same video)."),
    face: str = typer.Option("astronaut", "--face", help=FACE_HELP),
    fps: float = typer.Option(30.0, "--fps", min=10.0, max=120.0, help="Frame rate."),
    model: Path = typer.Option(None, "--model", help="Face model file (face_landmarker.task)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace an earlier synthetic video in OUT."
    ),
    onset: str = typer.Option(
        "upper", "--onset", help="upper (typical) or lower (atypical: starts in the lower face)."
    ),
    babinski2: bool = typer.Option(
        None,
        "--babinski2/--no-babinski2",
        help="Eye-closing spasms lift the same-side brow (default: on in stages 2-4).",
    ),
    pattern: str = typer.Option(
        "hfs",
        "--pattern",
        help="hfs, blepharospasm (both eyes together) or expressions (healthy face, no spasm).",
    ),
    protocol: bool = typer.Option(
        False, "--protocol", help="Follow the provocation protocol; also write video.tasks.json."
    ),
) -> None:
    """Generate a SYNTHETIC hemifacial-spasm video with its ground truth."""
    from hemispasm.errors import InputError
    from hemispasm.synth import synth_video

    if side not in ("left", "right", "both"):
        raise InputError(
            f"--side must be 'left', 'right' or 'both', not {side!r}", hint="use --side left"
        )
    if onset not in ("upper", "lower"):
        raise InputError(f"--onset must be 'upper' or 'lower', not {onset!r}")
    if pattern not in ("hfs", "blepharospasm", "expressions"):
        raise InputError(
            f"--pattern must be hfs, blepharospasm or expressions, not {pattern!r}",
            hint="use --pattern hfs",
        )
    with lazy_progress(quiet=quiet) as update:
        res = synth_video(
            out,
            side=side,
            stage=stage,
            seconds=seconds,
            seed=seed,
            face=face,
            fps=fps,
            model=model,
            progress=lambda d, t: update("rendering", d, t),
            overwrite=overwrite,
            onset=onset,
            babinski2=babinski2,
            pattern=pattern,
            protocol=protocol,
        )
    s = res.script
    n_sp = sum(e.is_spasm for e in s.events)
    say(
        f"SYNTHETIC stage {s.stage} ({s.stage_title}), {s.side} side: {n_sp} spasm(s), "
        f"{len(s.events) - n_sp} blink(s) in {s.seconds:g} s\n"
        f"video: {res.video}\ntruth: {res.truth}"
        + (f"\ntasks: {res.video.with_name('video.tasks.json')}" if s.tasks else "")
    )


def demo_cmd(
    out: Path = typer.Option(Path("hemispasm-demo"), "--out", "-o", help="Output folder."),
    seed: int = typer.Option(7, "--seed", min=0, help="Random seed of the synthetic case."),
    face: str = typer.Option("astronaut", "--face", help=FACE_HELP),
    model: Path = typer.Option(None, "--model", help="Face model file (face_landmarker.task)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an earlier demo in OUT."),
) -> None:
    """Generate a 30-s SYNTHETIC stage-2 left-sided case, analyse it, compare with the truth."""
    from hemispasm.synth.demo import run_demo

    with lazy_progress(quiet=quiet) as progress:
        res = run_demo(
            out, seed=seed, face=face, model=model, progress=progress, overwrite=overwrite
        )
    c = res.comparison
    summ = res.analysis.summary
    side = res.synth.script.side
    console.print(_demo_table(c, summ, side))
    say(
        "SYNTHETIC data: a real photograph animated by hemispasm, not a patient. "
        f"Report: {res.files['report']}"
    )


def _demo_table(c, summ, side: str):
    from rich.table import Table

    sd = summ.sides[side]
    table = Table(title="hemispasm demo: truth vs detected (SYNTHETIC)")
    table.add_column("")
    table.add_column("truth", justify="right")
    table.add_column("detected", justify="right")
    table.add_row("spasms", str(c.true_spasms), f"{c.detected_spasms} ({c.matched_spasms} matched)")
    table.add_row("blinks", str(c.true_blinks), f"{c.detected_blinks} ({c.matched_blinks} matched)")
    table.add_row("affected side", str(c.true_side), str(c.estimated_side))
    table.add_row("stage / SMC grade (estimate)", str(c.true_stage), str(c.estimated_stage))
    table.add_row("spasm F1 / blink F1", "", f"{c.f1:.2f} / {c.blink_f1:.2f}")
    table.add_row("regions", "", ", ".join(sd.regions) or "-")
    table.add_row(
        "spasms per minute, % time", "", f"{sd.spasms_per_min:.1f}, {sd.pct_time_in_spasm:.1f}%"
    )
    return table


def register(app: typer.Typer) -> None:
    """Add ``synth`` and ``demo`` to the root app."""
    app.command("synth")(synth_cmd)
    app.command("demo")(demo_cmd)
