"""The Cycling Data Explorer page, driven by AppTest on a seeded SQLite database (demo cells)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from voltvault_core.auth.users import add_user
from voltvault_core.cycling.demo import seed_demo as seed_cycling_demo
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.migrate import upgrade
from voltvault_core.db.models import CyclingDataset, Project
from voltvault_core.projects import create_project
from voltvault_core.ui.testing import signed_in

PAGE = str(Path(__file__).resolve().parents[3] / "pages" / "cycling_data.py")
TIMEOUT_S = 120

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cycpage') / 'app.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        admin = add_user(session, None, username="admin", email="admin@lab.example", name="Ada Admin",
                         password="correct horse", is_admin=True)
        demo = Project(org_id=admin.org_id, name="Demo cells", is_demo=True)
        session.add(demo)
        session.flush()
        assert seed_cycling_demo(session, demo.id) == {"cycling_datasets": 4}
        create_project(session, admin, name="Own cells")  # empty: the page must cope
    engine.dispose()
    return url


@pytest.fixture
def app(database, monkeypatch) -> AppTest:
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", database)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    monkeypatch.delenv("VOLTVAULT_DEMO", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S)
    signed_in(at, "admin", "Ada Admin")
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_explorer_trends_and_batch_render_for_the_demo_cells(app: AppTest) -> None:
    at = app.run()
    _ok(at)
    if "Own cells" in at.caption[0].value:  # the empty project: the page says what to do
        assert any("No dataset matches" in str(i.value) for i in at.info)
    at.radio(key="cyc.scope").set_value("All my projects").run()
    _ok(at)
    dataset = at.selectbox(key="cyc.dataset")
    n_datasets = len(dataset.options)
    assert sum("M50-SYN" in o for o in dataset.options) == 4  # (the import test may add one more)
    assert at.selectbox(key="cyc.trend_metric").value == "discharge_capacity_Ah"
    assert at.checkbox(key="cyc.batch_all").value
    assert f"{n_datasets} cells" in at.checkbox(key="cyc.batch_all").label
    # the faulty demo cell: its flagged cycles are listed in the metrics table
    engine = create_db_engine(os.environ["VOLTVAULT_DATABASE_URL"])
    with session_scope(engine) as session:
        faulty_id = session.exec(select(CyclingDataset.id).where(CyclingDataset.cell_id_label == "M50-SYN-25C-B")).one()
    engine.dispose()
    at = dataset.set_value(faulty_id).run()
    _ok(at)
    assert len(at.get("plotly_chart")) >= 5  # voltage, dQ/dV, time series, trend, batch
    flagged_rows = [row for row in at.dataframe if "flags" in getattr(row.value, "columns", [])]
    assert flagged_rows
    at.selectbox(key="cyc.export_kind").set_value("parquet").run()
    at.button(key="cyc.export_prepare").click().run()
    _ok(at)
    assert "M50-SYN-25C-B.bdf.parquet" in str(at.session_state["cyc.export_prepared"][3])
    at.selectbox(key="cyc.trend_metric").set_value("dcir_ohm").run()
    _ok(at)
    at.multiselect(key="cyc.trend_models").set_value(["linear", "sqrt", "power", "exponential"]).run()
    _ok(at)
    at.radio(key="cyc.trend_x").set_value("time").run()
    _ok(at)
    at.text_input(key="cyc.tags").set_value("temperature_degC=45").run()
    _ok(at)
    assert len(at.selectbox(key="cyc.dataset").options) == 1


def test_demo_mode_is_read_only(database, monkeypatch) -> None:
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", database)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    monkeypatch.setenv("VOLTVAULT_DEMO", "1")
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S).run()
    _ok(at)
    assert any("editor role" in str(i.value) for i in at.info)
    assert sum("M50-SYN" in o for o in at.selectbox(key="cyc.dataset").options) == 4


class _Upload:
    """Stands in for Streamlit's UploadedFile (AppTest cannot drive a file uploader)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self._data, self.size = name, data, len(data)

    def getvalue(self) -> bytes:
        return self._data


def test_import_tab_reads_the_upload_prefills_and_stores(app: AppTest, monkeypatch) -> None:
    import streamlit

    from voltvault_core.cycling.export import to_csv_bytes
    from voltvault_core.cycling.synthetic import synthetic_cycling_frame

    data = to_csv_bytes(synthetic_cycling_frame(6, points_per_step=20, rest_points=3))
    monkeypatch.setattr(streamlit, "file_uploader", lambda *args, **kwargs: [_Upload("CELL-UP-7.bdf.csv", data)])
    at = app.run()
    _ok(at)
    assert any("Read as bdf_csv" in str(s.value) for s in at.success)
    assert at.text_input(key="cyc.cell").value == "CELL-UP-7"
    at.number_input(key="cyc.capacity_Ah").set_value(2.0)
    at.text_input(key="cyc.instrument").set_value("synthetic")
    at.text_input(key="cyc.objective").set_value("page import test")
    at = at.button(key="cyc.import").click().run()
    _ok(at)
    assert any("Imported" in str(s.value) and "6 cycles" in str(s.value) for s in at.success)
    engine = create_db_engine(os.environ["VOLTVAULT_DATABASE_URL"])
    with session_scope(engine) as session:
        stored = session.exec(select(CyclingDataset).where(CyclingDataset.cell_id_label == "CELL-UP-7")).one()
        assert stored.total_cycles == 6
        assert stored.metadata_["primary"]["owner"] == "Ada Admin"
    engine.dispose()
