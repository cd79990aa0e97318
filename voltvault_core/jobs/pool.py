"""The local backend: N persistent worker processes, each on its own pipe, fed by one dispatcher thread.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one of its workers dies, the whole executor
is broken and every later submit fails. Here a dead worker only fails the job it was running (with a
readable message naming the signal), and a fresh process takes its place. Cancelling a running job
kills its worker (then replaced); a job cancelled while queued is never sent to a worker.

Workers are fresh interpreters (``subprocess`` running :func:`voltvault_core.jobs.worker.main_from_fd`
on an inherited socket), never ``fork`` children: the parent has threads (Streamlit, this dispatcher),
and forking a threaded process can deadlock the child. Not ``multiprocessing`` "spawn" either: spawn
re-imports the parent's ``__main__``, and under ``streamlit run`` that is the page script being run, so
every worker would re-run the page (and start a pool of its own).
"""

from __future__ import annotations

import atexit
import collections
import json
import logging
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from sqlalchemy.engine import Engine

from voltvault_core.jobs import store
from voltvault_core.jobs.base import JobState
from voltvault_core.jobs.runner import JobRecord, JobRunner
from voltvault_core.jobs.worker import SYS_PATH_VARIABLE

log = logging.getLogger(__name__)

#: A worker that dies this many times in a row before it ever reports ready means the pool is broken.
MAX_STARTUP_FAILURES = 3
#: Longest time the dispatcher sleeps without looking at deadlines [s].
DISPATCH_TICK_S = 0.5
#: How long a stopping worker gets to exit before it is killed [s].
STOP_GRACE_S = 2.0


def default_worker_count() -> int:
    """``VOLTVAULT_WORKERS`` when set (a positive integer), else the CPUs this process may use.

    The CPUs come from the scheduler affinity where the platform has it (a container limited to 2 CPUs
    of a 64-CPU host gets 2 workers), else ``os.cpu_count()``.
    """
    text = os.environ.get("VOLTVAULT_WORKERS", "").strip()
    if text:
        try:
            count = int(text)
        except ValueError:
            raise ValueError(f"VOLTVAULT_WORKERS must be a positive integer, got {text!r}") from None
        if count < 1:
            raise ValueError(f"VOLTVAULT_WORKERS must be a positive integer, got {text!r}")
        return count
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def describe_exit(exitcode: int | None) -> str:
    """``"signal 9, SIGKILL"`` or ``"exit code 3"`` for a dead process."""
    if exitcode is None:
        return "unknown exit status"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
        return f"signal {-exitcode}, {name}"
    return f"exit code {exitcode}"


_BOOTSTRAP = (
    "import json, os, sys; sys.path[:0] = json.loads(os.environ.pop({var!r}, '[]')); "
    "from voltvault_core.jobs.worker import main_from_fd; main_from_fd()"
)


class _WorkerProcess:
    """A worker interpreter: ``subprocess.Popen`` plus a pidfd that becomes readable when it exits."""

    def __init__(self, child_fd: int) -> None:
        env = dict(os.environ)
        env[SYS_PATH_VARIABLE] = json.dumps([p for p in sys.path if p])
        self.popen = subprocess.Popen(
            [sys.executable, "-c", _BOOTSTRAP.format(var=SYS_PATH_VARIABLE), str(child_fd), str(os.getpid())],
            pass_fds=(child_fd,),
            stdin=subprocess.DEVNULL,
            env=env,
        )
        try:
            self.sentinel: int | None = os.pidfd_open(self.popen.pid)  # Linux >= 5.3
        except (AttributeError, OSError):
            self.sentinel = None  # end of the pipe and a periodic poll tell us instead

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def exitcode(self) -> int | None:
        return self.popen.poll()

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        if self.popen.poll() is None:
            try:
                self.popen.kill()
            except ProcessLookupError:
                pass

    def join(self, timeout: float | None = None) -> None:
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        if self.sentinel is not None:
            os.close(self.sentinel)
            self.sentinel = None


@dataclass(eq=False)
class _Worker:
    process: _WorkerProcess
    conn: Connection
    job: JobRecord | None = None
    ready: bool = False

    @property
    def pid(self) -> int | None:
        return self.process.pid


class ProcessPoolJobRunner(JobRunner):
    """Jobs run in a pool of persistent local worker processes.

    Parameters
    ----------
    engine : Engine
        Database of the ``Job`` rows.
    workers : int, optional
        Number of worker processes; default :func:`default_worker_count`.
    """

    backend = "process"

    def __init__(self, engine: Engine, *, workers: int | None = None) -> None:
        super().__init__(engine)
        self.worker_count = workers if workers is not None else default_worker_count()
        if self.worker_count < 1:
            raise ValueError(f"a job pool needs at least one worker, got {self.worker_count}")
        try:
            abandoned = store.fail_abandoned_local_jobs(engine)
        except Exception:  # a missing table or a locked database must not stop the app from starting
            log.exception("could not look for jobs abandoned by a stopped app")
        else:
            if abandoned:
                log.warning(
                    "marked %d job(s) abandoned by a stopped app as failed: %s", len(abandoned), abandoned
                )
        self._queue: collections.deque[JobRecord] = collections.deque()
        self._workers: list[_Worker] = []
        self._startup_failures = 0
        self._broken_reason: str | None = None
        self._stopping = False
        self._wake_reader, self._wake_writer = multiprocessing.Pipe(duplex=False)
        self._wake_lock = threading.Lock()
        for _ in range(self.worker_count):
            self._workers.append(self._start_worker())
        self._dispatcher = threading.Thread(
            target=self._dispatch_loop, name="voltvault-jobs-dispatcher", daemon=True
        )
        self._dispatcher.start()
        _register_exit_shutdown(self)

    # ------------------------------------------------------------------------------------ backend API
    def _enqueue(self, record: JobRecord) -> None:
        if self._broken_reason is not None:
            self._mark_finished(record, JobState.FAILED, error=self._broken_reason)
            threading.Thread(target=self._after_finished, args=(record,), daemon=True).start()
            return
        self._queue.append(record)
        self._wake()

    def _cancel_in_backend(self, record: JobRecord, was_running: bool) -> None:
        with self._lock:
            if not was_running:
                try:
                    self._queue.remove(record)
                except ValueError:
                    pass  # the dispatcher popped it meanwhile and skips it: it is no longer queued
                return
            for worker in self._workers:
                if worker.job is record:
                    _kill(worker.process)
        self._wake()

    def _stop_backend(self) -> None:
        with self._lock:
            self._stopping = True
        self._wake()
        self._dispatcher.join(timeout=10)
        for connection in (self._wake_reader, self._wake_writer):
            connection.close()

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the current workers (for monitoring and tests)."""
        with self._lock:
            return [w.pid for w in self._workers if w.pid is not None]

    # ------------------------------------------------------------------------------------- internals
    def _wake(self) -> None:
        with self._wake_lock:
            try:
                self._wake_writer.send_bytes(b"!")
            except OSError:  # closed during shutdown
                pass

    def _start_worker(self) -> _Worker:
        parent_socket, child_socket = socket.socketpair()
        try:
            process = _WorkerProcess(child_socket.fileno())
        finally:
            child_socket.close()
        return _Worker(process=process, conn=Connection(parent_socket.detach()))

    def _dispatch_loop(self) -> None:
        try:
            while True:
                self._assign_jobs()
                with self._lock:
                    if self._stopping:
                        break
                    waitables: list[Any] = [self._wake_reader]
                    for worker in self._workers:
                        waitables.append(worker.conn)
                        if worker.process.sentinel is not None:
                            waitables.append(worker.process.sentinel)
                for ready in wait(waitables, timeout=self._next_tick_s()):
                    if ready is self._wake_reader:
                        self._drain_wake()
                    else:
                        self._service(ready)
                self._enforce_time_limits()
                self._reap_silent_deaths()
                self._sync_cancellations()
        except Exception:  # pragma: no cover - a bug here must not hang every caller silently
            log.exception("the job dispatcher stopped")
            self._fail_everything("the job runner's dispatcher stopped unexpectedly; see the server log")
        finally:
            self._stop_workers()

    def _drain_wake(self) -> None:
        try:
            while self._wake_reader.poll():
                self._wake_reader.recv_bytes()
        except (EOFError, OSError):
            pass

    def _next_tick_s(self) -> float:
        tick_s = DISPATCH_TICK_S
        now_s = time.monotonic()
        with self._lock:
            for worker in self._workers:
                job = worker.job
                if job is not None and job.timeout_s is not None and job.started_monotonic_s is not None:
                    tick_s = min(tick_s, max(0.0, job.started_monotonic_s + job.timeout_s - now_s))
        return tick_s

    def _assign_jobs(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                idle = next((w for w in self._workers if w.job is None and w.process.is_alive()), None)
                if idle is None or not self._queue:
                    return
                record = self._queue.popleft()
                if record.state is not JobState.QUEUED:
                    continue  # cancelled (or failed) while it waited
                idle.job = record
                self._on_started(record, idle.pid)
            if not store.mark_running(self.engine, record.job_id, worker_pid=idle.pid):
                # cancelled in the database by another process while it waited: do not start it
                with self._lock:
                    idle.job = None
                self._finish(record, JobState.CANCELLED, error="cancelled before it started")
                continue
            try:
                idle.conn.send(
                    (
                        "run",
                        record.job_id,
                        record.func_path,
                        record.payload,
                        record.memory_limit_bytes,
                        self.database_url,
                    )
                )
            except (OSError, ValueError):
                # the worker died under us; the sentinel reports it and the job fails with the reason
                log.warning("could not hand job %s to worker %s", record.job_id, idle.pid)

    def _service(self, ready: Any) -> None:
        with self._lock:
            worker = next(
                (w for w in self._workers if ready is w.conn or ready == w.process.sentinel),
                None,
            )
        if worker is None:
            return
        alive = self._read_messages(worker)
        if alive and worker.process.is_alive():
            return
        self._reap(worker)

    def _read_messages(self, worker: _Worker) -> bool:
        """Handle everything the worker has sent; False once its pipe is closed."""
        try:
            while worker.conn.poll():
                self._handle(worker, worker.conn.recv())
        except (EOFError, OSError):
            return False
        except Exception:  # a message that does not unpickle: report on the job, keep the worker
            log.exception("unreadable message from job worker %s", worker.pid)
            if worker.job is not None:
                self._finish_worker_job(
                    worker, JobState.FAILED, error="the job's result could not be read back from its worker"
                )
        return True

    def _handle(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            self._startup_failures = 0
            return
        job = worker.job
        if job is None or message[1] != job.job_id:
            return  # a late message of a job already cancelled
        if kind == "progress":
            self._on_progress(job, message[2], message[3])
        elif kind == "completed":  # the worker has completed the row and linked the result artifact
            job.extra["row_closed"] = True
            self._finish_worker_job(worker, JobState.COMPLETED)
        elif kind == "closed":  # it finished, but its row had been cancelled or reaped meanwhile
            with self._lock:
                worker.job = None
            self._adopt_row(job)
        elif kind == "failed":
            self._finish_worker_job(worker, JobState.FAILED, error=message[2], detail=message[3])

    def _finish_worker_job(self, worker: _Worker, state: JobState, **outcome: Any) -> None:
        """The worker is free again; its job ends in ``state``."""
        with self._lock:
            job, worker.job = worker.job, None
        if job is not None:
            self._finish(job, state, **outcome)

    def _reap(self, worker: _Worker) -> None:
        """A worker process ended: fail its job (unless cancelled or timed out), replace the process."""
        worker.process.join(timeout=5)
        exit_text = describe_exit(worker.process.exitcode)
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            job, worker.job = worker.job, None
        worker.conn.close()
        worker.process.close()
        if job is not None and not worker.ready:
            self._requeue(job)  # it died while starting up: the job never reached it
        elif job is not None:
            self._finish(
                job,
                JobState.FAILED,
                error=(
                    f"the worker process died ({exit_text}) while running this job; it may have run out of "
                    "memory or been killed by the operating system. The job was not retried; the pool carries on."
                ),
            )
        if not worker.ready:
            self._startup_failures += 1
            log.error("a job worker died before it was ready (%s)", exit_text)
            if self._startup_failures >= MAX_STARTUP_FAILURES:
                self._fail_everything(
                    f"job worker processes cannot start ({exit_text}, {self._startup_failures} times in a row); "
                    "check the server log and that voltvault_core imports in a fresh Python process"
                )
                return
        else:
            self._startup_failures = 0
        with self._lock:
            if self._stopping:
                return
            self._workers.append(self._start_worker())

    def _requeue(self, record: JobRecord) -> None:
        with self._lock:
            if record.state is not JobState.RUNNING:
                return
            record.state = JobState.QUEUED
            record.worker_pid = None
            record.started_monotonic_s = None
            self._queue.appendleft(record)
        store.requeue_job_row(self.engine, record.job_id)

    def _reap_silent_deaths(self) -> None:
        """A worker that died while a child of its job keeps the socket open sends no end-of-file."""
        with self._lock:
            dead = [w for w in self._workers if not w.process.is_alive()]
        for worker in dead:
            self._read_messages(worker)
            self._reap(worker)

    def _enforce_time_limits(self) -> None:
        now_s = time.monotonic()
        with self._lock:
            expired = [
                w
                for w in self._workers
                if w.job is not None
                and w.job.timeout_s is not None
                and w.job.started_monotonic_s is not None
                and now_s - w.job.started_monotonic_s >= w.job.timeout_s
            ]
        for worker in expired:
            job = worker.job
            if job is None:
                continue
            self._finish(
                job,
                JobState.FAILED,
                error=f"the job ran longer than its time limit of {job.timeout_s:g} s and was stopped",
            )
            _kill(worker.process)

    def _fail_everything(self, reason: str) -> None:
        """Fail every queued and running job, and every later submission, with ``reason``."""
        with self._lock:
            self._broken_reason = reason
            open_jobs = list(self._queue) + [w.job for w in self._workers if w.job is not None]
            self._queue.clear()
        for record in open_jobs:
            self._finish(record, JobState.FAILED, error=reason)

    def _stop_workers(self) -> None:
        with self._lock:
            workers, self._workers = list(self._workers), []
        for worker in workers:
            try:
                worker.conn.send(("stop",))
            except (OSError, ValueError):
                pass
        deadline_s = time.monotonic() + STOP_GRACE_S
        for worker in workers:
            worker.process.join(timeout=max(0.0, deadline_s - time.monotonic()))
            if worker.process.is_alive():
                _kill(worker.process)
                worker.process.join(timeout=5)
            worker.conn.close()
            worker.process.close()


def _kill(process: Any) -> None:
    try:
        process.kill()
    except (OSError, ValueError, AttributeError):  # already gone or closed
        pass


# One exit hook for all pools: cancel their open jobs (rows say so) and stop the workers at exit.
_LIVE_POOLS: weakref.WeakSet[ProcessPoolJobRunner] = weakref.WeakSet()


def _register_exit_shutdown(runner: ProcessPoolJobRunner) -> None:
    _LIVE_POOLS.add(runner)


@atexit.register
def _shutdown_live_pools() -> None:
    for runner in list(_LIVE_POOLS):
        try:
            runner.shutdown(wait=False)
        except Exception:  # pragma: no cover - best effort at interpreter exit
            log.exception("could not stop a job pool at exit")
