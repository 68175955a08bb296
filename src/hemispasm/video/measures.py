"""Per-frame measures from MediaPipe face landmarks: pure NumPy, no I/O.

Sides are the **subject's own**. In MediaPipe's 478-point mesh on an unmirrored image the
subject's right eye is the ``33/133`` contour (image left) and the subject's left eye the
``362/263`` contour (image right); checked on the shared clips (landmark 33 lies at a smaller
image x than 263).

Region measures are computed in the canonical face frame: landmarks are put in pixel units,
rotated back by the head rotation from MediaPipe's facial transformation matrix (so yaw, pitch
and roll do not change them), and divided by the inter-ocular distance (so face size does not).
Every region measure grows with contraction of its muscle. See docs/signals.md.
"""

from __future__ import annotations

import numpy as np

#: 6-point eye contours p1..p6 (p1, p4 corners; p2, p3 upper lid; p6, p5 lower lid),
#: the same points as JeFaPaTo's EAR2D6.
EYE = {
    "right": (33, 160, 158, 133, 153, 144),
    "left": (362, 385, 387, 263, 373, 380),
}
#: Brow points: inner, mid, outer (upper brow line).
BROW = {"right": (107, 105, 70), "left": (336, 334, 300)}
MOUTH_CORNER = {"right": 61, "left": 291}
#: Lateral upper and lower outer-lip points.
LIP_LATERAL = {"right": (40, 91), "left": (270, 321)}
UPPER_LIP_MID, LOWER_LIP_MID = 0, 17
#: Rigid points used to measure the eye centres (corners only).
EYE_CORNERS = {"right": (33, 133), "left": (362, 263)}


def ear_2d(pts_px: np.ndarray, side: str) -> float:
    """Eye-aspect ratio (Soukupová & Čech 2016) from the 6-point contour in image pixels."""
    p = pts_px[list(EYE[side]), :2]
    vert = np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])
    horiz = np.linalg.norm(p[0] - p[3])
    return float(vert / (2.0 * horiz)) if horiz > 0 else float("nan")


def pose_angles_deg(matrix: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees from a 4x4 facial transformation matrix (rotation part)."""
    r = np.asarray(matrix, dtype=float)[:3, :3]
    scale = np.cbrt(abs(np.linalg.det(r))) or 1.0
    r = r / scale
    pitch = np.degrees(np.arctan2(-r[1, 2], r[2, 2]))
    yaw = np.degrees(np.arcsin(np.clip(r[0, 2], -1.0, 1.0)))
    roll = np.degrees(np.arctan2(-r[0, 1], r[0, 0]))
    return float(yaw), float(pitch), float(roll)


def to_canonical(
    landmarks: np.ndarray, width: int, height: int, matrix: np.ndarray | None
) -> np.ndarray:
    """Landmarks (N x 3, normalised) → pose-free coordinates in inter-ocular units.

    Pixel coordinates are converted to a right-handed frame with y up and z toward the
    camera (MediaPipe's metric frame), centred, rotated by the inverse head rotation, and
    scaled by the distance between the eye centres. Without a matrix only 2-D roll is removed.
    """
    pts = np.empty_like(landmarks, dtype=float)
    pts[:, 0] = landmarks[:, 0] * width
    pts[:, 1] = -landmarks[:, 1] * height
    pts[:, 2] = -landmarks[:, 2] * width
    pts -= pts.mean(axis=0)
    if matrix is not None:
        r = np.asarray(matrix, dtype=float)[:3, :3]
        u, _, vt = np.linalg.svd(r)  # nearest pure rotation
        pts = pts @ (u @ vt)
    c_r = pts[list(EYE_CORNERS["right"])].mean(axis=0)
    c_l = pts[list(EYE_CORNERS["left"])].mean(axis=0)
    iod = float(np.linalg.norm(c_l - c_r))
    if matrix is None:
        ang = np.arctan2(c_l[1] - c_r[1], c_l[0] - c_r[0])
        c, s = np.cos(-ang), np.sin(-ang)
        rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
        pts = pts @ rot.T
    return pts / iod if iod > 0 else pts * np.nan


def region_measures(canon: np.ndarray) -> dict[str, float]:
    """Pose-normalised region measures per side from canonical landmarks (y up, IOD units).

    Returns keys ``aperture_<side>``, ``corrugator_<side>``, ``frontalis_<side>``,
    ``zygomaticus_<side>``, ``orbicularis_oris_<side>``, ``platysma_<side>``.
    """
    regions = _region_block(np.asarray(canon, dtype=float)[_SUBSET_IDX])
    return {k: float(v) for k, v in zip(REGION_KEYS, regions, strict=True)}


# ------------------------------------------------------------ fast path (one call per frame)
#: The few landmarks the region measures use, and where each sits in that subset.
_SUBSET = sorted(
    {
        *EYE["left"],
        *EYE["right"],
        *BROW["left"],
        *BROW["right"],
        *MOUTH_CORNER.values(),
        *LIP_LATERAL["left"],
        *LIP_LATERAL["right"],
        UPPER_LIP_MID,
        LOWER_LIP_MID,
    }
)
_POS = {j: i for i, j in enumerate(_SUBSET)}
_SUBSET_IDX = np.array(_SUBSET)
_SIDES = ("left", "right")
_EYE_IDX = np.array([EYE[s] for s in _SIDES])  # (2, 6) mesh indices
_EYE_SUB = np.array([[_POS[j] for j in EYE[s]] for s in _SIDES])  # (2, 6) subset positions
_EYE_CORNER_SUB = np.array([[_POS[j] for j in EYE_CORNERS[s]] for s in _SIDES])  # (2, 2)
_BROW_SUB = np.array([[_POS[j] for j in BROW[s]] for s in _SIDES])  # (2, 3)
_CORNER_SUB = np.array([_POS[MOUTH_CORNER[s]] for s in _SIDES])  # (2,)
_LIP_SUB = np.array([[_POS[j] for j in LIP_LATERAL[s]] for s in _SIDES])  # (2, 2)
_MID_SUB = np.array([_POS[UPPER_LIP_MID], _POS[LOWER_LIP_MID]])
#: Output order of :func:`frame_measures`' region block (per region, left then right).
REGION_KEYS: tuple[str, ...] = tuple(
    f"{r}_{s}"
    for r in ("aperture", "corrugator", "frontalis", "zygomaticus", "orbicularis_oris", "platysma")
    for s in _SIDES
)


def _ratio(p: np.ndarray) -> np.ndarray:
    """Eye-aspect ratio of 6-point contours ``p`` (2, 6, D) → (2,), NaN where the width is 0."""
    d = p[:, [1, 2, 0]] - p[:, [5, 4, 3]]
    n = np.sqrt(np.einsum("ijk,ijk->ij", d, d))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n[:, 2] > 0, (n[:, 0] + n[:, 1]) / (2.0 * n[:, 2]), np.nan)


def frame_measures(
    landmarks: np.ndarray, width: int, height: int, matrix: np.ndarray | None
) -> tuple[np.ndarray, tuple[float, float, float] | None, np.ndarray]:
    """All per-frame measures at once: the same values as :func:`ear_2d`,
    :func:`pose_angles_deg` and :func:`region_measures` of :func:`to_canonical`, computed on the
    ~30 landmarks they use (the centring still uses all of them).

    Returns ``(ear[left, right], (yaw, pitch, roll) or None, regions in REGION_KEYS order)``.
    """
    lms = landmarks
    scale = np.array([width, height], dtype=float)
    ear = _ratio(lms[_EYE_IDX, :2] * scale)
    angles = None
    rot = None
    if matrix is not None:
        r = np.asarray(matrix, dtype=float)[:3, :3]
        angles = pose_angles_deg(r)
        u, _, vt = np.linalg.svd(r)
        rot = u @ vt
    k = np.array([width, -height, -width], dtype=float)
    pts = (lms[_SUBSET_IDX] - lms.mean(axis=0)) * k  # centred pixels, y up, z to the camera
    if rot is not None:
        pts = pts @ rot
    c = pts[_EYE_CORNER_SUB].mean(axis=1)  # (2, 3): left, right eye centres
    iod = float(np.linalg.norm(c[0] - c[1]))
    if rot is None:
        ang = np.arctan2(c[0, 1] - c[1, 1], c[0, 0] - c[1, 0])
        cs, sn = np.cos(-ang), np.sin(-ang)
        pts = pts @ np.array([[cs, -sn, 0], [sn, cs, 0], [0, 0, 1]]).T
    pts = pts / iod if iod > 0 else pts * np.nan
    return ear, angles, _region_block(pts)


def _region_block(pts: np.ndarray) -> np.ndarray:
    """Region measures (in :data:`REGION_KEYS` order) from the canonical ``_SUBSET`` points
    (y up, inter-ocular units). Each grows with contraction of its muscle."""
    y = pts[:, 1]
    aperture = _ratio(pts[_EYE_SUB])
    eye_y = 0.5 * (y[_EYE_SUB[:, 0]] + y[_EYE_SUB[:, 3]])
    brow = y[_BROW_SUB]  # inner, mid, outer
    mouth_mid_y = 0.5 * (y[_MID_SUB[0]] + y[_MID_SUB[1]])
    corner = y[_CORNER_SUB]
    up, lo = y[_LIP_SUB[:, 0]], y[_LIP_SUB[:, 1]]
    return np.concatenate(
        [
            aperture,
            -(brow[:, 0] - eye_y),  # corrugator: inner brow pulled down toward the eye line
            0.5 * (brow[:, 1] + brow[:, 2]) - eye_y,  # frontalis: mid and outer brow lifted
            corner - mouth_mid_y,  # zygomaticus: mouth corner lifted above the mouth's mid line
            -(up - lo),  # orbicularis oris: lateral lips pressed together
            corner - lo,  # platysma: lateral lower lip pulled down below the corner
        ]
    )
