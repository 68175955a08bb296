"""The case and assessment page (web/case.py): the form stores a case and its assessment through
the registry, "not recorded" stays not recorded, bad input gives one line and stores nothing, a
red flag withholds treatment on the page, roles, CSRF, audit, the API beside it."""

from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy import func, select
from starlette.datastructures import FormData

from hemispasm.registry import models as m

# a one-sided periocular picture with a mass on MRI (SYNTHETIC case, written for the test)
MASS = {
    "visit_date": "2026-11-20",
    "age": "58",
    "sex": "female",
    "side": "left",
    "onset_age": "52",
    "first_muscle": "orbicularis_oculi",
    "spread_to": ["zygomaticus"],
    "spasm_type": "clonic",
    "facial_weakness": "no",
    "hearing_loss": "no",
    "tinnitus": "",  # not recorded
    "other_babinski_sign": "yes",
    "mri": "mass_lesion",
    "treatment_rows": "2",
}


def _pid(c) -> str:
    return c.get("/api/v1/patients").json()["patients"][0]["id"]


def _post(c, h, pid, data, **kw):
    return c.post(
        f"/patients/{pid}/case",
        data={"csrf_token": h["X-CSRF-Token"], **data},
        follow_redirects=False,
        **kw,
    )


def _count(reg, model=m.Case) -> int:
    with reg.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _errors(html: str) -> list[str]:
    return re.findall(r'id="case-error">([^<]*)<', html)


def test_form_stores_case_and_shows_red_flag_withholding_treatment(as_role, reg):
    c, h = as_role("clinician")
    pid = _pid(c)
    form = c.get(f"/patients/{pid}/case")
    assert form.status_code == 200 and "no stored case yet" in form.text
    for title in ("History", "Examination", "Head and neck warning signs", "Imaging and EMG"):
        assert f"<h2>{title}</h2>" in form.text
    assert "Treatment so far" in form.text
    r = _post(c, h, pid, MASS)
    assert r.status_code == 303, r.text[:300]
    case_id = int(r.headers["location"].rsplit("/", 1)[1])
    with reg.read_session() as s:
        row = s.get(m.Case, case_id)
        assert row.patient_id == pid and row.visit.date.isoformat() == "2026-11-20"
        assert row.source_name == "web form"
        assert row.data["mri"] == "mass_lesion" and row.data["hearing_loss"] is False
        assert row.assessment["leading_diagnosis"] == "secondary_hfs_cpa_lesion"
    page = c.get(r.headers["location"]).text
    # red flag first, prominently; MVD and toxin withheld; the reasons carry rule ids + sources
    flags = page.index('id="red-flags"')
    assert flags < page.index('id="differential"') < page.index('id="treatment"')
    assert 'class="flag urgent"' in page and "URGENT" in page
    assert "possible structural lesion" in page
    assert "Withheld:" in page and "MVD and botulinum toxin are not offered" in page
    assert "[han2009]" in page
    treatment = page[page.index('id="treatment"') : page.index('id="workup"')]
    assert "treat the underlying lesion" in treatment
    assert "Injection plan" not in treatment
    options = re.findall(r"<li><strong>([^<]+)</strong> — ", treatment)
    assert options == ["treat the underlying lesion (neurosurgical assessment)"]
    assert re.search(r"\[[A-Z]\.[a-z_.]+ · [a-z0-9_]+\]", page)  # [rule id · source]
    assert "hemispasm does not diagnose or prescribe" in page
    # the patient page's brief summary: leading diagnosis and the red flag
    brief = c.get(f"/patients/{pid}/case/latest").text
    assert "Secondary hemifacial spasm" in brief and "URGENT" in brief
    assert f"/cases/{case_id}" in brief


def test_not_recorded_stays_not_recorded(as_role, reg):
    from hemispasm.clinic.assess import missing_fields
    from hemispasm.clinic.case import case_from_dict
    from hemispasm.web.case_form import case_mapping_from_form, form_values

    # the form mapping: yes/no become true/false; "not recorded" leaves the field out
    form = FormData(
        [
            ("hearing_loss", "no"),
            ("tinnitus", ""),
            ("neck_mass", "yes"),
            ("other_cranial_nerve_signs__state", ""),
            ("treatment_rows", "0"),
        ]
    )
    data = case_mapping_from_form(form)
    assert data == {"hearing_loss": False, "neck_mass": True}
    none = case_mapping_from_form(FormData([("other_cranial_nerve_signs__state", "none")]))
    assert none == {"other_cranial_nerve_signs": []}
    some = case_mapping_from_form(
        FormData([("other_cranial_nerve_signs__state", "some"), ("other_cranial_nerve_signs", "V")])
    )
    assert some == {"other_cranial_nerve_signs": ["V"]}

    c, h = as_role("clinician")
    pid = _pid(c)
    r = _post(c, h, pid, MASS)
    assert r.status_code == 303
    case_id = int(r.headers["location"].rsplit("/", 1)[1])
    with reg.read_session() as s:
        row = s.get(m.Case, case_id)
        stored, assessment = row.data, row.assessment
    assert stored.get("tinnitus") is None and stored["hearing_loss"] is False
    assert "other_cranial_nerve_signs" not in stored  # not "none": not recorded
    labels = assessment["red_flags_not_assessed"]
    assert "tinnitus" in labels and not any("hearing" in x for x in labels)
    assert any("cranial nerves" in x for x in labels)
    # read back from the registry, the stored case still tells not recorded from absent
    not_assessed, _ = missing_fields(case_from_dict(stored))
    assert not_assessed == labels
    vals = form_values(stored)
    assert vals["tinnitus"] == "" and vals["hearing_loss"] == "no" and vals["neck_mass"] == ""
    assert vals["other_cranial_nerve_signs__state"] == ""
    # the prefilled form shows it: tinnitus "not recorded" checked, hearing loss "no" checked
    html = c.get(f"/patients/{pid}/case").text
    assert "prefilled from the case of <strong>2026-11-20</strong>" in html
    assert re.search(r'name="tinnitus" value="" checked', html)
    assert re.search(r'name="hearing_loss" value="no" checked', html)
    assert not re.search(r'name="tinnitus" value="no" checked', html)
    page = c.get(f"/cases/{case_id}").text
    assert "Red flags not assessed" in page and "tinnitus" in page
    # recording "none" for the other cranial nerves takes it off the not-assessed list
    r = _post(
        c,
        h,
        pid,
        {**MASS, "visit_date": "2026-11-27", "other_cranial_nerve_signs__state": "none"},
    )
    a = c.get(f"/api/v1/cases/{r.headers['location'].rsplit('/', 1)[1]}").json()["assessment"]
    assert not any("cranial nerves" in x for x in a["red_flags_not_assessed"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"age": "200"}, "age"),
        ({"side": "middle"}, "side"),
        ({"onset_age": "70"}, "onset_age"),  # older at onset than today
        ({"t0_doses": "25", "t0_date": "2026-01-05"}, "treatments[0].type"),
        ({"t0_type": "botulinum_toxin", "t0_doses": "5000"}, "treatments[0]"),
        ({"t0_type": "carbamazepine", "t0_date": "2099-01-01"}, "treatments[0]"),
        ({"other_cranial_nerve_signs__state": "some"}, "other_cranial_nerve_signs"),
        ({"scale_jankovic_severity": "3"}, "scales.jankovic"),
        ({"visit_date": "yesterday"}, "visit date"),
    ],
)
def test_bad_input_one_line_and_nothing_stored(as_role, reg, change, field):
    c, h = as_role("clinician")
    pid = _pid(c)
    before = (_count(reg), _count(reg, m.Visit), _count(reg, m.AuditEvent))
    r = _post(c, h, pid, {**MASS, **change})
    assert r.status_code == 422
    errs = _errors(r.text)
    assert len(errs) == 1, errs
    line = errs[0].replace("&#39;", "'")
    assert field in line and "\n" not in line and "Traceback" not in r.text
    assert line.rstrip().endswith("save again.")
    # what was typed is kept in the form
    assert 'name="age" value="' + {**MASS, **change}["age"] + '"' in r.text
    # nothing stored: no case, no visit, no audit row other than the read of the form page
    after = (_count(reg), _count(reg, m.Visit))
    assert after == before[:2]
    with reg.read_session() as s:
        new = s.scalars(select(m.AuditEvent).where(m.AuditEvent.id > before[2])).all()
    assert {e.action for e in new} <= {"read"}


def test_second_case_at_a_visit_needs_a_reason(as_role, reg):
    c, h = as_role("clinician")
    pid = _pid(c)
    first = _post(c, h, pid, MASS)
    assert first.status_code == 303
    again = _post(c, h, pid, {**MASS, "mri": "neurovascular_conflict"})
    assert again.status_code == 422 and "reason" in _errors(again.text)[0]
    fixed = _post(
        c, h, pid, {**MASS, "mri": "neurovascular_conflict", "reason": "MRI report corrected"}
    )
    assert fixed.status_code == 303
    assert fixed.headers["location"] == first.headers["location"]  # the same visit's case
    case_id = int(first.headers["location"].rsplit("/", 1)[1])
    with reg.read_session() as s:
        row = s.get(m.Case, case_id)
        assert row.data["mri"] == "neurovascular_conflict"
        assert row.assessment["leading_diagnosis"] == "hemifacial_spasm"
        upd = s.scalars(
            select(m.AuditEvent).where(
                m.AuditEvent.entity == "clinical_case", m.AuditEvent.action == "update"
            )
        ).all()
    assert upd and upd[-1].actor == "clinician1" and upd[-1].reason == "MRI report corrected"
    assert _count(reg) == 1
    page = c.get(f"/cases/{case_id}").text
    assert "Withheld:" not in page
    assert "microvascular decompression" in page.lower() or "MVD" in page


def _add_video_analysis(reg, pid: str, summary: dict) -> int:
    import hashlib

    with reg.transaction(actor="test") as s:
        v = m.Visit(patient_id=pid, date=__import__("datetime").date(2026, 11, 2))
        s.add(v)
        s.flush()
        rec = m.Recording(
            patient_id=pid,
            visit_id=v.id,
            sha256=hashlib.sha256(json.dumps(summary).encode()).hexdigest(),
            kind="video",
            suffix=".mp4",
            size_bytes=1,
            stored_path="x/synthetic.mp4",
        )
        s.add(rec)
        s.flush()
        an = m.Analysis(
            recording_id=rec.id,
            kind="video",
            method="test",
            summary=summary,
            hemispasm_version="test",
        )
        s.add(an)
        s.flush()
        return an.id


# a SYNTHETIC summary in the shape `hemispasm analyze` writes (sides, counts, regions)
SUMMARY = {
    "synthetic": True,
    "affected_side": "left",
    "sides": {
        "left": {
            "spasms_per_min": 7.5,
            "clonic_count": 9,
            "tonic_count": 0,
            "regions": ["orbicularis_oculi", "zygomaticus", "orbicularis_oris"],
        },
        "right": {"spasms_per_min": 0.0, "clonic_count": 0, "tonic_count": 0, "regions": []},
    },
}


def test_video_summary_is_offered_and_named(as_role, reg):
    c, h = as_role("clinician")
    pats = c.get("/api/v1/patients").json()["patients"]
    pid, other = pats[0]["id"], pats[1]["id"]
    aid = _add_video_analysis(reg, pid, SUMMARY)
    form = c.get(f"/patients/{pid}/case").text
    assert f'<option value="{aid}"' in form and "7.5 spasms/min left" in form
    data = {k: v for k, v in MASS.items() if k not in ("spread_to", "spasm_type", "mri")}
    r = _post(c, h, pid, {**data, "video_analysis_id": str(aid)})
    assert r.status_code == 303, _errors(r.text)
    page = c.get(r.headers["location"]).text
    assert f"Video summary used:</strong> registry video analysis {aid}" in page
    assert "spasm type = clonic" in page and "SYNTHETIC" in page
    a = c.get(f"/api/v1/cases/{r.headers['location'].rsplit('/', 1)[1]}").json()["assessment"]
    assert a["video"]["measured_fields"]["spread_to"] == ["zygomaticus", "orbicularis_oris"]
    assert a["provenance"]["parameters"]["video_analysis_id"] == aid
    # another patient's analysis is refused with one line
    bad = _post(c, h, other, {**MASS, "video_analysis_id": str(aid)})
    assert bad.status_code == 422 and "video_analysis_id" in _errors(bad.text)[0]


def test_roles_csrf_and_audit(as_role, reg):
    c, h = as_role("clinician")
    pid = _pid(c)
    case_id = int(_post(c, h, pid, MASS).headers["location"].rsplit("/", 1)[1])
    nurse, nh = as_role("nurse")
    assert nurse.get(f"/patients/{pid}/case").status_code == 403
    assert _post(nurse, nh, pid, MASS).status_code == 403
    assert nurse.get(f"/cases/{case_id}").status_code == 200
    assert "edit this case" not in nurse.get(f"/cases/{case_id}").text
    for role in ("researcher", "admin"):
        other, _ = as_role(role)
        assert other.get(f"/cases/{case_id}").status_code == 403
        assert other.get(f"/api/v1/patients/{pid}/cases").status_code == 403
        assert other.get(f"/patients/{pid}/case/latest").status_code == 403
    # CSRF: the form field or the header, else 403 and nothing stored
    n = _count(reg)
    r = c.post(f"/patients/{pid}/case", data={**MASS, "visit_date": "2026-11-21"})
    assert r.status_code == 403
    r = c.post(f"/api/v1/patients/{pid}/cases", json={"age": 50})
    assert r.status_code == 403 and _count(reg) == n
    # audit: the insert with the user, and the reads of the case pages
    c.get(f"/cases/{case_id}")
    c.get(f"/patients/{pid}/case")
    with reg.read_session() as s:
        ins = s.scalars(
            select(m.AuditEvent).where(
                m.AuditEvent.entity == "clinical_case", m.AuditEvent.action == "insert"
            )
        ).all()
        reads = s.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "read")).all()
    assert [e.actor for e in ins] == ["clinician1"]
    views = {(e.actor, (e.changes or {}).get("view")) for e in reads if e.patient_id == pid}
    assert ("clinician1", "case and assessment") in views
    assert ("clinician1", "case form") in views
    assert ("nurse1", "case and assessment") in views


def test_patient_page_links_the_case(as_role):
    c, _h = as_role("clinician")
    pid = _pid(c)
    page = c.get(f"/patients/{pid}").text
    assert (
        f'href="/patients/{pid}/case"' in page and f'hx-get="/patients/{pid}/case/latest"' in page
    )
    assert "No case stored yet" in c.get(f"/patients/{pid}/case/latest").text
    nurse, _ = as_role("nurse")
    npage = nurse.get(f"/patients/{pid}").text
    assert f'href="/patients/{pid}/case"' not in npage and "case/latest" in npage
    researcher, _ = as_role("researcher")
    assert "case/latest" not in researcher.get(f"/patients/{pid}").text


def test_api_cases(as_role, reg, caplog):
    c, h = as_role("clinician")
    pid = _pid(c)
    url = f"/api/v1/patients/{pid}/cases"
    secret = "Lives at 12 Example Street"
    with caplog.at_level(logging.DEBUG):
        bad = c.post(url, json={"age": 300, "notes": secret}, headers=h)
        assert bad.status_code == 422
        assert "age" in bad.json()["error"] and "\n" not in bad.json()["error"]
        for body, field in (
            ({"hearing_los": True}, "did you mean 'hearing_loss'"),
            ({"identity": {"name": "X"}}, "identity"),
            ({"video_summary": "/etc/passwd"}, "video_summary"),
            ({"visit_date": "soon"}, "visit_date"),
            ({"video_analysis_id": "1"}, "video_analysis_id"),
        ):
            r = c.post(url, json=body, headers=h)
            assert r.status_code == 422 and field in r.json()["error"], (body, r.text)
        assert c.post(url, json=[1, 2], headers=h).status_code == 422  # not an object
        assert _count(reg) == 0
        ok = c.post(
            url,
            json={
                "visit_date": "2026-10-01",
                "side": "right",
                "first_muscle": "orbicularis_oculi",
                "facial_weakness": False,
                "hearing_loss": False,
                "neck_mass": True,
                "notes": secret,
            },
            headers=h,
        )
    assert ok.status_code == 201, ok.text
    body = ok.json()
    assert body["visit_date"] == "2026-10-01" and body["case"]["case_id"] == pid
    assert any(f["label"] for f in body["assessment"]["red_flags"])
    assert secret not in caplog.text
    listed = c.get(url).json()["cases"]
    assert [x["id"] for x in listed] == [body["id"]] and listed[0]["red_flags"]
    assert c.get(f"/api/v1/cases/{body['id']}").json()["case"]["notes"] == secret
    nurse, nh = as_role("nurse")
    assert nurse.get(url).status_code == 200
    assert nurse.post(url, json={}, headers=nh).status_code == 403
    assert c.get("/api/v1/cases/999999").status_code == 400
    assert c.get("/api/v1/patients/HS-NOSUCH00/cases").status_code == 404


def test_video_summary_from_a_real_analysis(as_role, reg, shared, tmp_path):
    """A summary `hemispasm analyze` wrote for a shared real eye-aspect-ratio series (no spasm in
    it), stored as the patient's video analysis, feeds the assessment like --video-summary."""
    from hemispasm.cli import main

    series = shared("data/ear/ear_30fps_1min.csv")
    out = tmp_path / "analyze"
    assert main(["analyze", str(series), "--fps", "30", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    c, h = as_role("clinician")
    pid = _pid(c)
    aid = _add_video_analysis(reg, pid, summary)
    r = _post(c, h, pid, {**MASS, "video_analysis_id": str(aid)})
    assert r.status_code == 303, _errors(r.text)
    case_id = r.headers["location"].rsplit("/", 1)[1]
    video = c.get(f"/api/v1/cases/{case_id}").json()["assessment"]["video"]
    assert video["source_name"] == f"registry video analysis {aid}"
    assert set(video["sides"]) == {"left", "right"}
    assert all(s["spasms_per_min"] == 0.0 for s in video["sides"].values())
    assert video["affected_side"] is None and "side" not in video["measured_fields"]
    page = c.get(f"/cases/{case_id}").text
    assert f"registry video analysis {aid}" in page


def test_api_round_trip_keeps_not_recorded(as_role):
    """A stored case sent back through the API (as GET returns it) assesses the same: the
    fields it did not record are still not assessed."""
    c, h = as_role("clinician")
    pid = _pid(c)
    url = f"/api/v1/patients/{pid}/cases"
    first = c.post(
        url,
        json={"visit_date": "2026-09-01", "side": "left", "hearing_loss": False, "age": 61},
        headers=h,
    ).json()
    back = c.get(f"/api/v1/cases/{first['id']}").json()["case"]
    assert back["video_summary"] is None and "other_cranial_nerve_signs" not in back
    again = c.post(url, json={**back, "visit_date": "2026-09-08"}, headers=h)
    assert again.status_code == 201, again.text
    a1, a2 = first["assessment"], again.json()["assessment"]
    assert a2["red_flags_not_assessed"] == a1["red_flags_not_assessed"]
    assert any("cranial nerves" in x for x in a2["red_flags_not_assessed"])
    same_day = c.post(url, json={**back, "visit_date": "2026-09-08"}, headers=h)
    assert same_day.status_code == 422 and "reason" in same_day.json()["error"]
    fixed = c.post(url, json={**back, "visit_date": "2026-09-08", "reason": "typo"}, headers=h)
    assert fixed.status_code == 201 and fixed.json()["id"] == again.json()["id"]


class _Form:
    """The fields of the case form as a browser would submit them (stdlib HTML parser)."""

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        fields: list[tuple[str, str]] = []
        state: dict[str, object] = {"select": None, "chosen": None, "first": None, "area": None}

        class P(HTMLParser):
            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                name = a.get("name")
                if tag == "input" and name:
                    kind = a.get("type", "text")
                    if kind in ("radio", "checkbox"):
                        if "checked" in a:
                            fields.append((name, a.get("value") or ""))
                    else:
                        fields.append((name, a.get("value") or ""))
                elif tag == "select" and name:
                    state.update(select=name, chosen=None, first=None)
                elif tag == "option" and state["select"]:
                    value = a.get("value")
                    state["pending"] = value
                    if state["first"] is None:
                        state["first"] = value
                    if "selected" in a:
                        state["chosen"] = value
                elif tag == "textarea" and name:
                    state["area"] = name
                    fields.append((name, ""))

            def handle_data(self, data):
                if state.get("pending", 0) is None and state["select"]:
                    state["pending"] = data.strip()  # <option>3</option>: value is the text
                    if state["first"] is None:
                        state["first"] = state["pending"]
                if state["area"]:
                    fields[-1] = (fields[-1][0], data)

            def handle_endtag(self, tag):
                if tag == "option" and state["select"]:
                    state["pending"] = 0
                if tag == "select" and state["select"]:
                    chosen = state["chosen"] if state["chosen"] is not None else state["first"]
                    fields.append((state["select"], chosen or ""))
                    state["select"] = None
                if tag == "textarea":
                    state["area"] = None

        P().feed(html[html.index('id="case-form"') :])
        self.fields = fields


def _multi(pairs):
    """Form pairs as the test client takes them (a name with several values: a list)."""
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def _pid_with_toxin(c) -> str:
    for p in c.get("/api/v1/patients").json()["patients"]:
        t = c.get(f"/api/v1/patients/{p['id']}/timeline").json()
        if sum(bool(e["kind"] == "toxin_session" and e["date"]) for e in t["timeline"]) >= 2:
            return p["id"]
    raise AssertionError("no demo patient with two dated toxin sessions")


def test_treatment_so_far_starts_from_the_record_and_is_not_stored_twice(as_role, reg):
    c, _h = as_role("clinician")
    pid = _pid_with_toxin(c)
    with reg.read_session() as s:
        n_sessions = s.scalar(
            select(func.count()).select_from(m.ToxinSession).where(m.ToxinSession.patient_id == pid)
        )
    before = (_count(reg, m.ToxinSession), _count(reg, m.DrugCourse), _count(reg, m.Surgery))
    html = c.get(f"/patients/{pid}/case").text
    assert 'id="from-registry"' in html
    fields = _Form(html).fields
    assert ("t0_type", "botulinum_toxin") in fields or ("t0_type", "carbamazepine") in fields
    # the form as the browser submits it, untouched but for the visit date and two findings
    data = [(k, v) for k, v in fields if k not in ("visit_date", "side", "hearing_loss")]
    data += [("visit_date", "2026-11-25"), ("side", "left"), ("hearing_loss", "no")]
    r = c.post(f"/patients/{pid}/case", data=_multi(data), follow_redirects=False)
    assert r.status_code == 303, _errors(r.text)
    after = (_count(reg, m.ToxinSession), _count(reg, m.DrugCourse), _count(reg, m.Surgery))
    assert after == before  # nothing stored twice
    case_id = r.headers["location"].rsplit("/", 1)[1]
    a1 = c.get(f"/api/v1/cases/{case_id}").json()["assessment"]
    assert a1["treatment_course"]["toxin_sessions"] == n_sessions
    # the form prefilled from that case, submitted again unchanged for another visit: the same
    # assessment, nothing stored twice, and "not recorded" still not recorded
    again = _Form(c.get(f"/patients/{pid}/case").text).fields
    assert ("tinnitus", "") in again and ("hearing_loss", "no") in again
    data2 = [(k, v) for k, v in again if k != "visit_date"] + [("visit_date", "2026-11-26")]
    r2 = c.post(f"/patients/{pid}/case", data=_multi(data2), follow_redirects=False)
    assert r2.status_code == 303, _errors(r2.text)
    a2 = c.get(f"/api/v1/cases/{r2.headers['location'].rsplit('/', 1)[1]}").json()["assessment"]
    assert a2["red_flags_not_assessed"] == a1["red_flags_not_assessed"]
    assert a2["treatment_course"]["toxin_sessions"] == n_sessions
    assert a2["leading_diagnosis"] == a1["leading_diagnosis"]
    assert (_count(reg, m.ToxinSession), _count(reg, m.DrugCourse)) == before[:2]
