"""Pages: patient list and search, the timeline, the toxin session form and its sheet (HTML and
PDF from one template), user administration."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from webtools import login


def _pid_with_toxin(c):
    for p in c.get("/api/v1/patients").json()["patients"]:
        t = c.get(f"/api/v1/patients/{p['id']}/timeline").json()
        if any(e["kind"] == "toxin_session" for e in t["timeline"]):
            return p["id"], t
    raise AssertionError("no demo patient with toxin sessions")


def test_patient_list_and_search(as_role):
    c, h = as_role("clinician")
    page = c.get("/patients").text
    assert "Patients" in page and "New patient" in page
    pats = c.get("/api/v1/patients").json()["patients"]
    name = pats[0]["identity"]["name"]
    rows = c.post("/patients/search", data={"q": name}, headers={**h, "HX-Request": "true"}).text
    assert pats[0]["id"] in rows and "<html" not in rows
    none = c.post("/patients/search", data={"q": "no such person"}, headers=h).text
    assert "No patient matches" in none
    by_id = c.get(f"/api/v1/patients?q={pats[0]['id'][:6]}").json()
    assert any(p["id"] == pats[0]["id"] for p in by_id["patients"])
    # the API's query is in the URL: it matches ids only, never names
    assert c.get("/api/v1/patients", params={"q": name}).json()["total"] == 0


def test_timeline_shows_course(as_role):
    c, _ = as_role("nurse")
    pid, t = _pid_with_toxin(c)
    html = c.get(f"/patients/{pid}").text
    assert 'class="timeline"' in html and "Next injection due" in html
    n_sessions = sum(e["kind"] == "toxin_session" and e["date"] is not None for e in t["timeline"])
    assert html.count('<path d="M') >= n_sessions  # one marker per toxin session
    if t["schedule"]["next_due"]:
        assert f"next due {t['schedule']['next_due']}" in html
    assert ("WANING" in html) is t["waning"]
    assert "New patient" not in c.get("/patients").text  # nurses do not register patients


def test_toxin_form_submit_sheet_and_pdf(as_role):
    c, h = as_role("clinician")
    pid, _ = _pid_with_toxin(c)
    form = c.get(f"/patients/{pid}/toxin/new").text
    assert form.count('class="muscle"') == 14  # 7 muscles x 2 sides
    assert "Same as last session" in form and 'id="last-session"' in form
    tok = h["X-CSRF-Token"]
    r = c.post(
        f"/patients/{pid}/toxin",
        data={
            "csrf_token": tok,
            "date": "2026-12-02",
            "product_inn": "abobotulinumtoxinA",
            "lot": "L123",
            "units__orbicularis_oculi__left": "20",
            "points__orbicularis_oculi__left": "4",
            "units__zygomaticus__left": "5",
            "points__zygomaticus__left": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    sid = int(re.search(r"/toxin-sessions/(\d+)", r.headers["location"]).group(1))
    sheet = c.get(f"/toxin-sessions/{sid}").text
    assert "abobotulinumtoxinA" in sheet and "25 U" in sheet and "L123" in sheet
    pdf = c.get(f"/toxin-sessions/{sid}/sheet.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    t = c.get(f"/api/v1/patients/{pid}/timeline").json()
    assert any(e["kind"] == "toxin_session" and e["date"] == "2026-12-02" for e in t["timeline"])


def test_toxin_form_bad_input_one_line(as_role):
    c, h = as_role("nurse")
    pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
    tok = h["X-CSRF-Token"]
    empty = c.post(
        f"/patients/{pid}/toxin", data={"csrf_token": tok, "product_inn": "onabotulinumtoxinA"}
    )
    assert empty.status_code == 400 and "no injection" in empty.text
    bad = c.post(
        f"/patients/{pid}/toxin",
        data={"csrf_token": tok, "product_inn": "snake oil", "units__frontalis__left": "4"},
    )
    assert bad.status_code == 400 and "product" in bad.text
    api = c.post(
        f"/api/v1/patients/{pid}/toxin-sessions",
        headers=h,
        json={
            "date": "2026-12-01",
            "product_inn": "onabotulinumtoxinA",
            "injections": [{"muscle": "frontalis", "side": "up", "units": 4}],
        },
    )
    assert api.status_code == 422 and "side" in api.json()["error"]


def test_suggested_plan_from_a_stored_case(app, reg, tmp_path):
    import yaml

    from hemispasm.registry.importer import import_cases

    case = {
        "side": "left",
        "identity": {"name": "Plan Patient"},
        "visit_date": "2026-11-01",
        "first_muscle": "orbicularis_oculi",
        "spread_to": ["zygomaticus"],
    }
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(case))
    rep = import_cases(reg, path, actor="test").as_dict()
    pid = rep["imported"][0]["patient_id"]
    with TestClient(app) as c:
        login(c, "clinician1")
        form = c.get(f"/patients/{pid}/toxin/new").text
    assert "Decision support for a clinician" in form
    assert "orbicularis oculi</strong>" in form and "zygomaticus</strong>" in form


def test_admin_page_add_and_revoke(as_role, app):
    c, h = as_role("admin")
    assert "New user" in c.get("/admin/users").text
    r = c.post(
        "/admin/users",
        data={
            "csrf_token": h["X-CSRF-Token"],
            "username": "nurse2",
            "role": "nurse",
            "password": "another long password",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    with TestClient(app) as n:
        login(n, "nurse2", "another long password")
        assert n.get("/patients").status_code == 200
        c.post("/admin/users/nurse2/revoke", data={"csrf_token": h["X-CSRF-Token"]})
        assert n.get("/patients", follow_redirects=False).status_code == 303
