"""Benchmark the registry against the naive approach, in the same run, on SQLite and PostgreSQL.

    python benchmarks/bench_registry.py [--patients 10000] [--cases 1000]
                                        [--backends sqlite,postgresql] [--no-write]

Per backend, on a fresh database (a SQLite file in a temporary folder; a throwaway PostgreSQL
15 server started on 127.0.0.1 as in ../shared/notes/stack.md):

* load: ``generate_demo`` writes a SYNTHETIC cohort (executemany + one audit row per row).
* timeline: one patient's full timeline and derived measures (``records.patient_measures``),
  median and 95th percentile over 100 random patients. Naive: the same record built through ORM
  relationship lazy loading (a query per session for its injections, per visit for its scale
  scores and recordings: N+1), then the same ``derive``.
* cohort: every patient with a waning toxin response (``records.waning_patients``: one
  ordered query with the units summed per session in SQL, ``analyze_course`` per patient).
  Naive: ORM objects, one query per patient and one per session for its injections (N+1),
  then the same ``analyze_course``.
* import: 1,000 SYNTHETIC case files (``hemispasm assess`` format, as JSON, with identity,
  visit date and every toxin session so far) through ``importer.import_cases`` (one
  transaction). Naive: the same files one
  ``import_cases`` call (one transaction) each, timed on the first 100 and extrapolated
  (marked as such).

Prints a markdown table and writes it into the ``## Registry`` section of docs/benchmarks.md
(only that section is replaced), with the load average beside the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def load() -> float:
    """The 1-minute load average."""
    return round(os.getloadavg()[0], 2)


# ------------------------------------------------------------------------------------------
# databases
# ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 (as the postgres user when run as root)."""
    import glob

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("no PostgreSQL server binary (initdb) found")
    bindir = Path(found[-1]).parent
    tmp = Path(tempfile.mkdtemp(prefix="hs-bench-pg-"))
    asuser = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = False
    try:
        subprocess.run(
            [
                *asuser,
                str(bindir / "initdb"),
                "-D",
                str(tmp / "data"),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
        )
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off"
        subprocess.run(
            [
                *asuser,
                str(bindir / "pg_ctl"),
                "-D",
                str(tmp / "data"),
                "-l",
                str(tmp / "log"),
                "-w",
                "-o",
                opts,
                "start",
            ],
            check=True,
            capture_output=True,
        )
        started = True
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(
                [
                    *asuser,
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(tmp / "data"),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ],
                capture_output=True,
            )
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def database(backend: str) -> Iterator[str]:
    """A fresh database URL for ``backend``."""
    if backend == "postgresql":
        with postgres() as url:
            yield url
        return
    tmp = Path(tempfile.mkdtemp(prefix="hs-bench-sqlite-"))
    try:
        yield f"sqlite:///{tmp / 'registry.sqlite'}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------------------------------
# naive approaches
# ------------------------------------------------------------------------------------------


def naive_record(session: Any, patient_id: str) -> Any:
    """The patient's record through ORM lazy loading: N+1 queries (the naive approach)."""
    from sqlalchemy import select

    from hemispasm.registry import derive as d
    from hemispasm.registry import models as m

    p = session.get(m.Patient, patient_id)
    visits, sessions, scales, videos = [], [], [], []
    for v in p.visits:  # lazy load
        visits.append(d.VisitRow(id=v.id, date=v.date, clinician=v.clinician))
        for sc in session.scalars(select(m.ScaleScore).where(m.ScaleScore.visit_id == v.id)):
            scales.append(
                d.ScaleScoreRow(
                    id=sc.id,
                    scale=sc.scale,
                    total=sc.total,
                    source=sc.source,
                    date=sc.date,
                    visit_id=sc.visit_id,
                )
            )
        for rec in session.scalars(select(m.Recording).where(m.Recording.visit_id == v.id)):
            for an in rec.analyses:  # lazy load
                if an.kind == "video":
                    videos.append(
                        d.VideoAnalysisRow(
                            analysis_id=an.id,
                            recording_id=rec.id,
                            visit_id=v.id,
                            sha256=rec.sha256,
                            summary=an.summary,
                            hemispasm_version=an.hemispasm_version,
                        )
                    )
    for s in p.toxin_sessions:  # lazy load, then one query per session for its injections
        sessions.append(
            d.ToxinSessionRow(
                id=s.id,
                date=s.date,
                visit_id=s.visit_id,
                product_inn=s.product_inn,
                brand=s.brand,
                response=s.response,
                peak_improvement_pct=s.peak_improvement_pct,
                benefit_weeks=s.benefit_weeks,
                injections=[
                    d.InjectionRow(
                        id=i.id, muscle=i.muscle, side=i.side, units=i.units, points=i.points
                    )
                    for i in s.injections
                ],
            )
        )

    def rows(model: Any, cls: Any) -> list[Any]:
        out = []
        for o in session.scalars(select(model).where(model.patient_id == patient_id)):
            out.append(cls(**{k: getattr(o, k) for k in cls.model_fields if hasattr(o, k)}))
        return out

    return d.PatientRecord(
        patient_id=p.id,
        synthetic=p.synthetic,
        sex=p.sex,
        side=p.side,
        onset_age=p.onset_age,
        visits=visits,
        toxin_sessions=sessions,
        scale_scores=scales,
        video_analyses=videos,
        drug_courses=rows(m.DrugCourse, d.DrugCourseRow),
        surgeries=rows(m.Surgery, d.SurgeryRow),
        follow_ups=rows(m.FollowUp, d.FollowUpRow),
        adverse_events=rows(m.AdverseEvent, d.AdverseEventRow),
    )


def naive_waning(session: Any) -> list[str]:
    """Every waning patient with one ORM query per patient (N+1)."""
    from sqlalchemy import select

    from hemispasm.clinic.treatment import analyze_course
    from hemispasm.registry import derive as d
    from hemispasm.registry import models as m

    out = []
    for pid in session.scalars(select(m.Patient.id).order_by(m.Patient.id)).all():
        ts = session.scalars(
            select(m.ToxinSession)
            .where(m.ToxinSession.patient_id == pid)
            .order_by(m.ToxinSession.date, m.ToxinSession.id)
        ).all()
        group = [
            d.toxin_treatment(
                date=s.date,
                product=s.product_inn or s.brand,
                response=s.response,
                peak_improvement_pct=s.peak_improvement_pct,
                benefit_weeks=s.benefit_weeks,
                doses=round(sum(i.units for i in s.injections), 3) if s.injections else None,
            )
            for s in ts  # s.injections: one lazy query per session
        ]
        if group and analyze_course(group).waning:
            out.append(pid)
    return out


# ------------------------------------------------------------------------------------------
# synthetic case files (for the import benchmark)
# ------------------------------------------------------------------------------------------


def write_case_files(folder: Path, n: int, seed: int) -> int:
    """``n`` SYNTHETIC case files drawn from the demo cohort (identity 'Synthetic Patient')."""
    from hemispasm.registry.demo import simulate_cohort

    co = simulate_cohort(patients=n, seed=seed)
    ident = {r["patient_id"]: r for r in co.tables["patient_identity"]}
    inj: dict[int, dict[str, float]] = {}
    for r in co.tables["toxin_injection"]:
        inj.setdefault(r["session_id"], {})
        inj[r["session_id"]][r["muscle"]] = inj[r["session_id"]].get(r["muscle"], 0) + r["units"]
    sessions: dict[str, list[dict]] = {}
    for s in co.tables["toxin_session"]:
        sessions.setdefault(s["patient_id"], []).append(s)
    first_visit = {}
    for v in co.tables["visit"]:
        first_visit.setdefault(v["patient_id"], v["date"])
    folder.mkdir(parents=True, exist_ok=True)
    for k, p in enumerate(co.tables["patient"]):
        i = ident[p["id"]]
        ts = sessions.get(p["id"], [])
        visit = ts[-1]["date"] if ts else first_visit[p["id"]]
        age = visit.year - i["birth_date"].year
        case = {
            "notes": "SYNTHETIC case file generated for the registry benchmark",
            "age": age,
            "sex": p["sex"],
            "side": p["side"] if p["side"] != "bilateral" else "left",
            "onset_age": min(p["onset_age"], age),
            "first_muscle": "orbicularis_oculi",
            "visit_date": visit.isoformat(),
            "identity": {
                "name": i["name"],
                "birth_date": i["birth_date"].isoformat(),
                "mrn": i["mrn"],
            },
            "treatments": [
                {
                    "type": "botulinum_toxin",
                    "date": s["date"].isoformat(),
                    "doses": inj.get(s["id"], {}),
                    "product": s["product_inn"],
                    "response": s["response"],
                    "peak_improvement_pct": s["peak_improvement_pct"],
                    "benefit_weeks": s["benefit_weeks"],
                }
                for s in ts
            ],
        }
        (folder / f"case_{k:05d}.json").write_text(json.dumps(case, indent=1))
    return n


# ------------------------------------------------------------------------------------------
# the run
# ------------------------------------------------------------------------------------------


def run_backend(backend: str, patients: int, cases: int, seed: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from hemispasm.registry import models as m
    from hemispasm.registry.db import init_registry, open_registry
    from hemispasm.registry.demo import generate_demo
    from hemispasm.registry.importer import import_cases
    from hemispasm.registry.records import patient_measures, waning_patients

    res: dict[str, Any] = {"backend": backend, "load_avg": [load()]}
    with database(backend) as url:
        init_registry(url)
        reg = open_registry(url)
        try:
            t = time.perf_counter()
            with reg.transaction(actor="benchmark") as s:
                info = generate_demo(s, patients=patients, seed=seed)
            res["load_s"] = time.perf_counter() - t
            res["rows"] = info["rows"]
            res["audit_rows"] = info["audit_rows"]
            res["load_avg"].append(load())
            with reg.session() as s:
                pids = s.scalars(select(m.Patient.id)).all()
                rng = random.Random(seed)
                sample = rng.sample(pids, min(100, len(pids)))
                patient_measures(s, sample[0])  # warm up imports and the connection
                fast, naive = [], []
                for pid in sample:  # interleaved
                    t = time.perf_counter()
                    a = patient_measures(s, pid)
                    fast.append(time.perf_counter() - t)
                    s.expunge_all()
                    t = time.perf_counter()
                    from hemispasm.registry.derive import derive

                    b = derive(naive_record(s, pid))
                    naive.append(time.perf_counter() - t)
                    s.expunge_all()
                    assert a.waning == b.waning and len(a.timeline) == len(b.timeline)
                res["timeline_ms"] = (
                    1000 * statistics.median(fast),
                    1000 * sorted(fast)[int(0.95 * len(fast)) - 1],
                )
                res["timeline_naive_ms"] = (
                    1000 * statistics.median(naive),
                    1000 * sorted(naive)[int(0.95 * len(naive)) - 1],
                )
                res["timeline_events_median"] = statistics.median(
                    len(patient_measures(s, p).timeline) for p in sample[:20]
                )
                res["load_avg"].append(load())
                t = time.perf_counter()
                w = waning_patients(s)
                res["cohort_s"] = time.perf_counter() - t
                t = time.perf_counter()
                w2 = naive_waning(s)
                res["cohort_naive_s"] = time.perf_counter() - t
                s.expunge_all()
                assert sorted(w) == sorted(w2)
                res["waning_patients"] = len(w)
                res["load_avg"].append(load())
            with tempfile.TemporaryDirectory(prefix="hs-bench-cases-") as tmp:
                folder = Path(tmp) / "cases"
                write_case_files(folder, cases, seed + 1000)
                t = time.perf_counter()
                rep = import_cases(reg, folder, actor="benchmark")
                res["import_s"] = time.perf_counter() - t
                res["imported"] = len(rep.imported)
                naive_dir = Path(tmp) / "naive"
                n_naive = min(100, cases)
                write_case_files(naive_dir, n_naive, seed + 2000)
                files = sorted(naive_dir.iterdir())
                t = time.perf_counter()
                for f in files:
                    import_cases(reg, f, actor="benchmark")
                res["import_naive_s_extrapolated"] = (time.perf_counter() - t) * cases / n_naive
                res["import_naive_n"] = n_naive
            res["load_avg"].append(load())
            with reg.session() as s:
                res["visits_and_sessions"] = s.scalar(
                    select(func.count()).select_from(m.Visit)
                ) + s.scalar(select(func.count()).select_from(m.ToxinSession))
        finally:
            reg.dispose()
    return res


def table(results: list[dict[str, Any]], patients: int, cases: int) -> str:
    lines = [
        "| backend | task | hemispasm | naive | speed-up | target |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        b = r["backend"]
        rows = sum(r["rows"].values())
        lines += [
            f"| {b} | load {patients:,} synthetic patients ({rows:,} rows + {r['audit_rows']:,} "
            f"audit rows; {r['visits_and_sessions']:,} visits + toxin sessions after import) "
            f"| {r['load_s']:.1f} s | – | – | reasonable |",
            f"| {b} | one patient's timeline + derived measures (median / p95 of 100; median "
            f"{r['timeline_events_median']:.0f} events) | {r['timeline_ms'][0]:.1f} / "
            f"{r['timeline_ms'][1]:.1f} ms | {r['timeline_naive_ms'][0]:.1f} / "
            f"{r['timeline_naive_ms'][1]:.1f} ms (ORM lazy loading, N+1) | "
            f"{r['timeline_naive_ms'][0] / r['timeline_ms'][0]:.1f}x | < 50 ms |",
            f"| {b} | cohort: patients with a waning toxin response ({r['waning_patients']:,}) "
            f"| {r['cohort_s']:.2f} s | {r['cohort_naive_s']:.2f} s (a query per patient) | "
            f"{r['cohort_naive_s'] / r['cohort_s']:.1f}x | < 2 s |",
            f"| {b} | import {cases:,} case files (one transaction) | {r['import_s']:.1f} s | "
            f"{r['import_naive_s_extrapolated']:.1f} s (a transaction per file; extrapolated "
            f"from {r['import_naive_n']}) | "
            f"{r['import_naive_s_extrapolated'] / r['import_s']:.1f}x | < 30 s |",
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--cases", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = ap.parse_args()
    start = load()
    results = []
    for backend in args.backends.split(","):
        print(f"{backend}: ...", flush=True)
        results.append(run_backend(backend, args.patients, args.cases, args.seed))
        print(results[-1], flush=True)
    loads = [x for r in results for x in r["load_avg"]]
    head = (
        f"`python benchmarks/bench_registry.py --patients {args.patients} --cases {args.cases}` "
        f"— {dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLAlchemy + SQLite {__import__('sqlite3').sqlite_version}"
        f" / PostgreSQL 15 (throwaway server, fsync off). SYNTHETIC cohort "
        f"(`hemispasm registry demo`, seed {args.seed}). Load average (1 min) {start} at the "
        f"start, {min(loads)}–{max(loads)} during the run. Targets (issue 12): timeline < 50 "
        "ms, cohort query < 2 s, import of 1,000 case files < 30 s. Naive approaches run in "
        "the same process on the same database and must give the same answers (checked)."
    )
    text = head + "\n\n" + table(results, args.patients, args.cases) + "\n"
    print(text)
    if not args.no_write:
        doc = DOCS.read_text(encoding="utf-8")
        section = "## Registry\n\n" + text
        if "## Registry\n" in doc:
            doc = re.sub(r"## Registry\n.*?(?=\n## |\Z)", section.rstrip() + "\n", doc, flags=re.S)
        else:
            doc = doc.rstrip() + "\n\n" + section
        DOCS.write_text(doc, encoding="utf-8")


if __name__ == "__main__":
    main()
