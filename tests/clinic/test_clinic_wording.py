"""Case files as clinicians write them: natural wording read, every interpretation reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemispasm.cli import main
from hemispasm.clinic import case_from_dict, load_case
from hemispasm.clinic.wording import WORDING_PATH, field_choices, load_wording, norm
from hemispasm.errors import ValidationError

HERE = Path(__file__).resolve().parent


def test_natural_case_file_is_read_with_interpretations():
    c = load_case(HERE / "wording" / "natural_cpa.yaml")
    assert (c.age, c.sex, c.side, c.onset_tempo) == (58, "female", "left", "gradual")
    assert c.first_muscle == "orbicularis_oculi"
    assert c.spread_to == ["zygomaticus", "orbicularis_oris"]
    assert c.triggers == ["emotional_stress", "voluntary_facial_movement", "fatigue"]
    assert c.other_cranial_nerve_signs == ["V"]
    assert (c.hearing_loss, c.facial_weakness, c.other_babinski_sign) == (False, False, True)
    assert (c.mri, c.mri_sequences, c.mri_vessel) == (
        "neurovascular_conflict",
        ["high_res_t2", "mra_tof"],
        "AICA",
    )
    assert c.compression_site == "root_exit_zone" and c.pregnancy == "none"
    cbz, t1, t2 = c.treatments
    assert (cbz.type, cbz.doses, cbz.response) == ("carbamazepine", 400.0, "mild")
    assert cbz.side_effects == ["drowsiness", "dizziness"] and cbz.stopped_for_side_effects
    assert (t1.type, t1.product) == ("botulinum_toxin", "onabotulinumtoxinA")
    assert t1.doses == {"orbicularis_oculi": 15.0, "zygomaticus": 5.0}
    assert (t1.response, t1.benefit_weeks) == ("marked", 16.0)
    assert (t2.product, t2.doses, t2.response, t2.benefit_weeks) == (
        "onabotulinumtoxinA",
        20.0,
        "moderate",
        13.0,
    )
    text = "\n".join(c.interpretations)
    for expected in (
        "read 'stress' in 'triggers[0]' as emotional_stress",
        "read 'smiling' in 'triggers[1]' as voluntary_facial_movement",
        "read 'trigeminal sensory loss' in 'other_cranial_nerve_signs[0]' as V",
        "read '200 mg twice daily' in 'treatments[0].doses' as 400 mg/day",
        "read 'good, lasted 16 weeks' in 'treatments[1].response' as response marked, "
        "benefit_weeks 16",
        "read 'partial for 3 months' in 'treatments[2].response' as response moderate, "
        "benefit_weeks 13",
        "read field 'Age' as age",
    ):
        assert expected in text, expected


def test_plain_values_are_not_reported_as_interpretations():
    c = case_from_dict({"side": "left", "triggers": ["fatigue"], "age": 40})
    assert c.interpretations == []
    # case and spacing are the documented matching rule, not an interpretation
    c = case_from_dict({"side": "LEFT", "first_muscle": "orbicularis-oculi"})
    assert (c.side, c.first_muscle) == ("left", "orbicularis_oculi") and not c.interpretations


@pytest.mark.parametrize(
    ("dose", "ttype", "expected"),
    [
        ("200 mg twice daily", "carbamazepine", 400.0),
        ("100 mg tds", "carbamazepine", 300.0),
        ("0.5 mg b.i.d.", "clonazepam", 1.0),
        ("500 mcg bd", "clonazepam", 1.0),
        ("600 mg/day", "carbamazepine", 600.0),
        ("5 mg three times a day", "diazepam", 15.0),
        ("25 U", "botulinum_toxin", 25.0),
        ("30 units total", "botulinum_toxin", 30.0),
    ],
)
def test_free_text_doses(dose, ttype, expected):
    c = case_from_dict({"treatments": [{"type": ttype, "doses": dose}]})
    assert c.treatments[0].doses == pytest.approx(expected)
    # oral doses are converted (reported); toxin units are what the field expects (not reported)
    assert any("treatments[0].doses" in s for s in c.interpretations) == (
        ttype != "botulinum_toxin"
    )


@pytest.mark.parametrize(
    ("dose", "ttype", "match"),
    [
        ("200 mg", "carbamazepine", "does not say how often"),
        ("200-400 mg daily", "carbamazepine", "cannot read"),
        ("20 units", "carbamazepine", "units"),
        ("25 mg", "botulinum_toxin", "cannot read"),
        ("lots", "botulinum_toxin", "cannot read"),
        ("10 U", "mvd", "MVD"),
    ],
)
def test_ambiguous_doses_are_one_clear_line(dose, ttype, match):
    with pytest.raises(ValidationError, match=match) as exc:
        case_from_dict({"treatments": [{"type": ttype, "doses": dose}]})
    assert "treatments[0].doses" in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("response", "level", "weeks"),
    [
        ("good, lasted 16 weeks", "marked", 16.0),
        ("partial", "moderate", None),
        ("poor", "mild", None),
        ("no effect", "none", None),
        ("Complete", "complete", None),
        ("lasted 10 weeks", None, 10.0),
        ("marked benefit for about 12 wks", "marked", 12.0),
    ],
)
def test_free_text_responses(response, level, weeks):
    c = case_from_dict({"treatments": [{"type": "botulinum_toxin", "response": response}]})
    t = c.treatments[0]
    assert (t.response, t.benefit_weeks) == (level, weeks)


def test_response_duration_disagreeing_with_benefit_weeks_is_refused():
    with pytest.raises(ValidationError, match="give the duration once"):
        case_from_dict(
            {"treatments": [{"type": "mvd", "response": "good for 8 weeks", "benefit_weeks": 9}]}
        )


@pytest.mark.parametrize(
    ("data", "field", "value", "accepted"),
    [
        ({"triggers": ["sneezing"]}, "triggers[0]", "'sneezing'", "emotional_stress"),
        ({"side": "up"}, "side", "'up'", "left, right, bilateral"),
        ({"mri": "double vision"}, "mri", "'double vision'", "mass_lesion"),
        (
            {"other_cranial_nerve_signs": ["double vision"]},
            "other_cranial_nerve_signs[0]",
            "'double vision'",
            "VIII",
        ),
        ({"hearing_loss": "maybe"}, "hearing_loss", "'maybe'", "present/absent"),
        ({"treatments": [{"type": "surgery"}]}, "treatments[0].type", "'surgery'", "mvd"),
        (
            {"treatments": [{"type": "mvd", "response": "meh"}]},
            "treatments[0].response",
            "'meh'",
            "partial",
        ),
        ({"emg_lsr": False}, "emg_lsr", "False", "not_done"),
    ],
)
def test_unreadable_value_names_field_value_and_accepted_values(data, field, value, accepted):
    with pytest.raises(ValidationError) as exc:
        case_from_dict(data)
    msg = str(exc.value)
    assert f"field '{field}'" in msg and value in msg and accepted in msg, msg
    assert "\n" not in msg


def test_cli_shows_interpretations_and_unreadable_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("side: left\ntriggers: [sneezing]\n")
    assert main(["assess", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'sneezing'" in err and str(bad) in err
    assert not (tmp_path / "o").exists()


def test_every_synonym_target_is_an_accepted_value_and_phrases_normalised():
    w = load_wording()
    for field, table in w.fields.items():
        choices = field_choices(field)
        for phrase, target in w.tables[table].items():
            assert norm(phrase) == phrase
            assert target in choices, (field, phrase, target)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (("  triggers: trigger\n", "  triggerz: trigger\n"), "unknown field 'triggerz'"),
        (("    stress: emotional_stress\n", "    stress: stresss\n"), "not an accepted value"),
        (("    smiling: voluntary", "    Smiling Face: voluntary"), "normalised form"),
        (("  side: side\n", "  side: sidez\n"), "not a value table"),
        (("version: 1\n", "version: 2\n"), "version: 1"),
        (("    twice_daily: 2\n", "    twice_daily: two\n"), "invalid target"),
    ],
)
def test_malformed_synonym_table_fails_at_load_with_one_line(tmp_path, edit, match):
    text = WORDING_PATH.read_text(encoding="utf-8")
    assert edit[0] in text
    p = tmp_path / "wording.yaml"
    p.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(ValidationError, match=match) as exc:
        load_wording(p)
    assert "\n" not in str(exc.value) and str(p) in str(exc.value)


def test_wording_documented():
    doc = (HERE.parents[1] / "docs" / "clinic.md").read_text(encoding="utf-8")
    assert "### Wording" in doc and "wording.yaml" in doc


def test_natural_wording_in_a_json_case_file(tmp_path):
    import json

    p = tmp_path / "case.json"
    p.write_text(
        json.dumps(
            {
                "Side": "right side",
                "Triggers": "talking and eating",
                "Hearing loss": "not assessed",
                "treatments": [{"type": "Xeomin", "doses": "12.5 units", "response": "no effect"}],
            }
        )
    )
    c = load_case(p)
    assert (c.side, c.triggers, c.hearing_loss) == ("right", ["talking", "chewing"], None)
    t = c.treatments[0]
    assert (t.type, t.product, t.doses, t.response) == (
        "botulinum_toxin",
        "incobotulinumtoxinA",
        12.5,
        "none",
    )
    assert "read 'not assessed' in 'hearing_loss' as not recorded" in c.interpretations
