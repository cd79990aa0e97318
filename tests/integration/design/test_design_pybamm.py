"""PyBaMM accepts an exported design and gives the capacity the metrics promise (skipped without PyBaMM)."""

from __future__ import annotations

import json

import pytest

from voltvault_core.design.examples import lg_m50
from voltvault_core.design.export import design_to_json
from voltvault_core.design.metrics import compute_metrics


@pytest.mark.slow
def test_pybamm_runs_the_exported_lg_m50():
    pybamm = pytest.importorskip("pybamm")
    from voltvault_core.design.pybamm_export import to_pybamm_parameter_values

    design = lg_m50()
    values = to_pybamm_parameter_values(json.loads(json.dumps(design_to_json(design))))
    sim = pybamm.Simulation(
        pybamm.lithium_ion.SPMe(),
        parameter_values=values,
        experiment=pybamm.Experiment(["Discharge at C/20 until 2.5 V"]),
    )
    capacity = sim.solve()["Discharge capacity [A.h]"].entries[-1]
    assert capacity == pytest.approx(compute_metrics(design).capacity_Ah, rel=0.01)
