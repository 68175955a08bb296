"""The pure planning core: manifests, discovery, ids, task keys, resume state."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hemispasm.batch import plan
from hemispasm.batch.cohort import cohort_row, cohort_table, errors_table, events_table
from hemispasm.batch.plan import BatchParams, Recording, read_manifest
from hemispasm.errors import InputError


def test_manifest_csv_and_parquet_keep_grouping_columns(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"x")
    rows = pd.DataFrame(
        {
            "path": ["a.mp4", str(tmp_path / "b.csv")],
            "recording_id": ["P01-V1", None],
            "kind": ["video", ""],
            "fps": [None, 30],
            "group": ["toxin", "mvd"],
            "visit": [1, 2],
        }
    )
    rows.to_csv(tmp_path / "m.csv", index=False)
    rows.to_parquet(tmp_path / "m.parquet", index=False)
    for name in ("m.csv", "m.parquet"):
        recs = read_manifest(tmp_path / name)
        assert [r.source for r in recs] == [str(tmp_path / "a.mp4"), str(tmp_path / "b.csv")]
        assert recs[0].recording_id == "P01-V1" and recs[1].recording_id is None
        assert recs[0].kind == "video" and recs[1].kind == "auto"
        assert recs[1].fps == 30.0 and recs[0].fps is None
        assert recs[0].columns == {"group": "toxin", "visit": 1}


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("file,group\na.mp4,x\n", "no 'path' column"),
        ("path,kind\na.mp4,movie\n", "row 2: unknown kind 'movie'"),
        ("path,fps\na.mp4,-3\n", "row 2: fps must be a positive number"),
        ("path,recording_id\na.mp4,../../etc\n", "not a safe folder name"),
        ("path,recording_id\na.mp4,r1\nb.mp4,r1\n", "recording_id repeated: r1"),
        ("path\n", "no rows"),
    ],
)
def test_bad_manifests(tmp_path, text, expect):
    m = tmp_path / "manifest.csv"
    m.write_text(text)
    with pytest.raises(InputError) as exc:
        read_manifest(m)
    assert expect in str(exc.value) and "manifest.csv" in str(exc.value)


def test_missing_manifest(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_manifest(tmp_path / "nope.csv")


def test_discover_walks_folders(tmp_path):
    (tmp_path / "v").mkdir()
    for name in ("v/a.mp4", "v/b.MOV", "t.csv", "e.edf", "v/readme.txt", ".hidden/x.mp4"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    recs, skipped = plan.discover([str(tmp_path)], fps=25.0)
    names = sorted(r.source.rsplit("/", 1)[1] for r in recs)
    assert names == ["a.mp4", "b.MOV", "t.csv"]
    assert all(r.fps == 25.0 for r in recs)
    assert sorted(s.rsplit("/", 1)[1] for s in skipped) == ["e.edf", "readme.txt"]
    single, _ = plan.discover([str(tmp_path / "e.edf")])  # a named file is always taken
    assert len(single) == 1


def test_ids_come_from_hash_or_manifest_never_names():
    a = Recording(source="/data/Jane_Doe/visit.mp4", input_sha256="ab" * 32)
    b = Recording(source="/data/John/visit.mp4", input_sha256="ab" * 32)  # same content
    c = Recording(source="/x/Jane.mp4", input_sha256="cd" * 32, recording_id="S7")
    recs, dups = plan.assign_ids([a, b, c])
    assert [r.recording_id for r in recs] == ["h" + "ab" * 8, "S7"]
    assert len(dups) == 1 and dups[0][1] == "h" + "ab" * 8
    assert all("Jane" not in r.recording_id for r in recs)


def test_task_key_changes_with_content_params_and_kind():
    r = Recording(source="a.mp4", input_sha256="00" * 32)
    p = BatchParams()
    k = r.key(p)
    assert len(k) == 64 and r.model_copy(update={"source": "elsewhere.mp4"}).key(p) == k
    assert r.model_copy(update={"input_sha256": "01" * 32}).key(p) != k
    assert r.key(BatchParams(max_faces=1)) != k
    assert r.model_copy(update={"fps": 30.0}).key(p) != k
    with pytest.raises(ValueError):
        Recording(source="a.mp4").key(p)


def test_load_done_needs_matching_key_and_outputs(tmp_path):
    r = Recording(source="a.mp4", input_sha256="00" * 32, recording_id="r1")
    st = plan.state_path(tmp_path, "r1")
    st.parent.mkdir(parents=True)
    st.write_text(json.dumps({"task_key": "k", "status": "ok", "row": {}}))
    assert plan.load_done(tmp_path, r, "k") is None  # no outputs
    (tmp_path / "r1").mkdir()
    (tmp_path / "r1" / "summary.json").write_text("{}")
    assert plan.load_done(tmp_path, r, "k") is not None
    assert plan.load_done(tmp_path, r, "other") is None
    st.write_text(json.dumps({"task_key": "k", "status": "failed", "row": {}}))
    assert plan.load_done(tmp_path, r, "k") is not None
    assert plan.load_done(tmp_path, r, "k", retry_failed=True) is None
    st.write_text("{not json")
    assert plan.load_done(tmp_path, r, "k") is None


def test_cohort_tables():
    summary = {
        "duration_s": 60.0,
        "face_visible_pct": 99.0,
        "affected_side": "left",
        "laterality_index": 1.0,
        "blink_count": 3,
        "blink_rate_per_min": 3.0,
        "severity_score": 40.0,
        "synthetic": True,
        "sides": {
            "left": {
                "spasm_count": 5,
                "spasms_per_min": 5.0,
                "pct_time_in_spasm": 8.0,
                "spread_stage": 2,
                "regions": ["orbicularis_oculi", "zygomaticus"],
                "smc_grade": {"value": 2},
            },
            "right": {
                "spasm_count": 0,
                "spasms_per_min": 0.0,
                "pct_time_in_spasm": 0.0,
                "spread_stage": 0,
                "regions": [],
            },
        },
        "signals_meta": {
            "source": "video",
            "fps": 30.0,
            "n_frames": 1800,
            "provenance": {"method": "video.mediapipe_face_landmarker", "model_sha256": "m"},
        },
    }
    rec = {
        "recording_id": "b",
        "source": "/x/b.mp4",
        "input_sha256": "s",
        "columns": {"group": "toxin"},
    }
    ok = cohort_row(rec, task_key="k", params={"max_faces": 2}, summary=summary)
    bad = cohort_row(
        {"recording_id": "a", "source": "/x/a.mp4"},
        task_key="k2",
        params={},
        error="/x/a.mp4: no face.",
    )
    t = cohort_table([ok, bad])
    assert list(t["recording_id"]) == ["a", "b"] and list(t.columns[:4]) == [
        "recording_id",
        "path",
        "input_sha256",
        "kind",
    ]
    row = t.iloc[1]
    assert row["status"] == "ok" and row["group"] == "toxin" and row["stage"] == 2
    assert row["spasms_per_min"] == 5.0 and row["left_smc_grade_estimate"] == 2
    assert row["left_regions"] == "orbicularis_oculi;zygomaticus" and bool(row["synthetic"])
    assert t.iloc[0]["status"] == "failed"
    errs = errors_table([ok, bad])
    assert list(errs["path"]) == ["/x/a.mp4"] and errs.iloc[0]["reason"] == "/x/a.mp4: no face."
    ev = events_table(
        {"b": [{"start_s": 2.0, "side": "left"}, {"start_s": 1.0, "side": "left"}], "a": []}
    )
    assert list(ev["recording_id"]) == ["b", "b"] and list(ev["start_s"]) == [1.0, 2.0]


def test_one_column_and_semicolon_manifests(tmp_path):
    (tmp_path / "m1.csv").write_text("path\na.mp4\nb.mp4\n")
    assert len(read_manifest(tmp_path / "m1.csv")) == 2
    (tmp_path / "m2.csv").write_text("path;group\na.mp4;x\n")
    assert read_manifest(tmp_path / "m2.csv")[0].columns == {"group": "x"}
