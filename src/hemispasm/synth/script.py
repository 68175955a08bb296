"""The script of a synthetic recording: which blinks and spasms happen when (pure, seeded).

A stage sets which muscles take part and how often and how long spasms are. Stages follow the
SMC grading of hemifacial spasm (Lee et al. 2012) and the usual course of the disease
(Wang & Jankovic 1998): onset with clonic twitches of the orbicularis oculi, spread to other
muscles of the same side, tonic spasms that close the eye, and late a near-continuous tonic
spasm of the whole hemiface. Rates stay inside the published 0.3-24.7 one-sided spasms per
minute of untreated HFS (Osaki et al. 2019); blinks about 15 per minute, 100-400 ms (Stern et
al. 1984). Everything else (amplitudes, train lengths, the spacing of events) is an
engineering choice (docs/synth.md). Stage 0 is a control: blinks and head motion only.

Per-frame activations come from the script alone (:func:`activations`), so the truth and the
video cannot disagree.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from hemispasm.events.tasks import TaskSegment
from hemispasm.schema import REGIONS, SIDES, Event, EventKind


class StageSpec(BaseModel):
    """What a synthetic stage contains (declarative)."""

    stage: int
    title: str
    smc_like: str = Field(description="the SMC grade whose picture this stage follows")
    regions: tuple[str, ...] = Field(description="regions that co-contract with the eye")
    episodes_per_min: float = Field(description="spasm episodes per minute (clonic or tonic)")
    tonic_share: float = Field(description="share of episodes that are tonic")
    tonic_s: tuple[float, float] = (1.5, 3.0)
    gap_s: tuple[float, float] | None = Field(
        None, description="for near-continuous spasm: open intervals between tonic spasms"
    )


#: Regions of the spread stage and of the whole hemiface (the frontalis is not rendered).
SPREAD: tuple[str, ...] = ("orbicularis_oculi", "corrugator", "zygomaticus")
HEMIFACE: tuple[str, ...] = (*SPREAD, "orbicularis_oris", "platysma")

STAGES: dict[int, StageSpec] = {
    0: StageSpec(
        stage=0,
        title="control: normal blinks and head motion, no spasm",
        smc_like="none",
        regions=(),
        episodes_per_min=0.0,
        tonic_share=0.0,
    ),
    1: StageSpec(
        stage=1,
        title="periocular clonic twitches (orbicularis oculi only)",
        smc_like="I (localised periocular)",
        regions=("orbicularis_oculi",),
        episodes_per_min=8.0,
        tonic_share=0.0,
    ),
    2: StageSpec(
        stage=2,
        title="clonic spasms spreading to the brow and cheek (corrugator, zygomaticus)",
        smc_like="II (spread to other facial muscles of the same side)",
        regions=SPREAD,
        episodes_per_min=10.0,
        tonic_share=0.0,
    ),
    3: StageSpec(
        stage=3,
        title="frequent tonic spasms that close the eye, lower face involved",
        smc_like="III (interference with vision from frequent tonic spasms)",
        regions=HEMIFACE,
        episodes_per_min=10.0,
        tonic_share=0.5,
    ),
    4: StageSpec(
        stage=4,
        title="near-continuous tonic spasm of the whole hemiface",
        smc_like="IV (disfiguring asymmetry)",
        regions=HEMIFACE,
        episodes_per_min=0.0,
        tonic_share=1.0,
        tonic_s=(3.0, 6.0),
        gap_s=(2.5, 4.0),
    ),
}

BLINKS_PER_MIN = 15.0
BLINK_S = (0.10, 0.40)
#: No two events closer than this (s): keeps blinks and spasms apart for scoring.
MIN_SEPARATION_S = 0.8


class Pulse(BaseModel):
    """One movement: a blink, a twitch, a tonic contraction, or talking.

    ``closure`` is the eyelid closure at the peak (0-1, the rendered lid's share of the
    opening; 0 for a movement without eye closure); ``regions`` the activation (0-1) of each
    co-contracting region at the peak.
    """

    start_s: float
    duration_s: float
    side: Literal["left", "right", "both"]
    shape: Literal["blink", "twitch", "tonic", "talk"]
    closure: float
    regions: dict[str, float] = Field(default_factory=dict)


class Script(BaseModel):
    """Everything that happens in a synthetic recording (the truth, with its pulses)."""

    synthetic: bool = True
    seconds: float
    fps: float
    side: Literal["left", "right", "both"]
    stage: int
    stage_title: str
    smc_like: str
    seed: int
    onset: Literal["upper", "lower"] = "upper"
    babinski2: bool = False
    pattern: Literal["hfs", "blepharospasm", "expressions"] = "hfs"
    true_pattern: str = Field(
        "unilateral",
        description="no_spasm, unilateral, bilateral_asynchronous or bilateral_synchronous",
    )
    tasks: list[TaskSegment] | None = None
    events: list[Event]
    pulses: list[Pulse]

    @property
    def affected_side(self) -> str:
        """The truth for ``summary.affected_side``."""
        if self.stage == 0 or self.pattern != "hfs":
            return "none"
        return self.side


def _free(busy: list[tuple[float, float]], a: float, b: float) -> bool:
    return all(b + MIN_SEPARATION_S <= s or a >= e + MIN_SEPARATION_S for s, e in busy)


#: Lower-face onset (atypical HFS): the orbicularis oris starts, the cheek follows after
#: ``LOWER_LAG_S``, the eye (when it takes part) after twice that (engineering choices).
LOWER_LAG_S = 0.3
#: Share of lower-onset episodes in which the eye closes too, at stage 1 and at stages 2-4.
LOWER_EYE_SHARE = {1: 0.0, 2: 0.5, 3: 0.5, 4: 0.5}


def _spasm_pulses(
    rng: np.random.Generator,
    t0: float,
    kind: str,
    spec: StageSpec,
    side: str,
    b2_amp: float | None,
) -> list[Pulse]:
    regions = {r: float(rng.uniform(0.7, 1.0)) for r in spec.regions if r != "orbicularis_oculi"}
    if b2_amp is not None:  # the brow lifts with the eye (other Babinski sign)
        regions["frontalis"] = b2_amp
    if kind == "tonic":
        dur = float(rng.uniform(*spec.tonic_s))
        return [Pulse(start_s=t0, duration_s=dur, side=side, shape="tonic",
                      closure=float(rng.uniform(0.95, 1.0)), regions=regions)]  # fmt: skip
    n = int(rng.integers(1, 6))  # a single twitch or a train of up to 5
    period = float(rng.uniform(0.30, 0.45))
    out = []
    for i in range(n):
        out.append(
            Pulse(
                start_s=t0 + i * period,
                duration_s=float(rng.uniform(0.55, 0.7) * period),
                side=side,
                shape="twitch",
                closure=float(rng.uniform(0.75, 0.95)),  # below a full blink (Osaki 2019)
                regions={r: a * float(rng.uniform(0.8, 1.0)) for r, a in regions.items()},
            )
        )
    return out


def _lower_pulses(
    rng: np.random.Generator,
    t0: float,
    kind: str,
    spec: StageSpec,
    side: str,
    b2_amp: float | None,
    eye: bool,
) -> list[Pulse]:
    """An atypical (lower-face onset) episode: lips, then cheek, then perhaps the eye."""
    dur = float(rng.uniform(*spec.tonic_s)) if kind == "tonic" else float(rng.uniform(0.9, 1.3))
    shape = "tonic" if kind == "tonic" else "twitch"
    a = float(rng.uniform(0.8, 1.0))
    out = [
        Pulse(start_s=t0, duration_s=dur, side=side, shape=shape, closure=0.0,
              regions={"orbicularis_oris": a}),
        Pulse(start_s=t0 + LOWER_LAG_S, duration_s=dur - LOWER_LAG_S, side=side, shape=shape,
              closure=0.0, regions={"zygomaticus": a * float(rng.uniform(0.8, 1.0))}),
    ]  # fmt: skip
    if eye:
        regs = {"frontalis": b2_amp} if b2_amp is not None else {}
        out.append(
            Pulse(start_s=t0 + 2 * LOWER_LAG_S, duration_s=dur - 2 * LOWER_LAG_S, side=side,
                  shape=shape, closure=float(rng.uniform(0.8, 0.95)), regions=regs)
        )  # fmt: skip
    return out


#: Voluntary movements of a healthy face (``--pattern expressions``) and of the protocol's
#: tasks: (regions at full activation, duration range s, shape). Bilateral, each side scaled
#: by 0.8-1.0 (a little asymmetric, as real expressions are). Engineering choices.
EXPRESSIONS: dict[str, tuple[dict[str, float], tuple[float, float], str]] = {
    "smile": ({"zygomaticus": 1.0}, (1.5, 2.5), "tonic"),
    "pucker": ({"orbicularis_oris": 1.0}, (1.2, 2.0), "tonic"),
    "frown": ({"corrugator": 1.0}, (1.2, 2.0), "tonic"),
    "raise_brows": ({"frontalis": 1.0}, (1.0, 1.8), "tonic"),
    "talk": ({"orbicularis_oris": 0.8, "platysma": 0.6}, (3.0, 5.0), "talk"),
}


def _voluntary(
    rng: np.random.Generator, t0: float, what: str, dur: float | None = None
) -> tuple[list[Pulse], Event]:
    regs, (lo, hi), shape = EXPRESSIONS[what]
    d = float(rng.uniform(lo, hi)) if dur is None else dur
    pulses = [
        Pulse(start_s=t0, duration_s=d, side=s, shape=shape, closure=0.0,
              regions={r: a * float(rng.uniform(0.8, 1.0)) for r, a in regs.items()})
        for s in SIDES
    ]  # fmt: skip
    ev = Event(start_s=round(t0, 4), end_s=round(t0 + d, 4), side="both",
               kind=EventKind.voluntary, regions=list(regs))  # fmt: skip
    return pulses, ev


def _forceful_closure(
    rng: np.random.Generator, t0: float, dur: float, closure: float = 0.97
) -> tuple[list[Pulse], Event]:
    """Both eyes squeezed shut with both brows drawn down (blepharospasm-like, or asked for)."""
    p = Pulse(start_s=t0, duration_s=dur, side="both", shape="tonic", closure=closure,
              regions={"corrugator": float(rng.uniform(0.8, 1.0))})  # fmt: skip
    ev = Event(start_s=round(t0, 4), end_s=round(t0 + dur, 4), side="both",
               kind=EventKind.voluntary, regions=["orbicularis_oculi", "corrugator"])  # fmt: skip
    return [p], ev


#: Spasm rate multipliers during the protocol's rest and provoking tasks (engineering choice:
#: provoking tasks provoke, docs/events.md "Provocation protocol").
REST_RATE, PROVOKED_RATE = 0.5, 1.5


def make_script(
    *,
    side: str = "left",
    stage: int = 2,
    seconds: float = 30.0,
    fps: float = 30.0,
    seed: int = 0,
    onset: str = "upper",
    babinski2: bool | None = None,
    pattern: str = "hfs",
    protocol: bool = False,
) -> Script:
    """A seeded script of blinks, spasms and voluntary movements for one synthetic recording.

    Parameters
    ----------
    side : {"left", "right", "both"}
        The affected side (the subject's own); ``both``: bilateral asynchronous HFS
        (independent spasms on each side).
    stage : int
        0 (control) to 4; see :data:`STAGES`.
    seconds, fps : float
        Length and frame rate.
    seed : int
        Random seed: the same arguments give the same script.
    onset : {"upper", "lower"}
        ``lower``: atypical HFS, spasms start in the lower face (orbicularis oris, then the
        cheek); the eye joins later in half of them (stages 2-4) or never (stage 1).
    babinski2 : bool, optional
        Whether eye-closing spasms lift the same-side brow (default: on in stages 2-4).
    pattern : {"hfs", "blepharospasm", "expressions"}
        ``blepharospasm``: forceful closures of both eyes together and more blinking, no
        one-sided spasm; ``expressions``: a healthy face smiling, puckering, frowning,
        raising the brows and talking (no spasm). Both ignore ``stage``, ``side``, ``onset``.
    protocol : bool
        Follow the provocation protocol's tasks (scaled to ``seconds``), with fewer spasms at
        rest and more in the provoking tasks, and the tasks' own movements.
    """
    if side not in (*SIDES, "both"):
        raise ValueError(f"side must be 'left', 'right' or 'both', got {side!r}")
    if stage not in STAGES:
        raise ValueError(f"stage must be 0-4, got {stage!r}")
    if seconds < 5:
        raise ValueError("seconds must be at least 5")
    if onset not in ("upper", "lower"):
        raise ValueError(f"onset must be 'upper' or 'lower', got {onset!r}")
    if pattern not in ("hfs", "blepharospasm", "expressions"):
        raise ValueError(f"pattern must be hfs, blepharospasm or expressions, got {pattern!r}")
    hfs = pattern == "hfs"
    spec = STAGES[stage] if hfs else STAGES[0]
    b2 = (spec.stage >= 2) if babinski2 is None else bool(babinski2)
    rng = np.random.default_rng(seed)
    # the brow's own generator: the same seed draws the same spasms with or without Babinski-2
    b2_rng = np.random.default_rng([seed, 2])
    busy: list[tuple[float, float]] = []
    pulses: list[Pulse] = []
    events: list[Event] = []
    margin = 1.0
    tasks = None

    def place(ps: list[Pulse], ev: Event) -> bool:
        t0 = min(p.start_s for p in ps)
        t1 = max(p.start_s + p.duration_s for p in ps)
        if t1 > seconds - margin or t0 < 0.3 or not _free(busy, t0, t1):
            return False
        busy.append((t0, t1))
        pulses.extend(ps)
        events.append(ev)
        return True

    def add_spasm(t0: float, kind: str) -> bool:
        if side == "both":  # independent trains, kept about even: the side with fewer goes next
            n_side = {x: sum(e.side == x and e.is_spasm for e in events) for x in SIDES}
            s = min(SIDES, key=lambda x: (n_side[x], x == "right"))
        else:
            s = side
        lower = onset == "lower"
        eye = (not lower) or rng.random() < LOWER_EYE_SHARE.get(spec.stage, 0.5)
        b2_amp = float(b2_rng.uniform(0.8, 1.0)) if b2 else None
        if lower:
            ps = _lower_pulses(rng, t0, kind, spec, s, b2_amp, eye)
            regions = ["orbicularis_oris", "zygomaticus"] + (
                ["orbicularis_oculi", *(["frontalis"] if b2 else [])] if eye else []
            )
        else:
            ps = _spasm_pulses(rng, t0, kind, spec, s, b2_amp)
            regions = [*spec.regions, *(["frontalis"] if b2 else [])]
        t1 = max(p.start_s + p.duration_s for p in ps)
        n_tw = len(ps) if kind != "tonic" and not lower else None
        ev = Event(
            start_s=round(t0, 4),
            end_s=round(t1, 4),
            side=s,
            kind=EventKind.tonic if kind == "tonic" else EventKind.clonic,
            regions=sorted(set(regions), key=REGIONS.index),
            amplitude=max(p.closure for p in ps),
            n_twitches=n_tw,
            twitch_rate_hz=(round((n_tw - 1) / (t1 - t0), 3) if n_tw and n_tw > 1 else None),
            onset_region="orbicularis_oris" if lower else "orbicularis_oculi",
            babinski2=b2 if eye else None,
        )
        return place(ps, ev)

    def spasms_in(a: float, b: float, per_min: float) -> None:
        n_target = round(per_min * (b - a) / 60)
        placed = 0
        for _ in range(n_target * 30):
            if placed >= n_target:
                break
            kind = "tonic" if rng.random() < spec.tonic_share else "clonic"
            placed += add_spasm(float(rng.uniform(max(a, margin), b)), kind)

    if protocol:
        from hemispasm.events.tasks import STANDARD_PROTOCOL

        k = seconds / STANDARD_PROTOCOL.duration_s
        tasks = [
            TaskSegment(task=g.task, start_s=round(g.start_s * k, 3), end_s=round(g.end_s * k, 3))
            for g in STANDARD_PROTOCOL.segments()
        ]
        for sg in tasks:  # the tasks' own (voluntary) movements first
            a, b = sg.start_s, sg.end_s
            reps = {"forceful_eye_closure": 4, "smiling": 4, "lip_pursing": 4, "cough": 2}
            if sg.task == "reading_aloud":
                t = a + 0.3
                while t + 3.0 < b:
                    place(*_voluntary(rng, t, "talk", dur=min(5.0, b - t - 0.3)))
                    t = busy[-1][1] + 1.0
            elif sg.task in reps:
                n = reps[sg.task]
                slot = (b - a) / n
                for i in range(n):
                    t0 = a + i * slot + 0.2
                    d = min(0.45 * slot, 2.0)
                    if sg.task == "forceful_eye_closure":
                        place(*_forceful_closure(rng, t0, d))
                    elif sg.task == "cough":
                        place(*_forceful_closure(rng, t0, min(d, 0.7), closure=0.7))
                    else:
                        what = "smile" if sg.task == "smiling" else "pucker"
                        place(*_voluntary(rng, t0, what, dur=d))
        if hfs and spec.stage > 0:
            for sg in tasks:
                mult = REST_RATE if sg.task == "rest" else PROVOKED_RATE
                spasms_in(sg.start_s, sg.end_s, mult * max(spec.episodes_per_min, 8.0))
    elif pattern == "expressions":
        t = margin
        kinds = list(EXPRESSIONS)
        while t < seconds - margin - 2.5:
            place(*_voluntary(rng, t, kinds[int(rng.integers(len(kinds)))]))
            t = busy[-1][1] + float(rng.uniform(1.0, 2.5)) if busy else t + 1.0
    elif pattern == "blepharospasm":
        n = round(6 * seconds / 60)
        for _ in range(n * 30):
            if sum(e.kind == EventKind.voluntary for e in events) >= n:
                break
            place(*_forceful_closure(rng, float(rng.uniform(margin, seconds - margin)),
                                     float(rng.uniform(1.0, 3.0))))  # fmt: skip
    elif spec.gap_s is not None:  # near-continuous tonic spasm with short open intervals
        t = margin + float(rng.uniform(0, 1.0))
        while t < seconds - margin - spec.tonic_s[0]:
            if add_spasm(t, "tonic"):
                t = busy[-1][1] + float(rng.uniform(*spec.gap_s))
            else:
                t += 0.5
    elif spec.episodes_per_min > 0:
        spasms_in(margin, seconds - margin, spec.episodes_per_min)
    # blinks: bilateral, in the free time (more blinking in blepharospasm)
    rate = BLINKS_PER_MIN * (2 if pattern == "blepharospasm" else 1)
    n_blinks = round(rate * seconds / 60)
    blinks = 0
    for _ in range(n_blinks * 50):
        if blinks >= n_blinks:
            break
        dur = float(rng.uniform(*BLINK_S))
        t0 = float(rng.uniform(0.5, seconds - 0.5 - dur))
        if not _free(busy, t0, t0 + dur):
            continue
        busy.append((t0, t0 + dur))
        pulses.append(Pulse(start_s=t0, duration_s=dur, side="both", shape="blink", closure=1.0))
        events.append(
            Event(start_s=round(t0, 4), end_s=round(t0 + dur, 4), side="both",
                  kind=EventKind.blink, regions=["orbicularis_oculi"], amplitude=1.0)
        )  # fmt: skip
        blinks += 1
    events.sort(key=lambda e: e.start_s)
    pulses.sort(key=lambda p: p.start_s)
    sides_with = {e.side for e in events if e.is_spasm}
    true_pattern = (
        "bilateral_synchronous"
        if pattern == "blepharospasm"
        else "no_spasm"
        if not sides_with
        else "bilateral_asynchronous"
        if len(sides_with) == 2
        else "unilateral"
    )
    title = spec.title if hfs else {
        "blepharospasm": "blepharospasm-like: forceful closures of both eyes, more blinking",
        "expressions": "healthy face: voluntary expressions and talking, no spasm",
    }[pattern]  # fmt: skip
    if hfs and onset == "lower" and spec.stage > 0:
        title = f"{title}; atypical onset in the lower face (lips, then cheek, then eye)"
    if hfs and side == "both" and spec.stage > 0:
        title = f"{title}; both sides, asynchronous"
    return Script(
        seconds=seconds,
        fps=fps,
        side=side,
        stage=spec.stage,
        stage_title=title,
        smc_like=spec.smc_like,
        seed=seed,
        onset=onset,
        babinski2=b2,
        pattern=pattern,
        true_pattern=true_pattern,
        tasks=tasks,
        events=events,
        pulses=pulses,
    )


def pulse_shape(p: Pulse, t: np.ndarray) -> np.ndarray:
    """Activation 0-1 of one pulse at times ``t`` (zero outside it)."""
    x = (t - p.start_s) / p.duration_s
    out = np.zeros_like(t)
    inside = (x >= 0) & (x <= 1)
    xi = x[inside]
    if p.shape == "tonic":
        ramp_up = min(0.15 / p.duration_s, 0.3)
        ramp_dn = min(0.30 / p.duration_s, 0.3)
        y = np.ones_like(xi)
        y = np.where(xi < ramp_up, 0.5 - 0.5 * np.cos(np.pi * xi / ramp_up), y)
        y = np.where(xi > 1 - ramp_dn, 0.5 + 0.5 * np.cos(np.pi * (xi - 1 + ramp_dn) / ramp_dn), y)
        # a small clonic tremor on top of the sustained contraction
        y *= 1 - 0.04 * (1 + np.sin(2 * np.pi * 6.0 * (t[inside] - p.start_s)))
    elif p.shape == "talk":  # syllables at about 4 Hz inside a smooth envelope
        env = np.sin(np.pi * xi) ** 0.5
        y = env * (0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * (t[inside] - p.start_s)))
    else:  # blink or twitch: faster closing (40%) than opening (60%)
        k = 0.4
        y = np.where(
            xi < k,
            0.5 - 0.5 * np.cos(np.pi * xi / k),
            0.5 + 0.5 * np.cos(np.pi * (xi - k) / (1 - k)),
        )
    out[inside] = y
    return out


def activations(
    script: Script, t: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per-frame eyelid closure per side and action activations, from the script.

    Returns
    -------
    closure : dict
        ``{"left": array, "right": array}``, 0-1.
    actions : dict
        ``"<action>_<side>"`` -> array 0-1 (actions of :mod:`hemispasm.synth.rig`).
    """
    closure = {s: np.zeros_like(t) for s in SIDES}
    actions: dict[str, np.ndarray] = {}
    for p in script.pulses:
        y = pulse_shape(p, t)
        sides = SIDES if p.side == "both" else (p.side,)
        for s in sides:
            np.maximum(closure[s], p.closure * y, out=closure[s])
            if p.shape != "blink" and p.closure > 0:
                key = f"squeeze_{s}"
                actions[key] = np.maximum(
                    actions.get(key, 0 * t), y * (1.0 if p.shape == "tonic" else 0.5)
                )
            if p.shape != "blink":
                for region, a in p.regions.items():
                    key = f"{region}_{s}"
                    actions[key] = np.maximum(actions.get(key, 0 * t), a * y)
    return closure, actions
