"""Server-rendered pages (Jinja2 + the vendored htmx; no inline script).

Pages: login, patient list with search, patient timeline (with upload and job list), job
progress, toxin session form on the face map with its printable sheet (HTML and PDF from one
template), user administration. Each route has its roles (:func:`hemispasm.web.deps.allow`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import json
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from hemispasm._version import __version__
from hemispasm.errors import HemispasmError, ValidationError
from hemispasm.web import clinical
from hemispasm.web.deps import CLINICAL, READERS, SESSION_COOKIE, Principal, allow
from hemispasm.web.users import audit_read

router = APIRouter()
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
LOGIN_COOKIE = "hs_login"


def _ctx(request: Request, p: Principal | None, **kw: Any) -> dict[str, Any]:
    return {
        "request": request,
        "user": p,
        "demo": request.app.state.settings.demo,
        "version": __version__,
        **kw,
    }


def render(request: Request, name: str, p: Principal | None, status: int = 200, **kw: Any):
    """Render a template with the common context."""
    return templates.TemplateResponse(request, name, _ctx(request, p, **kw), status_code=status)


def render_error(request: Request, status: int, message: str, headers: Any = None) -> Response:
    """The error page (one line, no traceback, nothing identifying)."""
    p = getattr(request.state, "principal", None)
    resp = render(request, "error.html", p, status=status, status_code=status, message=message)
    if headers:
        resp.headers.update(headers)
    return resp


# ---------------------------------------------------------------------------- login / logout


def _login_sig(request: Request, nonce: str) -> str:
    key = request.app.state.settings.secret_key.encode()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, error: str | None = None) -> Response:
    """The login form (public). A signed nonce in a cookie and the form protects it (CSRF)."""
    nonce = secrets.token_urlsafe(16)
    resp = render(request, "login.html", None, csrf=_login_sig(request, nonce), error=error)
    resp.set_cookie(
        LOGIN_COOKIE,
        nonce,
        httponly=True,
        samesite="strict",
        secure=not request.app.state.settings.dev,
        max_age=1800,
        path="/login",
    )
    return resp


@router.post("/login")
def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Check the form and log in; back to the form with one message otherwise."""
    from hemispasm.web.api import do_login

    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not hmac.compare_digest(csrf_token, _login_sig(request, nonce)):
        raise HTTPException(status_code=403, detail="the login form expired; reload the page")
    resp = RedirectResponse("/patients", status_code=303)
    try:
        do_login(request, resp, username, password)
    except HTTPException as exc:
        page = login_page(request, error=str(exc.detail))
        page.status_code = exc.status_code
        return page
    resp.delete_cookie(LOGIN_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout_submit(request: Request, p: Principal = Depends(allow("admin", *READERS))) -> Response:
    """Log out (server-side revocation)."""
    from hemispasm.web.users import logout

    logout(request.app.state.reg, p.token, p.username)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/")
def home(p: Principal = Depends(allow("admin", *READERS))) -> Response:
    """Patients for clinical roles, users for the administrator."""
    return RedirectResponse("/admin/users" if p.role == "admin" else "/patients", status_code=303)


# ---------------------------------------------------------------------------- patients


@router.get("/patients", response_class=HTMLResponse)
def patients_page(
    request: Request, page: int = 0, p: Principal = Depends(allow(*READERS))
) -> Response:
    """Patient list, newest first, 50 a page."""
    return _patients(request, p, "", page)


@router.post("/patients/search", response_class=HTMLResponse)
def patients_search(
    request: Request, q: str = Form(""), p: Principal = Depends(allow(*READERS))
) -> Response:
    """Search (POST: a name never goes into a URL or an access log); the table alone for htmx."""
    return _patients(request, p, q, 0)


def _patients(request: Request, p: Principal, q: str, page: int) -> Response:
    reg = request.app.state.reg
    res = clinical.search_patients(reg, q=q, identity=p.sees_identity, page=max(page, 0))
    if p.sees_identity and res["patients"]:
        audit_read(reg, p.username, "*", "patient list")
    name = "_patient_rows.html" if request.headers.get("HX-Request") else "patients.html"
    return render(request, name, p, res=res, q=q, today=_dt.date.today().isoformat())


@router.post("/patients")
def patients_add(
    request: Request,
    name: str = Form(...),
    birth_date: str = Form(""),
    mrn: str = Form(""),
    sex: str = Form(""),
    side: str = Form(""),
    p: Principal = Depends(allow("clinician")),
) -> Response:
    """Register a patient from the form; go to its page."""
    from hemispasm.registry.patients import Identity, add_patient, parse_date

    if not name.strip():
        raise ValidationError("the name is empty", hint="type the patient's name")
    ident = Identity(
        name=name, birth_date=parse_date(birth_date or None, field="birth date"), mrn=mrn or None
    )
    out = add_patient(
        request.app.state.reg,
        sex=sex or None,
        side=clinical.check_side(side or None),
        identity=ident,
        actor=p.username,
    )
    return RedirectResponse(f"/patients/{out['id']}", status_code=303)


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    patient_id: str, request: Request, p: Principal = Depends(allow(*READERS))
) -> Response:
    """The patient timeline: spasm rate, scales, toxin, drugs, MVD on one axis."""
    from hemispasm.web.jobs import patient_jobs
    from hemispasm.web.timeline import timeline_svg

    reg = request.app.state.reg
    view = clinical.patient_view(reg, patient_id, identity=p.sees_identity)
    if p.sees_identity:
        audit_read(reg, p.username, view["id"], "patient timeline")
    jobs = patient_jobs(reg, view["id"]) if p.role in CLINICAL else []
    analyses = [(v["date"], vid) for v in view["derived"]["visits"] for vid in v["video"]]
    return render(
        request,
        "patient.html",
        p,
        v=view,
        d=view["derived"],
        tl=timeline_svg(view["derived"]),
        jobs=jobs,
        analyses=analyses[::-1],
        today=_dt.date.today().isoformat(),
    )


@router.post("/patients/{patient_id}/recordings")
async def recording_upload(
    patient_id: str,
    request: Request,
    file: UploadFile = File(...),
    visit_date: str = Form(""),
    p: Principal = Depends(allow(*CLINICAL)),
) -> Response:
    """Upload from the visit form; the analysis runs as a job; go to its progress page."""
    from hemispasm.registry.patients import parse_date
    from hemispasm.web.jobs import create_job, save_upload

    reg = request.app.state.reg
    day = parse_date(visit_date or None, field="visit date") or _dt.date.today()
    folder = request.app.state.data_dir / "uploads"
    name, kind = await save_upload(
        file, folder, max_bytes=request.app.state.settings.max_upload_bytes
    )
    try:
        vid = clinical.visit_for(reg, patient_id, day, actor=p.username)
        job_id = create_job(
            reg, patient_id=patient_id, visit_id=vid, kind=kind, upload_name=name, actor=p.username
        )
    except BaseException:
        (folder / name).unlink(missing_ok=True)
        raise
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))) -> Response:
    """Live progress of an analysis (htmx polls the status fragment); the report when done."""
    from hemispasm.web.jobs import job_status

    job = job_status(request.app.state.reg, job_id)
    frag = "_job_status.html" if request.headers.get("HX-Request") else "job.html"
    return render(request, frag, p, job=job)


# ---------------------------------------------------------------------------- toxin sessions


def _session_from_form(form: Any) -> clinical.ToxinSessionIn:
    injections = []
    for region in _regions():
        key = f"{region['muscle']}__{region['side']}"
        units = (form.get(f"units__{key}") or "").strip()
        points = (form.get(f"points__{key}") or "").strip()
        if not units:
            continue
        try:
            u = float(units)
            n = int(points) if points else None
        except ValueError:
            raise ValidationError(
                f"units or points of {region['label']} are not numbers",
                hint="type units like 2.5 and points like 2",
            ) from None
        if u == 0:
            continue
        injections.append(
            {"muscle": region["muscle"], "side": region["side"], "units": u, "points": n}
        )
    if not injections:
        raise ValidationError(
            "the session has no injection", hint="click a muscle on the face map or type units"
        )
    data = {
        "date": form.get("date") or _dt.date.today().isoformat(),
        "product_inn": form.get("product_inn") or "",
        "vial_units": form.get("vial_units") or None,
        "dilution_ml": form.get("dilution_ml") or None,
        "lot": form.get("lot") or None,
        "injections": injections,
    }
    try:
        return clinical.ToxinSessionIn.model_validate(data)
    except Exception as exc:  # pydantic ValidationError: one line naming the field
        errs = getattr(exc, "errors", lambda: [])()
        first = errs[0] if errs else {"loc": ("form",), "msg": str(exc)}
        where = ".".join(str(x) for x in first["loc"])
        raise ValidationError(f"{where}: {first['msg']}") from None


def _regions() -> list[dict[str, Any]]:
    from hemispasm.web.facemap import face_regions

    return face_regions()


@router.get("/patients/{patient_id}/toxin/new", response_class=HTMLResponse)
def toxin_form(
    patient_id: str, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """The toxin session form on the face map, the suggested plan beside it."""
    from hemispasm.web.facemap import face_outline

    reg = request.app.state.reg
    view = clinical.patient_view(reg, patient_id, identity=True)
    audit_read(reg, p.username, view["id"], "toxin session form")
    last = clinical.last_session_injections(view)
    return render(
        request,
        "toxin_form.html",
        p,
        v=view,
        regions=_regions(),
        face=face_outline(),
        products=clinical.PRODUCTS,
        plan=clinical.suggested_plan(reg, view["id"]),
        last_json=json.dumps(last) if last else "",
        last=last,
        today=_dt.date.today().isoformat(),
    )


@router.post("/patients/{patient_id}/toxin")
async def toxin_submit(
    patient_id: str, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """Store the session from the form; show its sheet."""
    form = await request.form()
    data = _session_from_form(form)
    reg = request.app.state.reg
    data.visit_id = clinical.visit_for(reg, patient_id, data.date, actor=p.username)
    out = clinical.add_toxin_session(reg, patient_id, data, actor=p.username)
    return RedirectResponse(f"/toxin-sessions/{out['id']}", status_code=303)


def _sheet_ctx(request: Request, p: Principal, session_id: int) -> dict[str, Any]:
    reg = request.app.state.reg
    ts = clinical.toxin_session(reg, session_id)
    view = clinical.patient_view(reg, ts["patient_id"], identity=True)
    audit_read(reg, p.username, view["id"], "toxin session sheet")
    return {"ts": ts, "v": view}


@router.get("/toxin-sessions/{session_id}", response_class=HTMLResponse)
def toxin_sheet(
    session_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """The session sheet (the same template as the PDF)."""
    return render(request, "toxin_sheet.html", p, pdf=False, **_sheet_ctx(request, p, session_id))


@router.get("/toxin-sessions/{session_id}/sheet.pdf")
def toxin_sheet_pdf(
    session_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """The printable session sheet as PDF (WeasyPrint, from the HTML template)."""
    from hemispasm.web.pdf import html_to_pdf

    ctx = _ctx(request, p, pdf=True, **_sheet_ctx(request, p, session_id))
    html = templates.get_template("toxin_sheet_pdf.html").render(ctx)
    pdf = html_to_pdf(html, base_url=str(Path(__file__).parent))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="toxin-session-{session_id}.pdf"'},
    )


# ---------------------------------------------------------------------------- home recording


@router.post("/patients/{patient_id}/home-link", response_class=HTMLResponse)
def home_link_create(
    patient_id: str, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """Create a one-time home-recording link; it is shown once."""
    from hemispasm.web.home import HOME_LINK_HOURS, create_link

    link = create_link(request.app.state.reg, patient_id, actor=p.username)
    url = str(request.base_url).rstrip("/") + f"/home/{link['token']}"
    return render(request, "home_link.html", p, link=link, url=url, hours=HOME_LINK_HOURS)


@router.get("/home/{token}", response_class=HTMLResponse)
def home_page(token: str, request: Request) -> Response:
    """The patient's recording page (no account: the one-time token is the key)."""
    from hemispasm.web.home import PROMPTS, check_link, home_protocol

    check_link(request.app.state.reg, token)
    seconds = request.app.state.settings.home_record_seconds
    tasks = home_protocol(seconds)
    return render(
        request,
        "home.html",
        None,
        token=token,
        prompts=[q.format(seconds=seconds, n=len(tasks)) for q in PROMPTS],
        seconds=seconds,
        tasks=tasks,
    )


@router.post("/home/{token}/upload")
async def home_upload(
    token: str,
    request: Request,
    file: UploadFile = File(...),
    tasks: str | None = Form(None),
) -> Response:
    """The recording from the home page, with the task segments the page timed: stored and
    queued for that patient; the link is spent."""
    from fastapi.responses import JSONResponse

    from hemispasm.web.home import attach_job, check_link, save_tasks, spend_link
    from hemispasm.web.jobs import create_job, save_upload

    reg = request.app.state.reg
    check_link(reg, token)  # before reading a large body
    folder = request.app.state.data_dir / "uploads"
    name, kind = await save_upload(
        file, folder, max_bytes=request.app.state.settings.max_upload_bytes
    )
    sidecar = None
    try:
        if tasks and kind == "video":
            sidecar = save_tasks(tasks, folder / name)
        pid = spend_link(reg, token)
        vid = clinical.visit_for(reg, pid, _dt.date.today(), actor="home recording")
        job_id = create_job(
            reg, patient_id=pid, visit_id=vid, kind=kind, upload_name=name, actor="home recording"
        )
    except BaseException:
        (folder / name).unlink(missing_ok=True)
        if sidecar is not None:
            sidecar.unlink(missing_ok=True)
        raise
    attach_job(reg, token, job_id)
    return JSONResponse({"received": True})


# ---------------------------------------------------------------------------- admin


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, p: Principal = Depends(allow("admin"))) -> Response:
    """Users, their roles and live sessions; add a user; revoke sessions."""
    from hemispasm.web.models import ROLES
    from hemispasm.web.users import list_users

    return render(request, "users.html", p, users=list_users(request.app.state.reg), roles=ROLES)


@router.post("/admin/users")
def users_add(
    request: Request,
    username: str = Form(...),
    role: str = Form(...),
    password: str = Form(...),
    p: Principal = Depends(allow("admin")),
) -> Response:
    """Create a user from the form."""
    from hemispasm.web.users import add_user

    add_user(request.app.state.reg, username, role=role, password=password, actor=p.username)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}/revoke")
def users_revoke(
    username: str, request: Request, p: Principal = Depends(allow("admin"))
) -> Response:
    """End every session of a user."""
    from hemispasm.web.users import revoke_sessions

    revoke_sessions(request.app.state.reg, username, actor=p.username)
    return RedirectResponse("/admin/users", status_code=303)


__all__ = ["HemispasmError", "render_error", "router"]
