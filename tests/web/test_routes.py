"""Walk every route of the app: anonymous requests are refused, each role gets exactly what it
may (the expected table is written here, independently of the code's role declarations), and a
route missing from this table fails the test."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount
from webtools import login

ALL = {"admin", "clinician", "nurse", "researcher"}
READERS = {"clinician", "nurse", "researcher"}
CLINICAL = {"clinician", "nurse"}
PUBLIC = "public"

EXPECTED: dict[tuple[str, str], object] = {
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/api/v1/session"): PUBLIC,
    ("GET", "/home/{token}"): PUBLIC,  # the one-time token is the key (test_home.py)
    ("POST", "/home/{token}/upload"): PUBLIC,
    ("POST", "/patients/{patient_id}/home-link"): CLINICAL,
    ("GET", "/api/v1/session"): ALL,
    ("DELETE", "/api/v1/session"): ALL,
    ("POST", "/logout"): ALL,
    ("GET", "/"): ALL,
    ("GET", "/api/v1/openapi.json"): ALL,
    ("GET", "/patients"): READERS,
    ("POST", "/patients/search"): READERS,
    ("POST", "/patients"): {"clinician"},
    ("GET", "/patients/{patient_id}"): READERS,
    ("POST", "/patients/{patient_id}/recordings"): CLINICAL,
    ("GET", "/jobs/{job_id}"): CLINICAL,
    ("GET", "/patients/{patient_id}/toxin/new"): CLINICAL,
    ("POST", "/patients/{patient_id}/toxin"): CLINICAL,
    ("GET", "/toxin-sessions/{session_id}"): CLINICAL,
    ("GET", "/toxin-sessions/{session_id}/sheet.pdf"): CLINICAL,
    ("GET", "/admin/users"): {"admin"},
    ("POST", "/admin/users"): {"admin"},
    ("POST", "/admin/users/{username}/revoke"): {"admin"},
    ("GET", "/api/v1/patients"): READERS,
    ("POST", "/api/v1/patients"): {"clinician"},
    ("GET", "/api/v1/patients/{patient_id}"): READERS,
    ("GET", "/api/v1/patients/{patient_id}/timeline"): READERS,
    ("POST", "/api/v1/patients/{patient_id}/recordings"): CLINICAL,
    ("GET", "/api/v1/jobs/{job_id}"): CLINICAL,
    ("POST", "/api/v1/patients/{patient_id}/toxin-sessions"): CLINICAL,
    ("GET", "/api/v1/users"): {"admin"},
    ("POST", "/api/v1/users"): {"admin"},
    ("DELETE", "/api/v1/users/{username}/sessions"): {"admin"},
    # case and assessment (web/case.py): the clinician writes; clinician and nurse read
    ("GET", "/patients/{patient_id}/case"): {"clinician"},
    ("POST", "/patients/{patient_id}/case"): {"clinician"},
    ("GET", "/patients/{patient_id}/case/latest"): CLINICAL,
    ("GET", "/cases/{case_id}"): CLINICAL,
    ("POST", "/api/v1/patients/{patient_id}/cases"): {"clinician"},
    ("GET", "/api/v1/patients/{patient_id}/cases"): CLINICAL,
    ("GET", "/api/v1/cases/{case_id}"): CLINICAL,
    # MVD / LSR (web/mvd.py): clinicians and nurses read, clinicians record
    ("GET", "/surgeries/{surgery_id}"): CLINICAL,
    ("GET", "/surgeries/{surgery_id}/job"): CLINICAL,
    ("GET", "/surgeries/{surgery_id}/sweeps.csv"): CLINICAL,
    ("GET", "/patients/{patient_id}/surgeries/new"): {"clinician"},
    ("POST", "/patients/{patient_id}/surgeries"): {"clinician"},
    ("POST", "/surgeries/{surgery_id}/lsr"): {"clinician"},
    ("GET", "/surgeries/{surgery_id}/live"): CLINICAL,
    ("POST", "/surgeries/{surgery_id}/live"): {"clinician"},
    ("POST", "/surgeries/{surgery_id}/live/stop"): {"clinician"},
    ("GET", "/surgeries/{surgery_id}/live/events"): CLINICAL,
    ("GET", "/cohort"): {"clinician", "researcher"},
    ("GET", "/cohort.csv"): {"clinician", "researcher"},
    ("GET", "/api/v1/cohort"): {"clinician", "researcher"},
}


def _flat(routes, prefix=""):
    for r in routes:
        if isinstance(r, Mount):  # /static: public files (CSS, JS)
            continue
        if hasattr(r, "original_router"):  # FastAPI >= 0.16x keeps included routers as objects
            yield from _flat(r.original_router.routes, prefix + r.include_context.prefix)
            continue
        for method in sorted(r.methods - {"HEAD"}):
            yield method, prefix + r.path


def _routes(app):
    return list(_flat(app.routes))


def test_every_route_is_in_the_table(app):
    found = set(_routes(app))
    assert found == set(EXPECTED), {
        "routes without an expected rule": sorted(found - set(EXPECTED)),
        "rules for routes that do not exist": sorted(set(EXPECTED) - found),
    }


@pytest.fixture
def ids(app, reg):
    """Real ids for the path parameters: a patient, a job, a toxin session."""
    from hemispasm.web.jobs import create_job

    with TestClient(app) as c:
        tok = login(c, "clinician1")
        pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
        sid = c.post(
            f"/api/v1/patients/{pid}/toxin-sessions",
            json={
                "date": "2026-11-30",
                "product_inn": "onabotulinumtoxinA",
                "injections": [{"muscle": "orbicularis_oculi", "side": "left", "units": 5}],
            },
            headers={"X-CSRF-Token": tok},
        ).json()["id"]
    job = create_job(
        reg,
        patient_id=pid,
        visit_id=None,
        kind="video",
        upload_name="missing.mp4",
        actor="clinician1",
    )
    case_id = _stored_case(reg, pid)
    import datetime as dt

    from hemispasm.web.mvd import add_surgery

    surgery = add_surgery(
        reg, pid, date=dt.date(2026, 10, 1), side="left", vessels=[], technique=None, actor="t"
    )
    return {
        "case_id": str(case_id),
        "surgery_id": str(surgery),
        "patient_id": pid,
        "job_id": str(job),
        "session_id": str(sid),
        "username": "researcher1",
    }


def _stored_case(reg, pid):
    """A stored case of the patient (web/case.py's writer), for the case routes."""
    import datetime as dt

    from hemispasm.web.case_store import store_case

    return store_case(reg, pid, {"side": "left"}, day=dt.date(2026, 11, 30), actor="test")["id"]


def _call(c, method, path, headers):
    kw = {"headers": headers, "follow_redirects": False}
    if method in ("POST",) and "recordings" in path:
        kw["files"] = {"file": ("a.bin", b"\x00" * 10, "application/octet-stream")}
    elif method == "POST":
        kw["json"] = {}
    return c.request(method, path, **kw)


@pytest.mark.parametrize("role", [None, "admin", "clinician", "nurse", "researcher"])
def test_each_role_gets_exactly_what_it_may(app, ids, role):
    for (method, template), allowed in EXPECTED.items():
        if allowed == PUBLIC:
            continue
        path = template.format(**ids)
        with TestClient(app) as c:  # a fresh session per call: logout/revoke affect only it
            headers = {}
            if role is not None:
                headers["X-CSRF-Token"] = login(c, f"{role}1")
            r = _call(c, method, path, headers)
        where = f"{method} {template} as {role or 'anonymous'}"
        if role is None:
            if template.startswith("/api/"):
                assert r.status_code == 401, where
            else:
                assert r.status_code == 303 and r.headers["location"] == "/login", where
        elif role in allowed:
            assert r.status_code not in (401, 403, 500), (where, r.status_code, r.text[:200])
        else:
            assert r.status_code == 403, (where, r.status_code)


def test_researcher_never_sees_identity(as_role, ids):
    c, _ = as_role("researcher")
    pid = ids["patient_id"]
    from hemispasm.registry.db import open_registry  # noqa: F401

    api_list = c.get("/api/v1/patients").json()
    assert all("identity" not in p for p in api_list["patients"])
    one = c.get(f"/api/v1/patients/{pid}").json()
    assert "identity" not in one
    names = [
        p["identity"]["name"]
        for p in as_role("nurse")[0].get("/api/v1/patients").json()["patients"]
        if p.get("identity")
    ]
    assert names  # the demo cohort has (synthetic) names
    pages = [
        c.get("/patients").text,
        c.get(f"/patients/{pid}").text,
        c.post(
            "/patients/search",
            data={"q": "Synthetic"},
            headers={"X-CSRF-Token": c.get("/api/v1/session").json()["csrf_token"]},
        ).text,
    ]
    for html in pages:
        for n in names:
            assert n not in html
        assert "SYN-" not in html  # record numbers
