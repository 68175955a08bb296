"""Benchmark the web app's pages against the naive approach, in the same run, on SQLite and
PostgreSQL, with a SYNTHETIC registry of 10,000 patients.

    python benchmarks/bench_web.py [--patients 10000] [--backends sqlite,postgresql]
                                   [--video-seconds 10] [--no-write]

Per backend, on a fresh database (``bench_registry.database``: a SQLite file, or a throwaway
PostgreSQL 15 server on 127.0.0.1), the registry's demo cohort is written, users are added, and
the app is called in-process through Starlette's TestClient (the full ASGI stack, routing,
session lookup, role and CSRF checks, audit rows, templates; no network):

* list: ``GET /patients`` (page 1, 50 rows, identities: a clinician), p50/p95 over 40 calls.
  Naive: ``registry.patients.list_patients(identity=True)`` (the whole registry, as a page
  without paging would need it), 3 calls.
* search: ``POST /patients/search`` by name, 40 calls.
* timeline: ``GET /patients/{id}`` (derived measures + SVG) for 60 random patients, and
  ``GET /api/v1/patients/{id}/timeline``.
* upload (SQLite only): a SYNTHETIC video of ``--video-seconds`` from ``hemispasm.synth``,
  ``hemispasm.pipeline.analyze`` on it directly, then the same file uploaded and analysed as a
  job (upload → done); and the timeline page p95 while two such analyses run at once.

Prints a markdown table and writes it into the ``## Web`` section of docs/benchmarks.md (only
that section is replaced), with the load average beside the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import database, load

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
PASSWORD = "benchmark passphrase long enough"


def _ms(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    p95 = s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
    return {
        "p50_ms": round(statistics.median(s) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "n": len(s),
    }


def _timed(fn: Any, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _login(c: Any, user: str) -> str:
    r = c.post("/api/v1/session", json={"username": user, "password": PASSWORD})
    r.raise_for_status()
    return r.json()["csrf_token"]


def run_backend(backend: str, patients: int, video: Path | None, seed: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from hemispasm.registry.db import init_registry, open_registry
    from hemispasm.registry.demo import generate_demo
    from hemispasm.registry.patients import list_patients
    from hemispasm.web.app import create_app
    from hemispasm.web.settings import WebSettings
    from hemispasm.web.users import add_user

    res: dict[str, Any] = {"backend": backend, "patients": patients, "load_avg": [load()]}
    with database(backend) as url, tempfile.TemporaryDirectory(prefix="hs-bench-web-") as tmp:
        init_registry(url)
        reg = open_registry(url, data_dir=Path(tmp) / "recordings")
        try:
            t = time.perf_counter()
            with reg.transaction(actor="benchmark") as s:
                generate_demo(s, patients=patients, seed=seed)
            res["load_s"] = round(time.perf_counter() - t, 1)
            add_user(reg, "clin", role="clinician", password=PASSWORD)
            settings = WebSettings(
                dev=True, data_dir=Path(tmp) / "web", login_per_minute=10**6, job_workers=2
            )
            app = create_app(settings, reg=reg, run_jobs=video is not None)
            with TestClient(app) as c:
                tok = _login(c, "clin")
                pids = [p["id"] for p in c.get("/api/v1/patients?page=3").json()["patients"]]
                rng = random.Random(seed)
                first = c.get("/api/v1/patients").json()
                pids = [p["id"] for p in first["patients"]] + pids
                name = first["patients"][0]["identity"]["name"]
                c.get("/patients")  # warm up
                res["list"] = _ms(_timed(lambda: c.get("/patients").raise_for_status(), 40))
                res["search"] = _ms(
                    _timed(
                        lambda: c.post(
                            "/patients/search", data={"q": name, "csrf_token": tok}
                        ).raise_for_status(),
                        40,
                    )
                )
                sample = [rng.choice(pids) for _ in range(60)]
                it = iter(sample)
                res["timeline_page"] = _ms(
                    _timed(lambda: c.get(f"/patients/{next(it)}").raise_for_status(), 60)
                )
                it = iter(sample)
                res["timeline_api"] = _ms(
                    _timed(
                        lambda: c.get(f"/api/v1/patients/{next(it)}/timeline").raise_for_status(),
                        60,
                    )
                )
                res["naive_list"] = _ms(_timed(lambda: list_patients(reg, identity=True), 3))
                res["load_avg"].append(load())
                if video is not None:
                    res.update(_upload(c, tok, reg, video, pids, rng))
                    res["load_avg"].append(load())
        finally:
            reg.dispose()
    return res


def _wait(c: Any, job_id: int) -> dict[str, Any]:
    while True:
        j = c.get(f"/api/v1/jobs/{job_id}").json()
        if j["status"] in ("done", "failed"):
            return j
        time.sleep(0.2)


def _upload(c: Any, tok: str, reg: Any, video: Path, pids: list[str], rng: Any) -> dict:
    from hemispasm.pipeline import analyze

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        analyze(video, Path(tmp) / "out")
        out["analyze_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    with video.open("rb") as fh:
        r = c.post(
            f"/api/v1/patients/{pids[0]}/recordings",
            files={"file": ("v.mp4", fh)},
            headers={"X-CSRF-Token": tok},
        )
    j = _wait(c, r.json()["job_id"])
    out["upload_job_s"] = round(time.perf_counter() - t, 2)
    out["upload_status"] = j["status"]
    # two analyses at once (a copy with one changed trailing byte: another content hash)
    data = video.read_bytes()
    jobs = []
    for i, pid in enumerate(pids[1:3]):
        r = c.post(
            f"/api/v1/patients/{pid}/recordings",
            files={"file": ("v.mp4", data + bytes([i + 1]))},
            headers={"X-CSRF-Token": tok},
        )
        jobs.append(r.json()["job_id"])
    busy = []
    while True:
        states = [c.get(f"/api/v1/jobs/{j}").json()["status"] for j in jobs]
        if all(s in ("done", "failed") for s in states):
            break
        pid = rng.choice(pids)
        t = time.perf_counter()
        c.get(f"/patients/{pid}").raise_for_status()
        busy.append(time.perf_counter() - t)
    out["timeline_page_during_2_analyses"] = _ms(busy) if busy else None
    out["two_jobs"] = states
    return out


def table(results: list[dict[str, Any]], video_s: float | None) -> str:
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work (load average shown), Python "
        f"{platform.python_version()}; `python benchmarks/bench_web.py`. SYNTHETIC demo "
        "registry; pages called in-process through Starlette's TestClient (full ASGI stack, "
        "sessions, roles, CSRF, audit rows, templates; no network).",
        "",
        "| backend | patients | cohort write s | list p50/p95 ms | naive whole-list p50 ms | "
        "search p50/p95 ms | timeline page p50/p95 ms | timeline API p50/p95 ms | load avg |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:

        def f(k: str, r: dict[str, Any] = r) -> str:
            return f"{r[k]['p50_ms']:.0f} / {r[k]['p95_ms']:.0f}"

        lines.append(
            f"| {r['backend']} | {r['patients']:,} | {r['load_s']} | {f('list')} | "
            f"{r['naive_list']['p50_ms']:.0f} | {f('search')} | {f('timeline_page')} | "
            f"{f('timeline_api')} | {' → '.join(str(x) for x in r['load_avg'])} |"
        )
    for r in results:
        if "analyze_s" in r:
            during = r["timeline_page_during_2_analyses"]
            lines += [
                "",
                f"Upload ({r['backend']}): a {video_s:g}-s SYNTHETIC video; "
                f"`hemispasm.pipeline.analyze` directly {r['analyze_s']} s, uploaded and "
                f"analysed as a job {r['upload_job_s']} s (ratio "
                f"{r['upload_job_s'] / r['analyze_s']:.2f}; job {r['upload_status']}). Timeline "
                f"page while two analyses run: p50/p95 {during['p50_ms']:.0f} / "
                f"{during['p95_ms']:.0f} ms over {during['n']} calls (jobs "
                f"{', '.join(r['two_jobs'])}).",
            ]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    doc = DOCS.read_text(encoding="utf-8")
    section = "## Web\n\n" + text
    if re.search(r"^## Web\n", doc, flags=re.M):
        doc = re.sub(r"^## Web\n.*?(?=^## |\Z)", section + "\n", doc, flags=re.M | re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n" + section
    DOCS.write_text(doc, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--video-seconds", type=float, default=10.0, help="0: no upload timing")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    video = None
    with tempfile.TemporaryDirectory(prefix="hs-bench-web-video-") as vt:
        if args.video_seconds > 0:
            from hemispasm.synth import synth_video

            video = Path(
                synth_video(
                    Path(vt), side="left", stage=3, seconds=args.video_seconds, seed=3
                ).video
            )
        results = []
        for b in args.backends.split(","):
            results.append(
                run_backend(b, args.patients, video if b == "sqlite" else None, args.seed)
            )
            print(results[-1], flush=True)
    text = table(results, args.video_seconds or None)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
