"""Cost of the forehead-lift measure (``video.forehead``) per frame, against the face model's own
cost per frame and against the naive way of computing the same number, in the same run.

Naive = what one writes first (and what the prototype did): warp the WHOLE grey frame to the
reference by the nose similarity transform, crop the forehead band, sample it as the reference
was sampled (``IOD_PX`` pixels per IOD) and run the flow. hemispasm = ``ForeheadTracker``: one warp
that aligns, crops and samples at once, asked only for the band's pixels (OpenCV computes just
the output it is given). The values differ only by the naive way's second interpolation
(the last column).

Then the whole signals extraction of each clip with and without the step (end to end).

Run: ``python benchmarks/bench_forehead.py [--frames 300] [--rounds 3]`` (needs ../shared or
HEMISPASM_SHARED and the model). The landmarks of every frame are found once first; the timed
loops then run the forehead step alone on the decoded frames (held in memory for this
benchmark only: at most ``--frames`` frames of the shared clips).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

SHARED = Path(os.environ.get("HEMISPASM_SHARED", "../shared"))
CLIPS = ("expressive_20s_360p.mp4", "office_2s_1080p.mp4")


def _frames(path: Path, n: int):
    import av

    out = []
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            out.append(f.to_ndarray(format="rgb24"))
            if len(out) >= n:
                break
    return out


def _landmarks(frames, model: str):
    from hemispasm.video.landmarker import Detector

    lms, t_model = [], []
    with Detector(model) as det:
        for i, rgb in enumerate(frames):
            t0 = time.perf_counter()
            r = det.detect(rgb, i * 33 + 1)
            t_model.append(time.perf_counter() - t0)
            lms.append(r.landmarks[0] if r.landmarks else None)
    return lms, t_model


class NaiveTracker:
    """The same measure, warping the whole frame before cropping."""

    def __init__(self) -> None:
        from hemispasm.video.forehead import ForeheadTracker

        self.inner = ForeheadTracker()

    def update(self, rgb, landmarks):
        import cv2

        from hemispasm.video import forehead as fh

        t = self.inner
        if landmarks is None or t.ref is None:
            return t.update(rgb, landmarks)
        h, w = rgb.shape[:2]
        pts = np.asarray(landmarks, dtype=np.float64)[:, :2] * (w, h)
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        m, _ = cv2.estimateAffinePartial2D(pts[list(fh.NOSE)], t.ref["nose"])
        full = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR)
        x0, y0, _, _ = t.ref["box"]
        k = t.ref["scale"]
        sample = np.float64([[k, 0, -k * x0], [0, k, -k * y0]])  # the reference's sampling
        band = cv2.warpAffine(full, sample, t.ref["size"], flags=cv2.INTER_LINEAR)
        flow = cv2.calcOpticalFlowFarneback(t.ref["band"], band, None, *fh.FLOW, 0)
        up = -flow[..., 1] / (t.ref["iod"] * t.ref["scale"])
        mid = float(np.median(up[:, t.ref["mid"][0] : t.ref["mid"][1]]))
        return tuple(
            float(np.median(up[:, a:b])) - mid
            for a, b in (t.ref["cols"]["left"], t.ref["cols"]["right"])
        )


def _time(tracker, frames, lms):
    vals, t = [], []
    for rgb, lm in zip(frames, lms, strict=True):
        t0 = time.perf_counter()
        vals.append(tracker.update(rgb, lm))
        t.append(time.perf_counter() - t0)
    return np.array(vals, dtype=float), t


def main() -> None:
    from hemispasm.video.forehead import ForeheadTracker
    from hemispasm.video.model import resolve_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3, help="end-to-end rounds per clip")
    args = ap.parse_args()
    model = str(resolve_model(None))
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| clip | frames | face model ms/frame | naive forehead ms/frame | hemispasm forehead "
          "ms/frame | speed-up | share of the model's time | max difference (IOD) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for clip in CLIPS:
        frames = _frames(SHARED / "data/video" / clip, args.frames)
        lms, t_model = _landmarks(frames, model)
        v_naive, t_naive = _time(NaiveTracker(), frames, lms)
        v_fast, t_fast = _time(ForeheadTracker(), frames, lms)
        diff = float(np.nanmax(np.abs(v_naive - v_fast)))
        m, a, b = (1000 * statistics.median(x) for x in (t_model, t_naive, t_fast))
        print(f"| {clip} | {len(frames)} | {m:.1f} | {a:.2f} | {b:.2f} | {a / b:.1f}x "
              f"| {100 * b / m:.1f} % | {diff:.1e} |")  # fmt: skip
    end_to_end(args.rounds)


def end_to_end(rounds: int) -> None:
    """The whole signals extraction of each clip (``video_signals``, one worker), with the
    forehead step and with it switched off (``update`` returning NaN at once), interleaved."""
    from hemispasm.video import forehead as fh
    from hemispasm.video.signals import video_signals

    real = fh.ForeheadTracker.update

    def off(self, rgb, landmarks):
        return (float("nan"), float("nan"))

    print()
    print("| clip | rounds | without forehead s | with forehead s | added |")
    print("|---|---|---|---|---|")
    for clip in CLIPS:
        path = SHARED / "data/video" / clip
        t = {"off": [], "on": []}
        for _ in range(rounds):
            for mode in ("off", "on"):
                fh.ForeheadTracker.update = off if mode == "off" else real
                t0 = time.perf_counter()
                video_signals(path, workers=1)
                t[mode].append(time.perf_counter() - t0)
        fh.ForeheadTracker.update = real
        a, b = statistics.median(t["off"]), statistics.median(t["on"])
        print(f"| {clip} | {rounds} | {a:.2f} | {b:.2f} | {100 * (b / a - 1):+.1f} % |")


if __name__ == "__main__":
    main()
