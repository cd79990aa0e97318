"""The Cell Designer page: live metrics follow the widgets, save goes through the core with its role check."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from voltvault_core.auth.users import add_user
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.migrate import upgrade
from voltvault_core.db.models import CellDesign as CellDesignRow
from voltvault_core.projects import create_project, set_member_role
from voltvault_core.ui.testing import signed_in

PAGE = str(Path(__file__).resolve().parents[3] / "pages" / "cell_designer.py")


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        owner = add_user(
            session, None, username="olga", email="o@lab.example", name="Olga", password="correct horse"
        )
        add_user(session, None, username="vic", email="v@lab.example", name="Vic", password="correct horse")
        project = create_project(session, owner, name="Cells", chemistry_tag="NMC811")
        set_member_role(session, owner, project.id, username="vic", role="viewer")
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", url)
    monkeypatch.delenv("VOLTVAULT_DEMO", raising=False)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    yield engine
    engine.dispose()


def _open(username: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    signed_in(at, username, username.title())
    return at.run()


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_metrics_follow_the_recipe_and_save_stores_a_row(app_db):
    at = _open("olga")
    assert not at.exception, [e.value for e in at.exception]
    assert _metric(at, "Capacity") == "5,090 mAh"  # the LG M50 reference design
    at.number_input(key="design.pos_thickness_um").set_value(60.0).run()
    assert _metric(at, "Capacity") != "5,090 mAh"
    at.button(key="design.save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with session_scope(app_db) as session:
        rows = session.exec(select(CellDesignRow)).all()
        assert len(rows) == 1
        assert rows[0].design["positive"]["thickness_m"] == pytest.approx(60e-6)


def test_a_viewer_cannot_save(app_db):
    at = _open("vic")
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key="design.save").disabled


def test_balancing_applies_to_the_design(app_db):
    at = _open("olga")
    at.number_input(key="design.np_target").set_value(1.2).run()
    at.button(key="design.apply_balance").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metric(at, "N/P ratio") == "1.200"


def test_loading_a_parameter_set_imports_it(app_db):
    at = _open("olga")
    at.selectbox(key="design.start_from").set_value("Parameter set: Mohtat2020").run()
    at.button(key="design.load").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metric(at, "Capacity") == "5,000 mAh"  # Mohtat2020 is a 5 Ah pouch cell
    assert at.selectbox(key="design.pos_material").value == "NMC532"
