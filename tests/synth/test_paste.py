"""The pasted-blink generator (synth.paste): seeded, truthful, one side, streamed, SYNTHETIC."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from hemispasm.errors import HemispasmError
from hemispasm.synth.paste import (
    BANDS,
    PASTE_COMMENT,
    load_truth,
    paste_video,
    plan_spasms,
    twitch_shape,
)
from hemispasm.video.measures import EYE
from hemispasm.video.reader import iter_frames

CLIP = "data/video/blink_2s_360p.mp4"
FAINT = ((0.2, 0.3),)


def test_twitch_shape_closes_fast_and_peaks_at_one():
    for n in (3, 5, 9):
        s = twitch_shape(n)
        assert len(s) == n and s.max() == pytest.approx(1.0) and s.min() > 0
        assert int(np.argmax(s)) < n / 2 + 0.5  # closing faster than reopening


def test_plan_is_seeded_one_sided_and_avoids_real_events():
    kw = dict(avoid_s=[(2.0, 2.3), (10.0, 14.0)], per_minute=24.0)
    a, da = plan_spasms(600, 30.0, 7, **kw)
    b, db = plan_spasms(600, 30.0, 7, **kw)
    c, _ = plan_spasms(600, 30.0, 8, **kw)
    assert a == b and all(np.array_equal(da[s], db[s]) for s in da)
    assert a != c
    assert len(a) >= 4
    t = np.arange(600) / 30.0
    for sp in a:
        lo = min(b[0] for b in BANDS)
        assert lo <= sp.depth <= 1.0
        assert not any(sp.start_s < e + 0.5 and sp.end_s > s0 - 0.5 for s0, e in kw["avoid_s"])
        inside = (t >= sp.start_s - 1e-9) & (t < sp.end_s + 1e-9)
        other = "right" if sp.side == "left" else "left"
        assert da[sp.side][inside].max() == pytest.approx(sp.depth, rel=1e-3)
        assert da[other][inside].max() == 0.0  # one side only
    # nothing is pasted outside the truth intervals
    covered = np.zeros(600, bool)
    for sp in a:
        covered |= (t >= sp.start_s - 1e-9) & (t < sp.end_s + 1e-9)
    assert not (da["left"][~covered] > 0).any() and not (da["right"][~covered] > 0).any()


def _get_shared(relpath: str):
    """tests/conftest.py's get_shared (finds, or skips on, the shared data) in module scope."""
    spec = importlib.util.spec_from_file_location(
        "hemispasm_tests_conftest", Path(__file__).resolve().parents[1] / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_shared(relpath)


@pytest.fixture(scope="module")
def pasted(tmp_path_factory):
    clip = _get_shared(CLIP)
    root = tmp_path_factory.mktemp("paste")
    tracemalloc.start()
    res = paste_video(clip, root / "a", seed=2, bands=FAINT)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return clip, res, peak, root


def _frames(path):
    return {i: rgb for i, _, rgb in iter_frames(path)}


def _digest(path) -> str:
    h = hashlib.sha256()
    for _, _, rgb in iter_frames(path):
        h.update(rgb.tobytes())
    return h.hexdigest()


def test_same_seed_same_video_and_truth(pasted):
    clip, res, _, root = pasted
    again = paste_video(clip, root / "b", seed=2, bands=FAINT)
    assert again.truth.spasms == res.truth.spasms
    assert _digest(again.video) == _digest(res.video)


def test_truth_matches_the_pixels_one_eye_only(pasted, face_model):
    from hemispasm.video import video_signals

    clip, res, _, _ = pasted
    truth = load_truth(res.truth_path)
    assert truth.synthetic and truth.source_frames[0] <= 26 and truth.source_frames[-1] >= 30
    (sp,) = truth.spasms
    assert 0.2 <= sp.depth < 0.3
    sig = video_signals(clip, model=face_model, landmarks=True, workers=1)
    orig, new = _frames(clip), _frames(res.video)
    fps = truth.fps
    peak = round(sp.start_s * fps) + 1
    quiet = [i for i in range(len(orig)) if abs(i / fps - sp.start_s) > 0.5 and not 20 <= i <= 34]

    def box_diff(i: int, side: str) -> float:
        pts = sig.landmarks[i][list(EYE[side]), :2] * [sig.meta.width, sig.meta.height]
        (x0, y0), (x1, y1) = pts.min(0).astype(int) - 3, pts.max(0).astype(int) + 3
        a, b = orig[i][y0:y1, x0:x1].astype(float), new[i][y0:y1, x0:x1].astype(float)
        return float(np.abs(a - b).mean())

    other = "right" if sp.side == "left" else "left"
    pasted_diff = box_diff(peak, sp.side)
    assert pasted_diff > 3 * box_diff(peak, other)
    # elsewhere only the re-encoding's noise
    assert max(box_diff(i, s) for i in quiet[::6] for s in ("left", "right")) < pasted_diff / 2


def test_labelled_synthetic_everywhere(pasted, face_model):
    import av

    from hemispasm.pipeline import analyze

    _, res, _, root = pasted
    with av.open(str(res.video)) as c:
        assert c.metadata.get("comment") == PASTE_COMMENT
    assert json.loads(res.truth_path.read_text())["synthetic"] is True
    out = analyze(res.video, root / "analysis", model=face_model)
    assert out.analysis.provenance.synthetic is True
    assert json.loads((root / "analysis" / "summary.json").read_text())["synthetic"] is True


def test_streamed_not_the_whole_clip_in_memory(pasted):
    _, res, peak, _ = pasted
    whole = 72 * 360 * 640 * 3  # the decoded clip
    assert res.truth.n_frames == 72
    assert peak < whole / 2


def test_clip_without_a_blink_is_refused(shared, face_model, tmp_path):
    with pytest.raises(HemispasmError, match="no real blink"):
        paste_video(shared("data/video/office_2s_1080p.mp4"), tmp_path / "x", model=face_model)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("band", ["0.5", "0.3-0.2", "a-b", "0-1.5"])
def test_cli_bad_band_one_line(tmp_path, capsys, shared, band):
    from hemispasm.cli import main

    clip = shared(CLIP)
    assert main(["synth-paste", str(clip), "--out", str(tmp_path / "o"), "--band", band]) == 2
    err = capsys.readouterr().err
    assert "--band" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_cli_missing_clip(tmp_path, capsys):
    from hemispasm.cli import main

    assert main(["synth-paste", str(tmp_path / "none.mp4"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
