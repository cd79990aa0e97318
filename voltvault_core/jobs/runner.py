"""The runner API shared by the backends: submit, status, result, cancel, wait, shutdown.

A backend (the local process pool, Dask) only says how a job reaches a worker and how it is stopped;
this class keeps the in-memory records (state and progress, never results), writes the ``Job`` rows,
holds their leases (a heartbeat thread renews them and reaps the rows of dead processes) and answers
the callers. Results are artifacts the worker side stored (:mod:`voltvault_core.jobs.results`).
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy.engine import Engine

from voltvault_core.jobs import results, store
from voltvault_core.jobs.base import (
    JobCancelled,
    JobFailed,
    JobNotFound,
    JobResultUnavailable,
    JobState,
    JobStatus,
    check_func_path,
    clamp_fraction,
    progress_message,
)

log = logging.getLogger(__name__)

#: How often progress reaches the ``Job`` row at most, per job [s].
PROGRESS_DB_INTERVAL_S = 0.25
#: Finished jobs whose states stay in memory (oldest forgotten first; results are never held here).
KEEP_FINISHED_JOBS = 512
#: How often a runner looks for its jobs cancelled in the database by another process (CLI, other app) [s].
CANCEL_SYNC_INTERVAL_S = 1.0
#: How often ``result()``/``wait()`` re-read the row of a job this runner does not hold [s].
DB_POLL_INTERVAL_S = 0.2


@dataclass(eq=False)
class JobRecord:
    """What a runner knows about one job it submitted (backends add their own fields in ``extra``)."""

    job_id: int
    func_path: str
    payload: bytes  # the pickled keyword arguments
    kind: str
    timeout_s: float | None = None
    memory_limit_bytes: int | None = None
    state: JobState = JobState.QUEUED
    progress: float = 0.0
    message: str | None = None
    error: str | None = None
    detail: str | None = None
    worker_pid: int | None = None
    started_monotonic_s: float | None = None
    done: threading.Event = field(default_factory=threading.Event)
    extra: dict[str, Any] = field(default_factory=dict)

    def snapshot(self) -> JobStatus:
        return JobStatus(self.job_id, self.state, self.progress, self.message, self.error)


class WaitResult(NamedTuple):
    """``wait()`` answer: the ids that finished and those still queued or running."""

    done: list[int]
    not_done: list[int]


class JobRunner(ABC):
    """Runs ``module:function`` jobs and records them in the ``Job`` table of ``engine``.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The database whose ``job`` table records the jobs.

    Notes
    -----
    Use :func:`voltvault_core.jobs.get_runner` rather than the classes: it picks the backend from the
    environment and keeps one runner per engine. Every method is thread-safe.
    """

    #: stored in ``Job.backend``
    backend: str = ""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: the URL the worker side opens to store results (ValueError for in-memory SQLite)
        self.database_url = results.engine_url(engine)
        #: who holds this runner's rows (``Job.owner``): host, process and a token of this runner
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_s = store.lease_seconds()
        self._lock = threading.RLock()
        self._records: dict[int, JobRecord] = {}
        self._finished_order: OrderedDict[int, None] = OrderedDict()
        self._closed = False
        self._last_cancel_sync_s = time.monotonic()
        # progress writes, coalesced per job and written by one thread
        self._pending_progress: dict[int, tuple[float, str | None]] = {}
        self._progress_cv = threading.Condition()
        self._progress_stop = False
        self._progress_thread = threading.Thread(
            target=self._progress_writer_loop, name=f"voltvault-jobs-{self.backend}-progress", daemon=True
        )
        self._progress_thread.start()
        self._heartbeat_stop = threading.Event()
        self._heartbeat_thread = threading.Thread(
            target=self._heartbeat_loop, name=f"voltvault-jobs-{self.backend}-lease", daemon=True
        )
        self._heartbeat_thread.start()

    # ------------------------------------------------------------------------------------------- API
    def submit(
        self,
        func_path: str,
        kwargs: dict[str, Any] | None = None,
        *,
        kind: str,
        project_id: int | None = None,
        user_id: int | None = None,
        engine: Engine | None = None,
        timeout_s: float | None = None,
        memory_limit_bytes: int | None = None,
    ) -> int:
        """Queue ``func_path(**kwargs, progress=...)`` and return the new job's id.

        Parameters
        ----------
        func_path : str
            ``"package.module:function"``, resolved inside the worker. The function takes the keyword
            arguments plus ``progress`` (``progress(fraction, message=None)``) and returns a picklable value.
        kwargs : dict, optional
            Keyword arguments; they must pickle (numbers, strings, numpy arrays, dataclasses, ...).
        kind : str
            What the job is, for the dashboard (``"simulation"``, ``"cycling-import"``, ...).
        project_id, user_id : int, optional
            Owner of the job (stored in the row).
        engine : Engine, optional
            Accepted for callers that pass their engine; it must be the runner's own database.
        timeout_s : float, optional
            Wall-time limit from the moment the job starts [s]; past it the job is stopped and failed.
        memory_limit_bytes : int, optional
            Address-space limit of the worker process while this job runs [B] (process backend on
            POSIX; a Dask cluster applies its workers' own ``memory_limit`` instead). Exceeding it
            raises ``MemoryError`` in the job, which then fails. The limit counts virtual memory: a worker
            that has imported numpy, pandas, pyarrow and numba already maps about 2 GB while using
            0.3 GB, so limits below about 3 GB stop ordinary jobs.

        Raises
        ------
        ValueError
            Bad function path, unknown module, an argument called ``progress``, another engine.
        TypeError
            Keyword arguments that cannot be pickled.
        RuntimeError
            The runner has been shut down.

        Notes
        -----
        The row is written in its own transaction. On SQLite, submit before writing in a transaction of
        your own that is still open (SQLite has one writer at a time; the submit would wait for it).
        """
        if engine is not None and engine is not self.engine and str(engine.url) != str(self.engine.url):
            raise ValueError(
                f"this job runner records jobs in {self.engine.url!r}, not {engine.url!r}; "
                "use get_runner(engine) to get the runner of that database"
            )
        if not kind or not isinstance(kind, str):
            raise ValueError("submit(..., kind=...) needs a non-empty job kind such as 'simulation'")
        kwargs = dict(kwargs or {})
        if "progress" in kwargs:
            raise ValueError("'progress' is passed to job functions by the runner; rename that argument")
        if timeout_s is not None and not timeout_s > 0:
            raise ValueError(f"timeout_s must be a positive number of seconds, got {timeout_s!r}")
        if memory_limit_bytes is not None and not memory_limit_bytes > 0:
            raise ValueError(f"memory_limit_bytes must be positive, got {memory_limit_bytes!r}")
        check_func_path(func_path)
        try:
            payload = pickle.dumps(kwargs, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise TypeError(
                f"the arguments of job {func_path!r} cannot be sent to a worker ({exc}); pass plain data "
                "(numbers, strings, lists, dicts, numpy arrays), not open files, sessions or engines"
            ) from exc
        with self._lock:
            if self._closed:
                raise RuntimeError("this job runner has been shut down; get a new one with get_runner()")
        job_id = store.create_job_row(
            self.engine,
            kind=kind,
            func_path=func_path,
            backend=self.backend,
            project_id=project_id,
            user_id=user_id,
            owner=self.owner,
            lease_s=self.lease_s,
        )
        record = JobRecord(
            job_id=job_id,
            func_path=func_path,
            payload=payload,
            kind=kind,
            timeout_s=timeout_s,
            memory_limit_bytes=memory_limit_bytes,
        )
        with self._lock:
            closed = self._closed
            if not closed:
                self._records[job_id] = record
                self._enqueue(record)
        if closed:  # shut down while the row was being written
            store.finish_job_row(self.engine, job_id, JobState.CANCELLED, error="the job runner shut down")
            raise RuntimeError("this job runner has been shut down; get a new one with get_runner()")
        return job_id

    def status(self, job_id: int) -> JobStatus:
        """Where the job stands: from memory when this runner holds it, else from its ``Job`` row.

        Raises
        ------
        JobNotFound
            No such job in the database.
        """
        with self._lock:
            record = self._records.get(job_id)
            if record is not None:
                return record.snapshot()
        row = store.read_job_row(self.engine, job_id)
        if row is None:
            raise JobNotFound(f"no job with id {job_id}")
        return JobStatus(job_id, JobState(row.status), float(row.progress or 0.0), row.message, row.error)

    def result(self, job_id: int, timeout: float | None = None) -> Any:
        """Wait for the job and return its stored result (read from its artifact, see :mod:`.results`).

        Pages do not call this with a long timeout: they show :meth:`status` and read the result once
        the row says ``completed`` (any process can, after any restart).

        Parameters
        ----------
        timeout : float, optional
            Longest wait [s]; None waits for as long as it takes.

        Raises
        ------
        JobFailed
            The job raised (message: exception type and text), its worker died, or it timed out.
        JobCancelled
            The job was cancelled.
        TimeoutError
            Still not finished after ``timeout`` seconds.
        JobResultUnavailable
            It completed without a stored result (a row written before results were artifacts).
        """
        with self._lock:
            record = self._records.get(job_id)
        if record is None:
            return self._result_from_row(job_id, timeout)
        if not record.done.wait(timeout):
            raise TimeoutError(f"job {job_id} has not finished after {timeout} s (status {record.state})")
        if record.state is JobState.COMPLETED:
            return self._stored_result(job_id)
        if record.state is JobState.CANCELLED:
            raise JobCancelled(job_id, record.error or f"job {job_id} was cancelled")
        raise JobFailed(job_id, record.error or f"job {job_id} failed", record.detail)

    def wait(self, job_ids: Iterable[int], timeout: float | None = None) -> WaitResult:
        """Wait until all the jobs have finished, or ``timeout`` seconds [s] have passed."""
        ids = list(job_ids)
        deadline_s = None if timeout is None else time.monotonic() + timeout
        not_done: list[int] = []
        for job_id in ids:
            remaining_s = None if deadline_s is None else max(0.0, deadline_s - time.monotonic())
            if not self._wait_one(job_id, remaining_s):
                not_done.append(job_id)
        return WaitResult([i for i in ids if i not in not_done], not_done)

    def cancel(self, job_id: int) -> bool:
        """Cancel a job: a queued job never runs; a running job's worker is stopped.

        Returns
        -------
        bool
            True when the job is now cancelled by this call; False when it had already finished.
            A job of another runner (another app process) is cancelled through its row: that runner
            does not start it, or stops it within about :data:`CANCEL_SYNC_INTERVAL_S`.
        """
        with self._lock:
            record = self._records.get(job_id)
            if record is not None:
                if record.state.is_terminal:
                    return False
                was_running = record.state is JobState.RUNNING
                self._mark_finished(
                    record,
                    JobState.CANCELLED,
                    error=(
                        "cancelled while running; its worker was stopped"
                        if was_running
                        else "cancelled before it started"
                    ),
                )
        if record is None:
            return self._cancel_foreign(job_id)
        try:
            self._cancel_in_backend(record, was_running)
        finally:
            self._after_finished(record)
        return True

    def shutdown(self, wait: bool = True, *, cancel_pending: bool = False) -> None:
        """Stop the runner.

        Parameters
        ----------
        wait : bool
            True: let the queued and running jobs finish first. False: cancel them all now.
        cancel_pending : bool
            With ``wait=True``, cancel the jobs still queued and wait only for the running ones.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            open_records = [r for r in self._records.values() if not r.state.is_terminal]
        try:
            for record in open_records:
                if not wait or (cancel_pending and record.state is JobState.QUEUED):
                    try:
                        self.cancel(record.job_id)
                    except Exception:  # a backend hiccup must not leave workers and connections behind
                        log.exception("could not cancel job %s while shutting down", record.job_id)
            for record in open_records:
                record.done.wait()
        finally:
            try:
                self._stop_backend()
            finally:
                self._heartbeat_stop.set()
                self._stop_progress_writer()

    def _stop_progress_writer(self) -> None:
        with self._progress_cv:
            self._progress_stop = True
            self._progress_cv.notify_all()
        self._progress_thread.join(timeout=5)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> JobRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown(wait=exc_info[0] is None)

    # --------------------------------------------------------------------------------- for backends
    @abstractmethod
    def _enqueue(self, record: JobRecord) -> None:
        """Hand a new job to the backend (called with the lock held)."""

    @abstractmethod
    def _cancel_in_backend(self, record: JobRecord, was_running: bool) -> None:
        """Make sure a job just marked cancelled does not run / stops running (lock not held)."""

    @abstractmethod
    def _stop_backend(self) -> None:
        """Release workers and connections once every job has finished."""

    def _on_started(self, record: JobRecord, worker_pid: int | None) -> None:
        with self._lock:
            if record.state is not JobState.QUEUED:
                return
            record.state = JobState.RUNNING
            record.worker_pid = worker_pid
            record.started_monotonic_s = time.monotonic()

    def _on_progress(self, record: JobRecord, fraction: float, message: str | None) -> None:
        """A progress report from the worker: kept in memory at once, written to the row throttled."""
        try:
            fraction = clamp_fraction(fraction)
        except ValueError:
            return
        message = progress_message(message)
        with self._lock:
            if record.state.is_terminal:
                return
            record.progress = fraction
            if message is not None:
                record.message = message
        with self._progress_cv:
            self._pending_progress[record.job_id] = (fraction, record.message)
            self._progress_cv.notify()

    def _finish(
        self,
        record: JobRecord,
        state: JobState,
        *,
        error: str | None = None,
        detail: str | None = None,
    ) -> bool:
        """Move a job to a terminal state (memory, then row, then wake the waiters); False if already.

        For ``completed`` the worker side has written the row (and linked the result) already.
        """
        with self._lock:
            if not self._mark_finished(record, state, error=error, detail=detail):
                return False
        self._after_finished(record)
        return True

    def _mark_finished(
        self,
        record: JobRecord,
        state: JobState,
        *,
        error: str | None = None,
        detail: str | None = None,
    ) -> bool:
        """The in-memory half of :meth:`_finish` (lock held)."""
        if record.state.is_terminal:
            return False
        record.state = state
        record.error = error
        record.detail = detail
        record.payload = b""
        if state is JobState.COMPLETED:
            record.progress = 1.0
        return True

    def _after_finished(self, record: JobRecord) -> None:
        """The row half of :meth:`_finish`: write the final state, then wake ``result()`` callers."""
        with self._progress_cv:
            self._pending_progress.pop(record.job_id, None)
        try:
            if not record.extra.get("row_closed"):
                store.finish_job_row(
                    self.engine,
                    record.job_id,
                    record.state,
                    error=record.error,
                    detail=record.detail,
                    progress=record.progress,
                    message=record.message,
                )
        except Exception:  # retried already; the lease (no longer renewed) lets the row be reaped
            log.exception("could not record the end of job %s in the database", record.job_id)
        finally:
            record.done.set()
            self._forget_old_results(record.job_id)

    def _adopt_row(self, record: JobRecord) -> None:
        """The row was closed by someone else (the worker side, a reaper, a cancel elsewhere): take its
        final state into memory without writing the row."""
        try:
            row = store.read_job_row(self.engine, record.job_id)
        except Exception:
            log.exception("could not read the row of job %s", record.job_id)
            return
        if row is None or not JobState(row.status).is_terminal:
            return
        record.extra["row_closed"] = True
        self._finish(record, JobState(row.status), error=row.error, detail=row.detail)

    def _heartbeat_loop(self) -> None:
        """Renew the leases of this runner's open rows, reap the rows of dead owners, and stop the jobs
        whose rows were closed elsewhere (cancelled, or reaped after this process lost the database)."""
        interval_s = max(0.05, self.lease_s / 4.0)
        try:
            store.reap_expired_jobs(self.engine)
        except Exception:  # a missing table or a locked database must not stop the runner
            log.exception("could not look for abandoned jobs")
        while not self._heartbeat_stop.wait(interval_s):
            with self._lock:
                open_ids = [r.job_id for r in self._records.values() if not r.state.is_terminal]
            try:
                store.renew_leases(self.engine, self.owner, open_ids, self.lease_s)
            except Exception:
                log.exception("could not renew the leases of jobs %s", open_ids)
                continue
            try:
                store.reap_expired_jobs(self.engine)
            except Exception:
                log.exception("could not reap abandoned jobs")
            self._sync_closed_rows(open_ids)

    def _sync_cancellations(self) -> None:
        """Cancel here the jobs that were cancelled in their rows elsewhere (``voltvault jobs cancel``,
        another app process); backends call this from their loops, at most every
        :data:`CANCEL_SYNC_INTERVAL_S`."""
        now_s = time.monotonic()
        if now_s - self._last_cancel_sync_s < CANCEL_SYNC_INTERVAL_S:
            return
        self._last_cancel_sync_s = now_s
        with self._lock:
            open_ids = [r.job_id for r in self._records.values() if not r.state.is_terminal]
        self._sync_closed_rows(open_ids)

    def _sync_closed_rows(self, open_ids: list[int]) -> None:
        """Jobs open here whose rows are closed: cancelled or failed (reaped) rows stop the job here."""
        if not open_ids:
            return
        try:
            statuses = store.read_statuses(self.engine, open_ids)
        except Exception:
            log.exception("could not read the status of the running jobs")
            return
        for job_id, status in statuses.items():
            if status == JobState.CANCELLED.value:
                self.cancel(job_id)
            elif status == JobState.FAILED.value:
                with self._lock:
                    record = self._records.get(job_id)
                if record is None or record.state.is_terminal:
                    continue
                was_running = record.state is JobState.RUNNING
                self._adopt_row(record)
                try:
                    self._cancel_in_backend(record, was_running)
                except Exception:
                    log.exception("could not stop job %s, failed in its row", job_id)

    # ------------------------------------------------------------------------------------- internals
    def _stored_result(self, job_id: int) -> Any:
        try:
            return results.load_job_result(self.engine, job_id)
        except LookupError as exc:
            raise JobResultUnavailable(f"job {job_id} completed, but {exc}") from None

    def _forget_old_results(self, job_id: int) -> None:
        with self._lock:
            self._finished_order[job_id] = None
            while len(self._finished_order) > KEEP_FINISHED_JOBS:
                old_id, _ = self._finished_order.popitem(last=False)
                self._records.pop(old_id, None)

    def _progress_writer_loop(self) -> None:
        while True:
            with self._progress_cv:
                while not self._pending_progress and not self._progress_stop:
                    self._progress_cv.wait()
                if self._progress_stop and not self._pending_progress:
                    return
                pending, self._pending_progress = self._pending_progress, {}
            for job_id, (fraction, message) in pending.items():
                try:
                    store.write_progress(self.engine, job_id, fraction, message)
                except Exception:
                    log.exception("could not record the progress of job %s", job_id)
            time.sleep(PROGRESS_DB_INTERVAL_S)

    def _wait_one(self, job_id: int, timeout: float | None) -> bool:
        with self._lock:
            record = self._records.get(job_id)
        if record is not None:
            return record.done.wait(timeout)
        deadline_s = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.status(job_id).done:
                return True
            if deadline_s is not None and time.monotonic() >= deadline_s:
                return False
            time.sleep(DB_POLL_INTERVAL_S)

    def _result_from_row(self, job_id: int, timeout: float | None) -> Any:
        if not self._wait_one(job_id, timeout):
            raise TimeoutError(f"job {job_id} has not finished after {timeout} s")
        row = store.read_job_row(self.engine, job_id)
        assert row is not None
        state = JobState(row.status)
        if state is JobState.CANCELLED:
            raise JobCancelled(job_id, row.error or f"job {job_id} was cancelled")
        if state is JobState.FAILED:
            raise JobFailed(job_id, row.error or f"job {job_id} failed", row.detail)
        return self._stored_result(job_id)

    def _cancel_foreign(self, job_id: int) -> bool:
        row = store.read_job_row(self.engine, job_id)
        if row is None:
            raise JobNotFound(f"no job with id {job_id}")
        state = JobState(row.status)
        if state.is_terminal:
            return False
        error = "cancelled before it started" if state is JobState.QUEUED else "cancelled while running"
        return store.finish_job_row(self.engine, job_id, JobState.CANCELLED, error=error)
