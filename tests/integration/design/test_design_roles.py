"""Role matrix of the design and material write services, every role, in the core (no page in between)."""

from __future__ import annotations

import pytest

from voltvault_core.auth.permissions import ROLE_RANK, WRITE_SERVICES, PermissionDenied
from voltvault_core.db.engine import session_scope
from voltvault_core.design import service as designs
from voltvault_core.design.examples import lg_m50
from voltvault_core.materials import service as materials


def _design(session, users):
    return designs.save_design(session, session.merge(users["owner"]), users["project_id"], lg_m50()).id


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
    owner = session.merge(users["owner"])
    return materials.create_custom_material(session, owner, users["project_id"], material=_material("Own1"),
                                            provenance="coin cells").id  # fmt: skip


EXAMPLES = {
    "voltvault_core.design.service.save_design":
        lambda s, a, u: designs.save_design(s, a, u["project_id"], lg_m50()),
    "voltvault_core.design.service.clone_design":
        lambda s, a, u: designs.clone_design(s, a, u["project_id"], _design(s, u), "copy"),
    "voltvault_core.design.service.delete_design":
        lambda s, a, u: designs.delete_design(s, a, u["project_id"], _design(s, u)),
    "voltvault_core.materials.service.create_custom_material":
        lambda s, a, u: materials.create_custom_material(s, a, u["project_id"], material=_material(), provenance="lab"),
    "voltvault_core.materials.service.set_material_verified":
        lambda s, a, u: materials.set_material_verified(s, a, u["project_id"], _material_row(s, u), True),
}  # fmt: skip

ACTORS = ["owner", "editor", "commenter", "viewer", "outsider", "anonymous", "admin"]


def test_every_design_and_material_write_service_is_covered():
    mine = {
        name
        for name in WRITE_SERVICES
        if name.startswith(("voltvault_core.design.", "voltvault_core.materials."))
    }
    assert mine == set(EXAMPLES)


@pytest.mark.parametrize("service_name", sorted(EXAMPLES))
def test_design_role_matrix(engine, users, service_name):
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
            session.rollback()
    effective = {"admin": "owner", "outsider": None, "anonymous": None}
    expected = {
        a: effective.get(a, a) is not None
        and ROLE_RANK[effective.get(a, a)] >= ROLE_RANK[service.minimum_role]
        for a in ACTORS
    }
    assert outcomes == expected, f"{service_name} needs {service.minimum_role}"
