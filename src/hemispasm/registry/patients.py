"""Patients and visits: add, list, show (what ``hemispasm patient`` and ``visit`` call).

Every function takes an open :class:`~hemispasm.registry.db.Registry`, writes in one
transaction, and returns plain JSON-ready data (a patient has at least ``id``). Identifying data
are returned only when asked for (``identity=True``) and never logged.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hemispasm._log import get_logger
from hemispasm.errors import ValidationError
from hemispasm.registry import models as m
from hemispasm.registry.db import Registry, RegistryError

log = get_logger(__name__)

SEXES = ("female", "male", "other")
SIDES = ("left", "right", "bilateral")


class Identity(BaseModel):
    """Identifying data of a patient (kept in ``patient_identity`` only)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, max_length=200)
    birth_date: _dt.date | None = None
    mrn: str | None = Field(default=None, max_length=64, description="Medical record number.")

    def is_empty(self) -> bool:
        """True when no field is given."""
        return self.name is None and self.birth_date is None and self.mrn is None


def _iso(v: Any) -> Any:
    if isinstance(v, _dt.datetime):
        return (v if v.tzinfo else v.replace(tzinfo=_dt.UTC)).isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    return v


def _row(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    from sqlalchemy import inspect

    return {
        a.key: _iso(getattr(obj, a.key))
        for a in inspect(obj).mapper.column_attrs
        if a.key not in skip
    }


def parse_date(value: str | _dt.date | None, *, field: str) -> _dt.date | None:
    """An ISO date (``YYYY-MM-DD``), or a one-line error naming the field."""
    if value is None or isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            f"{field} '{value}' is not a date", hint="write it as YYYY-MM-DD"
        ) from None


def get_patient(session: Any, patient_id: str) -> m.Patient:
    """The patient, or a one-line error.

    Raises
    ------
    RegistryError
        No patient with that id.
    """
    p = session.get(m.Patient, patient_id.strip().upper())
    if p is None:
        raise RegistryError(
            f"no patient '{patient_id}' in the registry",
            hint="list the ids with `hemispasm patient list`",
        )
    return p


def add_patient(
    reg: Registry,
    *,
    sex: str | None = None,
    side: str | None = None,
    onset_age: int | None = None,
    identity: Identity | None = None,
    synthetic: bool = False,
    actor: str | None = None,
) -> dict[str, Any]:
    """Create a patient (and its identity row); return ``{"id": ..., ...}``.

    Raises
    ------
    ValidationError
        A field is out of range.
    RegistryError
        The medical record number is already registered (to another patient).
    """
    if sex is not None and sex not in SEXES:
        raise ValidationError(f"sex '{sex}' is not one of {', '.join(SEXES)}")
    if side is not None and side not in SIDES:
        raise ValidationError(f"side '{side}' is not one of {', '.join(SIDES)}")
    if onset_age is not None and not 0 <= onset_age <= 120:
        raise ValidationError(f"onset age {onset_age} is outside 0-120 years")
    with reg.transaction(actor=actor) as s:
        if identity is not None and identity.mrn and find_by_mrn(s, identity.mrn) is not None:
            raise RegistryError(
                "that medical record number is already registered",
                hint="find the patient with `hemispasm patient list --identity`",
            )
        p = m.Patient(sex=sex, side=side, onset_age=onset_age, synthetic=synthetic)
        if identity is not None and not identity.is_empty():
            p.identity = m.PatientIdentity(**identity.model_dump())
        s.add(p)
        s.flush()
        out = _row(p)
    log.info("added patient %s", out["id"])
    return out


def find_by_mrn(session: Any, mrn: str) -> m.Patient | None:
    """The patient with this medical record number, or None."""
    from sqlalchemy import select

    ident = session.scalars(
        select(m.PatientIdentity).where(m.PatientIdentity.mrn == mrn.strip())
    ).first()
    return None if ident is None else ident.patient


def add_visit(
    reg: Registry,
    patient_id: str,
    *,
    date: _dt.date | str,
    clinician: str | None = None,
    notes: str | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    """Add a visit to a patient; return the visit (``id``, ``patient_id``, ``date``, ...).

    Raises
    ------
    RegistryError
        Unknown patient.
    ValidationError
        The date is malformed.
    """
    day = parse_date(date, field="visit date")
    if day is None:
        raise ValidationError("a visit needs a date", hint="give --date YYYY-MM-DD")
    with reg.transaction(actor=actor) as s:
        p = get_patient(s, patient_id)
        v = m.Visit(patient_id=p.id, date=day, clinician=clinician, notes=notes)
        s.add(v)
        s.flush()
        out = _row(v, skip=("notes",))
    log.info("added visit %s to patient %s", out["id"], out["patient_id"])
    return out


def list_patients(reg: Registry, *, identity: bool = False) -> list[dict[str, Any]]:
    """Every patient with visit counts and first/last visit dates (identity only if asked)."""
    from sqlalchemy import func, select

    with reg.read_session() as s:
        stats = {
            pid: (n, first, last)
            for pid, n, first, last in s.execute(
                select(
                    m.Visit.patient_id,
                    func.count(m.Visit.id),
                    func.min(m.Visit.date),
                    func.max(m.Visit.date),
                ).group_by(m.Visit.patient_id)
            )
        }
        out = []
        for p in s.scalars(select(m.Patient).order_by(m.Patient.created_at, m.Patient.id)):
            n, first, last = stats.get(p.id, (0, None, None))
            row = _row(p)
            row.update(n_visits=n, first_visit=_iso(first), last_visit=_iso(last))
            if identity:
                row["identity"] = _identity(p)
            out.append(row)
    return out


def _identity(p: m.Patient) -> dict[str, Any] | None:
    if p.identity is None:
        return None
    return {k: _iso(getattr(p.identity, k)) for k in ("name", "birth_date", "mrn")}


def show_patient(reg: Registry, patient_id: str, *, identity: bool = False) -> dict[str, Any]:
    """Everything stored about one patient, as one JSON-ready mapping.

    Keys: the patient's columns, ``visits`` (each with its case's ``assessment_summary``),
    ``toxin_sessions`` (each with ``injections`` and ``units_by_muscle``), ``drug_courses``,
    ``surgeries``, ``follow_ups``, ``adverse_events``, ``scale_scores``, ``recordings`` (each with
    its ``analyses``: id, kind, method, version, summary), and ``identity`` only when asked.

    Raises
    ------
    RegistryError
        Unknown patient.
    """
    from sqlalchemy import select

    with reg.read_session() as s:
        p = get_patient(s, patient_id)
        out = _row(p)
        if identity:
            out["identity"] = _identity(p)
        cases = {c.visit_id: c for c in s.scalars(select(m.Case).where(m.Case.patient_id == p.id))}
        visits = []
        for v in p.visits:
            row = _row(v, skip=("notes",))
            row["has_notes"] = bool(v.notes)
            c = cases.get(v.id)
            row["case_id"] = c.id if c else None
            if c is not None and c.assessment:
                a = c.assessment
                row["assessment_summary"] = {
                    "hfs_likelihood": a.get("hfs_likelihood"),
                    "leading_diagnosis": a.get("leading_diagnosis"),
                    "red_flags": [f.get("flag") for f in a.get("red_flags", [])],
                }
            visits.append(row)
        out["visits"] = visits
        sessions = []
        for ts in p.toxin_sessions:
            row = _row(ts)
            row["injections"] = [_row(i, skip=("session_id",)) for i in ts.injections]
            row["total_units"] = sum(i.units for i in ts.injections)  # one product per session
            sessions.append(row)
        out["toxin_sessions"] = sessions

        def rows(model: Any, order: Any) -> list[dict[str, Any]]:
            q = select(model).where(model.patient_id == p.id).order_by(order, model.id)
            return [_row(r) for r in s.scalars(q)]

        out["drug_courses"] = rows(m.DrugCourse, m.DrugCourse.start_date)
        out["surgeries"] = rows(m.Surgery, m.Surgery.date)
        out["follow_ups"] = rows(m.FollowUp, m.FollowUp.date)
        out["adverse_events"] = rows(m.AdverseEvent, m.AdverseEvent.onset_date)
        out["scale_scores"] = rows(m.ScaleScore, m.ScaleScore.date)
        recs = []
        for r in s.scalars(
            select(m.Recording).where(m.Recording.patient_id == p.id).order_by(m.Recording.id)
        ):
            row = _row(r)
            row["analyses"] = [
                {
                    "id": a.id,
                    "kind": a.kind,
                    "method": a.method,
                    "hemispasm_version": a.hemispasm_version,
                    "created_at": _iso(a.created_at),
                    "summary": a.summary,
                }
                for a in r.analyses
            ]
            recs.append(row)
        out["recordings"] = recs
    return out


def _need_reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise ValidationError(
            "a correction needs a reason", hint="give --reason 'why the record is corrected'"
        )
    return reason.strip()


def update_patient(
    reg: Registry,
    patient_id: str,
    *,
    reason: str,
    actor: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Correct a patient's fields (``sex``, ``side``, ``onset_age``) or identity (``name``,
    ``birth_date``, ``mrn``); fields given as None are left alone. Audited with ``reason``.

    Raises
    ------
    ValidationError
        No reason, an unknown field, or a bad value.
    RegistryError
        Unknown patient.
    """
    reason = _need_reason(reason)
    plain = {"sex", "side", "onset_age"}
    ident_fields = {"name", "birth_date", "mrn"}
    unknown = set(fields) - plain - ident_fields
    if unknown:
        raise ValidationError(f"unknown patient field(s) {sorted(unknown)}")
    given = {k: v for k, v in fields.items() if v is not None}
    if not given:
        raise ValidationError("nothing to change", hint="give at least one field to correct")
    if given.get("sex") is not None and given["sex"] not in SEXES:
        raise ValidationError(f"sex '{given['sex']}' is not one of {', '.join(SEXES)}")
    if given.get("side") is not None and given["side"] not in SIDES:
        raise ValidationError(f"side '{given['side']}' is not one of {', '.join(SIDES)}")
    if "birth_date" in given:
        given["birth_date"] = parse_date(given["birth_date"], field="birth date")
    with reg.transaction(actor=actor, reason=reason) as s:
        p = get_patient(s, patient_id)
        for k in plain & set(given):
            setattr(p, k, given[k])
        idents = {k: given[k] for k in ident_fields & set(given)}
        if idents:
            if "mrn" in idents:
                other = find_by_mrn(s, idents["mrn"])
                if other is not None and other.id != p.id:
                    raise RegistryError("that medical record number is already registered")
            if p.identity is None:
                p.identity = m.PatientIdentity(**idents)
            else:
                for k, v in idents.items():
                    setattr(p.identity, k, v)
        changed = s.is_modified(p) or (
            p.identity is not None and (p.identity in s.new or s.is_modified(p.identity))
        )
        s.flush()
        out = _row(p)
        out["changed"] = bool(changed)
    log.info("corrected patient %s (%d field(s))", out["id"], len(given))
    return out


def update_visit(
    reg: Registry,
    visit_id: int,
    *,
    reason: str,
    actor: str | None = None,
    date: _dt.date | str | None = None,
    clinician: str | None = None,
    notes: str | None = None,
) -> dict[str, Any]:
    """Correct a visit's date, clinician or notes; audited with ``reason``.

    Raises
    ------
    ValidationError
        No reason, nothing to change, or a bad date.
    RegistryError
        Unknown visit.
    """
    reason = _need_reason(reason)
    day = parse_date(date, field="visit date")
    if day is None and clinician is None and notes is None:
        raise ValidationError("nothing to change", hint="give --date, --clinician or --notes")
    with reg.transaction(actor=actor, reason=reason) as s:
        v = s.get(m.Visit, visit_id)
        if v is None:
            raise RegistryError(
                f"no visit {visit_id} in the registry",
                hint="see the visits with `hemispasm patient show ID`",
            )
        if day is not None:
            v.date = day
        if clinician is not None:
            v.clinician = clinician
        if notes is not None:
            v.notes = notes
        changed = s.is_modified(v)
        s.flush()
        out = _row(v, skip=("notes",))
        out["changed"] = bool(changed)
    log.info("corrected visit %s", out["id"])
    return out
