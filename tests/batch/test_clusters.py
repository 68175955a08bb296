"""The SLURM job script of ``hemispasm batch --scheduler slurm`` (dask-jobqueue; no SLURM)."""

from __future__ import annotations

import contextlib
import io

from hemispasm.batch.clusters import slurm_job_script
from hemispasm.cli import main


def test_job_script_one_thread_per_worker_process():
    script = slurm_job_script(
        cores=8, memory="16GB", walltime="04:00:00", queue="cpu", account="hfs-cohort"
    )
    lines = script.splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    for directive in (
        "#SBATCH -p cpu",
        "#SBATCH -A hfs-cohort",
        "#SBATCH -n 1",
        "#SBATCH --cpus-per-task=8",
        "#SBATCH -t 04:00:00",
    ):
        assert directive in lines
    assert any(line.startswith("#SBATCH --mem=") for line in lines)
    worker = next(line for line in lines if "distributed.cli.dask_worker" in line)
    assert "--nworkers 8" in worker and "--nthreads 1" in worker and "tcp://127.0.0.1:" in worker
    assert "export OMP_NUM_THREADS=1" in lines


def test_cli_prints_the_job_script_and_bad_settings_are_one_line(tmp_path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "batch",
                "--out",
                str(tmp_path),
                "--job-script",
                "--slurm-cores",
                "4",
                "--slurm-memory",
                "8GB",
            ]
        )
    assert code == 0 and "--cpus-per-task=4" in out.getvalue()
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["batch", "--out", str(tmp_path), "--job-script", "--slurm-cores", "4"])
    assert code == 2 and "--slurm-memory" in err.getvalue()
