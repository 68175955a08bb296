"""Batch inputs: manifests (CSV and Parquet, grouping columns, EMG rows) and fsspec URLs
(``memory://``), on an in-process Dask client (the local-cluster path is in test_batch_cli)."""

from __future__ import annotations

import fsspec
import pandas as pd
import pytest

from hemispasm.batch import run_batch
from hemispasm.cli import main
from hemispasm.video import pool


@pytest.fixture
def client(monkeypatch):
    from distributed import Client

    monkeypatch.setattr(pool, "_POOL", None)  # the pool enabled here ends with the test
    c = Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None)
    yield c
    c.close()
    if pool.active() is not None:
        pool.active().close()


@pytest.fixture
def emg_edf(tmp_path):
    from hemispasm.emg import emg_simulate_bursts, write_edf

    sim = emg_simulate_bursts(duration_s=6.0, sfreq=2000.0, seed=3)
    path = tmp_path / "bursts.edf"
    write_edf(sim.recording, path)
    return path


def _manifest(tmp_path, shared, emg_edf) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "path": [
                str(shared("data/video/blink_2s_360p.mp4")),
                str(shared("data/ear/ear_30fps_1min.csv")),
                str(emg_edf),
                str(tmp_path / "gone.mp4"),
            ],
            "recording_id": ["S01-V1", "S02-V1", "S03-EMG", "S04-V2"],
            "kind": ["video", "ear", "emg_bursts", "video"],
            "fps": [None, 30.0, None, None],
            "group": ["toxin", "mvd", "mvd", "toxin"],
            "visit": [1, 1, 1, 2],
            "patient": ["P01", "P02", "P03", "P01"],
        }
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_manifest_with_groups_and_emg(tmp_path, shared, emg_edf, client, fmt):
    m = _manifest(tmp_path, shared, emg_edf)
    path = tmp_path / f"manifest.{fmt}"
    m.to_csv(path, index=False) if fmt == "csv" else m.to_parquet(path, index=False)
    out = tmp_path / "out"
    res = run_batch([], out, manifest=str(path), client=client)
    assert (res.succeeded, res.failed, res.skipped) == (3, 1, 0) and not res.ok
    cohort = pd.read_parquet(out / "cohort.parquet").set_index("recording_id")
    assert list(cohort.index) == ["S01-V1", "S02-V1", "S03-EMG", "S04-V2"]
    assert list(cohort["group"]) == ["toxin", "mvd", "mvd", "toxin"]
    assert list(cohort["visit"]) == [1, 1, 1, 2] and cohort.loc["S04-V2", "patient"] == "P01"
    assert cohort.loc["S04-V2", "status"] == "failed"
    assert "gone.mp4: file not found" in cohort.loc["S04-V2", "error"]
    assert cohort.loc["S02-V1", "source"] == "ear_table"
    assert cohort.loc["S03-EMG", "kind"] == "emg_bursts"
    assert cohort.loc["S03-EMG", "emg_bursts"] >= 1 and bool(cohort.loc["S03-EMG", "synthetic"])
    assert (out / "S03-EMG" / "bursts.csv").is_file()
    assert (out / "S01-V1" / "report.html").is_file()
    html = (out / "cohort.html").read_text()
    assert "Distributions by group" in html and "toxin" in html and "mvd" in html
    again = run_batch([], out, manifest=str(path), client=client)
    assert (again.succeeded, again.skipped, again.failed) == (0, 3, 1)


def test_memory_urls(tmp_path, shared, client):
    fs = fsspec.filesystem("memory")
    fs.pipe("/cohort/a/blink.mp4", shared("data/video/blink_2s_360p.mp4").read_bytes())
    fs.pipe("/cohort/b/ear.csv", shared("data/ear/ear_30fps_1min.csv").read_bytes())
    fs.pipe("/cohort/b/broken.mp4", b"\x00\x00\x00\x18ftypmp42 not a video")
    try:
        out = tmp_path / "out"
        res = run_batch(["memory://cohort"], out, fps=30.0, client=client)
        assert (res.succeeded, res.failed) == (2, 1)
        cohort = pd.read_parquet(out / "cohort.parquet")
        assert set(cohort["path"]) == {
            "memory:///cohort/a/blink.mp4",
            "memory:///cohort/b/ear.csv",
            "memory:///cohort/b/broken.mp4",
        }
        reason = cohort.loc[cohort["status"] == "failed", "error"].item()
        assert reason.startswith("memory:///cohort/b/broken.mp4: not a readable video")
        # the same URL through `analyze` (one process, so the memory file system is shared)
        assert (
            main(
                [
                    "analyze",
                    "memory://cohort/a/blink.mp4",
                    "--out",
                    str(tmp_path / "one"),
                    "--quiet",
                ]
            )
            == 0
        )
        assert (tmp_path / "one" / "summary.json").is_file()
    finally:
        fs.rm("/cohort", recursive=True)


def test_s3_without_driver_is_one_line(tmp_path, capsys):
    pytest.importorskip("fsspec")
    try:
        import s3fs  # noqa: F401

        pytest.skip("s3fs is installed here")
    except ImportError:
        pass
    assert main(["analyze", "s3://bucket/clip.mp4", "--out", str(tmp_path / "o"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "s3fs" in err and "Traceback" not in err
