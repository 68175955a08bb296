"""Forehead skin lift per side, from the pixels (dense optical flow), for the other Babinski sign.

Why: the face model places the brow landmarks from the face as a whole; where the brows are
hidden (behind a spectacle frame, under a fringe) it does not follow a brow that lifts, and the
frontalis measures of :mod:`hemispasm.video.measures` stay flat (docs/validation.md, the
spectacled face ``hopper``). The skin of the forehead above the brows still moves, so this
module measures it directly:

1. At the first frame of a face run, a **reference** is kept: the grey-level forehead band
   (from 0.35 inter-ocular distances, IOD, above the highest brow landmark to 0.05 IOD below
   the lowest) and the positions of nose landmarks, which no facial muscle of the forehead or
   the eye moves.
2. Every later frame is aligned to the reference by the similarity transform of those nose
   landmarks (OpenCV ``estimateAffinePartial2D``), so head movement is removed; the one warp
   also crops the band and samples it at ``IOD_PX`` pixels per IOD at most (a larger face costs
   no more, and the flow window then spans the same share of every face). The band is compared
   with the reference by Farnebäck dense optical flow (``calcOpticalFlowFarneback``).
3. Per side, the median upward flow over the columns of that brow, minus the median upward
   flow of a narrow midline strip (the glabella and the forehead above it: eye closure pulls
   the midline down with the corrugators, and a global misalignment moves every column alike),
   in IOD units: ``forehead_<side>``, positive = that side's forehead lifted.

Only derived numbers leave this module (no pixels are kept beyond the reference band of the
current face run, in memory). The reference is renewed when the face is lost and found again
and per analysis segment, so the column is a displacement against a recent frame of the same
run; the event step compares it with the frames just before each event (docs/events.md).

The band sizes and flow parameters are ENGINEERING choices (docs/references.md, "The whole
face, third pass"); Farnebäck: G. Farnebäck, Two-frame motion estimation based on polynomial
expansion, SCIA 2003 (OpenCV's implementation).
"""

from __future__ import annotations

import numpy as np

#: Nose landmarks (MediaPipe face mesh) used to align a frame to the reference: bridge, dorsum,
#: tip and alae; no forehead or eye muscle moves them.
NOSE = (1, 2, 4, 5, 6, 98, 122, 168, 195, 197, 327, 351)
#: Brow landmarks (upper contour) per subject side.
BROW = {"right": (70, 63, 105, 66, 107), "left": (300, 293, 334, 296, 336)}
#: Midline forehead landmarks (glabella 9, above it 151).
MIDLINE = (9, 151)
#: Band above the brows, in IOD: from ``BAND_ABOVE`` above the highest brow point to
#: ``BAND_BELOW`` below the lowest; midline strip half-width ``MID_HALF``. ENGINEERING choices.
BAND_ABOVE = 0.35
BAND_BELOW = 0.05
MID_HALF = 0.06
#: Smallest usable band (pixels) in each direction; a smaller face gives NaN.
MIN_BAND_PX = 12
#: Farnebäck parameters: pyramid scale, levels, window, iterations, poly_n, poly_sigma.
FLOW = (0.5, 2, 9, 3, 5, 1.1)
#: The band is sampled at this many pixels per IOD at most (a larger face is sampled down in
#: the same warp: the flow costs less and reads the same share of the IOD). ENGINEERING choice.
IOD_PX = 48.0


class ForeheadTracker:
    """Per-side forehead lift (IOD, up positive) of successive frames of one face run.

    Call :meth:`update` with every frame's RGB image and the chosen face's landmarks
    (normalised MediaPipe coordinates, or None when no face); it returns
    ``(left, right)`` or NaNs.
    """

    def __init__(self) -> None:
        import cv2  # lazy: the video extra

        self.cv2 = cv2
        self.ref: dict | None = None

    def reset(self) -> None:
        """Forget the reference (a new face run starts at the next face)."""
        self.ref = None

    def update(self, rgb: np.ndarray, landmarks: np.ndarray | None) -> tuple[float, float]:
        nan = (float("nan"), float("nan"))
        if landmarks is None:
            self.ref = None
            return nan
        cv2 = self.cv2
        h, w = rgb.shape[:2]
        pts = np.asarray(landmarks, dtype=np.float64)[:, :2] * (w, h)
        if not np.isfinite(pts).all():
            return nan
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if self.ref is None:
            self.ref = self._reference(gray, pts)
            return (0.0, 0.0) if self.ref is not None else nan
        ref = self.ref
        m, _ = cv2.estimateAffinePartial2D(pts[list(NOSE)], ref["nose"])
        if m is None:
            return nan
        x0, y0, _, _ = ref["box"]
        m[:, 2] -= (x0, y0)
        m *= ref["scale"]  # reference pixels -> band pixels
        band = cv2.warpAffine(gray, m, ref["size"], flags=cv2.INTER_LINEAR)
        flow = cv2.calcOpticalFlowFarneback(ref["band"], band, None, *FLOW, 0)
        up = -flow[..., 1] / (ref["iod"] * ref["scale"])
        mid = float(np.median(up[:, ref["mid"][0] : ref["mid"][1]]))
        out = []
        for side in ("left", "right"):
            a, b = ref["cols"][side]
            out.append(float(np.median(up[:, a:b])) - mid)
        return out[0], out[1]

    def _reference(self, gray: np.ndarray, pts: np.ndarray) -> dict | None:
        h, w = gray.shape
        iod = float(np.linalg.norm(pts[[362, 263]].mean(axis=0) - pts[[33, 133]].mean(axis=0)))
        if not iod > 0:
            return None
        brows = pts[list(BROW["right"] + BROW["left"])]
        x0 = int(max(0, np.floor(brows[:, 0].min())))
        x1 = int(min(w, np.ceil(brows[:, 0].max())))
        y0 = int(max(0, np.floor(brows[:, 1].min() - BAND_ABOVE * iod)))
        y1 = int(min(h, np.ceil(brows[:, 1].max() + BAND_BELOW * iod)))
        if x1 - x0 < MIN_BAND_PX or y1 - y0 < MIN_BAND_PX:
            return None
        k = min(1.0, IOD_PX / iod)
        size = (max(1, round(k * (x1 - x0))), max(1, round(k * (y1 - y0))))
        cols = {}
        for side, idx in BROW.items():
            xs = k * (pts[list(idx), 0] - x0)
            a, b = int(max(0, xs.min())), int(min(size[0], xs.max()))
            if b - a < 2:
                return None
            cols[side] = (a, b)
        mx = k * (float(pts[list(MIDLINE), 0].mean()) - x0)
        q = max(1, round(MID_HALF * iod * k))
        mid = (int(max(0, mx - q)), int(min(size[0], mx + q)))
        if mid[1] - mid[0] < 2:
            return None
        sample = np.float64([[k, 0, -k * x0], [0, k, -k * y0]])
        band = self.cv2.warpAffine(gray, sample, size, flags=self.cv2.INTER_LINEAR)
        return {
            "band": band,
            "scale": k,
            "size": size,
            "nose": pts[list(NOSE)].copy(),
            "box": (x0, y0, x1, y1),
            "iod": iod,
            "cols": cols,
            "mid": mid,
        }
