"""The JSON API under ``/api/v1``: the same roles, CSRF and audit as the pages.

- ``POST /api/v1/session`` ``{"username", "password"}`` → session cookie + ``{"csrf_token"}``;
  ``DELETE /api/v1/session`` logs out.
- ``GET|POST /api/v1/patients``, ``GET /api/v1/patients/{id}``, ``.../timeline``.
- ``POST /api/v1/patients/{id}/recordings`` (multipart ``file``) → ``{"job_id"}``;
  ``GET /api/v1/jobs/{id}``.
- ``POST /api/v1/patients/{id}/toxin-sessions``.
- Admin: ``GET|POST /api/v1/users``, ``DELETE /api/v1/users/{name}/sessions`` (revoke).
"""

from __future__ import annotations

import datetime as _dt
import time
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from hemispasm.web import clinical
from hemispasm.web.deps import CLINICAL, READERS, SESSION_COOKIE, Principal, allow
from hemispasm.web.users import AuthError, audit_read

router = APIRouter(prefix="/api/v1")


class LoginIn(BaseModel):
    """Credentials."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class PatientIn(BaseModel):
    """A new patient (identity in its own table)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    birth_date: _dt.date | None = None
    sex: str | None = None
    side: str | None = None
    mrn: str | None = Field(default=None, max_length=64)
    onset_age: int | None = Field(default=None, ge=0, le=120)


class UserIn(BaseModel):
    """A new user (admin)."""

    model_config = ConfigDict(extra="forbid")
    username: str
    role: str
    password: str


def rate_limit(request: Request) -> None:
    """At most ``login_per_minute`` login attempts per client address per minute (429)."""
    settings = request.app.state.settings
    attempts: dict[str, list[float]] = request.app.state.login_attempts
    who = request.client.host if request.client else "?"
    now = time.monotonic()
    recent = [t for t in attempts.get(who, []) if now - t < 60.0]
    if len(recent) >= settings.login_per_minute:
        raise HTTPException(status_code=429, detail="too many login attempts; wait a minute")
    recent.append(now)
    attempts[who] = recent


def do_login(request: Request, response: Response, username: str, password: str) -> Any:
    """Check credentials, open a session, set the cookie; return (session, user)."""
    from hemispasm.web.users import login

    rate_limit(request)
    st = request.app.state.settings
    try:
        token, ws, u = login(
            request.app.state.reg,
            username,
            password,
            session_hours=st.session_hours,
            max_failures=st.login_max_failures,
            lockout_minutes=st.lockout_minutes,
        )
    except AuthError as exc:
        raise HTTPException(status_code=401, detail=exc.message) from None
    set_session_cookie(request, response, token)
    return ws, u


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure outside dev."""
    st = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=not st.dev,
        max_age=int(st.session_hours * 3600),
        path="/",
    )


@router.post("/session")
def create_session(body: LoginIn, request: Request, response: Response) -> dict[str, Any]:
    """Log in: sets the session cookie, returns the CSRF token for state-changing calls."""
    ws, u = do_login(request, response, body.username, body.password)
    return {"csrf_token": ws.csrf_token, "username": u.username, "role": u.role}


@router.delete("/session")
def delete_session(
    request: Request, response: Response, p: Principal = Depends(allow("admin", *READERS))
) -> dict[str, Any]:
    """Log out (the session is revoked server-side)."""
    from hemispasm.web.users import logout

    logout(request.app.state.reg, p.token, p.username)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"logged_out": True}


@router.get("/session")
def get_session(p: Principal = Depends(allow("admin", *READERS))) -> dict[str, Any]:
    """Who is logged in, and the CSRF token (any role)."""
    return {"username": p.username, "role": p.role, "csrf_token": p.csrf_token}


@router.get("/patients")
def list_patients(
    request: Request, q: str = "", page: int = 0, p: Principal = Depends(allow(*READERS))
) -> dict[str, Any]:
    """A page of patients; ``q`` matches the id prefix only (a URL must not carry a name);
    identity only for clinicians and nurses (audited)."""
    reg = request.app.state.reg
    out = clinical.search_patients(
        reg, q=q, identity=p.sees_identity, page=max(page, 0), match_identity=False
    )
    if p.sees_identity and out["patients"]:
        audit_read(reg, p.username, "*", f"patient list ({len(out['patients'])} rows)")
    return out


@router.post("/patients", status_code=201)
def create_patient(
    body: PatientIn, request: Request, p: Principal = Depends(allow("clinician"))
) -> dict[str, Any]:
    """Register a patient; returns it with its pseudonymous ``id``."""
    from hemispasm.registry.patients import Identity, add_patient

    out = add_patient(
        request.app.state.reg,
        sex=body.sex,
        side=clinical.check_side(body.side),
        onset_age=body.onset_age,
        identity=Identity(name=body.name, birth_date=body.birth_date, mrn=body.mrn),
        actor=p.username,
    )
    return out


@router.get("/patients/{patient_id}")
def get_patient(
    patient_id: str, request: Request, p: Principal = Depends(allow(*READERS))
) -> dict[str, Any]:
    """One patient with its derived measures (identity for clinicians and nurses)."""
    reg = request.app.state.reg
    out = clinical.patient_view(reg, patient_id, identity=p.sees_identity)
    if p.sees_identity:
        audit_read(reg, p.username, out["id"], "patient (api)")
    return out


@router.get("/patients/{patient_id}/timeline")
def get_timeline(
    patient_id: str, request: Request, _p: Principal = Depends(allow(*READERS))
) -> dict[str, Any]:
    """The patient's timeline and derived measures (registry derive.py); no identity."""
    view = clinical.patient_view(request.app.state.reg, patient_id, identity=False)
    return view["derived"]


@router.post("/patients/{patient_id}/recordings", status_code=202)
async def upload_recording(
    patient_id: str,
    request: Request,
    file: UploadFile = File(...),
    visit_id: int | None = Form(None),
    p: Principal = Depends(allow(*CLINICAL)),
) -> dict[str, Any]:
    """Upload a video or EDF/BDF; its analysis runs as a job → ``{"job_id"}``."""
    from hemispasm.web.jobs import create_job, save_upload

    folder = request.app.state.data_dir / "uploads"
    st = request.app.state.settings
    name, kind = await save_upload(file, folder, max_bytes=st.max_upload_bytes)
    try:
        job_id = create_job(
            request.app.state.reg,
            patient_id=patient_id,
            visit_id=visit_id,
            kind=kind,
            upload_name=name,
            actor=p.username,
        )
    except BaseException:
        (folder / name).unlink(missing_ok=True)
        raise
    return {"job_id": job_id, "kind": kind}


@router.get("/jobs/{job_id}")
def get_job(
    job_id: int, request: Request, _p: Principal = Depends(allow(*CLINICAL))
) -> dict[str, Any]:
    """Status, stage, progress; the analysis summary when done."""
    from hemispasm.web.jobs import job_status

    return job_status(request.app.state.reg, job_id)


@router.post("/patients/{patient_id}/toxin-sessions", status_code=201)
def create_toxin_session(
    patient_id: str,
    body: clinical.ToxinSessionIn,
    request: Request,
    p: Principal = Depends(allow(*CLINICAL)),
) -> dict[str, Any]:
    """Chart a toxin session (one product; units per muscle and side)."""
    return clinical.add_toxin_session(request.app.state.reg, patient_id, body, actor=p.username)


@router.get("/users")
def users(request: Request, _p: Principal = Depends(allow("admin"))) -> list[dict[str, Any]]:
    """Every user (admin)."""
    from hemispasm.web.users import list_users

    return list_users(request.app.state.reg)


@router.post("/users", status_code=201)
def create_user(
    body: UserIn, request: Request, p: Principal = Depends(allow("admin"))
) -> dict[str, Any]:
    """Create a user (admin)."""
    from hemispasm.web.users import add_user

    return add_user(
        request.app.state.reg,
        body.username,
        role=body.role,
        password=body.password,
        actor=p.username,
    )


@router.delete("/users/{username}/sessions")
def revoke(
    username: str, request: Request, p: Principal = Depends(allow("admin"))
) -> dict[str, Any]:
    """End every session of a user (admin)."""
    from hemispasm.web.users import revoke_sessions

    return {"revoked": revoke_sessions(request.app.state.reg, username, actor=p.username)}
