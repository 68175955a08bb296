"""``hemispasm batch --registry``: every analysis of the cohort also stored in the registry.

Each recording of the manifest names its patient (a registry id in the ``patient`` column; an
optional ``visit`` column holds a visit id). Before anything runs, every row is checked: a
patient id for each, every id known to the registry, and only videos and EDF/BDF files (the
registry stores recordings; per-frame tables of other tools are not recordings). After the batch
the driver stores each analysed recording with the analysis the batch wrote
(:func:`hemispasm.registry.ingest.store_analysed`), linked by the SHA-256 of its content: a
recording already in the registry is left as it is, so running the batch again changes nothing.

The driver is the only writer (one connection, one transaction per recording), so SQLite's
single writer is never contended by the workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hemispasm import _fsio
from hemispasm._log import get_logger
from hemispasm.errors import HemispasmError, InputError

log = get_logger(__name__)

#: Manifest columns read by ``--registry``.
PATIENT_COLUMN = "patient"
VISIT_COLUMN = "visit"

#: The actor written to the audit trail.
ACTOR = "hemispasm batch --registry"


@dataclass
class RegistryStore:
    """What ``--registry`` did."""

    stored: int = 0
    existing: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (recording_id, reason)

    def line(self) -> str:
        bad = f", {len(self.errors)} not stored" if self.errors else ""
        return f"registry: {self.stored} stored, {self.existing} already there{bad}"


def _visit(value: Any, where: str) -> int | None:
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        f = float("nan")
    if not f.is_integer() or f < 1:
        raise InputError(
            f"{where}: visit {value!r} is not a registry visit id",
            hint="the visit column holds the ids of `hemispasm visit add` (or is left empty)",
        )
    return int(f)


def check_targets(recs: list, url: str | None) -> None:
    """Refuse, before the batch starts, rows the registry cannot store.

    Parameters
    ----------
    recs : list of hemispasm.batch.plan.Recording
    url : str or None
        The registry (default: as ``hemispasm registry``).

    Raises
    ------
    InputError
        A row without a patient, a per-frame table, a bad visit id, unknown patients.
    """
    from hemispasm.registry.api import opened
    from hemispasm.registry.ingest import STORABLE_KINDS, check_patients
    from hemispasm.registry.recordings import EMG_SUFFIXES
    from hemispasm.video.reader import VIDEO_SUFFIXES

    ids: list[str] = []
    for i, r in enumerate(recs, start=1):
        where = f"recording {r.recording_id}" if r.recording_id else f"input {i}"
        pid = r.columns.get(PATIENT_COLUMN)
        if pid is None or str(pid).strip() in ("", "nan", "None"):
            raise InputError(
                f"{where} has no patient: --registry needs a manifest with a "
                f"'{PATIENT_COLUMN}' column of registry ids",
                hint="add the column (ids from `hemispasm patient list`), or drop --registry",
            )
        suffix = _fsio.suffix_of(r.source)
        if r.kind not in STORABLE_KINDS or suffix not in (VIDEO_SUFFIXES | EMG_SUFFIXES):
            raise InputError(
                f"{where} is a per-frame table ({suffix or r.kind}): the registry stores videos "
                "and EDF/BDF recordings only",
                hint="leave tables out of a --registry batch",
            )
        _visit(r.columns.get(VISIT_COLUMN), where)
        ids.append(str(pid))
    with opened(url) as reg:
        missing = check_patients(reg, ids)
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise InputError(
            f"patient {missing[0]}{more} is not in the registry",
            hint="add the patients first (`hemispasm patient add`) or correct the manifest",
        )


def store_rows(rows: list[dict[str, Any]], out_dir: str | Path, url: str | None) -> RegistryStore:
    """Store each analysed cohort row (status ``ok``) with its analysis folder.

    Parameters
    ----------
    rows : list of dict
        Cohort rows (``recording_id``, ``path``, ``input_sha256``, ``kind``, ``status`` and the
        manifest's ``patient`` / ``visit``).
    out_dir : str or Path
        The batch's output folder (``<recording_id>/`` per recording).
    url : str or None
        The registry.

    Returns
    -------
    RegistryStore
        Counts, and the rows that could not be stored with their one-line reasons.
    """
    from hemispasm.registry.api import opened
    from hemispasm.registry.ingest import store_analysed

    res = RegistryStore()
    out = Path(out_dir)
    with opened(url) as reg:
        for row in rows:
            if row.get("status") != "ok":
                continue
            rid = str(row["recording_id"])
            try:
                visit = _visit(row.get(VISIT_COLUMN), f"recording {rid}")
                with _fsio.local_input(row["path"]) as local:
                    r = store_analysed(
                        reg,
                        local,
                        patient_id=str(row[PATIENT_COLUMN]),
                        visit_id=visit,
                        run_dir=out / rid,
                        kind=str(row.get("kind") or "auto"),
                        sha256=str(row["input_sha256"]),
                        actor=ACTOR,
                    )
            except HemispasmError as exc:
                res.errors.append((rid, exc.one_line()))
                continue
            if r["existing"]:
                res.existing += 1
            else:
                res.stored += 1
    log.info(
        "registry: %d stored, %d existing, %d errors", res.stored, res.existing, len(res.errors)
    )
    return res
