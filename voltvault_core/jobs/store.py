"""The ``Job`` rows: created on submit, moved along ``queued -> running -> completed|failed|cancelled``.

Every state change is a compare-and-set (``UPDATE ... WHERE status IN (...)``): a late progress update
cannot revive a finished job, and a job cancelled in the database by another process is not started.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import Job, utcnow
from voltvault_core.jobs.base import JobState

_ERROR_MAX_CHARS = 2000
_DETAIL_MAX_CHARS = 20000


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
) -> int:
    """Insert a queued job and return its id."""
    with session_scope(engine) as session:
        row = Job(
            kind=kind,
            func_path=func_path,
            status=JobState.QUEUED.value,
            progress=0.0,
            backend=backend,
            project_id=project_id,
            user_id=user_id,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _update_where(engine: Engine, job_id: int, from_states: Iterable[JobState], **values: object) -> bool:
    states = [JobState(state).value for state in from_states]
    with session_scope(engine) as session:
        result = session.execute(
            update(Job).where(Job.id == job_id, Job.status.in_(states)).values(**values)  # type: ignore[attr-defined]
        )
        return bool(result.rowcount)


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
