"""Cached resources and the page context: the engine (migrated once per process), the job runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from voltvault_core.db.engine import create_db_engine, default_database_url, session_scope
from voltvault_core.db.models import Project, User


@st.cache_resource(show_spinner="Opening the database ...")
def _engine_for(url: str) -> Engine:
    from voltvault_core.db.migrate import upgrade

    engine = create_db_engine(url)
    upgrade(engine)  # migrations run at app start
    return engine


def get_engine() -> Engine:
    return _engine_for(default_database_url())


@st.cache_resource(show_spinner=False)
def _runner_for(url: str, scheduler: str):
    from voltvault_core.jobs import get_runner

    return get_runner(_engine_for(url))


def get_job_runner():
    """The process pool (or Dask client) shared by every session of this server process."""
    return _runner_for(default_database_url(), os.environ.get("VOLTVAULT_DASK_SCHEDULER", ""))


def demo_mode() -> bool:
    return os.environ.get("VOLTVAULT_DEMO", "").strip().lower() in ("1", "true", "yes", "on")


@dataclass
class PageContext:
    """What every page needs: who is looking, at which project, with what rights."""

    engine: Engine
    user: User | None
    project: Project | None
    role: str | None
    read_only_reason: str | None = None

    @property
    def can_write(self) -> bool:
        return self.role in ("editor", "owner") and self.read_only_reason is None

    @property
    def can_comment(self) -> bool:
        return self.role in ("commenter", "editor", "owner") and self.read_only_reason is None

    @property
    def project_id(self) -> int | None:
        return self.project.id if self.project else None

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    def require_project(self) -> Project:
        if self.project is None:
            st.info("No project yet. Create one on the Dashboard, or ask a colleague to add you to theirs.")
            st.stop()
        return self.project

    def require_write(self, what: str = "change this project") -> None:
        """Stop the page with a plain message when the viewer may not write."""
        if not self.can_write:
            reason = self.read_only_reason or f"your role here is {self.role or 'none'}"
            st.info(f"Read-only: you cannot {what} ({reason}).")
            st.stop()
