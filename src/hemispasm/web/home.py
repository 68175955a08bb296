"""Home recording: a one-time link a clinician gives a patient.

- :func:`create_link` (clinician, nurse): a random 256-bit token, valid ``HOME_LINK_HOURS``
  (an engineering choice), for one upload; the database keeps its SHA-256 only. The link is
  shown once.
- The page it opens needs no account and reaches nothing else: it guides the patient through a
  60-s rest recording (the protocol issue will define the full protocol) with on-screen
  prompts, records with the browser camera (getUserMedia + MediaRecorder, ``static/home.js``)
  and uploads to ``/home/{token}/upload``, which stores the file like a visit upload (type by
  content, size limit, generated name) and queues its analysis for that patient. The link is
  then spent; an expired, spent or unknown link gets the same answer.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import secrets
from typing import Any

from hemispasm.errors import HemispasmError
from hemispasm.registry.db import Registry
from hemispasm.registry.models import utcnow
from hemispasm.web.models import HomeLink

HOME_LINK_HOURS = 72.0
REST_SECONDS = 60
#: The on-screen prompts of the interim protocol (a 60-s rest recording).
PROMPTS = (
    "Sit in good light, facing the camera, your whole face in the frame.",
    "Keep your face relaxed and look at the screen. Blink normally; do not hold back spasms.",
    "Recording for {seconds} seconds. Stay still until the countdown ends.",
)


class LinkError(HemispasmError):
    """The link is unknown, expired or already used (one answer for all)."""


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_link(reg: Registry, patient_id: str, *, actor: str) -> dict[str, Any]:
    """A new one-time link for a patient; return ``{"token", "expires_at"}`` (audited)."""
    from hemispasm.registry.patients import get_patient
    from hemispasm.web.users import audit

    token = secrets.token_urlsafe(32)
    now = utcnow()
    with reg.transaction(actor=actor) as s:
        pid = get_patient(s, patient_id).id
        link = HomeLink(
            token_sha256=_sha(token),
            patient_id=pid,
            created_by=actor,
            created_at=now,
            expires_at=now + _dt.timedelta(hours=HOME_LINK_HOURS),
        )
        s.add(link)
        s.flush()
        audit(s, actor, "insert", "web_home_link", link.token_sha256[:16], patient_id=pid)
        return {"token": token, "expires_at": link.expires_at.isoformat(), "patient_id": pid}


def check_link(reg: Registry, token: str) -> str:
    """The patient id of a live link.

    Raises
    ------
    LinkError
        Unknown, expired or used.
    """
    with reg.read_session() as s:
        link = s.get(HomeLink, _sha(token))
        if link is None or link.used_at is not None or _aware(link.expires_at) <= utcnow():
            raise LinkError(
                "this recording link is not valid (it expired or was already used)",
                hint="ask your clinic for a new link",
            )
        return link.patient_id


def spend_link(reg: Registry, token: str) -> str:
    """Check and spend a link in one transaction (a second upload is refused); return the
    patient id.

    Raises
    ------
    LinkError
        Unknown, expired or used.
    """
    from hemispasm.web.users import audit

    with reg.transaction(actor="home link") as s:
        link = s.get(HomeLink, _sha(token), with_for_update=True)
        if link is None or link.used_at is not None or _aware(link.expires_at) <= utcnow():
            raise LinkError(
                "this recording link is not valid (it expired or was already used)",
                hint="ask your clinic for a new link",
            )
        link.used_at = utcnow()
        audit(
            s,
            "home link",
            "update",
            "web_home_link",
            link.token_sha256[:16],
            patient_id=link.patient_id,
            event="used",
        )
        return link.patient_id


def attach_job(reg: Registry, token: str, job_id: int) -> None:
    """Record which job the link's upload became."""
    with reg.transaction(actor="home link") as s:
        s.get(HomeLink, _sha(token)).job_id = job_id


def _aware(t: _dt.datetime) -> _dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=_dt.UTC)
