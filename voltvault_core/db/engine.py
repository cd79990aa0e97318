"""Engines and transactions.

``VOLTVAULT_DATABASE_URL`` picks the database: an embedded SQLite file by default
(``<VOLTVAULT_HOME>/voltvault.db``), PostgreSQL (``postgresql+psycopg://...``) for groups and cloud.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine


def home_dir() -> Path:
    """Where the embedded database, the cookie key and file artifacts live (``VOLTVAULT_HOME``)."""
    path = Path(os.environ.get("VOLTVAULT_HOME", Path.cwd() / "var")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    url = os.environ.get("VOLTVAULT_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{home_dir() / 'voltvault.db'}"


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``) and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_db_engine(url: str | None = None, *, echo: bool = False, pg_schema: str | None = None) -> Engine:
    """Create an engine; SQLite gets foreign keys on, WAL and a busy timeout (several processes write).

    ``pg_schema`` puts a PostgreSQL connection in its own schema (the tests use a throw-away one).
    """
    url = normalise_url(url or default_database_url())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - exercised by every test
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if pg_schema:  # in the URL itself, so a CLI or worker handed engine.url lands in the same schema
        parsed = parsed.update_query_dict({"options": f"-csearch_path={pg_schema}"})
    return create_engine(parsed, echo=echo, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit when the block ends, roll back everything on any exception."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
