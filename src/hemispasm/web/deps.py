"""Request dependencies: the registry, the logged-in user, roles, CSRF.

Every route declares its roles with :func:`allow`; there is no route without one (a test walks
``app.routes``). Pages answer an anonymous request with a redirect to ``/login``; the API with
401. State-changing requests need the session's CSRF token, in the ``X-CSRF-Token`` header or
(HTML forms) the ``csrf_token`` field.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request

from hemispasm.registry.db import Registry

SESSION_COOKIE = "hs_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Roles that may see identifying data (name, birth date, record number).
IDENTIFYING_ROLES = frozenset({"clinician", "nurse"})


class LoginRequired(Exception):
    """No live session (pages redirect to /login, the API answers 401)."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: user name, role, and the session's CSRF token."""

    username: str
    role: str
    csrf_token: str
    token: str

    @property
    def sees_identity(self) -> bool:
        """True for roles that may see identifying data."""
        return self.role in IDENTIFYING_ROLES


def get_reg(request: Request) -> Registry:
    """The app's open registry."""
    return request.app.state.reg


def principal(request: Request) -> Principal:
    """The logged-in user, or :class:`LoginRequired`."""
    from hemispasm.web.users import session_user

    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    found = session_user(request.app.state.reg, token)
    if found is None:
        raise LoginRequired()
    ws, u = found
    p = Principal(username=u.username, role=u.role, csrf_token=ws.csrf_token, token=token or "")
    request.state.principal = p
    return p


async def _check_csrf(request: Request, p: Principal) -> None:
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    if not given:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
    if not given or not secrets.compare_digest(given, p.csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")


def allow(*roles: str) -> Callable[..., Any]:
    """A dependency: the request's user must have one of ``roles`` (and, for a state-changing
    method, the session's CSRF token)."""
    allowed = frozenset(roles)

    async def _dep(request: Request, p: Principal = Depends(principal)) -> Principal:
        if p.role not in allowed:
            raise HTTPException(status_code=403, detail="your role may not do this")
        await _check_csrf(request, p)
        return p

    _dep.allowed_roles = allowed  # type: ignore[attr-defined]
    return _dep


CLINICAL = ("clinician", "nurse")
READERS = ("clinician", "nurse", "researcher")
