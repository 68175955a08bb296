"""Thin I/O edge of the clinic: read a case file, assess it, write the outputs atomically."""

from __future__ import annotations

from pathlib import Path

from hemispasm._io import staged_outputs
from hemispasm._log import get_logger
from hemispasm.clinic.assess import Assessment, assess
from hemispasm.clinic.case import load_case
from hemispasm.clinic.report import render_html, render_markdown
from hemispasm.errors import ValidationError
from hemispasm.provenance import sha256_file

log = get_logger(__name__)

OUTPUT_FILES = ("assessment.json", "report.md", "report.html")


def write_assessment(assessment: Assessment, out_dir: str | Path) -> dict[str, Path]:
    """Write assessment.json, report.md and report.html together (all or nothing)."""
    with staged_outputs(out_dir) as stage:
        (stage / "assessment.json").write_text(
            assessment.model_dump_json(indent=2, by_alias=True) + "\n", encoding="utf-8"
        )
        (stage / "report.md").write_text(render_markdown(assessment), encoding="utf-8")
        (stage / "report.html").write_text(render_html(assessment), encoding="utf-8")
    out = Path(out_dir)
    return {name: out / name for name in OUTPUT_FILES}


def assess_file(
    case_path: str | Path,
    out_dir: str | Path | None = None,
    *,
    video_summary: str | Path | None = None,
) -> Assessment:
    """Load a case file, assess it and (when ``out_dir`` is given) write the outputs.

    Logs file names and counts only, never case content.
    """
    case = load_case(case_path)
    try:
        a = assess(
            case,
            video_summary=video_summary,
            input_name=Path(case_path).name,
            input_sha256=sha256_file(case_path),
        )
    except ValidationError as exc:
        if exc.path is not None:
            raise
        raise ValidationError(exc.message, path=case_path, hint=exc.hint) from None
    log.info(
        "assessed %s: %d red flag(s), %d rule(s) fired",
        Path(case_path).name,
        len(a.red_flags),
        len(a.rules_fired),
    )
    if out_dir is not None:
        write_assessment(a, out_dir)
    return a
