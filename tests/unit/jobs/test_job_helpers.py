"""The job runner's building blocks that need no worker and no database."""

from __future__ import annotations

import pickle
import signal
import time

import pytest

from voltvault_core.jobs import JobCancelled, JobFailed, JobState, JobStatus, selected_backend
from voltvault_core.jobs.base import (
    ProgressThrottle,
    check_func_path,
    clamp_fraction,
    describe_exception,
    resolve_function,
    split_func_path,
)
from voltvault_core.jobs.pool import default_worker_count, describe_exit


def test_function_paths_are_split_into_module_and_attribute():
    assert split_func_path("voltvault_core.jobs.testing_tasks:add") == (
        "voltvault_core.jobs.testing_tasks",
        "add",
    )
    assert split_func_path("pkg.mod:Class.method") == ("pkg.mod", "Class.method")


@pytest.mark.parametrize(
    "bad", ["voltvault_core.jobs.testing_tasks.add", "mod:", ":func", "mod:func:x", "a b:c", "", None, 3]
)
def test_malformed_function_paths_say_what_would_work(bad):
    with pytest.raises(ValueError, match=r"package\.module:function"):
        split_func_path(bad)


def test_functions_in_the_entry_script_are_refused():
    with pytest.raises(ValueError, match="entry script"):
        split_func_path("__main__:simulate")


def test_an_unknown_module_is_reported_before_submitting():
    with pytest.raises(ValueError, match=r"no module named 'voltvault_core\.no_such_module'"):
        check_func_path("voltvault_core.no_such_module:run")
    with pytest.raises(ValueError, match=r"no module named 'not_a_package_at_all\.x'"):
        check_func_path("not_a_package_at_all.x:run")
    check_func_path("voltvault_core.jobs.testing_tasks:add")  # exists: no error


def test_functions_resolve_in_the_worker_with_readable_errors():
    add = resolve_function("voltvault_core.jobs.testing_tasks:add")
    assert add(a=1, b=2, progress=lambda *args, **kwargs: None) == 3
    with pytest.raises(AttributeError, match="has no attribute 'no_such_function'"):
        resolve_function("voltvault_core.jobs.testing_tasks:no_such_function")
    with pytest.raises(TypeError, match="not a function"):
        resolve_function("voltvault_core.jobs.worker:WORKER_PROGRESS_INTERVAL_S")


def test_exceptions_are_described_by_type_and_text():
    assert (
        describe_exception(ValueError("thickness must be positive"))
        == "ValueError: thickness must be positive"
    )
    assert describe_exception(KeyError()) == "KeyError"


@pytest.mark.parametrize(
    ("given", "expected"), [(0.25, 0.25), (-1, 0.0), (7, 1.0), ("0.5", 0.5), (True, 1.0)]
)
def test_progress_fractions_are_clipped_to_0_1(given, expected):
    assert clamp_fraction(given) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "half", None])
def test_progress_fractions_that_are_not_numbers_are_refused(bad):
    with pytest.raises(ValueError, match="progress fraction"):
        clamp_fraction(bad)


def test_progress_is_throttled_but_new_messages_and_the_end_always_pass():
    throttle = ProgressThrottle(interval_s=60.0)
    assert throttle.should_send(0.1, None)  # the first one
    assert not throttle.should_send(0.2, None)  # too soon
    assert throttle.should_send(0.3, "meshing")  # a new message
    assert not throttle.should_send(0.4, "meshing")  # same message, too soon
    assert throttle.should_send(1.0, None)  # the end
    fast = ProgressThrottle(interval_s=0.01)
    assert fast.should_send(0.1, None)
    time.sleep(0.02)
    assert fast.should_send(0.2, None)


def test_dead_workers_are_described_by_signal_or_exit_code():
    assert describe_exit(-signal.SIGKILL) == "signal 9, SIGKILL"
    assert describe_exit(3) == "exit code 3"
    assert describe_exit(None) == "unknown exit status"


def test_worker_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("VOLTVAULT_WORKERS", "3")
    assert default_worker_count() == 3
    monkeypatch.delenv("VOLTVAULT_WORKERS")
    assert default_worker_count() >= 1
    for bad in ("0", "many"):
        monkeypatch.setenv("VOLTVAULT_WORKERS", bad)
        with pytest.raises(ValueError, match="VOLTVAULT_WORKERS must be a positive integer"):
            default_worker_count()


def test_the_backend_follows_the_dask_scheduler_variable(monkeypatch):
    monkeypatch.delenv("VOLTVAULT_DASK_SCHEDULER", raising=False)
    assert selected_backend() == "process"
    monkeypatch.setenv("VOLTVAULT_DASK_SCHEDULER", "tcp://127.0.0.1:8786")
    assert selected_backend() == "dask"


def test_job_errors_survive_pickling_between_processes():
    error = pickle.loads(pickle.dumps(JobFailed(7, "ValueError: boom", "Traceback ...")))
    assert (type(error), error.job_id, error.message, error.detail, str(error)) == (
        JobFailed,
        7,
        "ValueError: boom",
        "Traceback ...",
        "ValueError: boom",
    )
    assert isinstance(pickle.loads(pickle.dumps(JobCancelled(8, "cancelled"))), JobCancelled)


def test_status_says_whether_the_job_is_done():
    assert JobStatus(1, JobState.FAILED, 0.1, None, "ValueError: x").done
    assert not JobStatus(1, JobState.RUNNING, 0.1, "meshing", None).done
    assert JobState("completed") == "completed"
