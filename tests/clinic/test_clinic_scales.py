"""Rating scales scored as published (docs/scales.md) and their bad-answer handling."""

from __future__ import annotations

import json

import pytest

from hemispasm.cli import main
from hemispasm.clinic import (
    SCALES,
    score_cohen_albert,
    score_hfs7,
    score_jankovic,
    score_scale,
    score_smc,
)
from hemispasm.clinic.scales import smc_grade_from_findings
from hemispasm.errors import ValidationError


@pytest.mark.parametrize("sev", range(5))
@pytest.mark.parametrize("freq", range(5))
def test_jankovic_items_and_total(sev, freq):
    s = score_jankovic({"severity": sev, "frequency": freq})
    assert s.items == {"severity": sev, "frequency": freq}
    assert s.total == sev + freq and s.total_range == (0, 8)


def test_jankovic_published_anchors():
    spec = SCALES["jankovic"]
    freq = spec.items[1].levels
    assert "less than 1 s" in freq[2] and "50%" in freq[3] and "blind" in freq[4]
    assert "external stimuli" in spec.items[0].levels[1]


@pytest.mark.parametrize(
    ("answers", "match"),
    [
        ({"severity": 5, "frequency": 1}, "out of range"),
        ({"severity": -1, "frequency": 1}, "out of range"),
        ({"severity": 2}, "missing"),
        ({"severity": 2, "frequency": 1, "sev": 1}, "unknown"),
        ({"severity": 2.5, "frequency": 1}, "whole number"),
        ({"severity": "two", "frequency": 1}, "whole number"),
        ({"severity": True, "frequency": 1}, "whole number"),
        ({"severity": None, "frequency": 1}, "missing"),
    ],
)
def test_jankovic_bad_answers(answers, match):
    with pytest.raises(ValidationError, match=match):
        score_jankovic(answers)


def test_smc_grades_from_findings_are_hierarchical():
    f = dict(spread_beyond_periocular=False, vision_interference=False, disfiguring_asymmetry=False)
    assert smc_grade_from_findings(**f) == 1
    assert smc_grade_from_findings(**{**f, "spread_beyond_periocular": True}) == 2
    assert smc_grade_from_findings(**{**f, "vision_interference": True}) == 3
    assert (
        smc_grade_from_findings(
            **{**f, "disfiguring_asymmetry": True, "spread_beyond_periocular": True}
        )
        == 4
    )
    s = score_smc(
        {
            "spread_beyond_periocular": "yes",
            "vision_interference": False,
            "disfiguring_asymmetry": 0,
        }
    )
    assert s.total == 2 and "grade II" in s.interpretation


def test_smc_direct_grade_and_errors():
    assert score_smc({"grade": 4}).total == 4
    with pytest.raises(ValidationError, match="out of range"):
        score_smc({"grade": 0})
    with pytest.raises(ValidationError, match="missing"):
        score_smc({"spread_beyond_periocular": True})


def test_cohen_albert():
    assert score_cohen_albert({"grade": 0}).total == 0
    s = score_cohen_albert({"grade": 4})
    assert s.total == 4 and "incapacitating" in s.interpretation
    with pytest.raises(ValidationError):
        score_cohen_albert({"grade": 5})


@pytest.mark.parametrize(
    ("values", "raw", "index"),
    [([0] * 7, 0, 0.0), ([4] * 7, 28, 100.0), ([2] * 7, 14, 50.0), ([1, 0, 0, 0, 0, 0, 0], 1, 3.6)],
)
def test_hfs7_total_and_index(values, raw, index):
    # issue 11 finding 15: the raw 0-28 total is the primary figure; the 0-100 index beside it
    s = score_hfs7({f"item{i + 1}": v for i, v in enumerate(values)})
    assert s.total == raw and s.total_range == (0, 28)
    assert s.extra["raw_total"] == raw and s.extra["index_0_100"] == index
    assert s.interpretation.startswith(f"raw total {raw}/28")


@pytest.mark.parametrize(
    ("sev", "freq", "warned"),
    [(0, 0, False), (2, 2, False), (4, 3, False), (0, 2, True), (3, 0, True), (4, 1, True)],
)
def test_jankovic_inconsistent_pairs_are_warned(sev, freq, warned):
    s = score_jankovic({"severity": sev, "frequency": freq})
    assert bool(s.warnings) is warned
    assert s.total == sev + freq  # never corrected


def test_hfs7_missing_item_is_an_error_not_a_guess():
    with pytest.raises(ValidationError, match="item7"):
        score_hfs7({f"item{i}": 1 for i in range(1, 7)})


def test_unknown_scale():
    with pytest.raises(ValidationError, match="unknown scale"):
        score_scale("madrs", {})
    assert score_scale("JRS", {"severity": 1, "frequency": 1}).scale == "jankovic"


def test_scale_cli_key_value_and_file(tmp_path, capsys):
    assert main(["scale", "jankovic", "severity=3", "frequency=2"]) == 0
    assert "5" in capsys.readouterr().out
    f = tmp_path / "hfs7.json"
    f.write_text(json.dumps({f"item{i}": 4 for i in range(1, 8)}))
    assert main(["scale", "hfs7", str(f), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 28.0


@pytest.mark.parametrize(
    "args",
    [
        ["scale", "jankovic", "severity=9", "frequency=1"],
        ["scale", "hfs7", "item1=1"],
        ["scale", "nope", "a=1"],
        ["scale", "jankovic", "severity"],
    ],
)
def test_scale_cli_bad_answers_one_line(args, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
