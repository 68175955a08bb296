"""The patient timeline as SVG geometry (pure: derived measures in, shapes out).

One time axis, lanes from top to bottom: the video-measured spasm rate per visit (spasms/min,
points joined by a line), scale scores (one row per scale, the score written at its date), toxin
sessions (a marker per session labelled with its total units and product; never summed across
products), oral drug courses (bars from start to stop), MVD (a marker), and the next injection
due date (a dashed line). The template draws what this returns; no script runs in the page.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

WIDTH = 960
LEFT = 120
RIGHT = 24
LANE_H = 34
RATE_H = 90
LABEL_GAP = 64  # px between two toxin labels on one row

_BRAND_SHORT = {
    "onabotulinumtoxinA": "ona",
    "abobotulinumtoxinA": "abo",
    "incobotulinumtoxinA": "inco",
    "rimabotulinumtoxinB": "rima",
}
PRODUCT_COLOURS = {
    "onabotulinumtoxinA": "#1f6feb",
    "abobotulinumtoxinA": "#b35900",
    "incobotulinumtoxinA": "#2f8f46",
    "rimabotulinumtoxinB": "#8250df",
}


def _d(s: Any) -> _dt.date | None:
    if s is None:
        return None
    return s if isinstance(s, _dt.date) else _dt.date.fromisoformat(str(s)[:10])


def timeline_svg(derived: dict[str, Any], *, today: _dt.date | None = None) -> dict[str, Any]:
    """Shapes for the timeline template.

    Parameters
    ----------
    derived : dict
        :class:`hemispasm.registry.derive.DerivedMeasures` as JSON.
    today : date, optional
        Drawn as a line; default today.

    Returns
    -------
    dict
        ``width``, ``height``, ``ticks`` (x, label), ``lanes`` (y, label), and lists of shapes:
        ``rate_points``/``rate_line``, ``scales``, ``toxin``, ``drugs``, ``mvd``, ``due``,
        ``today``; ``empty`` when there is nothing dated.
    """
    today = today or _dt.date.today()
    events = derived.get("timeline", [])
    sched = derived.get("schedule", {})
    dates = [_d(e["date"]) for e in events if e.get("date")]
    due = _d(sched.get("next_due"))
    if due:
        dates.append(due)
    if not dates:
        return {"empty": True, "width": WIDTH, "height": 60}
    start, end = min(dates), max(max(dates), min(today, max(dates) + _dt.timedelta(days=120)))
    start -= _dt.timedelta(days=20)
    end += _dt.timedelta(days=20)
    span = max((end - start).days, 1)

    def x(d: _dt.date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (d - start).days / span, 1)

    # lanes
    y = 16
    rate_top, rate_bottom = y, y + RATE_H
    y = rate_bottom + 20
    scales_seen = sorted(
        {s["scale"] for v in derived.get("visits", []) for s in v.get("scales", [])}
    )
    scale_y = {}
    for sc in scales_seen:
        scale_y[sc] = y
        y += LANE_H
    toxin_y = y + 8
    y += LANE_H + 22
    drug_y = y
    y += LANE_H
    mvd_y = y
    y += LANE_H
    axis_y = y
    height = axis_y + 34

    # spasm rate per visit (video)
    rates = [
        (_d(v["date"]), vid["spasms_per_min"], vid.get("synthetic", False))
        for v in derived.get("visits", [])
        for vid in v.get("video", [])
        if vid.get("spasms_per_min") is not None
    ]
    rmax = max([r for _, r, _ in rates] + [1.0])
    rate_points = [
        {
            "x": x(d),
            "y": round(rate_bottom - (rate_bottom - rate_top) * r / rmax, 1),
            "label": f"{r:.1f}/min" + (" (synthetic)" if syn else ""),
        }
        for d, r, syn in sorted(rates)
    ]
    rate_line = " ".join(f"{p['x']},{p['y']}" for p in rate_points)

    scales = [
        {"x": x(_d(v["date"])), "y": scale_y[s["scale"]] + 20, "label": f"{s['total']:g}"}
        for v in derived.get("visits", [])
        for s in v.get("scales", [])
        if s.get("total") is not None
    ]
    toxin = []
    last_label_x = {0: -1e9, 1: -1e9}  # per label row (below, above): no overlapping labels
    for e in events:
        if e["kind"] != "toxin_session" or not e.get("date"):
            continue
        det = e.get("detail", {})
        prod = det.get("product") or "?"
        units = det.get("units")
        tx = x(_d(e["date"]))
        row = 0 if tx - last_label_x[0] >= LABEL_GAP else 1
        show = tx - last_label_x[row] >= LABEL_GAP
        if show:
            last_label_x[row] = tx
        toxin.append(
            {
                "x": tx,
                "y": toxin_y + 14,
                "colour": PRODUCT_COLOURS.get(prod, "#555"),
                "label": f"{units:g} U {_BRAND_SHORT.get(prod, prod)}" if units else prod,
                "label_y": toxin_y + 32 if row == 0 else toxin_y,
                "show_label": show,
                "title": f"{e['date']}: {e['label']}",
            }
        )
    drugs = []
    starts = {e["ref_id"]: e for e in events if e["kind"] == "drug_start"}
    stops = {e["ref_id"]: e for e in events if e["kind"] == "drug_stop"}
    for rid, e in starts.items():
        d0 = _d(e["date"])
        d1 = _d(stops[rid]["date"]) if rid in stops else today
        drugs.append(
            {
                "x": x(d0),
                "w": max(x(d1) - x(d0), 3),
                "y": drug_y + 6,
                "label": e["label"],
            }
        )
    mvd = [
        {"x": x(_d(e["date"])), "y": mvd_y + 14, "label": e["label"]}
        for e in events
        if e["kind"] == "surgery" and e.get("date")
    ]
    ticks = []
    years = [_dt.date(yr, 1, 1) for yr in range(start.year, end.year + 1)]
    years = [d for d in years if start <= d <= end]
    if len(years) >= 2:
        ticks = [{"x": x(d), "label": str(d.year)} for d in years]
    else:  # short courses: months
        d = _dt.date(start.year, start.month, 1)
        while d <= end:
            if d >= start:
                ticks.append({"x": x(d), "label": d.strftime("%b %Y")})
            d = _dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
    lanes = [{"y": rate_top + 10, "label": "spasms/min"}]
    lanes += [{"y": scale_y[s] + 22, "label": s.upper()} for s in scales_seen]
    lanes += [
        {"y": toxin_y + 18, "label": "toxin"},
        {"y": drug_y + 18, "label": "oral drugs"},
        {"y": mvd_y + 18, "label": "MVD"},
    ]
    return {
        "empty": False,
        "width": WIDTH,
        "height": height,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "axis_y": axis_y,
        "rate_top": rate_top,
        "rate_bottom": rate_bottom,
        "rate_max": round(rmax, 1),
        "ticks": ticks,
        "lanes": lanes,
        "rate_points": rate_points,
        "rate_line": rate_line,
        "scales": scales,
        "toxin": toxin,
        "drugs": drugs,
        "mvd": mvd,
        "due": {"x": x(due), "label": f"next due {due.isoformat()}"} if due else None,
        "today": {"x": x(today)} if start <= today <= end else None,
    }
