"""SYNTHETIC one-sided eyelid spasms pasted from a subject's own real blink into a real clip.

A real clip (one person) holds a real bilateral blink. Its eye-region pixels at the blink's
partial and full closure frames are pasted onto ONE eye of other frames of the same clip, with
a feathered elliptical mask aligned on that eye's corners and brow (a similarity transform per
frame), so the lid closes on one side only, as in a clonic twitch of hemifacial spasm.

Depth is a fraction of the subject's own full blink: 1.0 pastes the blink's deepest frame, the
depths between come from the blink's partial frames and pixel blends between neighbouring
frames (the target's own eye is depth 0, so a twitch starts and ends on the real eye). The
truth (time, side, peak depth, twitches) is written beside the video, and the video's metadata
say SYNTHETIC, which ``hemispasm analyze`` keeps (docs/validation.md).

The clip is decoded and encoded frame by frame (PyAV); only the few blink frames used as
sources are held in memory. Everything is reproducible from the seed and the clip.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from hemispasm._io import check_out_dir, staged_outputs
from hemispasm._lazy import require
from hemispasm._log import get_logger
from hemispasm.errors import InputError
from hemispasm.provenance import Provenance, sha256_file
from hemispasm.schema import SIDES
from hemispasm.synth.video import CRF

log = get_logger(__name__)

METHOD = "synth.paste_own_blink"
PASTE_COMMENT = (
    "SYNTHETIC one-sided eyelid spasms pasted by hemispasm from the subject's own real blink "
    "frames into a real clip; not a recording of a patient"
)
OUTPUT_NAMES = frozenset({"video.mp4", "truth.json"})
#: Depth bands of the benchmark (fraction of the subject's own full blink).
BANDS = ((0.10, 0.20), (0.20, 0.30), (0.30, 0.50), (0.50, 1.00))
#: Rigid points of each eye used for alignment: the two corners and three brow points.
ALIGN = {"right": (33, 133, 107, 105, 70), "left": (362, 263, 336, 334, 300)}
CORNERS = {"right": (33, 133), "left": (362, 263)}


class PastedSpasm(BaseModel):
    """One pasted one-sided spasm (truth)."""

    start_s: float
    end_s: float
    side: str
    kind: str = "clonic"
    depth: float = Field(description="peak closure, fraction of the subject's own full blink")
    n_twitches: int = 1
    twitch_s: list[float] = Field(default_factory=list, description="start of each twitch")


class PasteTruth(BaseModel):
    """What was pasted where, and from which frames."""

    synthetic: bool = True
    note: str = PASTE_COMMENT
    clip: str
    seed: int
    fps: float
    n_frames: int
    source_frames: list[int]
    source_depth: dict[str, list[float]]
    blink_closure: dict[str, float]
    avoided_s: list[tuple[float, float]]
    spasms: list[PastedSpasm]
    provenance: Provenance | None = None


class PasteResult(BaseModel):
    truth: PasteTruth
    video: Path
    truth_path: Path


def twitch_shape(n: int) -> np.ndarray:
    """A twitch's closure over ``n`` frames (at least 3): fast close (the first 40 % of the
    twitch), slower reopening; sampled at frame centres and scaled to peak 1."""
    n = max(3, n)
    u = (np.arange(n) + 0.5) / n
    s = np.where(
        u < 0.4, np.sin(np.pi / 2 * u / 0.4) ** 2, np.cos(np.pi / 2 * (u - 0.4) / 0.6) ** 2
    )
    return s / s.max()


def plan_spasms(
    n_frames: int,
    fps: float,
    seed: int,
    *,
    avoid_s: list[tuple[float, float]],
    per_minute: float = 24.0,
    margin_s: float = 0.5,
    bands: tuple[tuple[float, float], ...] = BANDS,
) -> tuple[list[PastedSpasm], dict[str, np.ndarray]]:
    """Seeded plan of one-sided twitches and short clonic trains, away from ``avoid_s``.

    Peak depths cycle through ``bands`` in a shuffled order so each band is represented.
    Returns the truth and the per-frame depth of each side.
    """
    rng = np.random.default_rng(seed)
    dur = n_frames / fps
    k = max(1, round(per_minute * dur / 60))
    order = [b for _ in range(k // len(bands) + 1) for b in rng.permutation(len(bands))]
    busy = [(a - margin_s, b + margin_s) for a, b in avoid_s]
    depth = {s: np.zeros(n_frames) for s in SIDES}
    out: list[PastedSpasm] = []
    tries = 0
    while len(out) < k and tries < 2000:
        tries += 1
        lo, hi = bands[order[len(out)]]
        peak = float(rng.uniform(lo, hi))
        side = str(rng.choice(SIDES))
        n_tw = int(rng.choice([1, 1, 2, 3]))
        period = float(rng.uniform(0.2, 0.4))
        lengths = [float(rng.uniform(0.10, min(0.30, 0.9 * period))) for _ in range(n_tw)]
        starts = [i * period for i in range(n_tw)]
        length = starts[-1] + lengths[-1]
        t0 = float(rng.uniform(0.3, dur - length - 0.3)) if dur > length + 0.6 else -1.0
        if t0 < 0 or any(t0 < b and t0 + length > a for a, b in busy):
            continue
        first = round(t0 * fps)
        idx = [first + round(off * fps) for off in starts]
        end = first
        for j, (i0, ln) in enumerate(zip(idx, lengths, strict=True)):
            sh = twitch_shape(round(ln * fps))
            amp = peak * rng.uniform(0.8, 1.0) if j else peak
            seg = depth[side][i0 : i0 + len(sh)]
            depth[side][i0 : i0 + len(sh)] = np.maximum(seg, amp * sh[: len(seg)])
            end = max(end, min(n_frames, i0 + len(sh)))
        busy.append((t0 - 1.0, t0 + length + 1.0))
        out.append(
            PastedSpasm(
                start_s=first / fps,
                end_s=end / fps,
                side=side,
                depth=round(peak, 4),
                n_twitches=n_tw,
                twitch_s=[i / fps for i in idx],
            )
        )
    out.sort(key=lambda s: s.start_s)
    return out, depth


def eye_mask(lms_px: np.ndarray, side: str, shape: tuple[int, int]) -> tuple[np.ndarray, tuple]:
    """Feathered elliptical mask around one eye (1 inside, smooth to 0), and its bounding box."""
    a, b = (lms_px[i, :2] for i in CORNERS[side])
    length = float(np.linalg.norm(b - a))
    c = (a + b) / 2 - np.array([0.0, 0.08 * length])  # a little up: the upper lid moves
    ang = np.arctan2(b[1] - a[1], b[0] - a[0])
    ax, ay = 0.85 * length, 0.6 * length
    h, w = shape
    r = int(np.ceil(ax + 2))
    x0, x1 = max(0, int(c[0]) - r), min(w, int(c[0]) + r + 1)
    y0, y1 = max(0, int(c[1]) - r), min(h, int(c[1]) + r + 1)
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(float)
    dx, dy = xx - c[0], yy - c[1]
    u = (dx * np.cos(ang) + dy * np.sin(ang)) / ax
    v = (-dx * np.sin(ang) + dy * np.cos(ang)) / ay
    rad = np.sqrt(u**2 + v**2)
    m = np.clip((1.0 - rad) / 0.4, 0.0, 1.0)
    return m * m * (3 - 2 * m), (y0, y1, x0, x1)  # smoothstep feather


def _warp(cv2, img: np.ndarray, src_pts: np.ndarray, dst_pts: np.ndarray) -> np.ndarray:
    m, _ = cv2.estimateAffinePartial2D(src_pts.astype(np.float32), dst_pts.astype(np.float32))
    if m is None:
        raise InputError("could not align the eye region between two frames")
    h, w = img.shape[:2]
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _source_frames(table, closure: dict[str, np.ndarray], events) -> tuple[list[int], dict]:
    """The deepest real bilateral blink's frames (one before to one after) and per-side depth."""
    closure = {s: closure[f"closure_{s}"] for s in SIDES}
    t = table["time_s"].to_numpy(float)
    blinks = [e for e in events if e.kind == "blink"]
    if not blinks:
        raise InputError(
            "no real blink found in the clip to paste from",
            hint="give a clip of the subject that contains a blink",
        )
    best = max(blinks, key=lambda e: e.amplitude or 0.0)
    idx = np.flatnonzero((t >= best.start_s - 1e-6) & (t < best.end_s - 1e-6))
    frames = list(range(max(0, int(idx[0]) - 1), min(len(t), int(idx[-1]) + 2)))
    full = {s: float(np.nanmax(closure[s][frames])) for s in SIDES}
    dep = {s: [float(np.clip(closure[s][f] / full[s], 0, 1)) for f in frames] for s in SIDES}
    return frames, {"depth": dep, "full": full}


def _patch(
    cv2, target: np.ndarray, lms_t: np.ndarray, side: str, d: float, src: dict
) -> np.ndarray:
    """Target frame with one eye closed to depth ``d`` from the source frames."""
    depths = np.array([0.0, *src["depth"][side]])
    order = np.argsort(depths, kind="stable")
    depths = depths[order]
    k = int(np.clip(np.searchsorted(depths, d), 1, len(depths) - 1))
    lo, hi = order[k - 1], order[k]
    w = float(np.clip((d - depths[k - 1]) / max(depths[k] - depths[k - 1], 1e-6), 0, 1))
    dst = lms_t[list(ALIGN[side]), :2]

    def img(j: int) -> np.ndarray:
        if j == 0:
            return target.astype(np.float32)
        f = src["frames"][j - 1]
        return _warp(cv2, src["rgb"][f], src["lms"][f][list(ALIGN[side]), :2], dst).astype(
            np.float32
        )

    mask, (y0, y1, x0, x1) = eye_mask(lms_t, side, target.shape[:2])
    a, b = img(lo)[y0:y1, x0:x1], img(hi)[y0:y1, x0:x1]
    blend = (1 - w) * a + w * b
    # match brightness: the source frames' mean colour in the mask to the target's
    tgt = target[y0:y1, x0:x1].astype(np.float32)
    mw = mask[..., None]
    ref_j = int(order[np.argmax(depths > 0)]) if (depths > 0).any() else 0
    if ref_j:
        ref = img(ref_j)[y0:y1, x0:x1]
        # compare on the mask's outer ring (skin, not the lid that moves)
        ring = ((mask > 0.05) & (mask < 0.6))[..., None]
        if ring.any():
            off = (tgt * ring).sum((0, 1)) / ring.sum() - (ref * ring).sum((0, 1)) / ring.sum()
            blend = blend + (w if lo == 0 else 1.0) * off
    out = target.copy()
    out[y0:y1, x0:x1] = np.clip(mw * blend + (1 - mw) * tgt, 0, 255).astype(np.uint8)
    return out


def paste_video(
    clip: str | Path,
    out_dir: str | Path,
    *,
    seed: int = 0,
    per_minute: float = 24.0,
    bands: tuple[tuple[float, float], ...] = BANDS,
    model: str | Path | None = None,
    overwrite: bool = False,
) -> PasteResult:
    """Paste SYNTHETIC one-sided eyelid spasms from the clip's own real blink into the clip.

    Writes ``video.mp4`` (H.264, metadata comment SYNTHETIC) and ``truth.json``
    (:class:`PasteTruth`) into ``out_dir``, atomically.

    Parameters
    ----------
    clip : str or Path
        A real clip of one person that contains at least one real blink.
    out_dir : str or Path
        Output folder (new or empty, or an earlier run's with ``overwrite``).
    seed : int
        The same seed and clip give the same spasms and the same pixels.
    per_minute : float
        Pasted spasms per minute (at least one).
    bands : tuple of (low, high)
        Peak-depth bands (fractions of the subject's full blink), cycled in a seeded order.
    model : str or Path, optional
        Face model (``hemispasm models``), used to find the landmarks of every frame.
    """
    av = require("av")
    cv2 = require("cv2")
    from hemispasm.events import analyze_signals
    from hemispasm.video.reader import iter_frames
    from hemispasm.video.signals import video_signals

    clip = Path(clip)
    check_out_dir(out_dir, overwrite=overwrite, owned=OUTPUT_NAMES)
    sig = video_signals(clip, model=model, landmarks=True, workers=1, synthetic=False)
    table, fps = sig.table, float(sig.meta.fps)
    lms = sig.landmarks
    n = len(table)
    h, w = int(sig.meta.height), int(sig.meta.width)
    real = analyze_signals(table, fps=fps)
    frames, src_info = _source_frames(table, real.traces, real.events)
    avoid = [(e.start_s, e.end_s) for e in real.events]
    t = table["time_s"].to_numpy(float)
    avoid.append((float(t[frames[0]]), float(t[frames[-1]])))
    face = table["face"].to_numpy(bool)
    spasms, depth = plan_spasms(n, fps, seed, avoid_s=avoid, per_minute=per_minute, bands=bands)
    for s in SIDES:  # never paste on a frame without a face
        depth[s][~face] = 0.0

    need = set(frames)
    src = {"frames": frames, "depth": src_info["depth"], "rgb": {}, "lms": {}}
    for i, _, rgb in iter_frames(clip):
        if i in need:
            src["rgb"][i] = rgb
            src["lms"][i] = lms[i][:, :2] * [w, h]
        if i >= frames[-1]:
            break

    prov = Provenance(
        method=METHOD,
        parameters={
            "seed": seed,
            "per_minute": per_minute,
            "bands": [list(b) for b in bands],
            "crf": CRF,
            "mask": "ellipse",
        },
        input_name=clip.name,
        input_sha256=sha256_file(clip),
        synthetic=True,
    )
    truth = PasteTruth(
        clip=clip.name,
        seed=seed,
        fps=fps,
        n_frames=n,
        source_frames=frames,
        source_depth={s: [round(x, 4) for x in v] for s, v in src_info["depth"].items()},
        blink_closure={s: round(v, 4) for s, v in src_info["full"].items()},
        avoided_s=[(round(a, 3), round(b, 3)) for a, b in avoid],
        spasms=spasms,
        provenance=prov,
    )
    with staged_outputs(out_dir, replace=OUTPUT_NAMES) as stage:
        dest = stage / "video.mp4"
        with av.open(str(dest), mode="w", format="mp4") as c:
            c.metadata["comment"] = PASTE_COMMENT
            c.metadata["title"] = "SYNTHETIC pasted one-sided eyelid spasms (hemispasm)"
            st = c.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
            st.width, st.height, st.pix_fmt = w, h, "yuv420p"
            st.options = {"crf": str(CRF), "preset": "veryfast"}
            count = 0
            for i, _, rgb in iter_frames(clip):
                if i >= n:
                    break
                img = rgb
                for s in SIDES:
                    if depth[s][i] > 1e-3:
                        img = _patch(cv2, img, lms[i][:, :2] * [w, h], s, float(depth[s][i]), src)
                for pkt in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                    c.mux(pkt)
                count += 1
            for pkt in st.encode():
                c.mux(pkt)
        truth.n_frames = count
        (stage / "truth.json").write_text(truth.model_dump_json(indent=2) + "\n", "utf-8")
    out = Path(out_dir)
    log.info("pasted %d SYNTHETIC one-sided spasms into %s (seed %d)", len(spasms), clip.name, seed)
    return PasteResult(truth=truth, video=out / "video.mp4", truth_path=out / "truth.json")


def load_truth(path: str | Path) -> PasteTruth:
    """Read a ``truth.json`` written by :func:`paste_video`."""
    return PasteTruth.model_validate(json.loads(Path(path).read_text("utf-8")))
