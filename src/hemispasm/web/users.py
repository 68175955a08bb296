"""Users, passwords, server-side sessions, and the web app's own audit rows.

- Passwords are hashed with argon2id (``pwdlib.PasswordHash.recommended()``); a wrong password,
  an unknown user and a locked or disabled account give the same answer to the client.
- After ``login_max_failures`` wrong passwords in a row the account is locked for
  ``lockout_minutes`` (settings; engineering choices, see docs/web.md).
- A session cookie carries a random 256-bit token; the database keeps only its SHA-256, the
  session's CSRF token, expiry and revocation. Logout and admin revocation set ``revoked_at``.
- Logins, logouts, user changes, revocations and reads of identifying data are appended to the
  registry's hash-chained ``audit_event`` table (:func:`hemispasm.registry.audit.append_events`)
  with the user as actor; passwords and tokens never are.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import secrets
from typing import Any

from hemispasm._log import get_logger
from hemispasm.errors import HemispasmError, ValidationError
from hemispasm.registry.db import Registry
from hemispasm.registry.models import utcnow
from hemispasm.web.models import ROLES, User, WebSession

log = get_logger(__name__)

MIN_PASSWORD_CHARS = 12
_hasher = None


class AuthError(HemispasmError):
    """Login refused (the message never says which part was wrong)."""


def hasher() -> Any:
    """The argon2id password hasher (created once)."""
    global _hasher
    if _hasher is None:
        from pwdlib import PasswordHash

        _hasher = PasswordHash.recommended()
    return _hasher


def token_sha256(token: str) -> str:
    """SHA-256 hex of a session token (what the database stores)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(t: _dt.datetime | None) -> _dt.datetime | None:
    if t is not None and t.tzinfo is None:  # SQLite returns naive UTC
        return t.replace(tzinfo=_dt.UTC)
    return t


def audit(s: Any, actor: str, action: str, entity: str, entity_id: Any, **changes: Any) -> None:
    """Append one audit row in the session's transaction (``patient_id`` from ``changes``)."""
    from hemispasm.registry.audit import append_events

    patient_id = changes.pop("patient_id", None)
    append_events(
        s.connection(),
        [
            {
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "patient_id": patient_id,
                "changes": changes,
            }
        ],
        actor=actor,
    )


def audit_read(reg: Registry, actor: str, patient_id: str, what: str) -> None:
    """Record that ``actor`` read the identifying data of ``patient_id`` (``what``: the view)."""
    pid = None if patient_id == "*" else patient_id
    with reg.transaction(actor=actor) as s:
        audit(s, actor, "read", "patient_identity", patient_id, patient_id=pid, view=what)


def count_users(reg: Registry) -> int:
    """Number of users (0: ``serve`` refuses to start)."""
    from sqlalchemy import func, select

    with reg.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(User)) or 0)


def add_user(
    reg: Registry, username: str, *, role: str, password: str, actor: str | None = None
) -> dict[str, Any]:
    """Create a user; return ``{"id", "username", "role"}``.

    Raises
    ------
    ValidationError
        Unknown role, a bad username, a short password, or the name is taken.
    """
    from sqlalchemy import select

    username = username.strip()
    if role not in ROLES:
        raise ValidationError(f"role '{role}' is not one of {', '.join(ROLES)}")
    if (
        not username
        or len(username) > 64
        or not username.replace("-", "").replace("_", "").replace(".", "").isalnum()
    ):
        raise ValidationError(
            f"user name '{username}' is not allowed",
            hint="use 1-64 letters, digits, '.', '-' or '_'",
        )
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValidationError(
            f"the password is shorter than {MIN_PASSWORD_CHARS} characters",
            hint="choose a longer passphrase",
        )
    with reg.transaction(actor=actor) as s:
        if s.scalars(select(User).where(User.username == username)).first() is not None:
            raise ValidationError(f"user '{username}' already exists")
        u = User(username=username, role=role, password_hash=hasher().hash(password), active=True)
        u.failed_logins = 0
        s.add(u)
        s.flush()
        audit(s, actor or username, "insert", "web_user", u.id, username=username, role=role)
        out = {"id": u.id, "username": u.username, "role": u.role}
    log.info("added web user %s (%s)", out["id"], role)
    return out


def list_users(reg: Registry) -> list[dict[str, Any]]:
    """Every user with role, state and number of live sessions."""
    from sqlalchemy import func, select

    now = utcnow()
    with reg.read_session() as s:
        live = dict(
            s.execute(
                select(WebSession.user_id, func.count())
                .where(WebSession.revoked_at.is_(None), WebSession.expires_at > now)
                .group_by(WebSession.user_id)
            ).all()
        )
        return [
            {
                "id": u.id,
                "username": u.username,
                "role": u.role,
                "active": u.active,
                "locked": bool(u.locked_until and _aware(u.locked_until) > now),
                "live_sessions": int(live.get(u.id, 0)),
            }
            for u in s.scalars(select(User).order_by(User.username))
        ]


def login(
    reg: Registry,
    username: str,
    password: str,
    *,
    session_hours: float,
    max_failures: int,
    lockout_minutes: float,
) -> tuple[str, WebSession, User]:
    """Check a password and open a session; return (cookie token, session, user).

    Raises
    ------
    AuthError
        Unknown user, wrong password, disabled or locked account (one message for all).
    """
    from sqlalchemy import select

    refused = AuthError("wrong user name or password, or the account is locked")
    now = utcnow()
    result: tuple[str, WebSession, User] | None = None
    with reg.transaction(actor="web") as s:
        u = s.scalars(select(User).where(User.username == username.strip())).first()
        if u is None:
            hasher().hash(password)  # same work as a real check: no timing oracle on names
            return_refused = True
        else:
            locked = u.locked_until is not None and _aware(u.locked_until) > now
            ok = (not locked) and u.active and hasher().verify(password, u.password_hash)
            return_refused = not ok
            if not ok and not locked:  # the counter is committed, then the login refused
                u.failed_logins += 1
                if u.failed_logins >= max_failures:
                    u.locked_until = now + _dt.timedelta(minutes=lockout_minutes)
                    u.failed_logins = 0
                    audit(s, u.username, "update", "web_user", u.id, locked=True)
            if ok:
                u.failed_logins = 0
                u.locked_until = None
                token = secrets.token_urlsafe(32)
                ws = WebSession(
                    token_sha256=token_sha256(token),
                    user_id=u.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + _dt.timedelta(hours=session_hours),
                )
                s.add(ws)
                s.flush()
                audit(s, u.username, "insert", "web_session", ws.token_sha256[:16], event="login")
                s.expunge(ws)
                s.expunge(u)
                result = (token, ws, u)
    if return_refused or result is None:
        raise refused
    return result


def session_user(reg: Registry, token: str | None) -> tuple[WebSession, User] | None:
    """The live session and its user for a cookie token, or None (expired, revoked, unknown)."""
    if not token:
        return None
    with reg.read_session() as s:
        ws = s.get(WebSession, token_sha256(token))
        if ws is None or ws.revoked_at is not None or _aware(ws.expires_at) <= utcnow():
            return None
        u = s.get(User, ws.user_id)
        if u is None or not u.active:
            return None
        s.expunge_all()
        return ws, u


def logout(reg: Registry, token: str, actor: str) -> None:
    """End one session."""
    with reg.transaction(actor=actor) as s:
        ws = s.get(WebSession, token_sha256(token))
        if ws is not None and ws.revoked_at is None:
            ws.revoked_at = utcnow()
            audit(s, actor, "update", "web_session", ws.token_sha256[:16], event="logout")


def revoke_sessions(reg: Registry, username: str, *, actor: str) -> int:
    """End every live session of a user (admin); return how many.

    Raises
    ------
    ValidationError
        Unknown user.
    """
    from sqlalchemy import select

    now = utcnow()
    with reg.transaction(actor=actor) as s:
        u = s.scalars(select(User).where(User.username == username)).first()
        if u is None:
            raise ValidationError(f"no user '{username}'")
        n = 0
        for ws in s.scalars(
            select(WebSession).where(WebSession.user_id == u.id, WebSession.revoked_at.is_(None))
        ):
            ws.revoked_at = now
            n += 1
        audit(s, actor, "update", "web_user", u.id, event="sessions_revoked", sessions=n)
    return n
