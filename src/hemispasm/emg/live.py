"""Live LSR monitoring over Lab Streaming Layer (LSL), kept on this machine.

* :func:`monitor` reads an LSL stream (mne-lsl), finds the stimuli on its trigger channel,
  reads every sweep as soon as its last sample has arrived with the **same**
  :class:`~hemispasm.emg.tracker.LsrTracker` as ``emg lsr``, appends its rows to
  ``sweeps.csv`` at once (flushed: nothing is lost if it is stopped), keeps the state
  (baseline / present / fading / disappeared / returned) and signals disappearance and return.
* :func:`replay` streams a recording over LSL in real time (or faster) for rehearsal and
  tests; stimulus annotations become a ``TRIG`` channel so the monitor sees them.

**Local only.** liblsl finds streams by multicast on the network by default. Unless the user
has set ``LSLAPICFG``, :func:`ensure_local_lsl` writes a config file that restricts LSL to
this machine (``ResolveScope = machine``, loopback addresses only) and points ``LSLAPICFG``
at it **before** mne_lsl (and liblsl) is imported.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hemispasm._log import get_logger
from hemispasm.errors import InputError

log = get_logger(__name__)

#: liblsl configuration that keeps discovery and data on this machine (loopback only).
LOCAL_LSL_CFG = """[ports]
IPv6 = disable
[multicast]
ResolveScope = machine
MachineAddresses = {127.0.0.1}
KnownPeers = {127.0.0.1}
"""

#: Fading = LSR present but below this fraction of its baseline amplitude (*engineering*).
FADING_RATIO = 0.5


def ensure_local_lsl() -> str:
    """Point ``LSLAPICFG`` at a machine-only LSL config (unless the user set one); returns
    the config path. Must run before ``mne_lsl`` is first imported."""
    if os.environ.get("LSLAPICFG"):
        return os.environ["LSLAPICFG"]
    path = Path(tempfile.gettempdir()) / f"hemispasm-lsl-{os.getuid()}" / "lsl_api.cfg"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != LOCAL_LSL_CFG:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(LOCAL_LSL_CFG)
        tmp.replace(path)
    os.environ["LSLAPICFG"] = str(path)
    return str(path)


def _lsl():
    ensure_local_lsl()
    from mne_lsl import lsl

    return lsl


# -- replay ---------------------------------------------------------------------------------
def replay_data(rec) -> tuple[np.ndarray, list[str]]:
    """The samples and channel names to stream: stimulus annotations become a ``TRIG``
    channel (5 for 1 ms from each stimulus sample) when the recording has no trigger."""
    from hemispasm.emg.io import TRIGGER_PATTERN
    from hemispasm.emg.lsr import _STIM_TEXT

    data = np.asarray(rec.data, dtype=np.float64)
    names = list(rec.ch_names)
    if not any(TRIGGER_PATTERN.search(c) for c in names):
        on = [a.onset for a in rec.annotations if _STIM_TEXT.search(a.text)]
        if on:
            trig = np.zeros((1, data.shape[1]))
            w = max(1, round(0.001 * rec.sfreq))
            for s in np.unique(np.round(np.asarray(on) * rec.sfreq).astype(int)):
                trig[0, s : s + w] = 5.0
            data = np.vstack([data, trig])
            names.append("TRIG")
    return data, names


def replay(
    rec,
    name: str,
    *,
    speed: float = 1.0,
    chunk_ms: float = 10.0,
    wait_s: float = 10.0,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Stream ``rec`` over LSL as stream ``name`` (machine-only), paced at ``speed`` x real
    time. Waits up to ``wait_s`` for a consumer first, so a monitor sees the recording from
    its first sample. Returns what was sent."""
    if speed <= 0:
        raise InputError(f"--speed must be > 0 (got {speed})", hint="e.g. --speed 1")
    lsl = _lsl()
    data, names = replay_data(rec)
    info = lsl.StreamInfo(name, "EMG", len(names), float(rec.sfreq), "float64", f"hemispasm-{name}")
    info.set_channel_names(names)
    info.set_channel_units(["microvolts"] * len(names))
    # a SYNTHETIC recording stays labelled so over the stream (the monitor reads it)
    info.desc.append_child_value("synthetic", "true" if rec.synthetic else "false")
    chunk = max(1, round(chunk_ms * 1e-3 * rec.sfreq))
    outlet = lsl.StreamOutlet(info, chunk_size=chunk)
    consumer = outlet.wait_for_consumers(timeout=wait_s)
    if not consumer:
        log.warning("no consumer for LSL stream %s after %.0f s: streaming anyway", name, wait_s)
    n = data.shape[1]
    t_start = time.perf_counter()
    sent = 0
    while sent < n:
        if should_stop and should_stop():
            break
        due = t_start + sent / rec.sfreq / speed
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        outlet.push_chunk(np.ascontiguousarray(data[:, sent : sent + chunk].T))
        sent += chunk
    time.sleep(0.2)  # let the last chunk leave before the outlet goes
    del outlet
    return {"stream": name, "channels": names, "samples": min(sent, n), "sfreq": rec.sfreq,
            "consumer": bool(consumer), "seconds": time.perf_counter() - t_start}  # fmt: skip


# -- monitor --------------------------------------------------------------------------------
@dataclass
class LiveState:
    """What the live view shows (updated after every sweep)."""

    stream: str
    channels: list[str]
    lsr_channel: str | None = None
    sweeps: int = 0
    state: str = "baseline"
    baseline_uv: float | None = None
    last_trace: np.ndarray | None = None
    amplitudes: list[float] = field(default_factory=list)
    present: list[bool] = field(default_factory=list)
    last_latency_ms: float | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    delays_ms: list[float] = field(default_factory=list)
    criterion: str = "complete-loss"
    synthetic: bool | None = None


def live_state(present: list[bool], amp: list[float], p) -> tuple[str, dict[str, Any]]:
    """State of the LSR from the readings so far, with the criteria of ``emg lsr``."""
    from hemispasm.emg.criteria import evaluate_criteria

    pres, a = np.asarray(present, bool), np.asarray(amp, float)
    crit = evaluate_criteria(
        pres, a, np.arange(len(pres), dtype=float), consecutive=p.consecutive,
        baseline_sweeps=p.init_sweeps, drop=p.drop_fraction,
    )  # fmt: skip
    main = crit[p.criterion]
    ch = main["changes"]
    if ch and ch[-1]["change"] == "disappeared":
        return "disappeared", main
    base = crit["amplitude-drop"]["baseline_amplitude_uv"]
    recent = pres[-p.consecutive :]
    faint = base is not None and pres[-1] and a[-1] < FADING_RATIO * base
    if ch and ch[-1]["change"] == "returned":
        return ("fading" if (faint or not recent.all()) else "returned"), main
    if not pres.any():
        return "absent", main
    return ("fading" if (faint or not recent.all()) else "present"), main


def stream_channel_names(sinfo) -> list[str]:
    """Channel labels of an LSL stream (from its description), ``ch1..chN`` when it has none."""
    names = sinfo.get_channel_names()
    if not names or len(names) != sinfo.n_channels or not all(names):
        return [f"ch{i + 1}" for i in range(sinfo.n_channels)]
    return list(names)


def resolve_stim_channel(stim: str | None, names: list[str], stream: str) -> str | None:
    """The stimulus channel's name: ``stim`` as a label of the stream, or as its 1-based
    position (``--stim-channel 3``) when the stream's labels are missing or differ."""
    if stim is None or stim in names:
        return stim
    if stim.isdigit() and 1 <= int(stim) <= len(names):
        return names[int(stim) - 1]
    raise InputError(
        f"stimulus channel '{stim}' not in LSL stream '{stream}' (channels {names})",
        hint="give the trigger channel's exact label, or its 1-based position "
        f"(1-{len(names)}), with --stim-channel",
    )


def _trigger_onsets(x: np.ndarray, lo: float, hi: float, offset: int, prev: float) -> np.ndarray:
    """Rising edges through the middle of the trigger's range seen so far."""
    if hi - lo <= 0:
        return np.array([], int)
    thr = lo + 0.5 * (hi - lo)
    above = x > thr
    before = np.concatenate([[prev > thr], above[:-1]])
    return offset + np.flatnonzero(above & ~before)


def monitor(
    name: str,
    out_dir: str | Path,
    *,
    stim_channel: str | None = None,
    montage: str | None = None,
    lsr_channel: str | None = None,
    params=None,
    resolve_s: float = 5.0,
    idle_s: float = 3.0,
    duration_s: float | None = None,
    on_sweep: Callable[[LiveState], None] | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> LiveState:
    """Read LSL stream ``name`` live until it stops sending for ``idle_s`` (or ``duration_s``,
    or ``should_stop()`` returns True: checked every 50 ms, the stop is clean — the sweeps read
    so far are in ``sweeps.csv`` and ``summary.json`` is written).

    Writes ``out_dir/sweeps.csv`` row by row (the columns of ``emg lsr``) and, at the end,
    ``summary.json``. Raises :class:`InputError` (one line) when the stream is not found, has
    no stimulus channel, or a sampling rate too low for the LSR.
    """
    from hemispasm.emg.io import TRIGGER_PATTERN
    from hemispasm.emg.lsr import LSR_MIN_SFREQ, SWEEP_COLUMNS, LsrParams, confidence
    from hemispasm.emg.roles import declared_roles
    from hemispasm.emg.tracker import LsrTracker

    p = params or LsrParams()
    lsl = _lsl()
    infos = lsl.resolve_streams(timeout=resolve_s, name=name)
    if not infos:
        raise InputError(
            f"LSL stream '{name}' not found on this machine (waited {resolve_s:g} s)",
            hint=f"start the stream first, e.g. hemispasm emg replay FILE --lsl {name}",
        )
    inlet = lsl.StreamInlet(infos[0], max_buffered=60)
    inlet.open_stream(timeout=resolve_s)
    # a resolved StreamInfo carries no description (channel names are in it): the inlet's
    # full info does
    sinfo = inlet.get_sinfo()
    sf = float(sinfo.sfreq)
    names = stream_channel_names(sinfo)
    synthetic = {"true": True, "false": False}.get(sinfo.desc.child_value("synthetic"))
    try:
        if sf < LSR_MIN_SFREQ:
            raise InputError(
                f"LSL stream '{name}' runs at {sf:g} Hz"
                + (" (irregular rate)" if sf == 0 else "")
                + f", too low for LSR latency measurement (needs a regular rate >= "
                f"{LSR_MIN_SFREQ:g} Hz)",
                hint="stream the EMG at a higher, regular sampling rate",
            )
        stim_channel = resolve_stim_channel(stim_channel, names, name)
        trig = stim_channel or next((c for c in names if TRIGGER_PATTERN.search(c)), None)
        if trig is None:
            raise InputError(
                f"no stimulus channel in LSL stream '{name}' (channels {names})",
                hint="stream a trigger channel and name it with --stim-channel",
            )
        chans = [c for c in names if c != trig and not TRIGGER_PATTERN.search(c)]
        if not chans:
            raise InputError(f"LSL stream '{name}' has no EMG channel besides '{trig}'")
        if lsr_channel and lsr_channel not in chans:
            raise InputError(
                f"LSR channel '{lsr_channel}' is not an EMG channel of stream '{name}' ({chans})",
                hint="pass an existing channel name to --lsr-channel",
            )
        roles = declared_roles(chans, montage) if montage else None
    except InputError:
        inlet.close_stream()
        raise
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "sweeps.csv"
    tracker = LsrTracker(chans, sf, p, roles=roles, lsr_channel=lsr_channel)
    ti = names.index(trig)
    ci = [names.index(c) for c in chans]
    n_pre, n_post, n_noise = tracker.n_pre, tracker.n_post, tracker.n_noise
    min_gap = p.min_interval_s * sf
    keep = n_noise + n_pre + n_post + 2
    state = LiveState(stream=name, channels=chans, criterion=p.criterion, synthetic=synthetic)
    buf = np.zeros((len(names), 0))
    buf0 = 0  # absolute index of buf[:, 0]
    total = 0
    lo, hi, prev = np.inf, -np.inf, 0.0
    pending: list[int] = []
    last_stim, prev_end = -np.inf, -np.inf
    rows_all: list[dict[str, Any]] = []
    sweep_t: list[float] = []
    t_begin = last_data = time.perf_counter()
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        fh.write(",".join(SWEEP_COLUMNS) + "\n")
        fh.flush()

        def emit(rows: list[dict[str, Any]], t_arrival: float | None) -> None:
            for r in rows:
                r["time_s"] = sweep_t[r["sweep"]]
                r["confidence"] = float(confidence(r["z"], r["z_threshold"]))
                fh.write(_csv_line(r, SWEEP_COLUMNS) + "\n")
            fh.flush()
            rows_all.extend(rows)
            _update_state(state, tracker, rows, p, on_event)
            if t_arrival is not None and rows:
                state.delays_ms.append((time.perf_counter() - t_arrival) * 1e3)
            if on_sweep and rows:
                on_sweep(state)

        while True:
            chunk, _ts = inlet.pull_chunk(timeout=0.05, max_samples=4096)
            now = time.perf_counter()
            if duration_s is not None and now - t_begin > duration_s:
                break
            if should_stop is not None and should_stop():
                break
            if chunk is None or len(chunk) == 0:
                if now - last_data > idle_s:
                    break
                continue
            last_data = now
            x = np.asarray(chunk, dtype=np.float64).T
            tr = x[ti]
            lo, hi = min(lo, float(tr.min())), max(hi, float(tr.max()))
            for s in _trigger_onsets(tr, lo, hi, total, prev):
                if s - last_stim >= min_gap:
                    pending.append(int(s))
                    last_stim = s
            prev = float(tr[-1])
            buf = np.concatenate([buf, x], axis=1)
            total += x.shape[1]
            while pending and pending[0] + n_post <= total:
                s = pending.pop(0)
                if s - n_pre < 0:
                    continue
                first = s - n_pre - n_noise
                nn = n_noise if first >= 0 and first >= prev_end else 0
                a = s - n_pre - nn - buf0
                win = buf[ci, a : a + nn + n_pre + n_post]
                prev_end = s + n_post
                sweep_t.append(s / sf)
                emit(tracker.add(win, nn), now)
            # keep only what a coming sweep can still need
            need = min([total - keep] + [q - n_pre - n_noise for q in pending])
            drop = max(0, need - buf0)
            if drop:
                buf = buf[:, drop:]
                buf0 += drop
        emit(tracker.finish(), None)
    inlet.close_stream()
    _write_summary(out, tracker, rows_all, sweep_t, p, name, synthetic)
    return state


def _csv_line(r: dict[str, Any], cols: list[str]) -> str:
    """One CSV line formatted as pandas ``to_csv(float_format="%.4g")`` would."""
    out = []
    for c in cols:
        v = r.get(c)
        if isinstance(v, bool | np.bool_):
            out.append("True" if v else "False")
        elif isinstance(v, float | np.floating):
            out.append("" if not math.isfinite(float(v)) else f"{float(v):.4g}")
        elif v is None:
            out.append("")
        else:
            out.append(str(v))
    return ",".join(out)


def _update_state(state: LiveState, tracker, rows, p, on_event) -> None:
    if not rows:
        return
    state.lsr_channel = tracker.lsr_channel
    ch = state.lsr_channel
    if ch is None:
        return
    mine = sorted((r for r in rows if r["channel"] == ch), key=lambda r: r["sweep"])
    for r in mine:
        state.present.append(bool(r["present"]))
        state.amplitudes.append(float(r["amplitude_uv"]))
        state.last_latency_ms = r["latency_ms"] if r["present"] else None
    state.sweeps = len(state.present)
    if tracker.epochs:
        state.last_trace = tracker.epochs[-1][tracker.ch.index(ch)]
    before = len(state.events)
    new_state, main = live_state(state.present, state.amplitudes, p)
    state.state = new_state
    from hemispasm.emg.criteria import baseline_amplitude

    state.baseline_uv = baseline_amplitude(
        np.asarray(state.amplitudes), np.asarray(state.present), p.init_sweeps
    )
    seen = {(e["sweep"], e["change"]) for e in state.events}
    for c in main["changes"]:
        if (c["sweep"], c["change"]) not in seen:
            ev = {"sweep": c["sweep"], "change": c["change"]}
            ev["signalled_at_sweep"] = state.sweeps - 1
            state.events.append(ev)
    for ev in state.events[before:]:
        log.warning("LSR %s at sweep %d (signalled at sweep %d)", ev["change"], ev["sweep"],
                    ev["signalled_at_sweep"])  # fmt: skip
        if on_event:
            on_event(ev)


def _write_summary(out: Path, tracker, rows, sweep_t, p, name: str, synthetic=None) -> None:
    """summary.json of a monitored stream (as ``emg lsr`` writes it)."""
    from hemispasm._io import write_json_atomic
    from hemispasm.emg.io import EmgRecording
    from hemispasm.emg.lsr import lsr_result

    rec = EmgRecording(np.zeros((len(tracker.ch), 1)), tracker.sf, tracker.ch, [],
                       {"source": f"lsl:{name}", "synthetic": bool(synthetic)})  # fmt: skip
    if not rows:
        write_json_atomic(out / "summary.json", {"sweeps": 0, "stream": name})
        return
    res = lsr_result(tracker, rows, np.asarray(sweep_t), "trigger (LSL)", rec, p)
    s = res.summary
    s["stream"] = name
    # from the stream's description (`emg replay` writes it); None when the source did not say
    s["synthetic"] = synthetic
    write_json_atomic(out / "summary.json", s)


# -- the live view ----------------------------------------------------------------------------
BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: np.ndarray, width: int = 60) -> str:
    """A one-line unicode sparkline of ``values`` resampled to ``width`` columns."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return ""
    if len(v) > width:
        idx = np.linspace(0, len(v) - 1, width).round().astype(int)
        v = v[idx]
    lo, hi = v.min(), v.max()
    if hi - lo <= 0:
        return BLOCKS[0] * len(v)
    k = ((v - lo) / (hi - lo) * (len(BLOCKS) - 1)).round().astype(int)
    return "".join(BLOCKS[i] for i in k)


STATE_STYLE = {
    "baseline": "cyan", "present": "green", "fading": "yellow", "disappeared": "bold red",
    "returned": "magenta", "absent": "dim",
}  # fmt: skip


def render(state: LiveState):
    """A Rich renderable of the live state (latest sweep, amplitude trend, state, events)."""
    from rich.panel import Panel
    from rich.table import Table

    t = Table.grid(padding=(0, 1))
    t.add_column(justify="right", style="dim")
    t.add_column()
    style = STATE_STYLE.get(state.state, "white")
    t.add_row("state", f"[{style}]{state.state.upper()}[/] ({state.criterion})")
    t.add_row("LSR channel", str(state.lsr_channel or "—"))
    t.add_row("sweeps", str(state.sweeps))
    if state.last_trace is not None:
        t.add_row("latest sweep", sparkline(state.last_trace, 70))
    if state.amplitudes:
        t.add_row("amplitude trend", sparkline(np.asarray(state.amplitudes[-70:]), 70))
        base = f"{state.baseline_uv:.0f} µV" if state.baseline_uv else "—"
        lat = f"{state.last_latency_ms:.2f} ms" if state.last_latency_ms else "—"
        t.add_row("last", f"{state.amplitudes[-1]:.0f} µV (baseline {base}), latency {lat}")
    if state.delays_ms:
        t.add_row("reading delay", f"{state.delays_ms[-1]:.1f} ms")
    for ev in state.events[-3:]:
        t.add_row("event", f"LSR {ev['change']} at sweep {ev['sweep']}")
    title = f"hemispasm emg monitor — {state.stream}" + (" [SYNTHETIC]" if state.synthetic else "")
    return Panel(t, title=title, subtitle="Ctrl-C stops")
