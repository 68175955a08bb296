"""Issue 10 item 14: MediaPipe/TFLite C++ log lines do not reach the terminal (--verbose shows
them through the package log, one line each)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NATIVE = ("W0000", "I0000", "XNNPACK", "InitGoogle", "Feedback manager")


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    code = "import sys; from hemispasm.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_analyze_stderr_has_no_native_lines(shared, face_model, tmp_path):
    clip = str(shared("data/video/blink_2s_360p.mp4"))
    common = ["--model", str(face_model), "--workers", "2", "-q"]
    proc = _run("analyze", clip, "--out", str(tmp_path / "a"), *common)
    assert proc.returncode == 0, proc.stderr
    assert not any(s in proc.stderr for s in NATIVE), proc.stderr
    verbose = _run("-v", "analyze", clip, "--out", str(tmp_path / "b"), *common)
    assert verbose.returncode == 0
    lines = [ln for ln in verbose.stderr.splitlines() if "XNNPACK" in ln]
    assert lines and all(ln.startswith("INFO hemispasm") for ln in lines), verbose.stderr


def test_native_capture_keeps_python_output_and_errors(capfd, caplog):
    import logging

    from hemispasm._native import native_stderr_to_log

    with caplog.at_level(logging.INFO, logger="hemispasm"), native_stderr_to_log("lib"):
        os.write(2, b"W0000 00:00:1.5   123 graph.cc:181] noise\n")
        os.write(2, b"E0000 00:00:1.5   123 graph.cc:99] a real failure\n")
        os.write(2, b"plain python text\n")
    err = capfd.readouterr().err
    assert "plain python text" in err and "noise" not in err and "real failure" not in err
    levels = {r.getMessage(): r.levelname for r in caplog.records}
    assert levels["lib: noise"] == "INFO" and levels["lib: a real failure"] == "WARNING"
