"""``hemispasm batch`` end to end on a local Dask cluster (2 worker processes): good and bad
recordings, the rerun that recomputes nothing, and a batch killed mid-way then resumed."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import time

import pandas as pd
import pytest

from conftest import batch_argv  # tests/batch/conftest.py
from hemispasm.cli import main

ANALYZE_FILES = {"signals.parquet", "events.csv", "summary.json", "report.html"}


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["batch", *args])
    return code, out.getvalue(), err.getvalue()


def _recording_dirs(out) -> list:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


def _states(out) -> dict[str, dict]:
    done = out / ".hemispasm-batch" / "done"
    if not done.is_dir():
        return {}
    states = {}
    for p in done.glob("*.json"):
        with contextlib.suppress(json.JSONDecodeError, OSError):
            states[p.stem] = json.loads(p.read_text())
    return states


@pytest.fixture(scope="module")
def first_run(cohort_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "out"
    code, stdout, stderr = _run(str(cohort_folder), "--out", str(out), "--workers", "2", "-q")
    return out, code, stdout, stderr


def test_good_recordings_analysed_bad_ones_reported(first_run, cohort_folder):
    out, code, stdout, stderr = first_run
    assert code == 1  # not everything succeeded
    assert "4 succeeded, 0 skipped (already done), 2 failed" in stdout
    assert "errors.csv" in stderr and "Traceback" not in stderr + stdout
    cohort = pd.read_parquet(out / "cohort.parquet")
    assert len(cohort) == 6  # notes.txt and the hidden file are not recordings
    assert sorted(cohort["status"]) == ["failed"] * 2 + ["ok"] * 4
    assert cohort["recording_id"].str.fullmatch(r"h[0-9a-f]{16}").all()
    assert not cohort["recording_id"].str.contains("blink|clip|room|visit").any()
    errors = pd.read_csv(out / "errors.csv")
    reasons = dict(zip(errors["path"].str.rsplit("/", n=1).str[1], errors["reason"], strict=True))
    assert set(reasons) == {"broken.mp4", "empty_room.mp4"}
    assert "not a readable video" in reasons["broken.mp4"]
    assert "no face found" in reasons["empty_room.mp4"]
    ok = cohort[cohort["status"] == "ok"]
    assert ok["synthetic"].sum() == 3  # the three synth clips, not the real one
    assert set(ok["affected_side"]) <= {"left", "right", "bilateral", "none"}
    assert ok["input_sha256"].str.len().eq(64).all()
    assert (ok["hemispasm_version"] != "").all() and ok["task_key"].str.len().eq(64).all()
    dirs = _recording_dirs(out)
    assert {d.name for d in dirs} == set(ok["recording_id"])
    for d in dirs:  # each exactly as analyze writes it, nothing half-written
        assert {p.name for p in d.iterdir()} == ANALYZE_FILES
    assert not any((out / ".hemispasm-batch" / "tmp").iterdir())
    events = pd.read_parquet(out / "events.parquet")
    assert set(events["recording_id"]) <= set(ok["recording_id"]) and len(events) > 0
    html = (out / "cohort.html").read_text()
    assert "SYNTHETIC DATA" in html and "data:image/png;base64," in html
    assert "no face found" in html


def test_batch_writes_what_analyze_writes(first_run, cohort_folder, tmp_path):
    out = first_run[0]
    cohort = pd.read_parquet(out / "cohort.parquet")
    rid = cohort.loc[cohort["path"].str.endswith("real_blink.mp4"), "recording_id"].item()
    single = tmp_path / "single"
    assert (
        main(
            [
                "analyze",
                str(cohort_folder / "visit1" / "real_blink.mp4"),
                "--out",
                str(single),
                "--quiet",
            ]
        )
        == 0
    )
    assert (single / "events.csv").read_text() == (out / rid / "events.csv").read_text()
    pd.testing.assert_frame_equal(
        pd.read_parquet(single / "signals.parquet"), pd.read_parquet(out / rid / "signals.parquet")
    )


def test_rerun_recomputes_nothing(first_run, cohort_folder):
    out = first_run[0]
    before = pd.read_parquet(out / "cohort.parquet")
    mtimes = {
        p: p.stat().st_mtime_ns
        for p in out.rglob("*")
        if p.is_file() and ".hemispasm-batch" not in p.parts
    }
    code, stdout, _ = _run(str(cohort_folder), "--out", str(out), "--workers", "2", "-q")
    assert code == 1
    assert "0 succeeded, 4 skipped (already done), 2 failed (2 as in the last run)" in stdout
    assert mtimes == {p: p.stat().st_mtime_ns for p in mtimes}  # not one output rewritten
    pd.testing.assert_frame_equal(before, pd.read_parquet(out / "cohort.parquet"))


def test_killed_batch_resumes_to_the_same_cohort(first_run, cohort_folder, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        batch_argv(str(cohort_folder), "--out", str(out), "--workers", "2", "-q"),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if any(s.get("status") == "ok" for s in _states(out).values()):
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the batch ended before it could be killed"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the batch, its scheduler and workers
        proc.wait(timeout=30)
    finished = {k for k, s in _states(out).items() if s.get("status") == "ok"}
    assert 1 <= len(finished) < 4
    assert not (out / "cohort.parquet").exists()
    for d in _recording_dirs(out):  # only complete recordings are in place
        assert {p.name for p in d.iterdir()} == ANALYZE_FILES
    code, stdout, _ = _run(str(cohort_folder), "--out", str(out), "--workers", "2", "-q")
    assert code == 1
    assert f"{4 - len(finished)} succeeded, {len(finished)} skipped" in stdout
    assert not any((out / ".hemispasm-batch" / "tmp").iterdir())
    pd.testing.assert_frame_equal(
        pd.read_parquet(first_run[0] / "cohort.parquet"), pd.read_parquet(out / "cohort.parquet")
    )


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        ([], "no recording to analyse"),
        (["{folder}", "--scheduler", "nowhere"], "--scheduler must be 'local', 'slurm' or"),
        (["{folder}/missing.mp4"], "missing.mp4: file not found"),
    ],
)
def test_bad_command_lines(tmp_path, cohort_folder, args, expect):
    args = [a.replace("{folder}", str(cohort_folder / "visit1")) for a in args]
    code, stdout, stderr = _run(*args, "--out", str(tmp_path / "o"), "-q")
    assert code != 0
    assert expect in stderr + stdout and "Traceback" not in stderr
