"""The ``Job`` rows: created on submit, moved along ``queued -> running -> completed|failed|cancelled``.

Every state change is a compare-and-set (``UPDATE ... WHERE status IN (...)``): a late progress update
cannot revive a finished job, and a job cancelled in the database by another process is not started.

Leases: an open row carries its ``owner`` (the runner holding it, ``host:pid:token``) and
``lease_expires_at``. The owner renews the lease every :func:`lease_seconds` / 4 while the job is queued
or running (:func:`renew_leases`); a row whose lease has run out belongs to a process that died, hung or
lost its database, and any runner (or ``voltvault jobs reap``) fails it with the reason
(:func:`reap_expired_jobs`). This works on SQLite and PostgreSQL alike: no process ids, no locks.

Writes that fail with a transient database error (SQLite busy, a dropped PostgreSQL connection) are
retried (:func:`with_retries`) before the error is raised.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import Job, utcnow
from voltvault_core.jobs.base import JobState

log = logging.getLogger(__name__)

_ERROR_MAX_CHARS = 2000
_DETAIL_MAX_CHARS = 20000

#: default lease of an open job row [s] (``VOLTVAULT_JOB_LEASE_S``); renewed every quarter of it
DEFAULT_LEASE_S = 30.0
#: waits between the attempts of a failing status write [s] (so 5 attempts over about 3 s)
RETRY_DELAYS_S = (0.1, 0.3, 0.8, 2.0)

_T = TypeVar("_T")


def lease_seconds() -> float:
    """The lease of an open job row [s]: ``VOLTVAULT_JOB_LEASE_S`` when set (a positive number), else 30 s.

    A row is reaped about this long after its owner stopped (plus the reaper's tick, a quarter of it).
    """
    text = os.environ.get("VOLTVAULT_JOB_LEASE_S", "").strip()
    if not text:
        return DEFAULT_LEASE_S
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"VOLTVAULT_JOB_LEASE_S must be a positive number of seconds, got {text!r}") from None
    if not value > 0:
        raise ValueError(f"VOLTVAULT_JOB_LEASE_S must be a positive number of seconds, got {text!r}")
    return value


def _transient(exc: BaseException) -> bool:
    """A database error worth trying again: busy/locked SQLite, a lost or refused connection."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def with_retries(action: Callable[[], _T], what: str, delays_s: Iterable[float] = RETRY_DELAYS_S) -> _T:
    """Run ``action`` (one transaction); on a transient database error wait and run it again.

    Raises the last error once every attempt failed; other errors at once.
    """
    delays = list(delays_s)
    for attempt in range(len(delays) + 1):
        try:
            return action()
        except Exception as exc:
            if attempt == len(delays) or not _transient(exc):
                raise
            log.warning("%s failed (%s); retrying in %.1f s", what, type(exc).__name__, delays[attempt])
            time.sleep(delays[attempt])
    raise AssertionError("unreachable")  # pragma: no cover


def _cut(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 3] + "..."


def create_job_row(
    engine: Engine,
    *,
    kind: str,
    func_path: str,
    backend: str,
    project_id: int | None,
    user_id: int | None,
    owner: str | None = None,
    lease_s: float | None = None,
) -> int:
    """Insert a queued job and return its id.

    ``owner`` and ``lease_s`` put the row under a lease (see the module docstring); a row without an
    owner is never reaped (jobs run inline by a caller that waits for them).
    """

    def insert() -> int:
        with session_scope(engine) as session:
            row = Job(
                kind=kind,
                func_path=func_path,
                status=JobState.QUEUED.value,
                progress=0.0,
                backend=backend,
                project_id=project_id,
                user_id=user_id,
                owner=owner,
                lease_expires_at=(
                    utcnow() + timedelta(seconds=lease_s) if owner is not None and lease_s else None
                ),
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    return with_retries(insert, "recording a new job")


def _update_where(engine: Engine, job_id: int, from_states: Iterable[JobState], **values: object) -> bool:
    states = [JobState(state).value for state in from_states]

    def write() -> bool:
        with session_scope(engine) as session:
            result = session.execute(
                update(Job).where(Job.id == job_id, Job.status.in_(states)).values(**values)  # type: ignore[attr-defined]
            )
            return bool(result.rowcount)

    return with_retries(write, f"writing the status of job {job_id}")


def renew_leases(engine: Engine, owner: str, job_ids: Iterable[int], lease_s: float) -> int:
    """Push the lease of ``owner``'s open rows among ``job_ids`` to now + ``lease_s``; how many rows."""
    ids = list(job_ids)
    if not ids:
        return 0
    open_states = [JobState.QUEUED.value, JobState.RUNNING.value]
    with session_scope(engine) as session:
        result = session.execute(
            update(Job)
            .where(Job.id.in_(ids), Job.owner == owner, Job.status.in_(open_states))  # type: ignore[union-attr,attr-defined]
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease_s))
        )
        return int(result.rowcount or 0)


def reap_expired_jobs(engine: Engine) -> list[int]:
    """Fail every queued or running row whose lease has run out, saying why; the ids reaped.

    Such a row's owner (an app process, a CLI, a Dask client) was killed, crashed, hung for longer than
    its lease, or lost its database connection: nobody will finish the job. The update is a
    compare-and-set on the expiry, so a lease renewed meanwhile is left alone.
    """
    now = utcnow()
    open_states = [JobState.QUEUED.value, JobState.RUNNING.value]
    with session_scope(engine) as session:
        rows = session.execute(
            select(Job.id, Job.owner, Job.status, Job.lease_expires_at).where(
                Job.status.in_(open_states),  # type: ignore[attr-defined]
                Job.lease_expires_at.is_not(None),  # type: ignore[union-attr]
                Job.lease_expires_at < now,  # type: ignore[operator]
            )
        ).all()
    reaped = []
    for job_id, owner, status, expires in rows:
        reason = (
            f"abandoned: the process holding this job ({owner}) stopped renewing its lease, which ran out at "
            f"{expires:%Y-%m-%d %H:%M:%S} UTC (it was killed, crashed or lost its database connection) while "
            f"the job was {status}; the job did not finish. Submit it again."
        )
        with session_scope(engine) as session:
            result = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == status, Job.lease_expires_at == expires)
                .values(
                    status=JobState.FAILED.value,
                    error=reason,
                    finished_at=now,
                    lease_expires_at=None,
                )
            )
        if result.rowcount:
            reaped.append(int(job_id))
    if reaped:
        log.warning("reaped %d abandoned job(s): %s", len(reaped), reaped)
    return reaped


def mark_running(engine: Engine, job_id: int, *, worker_pid: int | None) -> bool:
    """``queued -> running``; False when the row is no longer queued (e.g. cancelled elsewhere)."""
    return _update_where(
        engine,
        job_id,
        [JobState.QUEUED],
        status=JobState.RUNNING.value,
        worker_pid=worker_pid,
        started_at=utcnow(),
    )


def read_open_states(engine: Engine, job_ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
    """``{job_id: (status, error)}`` of the given jobs, in one query (the heartbeat's view of its rows)."""
    ids = list(job_ids)
    if not ids:
        return {}
    with session_scope(engine) as session:
        rows = session.execute(select(Job.id, Job.status, Job.error).where(Job.id.in_(ids)))  # type: ignore[union-attr]
        return {int(job_id): (str(status), error) for job_id, status, error in rows}


def requeue_job_row(engine: Engine, job_id: int) -> bool:
    """``running -> queued`` for a job whose worker died before the job reached it."""
    return _update_where(
        engine, job_id, [JobState.RUNNING], status=JobState.QUEUED.value, worker_pid=None, started_at=None
    )


def write_progress(engine: Engine, job_id: int, progress: float, message: str | None) -> bool:
    """Record progress while the job runs (ignored once it has finished)."""
    values: dict[str, object] = {"progress": progress}
    if message is not None:
        values["message"] = message
    return _update_where(engine, job_id, [JobState.RUNNING], **values)


def finish_job_row(
    engine: Engine,
    job_id: int,
    state: JobState,
    *,
    error: str | None = None,
    detail: str | None = None,
    progress: float | None = None,
    message: str | None = None,
) -> bool:
    """Move a queued or running job to a terminal state; False when it had already finished."""
    state = JobState(state)
    if not state.is_terminal:
        raise ValueError(f"finish_job_row needs a terminal state, got {state!r}")
    values: dict[str, object] = {
        "status": state.value,
        "error": _cut(error, _ERROR_MAX_CHARS),
        "detail": _cut(detail, _DETAIL_MAX_CHARS),
        "finished_at": utcnow(),
        "lease_expires_at": None,
    }
    if progress is not None:
        values["progress"] = progress
    if message is not None:
        values["message"] = message
    return _update_where(engine, job_id, [JobState.QUEUED, JobState.RUNNING], **values)


def read_job_row(engine: Engine, job_id: int) -> Job | None:
    """The row as stored (detached), or None."""
    with session_scope(engine) as session:
        return session.get(Job, job_id)


def read_statuses(engine: Engine, job_ids: Iterable[int]) -> dict[int, str]:
    """``{job_id: status}`` of the given jobs, in one query."""
    ids = list(job_ids)
    if not ids:
        return {}
    with session_scope(engine) as session:
        rows = session.execute(select(Job.id, Job.status).where(Job.id.in_(ids)))  # type: ignore[union-attr]
        return {int(job_id): str(status) for job_id, status in rows}


def set_result_artifact(engine: Engine, job_id: int, artifact_id: int) -> None:
    """Link the artifact holding a job's result to its row (for results that must outlive the app)."""
    with session_scope(engine) as session:
        row = session.get(Job, job_id)
        if row is None:
            raise LookupError(f"no job with id {job_id}")
        row.result_artifact_id = artifact_id
        session.add(row)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to someone else
        return True
    return True


def fail_abandoned_local_jobs(engine: Engine) -> list[int]:
    """Fail the ``running`` process-pool jobs whose worker process no longer exists on this machine.

    A pool's workers end with the app process that owns them, so such a row was left behind by an app
    that stopped or crashed. Only for SQLite databases, which live on one machine: on a shared server
    database a worker id from another machine means nothing here. Queued rows are left alone (another
    live process may still run them).

    Returns
    -------
    list of int
        The ids of the jobs marked failed.
    """
    if engine.dialect.name != "sqlite":
        return []
    with session_scope(engine) as session:
        rows = session.execute(
            select(Job.id, Job.worker_pid).where(
                Job.status == JobState.RUNNING.value, Job.backend == "process"
            )
        ).all()
    failed = []
    for job_id, pid in rows:
        if pid is not None and not _pid_alive(int(pid)):
            reason = (
                f"the app process that ran this job stopped before it finished (worker pid {pid} is gone); "
                "submit it again"
            )
            if finish_job_row(engine, int(job_id), JobState.FAILED, error=reason):
                failed.append(int(job_id))
    return failed
