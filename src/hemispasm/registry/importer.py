"""``hemispasm registry import CASE.yaml|DIR``: clinic case files into the registry.

A case file is in the ``hemispasm assess`` format (docs/clinic.md) and may also carry
``identity: {name, birth_date, mrn}`` and ``visit_date``. Per file:

- the patient is the one whose identity has the same medical record number, else a new one;
- one visit (``visit_date``; the import date when absent, reported as such) with its
  :class:`~hemispasm.registry.models.Case` (the case as stored data, and the assessment computed
  by :func:`hemispasm.clinic.assess.assess`);
- each entry of ``treatments`` becomes a toxin session (with one injection per muscle of
  ``doses``, or one of unrecorded muscle when only a total is given), a drug course, or a
  surgery (MVD); side effects become adverse events linked to that treatment. A treatment the
  patient already has (same type, date, product and dose) is not stored twice, since case files
  repeat the history at each visit;
- each scored scale becomes a scale score (HFS-7 and HFS-30 rated by the patient, the others by
  the clinician).

Every file is read, validated and assessed first; then all are written in ONE transaction, so a
bad file, or a crash part way, leaves the database as it was. A file already imported (same
SHA-256) is skipped.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic

from hemispasm._log import get_logger
from hemispasm._version import __version__
from hemispasm.errors import InputError, ValidationError
from hemispasm.registry import models as m
from hemispasm.registry.db import Registry
from hemispasm.registry.patients import Identity, find_by_mrn

log = get_logger(__name__)

CASE_SUFFIXES = (".yaml", ".yml", ".json")
DRUGS = ("carbamazepine", "clonazepam", "diazepam")
PATIENT_RATED = ("hfs7", "hfs30")


@dataclass
class Prepared:
    """One validated case file, ready to write."""

    path: Path
    sha256: str
    case: Any  # hemispasm.clinic.case.Case
    assessment: Any  # hemispasm.clinic.assess.Assessment
    identity: Identity | None
    visit_date: _dt.date
    visit_date_given: bool


@dataclass
class ImportReport:
    """What an import did."""

    imported: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # file names already imported

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"imported": self.imported, "skipped": self.skipped}


def case_files(path: str | Path) -> list[Path]:
    """The case file, or every case file under a folder (sorted).

    Raises
    ------
    InputError
        The path does not exist, or the folder holds no case file.
    """
    p = Path(path)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise InputError("no such case file or folder", path=p, hint="check the path")
    files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in CASE_SUFFIXES)
    if not files:
        raise InputError(
            "the folder holds no case file (.yaml, .yml, .json)", path=p, hint="check the folder"
        )
    return files


def prepare(path: Path) -> Prepared:
    """Read, validate and assess one case file (no database access).

    Raises
    ------
    InputError, ValidationError
        One line naming the file and the field.
    """
    from hemispasm.clinic.assess import assess
    from hemispasm.clinic.case import case_from_dict, read_mapping
    from hemispasm.provenance import sha256_file

    data = read_mapping(path, what="case file")
    if not isinstance(data, dict):
        raise ValidationError("a case file must be a mapping of fields", path=path)
    ident_raw = data.pop("identity", None)
    visit_raw = data.pop("visit_date", None)
    identity = None
    if ident_raw is not None:
        try:
            identity = Identity.model_validate(ident_raw)
        except pydantic.ValidationError as exc:
            e = exc.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(x) for x in e["loc"])
            raise ValidationError(
                f"field 'identity{'.' + where if where else ''}': {e['msg']}",
                path=path,
                hint="identity takes name, birth_date (YYYY-MM-DD) and mrn",
            ) from None
    try:
        visit_date = (
            _dt.date.fromisoformat(str(visit_raw)) if visit_raw is not None else _dt.date.today()
        )
    except ValueError:
        raise ValidationError(
            f"field 'visit_date': '{visit_raw}' is not a date", path=path, hint="write YYYY-MM-DD"
        ) from None
    case = case_from_dict(data, source=path)
    if isinstance(case.video_summary, str):
        vs = Path(case.video_summary).expanduser()
        if not vs.is_absolute():
            vs = path.resolve().parent / vs
        case = case.model_copy(update={"video_summary": str(vs)})
    sha = sha256_file(path)
    try:
        a = assess(case, input_name=path.name, input_sha256=sha)
    except (ValidationError, InputError) as exc:
        if exc.path is not None:
            raise
        raise type(exc)(exc.message, path=path, hint=exc.hint) from None
    return Prepared(path, sha, case, a, identity, visit_date, visit_raw is not None)


def _product(name: str | None) -> tuple[str | None, str | None]:
    """(INN, brand): botulinum toxin INNs end in ``botulinumtoxinA`` / ``...B``."""
    if not name:
        return None, None
    if name.lower().endswith(("toxina", "toxinb")):
        return name, None
    return None, name


def _existing(s: Any, pid: str) -> tuple[set[Any], set[Any], set[Any]]:
    """Keys of the patient's stored toxin sessions, drug courses and surgeries (3 queries)."""
    from sqlalchemy import func, select

    # a session is known by its date, product (the INN when stored, else the brand: a session
    # charted in the web form stores both) and total units
    sessions = {
        (d, inn or brand, round(float(u or 0.0), 6))
        for d, inn, brand, u in s.execute(
            select(
                m.ToxinSession.date,
                m.ToxinSession.product_inn,
                m.ToxinSession.brand,
                func.sum(m.ToxinInjection.units),
            )
            .outerjoin(m.ToxinInjection, m.ToxinInjection.session_id == m.ToxinSession.id)
            .where(m.ToxinSession.patient_id == pid, m.ToxinSession.date.is_not(None))
            .group_by(m.ToxinSession.id)
        )
    }
    drugs = set(
        s.execute(
            select(m.DrugCourse.drug, m.DrugCourse.start_date).where(
                m.DrugCourse.patient_id == pid, m.DrugCourse.start_date.is_not(None)
            )
        ).all()
    )
    surgeries = set(
        s.scalars(
            select(m.Surgery.date).where(m.Surgery.patient_id == pid, m.Surgery.date.is_not(None))
        ).all()
    )
    return sessions, drugs, surgeries


def _add_treatments(
    s: Any, p: m.Patient, visit: m.Visit, prep: Prepared, *, keys: tuple[set, set, set]
) -> dict[str, int]:
    """Add the case's treatments not yet stored for this patient (``keys``: what is stored,
    updated here); no flush of its own."""
    counts = {"toxin_sessions": 0, "drug_courses": 0, "surgeries": 0, "adverse_events": 0}
    side = prep.case.side if prep.case.side in ("left", "right") else None
    sessions, drugs, surgeries = keys
    for t in prep.case.treatments:
        cause: dict[str, Any]
        if t.type == "botulinum_toxin":
            inn, brand = _product(t.product)
            key = (t.date, inn or brand, round(float(t.total_units or 0.0), 6))
            if t.date is not None and key in sessions:
                continue
            sessions.add(key)
            ts = m.ToxinSession(
                patient_id=p.id,
                visit=visit if t.date in (None, visit.date) else None,
                date=t.date,
                product_inn=inn,
                brand=brand,
                response=t.response,
                peak_improvement_pct=t.peak_improvement_pct,
                benefit_weeks=t.benefit_weeks,
            )
            if isinstance(t.doses, dict):
                ts.injections = [
                    m.ToxinInjection(muscle=mu, side=side, units=float(u))
                    for mu, u in t.doses.items()
                ]
            elif t.doses is not None:
                ts.injections = [m.ToxinInjection(muscle=None, side=side, units=float(t.doses))]
            s.add(ts)
            cause = {"toxin_session": ts}
            counts["toxin_sessions"] += 1
        elif t.type in DRUGS:
            if t.date is not None and (t.type, t.date) in drugs:
                continue
            drugs.add((t.type, t.date))
            dc = m.DrugCourse(
                patient_id=p.id,
                drug=t.type,
                dose_mg_per_day=t.total_units,
                start_date=t.date,
                response=t.response,
                side_effects=list(t.side_effects),
                stopped_for_side_effects=t.stopped_for_side_effects,
            )
            s.add(dc)
            cause = {"drug_course": dc}
            counts["drug_courses"] += 1
        else:  # mvd
            if t.date is not None and t.date in surgeries:
                continue
            surgeries.add(t.date)
            sg = m.Surgery(
                patient_id=p.id,
                date=t.date,
                procedure="mvd",
                side=side,
                complications=[{"name": se, "permanent": None} for se in t.side_effects],
            )
            s.add(sg)
            cause = {"surgery": sg}
            counts["surgeries"] += 1
        for se in t.side_effects:
            s.add(m.AdverseEvent(patient_id=p.id, event=se, onset_date=None, **cause))
            counts["adverse_events"] += 1
    return counts


def _drop_case_scales(s: Any, visit: m.Visit) -> None:
    """Delete the scale scores a case stored at ``visit`` (not those estimated from a video)."""
    from sqlalchemy import select

    for sc in s.scalars(
        select(m.ScaleScore).where(
            m.ScaleScore.visit_id == visit.id,
            m.ScaleScore.analysis_id.is_(None),
            m.ScaleScore.source.in_(("clinician", "patient")),
        )
    ):
        s.delete(sc)


@dataclass
class _Batch:
    """State of one import transaction: patients by MRN, stored treatment keys per patient."""

    by_mrn: dict[str, m.Patient] = field(default_factory=dict)
    keys: dict[str, tuple[set[Any], set[Any], set[Any]]] = field(default_factory=dict)


def _load_patients(s: Any, prepared: list[Prepared], batch: _Batch) -> None:
    from sqlalchemy import select

    mrns = sorted({p.identity.mrn for p in prepared if p.identity and p.identity.mrn})
    for i in range(0, len(mrns), 500):
        for ident in s.scalars(
            select(m.PatientIdentity).where(m.PatientIdentity.mrn.in_(mrns[i : i + 500]))
        ):
            batch.by_mrn[ident.mrn] = ident.patient


def case_data(case: Any) -> dict[str, Any]:
    """The case as stored JSON: every field, except that a list or mapping left unset is left
    out, so that reading it back keeps "not recorded" apart from "recorded: none" (the clinic
    core reads ``other_cranial_nerve_signs`` as assessed only when it was set)."""
    data = case.model_dump(mode="json")
    unset = [k for k, v in data.items() if k not in case.model_fields_set and v in ([], {})]
    for k in unset:
        del data[k]
    return data


def write_prepared(
    s: Any,
    prep: Prepared,
    batch: _Batch | None = None,
    *,
    patient: m.Patient | None = None,
    visit: m.Visit | None = None,
) -> dict[str, Any]:
    """Add one prepared case file to the caller's session (flushed by the caller).

    ``patient`` and ``visit`` (the web case form): store the case for that patient at that
    visit instead of finding the patient by record number and adding a visit. A visit that
    already has a case gets the new case and assessment in its place, and its scale scores
    from the old case are replaced (an update: the transaction needs a reason).

    Returns the report row; ``patient_id`` is known, ``visit_id`` is filled in after the
    flush (see :func:`import_cases`).
    """
    batch = batch if batch is not None else _Batch()
    mrn = prep.identity.mrn if prep.identity and prep.identity.mrn else None
    p = patient if patient is not None else (batch.by_mrn.get(mrn) if mrn else None)
    if p is None and mrn:
        p = find_by_mrn(s, mrn)
    new_patient = p is None
    if p is None:
        p = m.Patient(
            id=m.new_patient_id(),  # known now, so every row below carries it before the flush
            sex=prep.case.sex,
            side=prep.case.side,
            onset_age=prep.case.onset_age,
        )
        if prep.identity is not None and not prep.identity.is_empty():
            p.identity = m.PatientIdentity(**prep.identity.model_dump())
        s.add(p)
        batch.keys[p.id] = (set(), set(), set())
        if mrn:
            batch.by_mrn[mrn] = p
    elif p.id not in batch.keys:
        with s.no_autoflush:
            batch.keys[p.id] = _existing(s, p.id)
    if visit is None:
        visit = m.Visit(patient=p, patient_id=p.id, date=prep.visit_date)
        s.add(visit)
    stored = {
        "data": case_data(prep.case),
        "assessment": json.loads(prep.assessment.model_dump_json(by_alias=True)),
        "source_name": prep.path.name,
        "source_sha256": prep.sha256,
        "hemispasm_version": __version__,
    }
    old = visit.case if visit.id is not None else None
    if old is not None:
        for k, v in stored.items():
            setattr(old, k, v)
        _drop_case_scales(s, visit)
    else:
        s.add(m.Case(patient_id=p.id, visit=visit, **stored))
    counts = _add_treatments(s, p, visit, prep, keys=batch.keys[p.id])
    for name, sc in prep.assessment.scales.items():
        s.add(
            m.ScaleScore(
                patient_id=p.id,
                visit=visit,
                date=visit.date,
                scale=name,
                total=float(sc.total),
                items=dict(sc.items),
                source="patient" if name in PATIENT_RATED else "clinician",
                interpretation=sc.interpretation,
            )
        )
    row = {
        "file": prep.path.name,
        "patient_id": p.id,
        "new_patient": new_patient,
        "visit_id": None,
        "visit_date": visit.date.isoformat(),
        "visit_date_given": prep.visit_date_given,
        "hfs_likelihood": prep.assessment.hfs_likelihood,
        "scale_scores": len(prep.assessment.scales),
        **counts,
    }
    row["_visit"] = visit
    return row


def import_cases(reg: Registry, path: str | Path, *, actor: str | None = None) -> ImportReport:
    """Import one case file or a folder of them, all in one transaction (one flush).

    Raises
    ------
    InputError, ValidationError
        The first bad file (nothing is written).
    """
    from sqlalchemy import select

    files = case_files(path)
    prepared = [prepare(f) for f in files]
    report = ImportReport()
    with reg.transaction(actor=actor) as s, s.no_autoflush:
        done = set(s.scalars(select(m.Case.source_sha256)).all())
        batch = _Batch()
        _load_patients(s, prepared, batch)
        for prep in prepared:
            if prep.sha256 in done:
                report.skipped.append(prep.path.name)
                continue
            report.imported.append(write_prepared(s, prep, batch))
            done.add(prep.sha256)
        s.flush()
        for row in report.imported:
            row["visit_id"] = row.pop("_visit").id
    log.info("imported %d case file(s), skipped %d", len(report.imported), len(report.skipped))
    return report
