"""One function per CLI command: open the registry at ``url``, do one thing, close it.

``url`` is a SQLAlchemy URL or SQLite path; None means ``$HEMISPASM_DB_URL`` or the default file
(:mod:`hemispasm.registry.db`). Every function returns JSON-ready data.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hemispasm.registry.db import Registry, open_registry


@contextlib.contextmanager
def opened(url: str | None, *, check: bool = True) -> Iterator[Registry]:
    """An open registry, disposed at the end."""
    reg = open_registry(url, check=check)
    try:
        yield reg
    finally:
        reg.dispose()


def init(url: str | None = None) -> dict[str, Any]:
    """``registry init``: create the schema (idempotent)."""
    from hemispasm.registry.db import init_registry

    return init_registry(url)


def status(url: str | None = None) -> dict[str, Any]:
    """``registry status``: revision, data folder, row counts."""
    from hemispasm.registry.db import status as _status

    with opened(url) as reg:
        return _status(reg)


def upgrade(url: str | None = None) -> dict[str, Any]:
    """``registry upgrade``: migrate an older schema to this version's."""
    from hemispasm.registry.db import make_engine, upgrade_schema

    engine = make_engine(url)
    try:
        before, after = upgrade_schema(engine)
    finally:
        engine.dispose()
    return {"before": before, "after": after, "changed": before != after}


def backup(url: str | None, out: str | Path) -> dict[str, Any]:
    """``registry backup OUT``."""
    from hemispasm.registry.backup import backup as _backup

    with opened(url) as reg:
        return _backup(reg, out)


def restore(url: str | None, path: str | Path) -> dict[str, Any]:
    """``registry restore FILE`` into an empty registry."""
    from hemispasm.registry.backup import restore as _restore

    return _restore(url, path)


def import_cases(url: str | None, path: str | Path) -> dict[str, Any]:
    """``registry import CASE.yaml|DIR``."""
    from hemispasm.registry.importer import import_cases as _import

    with opened(url) as reg:
        return _import(reg, path).as_dict()


def audit(url: str | None, patient_id: str | None = None) -> dict[str, Any]:
    """``registry audit [--patient ID]``: the trail and the chain's verdict."""
    from hemispasm.registry.audit import verify_chain
    from hemispasm.registry.patients import get_patient

    with opened(url) as reg, reg.read_session() as s:
        if patient_id is not None:
            patient_id = get_patient(s, patient_id).id
        return verify_chain(s, patient_id=patient_id)


def add_patient(url: str | None, **kwargs: Any) -> dict[str, Any]:
    """``patient add``; keyword arguments as :func:`hemispasm.registry.patients.add_patient`,
    plus ``name``, ``birth_date``, ``mrn`` for the identity."""
    from hemispasm.registry.patients import Identity, parse_date
    from hemispasm.registry.patients import add_patient as _add

    ident = Identity(
        name=kwargs.pop("name", None),
        birth_date=parse_date(kwargs.pop("birth_date", None), field="birth date"),
        mrn=kwargs.pop("mrn", None),
    )
    with opened(url) as reg:
        return _add(reg, identity=ident, **kwargs)


def list_patients(url: str | None, *, identity: bool = False) -> list[dict[str, Any]]:
    """``patient list``."""
    from hemispasm.registry.patients import list_patients as _list

    with opened(url) as reg:
        return _list(reg, identity=identity)


def show_patient(url: str | None, patient_id: str, *, identity: bool = False) -> dict[str, Any]:
    """``patient show ID``."""
    from hemispasm.registry.patients import show_patient as _show

    with opened(url) as reg:
        return _show(reg, patient_id, identity=identity)


def add_visit(
    url: str | None,
    patient_id: str,
    *,
    date: str | _dt.date,
    clinician: str | None = None,
    notes: str | None = None,
) -> dict[str, Any]:
    """``visit add``."""
    from hemispasm.registry.patients import add_visit as _add

    with opened(url) as reg:
        return _add(reg, patient_id, date=date, clinician=clinician, notes=notes)


def add_recording(url: str | None, path: str | Path, **kwargs: Any) -> dict[str, Any]:
    """``record add FILE``; keyword arguments as
    :func:`hemispasm.registry.recordings.add_recording`."""
    from hemispasm.registry.recordings import add_recording as _add

    with opened(url) as reg:
        return _add(reg, path, **kwargs)


def update_patient(url: str | None, patient_id: str, *, reason: str, **fields: Any) -> dict:
    """``patient update ID --reason`` (:func:`hemispasm.registry.patients.update_patient`)."""
    from hemispasm.registry.patients import update_patient as _update

    with opened(url) as reg:
        return _update(reg, patient_id, reason=reason, **fields)


def update_visit(url: str | None, visit_id: int, *, reason: str, **fields: Any) -> dict:
    """``visit update ID --reason``; fields as :func:`hemispasm.registry.patients.update_visit`."""
    from hemispasm.registry.patients import update_visit as _update

    with opened(url) as reg:
        return _update(reg, visit_id, reason=reason, **fields)


def patient_measures(url: str | None, patient_id: str) -> dict[str, Any]:
    """``patient show ID --derived``: the timeline and derived measures
    (:func:`hemispasm.registry.records.patient_measures`)."""
    from hemispasm.registry.patients import get_patient
    from hemispasm.registry.records import patient_measures as _measures

    with opened(url) as reg, reg.read_session() as s:
        pid = get_patient(s, patient_id).id
        return _measures(s, pid).model_dump(mode="json")


def export(
    url: str | None,
    *,
    format: str,
    out_dir: str | Path,
    pseudonymised: bool = False,
    patient_id: str | None = None,
) -> dict[str, Any]:
    """``registry export`` (:func:`hemispasm.registry.export.export_registry`)."""
    from hemispasm.registry.export import export_registry

    with opened(url) as reg, reg.read_session() as s:
        return export_registry(
            s, format=format, out_dir=out_dir, pseudonymised=pseudonymised, patient_id=patient_id
        )


def demo(url: str | None, *, patients: int, seed: int) -> dict[str, Any]:
    """``registry demo`` (:func:`hemispasm.registry.demo.generate_demo`), in one transaction."""
    from hemispasm.registry.demo import generate_demo

    with opened(url) as reg, reg.transaction(actor="hemispasm registry demo") as s:
        return generate_demo(s, patients=patients, seed=seed)
