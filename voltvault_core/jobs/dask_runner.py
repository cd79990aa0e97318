"""The Dask backend: the same jobs on a ``distributed`` cluster (``VOLTVAULT_DASK_SCHEDULER=tcp://host:port``).

How the contract maps onto Dask:

- submit: ``client.submit(run_dask_job, ...)`` with a unique key, ``pure=False``, no retries.
- progress and start: the task logs events on a topic private to this runner
  (``Worker.log_event``); the runner subscribes to it (``Client.subscribe_topic``).
- a killed worker: the scheduler reports ``KilledWorker`` when its ``allowed-failures`` is 0. On a
  scheduler that re-runs tasks after worker deaths (the default allows 3), the second attempt asks the
  scheduler how often the task's workers died and fails at once instead of running the job again.
- cancel: ``Future.cancel()``; a task that has not started checks with the scheduler that it is still
  wanted before calling the job function, so a job cancelled while queued never runs. A running job is
  interrupted in its worker thread (an asynchronous exception, raised between Python bytecodes; a long
  compiled call finishes first), and its next ``progress()`` call raises too. The worker process
  itself is not killed: on a shared cluster it may be running other people's tasks.
- a time limit: the runner cancels the job the same way once it has run for ``timeout_s``.
- results: the task marks the row running, then stores the function's value as the job's result
  artifact and completes the row itself, on the Dask worker; only the artifact id comes back. So the
  Dask workers need the database too (the runner hands them its URL; keep the cluster on a trusted
  network). A task whose client died keeps running; if its row was reaped meanwhile, its result is
  dropped (the compare-and-set on the row fails) and the row keeps saying why it was reaped.

Dask workers must have ``voltvault`` installed (the job functions are imported there); run them with
one thread each (``--nthreads 1``) for CPU-bound jobs.
"""

from __future__ import annotations

import ctypes
import logging
import os
import pickle
import queue
import threading
import time
import uuid
from typing import Any

from sqlalchemy.engine import Engine

from voltvault_core.jobs import store
from voltvault_core.jobs.base import (
    JobState,
    JobStopRequested,
    ProgressThrottle,
    clamp_fraction,
    describe_exception,
    progress_message,
    resolve_function,
)
from voltvault_core.jobs.runner import JobRecord, JobRunner

log = logging.getLogger(__name__)

#: Time between two progress events a task sends [s] (message changes and 1.0 always go).
DASK_PROGRESS_INTERVAL_S = 0.1
#: How often the monitor thread looks at time limits when nothing else happens [s].
MONITOR_TICK_S = 0.25

# ----------------------------------------------------------------------------------- the worker side
_RUNNING_THREADS: dict[str, int] = {}  # job token -> thread running it, in this worker process
_STOP_REQUESTED: set[str] = set()
_WORKER_STATE_LOCK = threading.Lock()


class _DaskProgress:
    """``progress(fraction, message=None)`` for a job on a Dask worker: events to the runner's topic."""

    def __init__(self, worker: Any, topic: str, job_id: int, token: str) -> None:
        self._worker = worker
        self._topic = topic
        self._job_id = job_id
        self._token = token
        self._throttle = ProgressThrottle(DASK_PROGRESS_INTERVAL_S)

    def __call__(self, fraction: float, message: str | None = None) -> None:
        if self._token in _STOP_REQUESTED:
            raise JobStopRequested
        value = clamp_fraction(fraction)
        text = progress_message(message)
        if self._throttle.should_send(value, text):
            self._worker.log_event(
                self._topic,
                {
                    "type": "progress",
                    "job_id": self._job_id,
                    "token": self._token,
                    "fraction": value,
                    "message": text,
                },
            )


class WorkerDied(RuntimeError):
    """Raised by a re-run of a task whose earlier worker died: the job is failed, not run twice."""


# Functions run on the scheduler are closures, which cloudpickle sends by value: the scheduler needs no
# voltvault install. Cancelled job tokens are kept on the scheduler object, which every task asks.
_SCHEDULER_CANCELLED_ATTRIBUTE = "_voltvault_cancelled_job_tokens"


def _admission(key: Any, token: str) -> Any:
    """Runs on the scheduler: is the task still wanted, and how many of its workers died?"""
    attribute = _SCHEDULER_CANCELLED_ATTRIBUTE

    def check(dask_scheduler: Any = None) -> Any:
        cancelled = getattr(dask_scheduler, attribute, set())
        if token in cancelled:
            cancelled.discard(token)
            return "cancelled"
        task = dask_scheduler.tasks.get(key)
        if task is None or not task.who_wants:
            return "cancelled"
        return int(task.suspicious)

    return check


def _mark_cancelled(token: str) -> Any:
    """Runs on the scheduler: remember that job ``token`` must not start."""
    attribute = _SCHEDULER_CANCELLED_ATTRIBUTE

    def mark(dask_scheduler: Any = None) -> None:
        if not hasattr(dask_scheduler, attribute):
            setattr(dask_scheduler, attribute, set())
        getattr(dask_scheduler, attribute).add(token)

    return mark


def run_dask_job(
    func_path: str, payload: bytes, job_id: int, topic: str, token: str, database_url: str
) -> tuple[Any, ...]:
    """The Dask task around a job function (imported by reference on the workers).

    Returns ``("completed", artifact_id)``, or ``("closed",)`` when the row was closed meanwhile; a
    result that cannot be stored raises :class:`~voltvault_core.jobs.results.ResultNotStored`.
    """
    from distributed import get_client, get_worker

    from voltvault_core.jobs.results import ResultNotStored, store_job_result, worker_engine
    from voltvault_core.jobs.worker import memory_error_message

    worker = get_worker()
    verdict = get_client().run_on_scheduler(_admission(worker.get_current_task(), token))
    if verdict == "cancelled":
        raise JobStopRequested
    if verdict:
        raise WorkerDied(
            f"the Dask worker running this job died {verdict} time(s); the job is not run again "
            "(it may have run out of memory or been killed)"
        )
    with _WORKER_STATE_LOCK:
        _RUNNING_THREADS[token] = threading.get_ident()
    try:
        worker.log_event(
            topic,
            {
                "type": "started",
                "job_id": job_id,
                "token": token,
                "pid": os.getpid(),
                "worker": worker.address,
            },
        )
        engine = worker_engine(database_url)
        if not store.mark_running(engine, job_id, worker_pid=os.getpid()):
            raise JobStopRequested  # cancelled (or reaped) in the database while it waited
        kwargs = pickle.loads(payload)
        function = resolve_function(func_path)
        try:
            value = function(**kwargs, progress=_DaskProgress(worker, topic, job_id, token))
        except MemoryError:
            raise ResultNotStored(memory_error_message(None)) from None
        artifact_id = store_job_result(engine, job_id, value)
        return ("closed",) if artifact_id is None else ("completed", artifact_id)
    finally:
        with _WORKER_STATE_LOCK:
            _RUNNING_THREADS.pop(token, None)
            _STOP_REQUESTED.discard(token)


def _interrupt_job(token: str) -> bool:
    """Runs in a worker process (``Client.run``): stop the thread running job ``token``, if it still does."""
    with _WORKER_STATE_LOCK:
        thread_id = _RUNNING_THREADS.get(token)
        if thread_id is None:
            return False
        _STOP_REQUESTED.add(token)
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread_id), ctypes.py_object(JobStopRequested)
        )
        return True


# ----------------------------------------------------------------------------------- the client side
class DaskJobRunner(JobRunner):
    """Jobs run on a Dask distributed cluster.

    Parameters
    ----------
    engine : Engine
        Database of the ``Job`` rows.
    scheduler_address : str, optional
        ``tcp://host:port``; default ``VOLTVAULT_DASK_SCHEDULER``.
    connect_timeout_s : float
        How long to wait for the scheduler [s].
    """

    backend = "dask"

    def __init__(
        self, engine: Engine, scheduler_address: str | None = None, *, connect_timeout_s: float = 10.0
    ) -> None:
        from distributed import Client

        address = scheduler_address or os.environ.get("VOLTVAULT_DASK_SCHEDULER", "").strip()
        if not address:
            raise ValueError(
                "the Dask job runner needs a scheduler address (VOLTVAULT_DASK_SCHEDULER=tcp://host:port)"
            )
        super().__init__(engine)
        try:
            self._client = Client(address, set_as_default=False, timeout=connect_timeout_s)
        except (OSError, TimeoutError) as exc:
            self._closed = True
            self._heartbeat_stop.set()
            self._stop_progress_writer()
            raise RuntimeError(
                f"cannot reach the Dask scheduler at {address} ({exc}); start it (dask scheduler) or unset "
                "VOLTVAULT_DASK_SCHEDULER to run jobs in the local process pool"
            ) from exc
        self.scheduler_address = address
        self._topic = f"voltvault-jobs-{uuid.uuid4().hex}"
        self._inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._client.subscribe_topic(self._topic, lambda event: self._inbox.put(("event", event[1])))
        self._monitor = threading.Thread(
            target=self._monitor_loop, name="voltvault-jobs-dask-monitor", daemon=True
        )
        self._monitor.start()

    # ------------------------------------------------------------------------------------ backend API
    def _enqueue(self, record: JobRecord) -> None:
        token = uuid.uuid4().hex
        record.extra["token"] = token
        future = self._client.submit(
            run_dask_job,
            record.func_path,
            record.payload,
            record.job_id,
            self._topic,
            token,
            self.database_url,
            key=f"voltvault-job-{record.job_id}-{token[:8]}",
            pure=False,
            retries=0,
        )
        record.extra["future"] = future
        future.add_done_callback(lambda _future, rec=record: self._inbox.put(("done", rec)))

    def _cancel_in_backend(self, record: JobRecord, was_running: bool) -> None:
        # Tell the scheduler first (synchronously): a task that has not passed its admission check yet
        # will then never call the job function, even if the cancel below overtakes the submission.
        if not was_running:
            try:
                self._client.run_on_scheduler(_mark_cancelled(record.extra["token"]))
            except Exception:
                log.exception("could not tell the Dask scheduler that job %s is cancelled", record.job_id)
        future = record.extra.pop("future", None)
        self._inbox.put(("cancel", (record, future)))

    def _stop_backend(self) -> None:
        self._inbox.put(("stop", None))
        self._monitor.join(timeout=10)
        try:
            self._client.unsubscribe_topic(self._topic)
        except Exception:  # the scheduler may be gone already
            pass
        finally:
            self._client.close()

    # ------------------------------------------------------------------------------------- internals
    def _monitor_loop(self) -> None:
        while True:
            try:
                kind, item = self._inbox.get(timeout=MONITOR_TICK_S)
            except queue.Empty:
                kind, item = "tick", None
            try:
                if kind == "stop":
                    return
                if kind == "event":
                    self._handle_event(item)
                elif kind == "done":
                    self._handle_done(item)
                elif kind == "cancel":
                    self._stop_remote(*item)
                self._enforce_time_limits()
                self._sync_cancellations()
            except Exception:  # keep monitoring whatever one message did
                log.exception("error while following Dask jobs")

    def _record(self, message: dict[str, Any]) -> JobRecord | None:
        with self._lock:
            record = self._records.get(int(message.get("job_id", -1)))
        if record is None or record.extra.get("token") != message.get("token"):
            return None
        return record

    def _handle_event(self, message: dict[str, Any]) -> None:
        record = self._record(message)
        if record is None:
            return
        if message.get("type") == "started":
            record.extra["worker"] = message.get("worker")
            if record.state.is_terminal:  # cancelled while it was on its way to the worker
                self._stop_remote(record, None)
                return
            self._on_started(record, message.get("pid"))  # the task has marked its row running
        elif message.get("type") == "progress":
            self._on_progress(record, message.get("fraction", 0.0), message.get("message"))

    def _handle_done(self, record: JobRecord) -> None:
        future = record.extra.pop("future", None)
        if future is None or record.state.is_terminal:
            return
        if future.status == "finished":
            try:
                outcome = future.result()
            except Exception as exc:  # pragma: no cover - the task returns a small tuple
                self._finish(record, JobState.FAILED, error=describe_exception(exc), detail=repr(exc))
            else:
                if outcome and outcome[0] == "completed":  # the task completed the row itself
                    record.extra["row_closed"] = True
                    self._finish(record, JobState.COMPLETED)
                else:
                    self._adopt_row(record)
        elif future.status == "error":
            exc = future.exception()
            if isinstance(exc, JobStopRequested):
                self._adopt_row(record)  # its row says why (cancelled, or reaped)
                if record.state.is_terminal:
                    return
            state, error, detail = self._describe_failure(record, exc, future)
            self._finish(record, state, error=error, detail=detail)
        else:  # cancelled, but not by us: the scheduler or the connection dropped it
            self._finish(
                record,
                JobState.FAILED,
                error="the Dask scheduler dropped this job (lost connection or scheduler restart); submit it again",
            )

    def _describe_failure(
        self, record: JobRecord, exc: BaseException, future: Any
    ) -> tuple[JobState, str, str | None]:
        from distributed.scheduler import KilledWorker

        if isinstance(exc, JobStopRequested):
            return JobState.CANCELLED, "cancelled", None
        where = (
            f" (pid {record.worker_pid} on {record.extra['worker']})" if record.extra.get("worker") else ""
        )
        if isinstance(exc, KilledWorker | WorkerDied):
            return (
                JobState.FAILED,
                f"the Dask worker process running this job died{where}; it may have run out of memory or been "
                "killed. The job was not retried; the cluster carries on.",
                str(exc),
            )
        import traceback

        from voltvault_core.jobs.results import ResultNotStored

        detail = "".join(traceback.format_exception(type(exc), exc, future.traceback()))
        error = str(exc) if isinstance(exc, ResultNotStored) else describe_exception(exc)
        return JobState.FAILED, error, detail

    def _stop_remote(self, record: JobRecord, future: Any) -> None:
        if future is not None:
            future.cancel()
        worker = record.extra.get("worker")
        token = record.extra.get("token")
        if worker and token:
            try:
                self._client.run(_interrupt_job, token, workers=[worker])
            except Exception:  # the worker left the cluster: nothing is running there any more
                log.info("could not reach worker %s to stop job %s", worker, record.job_id)

    def _enforce_time_limits(self) -> None:
        now_s = time.monotonic()
        with self._lock:
            expired = [
                r
                for r in self._records.values()
                if r.state is JobState.RUNNING
                and r.timeout_s is not None
                and r.started_monotonic_s is not None
                and now_s - r.started_monotonic_s >= r.timeout_s
            ]
        for record in expired:
            future = record.extra.pop("future", None)
            if self._finish(
                record,
                JobState.FAILED,
                error=f"the job ran longer than its time limit of {record.timeout_s:g} s and was stopped",
            ):
                self._stop_remote(record, future)
