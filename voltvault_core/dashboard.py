"""What the dashboard shows: project cards and quick-start templates."""

from __future__ import annotations

from sqlmodel import Session, func, select

from voltvault_core.db.models import CellDesign, CyclingDataset, Project, Simulation, User
from voltvault_core.projects import create_project, projects_for

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
