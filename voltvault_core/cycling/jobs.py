"""Job-runner worker functions for cycling data (imports of large files run here, with progress).

Submitted as ``"voltvault_core.cycling.jobs:import_file"``; they take plain keyword arguments and the
runner's ``progress`` callable, open their own database engine, and return small picklable dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Progress = Callable[..., None]


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
    secondary: dict[str, Any] | None = None,
    tertiary: dict[str, Any] | None = None,
    format: str = "auto",
    mapping: dict[str, Any] | None = None,
    name: str | None = None,
    allow_duplicate: bool = False,
    progress: Progress,
) -> dict[str, Any]:
    """Parse and store one cycler file (bytes or a path readable by the worker) in one transaction.

    Returns ``{"dataset_id", "rows", "cycles", "format", "warnings"}``. Errors (bad file, bad metadata,
    missing permission) propagate with their message and the job fails; nothing is stored.
    """
    from voltvault_core.cycling.service import import_dataset
    from voltvault_core.db.engine import create_db_engine, session_scope
    from voltvault_core.db.models import User

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
                tertiary=tertiary, format=format, mapping=mapping, name=name, progress=progress,
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
