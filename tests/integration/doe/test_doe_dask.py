"""The same study on a Dask LocalCluster gives the same outputs and indices as on the local pool."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from voltvault_core.doe.execute import run_study
from voltvault_core.jobs import shutdown_runners

SPEC = {"model": "python:voltvault_core.doe.testfunctions:ishigami_failing",
        "inputs": {"x1": [-3.2, 3.5], "x2": [-3.14159, 3.14159], "x3": [-3.14159, 3.14159]},
        "method": "sobol", "samples": 64, "replicates": 4, "seed": 11, "outputs": ["y"]}


@pytest.fixture
def dask_scheduler(monkeypatch):
    distributed = pytest.importorskip("distributed")
    real_main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")  # spawned workers must not re-run a page script
    try:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=50)
        monkeypatch.setenv("VOLTVAULT_DASK_SCHEDULER", cluster.scheduler_address)
        yield cluster.scheduler_address
        shutdown_runners(wait=False)
        cluster.close()
    finally:
        sys.modules["__main__"] = real_main


def test_dask_cluster_matches_local_pool(engine, dask_scheduler):
    try:
        pool = run_study(SPEC, executor="pool", engine=engine, chunk_runs=64, timeout_s=300)
    finally:
        shutdown_runners(wait=False)
    dask = run_study(SPEC, executor="dask", engine=engine, chunk_runs=64, timeout_s=300)
    assert dask.runs.solver_calls == pool.runs.solver_calls == 5  # 320 runs in chunks of 64
    np.testing.assert_array_equal(np.isnan(dask.runs.values), np.isnan(pool.runs.values))
    np.testing.assert_allclose(dask.sobol.S1, pool.sobol.S1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dask.sobol.ST_conf, pool.sobol.ST_conf, rtol=0, atol=1e-12)
    assert dask.failed.keys() == pool.failed.keys()
    assert dask.failed
