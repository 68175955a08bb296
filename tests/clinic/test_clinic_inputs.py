"""Bad clinic inputs (issue 10): each is one line, exit 2, no traceback, nothing written."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from hemispasm.cli import main
from hemispasm.clinic import case_from_dict, load_case
from hemispasm.clinic.case import MAX_MAPPING_BYTES, _yaml_loader
from hemispasm.errors import InputError, OutputError, ValidationError


def _one_line_error(capsys, argv, code=2):
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == code, err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


# item 5 ------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["inf", "-inf", ".inf", "nan", "1e400", "true"])
def test_scale_pairs_non_finite_or_boolean(capsys, value):
    err = _one_line_error(capsys, ["scale", "jankovic", f"severity={value}", "frequency=1"])
    assert "severity" in err


def test_scale_answers_file_with_inf(tmp_path, capsys):
    p = tmp_path / "answers.yaml"
    p.write_text("severity: .inf\nfrequency: 1\n")
    assert "whole number" in _one_line_error(capsys, ["scale", "jankovic", str(p)])


def test_case_file_scale_with_inf(tmp_path, capsys):
    p = tmp_path / "case.yaml"
    p.write_text("side: left\nscales:\n  jankovic: {severity: .inf, frequency: 1}\n")
    err = _one_line_error(capsys, ["assess", str(p), "--out", str(tmp_path / "o")])
    assert "scales.jankovic" in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("token", ["Infinity", "NaN", "-Infinity"])
def test_video_summary_file_holding_infinity(tmp_path, capsys, token):
    vs = tmp_path / "summary.json"
    vs.write_text('{"sides": {"left": {"spasms_per_min": ' + token + "}}}")
    case = tmp_path / "case.yaml"
    case.write_text("side: left\n")
    err = _one_line_error(
        capsys, ["assess", str(case), "--out", str(tmp_path / "o"), "--video-summary", str(vs)]
    )
    assert str(vs) in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("value", [".inf", ".nan", "-3"])
def test_inline_video_summary_non_finite_or_negative(tmp_path, capsys, value):
    case = tmp_path / "case.yaml"
    case.write_text(f"side: left\nvideo_summary: {{sides: {{left: {{clonic_count: {value}}}}}}}\n")
    err = _one_line_error(capsys, ["assess", str(case), "--out", str(tmp_path / "o")])
    assert "clonic_count" in err


@pytest.mark.parametrize("cmd", ["template", "schema"])
def test_case_template_or_schema_out_an_existing_folder(tmp_path, capsys, cmd):
    err = _one_line_error(capsys, ["case", cmd, "--out", str(tmp_path)])
    assert "is a folder" in err and not list(tmp_path.iterdir())


def test_case_template_out_missing_parent(tmp_path, capsys):
    err = _one_line_error(capsys, ["case", "template", "--out", str(tmp_path / "no" / "t.yaml")])
    assert "does not exist" in err


# item 9 ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("entry", "match"),
    [
        ({"type": "botulinum_toxin", "doses": float("nan")}, "finite"),
        ({"type": "botulinum_toxin", "doses": float("inf")}, "finite"),
        ({"type": "botulinum_toxin", "doses": 1e12}, "not plausible"),
        ({"type": "botulinum_toxin", "doses": {"orbicularis_oculi": float("inf")}}, "finite"),
        (
            {"type": "botulinum_toxin", "doses": {"orbicularis_oculi": 900, "zygomaticus": 200}},
            "not plausible",
        ),
        ({"type": "carbamazepine", "doses": 1e12}, "highest labelled daily dose"),
        ({"type": "clonazepam", "doses": 40}, "20 mg/day"),
        ({"type": "diazepam", "doses": "50 mg twice daily"}, "40 mg/day"),
        ({"type": "botulinum_toxin", "benefit_weeks": float("inf")}, "finite"),
        ({"type": "botulinum_toxin", "benefit_weeks": 1e9}, "lifetime"),
        ({"type": "botulinum_toxin", "peak_improvement_pct": float("nan")}, "finite"),
        ({"type": "botulinum_toxin", "date": "2099-01-01"}, "in the future"),
        ({"type": "botulinum_toxin", "date": "1850-01-01"}, "before 1900"),
        ({"type": "botulinum_toxin", "date": "05/03/2024"}, "YYYY-MM-DD"),
    ],
)
def test_implausible_treatment_values_are_refused(entry, match):
    with pytest.raises(ValidationError, match=match) as exc:
        case_from_dict({"treatments": [entry]})
    assert "treatments[0]" in str(exc.value) and "\n" not in str(exc.value)


def test_tomorrow_is_refused_today_is_accepted():
    today = dt.date.today()
    case_from_dict({"treatments": [{"type": "mvd", "date": today.isoformat()}]})
    with pytest.raises(ValidationError, match="future"):
        case_from_dict(
            {"treatments": [{"type": "mvd", "date": (today + dt.timedelta(days=1)).isoformat()}]}
        )


def test_implausible_dose_never_reaches_a_report(tmp_path, capsys):
    p = tmp_path / "case.yaml"
    p.write_text("side: left\ntreatments:\n  - {type: botulinum_toxin, doses: 1.0e12}\n")
    err = _one_line_error(capsys, ["assess", str(p), "--out", str(tmp_path / "o")])
    assert "treatments[0]" in err and not (tmp_path / "o").exists()


def test_age_nan_or_inf(tmp_path, capsys):
    for v in (".nan", ".inf"):
        with pytest.raises(ValidationError, match="age"):
            case_from_dict({"age": float(v.replace(".", ""))})


# item 13 -----------------------------------------------------------------------------------
def test_case_file_over_the_size_limit_is_refused_before_parsing(tmp_path, capsys):
    p = tmp_path / "big.yaml"
    p.write_text("notes: '" + "x" * (MAX_MAPPING_BYTES + 10) + "'\n")
    err = _one_line_error(capsys, ["assess", str(p), "--out", str(tmp_path / "o")])
    assert "MB limit" in err and not (tmp_path / "o").exists()
    with pytest.raises(InputError, match="MB limit"):
        load_case(p)


def test_yaml_read_with_libyaml_when_available():
    import yaml

    if getattr(yaml, "__with_libyaml__", False):
        assert _yaml_loader() is yaml.CSafeLoader
    else:  # pragma: no cover
        assert _yaml_loader() is yaml.SafeLoader


def test_json_case_with_nan_constant_is_refused(tmp_path):
    p = tmp_path / "case.json"
    p.write_text('{"age": NaN}')
    with pytest.raises(ValidationError, match="not valid JSON"):
        load_case(p)
    p.write_text(json.dumps({"age": 50}))
    assert load_case(p).age == 50


def test_yaml_python_tags_are_refused(tmp_path):
    p = tmp_path / "case.yaml"
    p.write_text("age: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ValidationError, match="not valid YAML"):
        load_case(p)


# item 18 -----------------------------------------------------------------------------------
@pytest.mark.parametrize("field", ["age", "onset_age"])
def test_boolean_is_not_a_number(tmp_path, capsys, field):
    p = tmp_path / "case.yaml"
    p.write_text(f"{field}: true\n")
    err = _one_line_error(capsys, ["assess", str(p), "--out", str(tmp_path / "o")])
    assert f"field '{field}': true is a yes/no value, not a number" in err
    assert "greater than" not in err


@pytest.mark.parametrize("field", ["doses", "benefit_weeks", "peak_improvement_pct"])
def test_boolean_is_not_a_number_in_treatments(field):
    with pytest.raises(ValidationError, match="yes/no value"):
        case_from_dict({"treatments": [{"type": "botulinum_toxin", field: True}]})


def test_output_error_class_for_folder():
    from hemispasm.clinic.io import write_text_file

    with pytest.raises(OutputError):
        write_text_file("/", "x")
