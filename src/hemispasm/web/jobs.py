"""Uploads and the analysis jobs that run off the request.

- An upload is streamed to ``<web data>/uploads/<random>.part`` with a size limit, its type is
  read from its first bytes (:func:`sniff_kind`; the browser's file name and type are ignored),
  then renamed to ``<random><suffix>``. A file that is not a video or an EDF/BDF is deleted and
  refused with one line; nothing is left behind.
- A ``web_job`` row (queued) is written; :class:`JobRunner` threads claim queued jobs and run
  :func:`hemispasm.registry.recordings.add_recording` on the file: the same call as
  ``hemispasm record add`` (video: :func:`hemispasm.pipeline.analyze`). The stage is written
  to the row as it goes (the page polls it). The upload is deleted when the job ends (the
  registry keeps its own copy under a content-hash name).
- On start the runner looks for jobs left ``running`` by a stopped server: with the upload still
  there they are queued again (resumed, up to :data:`MAX_ATTEMPTS`), otherwise marked failed
  with the reason.
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

from hemispasm._log import get_logger
from hemispasm.errors import HemispasmError, InputError
from hemispasm.registry.db import Registry
from hemispasm.registry.models import utcnow
from hemispasm.web.models import Job

log = get_logger(__name__)

MAX_ATTEMPTS = 3
POLL_S = 0.5
CHUNK = 1 << 20


def sniff_kind(head: bytes) -> tuple[str, str] | None:
    """(kind, suffix) from a file's first bytes, or None when it is no video/EMG we read.

    MP4/QuickTime (``ftyp`` box), Matroska/WebM (EBML magic), AVI (RIFF ... AVI), MPEG
    program/transport streams, EDF (``0`` + 7 spaces), BDF (``\\xffBIOSEMI``).
    """
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return ("video", ".mov" if head[8:10] == b"qt" else ".mp4")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return ("video", ".webm" if b"webm" in head[:64] else ".mkv")
    if head[:4] == b"RIFF" and head[8:11] == b"AVI":
        return ("video", ".avi")
    if head[:4] == b"\x00\x00\x01\xba":
        return ("video", ".mpg")
    if head[:1] == b"\x47" and len(head) > 188 and head[188:189] == b"\x47":
        return ("video", ".ts")
    if head[:8] == b"0       ":
        return ("emg", ".edf")
    if head[:8] == b"\xffBIOSEMI":
        return ("emg", ".bdf")
    return None


async def save_upload(upload: Any, folder: Path, *, max_bytes: int) -> tuple[str, str]:
    """Stream an UploadFile into ``folder``; return (generated file name, kind).

    Raises
    ------
    InputError
        Too large, empty, or not a video/EMG by content (the partial file is removed).
    """
    folder.mkdir(parents=True, exist_ok=True)
    stem = secrets.token_hex(16)
    part = folder / f"{stem}.part"
    size = 0
    head = b""
    try:
        with part.open("wb") as fh:
            while True:
                chunk = await upload.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(
                        f"the file is larger than the limit of {max_bytes // (1024 * 1024)} MB",
                        hint="trim the recording or ask the administrator to raise "
                        "HEMISPASM_WEB_MAX_UPLOAD_MB",
                    )
                if len(head) < 512:
                    head += chunk[: 512 - len(head)]
                fh.write(chunk)
        if size == 0:
            raise InputError("the file is empty", hint="choose the recording again")
        found = sniff_kind(head)
        if found is None:
            raise InputError(
                "the file is not a video or an EDF/BDF EMG recording (checked by its content)",
                hint="upload the camera's video file (MP4, MOV, WebM, ...) or an EDF/BDF file",
            )
        kind, suffix = found
        final = folder / f"{stem}{suffix}"
        part.rename(final)
        return final.name, kind
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def create_job(
    reg: Registry,
    *,
    patient_id: str,
    visit_id: int | None,
    kind: str,
    upload_name: str,
    actor: str,
    surgery_id: int | None = None,
) -> int:
    """Queue a job for an upload; return its id (audited). ``surgery_id`` (kind ``emg_lsr``):
    the operation the recording is linked to when done (:func:`hemispasm.web.mvd.attach_lsr`)."""
    from hemispasm.registry.patients import get_patient
    from hemispasm.registry.recordings import _check_visit
    from hemispasm.web.users import audit

    with reg.transaction(actor=actor) as s:
        pid = get_patient(s, patient_id).id
        _check_visit(s, visit_id, pid)
        job = Job(
            patient_id=pid,
            visit_id=visit_id,
            kind=kind,
            status="queued",
            stage="queued",
            upload_name=upload_name,
            created_by=actor,
            attempts=0,
            result={"surgery_id": surgery_id} if surgery_id is not None else None,
        )
        s.add(job)
        s.flush()
        audit(s, actor, "insert", "web_job", job.id, patient_id=pid, kind=kind)
        return job.id


def job_status(reg: Registry, job_id: int) -> dict[str, Any]:
    """A job as JSON: status, stage, progress (0-1), times, error, and the summary when done.

    Raises
    ------
    InputError
        Unknown job.
    """
    with reg.read_session() as s:
        j = s.get(Job, job_id)
        if j is None:
            raise InputError(f"no job {job_id}")
        out = _job_dict(j)
        if j.status == "done" and j.analysis_id is not None:
            from hemispasm.registry.models import Analysis

            an = s.get(Analysis, j.analysis_id)
            sides = (an.summary or {}).get("sides") if an is not None else None
            if isinstance(sides, dict):
                out["spasms_per_min"] = {
                    k: v.get("spasms_per_min") for k, v in sides.items() if isinstance(v, dict)
                }
        return out


_PROGRESS = {"queued": 0.0, "running": 0.1, "done": 1.0, "failed": 1.0}


def _job_dict(j: Job) -> dict[str, Any]:
    progress = _PROGRESS.get(j.status, 0.0)
    if j.status == "running" and j.stage == "storing the analysis":
        progress = 0.9
    return {
        "id": j.id,
        "patient_id": j.patient_id,
        "visit_id": j.visit_id,
        "kind": j.kind,
        "status": j.status,
        "stage": j.stage,
        "progress": progress,
        "attempts": j.attempts,
        "created_at": j.created_at.isoformat() if j.created_at else None,
        "started_at": j.started_at.isoformat() if j.started_at else None,
        "finished_at": j.finished_at.isoformat() if j.finished_at else None,
        "error": j.error,
        "recording_id": j.recording_id,
        "analysis_id": j.analysis_id,
        "summary": (j.result or {}).get("summary") if j.status == "done" else None,
        "surgery_id": (j.result or {}).get("surgery_id"),
    }


def patient_jobs(reg: Registry, patient_id: str, limit: int = 10) -> list[dict[str, Any]]:
    """The latest jobs of a patient."""
    from sqlalchemy import select

    with reg.read_session() as s:
        q = select(Job).where(Job.patient_id == patient_id).order_by(Job.id.desc()).limit(limit)
        return [_job_dict(j) for j in s.scalars(q)]


class JobRunner:
    """Threads that run queued jobs; :meth:`recover` handles jobs of a stopped server."""

    def __init__(self, reg: Registry, uploads: Path, *, workers: int = 1) -> None:
        self.reg = reg
        self.uploads = uploads
        self.workers = workers
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._claim = threading.Lock()

    def start(self) -> None:
        """Recover left-over jobs, then start the worker threads."""
        self.recover()
        self._stop.clear()
        for i in range(self.workers):
            t = threading.Thread(target=self._loop, name=f"hs-job-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Ask the workers to stop after their current job."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout=timeout_s)
        self._threads = []

    def recover(self) -> dict[str, int]:
        """Requeue (upload present, attempts left) or fail (with the reason) running jobs."""
        from sqlalchemy import select

        resumed = failed = 0
        with self.reg.transaction(actor="hemispasm web") as s:
            for j in s.scalars(select(Job).where(Job.status == "running")):
                if (self.uploads / j.upload_name).is_file() and j.attempts < MAX_ATTEMPTS:
                    j.status, j.stage = "queued", "resumed after a server restart"
                    resumed += 1
                else:
                    j.status, j.finished_at = "failed", utcnow()
                    j.error = (
                        "the server stopped during the analysis and the upload is gone; "
                        "upload the recording again"
                        if not (self.uploads / j.upload_name).is_file()
                        else f"the analysis was interrupted {j.attempts} times; upload again"
                    )
                    failed += 1
        if resumed or failed:
            log.info("jobs after restart: %d resumed, %d failed", resumed, failed)
        return {"resumed": resumed, "failed": failed}

    def _next(self) -> int | None:
        from sqlalchemy import select

        with self._claim, self.reg.transaction(actor="hemispasm web") as s:
            j = s.scalars(
                select(Job).where(Job.status == "queued").order_by(Job.id).limit(1)
            ).first()
            if j is None:
                return None
            j.status, j.stage = "running", "analysing the recording"
            j.started_at = utcnow()
            j.attempts += 1
            return j.id

    def _set(self, job_id: int, **fields: Any) -> None:
        with self.reg.transaction(actor="hemispasm web") as s:
            j = s.get(Job, job_id)
            for k, v in fields.items():
                setattr(j, k, v)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = self._next()
            except Exception as exc:  # database briefly unavailable: try again
                log.warning("job queue not readable (%s)", exc.__class__.__name__)
                job_id = None
            if job_id is None:
                self._stop.wait(POLL_S)
                continue
            self.run(job_id)

    def run(self, job_id: int) -> None:
        """Run one claimed job to its end (done or failed)."""
        from hemispasm.events.tasks import sidecar_path
        from hemispasm.registry.recordings import add_recording

        with self.reg.read_session() as s:
            j = s.get(Job, job_id)
            path = self.uploads / j.upload_name
            pid, visit_id, actor = j.patient_id, j.visit_id, j.created_by
            surgery_id = (j.result or {}).get("surgery_id") if j.kind == "emg_lsr" else None
        try:
            if surgery_id is not None:  # an operation's LSR recording (hemispasm.web.mvd)
                from hemispasm.web.mvd import attach_lsr, check_lsr_upload

                check_lsr_upload(path)
            out = add_recording(self.reg, path, patient_id=pid, visit_id=visit_id, actor=actor)
            if surgery_id is not None:
                out.update(attach_lsr(self.reg, surgery_id, out, actor=actor))
            self._set(
                job_id,
                status="done",
                stage="done",
                finished_at=utcnow(),
                recording_id=out.get("recording_id"),
                analysis_id=out.get("analysis_id"),
                result=_jsonable(out),
            )
            log.info("job %s done (recording %s)", job_id, out.get("recording_id"))
        except HemispasmError as exc:
            self._set(
                job_id,
                status="failed",
                stage="failed",
                finished_at=utcnow(),
                error=exc.message + (f"; {exc.hint}" if exc.hint else ""),
                result={"surgery_id": surgery_id} if surgery_id is not None else None,
            )
            log.info("job %s failed: %s", job_id, exc.__class__.__name__)
        except Exception as exc:
            self._set(
                job_id,
                status="failed",
                stage="failed",
                finished_at=utcnow(),
                error=f"the analysis stopped with an internal error ({exc.__class__.__name__})",
            )
            log.error("job %s: internal %s", job_id, exc.__class__.__name__)
        finally:
            path.unlink(missing_ok=True)
            sidecar_path(path).unlink(missing_ok=True)  # the home protocol's task segments


def _jsonable(obj: Any) -> Any:
    import json

    return json.loads(json.dumps(obj, default=lambda o: o.item() if hasattr(o, "item") else str(o)))
