"""Derived measures: pure functions over a patient's rows, sharing the clinic's course logic."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from hemispasm.clinic.treatment import analyze_course
from hemispasm.registry import derive as d
from hemispasm.registry.derive import (
    DrugCourseRow,
    FollowUpRow,
    InjectionRow,
    PatientRecord,
    ScaleScoreRow,
    SurgeryRow,
    ToxinSessionRow,
    VideoAnalysisRow,
    VisitRow,
)

D = dt.date


def _tox(i, date, *, product="onabotulinumtoxinA", benefit=None, peak=None, response=None, inj=()):
    return ToxinSessionRow(
        id=i,
        date=date,
        product_inn=product,
        benefit_weeks=benefit,
        peak_improvement_pct=peak,
        response=response,
        injections=[InjectionRow(muscle=m, side="left", units=u) for m, u in inj],
    )


def _patient(**kw) -> PatientRecord:
    return PatientRecord(patient_id="HS-TEST0001", side="left", **kw)


def test_intervals_next_due_and_overdue():
    p = _patient(
        toxin_sessions=[
            _tox(1, D(2024, 1, 1)),
            _tox(2, D(2024, 4, 1)),
            _tox(3, D(2024, 7, 15)),
        ]
    )
    s = d.schedule(p, as_of=D(2025, 1, 1))
    assert s.intervals_weeks == [13.0, 15.0]
    assert s.median_interval_weeks == 14.0
    assert s.last_session == D(2024, 7, 15)
    assert s.next_due == D(2024, 7, 15) + dt.timedelta(days=98)
    assert s.overdue_weeks == round((D(2025, 1, 1) - s.next_due).days / 7, 1)
    one = d.schedule(_patient(toxin_sessions=[_tox(1, D(2024, 1, 1))]))
    assert one.next_due == D(2024, 1, 1) + dt.timedelta(weeks=12)
    assert "usual interval" in one.next_due_basis and one.overdue_weeks is None


def test_waning_is_the_clinic_analysis_not_a_copy():
    p = _patient(
        toxin_sessions=[
            _tox(1, D(2024, 1, 1), benefit=16, inj=[("orbicularis_oculi", 10)]),
            _tox(2, D(2024, 5, 1), benefit=15, inj=[("orbicularis_oculi", 10)]),
            _tox(3, D(2024, 9, 1), benefit=9, inj=[("orbicularis_oculi", 10)]),
        ]
    )
    m = d.derive(p)
    direct = analyze_course(d.record_treatments(p))
    assert m.waning and m.waning_reasons == direct.waning_reasons
    assert m.course.toxin_intervals_weeks == direct.toxin_intervals_weeks
    steady = _patient(
        toxin_sessions=[
            _tox(1, D(2024, 1, 1), benefit=14, inj=[("orbicularis_oculi", 10)]),
            _tox(2, D(2024, 5, 1), benefit=13, inj=[("orbicularis_oculi", 10)]),
        ]
    )
    assert not d.derive(steady).waning


def test_source_does_not_keep_a_second_waning_rule():
    src = Path(d.__file__).read_text() + Path(d.__file__).with_name("records.py").read_text()
    assert "WANING_FRACTION" not in src and not re.search(r"0\.75\s*\*", src)


def test_dose_drift_is_per_product_never_summed():
    p = _patient(
        toxin_sessions=[
            _tox(1, D(2023, 1, 1), benefit=12, inj=[("orbicularis_oculi", 10), ("zygomaticus", 2)]),
            _tox(2, D(2024, 1, 1), benefit=10, inj=[("orbicularis_oculi", 14), ("zygomaticus", 4)]),
            _tox(
                3,
                D(2024, 6, 1),
                product="abobotulinumtoxinA",
                benefit=12,
                inj=[("orbicularis_oculi", 40)],
            ),
        ]
    )
    by = {x.product: x for x in d.dose_by_product(p)}
    assert set(by) == {"onabotulinumtoxinA", "abobotulinumtoxinA"}
    ona = by["onabotulinumtoxinA"]
    assert [u for _, u in ona.units_per_cycle] == [12.0, 18.0]
    assert [u for _, u in ona.units_per_week_of_benefit] == [1.0, 1.8]
    assert ona.slope_units_per_year == pytest.approx(6 / (365 / 365.25), rel=1e-2)
    assert by["abobotulinumtoxinA"].units_per_cycle[0][1] == 40.0
    assert by["abobotulinumtoxinA"].slope_units_per_year is None
    # the clinic Treatment keeps units per muscle (sides added)
    t = d.session_treatment(p.toxin_sessions[0])
    assert t.doses == {"orbicularis_oculi": 10.0, "zygomaticus": 2.0} and t.total_units == 12


def test_cycles_onset_peak_and_wearing_off_from_follow_ups():
    p = _patient(
        toxin_sessions=[_tox(1, D(2024, 1, 1)), _tox(2, D(2024, 5, 1), benefit=13)],
        follow_ups=[
            FollowUpRow(id=1, date=D(2024, 1, 5), improvement_pct=30),
            FollowUpRow(id=2, date=D(2024, 1, 15), improvement_pct=80),
            FollowUpRow(id=3, date=D(2024, 4, 1), improvement_pct=0),
            FollowUpRow(id=4, date=D(2024, 5, 20), improvement_pct=60),
        ],
    )
    c1, c2 = d.cycles(p)
    assert (c1.onset_days, c1.peak_days, c1.peak_improvement_pct) == (4, 14, 80)
    assert c1.wearing_off_basis == "follow_up" and c1.wearing_off_weeks == round(91 / 7, 1)
    assert (
        c2.onset_days == 19
        and c2.wearing_off_weeks == 13
        and c2.wearing_off_basis == ("recorded_benefit")
    )
    bare = d.cycles(_patient(toxin_sessions=[_tox(1, D(2024, 1, 1))]))[0]
    assert bare.onset_days is None and bare.peak_days is None and bare.wearing_off_weeks is None


def test_mvd_outcome_classes_and_time_to_spasm_free():
    op = D(2024, 3, 1)

    def outcome(*fus):
        p = _patient(
            surgeries=[
                SurgeryRow(
                    id=7,
                    date=op,
                    complications=[
                        {"name": "hearing_loss", "permanent": True},
                        {"name": "csf_leak", "permanent": False},
                    ],
                )
            ],
            follow_ups=[
                FollowUpRow(
                    id=i,
                    date=op + dt.timedelta(days=day),
                    surgery_id=7,
                    spasm_free=free,
                    improvement_pct=pct,
                )
                for i, (day, free, pct) in enumerate(fus)
            ],
        )
        return d.mvd_outcomes(p)[0]

    o = outcome((7, False, 50), (40, True, 100), (365, True, 100))
    assert o.outcome == "spasm_free" and o.time_to_spasm_free_days == 40
    assert o.resolution == "delayed" and o.follow_up_days == 365
    assert o.permanent_complications == ["hearing_loss"] and o.transient_complications == [
        "csf_leak"
    ]
    assert outcome((3, True, 100)).resolution == "immediate"
    assert outcome((7, True, 100), (700, False, 20)).outcome == "recurred"
    assert outcome((7, False, 40)).outcome == "improved"
    assert outcome((7, False, 0)).outcome == "unchanged"
    assert outcome().outcome == "not_assessed"


def test_video_rate_beside_scale_scores_and_timeline_order():
    summary = {
        "duration_s": 60.0,
        "affected_side": "left",
        "sides": {"left": {"spasms_per_min": 6.5}, "right": {"spasms_per_min": 0.2}},
    }
    p = _patient(
        visits=[VisitRow(id=1, date=D(2024, 2, 1)), VisitRow(id=2, date=D(2024, 1, 1))],
        video_analyses=[
            VideoAnalysisRow(
                analysis_id=3,
                recording_id=4,
                visit_id=1,
                sha256="ab" * 32,
                summary=summary,
                hemispasm_version="0.9",
            )
        ],
        scale_scores=[
            ScaleScoreRow(id=5, scale="smc", total=2, source="clinician", visit_id=1),
            ScaleScoreRow(id=6, scale="hfs7", total=12, source="patient", visit_id=1),
        ],
        drug_courses=[
            DrugCourseRow(
                id=1,
                drug="clonazepam",
                dose_mg_per_day=1,
                start_date=D(2023, 12, 1),
                stop_date=D(2024, 1, 10),
                response="none",
            )
        ],
        toxin_sessions=[_tox(1, D(2024, 2, 1), inj=[("orbicularis_oculi", 10)])],
    )
    vm = {v.visit_id: v for v in d.visit_measures(p)}
    assert vm[1].video[0]["spasms_per_min"] == 6.5 and vm[1].video[0]["unit"] == "/min"
    assert {s["scale"] for s in vm[1].scales} == {"smc", "hfs7"}
    assert vm[2].video == [] and list(vm) == [2, 1]
    tl = d.timeline(p)
    assert [e.date for e in tl] == sorted(e.date for e in tl)
    assert tl[0].kind == "drug_start" and tl[-1].date == D(2024, 2, 1)
    kinds = {e.kind for e in tl}
    assert {"visit", "toxin_session", "drug_stop", "recording", "scale_score"} <= kinds
    # the oral drug reaches the shared course analysis too
    assert d.derive(p).course.oral_drug_failed


def test_video_rate_side_choice():
    s = {
        "sides": {"left": {"spasms_per_min": 1.0}, "right": {"spasms_per_min": 4.0}},
        "affected_side": "bilateral",
    }
    assert d.video_spasm_rate(s, "left") == ("left", 1.0)
    assert d.video_spasm_rate(s, "bilateral") == ("right", 4.0)
    assert d.video_spasm_rate({}, "left") == (None, None)


def test_every_definition_has_a_documented_source():
    refs = (Path(__file__).parents[2] / "docs" / "references.md").read_text()
    section = refs.split("## Registry demo cohort", 1)[1]
    clinic = refs.split("## Clinical assessment and treatment", 1)[1]
    for definition in d.DEFINITIONS.values():
        for key in definition.sources:
            assert f"`{key}`" in section or f"`{key}`" in clinic, key
    assert d.derive(_patient()).definitions
