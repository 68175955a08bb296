"""The report in one minute (issue 11) and its safety (issue 10 item 12; privacy)."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
import yaml

from hemispasm.cli import main
from hemispasm.clinic import assess, case_from_dict, load_case
from hemispasm.clinic.report import md_escape, render_html, render_markdown, summary_line

HERE = Path(__file__).resolve().parent
VIGNETTES = sorted((HERE / "vignettes").glob("*.yaml"))
RICH = HERE / "wording" / "rich_report.yaml"
SECTIONS = [
    "1. Act first: red flags and required actions",
    "2. Leading diagnosis",
    "3. Work-up",
    "4. Treatment",
    "5. Treatment course",
    "6. Details",
]


def _vignette(path: Path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return case_from_dict(doc["case"])


def test_sections_in_the_order_a_clinician_acts():
    a = assess(load_case(RICH))
    md, html = render_markdown(a), render_html(a)
    for text in (md, html):
        where = [text.index(s) for s in SECTIONS]
        assert where == sorted(where)
    # red flags first, each problem once, with its time frame in words
    first = md.index(SECTIONS[0])
    for f in a.red_flags:
        label = getattr(f, "label", "") or f.flag
        assert md.count(f"**{md_escape(label)}**") == 1
        assert first < md.index(md_escape(label), first) < md.index(SECTIONS[1])
        if getattr(f, "time_frame", ""):
            assert md_escape(f.time_frame) in md


def test_waning_comes_first_in_the_course_and_in_the_cli_line(tmp_path, capsys):
    a = assess(load_case(RICH))
    assert a.treatment_course.waning
    md = render_markdown(a)
    course = md[md.index(SECTIONS[4]) :]
    assert course.index("WANING") < course.index("| # |")
    assert "toxin course:" in summary_line(a)
    assert main(["assess", str(RICH), "--out", str(tmp_path / "o")]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert "toxin course: waning" in line and "leading: Hemifacial spasm" in line


@pytest.mark.parametrize("path", [*VIGNETTES, RICH], ids=lambda p: p.stem)
def test_no_none_no_identifiers_units_on_every_dose(path):
    case = load_case(path) if path == RICH else _vignette(path)
    a = assess(case)
    md, html = render_markdown(a), render_html(a)
    for text in (md, html):
        assert not re.search(r"\bNone\b", text), path.name
        assert "nan" not in re.findall(r"\b\w+\b", text.lower()), path.name
    head = md[: md.index(SECTIONS[5])]
    if "_" in a.leading_diagnosis:  # the identifier never shows before the details
        assert a.leading_diagnosis not in head, path.name
    # every dose in the course table carries its unit
    course = md[md.index(SECTIONS[4]) : md.index(SECTIONS[5])]
    for row in re.findall(r"^\| \d+ \| (.+)$", course, flags=re.M):
        cells = [c.strip() for c in row.split("|")]
        dose = cells[2]
        assert (
            re.search(r"\b(U|mg/day)\b", dose)
            or "not recorded" in dose
            or dose
            in (
                "surgery",
                "no dose",
            )
        ), (path.name, dose)


def test_the_report_renders_when_newer_fields_are_absent():
    from hemispasm.clinic.assess import RedFlag

    a = assess(_vignette(HERE / "vignettes" / "08_head_neck_mass.yaml"))
    bare = [
        RedFlag.model_construct(
            flag=f.flag, urgency=f.urgency, action=f.action, rule=f.rule, source=f.source
        )
        for f in a.red_flags
    ]
    old = a.model_copy(update={"red_flags": bare})
    for name in ("leading_label", "likelihood_label", "summary", "interpretations"):
        if name in type(old).model_fields:
            object.__setattr__(old, name, None)
    md = render_markdown(old)
    assert SECTIONS[0] in md and md_escape(bare[0].flag) in md
    assert not re.search(r"\bNone\b", md)


HOSTILE = "<script>alert(1)</script>[click](javascript:alert(1)) *x* | <img src=x onerror=alert(2)>"


def test_user_strings_are_escaped_in_markdown_and_html(tmp_path):
    p = tmp_path / "case.yaml"
    p.write_text(
        yaml.safe_dump(
            {
                "case_id": HOSTILE,
                "side": "left",
                "first_muscle": "orbicularis_oculi",
                "treatments": [
                    {"type": "botulinum_toxin", "doses": 20, "product": HOSTILE},
                    {"type": "botulinum_toxin", "doses": 20, "product": "Botox"},
                ],
                "video_summary": {
                    "sides": {
                        "left": {
                            "spasms_per_min": 2,
                            "regions": [HOSTILE],
                            "spread_stage": "<b>x</b>",
                        }
                    }
                },
            }
        )
    )
    assert main(["assess", str(p), "--out", str(tmp_path / "o")]) == 0
    md = (tmp_path / "o" / "report.md").read_text()
    html = (tmp_path / "o" / "report.html").read_text()
    for text in (md, html):
        assert "<script" not in text and "<img" not in text
    # Markdown: no link can form and the scheme is broken; HTML: text only, no element
    assert "](javascript:" not in md and "javascript:" not in md
    assert "href" not in html
    assert "&lt;script&gt;" in html and "&lt;script&gt;" in md
    assert "\\[click\\]" in md and "\\*x\\*" in md and "\\|" in md
    assert re.search(r"<a\b", html) is None


def test_identity_never_reaches_any_output_or_log(tmp_path, capsys, caplog):
    name, mrn, born = "Zebulon Quixote", "MRN-7734291", "1968-04-02"
    caplog.set_level(logging.DEBUG, logger="hemispasm")
    out = tmp_path / "o"
    assert main(["assess", str(RICH), "--out", str(out), "--explain"]) == 0
    captured = capsys.readouterr()
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    texts["stdout"], texts["stderr"] = captured.out, captured.err
    texts["log"] = "\n".join(r.getMessage() for r in caplog.records)
    assert set(texts) >= {"assessment.json", "report.md", "report.html", "log"}
    for where, text in texts.items():
        for secret in (name, "Zebulon", "Quixote", mrn, "7734291", born):
            assert secret not in text, (where, secret)
    assert "identity" not in json.loads(texts["assessment.json"])
    assert load_case(RICH).identity.mrn == mrn  # it was read, just never written


def test_identity_absent_from_error_lines(tmp_path, capsys):
    p = tmp_path / "case.yaml"
    p.write_text("identity: {name: Zebulon Quixote, mrn: [MRN-7734291]}\nage: 50\n")
    assert main(["assess", str(p), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "identity.mrn" in err and "Zebulon" not in err and "7734291" not in err


def test_interpretations_are_shown_in_the_report_and_assessment(tmp_path):
    out = tmp_path / "o"
    assert main(["assess", str(RICH), "--out", str(out)]) == 0
    md = (out / "report.md").read_text()
    assert "How the case file was read" in md
    assert md_escape("read 'stress' in 'triggers[0]' as emotional_stress") in md
    a = json.loads((out / "assessment.json").read_text())
    if "interpretations" in a:
        assert "read 'Tegretol' in 'treatments[0].type' as carbamazepine" in a["interpretations"]
