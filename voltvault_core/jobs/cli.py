"""``voltvault jobs``: see and cancel jobs from the command line.

Examples::

    voltvault jobs list --status running --json
    voltvault jobs show 42
    voltvault jobs cancel 42
    voltvault jobs reap

``cancel`` changes the job's row; the runner that owns the job (the web app's pool, a Dask client)
does not start it, or stops it within about a second. ``reap`` fails the open jobs whose lease has run
out (their app process died); every running app does this by itself, so it is for databases no app
uses any more.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sqlmodel import col, select

from voltvault_core.jobs.base import JobState

_FIELDS = (
    "id",
    "kind",
    "status",
    "progress",
    "message",
    "error",
    "backend",
    "worker_pid",
    "project_id",
    "user_id",
    "func_path",
    "result_artifact_id",
    "owner",
    "lease_expires_at",
    "created_at",
    "started_at",
    "finished_at",
)


def register(subparsers: Any) -> None:
    """Add ``jobs list|show|cancel`` to the ``voltvault`` parser."""
    jobs = subparsers.add_parser("jobs", help="list, inspect and cancel background jobs")
    actions = jobs.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)

    def common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument(
            "--database-url", help="database URL (default: VOLTVAULT_DATABASE_URL or the embedded SQLite)"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        return parser

    listing = common(actions.add_parser("list", help="the most recent jobs, newest first"))
    listing.add_argument("--status", action="append", choices=[s.value for s in JobState], help="repeatable")
    listing.add_argument("--project-id", type=int)
    listing.add_argument("--limit", type=int, default=20)
    listing.set_defaults(func=_list)

    show = common(actions.add_parser("show", help="one job, with its traceback if it failed"))
    show.add_argument("job_id", type=int)
    show.set_defaults(func=_show)

    cancel = common(actions.add_parser("cancel", help="cancel a queued or running job"))
    cancel.add_argument("job_id", type=int)
    cancel.set_defaults(func=_cancel)

    reap = common(actions.add_parser("reap", help="fail the open jobs of processes that died (lease run out)"))
    reap.set_defaults(func=_reap)


def _engine(args: argparse.Namespace) -> Any:
    from voltvault_core.db.engine import create_db_engine

    return create_db_engine(args.database_url)


def _as_dict(job: Any, *, with_detail: bool = False) -> dict[str, Any]:
    data = {name: getattr(job, name) for name in _FIELDS}
    for name in ("created_at", "started_at", "finished_at", "lease_expires_at"):
        data[name] = data[name].isoformat() if data[name] is not None else None
    if with_detail:
        data["detail"] = job.detail
    return data


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    if args.json:
        sys.stdout.write(json.dumps(payload) + "\n")
    else:
        print(text)


def _list(args: argparse.Namespace) -> int:
    from voltvault_core.db.engine import session_scope
    from voltvault_core.db.models import Job

    query = select(Job)
    if args.status:
        query = query.where(col(Job.status).in_(args.status))
    if args.project_id is not None:
        query = query.where(Job.project_id == args.project_id)
    with session_scope(_engine(args)) as session:
        jobs = [_as_dict(job) for job in session.exec(query.order_by(col(Job.id).desc()).limit(args.limit))]
    lines = [f"{'id':>6}  {'status':<10} {'progress':>8}  {'kind':<16} message / error"]
    for job in jobs:
        note = job["error"] or job["message"] or ""
        lines.append(f"{job['id']:>6}  {job['status']:<10} {job['progress']:>7.0%}  {job['kind']:<16} {note}")
    _emit(args, {"jobs": jobs}, "\n".join(lines) if jobs else "no jobs")
    return 0


def _show(args: argparse.Namespace) -> int:
    from voltvault_core.jobs import store

    job = store.read_job_row(_engine(args), args.job_id)
    if job is None:
        print(f"voltvault jobs: no job with id {args.job_id}", file=sys.stderr)
        return 2
    data = _as_dict(job, with_detail=True)
    text = "\n".join(f"{name:>18}: {value}" for name, value in data.items() if value is not None)
    _emit(args, data, text)
    return 0


def _cancel(args: argparse.Namespace) -> int:
    from voltvault_core.jobs import store

    engine = _engine(args)
    job = store.read_job_row(engine, args.job_id)
    if job is None:
        print(f"voltvault jobs: no job with id {args.job_id}", file=sys.stderr)
        return 2
    was = job.status
    cancelled = JobState(was) in (JobState.QUEUED, JobState.RUNNING) and store.finish_job_row(
        engine, args.job_id, JobState.CANCELLED, error="cancelled from the command line"
    )
    text = (
        f"job {args.job_id} cancelled (it was {was})"
        if cancelled
        else f"job {args.job_id} had already finished ({was}); nothing to cancel"
    )
    _emit(args, {"job_id": args.job_id, "cancelled": bool(cancelled), "previous_status": was}, text)
    return 0


def _reap(args: argparse.Namespace) -> int:
    from voltvault_core.jobs import store

    reaped = store.reap_expired_jobs(_engine(args))
    text = f"reaped {len(reaped)} abandoned job(s): {reaped}" if reaped else "no abandoned jobs"
    _emit(args, {"reaped": reaped}, text)
    return 0
