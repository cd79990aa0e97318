"""The job runner: long work away from the page, recorded in the ``Job`` table.

The contract (what every feature that submits jobs — simulations, DOE sweeps, imports, reports — relies on)
-----------------------------------------------------------------------------------------------------------
1. **Submit** ``runner.submit("pkg.module:function", kwargs, kind=..., project_id=..., user_id=...,
   timeout_s=..., memory_limit_bytes=...)`` writes a ``queued`` row and returns its id at once. Give
   every kind its limits (a job past ``timeout_s`` is stopped and failed; one past its memory limit fails
   with a readable ``MemoryError: ...`` message, never a traceback; the traceback goes to ``detail``).
2. **Result** = an artifact written and linked on the row **by the worker side**: the process that ran
   the function (pool worker, Dask task) stores its return value and marks the row ``completed`` in one
   transaction. Return a :class:`~voltvault_core.jobs.results.JobOutput` (bytes in their own format,
   e.g. an NPZ, plus a small JSON ``meta`` kept in ``Job.result_meta`` for lists), or any picklable value
   (stored pickled). Nothing comes back through the pipe and nothing waits in app memory: any process,
   after any restart, reads it with :func:`~voltvault_core.jobs.results.load_job_result` (or
   ``runner.result(job_id, timeout=0)`` once the row says completed).
3. **Waiting** = reading the row: ``runner.status(job_id)`` / the ``Job`` row give status, progress
   (0..1) and message; a page polls them (``st.fragment(run_every=...)``) and never blocks on
   ``runner.result(...)``. A record derived from a job (a ``Simulation``) takes its status from the row.
4. **Nothing stuck**: an open row carries ``owner`` and ``lease_expires_at``; the owning runner renews
   the lease every quarter of ``VOLTVAULT_JOB_LEASE_S`` (default 30 s). Rows of an app that was killed,
   hung or lost its database are failed by any other runner (or ``voltvault jobs reap``) with
   ``"abandoned: ..."`` once the lease has run out, on SQLite and PostgreSQL alike; a runner that finds
   its own rows reaped stops those jobs. Status writes retry transient database errors.
5. **States**: ``queued -> running -> completed | failed | cancelled``; every change is a compare-and-set,
   so a late write never revives a finished job. Cancel works for queued and running jobs, from any
   process (``runner.cancel(job_id)``, ``voltvault jobs cancel``).

For hundreds of jobs (DOE): submit them all, keep the ids, poll ``store.read_statuses(engine, ids)``
(one query), and read each result from its artifact when you need it; do not hold the values.

Usage::

    from voltvault_core.jobs import get_runner, JobFailed, JobCancelled
    from voltvault_core.jobs.results import load_job_result

    runner = get_runner(engine)          # the UI holds it in st.cache_resource
    job_id = runner.submit("voltvault_core.cycling.jobs:parse_file", {"path": p}, kind="cycling-import",
                           project_id=project.id, user_id=user.id, timeout_s=3600,
                           memory_limit_bytes=8 * 2**30)
    runner.status(job_id)                # JobStatus(job_id, status, progress, message, error)
    load_job_result(engine, job_id)      # once completed; JobFailed / JobCancelled from runner.result
    runner.cancel(job_id)

Worker functions live in the package (never in page scripts) and look like::

    def parse_file(*, path: str, progress) -> dict:
        progress(0.5, "reading cycles")
        ...
        return {...}          # picklable, or JobOutput(data=..., media_type=..., meta={...})

Backends (:data:`RUNNER_BACKENDS`): ``process`` — a pool of persistent local worker processes
(``VOLTVAULT_WORKERS``, default the CPU count); ``dask`` — a Dask distributed cluster, chosen when
``VOLTVAULT_DASK_SCHEDULER=tcp://host:port`` is set (its workers need the database too: they store the
results). In-memory SQLite cannot be used (the workers open the database themselves).

Around it: :mod:`~voltvault_core.jobs.service` (list and cancel jobs with the project roles checked),
:mod:`~voltvault_core.jobs.cli` (``voltvault jobs list|show|cancel|reap``), :mod:`~voltvault_core.jobs.store`
(the ``Job`` rows and their leases), :mod:`~voltvault_core.jobs.results` (results as artifacts),
:mod:`~voltvault_core.jobs.testing_tasks` (job functions for the tests).

The heavy parts load on first use (PEP 562), so a worker process importing this package stays light.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from voltvault_core.jobs.base import (
    JobCancelled,
    JobError,
    JobFailed,
    JobNotFound,
    JobResultUnavailable,
    JobState,
    JobStatus,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from voltvault_core.jobs.dask_runner import DaskJobRunner
    from voltvault_core.jobs.pool import ProcessPoolJobRunner
    from voltvault_core.jobs.runner import JobRunner

__all__ = [
    "RUNNER_BACKENDS",
    "DaskJobRunner",
    "JobCancelled",
    "JobError",
    "JobFailed",
    "JobNotFound",
    "JobResultUnavailable",
    "JobRunner",
    "JobState",
    "JobStatus",
    "ProcessPoolJobRunner",
    "get_runner",
    "selected_backend",
    "shutdown_runners",
]

_LAZY = {
    "JobRunner": "voltvault_core.jobs.runner",
    "ProcessPoolJobRunner": "voltvault_core.jobs.pool",
    "DaskJobRunner": "voltvault_core.jobs.dask_runner",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'voltvault_core.jobs' has no attribute {name!r}")


def _process_runner(engine: Engine) -> JobRunner:
    from voltvault_core.jobs.pool import ProcessPoolJobRunner

    return ProcessPoolJobRunner(engine)


def _dask_runner(engine: Engine) -> JobRunner:
    from voltvault_core.jobs.dask_runner import DaskJobRunner

    return DaskJobRunner(engine)


#: backend name -> factory(engine) of a runner (the name is stored in ``Job.backend``)
RUNNER_BACKENDS: dict[str, Callable[[Engine], JobRunner]] = {
    "process": _process_runner,
    "dask": _dask_runner,
}

_RUNNERS: dict[tuple[str, int], tuple[Engine, JobRunner]] = {}
_RUNNERS_LOCK = threading.Lock()
_DEFAULT_ENGINE: list[Engine] = []


def selected_backend() -> str:
    """``"dask"`` when ``VOLTVAULT_DASK_SCHEDULER`` is set, else ``"process"``."""
    return "dask" if os.environ.get("VOLTVAULT_DASK_SCHEDULER", "").strip() else "process"


def get_runner(engine: Engine | None = None, *, backend: str | None = None) -> JobRunner:
    """The job runner of ``engine`` (one per engine and backend in this process, started on first use).

    Parameters
    ----------
    engine : Engine, optional
        Database of the ``Job`` rows; default the app's database (``VOLTVAULT_DATABASE_URL``).
    backend : {"process", "dask"}, optional
        Default :func:`selected_backend`.

    Raises
    ------
    ValueError
        Unknown backend name.
    RuntimeError
        The Dask scheduler cannot be reached.
    """
    name = backend or selected_backend()
    if name not in RUNNER_BACKENDS:
        raise ValueError(f"unknown job backend {name!r}; choose one of {sorted(RUNNER_BACKENDS)}")
    with _RUNNERS_LOCK:
        if engine is None:
            if not _DEFAULT_ENGINE:
                from voltvault_core.db.engine import create_db_engine

                _DEFAULT_ENGINE.append(create_db_engine())
            engine = _DEFAULT_ENGINE[0]
        key = (name, id(engine))
        entry = _RUNNERS.get(key)
        if entry is not None and entry[0] is engine and not entry[1].closed:
            return entry[1]
        runner = RUNNER_BACKENDS[name](engine)
        _RUNNERS[key] = (engine, runner)
        return runner


def shutdown_runners(wait: bool = False) -> None:
    """Stop every runner :func:`get_runner` made (tests, the CLI on exit)."""
    with _RUNNERS_LOCK:
        entries = list(_RUNNERS.values())
        _RUNNERS.clear()
    for _, runner in entries:
        runner.shutdown(wait=wait)
