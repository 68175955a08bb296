"""The clinic flow in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium;
never `playwright install`) against a real uvicorn server on 127.0.0.1, stopped in teardown.

log in → add a patient → upload a SYNTHETIC video → see its analysis → chart a toxin session on
the face map → the timeline shows both. Screenshots of the main pages are taken at a tablet
width (``webtools.screenshot``: a temporary folder, or ``HEMISPASM_SCREENSHOTS=docs/img`` to
refresh the committed images).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from webtools import PASSWORD, make_registry, screenshot

CHROMIUM = Path("/usr/bin/chromium")
TABLET = {"width": 1180, "height": 820}  # a 10-11" tablet in landscape

pytestmark = pytest.mark.browser


def _need_browser():
    try:
        import playwright  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (pip install playwright; no `playwright install`)"
    else:
        if CHROMIUM.is_file():
            return
        reason = "no /usr/bin/chromium (apt-get install chromium)"
    if os.environ.get("HEMISPASM_REQUIRE_CHROMIUM"):
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_registry(tmp_path, *, demo_patients: int, env: dict | None = None):
    """``hemispasm serve --dev`` as a real process on 127.0.0.1 on a fresh SYNTHETIC demo
    registry of ``demo_patients``; yields the base URL, stops the server afterwards."""
    _need_browser()
    reg = make_registry(tmp_path, demo_patients=demo_patients)
    url = str(reg.engine.url)
    reg.dispose()
    port = _free_port()
    env = {**os.environ, "HEMISPASM_RECORDINGS_DIR": str(tmp_path / "recordings"), **(env or {})}
    log = (tmp_path / "server.log").open("w")
    code = (
        "from hemispasm.cli import main; import sys; "
        f"sys.exit(main(['serve', '--db', {url!r}, '--host', '127.0.0.1', '--port', '{port}', "
        f"'--dev', '--data', {str(tmp_path / 'web')!r}]))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.25)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def server(tmp_path):
    # the home recording: the provocation protocol's 190 s, scaled to 3 s for the test
    env = {"HEMISPASM_WEB_HOME_RECORD_SECONDS": "3"}
    with serve_registry(tmp_path, demo_patients=12, env=env) as base:
        yield base


@pytest.fixture
def page():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--use-fake-device-for-media-stream",  # a fake camera for getUserMedia
                "--use-fake-ui-for-media-stream",
            ],
        )
        try:
            ctx = browser.new_context(viewport=TABLET, device_scale_factor=1)
            pg = ctx.new_page()
            errors: list[str] = []
            pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            pg.console_errors = errors  # type: ignore[attr-defined]
            pg.browser_handle = browser  # type: ignore[attr-defined]
            yield pg
        finally:
            browser.close()


def _shot(pg, name: str) -> None:
    screenshot(pg, name)


def test_clinic_flow(server, page, synth_video):
    pg = page
    pg.goto(server + "/patients")
    assert pg.url.endswith("/login")
    _shot(pg, "login")
    pg.fill("input[name=username]", "clinician1")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/patients")
    _shot(pg, "patients")
    # search (htmx, POST)
    pg.fill("input[name=q]", "Synthetic Patient")
    pg.wait_for_timeout(800)
    assert pg.locator("#patient-rows tbody tr").count() >= 1
    # add a patient
    pg.fill("input[name=name]", "Browser Testpatient")
    pg.fill("input[name=birth_date]", "1962-04-05")
    pg.select_option("select[name=sex]", "female")
    pg.select_option("select[name=side]", "left")
    pg.click("text=Add patient")
    pg.wait_for_url("**/patients/HS-*")
    pid = pg.url.rsplit("/", 1)[-1]
    assert "Browser Testpatient" in pg.content()
    # upload the synthetic video
    pg.set_input_files("input[name=file]", str(synth_video))
    pg.click("text=Upload and analyse")
    pg.wait_for_url("**/jobs/*")
    pg.wait_for_selector("#job-status[data-status=done]", timeout=240_000)
    assert "Report" in pg.content() and "SYNTHETIC" in pg.content()
    _shot(pg, "analysis")
    pg.click("text=See the timeline")
    pg.wait_for_url(f"**/patients/{pid}")
    # chart a toxin session on the face map
    pg.click("text=Chart a toxin session")
    pg.wait_for_url(f"**/patients/{pid}/toxin/new")
    pg.fill("#unit-step", "2.5")
    for _ in range(4):
        pg.click(".muscle[data-muscle=orbicularis_oculi][data-side=left]", force=True)
    pg.click(".muscle[data-muscle=zygomaticus][data-side=left]", force=True)
    assert pg.input_value("input[name=units__orbicularis_oculi__left]") == "10"
    assert pg.input_value("input[name=points__orbicularis_oculi__left]") == "4"
    assert pg.text_content("#total-units") == "12.5"
    pg.fill("input[name=lot]", "C1234")
    _shot(pg, "toxin_form")
    pg.click("text=Save session")
    pg.wait_for_url("**/toxin-sessions/*")
    assert "12.5 U" in pg.content()
    _shot(pg, "toxin_sheet")
    pg.click("text=Timeline")
    pg.wait_for_url(f"**/patients/{pid}")
    svg = pg.inner_html("svg.timeline")
    assert "12.5 U ona" in svg  # the toxin session marker
    assert "rate-pt" in svg  # the video's spasm rate at its visit
    _shot(pg, "timeline_new_patient")
    assert not [e for e in pg.console_errors if "Content Security Policy" in e]


def test_demo_timeline_and_researcher_view(server, page):
    pg = page
    pg.goto(server + "/login")
    pg.fill("input[name=username]", "nurse1")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/patients")
    # the demo patient with the most toxin sessions
    best, most = None, -1
    for row in pg.locator("#patient-rows tbody tr").all():
        n = int(row.locator("td").nth(6).inner_text() or 0)
        if n > most:
            best, most = row.locator("a").first.get_attribute("href"), n
    pg.goto(server + best)
    pg.wait_for_selector("svg.timeline")
    _shot(pg, "timeline")
    pg.click("text=Log out")
    pg.wait_for_url("**/login")
    pg.fill("input[name=username]", "researcher1")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/patients")
    assert "pseudonymised view" in pg.content() and "Synthetic Patient" not in pg.content()
    _shot(pg, "researcher")
    pg.set_viewport_size({"width": 820, "height": 1180})  # tablet portrait
    pg.goto(server + best)
    pg.wait_for_selector("svg.timeline")
    _shot(pg, "timeline_portrait")


def test_home_recording_with_fake_camera(server, page):
    pg = page
    pg.goto(server + "/login")
    pg.fill("input[name=username]", "nurse1")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/patients")
    pid_href = pg.locator("#patient-rows tbody tr a").first.get_attribute("href")
    pg.goto(server + pid_href)
    pg.click("text=Home recording link")
    link = pg.input_value("#home-link")
    assert "/home/" in link
    # the patient: another browser context, no cookies, camera allowed (Chromium's fake camera)
    ctx = pg.browser_handle.new_context(
        viewport={"width": 820, "height": 1180}, permissions=["camera"]
    )
    home = ctx.new_page()
    home.console_msgs = []  # type: ignore[attr-defined]
    home.on("console", lambda m: home.console_msgs.append(m.text))
    home.goto(link)
    assert "Recording for your clinic" in home.content()
    assert home.locator("a[href^='/patients']").count() == 0
    assert home.locator("#steps li").count() == 6  # the protocol's tasks, listed
    home.click("#start")
    # each task's instruction shown as it comes (no wait_for_function: the CSP forbids eval)
    home.locator("#task-now", has_text="Step 1 of 6").wait_for(timeout=30_000)
    home.wait_for_selector("#home-done:not([hidden]), #home-error:not([hidden])", timeout=60_000)
    assert home.is_visible("#home-done"), (home.text_content("#home-error"), home.console_msgs)
    _shot(home, "home_recording")
    home.goto(link)
    assert "not valid" in home.content()  # single use
    ctx.close()
    pg.goto(server + pid_href)
    assert pg.locator("ul.jobs li").count() == 1  # the upload reached this patient's record
