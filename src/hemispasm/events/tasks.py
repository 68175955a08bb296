"""The provocation protocol (validated data) and per-task spasm rates of a recording (pure).

A recording made with the protocol carries its task segments in a sidecar
``<video>.tasks.json``: a JSON list of ``{"task": name, "start_s": s, "end_s": s}`` (or an
object ``{"tasks": [...]}``). :func:`read_tasks` checks it; :func:`task_summary` counts the
spasms that start in each task, per minute, and the provoked-to-rest ratio. Why each task is
there, with its source: docs/events.md ("Provocation protocol") and docs/references.md.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from pydantic import BaseModel, Field

from hemispasm.errors import InputError
from hemispasm.schema import SIDES, Event


class ProtocolTask(BaseModel):
    """One task of the recording protocol."""

    task: str = Field(pattern=r"^[a-z_]+$")
    duration_s: float = Field(gt=0)
    instruction: str
    provoking: bool = Field(description="expected to provoke spasms (False: the rest baseline)")
    reason: str
    source: str = Field(description="key in docs/references.md, or 'engineering choice'")


class Protocol(BaseModel):
    """A standard provocation protocol: tasks in order (durations are engineering choices)."""

    name: str
    version: str
    tasks: list[ProtocolTask]
    note: str

    @property
    def duration_s(self) -> float:
        return float(sum(t.duration_s for t in self.tasks))

    def segments(self, start_s: float = 0.0) -> list[TaskSegment]:
        """The task segments of a recording that follows the protocol from ``start_s``."""
        out, t = [], start_s
        for task in self.tasks:
            out.append(TaskSegment(task=task.task, start_s=t, end_s=t + task.duration_s))
            t += task.duration_s
        return out


STANDARD_PROTOCOL = Protocol(
    name="hemispasm provocation protocol",
    version="1",
    note=(
        "Sit facing the camera, face evenly lit, whole face in view. The durations are an "
        "engineering choice (long enough for a spasm rate, short enough for one sitting); the "
        "tasks and why they are there are cited in docs/references.md."
    ),
    tasks=[
        ProtocolTask(
            task="rest",
            duration_s=60,
            instruction="Look at the camera, face relaxed; blink as usual.",
            provoking=False,
            reason="baseline spasm rate, and the subject's own rest for every region measure",
            source="engineering choice",
        ),
        ProtocolTask(
            task="reading_aloud",
            duration_s=60,
            instruction="Read a printed passage aloud at your usual pace.",
            provoking=True,
            reason="reading (with fatigue and anxiety) precipitates HFS movements; talking and "
            "moving the face trigger spasms",
            source="gulevich2019; vejthani_hfs",
        ),
        ProtocolTask(
            task="forceful_eye_closure",
            duration_s=20,
            instruction="Squeeze both eyes shut hard for 2 s, open for 3 s; four times.",
            provoking=True,
            reason="voluntary facial movement triggers spasms; the voluntary closure is also "
            "the control for the other Babinski sign, which cannot be reproduced at will",
            source="vejthani_hfs; stamey_jankovic2007; devoize2001",
        ),
        ProtocolTask(
            task="smiling",
            duration_s=20,
            instruction="Smile broadly for 2 s, relax for 3 s; four times.",
            provoking=True,
            reason="voluntary facial movement triggers spasms; eye-mouth synkinesis shows "
            "when the mouth moves",
            source="vejthani_hfs; gulevich2019",
        ),
        ProtocolTask(
            task="lip_pursing",
            duration_s=20,
            instruction="Purse the lips (as to whistle) for 2 s, relax for 3 s; four times.",
            provoking=True,
            reason="voluntary movement of the lower face triggers spasms and shows lower-face "
            "(orbicularis oris) involvement",
            source="vejthani_hfs",
        ),
        ProtocolTask(
            task="cough",
            duration_s=10,
            instruction="Cough twice, then sit still.",
            provoking=True,
            reason="a brief forceful bilateral movement; no source read says coughing provokes "
            "HFS: it is here as the task asked, and it checks that a bilateral reflex squeeze "
            "is not called a spasm",
            source="engineering choice",
        ),
    ],
)


class TaskSegment(BaseModel):
    """A task's time span in a recording (seconds from its start)."""

    task: str = Field(min_length=1)
    start_s: float = Field(ge=0)
    end_s: float = Field(gt=0)


class TaskRate(BaseModel):
    """Spasms that start inside one task segment."""

    task: str
    start_s: float
    end_s: float
    duration_s: float
    spasms: dict[str, int] = Field(description="per side: spasms starting in the segment")
    spasms_per_min: float = Field(description="both sides together")
    provoking: bool


class TasksSummary(BaseModel):
    """Per-task spasm rates and the provoked-to-rest ratio (``summary.json`` ``tasks``)."""

    source: str = Field(description="file name of the task sidecar")
    segments: list[TaskRate]
    rest_spasms_per_min: float | None
    provoked_spasms_per_min: float | None
    provoked_to_rest_ratio: float | None = Field(
        description="provoked / rest rate; None when there is no rest segment or rest has no "
        "spasm (then see the two rates)"
    )
    definition: str = (
        "a spasm belongs to the task in which it starts; 'rest' segments are the baseline, "
        "every other task is provoking; rates are spasms of both sides per minute of task"
    )


def read_tasks(path: str | Path, *, duration_s: float | None = None) -> list[TaskSegment]:
    """Read and check a ``<video>.tasks.json`` sidecar.

    Raises
    ------
    InputError
        One line naming the file and what is wrong (not JSON, a missing field, an end before
        its start, overlapping tasks, a task starting after the recording's end).
    """
    p = Path(path)
    hint = 'give a JSON list of {"task": name, "start_s": s, "end_s": s}'
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError("task file not found", path=p) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"task file is not valid JSON ({exc})", path=p, hint=hint) from exc
    if isinstance(data, dict) and "tasks" in data:
        data = data["tasks"]
    if not isinstance(data, list) or not data:
        raise InputError("task file holds no list of tasks", path=p, hint=hint)
    segs = []
    for i, item in enumerate(data):
        try:
            seg = TaskSegment.model_validate(item)
        except Exception as exc:
            err = getattr(exc, "errors", lambda: [{}])()[0]
            field = ".".join(str(x) for x in err.get("loc", ())) or "entry"
            raise InputError(
                f"task {i + 1}: {field}: {err.get('msg', 'not a task object')}", path=p, hint=hint
            ) from exc
        if seg.end_s <= seg.start_s:
            raise InputError(
                f"task {i + 1} ({seg.task}): end_s {seg.end_s:g} is not after start_s "
                f"{seg.start_s:g}",
                path=p,
            )
        if duration_s is not None and seg.start_s >= duration_s:
            raise InputError(
                f"task {i + 1} ({seg.task}) starts at {seg.start_s:g} s, after the recording's "
                f"end ({duration_s:.1f} s)",
                path=p,
                hint="is this the task file of this video?",
            )
        segs.append(seg)
    segs.sort(key=lambda s: s.start_s)
    for a, b in itertools.pairwise(segs):
        if b.start_s < a.end_s - 1e-6:
            raise InputError(f"tasks '{a.task}' and '{b.task}' overlap", path=p)
    return segs


def sidecar_path(video: str | Path) -> Path:
    """Where a recording's task sidecar is written: ``<stem>.tasks.json`` beside it."""
    v = Path(video)
    return v.with_name(v.stem + ".tasks.json")


def sidecar_for(video: str | Path) -> Path | None:
    """The task sidecar of a recording, if there is one: ``<stem>.tasks.json`` or
    ``<name>.tasks.json`` beside it."""
    v = Path(video)
    for cand in (sidecar_path(v), v.with_name(v.name + ".tasks.json")):
        if cand.is_file():
            return cand
    return None


def task_summary(
    events: list[Event], segments: list[TaskSegment], *, duration_s: float, source: str = ""
) -> TasksSummary:
    """Spasms per minute per task and the provoked-to-rest ratio (pure)."""
    spasms = [e for e in events if e.is_spasm]
    rows = []
    totals = {True: [0, 0.0], False: [0, 0.0]}
    for seg in segments:
        end = min(seg.end_s, duration_s)
        dur = max(end - seg.start_s, 0.0)
        inside = [e for e in spasms if seg.start_s <= e.start_s < seg.end_s]
        counts = {s: sum(e.side == s for e in inside) for s in SIDES}
        provoking = seg.task != "rest"
        totals[provoking][0] += len(inside)
        totals[provoking][1] += dur
        rows.append(
            TaskRate(
                task=seg.task,
                start_s=round(seg.start_s, 3),
                end_s=round(seg.end_s, 3),
                duration_s=round(dur, 3),
                spasms=counts,
                spasms_per_min=round(60 * len(inside) / dur, 3) if dur > 0 else 0.0,
                provoking=provoking,
            )
        )

    def rate(k: bool) -> float | None:
        n, d = totals[k]
        return round(60 * n / d, 3) if d > 0 else None

    rest, prov = rate(False), rate(True)
    ratio = round(prov / rest, 3) if rest and prov is not None else None
    return TasksSummary(
        source=source,
        segments=rows,
        rest_spasms_per_min=rest,
        provoked_spasms_per_min=prov,
        provoked_to_rest_ratio=ratio,
    )


def protocol_text(p: Protocol = STANDARD_PROTOCOL) -> str:
    """The protocol as plain text, one task per line, with its reason and source."""
    lines = [f"{p.name} (version {p.version}), {p.duration_s:g} s in all", p.note, ""]
    t = 0.0
    for i, task in enumerate(p.tasks, 1):
        lines.append(
            f"{i}. {task.task} ({t:g}-{t + task.duration_s:g} s, {task.duration_s:g} s): "
            f"{task.instruction}"
        )
        lines.append(f"   why: {task.reason} [{task.source}]")
        t += task.duration_s
    return "\n".join(lines)


def write_protocol_json(dest: str | Path | None, p: Protocol = STANDARD_PROTOCOL) -> str:
    """Write the protocol as JSON to ``dest`` (if given, atomically) and
    return its text form (:func:`protocol_text`)."""
    if dest is not None:
        from hemispasm._io import check_out_file, write_text_atomic

        check_out_file(dest)
        data = {**p.model_dump(mode="json"), "duration_s": p.duration_s}
        write_text_atomic(dest, json.dumps(data, indent=2) + "\n")
    return protocol_text(p)
