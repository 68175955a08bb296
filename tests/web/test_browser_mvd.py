"""The MVD / LSR page in a real browser (Playwright driving Debian's Chromium, the server and
browser fixtures of test_browser.py): from the demo registry's SYNTHETIC MVD on the patient's
timeline to its LSR chart with the disappearance marked; screenshot web_mvd.png
(webtools.screenshot)."""

from __future__ import annotations

import pytest
from test_browser import _shot, page, server  # noqa: F401  (fixtures)
from webtools import PASSWORD

pytestmark = pytest.mark.browser


def _demo_mvd(tmp_path):
    """(patient id, surgery id, disappearance sweep) of the demo's MVD with an LSR analysis."""
    from sqlalchemy import select

    from hemispasm.registry import models as m
    from hemispasm.registry.db import open_registry

    reg = open_registry(f"sqlite:///{tmp_path / 'registry.sqlite'}")
    try:
        with reg.read_session() as s:
            sg = s.scalars(select(m.Surgery).where(m.Surgery.lsr_recording_id.is_not(None))).one()
            an = s.scalars(
                select(m.Analysis).where(m.Analysis.recording_id == sg.lsr_recording_id)
            ).one()
            return sg.patient_id, sg.id, an.summary["disappearance_sweep"]
    finally:
        reg.dispose()


def test_surgery_page_shows_the_lsr_chart_with_the_disappearance(server, page, tmp_path):  # noqa: F811
    pg = page
    pid, sid, dis = _demo_mvd(tmp_path)
    assert dis is not None
    pg.goto(server + "/login")
    pg.fill("input[name=username]", "clinician1")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/patients")
    pg.goto(server + f"/patients/{pid}")
    pg.click(f"svg.timeline a[href='/surgeries/{sid}']")  # the MVD marker on the timeline
    pg.wait_for_url(f"**/surgeries/{sid}")
    pg.wait_for_selector("svg.lsr")
    line = pg.locator("#lsr-disappeared")
    assert line.get_attribute("data-sweep") == str(dis)
    assert pg.locator(f"svg.lsr text.dis-t:has-text('LSR gone from sweep {dis}')").is_visible()
    assert f"LSR disappeared at sweep {dis}" in pg.text_content(".headline")
    assert "complete-loss" in pg.text_content(".headline")
    assert pg.locator("svg.lsr circle.pt").count() == pg.locator("#sweep-table tbody tr").count()
    assert pg.locator(f"#sweep-table tr[data-sweep='{dis}'] .dis-mark").count() == 1
    _shot(pg, "mvd")
    assert not [e for e in pg.console_errors if "Content Security Policy" in e]


def test_live_page_follows_a_replayed_stream(server, page, tmp_path):  # noqa: F811
    """`emg replay` core → LSL on this machine → the server's live monitor → EventSource in
    Chromium: the page draws the sweeps and shows the disappearance when the criterion is met."""
    import threading
    import uuid
    from pathlib import Path

    from hemispasm.emg import emg_lsr, emg_simulate_lsr
    from hemispasm.emg.live import ensure_local_lsl, replay

    assert "ResolveScope = machine" in Path(ensure_local_lsl()).read_text()
    pg = page
    _, sid, _ = _demo_mvd(tmp_path)
    sim = emg_simulate_lsr(n_sweeps=30, snr=6, disappear_at=18, interval_s=0.5, seed=11)
    dis = emg_lsr(sim.recording).summary["disappearance_sweep"]
    name = f"hemispasm-browser-{uuid.uuid4().hex[:8]}"
    pg.goto(server + "/login")
    pg.fill("input[name=username]", "clinician1")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/patients")
    pg.goto(server + f"/surgeries/{sid}")
    pg.click("text=Open live monitoring")
    pg.wait_for_url(f"**/surgeries/{sid}/live")
    t = threading.Thread(target=replay, args=(sim.recording, name),
                         kwargs={"speed": 2.0, "wait_s": 20.0})  # fmt: skip
    t.start()
    try:
        pg.fill("input[name=stream]", name)
        pg.fill("input[name=idle_s]", "2")
        pg.click("text=Start live monitoring")
        pg.wait_for_selector("#live-alert:not([hidden])", timeout=90_000)
        alert = pg.locator("#live-alert")
        assert alert.get_attribute("data-change") == "disappeared"
        assert alert.get_attribute("data-sweep") == str(dis)
        assert f"LSR DISAPPEARED at sweep {dis}" in alert.inner_text()
        assert pg.text_content("#live-state") == "DISAPPEARED"
        pg.wait_for_selector("#live-monitor[data-status=ended]", timeout=60_000)
    finally:
        t.join(timeout=60)
    assert pg.locator("#live-pts circle").count() == 30
    _shot(pg, "mvd_live")
    assert not [e for e in pg.console_errors if "Content Security Policy" in e]
