"""What ``hemispasm serve`` and ``hemispasm user`` call: checks, the demo registry, uvicorn.

- ``serve`` opens the registry (creating the schema of a new SQLite file), refuses a database
  with no users (naming the command that creates the first admin), checks the settings (a real
  secret outside ``--dev``) and runs uvicorn.
- ``serve --demo`` builds the registry's synthetic demo cohort in a temporary folder, creates a
  clinician ``demo`` with a random password printed once, and marks every page SYNTHETIC. The
  folder is removed when the server stops.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hemispasm._log import get_logger
from hemispasm.web.settings import WebConfigError, WebSettings

log = get_logger(__name__)

DEMO_PATIENTS = 60
DEMO_SEED = 2026
FIRST_ADMIN_HINT = (
    "create the first administrator: `hemispasm user add NAME --role admin --password-stdin`"
)


def add_user(db: str | None, username: str, *, role: str, password: str) -> dict[str, Any]:
    """``hemispasm user add``: create the registry schema if needed, then the user."""
    from hemispasm.registry.db import init_registry, open_registry
    from hemispasm.web.users import add_user as _add

    init_registry(db)
    reg = open_registry(db)
    try:
        return _add(reg, username, role=role, password=password, actor="hemispasm user add")
    finally:
        reg.dispose()


def list_users(db: str | None) -> list[dict[str, Any]]:
    """``hemispasm user list``."""
    from hemispasm.registry.db import open_registry
    from hemispasm.web.users import list_users as _list

    reg = open_registry(db)
    try:
        return _list(reg)
    finally:
        reg.dispose()


def revoke(db: str | None, username: str) -> int:
    """``hemispasm user revoke NAME``: end every session of a user."""
    from hemispasm.registry.db import open_registry
    from hemispasm.web.users import revoke_sessions

    reg = open_registry(db)
    try:
        return revoke_sessions(reg, username, actor="hemispasm user revoke")
    finally:
        reg.dispose()


def build_demo(
    folder: Path, *, patients: int | None = None, seed: int = DEMO_SEED
) -> dict[str, Any]:
    """A synthetic registry in ``folder`` with a one-time clinician login; return its URL,
    user name and password."""
    from hemispasm.registry import api
    from hemispasm.registry.db import open_registry
    from hemispasm.web.users import add_user as _add

    patients = DEMO_PATIENTS if patients is None else patients
    url = f"sqlite:///{folder / 'registry.sqlite'}"
    api.init(url)
    api.demo(url, patients=patients, seed=seed)
    password = secrets.token_urlsafe(12)
    reg = open_registry(url)
    try:
        _add(reg, "demo", role="clinician", password=password, actor="hemispasm serve --demo")
    finally:
        reg.dispose()
    return {"url": url, "username": "demo", "password": password, "patients": patients}


def prepare(
    *, db: str | None, data: str | None, dev: bool, demo: bool, say: Callable[[str], None]
) -> tuple[Any, WebSettings, Path | None]:
    """Check everything and build the app; return (app, settings, temporary folder or None).

    Raises
    ------
    WebConfigError
        No users in the registry, or an unsafe secret outside dev.
    """
    from hemispasm.registry.db import init_registry, open_registry
    from hemispasm.web.app import create_app
    from hemispasm.web.users import count_users

    tmp: Path | None = None
    overrides: dict[str, Any] = {"dev": dev, "demo": demo}
    if data:
        overrides["data_dir"] = Path(data)
    if demo:
        tmp = Path(tempfile.mkdtemp(prefix="hemispasm-demo-"))
        info = build_demo(tmp)
        db = info["url"]
        overrides.update(dev=True, secret_key=secrets.token_urlsafe(48), data_dir=tmp / "web")
        say(
            f"SYNTHETIC demo registry: {info['patients']} invented patients in {tmp} "
            "(deleted when the server stops)"
        )
        say(f"one-time demo login: user {info['username']}  password {info['password']}")
    settings = WebSettings(**overrides)
    if db:
        settings = settings.model_copy(update={"db_url": db})
    try:
        settings = settings.checked()
        init_registry(settings.db_url)  # a new SQLite file gets its schema; others are checked
        reg = open_registry(settings.db_url)
        if count_users(reg) == 0:
            reg.dispose()
            raise WebConfigError(f"the registry {reg.url} has no users", hint=FIRST_ADMIN_HINT)
        return create_app(settings, reg=reg), settings, tmp
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise


def serve(
    *,
    db: str | None,
    host: str,
    port: int,
    data: str | None,
    dev: bool,
    demo: bool,
    say: Callable[[str], None],
) -> None:
    """Run the web app with uvicorn until interrupted."""
    import signal

    import uvicorn

    def _stop(_signum: int, _frame: Any) -> None:
        # uvicorn re-raises the signal it caught after its shutdown: end through the finally
        raise SystemExit(0)

    app, settings, tmp = prepare(db=db, data=data, dev=dev, demo=demo, say=say)
    signal.signal(signal.SIGTERM, _stop)
    if settings.dev:
        say("development mode: cookies without Secure; never use --dev for real patient data")
    say(f"hemispasm web on http://{host}:{port}/  (Ctrl+C stops it)")
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning",
            server_header=False,
            access_log=False,
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
        )
    finally:
        app.state.reg.dispose()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
