"""Jobs as the app's users see them: list a project's jobs, cancel one, with the project roles checked.

Reading needs ``viewer`` in the job's project, cancelling needs ``editor``. A job without a project
(a CLI run, an admin task) belongs to the user who submitted it and to site administrators.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from voltvault_core.auth.permissions import NotFound, PermissionDenied, require_role, write_service
from voltvault_core.db.models import Job, User
from voltvault_core.jobs.base import JobState


def _check_access(session: Session, actor: User | None, job: Job, minimum: str) -> None:
    if job.project_id is not None:
        require_role(session, actor, job.project_id, minimum)
        return
    if actor is None or not (actor.is_admin or (job.user_id is not None and job.user_id == actor.id)):
        who = "an anonymous visitor" if actor is None else f"user {actor.username!r}"
        raise PermissionDenied(f"{who} may not see or change job {job.id}: it belongs to another user")


def get_job(session: Session, actor: User | None, job_id: int) -> Job:
    """The job's row, if the actor may see it (``viewer`` in its project).

    Raises
    ------
    NotFound
        No such job.
    PermissionDenied
        The actor has no access to the job's project.
    """
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job {job_id} does not exist")
    _check_access(session, actor, job, "viewer")
    return job


def list_project_jobs(
    session: Session,
    actor: User | None,
    project_id: int,
    *,
    statuses: Iterable[str] | None = None,
    limit: int = 50,
) -> list[Job]:
    """The project's most recent jobs, newest first (``viewer`` or higher).

    Parameters
    ----------
    statuses : iterable of str, optional
        Only these states (e.g. ``("queued", "running")`` for the dashboard's running-jobs card).
    limit : int
        At most this many rows.
    """
    require_role(session, actor, project_id, "viewer")
    query = select(Job).where(Job.project_id == project_id)
    if statuses is not None:
        wanted = [JobState(s).value for s in statuses]
        query = query.where(col(Job.status).in_(wanted))
    query = query.order_by(col(Job.id).desc()).limit(limit)
    return list(session.exec(query))


@write_service("editor", project_arg=None)
def cancel_job(session: Session, actor: User | None, job_id: int, *, runner) -> bool:
    """Cancel a job (``editor`` or higher in its project): queued never runs, running is stopped.

    Parameters
    ----------
    runner : JobRunner
        The app's runner (``get_runner(engine)``); jobs of other runners are cancelled through their row.

    Returns
    -------
    bool
        False when the job had already finished.

    Raises
    ------
    NotFound, PermissionDenied
    """
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job {job_id} does not exist")
    _check_access(session, actor, job, "editor")
    return bool(runner.cancel(job_id))
