"""The sweep-by-sweep LSR reading shared by ``emg lsr`` (offline) and ``emg monitor`` (live).

:class:`LsrTracker` receives one stimulus-locked window at a time (the samples from up to
``noise_ms`` before the sweep to ``tmax_ms`` after the stimulus) and returns its reading. The
reading of sweep *k* depends only on sweeps 0..*k* (causal), so the live monitor and the
offline analysis of the same recording give identical rows. The first ``init_sweeps`` sweeps
(baseline) are read together once they have all arrived: they fix the mains frequency, the
channel roles (with their evidence) and the first LSR template.

Per sweep and channel:

1. **Cleaning** (:func:`clean_sweeps`): amplifier saturation is detected (a flat run at the
   extreme value after the stimulus) and blanked with the first ``blank_ms``; then one least-
   squares model is fitted on the quiet samples only (before the stimulus, the
   ``tail_fit_ms`` after the blank, and ``quiet_late_ms``) and subtracted: offset + slope,
   a post-stimulus **DC step** with its own slope, the stimulus artifact's **exponential
   tail** (τ chosen from 0.2-3 ms by least squares) and, when a mains line was found, the
   50/60-Hz hum with two harmonics.
2. **Template** (:func:`build_template`): the ensemble average of the sweeps that carry the
   response, **aligned** on each other (sub-sample shifts) so that latency jitter does not
   smear the onset; its onset is the **first deflection from baseline**, estimated to sub-
   sample precision by a hinge fit (:func:`hinge_onset`).
3. **Matched filter** (:func:`match`): correlation with the template over ±``max_shift_ms``;
   ``z`` = best correlation / its SD under noise alone (noise autocovariance measured before
   the stimuli); present when ``z >= z_threshold`` (4.5), or ``z >= z_track`` (3.5) while
   the response was present in one of the last ``consecutive`` sweeps and the best lag
   within ±``track_ms`` (0.5 ms) of its recent lags reaches it (tracking: its shape and
   latency are then known, so fewer lags are searched; thresholds and window *engineering*,
   chosen on development seeds 0-59 of the varied simulator, docs/emg.md); latency =
   template onset + the sweep's lag (parabolic sub-sample interpolation); amplitude =
   least-squares scale × template peak-to-peak; ``latency_sd_ms`` = the delay's Cramér-Rao
   bound for that sweep.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import deque
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from hemispasm.emg.roles import decide_role

#: Exponential-tail time constants tried (s): 12 log-spaced values, 0.1-1.5 ms, fitted in
#: adjacent pairs (longer ones would be confounded with the DC step and its slope;
#: *engineering*).
TAUS_S = tuple(np.geomspace(0.0001, 0.0015, 12))


def saturation_end(ep: np.ndarray, n_pre: int, sfreq: float, search_ms: float = 4.0) -> np.ndarray:
    """Index (from the stimulus) where amplifier saturation ends, per sweep and channel (0 when
    none): a run of >= 3 samples, starting within 0.3 ms of the stimulus, at >= 98 % of the
    largest deviation in the first ``search_ms`` and flat (|step| <= 1 % of it)."""
    n = round(search_ms * 1e-3 * sfreq)
    post = ep[..., n_pre : n_pre + n]
    base = np.median(ep[..., : n_pre - 2], axis=-1, keepdims=True)
    r = np.abs(post - base)
    m = r.max(axis=-1, keepdims=True) + 1e-12
    d = np.abs(np.diff(post, axis=-1, prepend=post[..., :1]))
    sat = (r >= 0.98 * m) & (d <= 0.01 * m)
    out = np.zeros(ep.shape[:-1], int)
    start_lim = max(1, round(0.0003 * sfreq)) + 1
    flat = sat.reshape(-1, n)
    res = out.reshape(-1)
    for i, row in enumerate(flat):
        idx = np.flatnonzero(row)
        if len(idx) >= 3 and idx[0] <= start_lim:
            # the run from its first sample
            brk = np.flatnonzero(np.diff(idx) > 1)
            last = idx[brk[0]] if len(brk) else idx[-1]
            if last - idx[0] >= 2:
                res[i] = last + 1
    return out


@functools.lru_cache(maxsize=64)
def _designs(
    n_tot: int,
    s0: int,
    sfreq: float,
    b: int,
    qend: int,
    line_hz: float | None,
    quiet_late_ms: tuple[float, float],
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Quiet-sample mask and, per pair of tail time constants, the design matrix ``x``, its
    quiet rows ``xq`` and the least-squares solver ``(xqᵀxq)⁻¹xqᵀ`` — the same for every sweep
    of a window geometry, so computed once (the live per-sweep cost is matrix products)."""
    t = (np.arange(n_tot) - s0) / sfreq
    pre_q = t <= -0.0003
    late_q = (t >= quiet_late_ms[0] * 1e-3) & (t <= quiet_late_ms[1] * 1e-3)
    step = (t >= 0).astype(float)
    cols = [np.ones_like(t), t - t.mean(), step, step * t]
    if line_hz:
        for h in (1, 2, 3):
            w = 2 * np.pi * line_hz * h * t
            cols += [np.sin(w), np.cos(w)]
    base = np.stack(cols, axis=1)
    bi = s0 + b
    q = pre_q.copy()
    q[bi : s0 + qend] = True
    q |= late_q
    tt = np.clip(t - t[bi], 0, None)
    after = np.arange(n_tot) >= bi
    out = []
    for t1, t2 in itertools.pairwise(TAUS_S):
        g1 = np.where(after, np.exp(-tt / t1), 0.0)
        g2 = np.where(after, np.exp(-tt / t2), 0.0)
        x = np.column_stack([base, g1, g2])
        xq = x[q]
        xtx = xq.T @ xq
        xtx += 1e-10 * np.trace(xtx) / len(xtx) * np.eye(len(xtx))
        out.append((x, xq, np.linalg.solve(xtx, xq.T)))  # normal equations (small)
    return q, out


def _sweep_model(
    flat: np.ndarray,
    t: np.ndarray,
    s0: int,
    b_rel: np.ndarray,
    qe: np.ndarray,
    line_hz: float | None,
    p: Any,
) -> np.ndarray:
    """The least-squares artifact/baseline/hum model of each row of ``flat`` (n_rows, n),
    fitted on its quiet samples; ``s0`` is the stimulus index, ``b_rel``/``qe`` the blank end
    and the quiet-window end per row (samples from the stimulus). Model: offset + slope, a
    post-stimulus step with its own slope, two exponential tails (the best pair of
    :data:`TAUS_S`) and, with ``line_hz``, the hum with two harmonics."""
    n_tot = flat.shape[1]
    sfreq = round(1.0 / (t[1] - t[0]), 6)
    key = b_rel * 100_000 + qe
    model = np.zeros_like(flat)
    for kv in np.unique(key):
        rows = np.flatnonzero(key == kv)
        b, qend = int(b_rel[rows[0]]), int(qe[rows[0]])
        q, designs = _designs(
            n_tot, s0, sfreq, b, qend, None if not line_hz else float(line_hz),
            tuple(p.quiet_late_ms),
        )  # fmt: skip
        y = flat[rows][:, q]
        best_sse = np.full(len(rows), np.inf)
        best_model = np.zeros((len(rows), n_tot))
        for x, xq, solver in designs:
            beta = y @ solver.T
            sse = ((y - beta @ xq.T) ** 2).sum(axis=1)
            better = sse < best_sse
            if better.any():
                best_sse[better] = sse[better]
                best_model[better] = beta[better] @ x.T
        model[rows] = best_model
    return model


def clean_sweeps(
    win: np.ndarray,
    sfreq: float,
    n_noise: int,
    n_pre: int,
    line_hz: float | None,
    p: Any,
    quiet_end_ms: list[float | None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clean windows ``(n_sw, n_ch, n_noise + n_pre + n_post)``; returns (epochs, noise, b).

    ``epochs`` is (n_sw, n_ch, n_pre + n_post) with the stimulus at ``n_pre`` and samples
    ``n_pre .. b`` set to 0 (blank); ``b`` the blank end per sweep and channel (epoch index).
    ``quiet_end_ms`` (per channel, optional): where the quiet early window used for the tail
    fit ends on a channel known to have no early response (default: ``tail_fit_ms`` after
    the blank).

    ``noise``: noise measured **through the same processing**. When the noise segment is long
    enough, its last ``n_pre + n_post`` samples are treated as a pseudo-sweep (a stimulus
    that did not happen), cleaned with the same model, and its 2-44 ms part is returned
    (n_sw, n_ch, n): so the noise statistics used by the detector include what the cleaning
    itself adds. Otherwise the pre-stimulus part of the sweeps.
    """
    win = np.array(win, dtype=np.float64, copy=True)
    n_sw, n_ch, n_tot = win.shape
    n_post = n_tot - n_noise - n_pre
    s0 = n_noise + n_pre  # stimulus index in the window
    t = (np.arange(n_tot) - s0) / sfreq
    sat = saturation_end(win[..., n_noise:], n_pre, sfreq)
    blank = round(p.blank_ms * 1e-3 * sfreq)
    guard = round(0.0002 * sfreq)
    b_rel = np.maximum(blank, np.where(sat > 0, sat + guard, 0))  # from the stimulus
    nfit = max(3, round(p.tail_fit_ms * 1e-3 * sfreq))
    qe = np.zeros((n_sw, n_ch), int)
    for c in range(n_ch):
        v = None if quiet_end_ms is None else quiet_end_ms[c]
        qe[:, c] = 0 if v is None else round(v * 1e-3 * sfreq)
    qe_b = np.maximum(qe, b_rel + nfit)
    flat = win.reshape(n_sw * n_ch, n_tot)
    raw_noise = flat[:, : n_noise - 0].copy() if n_noise > 0 else None
    flat -= _sweep_model(flat, t, s0, b_rel.reshape(-1), qe_b.reshape(-1), line_hz, p)
    cleaned = flat.reshape(n_sw, n_ch, n_tot)
    ep = np.ascontiguousarray(cleaned[..., n_noise:])
    b_idx = n_pre + b_rel
    for i in range(n_sw):
        for c in range(n_ch):
            ep[i, c, n_pre : b_idx[i, c]] = 0.0
    min_pre = round(0.01 * sfreq)
    if raw_noise is not None and n_noise >= n_pre + n_post + min_pre:
        s0p = n_noise - n_post
        tp = (np.arange(n_noise) - s0p) / sfreq
        bp = np.full(n_sw * n_ch, blank)
        qp = np.maximum(qe.reshape(-1), blank + nfit)
        raw_noise -= _sweep_model(raw_noise, tp, s0p, bp, qp, line_hz, p)
        lo = s0p + round(2.0e-3 * sfreq)
        hi = s0p + round(p.quiet_late_ms[0] * 1e-3 * sfreq)
        noise = np.ascontiguousarray(raw_noise.reshape(n_sw, n_ch, n_noise)[..., lo:hi])
    else:
        noise = np.ascontiguousarray(ep[..., : n_pre - max(1, round(0.0003 * sfreq))])
    return ep, noise, b_idx


def line_from_noise(noise: np.ndarray, sfreq: float) -> float | None:
    """Mains frequency (50 or 60 Hz) when a sinusoid explains > 20 % of the variance of the
    noise segments on average (*engineering*), else None. ``noise``: (n_seg, n_samples)."""
    n = noise.shape[-1]
    if n < round(0.03 * sfreq):  # under 1.5 cycles of 50 Hz: cannot tell
        return None
    t = np.arange(n) / sfreq
    y = noise - noise.mean(axis=-1, keepdims=True)
    tot = (y**2).sum(axis=-1) + 1e-30
    best, best_r2 = None, 0.2
    for f in (50.0, 60.0):
        x = np.column_stack([np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t), t - t.mean()])
        beta = y @ np.linalg.pinv(x).T
        r2 = float(np.mean(1 - ((y - beta @ x.T) ** 2).sum(axis=-1) / tot))
        if r2 > best_r2:
            best, best_r2 = f, r2
    return best


def noise_autocov(noise: np.ndarray, max_lag: int) -> np.ndarray:
    """Pooled autocovariance (lags 0..max_lag; the biased estimator, positive definite) of
    noise segments (n_seg, n)."""
    seg = noise - noise.mean(axis=-1, keepdims=True)
    n = seg.shape[-1]
    lags = min(max_lag, n - 1)
    ac = np.array([np.sum(seg[:, : n - k] * seg[:, k:]) for k in range(lags + 1)])
    ac /= seg.shape[0] * n
    out = np.zeros(max_lag + 1)
    out[: lags + 1] = ac
    return out


def null_sd(h: np.ndarray, ac: np.ndarray) -> float:
    """SD of ``sum(noise * h)`` for stationary noise with autocovariance ``ac``."""
    m = len(h)
    acf_h = np.correlate(h, h, mode="full")[m - 1 :]
    k = min(m, len(ac))
    var = ac[0] * acf_h[0] + 2 * np.sum(ac[1:k] * acf_h[1:k])
    return float(np.sqrt(max(var, 1e-30)))


def segment(avg: np.ndarray, sd_avg: float, lo: int, hi: int) -> tuple[int, int] | None:
    """Onset/offset indices of the response of ``avg`` between ``lo`` and ``hi`` (walked out
    to the baseline crossings), or None when nothing exceeds 6 SD of the average's noise."""
    w = np.abs(avg[lo:hi])
    if len(w) == 0 or w.max() < 6.0 * sd_avg:
        return None
    thr = max(4.0 * sd_avg, 0.1 * w.max())
    above = np.flatnonzero(w > thr)
    on, off = lo + above[0], lo + above[-1]
    sgn = np.sign(avg[on])
    # back to the baseline: while the same sign, above 0.5 SD and still falling going back
    while (
        on > lo and np.sign(avg[on - 1]) == sgn and 0.5 * sd_avg < abs(avg[on - 1]) <= abs(avg[on])
    ):
        on -= 1
    sgn = np.sign(avg[off])
    end = len(avg) - 1
    while off < end and np.sign(avg[off + 1]) == sgn and abs(avg[off + 1]) > 0.5 * sd_avg:
        off += 1
    return int(on), int(off)


def phases(h: np.ndarray, sd: float) -> int:
    """Number of phases: baseline crossings + 1, counting only lobes larger than 3 SD."""
    lobes, cur, big = 0, 0.0, False
    for v in h:
        s = np.sign(v)
        if s != 0 and s != cur:
            if big:
                lobes += 1
            cur, big = s, False
        big = big or abs(v) > 3 * sd
    if big:
        lobes += 1
    return max(lobes, 1)


def hinge_onset(
    avg: np.ndarray,
    sd: float,
    lo: int,
    on: int,
    off: int,
    sfreq: float,
    frac: float = 0.3,
    a_w: np.ndarray | None = None,
) -> float:
    """First deflection from baseline of the response in ``avg[on:off]``, sub-sample.

    Least-squares fit of a hinge, ``c + a·(t - t0)₊`` (a local baseline, then a straight
    rise), from 1.5 ms before the response up to where its first phase reaches ``frac`` of
    its peak; ``t0`` on a 0.1-sample grid. With ``a_w`` (the noise's whitening filter) the fit
    is generalised least squares (data and model whitened), so coloured noise does not bias
    it. Returns ``t0`` as a fractional index into ``avg``.
    """
    seg = avg[on : off + 1]
    thr = max(4.0 * sd, 0.15 * np.abs(seg).max())
    big = np.flatnonzero(np.abs(seg) > thr)
    i1 = on + int(big[0]) if len(big) else on
    s = 1.0 if avg[i1] >= 0 else -1.0
    y = s * avg
    pk = i1
    while pk + 1 <= off and y[pk + 1] >= y[pk]:
        pk += 1
    ih = on
    while ih < pk and y[ih] < frac * y[pk]:
        ih += 1
    ih = max(ih, min(i1, pk))
    start = max(lo, on - round(0.0015 * sfreq), 0)
    stop = max(ih, start + 3)
    tt = np.arange(start, stop + 1, dtype=float)
    yy = y[start : stop + 1]
    grid = np.arange(start + 0.5, stop - 0.5 + 1e-9, 0.1)
    if len(grid) == 0:
        return float(on)
    x = np.clip(tt[None, :] - grid[:, None], 0, None)  # (G, n)
    one = np.ones_like(tt)
    if a_w is not None and len(a_w) > 1:
        from scipy.signal import lfilter

        q = len(a_w) - 1
        pre = max(0, start - q)
        ext = np.arange(pre, stop + 1, dtype=float)
        cut = start - pre
        yy = lfilter(a_w, [1.0], y[pre : stop + 1])[cut:]
        one = lfilter(a_w, [1.0], np.ones_like(ext))[cut:]
        xe = np.clip(ext[None, :] - grid[:, None], 0, None)
        x = lfilter(a_w, [1.0], xe, axis=1)[:, cut:]
    s11 = one @ one
    s1x = x @ one
    sxx = (x * x).sum(1)
    s1y = one @ yy
    sxy = x @ yy
    det = s11 * sxx - s1x * s1x
    ok = det > 0
    a = np.where(ok, (s11 * sxy - s1x * s1y) / np.where(ok, det, 1), 0.0)
    c = np.where(ok, (sxx * s1y - s1x * sxy) / np.where(ok, det, 1), 0.0)
    sse = ((yy[None, :] - c[:, None] * one[None, :] - a[:, None] * x) ** 2).sum(1)
    sse = np.where(a > 0, sse, np.inf)
    return float(grid[int(np.argmin(sse))])


def smooth(avg: np.ndarray, sfreq: float) -> np.ndarray:
    """Light Savitzky-Golay smoothing (~1 ms, cubic; *engineering*) of an average: keeps the
    waveform, removes residual noise that would inflate its peak-to-peak."""
    from scipy.signal import savgol_filter

    wlen = max(5, 2 * round(0.0005 * sfreq) + 1)
    return savgol_filter(avg, wlen, 3) if wlen < len(avg) else avg.copy()


def loo_template(tpl: dict[str, Any], k: int, sfreq: float) -> dict[str, Any]:
    """The template without sweep ``k``'s own contribution (leave-one-out), so that a sweep's
    noise does not correlate with itself when the template was built from it."""
    mem = tpl.get("_members", {})
    if k not in mem or len(mem) < 3:
        return tpl
    avg = (tpl["_sum"] - mem[k]) / (len(mem) - 1)
    out = dict(tpl)
    out["waveform"] = smooth(avg, sfreq)[tpl["onset"] : tpl["offset"] + 1]
    out["ptp"] = float(np.ptp(out["waveform"]))
    return out


def shift(x: np.ndarray, lag: float) -> np.ndarray:
    """``x`` read ``lag`` samples later (linear interpolation), zero outside."""
    i = np.arange(len(x), dtype=float)
    return np.interp(i + lag, i, x, left=0.0, right=0.0)


def whitener(ac: np.ndarray, order: int = 20) -> tuple[np.ndarray, float]:
    """Prediction-error (whitening) filter of the noise from its autocovariance (Yule-Walker,
    ``order`` lags; *engineering*) and the innovation variance."""
    from scipy.linalg import solve_toeplitz

    k = min(order, len(ac) - 1)
    if ac[0] <= 0 or k < 1:
        return np.array([1.0]), float(max(ac[0], 1e-18))
    try:
        phi = solve_toeplitz(ac[:k], ac[1 : k + 1])
    except np.linalg.LinAlgError:
        return np.array([1.0]), float(ac[0])
    var = float(ac[0] - phi @ ac[1 : k + 1])
    if not np.isfinite(var) or var <= 1e-6 * ac[0]:
        return np.array([1.0]), float(ac[0])
    return np.concatenate([[1.0], -phi]), var


def match(
    x: np.ndarray,
    tpl: dict[str, Any],
    ac: np.ndarray,
    p: Any,
    sfreq: float,
    pool: np.ndarray | None = None,
    center: float = 0.0,
    half_ms: float | None = None,
) -> dict:
    """Prewhitened matched filter of sweeps ``x`` (n_sw, n_times) against a template.

    Lags searched: ``center`` ± ``half_ms`` (default ± ``max_shift_ms``), in samples from the
    template's own position.

    ``pool`` (n_seg, n): noise segments processed like the sweeps; the null SD of the
    correlation is the larger of the model value and the one measured on them.

    Sweeps and template pass through the noise's whitening filter (:func:`whitener`), so the
    correlation is the optimal (generalised least-squares) detector and delay estimator in
    coloured noise; ``z`` = whitened correlation / its SD under noise alone."""
    from scipy.signal import lfilter

    n_sw = x.shape[0]
    h, on = tpl["waveform"], tpl["onset"]
    a_w, var_e = whitener(ac)
    q = len(a_w) - 1
    xw = lfilter(a_w, [1.0], x, axis=-1)
    hw = lfilter(a_w, [1.0], np.concatenate([h, np.zeros(q)]))
    m = len(hw)
    sh = max(1, round((p.max_shift_ms if half_ms is None else half_ms) * 1e-3 * sfreq))
    c0 = on + round(center)
    start = max(0, c0 - sh)
    stop = max(start, min(x.shape[1] - m, c0 + sh))
    sw = sliding_window_view(xw[:, start : stop + m], m, axis=-1)
    corr = sw @ hw
    best = np.argmax(corr, axis=1)
    c_best = corr[np.arange(n_sw), best]
    frac = np.zeros(n_sw)
    inner = (best > 0) & (best < corr.shape[1] - 1)
    if inner.any():
        i = np.flatnonzero(inner)
        y0, y1, y2 = corr[i, best[i] - 1], corr[i, best[i]], corr[i, best[i] + 1]
        den = y0 - 2 * y1 + y2
        frac[i] = np.where(den < 0, 0.5 * (y0 - y2) / np.where(den == 0, 1, den), 0.0)
    lag = start + best - on + frac
    hh = float(hw @ hw)
    null = math.sqrt(var_e * hh)
    if pool is not None and pool.shape[-1] >= m + 10:
        # empirical null: the same whitened correlation on pseudo-sweep noise (processed like
        # the sweeps), so the z scale holds whatever the cleaning adds
        pw = lfilter(a_w, [1.0], pool, axis=-1)
        pc = sliding_window_view(pw, m, axis=-1) @ hw
        null = max(null, float(np.sqrt(np.mean(pc**2))))
    z = c_best / null
    a = c_best / hh
    present = z >= p.z_threshold
    dh = np.gradient(hw)
    crb = math.sqrt(var_e) / math.sqrt(max(dh @ dh, 1e-30))  # samples, for unit scale
    lat_sd = crb / np.maximum(np.abs(a), 1e-9) / sfreq * 1e3
    mh = len(h)
    idx = np.clip(
        on + np.round(lag).astype(int)[:, None] + np.arange(mh)[None, :], 0, x.shape[1] - 1
    )
    return {
        "present": present,
        "z": z,
        "lag": lag,
        "latency_ms": np.where(present, (tpl["t0"] + lag - tpl["n_pre"]) / sfreq * 1e3, np.nan),
        "latency_sd_ms": np.where(present, lat_sd, np.nan),
        "latency_all_ms": (tpl["t0"] + lag - tpl["n_pre"]) / sfreq * 1e3,
        "latency_sd_all_ms": lat_sd,
        "amplitude_uv": a * tpl["ptp"],
        "raw_p2p_uv": np.ptp(np.take_along_axis(x, idx, axis=1), axis=1),
    }


def build_template(
    x: np.ndarray,
    lo: int,
    hi: int,
    ac: np.ndarray,
    p: Any,
    sfreq: float,
    n_pre: int,
    use: np.ndarray | None = None,
    pool: np.ndarray | None = None,
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Template of the response in window ``lo..hi`` from sweeps ``x`` (n_sw, n_times).

    Starts from ``use`` (default: all sweeps), then iterates: segment the average, match,
    align the detected sweeps on the template and re-average. Returns (template or None,
    info) where ``info`` says why there is none (``reason``) or whether the response was
    already under way at ``lo`` (``continuation``).
    """
    sd = math.sqrt(ac[0]) if ac[0] > 0 else 1e-9
    use = np.ones(x.shape[0], bool) if use is None else use.copy()
    tpl, info = None, {"reason": "no sweep"}
    aligned = x
    for _ in range(3):
        if use.sum() == 0:
            break
        avg = aligned[use].mean(axis=0)
        sd_avg = sd / math.sqrt(use.sum())
        seg = segment(avg, sd_avg, lo, hi)
        if seg is None:
            info = {"reason": "no averaged response stands out of the noise"}
            break
        on, off = seg
        if off - on < 3:
            info = {"reason": "the averaged response is too short (< 0.3 ms): artifact or noise"}
            break
        if on <= lo and abs(avg[lo]) > max(3.0 * sd_avg, 0.1 * np.abs(avg[lo:hi]).max()):
            info = {
                "reason": "the response is already under way at the start of the window",
                "continuation": True,
                "onset_index": on,
            }
            tpl = None
            break
        h = smooth(avg, sfreq)[on : off + 1]
        t0 = hinge_onset(avg, sd_avg, lo, on, off, sfreq, a_w=whitener(ac)[0])
        tpl = {
            "waveform": h,
            "onset": on,
            "offset": off,
            "t0": t0,
            "n_pre": n_pre,
            "duration_ms": len(h) / sfreq * 1e3,
            "area_per_unit": float(np.abs(h).sum() / sfreq * 1e3),
            "phases": phases(h, sd_avg),
            "peaks": (int(np.argmax(h)), int(np.argmin(h))),
            "ptp": float(np.ptp(h)),
            "sweeps": int(use.sum()),
            "_sum": aligned[use].sum(axis=0),
            "_members": {int(k): aligned[k] for k in np.flatnonzero(use)},
        }
        info = {"reason": None}
        r = match(x, tpl, ac, p, sfreq, pool)
        new = r["present"]
        if new.sum() == 0:
            break
        aligned = np.stack([shift(x[k], r["lag"][k]) if new[k] else x[k] for k in range(len(x))])
        if np.array_equal(new, use) and _ > 0:
            break
        use = new
    return tpl, info


class LsrTracker:
    """Causal LSR reading, one window at a time (see module docstring).

    Parameters
    ----------
    channels : list of str
        EMG channels, in window order.
    sfreq : float
    params : LsrParams
    roles : dict, optional
        Declared roles (channel → "direct"/"recording"), e.g. from a montage.
    lsr_channel : str, optional
        Force the LSR channel.
    """

    def __init__(self, channels, sfreq, params, roles=None, lsr_channel=None):
        self.ch = list(channels)
        self.sf = float(sfreq)
        self.p = params
        self.n_pre = round(-params.tmin_ms * 1e-3 * sfreq)
        self.n_post = round(params.tmax_ms * 1e-3 * sfreq)
        self.n_noise = round(params.noise_ms * 1e-3 * sfreq)
        self.max_lag = round(3e-3 * sfreq)
        self.declared = roles
        self.forced = lsr_channel
        self.line_hz: float | None = None
        self.k = 0  # sweeps received
        self._pending: list[tuple[np.ndarray, int]] = []
        self._cache: tuple[list, list] | None = None
        self._cache2: tuple | None = None
        self._cum: dict[str, tuple[np.ndarray, int]] = {}
        self._noise_pool = [deque(maxlen=params.init_sweeps * 3) for _ in self.ch]
        self.quiet: list[float | None] | None = None
        self.baseline_sweeps = 0
        self.ready = False
        self.roles: dict[str, dict[str, Any]] = {}
        self.lsr_tpl: dict[str, dict | None] = {}
        self.m_tpl: dict[str, dict | None] = {}
        self.lsr_lo: dict[str, int] = {}
        self.lsr_channel: str | None = lsr_channel
        self._ac_sum = np.zeros((len(self.ch), self.max_lag + 1))
        self._ac_n = 0
        self._hist: dict[str, deque] = {c: deque(maxlen=params.template_sweeps) for c in self.ch}
        self._recent: deque = deque(maxlen=params.init_sweeps)
        # the last `consecutive` present/absent calls per channel (tracking threshold)
        self._calls: dict[str, deque] = {c: deque(maxlen=params.consecutive) for c in self.ch}
        self._lags: dict[str, deque] = {c: deque(maxlen=5) for c in self.ch}
        self.epochs: list[np.ndarray] = []

    # -- helpers ---------------------------------------------------------------------------
    def _idx(self, ms: float) -> int:
        return int(np.clip(self.n_pre + round(ms * 1e-3 * self.sf), 0, self.n_pre + self.n_post))

    def _ac(self) -> np.ndarray:
        return self._ac_sum / max(1, self._ac_n)

    def _pool(self, ci: int) -> np.ndarray | None:
        segs = self._noise_pool[ci]
        if not segs:
            return None
        # sweeps without a noise segment before them give shorter (pre-stimulus) noise: pool
        # the segments of the most common length
        lens = [len(q) for q in segs]
        n = max(set(lens), key=lens.count)
        return np.stack([q for q in segs if len(q) == n])

    def _add_noise(self, noise: np.ndarray) -> None:
        for ci in range(len(self.ch)):
            for seg in noise[:, ci, :]:
                self._noise_pool[ci].append(seg)
        for ci in range(len(self.ch)):
            self._ac_sum[ci] += noise_autocov(noise[:, ci, :], self.max_lag) * len(noise)
        self._ac_n += len(noise)

    # -- API -------------------------------------------------------------------------------
    def add(self, window: np.ndarray, n_noise: int) -> list[dict[str, Any]]:
        """Add one window (n_ch, n_noise + n_pre + n_post); returns the rows now readable
        (none while the baseline is being collected, all of it when it completes)."""
        self.k += 1
        if not self.ready:
            self._pending.append((np.asarray(window, float), n_noise))
            n = len(self._pending)
            if n >= self.p.init_sweeps:
                return self._initialise(final=n >= self.p.max_init_sweeps)
            return []
        return self._read_one(np.asarray(window, float), n_noise)

    def finish(self) -> list[dict[str, Any]]:
        """Read what is still pending (a recording shorter than the baseline)."""
        if not self.ready and self._pending:
            return self._initialise(final=True)
        return []

    def _clean(self, wins: list[tuple[np.ndarray, int]], quiet=None):
        eps, noises = [], []
        for nn in sorted({n for _, n in wins}):
            group = [w for w, n in wins if n == nn]
            ep, noise, _ = clean_sweeps(
                np.stack(group), self.sf, nn, self.n_pre, self.line_hz, self.p, quiet
            )
            eps.append((nn, ep))
            noises.append(noise)
        # keep the order of arrival
        out, it = [], {nn: iter(ep) for nn, ep in eps}
        for _, n in wins:
            out.append(next(it[n]))
        return np.stack(out), noises

    def _initialise(self, final: bool) -> list[dict[str, Any]]:
        """Read the baseline sweeps together; until an LSR template is found (or
        ``max_init_sweeps`` have arrived, ``final``) the baseline keeps growing."""
        wins = self._pending
        p = self.p
        if self._cache is None:
            if p.line_hz == "auto":
                segs = [w[:, :n] for w, n in wins if n > 0]
                if segs:
                    nmin = min(s.shape[1] for s in segs)
                    noise = np.concatenate([s[:, -nmin:] for s in segs])
                    self.line_hz = line_from_noise(noise, self.sf)
            else:
                self.line_hz = p.line_hz
            self._cache = ([], [])
        eps, noise_list = self._cache
        if len(eps) < len(wins):
            ep_new, noises = self._clean(wins[len(eps) :])
            eps.extend(ep_new)
            noise_list.extend(noises)
        ep = np.stack(eps)
        self._ac_sum[:] = 0
        self._ac_n = 0
        for q_ in self._noise_pool:
            q_.clear()
        for nz in noise_list:
            self._add_noise(nz)
        ac_all = self._ac()
        m_lo, m_hi = self._idx(p.m_window_ms[0]), self._idx(p.m_window_ms[1])
        lsr_hi = self._idx(p.lsr_window_ms[1])
        for ci, c in enumerate(self.ch):
            x = ep[:, ci]
            ac = ac_all[ci]
            # early window: from the end of the blank/saturation of most sweeps
            b_end = int(
                np.max(
                    [
                        np.flatnonzero(row[self.n_pre :] != 0)[0] + self.n_pre
                        if np.any(row[self.n_pre :] != 0)
                        else self.n_pre
                        for row in x
                    ]
                )
            )
            lo = max(m_lo, b_end)
            m_tpl, m_info = build_template(
                x, lo, m_hi, ac, p, self.sf, self.n_pre, pool=self._pool(ci)
            )
            ev: dict[str, Any] = {
                "artifact_end_ms": (b_end - self.n_pre) / self.sf * 1e3,
                "early_response": m_tpl is not None or bool(m_info.get("continuation")),
                "starts_inside_artifact": bool(m_info.get("continuation")),
            }
            if m_tpl is not None:
                r = match(x, m_tpl, ac, p, self.sf, self._pool(ci))
                ev["early_onset_ms"] = (m_tpl["t0"] - self.n_pre) / self.sf * 1e3
                ev["early_present_fraction"] = float(r["present"].mean())
                ev["early_amplitude_uv"] = float(np.median(r["amplitude_uv"]))
            role, why = decide_role(ev)
            source = "data"
            if self.declared is not None and c in self.declared:
                role, source = self.declared[c], "montage"
                why = f"declared by the montage ({why} in the data)"
            self.roles[c] = {"role": role, "source": source, "reason": why, "evidence": ev}
            self.m_tpl[c] = m_tpl if role == "direct" else None
        # second cleaning: on recording channels the whole early window is quiet
        self.quiet = [
            p.lsr_window_ms[0] - 0.5 if self.roles[c]["role"] == "recording" else None
            for c in self.ch
        ]
        key = tuple(self.quiet)
        if self._cache2 is None or self._cache2[0] != key:
            self._cache2 = (key, [], [])
        _, eps2, noises2 = self._cache2
        if len(eps2) < len(wins):
            ep_new, nz_new = self._clean(wins[len(eps2) :], self.quiet)
            eps2.extend(ep_new)
            noises2.extend(nz_new)
        ep = np.stack(eps2)
        self._ac_sum[:] = 0
        self._ac_n = 0
        for q_ in self._noise_pool:
            q_.clear()
        for nz in noises2:
            self._add_noise(nz)
        ac_all = self._ac()
        for ci, c in enumerate(self.ch):
            x = ep[:, ci]
            ac = ac_all[ci]
            m_tpl, role = self.m_tpl[c], self.roles[c]["role"]
            lo_l = self._idx(p.lsr_window_ms[0])
            if role == "direct" and m_tpl is not None:
                lo_l = max(lo_l, m_tpl["offset"] + round(1e-3 * self.sf))
            self.lsr_lo[c] = lo_l
            tpl, info = build_template(
                x, lo_l, lsr_hi, ac, p, self.sf, self.n_pre, pool=self._pool(ci)
            )
            if tpl is None and x.shape[0] > 10:
                tpl, info = self._block_template(x, lo_l, lsr_hi, ac, ci)
            self.lsr_tpl[c] = tpl
            self.roles[c]["lsr_template"] = info.get("reason") or "found"
        found = any(
            self.lsr_tpl[c] is not None and self.roles[c]["role"] == "recording" for c in self.ch
        ) or (self.forced is not None and self.lsr_tpl.get(self.forced) is not None)
        if not found and not final:
            return []
        self._pending = []
        self._cache = self._cache2 = None
        self.baseline_sweeps = ep.shape[0]
        self.ready = True
        for ci, c in enumerate(self.ch):
            tpl = self.lsr_tpl[c]
            if tpl is not None:
                r = match(ep[:, ci], tpl, ac_all[ci], p, self.sf, self._pool(ci))
                sel = np.flatnonzero(r["present"])
                al = [shift(ep[k, ci], float(r["lag"][k])) for k in sel]
                for a in al[-p.template_sweeps :]:
                    self._hist[c].append(a)
                if al:
                    self._cum[c] = (np.sum(al, axis=0), len(al))
        rows = []
        for k in range(ep.shape[0]):
            rows.extend(self._rows(ep[k], update=False, k0=self.k - ep.shape[0] + k, loo=k))
        self._choose_lsr_channel(ep)
        for k in range(ep.shape[0]):
            self._remember(ep[k])
        return rows

    def _block_template(self, x, lo, hi, ac, ci):
        if hi - lo < 3:
            return None, {"reason": "no room for an LSR window after the direct response"}
        size = 10
        best, best_r = None, -1.0
        for s in range(0, x.shape[0] - size + 1, size // 2):
            avg = x[s : s + size, lo:hi].mean(axis=0)
            r = np.abs(avg).max()
            if r > best_r:
                best, best_r = s, r
        use = np.zeros(x.shape[0], bool)
        use[best : best + size] = True
        return build_template(
            x, lo, hi, ac, self.p, self.sf, self.n_pre, use=use, pool=self._pool(ci)
        )

    def _choose_lsr_channel(self, ep: np.ndarray) -> None:
        if self.forced:
            self.lsr_channel = self.forced
            return
        cands = [c for c in self.ch if self.roles[c]["role"] == "recording"] or self.ch
        with_tpl = [c for c in cands if self.lsr_tpl[c] is not None]
        if not with_tpl:
            self.lsr_channel = None
            return
        ac = self._ac()

        def score(c):
            ci = self.ch.index(c)
            r = match(ep[:, ci], self.lsr_tpl[c], ac[ci], self.p, self.sf, self._pool(ci))
            return (int(r["present"].sum()), float(np.median(r["z"])))

        self.lsr_channel = max(with_tpl, key=score)

    def _remember(self, ep1: np.ndarray) -> None:
        self._recent.append(ep1)
        self.epochs.append(ep1)

    def _read_one(self, window: np.ndarray, n_noise: int) -> list[dict[str, Any]]:
        ep, noises = self._clean([(window, n_noise)], self.quiet)
        for nz in noises:
            self._add_noise(nz)
        rows = self._rows(ep[0], update=True, k0=self.k - 1)
        self._remember(ep[0])
        return rows

    def _rows(
        self, ep1: np.ndarray, *, update: bool, k0: int, loo: int | None = None
    ) -> list[dict[str, Any]]:
        ac_all = self._ac()
        rows = []
        for ci, c in enumerate(self.ch):
            x = ep1[ci][None, :]
            ac = ac_all[ci]
            tpl = self.lsr_tpl[c]
            if tpl is None and update and len(self._recent) >= self.p.init_sweeps - 1:
                hist = np.stack([e[ci] for e in self._recent] + [ep1[ci]])
                tpl, _ = build_template(
                    hist,
                    self.lsr_lo[c],
                    self._idx(self.p.lsr_window_ms[1]),
                    ac,
                    self.p,
                    self.sf,
                    self.n_pre,
                    pool=self._pool(ci),
                )
                if tpl is not None:
                    self.lsr_tpl[c] = tpl
                    if self.lsr_channel is None and self.roles[c]["role"] == "recording":
                        self.lsr_channel = c
            row = {"sweep": k0, "channel": c, "role": self.roles[c]["role"]}
            if tpl is not None and loo is not None:
                tpl = loo_template(tpl, loo, self.sf)
            calls, lags = self._calls[c], self._lags[c]
            tracking = any(calls) and len(lags) > 0
            row["z_threshold"] = self.p.z_track if tracking else self.p.z_threshold
            if tpl is not None:
                r = match(x, tpl, ac, self.p, self.sf, self._pool(ci))
                pres = bool(r["present"][0])
                if not pres and tracking:
                    # tracking: the response was just present; search only near its lag
                    rt = match(x, tpl, ac, self.p, self.sf, self._pool(ci),
                               center=float(np.median(lags)), half_ms=self.p.track_ms)  # fmt: skip
                    if rt["z"][0] >= self.p.z_track:
                        r, pres = rt, True
                if pres:
                    lags.append(float(r["lag"][0]))
                row.update(
                    present=pres,
                    latency_ms=float(r["latency_all_ms"][0]) if pres else np.nan,
                    latency_sd_ms=float(r["latency_sd_all_ms"][0]) if pres else np.nan,
                    amplitude_uv=float(r["amplitude_uv"][0]),
                    raw_p2p_uv=float(r["raw_p2p_uv"][0]),
                    duration_ms=tpl["duration_ms"] if pres else np.nan,
                    area_uv_ms=(
                        float(r["amplitude_uv"][0]) / tpl["ptp"] * tpl["area_per_unit"]
                        if pres
                        else np.nan
                    ),
                    phases=tpl["phases"] if pres else 0,
                    z=float(r["z"][0]),
                )
                if bool(r["present"][0]) and update:
                    self._update_template(c, ci, ep1[ci], float(r["lag"][0]))
            else:
                row.update(
                    present=False,
                    latency_ms=np.nan,
                    latency_sd_ms=np.nan,
                    amplitude_uv=0.0,
                    raw_p2p_uv=np.nan,
                    duration_ms=np.nan,
                    area_uv_ms=np.nan,
                    phases=0,
                    z=0.0,
                )
            calls.append(bool(row["present"]))
            mt = self.m_tpl.get(c)
            if mt is not None and loo is not None:
                mt = loo_template(mt, loo, self.sf)
            if mt is not None:
                m = match(x, mt, ac, self.p, self.sf, self._pool(ci))
                row.update(
                    m_present=bool(m["present"][0]),
                    m_latency_ms=float(m["latency_ms"][0]),
                    m_amplitude_uv=float(m["amplitude_uv"][0]),
                )
            else:
                row.update(m_present=False, m_latency_ms=np.nan, m_amplitude_uv=np.nan)
            rows.append(row)
        return rows

    def _update_template(self, c: str, ci: int, x: np.ndarray, lag: float) -> None:
        """Running template: aligned average of the last ``template_sweeps`` LSR sweeps."""
        tpl = self.lsr_tpl[c]
        hist = self._hist[c]
        hist.append(shift(x, lag))
        if len(hist) < max(3, self.p.template_sweeps // 2):
            return
        avg = np.mean(hist, axis=0)
        on, off = tpl["onset"], tpl["offset"]
        tpl["waveform"] = smooth(avg, self.sf)[on : off + 1]
        tpl["ptp"] = float(np.ptp(tpl["waveform"]))
        # the members are aligned on the template's frame: its onset is re-estimated from the
        # cumulative aligned average of every LSR sweep so far (more sweeps, less noise)
        cs = self._cum.get(c)
        self._cum[c] = (cs[0] + hist[-1], cs[1] + 1) if cs else (hist[-1].copy(), 1)
        total, n = self._cum[c]
        sd_avg = math.sqrt(max(self._ac()[ci][0], 1e-18)) / math.sqrt(n)
        tpl["t0"] = hinge_onset(
            total / n, sd_avg, self.lsr_lo[c], on, off, self.sf, a_w=whitener(self._ac()[ci])[0]
        )
