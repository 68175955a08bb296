"""The case and assessment page in a real browser: Playwright driving Debian's Chromium
(/usr/bin/chromium; never `playwright install`) against a real uvicorn server on 127.0.0.1,
started and stopped by the fixtures of test_browser.py.

log in → open a patient → fill the case form (tri-state findings, a mass on MRI) → submit → the
differential and the red flag, with MVD and toxin withheld → the patient page's summary shows
it. Screenshots at a tablet width: web_case.png and web_case_form.png (webtools.screenshot).
"""

from __future__ import annotations

import pytest
from test_browser import _shot, page, server  # noqa: F401  (fixtures: server, Chromium page)
from webtools import PASSWORD

pytestmark = pytest.mark.browser


def _answer(pg, field: str, value: str) -> None:
    """Tap the yes / no / not recorded button of a finding (the label, as a finger would)."""
    pg.locator("label.seg", has=pg.locator(f"input[name={field}][value='{value}']")).click()


def test_case_form_and_assessment(server, page):  # noqa: F811
    pg = page
    pg.goto(server + "/login")
    pg.fill("input[name=username]", "clinician1")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/patients")
    pg.locator("#patient-rows tbody tr a").first.click()
    pg.wait_for_url("**/patients/HS-*")
    pid = pg.url.rsplit("/", 1)[-1]
    pg.wait_for_selector("#case-latest")  # htmx: the latest assessment (none yet)
    assert "No case stored yet" in pg.inner_text("#case-latest")
    pg.click("text=Case and assessment")
    pg.wait_for_url(f"**/patients/{pid}/case")
    # every finding starts as "not recorded"
    assert pg.is_checked("input[name=tinnitus][value='']")
    pg.fill("input[name=age]", "58")
    pg.select_option("select[name=side]", "left")
    pg.fill("input[name=onset_age]", "52")
    pg.select_option("select[name=first_muscle]", "orbicularis_oculi")
    pg.locator("label.chip", has=pg.locator("input[name=spread_to][value=zygomaticus]")).click()
    pg.select_option("select[name=spasm_type]", "clonic")
    _answer(pg, "facial_weakness", "no")
    _answer(pg, "hearing_loss", "no")
    _answer(pg, "other_babinski_sign", "yes")
    _answer(pg, "neck_mass", "no")
    pg.select_option("select[name=mri]", "mass_lesion")
    assert pg.is_checked("input[name=facial_weakness][value=no]")
    _shot(pg, "case_form")
    pg.click("text=Save and assess")
    pg.wait_for_url("**/cases/*")
    flags = pg.locator("#red-flags .flag.urgent")
    assert flags.count() == 1 and flags.first.is_visible()
    assert "possible structural lesion" in flags.first.inner_text()
    assert "Red flags not assessed" in pg.inner_text("#red-flags")
    ddx = pg.inner_text("#differential")
    assert "Secondary hemifacial spasm" in ddx and "Leading" in ddx
    assert pg.locator("#differential ol.ddx > li").count() >= 3
    treatment = pg.inner_text("#treatment")
    assert "MVD and botulinum toxin are not offered" in treatment
    assert "does not diagnose or prescribe" in pg.content()
    _shot(pg, "case")
    # the patient page shows the latest assessment's leading diagnosis and red flag
    pg.click("text=back to the timeline")
    pg.wait_for_url(f"**/patients/{pid}")
    pg.wait_for_selector("#case-latest ul.flags-brief")
    brief = pg.inner_text("#case-latest")
    assert "Secondary hemifacial spasm" in brief and "URGENT" in brief
    assert not [e for e in pg.console_errors if "Content Security Policy" in e]
