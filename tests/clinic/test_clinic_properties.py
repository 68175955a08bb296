"""Property tests (Hypothesis) for the clinic's readers: whatever they are fed, they return a
result or raise the project's one-line error (HemispasmError), never anything else.

A fixed example budget (100 per property, derandomised) keeps CI time bounded; for a longer
local search set HEMISPASM_HYPOTHESIS_EXAMPLES (e.g. 2000), which also randomises the examples.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemispasm.clinic import case_from_dict, load_case
from hemispasm.clinic.case import Case, Treatment
from hemispasm.clinic.io import read_scale_answers
from hemispasm.clinic.scales import SCALES, score_scale
from hemispasm.clinic.video import apply_video_summary, measures_from_summary, read_video_summary
from hemispasm.errors import HemispasmError

_LONG = int(os.environ.get("HEMISPASM_HYPOTHESIS_EXAMPLES", "0"))
BUDGET = settings(
    max_examples=_LONG or 100,
    deadline=None,
    derandomize=not _LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

PHRASES = [
    "stress",
    "smiling",
    "Left",
    "both",
    "200 mg twice daily",
    "25 U",
    "good, lasted 16 weeks",
    "partial",
    "poor",
    "trigeminal sensory loss",
    "CN 5",
    "present",
    "absent",
    "Botox",
    "4 months",
    "80%",
    "52 years",
    "200 mg",
    "mg",
    "",
    " ",
    "yes",
    "no",
    "1e400",
    "-1",
    "nan",
    "inf",
    "<script>",
    "[x](javascript:alert(1))",
    "2099-01-01",
    "05/03/2024",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=24)
    | st.sampled_from(PHRASES)
    | st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12) | st.sampled_from(PHRASES), inner, max_size=4)
    ),
    max_leaves=16,
)
treatment_keys = st.sampled_from([*Treatment.model_fields, "Type", "dose", "Response"])
treatments = st.lists(
    st.dictionaries(treatment_keys, values, max_size=6)
    | st.fixed_dictionaries(
        {"type": st.sampled_from(["botulinum_toxin", "carbamazepine", "Botox", "mvd", "x"])},
        optional={
            "doses": values,
            "response": values,
            "benefit_weeks": values,
            "date": values,
            "product": values,
            "side_effects": values,
        },
    ),
    max_size=3,
)
case_keys = st.sampled_from(
    [k for k in Case.model_fields if k != "video_summary"] + ["Side", "hearing los", "x"]
)
cases = st.dictionaries(case_keys, values, max_size=8).flatmap(
    lambda d: st.just(d) | treatments.map(lambda t: {**d, "treatments": t})
)


@BUDGET
@given(cases)
def test_case_parser_returns_a_case_or_one_line_error(data):
    try:
        case = case_from_dict(data)
    except HemispasmError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(case, Case)
    assert all(isinstance(s, str) for s in case.interpretations)
    case.model_dump_json()  # serialisable (finite numbers only)


@BUDGET
@given(st.one_of(values, st.text(max_size=200), st.binary(max_size=200)))
def test_case_file_loader_never_raises_anything_else(content):
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        for name in ("case.yaml", "case.json"):
            p = Path(tmp) / name
            if isinstance(content, bytes):
                p.write_bytes(content)
            elif isinstance(content, str):
                p.write_text(content, encoding="utf-8")
            else:
                p.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
            try:
                load_case(p)
            except HemispasmError as exc:
                assert "\n" not in str(exc)


@BUDGET
@given(
    st.sampled_from([*sorted(SCALES), "nope"]),
    st.dictionaries(
        st.text(max_size=8) | st.sampled_from(["severity", "frequency", "grade", "item1", "item7"]),
        values,
        max_size=8,
    ),
)
def test_scale_scorer_returns_a_score_or_one_line_error(name, answers):
    try:
        s = score_scale(name, answers)
    except HemispasmError as exc:
        assert "\n" not in str(exc)
        return
    assert s.total_range[0] <= s.total <= s.total_range[1]


@BUDGET
@given(
    st.lists(
        st.text(max_size=20)
        | st.sampled_from(["severity=inf", "frequency=1", "severity=.nan", "a=[1", "=="]),
        max_size=4,
    )
)
def test_scale_answer_arguments_never_raise_anything_else(args):
    try:
        data = read_scale_answers(args)
        score_scale("jankovic", data)
    except HemispasmError as exc:
        assert "\n" not in str(exc)


summaries = st.dictionaries(
    st.sampled_from(["sides", "per_side", "left", "right", "synthetic", "provenance", "x"]),
    values
    | st.dictionaries(
        st.sampled_from(["left", "right"]),
        st.dictionaries(
            st.sampled_from(
                [
                    "spasms_per_min",
                    "clonic_count",
                    "tonic_count",
                    "regions",
                    "spread_stage",
                    "jankovic",
                    "jankovic_frequency",
                    "smc_grade",
                    "severity_score",
                ]
            ),
            values,
            max_size=6,
        ),
        max_size=2,
    ),
    max_size=4,
)


@BUDGET
@given(summaries | values)
def test_video_summary_reader_returns_measures_or_one_line_error(summary):
    try:
        data, _ = read_video_summary(summary)
        measures_from_summary(data)
        case, vm = apply_video_summary(Case(side="left"), summary)
    except HemispasmError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(case, Case)
    vm.model_dump_json()


@BUDGET
@given(st.text(max_size=300))
def test_video_summary_file_never_raises_anything_else(text):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "summary.json"
        p.write_text(text, encoding="utf-8")
        try:
            apply_video_summary(Case(), str(p))
        except HemispasmError as exc:
            assert "\n" not in str(exc)


def _plausible_cases():
    """Cases built from each field's accepted values and synonyms (most are accepted)."""
    from hemispasm.clinic.wording import _kind, field_choices, load_wording

    w = load_wording()
    fields = {}
    for name, info in Case.model_fields.items():
        if name in ("interpretations", "video_summary", "scales", "treatments", "notes"):
            continue
        choices = list(field_choices(name))
        kind = _kind(info.annotation)
        if choices:
            pool = st.sampled_from(choices + sorted(w.table(name)))
            fields[name] = st.lists(pool, max_size=3) if "list" in kind else pool
        elif "bool" in kind:
            fields[name] = st.sampled_from([True, False, None, "present", "absent", "unknown"])
        elif "number" in kind:
            fields[name] = st.integers(min_value=0, max_value=120)
    toxin = st.fixed_dictionaries(
        {"type": st.sampled_from(["botulinum_toxin", "Botox", "carbamazepine", "mvd"])},
        optional={
            "date": st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2024, 12, 31)),
            "doses": st.sampled_from([10, 20.5, "25 U", "200 mg twice daily", None]),
            "response": st.sampled_from(["good, lasted 16 weeks", "partial", "poor", "marked"]),
            "benefit_weeks": st.floats(min_value=0, max_value=60),
            "product": st.sampled_from(["Botox", "Dysport", "onabotulinumtoxinA", "other"]),
            "peak_improvement_pct": st.integers(min_value=0, max_value=100),
        },
    )
    return st.fixed_dictionaries({}, optional={**fields, "treatments": st.lists(toxin, max_size=4)})


@settings(
    max_examples=_LONG or 60,
    deadline=None,
    derandomize=not _LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(cases | _plausible_cases())
def test_any_accepted_case_is_assessed_and_rendered_without_none(data):
    import re

    from hemispasm.clinic import assess
    from hemispasm.clinic.report import render_html, render_markdown, summary_line

    try:
        case = case_from_dict(data)
    except HemispasmError:
        return
    try:
        a = assess(case)
    except HemispasmError as exc:  # e.g. scale answers that do not score
        assert "\n" not in str(exc)
        return
    for text in (render_markdown(a), render_html(a), summary_line(a)):
        assert not re.search(r"\bNone\b", text)
        assert "<script" not in text
