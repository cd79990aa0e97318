"""The Reports page through Streamlit's AppTest on the seeded demo project."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from voltvault_core.ui.testing import signed_in

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "reports.py")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    from voltvault_core.auth.users import add_user
    from voltvault_core.db.engine import create_db_engine, session_scope
    from voltvault_core.db.migrate import upgrade
    from voltvault_core.demo import seed_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('reports-page') / 'app.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    summary = seed_demo(engine)
    with session_scope(engine) as session:
        add_user(session, None, username="admin", email="admin@lab.example", name="Ada Admin",
                 password="correct horse", is_admin=True)
    engine.dispose()
    return url, summary["project_id"]


@pytest.fixture
def page(demo_url, monkeypatch):
    url, project_id = demo_url
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", url)
    monkeypatch.delenv("VOLTVAULT_DEMO", raising=False)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    at = signed_in(AppTest.from_file(PAGE, default_timeout=180), "admin", "Ada Admin")
    at.session_state["vv.project_id"] = project_id
    return at.run()


def test_the_page_says_a_run_is_reproduced_from_its_record(page):
    assert not page.exception, [e.value for e in page.exception]
    assert any("Immutable record" in c.value for c in page.caption)
    page.button(key="prov.reproduce").click().run()
    assert not page.exception, [e.value for e in page.exception]
    assert [s.value for s in page.success], [e.value for e in page.error]
    assert page.success[0].value.startswith("Reproduced: re-running from the provenance record")


def test_the_page_makes_a_pdf_report(page):
    page.selectbox(key="reports.template").set_value("simulation-results").run()
    page.button(key="reports.make").click().run()
    assert not page.exception, [e.value for e in page.exception]
    assert any(s.value.endswith("provenance sources.") and "figures" in s.value for s in page.success), \
        [e.value for e in page.error]


def test_experiments_page_compares_runs_against_measured_data(demo_url, monkeypatch):
    url, project_id = demo_url
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", url)
    monkeypatch.delenv("VOLTVAULT_DEMO", raising=False)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    at = signed_in(AppTest.from_file(str(ROOT / "pages" / "experiments.py"), default_timeout=180), "admin", "Ada Admin")
    at.session_state["vv.project_id"] = project_id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.multiselect(key="exp.compare.runs").value) == 3
    datasets = at.selectbox(key="exp.compare.dataset").options
    at.selectbox(key="exp.compare.dataset").set_value(at.selectbox(key="exp.compare.dataset").options[1]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(datasets) > 1
    assert not at.error, [e.value for e in at.error]
    inputs, metrics, fit = (d.value for d in at.dataframe[-3:])  # side-by-side inputs, metrics, sim vs measured
    assert list(inputs.columns[1:]) == list(fit["run"])
    assert "Capacity / Ah" in list(metrics.iloc[:, 0])
    assert len(fit) == 3
    assert (fit["rmse_mV"] > 0).all()
    assert (fit["r2"] <= 1).all()
