"""``hemispasm batch --registry``: each analysis of the batch stored in the registry, linked by
the recording's content hash, on SQLite and PostgreSQL; bad manifests refused before anything
runs; running the batch again stores nothing twice."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from hemispasm.cli import main
from hemispasm.registry import models as m
from hemispasm.registry.patients import add_patient, add_visit


def _batch(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["batch", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def recordings(tmp_path_factory, face_model) -> dict[str, Path]:
    """A SYNTHETIC 5-s video and a SYNTHETIC LSR recording (EDF)."""
    from hemispasm.emg import emg_simulate_lsr, write_edf
    from hemispasm.synth import synth_video

    root = tmp_path_factory.mktemp("batchreg")
    video = synth_video(
        root / "synth",
        side="left",
        stage=2,
        seconds=5.0,
        seed=21,
        model=face_model,
        width=320,
        height=240,
    ).video
    lsr = root / "lsr.edf"
    write_edf(emg_simulate_lsr(n_sweeps=20, snr=8, disappear_at=12, seed=5).recording, lsr)
    return {"video": video, "lsr": lsr}


def _manifest(tmp_path: Path, rows: list[dict]) -> Path:
    p = tmp_path / "manifest.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    return p


def test_batch_stores_each_analysis_once(reg, registry_env, recordings, tmp_path, counts):
    pid = add_patient(reg, side="left", synthetic=True)["id"]
    visit = add_visit(reg, pid, date="2025-05-05")["id"]
    manifest = _manifest(
        tmp_path,
        [
            {"path": str(recordings["video"]), "patient": pid, "visit": visit},
            {"path": str(recordings["lsr"]), "kind": "emg_lsr", "patient": pid.lower()},
        ],
    )
    out = tmp_path / "out"
    args = ("--manifest", str(manifest), "--out", str(out), "--workers", "1", "-q", "--registry")
    code, stdout, stderr = _batch(*args, "--db", registry_env)
    assert code == 0, stdout + stderr
    assert "registry: 2 stored, 0 already there" in stdout and "Traceback" not in stderr
    cohort = pd.read_parquet(out / "cohort.parquet").set_index("recording_id")
    with reg.session() as s:
        recs = {r.sha256: r for r in s.scalars(select(m.Recording))}
        assert set(recs) == set(cohort["input_sha256"])  # linked by content hash
        for rid, row in cohort.iterrows():
            rec = recs[row["input_sha256"]]
            assert rec.patient_id == pid
            an = rec.analyses[0]
            # the analysis stored is the one the batch wrote, not a second computation
            written = json.loads((out / rid / "summary.json").read_text(encoding="utf-8"))
            assert an.summary == json.loads(json.dumps(written))
            stored = reg.data_dir / rec.stored_path
            assert stored.read_bytes() == Path(row["path"]).read_bytes()
            assert stored.name == f"{rec.sha256}{rec.suffix}"  # never the file's own name
        video = next(r for r in recs.values() if r.kind == "video")
        assert video.visit_id == visit and video.analyses[0].kind == "video"
        assert video.analyses[0].signals_parquet and video.analyses[0].tables["events"]["columns"]
        emg = next(r for r in recs.values() if r.kind == "emg")
        assert emg.analyses[0].kind == "emg_lsr" and emg.analyses[0].summary["synthetic"] is True
        assert emg.duration_s and emg.duration_s > 1.0
        actors = set(s.scalars(select(m.AuditEvent.actor)))
    assert "hemispasm batch --registry" in actors
    before = counts(reg)
    code, stdout, _ = _batch(*args, "--db", registry_env)
    assert code == 0 and "registry: 0 stored, 2 already there" in stdout
    assert counts(reg) == before  # nothing stored twice, nothing recomputed


@pytest.mark.parametrize(
    ("case", "expect"),
    [
        ("no_patient_column", "has no patient: --registry needs a manifest with a 'patient'"),
        ("unknown_patient", "is not in the registry"),
        ("table", "the registry stores videos and EDF/BDF recordings only"),
        ("bad_visit", "is not a registry visit id"),
    ],
)
def test_bad_registry_batches_refused_before_running(
    reg, registry_env, recordings, tmp_path, counts, shared, case, expect
):
    pid = add_patient(reg)["id"]
    row = {"path": str(recordings["lsr"]), "kind": "emg_lsr", "patient": pid}
    if case == "no_patient_column":
        row.pop("patient")
    elif case == "unknown_patient":
        row["patient"] = "P-NOSUCH"
    elif case == "table":
        row = {"path": str(shared("data/ear/ear_30fps_1min.csv")), "patient": pid, "fps": 30}
    elif case == "bad_visit":
        row["visit"] = "first"
    manifest = _manifest(tmp_path, [row])
    before = counts(reg)
    out = tmp_path / "out"
    code, _stdout, stderr = _batch(
        "--manifest", str(manifest), "--out", str(out), "-q", "--registry", "--db", registry_env
    )
    assert code != 0 and expect in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert counts(reg) == before
    assert not (out / "cohort.parquet").exists()  # refused before anything ran
    assert not out.exists()  # and the output folder is not created
