"""Treatment-course analysis and the injection plan."""

from __future__ import annotations

import pytest

from hemispasm.clinic import analyze_course, case_from_dict, injection_plan
from hemispasm.clinic.case import Treatment


def _tox(date, **kw):
    kw.setdefault("doses", 20)
    return Treatment(type="botulinum_toxin", date=date, **kw)


def test_intervals_are_in_weeks_and_sorted_by_date():
    c = analyze_course([_tox("2024-04-01"), _tox("2024-01-01"), _tox("2024-07-01")])
    assert c.toxin_sessions == 3
    assert [s.date for s in c.sessions] == ["2024-01-01", "2024-04-01", "2024-07-01"]
    assert c.toxin_intervals_weeks == [13.0, 13.0]
    assert c.mean_toxin_interval_weeks == 13.0 and c.short_intervals == []


def test_waning_by_duration_peak_and_response():
    assert analyze_course(
        [_tox("2024-01-01", benefit_weeks=16), _tox("2024-05-01", benefit_weeks=11)]
    ).waning
    assert not analyze_course(
        [_tox("2024-01-01", benefit_weeks=16), _tox("2024-05-01", benefit_weeks=13)]
    ).waning
    assert analyze_course(
        [_tox("2024-01-01", peak_improvement_pct=90), _tox("2024-05-01", peak_improvement_pct=60)]
    ).waning
    assert analyze_course(
        [_tox("2024-01-01", response="marked"), _tox("2024-05-01", response="mild")]
    ).waning
    assert not analyze_course(
        [_tox("2024-01-01", response="marked"), _tox("2024-05-01", response="moderate")]
    ).waning
    assert not analyze_course([_tox("2024-01-01", benefit_weeks=12)]).waning


def test_oral_failure_intolerance_and_doses():
    c = analyze_course(
        [
            Treatment(type="clonazepam", doses=1.0, response="none"),
            _tox(
                "2024-01-01",
                doses={"orbicularis_oculi": 10, "zygomaticus": 2.5},
                stopped_for_side_effects=True,
            ),
            Treatment(type="mvd", date="2024-06-01"),
        ]
    )
    assert c.oral_drug_failed and c.toxin_intolerance and c.mvd_done
    assert c.sessions[0].total_dose == 12.5


def test_bad_doses_are_rejected():
    with pytest.raises(ValueError):
        Treatment(type="botulinum_toxin", doses={"nose": 3})
    with pytest.raises(ValueError):
        Treatment(type="botulinum_toxin", doses=-1)


def test_injection_plan_from_muscles():
    case = case_from_dict(
        {"side": "left", "first_muscle": "orbicularis_oculi", "spread_to": ["zygomaticus"]}
    )
    plan = injection_plan(case, measured_muscles=["orbicularis_oris"])
    by = {s.muscle: s for s in plan.sites}
    assert set(by) == {"orbicularis_oculi", "zygomaticus", "orbicularis_oris"}
    # one paradigm per muscle: fixed-site orbicularis oculi (4 x 5 U), wide-area 2 U/site elsewhere
    oo = by["orbicularis_oculi"]
    assert (oo.sites, oo.units_per_site, oo.total_units) == (4, 5.0, 20.0)
    assert oo.sources == ["thai_fixed_site_mds"]
    assert by["zygomaticus"].units_per_site_range == (2.0, 2.0)
    assert by["zygomaticus"].sites is None and "injector's choice" in by["zygomaticus"].note
    assert "20 U fixed" in plan.session_total_text
    assert "alternated Botox and Dysport" in plan.reference_totals[1].text
    assert by["orbicularis_oris"].measured and not by["zygomaticus"].measured
    assert "yu1992" in by["orbicularis_oris"].sources
    assert "not a prescription" in plan.disclaimer
    post = injection_plan(
        case_from_dict({"first_muscle": "zygomaticus", "prior_bells_palsy": True})
    )
    assert post.sites[0].units_per_site_range == (1.5, 1.5)
    assert injection_plan(case_from_dict({"first_muscle": "masseter"})) is None


def test_mvd_discussion_reasons():
    from hemispasm.clinic import assess

    base = {
        "side": "left",
        "first_muscle": "orbicularis_oculi",
        "spasm_type": "clonic",
        "emg_lsr": "present",
        "mri": "normal",
        "mri_sequences": ["high_res_t2", "mra_tof"],
        "age": 45,
        "facial_weakness": False,
        "hearing_loss": False,
    }
    assert assess(case_from_dict(base)).discuss_mvd == []
    a = assess(case_from_dict({**base, "prefers_definitive_treatment": True}))
    assert [c.source for c in a.discuss_mvd] == ["rosenstengel2012"]
    young = assess(case_from_dict({**base, "age": 25, "onset_age": 22}))
    assert [c.source for c in young.discuss_mvd] == ["han2009"]


def test_vertebral_vessel_adds_a_cited_mvd_note():
    from hemispasm.clinic import assess

    a = assess(
        case_from_dict(
            {
                "side": "left",
                "first_muscle": "orbicularis_oculi",
                "spasm_type": "clonic",
                "mri": "neurovascular_conflict",
                "mri_vessel": "vertebral",
                "facial_weakness": False,
                "hearing_loss": False,
            }
        )
    )
    mvd = next(o for o in a.treatment_options if "MVD" in o.treatment)
    assert [n.source for n in mvd.notes] == ["li2022_va_mvd"]


def test_waning_needs_the_same_product_and_a_kept_dose():
    # shorter benefit after a deliberate dose cut: not waning
    cut = analyze_course(
        [
            _tox("2024-01-01", doses=30, benefit_weeks=16),
            _tox("2024-04-01", doses=15, benefit_weeks=8),
        ]
    )
    assert not cut.waning and cut.waning_verdict == "shorter_after_dose_cut"
    assert "30 U to 15 U" in cut.waning_summary
    # shorter despite escalation: waning, with what to check (antibodies, boosters, technique)
    up = analyze_course(
        [
            _tox("2024-01-01", doses=20, benefit_weeks=16),
            _tox("2024-03-01", doses=25, benefit_weeks=8),
        ]
    )
    assert up.waning and up.waning_verdict == "waning"
    assert {c.source for c in up.what_to_check} >= {"frevert2015", "botox_label_blepharospasm"}
    assert "8.6 weeks" in next(c.text for c in up.what_to_check if "booster" in c.text)
    # doses missing: cannot tell
    nodose = analyze_course(
        [
            _tox("2024-01-01", doses=None, benefit_weeks=16),
            _tox("2024-05-01", doses=None, benefit_weeks=8),
        ]
    )
    assert nodose.waning_verdict == "dose_not_recorded" and not nodose.waning
    # a product change is never compared (units are not interchangeable)
    switch = analyze_course(
        [
            _tox("2024-01-01", product="onabotulinumtoxinA", doses=20, benefit_weeks=16),
            _tox("2024-05-01", product="abobotulinumtoxinA", doses=60, benefit_weeks=8),
        ]
    )
    assert not switch.waning and "different product" in switch.waning_summary
    assert switch.sessions[1].dose_text == "60 U abobotulinumtoxinA"


def test_every_dose_has_its_unit():
    c = analyze_course(
        [
            Treatment(type="carbamazepine", doses=400),
            _tox("2024-01-01", product="incobotulinumtoxinA", doses={"orbicularis_oculi": 10}),
        ]
    )
    by = {s.type: s for s in c.sessions}
    assert by["carbamazepine"].dose_text == "400 mg/day"
    assert by["carbamazepine"].dose_unit == "mg/day"
    assert by["botulinum_toxin"].dose_text == "10 U incobotulinumtoxinA (orbicularis oculi 10 U)"


def test_injection_plan_reductions():
    elderly = injection_plan(
        case_from_dict(
            {"age": 72, "first_muscle": "orbicularis_oculi", "spread_to": ["zygomaticus"]}
        )
    )
    assert any("0.5 U per site less" in r.text for s in elderly.sites for r in s.reductions)
    post = injection_plan(
        case_from_dict({"first_muscle": "orbicularis_oculi", "facial_trauma": True})
    )
    assert post.sites[0].units_per_site == 1.5 and post.sites[0].sites is None
    assert "post-paralytic" in post.sites[0].reductions[0].text


def test_short_intervals_are_written_in_words():
    """The booster check names the short intervals in weeks, not as a Python list."""
    c = analyze_course(
        [
            _tox("2024-01-01", benefit_weeks=16),
            _tox("2024-03-11", benefit_weeks=9),  # 10 weeks after the first
        ]
    )
    assert c.waning and c.short_intervals == [10.0]
    text = " ".join(w.text for w in c.what_to_check)
    assert "intervals under 12 weeks recorded: 10 weeks" in text and "[" not in text
