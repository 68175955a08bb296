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
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:  # initdb refuses root and there is no postgres user to run it as
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


def _no_server() -> None:
    msg = "no PostgreSQL server binary (initdb) on this machine; .ci/run installs it"
    if os.environ.get("HEMISPASM_REQUIRE_POSTGRES", "") not in ("", "0", "false", "no"):
        pytest.fail(msg + " (HEMISPASM_REQUIRE_POSTGRES is set)")
    pytest.skip(msg)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, pg_server) -> str:
    """An empty database: a SQLite file, or a fresh database on the throwaway PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.sqlite'}"
    if pg_server is None:
        _no_server()
    return _create_pg_database(pg_server)


@pytest.fixture
def new_database(tmp_path, pg_server):
    """A function ``new_database("sqlite"|"postgresql") -> URL`` of another empty database."""
    n = itertools.count()

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'other{next(n)}.sqlite'}"
        if pg_server is None:
            _no_server()
        return _create_pg_database(pg_server)

    return make


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


@pytest.fixture
def cli(capsys):
    """Run ``hemispasm ARGS...``; return (exit code, stdout, stderr)."""
    from hemispasm.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


CASE_A = """\
identity: {name: Ada Lovelace-Example, birth_date: 1961-07-13, mrn: MRN-7781}
visit_date: 2025-02-03
case_id: REG-A
age: 63
sex: female
side: left
onset_age: 58
first_muscle: orbicularis_oculi
spread_to: [zygomaticus, orbicularis_oris]
spasm_type: both
facial_weakness: false
hearing_loss: false
emg_lsr: present
mri: neurovascular_conflict
notes: lives at 12 Example Street
treatments:
  - {type: carbamazepine, date: 2023-05-01, doses: 400, response: mild, side_effects: [drowsiness],
     stopped_for_side_effects: true}
  - {type: botulinum_toxin, date: 2024-01-10, product: onabotulinumtoxinA, benefit_weeks: 13,
     doses: {orbicularis_oculi: 12.5, zygomaticus: 5}, response: marked, side_effects: [ptosis]}
  - {type: botulinum_toxin, date: 2024-04-20, product: onabotulinumtoxinA, benefit_weeks: 11,
     doses: {orbicularis_oculi: 15, zygomaticus: 5}, response: moderate}
scales:
  jankovic: {severity: 3, frequency: 2}
  hfs7: {item1: 2, item2: 1, item3: 2, item4: 1, item5: 0, item6: 1, item7: 2}
"""

#: The same patient (same MRN) seen again: the history repeats, one new session.
CASE_A2 = CASE_A.replace("visit_date: 2025-02-03", "visit_date: 2025-06-10").replace(
    "     doses: {orbicularis_oculi: 15, zygomaticus: 5}, response: moderate}",
    "     doses: {orbicularis_oculi: 15, zygomaticus: 5}, response: moderate}\n"
    "  - {type: botulinum_toxin, date: 2024-08-01, product: Botox, doses: 25}",
)

CASE_B = """\
identity: {name: Bertrand Sample, mrn: MRN-9902}
visit_date: 2025-03-15
case_id: REG-B
age: 47
sex: male
side: right
first_muscle: orbicularis_oculi
treatments:
  - {type: mvd, date: 2024-11-02, side_effects: [hearing_loss]}
"""

IDENTIFIERS = (
    "Ada Lovelace-Example",
    "Lovelace",
    "1961-07-13",
    "MRN-7781",
    "Bertrand Sample",
    "MRN-9902",
    "Example Street",
)


@pytest.fixture
def case_dir(tmp_path) -> Path:
    """A folder of three case files: patient A twice (same MRN), patient B once."""
    d = tmp_path / "cases"
    d.mkdir()
    (d / "a_2025-02.yaml").write_text(CASE_A)
    (d / "a_2025-06.yaml").write_text(CASE_A2)
    (d / "b.yaml").write_text(CASE_B)
    return d


@pytest.fixture
def counts():
    """A function: rows per registry table of an open registry."""
    from hemispasm.registry.db import status

    return lambda reg: status(reg)["counts"]


@pytest.fixture
def cases() -> dict[str, str]:
    """The case file texts (A, A2 = A seen again, B) and the identifiers they carry."""
    return {"A": CASE_A, "A2": CASE_A2, "B": CASE_B}


@pytest.fixture
def identifiers() -> tuple[str, ...]:
    """Identifying strings in the case files: never allowed in logs, names or the trail."""
    return IDENTIFIERS
