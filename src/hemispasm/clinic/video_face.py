"""Whole-face findings of a video summary for the clinic: the other Babinski sign, the onset
region and the pattern (pure; called by :func:`hemispasm.clinic.video.apply_video_summary`).

They fill empty case fields, and the rules already weigh those fields with their sources
(``L.babinski2`` and the blepharospasm features for ``other_babinski_sign``: Stamey & Jankovic
2007, Pawlowski et al. 2013; ``lower_face_onset`` for a lower-face ``first_muscle``;
``bilateral_synchronous`` for the blepharospasm/tic/functional differential). Nothing here adds
a weight of its own.
"""

from __future__ import annotations

from typing import Any

from hemispasm.clinic.case import FACIAL_MUSCLES

#: Eye-closing spasms with the sign measured, below which a side's absence is not reported as
#: "absent" (ENGINEERING choice: two or three spasms may all miss the brow by chance).
MIN_MEASURED_FOR_ABSENT = 3


def face_facts(summary: dict[str, Any], side: str | None) -> tuple[dict[str, Any], list[str]]:
    """Case fields measured by the whole-face analysis, and notes on what was read.

    Parameters
    ----------
    summary : dict
        A ``hemispasm analyze`` summary.json.
    side : str or None
        The case's side (``left``, ``right``, ``bilateral``) after the video filled it.
    """
    facts: dict[str, Any] = {}
    notes: list[str] = []
    sides = summary.get("sides") if isinstance(summary.get("sides"), dict) else {}
    pat = summary.get("pattern") if isinstance(summary.get("pattern"), dict) else {}
    pattern = pat.get("pattern")
    if pattern in ("bilateral_synchronous", "bilateral_asynchronous"):
        facts["bilateral_synchronous"] = pattern == "bilateral_synchronous"
        facts["side"] = "bilateral"
        notes.append(f"video pattern: {pattern.replace('_', ' ')}")
    looked = [s for s in ("left", "right") if side in (s, "bilateral") or side is None]
    signs = [sides.get(s, {}).get("other_babinski_sign") for s in looked]
    signs = [b for b in signs if isinstance(b, dict)]
    if any(b.get("present") for b in signs):
        facts["other_babinski_sign"] = True
        n = sum(int(b.get("events_with_sign", 0)) for b in signs)
        m = sum(int(b.get("events_measured", 0)) for b in signs)
        notes.append(f"other Babinski sign measured in {n} of {m} eye-closing spasms")
    elif signs and sum(int(b.get("events_measured", 0)) for b in signs) >= MIN_MEASURED_FOR_ABSENT:
        facts["other_babinski_sign"] = False
        notes.append("other Babinski sign absent in every measured eye-closing spasm")
    onsets = [sides.get(s, {}).get("onset_region") for s in looked]
    onsets = [o for o in onsets if o in FACIAL_MUSCLES]
    if len(set(onsets)) == 1:
        facts["first_muscle"] = onsets[0]
        notes.append(f"spasms most often start in the {onsets[0].replace('_', ' ')}")
    return facts, notes
