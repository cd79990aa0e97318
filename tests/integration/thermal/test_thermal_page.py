"""The Thermal 3D page through AppTest: an editor runs a cell and an ARC test and sees the views; a viewer cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.integration.simulation.test_simulation_page import InlineRunner as _Inline
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.migrate import upgrade
from voltvault_core.ui.testing import signed_in


class InlineRunner(_Inline):
    """The simulation page's inline runner, also recording the limits each job was given."""

    def __init__(self, engine):
        super().__init__(engine)
        self.limits = []
        self.job_ids = []

    def submit(self, func_path, kwargs, *, kind, project_id=None, user_id=None, **limits):
        self.limits.append(limits)
        job_id = super().submit(func_path, kwargs, kind=kind, project_id=project_id, user_id=user_id)
        self.job_ids.append(job_id)
        return job_id


PAGE = str(Path(__file__).resolve().parents[3] / "pages" / "thermal_3d.py")


@pytest.fixture
def page_env(tmp_path, monkeypatch):
    from voltvault_core.auth.users import add_user
    from voltvault_core.projects import create_project, set_member_role

    url = f"sqlite:///{tmp_path / 'page.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        editor = add_user(session, None, username="eddie", email="e@lab.example", name="Eddie", password="correct horse")
        add_user(session, None, username="vera", email="v@lab.example", name="Vera", password="correct horse")
        project = create_project(session, editor, name="Cells", chemistry_tag="NMC")
        set_member_role(session, editor, project.id, username="vera", role="viewer")
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", url)
    monkeypatch.delenv("VOLTVAULT_DEMO", raising=False)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    runner = InlineRunner(engine)
    import voltvault_core.ui as ui

    monkeypatch.setattr(ui, "get_job_runner", lambda: runner)
    yield runner
    engine.dispose()


def test_editor_runs_a_cylinder_and_an_arc_test_and_sees_the_views(page_env):
    at = signed_in(AppTest.from_file(PAGE, default_timeout=180), "eddie", "Eddie").run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="t3d.model").select("spm")
    at.text_input(key="t3d.experiment").input("Discharge at 2C for 10 minutes")
    at.select_slider(key="t3d.cells").set_value(500)
    at.button(key="t3d.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    from voltvault_core.jobs.results import load_job_result

    options = load_job_result(page_env.engine, page_env.job_ids[0])["info"]  # stored by the worker side
    assert options["coupling"] == "two-way"
    assert set(options["boundaries"]) == {"r_max", "z_min", "z_max"}
    labels = [m.label for m in at.metric]
    assert "Mean at end" in labels
    assert len(at.get("plotly_chart")) >= 5  # volume, slice, history, two collector maps
    at.radio(key="t3d.protocol").set_value("arc")
    at.button(key="t3d.abuse").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Onset" in m.label for m in at.metric)
    assert all(limits.get("timeout_s") and limits.get("memory_limit_bytes") for limits in page_env.limits)


def test_viewer_cannot_run_and_sees_the_example(page_env):
    at = signed_in(AppTest.from_file(PAGE, default_timeout=120), "vera", "Vera").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key="t3d.run").disabled
    assert any("Example: LG M50" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) >= 3
    assert not page_env.job_ids  # nothing was submitted
