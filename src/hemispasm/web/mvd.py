"""The MVD / LSR pages: an operation, its lateral spread response per sweep, live monitoring.

- ``GET /surgeries/{id}``: the operation (date, side, offending vessels, technique, LSR
  disappeared) and, from the ``emg_lsr`` analysis of its LSR recording
  (``surgery.lsr_recording_id``), the chart of the LSR amplitude per sweep over the operation
  with the disappearance marked (:mod:`hemispasm.web.mvd_chart`), the criteria as ``emg lsr``
  reports them, the channel roles (M-response / artifact context) and the sweep table;
  ``.../sweeps.csv`` gives the derived values (no raw signal, no identity).
- ``GET|POST /patients/{id}/surgeries``: record an MVD (one audited transaction).
- ``POST /surgeries/{id}/lsr``: upload an EDF/BDF of the operation; a job (kind ``emg_lsr``,
  :mod:`hemispasm.web.jobs`) runs the registry's ``add_recording`` on it (the same call as
  ``hemispasm record add``: ``emg_lsr`` with its defaults) and :func:`attach_lsr` links the
  recording to the surgery with ``lsr_disappeared`` from the analysis.
- Live monitoring: :mod:`hemispasm.web.mvd_live`.

Roles: clinicians and nurses read; only clinicians record operations, upload their LSR
recording and start or stop live monitoring. Every read of a page that shows the patient's
name is audited; every change is audited by the registry.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hemispasm.errors import InputError, ValidationError
from hemispasm.registry import models as m
from hemispasm.registry.db import Registry
from hemispasm.registry.patients import get_patient, parse_date
from hemispasm.web.deps import CLINICAL, Principal, allow
from hemispasm.web.mvd_chart import LOW_CONFIDENCE, fmt_time, lsr_chart, sweep_table, table_rows
from hemispasm.web.users import audit_read

router = APIRouter()

#: Suggestions in the form (free text is accepted): the usual offending vessels of HFS.
VESSELS = ("AICA", "PICA", "vertebral artery", "vein", "other")
TECHNIQUES = ("interposition (Teflon felt)", "transposition", "interposition and transposition")
MAX_VESSELS = 6


class SurgeryError(ValidationError):
    """An unknown operation or an LSR recording that cannot belong to it."""


# ---------------------------------------------------------------------------- registry side


def parse_vessels(text: str) -> list[str]:
    """Offending vessels from the form (comma-separated), trimmed, without duplicates."""
    out: list[str] = []
    for v in (text or "").split(","):
        v = " ".join(v.split())
        if v and v not in out:
            if len(v) > 40:
                raise ValidationError(
                    f"offending vessel '{v[:40]}…' is too long", hint="use a short name, e.g. AICA"
                )
            out.append(v)
    if len(out) > MAX_VESSELS:
        raise ValidationError(f"more than {MAX_VESSELS} offending vessels")
    return out


def add_surgery(
    reg: Registry,
    patient_id: str,
    *,
    date: _dt.date,
    side: str,
    vessels: list[str],
    technique: str | None,
    actor: str,
) -> int:
    """Store an MVD (one transaction, audited by the registry's listener); return its id.

    Raises
    ------
    ValidationError
        Bad side, a date in the future, or an MVD already recorded on that date.
    RegistryError
        Unknown patient.
    """
    from sqlalchemy import select

    if side not in ("left", "right"):
        raise ValidationError(
            f"side '{side}' is not left or right", hint="choose the side operated"
        )
    if date > _dt.date.today():
        raise ValidationError(f"the operation date {date} is in the future")
    if technique and len(technique) > 200:
        raise ValidationError("the technique is longer than 200 characters")
    with reg.transaction(actor=actor) as s:
        p = get_patient(s, patient_id)
        same = s.scalars(
            select(m.Surgery.id).where(m.Surgery.patient_id == p.id, m.Surgery.date == date)
        ).first()
        if same is not None:
            raise ValidationError(
                f"an operation on {date} is already recorded for this patient",
                hint=f"open it at /surgeries/{same}",
            )
        sg = m.Surgery(
            patient_id=p.id,
            date=date,
            procedure="mvd",
            side=side,
            offending_vessels=vessels,
            technique=technique or None,
        )
        s.add(sg)
        s.flush()
        return int(sg.id)


def _lsr_analysis(s: Any, recording_id: int | None) -> m.Analysis | None:
    from sqlalchemy import select

    if recording_id is None:
        return None
    return s.scalars(
        select(m.Analysis)
        .where(m.Analysis.recording_id == recording_id, m.Analysis.kind == "emg_lsr")
        .order_by(m.Analysis.id.desc())
        .limit(1)
    ).first()


def surgery_view(reg: Registry, surgery_id: int) -> dict[str, Any]:
    """An operation with its LSR analysis (summary and sweeps table), or SurgeryError."""
    with reg.read_session() as s:
        sg = s.get(m.Surgery, surgery_id)
        if sg is None:
            raise SurgeryError(f"no operation {surgery_id} in the registry")
        an = _lsr_analysis(s, sg.lsr_recording_id)
        return {
            "id": sg.id,
            "patient_id": sg.patient_id,
            "synthetic": bool(sg.patient.synthetic),
            "date": sg.date.isoformat() if sg.date else None,
            "procedure": sg.procedure,
            "side": sg.side,
            "vessels": list(sg.offending_vessels or []),
            "technique": sg.technique,
            "lsr_recording_id": sg.lsr_recording_id,
            "lsr_disappeared": sg.lsr_disappeared,
            "complications": list(sg.complications or []),
            "analysis": None
            if an is None
            else {
                "id": an.id,
                "summary": an.summary,
                "sweeps": table_rows((an.tables or {}).get("sweeps")),
                "version": an.hemispasm_version,
                "method": an.method,
            },
        }


def check_lsr_upload(path: Any) -> None:
    """Refuse (one line) an EMG file without stimuli: it cannot hold an LSR (``add_recording``
    would analyse it as free-running bursts)."""
    from hemispasm.emg import find_stimuli, read_emg

    try:
        idx, _src = find_stimuli(read_emg(path))
    except InputError:
        idx = []
    if len(idx) == 0:
        raise InputError(
            "no stimulus found in the EMG file: it is not an LSR recording",
            hint="upload the stimulated recording of the operation (EDF/BDF with stimulus "
            "annotations or a trigger channel)",
        )


def attach_lsr(reg: Registry, surgery_id: int, added: dict[str, Any], *, actor: str) -> dict:
    """Link a recording stored by ``add_recording`` to the operation: ``lsr_recording_id``
    and ``lsr_disappeared`` (the analysis's headline criterion), audited.

    Raises
    ------
    SurgeryError
        Unknown operation, a recording of another patient, or no ``emg_lsr`` analysis.
    """
    reason = "LSR recording of the operation analysed and linked (web upload)"
    with reg.transaction(actor=actor, reason=reason) as s:
        sg = s.get(m.Surgery, surgery_id)
        rec = s.get(m.Recording, added.get("recording_id"))
        if sg is None or rec is None or rec.patient_id != sg.patient_id:
            raise SurgeryError(f"the recording cannot be linked to operation {surgery_id}")
        an = _lsr_analysis(s, rec.id)
        if an is None:
            raise SurgeryError(
                "the recording has no LSR analysis (no stimuli were found in it)",
                hint="upload the stimulated recording of the operation",
            )
        sg.lsr_recording_id = rec.id
        sg.lsr_disappeared = bool(an.summary.get("lsr_disappeared"))
        return {"surgery_id": sg.id, "lsr_disappeared": sg.lsr_disappeared}


def sweeps_csv(view: dict[str, Any]) -> str:
    """The derived sweep values of the operation's LSR analysis as CSV (every channel)."""
    an = view["analysis"]
    buf = io.StringIO()
    if an is None:
        return ""
    rows = an["sweeps"]
    cols = list(rows[0]) if rows else []
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["surgery_id", *cols])
    for r in rows:
        w.writerow([view["id"], *("" if r.get(c) is None else r.get(c) for c in cols)])
    return buf.getvalue()


def _job_for(reg: Registry, surgery_id: int, patient_id: str) -> dict[str, Any] | None:
    """The latest LSR job of this operation (queued, running or failed after the last link)."""
    from hemispasm.web.jobs import patient_jobs

    for j in patient_jobs(reg, patient_id, limit=20):
        if j["kind"] == "emg_lsr" and j.get("surgery_id") == surgery_id:
            return j
    return None


# ---------------------------------------------------------------------------- pages


def _render(request: Request, name: str, p: Principal, **kw: Any) -> Response:
    from hemispasm.web.pages import render

    return render(request, name, p, **kw)


def _view_ctx(request: Request, p: Principal, surgery_id: int) -> dict[str, Any]:
    from hemispasm.web import clinical

    reg = request.app.state.reg
    sv = surgery_view(reg, surgery_id)
    pv = clinical.patient_view(reg, sv["patient_id"], identity=True)
    audit_read(reg, p.username, sv["patient_id"], "surgery page")
    an = sv["analysis"]
    rows = sweep_table(an["summary"], an["sweeps"]) if an else []
    return {
        "sg": sv,
        "v": pv,
        "an": an,
        "s": an["summary"] if an else None,
        "rows": rows,
        "chart": lsr_chart(an["summary"], rows) if an else None,
        "job": _job_for(reg, surgery_id, sv["patient_id"]),
        "fmt": fmt_time,
        "low_conf": LOW_CONFIDENCE,
        "live_enabled": True,
    }


@router.get("/surgeries/{surgery_id}", response_class=HTMLResponse)
def surgery_page(
    surgery_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """The operation and its LSR per sweep, disappearance marked."""
    return _render(request, "surgery.html", p, **_view_ctx(request, p, surgery_id))


@router.get("/surgeries/{surgery_id}/job", response_class=HTMLResponse)
def surgery_job(
    surgery_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """The LSR job's status (htmx polls it); when it is done the page reloads."""
    reg = request.app.state.reg
    sv = surgery_view(reg, surgery_id)
    job = _job_for(reg, surgery_id, sv["patient_id"])
    resp = _render(request, "surgery_job.html", p, sg=sv, job=job)
    if job and job["status"] == "done":
        resp.headers["HX-Refresh"] = "true"
    return resp


@router.get("/surgeries/{surgery_id}/sweeps.csv")
def surgery_sweeps_csv(
    surgery_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """The derived per-sweep values (CSV; no raw signal, no identity)."""
    reg = request.app.state.reg
    view = surgery_view(reg, surgery_id)
    if view["analysis"] is None:
        raise SurgeryError(f"operation {surgery_id} has no LSR analysis yet")
    audit_read(reg, p.username, view["patient_id"], "surgery LSR sweeps CSV")
    return Response(
        sweeps_csv(view),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="surgery-{surgery_id}-lsr.csv"'},
    )


@router.get("/patients/{patient_id}/surgeries/new", response_class=HTMLResponse)
def surgery_form(
    patient_id: str, request: Request, p: Principal = Depends(allow("clinician"))
) -> Response:
    """The form to record an MVD."""
    from hemispasm.web import clinical

    reg = request.app.state.reg
    view = clinical.patient_view(reg, patient_id, identity=True)
    audit_read(reg, p.username, view["id"], "surgery form")
    return _render(
        request,
        "surgery_form.html",
        p,
        v=view,
        vessels=VESSELS,
        techniques=TECHNIQUES,
        today=_dt.date.today().isoformat(),
    )


@router.post("/patients/{patient_id}/surgeries")
def surgery_add(
    patient_id: str,
    request: Request,
    date: str = Form(""),
    side: str = Form(""),
    vessels: str = Form(""),
    technique: str = Form(""),
    p: Principal = Depends(allow("clinician")),
) -> Response:
    """Store the MVD from the form; go to its page."""
    day = parse_date(date or None, field="operation date")
    if day is None:
        raise ValidationError("the operation date is empty", hint="give the date of the MVD")
    sid = add_surgery(
        request.app.state.reg,
        patient_id,
        date=day,
        side=side,
        vessels=parse_vessels(vessels),
        technique=" ".join(technique.split()) or None,
        actor=p.username,
    )
    return RedirectResponse(f"/surgeries/{sid}", status_code=303)


@router.post("/surgeries/{surgery_id}/lsr")
async def surgery_lsr_upload(
    surgery_id: int,
    request: Request,
    file: UploadFile = File(...),
    p: Principal = Depends(allow("clinician")),
) -> Response:
    """Upload the operation's EMG (EDF/BDF); it is analysed as a job and linked when done."""
    from hemispasm.web.jobs import create_job, save_upload

    reg = request.app.state.reg
    sv = surgery_view(reg, surgery_id)  # unknown operation: before reading the body
    folder = request.app.state.data_dir / "uploads"
    name, kind = await save_upload(
        file, folder, max_bytes=request.app.state.settings.max_upload_bytes
    )
    try:
        if kind != "emg":
            raise InputError(
                "the file is a video, not an EMG recording",
                hint="upload the operation's EMG as EDF or BDF",
            )
        vid = None
        if sv["date"]:
            from hemispasm.web import clinical

            vid = clinical.visit_for(
                reg, sv["patient_id"], _dt.date.fromisoformat(sv["date"]), actor=p.username
            )
        create_job(
            reg,
            patient_id=sv["patient_id"],
            visit_id=vid,
            kind="emg_lsr",
            upload_name=name,
            actor=p.username,
            surgery_id=surgery_id,
        )
    except BaseException:
        (folder / name).unlink(missing_ok=True)
        raise
    return RedirectResponse(f"/surgeries/{surgery_id}", status_code=303)


from hemispasm.web.mvd_live import router as _live_router  # noqa: E402  (live monitoring)

router.include_router(_live_router)
