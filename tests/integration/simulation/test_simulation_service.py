"""Saved simulations: rows with inputs and a result artifact, role checks in the core, job-runner path."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
from sqlmodel import select

from solvers import bdf
from solvers.parameters import get_parameter_set
from solvers.protocol import ProtocolError
from voltvault_core.simulation import service as service
from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.db.artifacts import put_artifact
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import CellDesign, CyclingDataset, Simulation
from voltvault_core.simulation import SimulationError, voltage_rmse_V

SHORT = ["Discharge at 1C for 5 minutes", "Rest for 1 minute"]


class InlineRunner:
    """A runner that runs the job function at submit time and, as a pool worker does, stores its result
    on the job's row (:func:`voltvault_core.jobs.results.store_job_result`): the service logic without
    processes. ``run=False`` leaves the job queued."""

    def __init__(self, engine, fail: bool = False, run: bool = True):
        self.engine = engine
        self.fail = fail
        self.run = run
        self.submitted: list[tuple[str, dict, str, dict]] = []

    def submit(self, func_path, kwargs, *, kind, project_id=None, user_id=None, **limits):
        from voltvault_core.jobs import JobState, store
        from voltvault_core.jobs.results import store_job_result

        self.submitted.append((func_path, kwargs, kind, limits))
        job_id = store.create_job_row(
            self.engine,
            kind=kind,
            func_path=func_path,
            backend="inline",
            project_id=project_id,
            user_id=user_id,
        )
        if not self.run:
            return job_id
        if self.fail:
            store.finish_job_row(self.engine, job_id, JobState.FAILED, error="RuntimeError: worker crashed")
        else:
            module, _, name = func_path.partition(":")
            func = getattr(__import__(module, fromlist=[name]), name)
            store_job_result(self.engine, job_id, func(**kwargs, progress=lambda *a, **k: None))
        return job_id


def _inputs(**kw):
    return service.make_inputs(
        kw.pop("model", "spm"), kw.pop("parameter_set", "Chen2020"), kw.pop("experiment", SHORT), **kw
    )


def test_editor_runs_and_saves_a_simulation_that_loads_back(engine, users):
    with session_scope(engine) as session:
        editor = session.merge(users["editor"])
        row = service.run_simulation(
            session, editor, users["project_id"], inputs=_inputs(options={"initial_soc": 0.9}), name="first"
        )
        sim_id = row.id
    with session_scope(engine) as session:
        viewer = session.merge(users["viewer"])
        row = session.get(Simulation, sim_id)
        assert row.status == "completed"
        assert row.model_type == "spm"
        assert row.parameter_set_name == "Chen2020"
        assert row.inputs["experiment"] == SHORT
        assert row.inputs["options"] == {"initial_soc": 0.9}
        assert row.summary["discharge_capacity_Ah"] == pytest.approx(5.0 * 300 / 3600, rel=1e-3)
        assert row.summary["cycles"] == 2
        result = service.load_result(session, viewer, sim_id)  # a viewer may read
        assert result[bdf.TEST_TIME][-1] == pytest.approx(360.0, abs=0.5)
        assert "Electrolyte concentration [mol.m-3]" in result
        assert [r.id for r in service.list_simulations(session, viewer, users["project_id"])] == [sim_id]
        # the stored inputs re-run to the same curve
        again = service._simulation_from_inputs(row.inputs).solve()
        np.testing.assert_allclose(again[bdf.VOLTAGE][-1], result[bdf.VOLTAGE][-1], atol=1e-9)


@pytest.mark.parametrize("role", ["viewer", "commenter", "outsider", "anonymous"])
def test_roles_below_editor_cannot_run_or_submit(engine, users, role):
    runner = InlineRunner(engine)
    with session_scope(engine) as session:
        actor = None if role == "anonymous" else session.merge(users[role])
        with pytest.raises(PermissionDenied):
            service.run_simulation(session, actor, users["project_id"], inputs=_inputs())
        with pytest.raises(PermissionDenied):
            service.submit_simulation(session, actor, users["project_id"], inputs=_inputs(), runner=runner)
    assert runner.submitted == []
    with session_scope(engine) as session:
        assert session.exec(select(Simulation)).all() == []
        if role == "outsider":
            with pytest.raises(PermissionDenied):
                service.list_simulations(session, session.merge(users["outsider"]), users["project_id"])


def test_a_bad_step_stores_nothing_and_names_the_step(engine, users):
    runner = InlineRunner(engine)
    with session_scope(engine) as session:
        owner = session.merge(users["owner"])
        with pytest.raises(ProtocolError) as info:
            service.submit_simulation(
                session,
                owner,
                users["project_id"],
                inputs=_inputs(experiment=["Discharge at -1C until 2.5 V"]),
                runner=runner,
            )
        assert info.value.step == "Discharge at -1C until 2.5 V"
    assert runner.submitted == []
    with session_scope(engine) as session:
        assert session.exec(select(Simulation)).all() == []


def test_a_submitted_run_is_stored_by_the_worker_side_and_its_status_comes_from_its_job(engine, users):
    runner = InlineRunner(engine)
    with session_scope(engine) as session:
        editor = session.merge(users["editor"])
        row = service.submit_simulation(
            session, editor, users["project_id"], inputs=_inputs(model="spme"), runner=runner
        )
        assert row.job_id is not None
        assert runner.submitted[0][0] == service.JOB_FUNCTION
        assert runner.submitted[0][2] == "simulation"
        assert runner.submitted[0][3] == {  # limits on every simulation job, as on imports
            "timeout_s": service.SIMULATION_TIMEOUT_S,
            "memory_limit_bytes": service.SIMULATION_MEMORY_BYTES,
        }
        sim_id = row.id
    with session_scope(engine) as session:  # nobody collects: a viewer reads it as it stands
        viewer = session.merge(users["viewer"])
        row = service.get_simulation(session, viewer, sim_id)
        assert row.status == "completed"
        assert row.result_artifact_id is not None
        assert row.termination == "final time"
        assert row.summary["discharge_capacity_Ah"] == pytest.approx(5.0 * 300 / 3600, rel=1e-3)
        assert service.load_result(session, viewer, sim_id)[bdf.VOLTAGE].size > 10
        assert [r.status for r in service.list_simulations(session, viewer, users["project_id"])] == ["completed"]
    broken = InlineRunner(engine, fail=True)
    with session_scope(engine) as session:
        editor = session.merge(users["editor"])
        row = service.submit_simulation(session, editor, users["project_id"], inputs=_inputs(), runner=broken)
        sim_id = row.id
    with session_scope(engine) as session:
        row = service.get_simulation(session, session.merge(users["viewer"]), sim_id)
        assert row.status == "failed"
        assert "worker crashed" in row.error
        with pytest.raises(PermissionDenied):
            service.get_simulation(session, session.merge(users["outsider"]), sim_id)


def test_a_run_whose_job_was_reaped_says_why(engine, users, monkeypatch):
    from datetime import timedelta

    from voltvault_core.db.models import Job, utcnow
    from voltvault_core.jobs import store

    with session_scope(engine) as session:
        row = service.submit_simulation(
            session, session.merge(users["editor"]), users["project_id"], inputs=_inputs(),
            runner=InlineRunner(engine, run=False),
        )  # fmt: skip
        sim_id, job_id = row.id, row.job_id
    with session_scope(engine) as session:  # its app died: the lease is no longer renewed and runs out
        job = session.get(Job, job_id)
        job.owner, job.lease_expires_at = "gone-host:4242:dead", utcnow() - timedelta(seconds=1)
        session.add(job)
    with session_scope(engine) as session:
        row = service.get_simulation(session, session.merge(users["viewer"]), sim_id)
        assert row.status == "failed"  # already before any reaper ran
        assert "abandoned" in row.error
    assert store.reap_expired_jobs(engine) == [job_id]
    with session_scope(engine) as session:
        row = service.get_simulation(session, session.merge(users["viewer"]), sim_id)
        assert row.status == "failed"
        assert "gone-host:4242:dead" in row.error
        assert "lease" in row.error


def test_an_edge_run_is_saved_failed_with_its_diagnosis(engine, users):
    """Issue 16: a run of one point (100C, the cut-off crossed at once) was saved as completed, 0 Ah."""
    with session_scope(engine) as session:
        row = service.submit_simulation(
            session, session.merge(users["editor"]), users["project_id"],
            inputs=_inputs(model="dfn", experiment=["Discharge at 100C until 2.5 V"]), runner=InlineRunner(engine),
        )  # fmt: skip
        sim_id = row.id
    with session_scope(engine) as session:
        row = service.get_simulation(session, session.merge(users["viewer"]), sim_id)
    assert row.status == "failed"
    assert "stopped at its first point" in row.error


def test_an_experiment_whose_output_would_not_fit_is_refused_at_submit(engine, users):
    runner = InlineRunner(engine)
    with session_scope(engine) as session, pytest.raises(SimulationError, match="output points"):
        service.submit_simulation(
            session, session.merge(users["editor"]), users["project_id"],
            inputs=_inputs(experiment=["Rest for 1000000 hours"], options={"output_period_s": 10}), runner=runner,
        )  # fmt: skip
    assert runner.submitted == []
    with session_scope(engine) as session:
        assert session.exec(select(Simulation)).all() == []


def test_a_saved_cell_design_feeds_its_parameter_set(engine, users):
    chen = get_parameter_set("Chen2020").updated(
        {"Negative electrode thickness [m]": 7e-5}, name="thin anode"
    )
    with session_scope(engine) as session:
        owner = session.merge(users["owner"])
        design = CellDesign(
            project_id=users["project_id"], name="Thin anode", parameter_set=chen.to_json_dict()
        )
        session.add(design)
        session.flush()
        designs = service.list_cell_designs(session, owner, users["project_id"])
        assert [d.name for d in designs] == ["Thin anode"]
        params = service.design_parameter_set(session, owner, design.id)
        row = service.run_simulation(
            session,
            owner,
            users["project_id"],
            inputs=_inputs(parameter_set=params),
            cell_design_id=design.id,
        )
        assert row.cell_design_id == design.id
        assert row.parameter_set_name == "thin anode"
        assert row.inputs["parameter_set"]["parameters"]["Negative electrode thickness [m]"] == 7e-5


def test_measured_dataset_overlays_a_simulation(engine, users):
    with session_scope(engine) as session:
        owner = session.merge(users["owner"])
        row = service.run_simulation(
            session, owner, users["project_id"], inputs=_inputs(experiment=["Discharge at 1C for 10 minutes"])
        )
        sim = service.load_result(session, owner, row.id)
        # a "measured" frame: the simulated curve resampled every 7 s with a 2 mV offset
        t = np.arange(0.0, 600.0, 7.0)
        frame = pd.DataFrame(
            {
                bdf.TEST_TIME: t,
                bdf.VOLTAGE: np.interp(t, sim[bdf.TEST_TIME], sim[bdf.VOLTAGE]) + 0.002,
                bdf.CURRENT: np.full(t.size, -5.0),
            }
        )
        buf = io.BytesIO()
        frame.to_parquet(buf)
        art = put_artifact(
            session, buf.getvalue(), media_type="application/vnd.apache.parquet", filename="m.parquet"
        )
        dataset = CyclingDataset(
            project_id=users["project_id"], name="cell 1", timeseries_artifact_id=art.id, parsed=True
        )
        session.add(dataset)
        session.flush()
        assert [d.id for d in service.list_cycling_datasets(session, owner, users["project_id"])] == [
            dataset.id
        ]
        measured = service.load_measured_frame(session, session.merge(users["viewer"]), dataset.id)
        rmse = voltage_rmse_V(
            measured[bdf.TEST_TIME], measured[bdf.VOLTAGE], sim[bdf.TEST_TIME], sim[bdf.VOLTAGE]
        )
        assert rmse == pytest.approx(0.002, abs=2e-4)
        with pytest.raises(PermissionDenied):
            service.load_measured_frame(session, session.merge(users["outsider"]), dataset.id)


@pytest.mark.slow
def test_the_process_pool_runs_a_queued_simulation(engine, users):
    from voltvault_core.jobs import get_runner

    runner = get_runner(engine, backend="process")
    try:
        with session_scope(engine) as session:
            editor = session.merge(users["editor"])
            row = service.submit_simulation(
                session, editor, users["project_id"], inputs=_inputs(), runner=runner
            )
            sim_id = row.id
        with session_scope(engine) as session:
            row = service.collect_simulation(session, session.merge(users["viewer"]), sim_id, timeout_s=240)
            assert row.status == "completed", row.error
            assert row.summary["discharge_capacity_Ah"] == pytest.approx(5.0 * 300 / 3600, rel=1e-3)
    finally:
        runner.shutdown(wait=False, cancel_pending=True)


# two negative layers of Chen2020's graphite: dense and fine on the collector, open and coarse at the separator
TWO_LAYERS = {
    "negative": {
        "kind": "layers",
        "layers": [
            {"thickness_m": 40e-6, "porosity": 0.15, "active_fraction": 0.75, "particle_radius_m": 3e-6},
            {"thickness_m": 45.2e-6, "porosity": 0.35, "active_fraction": 0.6, "particle_radius_m": 12e-6},
        ],
    }
}
DISCHARGE = ["Discharge at 1C for 10 minutes"]


def test_a_layered_run_is_saved_with_its_grading_and_differs_from_the_uniform_cell(engine, users):
    with session_scope(engine) as session:
        editor = session.merge(users["editor"])
        uniform = service.run_simulation(
            session, editor, users["project_id"], inputs=_inputs(model="dfn", experiment=DISCHARGE)
        )
        layered = service.run_simulation(
            session,
            editor,
            users["project_id"],
            inputs=_inputs(model="dfn", experiment=DISCHARGE, electrode_grading=TWO_LAYERS),
        )
        ids = uniform.id, layered.id
    with session_scope(engine) as session:
        viewer = session.merge(users["viewer"])
        uniform, layered = (session.get(Simulation, i) for i in ids)
        assert "electrode_grading" not in uniform.inputs  # uniform cells store no grading
        assert layered.inputs["electrode_grading"] == TWO_LAYERS
        assert layered.status == "completed", layered.error
        assert "2-layer negative" in layered.parameter_set_name
        v_uniform = service.load_result(session, viewer, ids[0])[bdf.VOLTAGE]
        result = service.load_result(session, viewer, ids[1])
        v_layered = result[bdf.VOLTAGE]
        rmse = voltage_rmse_V(
            service.load_result(session, viewer, ids[0])[bdf.TEST_TIME], v_uniform,
            result[bdf.TEST_TIME], v_layered,
        )  # fmt: skip
        assert rmse > 1e-3  # mV: the grading reached the solver (an ignored one gives 0)
        # the stored inputs rebuild the graded cell
        parameters = service._simulation_from_inputs(layered.inputs).parameters
        assert parameters["Negative electrode porosity"](np.array([20e-6, 60e-6])).tolist() == [0.15, 0.35]
        assert parameters["Negative particle radius [m]"](np.array([20e-6, 60e-6])).tolist() == [3e-6, 12e-6]
    assert "2 layers from the current collector (40 µm" in service.describe_electrode_grading(TWO_LAYERS)


def test_grading_applies_after_the_parameter_updates_and_an_old_run_without_it_still_builds():
    graded = {
        "positive": {"kind": "linear", "porosity_at_separator": 0.3, "porosity_at_current_collector": 0.2}
    }
    inputs = _inputs(
        model="dfn",
        parameter_updates={"Negative electrode thickness [m]": 70e-6},
        electrode_grading=graded,
    )
    sim = service._simulation_from_inputs(inputs)
    # the positive electrode starts behind the updated negative electrode and the separator
    x0 = 70e-6 + sim.parameters["Separator thickness [m]"]
    assert sim.parameters["Positive electrode porosity"](x0) == pytest.approx(0.3)
    assert sim.parameters["Negative electrode thickness [m]"] == 70e-6
    old = {k: v for k, v in _inputs().items() if k != "electrode_grading"}
    assert service._simulation_from_inputs(old).parameters.name == "Chen2020"


@pytest.mark.parametrize(
    ("grading", "message"),
    [
        (
            {"negative": {"kind": "layers", "layers": [
                {"thickness_m": 40e-6, "porosity": 0.5, "active_fraction": 0.75, "particle_radius_m": 3e-6}]}},
            "layer 1 of the negative electrode: porosity 0.5 + active material volume fraction 0.75",
        ),
        (
            {"positive": {"kind": "linear", "porosity_at_separator": 1.2, "porosity_at_current_collector": 0.2}},
            "positive electrode porosity at the separator 1.2 must lie strictly between 0 and 1",
        ),
        (
            {"negative": {"kind": "layers", "layers": [
                {"thickness_m": -1e-6, "porosity": 0.3, "active_fraction": 0.6, "particle_radius_m": 3e-6}]}},
            "layer 1 of the negative electrode: thickness -1e-06 m must be positive",
        ),
    ],
)  # fmt: skip
def test_a_bad_grading_is_refused_naming_what_is_wrong_and_stores_nothing(engine, users, grading, message):
    runner = InlineRunner(engine)
    with session_scope(engine) as session:
        owner = session.merge(users["owner"])
        inputs = _inputs(model="dfn", electrode_grading=grading)
        with pytest.raises(service.LayerError, match=re.escape(message)):
            service.submit_simulation(session, owner, users["project_id"], inputs=inputs, runner=runner)
        with pytest.raises(service.LayerError, match=re.escape(message)):
            service.run_simulation(session, owner, users["project_id"], inputs=inputs)
    assert runner.submitted == []
    with session_scope(engine) as session:
        assert session.exec(select(Simulation)).all() == []


@pytest.mark.parametrize(
    ("grading", "message"),
    [
        ({"anode": {"kind": "layers"}}, r"unknown electrode\(s\) \['anode'\]"),
        ({"negative": {"kind": "steps"}}, "negative electrode: unknown kind 'steps'"),
        ({"negative": {"kind": "layers", "layers": []}}, "'layers' must be a non-empty list"),
        ({"positive": {"kind": "layers", "layers": [{"thickness_m": 1e-5}]}}, "layer 1 of the positive.*missing"),
        ({"positive": {"kind": "linear", "porosity_at_separator": "0.3"}}, "porosity_at_separator must be a number"),
    ],
)  # fmt: skip
def test_a_malformed_grading_is_refused_by_make_inputs(grading, message):
    with pytest.raises(service.LayerError, match=message):
        _inputs(electrode_grading=grading)
    assert "electrode_grading" not in _inputs(electrode_grading={"negative": {"kind": "uniform"}})
