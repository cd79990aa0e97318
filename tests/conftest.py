"""Shared fixtures: a migrated database on SQLite and (when configured) PostgreSQL, users in every role.

``VOLTVAULT_TEST_DATABASE_URL`` (set by ``.ci/run``) adds PostgreSQL to every database test. Each test
gets a fresh database: a new SQLite file, or a throw-away PostgreSQL schema dropped afterwards, so a
user's real database is never touched.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from voltvault_core.db.engine import create_db_engine, normalise_url, session_scope
from voltvault_core.db.migrate import upgrade

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("VOLTVAULT_SHARED_DIR") or REPO_ROOT.parent / "shared")  # env: worktrees elsewhere

os.environ.setdefault("VOLTVAULT_HOME", str(REPO_ROOT / "var" / "test-home"))
os.environ.setdefault("VOLTVAULT_BCRYPT_ROUNDS", "4")  # fast hashes in tests only

_BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("VOLTVAULT_TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository; tests that need it skip cleanly when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip("../shared is not beside the repository")
    return SHARED_DIR


def _make_engine(backend: str, tmp_path: Path):
    if backend == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'test.db'}")
        return engine, lambda: engine.dispose()
    url = normalise_url(os.environ["VOLTVAULT_TEST_DATABASE_URL"])
    schema = f"vvtest_{uuid.uuid4().hex[:12]}"
    admin = create_db_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_db_engine(url, pg_schema=schema)

    def drop():
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    return engine, drop


@pytest.fixture(params=_BACKENDS)
def engine(request, tmp_path):
    """A migrated, empty database (SQLite, and PostgreSQL when VOLTVAULT_TEST_DATABASE_URL is set)."""
    eng, cleanup = _make_engine(request.param, tmp_path)
    upgrade(eng)
    yield eng
    cleanup()


@pytest.fixture
def users(engine):
    """An admin plus one user per project role, and a project where each holds that role.

    Returns a dict: ``{"admin": User, "owner": User, "editor": User, "commenter": User, "viewer": User,
    "outsider": User, "project_id": int}``.
    """
    from voltvault_core.auth.users import add_user
    from voltvault_core.projects import create_project, set_member_role

    with session_scope(engine) as session:
        made = {}
        for name in ("admin", "owner", "editor", "commenter", "viewer", "outsider"):
            made[name] = add_user(session, None, username=name, email=f"{name}@lab.example", name=name.title(),
                                  password="correct horse", is_admin=(name == "admin"))
        project = create_project(session, made["owner"], name="Cell A", chemistry_tag="NMC811")
        for role in ("editor", "commenter", "viewer"):
            set_member_role(session, made["owner"], project.id, username=role, role=role)
        made["project_id"] = project.id
    return made
