"""Issue 12, "Jobs and results": one result contract, and nothing stuck.

* A finished job's result is an artifact written and linked on its row by the worker side (pool worker
  or Dask task), readable by any process after the runner that submitted it is gone; the runner holds
  no results in memory.
* Rows left ``queued`` or ``running`` by a killed app process, or by one that lost its database, are
  reaped through their lease, on SQLite and PostgreSQL; a status write that fails is retried.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from voltvault_core.db.artifacts import get_artifact_bytes
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.models import Artifact
from voltvault_core.jobs import JobFailed, JobState, store
from voltvault_core.jobs.pool import ProcessPoolJobRunner
from voltvault_core.jobs.results import PICKLE_MEDIA_TYPE, JobOutput, load_job_result

TASKS = "voltvault_core.jobs.testing_tasks:"


def wait_until(condition: Callable[[], object], timeout_s: float = 15.0, what: str = "condition") -> object:
    """Poll ``condition`` every 20 ms until it returns something truthy."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")



ROOT = Path(__file__).resolve().parents[3]
LEASE_S = 2.0


def test_the_worker_side_stores_the_result_and_any_process_reads_it_later(runner, engine):
    job_id = runner.submit(TASKS + "add", {"a": 40, "b": 2}, kind="test")
    wait_until(lambda: store.read_job_row(engine, job_id).status == "completed", 30, "the job to complete")

    row = store.read_job_row(engine, job_id)
    assert row.result_artifact_id is not None  # linked on the row, without anyone asking for the result
    with session_scope(engine) as session:
        assert session.get(Artifact, row.result_artifact_id).media_type == PICKLE_MEDIA_TYPE
        assert get_artifact_bytes(session, row.result_artifact_id)
    record = runner._records[job_id]
    assert not hasattr(record, "result")  # the runner keeps states, never values
    runner.shutdown(wait=True)

    assert load_job_result(engine, job_id) == 42
    with ProcessPoolJobRunner(engine, workers=1) as later:  # another runner, as after an app restart
        assert later.result(job_id, timeout=5) == 42


def test_a_job_output_is_stored_as_its_own_format_with_a_summary_on_the_row(runner, engine):
    job_id = runner.submit(TASKS + "csv_output", {"rows": 3}, kind="test")

    output = runner.result(job_id, timeout=30)

    assert isinstance(output, JobOutput)
    assert output.media_type == "text/csv"
    assert output.data.decode().splitlines() == ["x,y", "0,0", "1,1", "2,4"]
    assert store.read_job_row(engine, job_id).result_meta == {"rows": 3}


def test_a_result_that_cannot_be_stored_fails_the_job_readably(runner, engine):
    job_id = runner.submit(TASKS + "unpicklable_result", {}, kind="test")

    with pytest.raises(JobFailed, match="cannot be stored"):
        runner.result(job_id, timeout=30)
    assert store.read_job_row(engine, job_id).result_artifact_id is None


_APP = textwrap.dedent(
    """
    import json, sys, time
    from voltvault_core.db.engine import create_db_engine
    from voltvault_core.jobs import store
    from voltvault_core.jobs.pool import ProcessPoolJobRunner

    engine = create_db_engine(sys.argv[1])
    runner = ProcessPoolJobRunner(engine, workers=1)
    ids = [runner.submit("voltvault_core.jobs.testing_tasks:sleep_steps", {"seconds": 120, "steps": 120},
                         kind="test") for _ in range(3)]
    while store.read_job_row(engine, ids[0]).status != "running":
        time.sleep(0.05)
    print(json.dumps(ids), flush=True)
    time.sleep(600)
    """
)


def test_rows_of_an_app_killed_with_sigkill_are_reaped_with_the_reason(engine, monkeypatch):
    """An app process holding one running and two queued jobs is SIGKILLed: another app's runner
    fails the three rows once their lease has run out (the figure goes to docs/reliability.md)."""
    monkeypatch.setenv("VOLTVAULT_JOB_LEASE_S", str(LEASE_S))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    url = engine.url.render_as_string(hide_password=False)
    app = subprocess.Popen([sys.executable, "-c", _APP, url], stdout=subprocess.PIPE, text=True, env=env)
    try:
        ids = json.loads(app.stdout.readline())
        assert [store.read_job_row(engine, i).status for i in ids] == ["running", "queued", "queued"]
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=10)
    killed_s = time.monotonic()

    with ProcessPoolJobRunner(engine, workers=1):  # another app process, started later
        wait_until(
            lambda: all(store.read_job_row(engine, i).status == "failed" for i in ids),
            timeout_s=4 * LEASE_S + 10,
            what="the rows of the killed app to be reaped",
        )
    reaped_after_s = time.monotonic() - killed_s
    print(f"\n[reliability] {engine.dialect.name}: 3 rows of a SIGKILLed app reaped {reaped_after_s:.2f} s "
          f"after the kill (lease {LEASE_S:g} s)")  # fmt: skip
    for job_id in ids:
        row = store.read_job_row(engine, job_id)
        assert "abandoned" in row.error
        assert "lease" in row.error
        assert row.finished_at is not None
        assert row.lease_expires_at is None
    assert reaped_after_s < LEASE_S * 1.25 + 3.0  # lease + one heartbeat + slack for a loaded machine


def test_a_runner_that_loses_its_database_has_its_jobs_reaped_and_stops_them(engine, monkeypatch, tmp_path):
    monkeypatch.setenv("VOLTVAULT_JOB_LEASE_S", str(LEASE_S))
    own_engine = create_db_engine(engine.url.render_as_string(hide_password=False))
    lost = {"on": False}

    @event.listens_for(own_engine, "before_cursor_execute")
    def _database_unreachable(*_args):
        if lost["on"]:
            raise OperationalError("UPDATE job ...", {}, ConnectionError("server closed the connection"))

    runner = ProcessPoolJobRunner(own_engine, workers=1)
    steps = tmp_path / "steps.txt"
    try:
        job_id = runner.submit(TASKS + "sleep_steps", {"seconds": 60, "steps": 600, "steps_path": str(steps)},
                               kind="test")  # fmt: skip
        wait_until(lambda: store.read_job_row(engine, job_id).status == "running", 30, "the job to run")
        lost["on"] = True  # the app can no longer reach its database: its leases are not renewed
        wait_until(lambda: store.reap_expired_jobs(engine) or None, 4 * LEASE_S + 10, "the row to be reaped")
        assert "abandoned" in store.read_job_row(engine, job_id).error
        lost["on"] = False  # back: the runner sees the reaped row and stops the job it still ran

        wait_until(lambda: runner.status(job_id).done, 4 * LEASE_S + 10, "the runner to stop the job")
        assert runner.status(job_id).status == JobState.FAILED
        assert "abandoned" in runner.status(job_id).error
        count = len(steps.read_text().split())
        time.sleep(0.6)
        assert len(steps.read_text().split()) == count  # its worker was stopped
        assert store.read_job_row(engine, job_id).status == "failed"
    finally:
        runner.shutdown(wait=False)
        own_engine.dispose()


def test_a_status_write_that_fails_is_retried(engine):
    job_id = store.create_job_row(engine, kind="test", func_path=TASKS + "add", backend="process",
                                  project_id=None, user_id=None)  # fmt: skip
    failures = {"left": 2}

    @event.listens_for(engine, "before_cursor_execute")
    def _flaky(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE JOB") and failures["left"]:
            failures["left"] -= 1
            raise OperationalError(statement, {}, ConnectionError("database is locked"))

    try:
        assert store.finish_job_row(engine, job_id, JobState.FAILED, error="ValueError: x") is True
    finally:
        event.remove(engine, "before_cursor_execute", _flaky)
    assert failures["left"] == 0
    assert store.read_job_row(engine, job_id).status == "failed"
