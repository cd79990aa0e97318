"""The loop inside each process of the local pool.

A worker lives as long as the pool (so numba compiles a kernel once per process, not once per job):
it receives ``("run", job_id, func_path, payload, memory_limit_bytes, database_url)`` on its pipe,
calls the function, stores its return value as the job's result artifact and marks the row completed
itself (:func:`voltvault_core.jobs.results.store_job_result`), then answers with the artifact id only:
results never travel back through the pipe. It exits on ``("stop",)``, when the pipe closes, or when
its parent process disappears.

Messages to the pool (on the same pipe)::

    ("ready", pid)
    ("progress", job_id, fraction, message)
    ("completed", job_id, artifact_id)        # the row is already completed, the result linked
    ("closed", job_id)                        # finished, but its row was cancelled/reaped meanwhile
    ("failed", job_id, readable_error, traceback_text)
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from voltvault_core.jobs.base import (
    ProgressThrottle,
    clamp_fraction,
    describe_exception,
    progress_message,
    resolve_function,
)

#: Time between two progress messages a worker sends for one job [s] (message changes and 1.0 always go).
WORKER_PROGRESS_INTERVAL_S = 0.1
#: Environment variable through which the pool hands its ``sys.path`` to a new worker.
SYS_PATH_VARIABLE = "VOLTVAULT_JOBS_SYS_PATH"
#: How often a worker checks that the process which started it is still alive [s].
PARENT_CHECK_INTERVAL_S = 1.0


class PipeProgress:
    """The ``progress(fraction, message=None)`` callable handed to job functions in a pool worker."""

    def __init__(self, conn: Connection, job_id: int, interval_s: float = WORKER_PROGRESS_INTERVAL_S) -> None:
        self._conn = conn
        self._job_id = job_id
        self._throttle = ProgressThrottle(interval_s)

    def __call__(self, fraction: float, message: str | None = None) -> None:
        value = clamp_fraction(fraction)
        text = progress_message(message)
        if self._throttle.should_send(value, text):
            self._conn.send(("progress", self._job_id, value, text))


@contextlib.contextmanager
def address_space_limit(limit_bytes: int | None) -> Iterator[None]:
    """Lower this process's address-space limit (``RLIMIT_AS``) while one job runs [B] (POSIX only)."""
    if limit_bytes is None:
        yield
        return
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    new_soft = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (new_soft, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def memory_error_message(memory_limit_bytes: int | None) -> str:
    """What a job that ran out of memory is failed with (never a bare ``MemoryError`` traceback)."""
    limit = (
        f"the job's memory limit is {memory_limit_bytes / 2**20:.0f} MiB"
        if memory_limit_bytes is not None
        else "its worker has no more"
    )
    return (
        f"MemoryError: the job needed more memory than it may use ({limit}) and was stopped; "
        "make it smaller (a coarser output period, fewer points, a smaller file) and run it again"
    )


def finish_in_worker(database_url: str, job_id: int, value: Any) -> tuple[Any, ...]:
    """Store a job's value as its result (worker side) and say how that went, as a pool message."""
    from voltvault_core.jobs.results import ResultNotStored, store_job_result, worker_engine

    try:
        artifact_id = store_job_result(worker_engine(database_url), job_id, value)
    except ResultNotStored as exc:
        return ("failed", job_id, str(exc), traceback.format_exc())
    except MemoryError:
        return ("failed", job_id, memory_error_message(None), traceback.format_exc())
    except Exception as exc:  # the database refused every attempt
        return (
            "failed",
            job_id,
            f"the job finished but its result could not be stored in the database ({describe_exception(exc)})",
            traceback.format_exc(),
        )
    if artifact_id is None:
        return ("closed", job_id)
    return ("completed", job_id, artifact_id)


def run_job(
    conn: Connection,
    job_id: int,
    func_path: str,
    payload: bytes,
    memory_limit_bytes: int | None,
    database_url: str,
) -> None:
    """Run one job, store its result and send its outcome; never raises (an error is a ``failed`` message)."""
    try:
        kwargs: dict[str, Any] = pickle.loads(payload)
        function = resolve_function(func_path)
        with address_space_limit(memory_limit_bytes):
            value = function(**kwargs, progress=PipeProgress(conn, job_id))
    except MemoryError:
        value = None  # free what we can before describing it
        conn.send(("failed", job_id, memory_error_message(memory_limit_bytes), traceback.format_exc()))
        return
    except BaseException as exc:  # the job's failure, whatever it is, is reported, not fatal
        conn.send(("failed", job_id, describe_exception(exc), traceback.format_exc()))
        return
    conn.send(finish_in_worker(database_url, job_id, value))


def _exit_when_orphaned(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_INTERVAL_S)
        if os.getppid() != parent_pid:
            os._exit(0)


def worker_main(conn: Connection, parent_pid: int) -> None:
    """Entry point of a pool process (``multiprocessing`` target)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to the parent, which stops us
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), name="orphan-watch", daemon=True).start()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "stop":
            return
        _, job_id, func_path, payload, memory_limit_bytes, database_url = message
        run_job(conn, job_id, func_path, payload, memory_limit_bytes, database_url)
        sys.stdout.flush()
        sys.stderr.flush()


def main_from_fd() -> None:
    """Entry point of a worker interpreter: ``python -c ... <socket fd> <parent pid>`` (see ``pool.py``)."""
    fd, parent_pid = int(sys.argv[1]), int(sys.argv[2])
    worker_main(Connection(fd), parent_pid)
