"""Fitted EIS elements handed to a simulation: the converted values reach the solver and change the result."""

from __future__ import annotations

import numpy as np
import pytest

from voltvault_core.db.engine import session_scope
from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.fitting import fit_circuit
from voltvault_core.eis.link import design_parameters_from_fit
from voltvault_core.eis.spectrum import Spectrum


@pytest.mark.slow
def test_fit_to_simulation(engine, users) -> None:
    simulation_service = pytest.importorskip("voltvault_core.simulation.service")
    f = np.geomspace(1e4, 1e-3, 50)
    z = Circuit("R0-p(R1-Wo1,CPE1)").impedance(
        {"R0": 0.02, "R1": 0.004, "Wo1_0": 0.01, "Wo1_1": 300.0, "CPE1_0": 5.0, "CPE1_1": 0.9}, f
    )
    fit = fit_circuit(Spectrum(f, z), "R0-p(R1-Wo1,CPE1)")
    link = design_parameters_from_fit(fit.parameters, "Chen2020", r_ct="R1", diffusion_time="Wo1_1")
    radius = 5.86e-6  # Chen2020 negative particle radius [m]
    assert link.changes["Negative particle diffusivity [m2.s-1]"] == pytest.approx(
        radius**2 / 300.0, rel=1e-3
    )
    summaries = {}
    for label, updates in (("baseline", {}), ("eis", link.changes)):
        inputs = simulation_service.make_inputs(
            "spm", "Chen2020", "Discharge at 1C until 3.0 V", parameter_updates=updates
        )
        with session_scope(engine) as session:
            row = simulation_service.run_simulation(
                session, session.merge(users["editor"]), users["project_id"], inputs=inputs, name=label
            )
            assert row.status == "completed", row.error
            assert row.inputs["parameter_updates"] == {k: float(v) for k, v in updates.items()}
            summaries[label] = dict(row.summary)
    assert summaries["eis"]["discharge_capacity_Ah"] != pytest.approx(
        summaries["baseline"]["discharge_capacity_Ah"], rel=1e-3
    )
