"""Contact sheets of the whole-face SYNTHETIC movements (issue 15), into docs/img/.

Run: ``python benchmarks/face_sheets.py`` (needs the face model). One sheet per kind: a
lower-face-onset spasm (lips, then cheek, then eye), an eye spasm with and without the other
Babinski sign, a blepharospasm-like closure of both eyes, and voluntary expressions. Frames are
rendered from the same script as the videos (:func:`hemispasm.synth.activations`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _frames(script, times, renderer):
    from hemispasm.synth import activations

    t = np.asarray(times, dtype=float)
    closure, actions = activations(script, t)
    return [
        renderer.render(float(t[i]), {k: float(v[i]) for k, v in actions.items()},
                        {s: float(c[i]) for s, c in closure.items()}, i)
        for i in range(len(t))
    ]  # fmt: skip


def sheet(dest: Path, rows: list[tuple[str, list, list[str]]], title: str, crop) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ncol = max(len(r[1]) for r in rows)
    fig, axes = plt.subplots(len(rows), ncol, figsize=(2.6 * ncol, 2.7 * len(rows)), squeeze=False)
    for (name, imgs, labels), ax_row in zip(rows, axes, strict=True):
        for ax, img, lab in zip(ax_row, imgs, labels, strict=False):
            ax.imshow(img[crop])
            ax.set_title(f"{name}: {lab}" if lab == labels[0] else lab, fontsize=9)
        for ax in ax_row:
            ax.axis("off")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(dest, dpi=90)
    plt.close(fig)


def main() -> None:
    from hemispasm.synth.faces import prepare_face
    from hemispasm.synth.render import Renderer
    from hemispasm.synth.script import make_script
    from hemispasm.video.model import resolve_model

    photo = prepare_face("astronaut", model_path=resolve_model(None))
    rend = Renderer(photo.image, photo.landmarks_px, seed=0)
    c = photo.landmarks_px.mean(axis=0).astype(int)
    crop = (slice(c[1] - 150, c[1] + 140), slice(c[0] - 130, c[0] + 130))
    rows = []
    low = make_script(side="right", stage=2, seed=3, onset="lower", seconds=30)
    e = next(e for e in low.events if e.is_spasm)
    ts = [e.start_s - 0.3, e.start_s + 0.15, e.start_s + 0.35, e.start_s + 0.5, e.end_s + 0.3]
    rows.append(("lower onset", _frames(low, ts, rend),
                 ["before", "lips", "lips + cheek", "peak", "after"]))  # fmt: skip
    for b2 in (True, False):
        s = make_script(side="right", stage=3, seed=3, babinski2=b2, seconds=30)
        e = next(e for e in s.events if e.kind == "tonic")
        ts = [e.start_s - 0.3, e.start_s + 0.1, e.start_s + 0.4, (e.start_s + e.end_s) / 2]
        rows.append((f"Babinski-2 {'on' if b2 else 'off'}", _frames(s, ts, rend),
                     ["before", "onset", "tonic", "mid"]))  # fmt: skip
    bl = make_script(pattern="blepharospasm", seed=1, seconds=30)
    e = next(e for e in bl.events if e.kind == "voluntary")
    ts = [e.start_s - 0.3, e.start_s + 0.2, (e.start_s + e.end_s) / 2, e.end_s + 0.3]
    rows.append(("blepharospasm-like", _frames(bl, ts, rend),
                 ["before", "closing", "both shut", "after"]))  # fmt: skip
    ex = make_script(pattern="expressions", seed=2, seconds=40)
    vol = [e for e in ex.events if e.kind == "voluntary"][:5]
    ts = [(e.start_s + e.end_s) / 2 for e in vol]
    labels = [", ".join(e.regions).replace("_", " ") for e in vol]
    rows.append(("expressions", _frames(ex, ts, rend), labels))
    sheet(
        ROOT / "docs/img/synth_face_sheet.png",
        rows,
        "SYNTHETIC whole-face movements (astronaut photo; subject's RIGHT = image left)",
        crop,
    )


if __name__ == "__main__":
    main()
