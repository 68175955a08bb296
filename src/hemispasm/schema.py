"""Names shared by every part of hemispasm: sides, muscle regions, signal columns, events.

"left" and "right" always mean the **subject's own** left and right, never the image's.

The per-frame signals table (``signals.parquet``; full schema in ``docs/signals.md``) has:

========================  =====================================================================
column                    meaning
========================  =====================================================================
``frame``                 0-based frame index in decode order
``time_s``                presentation time of the frame in seconds (from the stream)
``face``                  True when a face was found in the frame
``quality``               0-1 tracking quality (0 where no face)
``n_faces``               number of faces found
``yaw_deg`` ...           head pose: ``yaw_deg``, ``pitch_deg``, ``roll_deg``
``ear_left/right``        eye-aspect ratio, 6-point eye contour (as JeFaPaTo's EAR2D6)
``aperture_left/right``   pose-normalised eye aperture (canonical face frame)
``<region>_<side>``       region measure, larger = more contraction, for every region in
                          :data:`MEASURED_REGIONS` (see docs/signals.md for the geometry)
``bs_<name>``             the 52 MediaPipe blendshapes, e.g. ``bs_eyeBlinkLeft``
========================  =====================================================================

Rows for frames without a face are kept, with the measures empty (NaN).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SIDES: tuple[str, str] = ("left", "right")

#: The facial-nerve muscle regions, in the order HFS usually spreads.
REGIONS: tuple[str, ...] = (
    "orbicularis_oculi",
    "corrugator",
    "frontalis",
    "zygomaticus",
    "orbicularis_oris",
    "platysma",
)

#: Regions with a ``<region>_<side>`` measure column (the eye has ``aperture_<side>`` instead).
MEASURED_REGIONS: tuple[str, ...] = REGIONS[1:]

POSE_COLUMNS: tuple[str, str, str] = ("yaw_deg", "pitch_deg", "roll_deg")
BASE_COLUMNS: tuple[str, ...] = ("frame", "time_s", "face", "quality", "n_faces")
#: Forehead skin lift per side from the pixels (:mod:`hemispasm.video.forehead`).
FOREHEAD_COLUMNS: tuple[str, str] = ("forehead_left", "forehead_right")


def region_column(region: str, side: str) -> str:
    """Column name of a region measure, e.g. ``region_column("zygomaticus", "left")``."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    if region == "orbicularis_oculi":
        return f"aperture_{side}"
    if region not in REGIONS:
        raise ValueError(f"region must be one of {REGIONS}, got {region!r}")
    return f"{region}_{side}"


def signal_columns() -> list[str]:
    """The measure columns every video signals table has (blendshapes not included)."""
    cols = [*BASE_COLUMNS, *POSE_COLUMNS, "ear_left", "ear_right"]
    for region in REGIONS:
        cols += [region_column(region, s) for s in SIDES]
    return [*cols, *FOREHEAD_COLUMNS]


class Side(StrEnum):
    left = "left"
    right = "right"
    both = "both"


class EventKind(StrEnum):
    """What an event is.

    ``blink``: bilateral, synchronous, brief closure. ``clonic``: a brief one-sided twitch or a
    train of twitches. ``tonic``: a sustained one-sided contraction. ``voluntary``: symmetric
    voluntary expression, talking or gaze-related lid movement. ``head_motion``: large head
    turn. ``face_lost``: the face is not visible. The last three are not spasms.
    """

    blink = "blink"
    clonic = "clonic"
    tonic = "tonic"
    voluntary = "voluntary"
    head_motion = "head_motion"
    face_lost = "face_lost"


SPASM_KINDS: frozenset[str] = frozenset({EventKind.clonic, EventKind.tonic})


class Event(BaseModel):
    """One event on the recording's time line (seconds), shared by video, synthetic truth and EMG.

    Attributes
    ----------
    start_s, end_s : float
        Start and end, seconds from the start of the recording.
    side : {"left", "right", "both"}
        The subject's side.
    kind : EventKind
    regions : list of str
        Muscle regions involved (names from :data:`REGIONS`).
    amplitude : float
        Peak amplitude: fraction of eye closure (0-1) for the eye, else activation above rest.
    velocity : float or None
        Peak closing velocity, amplitude units per second.
    confidence : float
        0-1.
    n_twitches : int or None
        For clonic events: the number of twitches in the train.
    twitch_rate_hz : float or None
        For clonic trains: twitches per second.
    onset_region : str or None
        For spasms: the region whose contraction started first.
    babinski2 : bool or None
        For eye-closing spasms: whether the same-side brow rose (the other Babinski sign);
        None where not measurable or not an eye-closing spasm.
    """

    model_config = ConfigDict(use_enum_values=True)

    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    side: Literal["left", "right", "both"]
    kind: EventKind
    regions: list[str] = Field(default_factory=list)
    amplitude: float = 0.0
    velocity: float | None = None
    confidence: float = Field(default=1.0, ge=0, le=1)
    n_twitches: int | None = None
    twitch_rate_hz: float | None = None
    onset_region: str | None = None
    babinski2: bool | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def is_spasm(self) -> bool:
        return self.kind in SPASM_KINDS
