"""Two real processes writing at once lose nothing and keep one unbroken audit chain."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from sqlalchemy import func, select

from hemispasm.registry import audit
from hemispasm.registry import models as m
from hemispasm.registry.patients import add_patient

N_PER_PROCESS = 25


def test_two_processes_adding_visits(reg):
    pid = add_patient(reg)["id"]
    url = reg.engine.url.render_as_string(hide_password=False)
    script = textwrap.dedent(
        f"""
        import datetime as dt, sys, time
        from hemispasm.registry.db import open_registry
        from hemispasm.registry.patients import add_visit
        reg = open_registry({url!r})
        start = float(sys.argv[2])
        while time.time() < start:  # both processes start writing at the same moment
            time.sleep(0.005)
        for i in range({N_PER_PROCESS}):
            add_visit(reg, {pid!r}, date=dt.date(2025, 1, 1) + dt.timedelta(days=i),
                      clinician=sys.argv[1])
        reg.dispose()
        """
    )
    import time

    start = time.time() + 4.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, who, str(start)],
            env=os.environ.copy(),
            stderr=subprocess.PIPE,
        )
        for who in ("proc-a", "proc-b")
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-2000:]
    with reg.session() as s:
        by = dict(
            s.execute(select(m.Visit.clinician, func.count()).group_by(m.Visit.clinician)).all()
        )
        assert by == {"proc-a": N_PER_PROCESS, "proc-b": N_PER_PROCESS}
        res = audit.verify_chain(s)
    assert res["ok"] and res["n_events"] == 1 + 2 * N_PER_PROCESS
