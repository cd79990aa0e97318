"""Designs and custom materials in the database: role checks in the core, transactions, seeding."""

from __future__ import annotations

import pytest
from sqlmodel import select

from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import CellDesign as CellDesignRow
from voltvault_core.db.models import Material as MaterialRow
from voltvault_core.design import service
from voltvault_core.design.examples import lg_m50
from voltvault_core.design.model import DesignError
from voltvault_core.materials import load_library
from voltvault_core.materials import service as materials


def _custom_nmc() -> dict:
    return {
        "id": "OurNMC",
        "name": "Supplier X NMC811 lot 42",
        "type": "cathode",
        "properties": {
            "density_kg_m3": {"value": 4700, "source": "LabReport7"},
            "practical_specific_capacity_mAh_g": {"value": 200, "source": "LabReport7"},
            "average_potential_V": {"value": 3.75, "source": "LabReport7"},
            "price_USD_kg": {"value": 21.0, "source": "LabReport7"},
        },
        "references": {
            "LabReport7": {"citation": "Coin-cell test report 7, our lab", "url": "https://lab.example/r7"}
        },
    }


def test_seeding_is_idempotent_and_complete(engine):
    with session_scope(engine) as session:
        assert materials.seed_library_materials(session) == len(load_library())
    with session_scope(engine) as session:
        assert materials.seed_library_materials(session) == 0
        rows = session.exec(select(MaterialRow)).all()
        assert len(rows) == len(load_library())
        assert all(r.verified and r.sources for r in rows)


@pytest.mark.parametrize(("role", "allowed"), [("owner", True), ("editor", True), ("commenter", False),
                                               ("viewer", False), ("outsider", False)])  # fmt: skip
def test_save_design_checks_the_role_in_the_core(engine, users, role, allowed):
    with session_scope(engine) as session:
        actor = session.merge(users[role])
        if allowed:
            row = service.save_design(session, actor, users["project_id"], lg_m50())
            assert row.calculated_metrics["capacity_Ah"] == pytest.approx(5.09, rel=0.01)
            assert row.parameter_set["parameters"]["Electrode width [m]"] == pytest.approx(1.58)
            assert row.cathode_material_id is not None
        else:
            with pytest.raises(PermissionDenied):
                service.save_design(session, actor, users["project_id"], lg_m50())


def test_clone_list_load_and_delete(engine, users):
    pid = users["project_id"]
    with session_scope(engine) as session:
        editor = session.merge(users["editor"])
        first = service.save_design(session, editor, pid, lg_m50())
        copy = service.clone_design(session, editor, pid, first.id, "M50 thicker")
        assert copy.id != first.id
    with session_scope(engine) as session:
        viewer = session.merge(users["viewer"])
        names = [r.name for r in service.list_designs(session, viewer, pid)]
        assert sorted(names) == ["LG M50 (Chen 2020)", "M50 thicker"]
        _, design = service.load_design(session, viewer, copy.id)
        assert design.positive.thickness_m == pytest.approx(75.6e-6)
        with pytest.raises(PermissionDenied):
            service.delete_design(session, viewer, pid, copy.id)
    with session_scope(engine) as session:
        service.delete_design(session, session.merge(users["editor"]), pid, copy.id)
    with session_scope(engine) as session:
        with pytest.raises(PermissionDenied):
            service.list_designs(session, session.merge(users["outsider"]), pid)


def test_a_failed_save_leaves_nothing_behind(engine, users):
    bad = lg_m50()
    bad.positive.thickness_m = -1.0
    with pytest.raises(DesignError), session_scope(engine) as session:
        service.save_design(session, session.merge(users["editor"]), users["project_id"], bad)
    with session_scope(engine) as session:
        assert session.exec(select(CellDesignRow)).all() == []


def test_custom_materials_are_org_scoped_unverified_and_usable_in_designs(engine, users):
    pid = users["project_id"]
    with session_scope(engine) as session:
        editor = session.merge(users["editor"])
        row = materials.create_custom_material(
            session, editor, pid, material=_custom_nmc(), provenance="coin cells"
        )
        assert (row.verified, row.org_id) == (False, editor.org_id)
        with pytest.raises(PermissionDenied):
            materials.create_custom_material(session, session.merge(users["viewer"]), pid,
                                             material=_custom_nmc(), provenance="x")  # fmt: skip
        uncited = _custom_nmc() | {"id": "Uncited"}
        uncited["properties"] = {k: {"value": v["value"]} for k, v in uncited["properties"].items()}
        with pytest.raises(ValueError, match="no source"):
            materials.create_custom_material(session, editor, pid, material=uncited, provenance="x")
        with pytest.raises(PermissionDenied):
            materials.set_material_verified(session, editor, pid, row.id, True)
        materials.set_material_verified(session, session.merge(users["owner"]), pid, row.id, True)
        found = materials.search_materials(session, editor, "supplier", "cathode")
        assert [m["id"] for m in found] == ["OurNMC"]
        assert found[0]["verified"] is True
        assert materials.search_materials(session, None, "supplier") == []  # not visible outside the org
        design = lg_m50()
        design.positive.active_material = "OurNMC"
        saved = service.save_design(session, editor, pid, design)
        assert saved.calculated_metrics["positive"]["areal_capacity_Ah_m2"] > 0
        assert saved.parameter_set is None  # no OCP function: saved, but not exportable, and says why
        assert "open-circuit" in saved.calculated_metrics["export_error"]
