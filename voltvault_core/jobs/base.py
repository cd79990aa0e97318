"""What every job backend shares: states, the status record, errors, function paths and the runner API.

A job is a call ``module.function(**kwargs, progress=progress)`` run away from the caller (in a worker
process of the local pool, or on a Dask cluster), recorded in a :class:`voltvault_core.db.models.Job`
row that says where it stands (``queued -> running -> completed | failed | cancelled``).

This module stays light (no database, no Dask): the worker processes import it.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class JobState(StrEnum):
    """Where a job stands; the values are the strings stored in ``Job.status``."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """True once the job will not change any more (completed, failed or cancelled)."""
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED})


@dataclass(frozen=True)
class JobStatus:
    """A snapshot of one job, as a page or the CLI shows it.

    Attributes
    ----------
    job_id : int
        Primary key of the ``Job`` row.
    status : JobState
        ``queued``, ``running``, ``completed``, ``failed`` or ``cancelled`` (compares equal to the string).
    progress : float
        Fraction done, 0..1 [-].
    message : str or None
        The latest progress message of the job function.
    error : str or None
        A readable failure message (exception type and text) when the job failed or was cancelled.
    """

    job_id: int
    status: JobState
    progress: float
    message: str | None
    error: str | None

    @property
    def done(self) -> bool:
        """True when the job has finished, whichever way."""
        return JobState(self.status).is_terminal


class JobError(Exception):
    """Base class of the errors :meth:`JobRunner.result` raises."""

    def __init__(self, job_id: int, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.message = message
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:  # pickles across processes with its three fields
        return (type(self), (self.job_id, self.message, self.detail))


class JobFailed(JobError):
    """The job raised, its worker died, or it ran past its time limit; ``message`` says which and why.

    ``detail`` holds the worker-side traceback when there is one (for admins, not for page users).
    """


class JobCancelled(JobError):
    """The job was cancelled before it could finish."""


class JobStopRequested(BaseException):
    """Raised inside a running job to stop it (cancel or time limit). A ``BaseException``, so that the
    job function's ``except Exception`` blocks do not swallow it."""


class JobNotFound(LookupError):
    """No job with this id exists in the runner's database."""


class JobResultUnavailable(LookupError):
    """The job completed, but its return value is not held by this runner (another process ran it, or
    the runner forgot it after keeping the most recent results). Functions whose results must outlive
    the app process store them as an artifact and link it (``Job.result_artifact_id``)."""


# ---------------------------------------------------------------------------------------------- functions
_FUNC_PATH_PATTERN = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")


# Job functions that moved when their feature became a package; rows queued by an older version of the
# app still name the old module, and the worker follows them here.
MOVED_MODULES = {
    "voltvault_core.simulation_service": "voltvault_core.simulation.service",
}


def split_func_path(func_path: str) -> tuple[str, str]:
    """Split ``"package.module:function"`` into module and attribute path, or say what is wrong.

    Raises
    ------
    ValueError
        When the string is not ``module:function`` or points into ``__main__`` (a page script or the
        entry script: a spawned worker cannot import it; put the function in the package).
    """
    if not isinstance(func_path, str) or not _FUNC_PATH_PATTERN.match(func_path):
        raise ValueError(
            f"job function {func_path!r} must be written 'package.module:function' "
            "(e.g. 'voltvault_core.cycling.jobs:parse_file')"
        )
    module_name, attribute = func_path.split(":", 1)
    if module_name.split(".")[0] in {"__main__", "__mp_main__"}:
        raise ValueError(
            f"job function {func_path!r} lives in the entry script; workers cannot import it. "
            "Move the function into the voltvault_core package and submit 'voltvault_core.<area>.<module>:<name>'."
        )
    return MOVED_MODULES.get(module_name, module_name), attribute


def check_func_path(func_path: str) -> None:
    """Fail early, in the caller, when the job's module cannot be found (without importing it)."""
    module_name, _ = split_func_path(func_path)
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError) as exc:
        spec = None
        reason = f": {exc}"
    else:
        reason = ""
    if spec is None:
        raise ValueError(f"job function {func_path!r}: no module named {module_name!r}{reason}")


def resolve_function(func_path: str) -> Callable[..., Any]:
    """Import ``module`` and return ``module.function`` (dotted attributes allowed) — in the worker."""
    module_name, attribute = split_func_path(func_path)
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise AttributeError(
                f"job function {func_path!r}: {module_name} has no attribute {part!r}"
            ) from None
    if not callable(target):
        raise TypeError(f"job function {func_path!r} is a {type(target).__name__}, not a function")
    return target


def describe_exception(exc: BaseException) -> str:
    """A one-line readable failure: ``"ValueError: the thickness must be positive"``."""
    from voltvault_core.errors import is_database_error, public_message

    if is_database_error(exc):  # its SQL and parameters go to the log (and the traceback to ``detail``)
        return public_message(exc, "The job")
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


# ---------------------------------------------------------------------------------------------- progress
def clamp_fraction(fraction: float) -> float:
    """Check a progress fraction and clip it to 0..1.

    Raises
    ------
    ValueError
        When ``fraction`` is not a finite number.
    """
    try:
        value = float(fraction)
    except (TypeError, ValueError):
        raise ValueError(f"progress fraction must be a number between 0 and 1, got {fraction!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"progress fraction must be a finite number between 0 and 1, got {fraction!r}")
    return min(1.0, max(0.0, value))


class ProgressThrottle:
    """Decides which progress calls are worth sending: at most one per ``interval_s`` [s], except that
    a changed message or the end (fraction 1) always goes through.

    Parameters
    ----------
    interval_s : float
        Minimum time between two forwarded updates [s].
    """

    def __init__(self, interval_s: float) -> None:
        self.interval_s = float(interval_s)
        self._last_sent_s = -math.inf
        self._last_message: str | None = None

    def should_send(self, fraction: float, message: str | None) -> bool:
        now_s = time.monotonic()
        if (
            now_s - self._last_sent_s >= self.interval_s
            or (message is not None and message != self._last_message)
            or fraction >= 1.0
        ):
            self._last_sent_s = now_s
            if message is not None:
                self._last_message = message
            return True
        return False


def progress_message(message: object) -> str | None:
    """Normalise a progress message (None, or text cut to 500 characters)."""
    if message is None:
        return None
    text = str(message)
    return text if len(text) <= 500 else text[:497] + "..."
