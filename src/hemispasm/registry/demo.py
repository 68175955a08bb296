"""A synthetic registry for demos, tests and benchmarks (``hemispasm registry demo``).

Every patient is SYNTHETIC (``patient.synthetic = true``; name ``Synthetic Patient ...``, record
number ``SYN-...``): generated from published figures, never from a person. Each figure is a
:class:`Figure` in :data:`FIGURES` with its source key (``docs/references.md``, section
"Registry demo cohort"); figures that are estimates or engineering choices say so
(``estimate=True``).

:func:`simulate_cohort` is pure (a seed gives the same cohort, row for row); :func:`generate_demo`
writes it with bulk inserts (executemany) in one transaction and appends one audit row per
inserted row, in the format and hash chain of :mod:`hemispasm.registry.audit`.
The cohort's first MVD also gets a SYNTHETIC intraoperative LSR recording (the EMG simulator,
analysed by the registry's ``analyse_emg`` as ``record add`` does, the EDF stored in the
recordings folder) so that the web app's MVD / LSR page has something to show.
"""

from __future__ import annotations

import datetime as _dt
import functools
import time
from typing import Any

import numpy as np
from pydantic import BaseModel

from hemispasm._log import get_logger
from hemispasm.errors import ValidationError

log = get_logger(__name__)


class Figure(BaseModel):
    """One published figure (or marked estimate) the synthetic cohort is drawn from."""

    value: Any
    what: str
    source: str
    estimate: bool = False


def _f(value: Any, what: str, source: str, estimate: bool = False) -> Figure:
    return Figure(value=value, what=what, source=source, estimate=estimate)


#: The figures of the synthetic cohort.
FIGURES: dict[str, Figure] = {
    "female_share": _f(0.61, "share of women (158 patients, 61% women)", "wang_jankovic1998"),
    "bilateral_share": _f(0.004, "bilateral HFS (0.4% of 1642 cases)", "han2009"),
    "left_share": _f(0.56, "left side affected (56%)", "wang_jankovic1998"),
    "onset_age": _f(
        (48.5, 14.1, 15, 87), "age at onset mean, SD, range (years)", "wang_jankovic1998"
    ),
    "presentation_delay_years": _f(
        (0.5, 5.0), "years from onset to the first registry visit (uniform)", "engineering", True
    ),
    "smc_at_presentation": _f(
        (25, 48, 33, 12), "patients with SMC grade I, II, III, IV before surgery", "lee2012_smc"
    ),
    "hfs7_by_smc": _f(
        ((9, 0, 17), (12, 1, 25), (16, 2, 23), (17, 3, 24)),
        "HFS-7 score per SMC grade: median (range)",
        "lee2012_smc",
    ),
    "toxin_share": _f(0.696, "patients treated with toxin (110 of 158)", "wang_jankovic1998"),
    "toxin_interval_weeks": _f(
        (13.0, 17.4), "weeks between sessions, uniform ('every 3 to 4 months')", "rosenstengel2012"
    ),
    "benefit_weeks": _f(
        (14.9, 6.5, 4.0, 30.0),
        "benefit duration mean, SD (3.43 ± 1.5 months) and clip range (weeks)",
        "moin2017",
    ),
    "benefit_within_patient_cv": _f(
        0.08, "session-to-session variation of a patient's benefit (log SD)", "engineering", True
    ),
    "peak_improvement_pct": _f(
        (73.7, 15.0), "mean improvement 73.7%; the SD 15 is an estimate", "sorgun2015", True
    ),
    "onset_days": _f((3.8, 2.6), "onset of effect mean, SD (days)", "moin2017"),
    "peak_days": _f(
        (7, 10),
        "maximum effect reached over 7-10 days (patient page: weak)",
        "eye_clinic_page",
        True,
    ),
    "first_total_units": _f(
        (28.6, 4.9), "onabotulinumtoxinA units per session on the affected side", "choe_kim2016"
    ),
    "units_per_site": _f(2.0, "units per injection site (essential HFS)", "choe_kim2016"),
    "dose_rise_years": _f(3.46, "years over which the dose rises, then stabilises", "dantas2025"),
    "dose_rise_per_year": _f(
        0.10, "relative dose rise per year during that period", "engineering", True
    ),
    "abo_share": _f(
        0.15, "patients on abobotulinumtoxinA instead of onabotulinumtoxinA", "engineering", True
    ),
    "ona_to_abo": _f(
        (2.5, 3.0), "abobotulinumtoxinA units per onabotulinumtoxinA unit", "ona_abo_review"
    ),
    "waning_share": _f(
        0.10,
        "toxin patients whose benefit shortens (on average it does not wane in HFS)",
        "can_j_neurol_sci2010",
        True,
    ),
    "toxin_adverse_event": _f(
        0.203, "sessions with an adverse effect (79.7% had none)", "sorgun2015"
    ),
    "toxin_ae_mix": _f(
        (17.9, 3.3), "hemifacial weakness vs ptosis (relative frequency)", "dantas2025"
    ),
    "cycle_follow_up_share": _f(
        0.10, "toxin cycles with dated follow-up ratings", "engineering", True
    ),
    "oral_share": _f(0.139, "patients given an oral drug (15 of 108, adjunctive)", "mauriello1996"),
    "oral_response": _f(
        (0.4, 0.4, 0.2),
        "oral drug response none / mild / moderate ('response rate is low'; clonazepam no "
        "better than placebo)",
        "kemp_reich2004",
        True,
    ),
    "mvd_share": _f(0.158, "patients who had MVD (25 of 158)", "wang_jankovic1998"),
    "mvd_cure": _f(0.911, "complete resolution after MVD", "miller_miller2012"),
    "mvd_recurrence": _f(0.024, "recurrence after resolution", "miller_miller2012"),
    "mvd_not_cured_improved": _f(
        0.5, "of the not cured: improved (5) vs no benefit (5)", "auger1986"
    ),
    "mvd_time_to_free": _f(
        ((0, 7, 62), (7, 30, 28), (30, 90, 38), (90, 180, 25), (180, 365, 17), (365, 730, 5)),
        "days to spasm-free: (from, to, patients) of 175; the last bin's end is an estimate",
        "jnsb2022_delayed_cure",
    ),
    "mvd_complications": _f(
        {
            "facial_palsy": (0.095, 0.009),
            "hearing_loss": (0.032, 0.023),
            "csf_leak": (0.014, 0.0),
        },
        "transient and permanent complication rates",
        "miller_miller2012",
    ),
    "aica_share": _f(0.378, "AICA the offending vessel", "neurolindia2017"),
    "follow_up_years": _f(
        (1.0, 8.0),
        "years of follow-up, uniform (median toxin treatment period 59 months; the uniform "
        "shape and range are an estimate)",
        "mauriello1996",
        True,
    ),
}

#: The calendar window of the synthetic cohort (fixed, so a seed gives the same dates).
FIRST_VISIT_RANGE = (_dt.date(2012, 1, 1), _dt.date(2021, 12, 31))
END_OF_DATA = _dt.date(2026, 6, 30)
_MUSCLES_BY_SMC = {
    1: ["orbicularis_oculi"],
    2: ["orbicularis_oculi", "zygomaticus", "orbicularis_oris"],
    3: ["orbicularis_oculi", "corrugator", "zygomaticus", "orbicularis_oris"],
    4: ["orbicularis_oculi", "corrugator", "zygomaticus", "orbicularis_oris", "platysma"],
}
MAX_PATIENTS = 1_000_000
_ID_CHARS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # the alphabet of models.new_patient_id


def _v(key: str) -> Any:
    return FIGURES[key].value


def _response(pct: float) -> str:
    # ENGINEERING mapping of improvement to the global response vocabulary
    if pct < 10:
        return "none"
    if pct < 40:
        return "mild"
    if pct < 70:
        return "moderate"
    if pct < 95:
        return "marked"
    return "complete"


class Cohort(BaseModel):
    """A synthetic cohort as rows per table (ids local to the cohort, starting at 1)."""

    seed: int
    tables: dict[str, list[dict[str, Any]]]

    def count(self, table: str) -> int:
        """Number of rows of ``table``."""
        return len(self.tables.get(table, []))


class _Ids:
    def __init__(self) -> None:
        self.n: dict[str, int] = {}

    def next(self, table: str) -> int:
        self.n[table] = self.n.get(table, 0) + 1
        return self.n[table]


def _date(d0: _dt.date, days: float) -> _dt.date:
    return d0 + _dt.timedelta(days=round(days))


def _patient_rows(
    rng: np.random.Generator, k: int, seed: int, ids: _Ids, t: dict[str, list[dict[str, Any]]]
) -> None:
    pid = "HS-" + "".join(_ID_CHARS[i] for i in rng.integers(0, len(_ID_CHARS), 8))
    sex = "female" if rng.random() < _v("female_share") else "male"
    if rng.random() < _v("bilateral_share"):
        side = "bilateral"
    else:
        side = "left" if rng.random() < _v("left_share") else "right"
    mu, sd, lo, hi = _v("onset_age")
    onset_age = int(np.clip(round(rng.normal(mu, sd)), lo, hi))
    delay = rng.uniform(*_v("presentation_delay_years"))
    span = (FIRST_VISIT_RANGE[1] - FIRST_VISIT_RANGE[0]).days
    first = _date(FIRST_VISIT_RANGE[0], rng.uniform(0, span))
    end = min(END_OF_DATA, _date(first, 365.25 * rng.uniform(*_v("follow_up_years"))))
    age_first = onset_age + delay
    birth = _date(first, -365.25 * age_first - rng.uniform(0, 365))
    t["patient"].append(
        {"id": pid, "synthetic": True, "sex": sex, "side": side, "onset_age": onset_age}
    )
    t["patient_identity"].append(
        {
            "id": ids.next("patient_identity"),
            "patient_id": pid,
            "name": f"Synthetic Patient {seed}-{k}",
            "birth_date": birth,
            "mrn": f"SYN-{seed}-{k}",
        }
    )

    def visit(d: _dt.date) -> int:
        vid = ids.next("visit")
        t["visit"].append(
            {"id": vid, "patient_id": pid, "date": d, "clinician": "synthetic", "notes": None}
        )
        return vid

    smc_w = np.array(_v("smc_at_presentation"), float)
    smc = int(rng.choice(4, p=smc_w / smc_w.sum())) + 1
    med, lo7, hi7 = _v("hfs7_by_smc")[smc - 1]

    def scales(vid: int, d: _dt.date, grade: int, hfs7: float) -> None:
        for scale, total, source, items in (
            ("smc", float(grade), "clinician", {"grade": grade}),
            ("hfs7", float(hfs7), "patient", {}),
        ):
            t["scale_score"].append(
                {
                    "id": ids.next("scale_score"),
                    "patient_id": pid,
                    "visit_id": vid,
                    "analysis_id": None,
                    "date": d,
                    "scale": scale,
                    "total": total,
                    "items": items,
                    "source": source,
                    "interpretation": "synthetic",
                }
            )

    hfs7 = float(np.clip(round(rng.normal(med, (hi7 - lo7) / 4)), lo7, hi7))
    v0 = visit(first)
    scales(v0, first, smc, hfs7)
    if rng.random() < _v("oral_share"):
        drug = "carbamazepine" if rng.random() < 0.5 else "clonazepam"  # ENGINEERING split
        dose = 400.0 if drug == "carbamazepine" else 1.0  # mg/day (see docs/references.md)
        resp = str(rng.choice(["none", "mild", "moderate"], p=_v("oral_response")))
        t["drug_course"].append(
            {
                "id": ids.next("drug_course"),
                "patient_id": pid,
                "drug": drug,
                "dose_mg_per_day": dose,
                "start_date": first,
                "stop_date": _date(first, rng.uniform(28, 180)),
                "response": resp,
                "side_effects": [],
                "stopped_for_side_effects": False,
            }
        )
    toxin = rng.random() < _v("toxin_share")
    mvd = rng.random() < _v("mvd_share")
    d = _date(first, 7 * rng.uniform(0, 4))
    last_toxin = first
    if toxin:
        abo = rng.random() < _v("abo_share")
        product, brand = (
            ("abobotulinumtoxinA", "Dysport")
            if abo
            else (
                "onabotulinumtoxinA",
                "Botox",
            )
        )
        factor = rng.uniform(*_v("ona_to_abo")) if abo else 1.0
        bm, bsd, blo, bhi = _v("benefit_weeks")
        mean_benefit = float(np.clip(rng.normal(bm, bsd), blo, bhi))
        pm, psd = _v("peak_improvement_pct")
        mean_peak = float(np.clip(rng.normal(pm, psd), 5, 100))
        um, usd = _v("first_total_units")
        units0 = max(6.0, rng.normal(um, usd))
        wanes = rng.random() < _v("waning_share")
        muscles = _MUSCLES_BY_SMC[smc]
        mvd_after = end
        if mvd:
            mvd_after = _date(first, (end - first).days * rng.uniform(0.3, 0.8))
        n = 0
        while d <= mvd_after:
            years = (d - first).days / 365.25
            rise = 1 + _v("dose_rise_per_year") * min(years, _v("dose_rise_years"))
            total_ona = units0 * rise
            benefit = mean_benefit * float(np.exp(rng.normal(0, _v("benefit_within_patient_cv"))))
            peak = float(np.clip(mean_peak + rng.normal(0, 5), 0, 100))
            if wanes and n >= 3:
                benefit *= 0.6  # ESTIMATE: the waning subset loses 40% of its benefit
                peak *= 0.8
            vid = visit(d)
            sid = ids.next("toxin_session")
            t["toxin_session"].append(
                {
                    "id": sid,
                    "patient_id": pid,
                    "visit_id": vid,
                    "date": d,
                    "product_inn": product,
                    "brand": brand,
                    "vial_units": 500.0 if abo else 100.0,
                    "dilution_ml": 2.5 if abo else 2.0,
                    "lot": f"SYN{seed % 100:02d}{n:03d}",
                    "response": _response(peak),
                    "peak_improvement_pct": round(peak, 1),
                    "benefit_weeks": round(benefit, 1),
                }
            )
            sites = max(len(muscles), round(total_ona / _v("units_per_site")))
            oo = max(1, round(sites * (0.6 if len(muscles) > 1 else 1.0)))  # ENGINEERING split
            rest = sites - oo
            split = [oo] + [max(1, rest // (len(muscles) - 1)) for _ in muscles[1:]]
            per_site = total_ona / sum(split)
            for m, pts in zip(muscles, split, strict=True):
                t["toxin_injection"].append(
                    {
                        "id": ids.next("toxin_injection"),
                        "session_id": sid,
                        "muscle": m,
                        "side": side if side != "bilateral" else "left",
                        "units": round(per_site * pts * factor, 1),
                        "points": int(pts),
                    }
                )
            if rng.random() < _v("toxin_adverse_event"):
                wk, pt = _v("toxin_ae_mix")
                ev = "facial_weakness" if rng.random() < wk / (wk + pt) else "ptosis"
                onset = _date(d, rng.uniform(3, 10))
                t["adverse_event"].append(
                    {
                        "id": ids.next("adverse_event"),
                        "patient_id": pid,
                        "toxin_session_id": sid,
                        "surgery_id": None,
                        "drug_course_id": None,
                        "onset_date": onset,
                        "event": ev,
                        "severity": "mild",
                        "resolved_date": _date(onset, rng.uniform(14, 42)),
                        "permanent": False,
                    }
                )
            if rng.random() < _v("cycle_follow_up_share"):
                om, osd = _v("onset_days")
                on_day = max(1.0, rng.normal(om, osd))
                pk_day = max(on_day + 1, rng.uniform(*_v("peak_days")))
                for day, pct in (
                    (on_day, round(peak * 0.3, 1)),
                    (pk_day, round(peak, 1)),
                    (7 * benefit + 7, 0.0),
                ):
                    t["follow_up"].append(
                        {
                            "id": ids.next("follow_up"),
                            "patient_id": pid,
                            "visit_id": None,
                            "surgery_id": None,
                            "date": _date(d, day),
                            "spasm_free": False,
                            "improvement_pct": pct,
                            "pgi": None,
                            "house_brackmann": None,
                        }
                    )
            if n > 0 and n % 3 == 0:  # roughly yearly scale scores (ENGINEERING)
                scales(vid, d, smc, float(np.clip(round(hfs7 * (1 - peak / 200)), 0, 28)))
            last_toxin = d
            n += 1
            d = _date(d, 7 * rng.uniform(*_v("toxin_interval_weeks")))
    if mvd:
        op = _date(max(last_toxin, first), rng.uniform(30, 120))
        if op <= END_OF_DATA:
            _mvd_rows(rng, pid, side, op, ids, t, visit)


def _mvd_rows(
    rng: np.random.Generator,
    pid: str,
    side: str,
    op: _dt.date,
    ids: _Ids,
    t: dict[str, list[dict[str, Any]]],
    visit: Any,
) -> None:
    comps = []
    palsy = None
    for name, (transient, permanent) in _v("mvd_complications").items():
        u = rng.random()
        if u < permanent:
            comps.append({"name": name, "permanent": True})
            palsy = "permanent" if name == "facial_palsy" else palsy
        elif u < permanent + transient:
            comps.append({"name": name, "permanent": False})
            palsy = "transient" if name == "facial_palsy" else palsy
    sid = ids.next("surgery")
    t["surgery"].append(
        {
            "id": sid,
            "patient_id": pid,
            "date": op,
            "procedure": "mvd",
            "side": side if side != "bilateral" else "left",
            "offending_vessels": ["AICA"] if rng.random() < _v("aica_share") else ["other"],
            "technique": "synthetic",
            "lsr_recording_id": None,
            "lsr_disappeared": None,
            "complications": comps,
        }
    )
    for c in comps:
        t["adverse_event"].append(
            {
                "id": ids.next("adverse_event"),
                "patient_id": pid,
                "toxin_session_id": None,
                "surgery_id": sid,
                "drug_course_id": None,
                "onset_date": _date(op, 1),
                "event": c["name"],
                "severity": "moderate",
                "resolved_date": None if c["permanent"] else _date(op, rng.uniform(30, 180)),
                "permanent": c["permanent"],
            }
        )
    cured = rng.random() < _v("mvd_cure")
    free_day = None
    improved = False
    if cured:
        bins = _v("mvd_time_to_free")
        w = np.array([b[2] for b in bins], float)
        lo, hi, _ = bins[int(rng.choice(len(bins), p=w / w.sum()))]
        free_day = rng.uniform(lo, hi)
    else:
        improved = rng.random() < _v("mvd_not_cured_improved")
    recur_day = None
    if cured and rng.random() < _v("mvd_recurrence"):
        recur_day = free_day + rng.uniform(365, 3 * 365)  # ESTIMATE: 1-3 years later
    days = [
        7,
        91,
        365,
        730,
        1095,
    ]  # ENGINEERING follow-up schedule (1 week, 3 and 12 months, yearly)
    if free_day is not None and free_day > 7:
        days.append(float(free_day))
    for day in sorted(days):
        when = _date(op, day)
        if when > END_OF_DATA:
            break
        free = free_day is not None and day >= free_day and (recur_day is None or day < recur_day)
        pct = 100.0 if free else (50.0 if (improved or (free_day is not None)) else 0.0)
        hb = 1
        if palsy == "permanent" or (palsy == "transient" and day < 91):
            hb = 3 if day < 91 else 2
        vid = visit(when)
        t["follow_up"].append(
            {
                "id": ids.next("follow_up"),
                "patient_id": pid,
                "visit_id": vid,
                "surgery_id": sid,
                "date": when,
                "spasm_free": free,
                "improvement_pct": pct,
                "pgi": None,
                "house_brackmann": hb,
            }
        )


TABLE_ORDER = (
    "patient",
    "patient_identity",
    "visit",
    "recording",
    "analysis",
    "toxin_session",
    "toxin_injection",
    "drug_course",
    "surgery",
    "follow_up",
    "adverse_event",
    "scale_score",
)


def simulate_cohort(*, patients: int, seed: int) -> Cohort:
    """Draw a synthetic cohort (pure: the same seed gives the same rows).

    Parameters
    ----------
    patients : int
        Number of synthetic patients (1 to 1,000,000).
    seed : int
        Random seed (>= 0).

    Raises
    ------
    hemispasm.errors.ValidationError
        ``patients`` or ``seed`` out of range.
    """
    if not 1 <= patients <= MAX_PATIENTS:
        raise ValidationError(
            f"--patients must be between 1 and {MAX_PATIENTS:,}, not {patients}",
            hint="give e.g. --patients 100",
        )
    if seed < 0:
        raise ValidationError(f"--seed must be 0 or more, not {seed}")
    rng = np.random.default_rng(seed)
    ids = _Ids()
    t: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLE_ORDER}
    for k in range(patients):
        _patient_rows(rng, k, seed, ids, t)
    return Cohort.model_construct(seed=seed, tables=t)  # built here: no re-validation


# ------------------------------------------------------------------------------------------
# writing: bulk inserts + audit rows in the audit module's format and chain
# ------------------------------------------------------------------------------------------

#: Foreign keys to remap from cohort-local ids to database ids: column -> referenced table.
_FKS = {
    "visit_id": "visit",
    "session_id": "toxin_session",
    "toxin_session_id": "toxin_session",
    "surgery_id": "surgery",
    "drug_course_id": "drug_course",
    "recording_id": "recording",
    "lsr_recording_id": "recording",
}
_CHUNK = 5000


@functools.lru_cache(maxsize=4)
def _lsr_demo_recording(seed: int) -> tuple[bytes, float, dict[str, Any]]:
    """A SYNTHETIC intraoperative LSR recording (EDF bytes) and its analysis, as ``record add``
    stores it: 50 sweeps 3 s apart, the LSR gone from sweep 34, 4 % of sweeps randomly absent
    (simulator settings are ENGINEERING choices for a readable demo, not clinical figures)."""
    import tempfile
    from pathlib import Path

    from hemispasm.emg import emg_simulate_lsr, write_edf
    from hemispasm.registry.recordings import analyse_emg

    sim = emg_simulate_lsr(
        n_sweeps=50, snr=6, interval_s=3.0, sfreq=4000.0, disappear_at=34,
        absent_fraction=0.04, seed=seed,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="hs-demo-lsr-") as tmp:
        path = Path(tmp) / f"demo-lsr-{seed}.edf"
        write_edf(sim.recording, path)
        duration, analysis = analyse_emg(path)
        return path.read_bytes(), duration, analysis or {}


def _demo_lsr(conn: Any, cohort: Cohort, now: _dt.datetime) -> None:
    """Give the cohort's first MVD its SYNTHETIC LSR recording and ``emg_lsr`` analysis
    (rows added to ``cohort``; the EDF written to the recordings folder under its hash name)."""
    import hashlib
    import tempfile
    from pathlib import Path

    from hemispasm._version import __version__
    from hemispasm.registry.db import default_data_dir
    from hemispasm.registry.recordings import _store_copy

    ops = cohort.tables["surgery"]
    if not ops:
        return
    op = ops[0]
    edf, duration, analysis = _lsr_demo_recording(cohort.seed)
    sha = hashlib.sha256(edf).hexdigest()
    url = conn.engine.url.render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory(prefix="hs-demo-lsr-") as tmp:
        src = Path(tmp) / "lsr.edf"
        src.write_bytes(edf)
        rel, _ = _store_copy(src, default_data_dir(url), sha)
    cohort.tables["recording"].append(
        {"id": 1, "patient_id": op["patient_id"], "visit_id": None, "sha256": sha, "kind": "emg",
         "suffix": ".edf", "size_bytes": len(edf), "duration_s": duration, "stored_path": rel,
         "created_at": now}
    )  # fmt: skip
    cohort.tables["analysis"].append(
        {"id": 1, "recording_id": 1, "hemispasm_version": __version__, "created_at": now,
         **analysis}
    )  # fmt: skip
    op["lsr_recording_id"] = 1
    op["lsr_disappeared"] = bool(analysis["summary"].get("lsr_disappeared"))


def _reserve_ids(conn: Any, table: str, n: int) -> list[int]:
    """``n`` fresh integer ids for ``table`` (PostgreSQL: from its sequence; SQLite: after the
    largest, safe because the transaction holds SQLite's write lock)."""
    from sqlalchemy import text

    if n == 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": n},
        )
        return [r[0] for r in rows]
    top = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar() or 0
    return list(range(top + 1, top + n + 1))


def _existing_patients(conn: Any, ids: list[str]) -> list[str]:
    from sqlalchemy import select

    from hemispasm.registry.models import Patient

    found: list[str] = []
    for i in range(0, len(ids), 900):
        found += conn.execute(select(Patient.id).where(Patient.id.in_(ids[i : i + 900]))).scalars()
    return found


def generate_demo(session: Any, *, patients: int, seed: int) -> dict[str, Any]:
    """Write a synthetic cohort into the registry open in ``session`` (one transaction).

    Rows go in by executemany, table by table; every inserted row gets its ``audit_event`` row
    (action ``insert``, fields as :mod:`hemispasm.registry.audit` writes them, identifying
    fields redacted), chained to the last audit row. Nothing is committed here: the caller's
    transaction commits or rolls back everything.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
        A session inside a transaction (``Registry.transaction()``).
    patients : int
        Number of synthetic patients.
    seed : int
        Random seed; the same seed gives the same cohort.

    Returns
    -------
    dict
        ``patients``, ``seed``, ``synthetic`` (always True), ``rows`` per table,
        ``audit_rows``, ``seconds``.

    Raises
    ------
    hemispasm.errors.ValidationError
        Bad ``patients``/``seed``, or a cohort with this seed is already in the registry.
    """
    from sqlalchemy import insert, text

    from hemispasm.registry import audit
    from hemispasm.registry.models import Base

    t0 = time.perf_counter()
    cohort = simulate_cohort(patients=patients, seed=seed)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": audit.PG_LOCK_KEY})
    pids = [r["id"] for r in cohort.tables["patient"]]
    clash = _existing_patients(conn, pids)
    if clash:
        raise ValidationError(
            f"a synthetic cohort drawn with seed {seed} is already in this registry "
            f"({len(clash)} patient id(s) exist)",
            hint="give another --seed",
        )
    now = _dt.datetime.now(_dt.UTC)
    _demo_lsr(conn, cohort, now)
    idmap: dict[str, dict[int, int]] = {}
    for table in TABLE_ORDER[1:]:
        rows = cohort.tables[table]
        new = _reserve_ids(conn, table, len(rows))
        idmap[table] = {r["id"]: n for r, n in zip(rows, new, strict=True)}
    session_patient: dict[int, str] = {}
    tables = Base.metadata.tables
    actor = session.info.get("actor") or audit.default_actor()
    n_audit = 0
    counts: dict[str, int] = {}
    for table in TABLE_ORDER:
        out, events = [], []
        for r in cohort.tables[table]:
            row = dict(r)
            if table != "patient":
                row["id"] = idmap[table][r["id"]]
            for col, ref in _FKS.items():
                if row.get(col) is not None:
                    row[col] = idmap[ref][row[col]]
            if table in ("patient", "visit"):
                row["created_at"] = now
            if table == "toxin_session":
                session_patient[row["id"]] = row["patient_id"]
            pid = row["id"] if table == "patient" else row.get("patient_id")
            if table == "toxin_injection":
                pid = session_patient[row["session_id"]]
            if table == "recording":
                session_patient[-row["id"]] = row["patient_id"]  # recordings: negative keys
            if table == "analysis":
                pid = session_patient[-row["recording_id"]]
            events.append(
                {
                    "action": "insert",
                    "entity": table,
                    "entity_id": row["id"],
                    "patient_id": pid,
                    "changes": {
                        c: audit.safe_value(table, c, v) for c, v in row.items() if v is not None
                    },
                }
            )
            out.append(row)
        for i in range(0, len(out), _CHUNK):
            conn.execute(insert(tables[table]), out[i : i + _CHUNK])
            n_audit += audit.append_events(conn, events[i : i + _CHUNK], actor=actor)
        counts[table] = len(out)
        cohort.tables[table] = []  # free the rows written (10,000 patients are ~700,000 rows)
    seconds = round(time.perf_counter() - t0, 2)
    log.info("synthetic cohort: %d patients, %d audit rows, %.1f s", patients, n_audit, seconds)
    return {
        "patients": patients,
        "seed": seed,
        "synthetic": True,
        "rows": counts,
        "audit_rows": n_audit,
        "seconds": seconds,
    }
