"""Live LSR monitoring of an operation from the browser.

A clinician starts it on the operation's live page with the name of a Lab Streaming Layer
stream **on this machine** (liblsl is restricted to the machine by
:func:`hemispasm.emg.live.ensure_local_lsl` unless ``LSLAPICFG`` is set). A thread runs
:func:`hemispasm.emg.live.monitor` — the same code as ``hemispasm emg monitor``, the same
:class:`~hemispasm.emg.tracker.LsrTracker` as ``emg lsr`` — and turns its callbacks into events:
``sweep`` (the LSR channel's reading of each sweep and the live state), ``change`` (the LSR
disappeared or returned, under the chosen criterion, with the sweep where the criterion was
met) and ``status`` (waiting / running / ended / stopped / failed with one line). The page
follows them as Server-Sent Events (``GET .../live/events``; ``static/mvd.js`` with
EventSource; a reconnect resumes from ``Last-Event-ID``). Stop is clean: the monitor checks its
``should_stop`` every 50 ms and writes its summary; the monitor's working folder is removed.

The live reading is not stored in the registry (it has no file to hash): to keep it, upload
the operation's EDF on the operation page afterwards.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from hemispasm._log import get_logger
from hemispasm.errors import HemispasmError, ValidationError
from hemispasm.web.deps import CLINICAL, Principal, allow

log = get_logger(__name__)
router = APIRouter()

#: Live monitors running at once on the server (*engineering*: each reads a 2-10 kHz stream).
MAX_LIVE = 2
RESOLVE_S = 5.0
STREAM_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
KEEPALIVE_S = 15.0


class LiveMonitor:
    """One live reading of an LSL stream for one operation (a thread and its events)."""

    def __init__(
        self,
        surgery_id: int,
        stream: str,
        work_dir: Path,
        *,
        criterion: str = "complete-loss",
        stim_channel: str | None = None,
        idle_s: float = 10.0,
        resolve_s: float | None = None,
    ) -> None:
        from hemispasm.emg.lsr import LsrParams

        self.surgery_id = surgery_id
        self.stream = stream
        self.work_dir = work_dir
        self.params = LsrParams(criterion=criterion)
        self.stim_channel = stim_channel
        self.idle_s = idle_s
        self.resolve_s = RESOLVE_S if resolve_s is None else resolve_s
        self.status = "waiting"
        self.error: str | None = None
        self.events: list[dict[str, Any]] = []
        self._seen = 0
        self._done = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"hs-live-{surgery_id}", daemon=True)

    # -- lifecycle
    def start(self) -> None:
        """Start reading (returns at once)."""
        self._push("status", {"status": "waiting", "stream": self.stream})
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the monitor to stop and wait for it (it writes its summary first)."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=timeout_s)

    @property
    def finished(self) -> bool:
        """True once the monitor has ended (any reason) and its last event is out."""
        return self._done

    def events_since(self, i: int) -> list[dict[str, Any]]:
        """Events with id >= ``i``."""
        with self._lock:
            return self.events[max(i, 0) :]

    # -- internals
    def _push(self, kind: str, data: dict[str, Any]) -> None:
        with self._lock:
            self.events.append({"id": len(self.events), "event": kind, "data": data})

    def _on_sweep(self, st: Any) -> None:
        if self.status == "waiting":
            self.status = "running"
            info = {"synthetic": st.synthetic, "lsr_channel": st.lsr_channel}
            self._push("status", {"status": "running", "stream": self.stream, **info})
        for k in range(self._seen, st.sweeps):
            self._push(
                "sweep",
                {
                    "sweep": k,
                    "present": bool(st.present[k]),
                    "amplitude_uv": round(float(st.amplitudes[k]), 3),
                    "state": st.state,
                    "baseline_uv": None if st.baseline_uv is None else round(st.baseline_uv, 3),
                    "latency_ms": st.last_latency_ms if k == st.sweeps - 1 else None,
                    "delay_ms": round(st.delays_ms[-1], 1) if st.delays_ms else None,
                },
            )
        self._seen = st.sweeps

    def _on_event(self, ev: dict[str, Any]) -> None:
        self._push("change", {**ev, "criterion": self.params.criterion,
                              "consecutive": self.params.consecutive})  # fmt: skip

    def _run(self) -> None:
        from hemispasm.emg.live import monitor

        final: dict[str, Any] = {}
        try:
            monitor(
                self.stream,
                self.work_dir,
                stim_channel=self.stim_channel,
                params=self.params,
                resolve_s=self.resolve_s,
                idle_s=self.idle_s,
                on_sweep=self._on_sweep,
                on_event=self._on_event,
                should_stop=self._stop.is_set,
            )
            summary = self.work_dir / "summary.json"
            if summary.is_file():
                s = json.loads(summary.read_text(encoding="utf-8"))
                keys = ("sweeps", "criterion", "lsr_disappeared", "disappearance_sweep",
                        "return_sweep", "final_state", "synthetic", "lsr_channel")  # fmt: skip
                final = {k: s.get(k) for k in keys}
            self.status = "stopped" if self._stop.is_set() else "ended"
        except HemispasmError as exc:
            self.status, self.error = "failed", exc.one_line()
        except Exception as exc:  # never a traceback to the page
            self.status = "failed"
            self.error = (
                f"live monitoring stopped with an internal error ({exc.__class__.__name__})"
            )
            log.error("live monitor of operation %s: %s", self.surgery_id, exc.__class__.__name__)
        finally:
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self._push("status", {"status": self.status, "error": self.error, "summary": final})
            self._done = True
            log.info("live monitor of operation %s: %s", self.surgery_id, self.status)


class LiveMonitors:
    """The server's live monitors, one per operation at a time, at most :data:`MAX_LIVE`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._by: dict[int, LiveMonitor] = {}
        self._lock = threading.Lock()

    def get(self, surgery_id: int) -> LiveMonitor | None:
        """The latest monitor of an operation (running or finished), or None."""
        return self._by.get(surgery_id)

    def start(self, surgery_id: int, stream: str, **kw: Any) -> LiveMonitor:
        """Start a monitor; ValidationError when one runs for this operation or too many run."""
        with self._lock:
            old = self._by.get(surgery_id)
            if old is not None and not old.finished:
                raise ValidationError(
                    f"live monitoring of operation {surgery_id} is already running",
                    hint="stop it first",
                )
            running = sum(1 for m in self._by.values() if not m.finished)
            if running >= MAX_LIVE:
                raise ValidationError(
                    f"{running} live monitors are running on this server (the limit is {MAX_LIVE})",
                    hint="stop one of them first",
                )
            work = self.folder / secrets.token_hex(8)
            mon = LiveMonitor(surgery_id, stream, work, **kw)
            self._by[surgery_id] = mon
        mon.start()
        return mon

    def stop_all(self) -> None:
        """Stop every monitor (server shutdown)."""
        for m in list(self._by.values()):
            m.stop()


def monitors(request: Request) -> LiveMonitors:
    """The app's live monitors (created on first use, under the web data folder)."""
    app = request.app
    found = getattr(app.state, "mvd_live", None)
    if found is None:
        found = app.state.mvd_live = LiveMonitors(Path(app.state.data_dir) / "live")
    return found


def _audit(request: Request, p: Principal, action: str, surgery_id: int, pid: str, **kw: Any):
    from hemispasm.web.users import audit

    with request.app.state.reg.transaction(actor=p.username) as s:
        audit(s, p.username, action, "lsr_live", surgery_id, patient_id=pid, **kw)


# ---------------------------------------------------------------------------- routes


@router.get("/surgeries/{surgery_id}/live", response_class=HTMLResponse)
def live_page(
    surgery_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """The live page: the start form, and the live reading (updated by static/mvd.js)."""
    from hemispasm.emg.criteria import CRITERIA
    from hemispasm.web import clinical
    from hemispasm.web.mvd import surgery_view
    from hemispasm.web.pages import render
    from hemispasm.web.users import audit_read

    reg = request.app.state.reg
    sv = surgery_view(reg, surgery_id)
    pv = clinical.patient_view(reg, sv["patient_id"], identity=True)
    audit_read(reg, p.username, sv["patient_id"], "surgery live page")
    mon = monitors(request).get(surgery_id)
    return render(request, "surgery_live.html", p, sg=sv, v=pv, mon=mon, criteria=list(CRITERIA))


@router.post("/surgeries/{surgery_id}/live")
def live_start(
    surgery_id: int,
    request: Request,
    stream: str = Form(""),
    stim_channel: str = Form(""),
    criterion: str = Form("complete-loss"),
    idle_s: float = Form(10.0),
    p: Principal = Depends(allow("clinician")),
) -> Response:
    """Start following an LSL stream for this operation; go to the live page."""
    from hemispasm.emg.criteria import CRITERIA
    from hemispasm.web.mvd import surgery_view

    sv = surgery_view(request.app.state.reg, surgery_id)
    stream = stream.strip()
    if not STREAM_NAME.match(stream):
        raise ValidationError(
            "the LSL stream name is empty or has characters other than letters, digits, . _ -",
            hint="type the stream's name as the amplifier or `hemispasm emg replay` announces it",
        )
    if criterion not in CRITERIA:
        raise ValidationError(f"unknown criterion '{criterion}'; use {', '.join(CRITERIA)}")
    if not 1.0 <= idle_s <= 600.0:
        raise ValidationError("the silent time before stopping must be 1-600 s")
    stim = stim_channel.strip() or None
    if stim is not None and not STREAM_NAME.match(stim):
        raise ValidationError("the stimulus channel name has characters other than . _ -")
    monitors(request).start(
        surgery_id, stream, criterion=criterion, stim_channel=stim, idle_s=idle_s
    )
    _audit(request, p, "start", surgery_id, sv["patient_id"], stream=stream, criterion=criterion)
    return RedirectResponse(f"/surgeries/{surgery_id}/live", status_code=303)


@router.post("/surgeries/{surgery_id}/live/stop")
def live_stop(
    surgery_id: int, request: Request, p: Principal = Depends(allow("clinician"))
) -> Response:
    """Stop the live monitoring of this operation (clean: the summary is written first)."""
    from hemispasm.web.mvd import surgery_view

    sv = surgery_view(request.app.state.reg, surgery_id)
    mon = monitors(request).get(surgery_id)
    if mon is not None and not mon.finished:
        mon.stop()
        _audit(request, p, "stop", surgery_id, sv["patient_id"])
    return RedirectResponse(f"/surgeries/{surgery_id}/live", status_code=303)


@router.get("/surgeries/{surgery_id}/live/events")
async def live_events(
    surgery_id: int, request: Request, p: Principal = Depends(allow(*CLINICAL))
) -> Response:
    """The live reading as Server-Sent Events (``sweep``, ``change``, ``status``)."""
    from hemispasm.web.mvd import SurgeryError

    mon = monitors(request).get(surgery_id)
    if mon is None:
        raise SurgeryError(f"no live monitoring of operation {surgery_id} on this server")
    try:
        first = int(request.headers.get("Last-Event-ID", "-1")) + 1
    except ValueError:
        first = 0

    async def stream() -> Any:
        i, beat = first, time.monotonic()
        while True:
            for ev in mon.events_since(i):
                yield f"id: {ev['id']}\nevent: {ev['event']}\ndata: {json.dumps(ev['data'])}\n\n"
                i = ev["id"] + 1
                beat = time.monotonic()
            if mon.finished and i >= len(mon.events):
                return
            if await request.is_disconnected():
                return
            if time.monotonic() - beat > KEEPALIVE_S:
                yield ": keep-alive\n\n"
                beat = time.monotonic()
            await asyncio.sleep(0.2)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"}
    )
