"""Opening the registry database: URL, engine, sessions, schema version.

- Default: a SQLite file ``registry.sqlite`` in the registry folder, ``$HEMISPASM_REGISTRY_DIR``
  or ``<platformdirs user data dir>/hemispasm/registry``. Recordings are kept under that
  folder's ``recordings/`` (see :mod:`hemispasm.registry.recordings`).
- ``--db URL`` / ``$HEMISPASM_DB_URL``: any SQLAlchemy URL; ``postgresql://`` is read as
  ``postgresql+psycopg://`` (psycopg 3), a bare path as a SQLite file.
- SQLite connections turn on ``foreign_keys`` and WAL in a ``connect`` event and start every
  transaction with ``BEGIN IMMEDIATE`` (one writer at a time, waiting up to 30 s for the lock),
  so concurrent processes queue rather than fail or lose rows.
- Opening checks the schema revision against the migrations shipped in the package: a newer
  database is refused, an older one needs ``hemispasm registry upgrade`` (never silently).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hemispasm._lazy import require
from hemispasm._log import get_logger
from hemispasm.errors import HemispasmError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

log = get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_S = 30.0
READ_ONLY_OPTION = "hemispasm_read_only"


class RegistryError(HemispasmError):
    """A registry operation the user can fix (unknown patient, bad input, no database)."""


class SchemaError(RegistryError):
    """The database schema does not match this version of hemispasm."""

    exit_code = 3


def registry_dir() -> Path:
    """The registry folder: ``$HEMISPASM_REGISTRY_DIR`` or the user data folder."""
    env = os.environ.get("HEMISPASM_REGISTRY_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("hemispasm", appauthor=False)) / "registry"


def default_data_dir(url: str | None = None) -> Path:
    """The managed recordings folder: ``$HEMISPASM_RECORDINGS_DIR``, else ``recordings/`` beside
    a SQLite file, else ``recordings/`` in the registry folder."""
    env = os.environ.get("HEMISPASM_RECORDINGS_DIR")
    if env:
        return Path(env).expanduser()
    url = resolve_url(url)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url[len("sqlite:///") :]).parent / "recordings"
    return registry_dir() / "recordings"


def resolve_url(url: str | None = None) -> str:
    """The database URL: ``url``, else ``$HEMISPASM_DB_URL``, else the default SQLite file."""
    url = url or os.environ.get("HEMISPASM_DB_URL") or None
    if url is None:
        return f"sqlite:///{registry_dir() / 'registry.sqlite'}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def safe_url(url: str) -> str:
    """The URL without its password (for messages)."""
    sa_url = require("sqlalchemy.engine").make_url(url)
    return sa_url.render_as_string(hide_password=True)


def _sqlite_events(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # readers (Registry.read_session) take no write lock: WAL lets them run beside a writer
        read_only = conn.get_execution_options().get(READ_ONLY_OPTION, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str | None = None) -> Engine:
    """A SQLAlchemy engine for the registry (SQLite pragmas and locking set up).

    Raises
    ------
    RegistryError
        The URL is malformed, names an unknown driver, or its SQLite folder cannot be created.
    """
    sa = require("sqlalchemy")
    url = resolve_url(url)
    try:
        sa_url = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise RegistryError(
            "the database URL is malformed",
            hint="give e.g. sqlite:///path/registry.sqlite or postgresql://user@host/db",
        ) from None
    kwargs: dict[str, Any] = {}
    if sa_url.get_backend_name() == "sqlite":
        db = sa_url.database
        if db and db != ":memory:":
            try:
                Path(db).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RegistryError(
                    f"cannot create the database folder ({exc.strerror})", path=Path(db).parent
                ) from None
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = sa.create_engine(sa_url, **kwargs)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise RegistryError(
            f"cannot use the database URL {safe_url(url)} ({exc.__class__.__name__})",
            hint="PostgreSQL needs psycopg: pip install 'psycopg[binary]'",
        ) from None
    if sa_url.get_backend_name() == "sqlite":
        _sqlite_events(engine)
    return engine


# ------------------------------------------------------------------------------------------
# schema revision
# ------------------------------------------------------------------------------------------


def alembic_config(connection: Any | None = None) -> Any:
    """An Alembic config pointing at the migrations shipped in the package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of hemispasm knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> list[str]:
    """Every revision shipped, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _connect(engine: Engine) -> Any:
    sa = require("sqlalchemy")
    try:
        return engine.connect()
    except sa.exc.OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else "cannot connect"
        raise RegistryError(
            f"cannot open the database {safe_url(str(engine.url))} ({first})",
            hint="check --db / HEMISPASM_DB_URL and that the server is running",
        ) from None


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the database (None: not initialised)."""
    from alembic.runtime.migration import MigrationContext

    with _connect(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_state(engine: Engine) -> str:
    """``"current"``, ``"empty"``, ``"older"`` or ``"newer"``."""
    cur = current_revision(engine)
    if cur is None:
        return "empty"
    if cur == head_revision():
        return "current"
    return "older" if cur in known_revisions() else "newer"


def check_schema(engine: Engine) -> None:
    """Refuse a database whose schema is not the one this code was written for.

    Raises
    ------
    SchemaError
        Not initialised, older (run ``registry upgrade``) or newer (upgrade hemispasm).
    """
    state = schema_state(engine)
    where = safe_url(str(engine.url))
    if state == "current":
        return
    if state == "empty":
        raise SchemaError(
            f"the registry {where} is not initialised", hint="run `hemispasm registry init`"
        )
    cur = current_revision(engine)
    if state == "older":
        raise SchemaError(
            f"the registry {where} has schema revision {cur}, older than this hemispasm "
            f"({head_revision()})",
            hint="back it up, then run `hemispasm registry upgrade`",
        )
    raise SchemaError(
        f"the registry {where} has schema revision {cur}, newer than this hemispasm knows "
        f"({head_revision()})",
        hint="upgrade hemispasm before opening it",
    )


def upgrade_schema(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the database to ``revision``; return (before, after).

    Raises
    ------
    SchemaError
        The database is newer than this hemispasm.
    """
    from alembic import command

    before = current_revision(engine)
    if before is not None and before not in known_revisions():
        check_schema(engine)  # raises the "newer" message
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    after = current_revision(engine)
    log.info("registry schema %s -> %s", before, after)
    return before, after


# ------------------------------------------------------------------------------------------
# the registry handle
# ------------------------------------------------------------------------------------------


@dataclass
class Registry:
    """An open registry: engine, session factory and the managed data folder.

    Use :func:`open_registry`; write with ``with reg.transaction(reason=...) as s: ...``.
    """

    engine: Engine
    data_dir: Path
    _sessions: sessionmaker = field(repr=False, default=None)  # type: ignore[assignment]
    _readers: sessionmaker = field(repr=False, default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        from sqlalchemy.orm import sessionmaker

        from hemispasm.registry import audit

        audit.install()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def read_engine(self) -> Engine:
        """The engine for reading: on SQLite its transactions take no write lock."""
        return self.engine.execution_options(**{READ_ONLY_OPTION: True})

    def read_session(self) -> Session:
        """A session for reading only (listing, showing, exporting, verifying)."""
        s = self._readers()
        s.info["actor"] = None
        s.info["reason"] = None
        return s

    @property
    def url(self) -> str:
        """The database URL without password."""
        return safe_url(str(self.engine.url))

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def session(self, *, actor: str | None = None, reason: str | None = None) -> Session:
        """A new session for writing; ``actor`` and ``reason`` go into the audit rows it writes.

        On SQLite its transactions begin with ``BEGIN IMMEDIATE`` (one writer at a time)."""
        from hemispasm.registry.audit import default_actor

        s = self._sessions()
        s.info["actor"] = actor or default_actor()
        s.info["reason"] = reason
        return s

    @contextlib.contextmanager
    def transaction(
        self, *, actor: str | None = None, reason: str | None = None
    ) -> Iterator[Session]:
        """One transaction: committed at the end, rolled back entirely on any error."""
        s = self.session(actor=actor, reason=reason)
        try:
            with s.begin():
                yield s
        finally:
            s.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_registry(
    url: str | None = None, *, data_dir: str | Path | None = None, check: bool = True
) -> Registry:
    """Open the registry at ``url`` (default: see module docstring).

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL or SQLite path.
    data_dir : path, optional
        The managed recordings folder (default: :func:`default_data_dir`).
    check : bool
        Check the schema revision (see :func:`check_schema`).
    """
    engine = make_engine(url)
    if check:
        try:
            check_schema(engine)
        except HemispasmError:
            engine.dispose()
            raise
    return Registry(engine=engine, data_dir=Path(data_dir) if data_dir else default_data_dir(url))


def init_registry(url: str | None = None, *, data_dir: str | Path | None = None) -> dict[str, Any]:
    """Create the schema (or report that it exists); return a status mapping.

    Raises
    ------
    SchemaError
        The database exists with an older (run upgrade) or newer schema.
    """
    engine = make_engine(url)
    try:
        state = schema_state(engine)
        if state in ("older", "newer"):
            check_schema(engine)
        created = state == "empty"
        if created:
            upgrade_schema(engine)
    finally:
        engine.dispose()
    reg = open_registry(url, data_dir=data_dir)
    try:
        reg.data_dir.mkdir(parents=True, exist_ok=True)
        return {"created": created, **status(reg)}
    finally:
        reg.dispose()


def status(reg: Registry) -> dict[str, Any]:
    """Revision, dialect, data folder and row counts per table."""
    from sqlalchemy import func, select

    from hemispasm.registry.models import ALL_MODELS

    counts: dict[str, int] = {}
    with reg.read_session() as s:
        for model in ALL_MODELS:
            counts[model.__tablename__] = s.scalar(select(func.count()).select_from(model)) or 0
    return {
        "url": reg.url,
        "dialect": reg.dialect,
        "revision": current_revision(reg.engine),
        "head": head_revision(),
        "data_dir": str(reg.data_dir),
        "counts": counts,
    }
