"""The cohort page, its CSV and its JSON API (TestClient, the SYNTHETIC demo cohort): no
identifying field anywhere, roles, filters, bad filter values, the audit row."""

from __future__ import annotations

import csv
import html
import io
import logging

import pytest
from fastapi.testclient import TestClient
from webtools import login

ROUTES = ("/cohort", "/cohort.csv", "/api/v1/cohort")


@pytest.fixture
def identities(reg):
    """Every name, birth date, record number and registry id of the fixture patients."""
    from sqlalchemy import select

    from hemispasm.registry import models as m

    with reg.read_session() as s:
        rows = s.execute(
            select(m.PatientIdentity.name, m.PatientIdentity.birth_date, m.PatientIdentity.mrn)
        ).all()
        ids = list(s.scalars(select(m.Patient.id)))
    values = [r.name for r in rows] + [str(r.birth_date) for r in rows] + [r.mrn for r in rows]
    assert len(rows) == 8 and all(values)
    return values + ids


def test_researcher_sees_no_identifying_field(as_role, identities, caplog):
    caplog.set_level(logging.DEBUG)
    c, _ = as_role("researcher")
    bodies = [c.get(path) for path in ROUTES]
    bodies += [c.get(path, params={"side": "left", "synthetic": "yes"}) for path in ROUTES]
    for r in bodies:
        assert r.status_code == 200, r.text[:200]
        for value in identities:
            assert value not in r.text, value
    for value in identities:
        assert value not in caplog.text
    assert "SYN-" not in bodies[0].text and "Synthetic Patient" not in bodies[0].text


def test_page_csv_and_api_agree(as_role):
    c, _ = as_role("researcher")
    api = c.get("/api/v1/cohort").json()
    assert api["registry_patients"] == 8 and api["registry_synthetic"] == 8
    assert api["n_patients"]["value"] == 8
    html = c.get("/cohort").text
    assert "8 of 8 patients" in html
    assert "the registry holds 8 synthetic patients" in html
    assert html.count("<svg") >= 3 and "<script>" not in html  # server-drawn, no inline script
    r = c.get("/cohort.csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert set(rows[0]) == {"section", "key", "kind", "label", "lo", "hi", "value", "unit"}
    assert {x["kind"] for x in rows} <= {"meta", "filter", "n", "bin", "cell", "quantile", "share"}
    n = next(x for x in rows if x["section"] == "meta" and x["label"] == "patients")
    assert n["value"] == "8"
    # aggregates only: a cohort 4 times larger gives the same number of rows
    assert len(rows) < 200


def test_filters(as_role):
    c, _ = as_role("clinician")
    every = c.get("/api/v1/cohort").json()
    left = c.get("/api/v1/cohort", params={"side": "left"}).json()
    right = c.get("/api/v1/cohort", params={"side": "right"}).json()
    assert left["filters"] == {"side": "left"}
    real = c.get("/api/v1/cohort", params={"synthetic": "no"}).json()
    assert real["filters"] == {"synthetic": False} and real["n_patients"]["value"] == 0
    assert real["registry_synthetic"] == 8  # the registry still says it holds synthetic ones
    ns = [x["n_patients"]["value"] for x in (left, right)]
    assert every["n_patients"]["value"] == 8
    # each side's n is a number (>= 5) or suppressed; together no more than the whole cohort
    assert sum(v or 0 for v in ns) <= 8
    page = c.get("/cohort", params={"side": "left", "treatment": "toxin", "sex": ""}).text
    assert '<option value="left" selected>' in page and '<option value="toxin" selected>' in page
    assert "/cohort.csv?side=left&amp;treatment=toxin" in page
    csv_rows = c.get("/cohort.csv", params={"onset": "45-59"}).text
    assert "meta,,filter,onset,,,45-59," in csv_rows
    for band in ("0-29", "30-44", "45-59", "60-74", "75+"):
        assert c.get("/api/v1/cohort", params={"onset": band}).status_code == 200


@pytest.mark.parametrize("path", ROUTES)
def test_bad_filter_value_is_422_with_one_line(as_role, path):
    c, _ = as_role("researcher")
    r = c.get(path, params={"side": "up"})
    assert r.status_code == 422
    msg = r.json()["error"] if path.startswith("/api/") else html.unescape(r.text)
    assert "side: 'up' is not one of left, right, bilateral" in msg
    if path.startswith("/api/"):
        assert "\n" not in msg
    r = c.get(path, params={"synthetic": "maybe"})
    assert r.status_code == 422
    assert "synthetic: 'maybe' is not one of yes, no" in html.unescape(r.text)


def test_roles(app):
    for role, allowed in (
        ("researcher", True),
        ("clinician", True),
        ("nurse", False),
        ("admin", False),
    ):
        with TestClient(app) as c:
            login(c, f"{role}1")
            for path in ROUTES:
                r = c.get(path, follow_redirects=False)
                assert (r.status_code == 200) == allowed, (role, path, r.status_code)
                if not allowed:
                    assert r.status_code == 403
            nav = c.get("/patients" if role != "admin" else "/admin/users").text
            assert ('href="/cohort"' in nav) == allowed, role
    with TestClient(app) as c:
        assert c.get("/cohort", follow_redirects=False).headers["location"] == "/login"
        assert c.get("/api/v1/cohort").status_code == 401


def test_cohort_read_is_audited(as_role, reg):
    from sqlalchemy import select

    from hemispasm.registry import models as m

    c, _ = as_role("researcher")
    c.get("/cohort", params={"sex": "female", "onset": "45-59"})
    c.get("/cohort.csv")
    with reg.read_session() as s:
        rows = s.scalars(
            select(m.AuditEvent).where(m.AuditEvent.entity == "cohort").order_by(m.AuditEvent.id)
        ).all()
    assert [(r.actor, r.action, r.changes["view"]) for r in rows] == [
        ("researcher1", "read", "cohort page"),
        ("researcher1", "read", "cohort csv"),
    ]
    assert rows[0].changes["filters"] == {"sex": "female", "onset": "45-59"}
    assert rows[0].patient_id is None


def test_chart_geometry_hides_small_counts():
    """A hidden bin is drawn at a fixed small height, never at its count's height."""
    from hemispasm.web.cohort_svg import SUPPRESSED_H, bars, histogram

    dist = {
        "n": {"value": 30, "text": "30"},
        "unit": "years",
        "bins": [
            {"label": "a", "value": 20, "text": "20"},
            {"label": "b", "value": None, "text": "< 5"},
            {"label": "c", "value": None, "text": "hidden"},
            {"label": "d", "value": 0, "text": "0"},
        ],
        "quantiles": {"p10": 1, "p25": 2, "median": 3, "p75": 4, "p90": 5, "mean": 3},
    }
    g = histogram(dist)
    tall, small, hidden, zero = g["bars"]
    assert small["h"] == hidden["h"] == SUPPRESSED_H and zero["h"] == 0
    assert small["suppressed"] and not tall["suppressed"] and tall["h"] > 10 * SUPPRESSED_H
    box = g["box"]
    assert box["p10"] < box["p25"] < box["median"] < box["p75"] < box["p90"]
    assert histogram({"bins": [], "n": {"value": 0}})["empty"]
    h = bars(
        {
            "cells": [
                {"label": "x", "value": 9, "text": "9"},
                {"label": "y", "value": None, "text": "< 5"},
            ]
        }
    )
    assert h["rows"][1]["w"] < h["rows"][0]["w"] and h["rows"][1]["suppressed"]


def test_server_start_warms_the_cohort_cache(reg):
    from hemispasm.registry import cohort_query
    from hemispasm.web.cohort import warm_in_background

    cohort_query.clear_cache()
    warm_in_background(reg).join(timeout=120)
    key = str(reg.engine.url)
    assert key in cohort_query._cache and len(cohort_query._cache[key][2]) == 8
    assert cohort_query.registry_facts(reg) is cohort_query._cache[key][2]  # a cache hit
