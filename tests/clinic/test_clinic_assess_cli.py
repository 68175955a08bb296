"""`hemispasm assess`: outputs, --explain, the report and the video summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hemispasm.cli import main
from hemispasm.clinic import apply_video_summary, case_from_dict

VIGNETTES = Path(__file__).parent / "vignettes"
CASE = """\
case_id: CLI1
age: 58
side: left
first_muscle: orbicularis_oculi
spread_to: [zygomaticus, orbicularis_oris]
spasm_type: both
facial_weakness: false
hearing_loss: true
emg_lsr: present
treatments:
  - {type: botulinum_toxin, date: 2024-01-01, doses: 20, benefit_weeks: 16}
  - {type: botulinum_toxin, date: 2024-05-01, doses: 20, benefit_weeks: 9}
"""


@pytest.fixture
def case_file(tmp_path):
    p = tmp_path / "case.yaml"
    p.write_text(CASE)
    return p


def test_assess_writes_json_and_reports(case_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["assess", str(case_file), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["assessment.json", "report.html", "report.md"]
    a = json.loads((out / "assessment.json").read_text())
    assert a["hfs_likelihood"] in ("insufficient_data", "low", "possible", "probable", "typical")
    for item in a["differential"]:
        assert set(item) >= {"condition", "rank", "for", "against"}
    assert [d["rank"] for d in a["differential"]] == list(range(1, len(a["differential"]) + 1))
    assert a["red_flags"] and set(a["red_flags"][0]) >= {"flag", "urgency", "action"}
    assert any("MRI" in w["test"] for w in a["workup"])
    assert a["treatment_options"] and a["rules_fired"] and "not diagnose" in a["disclaimer"]
    assert a["provenance"]["input_name"] == "case.yaml" and a["provenance"]["input_sha256"]
    assert a["treatment_course"]["waning"] is True
    html = (out / "report.html").read_text()
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "hearing loss" in html and "because" in html
    md = (out / "report.md").read_text()
    assert "Discuss MVD because" in md and "R.hearing_loss" in md
    stdout = capsys.readouterr().out
    # the summary line is in words (issue 11), with the waning verdict of the toxin course
    assert "Hemifacial spasm" in stdout and "hemifacial_spasm" not in stdout
    assert "R.hearing_loss" not in stdout and "toxin course:" in stdout


def test_explain_prints_fired_rules(case_file, tmp_path, capsys):
    assert main(["assess", str(case_file), "--out", str(tmp_path / "o"), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "R.hearing_loss: IF hearing_loss is present THEN" in out
    assert "[zeiler2015]" in out


def test_video_summary_option_fills_and_reports_disagreement(tmp_path, capsys):
    summ = tmp_path / "summary.json"
    summ.write_text(
        json.dumps(
            {
                "provenance": {"synthetic": True},
                "per_side": [
                    {
                        "side": "right",
                        "spasms_per_minute": 4.0,
                        "n_clonic": 9,
                        "n_tonic": 0,
                        "regions_involved": ["orbicularis_oculi", "zygomaticus"],
                    },
                    {"side": "left", "spasms_per_minute": 0.0, "n_clonic": 0, "n_tonic": 0},
                ],
            }
        )
    )
    case = tmp_path / "c.yaml"
    case.write_text("side: left\nfirst_muscle: orbicularis_oculi\n")
    out = tmp_path / "o"
    assert main(["assess", str(case), "--out", str(out), "--video-summary", str(summ)]) == 0
    a = json.loads((out / "assessment.json").read_text())
    assert a["video"]["affected_side"] == "right" and a["video"]["synthetic"] is True
    assert a["video"]["discrepancies"] and a["provenance"]["synthetic"] is True
    assert "SYNTHETIC" in (out / "report.md").read_text()


def test_video_summary_path_in_case_is_relative_to_case(tmp_path):
    (tmp_path / "s.json").write_text(
        json.dumps(
            {
                "sides": {
                    "left": {
                        "spasms_per_min": 3,
                        "clonic_count": 5,
                        "tonic_count": 2,
                        "regions": ["orbicularis_oculi", "platysma"],
                        "jankovic_frequency": 4,
                    },
                    "right": {"spasms_per_min": 0},
                }
            }
        )
    )
    (tmp_path / "c.yaml").write_text(
        "first_muscle: orbicularis_oculi\nfacial_weakness: false\nhearing_loss: false\n"
        "video_summary: s.json\n"
    )
    out = tmp_path / "o"
    assert main(["assess", str(tmp_path / "c.yaml"), "--out", str(out)]) == 0
    a = json.loads((out / "assessment.json").read_text())
    assert a["video"]["measured_fields"] == {
        "side": "left",
        "spread_to": ["platysma"],
        "spasm_type": "both",
        "frequency": "continuous",
    }
    assert any(s["measured"] for s in a["injection_plan"]["sites"])


def test_bad_video_summary_is_one_line(tmp_path, capsys):
    (tmp_path / "s.json").write_text("{not json")
    (tmp_path / "c.yaml").write_text("side: left\n")
    code = main(
        [
            "assess",
            str(tmp_path / "c.yaml"),
            "--out",
            str(tmp_path / "o"),
            "--video-summary",
            str(tmp_path / "s.json"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "s.json" in err
    assert not (tmp_path / "o").exists()


def test_apply_video_summary_keeps_case_values():
    case = case_from_dict({"side": "left", "spasm_type": "clonic"})
    new, vm = apply_video_summary(case, {"sides": {"left": {"clonic_count": 3, "tonic_count": 0}}})
    assert new.side == "left" and vm.measured_fields == {} and vm.discrepancies == []


@pytest.mark.parametrize("name", ["01_typical_left_hfs", "06_secondary_cpa_tumour"])
def test_vignette_through_cli(name, tmp_path):
    import yaml

    doc = yaml.safe_load((VIGNETTES / f"{name}.yaml").read_text())
    case = tmp_path / "case.json"
    case.write_text(json.dumps(doc["case"], default=str))
    assert main(["assess", str(case), "--out", str(tmp_path / "o")]) == 0
    a = json.loads((tmp_path / "o" / "assessment.json").read_text())
    assert a["leading_diagnosis"] == doc["expect"]["leading"]


def test_empty_case_is_undetermined_and_explained():
    from hemispasm.clinic import assess

    a = assess(case_from_dict({}))
    assert a.hfs_likelihood == "low" and a.leading_diagnosis == "undetermined"
    assert a.red_flags == [] and a.workup == [] and a.injection_plan is None


def test_report_shows_why_each_conclusion_was_reached(tmp_path):
    from html import escape

    import yaml

    from hemispasm.clinic import assess
    from hemispasm.clinic.report import md_escape, render_html, render_markdown

    doc = yaml.safe_load((VIGNETTES / "08_head_neck_mass.yaml").read_text())
    a = assess(case_from_dict(doc["case"]))
    md, html = render_markdown(a), render_html(a)
    assert a.red_flags
    for f in a.red_flags:
        label = getattr(f, "label", "") or f.flag
        assert md_escape(label) in md and md_escape(f.action[1:]) in md
        assert f"\\[{md_escape(f.source)}\\]" in md
        assert escape(label) in html and escape(f.action[1:]) in html
        if getattr(f, "time_frame", ""):
            assert md_escape(f.time_frame) in md and escape(f.time_frame) in html
        for sign in getattr(f, "signs", []):
            assert md_escape(sign.text) in md
    for w in a.workup:
        assert md_escape(w.reason) in md
    for r in a.differential[0].for_:
        assert md_escape(r.text) in md
    for r in a.rules_fired:
        assert r.id in md and r.id in html
