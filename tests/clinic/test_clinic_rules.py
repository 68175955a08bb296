"""The rules are data (rules.yaml), checked at load, cited and explainable; every source key is
in docs/references.md; a malformed rule file fails at load with one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from hemispasm.clinic import rules as R
from hemispasm.clinic.sources import RETIRED, SOURCES
from hemispasm.clinic.treatment import (
    BLEPHAROSPASM_OPTION,
    MVD_OPTION,
    ORAL_OPTION,
    PREGNANCY_NOTES,
    SYNKINESIS_OPTION,
    TOXIN_OPTION,
)
from hemispasm.errors import HemispasmError

REPO = Path(__file__).resolve().parents[2]
BOOK = R.rulebook()


def _references_section() -> str:
    text = (REPO / "docs" / "references.md").read_text()
    start = text.index("## Clinical assessment and treatment")
    nxt = text.find("\n## ", start + 5)
    return text[start : nxt if nxt != -1 else None]


def test_rules_load_from_the_packaged_yaml_file():
    assert R.RULES_FILE.name == "rules.yaml" and R.RULES_FILE.is_file()
    assert len(BOOK.rules) > 100
    assert {r.kind for r in BOOK.rules} == {"likelihood", "differential", "red_flag", "workup"}
    # the old module-level tables are views of the file
    assert BOOK.of_kind("red_flag") == R.RED_FLAG_RULES


def test_rule_ids_unique_and_sources_known():
    ids = [r.id for r in BOOK.rules]
    assert len(ids) == len(set(ids))
    for r in BOOK.rules:
        assert r.source in SOURCES, r.id
        R.describe(r.condition)  # every condition can be put in words


def test_every_source_key_is_listed_in_references_md():
    section = _references_section()
    keys = set(re.findall(r"`([a-z0-9_]+)`", section))
    missing = sorted(set(SOURCES) - keys)
    assert not missing, f"add to docs/references.md: {missing}"


def test_unverified_rules_are_marked_and_yaltho_is_no_longer_the_default():
    unverified = [r for r in BOOK.rules if not r.verified]
    yaltho = [r for r in BOOK.rules if r.source == "yaltho_jankovic2011"]
    # every Yaltho & Jankovic rule is either supported by its abstract (read) or marked
    assert len(yaltho) < 20 and len(unverified) < 20
    assert all(
        not r.verified
        for r in yaltho
        if r.id
        not in {
            "L.unilateral",
            "L.clonic_tonic",
            "D.hemifacial_spasm.unilateral",
            "D.hemifacial_spasm.clonic_tonic",
            "D.post_paralytic_synkinesis.trauma",
            "R.lower_face_onset",
        }
    )
    assert unverified and all(r.source in SOURCES for r in unverified)
    assert "simpson2008" in RETIRED
    assert any("retired" in c.text for c in TOXIN_OPTION.expected_benefit)


def test_every_treatment_number_is_cited():
    for opt in (ORAL_OPTION, TOXIN_OPTION, MVD_OPTION, SYNKINESIS_OPTION, BLEPHAROSPASM_OPTION):
        for c in [*opt.expected_benefit, *opt.duration, *opt.risks, *opt.notes]:
            assert c.source in SOURCES
    for table in PREGNANCY_NOTES.values():
        assert all(c.source in SOURCES for c in table.values())


def test_each_differential_condition_has_rules_for_it():
    targets = {r.target for r in BOOK.of_kind("differential") if r.direction == "for"}
    assert targets == set(BOOK.conditions)


def test_every_problem_action_has_an_urgency_and_a_time_frame():
    for pid, spec in BOOK.problems.items():
        for a in spec.actions:
            assert a.urgency and a.time_frame.strip() and a.action.strip(), pid


@pytest.mark.parametrize(
    ("cond", "facts", "expected"),
    [
        (("true", "a"), {"a": True}, True),
        (("true", "a"), {"a": None}, False),
        (("false", "a"), {"a": None}, False),
        (("false", "a"), {"a": False}, True),
        (("recorded", "a"), {"a": None}, False),
        (("recorded", "a"), {"a": False}, True),
        (("not_recorded", "a"), {"a": []}, True),
        (("is", "a", 1), {"a": 1}, True),
        (("in", "a", (1, 2)), {"a": 3}, False),
        (("lt", "a", 18), {"a": None}, False),
        (("lt", "a", 18), {"a": 9}, True),
        (("ge", "a", 60), {"a": 60}, True),
        (("all", (("true", "a"), ("true", "b"))), {"a": True, "b": False}, False),
        (("any", (("true", "a"), ("true", "b"))), {"a": True, "b": False}, True),
        (("not", ("true", "a")), {}, True),
    ],
)
def test_condition_language(cond, facts, expected):
    assert R.evaluate(cond, facts) is expected


def test_unknown_operator_is_rejected():
    with pytest.raises(ValueError):
        R.evaluate(("maybe", "a"), {})
    assert "facial_weakness is present" in R.describe(("true", "facial_weakness"))


def _packaged() -> dict:
    return yaml.safe_load(R.RULES_FILE.read_text())


def _with_rule(**rule) -> dict:
    data = _packaged()
    data["rules"].append(
        {
            "id": "X.test",
            "kind": "likelihood",
            "group": "core",
            "direction": "for",
            "conclusion": "test",
            "source": "han2009",
            **rule,
        }
    )
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _with_rule(when={"present": "facial_weaknes"}),
            "rule 'X.test': unknown fact 'facial_weaknes' (did you mean 'facial_weakness'?)",
        ),
        (
            _with_rule(when={"present": "unilateral"}, source="nobody2099"),
            "rule 'X.test': unknown source 'nobody2099'",
        ),
        (_with_rule(when={"maybe": "unilateral"}), "rule 'X.test': unknown operator 'maybe'"),
        (_with_rule(when={"is": ["mri", "mass"]}), "rule 'X.test': 'mri' cannot be 'mass'"),
        (_with_rule(when={"is": "mri"}), "rule 'X.test': 'is' takes [fact, value]"),
        (_with_rule(when=["present", "unilateral"]), "a condition is a mapping with one operator"),
        (
            _with_rule(when={"present": "unilateral"}, id="L.unilateral"),
            "rule 'L.unilateral': duplicate id",
        ),
        (
            _with_rule(when={"present": "unilateral"}, kind="red_flag", problem="nowhere"),
            "unknown problem 'nowhere'",
        ),
        (_with_rule(when={"present": "unilateral"}, colour="red"), "colour: Extra inputs are not"),
    ],
)
def test_a_malformed_rule_fails_at_load_with_one_line(tmp_path, data, message):
    p = tmp_path / "rules.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(HemispasmError) as exc:
        R.load_rules(p)
    line = str(exc.value)
    assert "\n" not in line and message in line, line
    assert line.startswith(str(p))


def test_a_rule_file_that_is_not_yaml_fails_with_one_line(tmp_path):
    p = tmp_path / "rules.yaml"
    p.write_text("rules: [unclosed\n")
    with pytest.raises(HemispasmError) as exc:
        R.load_rules(p)
    assert "not valid YAML" in str(exc.value) and "\n" not in str(exc.value)
