"""``cohort.html``: a cohort report a researcher reads in a minute (figures inline).

Distributions of spasm rate, % time in spasm, affected side and spread stage, by ``group``
when the manifest has one; the failed recordings; SYNTHETIC marked when any input is synthetic.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from hemispasm._version import __version__
from hemispasm.report import _CSS, _png

SIDES_ORDER = ["left", "right", "bilateral", "none"]
STAGE_ORDER = [0, 1, 2, 3]


def _groups(ok: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    if "group" in ok and ok["group"].notna().any():
        return [(str(g), d) for g, d in ok.groupby(ok["group"].astype(str), sort=True)]
    return [("all", ok)]


def _figure(ok: pd.DataFrame) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    groups = _groups(ok)
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.4))
    for ax, col, label in (
        (axes[0], "spasms_per_min", "spasms per minute (affected side)"),
        (axes[1], "pct_time_in_spasm", "% time in spasm (affected side)"),
    ):
        data = [pd.to_numeric(d[col], errors="coerce").dropna().to_numpy() for _, d in groups]
        if any(len(x) for x in data):
            ax.boxplot(data, tick_labels=[g for g, _ in groups], showfliers=False)
            for i, x in enumerate(data, start=1):
                jitter = np.linspace(-0.12, 0.12, len(x)) if len(x) > 1 else np.zeros(len(x))
                ax.plot(i + jitter, x, "o", ms=4, alpha=0.6, color="#d62728")
        ax.set_title(label, fontsize=10)
    for ax, col, order, label in (
        (axes[2], "affected_side", SIDES_ORDER, "affected side"),
        (axes[3], "stage", STAGE_ORDER, "spread stage (estimate)"),
    ):
        width = 0.8 / len(groups)
        x = np.arange(len(order))
        for k, (g, d) in enumerate(groups):
            counts = d[col].value_counts()
            ax.bar(x + k * width, [int(counts.get(v, 0)) for v in order], width, label=g)
        ax.set_xticks(x + width * (len(groups) - 1) / 2, [str(v) for v in order])
        ax.set_title(label, fontsize=10)
        ax.set_ylabel("recordings")
    if len(groups) > 1:
        axes[3].legend(title="group", fontsize=8)
    fig.tight_layout()
    uri = _png(fig)
    plt.close(fig)
    return uri


def _summary_rows(ok: pd.DataFrame) -> str:
    rows = []
    for g, d in _groups(ok):
        rate = pd.to_numeric(d["spasms_per_min"], errors="coerce")
        pct = pd.to_numeric(d["pct_time_in_spasm"], errors="coerce")
        sides = d["affected_side"].value_counts()
        side_txt = ", ".join(f"{s} {int(sides.get(s, 0))}" for s in SIDES_ORDER if sides.get(s))
        rows.append(
            f"<tr><td>{html.escape(g)}</td><td>{len(d)}</td>"
            f"<td>{rate.median():.1f} ({rate.quantile(0.25):.1f}–{rate.quantile(0.75):.1f})</td>"
            f"<td>{pct.median():.1f} ({pct.quantile(0.25):.1f}–{pct.quantile(0.75):.1f})</td>"
            f"<td>{html.escape(side_txt)}</td></tr>"
        )
    return "".join(rows)


def cohort_html(cohort: pd.DataFrame, events: pd.DataFrame) -> str:
    """Render the cohort report as one self-contained HTML string."""
    n = len(cohort)
    ok = cohort[cohort["status"] == "ok"] if n else cohort
    face = ok[ok["affected_side"].notna()] if "affected_side" in ok else ok.iloc[0:0]
    failed = cohort[cohort["status"] == "failed"] if n else cohort
    synthetic = bool(n and (cohort["synthetic"] == True).any())  # noqa: E712 (None-safe)
    banner = (
        "<div class=synthetic>SYNTHETIC DATA in this cohort — generated recordings, not "
        "recorded from people (column <code>synthetic</code>)</div>"
        if synthetic
        else ""
    )
    figure = f'<img alt="cohort distributions" src="{_figure(face)}">' if len(face) else ""
    table = (
        "<table><tr><th>group</th><th>recordings</th><th>spasms/min, median (IQR)</th>"
        "<th>% time in spasm, median (IQR)</th><th>affected side</th></tr>"
        f"{_summary_rows(face)}</table>"
        if len(face)
        else "<p>No face recording analysed.</p>"
    )
    fail_rows = "".join(
        f"<tr><td>{html.escape(str(r.recording_id or ''))}</td>"
        f"<td>{html.escape(str(r.error))}</td></tr>"
        for r in failed.itertuples()
    )
    n_emg = int(cohort["kind"].astype(str).str.startswith("emg").sum()) if n else 0
    n_events = len(events)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>hemispasm cohort</title>
<style>
{_CSS}</style></head><body>
{banner}
<h1>hemispasm — cohort</h1>
<div class=muted>hemispasm {__version__} · {n} recordings: {len(face)} face analyses,
{n_emg} EMG, {len(failed)} failed · {n_events} events</div>
<p class=note>hemispasm supports clinicians and researchers; it does not diagnose. Stages and
grades are <b>estimates</b> from video measurements. Left and right are the subjects' own.</p>
<h2>Distributions{" by group" if "group" in face and face["group"].notna().any() else ""}</h2>
{figure}
{table}
<p class=rule>Spasm rate and % time in spasm are those of the affected side (of the more
affected side when none or both are). Stage: the furthest spread on either side (0 none,
1 periocular, 2 upper and mid face, 3 lower face; docs/events.md).</p>
<h2>Failed recordings</h2>
<table><tr><th>recording</th><th>reason</th></tr>
{fail_rows or "<tr><td colspan=2>none</td></tr>"}
</table>
<p class=muted>Per recording: DIR/&lt;recording_id&gt;/report.html. Tables: cohort.parquet,
events.parquet, errors.csv (docs/batch.md).</p>
</body></html>
"""
