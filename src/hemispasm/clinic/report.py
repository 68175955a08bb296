"""Readable reports of an assessment: Markdown and a self-contained HTML page.

Each conclusion is shown with the findings (rules) behind it and their sources, so a clinician
can see why it was reached. No free text from the case is copied into a report.
"""

from __future__ import annotations

import html

from hemispasm.clinic.assess import Assessment
from hemispasm.clinic.sources import SOURCES

_URGENCY_ORDER = {"emergency": 0, "urgent": 1, "priority": 2, "routine": 3}


def _src(key: str) -> str:
    return f"[{key}]"


def _cited_keys(a: Assessment) -> list[str]:
    """Every source key the assessment cites, in first-use order."""
    import re

    text = a.model_dump_json(by_alias=True)
    keys = re.findall(r'"(?:source|sources)":\s*(?:"([a-z0-9_]+)"|\[([^\]]*)\])', text)
    out: list[str] = []
    for single, many in keys:
        for k in [single] if single else re.findall(r'"([a-z0-9_]+)"', many):
            if k in SOURCES and k not in out:
                out.append(k)
    return out


def _sections(a: Assessment) -> list[tuple[str, list[str]]]:
    """The report as (heading, lines) pairs; lines are plain text (Markdown-safe)."""
    out: list[tuple[str, list[str]]] = []
    lines = [f"**HFS likelihood: {a.hfs_likelihood}** — {a.likelihood_rule}."]
    lines += [f"- for: {r.text} ({r.rule}) {_src(r.source)}" for r in a.likelihood_for]
    lines += [f"- against: {r.text} ({r.rule}) {_src(r.source)}" for r in a.likelihood_against]
    out.append(("1. How typical for hemifacial spasm", lines))

    lines = [
        f"Leading: **{a.leading_diagnosis}**. Ranked by cited features for minus against "
        "(weights are an engineering ordering, not probabilities)."
    ]
    for d in a.differential:
        pro = "; ".join(f"{r.text} {_src(r.source)}" for r in d.for_) or "none recorded"
        con = "; ".join(f"{r.text} {_src(r.source)}" for r in d.against) or "none recorded"
        lines.append(f"- {d.rank}. {d.label} (score {d.score}) — for: {pro} — against: {con}")
    out.append(("2. Differential diagnosis", lines))

    flags = sorted(a.red_flags, key=lambda f: _URGENCY_ORDER[f.urgency])
    lines = [
        f"- **{f.urgency.upper()}** {f.flag} → {f.action} ({f.rule}) {_src(f.source)}"
        for f in flags
    ] or ["- none of the listed red flags is recorded"]
    out.append(("3. Red flags", lines))

    lines = [f"- {w.test} — because {w.reason} ({w.rule}) {_src(w.source)}" for w in a.workup]
    out.append(("4. Recommended work-up", lines or ["- EMG and MRI/MRA already recorded"]))

    lines = []
    for o in a.treatment_options:
        lines.append(f"- **{o.treatment}** — {o.when}")
        for label, items in (
            ("benefit", o.expected_benefit),
            ("duration", o.duration),
            ("risks", o.risks),
            ("note", o.notes),
        ):
            lines += [f"  - {label}: {c.text} {_src(c.source)}" for c in items]
    if a.discuss_mvd:
        lines.append(
            "- **Discuss MVD because:** "
            + "; ".join(f"{c.text} {_src(c.source)}" for c in a.discuss_mvd)
        )
    out.append(("5. Treatment options", lines or ["- no option listed for this leading diagnosis"]))

    c = a.treatment_course
    lines = []
    for s in c.sessions:
        gap = (
            f", {s.weeks_since_previous_toxin:g} weeks after the previous toxin session"
            if s.weeks_since_previous_toxin is not None
            else ""
        )
        lines.append(
            f"- #{s.index} {s.type} {s.date or 'undated'}: dose {s.total_dose}, "
            f"response {s.response}, peak {s.peak_improvement_pct}%, benefit "
            f"{s.benefit_weeks} weeks{gap}"
        )
    if c.mean_toxin_interval_weeks is not None:
        lines.append(
            f"- mean interval between toxin sessions: {c.mean_toxin_interval_weeks} "
            "weeks"
            + (
                f"; shorter than 12 weeks: {c.short_intervals} {_src('rosenstengel2012')}"
                if c.short_intervals
                else ""
            )
        )
    lines.append(
        f"- waning toxin response: {'YES — ' + '; '.join(c.waning_reasons) if c.waning else 'no'}"
        " (threshold 75% of the best earlier session: engineering choice)"
    )
    out.append(("6. Treatment course", lines))

    if a.injection_plan:
        p = a.injection_plan
        lines = [f"*{p.disclaimer}*", f"Side: {p.side}; product: {p.product}."]
        for s in p.sites:
            lo, hi = s.units_per_site_range
            rng = f"{lo:g} U" if lo == hi else f"{lo:g}-{hi:g} U"
            lines.append(
                f"- {s.muscle}{' (measured on video)' if s.measured else ''}: {rng} per "
                f"site{f', {s.sites} sites' if s.sites else ''} — {s.note} "
                + " ".join(_src(k) for k in s.sources)
            )
        lines += [f"- reference: {t.text} {_src(t.source)}" for t in p.reference_totals]
        out.append(("7. Botulinum toxin injection plan (decision support)", lines))

    if a.scales:
        out.append(
            (
                "8. Rating scales",
                [
                    f"- {s.title}: {s.total:g} "
                    f"(range {s.total_range[0]:g}-{s.total_range[1]:g}) — "
                    f"{s.interpretation} {_src(s.source)}"
                    for s in a.scales.values()
                ],
            )
        )
    if a.video:
        v = a.video
        lines = [
            f"- source: {v.source_name or 'inline'}" + (" — SYNTHETIC data" if v.synthetic else ""),
            f"- affected side measured: {v.affected_side}",
        ]
        for side, m in v.sides.items():
            lines.append(
                f"- {side}: {m.spasms_per_min} spasms/min, {m.pct_time_in_spasm}% of "
                f"time in spasm, {m.clonic_count} clonic / {m.tonic_count} tonic, regions "
                f"{', '.join(m.regions) or 'none'}"
            )
        lines += [
            f"- filled from video (measured): {k} = {val}" for k, val in v.measured_fields.items()
        ]
        lines += [f"- disagreement: {d}" for d in v.discrepancies]
        out.append(("9. Video measurements", lines))
    out.append(
        (
            "Sources (full references in docs/references.md)",
            [f"- [{k}] {SOURCES[k]}" for k in _cited_keys(a)],
        )
    )
    return out


def render_markdown(a: Assessment) -> str:
    """The assessment as Markdown."""
    parts = [
        f"# hemispasm clinical assessment{f' — case {a.case_id}' if a.case_id else ''}",
        "",
        f"> {a.disclaimer}",
        "",
    ]
    for heading, lines in _sections(a):
        parts += [f"## {heading}", "", *lines, ""]
    parts += [
        "## Rules fired",
        "",
        "| rule | condition | conclusion | source |",
        "|---|---|---|---|",
    ]
    parts += [f"| {r.id} | {r.condition} | {r.conclusion} | {r.citation} |" for r in a.rules_fired]
    parts += [
        "",
        f"hemispasm {a.provenance.version}, method {a.provenance.method}, "
        f"{a.provenance.created_utc}",
    ]
    return "\n".join(parts) + "\n"


def _inline_md(text: str) -> str:
    esc = html.escape(text)
    while "**" in esc:
        esc = esc.replace("**", "<strong>", 1).replace("**", "</strong>", 1)
    return esc


def render_html(a: Assessment) -> str:
    """The assessment as one self-contained HTML page (no external resources)."""
    case_label = f" — case {a.case_id}" if a.case_id else ""
    body = [
        f"<h1>hemispasm clinical assessment{html.escape(case_label)}</h1>",
        f"<p class='disclaimer'>{html.escape(a.disclaimer)}</p>",
        f"<p class='level level-{a.hfs_likelihood}'>HFS likelihood: "
        f"<strong>{a.hfs_likelihood}</strong> · leading: "
        f"<strong>{html.escape(a.leading_diagnosis)}</strong> · red flags: "
        f"<strong>{len(a.red_flags)}</strong></p>",
    ]
    for heading, lines in _sections(a):
        body.append(f"<h2>{html.escape(heading)}</h2><ul>")
        for ln in lines:
            txt = ln.lstrip()
            indent = len(ln) - len(txt)
            txt = txt[2:] if txt.startswith("- ") else txt
            cls = " class='sub'" if indent else ""
            urg = next((u for u in ("EMERGENCY", "URGENT", "PRIORITY") if f"**{u}**" in txt), "")
            if urg:
                cls = f" class='flag {urg.lower()}'"
            body.append(f"<li{cls}>{_inline_md(txt)}</li>")
        body.append("</ul>")
    body.append(
        "<details><summary>Rules fired (--explain)</summary><table><tr><th>rule</th>"
        "<th>condition</th><th>conclusion</th><th>source</th></tr>"
    )
    body += [
        f"<tr><td>{html.escape(r.id)}</td><td>{html.escape(r.condition)}</td>"
        f"<td>{html.escape(r.conclusion)}</td><td>{html.escape(r.citation)}</td></tr>"
        for r in a.rules_fired
    ]
    body.append("</table></details>")
    body.append(
        f"<footer>hemispasm {a.provenance.version} · {a.provenance.method} · "
        f"{a.provenance.created_utc}</footer>"
    )
    css = (
        "body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
        "color:#222}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px "
        "solid #ddd}li{margin:.25rem 0}li.sub{margin-left:1.5rem;list-style:circle}"
        ".disclaimer{background:#fff8e1;padding:.5rem .8rem;border-left:4px solid #f0b400}"
        ".level{font-size:1.05rem}.flag.emergency,.flag.urgent{color:#b00020}"
        ".flag.priority{color:#9a5b00}table{border-collapse:collapse;font-size:13px}"
        "td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}footer{color:#777;"
        "margin-top:2rem;font-size:12px}"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>hemispasm clinical assessment</title>"
        f"<style>{css}</style></head><body>{''.join(body)}</body></html>\n"
    )
