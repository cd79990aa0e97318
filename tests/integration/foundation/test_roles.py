"""Role matrix: every registered write service, called by every role, is allowed or refused in the core.

Each service needs an example call below; a new write service without one fails
``test_every_write_service_has_an_example``, so no service escapes the matrix. The calls go straight
to the core services, with no page in between.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from voltvault_core import dashboard, projects
from voltvault_core.simulation import service as sims
from voltvault_core.auth.permissions import ROLE_RANK, WRITE_SERVICES, PermissionDenied
from voltvault_core.cycling import service as cycling
from voltvault_core.cycling.export import to_csv_bytes
from voltvault_core.cycling.synthetic import synthetic_cycling_frame
from voltvault_core.db.engine import session_scope
from voltvault_core.design import service as designs
from voltvault_core.design.examples import lg_m50
from voltvault_core.eis import service as eis
from voltvault_core.eis.fitting import fit_circuit
from voltvault_core.eis.readers import read_spectra
from voltvault_core.jobs import JobState, JobStatus, store
from voltvault_core.jobs import service as jobs
from voltvault_core.materials import service as materials
from voltvault_core.tracking import bundle as run_bundles
from voltvault_core.tracking import service as tracking

EIS_CSV = b"1000,1.0,-0.1\n100,1.2,-0.4\n10,1.6,-0.5\n1,2.0,-0.3\n0.1,2.2,-0.2\n"
SIMULATION_INPUTS = sims.make_inputs("spm", "Chen2020", ["Rest for 1 second"])
CYCLING_CSV = to_csv_bytes(synthetic_cycling_frame(3, points_per_step=10, rest_points=2))
CYCLING_PRIMARY = {"cell_identifier": "CELL-A1", "chemistry": "NMC811/graphite", "nominal_capacity_Ah": 2.0,
                   "instrument": "synthetic", "owner": "lab", "test_objective": "cycle life 1C/1C"}


def _owner(session, users):
    return session.merge(users["owner"])


def _experiment(session, users):
    return tracking.create_experiment(session, _owner(session, users), users["project_id"], name="baseline").id


def _run_bundle(session, users) -> bytes:
    owner = _owner(session, users)
    run = sims.run_simulation(session, owner, users["project_id"], inputs=SIMULATION_INPUTS)
    return run_bundles.export_bundle(session, owner, run.id, with_report=False)


def _share_link(session, users):
    return projects.create_share_link(session, _owner(session, users), users["project_id"])[0].id


def _design(session, users):
    return designs.save_design(session, _owner(session, users), users["project_id"], lg_m50()).id


def _material(key: str = "RoleNMC") -> dict:
    return {
        "id": key,
        "name": f"{key} sample",
        "type": "cathode",
        "properties": {
            "density_kg_m3": {"value": 4700, "source": "Nitta2015"},
            "practical_specific_capacity_mAh_g": {"value": 190, "source": "Noh2013"},
            "average_potential_V": {"value": 3.7, "source": "Nitta2015"},
            "price_USD_kg": {"value": 20.0, "source": "VoltVaultEstimate"},
        },
    }


def _material_row(session, users):
    return materials.create_custom_material(session, _owner(session, users), users["project_id"],
                                            material=_material("Own1"), provenance="coin cells").id


def _eis_measurement(session, users):
    return eis.import_measurements(session, _owner(session, users), users["project_id"], data=EIS_CSV,
                                   filename="x.csv")[0].id


def _dataset(session, users):
    return cycling.import_dataset(session, _owner(session, users), users["project_id"], data=CYCLING_CSV,
                                  filename="owned.csv", primary=CYCLING_PRIMARY).id


def _queued_job(session, users):
    return store.create_job_row(session.get_bind(), kind="test", func_path="voltvault_core.jobs.testing_tasks:add",
                                backend="inline", project_id=users["project_id"], user_id=users["owner"].id)


class _CancellingRunner:
    def cancel(self, job_id):
        return True


class _InlineRunner:
    """Runs a job at submit time in this process: the matrix tests roles, not the pool."""

    def __init__(self, engine):
        self.engine, self.values = engine, {}

    def submit(self, func_path, kwargs, *, kind, project_id=None, user_id=None, **limits):
        from voltvault_core.jobs.results import store_job_result

        job_id = store.create_job_row(self.engine, kind=kind, func_path=func_path, backend="inline",
                                      project_id=project_id, user_id=user_id)
        self.values[job_id] = sims.run_simulation_job(**kwargs, progress=lambda *a, **k: None)
        store_job_result(self.engine, job_id, self.values[job_id])  # the worker side stores it
        return job_id

    def status(self, job_id):
        return JobStatus(job_id, JobState.COMPLETED, 1.0, None, None)

    def wait(self, job_ids, timeout=None):
        return None

    def result(self, job_id, timeout=None):
        return self.values[job_id]


DOE_SPEC = {"model": "python:voltvault_core.doe.testfunctions:ishigami",
            "inputs": {"x1": [-3, 3], "x2": [-3, 3], "x3": [-3, 3]},
            "method": "latin_hypercube", "samples": 8, "outputs": ["y"]}


class _DOERunner(_InlineRunner):
    def submit(self, func_path, kwargs, *, kind, project_id=None, user_id=None, **limits):
        from voltvault_core.doe.jobs import run_chunk

        job_id = store.create_job_row(self.engine, kind=kind, func_path=func_path, backend="inline",
                                      project_id=project_id, user_id=user_id)
        self.values[job_id] = run_chunk(**kwargs, progress=lambda *a, **k: None)
        return job_id


def _doe_study(session, users):
    from voltvault_core.doe import service as doe

    # committed before the runner writes its job rows (SQLite allows one writer at a time)
    with session_scope(session.get_bind()) as own:
        return doe.create_study(own, _owner(own, users), users["project_id"], spec=DOE_SPEC).id


# service name -> callable(session, actor, users) making one realistic call
EXAMPLES = {
    "voltvault_core.doe.service.create_study":
        lambda s, a, u: __import__("voltvault_core.doe.service", fromlist=["x"]).create_study(
            s, a, u["project_id"], spec=DOE_SPEC),
    "voltvault_core.doe.service.submit_study":
        lambda s, a, u: __import__("voltvault_core.doe.service", fromlist=["x"]).submit_study(
            s, a, _doe_study(s, u), _DOERunner(s.get_bind())),
    "voltvault_core.projects.update_project":
        lambda s, a, u: projects.update_project(s, a, u["project_id"], description="new"),
    "voltvault_core.projects.set_project_archived":
        lambda s, a, u: projects.set_project_archived(s, a, u["project_id"], archived=True),
    "voltvault_core.projects.set_member_role":
        lambda s, a, u: projects.set_member_role(s, a, u["project_id"], username="outsider", role="viewer"),
    "voltvault_core.projects.remove_member":
        lambda s, a, u: projects.remove_member(s, a, u["project_id"], username="viewer"),
    "voltvault_core.projects.add_comment":
        lambda s, a, u: projects.add_comment(s, a, u["project_id"], target_type="project", body="looks good"),
    "voltvault_core.projects.create_share_link":
        lambda s, a, u: projects.create_share_link(s, a, u["project_id"]),
    "voltvault_core.projects.revoke_share_link":
        lambda s, a, u: projects.revoke_share_link(s, a, _share_link(s, u)),
    "voltvault_core.tracking.service.create_experiment":
        lambda s, a, u: tracking.create_experiment(s, a, u["project_id"], name="run 1"),
    "voltvault_core.tracking.service.update_experiment":
        lambda s, a, u: tracking.update_experiment(s, a, _experiment(s, u), notes="x"),
    "voltvault_core.design.service.save_design":
        lambda s, a, u: designs.save_design(s, a, u["project_id"], lg_m50()),
    "voltvault_core.design.service.clone_design":
        lambda s, a, u: designs.clone_design(s, a, u["project_id"], _design(s, u), "copy"),
    "voltvault_core.design.service.delete_design":
        lambda s, a, u: designs.delete_design(s, a, u["project_id"], _design(s, u)),
    "voltvault_core.materials.service.create_custom_material":
        lambda s, a, u: materials.create_custom_material(s, a, u["project_id"], material=_material(),
                                                         provenance="lab"),
    "voltvault_core.materials.service.set_material_verified":
        lambda s, a, u: materials.set_material_verified(s, a, u["project_id"], _material_row(s, u), True),
    "voltvault_core.eis.service.import_measurements":
        lambda s, a, u: eis.import_measurements(s, a, u["project_id"], data=EIS_CSV, filename="x.csv"),
    "voltvault_core.eis.service.fit_measurement":
        lambda s, a, u: eis.fit_measurement(s, a, _eis_measurement(s, u), circuit="R0-p(R1,C1)"),
    "voltvault_core.eis.service.save_fit":
        lambda s, a, u: eis.save_fit(s, a, _eis_measurement(s, u),
                                     fit_circuit(read_spectra(EIS_CSV, "x.csv")[0], "R0-p(R1,C1)")),
    "voltvault_core.simulation.service.run_simulation":
        lambda s, a, u: sims.run_simulation(s, a, u["project_id"], inputs=SIMULATION_INPUTS),
    "voltvault_core.simulation.service.submit_simulation":
        lambda s, a, u: sims.submit_simulation(s, a, u["project_id"], inputs=SIMULATION_INPUTS,
                                               runner=_InlineRunner(s.get_bind())),
    "voltvault_core.cycling.service.import_dataset":
        lambda s, a, u: cycling.import_dataset(s, a, u["project_id"], data=CYCLING_CSV, filename="x.csv",
                                               primary=CYCLING_PRIMARY),
    "voltvault_core.cycling.service.update_metadata":
        lambda s, a, u: cycling.update_metadata(s, a, _dataset(s, u), tertiary={"note": "x"}),
    "voltvault_core.cycling.service.delete_dataset":
        lambda s, a, u: cycling.delete_dataset(s, a, _dataset(s, u)),
    "voltvault_core.cycling.service.save_column_mapping":
        lambda s, a, u: cycling.save_column_mapping(s, a, u["project_id"], name="lab",
                                                    mapping={"version": 1, "columns": {}}),
    "voltvault_core.tracking.bundle.import_bundle":
        lambda s, a, u: run_bundles.import_bundle(s, a, u["project_id"], data=_run_bundle(s, u)),
    "voltvault_core.dashboard.copy_project":
        lambda s, a, u: dashboard.copy_project(s, a, u["project_id"], name="my copy"),
    "voltvault_core.jobs.service.cancel_job":
        lambda s, a, u: jobs.cancel_job(s, a, _queued_job(s, u), runner=_CancellingRunner()),
}

ACTORS = ["owner", "editor", "commenter", "viewer", "outsider", "anonymous", "admin"]


def _import_every_core_module() -> None:
    """Import all of voltvault_core (but the Streamlit layer) so every write service has registered."""
    import voltvault_core

    for info in pkgutil.walk_packages(voltvault_core.__path__, "voltvault_core."):
        if not info.name.startswith(("voltvault_core.ui", "voltvault_core.__main__")):
            importlib.import_module(info.name)


def test_every_write_service_has_an_example():
    _import_every_core_module()
    missing = sorted(set(WRITE_SERVICES) - set(EXAMPLES))
    assert not missing, f"add role-matrix examples for: {missing}"


def _expected(actor: str, minimum: str) -> bool:
    effective = {"admin": "owner", "outsider": None, "anonymous": None}.get(actor, actor)
    return effective is not None and ROLE_RANK[effective] >= ROLE_RANK[minimum]


@pytest.mark.parametrize("service_name", sorted(EXAMPLES))
def test_role_matrix(engine, users, service_name):
    service = WRITE_SERVICES[service_name]
    outcomes = {}
    for actor_name in ACTORS:
        with session_scope(engine) as session:
            actor = None if actor_name == "anonymous" else session.merge(users[actor_name])
            try:
                EXAMPLES[service_name](session, actor, users)
                outcomes[actor_name] = True
            except PermissionDenied:
                outcomes[actor_name] = False
            session.rollback()  # each call starts from the same state
    expected = {a: _expected(a, service.minimum_role) for a in ACTORS}
    assert outcomes == expected, f"{service_name} needs {service.minimum_role}"
