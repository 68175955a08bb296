"""``hemispasm user add`` and the checks ``hemispasm serve`` makes before it starts."""

from __future__ import annotations

import io

import pytest

from hemispasm.cli import main
from hemispasm.web.server import prepare
from hemispasm.web.settings import WebConfigError


def _user_add(monkeypatch, db, name, role, password):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["user", "add", name, "--role", role, "--password-stdin", "--db", db])


def test_serve_refuses_a_registry_without_users(tmp_path, capsys):
    db = str(tmp_path / "r.sqlite")
    with pytest.raises(WebConfigError, match="no users") as exc:
        prepare(db=db, data=None, dev=True, demo=False, say=print)
    assert "hemispasm user add NAME --role admin --password-stdin" in exc.value.one_line()
    assert main(["serve", "--db", db, "--dev", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "no users" in err and "hemispasm user add" in err and "Traceback" not in err


def test_user_add_then_serve_checks_secret(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "r.sqlite")
    assert _user_add(monkeypatch, db, "chief", "admin", "a long admin passphrase") == 0
    assert "added user chief (admin)" in capsys.readouterr().out
    monkeypatch.delenv("HEMISPASM_WEB_SECRET_KEY", raising=False)
    with pytest.raises(WebConfigError, match="SECRET_KEY"):
        prepare(db=db, data=None, dev=False, demo=False, say=print)
    monkeypatch.setenv("HEMISPASM_WEB_SECRET_KEY", "k" * 40)
    app, settings, tmp = prepare(
        db=db, data=str(tmp_path / "web"), dev=False, demo=False, say=print
    )
    try:
        assert tmp is None and not settings.dev
        assert (tmp_path / "web" / "uploads").is_dir()
    finally:
        app.state.reg.dispose()
    assert main(["user", "list", "--db", db, "--json"]) == 0
    assert '"username": "chief"' in capsys.readouterr().out


def test_user_add_bad_input_one_line(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "r.sqlite")
    assert _user_add(monkeypatch, db, "x", "surgeon", "a long enough password") == 2
    assert _user_add(monkeypatch, db, "x", "nurse", "short") == 2
    err = capsys.readouterr().err
    assert "role 'surgeon'" in err and "shorter than 12" in err and "Traceback" not in err


def test_demo_builds_a_synthetic_registry_with_a_one_time_login(monkeypatch):
    from fastapi.testclient import TestClient

    monkeypatch.setattr("hemispasm.web.server.DEMO_PATIENTS", 6)
    said: list[str] = []
    app, settings, tmp = prepare(db=None, data=None, dev=False, demo=True, say=said.append)
    try:
        line = next(s for s in said if "one-time demo login" in s)
        password = line.split("password ")[1].strip()
        assert settings.demo and any("SYNTHETIC" in s for s in said)
        with TestClient(app) as c:
            r = c.post("/api/v1/session", json={"username": "demo", "password": password})
            assert r.status_code == 200
            page = c.get("/patients").text
            assert "SYNTHETIC DEMO" in page
            body = c.get("/api/v1/patients").json()
            assert body["total"] == 6 and all(p["synthetic"] for p in body["patients"])
    finally:
        app.state.reg.dispose()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


def test_serve_demo_process_starts_and_cleans_up():
    """`hemispasm serve --demo` as a real process on 127.0.0.1: the page answers, SIGTERM stops
    it and the temporary SYNTHETIC registry is removed."""
    import re
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = f"from hemispasm.cli import main; main(['serve', '--demo', '--port', '{port}'])"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1) as r:
                    assert r.status == 200 and "SYNTHETIC DEMO" in r.read().decode()
                break
            except OSError:
                assert proc.poll() is None
                time.sleep(0.5)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=60)[0]
    folder = Path(re.search(r"in (/\S+hemispasm-demo-\S+)", out).group(1))
    assert "one-time demo login: user demo" in out
    assert proc.returncode == 0 and not folder.exists()
