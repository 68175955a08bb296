"""Tests of the shared core: one-line errors, atomic output, the CLI shell, light import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hemispasm import _io
from hemispasm._lazy import require
from hemispasm.cli import main
from hemispasm.errors import HemispasmError, MissingDependencyError, OutputError
from hemispasm.provenance import Provenance, sha256_file
from hemispasm.schema import REGIONS, Event, region_column, signal_columns


def test_error_is_one_line_with_path_and_hint():
    err = HemispasmError("not a video\nfile", path="/x/a.mp4", hint="give an mp4")
    assert err.one_line() == "/x/a.mp4: not a video file. give an mp4."
    assert "\n" not in str(err)


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    dest = tmp_path / "out.json"
    with pytest.raises(RuntimeError), _io.atomic_path(dest) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_staged_outputs_all_or_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), _io.staged_outputs(out) as stage:
        (stage / "a.csv").write_text("a")
        raise RuntimeError("boom")
    assert not out.exists()  # issue 10 item 16: a folder it created is removed on failure
    with _io.staged_outputs(out) as stage:
        (stage / "a.csv").write_text("a")
        (stage / "b.json").write_text("{}")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.json"]


def test_unwritable_out_dir_is_an_output_error(tmp_path):
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    with pytest.raises(OutputError) as exc:
        _io.ensure_out_dir(afile / "sub")
    assert "file.txt" in str(exc.value)


def test_write_json_atomic_rejects_nan(tmp_path):
    with pytest.raises(ValueError):
        _io.write_json_atomic(tmp_path / "x.json", {"a": float("nan")})
    assert not (tmp_path / "x.json").exists()
    _io.write_json_atomic(tmp_path / "y.json", Provenance(method="test"))
    assert json.loads((tmp_path / "y.json").read_text())["method"] == "test"


def test_sha256_file(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"abc")
    assert sha256_file(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_require_missing_module_gives_install_hint():
    with pytest.raises(MissingDependencyError) as exc:
        require("hemispasm_no_such_module_xyz")
    assert "pip install" in str(exc.value)


def test_schema_names():
    assert region_column("orbicularis_oculi", "left") == "aperture_left"
    assert region_column("platysma", "right") == "platysma_right"
    cols = signal_columns()
    assert {"frame", "time_s", "face", "ear_left", "ear_right"} <= set(cols)
    assert len(REGIONS) == 6
    with pytest.raises(ValueError):
        region_column("platysma", "middle")
    ev = Event(start_s=1.0, end_s=1.5, side="left", kind="clonic", regions=["orbicularis_oculi"])
    assert ev.is_spasm and abs(ev.duration_s - 0.5) < 1e-12


def test_cli_version_and_unknown_command(capsys):
    assert main(["--version"]) == 0
    assert "hemispasm" in capsys.readouterr().out
    assert main(["no-such-command"]) != 0


def test_import_stays_light():
    code = (
        "import sys, hemispasm, hemispasm.cli; hemispasm.cli._register_all(); "
        "heavy = [m for m in ('mediapipe', 'av', 'mne', 'edfio', 'cv2', 'skimage', 'matplotlib')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
