"""Channel roles in LSR monitoring: which muscle belongs to the stimulated branch (``direct``:
it shows the direct M-response) and which are recordings of other branches (``recording``:
where the lateral spread response is looked for).

Roles come from, in this order:

1. a declared montage (``--montage``): the stimulated branch; every channel whose muscle name is
   recognised (Mentalis, OrbOris, OrbOculi, Frontalis, ...) gets its role from the branch that
   innervates that muscle (:data:`MONTAGES`);
2. otherwise the data: a channel is ``direct`` when its sweeps carry an early response that
   starts **after** the stimulus artifact has ended and no sooner than
   :data:`MIN_M_LATENCY_MS` after the stimulus. A response that is already under way when the
   artifact ends (it "starts inside the artifact") or that starts sooner is artifact, not an
   M-response (see :func:`decide_role`).

Every decision is returned with its evidence (``summary.json`` → ``roles``).
"""

from __future__ import annotations

from typing import Any

from hemispasm.emg.bursts import branch_of
from hemispasm.errors import InputError

#: Earliest onset (ms after the stimulus) accepted for a direct facial M-response
#: (*engineering*: a muscle response needs nerve conduction and neuromuscular transmission;
#: anything sooner is the stimulus artifact).
MIN_M_LATENCY_MS = 1.5

#: Declared montages: stimulated branch → the branches whose muscles show the direct response.
#: Standard facial anatomy; the LSR montages themselves (temporal/zygomatic branch stimulated,
#: mentalis or orbicularis oris recorded; marginal mandibular branch stimulated, orbicularis
#: oculi recorded) follow Yamashita et al. 2002 and Nielsen 1984 (docs/references.md).
MONTAGES: dict[str, dict[str, Any]] = {
    "zygomatic": {
        "stimulated": "zygomatic",
        "direct_branches": {"zygomatic"},
        "text": "zygomatic branch stimulated: orbicularis oculi direct; mentalis/orbicularis "
        "oris record the LSR",
    },
    "temporal": {
        "stimulated": "temporal",
        "direct_branches": {"temporal", "zygomatic"},
        "text": "temporal branch stimulated: frontalis (and orbicularis oculi) direct; "
        "mentalis/orbicularis oris record the LSR",
    },
    "mandibular": {
        "stimulated": "marginal_mandibular",
        "direct_branches": {"marginal_mandibular"},
        "text": "marginal mandibular branch stimulated: mentalis direct; orbicularis oculi "
        "(and frontalis) record the LSR",
    },
}


def muscle_branch(channel: str) -> str | None:
    """Facial-nerve branch of a channel from its muscle name (Mentalis, OrbOris, OrbOculi,
    Frontalis, Nasalis, Platysma, ...), or None when the name is not a known muscle."""
    return branch_of(channel)


def declared_roles(channels: list[str], montage: str, path: str | None = None) -> dict[str, str]:
    """Roles from a declared montage; every channel's muscle must be recognised.

    Raises
    ------
    InputError
        Unknown montage, or a channel whose muscle name is not recognised.
    """
    if montage not in MONTAGES:
        raise InputError(
            f"unknown montage '{montage}'",
            path=path,
            hint=f"use one of {', '.join(MONTAGES)}",
        )
    m = MONTAGES[montage]
    roles = {}
    for c in channels:
        br = muscle_branch(c)
        if br is None:
            raise InputError(
                f"channel '{c}' is not a recognised facial muscle, so --montage cannot give "
                "its role",
                path=path,
                hint="name channels after the muscle (Mentalis, OrbOris, OrbOculi, Frontalis) "
                "or leave out --montage to infer roles from the data",
            )
        roles[c] = "direct" if br in m["direct_branches"] else "recording"
    if all(r == "direct" for r in roles.values()):
        raise InputError(
            f"with montage '{montage}' every channel is in the stimulated branch: no channel "
            "can record the LSR",
            path=path,
            hint="check --montage and the channel names",
        )
    return roles


def decide_role(ev: dict[str, Any]) -> tuple[str, str]:
    """Role and reason from the early-window evidence of one channel.

    ``ev`` holds ``early_response`` (bool: an averaged early response stands out),
    ``early_onset_ms``, ``artifact_end_ms``, ``starts_inside_artifact`` (bool: the averaged
    signal is already away from baseline when the artifact ends) and ``early_present_fraction``.
    """
    if not ev.get("early_response"):
        return "recording", "no early response stands out of the noise"
    if ev.get("starts_inside_artifact"):
        return (
            "recording",
            f"the early deflection is already under way when the artifact ends "
            f"({ev['artifact_end_ms']:.2f} ms): artifact, not an M-response",
        )
    if ev["early_onset_ms"] < MIN_M_LATENCY_MS:
        return (
            "recording",
            f"the early deflection starts at {ev['early_onset_ms']:.2f} ms, sooner than any "
            f"facial M-response ({MIN_M_LATENCY_MS} ms): artifact",
        )
    if ev.get("early_present_fraction", 0.0) < 0.5:
        return "recording", "the early response is in fewer than half of the first sweeps"
    return (
        "direct",
        f"direct M-response from {ev['early_onset_ms']:.2f} ms, after the artifact "
        f"({ev['artifact_end_ms']:.2f} ms), in {ev['early_present_fraction']:.0%} of the "
        "first sweeps",
    )
