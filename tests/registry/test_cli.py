"""`registry init|status|upgrade|audit`, `patient add|list|show`, `visit add` from the CLI."""

from __future__ import annotations

import json

from sqlalchemy import text

from hemispasm.registry.db import make_engine


def test_init_status_upgrade(registry_env, cli):
    code, out, _ = cli("registry", "init")
    assert code == 0 and "registry created" in out
    code, out, _ = cli("registry", "init")
    assert code == 0 and "already initialised" in out
    code, out, _ = cli("registry", "status", "--json")
    info = json.loads(out)
    assert code == 0 and info["revision"] == info["head"] == "0003"  # 0003: the web tables
    assert info["counts"]["patient"] == 0
    code, out, _ = cli("registry", "upgrade")
    assert code == 0 and "already current" in out


def test_uninitialised_and_newer_refused_in_one_line(registry_env, cli):
    code, _, err = cli("patient", "list")
    assert code == 3 and "not initialised" in err and "registry init" in err
    cli("registry", "init")
    eng = make_engine(registry_env)
    try:
        with eng.begin() as c:
            c.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    finally:
        eng.dispose()
    for args in (("patient", "list"), ("registry", "upgrade"), ("registry", "status")):
        code, _out, err = cli(*args)
        assert code == 3 and "newer than this hemispasm" in err, args
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_older_needs_upgrade_from_cli(registry_env, cli):
    from hemispasm.registry.db import upgrade_schema

    eng = make_engine(registry_env)
    try:
        upgrade_schema(eng, "0001")
    finally:
        eng.dispose()
    code, _, err = cli("patient", "list")
    assert code == 3 and "older" in err and "registry upgrade" in err
    code, out, _ = cli("registry", "upgrade")
    assert code == 0 and "0001 -> 0003" in out  # 0003: the web tables
    assert cli("patient", "list")[0] == 0


def test_patient_and_visit_commands(registry_env, cli):
    cli("registry", "init")
    code, out, _ = cli(
        "patient",
        "add",
        "--sex",
        "female",
        "--side",
        "left",
        "--onset-age",
        "51",
        "--name",
        "Carla Identifiable",
        "--birth-date",
        "1970-02-03",
        "--mrn",
        "MRN-555",
        "--json",
    )
    assert code == 0
    p = json.loads(out)
    pid = p["id"]
    assert pid.startswith("HS-") and len(pid) == 11 and "Carla" not in out
    code, out, _ = cli("patient", "add", "--mrn", "MRN-555")
    assert code != 0
    code, out, _ = cli(
        "visit",
        "add",
        "--patient",
        pid,
        "--date",
        "2025-01-05",
        "--clinician",
        "Dr A",
        "--notes",
        "private note",
        "--json",
    )
    v = json.loads(out)
    assert code == 0 and v["patient_id"] == pid and v["date"] == "2025-01-05"
    code, out, _ = cli("patient", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == [pid]
    assert rows[0]["n_visits"] == 1 and "identity" not in rows[0]
    assert "Carla" not in out and "MRN-555" not in out
    code, out, _ = cli("patient", "list", "--identity", "--json")
    assert json.loads(out)[0]["identity"]["mrn"] == "MRN-555"
    code, out, _ = cli("patient", "show", pid, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["id"] == pid and shown["visits"][0]["clinician"] == "Dr A"
    assert "private note" not in out and "Carla" not in out
    code, out, _ = cli("patient", "show", pid.lower())
    assert code == 0 and pid in out


def test_bad_input_one_line_nothing_changed(registry_env, cli):
    cli("registry", "init")
    pid = json.loads(cli("patient", "add", "--json")[1])["id"]
    before = json.loads(cli("registry", "status", "--json")[1])["counts"]
    for args, msg in [
        (("visit", "add", "--patient", "HS-NOSUCH00", "--date", "2025-01-01"), "no patient"),
        (("visit", "add", "--patient", pid, "--date", "05/01/2025"), "not a date"),
        (("patient", "show", "HS-NOSUCH00"), "no patient"),
        (("patient", "add", "--side", "up"), "side"),
        (("patient", "add", "--birth-date", "1970-13-01"), "birth date"),
        (("registry", "audit", "--patient", "HS-NOSUCH00"), "no patient"),
    ]:
        code, _, err = cli(*args)
        assert code != 0 and msg in err, (args, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert json.loads(cli("registry", "status", "--json")[1])["counts"] == before


def test_audit_cli_verifies_and_reports_a_break(reg, registry_env, cli):
    pid = json.loads(cli("patient", "add", "--json")[1])["id"]
    cli("visit", "add", "--patient", pid, "--date", "2025-01-05")
    code, out, _ = cli("registry", "audit")
    assert code == 0 and "audit chain verified: 2 events" in out
    code, out, _ = cli("registry", "audit", "--patient", pid, "--json")
    res = json.loads(out)
    assert res["ok"] and [e["entity"] for e in res["events"]] == ["patient", "visit"]
    with reg.engine.begin() as c:
        if reg.dialect == "postgresql":
            c.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            c.execute(text("DROP TRIGGER audit_event_no_update"))
        c.execute(text("UPDATE audit_event SET changes = '{}' WHERE id = 1"))
    code, out, err = cli("registry", "audit")
    assert code == 4 and "broken at row 1" in err


def test_corrections_need_a_reason_and_are_audited(registry_env, cli):
    cli("registry", "init")
    pid = json.loads(cli("patient", "add", "--side", "left", "--mrn", "MRN-1", "--json")[1])["id"]
    vid = json.loads(cli("visit", "add", "--patient", pid, "--date", "2025-01-05", "--json")[1])[
        "id"
    ]
    code, _, err = cli("patient", "update", pid, "--side", "right")
    assert code == 2 and "--reason" in err
    code, _, err = cli("patient", "update", pid, "--side", "right", "--reason", " ")
    assert code != 0 and "needs a reason" in err
    code, out, _ = cli(
        "patient",
        "update",
        pid,
        "--side",
        "right",
        "--mrn",
        "MRN-2",
        "--reason",
        "side and MRN entered wrongly",
    )
    assert code == 0 and "corrected" in out
    code, out, _ = cli("patient", "update", pid, "--side", "right", "--reason", "again")
    assert code == 0 and "nothing changed" in out
    code, out, _ = cli("visit", "update", vid, "--date", "2025-01-06", "--reason", "typo")
    assert code == 0 and "corrected visit" in out
    code, _, err = cli("visit", "update", "999", "--date", "2025-01-06", "--reason", "typo")
    assert code != 0 and "no visit 999" in err
    res = json.loads(cli("registry", "audit", "--patient", pid, "--json")[1])
    updates = [e for e in res["events"] if e["action"] == "update"]
    assert [(e["entity"], e["changes"], e["reason"]) for e in updates] == [
        ("patient", {"side": ["left", "right"]}, "side and MRN entered wrongly"),
        ("patient_identity", {"mrn": ["<redacted>", "<redacted>"]}, "side and MRN entered wrongly"),
        ("visit", {"date": ["2025-01-05", "2025-01-06"]}, "typo"),
    ]
    assert res["ok"]


def test_demo_and_export_wired(registry_env, cli, tmp_path):
    cli("registry", "init")
    code, out, err = cli("registry", "demo", "--patients", "4", "--seed", "3")
    assert code == 0 and "SYNTHETIC" in out, err
    rows = json.loads(cli("patient", "list", "--json")[1])
    assert len(rows) == 4 and all(r["synthetic"] for r in rows)
    code, out, _ = cli("patient", "show", rows[0]["id"], "--derived", "--json")
    assert code == 0 and "derived" in json.loads(out)
    code, out, err = cli(
        "registry",
        "export",
        "--format",
        "csv",
        "--out",
        tmp_path / "csv",
        "--pseudonymised",
        "--json",
    )
    info = json.loads(out)
    assert code == 0 and info["patients"] == 4 and info["synthetic_patients"] == 4, err
    code, out, err = cli(
        "registry",
        "export",
        "--format",
        "fhir",
        "--out",
        tmp_path / "fhir",
        "--patient",
        rows[0]["id"],
    )
    assert code == 0 and "exported 1 patient(s)" in out, err
    code, _, err = cli("registry", "audit")
    assert code == 0
