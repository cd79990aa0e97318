"""Job-runner worker functions for cycling data (imports of large files run here, with progress).

Submitted as ``"voltvault_core.cycling.jobs:import_file"``; they take plain keyword arguments and the
runner's ``progress`` callable, open their own database engine, and return small picklable dicts.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

Progress = Callable[..., None]

#: uploads larger than this are parsed by a job worker with the limits below, never in the web process
#: (environment ``VOLTVAULT_CYCLING_INPROCESS_MAX_MB``, default 4 MB)
WORKER_THRESHOLD_MB_DEFAULT = 4.0
#: wall-time and memory limits of an import job (DESIGN.md, Security)
IMPORT_TIMEOUT_S = 3600.0
IMPORT_MEMORY_BYTES = 8 * 1024**3
JOB_FUNCTION = "voltvault_core.cycling.jobs:import_file"

_PARSING_ALLOWED = contextvars.ContextVar("voltvault_cycling_parse_large_uploads", default=False)


def worker_threshold_bytes() -> int:
    """Uploads above this size [B] are parsed in a job worker (``VOLTVAULT_CYCLING_INPROCESS_MAX_MB``)."""
    return int(float(os.environ.get("VOLTVAULT_CYCLING_INPROCESS_MAX_MB", WORKER_THRESHOLD_MB_DEFAULT)) * 1024**2)


def needs_worker(size_bytes: int) -> bool:
    """True when an upload of this size must be parsed by a job worker, not by the caller."""
    return size_bytes > worker_threshold_bytes() and not _PARSING_ALLOWED.get()


@contextlib.contextmanager
def large_uploads_allowed() -> Iterator[None]:
    """Parse uploads of any size in this process: job workers and the command line (not the web app)."""
    token = _PARSING_ALLOWED.set(True)
    try:
        yield
    finally:
        _PARSING_ALLOWED.reset(token)


def submit_import(
    runner,
    engine,
    *,
    project_id: int,
    user_id: int,
    parts: Sequence[tuple[str, bytes]],
    primary: dict[str, Any],
    secondary: dict[str, Any] | None = None,
    tertiary: dict[str, Any] | None = None,
    format: str = "auto",
    mapping: dict[str, Any] | None = None,
    name: str | None = None,
    allow_duplicate: bool = False,
) -> int:
    """Queue the import of one file (or the parts of a split export) as a job with time and memory limits.

    Returns the job id; the job's result is :func:`import_file`'s dict. This is how the web app imports
    an upload above :func:`worker_threshold_bytes`.
    """
    if not parts:
        raise ValueError("submit_import needs at least one (filename, bytes) part")
    payload: dict[str, Any] = {
        **engine_locator(engine), "project_id": project_id, "user_id": user_id, "primary": primary,
        "secondary": secondary, "tertiary": tertiary, "format": format, "mapping": mapping, "name": name,
        "allow_duplicate": allow_duplicate,
    }
    if len(parts) == 1:
        payload.update(filename=parts[0][0], data=bytes(parts[0][1]))
    else:
        payload.update(filename=f"{parts[0][0]} (+{len(parts) - 1} parts).zip", parts=[(n, bytes(d)) for n, d in parts])
    return runner.submit(
        JOB_FUNCTION, payload, kind="cycling-import", project_id=project_id, user_id=user_id,
        timeout_s=IMPORT_TIMEOUT_S, memory_limit_bytes=IMPORT_MEMORY_BYTES,
    )


def engine_locator(engine) -> dict[str, Any]:
    """What a worker needs to open the same database: ``{"database_url", "pg_schema"}``.

    The URL keeps its password (job arguments stay in memory, they are not stored in the job row); on
    PostgreSQL the current schema is passed too, since an engine may live in a non-default schema.
    """
    locator: dict[str, Any] = {"database_url": engine.url.render_as_string(hide_password=False), "pg_schema": None}
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.connect() as connection:
            locator["pg_schema"] = connection.execute(text("SELECT current_schema()")).scalar()
    return locator


def import_file(
    *,
    database_url: str,
    pg_schema: str | None = None,
    project_id: int,
    user_id: int,
    filename: str,
    primary: dict[str, Any],
    data: bytes | None = None,
    path: str | None = None,
    parts: Sequence[tuple[str, bytes]] | None = None,
    secondary: dict[str, Any] | None = None,
    tertiary: dict[str, Any] | None = None,
    format: str = "auto",
    mapping: dict[str, Any] | None = None,
    name: str | None = None,
    allow_duplicate: bool = False,
    progress: Progress,
) -> dict[str, Any]:
    """Parse and store one cycler file (bytes, a path readable by the worker, or the ``parts`` of a split
    export as ``(filename, bytes)`` pairs) in one transaction.

    Returns ``{"dataset_id", "rows", "cycles", "format", "warnings"}``. Errors (bad file, bad metadata,
    missing permission) propagate with their message and the job fails; nothing is stored.
    """
    with large_uploads_allowed():
        return _import_file(
            database_url=database_url, pg_schema=pg_schema, project_id=project_id, user_id=user_id,
            filename=filename, primary=primary, data=data, path=path, parts=parts, secondary=secondary,
            tertiary=tertiary, format=format, mapping=mapping, name=name, allow_duplicate=allow_duplicate,
            progress=progress,
        )


def _zip_parts(parts: Sequence[tuple[str, bytes]]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part_name, part_data in parts:
            archive.writestr(part_name, part_data)
    return buffer.getvalue()


def _import_file(*, database_url, pg_schema, project_id, user_id, filename, primary, data, path, parts, secondary,
                 tertiary, format, mapping, name, allow_duplicate, progress) -> dict[str, Any]:
    from voltvault_core.cycling.importer import read_cycling_bytes
    from voltvault_core.cycling.service import import_dataset, join_split_export
    from voltvault_core.db.engine import create_db_engine, session_scope
    from voltvault_core.db.models import User

    parsed = None
    if parts:
        progress(0.05, f"reading {len(parts)} parts")
        # joined only when the parts agree (same instrument, channel and cell), as in the web process
        parsed = join_split_export([read_cycling_bytes(part_data, part_name, format) for part_name, part_data in parts])
        data = _zip_parts(parts)  # the raw artifact keeps every part
    if data is None:
        if path is None:
            raise ValueError("import_file needs the file's bytes (data=) or a path the worker can read (path=)")
        data = Path(path).read_bytes()
    engine = create_db_engine(database_url, pg_schema=pg_schema)
    try:
        with session_scope(engine) as session:
            actor = session.get(User, user_id)
            dataset = import_dataset(
                session, actor, project_id, data=data, filename=filename, primary=primary, secondary=secondary,
                tertiary=tertiary, format=format, mapping=mapping, name=name, parsed=parsed, progress=progress,
                allow_duplicate=allow_duplicate,
            )
            result = {
                "dataset_id": dataset.id,
                "rows": dataset.n_rows,
                "cycles": dataset.total_cycles,
                "format": dataset.source_format,
                "warnings": list((dataset.metadata_ or {}).get("source", {}).get("warnings", [])),
            }
    finally:
        engine.dispose()
    return result
