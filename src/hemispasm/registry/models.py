"""The registry's tables: SQLAlchemy 2 declarative models (the names below are stable).

One patient is followed through years of treatment. Every table but ``audit_event`` hangs off
:class:`Patient`, whose ``id`` is a pseudonymous registry id (``HS-`` + 8 random base-32
characters). Identifying data (name, date of birth, medical record number) live only in
:class:`PatientIdentity`; no other table, log line, file name or pseudonymised export holds them.

Tables (class → table; columns other helpers code against)
------------------------------------------------------------
- :class:`Patient` → ``patient``: ``id`` (str), ``synthetic`` (bool), ``sex``, ``side``
  (left|right|bilateral), ``onset_age`` (years), ``created_at``.
- :class:`PatientIdentity` → ``patient_identity``: ``patient_id`` (unique), ``name``,
  ``birth_date``, ``mrn`` (unique).
- :class:`Visit` → ``visit``: ``patient_id``, ``date``, ``clinician``, ``notes``.
- :class:`Case` → ``clinical_case``: ``visit_id`` (unique: one per visit), ``patient_id``,
  ``data`` (the ``hemispasm assess`` case as JSON), ``assessment`` (its Assessment as JSON),
  ``source_name``, ``source_sha256``, ``hemispasm_version``.
- :class:`Recording` → ``recording``: ``patient_id``, ``visit_id``, ``sha256`` (unique),
  ``kind`` (video|emg|ear|signals), ``duration_s``, ``stored_path`` (relative to the managed data
  folder, a generated name), ``size_bytes``, ``suffix``.
- :class:`Analysis` → ``analysis``: ``recording_id``, ``kind`` (video|emg_lsr|emg_bursts),
  ``method``, ``summary`` (JSON), ``tables`` (JSON: name → {"columns": [...], "rows": [[...]]}),
  ``signals_parquet`` (bytes, the per-frame signals of a video), ``provenance`` (JSON),
  ``hemispasm_version``, ``created_at``. Several per recording.
- :class:`ScaleScore` → ``scale_score``: ``patient_id``, ``visit_id``, ``analysis_id``, ``date``,
  ``scale`` (jankovic|smc|cohen_albert|hfs7|hfs30), ``total``, ``items`` (JSON), ``source``
  (clinician|patient|video_estimate), ``interpretation``.
- :class:`ToxinSession` → ``toxin_session``: ``patient_id``, ``visit_id``, ``date``,
  ``product_inn`` (e.g. onabotulinumtoxinA), ``brand``, ``vial_units``, ``dilution_ml`` (saline
  per vial), ``lot``, ``response``, ``peak_improvement_pct``, ``benefit_weeks``,
  ``injections`` (list of :class:`ToxinInjection`).
- :class:`ToxinInjection` → ``toxin_injection``: ``session_id``, ``muscle`` (None = not
  recorded), ``side``, ``units``, ``points``. Units belong to the session's product: never sum
  them across products.
- :class:`DrugCourse` → ``drug_course``: ``patient_id``, ``drug``, ``dose_mg_per_day``,
  ``start_date``, ``stop_date``, ``response``, ``side_effects`` (JSON list),
  ``stopped_for_side_effects``.
- :class:`Surgery` → ``surgery``: ``patient_id``, ``date``, ``procedure`` (mvd), ``side``,
  ``offending_vessels`` (JSON list), ``technique``, ``lsr_recording_id``, ``lsr_disappeared``,
  ``complications`` (JSON list of {"name", "permanent"}).
- :class:`FollowUp` → ``follow_up``: ``patient_id``, ``visit_id``, ``surgery_id``, ``date``,
  ``spasm_free``, ``improvement_pct``, ``pgi`` (patient global impression of improvement, 1-7),
  ``house_brackmann`` (I-VI as 1-6).
- :class:`AdverseEvent` → ``adverse_event``: ``patient_id``, ``toxin_session_id``,
  ``surgery_id``, ``drug_course_id`` (the cause), ``onset_date``, ``event``, ``severity``,
  ``resolved_date``, ``permanent``.
- :class:`AuditEvent` → ``audit_event``: append-only (see :mod:`hemispasm.registry.audit`).

Dates are :class:`datetime.date`; times are timezone-aware UTC. JSON columns hold plain JSON.
"""

from __future__ import annotations

import datetime as _dt
import secrets
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Constraint names fixed by convention, so that migrations (batch mode on SQLite) can find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud without mistakes


def new_patient_id() -> str:
    """A fresh pseudonymous registry id, ``HS-`` + 8 random characters (40 bits)."""
    return "HS-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def utcnow() -> _dt.datetime:
    """The current time, timezone-aware UTC."""
    return _dt.datetime.now(_dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every registry table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


def _pid() -> Mapped[str]:
    return mapped_column(String(16), ForeignKey("patient.id"), index=True, nullable=False)


class Patient(Base):
    """A patient, known to the registry only by a pseudonymous id."""

    __tablename__ = "patient"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_patient_id)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    sex: Mapped[str | None] = mapped_column(String(8))
    side: Mapped[str | None] = mapped_column(String(10))
    onset_age: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[_dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )

    identity: Mapped[PatientIdentity | None] = relationship(
        back_populates="patient", uselist=False, cascade="all, delete-orphan"
    )
    visits: Mapped[list[Visit]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="Visit.date"
    )
    toxin_sessions: Mapped[list[ToxinSession]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="ToxinSession.date"
    )


class PatientIdentity(Base):
    """Identifying data of a patient: kept apart, never logged or exported pseudonymised."""

    __tablename__ = "patient_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("patient.id"), unique=True, nullable=False
    )
    name: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[_dt.date | None] = mapped_column(Date)
    mrn: Mapped[str | None] = mapped_column(String(64), unique=True)

    patient: Mapped[Patient] = relationship(back_populates="identity")


class Visit(Base):
    """A clinic visit: date, clinician, free-text notes (never logged)."""

    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = _pid()
    date: Mapped[_dt.date] = mapped_column(Date, nullable=False)
    clinician: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[_dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )

    patient: Mapped[Patient] = relationship(back_populates="visits")
    case: Mapped[Case | None] = relationship(
        back_populates="visit", uselist=False, cascade="all, delete-orphan"
    )


class Case(Base):
    """The history and examination of one visit (``hemispasm assess`` format) and its assessment."""

    __tablename__ = "clinical_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = _pid()
    visit_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("visit.id"), unique=True, nullable=False
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source_name: Mapped[str | None] = mapped_column(String(255))
    source_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    hemispasm_version: Mapped[str] = mapped_column(String(32), nullable=False)

    visit: Mapped[Visit] = relationship(back_populates="case")


class Recording(Base):
    """A video or EMG file, identified by the SHA-256 of its content."""

    __tablename__ = "recording"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = _pid()
    visit_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("visit.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    suffix: Mapped[str] = mapped_column(String(16), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    duration_s: Mapped[float | None] = mapped_column(Float)
    stored_path: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[_dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )

    analyses: Mapped[list[Analysis]] = relationship(
        back_populates="recording", cascade="all, delete-orphan", order_by="Analysis.id"
    )


class Analysis(Base):
    """One analysis of a recording (``analyze``, ``emg lsr``, ``emg bursts``) with provenance."""

    __tablename__ = "analysis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("recording.id"), index=True, nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    method: Mapped[str] = mapped_column(String(64), nullable=False)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    tables: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    signals_parquet: Mapped[bytes | None] = mapped_column(LargeBinary)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    hemispasm_version: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[_dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )

    recording: Mapped[Recording] = relationship(back_populates="analyses")


class ScaleScore(Base):
    """A scored rating scale with who rated it."""

    __tablename__ = "scale_score"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = _pid()
    visit_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("visit.id"), index=True)
    analysis_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("analysis.id"))
    date: Mapped[_dt.date | None] = mapped_column(Date)
    scale: Mapped[str] = mapped_column(String(16), nullable=False)
    total: Mapped[float] = mapped_column(Float, nullable=False)
    items: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    interpretation: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[Patient] = relationship()
    visit: Mapped[Visit | None] = relationship()


class ToxinSession(Base):
    """One botulinum toxin injection session (one product)."""

    __tablename__ = "toxin_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = _pid()
    visit_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("visit.id"), index=True)
    date: Mapped[_dt.date | None] = mapped_column(Date, index=True)
    product_inn: Mapped[str | None] = mapped_column(String(64))
    brand: Mapped[str | None] = mapped_column(String(64))
    vial_units: Mapped[float | None] = mapped_column(Float)
    dilution_ml: Mapped[float | None] = mapped_column(Float)
    lot: Mapped[str | None] = mapped_column(String(64))
    response: Mapped[str | None] = mapped_column(String(16))
    peak_improvement_pct: Mapped[float | None] = mapped_column(Float)
    benefit_weeks: Mapped[float | None] = mapped_column(Float)

    patient: Mapped[Patient] = relationship(back_populates="toxin_sessions")
    visit: Mapped[Visit | None] = relationship()
    injections: Mapped[list[ToxinInjection]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="ToxinInjection.id"
    )


class ToxinInjection(Base):
    """Units of the session's product into one muscle on one side."""

    __tablename__ = "toxin_injection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("toxin_session.id"), index=True, nullable=False
    )
    muscle: Mapped[str | None] = mapped_column(String(32))
    side: Mapped[str | None] = mapped_column(String(10))
    units: Mapped[float] = mapped_column(Float, nullable=False)
    points: Mapped[int | None] = mapped_column(Integer)

    session: Mapped[ToxinSession] = relationship(back_populates="injections")


class DrugCourse(Base):
    """A course of an oral drug."""

    __tablename__ = "drug_course"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = _pid()
    drug: Mapped[str] = mapped_column(String(64), nullable=False)
    dose_mg_per_day: Mapped[float | None] = mapped_column(Float)
    start_date: Mapped[_dt.date | None] = mapped_column(Date)
    stop_date: Mapped[_dt.date | None] = mapped_column(Date)
    response: Mapped[str | None] = mapped_column(String(16))
    side_effects: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    stopped_for_side_effects: Mapped[bool | None] = mapped_column(Boolean)

    patient: Mapped[Patient] = relationship()


class Surgery(Base):
    """An operation, in practice microvascular decompression (MVD)."""

    __tablename__ = "surgery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = _pid()
    date: Mapped[_dt.date | None] = mapped_column(Date)
    procedure: Mapped[str] = mapped_column(String(32), nullable=False, default="mvd")
    side: Mapped[str | None] = mapped_column(String(10))
    offending_vessels: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    technique: Mapped[str | None] = mapped_column(Text)
    lsr_recording_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("recording.id"))
    lsr_disappeared: Mapped[bool | None] = mapped_column(Boolean)
    complications: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)

    patient: Mapped[Patient] = relationship()


class FollowUp(Base):
    """A follow-up assessment (after toxin or surgery)."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = _pid()
    visit_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("visit.id"), index=True)
    surgery_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("surgery.id"))
    date: Mapped[_dt.date] = mapped_column(Date, nullable=False)
    spasm_free: Mapped[bool | None] = mapped_column(Boolean)
    improvement_pct: Mapped[float | None] = mapped_column(Float)
    pgi: Mapped[int | None] = mapped_column(Integer)
    house_brackmann: Mapped[int | None] = mapped_column(Integer)

    patient: Mapped[Patient] = relationship()


class AdverseEvent(Base):
    """An adverse event, linked to the toxin session, surgery or drug course that caused it."""

    __tablename__ = "adverse_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = _pid()
    toxin_session_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("toxin_session.id"), index=True
    )
    surgery_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("surgery.id"))
    drug_course_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("drug_course.id"))
    onset_date: Mapped[_dt.date | None] = mapped_column(Date)
    event: Mapped[str] = mapped_column(String(64), nullable=False)
    severity: Mapped[str | None] = mapped_column(String(16))
    resolved_date: Mapped[_dt.date | None] = mapped_column(Date)
    permanent: Mapped[bool | None] = mapped_column(Boolean)

    patient: Mapped[Patient] = relationship()
    toxin_session: Mapped[ToxinSession | None] = relationship()
    surgery: Mapped[Surgery | None] = relationship()
    drug_course: Mapped[DrugCourse | None] = relationship()


class AuditEvent(Base):
    """One append-only audit row; ``hash`` chains it to the previous row (see audit.py)."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(32), nullable=False)  # ISO 8601 UTC, exact for hashing
    actor: Mapped[str] = mapped_column(String(120), nullable=False)
    action: Mapped[str] = mapped_column(String(8), nullable=False)  # insert|update|delete
    entity: Mapped[str] = mapped_column(String(32), nullable=False)  # table name
    entity_id: Mapped[str] = mapped_column(String(32), nullable=False)
    patient_id: Mapped[str | None] = mapped_column(String(16), index=True)  # no FK: outlives rows
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


#: Every clinical table, parents before children (the order of backup and restore).
CLINICAL_MODELS: tuple[type[Base], ...] = (
    Patient,
    PatientIdentity,
    Visit,
    Case,
    Recording,
    Analysis,
    ScaleScore,
    ToxinSession,
    ToxinInjection,
    DrugCourse,
    Surgery,
    FollowUp,
    AdverseEvent,
)
ALL_MODELS: tuple[type[Base], ...] = (*CLINICAL_MODELS, AuditEvent)

__all__ = [
    "ALL_MODELS",
    "CLINICAL_MODELS",
    "AdverseEvent",
    "Analysis",
    "AuditEvent",
    "Base",
    "Case",
    "DrugCourse",
    "FollowUp",
    "Patient",
    "PatientIdentity",
    "Recording",
    "ScaleScore",
    "Surgery",
    "ToxinInjection",
    "ToxinSession",
    "Visit",
    "new_patient_id",
    "utcnow",
]
