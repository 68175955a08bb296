"""Store recordings that were already analysed (``hemispasm batch --registry``).

:func:`hemispasm.registry.recordings.add_recording` analyses a file and stores it. A batch has
already run the same analysis (:func:`hemispasm.pipeline.run_recording`, one execution function
for ``analyze``, ``batch`` and the web app's jobs) into an output folder; this module stores the
file and *that* analysis, read back from the folder, so nothing is computed twice.

The recording is linked by the SHA-256 of its content, the same digest as the batch's
``input_sha256``: storing a recording that is already in the registry changes nothing. As in
``record add``, the file is copied under a generated name (never its original name), and the
copy is removed again when the database transaction fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hemispasm._log import get_logger
from hemispasm._version import __version__
from hemispasm.errors import InputError
from hemispasm.registry import models as m
from hemispasm.registry.db import Registry
from hemispasm.registry.patients import get_patient
from hemispasm.registry.recordings import (
    _check_visit,
    _jsonable,
    _table,
    existing_recording,
    insert_recording,
    recording_kind,
)

log = get_logger(__name__)

#: Batch kinds the registry stores (a recording is a video or an EMG file; per-frame tables
#: of other tools are derived data, not recordings).
STORABLE_KINDS = ("auto", "video", "emg_lsr", "emg_bursts")

_EMG_TABLES = {"emg_lsr": ("sweeps", "sweeps.csv"), "emg_bursts": ("bursts", "bursts.csv")}


def analysis_from_outputs(
    run_dir: str | Path, *, kind: str, path: str | Path | None = None
) -> tuple[float, dict[str, Any]]:
    """An :class:`~hemispasm.registry.models.Analysis`'s columns from an output folder.

    Parameters
    ----------
    run_dir : str or Path
        A folder written by :func:`hemispasm.pipeline.run_recording`.
    kind : str
        ``video`` (the face path) or ``emg_lsr`` / ``emg_bursts``.
    path : str or Path, optional
        The EMG recording, read for its duration when the summary does not give it.

    Returns
    -------
    (duration_s, columns)
    """
    import pandas as pd

    out = Path(run_dir)
    summary = _jsonable(json.loads((out / "summary.json").read_text(encoding="utf-8")))
    if kind in _EMG_TABLES:
        name, fname = _EMG_TABLES[kind]
        table = pd.read_csv(out / fname)
        prov = summary.get("provenance") if isinstance(summary.get("provenance"), dict) else {}
        default = "emg.lsr.template" if kind == "emg_lsr" else "emg.bursts.tkeo"
        duration = summary.get("duration_s")
        if duration is None:  # EMG summaries give sweeps or bursts, not always the span
            from hemispasm.emg import read_emg

            duration = read_emg(path).duration_s if path is not None else 0.0
        return float(duration), {
            "kind": kind,
            "method": prov.get("method", default),
            "summary": summary,
            "tables": {name: _table(table)},
            "signals_parquet": None,
            "provenance": prov or {"method": default, "version": __version__},
        }
    events = pd.read_csv(out / "events.csv")
    prov = dict(summary.get("signals_meta", {}).get("provenance") or {})
    return float(summary.get("duration_s") or 0.0), {
        "kind": "video",
        "method": prov.get("method", "video") + "+events",
        "summary": summary,
        "tables": {"events": _table(events)},
        "signals_parquet": (out / "signals.parquet").read_bytes(),
        "provenance": prov,
    }


def store_analysed(
    reg: Registry,
    path: str | Path,
    *,
    patient_id: str,
    run_dir: str | Path,
    kind: str,
    sha256: str,
    visit_id: int | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    """Store ``path`` for a patient with the analysis already written in ``run_dir``.

    Parameters
    ----------
    reg : Registry
    path : str or Path
        The local recording file (a video, or an EDF/BDF file).
    patient_id : str
        Registry id of the patient.
    run_dir : str or Path
        Its output folder (``summary.json``, ``events.csv``, ...).
    kind : str
        The batch kind that ran (``auto``/``video``, ``emg_lsr``, ``emg_bursts``).
    sha256 : str
        SHA-256 of the file's content, as the batch computed it.
    visit_id : int, optional
    actor : str, optional
        Who made the change (the audit trail).

    Returns
    -------
    dict
        As :func:`~hemispasm.registry.recordings.add_recording`: ``recording_id``, ``existing``,
        ``analysis_id``, ...

    Raises
    ------
    RegistryError
        Unknown patient or visit; the content belongs to another patient.
    InputError
        Not a video or EMG file; a kind the registry does not store.
    """

    if kind not in STORABLE_KINDS:
        raise InputError(
            f"the registry stores videos and EMG recordings, not a {kind!r} table",
            path=Path(path).name,
            hint="run --registry on videos and EDF/BDF files only",
        )
    src = Path(path)
    rkind = recording_kind(src)
    with reg.read_session() as s:
        pid = get_patient(s, patient_id).id
        _check_visit(s, visit_id, pid)
        old = existing_recording(s, sha256, pid=pid, name=src.name)
    if old is not None:
        return old
    an_kind = "video" if kind == "auto" else kind
    duration, analysis = analysis_from_outputs(run_dir, kind=an_kind, path=src)
    out = insert_recording(
        reg,
        src,
        patient_id=pid,
        visit_id=visit_id,
        sha256=sha256,
        kind=rkind,
        duration_s=duration,
        analysis=analysis,
        actor=actor,
    )
    log.info("stored analysed recording %s (%s)", out["recording_id"], an_kind)
    return out


def check_patients(reg: Registry, patient_ids: list[str]) -> list[str]:
    """The ids among ``patient_ids`` that are not in the registry (empty: all known)."""
    from sqlalchemy import select

    wanted = sorted({str(p).strip().upper() for p in patient_ids})
    with reg.read_session() as s:
        known = set(s.scalars(select(m.Patient.id).where(m.Patient.id.in_(wanted))))
    return [p for p in wanted if p not in known]
