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

from hemispasm.schema import SIDES, Event, EventKind


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
    """One movement: a blink, a twitch, or a tonic contraction.

    ``closure`` is the eyelid closure at the peak (0-1, the rendered lid's share of the
    opening); ``regions`` the activation (0-1) of each co-contracting region at the peak.
    """

    start_s: float
    duration_s: float
    side: Literal["left", "right", "both"]
    shape: Literal["blink", "twitch", "tonic"]
    closure: float
    regions: dict[str, float] = Field(default_factory=dict)


class Script(BaseModel):
    """Everything that happens in a synthetic recording (the truth, with its pulses)."""

    synthetic: bool = True
    seconds: float
    fps: float
    side: Literal["left", "right"]
    stage: int
    stage_title: str
    smc_like: str
    seed: int
    events: list[Event]
    pulses: list[Pulse]


def _free(busy: list[tuple[float, float]], a: float, b: float) -> bool:
    return all(b + MIN_SEPARATION_S <= s or a >= e + MIN_SEPARATION_S for s, e in busy)


def _spasm_pulses(
    rng: np.random.Generator, t0: float, kind: str, spec: StageSpec, side: str
) -> list[Pulse]:
    regions = {r: float(rng.uniform(0.7, 1.0)) for r in spec.regions if r != "orbicularis_oculi"}
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


def make_script(
    *, side: str = "left", stage: int = 2, seconds: float = 30.0, fps: float = 30.0, seed: int = 0
) -> Script:
    """A seeded script of blinks and spasms for one synthetic recording.

    Parameters
    ----------
    side : {"left", "right"}
        The affected side (the subject's own).
    stage : int
        0 (control) to 4; see :data:`STAGES`.
    seconds, fps : float
        Length and frame rate.
    seed : int
        Random seed: the same arguments give the same script.
    """
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    if stage not in STAGES:
        raise ValueError(f"stage must be 0-4, got {stage!r}")
    if seconds < 5:
        raise ValueError("seconds must be at least 5")
    spec = STAGES[stage]
    rng = np.random.default_rng(seed)
    busy: list[tuple[float, float]] = []
    pulses: list[Pulse] = []
    events: list[Event] = []
    margin = 1.0

    def add_spasm(t0: float, kind: str) -> bool:
        ps = _spasm_pulses(rng, t0, kind, spec, side)
        t1 = ps[-1].start_s + ps[-1].duration_s
        if t1 > seconds - margin or not _free(busy, t0, t1):
            return False
        busy.append((t0, t1))
        pulses.extend(ps)
        events.append(
            Event(
                start_s=round(t0, 4),
                end_s=round(t1, 4),
                side=side,
                kind=EventKind.tonic if kind == "tonic" else EventKind.clonic,
                regions=list(spec.regions),
                amplitude=max(p.closure for p in ps),
                n_twitches=len(ps) if kind != "tonic" else None,
                twitch_rate_hz=(
                    round((len(ps) - 1) / (t1 - t0), 3) if kind != "tonic" and len(ps) > 1 else None
                ),
            )
        )
        return True

    if spec.gap_s is not None:  # near-continuous tonic spasm with short open intervals
        t = margin + float(rng.uniform(0, 1.0))
        while t < seconds - margin - spec.tonic_s[0]:
            if add_spasm(t, "tonic"):
                t = busy[-1][1] + float(rng.uniform(*spec.gap_s))
            else:
                t += 0.5
    elif spec.episodes_per_min > 0:
        n_target = round(spec.episodes_per_min * seconds / 60)
        for _ in range(n_target * 30):
            if len(events) >= n_target:
                break
            kind = "tonic" if rng.random() < spec.tonic_share else "clonic"
            add_spasm(float(rng.uniform(margin, seconds - margin)), kind)
    # blinks: bilateral, in the free time
    n_blinks = round(BLINKS_PER_MIN * seconds / 60)
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
    return Script(
        seconds=seconds,
        fps=fps,
        side=side,
        stage=stage,
        stage_title=spec.title,
        smc_like=spec.smc_like,
        seed=seed,
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
            if p.shape != "blink":
                key = f"squeeze_{s}"
                actions[key] = np.maximum(
                    actions.get(key, 0 * t), y * (1.0 if p.shape == "tonic" else 0.5)
                )
                for region, a in p.regions.items():
                    key = f"{region}_{s}"
                    actions[key] = np.maximum(actions.get(key, 0 * t), a * y)
    return closure, actions
