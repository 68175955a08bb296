"""Rules are declarative, cited and explainable; every source key is in docs/references.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hemispasm.clinic import rules as R
from hemispasm.clinic.sources import SOURCES
from hemispasm.clinic.treatment import MVD_OPTION, ORAL_OPTION, TOXIN_OPTION

REPO = Path(__file__).resolve().parents[2]
ALL_RULES = [*R.LIKELIHOOD_RULES, *R.DIFFERENTIAL_RULES, *R.RED_FLAG_RULES, *R.WORKUP_RULES]


def _references_section() -> str:
    text = (REPO / "docs" / "references.md").read_text()
    start = text.index("## Clinical assessment and treatment")
    nxt = text.find("\n## ", start + 5)
    return text[start : nxt if nxt != -1 else None]


def test_rule_ids_unique_and_sources_known():
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids))
    for r in ALL_RULES:
        assert r.source in SOURCES, r.id
        R.describe(r.condition)  # every condition can be put in words


def test_every_source_key_is_listed_in_references_md():
    section = _references_section()
    keys = set(re.findall(r"`([a-z0-9_]+)`", section))
    missing = sorted(set(SOURCES) - keys)
    assert not missing, f"add to docs/references.md: {missing}"


def test_every_treatment_number_is_cited():
    for opt in (ORAL_OPTION, TOXIN_OPTION, MVD_OPTION):
        for c in [*opt.expected_benefit, *opt.duration, *opt.risks, *opt.notes]:
            assert c.source in SOURCES


def test_each_differential_condition_has_rules_for_it():
    targets = {r.target for r in R.DIFFERENTIAL_RULES if r.direction == "for"}
    assert targets == set(R.CONDITIONS)


@pytest.mark.parametrize(
    ("cond", "facts", "expected"),
    [
        (("true", "a"), {"a": True}, True),
        (("true", "a"), {"a": None}, False),
        (("false", "a"), {"a": None}, False),
        (("false", "a"), {"a": False}, True),
        (("is", "a", 1), {"a": 1}, True),
        (("in", "a", [1, 2]), {"a": 3}, False),
        (("lt", "a", 18), {"a": None}, False),
        (("lt", "a", 18), {"a": 9}, True),
        (("all", [("true", "a"), ("true", "b")]), {"a": True, "b": False}, False),
        (("any", [("true", "a"), ("true", "b")]), {"a": True, "b": False}, True),
        (("not", ("true", "a")), {}, True),
    ],
)
def test_condition_language(cond, facts, expected):
    assert R.evaluate(cond, facts) is expected


def test_unknown_operator_is_rejected():
    with pytest.raises(ValueError):
        R.evaluate(("maybe", "a"), {})
    assert "facial_weakness is present" in R.describe(("true", "facial_weakness"))
