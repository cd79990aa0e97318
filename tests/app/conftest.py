"""AppTest fixtures: a seeded SQLite database the app reads through VOLTVAULT_DATABASE_URL."""

from __future__ import annotations

import pytest

from voltvault_core.auth.users import add_user
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.migrate import upgrade
from voltvault_core.demo import seed_demo
from voltvault_core.projects import create_project


@pytest.fixture(scope="session")
def app_database(tmp_path_factory):
    """One database for the page tests: the demo project, an admin, a viewer, and the admin's own project."""
    path = tmp_path_factory.mktemp("app") / "app.db"
    url = f"sqlite:///{path}"
    engine = create_db_engine(url)
    upgrade(engine)
    seed_demo(engine)
    with session_scope(engine) as session:
        admin = add_user(session, None, username="admin", email="admin@lab.example", name="Ada Admin",
                         password="correct horse", is_admin=True)
        add_user(session, None, username="viewer", email="viewer@lab.example", name="Val Viewer",
                 password="correct horse")
        create_project(session, admin, name="Own cells", chemistry_tag="LFP")
    engine.dispose()
    return url


@pytest.fixture
def app_env(app_database, monkeypatch):
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", app_database)
    monkeypatch.delenv("VOLTVAULT_DEMO", raising=False)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    return app_database
