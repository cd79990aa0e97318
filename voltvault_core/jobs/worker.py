"""The loop inside each process of the local pool.

A worker lives as long as the pool (so numba compiles a kernel once per process, not once per job):
it receives ``("run", job_id, func_path, payload, memory_limit_bytes)`` on its pipe, calls the
function, and answers with ``("progress", job_id, fraction, message)``, then ``("completed", job_id,
value)`` or ``("failed", job_id, error, traceback)``. It exits on ``("stop",)``, when the pipe
closes, or when its parent process disappears.

Messages to the pool (on the same pipe)::

    ("ready", pid)
    ("progress", job_id, fraction, message)
    ("completed", job_id, value)
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


def run_job(
    conn: Connection, job_id: int, func_path: str, payload: bytes, memory_limit_bytes: int | None
) -> None:
    """Run one job and send its outcome; never raises (an error becomes a ``failed`` message)."""
    try:
        kwargs: dict[str, Any] = pickle.loads(payload)
        function = resolve_function(func_path)
        with address_space_limit(memory_limit_bytes):
            value = function(**kwargs, progress=PipeProgress(conn, job_id))
    except BaseException as exc:  # the job's failure, whatever it is, is reported, not fatal
        error = describe_exception(exc)
        if isinstance(exc, MemoryError) and memory_limit_bytes is not None:
            error = f"{error} (the job's memory limit is {memory_limit_bytes / 2**20:.0f} MiB)"
        conn.send(("failed", job_id, error, traceback.format_exc()))
        return
    try:
        conn.send(("completed", job_id, value))
    except Exception as exc:  # the pickling failed before anything was written to the pipe
        conn.send(
            (
                "failed",
                job_id,
                f"the job finished but its result cannot be sent back ({describe_exception(exc)}); "
                "job functions must return picklable values (numbers, arrays, dataclasses, dicts)",
                traceback.format_exc(),
            )
        )


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
        _, job_id, func_path, payload, memory_limit_bytes = message
        run_job(conn, job_id, func_path, payload, memory_limit_bytes)
        sys.stdout.flush()
        sys.stderr.flush()


def main_from_fd() -> None:
    """Entry point of a worker interpreter: ``python -c ... <socket fd> <parent pid>`` (see ``pool.py``)."""
    fd, parent_pid = int(sys.argv[1]), int(sys.argv[2])
    worker_main(Connection(fd), parent_pid)
