"""The LSR-per-sweep chart of an operation as SVG geometry (pure: the ``emg_lsr`` analysis in,
shapes out; the template draws them, no script runs in the page).

Upper panel: the LSR amplitude (µV, the least-squares scale of the template × its
peak-to-peak, as ``emg lsr`` reports it; near 0 when absent) of every sweep of the LSR channel
against the operation time (minutes from the first sweep). A filled dot is a sweep with the LSR
present, a hollow grey dot one without; an orange ring marks a sweep of **low confidence**
(:data:`LOW_CONFIDENCE`). Dashed lines: the baseline amplitude and the amplitude-drop level
(86.5 % below baseline, Pan et al. 2025, one of the two criteria ``emg lsr`` reports). A red
line and shading from the sweep where the LSR disappeared under the headline criterion, and a
marker at the sweep where that criterion was met (``consecutive`` absent sweeps read); a
return, if any, in green.

Lower lane: the direct M-response amplitude of the stimulated muscle per sweep (the context
``emg lsr`` gives: a lost LSR with a steady M-response is not a stimulation failure).
"""

from __future__ import annotations

import math
from typing import Any

WIDTH = 960
LEFT = 78
RIGHT = 24
TOP = 34
LSR_H = 250
M_GAP = 46
M_H = 70

#: A sweep's ``confidence`` (Φ(|z − threshold|), a heuristic 0.5-1 from ``emg lsr``) below
#: this is drawn as low confidence: |z − threshold| < 1.28. *Engineering* choice.
LOW_CONFIDENCE = 0.9


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def table_rows(table: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A stored analysis table (``{"columns", "rows"}``) as a list of dicts."""
    if not table:
        return []
    cols = table.get("columns", [])
    return [dict(zip(cols, r, strict=False)) for r in table.get("rows", [])]


def _nice_step(span: float, n: int = 6) -> float:
    raw = max(span / n, 1e-9)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def fmt_time(seconds: float | None) -> str:
    """Seconds as ``m:ss`` (operation time)."""
    if seconds is None:
        return "—"
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def sweep_table(summary: dict[str, Any], sweeps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per sweep of the LSR channel, with the direct M-response of the same sweep.

    Keys: ``sweep``, ``time_s``, ``t`` (m:ss from the first sweep), ``present``,
    ``amplitude_uv``, ``latency_ms``, ``confidence``, ``low_confidence``, ``z``,
    ``z_threshold``, ``m_amplitude_uv``, ``mark`` (``disappeared``/``criterion met``/
    ``returned`` or empty).
    """
    ch = summary.get("lsr_channel")
    direct = set(summary.get("direct_channels") or [])
    lsr = sorted((r for r in sweeps if r.get("channel") == ch), key=lambda r: r["sweep"])
    m_by = {}
    for r in sweeps:
        if r.get("channel") in direct and r.get("m_present"):
            m_by.setdefault(r["sweep"], _num(r.get("m_amplitude_uv")))
    t0 = _num(lsr[0].get("time_s")) if lsr else 0.0
    t0 = t0 or 0.0
    dis, ret, met = marks(summary)
    out = []
    for r in lsr:
        k = int(r["sweep"])
        conf = _num(r.get("confidence"))
        mark = ""
        if k == dis:
            mark = "disappeared"
        if k == met:
            mark = (mark + " · " if mark else "") + "criterion met"
        if k == ret:
            mark = "returned"
        t = _num(r.get("time_s"))
        out.append(
            {
                "sweep": k,
                "time_s": t,
                "t": fmt_time(None if t is None else t - t0),
                "present": bool(r.get("present")),
                "amplitude_uv": _num(r.get("amplitude_uv")),
                "latency_ms": _num(r.get("latency_ms")),
                "confidence": conf,
                "low_confidence": conf is not None and conf < LOW_CONFIDENCE,
                "z": _num(r.get("z")),
                "z_threshold": _num(r.get("z_threshold")),
                "m_amplitude_uv": m_by.get(k),
                "mark": mark,
            }
        )
    return out


def marks(summary: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    """(disappearance sweep, return sweep, sweep at which the disappearance criterion was
    met) under the headline criterion; the criterion is met once ``consecutive_sweeps``
    absent sweeps have been read, so at ``disappearance + consecutive - 1``."""
    dis = summary.get("disappearance_sweep")
    ret = summary.get("return_sweep")
    n = int(summary.get("consecutive_sweeps") or 1)
    met = None if dis is None else int(dis) + n - 1
    return (None if dis is None else int(dis)), (None if ret is None else int(ret)), met


def lsr_chart(summary: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Shapes for the chart template from :func:`sweep_table` rows.

    Returns
    -------
    dict
        ``width``, ``height``, panel bounds, ``xticks``/``yticks``/``mticks`` (position,
        label), ``line`` (polyline points), ``points`` (x, y, cls, title), ``m_points``,
        ``baseline``/``drop`` (y, label) or None, ``disappeared``/``met``/``returned`` (x,
        label) or None, ``shade`` (x, w) or None; ``empty`` without sweeps.
    """
    if not rows:
        return {"empty": True, "width": WIDTH, "height": 60}
    t0 = rows[0]["time_s"] or 0.0
    ts = [((r["time_s"] if r["time_s"] is not None else t0) - t0) / 60.0 for r in rows]
    span = max(ts[-1], 1e-6)
    x_right = WIDTH - RIGHT
    lsr_top, lsr_bottom = TOP, TOP + LSR_H
    m_top = lsr_bottom + M_GAP
    m_bottom = m_top + M_H
    axis_y = m_bottom
    height = axis_y + 44

    def x(tmin: float) -> float:
        return round(LEFT + (x_right - LEFT) * tmin / span, 1)

    base = _num(summary.get("baseline_amplitude_uv"))
    amps = [r["amplitude_uv"] or 0.0 for r in rows]
    top_v = max([*amps, (base or 0.0) * 1.15, 1.0])
    ystep = _nice_step(top_v, 5)
    ymax = ystep * math.ceil(top_v / ystep)

    def y(v: float) -> float:
        return round(lsr_bottom - (lsr_bottom - lsr_top) * max(v, 0.0) / ymax, 1)

    points = []
    for r, tm, a in zip(rows, ts, amps, strict=True):
        cls = "pres" if r["present"] else "abs"
        if r["low_confidence"]:
            cls += " low"
        conf = f", confidence {r['confidence']:.2f}" if r["confidence"] is not None else ""
        points.append(
            {
                "x": x(tm),
                "y": y(a),
                "cls": cls,
                "title": f"sweep {r['sweep']} at {r['t']}: "
                + (f"LSR {a:.0f} µV" if r["present"] else "no LSR")
                + conf
                + (" (low confidence)" if r["low_confidence"] else ""),
            }
        )
    line = " ".join(f"{p['x']},{p['y']}" for p in points)
    xstep = _nice_step(span, 8)
    xticks = []
    k = 0
    while k * xstep <= span + 1e-9:
        xticks.append({"x": x(k * xstep), "label": f"{k * xstep:g}"})
        k += 1
    yticks = [{"y": y(i * ystep), "label": f"{i * ystep:g}"} for i in range(int(ymax / ystep) + 1)]
    m_vals = [r["m_amplitude_uv"] for r in rows]
    m_max = max([v for v in m_vals if v is not None] + [0.0])
    m_points = []
    if m_max > 0:
        for r, tm, v in zip(rows, ts, m_vals, strict=True):
            if v is not None:
                yy = round(m_bottom - (m_bottom - m_top) * v / (m_max * 1.1), 1)
                m_points.append({"x": x(tm), "y": yy, "title": f"sweep {r['sweep']}: M {v:.0f} µV"})
    by_sweep = {r["sweep"]: x(tm) for r, tm in zip(rows, ts, strict=True)}
    dis, ret, met = marks(summary)
    crit = str(summary.get("criterion") or "")

    def vline(sweep: int | None, label: str) -> dict[str, Any] | None:
        if sweep is None or sweep not in by_sweep:
            return None
        xx = by_sweep[sweep]
        near_end = xx > x_right - 300  # labels go left of the line near the right edge
        return {"x": xx, "label": label, "tx": xx - 6 if near_end else xx + 6,
                "anchor": "end" if near_end else "start"}  # fmt: skip

    shade = None
    if dis is not None and dis in by_sweep:
        end = by_sweep.get(ret, x_right) if ret is not None else x_right
        shade = {"x": by_sweep[dis], "w": max(end - by_sweep[dis], 2.0)}
    drop_frac = _num((summary.get("provenance") or {}).get("parameters", {}).get("drop_fraction"))
    drop_frac = drop_frac if drop_frac is not None else 0.865
    return {
        "empty": False,
        "width": WIDTH,
        "height": height,
        "left": LEFT,
        "right": x_right,
        "lsr_top": lsr_top,
        "lsr_bottom": lsr_bottom,
        "m_top": m_top,
        "m_bottom": m_bottom,
        "axis_y": axis_y,
        "xticks": xticks,
        "yticks": yticks,
        "line": line,
        "points": points,
        "m_points": m_points,
        "m_line": " ".join(f"{p['x']},{p['y']}" for p in m_points),
        "m_max": round(m_max),
        "baseline": {"y": y(base), "label": f"baseline {base:.0f} µV"} if base else None,
        "drop": (
            {"y": y(base * (1 - drop_frac)), "label": f"−{drop_frac * 100:g} %"} if base else None
        ),
        "disappeared": vline(dis, f"LSR gone from sweep {dis}"),
        "met": vline(met, f"{crit} met (sweep {met})"),
        "returned": vline(ret, f"LSR back at sweep {ret}"),
        "shade": shade,
    }
