"""Fill measured case fields from a ``hemispasm analyze`` video summary (summary.json).

The summary is read tolerantly: if :mod:`hemispasm.events` defines a pydantic summary model it
is used to validate the file first; then per-side values are looked up under several names (the
documented subset in ``docs/clinic.md``). Measured values only fill fields the case leaves empty;
where the case and the video disagree, the disagreement is reported and the case is kept.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from hemispasm._log import get_logger
from hemispasm.clinic.case import FACIAL_MUSCLES, Case, read_mapping
from hemispasm.errors import ValidationError

log = get_logger(__name__)

_SIDE_CONTAINERS = ("sides", "per_side", "by_side", "side")
_ALIASES: dict[str, tuple[str, ...]] = {
    "spasms_per_min": ("spasms_per_min", "spasms_per_minute", "spasm_rate_per_min", "rate_per_min"),
    "pct_time_in_spasm": (
        "pct_time_in_spasm",
        "percent_time_in_spasm",
        "time_in_spasm_pct",
        "pct_time_spasm",
    ),
    "clonic_count": ("clonic_count", "n_clonic", "clonic", "n_clonic_events"),
    "tonic_count": ("tonic_count", "n_tonic", "tonic", "n_tonic_events"),
    "regions": ("regions", "regions_involved", "muscles", "involved_regions"),
    "spread_stage": ("spread_stage", "stage"),
    "severity_score": ("severity_score", "severity_0_100", "severity"),
    "jankovic_severity": ("jankovic_severity", "jrs_severity", "jankovic_severity_est"),
    "jankovic_frequency": ("jankovic_frequency", "jrs_frequency", "jankovic_frequency_est"),
    "smc_grade": ("smc_grade", "smc", "smc_grade_est"),
}
#: Jankovic frequency estimate -> case ``frequency`` (ENGINEERING mapping of the JRS frequency
#: definitions: 4 = eyes closed >50% of waking time -> continuous; 3 -> frequent; 1-2 ->
#: intermittent).
_JRS_FREQ_TO_PATTERN = {1: "intermittent", 2: "intermittent", 3: "frequent", 4: "continuous"}


class SideMeasures(BaseModel):
    """The measured values for one side (None where the summary has no such value)."""

    spasms_per_min: float | None = None
    pct_time_in_spasm: float | None = None
    clonic_count: int | None = None
    tonic_count: int | None = None
    regions: list[str] = Field(default_factory=list)
    spread_stage: Any = None
    severity_score: float | None = None
    jankovic_severity: int | None = None
    jankovic_frequency: int | None = None
    smc_grade: int | None = None


class VideoMeasures(BaseModel):
    """What was read from the video summary and what it filled."""

    source_name: str | None = None
    synthetic: bool = False
    sides: dict[str, SideMeasures] = Field(default_factory=dict)
    affected_side: str | None = None
    measured_fields: dict[str, Any] = Field(default_factory=dict)
    discrepancies: list[str] = Field(default_factory=list)
    model_used: str | None = None


def _events_summary_model() -> type[BaseModel] | None:
    """The events package's pydantic summary model, if it exists (looked up by name)."""
    for modname in ("hemispasm.events.summary", "hemispasm.events"):
        try:
            mod = importlib.import_module(modname)
        except Exception:
            continue
        for name, obj in vars(mod).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseModel)
                and "summary" in name.lower()
                and "side" not in name.lower()
            ):
                return obj
    return None


def _get(d: dict[str, Any], key: str) -> Any:
    for alias in _ALIASES[key]:
        if alias in d and d[alias] is not None:
            return d[alias]
    return None


def _side_dicts(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    for c in _SIDE_CONTAINERS:
        v = summary.get(c)
        if isinstance(v, dict) and any(s in v for s in ("left", "right")):
            return {s: v[s] for s in ("left", "right") if isinstance(v.get(s), dict)}
        if isinstance(v, list):
            out = {}
            for item in v:
                if isinstance(item, dict) and item.get("side") in ("left", "right"):
                    out[item["side"]] = item
            if out:
                return out
    return {s: summary[s] for s in ("left", "right") if isinstance(summary.get(s), dict)}


def _num(v: Any, cast: type = float, *, key: str = "value", side: str = "") -> Any:
    """A measured number, or None when absent or not a number.

    A non-finite (NaN, Infinity) or negative value is refused: a video summary never holds one,
    so the file is damaged or not a summary (issue 10).
    """
    import math

    if v is None:
        return None
    if isinstance(v, dict):  # e.g. {"value": 2, "rule": "..."}
        v = v.get("value", v.get("estimate"))
    if isinstance(v, bool) or v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(f) or f < 0:
        raise ValidationError(
            f"the video summary holds {v!r} for {side + ' ' if side else ''}{key}"[:160],
            hint="re-create it with `hemispasm analyze` (measured values are finite and >= 0)",
        )
    if cast is int:
        return int(f) if f.is_integer() else None
    return f


def _stage(v: Any) -> Any:
    """The spread stage as a small int or a short text, else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int) and 0 <= v <= 10:
        return v
    if isinstance(v, str) and len(v) <= 40:
        return v
    return None


def read_video_summary(source: str | Path | dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Load a summary (path or mapping) into a dict, validated by the events model if present."""
    name = None
    if isinstance(source, (str, Path)):
        data = read_mapping(source, what="video summary")
        name = Path(source).name
    elif not isinstance(source, dict):
        raise ValidationError(
            "video_summary must be a path to a summary.json or its content (a mapping)",
            hint="give the path of `hemispasm analyze`'s summary.json",
        )
    else:
        data = source
    if not isinstance(data, dict):
        raise ValidationError("the video summary is not a JSON object", path=name)
    model = _events_summary_model()
    if model is not None:
        try:
            data = model.model_validate(data).model_dump(mode="json")
        except Exception as exc:
            log.info(
                "video summary did not validate against %s (%s); reading tolerantly",
                model.__name__,
                type(exc).__name__,
            )
    return data, name


def measures_from_summary(summary: dict[str, Any], *, name: str | None = None) -> VideoMeasures:
    """Extract per-side measures from a summary mapping (pure)."""
    sides: dict[str, SideMeasures] = {}
    for side, d in _side_dicts(summary).items():
        jank = d.get("jankovic") if isinstance(d.get("jankovic"), dict) else {}
        regions = _get(d, "regions") or []
        if isinstance(regions, dict):
            regions = [k for k, v in regions.items() if v]
        if not isinstance(regions, list):
            regions = []

        def num(
            key: str, cast: type = float, value: Any = None, side: str = side, d: dict = d
        ) -> Any:
            return _num(_get(d, key) if value is None else value, cast, key=key, side=side)

        sides[side] = SideMeasures(
            spasms_per_min=num("spasms_per_min"),
            pct_time_in_spasm=num("pct_time_in_spasm"),
            clonic_count=num("clonic_count", int),
            tonic_count=num("tonic_count", int),
            regions=[str(r)[:40] for r in regions if isinstance(r, str | int)][:20],
            spread_stage=_stage(_get(d, "spread_stage")),
            severity_score=num("severity_score"),
            jankovic_severity=num(
                "jankovic_severity", int, _get(d, "jankovic_severity") or jank.get("severity")
            ),
            jankovic_frequency=num(
                "jankovic_frequency", int, _get(d, "jankovic_frequency") or jank.get("frequency")
            ),
            smc_grade=num("smc_grade", int),
        )
    prov = summary.get("provenance") if isinstance(summary.get("provenance"), dict) else {}
    synthetic = bool(summary.get("synthetic") or prov.get("synthetic"))
    active = [
        s
        for s, m in sides.items()
        if (m.spasms_per_min or 0) > 0 or (m.clonic_count or 0) + (m.tonic_count or 0) > 0
    ]
    affected = None
    if len(active) == 1:
        affected = active[0]
    elif len(active) == 2:
        affected = "bilateral"
    return VideoMeasures(source_name=name, synthetic=synthetic, sides=sides, affected_side=affected)


def apply_video_summary(
    case: Case, source: str | Path | dict[str, Any]
) -> tuple[Case, VideoMeasures]:
    """Fill empty case fields from a video summary; report disagreements (pure apart from I/O).

    Fields filled (only when empty in the case): ``side``, ``spread_to`` (regions measured as
    involved), ``spasm_type`` (from clonic/tonic counts), ``frequency`` (from the estimated
    Jankovic frequency item). Each filled field is listed in ``measured_fields``.
    """
    data, name = read_video_summary(source)
    try:
        vm = measures_from_summary(data, name=name)
    except ValidationError as exc:
        if exc.path is not None or not isinstance(source, str | Path):
            raise
        raise ValidationError(exc.message, path=source, hint=exc.hint) from None
    update: dict[str, Any] = {}
    if vm.affected_side:
        if case.side is None:
            update["side"] = vm.measured_fields["side"] = vm.affected_side
        elif case.side != vm.affected_side:
            vm.discrepancies.append(
                f"case side '{case.side}' but video shows spasms on '{vm.affected_side}'"
            )
    side = update.get("side") or case.side
    m = vm.sides.get(side) if side in ("left", "right") else None
    if m is not None:
        regions = [r for r in m.regions if r in FACIAL_MUSCLES]
        if regions and not case.spread_to:
            spread = [r for r in regions if r != case.first_muscle]
            if spread:
                update["spread_to"] = vm.measured_fields["spread_to"] = spread
        c, t = m.clonic_count or 0, m.tonic_count or 0
        kind = "both" if c and t else "clonic" if c else "tonic" if t else None
        if kind:
            if case.spasm_type is None:
                update["spasm_type"] = vm.measured_fields["spasm_type"] = kind
            elif case.spasm_type != kind and case.spasm_type != "both":
                vm.discrepancies.append(
                    f"case spasm_type '{case.spasm_type}' but video shows "
                    f"{c} clonic and {t} tonic events"
                )
        if m.jankovic_frequency in _JRS_FREQ_TO_PATTERN and case.frequency is None:
            update["frequency"] = vm.measured_fields["frequency"] = _JRS_FREQ_TO_PATTERN[
                m.jankovic_frequency
            ]
    _fill_face_facts(case, data, update, vm)
    new_case = case.model_copy(update=update) if update else case
    return new_case, vm


def _fill_face_facts(case: Case, data: dict, update: dict, vm: VideoMeasures) -> None:
    """Other Babinski sign, onset region and pattern (clinic.video_face), into empty fields."""
    from hemispasm.clinic.video_face import face_facts

    facts, _ = face_facts(data, update.get("side") or case.side)
    if facts.get("side") == "bilateral":
        if case.side in ("left", "right"):
            vm.discrepancies.append(f"case side '{case.side}' but the video pattern is bilateral")
            facts = {k: v for k, v in facts.items() if k not in ("side", "bilateral_synchronous")}
        elif case.side is None:
            update["side"] = vm.measured_fields["side"] = "bilateral"
    facts.pop("side", None)
    for key, value in facts.items():
        if getattr(case, key) is None and key not in update:
            update[key] = vm.measured_fields[key] = value
        elif key != "side" and getattr(case, key) not in (None, value):
            vm.discrepancies.append(f"case {key} {getattr(case, key)!r} but video shows {value!r}")
    first = update.get("first_muscle")
    if first and "spread_to" in update:
        update["spread_to"] = vm.measured_fields["spread_to"] = [
            m for m in update["spread_to"] if m != first
        ]
