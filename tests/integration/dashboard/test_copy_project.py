"""A newcomer is only a viewer of the demo project; copying it gives them a project of their own."""

from __future__ import annotations

import pytest
from sqlmodel import select

from voltvault_core.auth.permissions import PermissionDenied, role_of
from voltvault_core.auth.users import add_user
from voltvault_core.dashboard import copy_project, demo_project_id
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import (
    AuditEvent,
    CellDesign,
    CycleMetric,
    CyclingDataset,
    EISFit,
    EISMeasurement,
    Experiment,
    Simulation,
)
from voltvault_core.demo import seed_demo


def _count(session, model, project_id):
    return len(session.exec(select(model).where(model.project_id == project_id)).all())


def test_a_demo_viewer_copies_the_demo_into_a_project_they_own(engine):
    seed_demo(engine)
    with session_scope(engine) as session:
        newcomer = add_user(session, None, username="newcomer", email="n@lab.example", name="New",
                              password="correct horse")
        demo = demo_project_id(session)
        assert role_of(session, newcomer, demo) == "viewer"
        copy = copy_project(session, newcomer, demo)
        assert role_of(session, newcomer, copy.id) == "owner"
        for model in (CellDesign, CyclingDataset, EISMeasurement, Experiment):
            assert _count(session, model, copy.id) == _count(session, model, demo) > 0, model.__name__
        finished = [s for s in session.exec(select(Simulation).where(Simulation.project_id == demo)).all()
                    if s.status in ("completed", "failed")]
        copied = session.exec(select(Simulation).where(Simulation.project_id == copy.id)).all()
        assert len(copied) == len(finished) > 0
        assert {s.result_artifact_id for s in copied} == {s.result_artifact_id for s in finished}
        new_designs = {d.id for d in session.exec(select(CellDesign).where(CellDesign.project_id == copy.id))}
        assert all(s.cell_design_id is None or s.cell_design_id in new_designs for s in copied)
        for dataset in session.exec(select(CyclingDataset).where(CyclingDataset.project_id == copy.id)).all():
            assert session.exec(select(CycleMetric).where(CycleMetric.dataset_id == dataset.id)).first()
        measurements = session.exec(select(EISMeasurement).where(EISMeasurement.project_id == copy.id)).all()
        original_fits = session.exec(select(EISFit).join(EISMeasurement).where(EISMeasurement.project_id == demo))
        assert len(session.exec(select(EISFit).where(EISFit.measurement_id.in_([m.id for m in measurements])))
                   .all()) == len(original_fits.all())
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.project_id == copy.id)).all()
        assert "project.copy" in actions
        copy_id = copy.id
    with session_scope(engine) as session:  # the demo itself is untouched and the copy is editable
        assert _count(session, CellDesign, demo) > 0
        assert _count(session, CellDesign, copy_id) == _count(session, CellDesign, demo)


def test_copying_needs_read_access_to_the_source(engine, users):
    with session_scope(engine) as session:
        with pytest.raises(PermissionDenied):
            copy_project(session, session.merge(users["outsider"]), users["project_id"])
        with pytest.raises(PermissionDenied):
            copy_project(session, None, users["project_id"])
