"""Home recording links: one-time, expiring, single use; the page needs no account and reaches
nothing else; the upload lands in that patient's record as a job."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient


def _link(c, h, pid):
    page = c.post(f"/patients/{pid}/home-link", data={"csrf_token": h["X-CSRF-Token"]}).text
    return re.search(r'value="(http://testserver/home/[^"]+)"', page).group(1)


def test_link_once_then_refused(as_role, app, reg, synth_video):
    from hemispasm.web.models import Job

    c, h = as_role("nurse")
    pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
    url = _link(c, h, pid)
    token = url.rsplit("/", 1)[-1]
    with TestClient(app) as anon:  # the patient: no account, no cookie
        page = anon.get(url)
        assert page.status_code == 200 and "Start the camera" in page.text
        assert pid not in page.text and "/patients" not in page.text  # nothing else reachable
        assert anon.get("/patients", follow_redirects=False).status_code == 303
        with synth_video.open("rb") as fh:
            r = anon.post(f"/home/{token}/upload", files={"file": ("rec.webm", fh)})
        assert r.status_code == 200 and r.json() == {"received": True}
        again = anon.post(f"/home/{token}/upload", files={"file": ("rec.mp4", b"x" * 10)})
        assert again.status_code == 404 and "not valid" in again.json()["error"]
        assert anon.get(url).status_code == 404
        assert anon.get("/home/not-a-token").status_code == 404
    with reg.read_session() as s:
        jobs = s.query(Job).all()
    assert len(jobs) == 1 and jobs[0].patient_id == pid and jobs[0].created_by == "home recording"


def test_expired_link_and_bad_file(as_role, app, reg):
    from hemispasm.web.models import HomeLink

    c, h = as_role("clinician")
    pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
    token = _link(c, h, pid).rsplit("/", 1)[-1]
    with TestClient(app) as anon:
        bad = anon.post(f"/home/{token}/upload", files={"file": ("r.webm", b"not a video" * 9)})
        assert bad.status_code == 400 and "not a video" in bad.json()["error"]
        assert anon.get(f"/home/{token}").status_code == 200  # a bad file does not spend it
        with reg.transaction() as s:
            for link in s.query(HomeLink):
                link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        assert anon.get(f"/home/{token}").status_code == 404


def test_researcher_cannot_make_links(as_role):
    c, h = as_role("researcher")
    pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
    r = c.post(f"/patients/{pid}/home-link", data={"csrf_token": h["X-CSRF-Token"]})
    assert r.status_code == 403


def test_home_page_follows_the_provocation_protocol(as_role, app):
    from hemispasm.events.tasks import STANDARD_PROTOCOL

    c, h = as_role("nurse")
    pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
    url = _link(c, h, pid)
    with TestClient(app) as anon:
        page = anon.get(url).text
    for task in STANDARD_PROTOCOL.tasks:  # every task's instruction, in order, on the page
        assert task.instruction in page
    assert 'data-tasks="[{&#34;' in page  # the timing data, escaped for the attribute
    assert "&#34;task&#34;: &#34;rest&#34;" in page


def _wait_analysis(reg, job_id, timeout_s=240.0):
    import time

    from hemispasm.web.models import Job

    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        with reg.read_session() as s:
            j = s.get(Job, job_id)
            if j.status in ("done", "failed"):
                return j.status, j.error, j.analysis_id
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish")


def test_home_upload_with_task_segments_gives_per_task_rates(reg, tmp_path, synth_video):
    import json

    from webtools import login, make_app

    from hemispasm.registry.models import Analysis
    from hemispasm.web.models import Job

    app = make_app(reg, tmp_path, run_jobs=True)
    uploads = tmp_path / "web" / "uploads"
    with TestClient(app) as c:
        tok = login(c, "nurse1")
        pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
        h = {"X-CSRF-Token": tok}
        token = _link(c, h, pid).rsplit("/", 1)[-1]
        anon = TestClient(app)  # the patient: no cookie (not a second lifespan: jobs keep running)
        bad = anon.post(
            f"/home/{token}/upload",
            files={"file": ("rec.webm", synth_video.read_bytes())},
            data={"tasks": '[{"task": "rest", "start_s": 4, "end_s": 1}]'},
        )
        assert bad.status_code == 400 and "task" in bad.json()["error"]
        assert "\n" not in bad.json()["error"]
        assert anon.get(f"/home/{token}").status_code == 200  # not spent
        segments = [
            {"task": "rest", "start_s": 0.0, "end_s": 3.0},
            {"task": "smiling", "start_s": 3.0, "end_s": 6.0},
        ]
        ok = anon.post(
            f"/home/{token}/upload",
            files={"file": ("rec.webm", synth_video.read_bytes())},
            data={"tasks": json.dumps(segments)},
        )
        assert ok.status_code == 200 and ok.json() == {"received": True}
        with reg.read_session() as s:
            job_id = s.query(Job).filter_by(created_by="home recording").one().id
        status, error, analysis_id = _wait_analysis(reg, job_id)
        assert status == "done", error
    with reg.read_session() as s:
        summary = s.get(Analysis, analysis_id).summary
    assert [r["task"] for r in summary["tasks"]["segments"]] == ["rest", "smiling"]
    assert not any(uploads.iterdir())  # the upload and its sidecar are gone after the job
