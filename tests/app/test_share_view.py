"""The share view through AppTest (Home.py, as a browser gets it): a logged-out visitor with a live link
sees the one shared item with its interactive plots, nothing else of the project, no login form; a
revoked or expired link shows a plain message at the next interaction."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from voltvault_core import projects
from voltvault_core.simulation import service as sims
from voltvault_core.auth.users import add_user, set_user_active
from voltvault_core.cycling.demo import seed_demo as seed_cycling
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.migrate import upgrade
from voltvault_core.db.models import CyclingDataset, EISMeasurement, ShareLink, utcnow
from voltvault_core.eis.demo import seed_demo as seed_eis
from voltvault_core.ui.testing import signed_in

HOME = str(Path(__file__).resolve().parents[2] / "Home.py")
TIMEOUT_S = 120


@pytest.fixture(scope="module")
def shared_project(tmp_path_factory):
    """A private (not demo) project with cycling datasets, spectra and one simulation."""
    url = f"sqlite:///{tmp_path_factory.mktemp('share') / 'app.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        owner = add_user(session, None, username="owner", email="o@lab.example", name="Olga Owner",
                         password="correct horse")
        project = projects.create_project(session, owner, name="Private cells")
        seed_cycling(session, project.id)
        seed_eis(session, project.id)
        run = sims.run_simulation(session, owner, project.id, name="Shared SPM run",
                                  inputs=sims.make_inputs("spm", "Chen2020", ["Discharge at 1C for 5 minutes"]))
        datasets = session.exec(select(CyclingDataset).where(CyclingDataset.project_id == project.id)
                                .order_by(CyclingDataset.id)).all()
        spectra = session.exec(select(EISMeasurement).where(EISMeasurement.project_id == project.id)).all()
        ids = {"owner": owner.id, "project": project.id, "simulation": run.id,
               "datasets": [(d.id, d.name) for d in datasets], "spectrum": (spectra[0].id, spectra[0].name)}
    yield url, engine, ids
    engine.dispose()


@pytest.fixture
def app(shared_project, monkeypatch):
    url, _, _ = shared_project
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", url)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    monkeypatch.delenv("VOLTVAULT_DEMO", raising=False)

    def open_link(token: str) -> AppTest:
        at = AppTest.from_file(HOME, default_timeout=TIMEOUT_S)
        at.query_params["share"] = token
        return at.run()

    return open_link


def _link(engine, ids, **kwargs) -> tuple[int, str]:
    with session_scope(engine) as session:
        owner = session.get(projects.User, ids["owner"])
        link, token = projects.create_share_link(session, owner, ids["project"], **kwargs)
        return link.id, token


def _all_text(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("title", "caption", "markdown", "error", "info") for e in getattr(at, kind)]
    parts += [e.value.to_csv() for e in at.dataframe]
    return "\n".join(parts)


def _plots(at: AppTest) -> list:
    return at.get("plotly_chart")


def test_a_dataset_link_shows_that_dataset_and_its_plots_logged_out(app, shared_project):
    _, engine, ids = shared_project
    (shared_id, shared_name), *others = ids["datasets"]
    _, token = _link(engine, ids, target_type="dataset", target_id=shared_id, expires_in_days=1)
    at = app(token)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [shared_name]
    assert len(_plots(at)) >= 2  # voltage curves and capacity trend, interactive Plotly
    text = _all_text(at)
    assert "Private cells" in text  # says where it comes from ...
    for _, other_name in others:  # ... and shows nothing else of it
        assert other_name not in text
    assert not at.text_input
    assert not at.sidebar.selectbox


@pytest.mark.parametrize("kind", ["simulation", "eis_measurement", "project"])
def test_other_items_render_for_a_visitor(app, shared_project, kind):
    _, engine, ids = shared_project
    target = {"simulation": ids["simulation"], "eis_measurement": ids["spectrum"][0], "project": None}[kind]
    _, token = _link(engine, ids, target_type=kind, target_id=target)
    at = app(token)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    title = {"simulation": "Shared SPM run", "eis_measurement": ids["spectrum"][1], "project": "Private cells"}[kind]
    assert [t.value for t in at.title] == [title]
    if kind != "project":
        assert len(_plots(at)) >= 2


def test_revoked_and_expired_links_stop(app, shared_project):
    _, engine, ids = shared_project
    link_id, token = _link(engine, ids, target_type="simulation", target_id=ids["simulation"])
    at = app(token)
    assert [t.value for t in at.title] == ["Shared SPM run"]
    with session_scope(engine) as session:
        owner = session.get(projects.User, ids["owner"])
        projects.revoke_share_link(session, owner, link_id)
    at.run()  # the open page's next interaction
    assert any("unknown, expired or revoked" in e.value for e in at.error)
    assert not _plots(at)
    assert "Shared SPM run" not in _all_text(at)

    link_id, token = _link(engine, ids, target_type="simulation", target_id=ids["simulation"], expires_in_days=1)
    with session_scope(engine) as session:
        row = session.get(ShareLink, link_id)
        row.expires_at = utcnow() - timedelta(minutes=1)
        session.add(row)
    at = app(token)
    assert any("unknown, expired or revoked" in e.value for e in at.error)
    assert not _plots(at)


def test_a_disabled_user_cannot_use_the_app(shared_project, monkeypatch):
    url, engine, _ = shared_project
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", url)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    with session_scope(engine) as session:
        add_user(session, None, username="gone", email="g@lab.example", name="Gone", password="correct horse")
        set_user_active(session, None, "gone", False)
    at = signed_in(AppTest.from_file(HOME, default_timeout=TIMEOUT_S), "gone").run()  # e.g. an old cookie
    assert not at.exception, [e.value for e in at.exception]
    assert any("disabled" in e.value for e in at.error)
    assert not at.sidebar.selectbox


def test_the_admin_page_shares_one_item_and_the_link_opens_it(app, shared_project):
    _, _, ids = shared_project
    dataset_id, dataset_name = ids["datasets"][1]
    at = signed_in(AppTest.from_file(str(Path(HOME).parent / "pages" / "admin.py"), default_timeout=TIMEOUT_S),
                   "owner", "Olga Owner").run()
    assert not at.exception, [e.value for e in at.exception]
    picker = at.selectbox(key="admin.share.item")  # values are positions in the list of shareable items
    picker.set_value(list(picker.options).index(f"dataset: {dataset_name}"))
    at.number_input(key="admin.share.days").set_value(2)
    at = at.button(key="FormSubmitter:admin.share-Create a share link").click().run()
    assert not at.exception, [e.value for e in at.exception]
    token = next(c.value for c in at.code if c.value.startswith("?share=")).removeprefix("?share=")
    visitor = app(token)
    assert [t.value for t in visitor.title] == [dataset_name]
    assert f"dataset {dataset_id}" in _all_text(at)  # listed among the live links
