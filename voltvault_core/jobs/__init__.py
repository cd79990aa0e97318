"""The job runner: long work away from the page, recorded in the ``Job`` table.

Usage::

    from voltvault_core.jobs import get_runner, JobFailed, JobCancelled

    runner = get_runner(engine)          # the UI holds it in st.cache_resource
    job_id = runner.submit("voltvault_core.cycling.jobs:parse_file", {"path": p}, kind="cycling-import",
                           project_id=project.id, user_id=user.id)
    runner.status(job_id)                # JobStatus(job_id, status, progress, message, error)
    value = runner.result(job_id, timeout=60)   # raises JobFailed(message) / JobCancelled
    runner.cancel(job_id)

Worker functions live in the package (never in page scripts) and look like::

    def parse_file(*, path: str, progress) -> dict:
        progress(0.5, "reading cycles")
        ...
        return {...}          # picklable

Backends (:data:`RUNNER_BACKENDS`): ``process`` — a pool of persistent local worker processes
(``VOLTVAULT_WORKERS``, default the CPU count); ``dask`` — a Dask distributed cluster, chosen when
``VOLTVAULT_DASK_SCHEDULER=tcp://host:port`` is set.

Around it: :mod:`~voltvault_core.jobs.service` (list and cancel jobs with the project roles checked),
:mod:`~voltvault_core.jobs.cli` (``voltvault jobs list|show|cancel``), :mod:`~voltvault_core.jobs.store`
(the ``Job`` rows), :mod:`~voltvault_core.jobs.testing_tasks` (job functions for the tests).

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
