"""Reading patients out of the registry for :mod:`hemispasm.registry.derive` (the I/O edge).

- :func:`load_patient_record`: one patient's rows in one query per table (no per-row lazy
  loading), as a :class:`~hemispasm.registry.derive.PatientRecord`.
- :func:`patient_measures`: that record through :func:`~hemispasm.registry.derive.derive`.
- :func:`waning_patients`: the cohort query "every patient whose toxin response wanes": one
  query over all toxin sessions, grouped per patient in Python, each group handed to
  :func:`hemispasm.clinic.treatment.analyze_course` (the waning rule is never re-written in SQL).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from hemispasm.errors import HemispasmError
from hemispasm.registry.derive import (
    AdverseEventRow,
    DerivedMeasures,
    DrugCourseRow,
    FollowUpRow,
    InjectionRow,
    PatientRecord,
    ScaleScoreRow,
    SurgeryRow,
    ToxinSessionRow,
    VideoAnalysisRow,
    VisitRow,
    derive,
    toxin_treatment,
)

#: Columns of a toxin session read into a :class:`ToxinSessionRow`.
SESSION_COLS = (
    "id",
    "date",
    "visit_id",
    "product_inn",
    "brand",
    "vial_units",
    "dilution_ml",
    "lot",
    "response",
    "peak_improvement_pct",
    "benefit_weeks",
)

#: PatientRecord field -> (model class name, columns, row class): the per-patient tables read
#: the same way by :func:`load_patient_record` and the cohort's bulk loader.
RECORD_TABLES: dict[str, tuple[str, tuple[str, ...], Any]] = {
    "drug_courses": (
        "DrugCourse",
        (
            "id",
            "drug",
            "dose_mg_per_day",
            "start_date",
            "stop_date",
            "response",
            "side_effects",
            "stopped_for_side_effects",
        ),
        DrugCourseRow,
    ),
    "surgeries": (
        "Surgery",
        (
            "id",
            "date",
            "procedure",
            "side",
            "offending_vessels",
            "technique",
            "lsr_recording_id",
            "lsr_disappeared",
            "complications",
        ),
        SurgeryRow,
    ),
    "follow_ups": (
        "FollowUp",
        (
            "id",
            "date",
            "visit_id",
            "surgery_id",
            "spasm_free",
            "improvement_pct",
            "pgi",
            "house_brackmann",
        ),
        FollowUpRow,
    ),
    "adverse_events": (
        "AdverseEvent",
        (
            "id",
            "event",
            "onset_date",
            "toxin_session_id",
            "surgery_id",
            "drug_course_id",
            "severity",
            "resolved_date",
            "permanent",
        ),
        AdverseEventRow,
    ),
    "scale_scores": (
        "ScaleScore",
        ("id", "scale", "total", "source", "date", "visit_id", "analysis_id"),
        ScaleScoreRow,
    ),
}


class UnknownPatientError(HemispasmError):
    """No patient with that registry id."""


def video_analyses_query() -> Any:
    """The video analyses with their recording, as the records need them: ``patient_id``,
    ``analysis_id``, ``recording_id``, ``summary``, ``hemispasm_version``, ``visit_id``,
    ``sha256`` (one query for one patient's record and for the cohort's)."""
    from sqlalchemy import select

    from hemispasm.registry import models as m

    return (
        select(
            m.Recording.patient_id,
            m.Analysis.id.label("analysis_id"),
            m.Analysis.recording_id,
            m.Analysis.summary,
            m.Analysis.hemispasm_version,
            m.Recording.visit_id,
            m.Recording.sha256,
        )
        .join(m.Recording, m.Recording.id == m.Analysis.recording_id)
        .where(m.Analysis.kind == "video")
    )


def _rows(session: Any, stmt: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.connection().execute(stmt)]


def load_patient_record(session: Any, patient_id: str) -> PatientRecord:
    """One patient's stored rows (identity excluded) as a :class:`PatientRecord`.

    Raises
    ------
    UnknownPatientError
        No patient has this id.
    """
    from sqlalchemy import select

    from hemispasm.registry import models as m

    p = session.execute(
        select(
            m.Patient.id, m.Patient.synthetic, m.Patient.sex, m.Patient.side, m.Patient.onset_age
        ).where(m.Patient.id == patient_id)
    ).first()
    if p is None:
        raise UnknownPatientError(
            f"no patient {patient_id!r} in the registry", hint="see `hemispasm patient list`"
        )

    def cols(model: Any, *names: str) -> list[Any]:
        return [getattr(model, n) for n in names]

    visits = _rows(
        session,
        select(*cols(m.Visit, "id", "date", "clinician"))
        .where(m.Visit.patient_id == patient_id)
        .order_by(m.Visit.date, m.Visit.id),
    )
    sessions = _rows(
        session,
        select(*cols(m.ToxinSession, *SESSION_COLS))
        .where(m.ToxinSession.patient_id == patient_id)
        .order_by(m.ToxinSession.date, m.ToxinSession.id),
    )
    inj: dict[int, list[InjectionRow]] = {}
    for r in _rows(
        session,
        select(*cols(m.ToxinInjection, "id", "session_id", "muscle", "side", "units", "points"))
        .join(m.ToxinSession, m.ToxinSession.id == m.ToxinInjection.session_id)
        .where(m.ToxinSession.patient_id == patient_id)
        .order_by(m.ToxinInjection.id),
    ):
        inj.setdefault(r.pop("session_id"), []).append(InjectionRow(**r))
    video = _rows(
        session,
        video_analyses_query().where(m.Recording.patient_id == patient_id).order_by(m.Analysis.id),
    )
    for v in video:
        del v["patient_id"]

    def table(model: Any, names: tuple[str, ...]) -> list[dict[str, Any]]:
        return _rows(
            session,
            select(*cols(model, *names)).where(model.patient_id == patient_id).order_by(model.id),
        )

    return PatientRecord(
        patient_id=p.id,
        synthetic=bool(p.synthetic),
        sex=p.sex,
        side=p.side,
        onset_age=p.onset_age,
        visits=[VisitRow(**v) for v in visits],
        toxin_sessions=[ToxinSessionRow(**s, injections=inj.get(s["id"], [])) for s in sessions],
        video_analyses=[VideoAnalysisRow(**v) for v in video],
        **{
            field: [row_cls(**r) for r in table(getattr(m, model_name), names)]
            for field, (model_name, names, row_cls) in RECORD_TABLES.items()
        },
    )


def patient_measures(
    session: Any, patient_id: str, *, as_of: _dt.date | None = None
) -> DerivedMeasures:
    """The full timeline and derived measures of one patient (see :func:`derive.derive`)."""
    return derive(load_patient_record(session, patient_id), as_of=as_of)


def waning_patients(session: Any, *, synthetic: bool | None = None) -> list[str]:
    """Ids of every patient whose botulinum toxin response wanes (cohort query).

    One ordered query over all toxin sessions with their total units (summed per session in
    SQL); the sessions of each patient become clinic ``Treatment`` objects and go through
    :func:`hemispasm.clinic.treatment.analyze_course`, the one waning rule of hemispasm. Drug
    courses, operations and side effects do not change the waning verdict, so they are not
    read (a test checks the verdict equals the full per-patient derivation).

    Parameters
    ----------
    synthetic : bool, optional
        Only synthetic (True) or only real (False) patients; both when None.
    """
    from sqlalchemy import func, select

    from hemispasm.clinic.treatment import analyze_course
    from hemispasm.registry import models as m

    units = (
        select(
            m.ToxinInjection.session_id.label("sid"),
            func.sum(m.ToxinInjection.units).label("units"),
        )
        .group_by(m.ToxinInjection.session_id)
        .subquery()
    )
    stmt = (
        select(
            m.ToxinSession.patient_id,
            m.ToxinSession.id,
            m.ToxinSession.date,
            m.ToxinSession.response,
            m.ToxinSession.peak_improvement_pct,
            m.ToxinSession.benefit_weeks,
            m.ToxinSession.product_inn,
            m.ToxinSession.brand,
            units.c.units,
        )
        .outerjoin(units, units.c.sid == m.ToxinSession.id)
        .order_by(m.ToxinSession.patient_id, m.ToxinSession.date, m.ToxinSession.id)
    )
    if synthetic is not None:
        stmt = stmt.join(m.Patient, m.Patient.id == m.ToxinSession.patient_id).where(
            m.Patient.synthetic.is_(synthetic)
        )
    out: list[str] = []
    current: str | None = None
    group: list[Any] = []

    def flush() -> None:
        if group and analyze_course(group).waning:
            out.append(current)  # type: ignore[arg-type]

    rows = session.connection().execute(stmt)
    for pid, _sid, date, response, pct, weeks, inn, brand, total in rows:
        if pid != current:
            flush()
            current, group = pid, []
        group.append(
            toxin_treatment(
                date=date,
                product=inn or brand,
                response=response,
                peak_improvement_pct=pct,
                benefit_weeks=weeks,
                doses=None if total is None else round(float(total), 3),
            )
        )
    flush()
    return out


__all__ = ["UnknownPatientError", "load_patient_record", "patient_measures", "waning_patients"]
