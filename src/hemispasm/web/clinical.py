"""What the pages and the API read and write, over the registry's tables and functions.

- Patient search and paging (the registry's ``list_patients`` returns the whole registry; a page
  of 50 is what a browser needs): :func:`search_patients`.
- One patient's header and derived measures: :func:`patient_view` calls
  :func:`hemispasm.registry.records.patient_measures` (the registry's derive.py).
- A toxin session charted in the face-map form: :func:`add_toxin_session` (one transaction,
  audited by the registry's listener). Units belong to the session's one product.
- Identifying fields are returned only for roles that may see them, and every such read is
  audited (:func:`hemispasm.web.users.audit_read`).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hemispasm.errors import ValidationError
from hemispasm.registry import models as m
from hemispasm.registry.db import Registry
from hemispasm.registry.patients import SIDES, get_patient

PAGE_SIZE = 50

#: Botulinum toxin products (INN → brand) offered in the session form.
PRODUCTS: dict[str, str] = {
    "onabotulinumtoxinA": "Botox",
    "abobotulinumtoxinA": "Dysport",
    "incobotulinumtoxinA": "Xeomin",
    "rimabotulinumtoxinB": "Myobloc",
}
#: Muscles on the face map: the clinic's muscle names (hemispasm.clinic.case.Muscle).
FACE_MUSCLES = (
    "frontalis",
    "corrugator",
    "orbicularis_oculi",
    "zygomaticus",
    "buccinator",
    "orbicularis_oris",
    "platysma",
)


def search_patients(
    reg: Registry, *, q: str = "", identity: bool, page: int = 0, match_identity: bool = True
) -> dict[str, Any]:
    """A page of patients matching ``q``, newest first.

    ``q`` matches the registry id (prefix); with ``identity`` also the name (substring) and the
    medical record number (exact). Researchers (``identity=False``) search by id only, and so
    does the API (``match_identity=False``: its query is in the URL, where a name must not be).
    """
    from sqlalchemy import func, or_, select

    q = q.strip()
    with reg.read_session() as s:
        stmt = select(m.Patient, m.PatientIdentity).outerjoin(
            m.PatientIdentity, m.PatientIdentity.patient_id == m.Patient.id
        )
        if q:
            conds = [m.Patient.id.like(q.upper().replace("%", "") + "%")]
            if identity and match_identity:
                safe = q.replace("%", "").replace("_", "")
                conds.append(func.lower(m.PatientIdentity.name).like(f"%{safe.lower()}%"))
                conds.append(m.PatientIdentity.mrn == q)
            stmt = stmt.where(or_(*conds))
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.execute(
            stmt.order_by(m.Patient.created_at.desc(), m.Patient.id)
            .limit(PAGE_SIZE)
            .offset(page * PAGE_SIZE)
        ).all()
        ids = [p.id for p, _ in rows]
        stats = {
            pid: (n, last)
            for pid, n, last in s.execute(
                select(m.Visit.patient_id, func.count(m.Visit.id), func.max(m.Visit.date))
                .where(m.Visit.patient_id.in_(ids))
                .group_by(m.Visit.patient_id)
            )
        }
        out = []
        for p, ident in rows:
            n, last = stats.get(p.id, (0, None))
            row: dict[str, Any] = {
                "id": p.id,
                "synthetic": p.synthetic,
                "sex": p.sex,
                "side": p.side,
                "onset_age": p.onset_age,
                "n_visits": n,
                "last_visit": last.isoformat() if last else None,
            }
            if identity:
                row["identity"] = _ident(ident)
            out.append(row)
    return {"total": int(total), "page": page, "page_size": PAGE_SIZE, "patients": out}


def _ident(ident: m.PatientIdentity | None) -> dict[str, Any] | None:
    if ident is None:
        return None
    return {
        "name": ident.name,
        "birth_date": ident.birth_date.isoformat() if ident.birth_date else None,
        "mrn": ident.mrn,
    }


def patient_view(reg: Registry, patient_id: str, *, identity: bool) -> dict[str, Any]:
    """One patient: columns, identity (if allowed), derived measures (registry derive.py),
    the analyses of its recordings, and its toxin sessions with injections."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from hemispasm.registry.records import patient_measures

    with reg.read_session() as s:
        p = get_patient(s, patient_id)
        out: dict[str, Any] = {
            "id": p.id,
            "synthetic": p.synthetic,
            "sex": p.sex,
            "side": p.side,
            "onset_age": p.onset_age,
        }
        if identity:
            out["identity"] = _ident(p.identity)
        out["derived"] = patient_measures(s, p.id, as_of=_dt.date.today()).model_dump(mode="json")
        out["visits"] = [
            {"id": vid, "date": day.isoformat()}
            for vid, day in s.execute(
                select(m.Visit.id, m.Visit.date)
                .where(m.Visit.patient_id == p.id)
                .order_by(m.Visit.date, m.Visit.id)
            )
        ]
        sessions = s.scalars(
            select(m.ToxinSession)
            .where(m.ToxinSession.patient_id == p.id)
            .order_by(m.ToxinSession.date, m.ToxinSession.id)
            .options(selectinload(m.ToxinSession.injections))
        )
        out["toxin_sessions"] = [_session_row(ts) for ts in sessions]
    return out


def _session_row(ts: m.ToxinSession) -> dict[str, Any]:
    return {
        "id": ts.id,
        "date": ts.date.isoformat() if ts.date else None,
        "visit_id": ts.visit_id,
        "product_inn": ts.product_inn,
        "brand": ts.brand,
        "vial_units": ts.vial_units,
        "dilution_ml": ts.dilution_ml,
        "lot": ts.lot,
        "total_units": sum(i.units for i in ts.injections),
        "injections": [
            {"muscle": i.muscle, "side": i.side, "units": i.units, "points": i.points}
            for i in ts.injections
        ],
    }


def toxin_session(reg: Registry, session_id: int) -> dict[str, Any]:
    """One stored toxin session with its injections and patient id.

    Raises
    ------
    ValidationError
        Unknown session.
    """
    with reg.read_session() as s:
        ts = s.get(m.ToxinSession, session_id)
        if ts is None:
            raise ValidationError(f"no toxin session {session_id}")
        return {**_session_row(ts), "patient_id": ts.patient_id}


class InjectionIn(BaseModel):
    """Units of the session's product into one muscle on one side."""

    model_config = ConfigDict(extra="forbid")

    muscle: str
    side: str
    units: float = Field(gt=0, le=400)
    points: int | None = Field(default=None, ge=1, le=50)

    @field_validator("side")
    @classmethod
    def _side(cls, v: str) -> str:
        if v not in ("left", "right"):
            raise ValueError("side must be left or right")
        return v


class ToxinSessionIn(BaseModel):
    """A toxin session as the form or the API sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: _dt.date
    product_inn: str
    brand: str | None = None
    vial_units: float | None = Field(default=None, gt=0)
    dilution_ml: float | None = Field(default=None, gt=0)
    lot: str | None = Field(default=None, max_length=64)
    visit_id: int | None = None
    injections: list[InjectionIn] = Field(min_length=1)

    @field_validator("product_inn")
    @classmethod
    def _product(cls, v: str) -> str:
        if v not in PRODUCTS:
            raise ValueError(f"product must be one of {', '.join(PRODUCTS)}")
        return v


def add_toxin_session(
    reg: Registry, patient_id: str, data: ToxinSessionIn, *, actor: str
) -> dict[str, Any]:
    """Store a toxin session and its injections in one audited transaction.

    Raises
    ------
    RegistryError
        Unknown patient, or a visit of another patient.
    """
    from hemispasm.registry.recordings import _check_visit

    with reg.transaction(actor=actor) as s:
        p = get_patient(s, patient_id)
        _check_visit(s, data.visit_id, p.id)
        ts = m.ToxinSession(
            patient_id=p.id,
            visit_id=data.visit_id,
            date=data.date,
            product_inn=data.product_inn,
            brand=data.brand or PRODUCTS[data.product_inn],
            vial_units=data.vial_units,
            dilution_ml=data.dilution_ml,
            lot=data.lot or None,
        )
        ts.injections = [
            m.ToxinInjection(muscle=i.muscle, side=i.side, units=i.units, points=i.points)
            for i in data.injections
        ]
        s.add(ts)
        s.flush()
        return {**_session_row(ts), "patient_id": p.id}


def suggested_plan(reg: Registry, patient_id: str) -> dict[str, Any] | None:
    """The clinic's suggested injection plan from the patient's latest stored case
    (:func:`hemispasm.clinic.treatment.injection_plan`), or None without one."""
    from sqlalchemy import select

    from hemispasm.clinic.case import case_from_dict
    from hemispasm.clinic.treatment import injection_plan

    with reg.read_session() as s:
        p = get_patient(s, patient_id)
        case = s.scalars(
            select(m.Case)
            .join(m.Visit, m.Visit.id == m.Case.visit_id)
            .where(m.Case.patient_id == p.id)
            .order_by(m.Visit.date.desc())
            .limit(1)
        ).first()
        if case is None or not case.data:
            return None
        plan = injection_plan(case_from_dict(case.data))
    return None if plan is None else plan.model_dump(mode="json")


def check_side(side: str | None) -> str | None:
    """``side`` if it is one of the registry's sides."""
    if side and side not in SIDES:
        raise ValidationError(f"side '{side}' is not one of {', '.join(SIDES)}")
    return side or None


def visit_for(reg: Registry, patient_id: str, day: _dt.date, *, actor: str) -> int:
    """The id of the patient's visit on ``day``, created (registry ``add_visit``) if none."""
    from sqlalchemy import select

    from hemispasm.registry.patients import add_visit

    with reg.read_session() as s:
        pid = get_patient(s, patient_id).id
        vid = s.scalars(
            select(m.Visit.id).where(m.Visit.patient_id == pid, m.Visit.date == day).limit(1)
        ).first()
    if vid is not None:
        return int(vid)
    return int(add_visit(reg, pid, date=day, clinician=actor, actor=actor)["id"])


def last_session_injections(view: dict[str, Any]) -> dict[str, Any] | None:
    """The latest toxin session of a :func:`patient_view` (for "same as last session")."""
    sessions = [t for t in view.get("toxin_sessions", []) if t.get("date")]
    if not sessions:
        return None
    last = max(sessions, key=lambda t: (t["date"], t["id"]))
    return {
        "date": last["date"],
        "product_inn": last["product_inn"],
        "injections": [i for i in last["injections"] if i.get("muscle") in FACE_MUSCLES],
    }
