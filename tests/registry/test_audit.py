"""Audit trail: one chained row per change, append-only in the database itself, on both DBs."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hemispasm.registry import audit
from hemispasm.registry import models as m
from hemispasm.registry.db import RegistryError


def _patient_with_visit(reg) -> str:
    with reg.transaction() as s:
        p = m.Patient(sex="female", side="left")
        p.identity = m.PatientIdentity(name="Ada Example", mrn="MRN-0001")
        s.add(p)
        s.flush()
        s.add(m.Visit(patient_id=p.id, date=dt.date(2025, 3, 1), notes="free text"))
        return p.id


def test_every_insert_update_delete_is_one_chained_row(reg):
    pid = _patient_with_visit(reg)
    with reg.transaction(reason="wrong clinician") as s:
        v = s.scalars(select(m.Visit)).one()
        v.clinician = "Dr B"
    with reg.transaction(reason="entered twice") as s:
        s.add(m.Visit(patient_id=pid, date=dt.date(2025, 4, 1)))
    with reg.transaction(reason="duplicate visit") as s:
        s.delete(s.scalars(select(m.Visit).where(m.Visit.date == dt.date(2025, 4, 1))).one())
    with reg.session() as s:
        res = audit.verify_chain(s)
    assert res["ok"] and res["break"] is None
    actions = [(e["action"], e["entity"]) for e in res["events"]]
    assert actions == [
        ("insert", "patient"),
        ("insert", "patient_identity"),
        ("insert", "visit"),
        ("update", "visit"),
        ("insert", "visit"),
        ("delete", "visit"),
    ]
    assert res["events"][0]["entity_id"] == pid and res["events"][2]["entity_id"] == "1"
    upd = res["events"][3]
    assert upd["changes"] == {"clinician": [None, "Dr B"]}
    assert upd["reason"] == "wrong clinician" and upd["actor"] == "test-clinician"
    assert upd["at"].endswith("Z") and upd["patient_id"] == pid
    assert res["events"][0]["prev_hash"] == audit.GENESIS_HASH
    for a, b in zip(res["events"], res["events"][1:], strict=False):
        assert b["prev_hash"] == a["hash"]


def test_identity_and_free_text_never_in_the_trail(reg):
    _patient_with_visit(reg)
    with reg.session() as s:
        blob = repr(audit.verify_chain(s)["events"])
    assert "Ada Example" not in blob and "MRN-0001" not in blob and "free text" not in blob
    assert audit.REDACTED in blob


def test_correction_without_reason_refused_and_nothing_changed(reg):
    _patient_with_visit(reg)
    with pytest.raises(RegistryError, match="needs a reason"), reg.transaction() as s:
        s.scalars(select(m.Visit)).one().clinician = "Dr C"
    with reg.session() as s:
        assert s.scalars(select(m.Visit)).one().clinician is None
        assert len(audit.verify_chain(s)["events"]) == 3


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET actor = 'mallory'",
        "DELETE FROM audit_event",
        "DELETE FROM audit_event WHERE id = (SELECT MAX(id) FROM audit_event)",
    ],
)
def test_plain_sql_cannot_change_the_trail(reg, sql):
    _patient_with_visit(reg)
    with pytest.raises(DBAPIError, match="append-only"), reg.engine.begin() as c:
        c.execute(text(sql))
    with reg.session() as s:
        res = audit.verify_chain(s)
    assert res["ok"] and res["n_events"] == 3


def test_truncate_refused_on_postgresql(reg):
    if reg.dialect != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    _patient_with_visit(reg)
    with pytest.raises(DBAPIError, match="append-only"), reg.engine.begin() as c:
        c.execute(text("TRUNCATE audit_event"))


def _break_chain(reg, *, drop_trigger_sql: list[str], tamper_sql: str) -> None:
    with reg.engine.begin() as c:
        for q in drop_trigger_sql:
            c.execute(text(q))
        c.execute(text(tamper_sql))


def _drop_triggers(reg) -> list[str]:
    if reg.dialect == "postgresql":
        return ["ALTER TABLE audit_event DISABLE TRIGGER USER"]
    return ["DROP TRIGGER audit_event_no_update", "DROP TRIGGER audit_event_no_delete"]


def test_verify_reports_an_edited_row(reg):
    _patient_with_visit(reg)
    _break_chain(
        reg,
        drop_trigger_sql=_drop_triggers(reg),
        tamper_sql="UPDATE audit_event SET actor = 'mallory' WHERE id = 2",
    )
    with reg.session() as s:
        res = audit.verify_chain(s)
    assert not res["ok"]
    assert res["break"]["id"] == 2 and "content" in res["break"]["problem"]


def test_verify_reports_a_removed_row(reg):
    _patient_with_visit(reg)
    _break_chain(
        reg,
        drop_trigger_sql=_drop_triggers(reg),
        tamper_sql="DELETE FROM audit_event WHERE id = 2",
    )
    with reg.session() as s:
        res = audit.verify_chain(s)
    assert not res["ok"] and res["break"]["id"] == 3 and "prev_hash" in res["break"]["problem"]
