"""``hemispasm record add``: store a recording in the managed folder and analyse it.

- A recording is identified by the SHA-256 of its content: adding the same file again (under
  any name) is recognised and changes nothing.
- The file is copied into the managed recordings folder
  (:func:`hemispasm.registry.db.default_data_dir`)
  under a generated name, ``<first 2 hex>/<sha256><suffix>``: never its original name, which can
  carry a patient's name. Only the suffix is kept.
- Video (``.mp4``, ``.mov``, ...): :func:`hemispasm.pipeline.analyze`; the summary, the events
  table and the per-frame signals (Parquet bytes, derived signals, no frames) are stored as an
  :class:`~hemispasm.registry.models.Analysis` of kind ``video``.
- EMG (``.edf``, ``.bdf``): :func:`hemispasm.emg.read_emg`; with stimuli (annotations or a
  trigger channel) the lateral spread response (:func:`hemispasm.emg.emg_lsr`, kind
  ``emg_lsr``, its sweeps table), otherwise free-running bursts (:func:`hemispasm.emg.emg_bursts`,
  kind ``emg_bursts``, its bursts table).
- The file is read and analysed before anything is written; the copy is removed again if the
  database transaction fails, so an unreadable file changes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hemispasm._log import get_logger
from hemispasm._version import __version__
from hemispasm.errors import InputError
from hemispasm.registry import models as m
from hemispasm.registry.db import Registry, RegistryError
from hemispasm.registry.patients import get_patient

log = get_logger(__name__)

EMG_SUFFIXES = frozenset({".edf", ".bdf"})


def recording_kind(path: Path) -> str:
    """``"video"`` or ``"emg"`` from the suffix.

    Raises
    ------
    InputError
        Any other suffix.
    """
    from hemispasm.video.reader import VIDEO_SUFFIXES

    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return "video"
    if suffix in EMG_SUFFIXES:
        return "emg"
    raise InputError(
        f"unsupported recording type '{suffix or '(none)'}'",
        path=path,
        hint="give a video (.mp4, .mov, ...) or an EMG file (.edf, .bdf)",
    )


def _table(df: Any) -> dict[str, Any]:
    """A DataFrame as JSON: columns and rows (NaN as null)."""
    clean = df.astype(object).where(df.notna(), None)
    return {"columns": [str(c) for c in df.columns], "rows": clean.values.tolist()}


def _jsonable(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def analyse_video(path: Path, *, model: str | Path | None = None) -> tuple[float, dict[str, Any]]:
    """Run the video pipeline on ``path``; return (duration_s, analysis columns)."""
    import pandas as pd

    from hemispasm.pipeline import analyze

    with tempfile.TemporaryDirectory(prefix="hs-rec-") as tmp:
        res = analyze(path, Path(tmp) / "out", model=model)
        summary = json.loads(res.files["summary.json"].read_text(encoding="utf-8"))
        events = pd.read_csv(res.files["events.csv"])
        signals = res.files["signals.parquet"].read_bytes()
    prov = dict(summary.get("signals_meta", {}).get("provenance") or {})
    return float(summary.get("duration_s") or 0.0), {
        "kind": "video",
        "method": prov.get("method", "video") + "+events",
        "summary": summary,
        "tables": {"events": _table(events)},
        "signals_parquet": signals,
        "provenance": prov,
    }


def analyse_emg(path: Path, *, analyze: bool = True) -> tuple[float, dict[str, Any] | None]:
    """Read an EDF/BDF file and (``analyze``) measure LSR or bursts."""
    from hemispasm.emg import emg_bursts, emg_lsr, find_stimuli, read_emg

    rec = read_emg(path)
    duration = float(rec.data.shape[1] / rec.sfreq)
    if not analyze:
        return duration, None
    try:
        idx, _source = find_stimuli(rec)
        has_stimuli = len(idx) > 0
    except InputError:
        has_stimuli = False
    if has_stimuli:
        res = emg_lsr(rec)
        kind, table, method = "emg_lsr", {"sweeps": _table(res.sweeps)}, "emg.lsr.template"
    else:
        res = emg_bursts(rec)
        kind, table, method = "emg_bursts", {"bursts": _table(res.bursts)}, "emg.bursts.tkeo"
    summary = _jsonable(res.summary)
    prov = summary.get("provenance") if isinstance(summary.get("provenance"), dict) else {}
    return duration, {
        "kind": kind,
        "method": prov.get("method", method),
        "summary": summary,
        "tables": table,
        "signals_parquet": None,
        "provenance": prov or {"method": method, "version": __version__},
    }


def _store_copy(src: Path, data_dir: Path, sha: str) -> tuple[str, bool]:
    """Copy into the managed folder under the hash name; return (relative path, created)."""
    rel = f"{sha[:2]}/{sha}{src.suffix.lower()}"
    dest = data_dir / rel
    if dest.is_file():
        return rel, False
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming.", suffix=".tmp")
        os.close(fd)
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except OSError as exc:
        raise RegistryError(
            f"cannot write the recordings folder ({exc.strerror or exc})",
            path=data_dir,
            hint="set HEMISPASM_RECORDINGS_DIR to a folder you can write to",
        ) from None
    return rel, True


def add_recording(
    reg: Registry,
    path: str | Path,
    *,
    patient_id: str,
    visit_id: int | None = None,
    analyze: bool = True,
    model: str | Path | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    """Store a recording for a patient and (``analyze``) its analysis.

    Returns
    -------
    dict
        ``recording_id``, ``sha256``, ``kind``, ``duration_s``, ``stored_path``, ``existing``
        (True: the same content was already registered; nothing changed), ``analysis_id``,
        ``analysis_kind``, ``summary`` (a few headline numbers).

    Raises
    ------
    RegistryError
        Unknown patient or visit; the file belongs to another patient.
    InputError
        Missing, unsupported or unreadable file (nothing is stored).
    """

    from hemispasm.provenance import sha256_file

    src = Path(path)
    if not src.is_file():
        raise InputError("the recording does not exist", path=src, hint="check the path")
    kind = recording_kind(src)
    sha = sha256_file(src)
    with reg.read_session() as s:  # fail fast, before the long analysis
        p = get_patient(s, patient_id)
        pid = p.id
        _check_visit(s, visit_id, pid)
        old = existing_recording(s, sha, pid=pid, name=src.name)
        if old is not None:
            return old
    if kind == "video":
        if analyze:
            duration, analysis = analyse_video(src, model=model)
        else:
            from hemispasm.video.reader import probe

            duration, analysis = float(probe(src).duration_s), None
    else:
        duration, analysis = analyse_emg(src, analyze=analyze)
    out = insert_recording(
        reg,
        src,
        patient_id=pid,
        visit_id=visit_id,
        sha256=sha,
        kind=kind,
        duration_s=duration,
        analysis=analysis,
        actor=actor,
    )
    log.info("stored recording %s (%s, %.1f s)", out["recording_id"], kind, duration)
    return out


def existing_recording(s: Any, sha256: str, *, pid: str, name: str) -> dict[str, Any] | None:
    """The registered recording with this content for ``pid`` (None: not registered).

    Raises
    ------
    RegistryError
        The content belongs to another patient.
    """
    from sqlalchemy import select

    old = s.scalars(select(m.Recording).where(m.Recording.sha256 == sha256)).first()
    if old is None:
        return None
    if old.patient_id != pid:
        raise RegistryError(
            f"this file is already registered as recording {old.id} of another patient",
            path=name,
            hint="check the patient id",
        )
    return {
        "recording_id": old.id,
        "sha256": sha256,
        "kind": old.kind,
        "duration_s": old.duration_s,
        "stored_path": old.stored_path,
        "existing": True,
        "analysis_id": old.analyses[-1].id if old.analyses else None,
    }


def insert_recording(
    reg: Registry,
    src: Path,
    *,
    patient_id: str,
    visit_id: int | None,
    sha256: str,
    kind: str,
    duration_s: float,
    analysis: dict[str, Any] | None,
    actor: str | None = None,
) -> dict[str, Any]:
    """Copy ``src`` into the recordings folder and add its Recording (and Analysis) rows in one
    transaction; the copy is removed again when the transaction fails."""
    rel, created = _store_copy(src, reg.data_dir, sha256)
    try:
        with reg.transaction(actor=actor) as s:
            rec = m.Recording(
                patient_id=patient_id,
                visit_id=visit_id,
                sha256=sha256,
                kind=kind,
                suffix=src.suffix.lower(),
                size_bytes=src.stat().st_size,
                duration_s=duration_s,
                stored_path=rel,
            )
            s.add(rec)
            s.flush()
            out: dict[str, Any] = {
                "recording_id": rec.id,
                "sha256": sha256,
                "kind": kind,
                "duration_s": duration_s,
                "stored_path": rel,
                "existing": False,
                "analysis_id": None,
            }
            if analysis is not None:
                an = m.Analysis(recording_id=rec.id, hemispasm_version=__version__, **analysis)
                s.add(an)
                s.flush()
                out.update(analysis_id=an.id, analysis_kind=an.kind, summary=_headline(an))
    except BaseException:
        if created:
            (reg.data_dir / rel).unlink(missing_ok=True)
        raise
    return out


def _check_visit(s: Any, visit_id: int | None, pid: str) -> None:
    if visit_id is None:
        return
    v = s.get(m.Visit, visit_id)
    if v is None or v.patient_id != pid:
        raise RegistryError(
            f"patient {pid} has no visit {visit_id}",
            hint=f"see the visits with `hemispasm patient show {pid}`",
        )


def _headline(an: m.Analysis) -> dict[str, Any]:
    keys = (
        "duration_s",
        "affected_side",
        "blink_count",
        "blink_rate_per_min",
        "severity_score",
        "synthetic",
        "sweeps",
        "lsr_present_fraction",
        "lsr_disappeared",
        "disappearance_sweep",
        "synchronous",
    )
    return {k: an.summary[k] for k in keys if k in an.summary}


def recording_file(reg: Registry, recording_id: int) -> Path:
    """The stored file of a recording.

    Raises
    ------
    RegistryError
        Unknown recording, or its file is missing from the managed folder.
    """
    with reg.read_session() as s:
        rec = s.get(m.Recording, recording_id)
        if rec is None:
            raise RegistryError(f"no recording {recording_id} in the registry")
        path = reg.data_dir / rec.stored_path
    if not path.is_file():
        raise RegistryError(
            f"the file of recording {recording_id} is missing from the recordings folder",
            path=reg.data_dir,
            hint="restore the folder from its backup",
        )
    return path
