"""Render frames of a synthetic face: muscle actions, eyelid closure, head motion, camera.

One frame = one backward map applied to the neutral photo (OpenCV ``remap``): the mixed action
fields, the eyelid slide and the head's motion are composed into that map, so the photo is
resampled once per frame. Then lighting drift and sensor noise; compression happens in the
encoder.

Eyelid closure is drawn as the upper lid coming down: the lid skin above the lid margin (from
the crease to the lash line) is stretched down to the new margin, so the lash line, the lid's
skin and its shading cover the iris; a darker lash line and a soft shadow are added at the
margin. A warp that only squeezes the eye would leave the iris visible (and the landmark model
would barely register the closure).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hemispasm._lazy import require
from hemispasm.schema import SIDES
from hemispasm.synth.rig import LOWER_LID, UPPER_LID, ActionFields, action_fields

#: Height of the lid skin band above the lash line, as a fraction of the eye's width.
LID_BAND = 0.28
#: Thickness of the lash line that moves with the margin unstretched (fraction of eye width).
LASH = 0.07
#: Noise frames to draw from (no visible repetition, bounded memory).
NOISE_BANK = 16
#: Darkening and half-width (px) of the drawn lash line at the lid margin.
LASH_DARK = 0.75
LASH_WIDTH_PX = 2.0
#: Largest brightening of a covering lid whose skin band is darker than the skin below the eye.
LID_LIFT_MAX = 1.4
#: The closed lid margin sits this far down the opening (>1: just over the lower lid).
OVERSHOOT = 1.04


@dataclass
class CameraParams:
    """Camera and scene: head motion, lighting drift and sensor noise (engineering choices).

    Head motion is a sum of slow sines (0.05-0.5 Hz) with random phases: roll up to
    ``roll_deg``, translation up to ``shift_frac`` of the face height, scale up to
    ``scale_frac``. Lighting: global gain drift ``gain_frac`` and a left-right gradient
    ``gradient_frac``. Noise: Gaussian, ``noise_sd`` grey levels.
    """

    roll_deg: float = 2.0
    shift_frac: float = 0.03
    scale_frac: float = 0.02
    gain_frac: float = 0.06
    gradient_frac: float = 0.05
    noise_sd: float = 2.5


@dataclass
class Renderer:
    """Renders frames of one face photo (:class:`hemispasm.synth.faces.FacePhoto`)."""

    image: np.ndarray
    landmarks_px: np.ndarray
    seed: int = 0
    camera: CameraParams = field(default_factory=CameraParams)

    def __post_init__(self) -> None:
        self.cv2 = require("cv2")
        h, w = self.image.shape[:2]
        self.height, self.width = h, w
        self.fields: ActionFields = action_fields(self.landmarks_px, w, h)
        self._index = {k: i for i, k in enumerate(self.fields.keys)}
        gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
        self._grid = np.stack([gx, gy], axis=-1)
        self._xramp = (np.arange(w, dtype=np.float32) / w - 0.5)[None, :, None]
        rng = np.random.default_rng(self.seed)
        # a bank of noise frames (int8: 0.9 MB each), drawn from at random for each frame
        self._noise = (
            rng.normal(0, self.camera.noise_sd, (NOISE_BANK, h, w, 3)).round().clip(-127, 127)
        ).astype(np.int8)
        self._phases = rng.uniform(0, 2 * np.pi, (8, 3))
        self._freqs = rng.uniform(0.05, 0.5, (8, 3))
        self.center = self.landmarks_px.mean(axis=0)
        self._face_h = float(np.ptp(self.landmarks_px[:, 1]))
        self._lid_gain = {side: self._skin_gain(side) for side in SIDES}

    # ------------------------------------------------------------------ motion, light
    def _wave(self, k: int, t: float) -> float:
        """A smooth random wave in [-1, 1] (three slow sines)."""
        return float(np.mean(np.sin(2 * np.pi * self._freqs[k] * t + self._phases[k])))

    def head_affine(self, t: float) -> np.ndarray:
        """2 x 3 forward affine of the head at time ``t`` (rotation, scale, shift)."""
        c = self.camera
        face_h = self._face_h
        ang = c.roll_deg * self._wave(0, t)
        scale = 1.0 + c.scale_frac * self._wave(1, t)
        m = self.cv2.getRotationMatrix2D(tuple(map(float, self.center)), ang, scale)
        m[0, 2] += c.shift_frac * face_h * self._wave(2, t)
        m[1, 2] += c.shift_frac * face_h * self._wave(3, t)
        return m

    # ------------------------------------------------------------------ eyelids
    def _skin_gain(self, side: str) -> float:
        """Brightness of the skin below the eye over that of the lid band that will cover it.

        Lash roots, eye shadow or a spectacle frame make the band darker than lid skin; the
        covering lid is brightened by up to this factor (at most ``LID_LIFT_MAX``).
        """
        up = self.landmarks_px[list(UPPER_LID[side])]
        lo = self.landmarks_px[list(LOWER_LID[side])]
        eye_w = float(np.linalg.norm(up[0] - up[-1]))
        x0, x1 = int(up[:, 0].min() + 0.2 * eye_w), int(up[:, 0].max() - 0.2 * eye_w)
        luma = self.image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        y_u, y_l = float(up[:, 1].min()), float(lo[:, 1].max())
        band = luma[int(y_u - LID_BAND * eye_w) : int(y_u - LASH * eye_w), x0:x1]
        skin = luma[int(y_l + 0.1 * eye_w) : int(y_l + 0.35 * eye_w), x0:x1]
        if band.size == 0 or skin.size == 0:
            return 1.0
        return float(np.clip(np.median(skin) / max(np.median(band), 1.0), 1.0, LID_LIFT_MAX))

    def _lid(self, side: str, closure: float, lower_shift: np.ndarray, face_map, shade) -> None:
        """Slide the lid of one eye: resample ``face_map`` in the eye's box; shade the lid.

        ``face_map`` maps frame pixels to photo pixels (after the muscle warp); the lid slide is
        a backward map in frame pixels, composed with it by resampling the map itself.
        """
        up = self.landmarks_px[list(UPPER_LID[side])]
        lo = self.landmarks_px[list(LOWER_LID[side])] + lower_shift
        xs_u, xs_l = up[:, 0], lo[:, 0]
        x0 = int(np.floor(min(xs_u.min(), xs_l.min())))
        x1 = int(np.ceil(max(xs_u.max(), xs_l.max())))
        cols = np.arange(x0, x1 + 1, dtype=np.float32)
        ou, ol = np.argsort(xs_u), np.argsort(xs_l)
        y_u = np.interp(cols, xs_u[ou], up[ou, 1])
        y_l = np.interp(cols, xs_l[ol], lo[ol, 1])
        y_l = np.maximum(y_l, y_u)
        eye_w = float(np.linalg.norm(up[0] - up[-1]))
        band = LID_BAND * eye_w
        y_k = y_u - band  # lid crease: top of the skin band that slides
        y_m = y_u + closure * (y_l - y_u) * OVERSHOOT  # new lid margin (a little past at full)
        r0 = max(0, int(np.floor(y_k.min())) - 1)
        r1 = min(self.height, int(np.ceil(y_m.max())) + 3)
        if r1 <= r0 or x1 < 0 or x0 >= self.width:
            return
        c0, c1 = max(0, x0), min(self.width, x1 + 1)
        sl = slice(c0 - x0, c1 - x0)
        yy = np.arange(r0, r1, dtype=np.float32)[:, None]
        yk, yu, ym = y_k[sl][None, :], y_u[sl][None, :], y_m[sl][None, :]
        inside = (yy >= yk) & (yy <= ym)
        # the lash line (LASH x eye width above the margin) moves unstretched; skin above stretches
        lash_px = min(LASH * eye_w, 0.5 * band)
        skin_src = yu - lash_px
        skin_dst = np.maximum(ym - lash_px, yk + 1e-3)
        src = np.where(
            yy >= skin_dst,
            yu - (ym - yy),
            yk + (yy - yk) * (skin_src - yk) / np.maximum(skin_dst - yk, 1e-3),
        )
        src_y = np.where(inside, src, yy).astype(np.float32)
        src_x = np.broadcast_to(cols[sl][None, :], src_y.shape).astype(np.float32)
        face_map[r0:r1, c0:c1] = self.cv2.remap(
            face_map, src_x, src_y, self.cv2.INTER_LINEAR, borderMode=self.cv2.BORDER_REPLICATE
        )
        # lash line and shadow at the new margin; the covering lid brightened to skin
        moved = (ym - yu) > 0.8
        lash = np.exp(-(((yy - ym) / LASH_WIDTH_PX) ** 2)) * moved
        shadow = np.exp(-(((yy - ym - 2.0) / 2.5) ** 2)) * moved * (yy > ym)
        # brighten the whole sliding band smoothly (no edge at the old lid margin), more as
        # the lid closes, less toward the corners
        ramp = np.clip((yy - yk) / np.maximum(yu - yk, 1e-3), 0, 1) * (yy <= ym)
        across = np.sin(np.pi * np.clip((cols[sl] - x0) / max(x1 - x0, 1), 0, 1))[None, :]
        lift = (self._lid_gain[side] - 1.0) * closure * ramp * across * (1.0 - lash)
        shade[r0:r1, c0:c1] *= (1.0 + lift) * (1.0 - LASH_DARK * lash - 0.15 * shadow)

    # ------------------------------------------------------------------ frame
    def render(
        self,
        t: float,
        actions: dict[str, float],
        closure: dict[str, float],
        frame_index: int = 0,
    ) -> np.ndarray:
        """One RGB frame (uint8).

        Parameters
        ----------
        t : float
            Time in seconds (head motion and lighting).
        actions : dict
            Activation 0-1 of ``"<action>_<side>"`` (see :data:`hemispasm.synth.rig.ACTIONS`).
        closure : dict
            Eyelid closure 0-1 per side (``"left"``, ``"right"``).
        """
        cv2 = self.cv2
        f = self.fields
        h, w = self.height, self.width
        coarse = np.zeros(f.fields.shape[1:], np.float32)
        ldisp = np.zeros(f.landmark_disp.shape[1:], np.float32)
        for key, a in actions.items():
            if a > 1e-3:
                i = self._index[key]
                coarse += a * f.fields[i]
                ldisp += a * f.landmark_disp[i]
        if np.any(coarse):
            up = cv2.resize(coarse, (coarse.shape[1] * f.stride, coarse.shape[0] * f.stride))
            face_map = self._grid - up[:h, :w]
        else:
            face_map = self._grid.copy()
        shade = None
        for side in SIDES:
            c = closure.get(side, 0.0)
            if c > 0.01:
                if shade is None:
                    shade = np.ones((h, w), np.float32)
                shift = ldisp[list(LOWER_LID[side])]
                self._lid(side, min(c, 1.0), shift, face_map, shade)
        m = self.head_affine(t)
        full = cv2.warpAffine(face_map, m, (w, h), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
        img = cv2.remap(self.image, full, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        out = img.astype(np.float32)
        if shade is not None:
            out *= cv2.warpAffine(shade, m, (w, h), borderValue=1.0)[..., None]
        c = self.camera
        gain = 1.0 + c.gain_frac * self._wave(4, t)
        out *= gain + c.gradient_frac * self._wave(5, t) * self._xramp
        pick = np.random.default_rng((self.seed, frame_index)).integers(NOISE_BANK)
        out += self._noise[pick]
        return np.clip(out, 0, 255).astype(np.uint8)
