"""CLI: ``hemispasm validate-ear`` (event detection on real EAR series with injected spasms)."""

from __future__ import annotations

from pathlib import Path

import typer

from hemispasm.cli._common import say


def validate_ear_cmd(
    series: list[Path] = typer.Argument(None, help="JeFaPaTo EAR CSVs (default: the shared two)."),
    fps: list[float] = typer.Option(None, "--fps", help="Frame rate of each series, in order."),
    seeds: int = typer.Option(50, "--seeds", min=1, help="Injection seeds per series."),
    out: Path = typer.Option(None, "--out", help="Also write the table into this markdown file."),
    faint: bool = typer.Option(
        True, "--faint/--no-faint", help="Also inject faint (10-30 %) spasms, scored apart."
    ),
) -> None:
    """Inject one-sided spasms into real EAR series; score hemispasm against a naive detector."""
    import os

    from hemispasm._io import check_out_file, write_text_atomic
    from hemispasm.errors import InputError
    from hemispasm.events.validation import FAINT_DEPTH, scores_markdown, validate
    from hemispasm.signals_io import read_ear_table

    if not series:
        root = Path(os.environ.get("HEMISPASM_SHARED", "../shared")) / "data" / "ear"
        series = [root / "blinking_240fps_60s.csv", root / "ear_30fps_1min.csv"]
        fps = [240.0, 30.0]
    if not fps or len(fps) != len(series):
        raise InputError("give one --fps per series, in order", path=series[0])
    if out is not None:
        check_out_file(out)  # before the long work
    tables = [(read_ear_table(p, fps=f), float(f)) for p, f in zip(series, fps, strict=True)]
    scores = validate(tables, seeds=seeds)
    weak = (
        validate(tables, seeds=seeds, depth=FAINT_DEPTH, label=" (faint)", before=True)
        if faint
        else None
    )
    text = scores_markdown(scores, seeds=seeds, names=[p.name for p in series], faint=weak)
    say(text)
    if out is not None:
        write_text_atomic(out, text)


def protocol_cmd(
    json_out: Path = typer.Option(
        None, "--json", help="Also write the protocol as JSON into this file (new)."
    ),
) -> None:
    """Print the standard provocation protocol (tasks, durations, why each is there)."""
    from hemispasm.events.tasks import write_protocol_json

    say(write_protocol_json(json_out))


def register(app: typer.Typer) -> None:
    """Add ``validate-ear`` and ``protocol``."""
    app.command("validate-ear")(validate_ear_cmd)
    app.command("protocol")(protocol_cmd)
