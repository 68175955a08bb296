"""Thin I/O edge of the clinic: read a case file, assess it, write the outputs atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hemispasm._io import staged_outputs
from hemispasm._log import get_logger
from hemispasm.clinic.assess import Assessment, assess
from hemispasm.clinic.case import load_case
from hemispasm.clinic.report import render_html, render_markdown
from hemispasm.errors import OutputError, ValidationError
from hemispasm.provenance import sha256_file

log = get_logger(__name__)

OUTPUT_FILES = ("assessment.json", "report.md", "report.html")


def read_scale_answers(args: list[str]) -> dict[str, Any]:
    """Scale answers from the command line: one YAML/JSON file, or ``item=value`` pairs.

    Values of pairs are read as YAML scalars (``3`` is a number); the scale checks them.

    Raises
    ------
    hemispasm.errors.HemispasmError
        A missing/bad file, a file that is not a mapping, or an argument that is not key=value.
    """
    import yaml

    from hemispasm.clinic.case import _yaml_loader, read_mapping

    if len(args) == 1 and "=" not in args[0]:
        loaded = read_mapping(args[0], what="answers file")
        if not isinstance(loaded, dict):
            raise ValidationError(
                "the answers file must be a mapping of item to value", path=args[0]
            )
        return loaded
    data: dict[str, Any] = {}
    for pair in args:
        if "=" not in pair:
            raise ValidationError(
                f"'{pair[:40]}' is not key=value", hint="give a file, or pairs like severity=3"
            )
        k, v = pair.split("=", 1)
        try:
            value = yaml.load(v, Loader=_yaml_loader())  # a safe loader
        except yaml.YAMLError:
            value = v
        if isinstance(value, dict | list):
            value = v
        data[k.strip()] = value
    return data


def write_text_file(dest: str | Path, text: str, *, what: str = "file") -> Path:
    """Write one text file atomically (``case template --out``, ``case schema --out``).

    Raises
    ------
    hemispasm.errors.OutputError
        ``dest`` is an existing folder, or its folder does not exist (one line, nothing written).
    """
    from hemispasm._io import write_text_atomic

    p = Path(dest)
    if p.is_dir():
        raise OutputError(
            f"is a folder; --out takes the name of the {what} to write",
            path=p,
            hint=f"give a file name, e.g. {p / 'case.yaml'}" if what == "case file" else None,
        )
    if not p.parent.is_dir():
        raise OutputError(
            "the folder to write into does not exist", path=p.parent, hint="create it first"
        )
    return write_text_atomic(p, text)


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
