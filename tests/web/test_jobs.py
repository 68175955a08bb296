"""Uploads and analysis jobs: a real synthetic video and a real shared clip analysed off the
request by the registry's ``add_recording`` (the CLI's ``record add``); bad files refused with
nothing left behind; jobs of a stopped server resumed or failed with the reason."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from webtools import login, make_app


def _wait(c, job_id, timeout_s=240.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        j = c.get(f"/api/v1/jobs/{job_id}").json()
        if j["status"] in ("done", "failed"):
            return j
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish: {j}")


@pytest.fixture
def jobs_app(reg, tmp_path):
    return make_app(reg, tmp_path, run_jobs=True)


def test_synthetic_video_upload_is_analysed(jobs_app, reg, synth_video, tmp_path):
    from hemispasm.registry.recordings import analyse_video

    with TestClient(jobs_app) as c:
        tok = login(c, "nurse1")
        pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
        with synth_video.open("rb") as fh:
            r = c.post(
                f"/api/v1/patients/{pid}/recordings",
                files={"file": ("patient name.mp4", fh, "video/mp4")},
                headers={"X-CSRF-Token": tok},
            )
        assert r.status_code == 202, r.text
        job = _wait(c, r.json()["job_id"])
        assert job["status"] == "done", job
        assert job["summary"]["synthetic"] is True and job["progress"] == 1.0
        assert job["recording_id"] and job["analysis_id"]
        page = c.get(f"/jobs/{job['id']}").text
        assert "Report" in page and "SYNTHETIC" in page
    # the same numbers as the CLI's analysis path on the same file
    _, direct = analyse_video(synth_video)
    with reg.read_session() as s:
        from hemispasm.registry.models import Analysis, Recording

        an = s.get(Analysis, job["analysis_id"])
        rec = s.get(Recording, job["recording_id"])
        assert an.summary["blink_count"] == direct["summary"]["blink_count"]
        assert an.summary["sides"] == direct["summary"]["sides"]
        assert "patient name" not in rec.stored_path and rec.stored_path.endswith(".mp4")
    assert list((tmp_path / "web" / "uploads").iterdir()) == []  # the upload is gone


def test_real_clip_upload_from_the_visit_form(jobs_app, shared):
    import re

    clip = shared("data/video/blink_2s_360p.mp4")
    with TestClient(jobs_app) as c:
        tok = login(c, "clinician1")
        pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
        with clip.open("rb") as fh:
            r = c.post(
                f"/patients/{pid}/recordings",
                data={"csrf_token": tok, "visit_date": "2026-12-01"},
                files={"file": ("clip.mp4", fh, "video/mp4")},
                follow_redirects=False,
            )
        assert r.status_code == 303
        job_id = int(re.search(r"/jobs/(\d+)", r.headers["location"]).group(1))
        job = _wait(c, job_id)
        assert job["status"] == "done" and job["visit_id"] is not None
        assert job["summary"]["blink_count"] >= 1
        timeline = c.get(f"/api/v1/patients/{pid}/timeline").json()
        visit = next(v for v in timeline["visits"] if v["visit_id"] == job["visit_id"])
        assert visit["date"] == "2026-12-01" and len(visit["video"]) == 1


@pytest.mark.parametrize(
    "content,name,message",
    [
        (b"%PDF-1.4 not a video at all" * 10, "scan.mp4", "not a video"),
        (b"", "empty.mp4", "empty"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 3000, "big.mp4", "larger than the limit"),
    ],
)
def test_bad_upload_one_message_nothing_left(reg, tmp_path, content, name, message):
    app = make_app(reg, tmp_path, max_upload_mb=0.001)
    with TestClient(app) as c:
        tok = login(c, "nurse1")
        pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
        r = c.post(
            f"/api/v1/patients/{pid}/recordings",
            files={"file": (name, content)},
            headers={"X-CSRF-Token": tok},
        )
        assert r.status_code == 400 and message in r.json()["error"]
        page = c.post(
            f"/patients/{pid}/recordings", data={"csrf_token": tok}, files={"file": (name, content)}
        )
        assert page.status_code == 400 and message in page.text and "Traceback" not in page.text
    assert list((tmp_path / "web" / "uploads").iterdir()) == []
    from hemispasm.web.models import Job

    with reg.read_session() as s:
        assert s.query(Job).count() == 0


def test_unreadable_video_fails_the_job_with_a_reason(jobs_app, tmp_path):
    with TestClient(jobs_app) as c:
        tok = login(c, "nurse1")
        pid = c.get("/api/v1/patients").json()["patients"][0]["id"]
        junk = b"\x00\x00\x00\x18ftypmp42" + b"\x13" * 5000  # MP4 magic, no video inside
        r = c.post(
            f"/api/v1/patients/{pid}/recordings",
            files={"file": ("x.mp4", junk)},
            headers={"X-CSRF-Token": tok},
        )
        job = _wait(c, r.json()["job_id"])
    assert job["status"] == "failed" and job["error"] and "Traceback" not in job["error"]
    assert list((tmp_path / "web" / "uploads").iterdir()) == []


def test_jobs_survive_a_restart(reg, tmp_path):
    from hemispasm.registry.patients import list_patients
    from hemispasm.web.jobs import JobRunner, create_job
    from hemispasm.web.models import Job

    pid = list_patients(reg)[0]["id"]
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "kept.mp4").write_bytes(b"x")
    kept = create_job(
        reg, patient_id=pid, visit_id=None, kind="video", upload_name="kept.mp4", actor="nurse1"
    )
    lost = create_job(
        reg, patient_id=pid, visit_id=None, kind="video", upload_name="lost.mp4", actor="nurse1"
    )
    with reg.transaction() as s:  # the server died while both were running
        for j in s.query(Job):
            j.status, j.attempts = "running", 1
    out = JobRunner(reg, uploads).recover()
    assert out == {"resumed": 1, "failed": 1}
    with reg.read_session() as s:
        k, lo = s.get(Job, kept), s.get(Job, lost)
        assert k.status == "queued" and "resumed" in k.stage
        assert lo.status == "failed" and "upload the recording again" in lo.error
