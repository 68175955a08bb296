"""The web app's tables (created by registry migration ``0003``).

They live on their own declarative base, so the registry's automatic audit listener (which
audits every clinical row) does not audit session bookkeeping; the web app writes its own audit
rows for logins, logouts, user changes and session revocations (:mod:`hemispasm.web.users`).
No table here holds identifying patient data.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hemispasm.registry.models import NAMING_CONVENTION, utcnow

ROLES = ("admin", "clinician", "nurse", "researcher")


class WebBase(DeclarativeBase):
    """Declarative base of the web tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON}  # noqa: RUF012


class User(WebBase):
    """A person who logs in; ``role`` is one of :data:`ROLES`."""

    __tablename__ = "web_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[_dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[_dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class WebSession(WebBase):
    """A server-side login session: only the SHA-256 of its cookie token is stored."""

    __tablename__ = "web_session"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("web_user.id"), index=True, nullable=False
    )
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[_dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    expires_at: Mapped[_dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[_dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Job(WebBase):
    """An uploaded recording analysed off the request.

    ``status``: queued | running | done | failed. ``upload_name`` is the generated name of the
    upload in the web data folder (never the browser's file name).
    """

    __tablename__ = "web_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the migration adds the foreign key to patient.id (another metadata: not declared here)
    patient_id: Mapped[str] = mapped_column(String(16), index=True, nullable=False)
    visit_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(10), index=True, nullable=False, default="queued")
    stage: Mapped[str | None] = mapped_column(String(64))
    upload_name: Mapped[str] = mapped_column(String(96), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[_dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    started_at: Mapped[_dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[_dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    recording_id: Mapped[int | None] = mapped_column(Integer)
    analysis_id: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class HomeLink(WebBase):
    """A one-time home-recording link for one patient: only the SHA-256 of its token is kept."""

    __tablename__ = "web_home_link"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(16), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[_dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    expires_at: Mapped[_dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[_dt.datetime | None] = mapped_column(DateTime(timezone=True))
    job_id: Mapped[int | None] = mapped_column(Integer)
