"""The MVD / LSR page: record an operation, upload its SYNTHETIC LSR recording (the EMG
simulator with a known disappearance), the job links it, the page marks the disappearance at
the sweep ``emg lsr`` finds; bad files, roles, CSRF and the audit trail."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from webtools import login, make_app

DISAPPEAR_AT = 25


@pytest.fixture(scope="module")
def lsr_edf(tmp_path_factory):
    """40 SYNTHETIC sweeps (2 s apart), the LSR gone from sweep 25; and its offline reading."""
    from hemispasm.emg import emg_lsr, emg_simulate_lsr, read_emg, write_edf

    sim = emg_simulate_lsr(n_sweeps=40, snr=8, disappear_at=DISAPPEAR_AT, seed=11)
    path = tmp_path_factory.mktemp("mvd") / "lsr.edf"
    write_edf(sim.recording, path)
    return path, emg_lsr(read_emg(path)).summary


@pytest.fixture
def jobs_app(reg, tmp_path):
    return make_app(reg, tmp_path, run_jobs=True)


def _pid(c):
    return c.get("/api/v1/patients").json()["patients"][0]["id"]


def _add_surgery(c, tok, pid, **kw):
    data = {"csrf_token": tok, "date": "2026-10-01", "side": "left", "vessels": "AICA, vein",
            "technique": "interposition (Teflon felt)", **kw}  # fmt: skip
    return c.post(f"/patients/{pid}/surgeries", data=data, follow_redirects=False)


def _wait_job(reg, sid, timeout_s=120.0):
    from hemispasm.web.mvd import _job_for, surgery_view

    pid = surgery_view(reg, sid)["patient_id"]
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        j = _job_for(reg, sid, pid)
        if j and j["status"] in ("done", "failed"):
            return j
        time.sleep(0.3)
    raise AssertionError(f"the LSR job of operation {sid} did not finish")


def _upload(c, tok, sid, path=None, content=None, name="patient name.edf"):
    body = content if content is not None else path.read_bytes()
    return c.post(
        f"/surgeries/{sid}/lsr",
        data={"csrf_token": tok},
        files={"file": (name, body, "application/octet-stream")},
        follow_redirects=False,
    )


def test_mvd_upload_marks_the_disappearance_at_the_right_sweep(jobs_app, reg, lsr_edf, tmp_path):
    from hemispasm.registry import models as m

    path, offline = lsr_edf
    assert abs(offline["disappearance_sweep"] - DISAPPEAR_AT) <= 1
    with TestClient(jobs_app) as c:
        tok = login(c, "clinician1")
        pid = _pid(c)
        r = _add_surgery(c, tok, pid)
        assert r.status_code == 303, r.text
        sid = int(re.fullmatch(r"/surgeries/(\d+)", r.headers["location"]).group(1))
        page = c.get(f"/surgeries/{sid}").text
        assert "No LSR recording is linked" in page and "AICA, vein" in page
        r = _upload(c, tok, sid, path)
        assert r.status_code == 303 and r.headers["location"] == f"/surgeries/{sid}"
        job = _wait_job(reg, sid)
        assert job["status"] == "done", job
        frag = c.get(f"/surgeries/{sid}/job", headers={"HX-Request": "true"})
        assert frag.headers.get("HX-Refresh") == "true"
        page = c.get(f"/surgeries/{sid}").text
        dis = offline["disappearance_sweep"]
        met = dis + offline["consecutive_sweeps"] - 1
        assert f'id="lsr-disappeared" data-sweep="{dis}"' in page
        assert f'id="lsr-criterion-met" data-sweep="{met}"' in page
        assert f"LSR disappeared at sweep {dis}" in page
        assert "Criterion <strong>complete-loss</strong>" in page and "amplitude-drop" in page
        assert "SYNTHETIC recording" in page
        assert re.search(rf'data-sweep="{dis}"><td>{dis}</td>.*?disappeared', page)
        assert re.search(rf'data-sweep="{met}"><td>{met}</td>.*?criterion met', page)
        # the red line is drawn at the x of that sweep's point
        x_line = re.search(r'<line x1="([\d.]+)"[^>]*id="lsr-disappeared"', page).group(1)
        pts = re.findall(r'<circle cx="([\d.]+)" cy="[\d.]+" r="[\d.]+" class="pt [^"]*">'
                         r"<title>sweep (\d+) ", page)  # fmt: skip
        assert dict((int(k), x) for x, k in pts)[dis] == x_line
        assert len(pts) == offline["sweeps"]
        csv = c.get(f"/surgeries/{sid}/sweeps.csv")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.strip().splitlines()
        assert lines[0].startswith("surgery_id,sweep,time_s,channel")
        assert len(lines) == 1 + offline["sweeps"] * len(offline["channels"])
        timeline = c.get(f"/patients/{pid}").text
        assert f'href="/surgeries/{sid}"' in timeline
    with reg.read_session() as s:
        sg = s.get(m.Surgery, sid)
        assert sg.lsr_recording_id == job["recording_id"] and sg.lsr_disappeared is True
        assert sg.offending_vessels == ["AICA", "vein"] and sg.side == "left"
        name = s.get(m.Patient, pid).identity.name
        rec = s.get(m.Recording, sg.lsr_recording_id)
        assert "patient name" not in rec.stored_path
        an = s.get(m.Analysis, job["analysis_id"])
        assert an.kind == "emg_lsr" and an.summary["disappearance_sweep"] == dis
    assert name not in csv.text
    assert list((tmp_path / "web" / "uploads").iterdir()) == []


def test_bad_files_one_line_and_nothing_left(jobs_app, reg, tmp_path):
    from sqlalchemy import func, select

    from hemispasm.emg import emg_simulate_bursts, write_edf
    from hemispasm.registry import models as m

    def n_rec():
        with reg.read_session() as s:
            return s.scalar(select(func.count()).select_from(m.Recording))

    before = n_rec()
    with TestClient(jobs_app) as c:
        tok = login(c, "clinician1")
        sid = int(_add_surgery(c, tok, _pid(c)).headers["location"].rsplit("/", 1)[1])
        r = _upload(c, tok, sid, content=b"not an EMG file at all\n" * 10, name="x.edf")
        assert r.status_code == 400
        assert "not a video or an EDF/BDF EMG recording" in r.text and "Traceback" not in r.text
        assert list((tmp_path / "web" / "uploads").iterdir()) == []
        # an EDF without stimuli: the job fails with one line, nothing is stored
        edf = tmp_path / "bursts.edf"
        write_edf(emg_simulate_bursts(duration_s=5, seed=2).recording, edf)
        assert _upload(c, tok, sid, edf).status_code == 303
        job = _wait_job(reg, sid)
        assert job["status"] == "failed" and "no stimulus found" in job["error"]
        page = c.get(f"/surgeries/{sid}").text
        assert "no stimulus found" in page
    assert n_rec() == before
    assert list((tmp_path / "web" / "uploads").iterdir()) == []
    with reg.read_session() as s:
        assert s.get(m.Surgery, sid).lsr_recording_id is None


def test_form_errors_are_one_line(as_role):
    c, h = as_role("clinician")
    tok = h["X-CSRF-Token"]
    pid = _pid(c)
    r = _add_surgery(c, tok, pid, date="2999-01-01")
    assert r.status_code == 400 and "in the future" in r.text
    assert _add_surgery(c, tok, pid, side="both").status_code == 400
    assert _add_surgery(c, tok, pid, date="").status_code == 400
    assert _add_surgery(c, tok, pid).status_code == 303
    r = _add_surgery(c, tok, pid)
    assert r.status_code == 400 and "already recorded" in r.text
    assert c.get("/surgeries/999999").status_code == 404


def test_roles_and_csrf(as_role, reg):
    from sqlalchemy import func, select

    from hemispasm.registry import models as m

    c, h = as_role("clinician")
    pid = _pid(c)
    sid = int(_add_surgery(c, h["X-CSRF-Token"], pid).headers["location"].rsplit("/", 1)[1])
    nurse, nh = as_role("nurse")
    assert nurse.get(f"/surgeries/{sid}").status_code == 200
    assert "Add the LSR recording" not in nurse.get(f"/surgeries/{sid}").text
    assert _add_surgery(nurse, nh["X-CSRF-Token"], pid, date="2026-01-02").status_code == 403
    assert _upload(nurse, nh["X-CSRF-Token"], sid, content=b"0       x").status_code == 403
    for role in ("researcher", "admin"):
        other, _ = as_role(role)
        assert other.get(f"/surgeries/{sid}").status_code == 403
        assert other.get(f"/surgeries/{sid}/sweeps.csv").status_code == 403
        assert other.get(f"/patients/{pid}/surgeries/new").status_code == 403
    with reg.read_session() as s:
        n = s.scalar(select(func.count()).select_from(m.Surgery))
    r = c.post(f"/patients/{pid}/surgeries", data={"date": "2026-02-03", "side": "left"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 403
    r = _add_surgery(c, "wrong-token", pid, date="2026-02-03")
    assert r.status_code == 403
    with reg.read_session() as s:
        assert s.scalar(select(func.count()).select_from(m.Surgery)) == n


def test_changes_and_reads_are_audited(as_role, reg):
    from sqlalchemy import select

    from hemispasm.registry import audit
    from hemispasm.registry import models as m

    c, h = as_role("clinician")
    pid = _pid(c)
    sid = int(_add_surgery(c, h["X-CSRF-Token"], pid).headers["location"].rsplit("/", 1)[1])
    nurse, _ = as_role("nurse")
    nurse.get(f"/surgeries/{sid}")
    with reg.read_session() as s:
        evs = s.scalars(select(m.AuditEvent).where(m.AuditEvent.patient_id == pid)).all()
        ins = [e for e in evs if e.entity == "surgery" and e.action == "insert"]
        assert ins and ins[-1].actor == "clinician1" and ins[-1].entity_id == str(sid)
        reads = [e for e in evs if e.action == "read" and e.actor == "nurse1"]
        assert any((e.changes or {}).get("view") == "surgery page" for e in reads)
        assert audit.verify_chain(s)["ok"]


def _sse(c, url, timeout_s=90.0):
    """Read a Server-Sent Events stream to its end: [(event, data)]."""
    import json

    out, event = [], None
    t0 = time.monotonic()
    with c.stream("GET", url) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                out.append((event, json.loads(line[6:])))
            assert time.monotonic() - t0 < timeout_s, "the event stream did not end"
    return out


def test_live_lsl_replay_is_followed_as_server_sent_events(as_role, reg):
    """`emg replay` core → LSL (machine only, loopback) → the page's live monitor (the
    `emg monitor` core) → SSE: every sweep, and the disappearance at the sweep `emg lsr` finds."""
    import threading
    import uuid
    from pathlib import Path

    from hemispasm.emg import emg_lsr, emg_simulate_lsr
    from hemispasm.emg.live import LOCAL_LSL_CFG, ensure_local_lsl, replay

    cfg = Path(ensure_local_lsl()).read_text()  # as tests/emg/test_emg_live.py: machine scope
    assert cfg == LOCAL_LSL_CFG or "ResolveScope = machine" in cfg
    sim = emg_simulate_lsr(n_sweeps=30, snr=6, disappear_at=18, interval_s=0.5, seed=11)
    offline = emg_lsr(sim.recording)
    c, h = as_role("clinician")
    tok = h["X-CSRF-Token"]
    sid = int(_add_surgery(c, tok, _pid(c)).headers["location"].rsplit("/", 1)[1])
    name = f"hemispasm-web-test-{uuid.uuid4().hex[:8]}"
    nurse, nh = as_role("nurse")
    r = nurse.post(f"/surgeries/{sid}/live", data={"csrf_token": nh["X-CSRF-Token"],
                   "stream": name}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 403  # nurses watch, clinicians start
    assert c.post(f"/surgeries/{sid}/live", data={"stream": name}).status_code == 403  # CSRF
    assert (
        c.post(f"/surgeries/{sid}/live", data={"csrf_token": tok, "stream": "a b"}).status_code
        == 400
    )
    t = threading.Thread(target=replay, args=(sim.recording, name),
                         kwargs={"speed": 5.0, "wait_s": 15.0})  # fmt: skip
    t.start()
    try:
        r = c.post(f"/surgeries/{sid}/live", data={"csrf_token": tok, "stream": name,
                   "idle_s": "1.5"}, follow_redirects=False)  # fmt: skip
        assert r.status_code == 303
        again = c.post(f"/surgeries/{sid}/live", data={"csrf_token": tok, "stream": name})
        assert again.status_code == 400 and "already running" in again.text
        page = nurse.get(f"/surgeries/{sid}/live").text
        assert f'data-events="/surgeries/{sid}/live/events"' in page and "live-stop" not in page
        events = _sse(nurse, f"/surgeries/{sid}/live/events")
    finally:
        t.join(timeout=60)
    sweeps = [d for e, d in events if e == "sweep"]
    changes = [d for e, d in events if e == "change"]
    status = [d for e, d in events if e == "status"]
    lsr = offline.sweeps[offline.sweeps.channel == offline.summary["lsr_channel"]]
    assert [s["sweep"] for s in sweeps] == list(range(len(lsr)))
    assert [s["present"] for s in sweeps] == [bool(v) for v in lsr.present]
    for s, a in zip(sweeps, lsr.amplitude_uv, strict=True):
        assert s["amplitude_uv"] == pytest.approx(a, abs=1e-3)
    dis = offline.summary["disappearance_sweep"]
    assert abs(dis - 18) <= 1
    assert changes[0]["change"] == "disappeared" and changes[0]["sweep"] == dis
    met = dis + offline.summary["consecutive_sweeps"] - 1
    assert met <= changes[0]["signalled_at_sweep"] <= met + 3
    assert changes[0]["criterion"] == "complete-loss"
    assert status[-1]["status"] == "ended" and status[-1]["summary"]["disappearance_sweep"] == dis
    assert status[-1]["summary"]["synthetic"] is True
    # a reconnecting browser resumes after the last event it saw
    n = len(events)
    rest = c.get(f"/surgeries/{sid}/live/events", headers={"Last-Event-ID": str(n - 2)})
    assert rest.text.count("event: ") == 1
    with reg.read_session() as s:
        from sqlalchemy import select

        from hemispasm.registry import models as m

        acts = s.scalars(select(m.AuditEvent.action).where(m.AuditEvent.entity == "lsr_live")).all()
        assert "start" in acts
    assert not list((Path(c.app.state.data_dir) / "live").iterdir())  # work folder removed


def test_live_stream_not_found_is_one_line(as_role):
    import uuid

    c, h = as_role("clinician")
    tok = h["X-CSRF-Token"]
    sid = int(_add_surgery(c, tok, _pid(c)).headers["location"].rsplit("/", 1)[1])
    from hemispasm.web import mvd_live

    mvd_live.RESOLVE_S, old = 0.5, mvd_live.RESOLVE_S
    try:
        name = f"hemispasm-web-none-{uuid.uuid4().hex[:8]}"
        assert c.post(f"/surgeries/{sid}/live", data={"csrf_token": tok, "stream": name},
                      follow_redirects=False).status_code == 303  # fmt: skip
        events = _sse(c, f"/surgeries/{sid}/live/events")
    finally:
        mvd_live.RESOLVE_S = old
    last = events[-1][1]
    assert last["status"] == "failed" and "not found on this machine" in last["error"]
    assert "\n" not in last["error"] and "Traceback" not in last["error"]


def test_live_stop_is_clean(as_role):
    import threading
    import uuid

    from hemispasm.emg import emg_simulate_lsr
    from hemispasm.emg.live import replay

    c, h = as_role("clinician")
    tok = h["X-CSRF-Token"]
    sid = int(_add_surgery(c, tok, _pid(c)).headers["location"].rsplit("/", 1)[1])
    sim = emg_simulate_lsr(n_sweeps=60, snr=6, interval_s=0.5, seed=4)  # 30 s at speed 1
    name = f"hemispasm-web-stop-{uuid.uuid4().hex[:8]}"
    halt = threading.Event()
    kw = {"speed": 1.0, "wait_s": 15.0, "should_stop": halt.is_set}
    t = threading.Thread(target=replay, args=(sim.recording, name), kwargs=kw)
    t.start()
    try:
        c.post(f"/surgeries/{sid}/live", data={"csrf_token": tok, "stream": name})
        mon = c.app.state.mvd_live.get(sid)
        t0 = time.monotonic()
        while not any(e["event"] == "sweep" for e in mon.events_since(0)):
            assert time.monotonic() - t0 < 60 and not mon.finished, mon.events_since(0)
            time.sleep(0.2)
        t_stop = time.monotonic()
        r = c.post(f"/surgeries/{sid}/live/stop", data={"csrf_token": tok}, follow_redirects=False)
        assert r.status_code == 303 and mon.finished
        assert time.monotonic() - t_stop < 5
    finally:
        halt.set()
        t.join(timeout=30)
    events = _sse(c, f"/surgeries/{sid}/live/events")
    last = events[-1][1]
    assert last["status"] == "stopped" and last["summary"]["sweeps"] >= 1
    assert 1 <= sum(e == "sweep" for e, _ in events) < 60
