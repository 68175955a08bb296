"""The audit trail: one append-only, hash-chained ``audit_event`` row per insert, update, delete.

An ``after_flush`` listener on SQLAlchemy sessions writes, for every registry row the flush
inserted, updated or deleted, one row of ``audit_event`` in the same transaction: the actor, the
UTC time, the action, the table and primary key, the fields changed (``{field: [old, new]}``;
inserts and deletes give every non-empty field), a reason, and ``hash`` = SHA-256 of the row's
canonical JSON including ``prev_hash``, the hash of the row before it. Changing or removing any
row therefore breaks the chain at that row, which :func:`verify_chain` reports.

- The database refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) of ``audit_event`` through
  triggers created by migration ``0002``.
- Updates and deletes of clinical rows need a reason (``reason=`` on the session / ``--reason``
  on the CLI); without one the whole transaction is refused.
- Writers are serialised while they extend the chain: SQLite transactions start with
  ``BEGIN IMMEDIATE``; PostgreSQL takes a transaction-level advisory lock.
- Privacy: identifying fields (name, date of birth, record number) and free text (``notes``,
  also inside stored case data) are written as ``"<redacted>"``; large values (analysis tables,
  signals) as their SHA-256 and size.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import hashlib
import json
import os
from typing import Any

from sqlalchemy.orm.base import NO_VALUE

from hemispasm._log import get_logger
from hemispasm.registry.db import RegistryError

log = get_logger(__name__)

GENESIS_HASH = "0" * 64
#: PostgreSQL advisory lock key taken while the chain is extended ("HSAUDIT" in ASCII).
PG_LOCK_KEY = 0x48534155444954
REDACTED = "<redacted>"
_IDENTITY_FIELDS = frozenset({"name", "birth_date", "mrn"})
_FREE_TEXT_FIELDS = frozenset({"notes"})
_LARGE_JSON_CHARS = 4096
_installed = False
_HEAD_KEY = "hemispasm_audit_head"  # Connection.info: (transaction, last hash) while it runs


class AuditChainError(RegistryError):
    """The audit chain does not verify."""

    exit_code = 4


def default_actor() -> str:
    """Who is acting: ``$HEMISPASM_ACTOR`` or the operating-system user."""
    env = os.environ.get("HEMISPASM_ACTOR")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(value: Any) -> Any:
    """A JSON-serialisable form of a column value."""
    if isinstance(value, _dt.datetime):
        return value.astimezone(_dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        b = bytes(value)
        return {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
    if isinstance(value, dict | list):
        text = _canon(value)
        if len(text) > _LARGE_JSON_CHARS:
            return {"sha256": hashlib.sha256(text.encode()).hexdigest(), "json_chars": len(text)}
        return value
    return value


def safe_value(table: str, column: str, value: Any) -> Any:
    """A column value as the audit trail stores it (identity and free text redacted)."""
    if value is None:
        return None
    if table == "patient_identity" and column in _IDENTITY_FIELDS:
        return REDACTED
    if column in _FREE_TEXT_FIELDS:
        return REDACTED
    if table == "clinical_case" and column == "data" and isinstance(value, dict):
        value = {k: (REDACTED if k in _FREE_TEXT_FIELDS and v else v) for k, v in value.items()}
    return _plain(value)


def event_hash(row: dict[str, Any]) -> str:
    """SHA-256 of an audit row's canonical JSON (every field but ``id`` and ``hash``)."""
    keys = ("at", "actor", "action", "entity", "entity_id", "patient_id", "changes", "reason")
    payload = {k: row.get(k) for k in keys}
    payload["prev_hash"] = row["prev_hash"]
    return hashlib.sha256(_canon(payload).encode("utf-8")).hexdigest()


def _pk(obj: Any) -> str:
    from sqlalchemy import inspect

    values = inspect(obj).mapper.primary_key_from_instance(obj)
    return "/".join("?" if v is None else str(v) for v in values)


def _loaded(obj: Any, attr: str) -> Any:
    """A relationship's value if it is in memory (never a lazy load inside a flush)."""
    from sqlalchemy import inspect

    value = inspect(obj).attrs[attr].loaded_value
    return None if value is NO_VALUE else value


def _patient_of(obj: Any, conn: Any) -> str | None:
    from sqlalchemy import text

    from hemispasm.registry import models as m

    if isinstance(obj, m.Patient):
        return obj.id
    pid = getattr(obj, "patient_id", None)
    if pid:
        return pid
    if isinstance(obj, m.ToxinInjection):
        parent = _loaded(obj, "session")
        if parent is not None and parent.patient_id:
            return parent.patient_id
        if obj.session_id is not None:
            return conn.execute(
                text("SELECT patient_id FROM toxin_session WHERE id = :i"), {"i": obj.session_id}
            ).scalar()
    if isinstance(obj, m.Analysis):
        parent = _loaded(obj, "recording")
        if parent is not None and parent.patient_id:
            return parent.patient_id
        if obj.recording_id is not None:
            return conn.execute(
                text("SELECT patient_id FROM recording WHERE id = :i"), {"i": obj.recording_id}
            ).scalar()
    return None


def _columns(obj: Any) -> list[Any]:
    from sqlalchemy import inspect

    return list(inspect(obj).mapper.column_attrs)


def _insert_changes(obj: Any) -> dict[str, Any]:
    table = obj.__tablename__
    out = {}
    for attr in _columns(obj):
        v = getattr(obj, attr.key)
        if v is not None:
            out[attr.key] = safe_value(table, attr.key, v)
    return out


def _update_changes(obj: Any) -> dict[str, Any]:
    from sqlalchemy import inspect

    state = inspect(obj)
    table = obj.__tablename__
    out = {}
    for attr in _columns(obj):
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        out[attr.key] = [safe_value(table, attr.key, old), safe_value(table, attr.key, new)]
    return out


def _now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _after_flush(session: Any, _ctx: Any) -> None:
    from hemispasm.registry import models as m

    inserted: set[Any] = session.info.setdefault("_audit_inserted", set())
    reason = session.info.get("reason")
    pending: list[tuple[str, Any, dict[str, Any]]] = []
    for obj in session.new:
        if isinstance(obj, m.Base) and not isinstance(obj, m.AuditEvent):
            pending.append(("insert", obj, _insert_changes(obj)))
    for obj in session.dirty:
        if isinstance(obj, m.Base) and not isinstance(obj, m.AuditEvent):
            changes = _update_changes(obj)
            if changes:
                pending.append(("update", obj, changes))
    for obj in session.deleted:
        if isinstance(obj, m.Base) and not isinstance(obj, m.AuditEvent):
            pending.append(("delete", obj, _insert_changes(obj)))
    if not pending:
        return
    for action, obj, _ in pending:
        key = (obj.__tablename__, _pk(obj))
        if action == "insert":
            inserted.add(key)
        elif key not in inserted and not reason:
            raise RegistryError(
                f"a correction ({action} of {obj.__tablename__} {key[1]}) needs a reason",
                hint="give the reason with --reason 'why the record is corrected'",
            )
    conn = session.connection()
    _append(conn, session.info.get("actor") or default_actor(), reason, pending)


def _append(conn: Any, actor: str, reason: str | None, pending: list[Any]) -> None:
    append_events(
        conn,
        [
            {
                "action": action,
                "entity": obj.__tablename__,
                "entity_id": _pk(obj),
                "patient_id": _patient_of(obj, conn),
                "changes": changes,
                "reason": reason if action != "insert" else None,
            }
            for action, obj, changes in pending
        ],
        actor=actor,
    )


def append_events(conn: Any, events: list[dict[str, Any]], *, actor: str | None = None) -> int:
    """Append audit rows to the chain on ``conn`` (inside the caller's transaction).

    For bulk writers that bypass the ORM (e.g. the synthetic demo's executemany inserts); ORM
    sessions get their rows automatically. Takes the chain lock (PostgreSQL advisory lock;
    SQLite transactions already hold the write lock from ``BEGIN IMMEDIATE``).

    Parameters
    ----------
    conn : sqlalchemy.engine.Connection
    events : list of dict
        Each with ``action`` (insert|update|delete), ``entity`` (table name), ``entity_id``,
        ``patient_id`` (or None), ``changes`` (JSON-ready; pass values through
        :func:`safe_value`), optional ``reason``.
    actor : str, optional
        Default :func:`default_actor`.

    Returns
    -------
    int
        Rows appended.
    """
    from sqlalchemy import insert, select, text

    from hemispasm.registry.models import AuditEvent

    if not events:
        return 0
    actor = actor or default_actor()
    txn = conn.get_transaction()
    cached = conn.info.get(_HEAD_KEY)
    if cached is not None and txn is not None and cached[0] is txn and txn.is_active:
        prev = cached[1]  # this transaction already holds the chain lock and knows the head
    else:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
        prev = (
            conn.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
            or GENESIS_HASH
        )
    at = _now_iso()
    rows = []
    for ev in events:
        row = {
            "at": at,
            "actor": actor,
            "action": ev["action"],
            "entity": ev["entity"],
            "entity_id": str(ev["entity_id"]),
            "patient_id": ev.get("patient_id"),
            "changes": ev["changes"],
            "reason": ev.get("reason"),
            "prev_hash": prev,
        }
        row["hash"] = prev = event_hash(row)
        rows.append(row)
    conn.execute(insert(AuditEvent), rows)
    conn.info[_HEAD_KEY] = (txn, prev)
    return len(rows)


def install() -> None:
    """Register the audit listener on every SQLAlchemy session (idempotent)."""
    global _installed
    if _installed:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    event.listen(Session, "after_flush", _after_flush)

    def _forget_head(conn: Any, *_args: Any) -> None:  # rows of a rolled-back part are gone
        conn.info.pop(_HEAD_KEY, None)

    event.listen(Engine, "rollback", _forget_head)
    event.listen(Engine, "rollback_savepoint", _forget_head)
    _installed = True


# ------------------------------------------------------------------------------------------
# reading and verifying
# ------------------------------------------------------------------------------------------


def _row_dict(ev: Any) -> dict[str, Any]:
    return {
        "id": ev.id,
        "at": ev.at,
        "actor": ev.actor,
        "action": ev.action,
        "entity": ev.entity,
        "entity_id": ev.entity_id,
        "patient_id": ev.patient_id,
        "changes": ev.changes,
        "reason": ev.reason,
        "prev_hash": ev.prev_hash,
        "hash": ev.hash,
    }


def verify_chain(session: Any, *, patient_id: str | None = None) -> dict[str, Any]:
    """Check every row's hash and link; return the trail (of one patient) and the verdict.

    The whole chain is always verified (it is one chain for the database); ``patient_id`` only
    selects which rows are returned in ``events``.

    Returns
    -------
    dict
        ``ok`` (bool), ``n_events`` (rows checked), ``break`` (None, or ``{"id", "problem"}``
        for the first bad row), ``events`` (list of row mappings), ``head`` (last hash).
    """
    from sqlalchemy import select

    from hemispasm.registry.models import AuditEvent

    prev = GENESIS_HASH
    first_break = None
    events = []
    n = 0
    for ev in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(2000):
        n += 1
        row = _row_dict(ev)
        if first_break is None:
            if row["prev_hash"] != prev:
                first_break = {"id": ev.id, "problem": "prev_hash does not match the row before"}
            elif event_hash(row) != row["hash"]:
                first_break = {"id": ev.id, "problem": "the row's content does not match its hash"}
        prev = row["hash"]
        if patient_id is None or row["patient_id"] == patient_id:
            events.append(row)
    return {
        "ok": first_break is None,
        "n_events": n,
        "break": first_break,
        "head": prev,
        "events": events,
    }
