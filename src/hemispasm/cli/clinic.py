"""CLI commands of ``hemispasm.clinic``: ``assess``, ``scale``, ``case schema``, ``case template``.

Thin shell: each command is one call into :mod:`hemispasm.clinic` (imported inside the command so
the CLI stays light).
"""

from __future__ import annotations

from pathlib import Path

import typer

case_app = typer.Typer(
    name="case",
    help="Case files: print the JSON Schema or a commented template.",
    no_args_is_help=True,
)


def assess_cmd(
    case: Path = typer.Argument(..., help="Case file (YAML or JSON)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder."),
    explain: bool = typer.Option(False, "--explain", help="Print every rule that fired."),
    video_summary: Path | None = typer.Option(
        None,
        "--video-summary",
        help="summary.json from `hemispasm analyze` (fills measured fields).",
    ),
) -> None:
    """Assess a clinical case: HFS likelihood, differential, red flags, work-up, treatment.

    Writes OUT/assessment.json, OUT/report.md and OUT/report.html. Decision support for a
    clinician; hemispasm does not diagnose or prescribe.
    """
    from hemispasm.cli._common import console
    from hemispasm.clinic.io import assess_file
    from hemispasm.clinic.report import summary_line

    a = assess_file(case, out, video_summary=video_summary)
    console.print(summary_line(a), highlight=False, soft_wrap=True, markup=False)
    if a.workup:
        console.print(
            "work-up: " + "; ".join(w.test for w in a.workup),
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    if explain:
        for r in a.rules_fired:
            console.print(
                f"{r.id}: IF {r.condition} THEN {r.conclusion} [{r.source}]",
                highlight=False,
                soft_wrap=True,
                markup=False,
            )
    console.print(
        f"wrote {out / 'assessment.json'}, report.md, report.html", highlight=False, markup=False
    )


def scale_cmd(
    name: str = typer.Argument(..., help="jankovic, smc, cohen_albert or hfs7."),
    answers: list[str] = typer.Argument(
        None, help="A YAML/JSON file of answers, or key=value pairs (e.g. severity=3 frequency=2)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the score as JSON."),
) -> None:
    """Score a rating scale or questionnaire exactly as published."""
    from hemispasm.cli._common import console
    from hemispasm.clinic.io import read_scale_answers
    from hemispasm.clinic.scales import score_scale

    data = read_scale_answers(answers or [])
    s = score_scale(name, data)
    if as_json:
        typer.echo(s.model_dump_json(indent=2))
    else:
        console.print(
            f"{s.title}: [bold]{s.total:g}[/] (range {s.total_range[0]:g}-"
            f"{s.total_range[1]:g}) — {s.interpretation}",
            highlight=False,
            soft_wrap=True,
        )


@case_app.command("schema")
def case_schema_cmd(
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the schema to this file."),
) -> None:
    """Print (or write) the JSON Schema of a case file."""
    import json

    from hemispasm.clinic.case import case_json_schema
    from hemispasm.clinic.io import write_text_file

    text = json.dumps(case_json_schema(), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_text_file(out, text, what="schema file")


@case_app.command("template")
def case_template_cmd(
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the template to this file."),
) -> None:
    """Print (or write) a commented example case file (YAML)."""
    from hemispasm.clinic.case import case_template
    from hemispasm.clinic.io import write_text_file

    text = case_template()
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_text_file(out, text, what="case file")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("assess")(assess_cmd)
    app.command("scale")(scale_cmd)
    app.add_typer(case_app, name="case")
