"""Security of the web app: settings, passwords, sessions, cookies, CSRF, headers, rate limit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from webtools import PASSWORD, login, make_app

from hemispasm.web.settings import WebConfigError, WebSettings


def test_secret_refused_outside_dev():
    for key in (None, "", "change-me", "short-secret"):
        with pytest.raises(WebConfigError, match="HEMISPASM_WEB_SECRET_KEY"):
            WebSettings(secret_key=key, dev=False).checked()
    ok = WebSettings(secret_key="x" * 40, dev=False).checked()
    assert ok.secret_key == "x" * 40
    assert WebSettings(dev=True).checked().secret_key  # dev gets a built-in one


def test_secret_from_environment(monkeypatch):
    monkeypatch.setenv("HEMISPASM_WEB_SECRET_KEY", "y" * 48)
    monkeypatch.setenv("HEMISPASM_WEB_MAX_UPLOAD_MB", "3")
    s = WebSettings().checked()
    assert s.secret_key == "y" * 48 and s.max_upload_bytes == 3 * 1024 * 1024


def test_password_hash_is_argon2id(reg):
    from sqlalchemy import select

    from hemispasm.web.models import User

    with reg.read_session() as s:
        h = s.scalars(select(User.password_hash).where(User.username == "nurse1")).one()
    assert h.startswith("$argon2id$") and PASSWORD not in h


def test_short_password_and_bad_role_refused(reg):
    from hemispasm.errors import ValidationError
    from hemispasm.web.users import add_user

    with pytest.raises(ValidationError, match="shorter"):
        add_user(reg, "bob", role="nurse", password="short")
    with pytest.raises(ValidationError, match="role"):
        add_user(reg, "bob", role="surgeon", password=PASSWORD)
    with pytest.raises(ValidationError, match="already exists"):
        add_user(reg, "nurse1", role="nurse", password=PASSWORD)


def test_session_cookie_flags(reg, tmp_path):
    for dev in (True, False):
        app = make_app(reg, tmp_path, dev=dev, secret_key="s" * 40)
        with TestClient(app, base_url="https://testserver") as c:
            r = c.post("/api/v1/session", json={"username": "nurse1", "password": PASSWORD})
            cookie = r.headers["set-cookie"].lower()
            assert "httponly" in cookie and "samesite=strict" in cookie
            assert ("secure" in cookie) is (not dev)


def test_wrong_password_same_message_and_lockout(client):
    bad = {"username": "nurse1", "password": "wrong password!!"}
    r1 = client.post("/api/v1/session", json=bad)
    r2 = client.post("/api/v1/session", json={"username": "nobody", "password": "x" * 12})
    assert r1.status_code == r2.status_code == 401
    assert r1.json() == r2.json()
    for _ in range(4):  # 5 failures in a row lock the account
        client.post("/api/v1/session", json=bad)
    r = client.post("/api/v1/session", json={"username": "nurse1", "password": PASSWORD})
    assert r.status_code == 401  # locked: even the right password is refused
    other = client.post("/api/v1/session", json={"username": "clinician1", "password": PASSWORD})
    assert other.status_code == 200


def test_login_rate_limited(reg, tmp_path):
    app = make_app(reg, tmp_path, login_per_minute=3)
    with TestClient(app) as c:
        codes = [
            c.post("/api/v1/session", json={"username": "x", "password": "y" * 12}).status_code
            for _ in range(5)
        ]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


def test_csrf_required_on_state_changes(client):
    tok = login(client, "clinician1")
    body = {"name": "Jane Roe", "sex": "female", "side": "left"}
    assert client.post("/api/v1/patients", json=body).status_code == 403
    bad = client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": "forged"})
    assert bad.status_code == 403
    ok = client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": tok})
    assert ok.status_code == 201 and ok.json()["id"].startswith("HS-")
    # an HTML form without the hidden field is refused too
    r = client.post("/patients", data={"name": "Jane Roe"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post(
        "/patients", data={"name": "Jane Roe", "csrf_token": tok}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/patients/HS-")


def test_login_form_needs_its_token(client):
    r = client.post("/login", data={"username": "nurse1", "password": PASSWORD})
    assert r.status_code == 403
    page = client.get("/login")
    import re

    tok = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login",
        data={"username": "nurse1", "password": PASSWORD, "csrf_token": tok},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/patients"
    assert client.get("/patients").status_code == 200


def test_logout_and_admin_revoke(app):
    with TestClient(app) as nurse, TestClient(app) as admin:
        tok = login(nurse, "nurse1")
        assert nurse.get("/api/v1/patients").status_code == 200
        atok = login(admin, "admin1")
        r = admin.delete("/api/v1/users/nurse1/sessions", headers={"X-CSRF-Token": atok})
        assert r.status_code == 200 and r.json()["revoked"] == 1
        assert nurse.get("/api/v1/patients").status_code == 401  # the cookie is dead server-side
        tok = login(nurse, "nurse1")
        cookie = nurse.cookies.get("hs_session")
        assert nurse.delete("/api/v1/session", headers={"X-CSRF-Token": tok}).status_code == 200
        nurse.cookies.set("hs_session", cookie)  # replaying the old cookie does not work
        assert nurse.get("/api/v1/patients").status_code == 401


def test_security_headers(client):
    for path in ("/login", "/api/v1/patients", "/static/app.js"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"


def test_no_inline_script_in_pages(as_role):
    import re

    c, _ = as_role("clinician")
    pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
    for path in ("/patients", f"/patients/{pid}", f"/patients/{pid}/toxin/new"):
        html = c.get(path).text
        for tag in re.findall(r"<script[^>]*>", html):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
        assert " onclick=" not in html and "javascript:" not in html


def test_openapi_for_authenticated_users_only(client):
    assert client.get("/api/v1/openapi.json").status_code == 401
    assert client.get("/docs").status_code == 404
    login(client, "researcher1")
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/patients/{patient_id}/timeline" in spec["paths"]


def test_error_pages_one_line_no_traceback(as_role):
    c, _ = as_role("clinician")
    r = c.get("/patients/HS-NOSUCH1")
    assert r.status_code == 404 and "Traceback" not in r.text and "no patient" in r.text
    r = c.get("/api/v1/patients/HS-NOSUCH1")
    assert r.status_code == 404 and set(r.json()) == {"error"}
