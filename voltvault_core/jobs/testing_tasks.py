"""Job functions for the job-runner tests (test helpers, not product features).

They live in the package because spawned pool workers and Dask workers import job functions by name
and cannot import test files. Each one proves something the tests check: that a job ran (a marker
file), that progress arrives, that a failure carries its message, that a process can be killed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

Progress = Callable[..., None]
_SQUARE_KERNEL: Callable[[float], float] | None = None


def add(*, a: float, b: float, progress: Progress) -> float:
    """Return ``a + b`` after reporting half-way progress."""
    progress(0.5, "adding")
    return a + b


def square_after(*, value: float, delay_s: float, progress: Progress) -> float:
    """Sleep ``delay_s`` [s], then return ``value**2``."""
    time.sleep(delay_s)
    progress(1.0)
    return value * value


def fail(*, message: str, progress: Progress) -> None:
    """Raise ``ValueError(message)``."""
    progress(0.1, "about to fail")
    raise ValueError(message)


def write_marker(*, path: str, text: str = "ran", progress: Progress) -> str:
    """Create the file ``path`` (proof that the job ran) and return its path."""
    Path(path).write_text(f"{text} {os.getpid()}\n")
    return path


def sleep_steps(
    *,
    seconds: float,
    steps: int = 20,
    marker_path: str | None = None,
    steps_path: str | None = None,
    progress: Progress,
) -> int:
    """Sleep ``seconds`` [s] in ``steps`` slices, reporting progress after each; return the worker pid.

    With ``steps_path``, a line is appended to that file after every slice (a stopped job stops
    writing); with ``marker_path``, that file is written when the job finishes.
    """
    for step in range(steps):
        time.sleep(seconds / steps)
        if steps_path:
            with open(steps_path, "a") as handle:
                handle.write(f"{step + 1}\n")
        progress((step + 1) / steps, f"step {step + 1} of {steps}")
    if marker_path:
        Path(marker_path).write_text("finished\n")
    return os.getpid()


def hold_progress(
    *, fraction: float, message: str, release_path: str, timeout_s: float = 30.0, progress: Progress
) -> str:
    """Report one progress value, then keep running until ``release_path`` exists (at most ``timeout_s``
    [s]), so that a test can read the row meanwhile."""
    progress(fraction, message)
    deadline = time.monotonic() + timeout_s
    while not Path(release_path).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return message


def wait_for_file(*, path: str, timeout_s: float = 30.0, progress: Progress) -> int:
    """Block until ``path`` exists (or ``timeout_s`` [s] passes), then return this process's pid."""
    progress(0.0, "waiting")
    deadline = time.monotonic() + timeout_s
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return os.getpid()


def worker_pid(*, progress: Progress) -> int:
    """Return the id of the process running the job."""
    return os.getpid()


def allocate(*, megabytes: int, progress: Progress) -> int:
    """Allocate ``megabytes`` MiB (to hit a memory limit) and return how many bytes were touched."""
    block = bytearray(megabytes * 2**20)
    return len(block)


def unpicklable_result(*, progress: Progress) -> object:
    """Return a value that cannot be pickled (a lock)."""
    import threading

    return threading.Lock()


def square_with_numba(*, value: float, progress: Progress) -> dict[str, object]:
    """Square ``value`` with a numba kernel; say whether this process had compiled the kernel before.

    Proves that pool workers are persistent: the kernel compiles once per worker process, not per job.
    """
    global _SQUARE_KERNEL
    if _SQUARE_KERNEL is None:
        import numba

        @numba.njit(cache=False)
        def square(x: float) -> float:
            return x * x

        _SQUARE_KERNEL = square
    compiled_before = bool(_SQUARE_KERNEL.signatures)
    return {"pid": os.getpid(), "compiled_before": compiled_before, "value": _SQUARE_KERNEL(value)}


def csv_output(*, rows: int, progress: Progress):
    """Return a small CSV as a :class:`~voltvault_core.jobs.results.JobOutput` with a JSON summary."""
    from voltvault_core.jobs.results import JobOutput

    text = "x,y\n" + "".join(f"{i},{i * i}\n" for i in range(rows))
    return JobOutput(text.encode(), media_type="text/csv", filename="squares.csv", meta={"rows": rows})
