"""The job runner's contract, on both backends (local process pool and Dask) and every test database.

Issue 2, "What must hold": 20 jobs submitted at once all finish; a job that raises is marked failed
with its message; a job cancelled while queued never runs; a worker killed with SIGKILL marks its job
failed and the next job still runs; the same suite passes with the Dask backend.

The job functions are in :mod:`voltvault_core.jobs.testing_tasks` (workers import them by name).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from voltvault_core.jobs import JobCancelled, JobFailed, JobState, store

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



pytestmark = pytest.mark.xdist_group("jobs")  # one Dask cluster per run, not one per xdist worker


def assert_stopped(steps_file: Path, total_steps: int) -> None:
    """The job writes a line per step: after it was stopped, the count stays put, short of the end."""
    time.sleep(0.4)
    count = len(steps_file.read_text().split()) if steps_file.exists() else 0
    time.sleep(0.6)
    assert (len(steps_file.read_text().split()) if steps_file.exists() else 0) == count
    assert count < total_steps


def running_row(engine, job_id: int):
    """The job's row once it is running in a worker whose pid is known."""

    def check():
        row = store.read_job_row(engine, job_id)
        return row if row.status == "running" and row.worker_pid else None

    return wait_until(check, what=f"job {job_id} to run")


def test_twenty_jobs_submitted_at_once_all_finish(runner, engine):
    job_ids = [runner.submit(TASKS + "add", {"a": i, "b": 0.5}, kind="test") for i in range(20)]

    outcome = runner.wait(job_ids, timeout=30)

    assert outcome.not_done == []
    assert [runner.result(job_id) for job_id in job_ids] == [i + 0.5 for i in range(20)]
    for job_id in job_ids:
        row = store.read_job_row(engine, job_id)
        assert (row.status, row.progress, row.backend) == ("completed", 1.0, runner.backend)
        assert row.started_at is not None
        assert row.finished_at >= row.started_at
        assert runner.status(job_id).status == JobState.COMPLETED


def test_a_job_that_raises_is_failed_with_its_message(runner, engine):
    job_id = runner.submit(
        TASKS + "fail", {"message": "negative electrode thickness must be positive"}, kind="test"
    )

    with pytest.raises(JobFailed, match="negative electrode thickness must be positive") as raised:
        runner.result(job_id, timeout=20)

    assert raised.value.message == "ValueError: negative electrode thickness must be positive"
    row = store.read_job_row(engine, job_id)
    assert row.status == "failed"
    assert row.error == "ValueError: negative electrode thickness must be positive"
    assert "Traceback" in row.detail
    assert "testing_tasks.py" in row.detail
    status = runner.status(job_id)
    assert status.status == "failed"
    assert status.error == row.error


def test_a_job_cancelled_while_queued_never_runs(runner, engine, tmp_path):
    release = tmp_path / "release"
    blockers = [runner.submit(TASKS + "wait_for_file", {"path": str(release)}, kind="test") for _ in range(2)]
    for job_id in blockers:
        running_row(engine, job_id)
    marker = tmp_path / "marker"
    queued = runner.submit(TASKS + "write_marker", {"path": str(marker)}, kind="test")
    assert runner.status(queued).status == "queued"

    assert runner.cancel(queued) is True

    release.touch()
    after = runner.submit(TASKS + "add", {"a": 1, "b": 2}, kind="test")
    assert runner.result(after, timeout=20) == 3  # the queue has drained past the cancelled job
    assert runner.wait(blockers, timeout=20).not_done == []
    assert not marker.exists()
    with pytest.raises(JobCancelled):
        runner.result(queued, timeout=1)
    row = store.read_job_row(engine, queued)
    assert (row.status, row.started_at) == ("cancelled", None)
    assert runner.cancel(queued) is False  # already finished


def test_a_running_job_cancelled_is_stopped(runner, engine, tmp_path):
    steps_file = tmp_path / "steps"
    job_id = runner.submit(
        TASKS + "sleep_steps", {"seconds": 20.0, "steps": 200, "steps_path": str(steps_file)}, kind="test"
    )
    row = running_row(engine, job_id)
    wait_until(lambda: runner.status(job_id).progress > 0, what="the job to report progress")

    assert runner.cancel(job_id) is True

    assert runner.status(job_id).status == "cancelled"
    with pytest.raises(JobCancelled):
        runner.result(job_id, timeout=5)
    assert store.read_job_row(engine, job_id).status == "cancelled"
    assert_stopped(steps_file, total_steps=200)
    if runner.backend == "process":  # the worker process itself was stopped, and replaced
        wait_until(
            lambda: row.worker_pid not in runner.worker_pids and len(runner.worker_pids) == 2,
            what="the worker to be replaced",
        )
        with pytest.raises(ProcessLookupError):
            os.kill(row.worker_pid, 0)
    assert runner.result(runner.submit(TASKS + "add", {"a": 2, "b": 2}, kind="test"), timeout=20) == 4


def test_a_job_cancelled_through_its_row_elsewhere_is_stopped(runner, engine, tmp_path):
    steps_file = tmp_path / "steps"
    job_id = runner.submit(
        TASKS + "sleep_steps", {"seconds": 20.0, "steps": 200, "steps_path": str(steps_file)}, kind="test"
    )
    running_row(engine, job_id)

    # what `voltvault jobs cancel` or another app process does: only the row changes
    assert store.finish_job_row(engine, job_id, JobState.CANCELLED, error="cancelled from the CLI")

    wait_until(lambda: runner.status(job_id).status == "cancelled", timeout_s=5, what="the runner to notice")
    assert_stopped(steps_file, total_steps=200)
    assert store.read_job_row(engine, job_id).error == "cancelled from the CLI"


def test_a_worker_killed_with_sigkill_fails_its_job_and_the_next_job_runs(runner, engine):
    job_id = runner.submit(TASKS + "sleep_steps", {"seconds": 30.0, "steps": 300}, kind="test")
    row = running_row(engine, job_id)
    wait_until(lambda: runner.status(job_id).progress > 0, what="the job to be under way in its worker")

    os.kill(row.worker_pid, signal.SIGKILL)

    with pytest.raises(JobFailed, match="died") as raised:
        runner.result(job_id, timeout=30)
    if runner.backend == "process":
        assert "signal 9" in raised.value.message
    assert store.read_job_row(engine, job_id).status == "failed"
    following = [runner.submit(TASKS + "add", {"a": i, "b": 1}, kind="test") for i in range(4)]
    assert [runner.result(i, timeout=30) for i in following] == [1, 2, 3, 4]


def test_progress_reaches_the_job_row(runner, engine, tmp_path):
    release = tmp_path / "release"
    job_id = runner.submit(
        TASKS + "hold_progress",
        {"fraction": 0.4, "message": "meshing", "release_path": str(release)},
        kind="test",
    )

    # the job holds still after reporting 0.4 until released: the row must show it while the job runs
    row = wait_until(
        lambda: (r := store.read_job_row(engine, job_id)).progress == pytest.approx(0.4) and r,
        what="progress 0.4 in the Job row",
    )

    assert (row.status, row.message) == ("running", "meshing")
    assert runner.status(job_id).message == "meshing"
    release.touch()
    assert runner.result(job_id, timeout=10) == "meshing"
    assert store.read_job_row(engine, job_id).progress == 1.0


def test_a_job_past_its_time_limit_is_stopped_and_failed(runner, engine):
    job_id = runner.submit(TASKS + "sleep_steps", {"seconds": 20.0}, kind="test", timeout_s=0.5)

    with pytest.raises(JobFailed, match=r"time limit of 0\.5 s"):
        runner.result(job_id, timeout=10)

    assert store.read_job_row(engine, job_id).status == "failed"
    assert runner.result(runner.submit(TASKS + "add", {"a": 1, "b": 1}, kind="test"), timeout=20) == 2


def test_a_result_that_cannot_be_sent_back_fails_readably(runner):
    job_id = runner.submit(TASKS + "unpicklable_result", {}, kind="test")

    with pytest.raises(JobFailed, match="lock"):
        runner.result(job_id, timeout=20)


def test_get_runner_uses_dask_when_a_scheduler_is_configured(engine, monkeypatch, request):
    from voltvault_core.jobs import get_runner, shutdown_runners
    from voltvault_core.jobs.dask_runner import DaskJobRunner

    cluster = request.getfixturevalue("dask_cluster")
    monkeypatch.setenv("VOLTVAULT_DASK_SCHEDULER", cluster.scheduler_address)
    try:
        runner = get_runner(engine)
        assert isinstance(runner, DaskJobRunner)
        job_id = runner.submit(TASKS + "add", {"a": 20, "b": 22}, kind="test")
        assert runner.result(job_id, timeout=20) == 42
        assert store.read_job_row(engine, job_id).backend == "dask"
    finally:
        shutdown_runners()
