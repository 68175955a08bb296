"""Rendering speed of synthetic frames: hemispasm's renderer vs the naive piecewise-affine warp.

Run: ``python benchmarks/bench_synth.py [--frames 60]`` (needs the face model). Both render the
same face with the same per-frame landmark displacements (a stage-3 tonic spasm with head
motion) at 640x480:

- naive: what one writes first, scikit-image ``PiecewiseAffineTransform`` estimated on the
  moved landmarks (plus the frame border) and ``warp`` for every frame. It squeezes the eye
  but cannot draw a lid over it (the reason hemispasm draws the lid; docs/synth.md).
- hemispasm: precomputed action fields mixed per frame, lid slide, one OpenCV ``remap``,
  lighting and noise (``hemispasm.synth.render.Renderer``).

Prints milliseconds per frame and frames per second of each, measured in the same run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hemispasm.synth.faces import prepare_face
from hemispasm.synth.render import Renderer
from hemispasm.synth.script import activations, make_script
from hemispasm.video.model import resolve_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--naive-frames", type=int, default=10)
    args = ap.parse_args()
    from skimage.transform import PiecewiseAffineTransform, warp

    photo = prepare_face("astronaut", model_path=resolve_model(None))
    rend = Renderer(photo.image, photo.landmarks_px, seed=0)
    script = make_script(side="left", stage=3, seconds=30, seed=3)
    tonic = next(p for p in script.pulses if p.shape == "tonic")
    t = tonic.start_s + np.arange(args.frames) / 30.0
    closure, actions = activations(script, t)
    keys = list(actions)

    t0 = time.perf_counter()
    for i in range(args.frames):
        rend.render(float(t[i]), {k: float(actions[k][i]) for k in keys},
                    {s: float(c[i]) for s, c in closure.items()}, i)  # fmt: skip
    ours = (time.perf_counter() - t0) / args.frames

    h, w = photo.image.shape[:2]
    border = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1], [w / 2, 0],
                       [w / 2, h - 1], [0, h / 2], [w - 1, h / 2]])  # fmt: skip
    index = {k: j for j, k in enumerate(rend.fields.keys)}
    image = photo.image.astype(float) / 255
    t0 = time.perf_counter()
    for i in range(args.naive_frames):
        disp = sum(float(actions[k][i]) * rend.fields.landmark_disp[index[k]] for k in keys)
        m = rend.head_affine(float(t[i]))
        moved = (photo.landmarks_px + disp) @ m[:, :2].T + m[:, 2]
        src, dst = np.vstack([moved, border]), np.vstack([photo.landmarks_px, border])
        if hasattr(PiecewiseAffineTransform, "from_estimate"):  # scikit-image >= 0.26
            tf = PiecewiseAffineTransform.from_estimate(src, dst)
        else:
            tf = PiecewiseAffineTransform()
            tf.estimate(src, dst)
        warp(image, tf, output_shape=(h, w))
    naive = (time.perf_counter() - t0) / args.naive_frames
    print("| renderer | ms per frame | frames/s |\n|---|---|---|")
    print(f"| naive piecewise-affine warp (scikit-image) | {1000 * naive:.1f} | {1 / naive:.1f} |")
    print(f"| hemispasm (fields + lid slide + one remap) | {1000 * ours:.1f} | {1 / ours:.1f} |")
    print(f"\nspeed-up {naive / ours:.1f}x ({args.frames} frames ours, {args.naive_frames} naive)")


if __name__ == "__main__":
    main()
