"""Export: CSV / Parquet / FHIR R4 bundles; pseudonymised exports hold no identity anywhere."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from hemispasm.errors import OutputError, ValidationError
from hemispasm.registry import models as m
from hemispasm.registry.demo import generate_demo
from hemispasm.registry.export import export_registry
from hemispasm.registry.records import UnknownPatientError

NAME = "Ada Quimby-Lovelace"
BIRTH = dt.date(1961, 4, 12)
MRN = "MRN-771234"
CLIP = Path(os.environ.get("HEMISPASM_SHARED", "../shared")) / "data/video/blink_2s_360p.mp4"
SUMMARY = {
    "duration_s": 60.0,
    "affected_side": "left",
    "sides": {"left": {"spasms_per_min": 6.5}, "right": {"spasms_per_min": 0.0}},
    "synthetic": False,
}


def _real_patient(reg, *, clinician: str = "Dr Who") -> str:
    """A non-synthetic patient with identity, free text naming them, two products, an MVD."""
    with reg.transaction() as s:
        p = m.Patient(sex="female", side="left", onset_age=52)
        p.identity = m.PatientIdentity(name=NAME, birth_date=BIRTH, mrn=MRN)
        s.add(p)
        s.flush()
        v1 = m.Visit(
            patient_id=p.id,
            date=dt.date(2024, 1, 10),
            clinician=clinician,
            notes=f"{NAME} (born {BIRTH}, {MRN}) says the eye closes",
        )
        v2 = m.Visit(patient_id=p.id, date=dt.date(2024, 4, 20), clinician=clinician)
        s.add_all([v1, v2])
        s.flush()
        s.add(
            m.Case(
                patient_id=p.id,
                visit_id=v1.id,
                hemispasm_version="test",
                data={"case_id": MRN, "notes": NAME, "side": "left", "age": 62},
                source_name=f"{NAME}.yaml",
            )
        )
        ses = [
            m.ToxinSession(
                patient_id=p.id,
                visit_id=v1.id,
                date=v1.date,
                product_inn="onabotulinumtoxinA",
                brand="Botox",
                benefit_weeks=14,
                peak_improvement_pct=80,
                response="marked",
                injections=[
                    m.ToxinInjection(muscle="orbicularis_oculi", side="left", units=12.5, points=4),
                    m.ToxinInjection(muscle="zygomaticus", side="left", units=2.5, points=1),
                ],
            ),
            m.ToxinSession(
                patient_id=p.id,
                visit_id=v2.id,
                date=v2.date,
                product_inn="abobotulinumtoxinA",
                brand="Dysport",
                benefit_weeks=12,
                injections=[
                    m.ToxinInjection(muscle="orbicularis_oculi", side="left", units=40, points=4)
                ],
            ),
        ]
        s.add_all(ses)
        rec = m.Recording(
            patient_id=p.id,
            visit_id=v1.id,
            sha256="ab" * 32,
            kind="video",
            suffix=".mp4",
            size_bytes=1234,
            duration_s=60.0,
            stored_path="ab/abab.mp4",
        )
        s.add(rec)
        s.flush()
        s.add(
            m.Analysis(
                recording_id=rec.id,
                kind="video",
                method="events.robust_baseline",
                summary=SUMMARY,
                hemispasm_version="0.9-test",
                provenance={"input_name": f"{NAME}.mp4", "version": "0.9-test"},
            )
        )
        s.add(
            m.ScaleScore(
                patient_id=p.id,
                visit_id=v1.id,
                date=v1.date,
                scale="smc",
                total=2,
                source="clinician",
            )
        )
        op = m.Surgery(
            patient_id=p.id,
            date=dt.date(2025, 1, 5),
            side="left",
            complications=[{"name": "hearing_loss", "permanent": False}],
        )
        s.add(op)
        s.flush()
        s.add(
            m.FollowUp(
                patient_id=p.id,
                surgery_id=op.id,
                date=dt.date(2025, 2, 20),
                spasm_free=True,
                improvement_pct=100,
            )
        )
        return p.id


def _bundles(folder: Path) -> dict[str, Bundle]:
    out = {}
    for f in sorted((folder / "fhir").glob("*.json")):
        out[f.stem] = Bundle.model_validate_json(f.read_text(encoding="utf-8"))
    return out


def _resources(bundle: Bundle, kind: str) -> list:
    return [e.resource for e in bundle.entry if e.resource.get_resource_type() == kind]


def test_fhir_bundles_reparse_with_one_administration_per_muscle(reg, tmp_path):
    pid = _real_patient(reg)
    with reg.transaction() as s:
        generate_demo(s, patients=4, seed=2)
    with reg.session() as s:
        res = export_registry(s, format="fhir", out_dir=tmp_path / "fhir-out")
    bundles = _bundles(tmp_path / "fhir-out")
    assert len(bundles) == 5 == res["patients"] and res["synthetic_patients"] == 4
    b = bundles[pid]
    assert b.meta is None  # a real patient: no synthetic tag
    (patient,) = _resources(b, "Patient")
    assert patient.name[0].text == NAME and str(patient.birthDate) == str(BIRTH)
    assert any(i.value == MRN for i in patient.identifier)
    (cond,) = _resources(b, "Condition")
    codes = {(c.system, c.code) for c in cond.code.coding}
    assert ("http://snomed.info/sct", "13753008") in codes
    assert ("http://hl7.org/fhir/sid/icd-10-cm", "G51.32") in codes
    procs = _resources(b, "Procedure")
    tox = [p for p in procs if p.code.coding[0].code == "442695005"]
    assert len(tox) == 2
    mas = _resources(b, "MedicationAdministration")
    assert len(mas) == 3  # 2 muscles in the first session, 1 in the second
    full = {e.resource.id: e.fullUrl for e in b.entry}
    tox_urls = {full[p.id] for p in tox}
    assert all(ma.partOf[0].reference in tox_urls for ma in mas)
    assert {ma.dosage.dose.code for ma in mas} == {"[U]"}
    assert sorted(float(ma.dosage.dose.value) for ma in mas) == [2.5, 12.5, 40.0]
    assert {ma.dosage.site.coding[0].code for ma in mas} == {"orbicularis_oculi", "zygomaticus"}
    rate = [o for o in _resources(b, "Observation") if o.code.coding[0].code == "spasm-rate"]
    assert len(rate) == 1 and float(rate[0].valueQuantity.value) == 6.5
    assert rate[0].valueQuantity.system == "http://unitsofmeasure.org"
    assert rate[0].valueQuantity.code == "/min"
    (device,) = _resources(b, "Device")
    assert rate[0].device.reference == full[device.id]
    assert device.deviceName[0].name == "hemispasm" and device.version[0].value
    (doc,) = _resources(b, "DocumentReference")
    assert doc.masterIdentifier.value == "ab" * 32
    mvd = [p for p in procs if p.code.coding[0].code == "mvd"]
    assert mvd and mvd[0].outcome.coding[0].code == "spasm_free"
    for spid, sb in bundles.items():
        if spid != pid:
            assert {t.code for t in sb.meta.tag} >= {"HTEST", "synthetic"}
            assert all(
                {t.code for t in e.resource.meta.tag} >= {"HTEST", "synthetic"} for e in sb.entry
            )


def _all_text(folder: Path) -> str:
    parts = []
    for f in sorted(folder.rglob("*")):
        if f.is_file():
            raw = f.read_bytes()
            for needle in (NAME, MRN, BIRTH.isoformat()):
                assert needle.encode() not in raw, (f.name, needle)
            if f.suffix == ".parquet":
                parts.append(pd.read_parquet(f).to_csv(index=False))
            else:
                parts.append(raw.decode("utf-8"))
    return "\n".join(parts)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "fhir"])
def test_pseudonymised_exports_hold_no_identity_anywhere(reg, tmp_path, fmt):
    pid = _real_patient(reg)
    with reg.transaction() as s:
        generate_demo(s, patients=3, seed=4)
    out = tmp_path / f"pseudo-{fmt}"
    with reg.session() as s:
        res = export_registry(s, format=fmt, out_dir=out, pseudonymised=True)
    text = _all_text(out)
    for needle in (NAME, MRN, BIRTH.isoformat(), "Quimby", "771234", "Synthetic Patient"):
        assert needle not in text, needle
    assert pid in text  # the pseudonymous registry id is kept
    assert res["pseudonymised"] and json.loads((out / "manifest.json").read_text())["pseudonymised"]
    if fmt == "fhir":
        _bundles(out)  # re-parse
    else:
        pat = (
            pd.read_csv(out / "patient.csv")
            if fmt == "csv"
            else pd.read_parquet(out / "patient.parquet")
        )
        assert dict(zip(pat["id"], pat["synthetic"], strict=True))[pid] in (False, "False")
        assert sum(bool(x) and x != "False" for x in pat["synthetic"]) == 3
        assert not (out / f"patient_identity.{fmt}").exists()
        inj = (
            pd.read_csv(out / "toxin_injection.csv")
            if fmt == "csv"
            else pd.read_parquet(out / "toxin_injection.parquet")
        )
        assert {"product_inn", "synthetic", "units"} <= set(inj.columns)


def test_full_csv_export_keeps_identity_and_one_patient_filter(reg, tmp_path):
    pid = _real_patient(reg)
    with reg.transaction() as s:
        generate_demo(s, patients=3, seed=8)
    with reg.session() as s:
        res = export_registry(s, format="csv", out_dir=tmp_path / "one", patient_id=pid)
    assert res["patients"] == 1
    ident = pd.read_csv(tmp_path / "one" / "patient_identity.csv")
    assert list(ident["name"]) == [NAME]
    visits = pd.read_csv(tmp_path / "one" / "visit.csv")
    assert set(visits["patient_id"]) == {pid} and len(visits) == 2
    tox = pd.read_csv(tmp_path / "one" / "toxin_session.csv")
    assert sorted(tox["product_inn"]) == ["abobotulinumtoxinA", "onabotulinumtoxinA"]


def test_bad_requests_are_one_line_and_write_nothing(reg, tmp_path):
    _real_patient(reg, clinician=NAME)  # an identity typed into a free-text field
    with reg.session() as s:
        with pytest.raises(ValidationError, match="--format"):
            export_registry(s, format="xml", out_dir=tmp_path / "a")
        with pytest.raises(UnknownPatientError, match="HS-NOPE"):
            export_registry(s, format="csv", out_dir=tmp_path / "b", patient_id="HS-NOPE")
        (tmp_path / "full").mkdir()
        (tmp_path / "full" / "x").write_text("x")
        with pytest.raises(OutputError, match="not empty"):
            export_registry(s, format="csv", out_dir=tmp_path / "full")
        with pytest.raises(OutputError, match="identifying data"):
            export_registry(s, format="csv", out_dir=tmp_path / "leak", pseudonymised=True)
    assert not any(p.name.startswith(".hemispasm-export") for p in tmp_path.iterdir())
    assert not (tmp_path / "leak").exists() and not (tmp_path / "a").exists()


@pytest.mark.skipif(not CLIP.is_file(), reason="shared clip not found (set HEMISPASM_SHARED)")
def test_real_clip_analysis_exports_as_observation_and_document(reg, tmp_path):
    from hemispasm.registry.recordings import add_recording

    pid = _real_patient(reg)
    with reg.session() as s:
        visit = s.scalars(select(m.Visit.id).where(m.Visit.patient_id == pid)).first()
    added = add_recording(reg, CLIP, patient_id=pid, visit_id=visit)
    with reg.session() as s:
        export_registry(s, format="fhir", out_dir=tmp_path / "real", pseudonymised=True)
    b = _bundles(tmp_path / "real")[pid]
    docs = {d.masterIdentifier.value for d in _resources(b, "DocumentReference")}
    assert added["sha256"] in docs
    rates = [o for o in _resources(b, "Observation") if o.code.coding[0].code == "spasm-rate"]
    assert len(rates) == 2  # the stored test analysis and the real clip's
    assert all(o.valueQuantity.code == "/min" for o in rates)
    _all_text(tmp_path / "real")


def test_cli_export_formats_and_bad_input(registry_env, tmp_path, capsys):
    from hemispasm.cli import main

    assert main(["registry", "init"]) == 0
    assert main(["registry", "demo", "--patients", "6", "--seed", "12"]) == 0
    for fmt in ("csv", "parquet", "fhir"):
        out = tmp_path / f"cli-{fmt}"
        assert (
            main(["registry", "export", "--format", fmt, "--out", str(out), "--pseudonymised"]) == 0
        )
        assert json.loads((out / "manifest.json").read_text())["synthetic_patients"] == 6
    _bundles(tmp_path / "cli-fhir")
    capsys.readouterr()
    assert main(["registry", "export", "--format", "xml", "--out", str(tmp_path / "x")]) != 0
    err = capsys.readouterr().err
    assert "--format" in err and "Traceback" not in err
    assert main(["registry", "export", "--format", "csv", "--out", str(tmp_path / "cli-csv")]) != 0
    assert "not empty" in capsys.readouterr().err


@pytest.mark.skipif(not CLIP.is_file(), reason="shared clip not found (set HEMISPASM_SHARED)")
def test_done_when_import_record_export_fhir(registry_env, tmp_path, capsys):
    """init, import a folder of case files, record add a real clip, export FHIR: re-parses, one
    MedicationAdministration per muscle per session; pseudonymised CSV/Parquet hold no identity."""
    from hemispasm.cli import main

    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "a.json").write_text(
        json.dumps(
            {
                "age": 64,
                "sex": "female",
                "side": "left",
                "onset_age": 52,
                "first_muscle": "orbicularis_oculi",
                "visit_date": "2025-03-01",
                "identity": {"name": NAME, "birth_date": BIRTH.isoformat(), "mrn": MRN},
                "treatments": [
                    {
                        "type": "botulinum_toxin",
                        "date": "2024-09-01",
                        "product": "onabotulinumtoxinA",
                        "doses": {
                            "orbicularis_oculi": 12.5,
                            "zygomaticus": 2.5,
                            "orbicularis_oris": 2,
                        },
                        "benefit_weeks": 14,
                        "response": "marked",
                    },
                    {
                        "type": "botulinum_toxin",
                        "date": "2024-12-10",
                        "product": "onabotulinumtoxinA",
                        "doses": {"orbicularis_oculi": 15},
                        "benefit_weeks": 12,
                    },
                ],
            }
        )
    )
    (cases / "b.json").write_text(
        json.dumps(
            {
                "age": 50,
                "sex": "male",
                "side": "right",
                "identity": {
                    "name": "Bo Exampleson",
                    "birth_date": "1975-01-02",
                    "mrn": "MRN-900001",
                },
                "visit_date": "2025-04-01",
                "treatments": [
                    {
                        "type": "carbamazepine",
                        "date": "2025-01-01",
                        "doses": 400,
                        "response": "mild",
                    }
                ],
            }
        )
    )
    assert main(["registry", "init"]) == 0
    assert main(["registry", "import", str(cases)]) == 0
    capsys.readouterr()
    assert main(["patient", "list", "--json"]) == 0
    pts = json.loads(capsys.readouterr().out)
    assert len(pts) == 2
    from hemispasm.registry.db import open_registry

    reg = open_registry(registry_env)
    try:
        with reg.session() as s:
            pid = s.scalars(
                select(m.PatientIdentity.patient_id).where(m.PatientIdentity.mrn == MRN)
            ).one()
            n_inj = len(s.scalars(select(m.ToxinInjection)).all())
    finally:
        reg.dispose()
    assert n_inj == 4
    assert main(["record", "add", str(CLIP), "--patient", pid]) == 0
    out = tmp_path / "fhir"
    assert main(["registry", "export", "--format", "fhir", "--out", str(out)]) == 0
    b = _bundles(out)[pid]
    mas = _resources(b, "MedicationAdministration")
    assert len(mas) == n_inj
    tox = {e.fullUrl for e in b.entry if e.resource.get_resource_type() == "Procedure"}
    per_session: dict[str, int] = {}
    for ma in mas:
        assert ma.partOf[0].reference in tox
        per_session[ma.partOf[0].reference] = per_session.get(ma.partOf[0].reference, 0) + 1
    assert sorted(per_session.values()) == [1, 3]
    assert _resources(b, "DocumentReference")
    for fmt in ("csv", "parquet"):
        dest = tmp_path / f"p-{fmt}"
        assert (
            main(["registry", "export", "--format", fmt, "--out", str(dest), "--pseudonymised"])
            == 0
        )
        text = _all_text(dest)
        for needle in ("Bo Exampleson", "MRN-900001", "1975-01-02"):
            assert needle not in text


def test_undated_session_gets_data_absent_reason_not_an_invented_date():
    from hemispasm.registry.fhir import patient_bundle

    p = {"id": "HS-ABCDEFGH", "synthetic": False, "sex": "male", "side": None, "onset_age": None}
    rows = {
        "toxin_session": [{"id": 1, "date": None, "visit_id": None, "brand": "Xeomin"}],
        "toxin_injection": [
            {"id": 3, "session_id": 1, "muscle": None, "side": None, "units": 5.0, "points": None}
        ],
    }
    b = Bundle.model_validate(patient_bundle(p, rows, pseudonymised=True))
    (ma,) = _resources(b, "MedicationAdministration")
    assert ma.effectiveDateTime is None
    assert ma.effectivePeriod.extension[0].valueCode == "unknown"
    (cond,) = _resources(b, "Condition")
    assert "G51.39" in {c.code for c in cond.code.coding}
