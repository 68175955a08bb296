"""CLI of :mod:`hemispasm.registry.cohort`: ``hemispasm cohort``.

Thin shell: one call into :func:`hemispasm.registry.cohort_query.cohort_report`.
"""

from __future__ import annotations

import json
from typing import Any

import typer

DB_HELP = "Database URL or SQLite file (default: $HEMISPASM_DB_URL, else the user data folder)."


def _say(text: str) -> None:
    from hemispasm.cli._common import console

    console.print(text, highlight=False, soft_wrap=True, markup=False)


def _dist(title: str, d: dict[str, Any]) -> str:
    q = d.get("quantiles")
    tail = f", median {q['median']:g} {d['unit']} (IQR {q['p25']:g}-{q['p75']:g})" if q else ""
    return f"{title}: n {d['n']['text']}{tail}"


def _counts(title: str, c: dict[str, Any]) -> str:
    cells = ", ".join(f"{x['label']} {x['text']}" for x in c["cells"])
    return f"{title} (n {c['n']['text']} {c['unit']}): {cells}"


def cohort_cmd(
    db: str | None = typer.Option(None, "--db", help=DB_HELP, show_default=False),
    side: str = typer.Option("", "--side", help="left, right or bilateral (default: all)."),
    sex: str = typer.Option("", "--sex", help="female, male or other (default: all)."),
    synthetic: str = typer.Option("", "--synthetic", help="yes or no (default: both)."),
    treatment: str = typer.Option("", "--treatment", help="toxin, mvd or drugs (default: all)."),
    onset: str = typer.Option(
        "", "--onset", help="Onset age band: 0-29, 30-44, 45-59, 60-74, 75+."
    ),
    min_cell: int = typer.Option(5, "--min-cell", help="Counts under this are shown as '< N'."),
    csv_out: str | None = typer.Option(
        None, "--csv", help="Also write the aggregates as CSV to this file.", show_default=False
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Pseudonymised distributions over the registry (aggregates only; small counts hidden)."""
    from hemispasm.registry.cohort import parse_filter
    from hemispasm.registry.cohort_query import cohort_report

    out = cohort_report(
        db,
        filters=parse_filter(
            side=side, sex=sex, synthetic=synthetic, treatment=treatment, onset=onset
        ),
        min_cell=min_cell,
        csv_out=csv_out,
    )
    if as_json:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    lines = [f"cohort: {out['n_patients']['text']} of {out['registry_patients']} patients"]
    if out["registry_synthetic"]:
        lines.append(
            f"SYNTHETIC: the registry holds {out['registry_synthetic']} synthetic patients; "
            f"{out['synthetic_in_selection']['text']} in this selection"
        )
    lines.append(_counts("side and sex", out["side_sex"]))
    lines.append(_dist("age at onset", out["onset_age"]))
    lines.append(_dist("latest video spasm rate", out["spasm_rate"]))
    lines += [_dist(f"latest {d['key']}", d) for d in out["scales"]]
    lines.append(_counts("waning toxin response", out["waning"]))
    lines.append(_dist("weeks between sessions", out["interval_weeks"]))
    lines += [_dist(f"benefit weeks, {d['key']}", d) for d in out["benefit_weeks"]]
    lines += [_dist(f"units per session, {d['key']}", d) for d in out["units"]]
    lines.append(_counts("MVD outcome", out["mvd_outcome"]))
    lines.append(_counts("MVD complications", out["mvd_complications"]))
    lines.append(f"counts from 1 to {out['min_cell'] - 1} are shown as '< {out['min_cell']}'")
    if csv_out:
        lines.append(f"wrote {csv_out}")
    for line in lines:
        _say(line)


def register(app: typer.Typer) -> None:
    """Add ``cohort`` to ``app``."""
    app.command("cohort")(cohort_cmd)
