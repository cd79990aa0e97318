"""The cycling uploader: several files are several datasets unless joined on purpose, and a file already in
the project is named before it is imported again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from voltvault_core.cycling.export import to_csv_bytes
from voltvault_core.cycling.synthetic import synthetic_cycling_frame
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.models import CyclingDataset, Project
from voltvault_core.ui.testing import signed_in

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "cycling_data.py")


class _Upload:
    """Stands in for Streamlit's UploadedFile (AppTest cannot drive a file uploader)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self._data, self.size = name, data, len(data)

    def getvalue(self) -> bytes:
        return self._data


def _csv(cycles: int) -> bytes:
    return to_csv_bytes(synthetic_cycling_frame(cycles, points_per_step=10, rest_points=2))


@pytest.fixture
def page(app_env, monkeypatch):
    engine = create_db_engine(app_env)
    with session_scope(engine) as session:
        project_id = session.exec(select(Project.id).where(Project.name == "Own cells")).one()
    engine.dispose()

    def open_with(uploads):
        import streamlit

        monkeypatch.setattr(streamlit, "file_uploader", lambda *a, **k: list(uploads))
        at = signed_in(AppTest.from_file(PAGE, default_timeout=120), "admin", "Ada Admin")
        at.session_state["vv.project_id"] = project_id
        at.run()
        at.text_input(key="cyc.cell").set_value("UP-CELL")
        at.number_input(key="cyc.capacity_Ah").set_value(2.0)
        at.text_input(key="cyc.instrument").set_value("synthetic")
        at.text_input(key="cyc.objective").set_value("upload grouping")
        return at

    def datasets():
        eng = create_db_engine(app_env)
        with session_scope(eng) as session:
            rows = session.exec(select(CyclingDataset.name).where(CyclingDataset.project_id == project_id)).all()
        eng.dispose()
        return rows

    return open_with, datasets


def _problems(at):
    return [str(e.value) for e in at.exception] + [e.value for e in at.error]


def test_several_files_become_several_datasets(page):
    open_with, datasets = page
    uploads = [_Upload("first_CH1.bdf.csv", _csv(3)), _Upload("second_CH2.bdf.csv", _csv(4))]
    at = open_with(uploads)
    assert not at.checkbox(key="cyc.join_parts").value  # joining is the user's choice, off by default
    at.button(key="cyc.import").click().run()
    assert not _problems(at), _problems(at)
    names = datasets()
    assert "UP-CELL · first_CH1.bdf.csv" in names
    assert "UP-CELL · second_CH2.bdf.csv" in names
    # two datasets of one cell id are told apart in the explorer
    picker = at.selectbox(key="cyc.dataset")
    shown = [label for label in picker.options if "UP-CELL" in label]  # AppTest holds the shown labels
    assert len(shown) == 2
    assert len(set(shown)) == 2
    assert any("first_CH1.bdf.csv" in label for label in shown)
    # a filter that hides the new import says so
    at.slider(key="cyc.cycles").set_value((0, 1)).run()
    assert any("new import" in w.value and "hidden by the filters" in w.value for w in at.sidebar.warning)
    # the same files again: named as duplicates before anything is imported, and refused
    at = open_with(uploads)
    warnings = [w.value for w in at.warning]
    assert any("first_CH1.bdf.csv is already in this project" in w for w in warnings), warnings
    at.button(key="cyc.import").click().run()
    assert any("already in this project" in e.value for e in at.error)
    assert len(datasets()) == len(names)


def test_parts_of_different_channels_are_not_joined(page):
    open_with, datasets = page
    before = len(datasets())
    at = open_with([_Upload("a_CH3_1.bdf.csv", _csv(5)), _Upload("a_CH4_2.bdf.csv", _csv(6))])
    at.checkbox(key="cyc.join_parts").check().run()
    at.button(key="cyc.import").click().run()
    assert any("different channels" in e.value for e in at.error), [e.value for e in at.error]
    assert len(datasets()) == before
