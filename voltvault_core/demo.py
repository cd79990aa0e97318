"""The public demo project: a read-only sample anyone can open (``VOLTVAULT_DEMO=1``), and the first
thing a new installation shows.

Feature modules add their own samples through :data:`DEMO_SEEDERS` ("module:function", each called as
``fn(session, project_id) -> dict[str, int]`` inside the same transaction); a feature that is not
installed is skipped.
"""

from __future__ import annotations

import importlib

from sqlalchemy.engine import Engine
from sqlmodel import select

from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import Experiment, Organization, Project

DEMO_ORG_SLUG = "demo"
DEMO_PROJECT_NAME = "Demo: LG M50 21700 (NMC811 / graphite-SiOx)"

DEMO_SEEDERS = (
    "voltvault_core.design.demo:seed_demo",
    "voltvault_core.simulation.demo:seed_demo",
    "voltvault_core.cycling.demo:seed_demo",
    "voltvault_core.eis.demo:seed_demo",
    "voltvault_core.doe.demo:seed_demo",
)


def _load(path: str):
    module_name, _, function = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, function)


def seed_demo(engine: Engine) -> dict:
    """Create the demo project once (idempotent: an existing demo project is left as it is)."""
    with session_scope(engine) as session:
        project = session.exec(select(Project).where(Project.is_demo == True)).first()  # noqa: E712
        if project is not None:
            return {"project": project.name, "project_id": project.id, "created": False, "contents": {}}
        org = session.exec(select(Organization).where(Organization.slug == DEMO_ORG_SLUG)).first()
        if org is None:
            org = Organization(name="VoltVault demo", slug=DEMO_ORG_SLUG, plan="demo")
            session.add(org)
            session.flush()
        project = Project(org_id=org.id, name=DEMO_PROJECT_NAME, chemistry_tag="NMC811", is_demo=True,
                          description="A read-only sample: the LG M50 cell of Chen et al. (2020), "
                                      "doi:10.1149/1945-7111/ab9050, with simulations, cycling data and "
                                      "an impedance spectrum.")
        session.add(project)
        session.flush()
        contents: dict[str, int] = {}
        for path in DEMO_SEEDERS:
            seeder = _load(path)
            if seeder is not None:
                contents.update(seeder(session, project.id) or {})
        session.add(Experiment(project_id=project.id, name="Rate capability of the M50", status="completed",
                               hypothesis="Above 1C the DFN and SPMe part ways as electrolyte transport limits.",
                               tags=["rate", "model comparison"],
                               notes="Compare SPM, SPMe and DFN discharges at C/2, 1C and 2C on the Simulation page."))
        contents["experiments"] = 1
        return {"project": project.name, "project_id": project.id, "created": True, "contents": contents}
