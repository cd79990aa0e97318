"""Jobs for people: role checks on listing and cancelling, and the ``voltvault jobs`` command."""

from __future__ import annotations

import argparse
import json

import pytest

from voltvault_core.auth.permissions import NotFound, PermissionDenied
from voltvault_core.db.engine import session_scope
from voltvault_core.jobs import JobState, store
from voltvault_core.jobs import cli as jobs_cli
from voltvault_core.jobs.pool import ProcessPoolJobRunner
from voltvault_core.jobs.service import cancel_job, get_job, list_project_jobs

TASKS = "voltvault_core.jobs.testing_tasks:"
ACTORS = {  # actor -> may cancel (editor or higher) / may read (viewer or higher)
    "owner": (True, True),
    "admin": (True, True),
    "editor": (True, True),
    "commenter": (False, True),
    "viewer": (False, True),
    "outsider": (False, False),
    "anonymous": (False, False),
}


@pytest.fixture
def runner(engine):
    job_runner = ProcessPoolJobRunner(engine, workers=1)
    yield job_runner
    job_runner.shutdown(wait=False)


def queued_job(engine, project_id=None, user_id=None) -> int:
    return store.create_job_row(
        engine,
        kind="simulation",
        func_path=TASKS + "add",
        backend="process",
        project_id=project_id,
        user_id=user_id,
    )


def test_cancelling_needs_editor_and_reading_needs_viewer(engine, users, runner):
    outcomes = {}
    for name in ACTORS:
        job_id = queued_job(engine, users["project_id"], users["owner"].id)
        with session_scope(engine) as session:
            actor = None if name == "anonymous" else session.merge(users[name])
            try:
                get_job(session, actor, job_id)
                listed = job_id in [job.id for job in list_project_jobs(session, actor, users["project_id"])]
                read = True
                assert listed
            except PermissionDenied:
                read = False
            try:
                cancelled = cancel_job(session, actor, job_id, runner=runner)
            except PermissionDenied:
                cancelled = False
        assert store.read_job_row(engine, job_id).status == ("cancelled" if cancelled else "queued")
        outcomes[name] = (cancelled, read)
    assert outcomes == ACTORS


def test_a_job_without_project_belongs_to_its_submitter_and_the_admins(engine, users, runner):
    # one session per action, as a page or the CLI does: each cancel is audited in its session, and on
    # SQLite an open write there would hold the database while the runner writes the job's row
    def cancel(who, job_id):
        with session_scope(engine) as session:
            return cancel_job(session, session.merge(users[who]), job_id, runner=runner)

    mine = queued_job(engine, None, users["editor"].id)
    with pytest.raises(PermissionDenied, match="belongs to another user"):
        cancel("viewer", mine)
    assert cancel("editor", mine) is True
    other = queued_job(engine, None, users["editor"].id)
    assert cancel("admin", other) is True
    assert cancel("admin", other) is False  # finished
    with pytest.raises(NotFound):
        cancel("admin", 10**9)


def test_the_dashboard_can_list_only_the_running_jobs(engine, users):
    running, done = queued_job(engine, users["project_id"]), queued_job(engine, users["project_id"])
    store.mark_running(engine, running, worker_pid=1)
    store.finish_job_row(engine, done, JobState.COMPLETED)
    with session_scope(engine) as session:
        viewer = session.merge(users["viewer"])
        active = list_project_jobs(session, viewer, users["project_id"], statuses=("queued", "running"))
        every = list_project_jobs(session, viewer, users["project_id"])
    assert [job.id for job in active] == [running]
    assert [job.id for job in every] == [done, running]  # newest first


def run_cli(engine, capsys, *argv: str) -> tuple[int, dict]:
    parser = argparse.ArgumentParser(prog="voltvault")
    jobs_cli.register(parser.add_subparsers(dest="command"))
    url = engine.url.render_as_string(hide_password=False)
    args = parser.parse_args(["jobs", *argv, "--json", "--database-url", url])
    code = args.func(args)
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # exactly one JSON object on stdout
    return code, json.loads(out)


def test_the_jobs_command_lists_shows_and_cancels(engine, capsys, runner):
    failed = runner.submit(TASKS + "fail", {"message": "no electrolyte"}, kind="test")
    runner.wait([failed], timeout=20)
    waiting = queued_job(engine)

    code, listing = run_cli(engine, capsys, "list", "--status", "queued")
    assert code == 0
    assert [job["id"] for job in listing["jobs"]] == [waiting]

    code, shown = run_cli(engine, capsys, "show", str(failed))
    assert (code, shown["status"], shown["error"]) == (0, "failed", "ValueError: no electrolyte")
    assert "Traceback" in shown["detail"]

    code, answer = run_cli(engine, capsys, "cancel", str(waiting))
    assert (code, answer["cancelled"], answer["previous_status"]) == (0, True, "queued")
    assert store.read_job_row(engine, waiting).error == "cancelled from the command line"
    code, again = run_cli(engine, capsys, "cancel", str(failed))
    assert (code, again["cancelled"]) == (0, False)


def test_the_jobs_command_reaps_the_rows_of_dead_processes(engine, capsys):
    expired = store.create_job_row(engine, kind="test", func_path=TASKS + "add", backend="process",
                                   project_id=None, user_id=None, owner="old-host:1:dead", lease_s=0.01)  # fmt: skip
    held = store.create_job_row(engine, kind="test", func_path=TASKS + "add", backend="process",
                                project_id=None, user_id=None, owner="live-host:2:alive", lease_s=600)  # fmt: skip
    import time

    time.sleep(0.05)
    code, answer = run_cli(engine, capsys, "reap")
    assert (code, answer["reaped"]) == (0, [expired])
    assert "old-host:1:dead" in store.read_job_row(engine, expired).error
    assert store.read_job_row(engine, held).status == "queued"
    code, shown = run_cli(engine, capsys, "show", str(held))
    assert shown["owner"] == "live-host:2:alive"
    assert shown["lease_expires_at"] is not None
