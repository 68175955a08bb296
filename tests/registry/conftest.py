"""Registry fixtures: every test that asks for ``db_url`` runs on SQLite AND on PostgreSQL.

The PostgreSQL server is real and throwaway: ``initdb`` into a temporary folder (as the
``postgres`` user when the tests run as root, since initdb refuses root), listening on
127.0.0.1 on a free port, started once per test session and stopped in ``finally``. Each test
gets a fresh database on it. Where no PostgreSQL server binary exists the PostgreSQL variant is
skipped with that reason (``.ci/run`` installs PostgreSQL, so CI never skips).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_counter = itertools.count()


def _pg_bin() -> Path | None:
    env = os.environ.get("HEMISPASM_PG_BIN")
    if env and (Path(env) / "initdb").is_file():
        return Path(env)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    return Path(which).parent if which else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_pg_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str | None]:
    """Base URL of a throwaway PostgreSQL server, or None when no server binary exists."""
    bindir = _pg_bin()
    if bindir is None:
        yield None
        return
    tmp = Path(tempfile.mkdtemp(prefix="hs-pg-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    data, log = tmp / "data", tmp / "log"
    port = _free_port()
    started = False
    try:
        subprocess.run(
            _as_pg_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off"
        subprocess.run(
            _as_pg_user(
                [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", opts, "start"]
            ),
            check=True,
            capture_output=True,
        )
        started = True
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        if started:
            subprocess.run(
                _as_pg_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
            )
        shutil.rmtree(tmp, ignore_errors=True)


def _create_pg_database(base: str) -> str:
    import psycopg

    name = f"t{os.getpid()}_{next(_counter)}"
    dsn = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with contextlib.closing(psycopg.connect(dsn, autocommit=True)) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, pg_server) -> str:
    """An empty database: a SQLite file, or a fresh database on the throwaway PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.sqlite'}"
    if pg_server is None:
        pytest.skip("no PostgreSQL server binary (initdb) on this machine; .ci/run installs it")
    return _create_pg_database(pg_server)


@pytest.fixture
def registry_env(db_url, tmp_path, monkeypatch) -> str:
    """Point the CLI at ``db_url`` (and a temporary recordings folder) through the environment."""
    monkeypatch.setenv("HEMISPASM_DB_URL", db_url)
    monkeypatch.setenv("HEMISPASM_REGISTRY_DIR", str(tmp_path / "regdir"))
    monkeypatch.setenv("HEMISPASM_RECORDINGS_DIR", str(tmp_path / "recordings"))
    monkeypatch.setenv("HEMISPASM_ACTOR", "test-clinician")
    return db_url


@pytest.fixture
def reg(registry_env):
    """An initialised, open registry on ``db_url``."""
    from hemispasm.registry.db import init_registry, open_registry

    init_registry(registry_env)
    r = open_registry(registry_env)
    try:
        yield r
    finally:
        r.dispose()
