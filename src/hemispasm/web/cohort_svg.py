"""Cohort charts as SVG geometry (pure: a cohort summary's parts in, shapes out).

- :func:`histogram`: one bar per fixed bin (equal widths: bins are categories), the count over
  each bar; a suppressed bin is drawn as a short hatched-grey bar labelled ``< k`` (or
  ``suppressed`` for a secondary suppression), never with its true height. Under it a box
  summary on its own linear axis: whiskers p10-p90, box p25-p75, the median line.
- :func:`bars`: horizontal bars for counts in categories (side and sex, MVD outcomes, ...).

The templates draw what these return; no script runs in the page (CSP ``script-src 'self'``).
"""

from __future__ import annotations

from typing import Any

W = 360  # viewBox width of one chart
PLOT_TOP = 22
PLOT_H = 110
LEFT = 10
RIGHT = 10
SUPPRESSED_H = 8  # px: the drawn height of a hidden bin (not its count)
BOX_H = 34


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if abs(v) < 100 else f"{v:.0f}"


def histogram(dist: dict[str, Any]) -> dict[str, Any]:
    """Shapes of one distribution (a :class:`~hemispasm.registry.cohort.Distribution` as JSON).

    Returns
    -------
    dict
        ``width``, ``height``, ``bars`` (x, y, w, h, label, text, suppressed), ``base_y``,
        ``box`` (x of p10, p25, median, p75, p90, with tick labels) or None, ``empty``.
    """
    bins = dist.get("bins") or []
    if not bins:
        return {"empty": True, "width": W, "height": 40}
    shown = [b["value"] for b in bins if b["value"] is not None]
    top = max([*shown, 1])
    n = len(bins)
    slot = (W - LEFT - RIGHT) / n
    base = PLOT_TOP + PLOT_H
    longest = max(len(b["label"]) for b in bins)
    font = round(min(11.0, (slot - 2) / (0.62 * longest)), 1)  # labels never overlap
    bars = []
    for i, b in enumerate(bins):
        hidden = b["value"] is None
        h = SUPPRESSED_H if hidden else PLOT_H * b["value"] / top
        bars.append(
            {
                "x": round(LEFT + i * slot + 2, 1),
                "w": round(max(slot - 4, 2), 1),
                "y": round(base - h, 1),
                "h": round(h, 1),
                "cx": round(LEFT + (i + 0.5) * slot, 1),
                "label": b["label"],
                "text": b["text"],
                "suppressed": hidden,
            }
        )
    out: dict[str, Any] = {
        "empty": False,
        "width": W,
        "base_y": base,
        "label_y": base + 15,
        "label_font": font,
        "bars": bars,
        "box": None,
        "height": base + 24,
    }
    q = dist.get("quantiles")
    if q:
        lo, hi = q["p10"], q["p90"]
        span = (hi - lo) or 1.0
        x0, x1 = LEFT + 40, W - RIGHT - 40

        def x(v: float) -> float:
            return round(x0 + (x1 - x0) * (v - lo) / span, 1)

        y = base + 34
        out["box"] = {
            "y": y,
            "h": 16,
            "mid": y + 8,
            "p10": x(q["p10"]),
            "p25": x(q["p25"]),
            "median": x(q["median"]),
            "p75": x(q["p75"]),
            "p90": x(q["p90"]),
            "labels": [
                {"x": x(q["p10"]), "text": _num(q["p10"]), "anchor": "end"},
                {"x": x(q["p90"]), "text": _num(q["p90"]), "anchor": "start"},
            ],
            "median_text": _num(q["median"]),
        }
        out["height"] = y + BOX_H
    return out


def bars(counts: dict[str, Any], *, label_w: int = 150) -> dict[str, Any]:
    """Horizontal bars of a :class:`~hemispasm.registry.cohort.Counts` (as JSON)."""
    cells = counts.get("cells") or []
    row_h = 26
    shown = [c["value"] for c in cells if c["value"] is not None]
    top = max([*shown, 1])
    plot_w = W - label_w - 56
    rows = []
    for i, c in enumerate(cells):
        hidden = c["value"] is None
        w = 6 if hidden else plot_w * c["value"] / top
        rows.append(
            {
                "y": 6 + i * row_h,
                "ty": 6 + i * row_h + 15,
                "w": round(max(w, 0), 1),
                "label": c["label"],
                "text": c["text"],
                "suppressed": hidden,
                "tx": round(label_w + max(w, 0) + 6, 1),
            }
        )
    return {
        "width": W,
        "height": 12 + len(cells) * row_h,
        "label_w": label_w,
        "rows": rows,
        "empty": not cells,
    }


__all__ = ["bars", "histogram"]
