"""The web app on a real PostgreSQL server (started by the tests, as for the registry)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from webtools import login, make_app, make_registry


def test_clinic_api_on_postgresql(pg_url, tmp_path):
    from hemispasm.registry.audit import verify_chain
    from hemispasm.web.jobs import JobRunner, create_job

    reg = make_registry(tmp_path, demo_patients=5, url=pg_url)
    try:
        assert reg.dialect == "postgresql"
        app = make_app(reg, tmp_path)
        with TestClient(app) as c, TestClient(app) as r:
            h = {"X-CSRF-Token": login(c, "clinician1")}
            pid = c.post(
                "/api/v1/patients",
                json={"name": "Pia Postgres", "sex": "female", "side": "left"},
                headers=h,
            ).json()["id"]
            ts = c.post(
                f"/api/v1/patients/{pid}/toxin-sessions",
                headers=h,
                json={
                    "date": "2026-12-01",
                    "product_inn": "onabotulinumtoxinA",
                    "injections": [
                        {"muscle": "orbicularis_oculi", "side": "left", "units": 12.5, "points": 5}
                    ],
                },
            )
            assert ts.status_code == 201
            t = c.get(f"/api/v1/patients/{pid}/timeline").json()
            assert any(e["kind"] == "toxin_session" for e in t["timeline"])
            assert c.get(f"/patients/{pid}").status_code == 200
            login(r, "researcher1")
            listing = r.get("/api/v1/patients").json()
            assert listing["total"] == 6 and all("identity" not in p for p in listing["patients"])
            assert "Pia Postgres" not in r.get(f"/patients/{pid}").text
        job = create_job(
            reg, patient_id=pid, visit_id=None, kind="video", upload_name="gone.mp4", actor="nurse1"
        )
        with reg.transaction() as s:
            from hemispasm.web.models import Job

            s.get(Job, job).status = "running"
        assert JobRunner(reg, tmp_path / "uploads").recover() == {"resumed": 0, "failed": 1}
        with reg.read_session() as s:
            trail = verify_chain(s)
        assert trail["ok"]
        assert any(e["action"] == "read" and e["actor"] == "clinician1" for e in trail["events"])
    finally:
        reg.dispose()
