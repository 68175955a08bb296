"""Store and read the cases of the web app through the registry (no web types here).

:func:`store_case` validates a case mapping with the clinic's loader, assesses it (optionally
with a stored video analysis's summary, as ``hemispasm assess --video-summary``) and stores case
and assessment through the registry's own case writer
(:func:`hemispasm.registry.importer.write_prepared`) in one audited transaction.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from pathlib import Path
from typing import Any

from hemispasm._log import get_logger
from hemispasm.errors import ValidationError
from hemispasm.registry import models as m
from hemispasm.registry.db import Registry
from hemispasm.registry.patients import get_patient

log = get_logger(__name__)

#: Stored as the case's source name (the registry keeps the file name of an imported case).
SOURCE_NAME = "web form"


def _refuse_keys(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without empty ``identity``/``video_summary`` (a stored case sent back holds
    ``video_summary: null``); either one with a value is refused."""
    data = {k: v for k, v in data.items() if not (k in ("identity", "video_summary") and v is None)}
    if "identity" in data:
        raise ValidationError(
            "field 'identity': the patient is the one in the address",
            hint="leave identity out (it is kept apart, in the patient's record)",
        )
    if "video_summary" in data:
        raise ValidationError(
            "field 'video_summary': a web request cannot name a file on the server",
            hint="give video_analysis_id, the id of a stored video analysis of this patient",
        )
    return data


def video_analyses(reg: Registry, patient_id: str) -> list[dict[str, Any]]:
    """The patient's stored video analyses, newest first: id, visit date, rate, synthetic."""
    from sqlalchemy import select

    from hemispasm.registry.derive import video_spasm_rate

    with reg.read_session() as s:
        p = get_patient(s, patient_id)
        rows = s.execute(
            select(m.Analysis, m.Visit.date)
            .join(m.Recording, m.Recording.id == m.Analysis.recording_id)
            .outerjoin(m.Visit, m.Visit.id == m.Recording.visit_id)
            .where(m.Recording.patient_id == p.id, m.Analysis.kind == "video")
            .order_by(m.Analysis.created_at.desc(), m.Analysis.id.desc())
        ).all()
        out = []
        for an, day in rows:
            summary = an.summary if isinstance(an.summary, dict) else {}
            side, rate = video_spasm_rate(summary, p.side)
            prov = summary.get("provenance") if isinstance(summary.get("provenance"), dict) else {}
            out.append(
                {
                    "id": an.id,
                    "date": day.isoformat() if day else an.created_at.date().isoformat(),
                    "side": side,
                    "spasms_per_min": rate,
                    "synthetic": bool(summary.get("synthetic") or prov.get("synthetic")),
                }
            )
    return out


def _analysis_summary(reg: Registry, patient_id: str, analysis_id: int) -> dict[str, Any]:
    from sqlalchemy import select

    with reg.read_session() as s:
        row = s.execute(
            select(m.Analysis.summary, m.Recording.patient_id)
            .join(m.Recording, m.Recording.id == m.Analysis.recording_id)
            .where(m.Analysis.id == analysis_id, m.Analysis.kind == "video")
        ).first()
    if row is None or row[1] != patient_id:
        raise ValidationError(
            f"field 'video_analysis_id': patient {patient_id} has no video analysis {analysis_id}",
            hint="choose one of the patient's analyses, or none",
        )
    return dict(row[0])


def assess_mapping(
    reg: Registry, patient_id: str, data: dict[str, Any], *, video_analysis_id: int | None = None
) -> tuple[Any, Any, str]:
    """Validate and assess a case mapping (no database write): (case, assessment, sha256).

    The case gets the patient's registry id as its (pseudonymous) ``case_id`` when it has none.

    Raises
    ------
    ValidationError
        One line naming the field.
    """
    from hemispasm.clinic.assess import assess
    from hemispasm.clinic.case import case_from_dict

    data = _refuse_keys(data)
    data = {**data, "case_id": data.get("case_id") or patient_id}
    case = case_from_dict(data)
    summary = None
    if video_analysis_id is not None:
        summary = _analysis_summary(reg, patient_id, video_analysis_id)
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    a = assess(case, video_summary=summary, input_name=SOURCE_NAME, input_sha256=sha)
    if a.video is not None and video_analysis_id is not None:
        a.video.source_name = f"registry video analysis {video_analysis_id}"
        a.provenance.parameters["video_analysis_id"] = video_analysis_id
    return case, a, sha


def store_case(
    reg: Registry,
    patient_id: str,
    data: dict[str, Any],
    *,
    day: _dt.date,
    actor: str,
    reason: str | None = None,
    video_analysis_id: int | None = None,
) -> dict[str, Any]:
    """Validate, assess and store a case at the patient's visit of ``day`` (created if none)
    through the registry's writer, in one audited transaction; return :func:`get_case`.

    A visit that already has a case needs ``reason`` (the registry audits the change).

    Raises
    ------
    ValidationError
        A bad field (nothing stored), or a second case for a visit without a reason.
    RegistryError
        Unknown patient.
    """
    from sqlalchemy import select

    from hemispasm.registry.importer import Prepared, write_prepared

    with reg.read_session() as s:
        pid = get_patient(s, patient_id).id
    case, a, sha = assess_mapping(reg, pid, data, video_analysis_id=video_analysis_id)
    reason = (reason or "").strip() or None
    with reg.transaction(actor=actor, reason=reason) as s:
        p = get_patient(s, pid)
        visit = s.scalars(
            select(m.Visit)
            .where(m.Visit.patient_id == pid, m.Visit.date == day)
            .order_by(m.Visit.id)
        ).first()
        if visit is not None and visit.case is not None and reason is None:
            raise ValidationError(
                f"field 'reason': the visit of {day.isoformat()} already has a case",
                hint="give the reason for the change (it goes into the audit trail)",
            )
        prep = Prepared(Path(SOURCE_NAME), sha, case, a, None, day, True)
        write_prepared(s, prep, patient=p, visit=visit)
        s.flush()
        case_id = s.scalars(
            select(m.Case.id)
            .join(m.Visit, m.Visit.id == m.Case.visit_id)
            .where(m.Case.patient_id == pid, m.Visit.date == day)
            .order_by(m.Visit.id)
        ).first()
    log.info("case stored: %d red flag(s), %d rule(s) fired", len(a.red_flags), len(a.rules_fired))
    return get_case(reg, int(case_id))


def _case_row(c: m.Case, day: _dt.date | None) -> dict[str, Any]:
    return {
        "id": c.id,
        "patient_id": c.patient_id,
        "visit_id": c.visit_id,
        "visit_date": day.isoformat() if day else None,
        "source_name": c.source_name,
        "hemispasm_version": c.hemispasm_version,
        "case": c.data,
        "assessment": c.assessment,
    }


def get_case(reg: Registry, case_id: int) -> dict[str, Any]:
    """One stored case with its assessment, visit and patient id.

    Raises
    ------
    ValidationError
        Unknown case.
    """
    with reg.read_session() as s:
        c = s.get(m.Case, case_id)
        if c is None:
            raise ValidationError(f"no case {case_id}", hint="open the case from the patient page")
        return _case_row(c, c.visit.date)


def list_cases(reg: Registry, patient_id: str) -> list[dict[str, Any]]:
    """The patient's cases, newest visit first, each with its assessment's headline."""
    from sqlalchemy import select

    with reg.read_session() as s:
        p = get_patient(s, patient_id)
        rows = s.execute(
            select(m.Case, m.Visit.date)
            .join(m.Visit, m.Visit.id == m.Case.visit_id)
            .where(m.Case.patient_id == p.id)
            .order_by(m.Visit.date.desc(), m.Visit.id.desc())
        ).all()
        return [{**_case_row(c, day), **headline(c.assessment)} for c, day in rows]


def headline(a: dict[str, Any] | None) -> dict[str, Any]:
    """Leading diagnosis, likelihood, red flags (label, urgency) of a stored assessment."""
    a = a or {}
    return {
        "leading_diagnosis": a.get("leading_diagnosis"),
        "leading_label": a.get("leading_label") or a.get("leading_diagnosis"),
        "hfs_likelihood": a.get("hfs_likelihood"),
        "likelihood_label": a.get("likelihood_label") or a.get("hfs_likelihood"),
        "red_flags": [
            {"label": f.get("label") or f.get("flag"), "urgency": f.get("urgency")}
            for f in a.get("red_flags") or []
        ],
        "red_flags_not_assessed": len(a.get("red_flags_not_assessed") or []),
    }


def assessment_model(stored: dict[str, Any] | None) -> Any:
    """The stored assessment as the clinic's model, or None when it no longer validates."""
    from hemispasm.clinic.assess import Assessment

    try:
        return Assessment.model_validate(stored or {})
    except Exception:  # stored by an older hemispasm whose model differed
        return None


def registry_treatments(reg: Registry, patient_id: str) -> list[dict[str, Any]]:
    """The patient's dated toxin sessions, drug courses and MVDs in the registry, as case
    treatments (oldest first), so that the form's "treatment so far" starts from what the
    registry knows. Saving them again stores nothing twice: the registry's case writer knows a
    dated treatment by its date, product and total dose."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from hemispasm.clinic.case import MUSCLES
    from hemispasm.clinic.wording import field_choices

    responses = set(field_choices("treatments.response"))
    side_effects = set(field_choices("treatments.side_effects"))
    out: list[dict[str, Any]] = []
    with reg.read_session() as s:
        pid = get_patient(s, patient_id).id
        for ts in s.scalars(
            select(m.ToxinSession)
            .where(m.ToxinSession.patient_id == pid, m.ToxinSession.date.is_not(None))
            .options(selectinload(m.ToxinSession.injections))
        ):
            doses: float | dict[str, float] | None = None
            if ts.injections:
                per: dict[str, float] = {}
                for i in ts.injections:
                    per[str(i.muscle)] = per.get(str(i.muscle), 0.0) + float(i.units)
                named = all(k in MUSCLES for k in per)
                doses = per if named else float(sum(per.values()))
            t = {
                "type": "botulinum_toxin",
                "date": ts.date.isoformat(),
                "doses": doses,
                "product": ts.product_inn or ts.brand,
                "response": ts.response if ts.response in responses else None,
                "peak_improvement_pct": ts.peak_improvement_pct,
                "benefit_weeks": ts.benefit_weeks,
            }
            out.append(t)
        for dc in s.scalars(
            select(m.DrugCourse).where(
                m.DrugCourse.patient_id == pid, m.DrugCourse.start_date.is_not(None)
            )
        ):
            out.append(
                {
                    "type": dc.drug,
                    "date": dc.start_date.isoformat(),
                    "doses": dc.dose_mg_per_day,
                    "response": dc.response if dc.response in responses else None,
                    "side_effects": [x for x in dc.side_effects or [] if x in side_effects],
                    "stopped_for_side_effects": dc.stopped_for_side_effects,
                }
            )
        for sg in s.scalars(
            select(m.Surgery).where(
                m.Surgery.patient_id == pid,
                m.Surgery.procedure == "mvd",
                m.Surgery.date.is_not(None),
            )
        ):
            out.append({"type": "mvd", "date": sg.date.isoformat()})
    out.sort(key=lambda t: t["date"])
    return out


def merge_treatments(
    case_treatments: list[dict[str, Any]], registry: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], int]:
    """The case's treatments plus the registry's that the case does not hold (same type and
    date), by date; and how many came from the registry."""
    held = {(t.get("type"), t.get("date")) for t in case_treatments}
    extra = [t for t in registry if (t["type"], t["date"]) not in held]
    merged = [*case_treatments, *extra]
    merged.sort(key=lambda t: (t.get("date") is None, t.get("date") or ""))
    return merged, len(extra)
