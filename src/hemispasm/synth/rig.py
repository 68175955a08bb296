"""Facial-muscle actions as displacements of the face's own landmarks (pure NumPy/SciPy).

Each action (one muscle region on one side) moves a set of MediaPipe landmarks of the photo by
an amount in inter-ocular-distance (IOD) units; every other landmark stays where it is. The
landmark displacements are spread to a smooth dense field by a thin-plate spline anchored at
all 478 landmarks and at a ring around the face, so skin between moving and still landmarks
stretches or folds as skin does. The fields are linear in the activation, so each is computed
once per photo and mixed per frame.

Eyelid closure is not a warp: it is drawn by :mod:`hemispasm.synth.render` (the lid skin slides
down over the eye). Directions and sizes are engineering choices, sized so that each movement
is clearly visible (docs/synth.md); they follow the anatomy of the facial-nerve muscles:

- ``squeeze`` (orbicularis oculi, the part that is not the lid): lower lid and cheek pushed up,
  brow pulled down.
- ``corrugator``: inner brow pulled down and toward the midline.
- ``frontalis``: brow and forehead lifted (the other Babinski sign when it comes with an eye
  closure; raised brows when both sides lift).
- ``zygomaticus``: mouth corner pulled up and out, cheek raised.
- ``orbicularis_oris``: lips pressed together on that side.
- ``platysma``: lower lip and chin on that side pulled down and out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hemispasm.schema import SIDES

#: Eye contours (subject's side): upper lid and lower lid, each from the outer to the inner
#: corner (corners included).
UPPER_LID = {
    "right": (33, 246, 161, 160, 159, 158, 157, 173, 133),
    "left": (263, 466, 388, 387, 386, 385, 384, 398, 362),
}
LOWER_LID = {
    "right": (33, 7, 163, 144, 145, 153, 154, 155, 133),
    "left": (263, 249, 390, 373, 374, 380, 381, 382, 362),
}
#: The ring of landmarks just above each upper lid (the lid skin that slides when the eye
#: closes): kept still by every warp, so the drawn lid takes its skin from where it was.
UPPER_RING = {
    "right": (247, 30, 29, 27, 28, 56, 190),
    "left": (467, 260, 259, 257, 258, 286, 414),
}
BROW = {
    "right": (70, 63, 105, 66, 107, 46, 53, 52, 65, 55),
    "left": (300, 293, 334, 296, 336, 276, 283, 282, 295, 285),
}
#: Lip contours, outer then inner line.
LIPS_UPPER = (
    61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291,
    78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308,
)  # fmt: skip
LIPS_LOWER = (
    146, 91, 181, 84, 17, 314, 405, 321, 375,
    95, 88, 178, 87, 14, 317, 402, 318, 324,
)  # fmt: skip
MOUTH_CORNER = {"right": 61, "left": 291}

#: The warp actions, per side (the lid itself is drawn, not warped).
ACTIONS: tuple[str, ...] = (
    "squeeze",
    "corrugator",
    "frontalis",
    "zygomaticus",
    "orbicularis_oris",
    "platysma",
)


def face_frame(lms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Origin (mid-eyes), unit vectors toward the subject's left and down, and the IOD (px)."""
    c_r = lms[[33, 133]].mean(axis=0)
    c_l = lms[[362, 263]].mean(axis=0)
    iod = float(np.linalg.norm(c_l - c_r))
    u = (c_l - c_r) / iod  # toward the subject's left (image right for an unmirrored photo)
    v = np.array([-u[1], u[0]])  # down
    return 0.5 * (c_l + c_r), u, v, iod


def _gauss(d2: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-d2 / (2 * sigma**2))


def action_displacements(lms: np.ndarray) -> dict[str, np.ndarray]:
    """Landmark displacements (478 x 2 px) of each action at full activation.

    Keys are ``"<action>_<side>"``. Upper-lid points never move (the lid is drawn).
    """
    origin, u, v, iod = face_frame(lms)
    rel = lms - origin
    cx, cy = rel @ u / iod, rel @ v / iod  # canonical: x toward subject's left, y down (IOD)
    n = len(lms)
    out: dict[str, np.ndarray] = {}
    lids = np.array([i for s in SIDES for i in UPPER_LID[s] + LOWER_LID[s]])
    still = np.array([i for s in SIDES for i in UPPER_LID[s] + UPPER_RING[s]])
    for side in SIDES:
        s = 1.0 if side == "left" else -1.0
        on_side = (s * cx > 0.0).astype(float)
        eye = np.array(UPPER_LID[side] + LOWER_LID[side])
        ex, ey = cx[eye].mean(), cy[eye].mean()
        brow = np.array(BROW[side])
        bx, by = cx[brow].mean(), cy[brow].mean()
        inner = BROW[side][4]
        above_eye = (cy < ey - 0.12).astype(float)

        def near(x0: float, y0: float, sigma: float) -> np.ndarray:
            return _gauss((cx - x0) ** 2 + (cy - y0) ** 2, sigma)

        # squeeze: lower lid and cheek below the eye up; brow and the skin above it down
        d = np.zeros((n, 2))
        below = (cy > ey + 0.02).astype(float)
        d[:, 1] -= 0.07 * near(ex, ey + 0.25, 0.16) * below * on_side
        d[np.array(LOWER_LID[side]), 1] = -0.025  # the lower lid rises a little
        d[:, 1] += 0.06 * near(bx, by, 0.2) * above_eye * on_side
        out[f"squeeze_{side}"] = d
        # corrugator: inner brow and glabella down and toward the midline
        d = np.zeros((n, 2))
        w = near(cx[inner], cy[inner] - 0.05, 0.2) * above_eye * np.clip(0.5 + s * cx, 0, 1)
        d[:, 1] += 0.12 * w
        d[:, 0] -= s * 0.05 * w
        out[f"corrugator_{side}"] = d
        # frontalis: brow (mid and outer most) and the forehead above it lifted
        d = np.zeros((n, 2))
        high = np.clip((ey - 0.15 - cy) / 0.15, 0, 1)  # brow and forehead, not the lid skin
        w = near(bx + s * 0.05, by - 0.1, 0.24) * high * on_side
        d[:, 1] -= 0.18 * w
        out[f"frontalis_{side}"] = d
        # zygomaticus: mouth corner up and out; cheek up
        d = np.zeros((n, 2))
        corner = MOUTH_CORNER[side]
        w = near(cx[corner], cy[corner], 0.16) * on_side
        d[:, 1] -= 0.09 * w
        d[:, 0] += s * 0.05 * w
        d[:, 1] -= 0.05 * near(s * 0.55, 0.6, 0.2) * on_side
        out[f"zygomaticus_{side}"] = d
        # orbicularis oris: lips pressed and rolled in on this side (the red of the lips thins:
        # the outer lip lines move toward each other, the inner lines much less, so closed lips
        # never cross), and the sphincter draws the mouth corner toward the midline. The press
        # is 0.6 times the second pass's (0.11/0.06 IOD): in a lower-face spasm the lips and
        # the cheek contract together, and the deeper press cancelled the corner's lift on a
        # smiling photo (third pass, docs/synth.md)
        d = np.zeros((n, 2))
        for line, (up_amp, lo_amp) in ((0, (0.066, 0.036)), (1, (0.018, 0.009))):
            ups = LIPS_UPPER[:11] if line == 0 else LIPS_UPPER[11:]
            los = LIPS_LOWER[:9] if line == 0 else LIPS_LOWER[9:]
            up = np.array([i for i in ups if s * cx[i] > 0.03 and i != corner])
            lo = np.array([i for i in los if s * cx[i] > 0.03])
            d[up, 1] += up_amp * np.clip(s * cx[up] / 0.25, 0, 1)
            d[lo, 1] -= lo_amp * np.clip(s * cx[lo] / 0.25, 0, 1)
            d[np.concatenate([up, lo]), 0] -= s * 0.03
        d[corner, 0] -= s * 0.04
        out[f"orbicularis_oris_{side}"] = d
        # platysma: lower lip, chin and jaw on this side down and out
        d = np.zeros((n, 2))
        mouth_y = cy[[0, 17]].mean()
        w = near(s * 0.3, mouth_y + 0.3, 0.25) * (cy > mouth_y).astype(float) * on_side
        d[:, 1] += 0.10 * w
        d[:, 0] += s * 0.04 * w
        out[f"platysma_{side}"] = d
        for key in (f"{a}_{side}" for a in ACTIONS):
            if not key.startswith("squeeze"):
                out[key][lids] = 0.0
            out[key][still] = 0.0
    return {k: v * iod for k, v in out.items()}


@dataclass(frozen=True)
class ActionFields:
    """Dense displacement fields of every action, on a coarse grid (``stride`` pixels).

    ``fields`` has shape (n_actions, gh, gw, 2): forward displacement in pixels at full
    activation; ``keys`` names them (``"<action>_<side>"``).
    """

    keys: tuple[str, ...]
    fields: np.ndarray
    stride: int
    landmark_disp: np.ndarray  # (n_actions, 478, 2)


def action_fields(lms: np.ndarray, width: int, height: int, *, stride: int = 4) -> ActionFields:
    """Spread every action's landmark displacements to a dense field (thin-plate spline)."""
    from scipy.interpolate import RBFInterpolator

    disp = action_displacements(lms)
    keys = tuple(disp)
    # anchors: all landmarks, plus a still ring around the face
    ang = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    span = np.ptp(lms, axis=0).max()
    ring = lms.mean(axis=0) + 0.95 * span * np.c_[np.cos(ang), np.sin(ang)]
    pts = np.vstack([lms, ring])
    vals = np.concatenate(
        [np.stack([disp[k] for k in keys], axis=1).reshape(len(lms), -1),
         np.zeros((len(ring), 2 * len(keys)))]
    )  # fmt: skip
    rbf = RBFInterpolator(pts, vals, kernel="thin_plate_spline", degree=1, smoothing=1e-3)
    gy, gx = np.mgrid[0 : height + stride : stride, 0 : width + stride : stride]
    grid = np.c_[gx.ravel(), gy.ravel()].astype(float)
    field = rbf(grid).reshape(gx.shape[0], gx.shape[1], len(keys), 2)
    # fade to zero outside the ring so the background never moves
    r = np.linalg.norm(grid - lms.mean(axis=0), axis=1).reshape(gx.shape)
    fade = np.clip((1.05 * span - r) / (0.2 * span), 0, 1)[..., None, None]
    field = np.moveaxis(field * fade, 2, 0).astype(np.float32)
    return ActionFields(
        keys=keys,
        fields=field,
        stride=stride,
        landmark_disp=np.stack([disp[k] for k in keys]).astype(np.float32),
    )
