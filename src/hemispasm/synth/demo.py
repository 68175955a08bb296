"""``hemispasm demo``: a synthetic stage-2 left-sided case, analysed and compared with its truth."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hemispasm._io import check_out_dir, staged_outputs, write_json_atomic
from hemispasm.synth.compare import Comparison, compare_events

Progress = Callable[[str, int, int], None]
#: What the demo writes (an output folder holds one run; ``overwrite`` replaces it).
OUTPUT_NAMES = frozenset({"synthetic", "analysis", "comparison.json"})


@dataclass
class DemoResult:
    """The demo's synthetic video, its analysis, and the truth-vs-detected comparison."""

    synth: object  # hemispasm.synth.SynthResult
    analysis: object  # hemispasm.pipeline.AnalysisResult
    comparison: Comparison
    files: dict[str, Path]


def evaluate(script, summary, events) -> Comparison:
    """Compare an analysis (summary + events) with a synthetic script's truth.

    The estimated stage is the SMC grade estimated from the video (the synthetic stages follow
    the SMC grades; the video estimate never gives IV, see docs/events.md).
    """
    side = script.side
    est = summary.sides[side].smc_grade
    return compare_events(
        script.events,
        events,
        true_stage=script.stage,
        estimated_stage=est.value if est is not None else 0,
        true_side=side if script.stage > 0 else "none",
        estimated_side=summary.affected_side,
    )


def run_demo(
    out_dir: str | Path = "hemispasm-demo",
    *,
    side: str = "left",
    stage: int = 2,
    seconds: float = 30.0,
    seed: int = 7,
    face: str | Path = "astronaut",
    model: str | Path | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> DemoResult:
    """Generate a synthetic case, analyse it and compare the events with the truth.

    Writes ``OUT/synthetic/`` (``video.mp4``, ``truth.json``), ``OUT/analysis/`` (what
    ``hemispasm analyze`` writes, report included) and ``OUT/comparison.json``, all at the end
    (a failure leaves nothing). ``OUT`` must be new or empty, or hold an earlier demo with
    ``overwrite``.
    """
    from hemispasm.pipeline import analyze
    from hemispasm.synth.video import synth_video

    # fail before the long work when the folder is unusable (without creating it)
    out = check_out_dir(out_dir, overwrite=overwrite, owned=OUTPUT_NAMES)
    with staged_outputs(out, replace=OUTPUT_NAMES) as staging:
        synth = synth_video(
            staging / "synthetic",
            side=side,
            stage=stage,
            seconds=seconds,
            seed=seed,
            face=face,
            model=model,
            progress=(lambda d, t: progress("render", d, t)) if progress else None,
        )
        result = analyze(
            synth.video,
            staging / "analysis",
            model=model,
            progress=(lambda d, t: progress("analyse", d, t)) if progress else None,
        )
        comparison = evaluate(synth.script, result.summary, result.analysis.events)
        payload = {"synthetic": True, **json.loads(comparison.model_dump_json())}
        write_json_atomic(staging / "comparison.json", payload)
    synth = dataclasses.replace(
        synth, video=out / "synthetic" / "video.mp4", truth=out / "synthetic" / "truth.json"
    )
    result.files = {name: out / "analysis" / name for name in result.files}
    files = {
        "video": synth.video,
        "truth": synth.truth,
        "report": result.files["report.html"],
        "summary": result.files["summary.json"],
        "comparison": out / "comparison.json",
    }
    return DemoResult(synth=synth, analysis=result, comparison=comparison, files=files)
