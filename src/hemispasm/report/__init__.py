"""Self-contained HTML report of a recording's analysis (figures inline, no external assets)."""

from __future__ import annotations

import base64
import html
import io

import pandas as pd

from hemispasm._version import __version__

_CSS = """
body {
  font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;
  max-width:1100px;
  margin:1.5em auto;
  color:#222;
  padding:0 1em;
}
h1 {
  font-size:1.5em;
  margin-bottom:.2em;
}
h2 {
  font-size:1.15em;
  border-bottom:1px solid #ddd;
  padding-bottom:.2em;
  margin-top:1.4em;
}
table {
  border-collapse:collapse;
  margin:.4em 0;
}
td,th {
  border:1px solid #ddd;
  padding:.25em .6em;
  text-align:left;
  font-size:.92em;
}
th {
  background:#f6f6f6;
}
.rule {
  color:#555;
  font-size:.85em;
}
img {
  max-width:100%;
}
.grade {
  font-size:1.3em;
}
.note {
  background:#fff8e1;
  border-left:4px solid #f0b400;
  padding:.5em .8em;
}
.synthetic {
  background:#b71c1c;
  color:#fff;
  font-weight:bold;
  padding:.5em .8em;
  letter-spacing:.05em;
}
.muted {
  color:#666;
  font-size:.85em;
}
"""

KIND_COLOURS = {
    "blink": "#9ecae1",
    "clonic": "#fd8d3c",
    "tonic": "#d62728",
    "voluntary": "#bdbdbd",
    "head_motion": "#c7e9c0",
    "face_lost": "#636363",
}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _figures(table: pd.DataFrame, analysis) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    tr = analysis.traces or {}
    t = tr.get("time_s", table["time_s"].to_numpy())
    fig, axes = plt.subplots(2, 1, figsize=(11, 4.2), sharex=True)
    for ax, side in zip(axes, ("left", "right"), strict=True):
        c = tr.get(f"closure_{side}")
        if c is not None:
            ax.plot(t, c, lw=0.8, color="#222")
        for e in analysis.events:
            if e.side in (side, "both"):
                ax.axvspan(
                    e.start_s,
                    e.end_s,
                    color=KIND_COLOURS.get(str(e.kind), "#ccc"),
                    alpha=0.6 if e.side == side else 0.3,
                    lw=0,
                )
        ax.set_ylabel(f"{side} eye\nclosure")
        ax.set_ylim(-0.2, 1.05)
    axes[-1].set_xlabel("time (s)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in KIND_COLOURS.values()]
    axes[0].legend(handles, list(KIND_COLOURS), ncol=6, fontsize=8, loc="upper right")
    fig.suptitle("Eye closure per side (subject's own left/right), events shaded", fontsize=10)
    traces = _png(fig)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(11, 1.8))
    rows = {"left": 2, "both": 1, "right": 0}
    for e in analysis.events:
        ax.broken_barh(
            [(e.start_s, max(e.duration_s, 0.05))],
            (rows[e.side] - 0.35, 0.7),
            color=KIND_COLOURS.get(str(e.kind), "#ccc"),
        )
    ax.set_yticks([0, 1, 2], ["right", "both", "left"])
    ax.set_xlim(float(t[0]) if len(t) else 0, float(t[-1]) if len(t) else 1)
    ax.set_xlabel("time (s)")
    ax.set_title("Event raster", fontsize=10)
    raster = _png(fig)
    plt.close(fig)
    return traces, raster


def _side_rows(summary) -> str:
    fields = [
        ("spasms", "spasm_count", "{}"),
        ("spasms / min", "spasms_per_min", "{:.2f}"),
        ("% time in spasm", "pct_time_in_spasm", "{:.1f}"),
        ("mean duration (s)", "mean_duration_s", "{:.2f}"),
        ("longest (s)", "longest_duration_s", "{:.2f}"),
        ("clonic / tonic", None, None),
        ("regions", None, None),
        ("spread stage", None, None),
        ("severity score (0-100)", "severity_score", "{:.0f}"),
        ("eye / lower-face-only spasms", None, None),
        ("onset region (most often first)", None, None),
        ("synkinesis index (eye spasms with mouth)", None, None),
        ("other Babinski sign (brow rises)", None, None),
    ]
    out = []
    for label, key, fmt in fields:
        cells = []
        for side in ("left", "right"):
            d = summary.sides[side]
            if label == "clonic / tonic":
                cells.append(f"{d.clonic_count} / {d.tonic_count}")
            elif label == "regions":
                cells.append(", ".join(r.replace("_", " ") for r in d.regions) or "–")
            elif label.startswith("eye / lower"):
                cells.append(f"{d.eye_spasm_count} / {d.lower_face_only_count}")
            elif label.startswith("onset region"):
                cells.append((d.onset_region or "–").replace("_", " "))
            elif label.startswith("synkinesis"):
                cells.append("–" if d.synkinesis_index is None else f"{d.synkinesis_index:.2f}")
            elif label.startswith("other Babinski"):
                b = d.other_babinski_sign
                cells.append(
                    "not measured"
                    if b is None
                    else f"{'PRESENT' if b.present else 'absent'} "
                    f"({b.events_with_sign} of {b.events_measured} eye spasms)"
                )
            elif label == "spread stage":
                cells.append(f"{d.spread_stage}: {d.spread_stage_text}")
            else:
                cells.append(fmt.format(getattr(d, key)))
        out.append(
            f"<tr><th>{label}</th>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
        )
    return "\n".join(out)


def _estimates(summary) -> str:
    out = []
    for side in ("left", "right"):
        d = summary.sides[side]
        for name, est in (
            ("Jankovic severity (0-4)", d.jankovic_severity),
            ("Jankovic frequency (0-4)", d.jankovic_frequency),
            ("SMC grade (I-IV)", d.smc_grade),
        ):
            if est is None:
                continue
            out.append(
                f"<tr><td>{side}</td><td>{name}</td><td><b>{est.value}</b> "
                f"({html.escape(est.label)})</td><td class=rule>ESTIMATE — "
                f"{html.escape(est.rule)}</td></tr>"
            )
    return "\n".join(out)


def _pattern_html(summary) -> str:
    p = summary.pattern
    if p is None:
        return ""
    sync = "–" if p.synchronous_share is None else f"{p.synchronous_share:.2f}"
    return (
        f"<p>Pattern: <b>{html.escape(p.pattern.replace('_', ' '))}</b> · one-sided spasms "
        f"left {p.one_sided_spasms.get('left', 0)}, right {p.one_sided_spasms.get('right', 0)}"
        f" · share together {sync} · forceful closures of both eyes "
        f"{p.forceful_bilateral_closures} ({p.forceful_bilateral_closures_per_min:.1f}/min)</p>"
        f"<p class=rule>{html.escape(p.rule)}</p>"
    )


def _tasks_html(summary) -> str:
    """The per-task table of a protocol recording ('' when the recording has no tasks)."""
    ts = summary.tasks
    if ts is None:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(r.task.replace('_', ' '))}</td><td>{r.start_s:.1f}–{r.end_s:.1f}"
        f"</td><td>{r.spasms['left']}</td><td>{r.spasms['right']}</td>"
        f"<td>{r.spasms_per_min:.1f}</td><td>{'provoking' if r.provoking else 'rest'}</td></tr>"
        for r in ts.segments
    )

    def f(v):
        return "–" if v is None else f"{v:.2f}"

    return (
        f"<h2>Provocation tasks</h2><p class=muted>from {html.escape(ts.source)}; "
        f"{html.escape(ts.definition)}</p><table><tr><th>task</th><th>time (s)</th>"
        "<th>spasms left</th><th>spasms right</th><th>spasms / min</th><th></th></tr>"
        f"{rows}</table><p>rest {f(ts.rest_spasms_per_min)} / min · provoked "
        f"{f(ts.provoked_spasms_per_min)} / min · <b>provoked-to-rest ratio "
        f"{f(ts.provoked_to_rest_ratio)}</b></p>"
    )


def render_html(table: pd.DataFrame, analysis, *, meta=None, synthetic: bool = False) -> str:
    """Render the report as one self-contained HTML string.

    Parameters
    ----------
    table : DataFrame
        The signals table.
    analysis : hemispasm.events.EventAnalysis
    meta : hemispasm.video.SignalsMeta, optional
        Adds data quality (frames, face visible, rotation, frames lost) and provenance.
    synthetic : bool
        Show a SYNTHETIC DATA banner.
    """
    s = analysis.summary
    synthetic = synthetic or s.synthetic or bool(meta and getattr(meta, "synthetic", False))
    traces, raster = _figures(table, analysis)
    name = html.escape(meta.provenance.input_name or "") if meta else ""
    quality = [
        f"face visible {s.face_visible_pct:.0f}% of frames",
        f"duration {s.duration_s:.1f} s",
    ]
    if s.head_pose_range_deg:
        quality.append(
            "head-pose range "
            + ", ".join(f"{k} {v:.0f}°" for k, v in s.head_pose_range_deg.items())
        )
    if meta is not None:
        quality.append(f"{meta.n_frames} frames at {meta.fps:.2f} fps ({meta.source})")
        if meta.frames_lost:
            quality.append(f"<b>{meta.frames_lost} frames could not be decoded</b>")
        if meta.subject_note:
            quality.append(html.escape(meta.subject_note))
    other = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in s.non_spasm_events.items()) or "none"
    spasm_rows = "".join(
        f"<tr><td>{e.start_s:.2f}</td><td>{e.end_s:.2f}</td><td>{e.side}</td><td>{e.kind}</td>"
        f"<td>{', '.join(r.replace('_', ' ') for r in e.regions)}</td>"
        f"<td>{(e.onset_region or '').replace('_', ' ')}</td>"
        f"<td>{'' if e.babinski2 is None else ('yes' if e.babinski2 else 'no')}</td>"
        f"<td>{e.amplitude:.2f}</td>"
        f"<td>{e.n_twitches or ''}</td><td>{e.confidence:.2f}</td></tr>"
        for e in analysis.events
        if e.is_spasm
    )
    banner = (
        "<div class=synthetic>SYNTHETIC DATA — generated, not recorded from a person</div>"
        if synthetic
        else ""
    )
    prov = analysis.provenance
    model = (meta.provenance.model_sha256 or "")[:12] if meta else ""
    model_note = f", face model sha256 {model}…" if model else ""
    lat = "–" if s.laterality_index is None else f"{s.laterality_index:+.2f}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>hemispasm report {name}</title>
<style>
{_CSS}</style></head><body>
{banner}
<h1>hemispasm — hemifacial spasm video analysis</h1>
<div class=muted>{name} · hemispasm {__version__} · method {prov.method}</div>
<p class=note>hemispasm supports clinicians; it does not diagnose. Scale values below are
<b>estimates</b> from video measurements, not a clinician's rating.</p>
<h2>In brief</h2>
<p>{html.escape(s.plain_language)}</p>
<p class=grade>Affected side: <b>{s.affected_side}</b> ·
severity score <b>{s.severity_score:.0f}</b>/100 · laterality index {lat}</p>
{_pattern_html(s)}
<p class=rule>{html.escape(s.severity_definition)}</p>
<h2>Per side</h2>
<table><tr><th></th><th>left</th><th>right</th></tr>
{_side_rows(s)}
<tr><th>blinks (both eyes)</th>
<td colspan=2>{s.blink_count} ({s.blink_rate_per_min:.1f} per minute)</td></tr>
<tr><th>not spasm</th><td colspan=2>{other}</td></tr>
</table>
{_tasks_html(s)}
<h2>Estimated clinical grades</h2>
<table><tr><th>side</th><th>scale</th><th>value</th><th>rule used</th></tr>
{_estimates(s)}
</table>
<h2>Traces</h2>
<img alt="eye closure per side with events" src="{traces}">
<img alt="event raster" src="{raster}">
<h2>Spasm events</h2>
<table><tr><th>start (s)</th><th>end (s)</th><th>side</th><th>kind</th><th>regions</th>
<th>onset region</th><th>brow rises (Babinski-2)</th>
<th>amplitude</th><th>twitches</th><th>confidence</th></tr>
{spasm_rows or "<tr><td colspan=10>none</td></tr>"}
</table>
<h2>Data quality</h2>
<ul>{"".join(f"<li>{q}</li>" for q in quality)}</ul>
<p class=muted>Left and right are the subject's own. Provenance: hemispasm {prov.version},
{prov.method}, parameters {html.escape(str(prov.parameters))}{model_note}.</p>
</body></html>
"""


__all__ = ["render_html"]
