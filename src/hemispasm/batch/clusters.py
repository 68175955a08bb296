"""Clusters for ``hemispasm batch --scheduler slurm`` (dask-jobqueue).

Each SLURM job runs one Dask worker process per core with one thread each (the face model is
single-threaded per recording; processes, not threads, use the cores), with ``OMP_NUM_THREADS``
and friends at 1 so NumPy/OpenCV do not oversubscribe them. The job script can be printed and
checked without SLURM (``--job-script``). Settings not given here come from dask-jobqueue's
own configuration (``~/.config/dask/jobqueue.yaml``, section ``jobqueue.slurm``).
"""

from __future__ import annotations

from hemispasm.errors import InputError, MissingDependencyError

PROLOGUE = [
    "export OMP_NUM_THREADS=1",
    "export OPENBLAS_NUM_THREADS=1",
    "export MKL_NUM_THREADS=1",
]


def slurm_cluster(
    *,
    cores: int | None = None,
    memory: str | None = None,
    walltime: str | None = None,
    queue: str | None = None,
    account: str | None = None,
    python: str | None = None,
    scheduler_host: str | None = None,
):
    """A dask-jobqueue ``SLURMCluster`` set up for hemispasm (no job submitted until scaled).

    Parameters
    ----------
    cores : int, optional
        Cores per SLURM job = worker processes per job (one thread each).
    memory : str, optional
        Memory per job (e.g. ``"16GB"``); 1 GB per worker is ample (docs/batch.md).
    walltime, queue, account : str, optional
        ``#SBATCH -t``, ``-p``, ``-A``.
    python : str, optional
        The Python on the compute nodes (default: this one).
    scheduler_host : str, optional
        Where the scheduler listens (default: dask-jobqueue's choice, reachable by the nodes).
    """
    try:
        from dask_jobqueue import SLURMCluster
    except ImportError as exc:
        raise MissingDependencyError(
            "--scheduler slurm needs dask-jobqueue",
            hint="install it with: pip install 'hemispasm[batch]'",
        ) from exc
    kw = {
        k: v
        for k, v in {
            "cores": cores,
            "processes": cores,
            "memory": memory,
            "walltime": walltime,
            "queue": queue,
            "account": account,
            "python": python,
        }.items()
        if v is not None
    }
    if scheduler_host is not None:
        kw["scheduler_options"] = {"host": scheduler_host}
    try:
        return SLURMCluster(job_script_prologue=PROLOGUE, **kw)
    except ValueError as exc:  # e.g. cores/memory neither given nor configured
        raise InputError(
            f"cannot set up the SLURM cluster ({exc})",
            hint="give --slurm-cores and --slurm-memory (or set them in "
            "~/.config/dask/jobqueue.yaml under jobqueue.slurm)",
        ) from exc


def slurm_job_script(**kw) -> str:
    """The SLURM job script :func:`slurm_cluster` would submit (no SLURM needed; the scheduler
    it names listens on 127.0.0.1 for this look only, unless ``scheduler_host`` is given)."""
    kw.setdefault("scheduler_host", "127.0.0.1")
    cluster = slurm_cluster(**kw)
    try:
        return cluster.job_script()
    finally:
        cluster.close()
