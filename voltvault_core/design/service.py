"""Cell designs in the database (``CellDesign`` rows, per project), with role checks in the core.

* :func:`save_design` (editor): computes the metrics and, when the materials allow it, the exported
  parameter set, and stores them with the design document; a new row or an update of an existing one.
* :func:`clone_design` (editor): a copy under a new name.
* :func:`delete_design` (editor).
* :func:`list_designs`, :func:`load_design` (viewer): read.

Designs may use the organisation's custom materials (:mod:`voltvault_core.materials.service`).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from voltvault_core.auth.permissions import NotFound, require_role, write_service
from voltvault_core.db.models import CellDesign as CellDesignRow
from voltvault_core.db.models import Material as MaterialRow
from voltvault_core.db.models import Project, User, utcnow
from voltvault_core.design.export import design_to_json
from voltvault_core.design.metrics import compute_metrics
from voltvault_core.design.model import CellDesign, DesignError
from voltvault_core.materials.service import materials_for_org, seed_library_materials
from voltvault_core.projects import audit


def _material_row_id(session: Session, org_id: int, key: str) -> int | None:
    rows = session.exec(select(MaterialRow).where(MaterialRow.key == key)).all()
    for row in rows:
        if row.org_id == org_id:
            return row.id
    for row in rows:
        if row.org_id is None:
            return row.id
    return None


def _fill_row(session: Session, row: CellDesignRow, design: CellDesign, org_id: int) -> None:
    custom = materials_for_org(session, org_id)
    metrics = compute_metrics(design, custom)
    export_error = None
    try:
        parameter_set = design_to_json(design, custom)
    except DesignError as exc:  # a material without an OCP: the design is still saved, not exportable
        parameter_set, export_error = None, str(exc)
    if session.exec(select(MaterialRow).where(MaterialRow.org_id.is_(None))).first() is None:
        seed_library_materials(session)
    row.name = design.name
    row.cell_format = design.geometry.format
    row.cathode_material_id = _material_row_id(session, org_id, design.positive.active_material)
    row.anode_material_id = _material_row_id(session, org_id, design.negative.active_material)
    row.electrolyte_id = _material_row_id(session, org_id, design.electrolyte)
    row.separator_id = _material_row_id(session, org_id, design.separator)
    data = design.to_dict()
    row.design = data
    row.electrode_params = {"positive": data["positive"], "negative": data["negative"]}
    row.cell_geometry = data["geometry"]
    row.calculated_metrics = metrics.to_dict() | {"export_error": export_error}
    row.parameter_set = parameter_set
    row.updated_at = utcnow()


@write_service("editor")
def save_design(
    session: Session,
    actor: User,
    project_id: int,
    design: CellDesign | dict[str, Any],
    design_id: int | None = None,
) -> CellDesignRow:
    """Store a design (new row, or update ``design_id``) with its metrics and exported parameter set.

    Raises
    ------
    DesignError
        When the design cannot be evaluated (the message names the field).
    NotFound
        When ``design_id`` is not a design of this project.
    """
    if not isinstance(design, CellDesign):
        design = CellDesign.from_dict(design)
    project = session.get(Project, project_id)
    if design_id is None:
        row = CellDesignRow(project_id=project_id, name=design.name, created_by=actor.id)
    else:
        row = session.get(CellDesignRow, design_id)
        if row is None or row.project_id != project_id:
            raise NotFound(f"design {design_id} is not in project {project_id}")
    _fill_row(session, row, design, project.org_id)
    session.add(row)
    session.flush()
    audit(session, actor, "design.save", project_id=project_id, target_type="cell_design", target_id=row.id)
    return row


@write_service("editor")
def clone_design(
    session: Session, actor: User, project_id: int, design_id: int, new_name: str
) -> CellDesignRow:
    """Copy a design of the project under a new name."""
    source = session.get(CellDesignRow, design_id)
    if source is None or source.project_id != project_id:
        raise NotFound(f"design {design_id} is not in project {project_id}")
    if not new_name.strip():
        raise DesignError("give the copy a name")
    design = CellDesign.from_dict(source.design or {})
    design.name = new_name.strip()
    row = CellDesignRow(project_id=project_id, name=design.name, created_by=actor.id)
    _fill_row(session, row, design, session.get(Project, project_id).org_id)
    session.add(row)
    session.flush()
    audit(session, actor, "design.clone", project_id=project_id, target_type="cell_design", target_id=row.id,
          source_id=design_id)  # fmt: skip
    return row


@write_service("editor")
def delete_design(session: Session, actor: User, project_id: int, design_id: int) -> None:
    """Delete a design of the project."""
    row = session.get(CellDesignRow, design_id)
    if row is None or row.project_id != project_id:
        raise NotFound(f"design {design_id} is not in project {project_id}")
    session.delete(row)
    audit(
        session, actor, "design.delete", project_id=project_id, target_type="cell_design", target_id=design_id
    )


def list_designs(session: Session, actor: User | None, project_id: int) -> list[CellDesignRow]:
    """The project's designs, newest first (viewer or better)."""
    require_role(session, actor, project_id, "viewer")
    rows = session.exec(select(CellDesignRow).where(CellDesignRow.project_id == project_id)).all()
    return sorted(rows, key=lambda r: (r.updated_at, r.id), reverse=True)


def load_design(session: Session, actor: User | None, design_id: int) -> tuple[CellDesignRow, CellDesign]:
    """A stored design row and its document (viewer of its project or better)."""
    row = session.get(CellDesignRow, design_id)
    if row is None:
        raise NotFound(f"design {design_id} does not exist")
    require_role(session, actor, row.project_id, "viewer")
    return row, CellDesign.from_dict(row.design or {})
