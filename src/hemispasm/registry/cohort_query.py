"""Reading a whole registry for the cohort (the I/O edge of :mod:`hemispasm.registry.cohort`).

- :func:`load_records`: every patient's rows as :class:`~hemispasm.registry.derive.PatientRecord`
  objects, in ONE query per table for the whole registry (grouped per patient in Python), the
  same columns as :func:`hemispasm.registry.records.load_patient_record` (a test checks they
  agree patient for patient). Identities are never read.
- :func:`registry_facts`: :func:`~hemispasm.registry.cohort.patient_facts` of every patient,
  kept in memory per registry and recomputed only when the registry's clinical data changed:
  the key is the id of the latest ``audit_event`` row that inserted, updated or deleted a
  clinical row (every change writes one, in the same transaction; reads and web logins do not
  count), read with one indexed query. After a change only the patients the new audit rows
  name are read again.
- :func:`cohort`: facts → :func:`~hemispasm.registry.cohort.cohort_summary` (kept per filter
  until the facts change).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from hemispasm._log import get_logger
from hemispasm.registry.cohort import (
    MIN_CELL,
    CohortFilter,
    CohortSummary,
    PatientFacts,
    cohort_summary,
    patient_facts,
)
from hemispasm.registry.derive import (
    InjectionRow,
    PatientRecord,
    ToxinSessionRow,
    VideoAnalysisRow,
    VisitRow,
)
from hemispasm.registry.records import RECORD_TABLES, SESSION_COLS, video_analyses_query

log = get_logger(__name__)

#: The tables the cohort reads; a change to any of them invalidates the cached facts.
CLINICAL_TABLES = (
    "patient",
    "visit",
    "toxin_session",
    "toxin_injection",
    "drug_course",
    "surgery",
    "follow_up",
    "adverse_event",
    "scale_score",
    "recording",
    "analysis",
)


def load_records(session: Any) -> list[PatientRecord]:
    """Every patient of the registry as a :class:`PatientRecord` (one query per table).

    The rows come typed from the database, so the records are built without re-validation
    (``model_construct``); they hold the same fields as ``load_patient_record``.
    """
    from sqlalchemy import select

    from hemispasm.registry import models as m

    conn = session.connection()

    def rows(stmt: Any) -> Any:
        return (dict(r._mapping) for r in conn.execute(stmt))

    def cols(model: Any, names: tuple[str, ...]) -> list[Any]:
        return [getattr(model, n) for n in names]

    per: dict[str, dict[str, list[Any]]] = {}
    order: list[tuple[str, Any]] = []
    for p in conn.execute(
        select(
            m.Patient.id, m.Patient.synthetic, m.Patient.sex, m.Patient.side, m.Patient.onset_age
        ).order_by(m.Patient.id)
    ):
        per[p.id] = {}
        order.append((p.id, p))

    def bucket(pid: str, field: str) -> list[Any]:
        return per.setdefault(pid, {}).setdefault(field, [])

    for r in rows(
        select(m.Visit.patient_id, *cols(m.Visit, ("id", "date", "clinician"))).order_by(
            m.Visit.patient_id, m.Visit.date, m.Visit.id
        )
    ):
        bucket(r.pop("patient_id"), "visits").append(VisitRow.model_construct(**r))

    inj: dict[int, list[InjectionRow]] = {}
    for r in rows(
        select(
            *cols(m.ToxinInjection, ("id", "session_id", "muscle", "side", "units", "points"))
        ).order_by(m.ToxinInjection.id)
    ):
        inj.setdefault(r.pop("session_id"), []).append(InjectionRow.model_construct(**r))
    for r in rows(
        select(m.ToxinSession.patient_id, *cols(m.ToxinSession, SESSION_COLS)).order_by(
            m.ToxinSession.patient_id, m.ToxinSession.date, m.ToxinSession.id
        )
    ):
        bucket(r.pop("patient_id"), "toxin_sessions").append(
            ToxinSessionRow.model_construct(**r, injections=inj.get(r["id"], []))
        )

    for field, (model_name, names, row_cls) in RECORD_TABLES.items():
        model = getattr(m, model_name)
        for r in rows(
            select(model.patient_id, *cols(model, names)).order_by(model.patient_id, model.id)
        ):
            defaults = {k: [] for k in ("side_effects", "offending_vessels", "complications")}
            data = {**{k: v for k, v in defaults.items() if k in names}, **r}
            for k in defaults:
                if k in data and data[k] is None:
                    data[k] = []
            bucket(data.pop("patient_id"), field).append(row_cls.model_construct(**data))

    for r in rows(video_analyses_query().order_by(m.Recording.patient_id, m.Analysis.id)):
        r["summary"] = r["summary"] or {}
        bucket(r.pop("patient_id"), "video_analyses").append(VideoAnalysisRow.model_construct(**r))

    out = []
    for pid, p in order:
        tables = per.get(pid, {})
        out.append(
            PatientRecord.model_construct(
                patient_id=pid,
                synthetic=bool(p.synthetic),
                sex=p.sex,
                side=p.side,
                onset_age=p.onset_age,
                visits=tables.get("visits", []),
                toxin_sessions=tables.get("toxin_sessions", []),
                drug_courses=tables.get("drug_courses", []),
                surgeries=tables.get("surgeries", []),
                follow_ups=tables.get("follow_ups", []),
                adverse_events=tables.get("adverse_events", []),
                scale_scores=tables.get("scale_scores", []),
                video_analyses=tables.get("video_analyses", []),
            )
        )
    return out


def change_marker(session: Any) -> int:
    """Id of the latest audit row that changed a clinical table (0 for none): the cache key."""
    from sqlalchemy import select

    from hemispasm.registry import models as m

    ev = m.AuditEvent
    last = session.execute(
        select(ev.id)
        .where(ev.action.in_(("insert", "update", "delete")), ev.entity.in_(CLINICAL_TABLES))
        .order_by(ev.id.desc())
        .limit(1)
    ).scalar()
    return int(last or 0)


#: At most this many changed patients are re-read one by one; more, and the whole registry is
#: read again in bulk (ENGINEERING choice: ~10 ms a patient against a bulk pass of seconds).
INCREMENTAL_MAX = 200

# engine URL -> (change marker, facts per patient id, the same facts as a list)
_cache: dict[str, tuple[int, dict[str, PatientFacts], list[PatientFacts]]] = {}
_lock = threading.Lock()


def changed_patients(session: Any, *, since: int, upto: int) -> set[str] | None:
    """Patients whose clinical rows changed in audit rows ``since < id <= upto`` (None when a
    change names no patient: then everything is read again)."""
    from sqlalchemy import select

    from hemispasm.registry import models as m

    ev = m.AuditEvent
    out: set[str] = set()
    for (pid,) in session.execute(
        select(ev.patient_id)
        .where(
            ev.id > since,
            ev.id <= upto,
            ev.action.in_(("insert", "update", "delete")),
            ev.entity.in_(CLINICAL_TABLES),
        )
        .distinct()
    ):
        if pid is None:
            return None
        out.add(pid)
        if len(out) > INCREMENTAL_MAX:
            return None
    return out


def registry_facts(reg: Any, *, use_cache: bool = True) -> list[PatientFacts]:
    """:func:`patient_facts` of every patient, cached until the registry's data change.

    The cache is per registry (engine URL) and process. After a change only the patients named
    by the new audit rows are read again (:func:`changed_patients`), up to
    :data:`INCREMENTAL_MAX`; otherwise, and without a cache, the whole registry in bulk.
    """
    from sqlalchemy import select

    from hemispasm.registry import models as m
    from hemispasm.registry.records import load_patient_record

    key = str(reg.engine.url)
    with reg.read_session() as s:
        marker = change_marker(s)  # first: data read after it are at least this new
        with _lock:
            hit = _cache.get(key) if use_cache else None
        if hit is not None and hit[0] == marker:
            return hit[2]
        changed = None
        if hit is not None and marker > hit[0]:
            changed = changed_patients(s, since=hit[0], upto=marker)
        if changed is not None and hit is not None:
            per = dict(hit[1])
            alive = set(s.scalars(select(m.Patient.id).where(m.Patient.id.in_(changed))))
            for pid in sorted(changed):
                if pid in alive:
                    per[pid] = patient_facts(load_patient_record(s, pid))
                else:
                    per.pop(pid, None)
            how = f"{len(changed)} changed patients"
        else:
            per = {r.patient_id: patient_facts(r) for r in load_records(s)}
            how = "every patient"
    facts = list(per.values())
    with _lock:
        _cache[key] = (marker, per, facts)
    log.info("cohort facts recomputed for %s (%d patients)", how, len(facts))
    return facts


def clear_cache() -> None:
    """Forget every cached fact list (tests, benchmarks)."""
    with _lock:
        _cache.clear()
        _summaries.clear()


_summaries: dict[tuple[int, CohortFilter, int], tuple[list[PatientFacts], CohortSummary]] = {}
_SUMMARIES_MAX = 64


def cohort(
    reg: Any,
    *,
    filters: CohortFilter | None = None,
    min_cell: int = MIN_CELL,
    use_cache: bool = True,
) -> CohortSummary:
    """The cohort summary of an open registry (see :func:`cohort_summary`).

    A summary is kept for each filter until the facts change (at most 64 at a time).
    """
    facts = registry_facts(reg, use_cache=use_cache)
    flt = filters or CohortFilter()
    key = (id(facts), flt, min_cell)
    with _lock:
        hit = _summaries.get(key)
    if use_cache and hit is not None and hit[0] is facts:
        return hit[1].model_copy(deep=True)
    out = cohort_summary(facts=facts, filters=flt, min_cell=min_cell)
    with _lock:
        if len(_summaries) >= _SUMMARIES_MAX:
            _summaries.clear()
        _summaries[key] = (facts, out)
    return out.model_copy(deep=True)


def cohort_report(
    url: str | None,
    *,
    filters: CohortFilter | None = None,
    min_cell: int = MIN_CELL,
    csv_out: str | Path | None = None,
) -> dict[str, Any]:
    """``hemispasm cohort``: the summary of the registry at ``url`` as JSON-ready data.

    With ``csv_out`` the aggregates are also written there as CSV (written to a temporary file
    beside it and renamed: never half-written).

    Raises
    ------
    ValidationError
        ``min_cell`` under 1, or the CSV's folder does not exist.
    """
    import os
    import tempfile

    from hemispasm.errors import ValidationError
    from hemispasm.registry.api import opened
    from hemispasm.registry.cohort import summary_csv

    if min_cell < 1:
        raise ValidationError(f"--min-cell {min_cell} is under 1", hint="use 5 (the default)")
    out = Path(csv_out) if csv_out is not None else None
    if out is not None and not out.parent.is_dir():
        raise ValidationError(
            f"{out}: the folder {out.parent} does not exist", hint="create it or choose another"
        )
    with opened(url) as reg:
        summary = cohort(reg, filters=filters, min_cell=min_cell)
    if out is not None:
        fd, tmp = tempfile.mkstemp(prefix=".cohort-", suffix=".csv", dir=out.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(summary_csv(summary))
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return summary.model_dump(mode="json")


__all__ = [
    "CLINICAL_TABLES",
    "change_marker",
    "changed_patients",
    "clear_cache",
    "cohort",
    "cohort_report",
    "load_records",
    "registry_facts",
]
