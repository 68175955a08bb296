"""Cohort fixtures: short SYNTHETIC clips from ``hemispasm synth``, the real shared clips, a
broken file and a file with no face, in one folder (built once per session)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from hemispasm.synth import synth_video

#: (side, stage, seed) of the synthetic clips; 5 s at 320x240 keep the suite short.
SYNTH = [("left", 1, 11), ("right", 2, 12), ("left", 2, 13)]


@pytest.fixture(scope="session")
def synth_clips(tmp_path_factory, face_model) -> list[Path]:
    root = tmp_path_factory.mktemp("synth")
    clips = []
    for side, stage, seed in SYNTH:
        res = synth_video(
            root / f"s{seed}",
            side=side,
            stage=stage,
            seconds=5.0,
            seed=seed,
            model=face_model,
            width=320,
            height=240,
        )
        clips.append(res.video)
    return clips


@pytest.fixture(scope="session")
def cohort_folder(tmp_path_factory, synth_clips) -> Path:
    """visit folders of good clips (3 synthetic, 1 real), a broken file and a no-face video."""
    get_shared = _root_conftest().get_shared
    root = tmp_path_factory.mktemp("cohort")
    (root / "visit1").mkdir()
    (root / "visit2").mkdir()
    for i, clip in enumerate(synth_clips):
        shutil.copy(clip, root / f"visit{1 + i % 2}" / f"clip{i}.mp4")
    shutil.copy(get_shared("data/video/blink_2s_360p.mp4"), root / "visit1" / "real_blink.mp4")
    shutil.copy(get_shared("data/video/no_face.mp4"), root / "visit2" / "empty_room.mp4")
    (root / "visit2" / "broken.mp4").write_bytes(synth_clips[0].read_bytes()[:4000])
    (root / "visit2" / "notes.txt").write_text("not a recording\n")
    (root / ".hidden.mp4").write_bytes(b"ignored")
    return root


def _root_conftest():
    """tests/conftest.py as a module (its get_shared finds, or skips on, the shared data)."""
    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("hemispasm_tests_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def batch_argv(*args: str) -> list[str]:
    """The command line of ``hemispasm batch`` in a fresh interpreter."""
    return [sys.executable, "-c", "from hemispasm.cli import main; main()", "batch", *args]
