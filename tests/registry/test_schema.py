"""Schema, migrations and schema-version checks, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, text

from hemispasm.registry import models as m
from hemispasm.registry.db import (
    SchemaError,
    check_schema,
    head_revision,
    init_registry,
    make_engine,
    open_registry,
    resolve_url,
    upgrade_schema,
)


def test_init_creates_every_table(db_url):
    info = init_registry(db_url)
    assert info["created"] is True and info["revision"] == head_revision()
    eng = make_engine(db_url)
    try:
        names = set(inspect(eng).get_table_names())
    finally:
        eng.dispose()
    expected = {model.__tablename__ for model in m.ALL_MODELS}
    assert expected <= names
    assert {"patient_identity", "toxin_injection", "audit_event", "alembic_version"} <= names
    again = init_registry(db_url)  # idempotent
    assert again["created"] is False


def test_sqlite_pragmas_on(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    init_registry(url)
    eng = make_engine(url)
    try:
        with eng.connect() as c:
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        eng.dispose()


def test_foreign_keys_enforced(reg):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), reg.transaction() as s:
        s.add(m.Visit(patient_id="HS-NOSUCH00", date=dt.date(2025, 1, 1)))


def test_empty_database_refused(db_url):
    with pytest.raises(SchemaError, match="not initialised"):
        open_registry(db_url)


def test_older_schema_needs_upgrade(db_url):
    eng = make_engine(db_url)
    try:
        upgrade_schema(eng, "0001")
        with pytest.raises(SchemaError, match="older") as exc:
            check_schema(eng)
        assert "registry upgrade" in exc.value.one_line()
        with pytest.raises(SchemaError, match="older"):
            init_registry(db_url)  # init never upgrades silently
        before, after = upgrade_schema(eng)
        assert (before, after) == ("0001", head_revision())
        check_schema(eng)
    finally:
        eng.dispose()


def test_newer_schema_refused_in_one_line(db_url):
    init_registry(db_url)
    eng = make_engine(db_url)
    try:
        with eng.begin() as c:
            c.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(SchemaError, match="newer") as exc:
            open_registry(db_url)
        assert "\n" not in exc.value.one_line()
        with pytest.raises(SchemaError, match="newer"):
            upgrade_schema(eng)
    finally:
        eng.dispose()


def test_url_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("HEMISPASM_DB_URL", raising=False)
    monkeypatch.setenv("HEMISPASM_REGISTRY_DIR", str(tmp_path))
    assert resolve_url() == f"sqlite:///{tmp_path / 'registry.sqlite'}"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url(str(tmp_path / "x.sqlite")).startswith("sqlite:///")
    monkeypatch.setenv("HEMISPASM_DB_URL", "postgresql://a@b/c")
    assert resolve_url() == "postgresql+psycopg://a@b/c"


def test_readers_do_not_block_a_writer_on_sqlite(tmp_path):
    import time

    from sqlalchemy import func, select

    from hemispasm.registry.patients import add_patient

    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    init_registry(url)
    reg = open_registry(url)
    try:
        with reg.read_session() as reader:
            assert reader.scalar(select(func.count()).select_from(m.Patient)) == 0
            t0 = time.perf_counter()
            add_patient(reg)  # another connection writes while the read transaction is open
            assert time.perf_counter() - t0 < 10  # no wait for the 30-s lock timeout
            # the reader keeps its snapshot
            assert reader.scalar(select(func.count()).select_from(m.Patient)) == 0
        with reg.read_session() as reader:
            assert reader.scalar(select(func.count()).select_from(m.Patient)) == 1
    finally:
        reg.dispose()
