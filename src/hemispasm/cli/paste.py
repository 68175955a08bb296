"""CLI: ``hemispasm synth-paste`` (SYNTHETIC one-sided eyelid spasms pasted into a real clip)."""

from __future__ import annotations

from pathlib import Path

import typer

from hemispasm.cli._common import say


def _band(text: str) -> tuple[float, float]:
    from hemispasm.errors import InputError

    try:
        lo, hi = (float(x) for x in text.split("-"))
    except ValueError:
        lo = hi = -1.0
    if not 0 < lo < hi <= 1:
        raise InputError(
            f"--band must be LOW-HIGH with 0 < LOW < HIGH <= 1, not {text!r}",
            hint="e.g. --band 0.1-0.3 (fractions of the subject's full blink)",
        )
    return lo, hi


def synth_paste_cmd(
    clip: Path = typer.Argument(..., help="A real clip of one person with at least one blink."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (video.mp4, truth.json)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed (same seed, same video)."),
    per_minute: float = typer.Option(
        24.0, "--per-minute", min=1.0, max=120.0, help="Pasted spasms per minute."
    ),
    band: list[str] = typer.Option(
        None, "--band", help="Peak-depth band LOW-HIGH (repeatable; default 4 bands 10-100 %)."
    ),
    model: Path = typer.Option(None, "--model", help="Face model file (face_landmarker.task)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an earlier run in OUT."),
) -> None:
    """Paste the clip's own real blink onto one eye of its other frames (SYNTHETIC spasms)."""
    from hemispasm.errors import InputError
    from hemispasm.synth.paste import BANDS, paste_video

    if not clip.is_file():
        raise InputError("no such file", path=clip, hint="give a video file of the subject")
    bands = tuple(_band(b) for b in band) if band else BANDS
    res = paste_video(
        clip, out, seed=seed, per_minute=per_minute, bands=bands, model=model, overwrite=overwrite
    )
    t = res.truth
    rows = "\n".join(
        f"  {s.start_s:6.2f}-{s.end_s:6.2f} s  {s.side:5}  depth {s.depth:.0%}  "
        f"{s.n_twitches} twitch(es)"
        for s in t.spasms
    )
    say(
        f"SYNTHETIC: {len(t.spasms)} one-sided eyelid spasm(s) pasted from the real blink at "
        f"frames {t.source_frames[0]}-{t.source_frames[-1]} of {t.clip} (not a patient)\n"
        f"{rows}\nvideo: {res.video}\ntruth: {res.truth_path}"
    )


def register(app: typer.Typer) -> None:
    """Add ``synth-paste``."""
    app.command("synth-paste")(synth_paste_cmd)
