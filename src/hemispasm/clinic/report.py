"""Readable reports of an assessment: Markdown and a self-contained HTML page.

The report reads in one minute, in the order a clinician acts:

1. red flags and required actions (each problem once, its signs combined, with a time frame),
   and the red-flag fields not assessed;
2. the leading diagnosis, the HFS likelihood and what data are missing;
3. the work-up; 4. the treatment (options, what is withheld and why, the injection plan);
5. the treatment course (the waning verdict first); 6. details (differential, scales, video,
   how the case was read, rules fired, sources).

Human words, not identifiers; a unit on every dose; nothing shown as "None". Every string is
escaped for its format (Markdown or HTML): a case_id, a product name or a value read from a
video summary cannot inject HTML or links. Free-text ``notes`` and the patient ``identity`` are
never copied into a report. The report renders the fields the assessment has and skips the ones
it lacks, so it keeps working while the Assessment model grows.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from hemispasm.clinic.assess import Assessment
from hemispasm.clinic.sources import SOURCES

_URGENCY_ORDER = {"emergency": 0, "urgent": 1, "priority": 2, "routine": 3}
NOT_RECORDED = "not recorded"
_ORAL = ("carbamazepine", "clonazepam", "diazepam")
_TREATMENT_WORDS = {
    "botulinum_toxin": "botulinum toxin",
    "mvd": "microvascular decompression (MVD)",
}


# ----------------------------------------------------------------------------------------
# a tiny document model: both renderers format the same content
# ----------------------------------------------------------------------------------------


@dataclass
class Seg:
    """An inline piece of text: plain, bold, a source citation or an urgency tag."""

    text: str
    kind: str = "plain"  # plain | bold | cite | tag | em


Line = list[Seg]


@dataclass
class Item:
    line: Line
    sub: list[Line] = field(default_factory=list)
    cls: str = ""


@dataclass
class Block:
    kind: str  # h2 | p | ul | table | box
    lines: list[Line] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    cls: str = ""
    title: str = ""


def _t(text: Any) -> Seg:
    return Seg(_words(text))


def _b(text: Any) -> Seg:
    return Seg(_words(text), "bold")


def _cite(keys: Any) -> list[Seg]:
    if not keys:
        return []
    if isinstance(keys, str):
        keys = [keys]
    return [Seg(" "), *[Seg(str(k), "cite") for k in keys if k]]


def _words(value: Any) -> str:
    """A value as words: never 'None', identifiers with spaces, numbers without trailing .0."""
    if value is None:
        return NOT_RECORDED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _human(identifier: Any) -> str:
    """An identifier in words (``secondary_hfs_cpa_lesion`` → "secondary hfs cpa lesion")."""
    if identifier is None:
        return NOT_RECORDED
    return str(identifier).replace("_", " ")


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """A field that may not exist yet on the (growing) assessment model."""
    v = getattr(obj, name, default)
    return default if v is None else v


# ----------------------------------------------------------------------------------------
# content
# ----------------------------------------------------------------------------------------


def _flag_time(f: Any) -> str:
    tf = _get(f, "time_frame", "")
    return f"{f.urgency.upper()}" + (f" — {tf}" if tf else "")


def _act_first(a: Assessment) -> list[Block]:
    blocks = [Block("h2", title="1. Act first: red flags and required actions")]
    flags = sorted(a.red_flags, key=lambda f: _URGENCY_ORDER.get(f.urgency, 9))
    seen: set[str] = set()
    items = []
    for f in flags:
        key = _get(f, "rule", "") or f.flag
        if key in seen:
            continue
        seen.add(key)
        label = _get(f, "label", "") or f.flag
        action = f.action[:1].upper() + f.action[1:]
        line: Line = [Seg(_flag_time(f), "tag"), _t(": "), _b(label), _t(". "), _t(action)]
        line += _cite(f.source)
        sub: list[Line] = []
        signs = _get(f, "signs", [])
        if signs:
            sub.append(
                [_t("signs: ")]
                + [
                    s
                    for i, r in enumerate(signs)
                    for s in ([_t("; ")] if i else []) + [_t(r.text), *_cite(r.source)]
                ]
            )
        elif _get(f, "label", ""):
            sub.append([_t("signs: "), _t(f.flag)])
        for m in _get(f, "meanings", []):
            sub.append([Seg("what this field means: ", "em"), _t(m)])
        for n in _get(f, "notes", []):
            sub.append([_t("note: "), _t(n.text), *_cite(n.source)])
        items.append(Item(line, sub, cls=f"flag {f.urgency}"))
    if items:
        blocks.append(Block("ul", items=items, cls="flags"))
    not_assessed = _get(a, "red_flags_not_assessed", [])
    if not_assessed:
        blocks.append(
            Block(
                "box",
                lines=[
                    [
                        _b("Red flags not assessed"),
                        _t(" (not recorded, so not known to be absent): "),
                        _t(", ".join(map(str, not_assessed))),
                        _t("."),
                    ]
                ],
                cls="missing",
            )
        )
    if not items:
        blocks.append(
            Block(
                "p",
                lines=[
                    [
                        _t(
                            "No red flag among the fields recorded"
                            + (" (see the fields not assessed above)." if not_assessed else ".")
                        )
                    ]
                ],
            )
        )
    return blocks


def _diagnosis(a: Assessment) -> list[Block]:
    label = _get(a, "leading_label", "") or _human(a.leading_diagnosis)
    level = _get(a, "likelihood_label", "") or _human(a.hfs_likelihood)
    lines: list[Line] = [
        [
            _t("Leading: "),
            _b(label),
            _t(". HFS likelihood: "),
            _b(level),
            _t(f" — {a.likelihood_rule}."),
        ]
    ]
    top = a.differential[0] if a.differential else None
    if top is not None and _get(top, "leads_because", None):
        lines.append([_t(f"Leads because {top.leads_because}, whatever the other features.")])
    if _get(a, "data_sufficient", True) is False:
        lines.append(
            [_b("The data are insufficient"), _t(": record the missing fields and re-assess.")]
        )
    n_read = len(_get(a, "interpretations", []))
    if n_read:
        lines.append(
            [
                _t(
                    f"{n_read} value(s) of the case file were read from natural wording: "
                    'check them under "How the case file was read" in the details.'
                )
            ]
        )
    items = [Item([_t("for: "), _t(r.text), *_cite(r.source)]) for r in a.likelihood_for]
    items += [Item([_t("against: "), _t(r.text), *_cite(r.source)]) for r in a.likelihood_against]
    blocks = [Block("h2", title="2. Leading diagnosis"), Block("p", lines=lines)]
    if items:
        blocks.append(Block("ul", items=items))
    others = [d for d in a.differential[1:4] if d.score > 0]
    if others:
        blocks.append(
            Block(
                "p",
                lines=[
                    [_t("Also consider: ")]
                    + [
                        s
                        for i, d in enumerate(others)
                        for s in ([_t("; ")] if i else []) + [_t(d.label)]
                    ]
                    + [_t(" (full differential in the details).")]
                ],
            )
        )
    return blocks


def _workup(a: Assessment) -> list[Block]:
    items = [
        Item([_b(w.test), _t(" — because "), _t(w.reason), *_cite(w.source)]) for w in a.workup
    ]
    return [
        Block("h2", title="3. Work-up"),
        Block("ul", items=items)
        if items
        else Block("p", lines=[[_t("No further test is suggested by the rules.")]]),
    ]


def _plan_blocks(p: Any) -> list[Block]:
    blocks = [
        Block("h3", title="Botulinum toxin injection plan (decision support)"),
        Block(
            "p",
            lines=[
                [Seg(p.disclaimer, "em")],
                [
                    _t("Side: "),
                    _t(_human(p.side)),
                    _t("; product: "),
                    _t(p.product),
                    _t(f"; unit: {_get(p, 'unit', 'U')}."),
                ],
            ],
        ),
    ]
    rows = []
    for s in p.sites:
        lo, hi = s.units_per_site_range
        per = _get(s, "units_per_site", None)
        per_text = (
            f"{per:g} U" if per is not None else (f"{lo:g} U" if lo == hi else f"{lo:g}-{hi:g} U")
        )
        total = _get(s, "total_units", None)
        rows.append(
            [
                (_get(s, "label", "") or _human(s.muscle))
                + (" (measured on video)" if s.measured else ""),
                _words(s.sites) if s.sites is not None else "see note",
                per_text,
                f"{total:g} U" if total is not None else "see note",
                _get(s, "paradigm", "") or s.note,
                " ".join(f"[{k}]" for k in s.sources),
            ]
        )
    blocks.append(
        Block(
            "table",
            header=["muscle", "sites", "units per site", "total", "paradigm", "source"],
            rows=rows,
        )
    )
    items = []
    for s in p.sites:
        if _get(s, "paradigm", ""):
            items.append(Item([_t(f"{_get(s, 'label', '') or _human(s.muscle)}: "), _t(s.note)]))
        for r in _get(s, "reductions", []):
            items.append(Item([_t("reduction: "), _t(r.text), *_cite(r.source)]))
    total_text = _get(p, "session_total_text", "")
    if total_text:
        items.insert(0, Item([_b("Session total: "), _t(total_text)]))
    items += [Item([_t("reference: "), _t(t.text), *_cite(t.source)]) for t in p.reference_totals]
    items += [Item([_t("note: "), _t(n.text), *_cite(n.source)]) for n in _get(p, "notes", [])]
    if items:
        blocks.append(Block("ul", items=items))
    return blocks


def _treatment(a: Assessment) -> list[Block]:
    blocks = [Block("h2", title="4. Treatment")]
    items = []
    for o in a.treatment_options:
        sub: list[Line] = []
        for label, cited in (
            ("benefit", o.expected_benefit),
            ("duration", o.duration),
            ("risks", o.risks),
            ("note", o.notes),
        ):
            sub += [[_t(f"{label}: "), _t(c.text), *_cite(c.source)] for c in cited]
        items.append(Item([_b(o.treatment), _t(" — "), _t(o.when)], sub))
    if items:
        blocks.append(Block("ul", items=items))
    withheld = _get(a, "withheld", [])
    if withheld:
        blocks.append(
            Block(
                "box",
                lines=[[_b("Withheld: "), _t(w.text), *_cite(w.source)] for w in withheld],
                cls="withheld",
            )
        )
    cautions = _get(a, "pregnancy_cautions", [])
    if cautions:
        blocks.append(
            Block(
                "ul",
                items=[Item([_b("Pregnancy: "), _t(c.text), *_cite(c.source)]) for c in cautions],
            )
        )
    if a.discuss_mvd:
        blocks.append(
            Block(
                "p",
                lines=[
                    [_b("Discuss MVD because: ")]
                    + [
                        s
                        for i, c in enumerate(a.discuss_mvd)
                        for s in ([_t("; ")] if i else []) + [_t(c.text), *_cite(c.source)]
                    ]
                ],
            )
        )
    if not items and not withheld:
        blocks.append(Block("p", lines=[[_t("No option listed for this leading diagnosis.")]]))
    if a.injection_plan:
        blocks += _plan_blocks(a.injection_plan)
    return blocks


def _dose(s: Any) -> str:
    text = _get(s, "dose_text", "")
    if text:
        return text
    unit = _get(s, "dose_unit", None) or (
        "U" if s.type == "botulinum_toxin" else "mg/day" if s.type in _ORAL else ""
    )
    if s.total_dose is None:
        return "dose not recorded" if unit else "no dose"
    return f"{s.total_dose:g} {unit}".strip()


def _course(a: Assessment) -> list[Block]:
    c = a.treatment_course
    if not c.sessions:
        return [
            Block("h2", title="5. Treatment course"),
            Block("p", lines=[[_t("No treatment recorded.")]]),
        ]
    blocks = [Block("h2", title="5. Treatment course")]
    verdict = _get(c, "waning_summary", "")
    lines: list[Line] = []
    if c.waning:
        lines.append([Seg("WANING", "tag"), _t(": "), _b(verdict or "waning toxin response")])
    elif verdict:
        lines.append([_b("Toxin response: "), _t(verdict)])
    if lines:
        blocks.append(
            Block("box" if c.waning else "p", lines=lines, cls="waning" if c.waning else "")
        )
    items = [Item([_t("why: "), _t(r)]) for r in c.waning_reasons]
    items += [
        Item([_t("check: "), _t(w.text), *_cite(w.source)]) for w in _get(c, "what_to_check", [])
    ]
    if c.mean_toxin_interval_weeks is not None:
        line = [_t(f"mean interval between toxin sessions: {c.mean_toxin_interval_weeks:g} weeks")]
        if c.short_intervals:
            shown = ", ".join(f"{w:g}" for w in c.short_intervals)
            line += [_t(f"; shorter than 12 weeks: {shown} weeks"), *_cite("rosenstengel2012")]
        items.append(Item(line))
    if items:
        blocks.append(Block("ul", items=items))
    rows = []
    for s in c.sessions:
        gap = s.weeks_since_previous_toxin
        rows.append(
            [
                str(s.index),
                _TREATMENT_WORDS.get(s.type, _human(s.type)),
                _words(s.date) if s.date else "undated",
                _dose(s),
                _words(s.response),
                f"{s.peak_improvement_pct:g}%"
                if s.peak_improvement_pct is not None
                else NOT_RECORDED,
                f"{s.benefit_weeks:g} weeks" if s.benefit_weeks is not None else NOT_RECORDED,
                f"{gap:g} weeks" if gap is not None else "",
                ", ".join(_human(x) for x in _get(s, "side_effects", [])),
            ]
        )
    blocks.append(
        Block(
            "table",
            header=[
                "#",
                "treatment",
                "date",
                "dose",
                "response",
                "peak",
                "benefit",
                "since previous toxin",
                "side effects",
            ],
            rows=rows,
        )
    )
    return blocks


def _details(a: Assessment) -> list[Block]:
    blocks = [Block("h2", title="6. Details")]
    rows = [
        [
            str(d.rank),
            d.label,
            str(d.score),
            "; ".join(r.text for r in d.for_) or "none recorded",
            "; ".join(r.text for r in d.against) or "none recorded",
        ]
        for d in a.differential
        if d.score != 0 or d.rank <= 3
    ]
    blocks += [
        Block(
            "p",
            lines=[
                [
                    _b("Differential"),
                    _t(
                        " (score = cited features for minus against; "
                        "an engineering ordering, not probabilities)"
                    ),
                ]
            ],
        ),
        Block("table", header=["rank", "condition", "score", "for", "against"], rows=rows),
    ]
    if a.scales:
        blocks.append(Block("p", lines=[[_b("Rating scales")]]))
        blocks.append(
            Block(
                "ul",
                items=[
                    Item(
                        [
                            _t(f"{s.title}: "),
                            _b(f"{s.total:g}"),
                            _t(f" (range {s.total_range[0]:g}-{s.total_range[1]:g}) — "),
                            _t(s.interpretation),
                            *_cite(s.source),
                        ]
                    )
                    for s in a.scales.values()
                ],
            )
        )
    if a.video:
        v = a.video
        items = [
            Item(
                [_t("source: "), _t(v.source_name or "inline summary")]
                + ([_b(" — SYNTHETIC data")] if v.synthetic else [])
            ),
            Item([_t("side with spasms on video: "), _t(_human(v.affected_side))]),
        ]
        for side, m in v.sides.items():
            items.append(
                Item(
                    [
                        _t(
                            f"{side}: {_words(m.spasms_per_min)} spasms/min, "
                            f"{_words(m.pct_time_in_spasm)}% of the time in spasm, "
                            f"{_words(m.clonic_count)} clonic / {_words(m.tonic_count)} tonic, "
                            f"regions: {', '.join(_human(r) for r in m.regions) or 'none'}"
                        )
                    ]
                )
            )
        items += [
            Item([_t(f"filled from video: {_human(k)} = "), _t(_human_value(val))])
            for k, val in v.measured_fields.items()
        ]
        items += [Item([_t("disagreement: "), _t(d)]) for d in v.discrepancies]
        blocks += [Block("p", lines=[[_b("Video measurements")]]), Block("ul", items=items)]
    interp = _get(a, "interpretations", [])
    if interp:
        blocks += [
            Block("p", lines=[[_b("How the case file was read"), _t(" (check each):")]]),
            Block("ul", items=[Item([_t(s)]) for s in interp]),
        ]
    unverified = _get(a, "unverified_rules", [])
    if unverified:
        blocks.append(
            Block(
                "p",
                lines=[
                    [
                        _b("Unverified sources: "),
                        _t(
                            f"{len(unverified)} rule(s) rest on a source whose full text was "
                            "not read; they are marked in the rules table."
                        ),
                    ]
                ],
            )
        )
    blocks.append(Block("p", lines=[[_b("Rules fired")]]))
    blocks.append(
        Block(
            "table",
            header=["rule", "if", "then", "source"],
            rows=[[r.id, r.condition, r.conclusion, r.citation] for r in a.rules_fired],
            cls="rules",
        )
    )
    keys = _cited_keys(a)
    if keys:
        blocks.append(
            Block("p", lines=[[_b("Sources"), _t(" (full references in docs/references.md)")]])
        )
        blocks.append(
            Block("ul", items=[Item([Seg(k, "cite"), _t(" " + SOURCES[k])]) for k in keys])
        )
    return blocks


def _human_value(v: Any) -> str:
    if isinstance(v, list):
        return ", ".join(_human(x) for x in v)
    return _human(v)


def _cited_keys(a: Assessment) -> list[str]:
    """Every source key the assessment cites, in first-use order."""
    text = a.model_dump_json(by_alias=True)
    keys = re.findall(r'"(?:source|sources)":\s*(?:"([A-Za-z0-9_]+)"|\[([^\]]*)\])', text)
    out: list[str] = []
    for single, many in keys:
        for k in [single] if single else re.findall(r'"([A-Za-z0-9_]+)"', many):
            if k in SOURCES and k not in out:
                out.append(k)
    return out


def summary_line(a: Assessment) -> str:
    """The one-line summary the CLI prints: leading diagnosis, likelihood, the most urgent
    action, the red flags not assessed, and the waning verdict of a toxin course."""
    label = _get(a, "leading_label", "") or _human(a.leading_diagnosis)
    level = _get(a, "likelihood_label", "") or _human(a.hfs_likelihood)
    parts = [f"leading: {label}", f"HFS likelihood {level}"]
    flags = sorted(a.red_flags, key=lambda f: _URGENCY_ORDER.get(f.urgency, 9))
    if flags:
        top = flags[0]
        tf = _get(top, "time_frame", "")
        parts.append(
            f"act: {_get(top, 'label', '') or top.flag} ({top.urgency}"
            + (f", {tf.split(' (')[0]}" if tf else "")
            + ")"
            + (f" +{len(flags) - 1} more" if len(flags) > 1 else "")
        )
    else:
        parts.append("no red flag recorded")
    na = _get(a, "red_flags_not_assessed", [])
    if na:
        parts.append(f"{len(na)} red-flag field(s) not assessed")
    c = a.treatment_course
    verdict = _get(c, "waning_summary", "")
    if c.toxin_sessions >= 2 and verdict:
        parts.append(f"toxin course: {verdict}")
    elif c.waning:
        parts.append("toxin course: waning")
    return "; ".join(parts)


def _document(a: Assessment) -> tuple[str, list[Block]]:
    title = "hemispasm clinical assessment" + (f" — case {a.case_id}" if a.case_id else "")
    head = [Block("box", lines=[[Seg(a.disclaimer, "em")]], cls="disclaimer")]
    summary = _get(a, "summary", "") or summary_line(a)
    head.append(Block("p", lines=[[_b("Summary: "), _t(summary)]], cls="summary"))
    blocks = head + _act_first(a) + _diagnosis(a) + _workup(a) + _treatment(a) + _course(a)
    blocks += _details(a)
    return title, blocks


# ----------------------------------------------------------------------------------------
# Markdown
# ----------------------------------------------------------------------------------------

# Enough to neutralise input: emphasis (* _ ~), code (`), links and images ([ ] !), tables (|),
# HTML (< > & as entities). Brackets escaped means "(...)" can never become a link target.
# An underscore inside a word (orbicularis_oculi) cannot start emphasis, so it stays as written.
_MD_SPECIAL = re.compile(r"([\\`*\[\]|~!]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


def md_escape(text: str) -> str:
    """Escape text for Markdown: no HTML, no links, no emphasis or table breaks from input."""
    s = html.escape(str(text), quote=False)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = re.sub(r"^(\s*)([#>+-])(\s)", r"\1\\\2\3", s)  # no heading, quote or list
    s = re.sub(r"^(\s*)(\d+)\.(\s)", r"\1\2\\.\3", s)
    s = re.sub(r"(?i)javascript:", "javascript&#58;", s)
    s = re.sub(r"(?i)(https?|ftp|data|vbscript|file):", r"\1&#58;", s)
    return s.replace("\n", " ").replace("\r", " ")


def _md_line(line: Line) -> str:
    out = []
    for s in line:
        t = md_escape(s.text)
        if s.kind in ("bold", "em") and t.strip():
            mark = "**" if s.kind == "bold" else "*"
            lead, core, trail = re.match(r"(\s*)(.*?)(\s*)$", t, re.S).groups()
            out.append(f"{lead}{mark}{core}{mark}{trail}")
        elif s.kind == "cite":
            out.append(f"\\[{t}\\]")
        elif s.kind == "tag":
            out.append(f"**{t}**")
        else:
            out.append(t)
    return "".join(out)


def render_markdown(a: Assessment) -> str:
    """The assessment as Markdown (every string escaped)."""
    title, blocks = _document(a)
    parts = [f"# {md_escape(title)}", ""]
    for b in blocks:
        if b.kind in ("h2", "h3"):
            parts += [f"{'#' * int(b.kind[1])} {b.title}", ""]  # our own static headings
        elif b.kind == "p":
            parts += ["  \n".join(_md_line(ln) for ln in b.lines), ""]
        elif b.kind == "box":
            parts += ["> " + "  \n> ".join(_md_line(ln) for ln in b.lines), ""]
        elif b.kind == "ul":
            for it in b.items:
                parts.append("- " + _md_line(it.line))
                parts += ["  - " + _md_line(s) for s in it.sub]
            parts.append("")
        elif b.kind == "table" and b.rows:
            parts.append("| " + " | ".join(md_escape(h) for h in b.header) + " |")
            parts.append("|" + "---|" * len(b.header))
            parts += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in b.rows]
            parts.append("")
    p = a.provenance
    parts.append(md_escape(f"hemispasm {p.version}, method {p.method}, {p.created_utc}"))
    return "\n".join(parts) + "\n"


# ----------------------------------------------------------------------------------------
# HTML
# ----------------------------------------------------------------------------------------


def _html_line(line: Line) -> str:
    out = []
    for s in line:
        t = html.escape(s.text)
        if s.kind == "bold":
            out.append(f"<strong>{t}</strong>")
        elif s.kind == "em":
            out.append(f"<em>{t}</em>")
        elif s.kind == "cite":
            out.append(f"<span class='cite'>[{t}]</span>")
        elif s.kind == "tag":
            out.append(f"<span class='tag'>{t}</span>")
        else:
            out.append(t)
    return "".join(out)


_CSS = (
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;max-width:62rem;"
    "margin:1.5rem auto;padding:0 1rem;color:#1d1d1f}h1{font-size:1.45rem;margin-bottom:.6rem}"
    "h3{font-size:1rem;margin:1rem 0 .4rem}"
    "h2{font-size:1.12rem;margin:1.4rem 0 .5rem;padding-bottom:.15rem;border-bottom:1px solid #ddd}"
    "ul{margin:.3rem 0 .6rem;padding-left:1.3rem}li{margin:.2rem 0}li ul{margin:.15rem 0}"
    "li li{list-style:circle;color:#333}.cite{color:#666;font-size:.86em}"
    ".box{padding:.45rem .8rem;margin:.5rem 0;border-left:4px solid #999;background:#f6f6f6}"
    ".box.disclaimer{background:#fff8e1;border-color:#f0b400;font-size:.92em}"
    ".box.missing{background:#fff1e6;border-color:#e8590c}"
    ".box.withheld{background:#eef4ff;border-color:#3b6fd8}"
    ".box.waning{background:#fdecec;border-color:#b00020}"
    "p.summary{font-size:1.02rem;background:#f3f6f9;padding:.5rem .8rem;border-radius:4px}"
    "ul.flags{list-style:none;padding-left:0}ul.flags>li{padding:.45rem .7rem;margin:.4rem 0;"
    "border-left:5px solid #9a5b00;background:#fff7ec}"
    "ul.flags>li.emergency,ul.flags>li.urgent{border-color:#b00020;background:#fdecec}"
    ".tag{font-weight:700;color:#9a5b00;white-space:nowrap}li.emergency .tag,li.urgent .tag,"
    ".box.waning .tag{color:#b00020}"
    "table{border-collapse:collapse;font-size:13px;margin:.4rem 0 .8rem}"
    "td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}table.rules{font-size:12px}"
    "footer{color:#777;margin-top:2rem;font-size:12px}"
)


def render_html(a: Assessment) -> str:
    """The assessment as one self-contained HTML page (no external resources; all escaped)."""
    title, blocks = _document(a)
    body = [f"<h1>{html.escape(title)}</h1>"]
    for b in blocks:
        cls = f" class='{html.escape(b.cls)}'" if b.cls else ""
        if b.kind in ("h2", "h3"):
            body.append(f"<{b.kind}>{html.escape(b.title)}</{b.kind}>")
        elif b.kind == "p":
            body += [f"<p{cls}>{_html_line(ln)}</p>" for ln in b.lines]
        elif b.kind == "box":
            body.append(
                f"<div class='box {html.escape(b.cls)}'>"
                + "<br>".join(_html_line(ln) for ln in b.lines)
                + "</div>"
            )
        elif b.kind == "ul":
            body.append(f"<ul{cls}>")
            for it in b.items:
                icls = f" class='{html.escape(it.cls)}'" if it.cls else ""
                sub = (
                    "<ul>" + "".join(f"<li>{_html_line(s)}</li>" for s in it.sub) + "</ul>"
                    if it.sub
                    else ""
                )
                body.append(f"<li{icls}>{_html_line(it.line)}{sub}</li>")
            body.append("</ul>")
        elif b.kind == "table" and b.rows:
            fold = b.cls == "rules"
            body.append(
                ("<details><summary>show the rules that fired</summary>" if fold else "")
                + f"<table{cls}><tr>"
                + "".join(f"<th>{html.escape(h)}</th>" for h in b.header)
                + "</tr>"
                + "".join(
                    "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                    for row in b.rows
                )
                + "</table>"
                + ("</details>" if fold else "")
            )
    p = a.provenance
    body.append(
        f"<footer>{html.escape(f'hemispasm {p.version} · {p.method} · {p.created_utc}')}</footer>"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )
