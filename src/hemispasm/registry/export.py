"""``hemispasm registry export``: the registry as CSV, Parquet or FHIR R4 bundles.

- ``csv`` / ``parquet``: one file per table (``patient``, ``visit``, ``toxin_session``, ...),
  every row with a ``synthetic`` column (the patient's flag); ``toxin_injection`` rows carry
  their session's product so that units are never read without it.
- ``fhir``: one FHIR R4 ``collection`` Bundle per patient (``fhir/<registry id>.json``), built
  with ``fhir.resources.R4B``: Patient, Condition (SNOMED CT 13753008, ICD-10-CM G51.3x by
  side), Device (hemispasm and its version), Observation (scale scores; the video spasm rate in
  UCUM ``/min`` with the device), Procedure (each toxin session, SNOMED CT 442695005; each MVD),
  MedicationAdministration (one per muscle injected per session: ``dosage.site``, dose in
  units ``[U]``, ``partOf`` its session's Procedure), DocumentReference (each recording by its
  SHA-256). Synthetic patients' resources carry the HL7 ``HTEST`` tag and a hemispasm
  ``synthetic`` tag.
- ``pseudonymised``: no name, birth date or record number, no free text (``notes``), no source
  file names; after writing, every byte is searched for the identities of the exported patients
  and the export is refused (nothing left behind) if one is found.

Everything is written into a temporary folder beside ``out_dir`` and renamed into place at the
end, so a failed export leaves nothing half-written.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from hemispasm._log import get_logger
from hemispasm._version import __version__
from hemispasm.errors import OutputError, ValidationError
from hemispasm.registry.records import UnknownPatientError

log = get_logger(__name__)

FORMATS = ("csv", "parquet", "fhir")
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
HS = "https://github.com/hemispasm/hemispasm/fhir"
#: ICD-10-CM hemifacial spasm by side (G51.31 right, G51.32 left, G51.33 bilateral, G51.39).
ICD_BY_SIDE = {"right": "G51.31", "left": "G51.32", "bilateral": "G51.33"}
SYNTHETIC_TAGS = [
    {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
        "code": "HTEST",
        "display": "test health data",
    },
    {"system": f"{HS}/tag", "code": "synthetic", "display": "synthetic patient (generated)"},
]
_CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".avi": "video/x-msvideo",
    ".mkv": "video/x-matroska",
    ".edf": "application/octet-stream",
    ".csv": "text/csv",
}
#: Columns never exported when pseudonymised (identity lives in patient_identity, not exported).
_PSEUDO_DROP = {
    "visit": {"notes"},
    "clinical_case": {"source_name"},
    "analysis": set(),
}
_SKIP = {"analysis": {"signals_parquet", "tables"}}
_WORD = re.compile(r"\w+")


def _check_args(format: str, out_dir: str | Path) -> Path:
    if format not in FORMATS:
        raise ValidationError(
            f"--format must be one of {', '.join(FORMATS)}, not {format!r}",
            hint="give --format csv, parquet or fhir",
        )
    out = Path(out_dir).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OutputError(
            "the export folder exists and is not empty", path=out, hint="give a new or empty --out"
        )
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, _dt.datetime | _dt.date):
        return v.isoformat()
    if isinstance(v, dict | list):
        return json.dumps(v, sort_keys=True, default=str)
    return v


def _scrub_case(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if k not in ("notes", "case_id")}
    return data


def _scrub_provenance(prov: Any) -> Any:
    if isinstance(prov, dict):
        return {k: v for k, v in prov.items() if k != "input_name"}
    return prov


def read_tables(
    session: Any, *, pseudonymised: bool, patient_id: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every exported table as rows (dicts), each with the patient's ``synthetic`` flag."""
    from sqlalchemy import select

    from hemispasm.registry import models as m

    if patient_id is not None and session.get(m.Patient, patient_id) is None:
        raise UnknownPatientError(
            f"no patient {patient_id!r} in the registry", hint="see `hemispasm patient list`"
        )
    conn = session.connection()
    synthetic = dict(conn.execute(select(m.Patient.id, m.Patient.synthetic)).all())
    sess_patient = dict(conn.execute(select(m.ToxinSession.id, m.ToxinSession.patient_id)).all())
    sess_product = dict(conn.execute(select(m.ToxinSession.id, m.ToxinSession.product_inn)).all())
    rec_patient = dict(conn.execute(select(m.Recording.id, m.Recording.patient_id)).all())
    out: dict[str, list[dict[str, Any]]] = {}
    for model in m.CLINICAL_MODELS:
        table = model.__tablename__
        if table == "patient_identity" and pseudonymised:
            continue
        cols = [c for c in model.__table__.columns if c.name not in _SKIP.get(table, set())]
        if pseudonymised:
            cols = [c for c in cols if c.name not in _PSEUDO_DROP.get(table, set())]
        stmt = select(*cols).order_by(*model.__table__.primary_key.columns)
        rows = []
        for r in conn.execute(stmt):
            row = dict(r._mapping)
            if table == "patient":
                pid = row["id"]
            elif table == "toxin_injection":
                pid = sess_patient.get(row["session_id"])
                row["product_inn"] = sess_product.get(row["session_id"])
            elif table == "analysis":
                pid = rec_patient.get(row["recording_id"])
            else:
                pid = row.get("patient_id")
            if patient_id is not None and pid != patient_id:
                continue
            if pseudonymised and table == "clinical_case":
                row["data"] = _scrub_case(row.get("data"))
            if pseudonymised and table == "analysis":
                row["provenance"] = _scrub_provenance(row.get("provenance"))
            if table != "patient":
                row["patient_id"] = pid
            row["synthetic"] = bool(synthetic.get(pid, False))
            rows.append(row)
        out[table] = rows
    return out


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _identities(session: Any, patient_id: str | None) -> list[tuple[str, ...]]:
    """The identities to look for, as word sequences (name, record number, ISO birth date)."""
    from sqlalchemy import select

    from hemispasm.registry import models as m

    stmt = select(m.PatientIdentity.name, m.PatientIdentity.birth_date, m.PatientIdentity.mrn)
    if patient_id is not None:
        stmt = stmt.where(m.PatientIdentity.patient_id == patient_id)
    needles: set[tuple[str, ...]] = set()
    for name, birth, mrn in session.connection().execute(stmt):
        for v in (name, mrn, birth.isoformat() if birth else None):
            toks = tuple(_tokens(str(v))) if v else ()
            if toks and len("".join(toks)) >= 3:
                needles.add(toks)
    return sorted(needles)


def _find_identity(text: str, needles: list[tuple[str, ...]]) -> bool:
    """Whether any needle occurs as a run of whole words in ``text`` (case-insensitive)."""
    words = _tokens(text)
    by_len: dict[int, set[tuple[str, ...]]] = {}
    for n in needles:
        by_len.setdefault(len(n), set()).add(n)
    for k, group in by_len.items():
        firsts = {n[0] for n in group}
        for i in range(len(words) - k + 1):
            if words[i] in firsts and tuple(words[i : i + k]) in group:
                return True
    return False


def _write_tables(tables: dict[str, list[dict[str, Any]]], tmp: Path, format: str) -> list[str]:
    import pandas as pd

    files = []
    for table, rows in tables.items():
        df = pd.DataFrame([{k: _jsonable(v) for k, v in r.items()} for r in rows])
        if df.empty:
            continue
        name = f"{table}.{format}"
        if format == "csv":
            df.to_csv(tmp / name, index=False)
        else:
            df.to_parquet(tmp / name, index=False)
        files.append(name)
    return files


def export_registry(
    session: Any,
    *,
    format: str,
    out_dir: str | Path,
    pseudonymised: bool = False,
    patient_id: str | None = None,
) -> dict[str, Any]:
    """Export the registry (or one patient) as CSV, Parquet or FHIR R4 bundles.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    format : {"csv", "parquet", "fhir"}
    out_dir : path
        A new or empty folder.
    pseudonymised : bool
        Leave out name, birth date, record number, free text and source file names.
    patient_id : str, optional
        Only this patient.

    Returns
    -------
    dict
        ``out_dir``, ``format``, ``pseudonymised``, ``patients``, ``synthetic_patients``,
        ``files`` (relative names), ``rows`` per table (csv/parquet) or ``resources`` (fhir).

    Raises
    ------
    ValidationError
        Unknown format.
    OutputError
        The folder is not empty or cannot be written, or identifying data were found in a
        pseudonymised export (then nothing is left behind).
    UnknownPatientError
        ``patient_id`` is not in the registry.
    """
    out = _check_args(format, out_dir)
    tables = read_tables(session, pseudonymised=pseudonymised, patient_id=patient_id)
    needles = _identities(session, patient_id) if pseudonymised else []
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".hemispasm-export-", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"cannot write the export folder ({exc.strerror})", path=out) from None
    try:
        report: dict[str, Any] = {}
        if format == "fhir":
            from hemispasm.registry.fhir import write_bundles

            (tmp / "fhir").mkdir()
            report["resources"] = write_bundles(
                session, tables, tmp / "fhir", pseudonymised=pseudonymised
            )
            files = sorted(f"fhir/{p.name}" for p in (tmp / "fhir").iterdir())
        else:
            files = _write_tables(tables, tmp, format)
            report["rows"] = {t: len(r) for t, r in tables.items()}
        manifest = {
            "package": "hemispasm",
            "version": __version__,
            "method": "registry.export",
            "format": format,
            "pseudonymised": pseudonymised,
            "patient": patient_id if patient_id else None,
            "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "patients": len(tables["patient"]),
            "synthetic_patients": sum(1 for p in tables["patient"] if p["synthetic"]),
            "files": files,
            "note": "rows with synthetic = true are generated data, not a person's",
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if needles:
            _refuse_identities(tmp, needles)
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("exported %d patient(s) as %s", manifest["patients"], format)
    return {
        "out_dir": str(out),
        "format": format,
        "pseudonymised": pseudonymised,
        "patients": manifest["patients"],
        "synthetic_patients": manifest["synthetic_patients"],
        "files": ["manifest.json", *files],
        **report,
    }


def _refuse_identities(folder: Path, needles: list[tuple[str, ...]]) -> None:
    """Refuse the export if an identity occurs in any file (Parquet is read back as values)."""
    for f in sorted(folder.rglob("*")):
        if not f.is_file():
            continue
        if f.suffix == ".parquet":
            import pandas as pd

            text = pd.read_parquet(f).to_csv(index=False)
        else:
            text = f.read_bytes().decode("utf-8", errors="replace")
        if _find_identity(text, needles):
            raise OutputError(
                "identifying data (a name, birth date or record number) would be written "
                "to a pseudonymised export; nothing was written",
                path=f.name,
                hint="check the free-text fields (clinician, technique, case data), then export "
                "again",
            )


def ni_uri(sha256_hex: str) -> str:
    """The RFC 6920 ``ni:`` URI of a SHA-256 digest."""
    b64 = base64.urlsafe_b64encode(bytes.fromhex(sha256_hex)).decode().rstrip("=")
    return f"ni:///sha-256;{b64}"


def urn(kind: str, key: Any) -> str:
    """A stable ``urn:uuid`` for a resource of a bundle (uuid5 of kind and key)."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{HS}/{kind}/{key}"))


__all__ = ["FORMATS", "export_registry", "ni_uri", "read_tables", "urn"]
