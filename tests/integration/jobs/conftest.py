"""Fixtures of the job tests: a job runner on both backends (local pool, Dask)."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

from voltvault_core.jobs.pool import ProcessPoolJobRunner


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[object]:
    """Two single-threaded Dask worker processes (with nannies, which restart killed workers)."""
    distributed = pytest.importorskip("distributed")
    # Dask's nannies start workers with multiprocessing "spawn", which re-runs ``__main__`` in each new
    # worker. Under xdist, an AppTest run earlier in this process may have left a page script as
    # ``__main__``; hide it for as long as the cluster lives (nannies restart killed workers later).
    real_main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
        )
        yield cluster
        cluster.close()
    finally:
        sys.modules["__main__"] = real_main


@pytest.fixture(params=["process", "dask"])
def runner(request, engine) -> Iterator[object]:
    """A job runner on the test database: a 2-process local pool, or a client of the Dask cluster."""
    if request.param == "process":
        job_runner = ProcessPoolJobRunner(engine, workers=2)
    else:
        from voltvault_core.jobs.dask_runner import DaskJobRunner

        cluster = request.getfixturevalue("dask_cluster")
        job_runner = DaskJobRunner(engine, cluster.scheduler_address)
    yield job_runner
    job_runner.shutdown(wait=False)
