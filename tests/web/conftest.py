"""Web fixtures: a registry (SQLite file in tmp) with one user per role, an app, logged-in clients.

The app runs in-process through Starlette's TestClient; the browser tests (test_browser.py)
start a real uvicorn server on 127.0.0.1 instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webtools import login, make_app, make_registry


def _registry_conftest() -> Any:
    """The registry tests' conftest (its throwaway PostgreSQL server), loaded by path."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "registry" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_hs_registry_conftest", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_REG = _registry_conftest()
pg_server = _REG.pg_server  # session fixture: a real PostgreSQL on 127.0.0.1, or None


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh database on the throwaway PostgreSQL server (skip/fail as the registry tests do)."""
    if pg_server is None:
        _REG._no_server()
    return _REG._create_pg_database(pg_server)


@pytest.fixture
def reg(tmp_path: Path) -> Iterator[Any]:
    r = make_registry(tmp_path)
    try:
        yield r
    finally:
        r.dispose()


@pytest.fixture
def app(reg: Any, tmp_path: Path) -> Any:
    return make_app(reg, tmp_path)


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def as_role(app: Any) -> Any:
    """``as_role("nurse")`` → (client logged in as nurse1, csrf headers)."""
    from fastapi.testclient import TestClient

    clients: list[Any] = []

    def _make(role: str) -> tuple[Any, dict[str, str]]:
        c = TestClient(app)
        c.__enter__()
        clients.append(c)
        tok = login(c, f"{role}1")
        return c, {"X-CSRF-Token": tok}

    yield _make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture(scope="session")
def synth_video(tmp_path_factory: pytest.TempPathFactory, face_model: Path) -> Path:
    """A short SYNTHETIC spasm video made with hemispasm.synth (once per test session)."""
    from hemispasm.synth import synth_video as make

    out = tmp_path_factory.mktemp("synth")
    res = make(out, side="left", stage=3, seconds=6.0, seed=3, model=face_model)
    return Path(res.video)
