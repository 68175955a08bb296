"""Case files: loading, one-line errors naming the field and file, schema, template, privacy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hemispasm.cli import main
from hemispasm.clinic import case_from_dict, case_json_schema, load_case
from hemispasm.clinic.case import Case
from hemispasm.errors import InputError, ValidationError

REPO = Path(__file__).resolve().parents[2]


def _enums(obj, path=""):
    out = {}
    if isinstance(obj, dict):
        if "enum" in obj:
            out[path] = sorted(map(str, obj["enum"]))
        if "const" in obj:
            out[path] = [str(obj["const"])]
        for k, v in obj.items():
            out.update(_enums(v, f"{path}/{k}"))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.update(_enums(v, f"{path}/{i}"))
    return out


def _shape(schema):
    defs = schema.get("$defs", {})
    return (
        sorted(schema["properties"]),
        {k: sorted(v.get("properties", {})) for k, v in defs.items()},
        sorted(v for vals in _enums(schema).values() for v in vals),
    )


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def _run_bad(tmp_path, capsys, text, name="case.yaml"):
    p = _write(tmp_path, name, text)
    out = tmp_path / "out"
    code = main(["assess", str(p), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert str(p) in err
    assert not out.exists(), "nothing may be written for a bad case"
    return err


def test_yaml_and_json_cases_load(tmp_path):
    y = _write(tmp_path, "c.yaml", "age: 50\nside: left\ntriggers: [fatigue]\n")
    j = _write(tmp_path, "c.json", json.dumps({"age": 50, "side": "left", "triggers": ["fatigue"]}))
    assert load_case(y) == load_case(j)


def test_unknown_field_is_named_with_suggestion(tmp_path, capsys):
    err = _run_bad(tmp_path, capsys, "age: 50\nhearing_los: true\n")
    assert "hearing_los" in err and "hearing_loss" in err


def test_bad_enum_value_names_the_field(tmp_path, capsys):
    err = _run_bad(tmp_path, capsys, "side: up\n")
    assert "field 'side'" in err


def test_bad_nested_treatment_names_the_path(tmp_path, capsys):
    # "botox" is now read as botulinum_toxin (issue 11, natural wording); an unknown word is not
    err = _run_bad(tmp_path, capsys, "treatments:\n  - type: acupuncture\n")
    assert "treatments[0].type" in err and "'acupuncture'" in err and "botulinum_toxin" in err


def test_wrong_type_names_the_field(tmp_path, capsys):
    err = _run_bad(tmp_path, capsys, "age: fifty\n")
    assert "field 'age'" in err


def test_onset_after_age_is_an_error(tmp_path, capsys):
    err = _run_bad(tmp_path, capsys, "age: 40\nonset_age: 50\n")
    assert "onset_age" in err


def test_yaml_syntax_error_is_one_line(tmp_path, capsys):
    err = _run_bad(tmp_path, capsys, "age: [50\nside: left\n")
    assert "not valid YAML" in err


def test_json_syntax_error_is_one_line(tmp_path, capsys):
    err = _run_bad(tmp_path, capsys, '{"age": 50,,}', name="case.json")
    assert "not valid JSON" in err


def test_case_must_be_a_mapping(tmp_path, capsys):
    err = _run_bad(tmp_path, capsys, "- 1\n- 2\n")
    assert "mapping" in err


def test_missing_case_file(tmp_path, capsys):
    code = main(["assess", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "does not exist" in err


def test_python_api_raises_validation_error():
    with pytest.raises(ValidationError, match="emg_lsr"):
        case_from_dict({"emg_lsr": "maybe"})
    with pytest.raises(InputError):
        load_case("/nonexistent/case.yaml")


def test_cranial_nerve_names_are_normalised():
    c = case_from_dict({"other_cranial_nerve_signs": ["trigeminal", "viii"]})
    assert c.other_cranial_nerve_signs == ["V", "VIII"]


def test_template_is_a_valid_case(tmp_path, capsys):
    assert main(["case", "template", "--out", str(tmp_path / "t.yaml")]) == 0
    case = load_case(tmp_path / "t.yaml")
    assert case.side == "left" and case.treatments
    assert main(["case", "template"]) == 0
    assert "case_id" in capsys.readouterr().out


def test_schema_cli_prints_json_and_docs_copy_is_in_sync(capsys):
    assert main(["case", "schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == case_json_schema()
    docs = json.loads((REPO / "docs" / "case.schema.json").read_text())
    # compare what a case may contain (fields and allowed values), not pydantic's formatting
    hint = "regenerate with `hemispasm case schema --out docs/case.schema.json`"
    assert _shape(docs) == _shape(printed), hint
    for field in ("age", "side", "emg_lsr", "mri", "treatments", "other_babinski_sign"):
        assert field in printed["properties"]


def test_free_text_and_case_content_never_leak_into_outputs(tmp_path, caplog):
    p = _write(tmp_path, "c.yaml", "case_id: X1\nnotes: Jane Doe lives at 5 Main St\nside: left\n")
    caplog.set_level("DEBUG", logger="hemispasm")
    assert main(["-v", "assess", str(p), "--out", str(tmp_path / "o")]) == 0
    for f in (tmp_path / "o").iterdir():
        assert "Jane" not in f.read_text()
    assert "Jane" not in caplog.text


def test_every_case_field_is_documented():
    from hemispasm.clinic.case import Case, Treatment

    doc = (REPO / "docs" / "clinic.md").read_text()
    for name in [*Case.model_fields, *Treatment.model_fields]:
        assert f"`{name}`" in doc, name


def test_bad_scale_answers_in_a_case_name_file_and_field(tmp_path, capsys):
    err = _run_bad(
        tmp_path, capsys, "side: left\nscales:\n  jankovic: {severity: 7, frequency: 1}\n"
    )
    assert "scales.jankovic" in err and "out of range" in err


def test_new_fields_pregnancy_onset_tempo_progressive_weakness():
    c = case_from_dict(
        {"pregnancy": "breastfeeding", "onset_tempo": "sudden", "progressive_weakness": True}
    )
    assert (c.pregnancy, c.onset_tempo, c.progressive_weakness) == ("breastfeeding", "sudden", True)
    assert Case().pregnancy is None and Case().onset_tempo is None
    with pytest.raises(ValidationError, match="pregnancy"):
        case_from_dict({"pregnancy": "yes please"})


def test_identity_accepted_and_never_serialised():
    c = case_from_dict(
        {"identity": {"name": "Jane Quux", "birth_date": "1970-01-02", "mrn": "MRN-99871"}}
    )
    assert c.identity is not None and c.identity.name == "Jane Quux"
    for text in (c.model_dump_json(), repr(c), str(c.model_dump())):
        assert "Quux" not in text and "99871" not in text
    with pytest.raises(ValidationError, match="identity"):
        case_from_dict({"identity": {"nickname": "x"}})


def test_interpretations_not_a_fact_and_not_hand_written():
    c = case_from_dict({"age": 50})
    assert c.interpretations == []
    assert "interpretations" not in c.model_dump()
    with pytest.raises(ValidationError, match="interpretations"):
        case_from_dict({"interpretations": ["x"]})
