"""Provocation protocol, task sidecars and per-task spasm rates (pure, CLI, real clip)."""

from __future__ import annotations

import itertools
import json

import pytest

from hemispasm.cli import main
from hemispasm.errors import InputError
from hemispasm.events.tasks import (
    STANDARD_PROTOCOL,
    TaskSegment,
    read_tasks,
    sidecar_for,
    task_summary,
)
from hemispasm.schema import Event


def _spasm(t: float, side: str = "left") -> Event:
    return Event(start_s=t, end_s=t + 0.3, side=side, kind="clonic", regions=["orbicularis_oculi"])


def test_protocol_has_the_tasks_with_reasons_and_sources():
    names = [t.task for t in STANDARD_PROTOCOL.tasks]
    assert names == [
        "rest", "reading_aloud", "forceful_eye_closure", "smiling", "lip_pursing", "cough"
    ]  # fmt: skip
    assert all(t.reason and t.source for t in STANDARD_PROTOCOL.tasks)
    segs = STANDARD_PROTOCOL.segments()
    assert segs[0].start_s == 0 and segs[-1].end_s == STANDARD_PROTOCOL.duration_s
    assert all(a.end_s == b.start_s for a, b in itertools.pairwise(segs))


def test_task_summary_counts_spasms_by_start_and_ratio():
    segs = [
        TaskSegment(task="rest", start_s=0, end_s=60),
        TaskSegment(task="reading_aloud", start_s=60, end_s=120),
    ]
    events = [_spasm(10), _spasm(70), _spasm(80, "right"), _spasm(119.9)]
    ts = task_summary(events, segs, duration_s=120, source="x.tasks.json")
    assert ts.segments[0].spasms == {"left": 1, "right": 0}
    assert ts.segments[1].spasms == {"left": 2, "right": 1}
    assert ts.rest_spasms_per_min == 1.0 and ts.provoked_spasms_per_min == 3.0
    assert ts.provoked_to_rest_ratio == 3.0
    # no spasm at rest: no ratio (division by zero is not a number to report)
    ts = task_summary([_spasm(70)], segs, duration_s=120)
    assert ts.provoked_to_rest_ratio is None and ts.provoked_spasms_per_min == 1.0


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "no list of tasks"),
        ('[{"task": "rest", "start_s": 0}]', "end_s"),
        ('[{"task": "rest", "start_s": 5, "end_s": 2}]', "not after start_s"),
        ('[{"task": "rest", "start_s": -1, "end_s": 2}]', "start_s"),
        (
            '[{"task": "rest", "start_s": 0, "end_s": 5}, '
            '{"task": "smiling", "start_s": 4, "end_s": 8}]',
            "overlap",
        ),
        ('[{"task": "rest", "start_s": 500, "end_s": 600}]', "after the recording's end"),
    ],
)
def test_bad_sidecar_is_one_clear_line(tmp_path, text, needle):
    p = tmp_path / "video.tasks.json"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_tasks(p, duration_s=60)
    msg = exc.value.one_line()
    assert needle in msg and "video.tasks.json" in msg and "\n" not in msg


def test_sidecar_found_beside_the_video(tmp_path):
    v = tmp_path / "video.mp4"
    assert sidecar_for(v) is None
    (tmp_path / "video.tasks.json").write_text("[]")
    assert sidecar_for(v) == tmp_path / "video.tasks.json"


def test_protocol_cli_prints_and_writes_json(tmp_path, capsys):
    dest = tmp_path / "protocol.json"
    assert main(["protocol", "--json", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "reading_aloud" in out and "why:" in out
    data = json.loads(dest.read_text())
    assert data["tasks"][0]["task"] == "rest" and data["duration_s"] == 190


def test_analyze_real_clip_with_tasks(shared, face_model, tmp_path, capsys):
    """The real blink clip (1 blink, no spasm) with a task sidecar: rates per task, no ratio."""
    clip = shared("data/video/blink_2s_360p.mp4")
    tasks = tmp_path / "clip.tasks.json"
    tasks.write_text(json.dumps([
        {"task": "rest", "start_s": 0, "end_s": 1.2},
        {"task": "smiling", "start_s": 1.2, "end_s": 2.4},
    ]))  # fmt: skip
    out = tmp_path / "out"
    argv = ["analyze", str(clip), "--out", str(out), "--model", str(face_model), "--quiet"]
    assert main([*argv, "--tasks", str(tasks)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["blink_count"] == 1 and s["affected_side"] == "none"
    assert [r["task"] for r in s["tasks"]["segments"]] == ["rest", "smiling"]
    assert s["tasks"]["rest_spasms_per_min"] == 0 and s["tasks"]["provoked_to_rest_ratio"] is None
    assert "Provocation tasks" in (out / "report.html").read_text()
    # a bad sidecar: one line, non-zero exit, nothing written
    tasks.write_text('[{"task": "rest", "start_s": 0, "end_s": "soon"}]')
    capsys.readouterr()
    assert main([*argv[:3], str(tmp_path / "o2"), *argv[4:], "--tasks", str(tasks)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "clip.tasks.json" in err and "Traceback" not in err
    assert not (tmp_path / "o2").exists()


def test_protocol_json_into_a_missing_folder_is_one_line(tmp_path, capsys):
    assert main(["protocol", "--json", str(tmp_path / "no" / "p.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "does not exist" in err and "Traceback" not in err
    assert main(["protocol", "--json", str(tmp_path)]) == 2  # a folder, not a file
    assert "Traceback" not in capsys.readouterr().err
