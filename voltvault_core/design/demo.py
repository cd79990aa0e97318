"""Demo content of the Cell Designer: the LG M50 reference design and a re-balanced variant."""

from __future__ import annotations

from sqlmodel import Session

from voltvault_core.db.models import CellDesign as CellDesignRow
from voltvault_core.db.models import Project
from voltvault_core.design.balance import balance_design
from voltvault_core.design.examples import lg_m50
from voltvault_core.design.service import _fill_row
from voltvault_core.materials.service import seed_library_materials


def seed_demo(session: Session, project_id: int) -> dict[str, int]:
    """Seed the materials library and two designs into the demo project (called by :mod:`voltvault_core.demo`)."""
    n_materials = seed_library_materials(session)
    org_id = session.get(Project, project_id).org_id
    reference = lg_m50()
    variant = balance_design(reference, np_ratio=1.1).design
    variant.name = "LG M50 re-balanced to N/P 1.10"
    for design in (reference, variant):
        row = CellDesignRow(project_id=project_id, name=design.name)
        _fill_row(session, row, design, org_id)
        session.add(row)
    session.flush()
    return {"materials": n_materials, "cell_designs": 2}
