"""`record add`: content-addressed storage, analysis stored, bad files change nothing."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from hemispasm.errors import InputError
from hemispasm.registry import models as m
from hemispasm.registry.db import RegistryError
from hemispasm.registry.patients import add_patient, add_visit
from hemispasm.registry.recordings import add_recording

CLIP = "data/video/blink_2s_360p.mp4"


@pytest.fixture
def pid(reg) -> str:
    return add_patient(reg, sex="female", side="left")["id"]


def test_real_clip_stored_and_analysed(reg, pid, shared, face_model, tmp_path, counts):
    import pyarrow.parquet as pq

    clip = shared(CLIP)
    visit = add_visit(reg, pid, date="2025-05-05")["id"]
    # a copy whose name carries a (fake) patient name: the name must not survive
    named = tmp_path / "Jane_Doe_1961-07-13.mp4"
    named.write_bytes(clip.read_bytes())
    out = add_recording(reg, named, patient_id=pid, visit_id=visit, model=face_model)
    assert out["existing"] is False and out["kind"] == "video"
    assert out["duration_s"] == pytest.approx(2.4, abs=0.1)
    assert "Jane" not in out["stored_path"] and out["stored_path"].endswith(out["sha256"] + ".mp4")
    stored = reg.data_dir / out["stored_path"]
    assert stored.read_bytes() == clip.read_bytes()
    with reg.session() as s:
        rec = s.get(m.Recording, out["recording_id"])
        assert rec.visit_id == visit and rec.size_bytes == clip.stat().st_size
        an = rec.analyses[0]
        assert an.kind == "video" and an.summary["blink_count"] == 1
        assert an.provenance["method"] == "video.mediapipe_face_landmarker"
        assert an.provenance["model_sha256"] and an.hemispasm_version
        ev = an.tables["events"]
        assert "kind" in ev["columns"] and len(ev["rows"]) == 1
        assert ev["rows"][0][ev["columns"].index("kind")] == "blink"
        signals = pq.read_table(io.BytesIO(an.signals_parquet))
        assert signals.num_rows == 72
    # the same content again (the shared original name): recognised, nothing changes
    before = counts(reg)
    again = add_recording(reg, clip, patient_id=pid, model=face_model)
    assert again["existing"] is True and again["recording_id"] == out["recording_id"]
    assert counts(reg) == before
    # another patient cannot claim it
    other = add_patient(reg)["id"]
    with pytest.raises(RegistryError, match="another patient"):
        add_recording(reg, clip, patient_id=other, model=face_model)


def test_no_analyze_and_cli(reg, registry_env, pid, shared, cli, monkeypatch, face_model):
    monkeypatch.setenv("HEMISPASM_FACE_MODEL", str(face_model))
    code, out, _ = cli("record", "add", shared(CLIP), "--patient", pid, "--no-analyze", "--json")
    r = json.loads(out)
    assert code == 0 and r["analysis_id"] is None and r["duration_s"] == pytest.approx(2.4, 0.05)
    code, out, _ = cli("record", "add", shared(CLIP), "--patient", pid)
    assert code == 0 and "already in the registry" in out
    code, out, _ = cli("patient", "show", pid, "--json")
    assert json.loads(out)["recordings"][0]["sha256"] == r["sha256"]


def test_emg_lsr_and_bursts(reg, pid, tmp_path):
    from hemispasm.emg import emg_simulate_bursts, emg_simulate_lsr, write_edf

    lsr = tmp_path / "lsr.edf"
    write_edf(emg_simulate_lsr(n_sweeps=30, snr=8, disappear_at=20, seed=3).recording, lsr)
    bursts = tmp_path / "bursts.edf"
    write_edf(emg_simulate_bursts(duration_s=20, seed=2).recording, bursts)
    a = add_recording(reg, lsr, patient_id=pid)
    b = add_recording(reg, bursts, patient_id=pid)
    assert a["kind"] == b["kind"] == "emg"
    assert a["analysis_kind"] == "emg_lsr" and b["analysis_kind"] == "emg_bursts"
    with reg.session() as s:
        an = s.get(m.Analysis, a["analysis_id"])
        assert an.summary["lsr_disappeared"] is True and an.summary["synthetic"] is True
        assert an.tables["sweeps"]["rows"] and an.provenance["method"] == "emg.lsr.template"
        bn = s.get(m.Analysis, b["analysis_id"])
        assert "bursts" in bn.tables and bn.method == "emg.bursts.tkeo"


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("broken.mp4", b"this is not a video at all" * 50, InputError),
        ("broken.edf", b"0       not an EDF header" * 20, InputError),
        ("notes.txt", b"hello", InputError),
    ],
)
def test_unreadable_recording_changes_nothing(reg, pid, tmp_path, counts, name, content, error):
    f = tmp_path / name
    f.write_bytes(content)
    before = counts(reg)
    with pytest.raises(error):
        add_recording(reg, f, patient_id=pid)
    assert counts(reg) == before
    assert not reg.data_dir.exists() or not any(p.is_file() for p in reg.data_dir.rglob("*"))


def test_unknown_patient_or_visit(reg, pid, shared, registry_env, cli, counts):
    before = counts(reg)
    code, _, err = cli("record", "add", shared(CLIP), "--patient", "HS-NOSUCH00")
    assert code != 0 and "no patient" in err and len(err.strip().splitlines()) == 1
    other = add_patient(reg)["id"]
    v = add_visit(reg, other, date="2025-01-01")["id"]
    before = counts(reg)
    code, _, err = cli("record", "add", shared(CLIP), "--patient", pid, "--visit", v)
    assert code != 0 and f"has no visit {v}" in err
    code, _, err = cli("record", "add", "/nonexistent/file.mp4", "--patient", pid)
    assert code != 0 and "does not exist" in err
    assert counts(reg) == before
    with reg.session() as s:
        assert s.scalars(select(m.Recording)).first() is None
