"""The synthetic demo cohort: cited figures, marked synthetic, bulk-written with audit rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hemispasm.errors import ValidationError
from hemispasm.registry import audit
from hemispasm.registry import models as m
from hemispasm.registry.demo import FIGURES, generate_demo, simulate_cohort
from hemispasm.registry.records import load_patient_record, patient_measures, waning_patients


def test_same_seed_same_cohort_other_seed_other():
    a = simulate_cohort(patients=30, seed=5)
    b = simulate_cohort(patients=30, seed=5)
    c = simulate_cohort(patients=30, seed=6)
    assert a.tables == b.tables
    assert a.tables["patient"] != c.tables["patient"]


def test_figures_shape_the_cohort():
    co = simulate_cohort(patients=3000, seed=11)
    pts = co.tables["patient"]
    n = len(pts)
    assert all(p["synthetic"] for p in pts)
    assert abs(sum(p["sex"] == "female" for p in pts) / n - FIGURES["female_share"].value) < 0.04
    uni = [p for p in pts if p["side"] != "bilateral"]
    assert abs(sum(p["side"] == "left" for p in uni) / len(uni) - 0.56) < 0.04
    ages = [p["onset_age"] for p in pts]
    assert min(ages) >= 15 and max(ages) <= 87 and abs(sum(ages) / n - 48.5) < 1.5
    mvd = {s["patient_id"] for s in co.tables["surgery"]}
    assert 0.10 < len(mvd) / n < 0.17  # 15.8% drawn, minus operations after the data end
    smc = [s["total"] for s in co.tables["scale_score"] if s["scale"] == "smc"]
    first = {}
    for s in co.tables["scale_score"]:
        if s["scale"] == "smc":
            first.setdefault(s["patient_id"], s["total"])
    share_ii = sum(v == 2 for v in first.values()) / len(first)
    assert abs(share_ii - 48 / 118) < 0.04 and smc
    ona = [s for s in co.tables["toxin_session"] if s["product_inn"] == "onabotulinumtoxinA"]
    abo = [s for s in co.tables["toxin_session"] if s["product_inn"] == "abobotulinumtoxinA"]
    assert ona and abo
    benefit = [s["benefit_weeks"] for s in co.tables["toxin_session"]]
    assert 12 < sum(benefit) / len(benefit) < 18
    ids = [i["name"] for i in co.tables["patient_identity"]]
    assert all(x.startswith("Synthetic Patient") for x in ids)
    assert all(i["mrn"].startswith("SYN-") for i in co.tables["patient_identity"])


def test_every_figure_is_cited_in_the_references():
    refs = (Path(__file__).parents[2] / "docs" / "references.md").read_text()
    section = refs.split("## Registry demo cohort", 1)[1]
    for key, fig in FIGURES.items():
        assert f"`{fig.source}`" in section or fig.source == "engineering", key
        assert fig.estimate or fig.source != "engineering", key


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(ValidationError, match="--patients"):
        simulate_cohort(patients=0, seed=1)
    with pytest.raises(ValidationError, match="--seed"):
        simulate_cohort(patients=2, seed=-1)


def test_demo_writes_synthetic_rows_with_a_verified_audit_chain(reg):
    with reg.transaction(actor="demo-test") as s:
        res = generate_demo(s, patients=40, seed=3)
    assert res["synthetic"] and res["rows"]["patient"] == 40
    with reg.session() as s:
        assert s.scalar(select(func.count()).select_from(m.Patient)) == 40
        assert s.scalar(select(func.count()).where(m.Patient.synthetic.is_(False))) == 0
        n_rows = sum(res["rows"].values())
        chain = audit.verify_chain(s)
        assert chain["ok"] and chain["n_events"] == n_rows == res["audit_rows"]
        ev = next(e for e in chain["events"] if e["entity"] == "patient_identity")
        assert ev["changes"]["name"] == audit.REDACTED and ev["changes"]["mrn"] == audit.REDACTED
        assert all(e["actor"] == "demo-test" for e in chain["events"])
        inj = next(e for e in chain["events"] if e["entity"] == "toxin_injection")
        assert inj["patient_id"] is not None
    # ORM writes after the bulk insert get fresh ids (PostgreSQL sequences were advanced)
    with reg.transaction() as s:
        pid = s.scalars(select(m.Patient.id)).first()
        v = m.Visit(patient_id=pid, date=dt.date(2026, 7, 1))
        s.add(v)
        s.flush()
        assert v.id > res["rows"]["visit"] - 1
    with reg.session() as s:
        assert audit.verify_chain(s)["ok"]


def test_the_same_seed_twice_is_refused_and_changes_nothing(reg):
    with reg.transaction() as s:
        generate_demo(s, patients=5, seed=9)
    with (
        pytest.raises(ValidationError, match="seed 9 is already in this registry"),
        reg.transaction() as s,
    ):
        generate_demo(s, patients=5, seed=9)
    with reg.session() as s:
        assert s.scalar(select(func.count()).select_from(m.Patient)) == 5


def test_cohort_waning_query_agrees_with_each_patients_derivation(reg):
    with reg.transaction() as s:
        generate_demo(s, patients=60, seed=21)
    with reg.session() as s:
        waning = set(waning_patients(s))
        assert waning, "the synthetic waning subset must be found"
        assert waning_patients(s, synthetic=False) == []
        for pid in s.scalars(select(m.Patient.id)):
            assert patient_measures(s, pid).waning == (pid in waning)
        pid = sorted(waning)[0]
        rec = load_patient_record(s, pid)
        assert rec.synthetic and rec.toxin_sessions and rec.toxin_sessions[0].injections
        dm = patient_measures(s, pid, as_of=dt.date(2026, 6, 30))
        assert dm.synthetic and dm.timeline and dm.schedule.next_due is not None
        assert all(len({p.product}) == 1 for p in dm.dose_by_product)


def test_cli_demo_then_show_derived(registry_env, capsys):
    from hemispasm.cli import main

    assert main(["registry", "init"]) == 0
    assert main(["registry", "demo", "--patients", "12", "--seed", "31"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "12" in out
    assert main(["registry", "demo", "--patients", "0", "--seed", "1"]) != 0
    err = capsys.readouterr().err
    assert "--patients" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["patient", "list", "--json"]) == 0
    import json

    pid = json.loads(capsys.readouterr().out)[0]["id"]
    assert main(["patient", "show", pid, "--derived", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["derived"]["synthetic"] is True and shown["derived"]["timeline"]
