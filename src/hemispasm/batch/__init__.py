"""Cohort analysis: ``hemispasm batch`` on Dask (docs/batch.md).

- :mod:`hemispasm.batch.plan`: the pure planning core (inputs and manifests → recordings →
  task keys from content hash, version and parameters → what is done already).
- :mod:`hemispasm.batch.cohort`: cohort, events and errors tables (pure).
- :mod:`hemispasm.batch.worker`: one recording on a worker, written atomically.
- :mod:`hemispasm.batch.execute`: the Dask edge, :func:`run_batch`.
- :mod:`hemispasm.batch.report`: ``cohort.html``.
"""

from __future__ import annotations

from hemispasm.batch.execute import BatchResult, run_batch
from hemispasm.batch.plan import BatchParams, Recording, read_manifest

__all__ = ["BatchParams", "BatchResult", "Recording", "read_manifest", "run_batch"]
