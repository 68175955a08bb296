"""Cohort distributions: the pure summary on a small registry written here (exact counts,
small-cell suppression, products never summed, the synthetic label), and the whole-registry
loader on SQLite and PostgreSQL (the same records as the per-patient loader, cached per
registry change)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import ValidationError

from hemispasm.registry.cohort import (
    CohortFilter,
    cohort_summary,
    patient_facts,
    summary_rows,
)
from hemispasm.registry.derive import (
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


def _tox(i, date, product, units, benefit):
    return ToxinSessionRow(
        id=i,
        date=date,
        product_inn=product,
        benefit_weeks=benefit,
        injections=[InjectionRow(muscle="orbicularis_oculi", side="left", units=units)],
    )


def _cohort() -> list[PatientRecord]:
    """12 patients: 7 women left, 2 men left, 3 men right; 3 synthetic."""
    out = []
    for k in range(12):
        sex, side = (
            ("female", "left") if k < 7 else (("male", "left") if k < 9 else ("male", "right"))
        )
        sessions = []
        if k < 10:  # 10 toxin patients: ona 20 U every 14 weeks, benefit 12 weeks
            sessions = [
                _tox(
                    100 * k + j,
                    D(2024, 1, 1) + dt.timedelta(weeks=14 * j),
                    "onabotulinumtoxinA",
                    20.0,
                    12.0,
                )
                for j in range(3)
            ]
        if k == 0:  # patient 0 also has an abobotulinumtoxinA session of 100 U
            sessions.append(_tox(9000, D(2025, 1, 1), "abobotulinumtoxinA", 100.0, 10.0))
        visits = [VisitRow(id=1000 + k, date=D(2024, 1, 1))]
        scales = [
            ScaleScoreRow(
                id=2000 + k,
                scale="smc",
                total=2 if k < 8 else 3,
                source="clinician",
                visit_id=1000 + k,
            )
        ]
        video = []
        if k < 6:
            video = [
                VideoAnalysisRow(
                    analysis_id=3000 + k,
                    recording_id=4000 + k,
                    visit_id=1000 + k,
                    summary={"sides": {"left": {"spasms_per_min": 3.0 + k}}},
                )
            ]
        surgeries, fus = [], []
        if k == 11:
            surgeries = [
                SurgeryRow(
                    id=5000,
                    date=D(2024, 6, 1),
                    lsr_disappeared=True,
                    complications=[{"name": "hearing_loss", "permanent": False}],
                )
            ]
            fus = [
                FollowUpRow(
                    id=6000,
                    date=D(2024, 9, 1),
                    surgery_id=5000,
                    spasm_free=True,
                    improvement_pct=100.0,
                )
            ]
        out.append(
            PatientRecord(
                patient_id=f"HS-TEST{k:04d}",
                synthetic=k >= 9,
                sex=sex,
                side=side,
                onset_age=25 + 4 * k,  # 25 ... 69
                visits=visits,
                toxin_sessions=sessions,
                scale_scores=scales,
                video_analyses=video,
                surgeries=surgeries,
                follow_ups=fus,
            )
        )
    return out


@pytest.fixture
def facts():
    return [patient_facts(r) for r in _cohort()]


def _cells(counts):
    return {c.label: c.text for c in counts.cells}


def test_exact_counts_with_min_cell_1(facts):
    s = cohort_summary(facts=facts, min_cell=1)
    assert s.n_patients.value == 12 and s.registry_patients == 12
    assert _cells(s.side_sex) == {
        "female · left": "7",
        "female · right": "0",
        "male · left": "2",
        "male · right": "3",
    }
    ages = {b.label: b.value for b in s.onset_age.bins}
    assert (
        ages["20-29"] == 2 and ages["30-39"] == 2 and ages["40-49"] == 3
    )  # 25,29 / 33,37 / 41,45,49
    assert sum(b.value for b in s.onset_age.bins) == 12
    assert s.spasm_rate.n.value == 6  # six patients have a video
    assert s.spasm_rate.quantiles["median"] == 5.5  # 3..8 spasms/min
    smc = next(d for d in s.scales if d.key == "smc/clinician")
    assert {b.label: b.value for b in smc.bins} == {"1": 0, "2": 8, "3": 4, "4": 0}
    assert s.waning.n.value == 10 and s.interval_weeks.quantiles["median"] == 14.0
    assert _cells(s.mvd_outcome)["spasm free"] == "1"
    assert _cells(s.mvd_lsr)["LSR disappeared · spasm-free"] == "1"
    assert _cells(s.mvd_complications)["hearing_loss (transient)"] == "1"


def test_small_cells_suppressed_with_a_second_cell(facts):
    s = cohort_summary(facts=facts)  # min_cell 5
    assert s.min_cell == 5
    cells = {c.label: c for c in s.side_sex.cells}
    assert cells["female · left"].text == "7"
    assert cells["male · left"].text == "< 5" and cells["male · left"].value is None
    assert cells["male · right"].text == "< 5"  # two hidden: neither recoverable from n = 12
    assert cells["female · right"].text == "0"
    # one small cell in a partition: the smallest other non-zero cell is hidden too
    smc = next(d for d in s.scales if d.key == "smc/clinician")
    bins = {b.label: b for b in smc.bins}
    assert bins["3"].text == "< 5" and bins["3"].suppressed == "primary"
    assert bins["2"].text == "hidden" and bins["2"].value is None
    assert bins["2"].suppressed == "secondary"
    # a distribution whose n is under the threshold: n only, no bins, no quantiles
    assert s.mvd_outcome.n.text == "< 5"
    assert all(c.value is None for c in s.mvd_outcome.cells)
    only = cohort_summary(facts=facts, filters=CohortFilter(sex="male", side="right"))
    assert only.n_patients.text == "< 5"
    assert only.onset_age.bins == [] and only.onset_age.quantiles is None
    # no number under the threshold appears anywhere in the CSV rows' counts
    for row in summary_rows(s):
        if row["kind"] in ("bin", "cell", "n") and str(row["value"]).isdigit():
            assert int(row["value"]) == 0 or int(row["value"]) >= 5, row


def test_products_never_summed(facts):
    s = cohort_summary(facts=facts, min_cell=1)
    assert [d.key for d in s.units] == ["abobotulinumtoxinA", "onabotulinumtoxinA"]
    abo = s.units[0]
    ona = s.units[1]
    assert abo.n.value == 1 and abo.quantiles["median"] == 100.0
    assert ona.n.value == 10 and ona.quantiles["median"] == 20.0  # not 120 for patient 0
    assert {d.key for d in s.benefit_weeks} == {"abobotulinumtoxinA", "onabotulinumtoxinA"}
    assert (
        next(d for d in s.benefit_weeks if d.key == "abobotulinumtoxinA").quantiles["median"]
        == 10.0
    )
    assert {b.label: b.value for b in ona.bins}["20-30"] == 10
    assert all(v != 120.0 for d in s.units for v in d.quantiles.values())  # 20 + 100 never


def test_synthetic_label_and_filters(facts):
    s = cohort_summary(facts=facts, min_cell=1)
    assert s.registry_synthetic == 3 and s.synthetic_in_selection.value == 3
    real = cohort_summary(facts=facts, filters=CohortFilter(synthetic=False), min_cell=1)
    assert real.n_patients.value == 9 and real.synthetic_in_selection.value == 0
    assert real.registry_synthetic == 3  # the page still says the registry holds them
    assert real.filters == {"synthetic": False}
    tox = cohort_summary(facts=facts, filters=CohortFilter(treatment="toxin"), min_cell=1)
    assert tox.n_patients.value == 10
    mvd = cohort_summary(facts=facts, filters=CohortFilter(treatment="mvd"), min_cell=1)
    assert mvd.n_patients.value == 1
    band = cohort_summary(facts=facts, filters=CohortFilter(onset="30-44"), min_cell=1)
    assert band.n_patients.value == 3  # onset 33, 37, 41
    assert band.onset_age.quantiles["median"] == 37.0


def test_bad_filter_and_no_identifiers(facts):
    with pytest.raises(ValidationError):
        CohortFilter(side="up")
    with pytest.raises(ValidationError):
        CohortFilter(colour="blue")
    with pytest.raises(ValueError):
        cohort_summary(facts=facts, min_cell=0)
    assert "patient_id" not in facts[0].model_dump()
    text = json.dumps(cohort_summary(facts=facts).model_dump(mode="json"))
    assert "HS-TEST" not in text and "2024-" not in text


# ------------------------------------------------------------------ the database edge


def _write_small_registry(reg) -> list[str]:
    from hemispasm.registry import models as m
    from hemispasm.registry.patients import Identity, add_patient

    ids = []
    for k in range(6):
        ids.append(
            add_patient(
                reg,
                sex="female" if k < 4 else "male",
                side="left",
                onset_age=40 + k,
                identity=Identity(name=f"Cohort Person {k}", birth_date=D(1960, 1, 1 + k)),
            )["id"]
        )
    with reg.transaction(actor="test") as s:
        for k, pid in enumerate(ids[:5]):
            for j in range(2):
                ts = m.ToxinSession(
                    patient_id=pid,
                    date=D(2024, 1, 1) + dt.timedelta(weeks=13 * j),
                    product_inn="onabotulinumtoxinA" if k else "abobotulinumtoxinA",
                    benefit_weeks=12.0,
                )
                s.add(ts)
                s.flush()
                s.add(
                    m.ToxinInjection(
                        session_id=ts.id,
                        muscle="orbicularis_oculi",
                        side="left",
                        units=25.0 if k else 80.0,
                        points=4,
                    )
                )
    return ids


def test_bulk_loader_equals_per_patient_loader_and_cache(reg):
    from hemispasm.registry.cohort_query import clear_cache, cohort, load_records, registry_facts
    from hemispasm.registry.records import load_patient_record

    _write_small_registry(reg)
    with reg.read_session() as s:
        bulk = load_records(s)
        assert len(bulk) == 6
        for r in bulk:
            assert r.model_dump() == load_patient_record(s, r.patient_id).model_dump()
    clear_cache()
    first = registry_facts(reg)
    assert registry_facts(reg) is first  # unchanged registry: the cached facts
    c = cohort(reg, min_cell=1)
    assert c.n_patients.value == 6
    assert {d.key: d.n.value for d in c.units} == {"abobotulinumtoxinA": 1, "onabotulinumtoxinA": 4}
    assert c.waning.n.value == 5
    # a change (a new patient) invalidates the cache; a read (audit row) does not
    from hemispasm.registry.audit import append_events
    from hemispasm.registry.patients import add_patient

    with reg.transaction(actor="reader") as s:
        ev = {
            "action": "read",
            "entity": "cohort",
            "entity_id": "*",
            "patient_id": None,
            "changes": {"view": "test"},
        }
        append_events(s.connection(), [ev], actor="reader")
    assert registry_facts(reg) is first
    add_patient(reg, sex="male", side="right", onset_age=70)
    assert cohort(reg, min_cell=1).n_patients.value == 7


def test_incremental_cache_equals_a_full_rebuild(reg):
    from hemispasm.registry.cohort import cohort_summary
    from hemispasm.registry.cohort_query import clear_cache, registry_facts
    from hemispasm.registry.patients import update_patient

    ids = _write_small_registry(reg)
    clear_cache()
    registry_facts(reg)
    update_patient(reg, ids[0], side="right", reason="side was recorded wrongly")
    incremental = cohort_summary(facts=registry_facts(reg), min_cell=1)
    full = cohort_summary(facts=registry_facts(reg, use_cache=False), min_cell=1)
    assert incremental.model_dump() == full.model_dump()
    cells = {c.label: c.value for c in incremental.side_sex.cells}
    assert cells["female · right"] == 1 and cells["female · left"] == 3


def test_cli_cohort(reg, cli, tmp_path):
    """``hemispasm cohort``: text, --json, --csv; bad input gets one line and exit 2."""
    ids = _write_small_registry(reg)
    code, out, err = cli("cohort", "--min-cell", "1")
    assert code == 0, err
    assert out.startswith("cohort: 6 of 6 patients")
    assert "units per session, abobotulinumtoxinA: n 1, median 80 U" in out
    assert "units per session, onabotulinumtoxinA: n 4, median 25 U" in out
    code, out, err = cli("cohort", "--json", "--sex", "female", "--csv", tmp_path / "c.csv")
    assert code == 0, err
    data = json.loads(out)
    assert data["filters"] == {"sex": "female"} and data["n_patients"]["text"] == "< 5"
    text = (tmp_path / "c.csv").read_text()
    assert text.startswith("section,key,kind,label,lo,hi,value,unit\n")
    assert "meta,,filter,sex,,,female," in text
    for value in [*ids, "Cohort Person", "1960-01-0"]:
        assert value not in out and value not in text
    code, out, err = cli("cohort", "--treatment", "surgery")
    assert code == 2 and "treatment: 'surgery' is not one of toxin, mvd, drugs" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = cli("cohort", "--csv", tmp_path / "missing" / "c.csv")
    assert code == 2 and "does not exist" in err
    assert not (tmp_path / "missing").exists()
    code, _, err = cli("cohort", "--min-cell", "0")
    assert code == 2 and "--min-cell 0 is under 1" in err


def test_a_synthetic_video_is_no_real_patients_measured_rate():
    # a SYNTHETIC video analysed for a real (non-synthetic) patient, at a later visit than
    # that patient's real video: the cohort keeps the real video's rate
    visits = [VisitRow(id=1, date=D(2024, 1, 1)), VisitRow(id=2, date=D(2024, 6, 1))]

    def video(aid, visit_id, rate, synthetic):
        summary = {"sides": {"left": {"spasms_per_min": rate}}, "synthetic": synthetic}
        return VideoAnalysisRow(
            analysis_id=aid, recording_id=aid, visit_id=visit_id, summary=summary
        )

    def record(*, synthetic, analyses):
        return PatientRecord(
            patient_id="HS-TESTSYN1", synthetic=synthetic, side="left", visits=visits,
            video_analyses=analyses,
        )  # fmt: skip

    both = [video(1, 1, 4.0, False), video(2, 2, 30.0, True)]
    assert patient_facts(record(synthetic=False, analyses=both)).spasms_per_min == 4.0
    only_synthetic = [video(2, 2, 30.0, True)]
    assert patient_facts(record(synthetic=False, analyses=only_synthetic)).spasms_per_min is None
    # a synthetic patient (the demo cohort) keeps its synthetic videos' rates
    assert patient_facts(record(synthetic=True, analyses=both)).spasms_per_min == 30.0
    # and a real video at the latest visit is used as before
    real = [video(1, 1, 4.0, False), video(2, 2, 6.0, False)]
    assert patient_facts(record(synthetic=False, analyses=real)).spasms_per_min == 6.0
