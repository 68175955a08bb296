"""Alembic environment of the registry.

Run through :func:`hemispasm.registry.db.upgrade_schema` (``hemispasm registry init|upgrade``),
which passes an open connection in ``config.attributes["connection"]``. With the ``alembic``
command line, set ``sqlalchemy.url`` (or ``HEMISPASM_DB_URL``). SQLite cannot ALTER most
columns, so migrations run in batch mode (``render_as_batch=True``).
"""

from __future__ import annotations

from alembic import context

from hemispasm.registry.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    from hemispasm.registry.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.begin() as conn:
            _configure(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported; run against a database")
run_migrations_online()
