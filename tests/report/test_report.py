"""The HTML report: self-contained, labelled, and showing the analysis."""

from __future__ import annotations

from hemispasm.events import analyze_signals
from hemispasm.report import render_html
from hemispasm.signals_io import read_ear_table


def test_report_self_contained(shared):
    t = read_ear_table(shared("data/ear/blinking_240fps_60s.csv"), fps=240)
    a = analyze_signals(t, fps=240)
    html = render_html(t, a)
    assert html.startswith("<!DOCTYPE html>")
    assert "does not diagnose" in html and "SYNTHETIC DATA" not in html
    assert html.count("data:image/png;base64,") == 2
    assert "http://" not in html and "https://" not in html  # no external assets
    assert "ESTIMATE" in html and "Jankovic" in html
    synth = render_html(t, a, synthetic=True)
    assert "SYNTHETIC DATA" in synth
