"""Thermal inputs from stored designs, with the project roles checked (SQLite, and PostgreSQL when set)."""

from __future__ import annotations

import pytest

from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.db.engine import session_scope
from voltvault_core.design.examples import lg_m50
from voltvault_core.design.service import save_design
from voltvault_core.thermal.model import run_thermal
from voltvault_core.thermal.service import design_inputs, load_design_for


def test_viewer_meshes_a_stored_design_and_an_outsider_is_refused(engine, users, monkeypatch):
    with session_scope(engine) as session:
        row = save_design(session, users["editor"], users["project_id"], lg_m50())
        design_id = row.id
    with session_scope(engine) as session:
        params, geometry, size, dims = load_design_for(session, users["viewer"], design_id)
    assert (geometry, size) == ("cylindrical", "21700")
    run = run_thermal("spm", params, "Discharge at 1C for 5 minutes", geometry=geometry, size=size,
                      dimensions_m=dims, cells=300)  # fmt: skip
    assert run.summary()["T_mean_end_K"] > 298.15
    with session_scope(engine) as session, pytest.raises(PermissionDenied, match="no access"):
        load_design_for(session, users["outsider"], design_id)
    # the CLI reads the row by id from the configured database (an operator's command)
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    params2, geometry2, size2, _ = design_inputs(str(design_id), None, "pouch", None)
    assert (geometry2, size2) == ("cylindrical", "21700")
    assert float(params2["Electrode height [m]"]) == pytest.approx(float(params["Electrode height [m]"]))
    with pytest.raises(LookupError, match="does not exist"):
        design_inputs("987654", None, "pouch", None)
