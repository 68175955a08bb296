"""Benchmark the cohort page against the naive approach, in the same run, on SQLite and
PostgreSQL, with a SYNTHETIC registry of 10,000 patients.

    python benchmarks/bench_cohort.py [--patients 10000] [--backends sqlite,postgresql]
                                      [--no-write]

Per backend, on a fresh database (``bench_registry.database``), the registry's demo cohort is
written and then:

* naive: every patient read with ``registry.records.load_patient_record`` (one query per table
  per patient, as the timeline page does), its facts computed, then the summary;
* hemispasm, cold (the first request, no cache yet): ``cohort_query.load_records`` (one query
  per table for the whole registry) + ``cohort.patient_facts`` per patient + the summary; the
  two summaries must be equal (checked);
* for reference, the full ``derive.derive`` (timeline included) over every bulk-loaded record;
* the page through Starlette's TestClient (full ASGI stack, session, role, audit row, template)
  with the facts cached: ``GET /cohort``, a filtered ``GET /cohort``, ``GET /api/v1/cohort``,
  ``GET /cohort.csv`` (p50/p95); the first ``GET /cohort`` (it builds the cache in bulk) and
  ``GET /cohort`` right after a change (a new patient: only that patient is read again).

Prints a markdown table and writes it into the ``## Cohort page`` section of docs/benchmarks.md
(only that section is replaced), with the load average beside the figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import database, load
from bench_web import PASSWORD, _login, _ms, _timed

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADING = "## Cohort page"


def run_backend(backend: str, patients: int, seed: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from hemispasm.registry.cohort import cohort_summary, patient_facts
    from hemispasm.registry.cohort_query import clear_cache, load_records
    from hemispasm.registry.db import init_registry, open_registry
    from hemispasm.registry.demo import generate_demo
    from hemispasm.registry.derive import derive
    from hemispasm.registry.patients import add_patient
    from hemispasm.registry.records import load_patient_record
    from hemispasm.web import cohort as _web_cohort  # noqa: F401 (import the code once, at start)
    from hemispasm.web.app import create_app
    from hemispasm.web.settings import WebSettings
    from hemispasm.web.users import add_user

    res: dict[str, Any] = {"backend": backend, "patients": patients, "load_avg": [load()]}
    with database(backend) as url, tempfile.TemporaryDirectory(prefix="hs-bench-coh-") as tmp:
        init_registry(url)
        reg = open_registry(url, data_dir=Path(tmp) / "recordings")
        try:
            t = time.perf_counter()
            with reg.transaction(actor="benchmark") as s:
                generate_demo(s, patients=patients, seed=seed)
            res["write_s"] = round(time.perf_counter() - t, 1)
            res["load_avg"].append(load())

            with reg.read_session() as s:
                t = time.perf_counter()
                from sqlalchemy import select

                from hemispasm.registry import models as m

                ids = list(s.scalars(select(m.Patient.id).order_by(m.Patient.id)))
                naive_facts = [patient_facts(load_patient_record(s, pid)) for pid in ids]
                naive = cohort_summary(facts=naive_facts)
                res["naive_s"] = round(time.perf_counter() - t, 2)
                res["load_avg"].append(load())

                t = time.perf_counter()
                records = load_records(s)
                res["bulk_load_s"] = round(time.perf_counter() - t, 2)
                t = time.perf_counter()
                facts = [patient_facts(r) for r in records]
                res["facts_s"] = round(time.perf_counter() - t, 2)
                t = time.perf_counter()
                ours = cohort_summary(facts=facts)
                res["summary_ms"] = round((time.perf_counter() - t) * 1000, 1)
                res["cold_s"] = round(
                    res["bulk_load_s"] + res["facts_s"] + res["summary_ms"] / 1000, 2
                )
                res["same_result"] = naive.model_dump() == ours.model_dump()
                if not res["same_result"]:
                    raise SystemExit(f"{backend}: the naive and bulk summaries differ")
                t = time.perf_counter()
                for r in records:
                    derive(r)
                res["derive_all_s"] = round(time.perf_counter() - t, 2)
                res["n_patients"] = ours.n_patients.value
            res["load_avg"].append(load())
            print({k: v for k, v in res.items()}, flush=True)  # partial, in case of a crash

            add_user(reg, "res", role="researcher", password=PASSWORD)
            settings = WebSettings(dev=True, data_dir=Path(tmp) / "web", login_per_minute=10**6)
            app = create_app(settings, reg=reg, run_jobs=False)
            clear_cache()
            with TestClient(app) as c:
                _login(c, "res")
                t = time.perf_counter()
                c.get("/cohort").raise_for_status()  # builds the cache
                res["first_page_s"] = round(time.perf_counter() - t, 2)
                res["page"] = _ms(_timed(lambda: c.get("/cohort").raise_for_status(), 30))
                res["page_filtered"] = _ms(
                    _timed(
                        lambda: c.get(
                            "/cohort", params={"side": "left", "treatment": "toxin"}
                        ).raise_for_status(),
                        30,
                    )
                )
                res["api"] = _ms(_timed(lambda: c.get("/api/v1/cohort").raise_for_status(), 30))
                res["csv"] = _ms(_timed(lambda: c.get("/cohort.csv").raise_for_status(), 10))

                def after_change() -> None:
                    add_patient(reg, sex="female", side="left", onset_age=50, actor="benchmark")
                    t0 = time.perf_counter()
                    c.get("/cohort").raise_for_status()
                    changed.append(time.perf_counter() - t0)

                changed: list[float] = []
                for _ in range(3):
                    after_change()
                res["after_change"] = _ms(changed)
            res["load_avg"].append(load())
        finally:
            reg.dispose()
    return res


def table(results: list[dict[str, Any]]) -> str:
    head = (
        "| backend | patients | naive s (a load per patient) | cold s (bulk load + facts + "
        "summary) | speed-up | derive() all s | page p50/p95 ms (cached) | filtered page "
        "p50/p95 ms | API p50/p95 ms | CSV p50/p95 ms | first page s (builds the cache) | page "
        "after a change p50/max ms | load avg |\n" + "|---" * 13 + "|\n"
    )
    rows = []
    for r in results:

        def pp(key: str, r: dict[str, Any] = r) -> str:
            return f"{r[key]['p50_ms']:.0f} / {r[key]['p95_ms']:.0f}"

        ch = r["after_change"]
        rows.append(
            f"| {r['backend']} | {r['patients']:,} | {r['naive_s']:.1f} | {r['cold_s']:.1f} "
            f"({r['bulk_load_s']:.1f} + {r['facts_s']:.1f} + {r['summary_ms'] / 1000:.2f}) | "
            f"{r['naive_s'] / r['cold_s']:.1f}x | {r['derive_all_s']:.1f} | {pp('page')} | "
            f"{pp('page_filtered')} | {pp('api')} | {pp('csv')} | "
            f"{r['first_page_s']:.1f} | {ch['p50_ms']:.0f} / {ch['p95_ms']:.0f} | "
            f"{' → '.join(f'{x:.2f}' for x in r['load_avg'])} |"
        )
    return head + "\n".join(rows) + "\n"


def write_section(text: str) -> None:
    doc = DOCS.read_text(encoding="utf-8")
    section = HEADING + "\n\n" + text
    pattern = rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)"
    if re.search(pattern, doc, flags=re.M | re.S):
        doc = re.sub(pattern, lambda _m: section + "\n", doc, flags=re.M | re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n" + section
    DOCS.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--save", help="Also append each backend's result as a JSON line here.")
    ap.add_argument(
        "--write-from",
        nargs="+",
        metavar="FILE",
        help="Do not run: write the section from JSON lines saved with --save "
        "(e.g. backends run as separate processes).",
    )
    args = ap.parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results = []
    if args.write_from:
        for f in args.write_from:
            results += [json.loads(x) for x in Path(f).read_text().splitlines() if x.strip()]
        started = results[0].get("started", started)
    for backend in [] if args.write_from else args.backends.split(","):
        r = run_backend(backend.strip(), args.patients, args.seed)
        r["started"] = started
        print(r, flush=True)
        if args.save:
            with open(args.save, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(r) + "\n")
        results.append(r)
    text = (
        f"Run {started} on {platform.machine()}, {len(__import__('os').sched_getaffinity(0))} "
        f"cores shared with other work (load average shown: start → after writing → after the "
        f"naive pass → after the bulk pass → end), Python {platform.python_version()}; "
        f"`python benchmarks/bench_cohort.py --patients {results[0]['patients']}` (each backend "
        "may run as its own process, then `--write-from`). SYNTHETIC demo "
        "registry (seed "
        f"{args.seed}). Naive and bulk summaries were checked equal. Page figures through "
        "Starlette's TestClient as in the web benchmark.\n\n" + table(results)
    )
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
