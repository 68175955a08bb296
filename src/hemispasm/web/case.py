"""The case and assessment page: history and examination of a visit, and the decision support.

- ``GET /patients/{id}/case`` (clinician): the form, grouped as a clinician reads it (history,
  examination, head and neck warning signs, imaging and EMG, treatment so far), prefilled from
  the patient's most recent stored case. Every finding is yes / no / **not recorded** (the
  default); "not recorded" leaves the field out of the case, so the clinic core reads it as
  unknown, never as absent.
- ``POST /patients/{id}/case`` (clinician): the form is turned into a case mapping, validated
  by :func:`hemispasm.clinic.case.case_from_dict` and assessed by
  :func:`hemispasm.clinic.assess.assess` (optionally with a stored video analysis's summary, as
  ``hemispasm assess --video-summary``); case and assessment are stored at the visit of that
  date through the registry's own writer (:func:`hemispasm.registry.importer.write_prepared`,
  audited with the user). A bad field re-renders the form with one line (422); nothing is stored.
- ``GET /cases/{id}`` (clinician, nurse): the stored assessment: red flags first, the ranked
  differential with the reasons (rule ids, cited sources), work-up, treatment options and what
  is withheld, the disclaimer. ``GET /patients/{id}/case/latest`` is the patient page's summary.
- API: ``POST /api/v1/patients/{id}/cases`` (case JSON, plus ``visit_date``, ``reason``,
  ``video_analysis_id``), ``GET /api/v1/patients/{id}/cases``, ``GET /api/v1/cases/{id}``.

The form's fields and their mapping to a case are in :mod:`hemispasm.web.case_form`; storing
and reading through the registry in :mod:`hemispasm.web.case_store`. Reads of a case (which sits
beside the patient's identity on these pages) are audited. Case content (free-text notes
included) is never logged.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hemispasm._log import get_logger
from hemispasm.errors import HemispasmError, ValidationError
from hemispasm.registry.db import Registry
from hemispasm.registry.patients import get_patient
from hemispasm.web.case_form import (
    TRI,
    case_mapping_from_form,
    choices,
    field_text,
    findings,
    form_error,
    form_spec,
    form_values,
    keep_raw,
)
from hemispasm.web.case_store import (
    assessment_model,
    get_case,
    headline,
    list_cases,
    merge_treatments,
    registry_treatments,
    store_case,
    video_analyses,
)
from hemispasm.web.deps import CLINICAL, Principal, allow
from hemispasm.web.users import audit_read

log = get_logger(__name__)
router = APIRouter()
api_router = APIRouter(prefix="/api/v1")


# ---------------------------------------------------------------------------- pages


def _head(reg: Registry, patient_id: str, *, identity: bool) -> dict[str, Any]:
    from hemispasm.web.clinical import _ident

    with reg.read_session() as s:
        p = get_patient(s, patient_id)
        out = {"id": p.id, "synthetic": p.synthetic, "side": p.side, "sex": p.sex}
        if identity:
            out["identity"] = _ident(p.identity)
    return out


def _form_page(
    request: Request,
    p: Principal,
    patient_id: str,
    *,
    values: dict[str, Any],
    day: str,
    prefilled_from: str | None,
    error: str | None = None,
    status: int = 200,
    reason: str = "",
    video_id: str = "",
    has_case: bool = False,
    from_registry: int = 0,
) -> Response:
    from hemispasm.web.pages import render

    reg = request.app.state.reg
    v = _head(reg, patient_id, identity=True)
    audit_read(reg, p.username, v["id"], "case form")
    return render(
        request,
        "case_form.html",
        p,
        status=status,
        v=v,
        groups=form_spec(),
        val=values,
        day=day,
        prefilled_from=prefilled_from,
        error=error,
        reason=reason,
        video_id=video_id,
        has_case=has_case,
        from_registry=from_registry,
        videos=video_analyses(reg, v["id"]),
        tri=TRI,
        t_types=choices("treatments.type"),
        t_responses=choices("treatments.response"),
        t_side_effects=choices("treatments.side_effects"),
    )


@router.get("/patients/{patient_id}/case", response_class=HTMLResponse)
def case_form(
    patient_id: str,
    request: Request,
    visit: int | None = None,
    p: Principal = Depends(allow("clinician")),
) -> Response:
    """The case form, prefilled from the patient's most recent case (or that of ``visit``)."""
    reg = request.app.state.reg
    cases = list_cases(reg, patient_id)
    chosen = next((c for c in cases if c["visit_id"] == visit), None) if visit else None
    if visit and chosen is None:
        raise ValidationError(f"patient {patient_id} has no case at visit {visit}")
    src = chosen or (cases[0] if cases else None)
    day = chosen["visit_date"] if chosen else _dt.date.today().isoformat()
    data = dict(src["case"]) if src else {}
    data["treatments"], from_registry = merge_treatments(
        list(data.get("treatments") or []), registry_treatments(reg, patient_id)
    )
    return _form_page(
        request,
        p,
        patient_id,
        values=form_values(data),
        day=day,
        prefilled_from=src["visit_date"] if src else None,
        has_case=any(c["visit_date"] == day for c in cases),
        from_registry=from_registry,
    )


@router.post("/patients/{patient_id}/case")
async def case_submit(
    patient_id: str, request: Request, p: Principal = Depends(allow("clinician"))
) -> Response:
    """Validate, assess and store the case; show its assessment (or the form with one line)."""
    from hemispasm.registry.patients import parse_date

    form = await request.form()
    reg = request.app.state.reg
    day_text = field_text(form, "visit_date")
    reason = field_text(form, "reason")
    video_id = field_text(form, "video_analysis_id")
    try:
        day = parse_date(day_text or None, field="visit date") or _dt.date.today()
        data = case_mapping_from_form(form)
        vid = int(video_id) if video_id else None
        out = store_case(
            reg, patient_id, data, day=day, actor=p.username, reason=reason, video_analysis_id=vid
        )
    except (ValidationError, ValueError) as exc:
        err = exc if isinstance(exc, ValidationError) else ValidationError(str(exc))
        log.info("case form refused: %s", err.__class__.__name__)
        try:
            values = form_values(case_mapping_from_form(form))
        except ValidationError:
            values = form_values(None)
        keep_raw(values, form)
        return _form_page(
            request,
            p,
            patient_id,
            values=values,
            day=day_text,
            prefilled_from=None,
            error=form_error(err),
            status=422,
            reason=reason,
            video_id=video_id,
            has_case=any(c["visit_date"] == day_text for c in list_cases(reg, patient_id)),
        )
    return RedirectResponse(f"/cases/{out['id']}", status_code=303)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))) -> Response:
    """The stored case's decision support: red flags first, differential with reasons."""
    from hemispasm.web.pages import render

    reg = request.app.state.reg
    c = get_case(reg, case_id)
    v = _head(reg, c["patient_id"], identity=True)
    audit_read(reg, p.username, v["id"], "case and assessment")
    a = assessment_model(c["assessment"])
    return render(
        request,
        "case_assessment.html",
        p,
        v=v,
        c=c,
        a=a,
        head=headline(c["assessment"]),
        differential=[d for d in (a.differential if a else []) if d.score > 0 or d.rank <= 3],
        unlikely=[d for d in (a.differential if a else []) if d.score < 0 and d.rank > 3],
        findings=findings(c["case"]),
        cite=_cite,
        sources=_cited_keys(a) if a else [],
    )


def _cite(key: str | None) -> str:
    """The short citation of a source key (the key itself when it is not a listed source)."""
    from hemispasm.clinic.assess import citation
    from hemispasm.clinic.sources import SOURCES

    return citation(key) if key in SOURCES else str(key or "")


def _cited_keys(a: Any) -> list[str]:
    from hemispasm.clinic.report import _cited_keys as keys

    return keys(a)


@router.get("/patients/{patient_id}/case/latest", response_class=HTMLResponse)
def case_latest(
    patient_id: str, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """The patient page's summary of the latest assessment (an htmx fragment, no identity)."""
    from hemispasm.web.pages import render

    cases = list_cases(request.app.state.reg, patient_id)
    return render(
        request, "case_latest.html", p, latest=cases[0] if cases else None, pid=patient_id
    )


# ---------------------------------------------------------------------------- API


def _api_error(exc: HemispasmError) -> Response:
    from fastapi.responses import JSONResponse

    log.info("case refused: %s", exc.__class__.__name__)
    return JSONResponse({"error": exc.one_line()}, status_code=422)


@api_router.post("/patients/{patient_id}/cases", status_code=201)
def api_case_create(
    patient_id: str,
    request: Request,
    body: dict[str, Any] = Body(...),
    p: Principal = Depends(allow("clinician")),
) -> Any:
    """Store a case (the ``hemispasm assess`` case JSON, plus optional ``visit_date``,
    ``reason`` and ``video_analysis_id``) with its assessment; 422 with one line if bad."""
    from hemispasm.registry.patients import parse_date

    data = dict(body)
    day_raw = data.pop("visit_date", None)
    reason = data.pop("reason", None)
    vid = data.pop("video_analysis_id", None)
    try:
        if vid is not None and (isinstance(vid, bool) or not isinstance(vid, int)):
            raise ValidationError("field 'video_analysis_id': must be an integer id")
        day = parse_date(str(day_raw) if day_raw else None, field="visit_date")
        return store_case(
            request.app.state.reg,
            patient_id,
            data,
            day=day or _dt.date.today(),
            actor=p.username,
            reason=str(reason) if reason else None,
            video_analysis_id=vid,
        )
    except ValidationError as exc:
        return _api_error(exc)


@api_router.get("/patients/{patient_id}/cases")
def api_case_list(
    patient_id: str, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> dict[str, Any]:
    """The patient's cases, newest first (case, assessment and its headline)."""
    reg = request.app.state.reg
    cases = list_cases(reg, patient_id)
    audit_read(reg, p.username, patient_id, "cases (API)")
    return {"patient_id": patient_id, "cases": cases}


@api_router.get("/cases/{case_id}")
def api_case_get(case_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))) -> Any:
    """One stored case with its assessment."""
    reg = request.app.state.reg
    c = get_case(reg, case_id)
    audit_read(reg, p.username, c["patient_id"], "case (API)")
    return c
