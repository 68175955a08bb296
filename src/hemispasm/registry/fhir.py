"""FHIR R4 bundles of registry patients (``fhir.resources.R4B``), one collection per patient.

Codes: SNOMED CT 13753008 (hemifacial spasm) and 442695005 (toxin injection procedure);
ICD-10-CM G51.31/G51.32/G51.33/G51.39 by side; UCUM ``/min``, ``[U]``, ``{score}``, ``a``.
Muscles, scales and the MVD procedure use hemispasm's own code systems (under
``https://github.com/hemispasm/hemispasm/fhir``): no SNOMED code is given for them because none
was verified here.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

from hemispasm._version import __version__
from hemispasm.registry.derive import FollowUpRow, PatientRecord, SurgeryRow, mvd_outcomes
from hemispasm.registry.export import (
    _CONTENT_TYPES,
    HS,
    ICD10CM,
    ICD_BY_SIDE,
    SNOMED,
    SYNTHETIC_TAGS,
    UCUM,
    ni_uri,
    urn,
)

_ABSENT = {
    "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
    "valueCode": "unknown",
}
_SCALE_TITLES = {
    "jankovic": "Jankovic Rating Scale",
    "smc": "SMC grade",
    "cohen_albert": "Cohen-Albert spasm intensity",
    "hfs7": "HFS-7",
    "hfs30": "HFS-30",
}


def _iso(v: Any) -> str | None:
    if v is None:
        return None
    return v.isoformat() if isinstance(v, _dt.date) else str(v)


def _instant(v: _dt.datetime) -> str:
    """A FHIR instant (UTC; SQLite hands back naive datetimes, which are UTC here)."""
    v = v.replace(tzinfo=_dt.UTC) if v.tzinfo is None else v.astimezone(_dt.UTC)
    return v.isoformat(timespec="seconds").replace("+00:00", "Z")


def _complication_text(c: Any) -> str:
    if isinstance(c, dict):
        return f"{c.get('name')} ({'permanent' if c.get('permanent') else 'transient'})"
    return str(c)


def _cc(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    out: dict[str, Any] = {"coding": [coding]}
    if text:
        out["text"] = text
    return out


def _group(tables: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, list[dict]]]:
    by: dict[str, dict[str, list[dict]]] = {p["id"]: {} for p in tables["patient"]}
    for table, rows in tables.items():
        if table == "patient":
            continue
        for r in rows:
            if r.get("patient_id") in by:
                by[r["patient_id"]].setdefault(table, []).append(r)
    return by


def patient_bundle(
    patient: dict[str, Any], rows: dict[str, list[dict]], *, pseudonymised: bool
) -> dict[str, Any]:
    """One patient's resources as a FHIR R4 collection Bundle (a plain dict, not yet validated)."""
    pid = patient["id"]
    meta = {"tag": SYNTHETIC_TAGS} if patient["synthetic"] else None
    entries: list[dict[str, Any]] = []
    p_ref = {"reference": urn("Patient", pid)}
    visit_date = {v["id"]: v["date"] for v in rows.get("visit", [])}

    def add(kind: str, key: Any, res: dict[str, Any]) -> str:
        res = {"resourceType": kind, "id": f"{kind.lower()}-{key}"[:64], **res}
        if meta:
            res["meta"] = meta
        full = urn(kind, f"{pid}/{key}")
        entries.append({"fullUrl": full, "resource": res})
        return full

    pat: dict[str, Any] = {
        "identifier": [{"system": f"{HS}/registry-id", "value": pid}],
        "active": True,
    }
    if patient.get("sex") in ("female", "male", "other"):
        pat["gender"] = patient["sex"]
    ident = (rows.get("patient_identity") or [None])[0]
    if ident and not pseudonymised:
        if ident.get("name"):
            pat["name"] = [{"text": ident["name"]}]
        if ident.get("birth_date"):
            pat["birthDate"] = _iso(ident["birth_date"])
        if ident.get("mrn"):
            pat["identifier"].append(
                {
                    "type": _cc("http://terminology.hl7.org/CodeSystem/v2-0203", "MR"),
                    "value": ident["mrn"],
                }
            )
    entries.append(
        {
            "fullUrl": p_ref["reference"],
            "resource": {
                "resourceType": "Patient",
                "id": pid,
                **pat,
                **({"meta": meta} if meta else {}),
            },
        }
    )
    side = patient.get("side")
    cond: dict[str, Any] = {
        "clinicalStatus": _cc("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
        "code": {
            "coding": [
                {"system": SNOMED, "code": "13753008", "display": "Hemifacial spasm"},
                {
                    "system": ICD10CM,
                    "code": ICD_BY_SIDE.get(side or "", "G51.39"),
                    "display": f"Hemifacial spasm, {side or 'unspecified'}",
                },
            ],
            "text": f"hemifacial spasm ({side or 'side not recorded'})",
        },
        "subject": p_ref,
    }
    if patient.get("onset_age") is not None:
        cond["onsetAge"] = {"value": patient["onset_age"], "unit": "a", "system": UCUM, "code": "a"}
    add("Condition", "hfs", cond)
    device = add(
        "Device",
        "hemispasm",
        {
            "deviceName": [{"name": "hemispasm", "type": "manufacturer-name"}],
            "version": [{"value": __version__}],
        },
    )
    docs: dict[int, str] = {}
    for rec in rows.get("recording", []):
        att: dict[str, Any] = {
            "contentType": _CONTENT_TYPES.get(
                str(rec.get("suffix", "")).lower(), "application/octet-stream"
            ),
            "url": ni_uri(rec["sha256"]),
            "size": int(rec["size_bytes"]),
        }
        doc: dict[str, Any] = {
            "status": "current",
            "masterIdentifier": {"system": f"{HS}/recording-sha256", "value": rec["sha256"]},
            "type": {"text": f"{rec['kind']} recording"},
            "subject": p_ref,
            "content": [{"attachment": att}],
        }
        if isinstance(rec.get("created_at"), _dt.datetime):
            doc["date"] = _instant(rec["created_at"])
        docs[rec["id"]] = add("DocumentReference", f"rec{rec['id']}", doc)
    rec_visit = {r["id"]: r.get("visit_id") for r in rows.get("recording", [])}
    from hemispasm.registry.derive import video_spasm_rate

    for an in rows.get("analysis", []):
        if an.get("kind") != "video":
            continue
        sd, rate = video_spasm_rate(an.get("summary") or {}, side)
        if rate is None:
            continue
        obs: dict[str, Any] = {
            "status": "final",
            "category": [
                _cc("http://terminology.hl7.org/CodeSystem/observation-category", "procedure")
            ],
            "code": _cc(
                f"{HS}/CodeSystem/measure", "spasm-rate", "one-sided spasms per minute (video)"
            ),
            "subject": p_ref,
            "valueQuantity": {"value": rate, "unit": "/min", "system": UCUM, "code": "/min"},
            "device": {"reference": device, "display": f"hemispasm {an.get('hemispasm_version')}"},
            "method": {"text": f"{an.get('method')} (hemispasm {an.get('hemispasm_version')})"},
            "bodySite": {"text": f"{sd} face"} if sd else None,
        }
        when = visit_date.get(rec_visit.get(an["recording_id"]))
        if when is not None:
            obs["effectiveDateTime"] = _iso(when)
        if an["recording_id"] in docs:
            obs["derivedFrom"] = [{"reference": docs[an["recording_id"]]}]
        add("Observation", f"rate{an['id']}", {k: v for k, v in obs.items() if v is not None})
    for sc in rows.get("scale_score", []):
        when = sc.get("date") or visit_date.get(sc.get("visit_id"))
        obs = {
            "status": "final",
            "category": [
                _cc("http://terminology.hl7.org/CodeSystem/observation-category", "survey")
            ],
            "code": _cc(f"{HS}/CodeSystem/scale", sc["scale"], _SCALE_TITLES.get(sc["scale"])),
            "subject": p_ref,
            "valueQuantity": {
                "value": sc["total"],
                "unit": "{score}",
                "system": UCUM,
                "code": "{score}",
            },
            "method": _cc(f"{HS}/CodeSystem/rater", sc["source"], text=f"rated by {sc['source']}"),
        }
        if when is not None:
            obs["effectiveDateTime"] = _iso(when)
        add("Observation", f"scale{sc['id']}", obs)
    inj_by_session: dict[int, list[dict]] = {}
    for inj in rows.get("toxin_injection", []):
        inj_by_session.setdefault(inj["session_id"], []).append(inj)
    for ts in rows.get("toxin_session", []):
        product = ts.get("product_inn") or ts.get("brand") or "botulinum toxin"
        label = product + (f" ({ts['brand']})" if ts.get("brand") and ts.get("product_inn") else "")
        proc: dict[str, Any] = {
            "status": "completed",
            "code": _cc(SNOMED, "442695005", None, text=f"botulinum toxin injection: {label}"),
            "subject": p_ref,
        }
        if ts.get("date") is not None:
            proc["performedDateTime"] = _iso(ts["date"])
        notes = []
        if ts.get("lot"):
            notes.append(f"lot {ts['lot']}")
        if ts.get("benefit_weeks") is not None:
            notes.append(f"benefit {ts['benefit_weeks']:g} weeks")
        if ts.get("response"):
            notes.append(f"response {ts['response']}")
        if notes:
            proc["note"] = [{"text": "; ".join(notes)}]
        proc_ref = add("Procedure", f"tox{ts['id']}", proc)
        for inj in inj_by_session.get(ts["id"], []):
            muscle = inj.get("muscle") or "not recorded"
            site_text = f"{inj.get('side') or ''} {muscle.replace('_', ' ')}".strip()
            ma: dict[str, Any] = {
                "status": "completed",
                "medicationCodeableConcept": {"text": label},
                "subject": p_ref,
                "partOf": [{"reference": proc_ref}],
                "dosage": {
                    "site": _cc(f"{HS}/CodeSystem/muscle", muscle, text=site_text),
                    "route": {"text": "intramuscular"},
                    "dose": {
                        "value": inj["units"],
                        "unit": f"U ({product})",
                        "system": UCUM,
                        "code": "[U]",
                    },
                },
            }
            when = _iso(ts.get("date")) or _iso(visit_date.get(ts.get("visit_id")))
            if when:
                ma["effectiveDateTime"] = when
            else:  # effective[x] is required: say the date is unknown rather than invent one
                ma["effectivePeriod"] = {"extension": [_ABSENT]}
            if inj.get("points"):
                ma["note"] = [{"text": f"{inj['points']} injection point(s)"}]
            add("MedicationAdministration", f"inj{inj['id']}", ma)
    surgeries = rows.get("surgery", [])
    if surgeries:
        rec = PatientRecord(
            patient_id=pid,
            surgeries=[
                SurgeryRow(**{k: s[k] for k in SurgeryRow.model_fields if k in s})
                for s in surgeries
            ],
            follow_ups=[
                FollowUpRow(**{k: f[k] for k in FollowUpRow.model_fields if k in f})
                for f in rows.get("follow_up", [])
            ],
        )
        outcomes = {o.surgery_id: o for o in mvd_outcomes(rec)}
        for s in surgeries:
            proc = {
                "status": "completed",
                "code": _cc(
                    f"{HS}/CodeSystem/procedure",
                    s.get("procedure") or "mvd",
                    "microvascular decompression of the facial nerve",
                ),
                "subject": p_ref,
            }
            if s.get("date") is not None:
                proc["performedDateTime"] = _iso(s["date"])
            if s.get("side"):
                proc["bodySite"] = [{"text": f"{s['side']} facial nerve"}]
            comps = s.get("complications") or []
            if comps:
                proc["complication"] = [{"text": _complication_text(c)} for c in comps]
            o = outcomes.get(s["id"])
            if o is not None:
                text = o.outcome.replace("_", " ")
                if o.time_to_spasm_free_days is not None:
                    text += f"; spasm-free by day {o.time_to_spasm_free_days} ({o.resolution})"
                proc["outcome"] = _cc(f"{HS}/CodeSystem/mvd-outcome", o.outcome, text=text)
            add("Procedure", f"mvd{s['id']}", proc)
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": f"hemispasm-{pid}",
        "type": "collection",
        "timestamp": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "entry": entries,
    }
    if meta:
        bundle["meta"] = meta
    return bundle


def write_bundles(
    session: Any,
    tables: dict[str, list[dict[str, Any]]],
    folder: Path,
    *,
    pseudonymised: bool,
) -> dict[str, int]:
    """Write one Bundle per patient into ``folder``; return resource counts by type.

    Each bundle is validated with ``fhir.resources.R4B`` before it is written (about 40 ms a
    patient), so an invalid bundle is never written.
    """
    from hemispasm._lazy import require

    Bundle = require("fhir.resources.R4B.bundle").Bundle

    counts: dict[str, int] = {}
    by = _group(tables)
    for patient in tables["patient"]:
        bundle = patient_bundle(patient, by[patient["id"]], pseudonymised=pseudonymised)
        Bundle.model_validate(bundle)  # refuse to write an invalid bundle
        (folder / f"{patient['id']}.json").write_text(
            json.dumps(bundle, indent=1, ensure_ascii=False), encoding="utf-8"
        )
        for e in bundle["entry"]:
            kind = e["resource"]["resourceType"]
            counts[kind] = counts.get(kind, 0) + 1
    return counts
