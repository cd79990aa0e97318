"""The local pool's own promises, and the runner API around the rows (process backend)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlmodel import select

from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.models import Job
from voltvault_core.jobs import (
    JobFailed,
    JobNotFound,
    JobResultUnavailable,
    JobState,
    get_runner,
    shutdown_runners,
    store,
)
from voltvault_core.jobs.pool import ProcessPoolJobRunner

TASKS = "voltvault_core.jobs.testing_tasks:"


@pytest.fixture
def sqlite_engine(tmp_path):
    """A migrated SQLite database, for the tests about workers rather than about the database."""
    from voltvault_core.db.migrate import upgrade

    eng = create_db_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def pool(engine):
    runner = ProcessPoolJobRunner(engine, workers=1)
    yield runner
    runner.shutdown(wait=False)


def job_rows(engine) -> list[Job]:
    with session_scope(engine) as session:
        return list(session.exec(select(Job)))


def test_workers_are_persistent_processes_reused_by_every_job(sqlite_engine):
    with ProcessPoolJobRunner(sqlite_engine, workers=2) as runner:
        pids = [runner.result(runner.submit(TASKS + "worker_pid", kind="test"), timeout=20) for _ in range(8)]
        assert set(pids) <= set(runner.worker_pids)
        assert len(set(pids)) <= 2


def test_a_numba_kernel_compiles_once_per_worker_not_once_per_job(sqlite_engine):
    with ProcessPoolJobRunner(sqlite_engine, workers=1) as runner:
        outcomes = [
            runner.result(runner.submit(TASKS + "square_with_numba", {"value": v}, kind="test"), timeout=60)
            for v in (2.0, 3.0, 4.0)
        ]
    assert [o["value"] for o in outcomes] == [4.0, 9.0, 16.0]
    assert [o["compiled_before"] for o in outcomes] == [False, True, True]
    assert len({o["pid"] for o in outcomes}) == 1


def test_a_job_over_its_memory_limit_fails_and_the_worker_serves_the_next_job(pool, engine):
    job_id = pool.submit(
        TASKS + "allocate", {"megabytes": 4096}, kind="test", memory_limit_bytes=1024 * 2**20
    )

    with pytest.raises(JobFailed, match=r"MemoryError.*memory limit is 1024 MiB") as caught:
        pool.result(job_id, timeout=20)
    assert "Traceback" not in caught.value.message  # a readable message; the traceback is for admins
    assert "Traceback" in caught.value.detail

    failed_pid = store.read_job_row(engine, job_id).worker_pid
    assert (
        pool.result(pool.submit(TASKS + "allocate", {"megabytes": 64}, kind="test"), timeout=20) == 64 * 2**20
    )
    assert pool.result(pool.submit(TASKS + "worker_pid", kind="test"), timeout=20) == failed_pid


def test_bad_submissions_are_refused_before_any_row_is_written(pool, engine, tmp_path):
    with pytest.raises(ValueError, match="'progress' is passed to job functions"):
        pool.submit(TASKS + "add", {"a": 1, "b": 2, "progress": None}, kind="test")
    with pytest.raises(TypeError, match="cannot be sent to a worker"):
        pool.submit(TASKS + "add", {"a": threading.Lock(), "b": 2}, kind="test")
    with pytest.raises(ValueError, match="no module named"):
        pool.submit("voltvault_core.jobs.no_such_module:add", {}, kind="test")
    with pytest.raises(ValueError, match="job kind"):
        pool.submit(TASKS + "add", {"a": 1, "b": 2}, kind="")
    with pytest.raises(ValueError, match="timeout_s"):
        pool.submit(TASKS + "add", {"a": 1, "b": 2}, kind="test", timeout_s=0)
    other = create_db_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with pytest.raises(ValueError, match="get_runner"):
        pool.submit(TASKS + "add", {"a": 1, "b": 2}, kind="test", engine=other)
    other.dispose()
    assert job_rows(engine) == []


def test_the_row_records_kind_owner_and_backend(pool, engine, users):
    job_id = pool.submit(
        TASKS + "add",
        {"a": 1, "b": 2},
        kind="simulation",
        project_id=users["project_id"],
        user_id=users["editor"].id,
    )
    assert pool.result(job_id, timeout=20) == 3
    row = store.read_job_row(engine, job_id)
    assert (row.kind, row.func_path, row.backend) == ("simulation", TASKS + "add", "process")
    assert (row.project_id, row.user_id) == (users["project_id"], users["editor"].id)


def test_jobs_of_another_runner_are_read_and_cancelled_through_their_rows(pool, engine):
    foreign = store.create_job_row(
        engine, kind="test", func_path=TASKS + "add", backend="process", project_id=None, user_id=None
    )
    assert pool.status(foreign).status == JobState.QUEUED
    assert pool.cancel(foreign) is True
    assert store.read_job_row(engine, foreign).status == "cancelled"
    assert pool.cancel(foreign) is False

    failed = store.create_job_row(
        engine, kind="test", func_path=TASKS + "fail", backend="process", project_id=None, user_id=None
    )
    store.finish_job_row(engine, failed, JobState.FAILED, error="ValueError: elsewhere")
    with pytest.raises(JobFailed, match="ValueError: elsewhere"):
        pool.result(failed, timeout=1)

    done = store.create_job_row(
        engine, kind="test", func_path=TASKS + "add", backend="process", project_id=None, user_id=None
    )
    store.finish_job_row(engine, done, JobState.COMPLETED)
    with pytest.raises(JobResultUnavailable, match="no stored result"):
        pool.result(done, timeout=1)

    with pytest.raises(JobNotFound):
        pool.status(10**9)


def test_a_job_cancelled_in_the_database_by_another_process_is_not_started(pool, engine, tmp_path):
    release, marker = tmp_path / "release", tmp_path / "marker"
    blocker = pool.submit(TASKS + "wait_for_file", {"path": str(release)}, kind="test")
    queued = pool.submit(TASKS + "write_marker", {"path": str(marker)}, kind="test")
    assert store.finish_job_row(engine, queued, JobState.CANCELLED, error="cancelled from the CLI")

    release.touch()
    pool.result(blocker, timeout=20)
    assert pool.result(pool.submit(TASKS + "add", {"a": 1, "b": 1}, kind="test"), timeout=20) == 2

    assert not marker.exists()
    assert pool.status(queued).status == JobState.CANCELLED


def test_shutdown_without_waiting_cancels_queued_and_running_jobs(engine, tmp_path):
    runner = ProcessPoolJobRunner(engine, workers=1)
    running = runner.submit(TASKS + "sleep_steps", {"seconds": 20.0}, kind="test")
    queued = runner.submit(TASKS + "write_marker", {"path": str(tmp_path / "marker")}, kind="test")
    deadline = time.monotonic() + 15
    while runner.status(running).status != "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = list(runner._workers)

    runner.shutdown(wait=False)

    assert [store.read_job_row(engine, i).status for i in (running, queued)] == ["cancelled", "cancelled"]
    assert all(not worker.process.is_alive() for worker in workers)
    assert not (tmp_path / "marker").exists()
    with pytest.raises(RuntimeError, match="shut down"):
        runner.submit(TASKS + "add", {"a": 1, "b": 1}, kind="test")


def test_shutdown_waits_for_the_jobs_by_default(engine):
    runner = ProcessPoolJobRunner(engine, workers=1)
    job_ids = [
        runner.submit(TASKS + "square_after", {"value": v, "delay_s": 0.1}, kind="test") for v in (2, 3)
    ]

    runner.shutdown()

    assert [runner.status(i).status for i in job_ids] == ["completed", "completed"]
    assert [runner.result(i) for i in job_ids] == [4, 9]


def test_get_runner_keeps_one_runner_per_engine(engine, monkeypatch):
    monkeypatch.delenv("VOLTVAULT_DASK_SCHEDULER", raising=False)
    monkeypatch.setenv("VOLTVAULT_WORKERS", "1")
    try:
        first = get_runner(engine)
        assert get_runner(engine) is first
        assert isinstance(first, ProcessPoolJobRunner)
        assert first.worker_count == 1
        assert first.result(first.submit(TASKS + "add", {"a": 2, "b": 3}, kind="test"), timeout=20) == 5
        with pytest.raises(ValueError, match="unknown job backend 'carrier-pigeon'"):
            get_runner(engine, backend="carrier-pigeon")
    finally:
        shutdown_runners()
    assert first.closed


def test_an_unreachable_dask_scheduler_is_reported(sqlite_engine):
    pytest.importorskip("distributed")
    from voltvault_core.jobs.dask_runner import DaskJobRunner

    with pytest.raises(RuntimeError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        DaskJobRunner(sqlite_engine, "tcp://127.0.0.1:9", connect_timeout_s=1)


def test_workers_do_not_rerun_the_page_script(sqlite_engine, tmp_path, monkeypatch):
    # `streamlit run page.py` makes the page script `__main__`; multiprocessing "spawn" would re-run it in
    # every worker (which would start pools of their own). The pool's workers must not touch it.
    import types

    page = tmp_path / "page.py"
    ran = tmp_path / "page-ran"
    page.write_text(f"from pathlib import Path\nPath({str(ran)!r}).write_text('ran')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)

    with ProcessPoolJobRunner(sqlite_engine, workers=1) as runner:
        assert runner.result(runner.submit(TASKS + "add", {"a": 1, "b": 1}, kind="test"), timeout=20) == 2

    assert not ran.exists()


def test_workers_that_cannot_start_fail_the_jobs_with_the_reason(sqlite_engine, monkeypatch):
    from voltvault_core.jobs import pool as pool_module

    monkeypatch.setattr(pool_module, "_BOOTSTRAP", "import sys; sys.exit(3)  # {var}")
    runner = ProcessPoolJobRunner(sqlite_engine, workers=1)
    try:
        job_ids = [runner.submit(TASKS + "add", {"a": i, "b": 1}, kind="test") for i in range(2)]
        for job_id in job_ids:
            with pytest.raises(
                JobFailed, match=r"worker processes cannot start \(exit code 3, 3 times in a row\)"
            ):
                runner.result(job_id, timeout=20)
        assert store.read_job_row(sqlite_engine, job_ids[0]).status == "failed"
    finally:
        runner.shutdown(wait=False)


def test_a_job_whose_worker_dies_while_starting_up_runs_on_the_replacement(sqlite_engine, monkeypatch):
    from voltvault_core.jobs import pool as pool_module

    slow_start = "import time; time.sleep(0.5); " + pool_module._BOOTSTRAP
    monkeypatch.setattr(pool_module, "_BOOTSTRAP", slow_start)
    with ProcessPoolJobRunner(sqlite_engine, workers=1) as runner:
        first_pid = runner.worker_pids[0]
        job_id = runner.submit(TASKS + "worker_pid", kind="test")
        os.kill(first_pid, signal.SIGKILL)  # before it could read the job

        assert runner.result(job_id, timeout=20) not in (first_pid, None)
        assert store.read_job_row(sqlite_engine, job_id).status == "completed"


def test_running_rows_left_by_a_stopped_app_are_failed_when_a_pool_starts(sqlite_engine):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer exists
    abandoned, alive = (
        store.create_job_row(
            sqlite_engine,
            kind="test",
            func_path=TASKS + "add",
            backend="process",
            project_id=None,
            user_id=None,
        )
        for _ in range(2)
    )
    store.mark_running(sqlite_engine, abandoned, worker_pid=gone.pid)
    store.mark_running(sqlite_engine, alive, worker_pid=os.getpid())  # another live process's job

    with ProcessPoolJobRunner(sqlite_engine, workers=1):
        pass

    row = store.read_job_row(sqlite_engine, abandoned)
    assert row.status == "failed"
    assert f"worker pid {gone.pid} is gone" in row.error
    assert store.read_job_row(sqlite_engine, alive).status == "running"
