"""Home recording: a one-time link a clinician gives a patient.

- :func:`create_link` (clinician, nurse): a random 256-bit token, valid ``HOME_LINK_HOURS``
  (an engineering choice), for one upload; the database keeps its SHA-256 only. The link is
  shown once.
- The page it opens needs no account and reaches nothing else: it guides the patient through the
  standard provocation protocol (:data:`hemispasm.events.tasks.STANDARD_PROTOCOL`, `hemispasm
  protocol`: rest, reading aloud, forceful eye closure, smiling, lip pursing, a cough) with the
  instruction of each task on screen as it comes, records with the browser camera
  (getUserMedia + MediaRecorder, ``static/home.js``) and uploads to ``/home/{token}/upload``
  the video and the task segments the page timed (``tasks``: a JSON list of {task, start_s,
  end_s}). The upload is stored like a visit upload (type by content, size limit, generated
  name), the segments beside it as its ``.tasks.json`` sidecar (checked by
  :func:`hemispasm.events.tasks.read_tasks`), so the analysis reports spasms per minute per
  task and the provoked-to-rest ratio, as ``hemispasm analyze`` does. The link is then spent;
  an expired, spent or unknown link gets the same answer.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import secrets
from pathlib import Path
from typing import Any

from hemispasm.errors import HemispasmError
from hemispasm.registry.db import Registry
from hemispasm.registry.models import utcnow
from hemispasm.web.models import HomeLink

HOME_LINK_HOURS = 72.0
#: The on-screen prompts before the recording starts.
PROMPTS = (
    "Sit in good light, facing the camera, your whole face in the frame.",
    "The recording takes {seconds} seconds in {n} steps. Follow the instruction shown on "
    "screen for each step; do not hold back spasms.",
)
#: Largest ``tasks`` field accepted with an upload (the protocol's six segments need < 1 kB).
MAX_TASKS_BYTES = 16_384


def home_protocol(total_s: float) -> list[dict[str, Any]]:
    """The standard protocol's tasks for the home page, scaled to last ``total_s`` in all
    (the protocol's own durations when ``total_s`` is its length, 190 s)."""
    from hemispasm.events.tasks import STANDARD_PROTOCOL

    k = float(total_s) / STANDARD_PROTOCOL.duration_s
    return [
        {"task": t.task, "instruction": t.instruction, "duration_s": round(t.duration_s * k, 3)}
        for t in STANDARD_PROTOCOL.tasks
    ]


def save_tasks(raw: str, video: Path) -> Path:
    """Write the task segments the home page timed beside the stored upload ``video`` as its
    ``<stem>.tasks.json`` sidecar and check them; return its path.

    Raises
    ------
    InputError
        Too large, not JSON, or not valid task segments (the sidecar is removed).
    """
    from hemispasm.errors import InputError
    from hemispasm.events.tasks import read_tasks, sidecar_path

    if len(raw.encode("utf-8")) > MAX_TASKS_BYTES:
        raise InputError(
            f"the task segments sent with the recording exceed {MAX_TASKS_BYTES} bytes",
            hint="send the protocol's segments only",
        )
    side = sidecar_path(video)
    side.write_text(raw, encoding="utf-8")
    try:
        read_tasks(side)
    except BaseException:
        side.unlink(missing_ok=True)
        raise
    return side


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
