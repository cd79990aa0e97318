"""The Simulation page through Streamlit's AppTest: it opens, runs a model (inline runner) and shows results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.migrate import upgrade
from voltvault_core.ui.testing import signed_in

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "simulation.py")


class InlineRunner:
    """Runs a job when it is submitted, in this process, and stores its result on the job's row as a
    pool worker does (the page logic without worker processes). ``hold=True`` leaves jobs queued; then
    :meth:`run_queued` runs them, as a worker would later."""

    def __init__(self, engine):
        self.engine = engine
        self.hold = False
        self.queued = []

    def submit(self, func_path, kwargs, *, kind, project_id=None, user_id=None, **limits):
        from voltvault_core.jobs import store

        job_id = store.create_job_row(self.engine, kind=kind, func_path=func_path, backend="inline",
                                      project_id=project_id, user_id=user_id)  # fmt: skip
        self.queued.append((job_id, func_path, kwargs))
        if not self.hold:
            self.run_queued()
        return job_id

    def run_queued(self):
        from voltvault_core.jobs.results import store_job_result

        while self.queued:
            job_id, func_path, kwargs = self.queued.pop(0)
            module, _, name = func_path.partition(":")
            value = getattr(__import__(module, fromlist=[name]), name)(**kwargs, progress=lambda *a, **k: None)
            store_job_result(self.engine, job_id, value)

    def result(self, job_id, timeout=None):
        raise AssertionError("the page must not wait for a job's result")


def _runs(engine):
    """Every run as the app sees it (status derived from its job)."""
    from sqlmodel import select

    from voltvault_core.simulation import service as svc
    from voltvault_core.db.models import Project, User

    with session_scope(engine) as session:
        eddie = session.exec(select(User).where(User.username == "eddie")).one()
        project = session.exec(select(Project)).one()
        return svc.list_simulations(session, eddie, project.id)


@pytest.fixture
def page_env(tmp_path, monkeypatch):
    from voltvault_core.auth.users import add_user
    from voltvault_core.projects import create_project, set_member_role

    url = f"sqlite:///{tmp_path / 'page.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        editor = add_user(
            session, None, username="eddie", email="e@lab.example", name="Eddie", password="correct horse"
        )
        add_user(session, None, username="vera", email="v@lab.example", name="Vera", password="correct horse")
        project = create_project(session, editor, name="Cells", chemistry_tag="NMC")
        set_member_role(session, editor, project.id, username="vera", role="viewer")
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", url)
    monkeypatch.delenv("VOLTVAULT_DEMO", raising=False)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    runner = InlineRunner(engine)
    import voltvault_core.ui as ui

    monkeypatch.setattr(ui, "get_job_runner", lambda: runner)
    engine.inline_runner = runner
    yield engine
    engine.dispose()


def _app(username: str, name: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    signed_in(at, username, name)
    return at


def test_page_opens_with_a_default_protocol_and_no_runs(page_env):
    at = _app("eddie", "Eddie").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_area(key="sim.experiment").value == "Discharge at 1C until 2.5 V"
    assert at.selectbox(key="sim.parameter_set").value == "Chen2020"
    assert not at.button(key="sim.run").disabled
    assert any("No runs" in i.value for i in at.info)


@pytest.mark.slow
def test_editor_runs_a_model_and_sees_curves_profiles_and_exports(page_env):
    at = _app("eddie", "Eddie").run()
    at.selectbox(key="sim.model").select("spm")
    at.text_area(key="sim.experiment").input("Discharge at 1C for 20 minutes\nRest for 5 minutes")
    at.button(key="sim.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    rows = _runs(page_env)
    assert len(rows) == 1
    assert rows[0].status == "completed"
    assert rows[0].inputs["experiment"] == ["Discharge at 1C for 20 minutes", "Rest for 5 minutes"]
    assert at.multiselect(key="sim.overlay").value == [rows[0].id]
    assert at.selectbox(key="sim.profile_var").value == "Electrolyte concentration [mol.m-3]"
    assert len(at.get("plotly_chart")) == 3


def test_a_bad_step_shows_an_error_naming_it_and_saves_nothing(page_env):
    at = _app("eddie", "Eddie").run()
    at.text_area(key="sim.experiment").input("Discharge at -1C until 2.5 V")
    at.button(key="sim.run").click().run()
    assert not at.exception
    assert any("Discharge at -1C until 2.5 V" in e.value for e in at.error)


def test_viewer_cannot_run(page_env):
    at = _app("vera", "Vera").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key="sim.run").disabled
    assert at.button(key="sim.compare").disabled


@pytest.mark.slow
def test_compare_runs_spm_spme_dfn_and_shows_their_rmse(page_env):
    at = _app("eddie", "Eddie").run()
    at.text_area(key="sim.experiment").input("Discharge at 1C for 30 minutes")
    at.button(key="sim.compare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.multiselect(key="sim.overlay").value) == 3
    rmse = at.dataframe[1].value  # [0] is the table of runs
    assert rmse.shape == (3, 3)
    labels = list(rmse.columns)
    spm = next(c for c in labels if "SPM " in c or c.split()[1] == "SPM")
    dfn = next(c for c in labels if "DFN" in c)
    spme = next(c for c in labels if "SPME" in c)
    # SPMe is closer to the DFN than the SPM is (electrolyte dynamics), all within a few tens of mV
    assert rmse.loc[spme, dfn] < rmse.loc[spm, dfn] < 100.0


def test_a_queued_run_shows_progress_without_the_page_waiting_and_shows_up_when_done(page_env):
    """Issue 12: the page polls (a fragment) instead of blocking until the job ends; the run is stored
    by the worker side, and the next rerun shows it, with nothing collected by the page."""
    page_env.inline_runner.hold = True  # the worker has not picked the job up yet
    at = AppTest.from_file(PAGE, default_timeout=30)  # the old page waited here for ever
    signed_in(at, "eddie", "Eddie")
    at.run()
    at.selectbox(key="sim.model").select("spm")
    at.text_area(key="sim.experiment").input("Discharge at 1C for 2 minutes")
    at.button(key="sim.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("0 of 1 finished" in p.proto.text for p in at.get("progress"))
    (run,) = _runs(page_env)
    assert run.status == "queued"

    page_env.inline_runner.run_queued()  # the worker finishes: it stores the result on the job's row
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (run,) = _runs(page_env)
    assert run.status == "completed"
    assert at.multiselect(key="sim.overlay").value == [run.id]


def test_an_edge_run_is_a_failure_with_a_diagnosis_and_no_view_crashes(page_env):
    """Issue 16: a one-point run (100C: the cut-off crossed at once) was saved as completed with 0 Ah,
    selected, and the Results tab crashed."""
    at = _app("eddie", "Eddie").run()
    at.text_area(key="sim.experiment").input("Discharge at 100C until 2.5 V")
    at.button(key="sim.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (run,) = _runs(page_env)
    assert run.status == "failed"
    assert "stopped at its first point" in run.error
    table = at.dataframe[0].value
    assert table["status"].tolist() == ["failed"]
    assert "stopped at its first point" in table["termination"].iloc[0]
    assert at.multiselect(key="sim.overlay").value == []  # not selected as if it were a result

    at.multiselect(key="sim.overlay").select(run.id).run()  # looking at its one point on purpose
    assert not at.exception, [e.value for e in at.exception]
    assert any("stopped at its first point" in w.value for w in at.warning), [w.value for w in at.warning]
    assert any("fewer than two output points" in i.value for i in at.info)


def test_a_real_cycler_file_overlays_a_simulation_with_its_rmse(page_env):
    """A Maccor export imported through the cycling service overlays a run on the page."""
    from sqlmodel import select

    from voltvault_core.simulation import service as svc
    from voltvault_core.cycling.service import import_dataset
    from voltvault_core.db.models import Project, User

    path = ROOT.parent / "shared" / "data" / "cycler" / "maccor_001.txt"
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared not beside the repository)")
    with session_scope(page_env) as session:
        eddie = session.exec(select(User).where(User.username == "eddie")).one()
        project = session.exec(select(Project)).one()
        primary = {"cell_identifier": "M-001", "chemistry": "NMC/graphite", "nominal_capacity_Ah": 1.0,
                   "instrument": "Maccor", "owner": "lab", "test_objective": "overlay"}  # fmt: skip
        dataset = import_dataset(session, eddie, project.id, data=path.read_bytes(), filename=path.name,
                                 primary=primary)  # fmt: skip
        dataset_id = dataset.id
        inputs = svc.make_inputs("spm", "Chen2020", ["Discharge at 1C for 10 minutes"])
        svc.run_simulation(session, eddie, project.id, inputs=inputs)
    at = _app("eddie", "Eddie").run()
    at.selectbox(key="sim.dataset").select(dataset_id).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.selectbox(key="sim.dataset_cycle").options) >= 2  # "all" and the file's cycles
    with session_scope(page_env) as session:
        frame = svc.load_measured_frame(session, session.merge(eddie), dataset_id)
    at.selectbox(key="sim.dataset_cycle").set_value(int(frame["Cycle Count / 1"].iloc[-1])).run()
    assert not at.exception, [e.value for e in at.exception]
    rmse_table = at.dataframe[-1].value
    assert list(rmse_table.columns) == ["run", "RMSE [mV]"]
    assert np.isfinite(rmse_table["RMSE [mV]"].iloc[0])


def _two_layer_negative(at: AppTest) -> AppTest:
    """Open the grading: a dense, fine-grained layer on the collector, an open, coarse one on the separator."""
    at.selectbox(key="sim.grading.negative.kind").select("layers").run()
    at.number_input(key="sim.grading.negative.1.porosity.Chen2020").set_value(0.15)
    at.number_input(key="sim.grading.negative.1.radius_um.Chen2020").set_value(3.0)
    at.number_input(key="sim.grading.negative.2.porosity.Chen2020").set_value(0.35)
    at.number_input(key="sim.grading.negative.2.active_fraction.Chen2020").set_value(0.6)
    at.number_input(key="sim.grading.negative.2.radius_um.Chen2020").set_value(9.0)
    return at.run()


def test_a_two_layer_negative_electrode_is_previewed_run_and_saved(page_env):
    at = _app("eddie", "Eddie").run()
    assert at.selectbox(key="sim.grading.negative.kind").value == "uniform"
    assert not at.get("plotly_chart")  # no preview for uniform electrodes
    at = _two_layer_negative(at)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    (preview,) = at.get("plotly_chart")
    import plotly.io

    figure = plotly.io.from_json(preview.proto.spec)
    porosity = {round(float(v), 6) for trace in figure.data if trace.yaxis in (None, "y") for v in trace.y}
    assert {0.15, 0.35, 0.47} <= porosity  # both layers and the separator (Chen2020: 0.47)
    at.text_area(key="sim.experiment").input("Discharge at 1C for 10 minutes")
    at.button(key="sim.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


    (row,) = _runs(page_env)
    assert row.status == "completed", row.error
    assert row.model_type == "dfn"
    layers = row.inputs["electrode_grading"]["negative"]["layers"]
    assert [layer["porosity"] for layer in layers] == [0.15, 0.35]
    assert [layer["particle_radius_m"] for layer in layers] == pytest.approx([3e-6, 9e-6])
    assert sum(layer["thickness_m"] for layer in layers) == pytest.approx(85.2e-6)  # Chen2020's L_n
    assert "positive" not in row.inputs["electrode_grading"]
    assert at.multiselect(key="sim.overlay").value == [row.id]
    assert any("2 layers from the current collector" in t.value for t in at.text)


def test_a_bad_grading_shows_the_layer_error_and_blocks_the_run(page_env):
    at = _two_layer_negative(_app("eddie", "Eddie").run())
    at.number_input(key="sim.grading.negative.2.porosity.Chen2020").set_value(0.5).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("layer 2 of the negative electrode" in e.value and "exceeds 1" in e.value for e in at.error)
    assert at.button(key="sim.run").disabled
    assert at.button(key="sim.compare").disabled
    at.number_input(key="sim.grading.negative.2.porosity.Chen2020").set_value(0.35)
    at.number_input(key="sim.grading.negative.1.fraction.2.Chen2020").set_value(0.7).run()
    assert any("fractions add up to 1.2" in e.value for e in at.error)
    assert at.button(key="sim.run").disabled


def test_spm_with_a_grading_says_it_uses_x_averages(page_env):
    at = _app("eddie", "Eddie").run()
    at.selectbox(key="sim.model").select("spm")
    at.selectbox(key="sim.grading.positive.kind").select("linear").run()
    at.number_input(key="sim.grading.positive.eps_separator.Chen2020").set_value(0.3).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any("x-averaged" in c.value and "SPM" in c.value for c in at.caption)
    assert not at.button(key="sim.run").disabled
