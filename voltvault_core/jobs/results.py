"""Job results as artifacts, written by the worker side and linked on the job's row.

A job function's return value never travels back to the app and is never held in its memory: the
process that ran the function (a pool worker, a Dask worker, an inline caller) stores it here, in one
transaction that also marks the row ``completed`` (:func:`store_job_result`). Anyone with the database
reads it back later (:func:`load_job_result`), from any process, after any restart.

Two shapes of return value:

* a :class:`JobOutput` — bytes stored as they are (an NPZ, a CSV, a report PDF) with their media type,
  plus a small JSON ``meta`` kept on the row (``Job.result_meta``: a summary that lists of jobs show
  without reading the artifact);
* anything else picklable — pickled into an artifact of media type :data:`PICKLE_MEDIA_TYPE`.

This module stays free of Dask and of the runner classes: the workers import it.
"""

from __future__ import annotations

import json
import pickle
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine

from voltvault_core.db.artifacts import get_artifact_bytes, put_artifact
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.models import Job, utcnow
from voltvault_core.jobs.base import JobState, describe_exception

#: media type of a pickled return value
PICKLE_MEDIA_TYPE = "application/vnd.voltvault.job-result+pickle"
#: largest ``JobOutput.meta`` kept on the row, as JSON [B]
MAX_META_BYTES = 64 * 1024


@dataclass(frozen=True)
class JobOutput:
    """A job result stored as bytes of a known format, with a small JSON summary on the job's row.

    Attributes
    ----------
    data : bytes
        The artifact's content (stored as is, deduplicated by SHA-256).
    media_type : str
        e.g. ``"application/x-npz"``.
    filename : str
        Suggested download name.
    meta : dict
        JSON-serialisable, at most :data:`MAX_META_BYTES` as JSON; stored in ``Job.result_meta``.
    """

    data: bytes
    media_type: str = "application/octet-stream"
    filename: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


class ResultNotStored(RuntimeError):
    """The value cannot be stored as a job result (does not pickle, meta not JSON, too large...)."""


def encode_result(value: Any, job_id: int) -> tuple[bytes, str, str, dict[str, Any] | None]:
    """``(data, media_type, filename, meta)`` of a job's return value.

    Raises
    ------
    ResultNotStored
        With what is wrong and what job functions must return instead.
    """
    if isinstance(value, JobOutput):
        if not isinstance(value.data, bytes | bytearray | memoryview):
            raise ResultNotStored(f"JobOutput.data must be bytes, got {type(value.data).__name__}")
        try:
            meta_text = json.dumps(value.meta, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ResultNotStored(
                f"JobOutput.meta must be plain JSON (numbers, strings, lists, dicts; no NaN): {exc}"
            ) from exc
        if len(meta_text) > MAX_META_BYTES:
            raise ResultNotStored(
                f"JobOutput.meta is {len(meta_text)} bytes as JSON, more than {MAX_META_BYTES}; "
                "put bulk data in JobOutput.data"
            )
        return bytes(value.data), value.media_type, value.filename or f"job-{job_id}", dict(value.meta)
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        raise ResultNotStored("the job's result is too large to store (out of memory while pickling it)") from None
    except Exception as exc:
        raise ResultNotStored(
            f"the job finished but its result cannot be stored ({describe_exception(exc)}); "
            "job functions must return picklable values (numbers, arrays, dataclasses, dicts) or a JobOutput"
        ) from exc
    return data, PICKLE_MEDIA_TYPE, f"job-{job_id}.pickle", None


def store_job_result(engine: Engine, job_id: int, value: Any) -> int | None:
    """Store ``value`` as the job's result artifact and mark its row completed, in one transaction.

    Returns
    -------
    int or None
        The artifact id; None when the row was no longer open (cancelled or reaped meanwhile): then
        nothing is linked and the row keeps what it says.

    Raises
    ------
    ResultNotStored
        The value cannot be stored (the caller fails the job with this message).
    sqlalchemy.exc.SQLAlchemyError
        The database refused every attempt (see :func:`voltvault_core.jobs.store.with_retries`).
    """
    from voltvault_core.jobs.store import with_retries

    data, media_type, filename, meta = encode_result(value, job_id)

    class _Closed(Exception):
        pass

    def write() -> int:
        with session_scope(engine) as session:
            artifact = put_artifact(session, data, media_type=media_type, filename=filename)
            result = session.execute(
                update(Job)
                .where(
                    Job.id == job_id,
                    Job.status.in_([JobState.QUEUED.value, JobState.RUNNING.value]),  # type: ignore[attr-defined]
                )
                .values(
                    status=JobState.COMPLETED.value,
                    result_artifact_id=artifact.id,
                    result_meta=meta,
                    progress=1.0,
                    error=None,
                    finished_at=utcnow(),
                    lease_expires_at=None,
                )
            )
            if not result.rowcount:
                raise _Closed  # roll the artifact back with it
            assert artifact.id is not None
            return artifact.id

    try:
        return with_retries(write, f"storing the result of job {job_id}")
    except _Closed:
        return None


def load_job_result(engine: Engine, job_id: int) -> Any:
    """The stored result of a completed job: the unpickled value, or the :class:`JobOutput`.

    Raises
    ------
    LookupError
        No such job, or it has no result artifact (not completed, or completed before results were
        stored as artifacts).
    """
    with session_scope(engine) as session:
        row = session.get(Job, job_id)
        if row is None:
            raise LookupError(f"no job with id {job_id}")
        if row.result_artifact_id is None:
            raise LookupError(f"job {job_id} ({row.status}) has no stored result")
        from voltvault_core.db.models import Artifact

        artifact = session.get(Artifact, row.result_artifact_id)
        data = get_artifact_bytes(session, row.result_artifact_id)
        meta = dict(row.result_meta or {})
    if artifact is not None and artifact.media_type == PICKLE_MEDIA_TYPE:
        return pickle.loads(data)
    return JobOutput(
        data=data,
        media_type=artifact.media_type if artifact is not None else "application/octet-stream",
        filename=artifact.filename if artifact is not None else "",
        meta=meta,
    )


# ------------------------------------------------------------------------- engines in worker processes
_WORKER_ENGINES: dict[str, Engine] = {}
_WORKER_ENGINES_LOCK = threading.Lock()


def worker_engine(url: str) -> Engine:
    """One engine per database URL in this (worker) process, made on first use."""
    with _WORKER_ENGINES_LOCK:
        engine = _WORKER_ENGINES.get(url)
        if engine is None:
            engine = _WORKER_ENGINES[url] = create_db_engine(url)
        return engine


def engine_url(engine: Engine) -> str:
    """The URL a worker process opens to reach ``engine``'s database (password included).

    Raises
    ------
    ValueError
        For an in-memory SQLite database, which other processes cannot open.
    """
    url = engine.url
    if url.get_backend_name() == "sqlite" and (not url.database or url.database == ":memory:"):
        raise ValueError(
            "jobs run in other processes, which cannot open an in-memory SQLite database; "
            "use a SQLite file (sqlite:///path.db) or PostgreSQL"
        )
    return url.render_as_string(hide_password=False)
