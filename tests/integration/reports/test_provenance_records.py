"""Provenance: every finished run gets one immutable record, and re-running from it gives the stored voltage."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from voltvault_core.simulation import service as sims
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import RunProvenance, Simulation
from voltvault_core.tracking import provenance as prov

INPUTS = sims.make_inputs("spme", "Chen2020", ["Discharge at 1C until 3.5 V"], options={"output_period_s": 30.0})


def _run(engine, users, inputs=INPUTS) -> int:
    with session_scope(engine) as session:
        return sims.run_simulation(session, session.merge(users["editor"]), users["project_id"], inputs=inputs).id


def test_a_finished_run_records_what_it_ran_on(engine, users):
    sim_id = _run(engine, users)
    with session_scope(engine) as session:
        record = prov.get_provenance(session, session.merge(users["viewer"]), "simulation", sim_id)
        row = session.get(Simulation, sim_id)
        doc = record.record
        assert record.input_sha256 == prov.sha256_json(row.inputs)
        assert record.parameter_set_sha256 == prov.sha256_json(prov.resolved_parameter_document(row.inputs))
        assert len(record.result_sha256) == 64
        assert doc["solver_settings"]["model"] == "spme"
        assert doc["solver_settings"]["rtol"] == pytest.approx(1e-4)
        assert doc["seeds"] == {}
        assert doc["created_by_username"] == "editor"
        assert doc["package_version"] == prov.package_version()
        assert doc["source_revision"] == prov.source_revision()
        assert doc["started_at"] <= doc["finished_at"]
        assert prov.verify_record(record) == []


def test_records_are_immutable_and_tampering_is_detected(engine, users):
    sim_id = _run(engine, users)
    with session_scope(engine) as session:
        record = prov.get_provenance(session, session.merge(users["owner"]), "simulation", sim_id)
        record.source_revision = "forged"
        with pytest.raises(prov.ProvenanceError, match="immutable"):
            session.flush()
        session.rollback()
    with session_scope(engine) as session:
        record = session.exec(select(RunProvenance).where(RunProvenance.target_id == sim_id)).one()
        session.delete(record)
        with pytest.raises(prov.ProvenanceError, match="immutable"):
            session.flush()
        session.rollback()
    with session_scope(engine) as session:  # a finished run's inputs cannot change under its record
        row = session.get(Simulation, sim_id)
        row.inputs = {**row.inputs, "experiment": ["Discharge at 2C until 3.5 V"]}
        with pytest.raises(prov.ProvenanceError, match="inputs cannot change"):
            session.flush()
        session.rollback()
    with session_scope(engine) as session:  # a change behind the ORM's back breaks the record's hash
        session.execute(text("UPDATE runprovenance SET result_sha256 = 'x' WHERE target_id = :i"), {"i": sim_id})
    with session_scope(engine) as session:
        record = session.exec(select(RunProvenance).where(RunProvenance.target_id == sim_id)).one()
        assert any("result_sha256" in p for p in prov.verify_record(record))
        with pytest.raises(prov.ProvenanceError, match="cannot be trusted"):
            prov.reproduce_simulation(session, session.merge(users["viewer"]), sim_id)


def test_a_rerun_from_the_record_reproduces_the_voltage(engine, users):
    sim_id = _run(engine, users)
    with session_scope(engine) as session:
        outcome = prov.reproduce_simulation(session, session.merge(users["viewer"]), sim_id)
    assert outcome.reproduced, outcome.message
    assert outcome.max_abs_voltage_difference_V <= outcome.tolerance_V
    assert outcome.n_points > 10
    assert outcome.message.startswith("Reproduced")


def test_a_changed_solver_is_not_called_reproduced():
    import numpy as np

    t = np.linspace(0, 3600, 200)
    v = 4.0 - 1e-4 * t
    assert prov.compare_voltage(t, v, t, v)[0] == 0.0
    dv, _ = prov.compare_voltage(t, v, t, v + 0.01)
    assert dv == pytest.approx(0.01)
    assert dv > prov.voltage_tolerance_V({"rtol": 1e-4, "atol": 1e-6}, v)
    # a step change repeats the time and jumps the voltage: on another grid, each step compares on its own
    t2 = np.concatenate([np.linspace(0, 1800, 50), np.linspace(1800, 3600, 50)])
    v2 = np.where(np.arange(100) < 50, 3.5, 3.6)
    steps = np.repeat([0, 1], 50)
    t3 = np.concatenate([np.linspace(0, 1800, 37), np.linspace(1800, 3600, 41)])
    v3, steps3 = np.where(np.arange(78) < 37, 3.5, 3.6), np.repeat([0, 1], [37, 41])
    assert prov.compare_voltage(t2, v2, t3, v3, steps, steps3)[0] == pytest.approx(0.0, abs=1e-12)


def test_outsiders_cannot_read_a_record(engine, users):
    from voltvault_core.auth.permissions import PermissionDenied

    sim_id = _run(engine, users)
    with session_scope(engine) as session, pytest.raises(PermissionDenied):
        prov.get_provenance(session, session.merge(users["outsider"]), "simulation", sim_id)


def test_imports_record_the_raw_file_they_read(engine, users):
    from voltvault_core.cycling import service as cycling
    from voltvault_core.cycling.export import to_csv_bytes
    from voltvault_core.cycling.synthetic import synthetic_cycling_frame
    from voltvault_core.db.models import Artifact, CyclingDataset

    data = to_csv_bytes(synthetic_cycling_frame(2, points_per_step=10, rest_points=2))
    primary = {"cell_identifier": "CELL-P1", "chemistry": "NMC811/graphite", "nominal_capacity_Ah": 2.0,
               "instrument": "synthetic", "owner": "lab", "test_objective": "provenance"}
    with session_scope(engine) as session:
        dataset = cycling.import_dataset(session, session.merge(users["editor"]), users["project_id"], data=data,
                                         filename="cell.csv", primary=primary)
        dataset_id = dataset.id
    with session_scope(engine) as session:
        row = session.get(CyclingDataset, dataset_id)
        record = prov.get_provenance(session, session.merge(users["viewer"]), "cycling_dataset", dataset_id)
        assert record.input_data_sha256 == session.get(Artifact, row.raw_artifact_id).sha256
        assert prov.verify_record(record) == []


def test_a_reimported_dataset_after_a_delete_gets_its_own_record(engine, users):
    from voltvault_core.cycling import service as cycling
    from voltvault_core.cycling.export import to_csv_bytes
    from voltvault_core.cycling.synthetic import synthetic_cycling_frame
    from voltvault_core.db.models import CyclingDataset

    primary = {"cell_identifier": "CELL-P2", "chemistry": "NMC811/graphite", "nominal_capacity_Ah": 2.0,
               "instrument": "synthetic", "owner": "lab", "test_objective": "provenance"}
    ids = []
    for cycles in (2, 3):
        data = to_csv_bytes(synthetic_cycling_frame(cycles, points_per_step=10, rest_points=2))
        with session_scope(engine) as session:
            editor = session.merge(users["editor"])
            dataset = cycling.import_dataset(session, editor, users["project_id"], data=data, filename="c.csv",
                                             primary=primary)
            ids.append(dataset.id)
            if cycles == 2:
                cycling.delete_dataset(session, editor, dataset.id)
    with session_scope(engine) as session:
        record = prov.get_provenance(session, session.merge(users["viewer"]), "cycling_dataset", ids[-1])
        assert record.record["n_rows"] == session.get(CyclingDataset, ids[-1]).n_rows
