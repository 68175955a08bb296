"""Every identifying read and every change lands in the registry's audit trail with the user;
no identifying data in the logs of a full session, in URLs, or in error pages."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient
from webtools import login

from hemispasm.registry.audit import verify_chain


def _events(reg):
    with reg.read_session() as s:
        return verify_chain(s)


def test_reads_and_changes_are_audited_with_the_user(app, reg):
    before = _events(reg)["n_events"]
    with TestClient(app) as c:
        tok = login(c, "clinician1")
        h = {"X-CSRF-Token": tok}
        pid = c.post(
            "/api/v1/patients",
            json={
                "name": "Mara Quist",
                "birth_date": "1961-03-04",
                "sex": "female",
                "side": "right",
            },
            headers=h,
        ).json()["id"]
        c.get(f"/patients/{pid}")
        c.get(f"/api/v1/patients/{pid}")
        c.post(
            f"/api/v1/patients/{pid}/toxin-sessions",
            headers=h,
            json={
                "date": "2026-12-01",
                "product_inn": "incobotulinumtoxinA",
                "injections": [{"muscle": "orbicularis_oculi", "side": "right", "units": 10}],
            },
        )
    trail = _events(reg)
    assert trail["ok"]
    new = [e for e in trail["events"]][before:]
    by = {(e["action"], e["entity"]) for e in new if e["actor"] == "clinician1"}
    assert ("insert", "patient") in by and ("insert", "patient_identity") in by
    assert ("insert", "toxin_session") in by and ("insert", "toxin_injection") in by
    reads = [e for e in new if e["action"] == "read" and e["patient_id"] == pid]
    assert {e["changes"]["view"] for e in reads} >= {"patient timeline", "patient (api)"}
    assert all(e["actor"] == "clinician1" for e in reads)
    assert "Mara Quist" not in str(new)  # identities are redacted in the trail itself
    logins = [e for e in new if e["entity"] == "web_session"]
    assert logins and logins[0]["actor"] == "clinician1"


def test_researcher_reads_are_not_identifying(app, reg):
    with TestClient(app) as c:
        login(c, "researcher1")
        before = _events(reg)["n_events"]
        pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
        c.get(f"/patients/{pid}")
    new = _events(reg)["events"][before:]
    assert not [e for e in new if e["action"] == "read"]


def test_no_identity_in_logs_urls_or_errors(app, caplog):
    name, mrn = "Quentin Zephyrine", "MRN-778899"
    caplog.set_level(logging.DEBUG)
    urls: list[str] = []
    with TestClient(app) as c:
        c.event_hooks["request"] = [lambda req: urls.append(str(req.url))]
        tok = login(c, "clinician1")
        h = {"X-CSRF-Token": tok}
        r = c.post(
            "/patients",
            data={"name": name, "mrn": mrn, "birth_date": "1955-05-05", "csrf_token": tok},
        )
        pid = str(r.url).rsplit("/", 1)[-1]
        assert name in r.text  # the clinician sees it on the page
        c.post("/patients/search", data={"q": name.split()[0], "csrf_token": tok})
        c.post("/patients", data={"name": name, "mrn": mrn, "csrf_token": tok})  # duplicate MRN
        dup = c.post("/api/v1/patients", json={"name": name, "mrn": mrn}, headers=h)
        assert dup.status_code == 400 and mrn not in dup.text and name not in dup.text
        c.get(f"/patients/{pid}/toxin/new")
        c.post(
            f"/patients/{pid}/toxin",
            data={
                "csrf_token": tok,
                "date": "2026-12-01",
                "product_inn": "onabotulinumtoxinA",
                "units__frontalis__left": "4",
            },
        )
        c.post(
            f"/patients/{pid}/recordings",
            data={"csrf_token": tok},
            files={"file": (f"{name}.mp4", b"not a video")},
        )
    text = caplog.text + "\n".join(urls)
    assert caplog.records  # the app did log
    for secret in (name, "Quentin", "Zephyrine", mrn, "1955-05-05"):
        assert secret not in text, secret
