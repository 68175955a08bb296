"""``hemispasm registry backup|restore``: a portable dump of every table, for either database.

The backup is one gzip-compressed JSON file (``.json.gz``): the format name and version, the
schema revision, the hemispasm version, and per table (parents first) every row, ordered by
primary key. Dates and times are ISO 8601 (times in UTC), bytes base64, JSON as JSON. It is
dialect-neutral: a SQLite backup restores into PostgreSQL and back.

- The audit trail is dumped and restored row for row (with its hashes), and verified after the
  restore; a restore writes no new audit rows (it recreates, it does not change, the record).
- Restore goes into an EMPTY registry (never merges): it initialises the schema at the backup's
  revision, inserts every row in one transaction, and, on PostgreSQL, moves the id sequences
  past the restored ids. A backup of an older revision then needs ``registry upgrade``.
- Recording FILES are not in the dump: they are content-addressed files in the recordings
  folder; back that folder up as files (``registry status`` shows where it is).
- A backup holds identifying data: keep it as safe as the database.
"""

from __future__ import annotations

import base64
import datetime as _dt
import gzip
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hemispasm._log import get_logger
from hemispasm._version import __version__
from hemispasm.errors import InputError, OutputError
from hemispasm.registry import models as m
from hemispasm.registry.db import (
    Registry,
    RegistryError,
    current_revision,
    known_revisions,
    make_engine,
    open_registry,
    safe_url,
    schema_state,
    upgrade_schema,
)

log = get_logger(__name__)

FORMAT = "hemispasm-registry-backup"
FORMAT_VERSION = 1


def _dump_value(col: Any, v: Any) -> Any:
    from sqlalchemy import Date, DateTime, LargeBinary

    if v is None:
        return None
    if isinstance(col.type, DateTime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=_dt.UTC)
        return v.astimezone(_dt.UTC).isoformat()
    if isinstance(col.type, Date):
        return v.isoformat()
    if isinstance(col.type, LargeBinary):
        return base64.b64encode(bytes(v)).decode("ascii")
    return v


def _load_value(col: Any, v: Any) -> Any:
    from sqlalchemy import Date, DateTime, LargeBinary

    if v is None:
        return None
    if isinstance(col.type, DateTime):
        return _dt.datetime.fromisoformat(v)
    if isinstance(col.type, Date):
        return _dt.date.fromisoformat(v)
    if isinstance(col.type, LargeBinary):
        return base64.b64decode(v)
    return v


def dump_tables(reg: Registry) -> dict[str, list[dict[str, Any]]]:
    """Every row of every registry table as JSON-ready mappings (parents first), read in one
    transaction (one consistent snapshot on both databases)."""
    from sqlalchemy import select

    out: dict[str, list[dict[str, Any]]] = {}
    engine = reg.read_engine
    if reg.dialect == "postgresql":  # one snapshot for every table, beside concurrent writers
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.connect() as conn:
        for model in m.ALL_MODELS:
            table = model.__table__
            pk = list(table.primary_key.columns)
            rows = conn.execute(select(table).order_by(*pk)).mappings()
            out[table.name] = [
                {c.name: _dump_value(c, r[c.name]) for c in table.columns} for r in rows
            ]
    return out


def backup(reg: Registry, out_path: str | Path) -> dict[str, Any]:
    """Write a backup file (atomically); return its path and row counts.

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    out = Path(out_path)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "revision": current_revision(reg.engine),
        "hemispasm_version": __version__,
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "source_dialect": reg.dialect,
        "tables": dump_tables(reg),
    }
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".backup.", suffix=".tmp")
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
        os.replace(tmp, out)
    except OSError as exc:
        raise OutputError(f"cannot write the backup ({exc.strerror or exc})", path=out) from None
    counts = {k: len(v) for k, v in payload["tables"].items()}
    log.info("backup written: %d rows", sum(counts.values()))
    return {"path": str(out), "revision": payload["revision"], "counts": counts}


def read_backup(path: str | Path) -> dict[str, Any]:
    """Read and check a backup file.

    Raises
    ------
    InputError
        Missing, unreadable, or not a hemispasm registry backup.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("the backup file does not exist", path=p, hint="check the path")
    try:
        with gzip.open(p, "rb") as gz:
            payload = json.loads(gz.read().decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"not a readable registry backup ({exc.__class__.__name__})",
            path=p,
            hint="give a file written by `hemispasm registry backup`",
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError("not a hemispasm registry backup", path=p)
    if payload.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"backup format version {payload.get('format_version')} is not supported",
            path=p,
            hint="restore it with the hemispasm version that wrote it",
        )
    if payload.get("revision") not in known_revisions():
        raise InputError(
            f"the backup has schema revision {payload.get('revision')}, unknown to this hemispasm",
            path=p,
            hint="upgrade hemispasm to restore it",
        )
    return payload


def restore(url: str | None, path: str | Path, *, data_dir: str | Path | None = None) -> dict:
    """Restore a backup into an empty registry at ``url``; return counts and the audit verdict.

    Raises
    ------
    InputError
        Bad backup file.
    RegistryError
        The target registry already holds data; the restored audit chain does not verify
        (the restore is rolled back).
    """
    from sqlalchemy import func, insert, select, text

    from hemispasm.registry.audit import verify_chain

    payload = read_backup(path)
    engine = make_engine(url)
    try:
        state = schema_state(engine)
        if state == "newer":
            from hemispasm.registry.db import check_schema

            check_schema(engine)
        if state != "empty":
            with engine.connect() as conn:
                n = sum(
                    conn.execute(select(func.count()).select_from(mod.__table__)).scalar() or 0
                    for mod in m.ALL_MODELS
                )
            if n:
                raise RegistryError(
                    f"the registry {safe_url(str(engine.url))} is not empty ({n} rows)",
                    hint="restore into a new, empty database (--db)",
                )
        if current_revision(engine) != payload["revision"]:
            upgrade_schema(engine, payload["revision"])
        tables = payload["tables"]
        with engine.begin() as conn:
            for model in m.ALL_MODELS:
                table = model.__table__
                rows = tables.get(table.name, [])
                cols = {c.name: c for c in table.columns}
                if rows:
                    conn.execute(
                        insert(table),
                        [
                            {k: _load_value(cols[k], v) for k, v in r.items() if k in cols}
                            for r in rows
                        ],
                    )
                if (
                    engine.dialect.name == "postgresql"
                    and "id" in cols
                    and isinstance(rows and rows[0].get("id"), int)
                ):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT MAX(id) FROM {table.name}))"
                        )
                    )
            from sqlalchemy.orm import Session

            with Session(bind=conn) as s:
                verdict = verify_chain(s)
            if not verdict["ok"]:
                raise RegistryError(
                    f"the backup's audit chain breaks at row {verdict['break']['id']}: "
                    f"{verdict['break']['problem']}",
                    path=path,
                    hint="the backup was altered; nothing was restored",
                )
    finally:
        engine.dispose()
    reg = open_registry(url, data_dir=data_dir, check=False)
    try:
        missing = _missing_files(reg)
    finally:
        reg.dispose()
    counts = {k: len(v) for k, v in tables.items()}
    log.info("restored %d rows", sum(counts.values()))
    return {
        "revision": payload["revision"],
        "counts": counts,
        "audit_ok": True,
        "audit_events": verdict["n_events"],
        "missing_recording_files": missing,
        "needs_upgrade": payload["revision"] != known_revisions()[-1],
    }


def _missing_files(reg: Registry) -> int:
    from sqlalchemy import select

    with reg.read_session() as s:
        paths = s.scalars(select(m.Recording.stored_path)).all()
    return sum(1 for p in paths if not (reg.data_dir / p).is_file())
