"""The cohort page in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium;
never `playwright install`) against a real uvicorn server on 127.0.0.1, started and stopped as
in test_browser.py, on a SYNTHETIC demo cohort.

log in as researcher → open /cohort → apply a filter; the screenshot goes to
web_cohort.png (webtools.screenshot) at the tablet width of the other screenshots.
"""

from __future__ import annotations

import pytest
from test_browser import _shot, page, serve_registry  # noqa: F401 (fixture)
from webtools import PASSWORD

pytestmark = pytest.mark.browser

DEMO_PATIENTS = 300  # enough for most cells to pass the small-count threshold


@pytest.fixture
def server(tmp_path):
    with serve_registry(tmp_path, demo_patients=DEMO_PATIENTS) as base:
        yield base


def test_researcher_cohort_page_and_filter(server, page):  # noqa: F811
    pg = page
    pg.goto(server + "/login")
    pg.fill("input[name=username]", "researcher1")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/patients")
    pg.click("header nav >> text=Cohort")  # the navigation link of the researcher
    pg.wait_for_url("**/cohort")
    html = pg.content()
    assert f"{DEMO_PATIENTS} of {DEMO_PATIENTS} patients" in html
    assert f"the registry holds {DEMO_PATIENTS} synthetic patients" in html
    assert "Synthetic Patient" not in html and "SYN-" not in html
    assert pg.locator("svg.cohort").count() >= 6
    # apply a filter: the form is a GET; the filter goes into the query string only
    pg.select_option("select[name=side]", "left")
    pg.select_option("select[name=treatment]", "toxin")
    pg.click("form.filters button[type=submit]")
    pg.wait_for_url("**/cohort?*side=left*")
    assert "treatment=toxin" in pg.url
    heading = pg.locator("h1").inner_text()
    n = int(heading.split()[1])
    assert 0 < n < DEMO_PATIENTS
    assert pg.locator("select[name=side]").input_value() == "left"
    # the downloads carry the same filters
    assert pg.locator("a[href^='/cohort.csv?']").get_attribute("href").count("side=left") == 1
    csp = [e for e in pg.console_errors if "Content Security Policy" in e]
    assert not csp, csp  # the charts are plain SVG: nothing the CSP refuses
    _shot(pg, "cohort")
