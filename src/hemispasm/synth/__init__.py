"""Synthetic hemifacial-spasm videos with ground truth, from a real face photograph.

Main entry points: :func:`synth_video` (script + render + encode → ``video.mp4`` and
``truth.json``), :func:`make_script` (the seeded truth), :func:`compare_events` (detected vs
truth). Everything generated here is labelled SYNTHETIC: the video's metadata, ``truth.json``
and every report made from it.
"""

from hemispasm.synth.compare import Comparison, compare_events
from hemispasm.synth.script import STAGES, Pulse, Script, StageSpec, activations, make_script
from hemispasm.synth.video import SynthResult, synth_video

__all__ = [
    "STAGES",
    "Comparison",
    "Pulse",
    "Script",
    "StageSpec",
    "SynthResult",
    "activations",
    "compare_events",
    "make_script",
    "synth_video",
]
