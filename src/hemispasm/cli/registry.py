"""CLI of :mod:`hemispasm.registry`: ``registry``, ``patient``, ``visit`` and ``record`` commands.

Thin shell: each command is one call into :mod:`hemispasm.registry.api` (imported inside the
command). ``--db URL`` (or ``$HEMISPASM_DB_URL``) selects the database; the default is a SQLite
file in the user data folder. ``--json`` prints the result as JSON on stdout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

registry_app = typer.Typer(
    name="registry",
    help="The registry database: init, status, upgrade, backup, restore, import, audit, export.",
    no_args_is_help=True,
)
patient_app = typer.Typer(name="patient", help="Patients: add, list, show.", no_args_is_help=True)
visit_app = typer.Typer(name="visit", help="Visits: add.", no_args_is_help=True)
record_app = typer.Typer(
    name="record", help="Recordings (video, EMG): add and analyse.", no_args_is_help=True
)

DB_HELP = "Database URL or SQLite file (default: $HEMISPASM_DB_URL, else the user data folder)."


def _db() -> Any:
    return typer.Option(None, "--db", help=DB_HELP, show_default=False)


def _json_opt() -> Any:
    return typer.Option(False, "--json", help="Print the result as JSON.")


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def _say(text: str) -> None:
    from hemispasm.cli._common import console

    console.print(text, highlight=False, soft_wrap=True, markup=False)


# ------------------------------------------------------------------------------------------
# registry
# ------------------------------------------------------------------------------------------


@registry_app.command("init")
def init_cmd(db: str | None = _db()) -> None:
    """Create the registry schema (nothing happens if it exists)."""
    from hemispasm.registry import api

    info = api.init(db)
    verb = "created" if info["created"] else "already initialised:"
    _say(f"registry {verb} {info['url']} (schema {info['revision']})")
    _say(f"recordings folder: {info['data_dir']}")


@registry_app.command("status")
def status_cmd(db: str | None = _db(), as_json: bool = _json_opt()) -> None:
    """Schema revision, recordings folder and row counts."""
    from hemispasm.registry import api

    info = api.status(db)
    if as_json:
        _echo_json(info)
        return
    _say(
        f"{info['url']} ({info['dialect']}), schema {info['revision']} (this hemispasm: "
        f"{info['head']})"
    )
    _say(f"recordings folder: {info['data_dir']}")
    _say(", ".join(f"{k} {v}" for k, v in info["counts"].items()))


@registry_app.command("upgrade")
def upgrade_cmd(db: str | None = _db()) -> None:
    """Migrate a registry made by an older hemispasm to this version's schema."""
    from hemispasm.registry import api

    info = api.upgrade(db)
    if info["changed"]:
        _say(f"schema upgraded {info['before'] or '(empty)'} -> {info['after']}")
    else:
        _say(f"schema already current ({info['after']})")


@registry_app.command("backup")
def backup_cmd(
    out: Path = typer.Argument(..., help="Backup file to write (.json.gz)."),
    db: str | None = _db(),
) -> None:
    """Write every table to one portable file (restores into SQLite or PostgreSQL)."""
    from hemispasm.registry import api

    info = api.backup(db, out)
    _say(f"wrote {info['path']}: {sum(info['counts'].values())} rows, schema {info['revision']}")


@registry_app.command("restore")
def restore_cmd(
    backup: Path = typer.Argument(..., help="A file written by `registry backup`."),
    db: str | None = _db(),
) -> None:
    """Restore a backup into an empty registry and verify its audit chain."""
    from hemispasm.registry import api

    info = api.restore(db, backup)
    _say(
        f"restored {sum(info['counts'].values())} rows (schema {info['revision']}); audit chain "
        f"verified ({info['audit_events']} events)"
    )
    if info["missing_recording_files"]:
        _say(
            f"{info['missing_recording_files']} recording file(s) are not in the recordings "
            "folder: copy that folder from its backup"
        )
    if info["needs_upgrade"]:
        _say("the backup is from an older schema: run `hemispasm registry upgrade`")


@registry_app.command("import")
def import_cmd(
    path: Path = typer.Argument(..., help="A case file (YAML/JSON) or a folder of them."),
    db: str | None = _db(),
    as_json: bool = _json_opt(),
) -> None:
    """Import clinic case files (all in one transaction: all or nothing)."""
    from hemispasm.registry import api

    info = api.import_cases(db, path)
    if as_json:
        _echo_json(info)
        return
    for row in info["imported"]:
        extra = "" if row["visit_date_given"] else " (no visit_date: the import date)"
        _say(
            f"{row['file']}: patient {row['patient_id']}{' (new)' if row['new_patient'] else ''}"
            f", visit {row['visit_id']} on {row['visit_date']}{extra}; HFS likelihood "
            f"{row['hfs_likelihood']}; {row['toxin_sessions']} toxin session(s), "
            f"{row['drug_courses']} drug course(s), {row['surgeries']} surgery, "
            f"{row['scale_scores']} scale score(s)"
        )
    if info["skipped"]:
        _say(f"already imported, skipped: {', '.join(info['skipped'])}")
    _say(f"imported {len(info['imported'])} case file(s)")


@registry_app.command("audit")
def audit_cmd(
    patient: str | None = typer.Option(None, "--patient", help="Only this patient's rows."),
    db: str | None = _db(),
    as_json: bool = _json_opt(),
) -> None:
    """Print the audit trail and verify its hash chain (exit 4 when it is broken)."""
    from hemispasm.registry import api
    from hemispasm.registry.audit import AuditChainError

    res = api.audit(db, patient)
    if as_json:
        _echo_json(res)
    else:
        for e in res["events"]:
            fields = ", ".join(sorted(e["changes"]))
            why = f" reason: {e['reason']}" if e["reason"] else ""
            _say(
                f"{e['id']:>6} {e['at']} {e['actor']} {e['action']} {e['entity']} "
                f"{e['entity_id']} [{fields}]{why}"
            )
    if not res["ok"]:
        b = res["break"]
        raise AuditChainError(
            f"the audit chain is broken at row {b['id']}: {b['problem']}",
            hint="rows were altered or removed outside hemispasm; restore from a backup",
        )
    if not as_json:
        _say(f"audit chain verified: {res['n_events']} events, head {res['head'][:16]}")


@registry_app.command("export")
def export_cmd(
    format: str = typer.Option(..., "--format", help="csv, parquet or fhir (R4 bundles)."),
    out: Path = typer.Option(..., "--out", "-o", help="A new or empty folder."),
    pseudonymised: bool = typer.Option(
        False, "--pseudonymised", help="Leave out name, birth date, record number, free text."
    ),
    patient: str | None = typer.Option(None, "--patient", help="Only this patient."),
    db: str | None = _db(),
    as_json: bool = _json_opt(),
) -> None:
    """Export the registry as CSV, Parquet or FHIR R4 bundles."""
    from hemispasm.registry import api

    info = api.export(
        db, format=format, out_dir=out, pseudonymised=pseudonymised, patient_id=patient
    )
    if as_json:
        _echo_json(info)
        return
    syn = f" ({info['synthetic_patients']} synthetic)" if info.get("synthetic_patients") else ""
    _say(
        f"exported {info['patients']} patient(s){syn} as {info['format']}"
        f"{' (pseudonymised)' if info['pseudonymised'] else ''} to {info['out_dir']}: "
        f"{len(info['files'])} file(s)"
    )


@registry_app.command("demo")
def demo_cmd(
    patients: int = typer.Option(100, "--patients", help="Number of synthetic patients."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same cohort)."),
    db: str | None = _db(),
    as_json: bool = _json_opt(),
) -> None:
    """Add a SYNTHETIC cohort drawn from published figures (docs/registry.md)."""
    from hemispasm.registry import api

    info = api.demo(db, patients=patients, seed=seed)
    if as_json:
        _echo_json(info)
        return
    rows = ", ".join(f"{k} {v}" for k, v in info["rows"].items())
    _say(f"added {info['patients']} SYNTHETIC patients (seed {info['seed']}): {rows}")


# ------------------------------------------------------------------------------------------
# patient, visit, record
# ------------------------------------------------------------------------------------------


@patient_app.command("add")
def patient_add_cmd(
    sex: str | None = typer.Option(None, "--sex", help="female, male or other."),
    side: str | None = typer.Option(None, "--side", help="left, right or bilateral."),
    onset_age: int | None = typer.Option(None, "--onset-age", help="Age at onset, years."),
    name: str | None = typer.Option(None, "--name", help="Name (identity table only)."),
    birth_date: str | None = typer.Option(None, "--birth-date", help="YYYY-MM-DD (identity)."),
    mrn: str | None = typer.Option(None, "--mrn", help="Medical record number (identity)."),
    db: str | None = _db(),
    as_json: bool = _json_opt(),
) -> None:
    """Add a patient; prints the pseudonymous registry id."""
    from hemispasm.registry import api

    p = api.add_patient(
        db, sex=sex, side=side, onset_age=onset_age, name=name, birth_date=birth_date, mrn=mrn
    )
    if as_json:
        _echo_json(p)
    else:
        _say(p["id"])


@patient_app.command("list")
def patient_list_cmd(
    identity: bool = typer.Option(False, "--identity", help="Include name, birth date, MRN."),
    db: str | None = _db(),
    as_json: bool = _json_opt(),
) -> None:
    """List patients (pseudonymous ids; identities only with --identity)."""
    from hemispasm.registry import api

    rows = api.list_patients(db, identity=identity)
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        ident = ""
        if identity and r.get("identity"):
            i = r["identity"]
            ident = f"  {i.get('name') or ''} {i.get('birth_date') or ''} {i.get('mrn') or ''}"
        syn = " SYNTHETIC" if r["synthetic"] else ""
        _say(
            f"{r['id']}  {r['sex'] or '-'}  {r['side'] or '-'}  visits {r['n_visits']} "
            f"({r['first_visit'] or '-'} .. {r['last_visit'] or '-'}){syn}{ident}"
        )
    _say(f"{len(rows)} patient(s)")


@patient_app.command("show")
def patient_show_cmd(
    patient_id: str = typer.Argument(..., help="Registry id, e.g. HS-7Q2K9D4M."),
    identity: bool = typer.Option(False, "--identity", help="Include name, birth date, MRN."),
    derived: bool = typer.Option(
        False, "--derived", help="Add the timeline and derived measures (intervals, waning, ...)."
    ),
    db: str | None = _db(),
    as_json: bool = _json_opt(),
) -> None:
    """Everything stored about one patient."""
    from hemispasm.registry import api

    p = api.show_patient(db, patient_id, identity=identity)
    if derived:
        p["derived"] = api.patient_measures(db, patient_id)
    if as_json:
        _echo_json(p)
        return
    syn = " SYNTHETIC" if p["synthetic"] else ""
    _say(
        f"{p['id']}{syn}: {p['sex'] or '-'}, side {p['side'] or '-'}, onset age "
        f"{p['onset_age'] if p['onset_age'] is not None else '-'}"
    )
    if identity and p.get("identity"):
        _say(f"identity: {p['identity']}")
    for v in p["visits"]:
        a = v.get("assessment_summary")
        extra = f"; case: HFS likelihood {a['hfs_likelihood']}" if a else ""
        _say(f"visit {v['id']} {v['date']} {v['clinician'] or ''}{extra}")
    for t in p["toxin_sessions"]:
        product = t["product_inn"] or t["brand"] or "product not recorded"
        _say(
            f"toxin {t['date'] or '-'} {product}: {t['total_units']:g} U in "
            f"{len(t['injections'])} injection(s)"
        )
    for d in p["drug_courses"]:
        _say(f"drug {d['drug']} {d['dose_mg_per_day'] or '-'} mg/day from {d['start_date'] or '-'}")
    for sg in p["surgeries"]:
        _say(f"surgery {sg['procedure']} {sg['date'] or '-'} side {sg['side'] or '-'}")
    for sc in p["scale_scores"]:
        _say(f"scale {sc['scale']} {sc['total']:g} ({sc['source']}) {sc['date'] or ''}")
    for r in p["recordings"]:
        _say(
            f"recording {r['id']} {r['kind']} {r['duration_s'] or 0:.1f} s sha256 "
            f"{r['sha256'][:12]}: {len(r['analyses'])} analysis(es)"
        )


@patient_app.command("update")
def patient_update_cmd(
    patient_id: str = typer.Argument(..., help="Registry id."),
    reason: str = typer.Option(..., "--reason", help="Why the record is corrected (audited)."),
    sex: str | None = typer.Option(None, "--sex"),
    side: str | None = typer.Option(None, "--side"),
    onset_age: int | None = typer.Option(None, "--onset-age"),
    name: str | None = typer.Option(None, "--name"),
    birth_date: str | None = typer.Option(None, "--birth-date"),
    mrn: str | None = typer.Option(None, "--mrn"),
    db: str | None = _db(),
) -> None:
    """Correct a patient's data (needs --reason; the audit trail keeps old and new)."""
    from hemispasm.registry import api

    p = api.update_patient(
        db,
        patient_id,
        reason=reason,
        sex=sex,
        side=side,
        onset_age=onset_age,
        name=name,
        birth_date=birth_date,
        mrn=mrn,
    )
    _say(f"corrected {p['id']}" if p["changed"] else f"{p['id']}: nothing changed")


@visit_app.command("add")
def visit_add_cmd(
    patient: str = typer.Option(..., "--patient", help="Registry id."),
    date: str = typer.Option(..., "--date", help="YYYY-MM-DD."),
    clinician: str | None = typer.Option(None, "--clinician"),
    notes: str | None = typer.Option(None, "--notes", help="Free text (never logged)."),
    db: str | None = _db(),
    as_json: bool = _json_opt(),
) -> None:
    """Add a visit to a patient; prints the visit id."""
    from hemispasm.registry import api

    v = api.add_visit(db, patient, date=date, clinician=clinician, notes=notes)
    if as_json:
        _echo_json(v)
    else:
        _say(f"visit {v['id']} of {v['patient_id']} on {v['date']}")


@visit_app.command("update")
def visit_update_cmd(
    visit_id: int = typer.Argument(..., help="Visit id."),
    reason: str = typer.Option(..., "--reason", help="Why the record is corrected (audited)."),
    date: str | None = typer.Option(None, "--date", help="YYYY-MM-DD."),
    clinician: str | None = typer.Option(None, "--clinician"),
    notes: str | None = typer.Option(None, "--notes"),
    db: str | None = _db(),
) -> None:
    """Correct a visit (needs --reason)."""
    from hemispasm.registry import api

    v = api.update_visit(db, visit_id, reason=reason, date=date, clinician=clinician, notes=notes)
    _say(
        f"corrected visit {v['id']} of {v['patient_id']}"
        if v["changed"]
        else f"visit {v['id']}: nothing changed"
    )


@record_app.command("add")
def record_add_cmd(
    file: Path = typer.Argument(..., help="Video (.mp4, .mov, ...) or EMG (.edf, .bdf)."),
    patient: str = typer.Option(..., "--patient", help="Registry id."),
    visit: int | None = typer.Option(None, "--visit", help="Visit id."),
    no_analyze: bool = typer.Option(False, "--no-analyze", help="Store without analysing."),
    model: Path | None = typer.Option(None, "--model", help="Face model (video)."),
    db: str | None = _db(),
    as_json: bool = _json_opt(),
) -> None:
    """Store a recording (by content SHA-256) and analyse it."""
    from hemispasm.registry import api

    r = api.add_recording(
        db, file, patient_id=patient, visit_id=visit, analyze=not no_analyze, model=model
    )
    if as_json:
        _echo_json(r)
        return
    if r["existing"]:
        _say(
            f"already in the registry as recording {r['recording_id']} (same SHA-256); "
            "nothing changed"
        )
        return
    what = f"; analysis {r['analysis_id']} ({r['analysis_kind']})" if r["analysis_id"] else ""
    _say(
        f"recording {r['recording_id']} ({r['kind']}, {r['duration_s']:.1f} s) stored as "
        f"{r['stored_path']}{what}"
    )
    if r.get("summary"):
        _say(", ".join(f"{k} {v}" for k, v in r["summary"].items()))


def register(app: typer.Typer) -> None:
    """Add the registry, patient, visit and record command groups to ``app``."""
    app.add_typer(registry_app)
    app.add_typer(patient_app)
    app.add_typer(visit_app)
    app.add_typer(record_app)
