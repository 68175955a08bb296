"""The face map of the toxin session form: an SVG of the facial muscles per side.

Drawn for hemispasm as simple shapes over a frontal face outline (a schematic, not an anatomical
atlas): each clickable region is one muscle of :data:`hemispasm.web.clinical.FACE_MUSCLES` on
one side. The patient's right side is on the viewer's left, as when facing the patient; the map
says so. Shapes are defined once for the patient's left side and mirrored.
"""

from __future__ import annotations

from typing import Any

VIEW_W, VIEW_H = 400, 520
_CX = VIEW_W / 2

#: (muscle, shape, attributes) for the patient's LEFT side (viewer's right, x > centre).
_LEFT_SHAPES: tuple[tuple[str, str, dict[str, float]], ...] = (
    ("frontalis", "ellipse", {"cx": 252, "cy": 112, "rx": 50, "ry": 32, "rot": 0}),
    ("corrugator", "ellipse", {"cx": 222, "cy": 166, "rx": 17, "ry": 8, "rot": -12}),
    ("orbicularis_oculi", "ellipse", {"cx": 264, "cy": 200, "rx": 40, "ry": 27, "rot": 0}),
    ("zygomaticus", "ellipse", {"cx": 262, "cy": 272, "rx": 11, "ry": 44, "rot": 38}),
    ("buccinator", "ellipse", {"cx": 282, "cy": 326, "rx": 22, "ry": 20, "rot": 0}),
    ("orbicularis_oris", "ellipse", {"cx": 220, "cy": 350, "rx": 20, "ry": 14, "rot": 0}),
    ("platysma", "ellipse", {"cx": 250, "cy": 470, "rx": 40, "ry": 34, "rot": 15}),
)
LABELS = {
    "frontalis": "frontalis",
    "corrugator": "corrugator",
    "orbicularis_oculi": "orbicularis oculi",
    "zygomaticus": "zygomaticus",
    "buccinator": "buccinator",
    "orbicularis_oris": "orbicularis oris",
    "platysma": "platysma",
}


def face_regions() -> list[dict[str, Any]]:
    """Every clickable region: muscle, side, label, and SVG ellipse attributes."""
    out = []
    for muscle, _shape, a in _LEFT_SHAPES:
        for side in ("left", "right"):
            cx = a["cx"] if side == "left" else VIEW_W - a["cx"]
            rot = a["rot"] if side == "left" else -a["rot"]
            out.append(
                {
                    "muscle": muscle,
                    "side": side,
                    "label": f"{LABELS[muscle]} ({side})",
                    "cx": cx,
                    "cy": a["cy"],
                    "rx": a["rx"],
                    "ry": a["ry"],
                    "transform": f"rotate({rot} {cx} {a['cy']})",
                }
            )
    return out


def face_outline() -> dict[str, Any]:
    """Outline shapes (not clickable): head, neck, eyes, brows, nose, mouth."""
    eyes = [{"cx": c, "cy": 200} for c in (264, VIEW_W - 264)]
    return {
        "head": {"cx": _CX, "cy": 238, "rx": 135, "ry": 180},
        "neck": f"M{_CX - 62},400 L{_CX - 70},{VIEW_H} L{_CX + 70},{VIEW_H} L{_CX + 62},400",
        "eyes": eyes,
        "nose": f"M{_CX},200 L{_CX - 16},292 L{_CX + 16},292",
        "mouth": f"M{_CX - 30},350 Q{_CX},366 {_CX + 30},350",
        "w": VIEW_W,
        "h": VIEW_H,
    }
