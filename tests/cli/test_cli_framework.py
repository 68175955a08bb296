"""Issue 10: the CLI framework every command uses: one-line usage errors, literal paths (no Rich
markup), SIGTERM like SIGINT, Python warnings kept off the terminal, one run per --out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from hemispasm.cli import app, main
from hemispasm.errors import InputError

REPO = Path(__file__).resolve().parents[2]
HEAD = "frame,EAR2D6_l,EAR2D6_r\n"


def _ear_csv(path: Path, n: int = 90) -> Path:
    path.write_text(HEAD + "".join(f"{i},0.3,0.3\n" for i in range(n)))
    return path


def _err_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error:") and "Traceback" not in err and "╭" not in err
    return err


def _commands():
    """Every command path of the app (``analyze``, ``emg lsr``, ``models status`` ...)."""
    import typer.main

    from hemispasm.cli import _register_all

    _register_all()
    root = typer.main.get_command(app)
    out = []

    def walk(group, prefix):
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                walk(cmd, [*prefix, name])
            else:
                out.append([*prefix, name])

    walk(root, [])
    return out


@pytest.mark.parametrize("cmd", _commands(), ids=" ".join)
def test_every_command_usage_error_is_one_line(cmd, capsys):
    assert main([*cmd, "--no-such-option"]) == 2
    err = _err_line(capsys)
    assert f"hemispasm {' '.join(cmd)}" in err and "--help" in err


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "x.mp4", "--out", "o", "--fps", "abc"],
        ["analyze", "x.mp4", "--out", "o", "--max-faces", "0"],
        ["analyze", "x.mp4", "--out", "o", "--workers", "0"],
        ["synth", "--out", "o", "--stage", "5"],
        ["synth", "--out", "o", "--seed", "-1"],
        ["analyze"],
        ["no-such-command"],
    ],
)
def test_bad_values_are_one_line_exit_2(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert "--help" in _err_line(capsys)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("name", ["clip [final].csv", "take [/x].csv", "[bold]x[/bold].csv"])
def test_paths_with_brackets_are_printed_as_they_are(tmp_path, capsys, name):
    missing = tmp_path / name
    assert main(["analyze", str(missing), "--fps", "30", "--out", str(tmp_path / "o")]) == 2
    assert name in _err_line(capsys)
    src = tmp_path / "in" / f"ok {name}"
    src.parent.mkdir(parents=True, exist_ok=True)
    _ear_csv(src)
    out = tmp_path / f"out {name}"
    assert main(["analyze", str(src), "--fps", "30", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert str(out / "report.html") in text


def test_error_message_markup_is_literal(capsys, monkeypatch):
    import hemispasm.pipeline

    def boom(*a, **k):
        raise InputError("bad [red]thing[/red] [/x]", path="a[/b].mp4")

    monkeypatch.setattr(hemispasm.pipeline, "analyze", boom)
    assert main(["analyze", "a.mp4", "--out", "o"]) == 2
    assert "a[/b].mp4: bad [red]thing[/red] [/x]." in _err_line(capsys)


def test_python_warnings_do_not_reach_the_terminal(capsys, monkeypatch):
    import hemispasm.pipeline

    def warn(*a, **k):
        import numpy as np

        np.nanmedian([np.nan, np.nan])  # RuntimeWarning: All-NaN slice encountered
        warnings.warn("identical low and high xlims", UserWarning, stacklevel=1)
        raise InputError("stop here", path="a.mp4")

    monkeypatch.setattr(hemispasm.pipeline, "analyze", warn)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["analyze", "a.mp4", "--out", "o"]) == 2
    err = _err_line(capsys)
    assert "All-NaN" not in err and "stop here" in err


def test_out_naming_a_file_says_so(tmp_path, capsys):
    src = _ear_csv(tmp_path / "ear.csv")
    afile = tmp_path / "out.txt"
    afile.write_text("x")
    assert main(["analyze", str(src), "--fps", "30", "--out", str(afile)]) == 2
    err = _err_line(capsys)
    assert "existing file, not a folder" in err and "File exists" not in err


def test_one_run_per_out_folder(tmp_path, capsys):
    src = _ear_csv(tmp_path / "ear.csv")
    out = tmp_path / "o"
    assert main(["analyze", str(src), "--fps", "30", "--out", str(out), "--csv", "-q"]) == 0
    assert (out / "signals.csv").exists()
    capsys.readouterr()
    # a second run into the same folder is refused, with the way out
    assert main(["analyze", str(src), "--fps", "30", "--out", str(out), "-q"]) == 2
    err = _err_line(capsys)
    assert "not empty" in err and "--overwrite" in err
    # --overwrite replaces the earlier run: its signals.csv does not stay beside the new files
    assert main(["analyze", str(src), "--fps", "30", "--out", str(out), "-q", "--overwrite"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["events.csv", "report.html", "signals.parquet", "summary.json"]
    # a folder holding someone else's files is never overwritten
    (out / "notes.docx").write_text("mine")
    assert main(["analyze", str(src), "--fps", "30", "--out", str(out), "--overwrite"]) == 2
    assert "notes.docx" in _err_line(capsys)
    assert (out / "notes.docx").read_text() == "mine"


def test_failing_command_does_not_create_out(tmp_path, capsys):
    bad = tmp_path / "ear.csv"
    bad.write_text(HEAD + "0,abc,0.3\n")
    out = tmp_path / "new" / "o"
    assert main(["analyze", str(bad), "--fps", "30", "--out", str(out)]) == 2
    _err_line(capsys)
    assert not out.exists() and not out.parent.exists()


def test_output_files_have_the_usual_mode(tmp_path):
    src = _ear_csv(tmp_path / "ear.csv")
    out = tmp_path / "o"
    old = os.umask(0o022)
    try:
        assert main(["analyze", str(src), "--fps", "30", "--out", str(out), "-q"]) == 0
        md = tmp_path / "scores.md"
        from hemispasm._io import write_json_atomic, write_text_atomic

        write_text_atomic(md, "x")
        write_json_atomic(tmp_path / "a.json", {"a": 1})
    finally:
        os.umask(old)
    files = [*out.iterdir(), md, tmp_path / "a.json"]
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {"0o644"}


_SIGTERM_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    import hemispasm.pipeline as pipeline
    from hemispasm.cli import main

    real = pipeline.write_signals_parquet

    def write_then_terminated(table, meta, dest):
        real(table, meta, dest)
        os.kill(os.getpid(), signal.SIGTERM)  # what timeout, systemd, Docker and CI send

    pipeline.write_signals_parquet = write_then_terminated
    sys.exit(main(sys.argv[1:]))
    """
)


def test_sigterm_leaves_no_stage_folder(tmp_path):
    src = _ear_csv(tmp_path / "ear.csv")
    for out in (tmp_path / "new", tmp_path / "existing"):
        if out.name == "existing":
            out.mkdir()
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        args = ["analyze", str(src), "--fps", "30", "--out", str(out), "-q"]
        proc = subprocess.run(
            [sys.executable, "-c", _SIGTERM_SCRIPT, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
        assert "terminated" in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        left = list(out.iterdir()) if out.exists() else []
        assert left == [], left  # no hidden .hemispasm-* folder, no partial files
