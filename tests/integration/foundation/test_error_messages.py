"""Database and unexpected errors never reach a page or the terminal raw: no SQL, no parameters (a bcrypt
hash was once printed in a unique-violation traceback), no server paths; a plain sentence with a
reference, and the details in the log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from voltvault_core import cli
from voltvault_core.auth import users as users_module
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.migrate import upgrade
from voltvault_core.errors import public_message, scrub
from voltvault_core.ui.testing import signed_in

ROOT = Path(__file__).resolve().parents[3]
RAW_SIGNS = ("[SQL", "INSERT INTO", "SELECT ", "$2b$", "Traceback", "sqlite3.", "psycopg", "/tmp/", str(ROOT))


def _assert_plain(message: str) -> None:
    leaked = [sign for sign in RAW_SIGNS if sign in message]
    assert not leaked, f"{leaked} in {message!r}"


def test_a_unique_violation_on_user_add_prints_no_hash_and_no_sql(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("VOLTVAULT_HOME", str(tmp_path))
    base = ["user", "add", "--username", "ada", "--email", "ada@lab.example", "--password", "correct horse",
            "--database-url", url]
    assert cli.main(base) == 0
    capsys.readouterr()
    # two `user add` of one name at the same moment: both pass the name check, the second hits the
    # database's unique constraint (the check is taken out here to make that race happen every time)
    monkeypatch.setattr(users_module, "get_user", lambda session, username: None)
    code = cli.main(base)
    err = capsys.readouterr().err
    assert code != 0
    _assert_plain(err)
    assert "ada" in err
    assert "taken" in err


def test_a_database_error_on_the_cli_is_one_plain_line_and_logged(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VOLTVAULT_HOME", str(tmp_path))
    empty = f"sqlite:///{tmp_path / 'empty.db'}"  # never migrated: "no such table: user"
    code = cli.main(["user", "list", "--database-url", empty])
    err = capsys.readouterr().err
    assert code == 1
    assert "voltvault user failed" in err
    assert "reference" in err
    logged = (tmp_path / "voltvault.log").read_text()
    assert "no such table" in logged
    assert "SELECT" in logged
    assert err.count("\n") == 1
    _assert_plain(err.split(" Log: ")[0])


def test_public_message_hides_sql_hashes_and_paths(caplog):
    from sqlalchemy.exc import IntegrityError

    raw = IntegrityError("INSERT INTO user (username, password_hash) VALUES (?, ?)",
                         ("ada", "$2b$12$" + "a" * 53), Exception("UNIQUE constraint failed: user.username"))
    with caplog.at_level(logging.ERROR, logger="voltvault.errors"):
        message = public_message(raw, "Adding the user")
    _assert_plain(message)
    assert "conflicts with a record that exists already" in message
    assert "$2b$12$" in caplog.text  # logged for the administrator, not shown
    # a job's failure text carries the worker's str(exc) of a database error
    from voltvault_core.jobs.base import JobFailed

    job = JobFailed(7, "DataError: (psycopg.errors.NumericValueOutOfRange) integer out of range [SQL: INSERT ...]")
    _assert_plain(public_message(job, "The import"))
    assert scrub("cannot read /srv/voltvault/var/uploads/tmpab12/cell.res: bad page") == "cannot read cell.res: bad page"
    assert scrub("see https://sqlalche.me/e/20/gkpj and C:\\Users\\lab\\x.csv") == \
        "see https://sqlalche.me/e/20/gkpj and x.csv"
    assert "3 A/m2" in scrub("at 3 A/m2 and Test Time / s")
    from voltvault_core.jobs.base import describe_exception

    _assert_plain(describe_exception(raw))  # what a failed job's row keeps as its error text
    unexpected = public_message(KeyError("/home/lab/secret/path.txt"), "Saving")
    _assert_plain(unexpected)
    assert "internal error (KeyError)" in unexpected


@pytest.fixture
def broken_database(tmp_path, monkeypatch):
    """A signed-in admin's database that loses a table under the app (as a half-applied migration would)."""
    from voltvault_core.auth.users import add_user
    from voltvault_core.projects import create_project

    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        admin = add_user(session, None, username="admin", email="a@lab.example", name="Ada", password="correct horse",
                         is_admin=True)
        create_project(session, admin, name="Cells")
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", url)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    monkeypatch.delenv("VOLTVAULT_DEMO", raising=False)
    yield engine
    engine.dispose()


def test_an_unexpected_database_error_in_a_page_is_a_plain_message(broken_database):
    with broken_database.begin() as connection:
        connection.execute(text("DROP TABLE experiment"))
    at = signed_in(AppTest.from_file(str(ROOT / "Home.py"), default_timeout=120), "admin", "Ada").run()
    assert not at.exception, [e.value for e in at.exception]  # no traceback element
    assert at.error, "the failure is reported"
    for e in at.error:
        _assert_plain(e.value)
    assert any("reference" in e.value for e in at.error)


class _Upload:
    def __init__(self, name: str, data: bytes) -> None:
        self.name, self._data, self.size = name, data, len(data)

    def getvalue(self) -> bytes:
        return self._data


@pytest.mark.slow
def test_a_database_error_on_the_import_page_is_a_plain_message(broken_database, monkeypatch):
    import streamlit

    from voltvault_core.cycling.export import to_csv_bytes
    from voltvault_core.cycling.synthetic import synthetic_cycling_frame

    with broken_database.begin() as connection:
        connection.execute(text("DROP TABLE cyclemetric"))
    data = to_csv_bytes(synthetic_cycling_frame(3, points_per_step=10, rest_points=2))
    monkeypatch.setattr(streamlit, "file_uploader", lambda *args, **kwargs: [_Upload("CELL-X.bdf.csv", data)])
    at = signed_in(AppTest.from_file(str(ROOT / "pages" / "cycling_data.py"), default_timeout=120), "admin", "Ada")
    at.run()
    at.number_input(key="cyc.capacity_Ah").set_value(2.0)
    at.text_input(key="cyc.instrument").set_value("synthetic")
    at.text_input(key="cyc.objective").set_value("error test")
    at = at.button(key="cyc.import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    failures = [e.value for e in at.error if "import" in e.value.lower()]
    assert failures, [e.value for e in at.error]
    for message in failures:
        _assert_plain(message)
