"""What the dashboard shows: project cards and quick-start templates."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from voltvault_core.auth.permissions import PermissionDenied, write_service
from voltvault_core.db.models import (
    CellDesign,
    CycleMetric,
    CyclingDataset,
    EISFit,
    EISMeasurement,
    Experiment,
    Project,
    Simulation,
    User,
)
from voltvault_core.projects import audit, create_project, projects_for

QUICK_START_TEMPLATES = {
    "nmc811-pouch": {
        "title": "NMC811/Graphite Pouch Cell",
        "description": "NMC811 cathode against graphite-SiOx (Chen2020, LG M50 chemistry) in a pouch format.",
        "chemistry_tag": "NMC811",
        "parameter_set": "Chen2020",
    },
    "lfp-21700": {
        "title": "LFP/Graphite 21700",
        "description": "LiFePO4 against graphite (Prada2013) in a cylindrical 21700 can.",
        "chemistry_tag": "LFP",
        "parameter_set": "Prada2013",
    },
    "si-screening": {
        "title": "Silicon Anode Screening",
        "description": "A project for Si/C anode variants, starting from the Chen2020 graphite-SiOx set.",
        "chemistry_tag": "Si/C",
        "parameter_set": "Chen2020",
    },
    "pack-thermal": {
        "title": "Pack Thermal Analysis",
        "description": "A project for pack and thermal studies on the NMC/graphite Marquis2019 set.",
        "chemistry_tag": "NMC",
        "parameter_set": "Marquis2019",
    },
}


def create_from_template(session: Session, actor: User, key: str) -> Project:
    """Create a project from a template, with a starting cell design when the parameter set exists."""
    if key not in QUICK_START_TEMPLATES:
        raise ValueError(f"unknown template {key!r}; templates are {', '.join(QUICK_START_TEMPLATES)}")
    template = QUICK_START_TEMPLATES[key]
    project = create_project(session, actor, name=template["title"], description=template["description"],
                             chemistry_tag=template["chemistry_tag"])
    try:
        from solvers.parameters import get_parameter_set

        parameter_set = get_parameter_set(template["parameter_set"])
    except (ImportError, KeyError, ValueError):
        return project  # the project still starts; the design can be made in the Cell Designer
    session.add(CellDesign(project_id=project.id, name=f"{template['parameter_set']} baseline",
                           parameter_set=parameter_set.to_json_dict(), created_by=actor.id,
                           design={"base_parameter_set": template["parameter_set"]}))
    return project


def project_cards(session: Session, actor: User | None) -> list[dict]:
    projects = projects_for(session, actor)
    ids = [p.id for p in projects]

    def counts(model) -> dict[int, int]:
        if not ids:
            return {}
        rows = session.exec(select(model.project_id, func.count()).where(model.project_id.in_(ids))
                            .group_by(model.project_id)).all()
        return dict(rows)

    designs, sims, datasets = counts(CellDesign), counts(Simulation), counts(CyclingDataset)
    return [
        {"id": p.id, "name": p.name, "chemistry_tag": p.chemistry_tag, "is_demo": p.is_demo,
         "designs": designs.get(p.id, 0), "simulations": sims.get(p.id, 0), "datasets": datasets.get(p.id, 0),
         "updated": p.updated_at.strftime("%Y-%m-%d")}
        for p in projects
    ]


COPIED_KINDS = ("designs", "simulations", "datasets", "eis_measurements", "experiments")


def _copy_row(row, **changes):
    data = row.model_dump(exclude={"id"})
    data.update(changes)
    return type(row)(**data)


@write_service("viewer", project_arg="source_project_id")
def copy_project(session: Session, actor: User, source_project_id: int, *, name: str | None = None) -> Project:
    """Copy a project the actor can read (the demo, typically) into a new project the actor owns.

    The designs, finished simulations (their results shared by content hash, not duplicated), cycling
    datasets with their cycle metrics, EIS measurements with their fits, and experiments come along, so
    a newcomer who is only a viewer of the demo can run, fit and edit a copy of it. Recorded in the
    audit trail of both projects.
    """
    if actor is None:
        raise PermissionDenied("sign in to copy a project")
    source = session.get(Project, source_project_id)
    default_name = f"{source.name.removeprefix('Demo:').strip()} (my copy)"
    project = create_project(session, actor, name=(name or default_name).strip(),
                             description=f"Your editable copy of '{source.name}'. {source.description}".strip(),
                             chemistry_tag=source.chemistry_tag)
    target = project.id
    counts = dict.fromkeys(COPIED_KINDS, 0)
    design_ids: dict[int, int] = {}
    for row in session.exec(select(CellDesign).where(CellDesign.project_id == source_project_id)).all():
        copy = _copy_row(row, project_id=target, created_by=actor.id)
        session.add(copy)
        session.flush()
        design_ids[row.id] = copy.id
        counts["designs"] += 1
    simulation_ids: dict[int, int] = {}
    finished = select(Simulation).where(Simulation.project_id == source_project_id,
                                        col(Simulation.status).in_(("completed", "failed")))
    for row in session.exec(finished).all():
        copy = _copy_row(row, project_id=target, created_by=actor.id, job_id=None,
                         cell_design_id=design_ids.get(row.cell_design_id))
        session.add(copy)
        session.flush()
        simulation_ids[row.id] = copy.id
        counts["simulations"] += 1
    dataset_ids: dict[int, int] = {}
    for row in session.exec(select(CyclingDataset).where(CyclingDataset.project_id == source_project_id)).all():
        copy = _copy_row(row, project_id=target, created_by=actor.id)
        session.add(copy)
        session.flush()
        dataset_ids[row.id] = copy.id
        for metric in session.exec(select(CycleMetric).where(CycleMetric.dataset_id == row.id)).all():
            session.add(_copy_row(metric, dataset_id=copy.id))
        counts["datasets"] += 1
    for row in session.exec(select(EISMeasurement).where(EISMeasurement.project_id == source_project_id)).all():
        copy = _copy_row(row, project_id=target, created_by=actor.id)
        session.add(copy)
        session.flush()
        for fit in session.exec(select(EISFit).where(EISFit.measurement_id == row.id)).all():
            session.add(_copy_row(fit, measurement_id=copy.id, created_by=actor.id))
        counts["eis_measurements"] += 1
    for row in session.exec(select(Experiment).where(Experiment.project_id == source_project_id)).all():
        session.add(_copy_row(
            row, project_id=target, created_by=actor.id,
            linked_simulations=[simulation_ids[i] for i in (row.linked_simulations or []) if i in simulation_ids],
            linked_datasets=[dataset_ids[i] for i in (row.linked_datasets or []) if i in dataset_ids],
        ))
        counts["experiments"] += 1
    session.flush()
    audit(session, actor, "project.copy", project_id=target, target_type="project", target_id=target,
          source_project_id=source_project_id, **counts)
    audit(session, actor, "project.copied", project_id=source_project_id, target_type="project",
          target_id=source_project_id, copy_project_id=target)
    return project


def demo_project_id(session: Session) -> int | None:
    """The id of the public demo project, if this installation has one."""
    row = session.exec(select(Project.id).where(Project.is_demo == True)).first()  # noqa: E712
    return row
