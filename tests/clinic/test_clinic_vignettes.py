"""Written clinical vignettes: each must yield its expected leading diagnosis, red flags and
work-up (and, where stated, likelihood, waning, MVD discussion, treatments, measured fields)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hemispasm.clinic import assess, case_from_dict

VIGNETTES = sorted((Path(__file__).parent / "vignettes").glob("*.yaml"))


def test_there_are_at_least_25_vignettes():
    assert len(VIGNETTES) >= 25


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette(path):
    doc = yaml.safe_load(path.read_text())
    exp = doc["expect"]
    a = assess(case_from_dict(doc["case"], source=path))
    assert a.leading_diagnosis == exp["leading"], [(d.condition, d.score) for d in a.differential]
    assert sorted(f.rule for f in a.red_flags) == sorted(exp["red_flags"])
    assert sorted(w.rule for w in a.workup) == sorted(exp["workup"])
    if "likelihood" in exp:
        assert a.hfs_likelihood == exp["likelihood"]
    if "urgencies" in exp:
        assert sorted({f.urgency for f in a.red_flags}) == sorted(exp["urgencies"])
    if "waning" in exp:
        assert a.treatment_course.waning is exp["waning"]
    if "discuss_mvd" in exp:
        assert bool(a.discuss_mvd) is exp["discuss_mvd"]
    if "short_intervals" in exp:
        assert len(a.treatment_course.short_intervals) == exp["short_intervals"]
    for text in exp.get("treatments_include", []):
        assert any(text in o.treatment for o in a.treatment_options), text
    if "measured" in exp:
        assert a.video is not None
        assert a.video.measured_fields == {**a.video.measured_fields, **exp["measured"]}
    # every conclusion is explained: each fired rule carries a source citation
    assert all(r.citation for r in a.rules_fired)
    assert a.differential[0].for_, "the leading diagnosis must list features for it"
