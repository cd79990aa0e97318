"""A cell study through the solvers: each run's outputs equal a direct Simulation of that design."""

from __future__ import annotations

import numpy as np
import pytest

from voltvault_core.doe.execute import run_study
from voltvault_core.simulation import Simulation, resolve_parameter_set


def test_cell_study_outputs_match_direct_simulations():
    spec = {"model": "spm", "parameter_set": "Chen2020", "experiment": "Discharge at {C-rate}C until 2.5 V",
            "inputs": {"Positive electrode thickness [m]": [60e-6, 85e-6], "C-rate": [0.5, 2.0]},
            "method": "full_factorial", "levels": 2, "seed": 0,
            "outputs": ["discharge_capacity_Ah", "energy_Wh", "specific_energy_Wh_kg", "voltage_at_s:600"],
            "constraints": ["np_ratio >= 1.0"]}
    result = run_study(spec)
    frame = result.to_frame()
    assert result.design.n_runs + len(result.design.rejections) == 4
    base = resolve_parameter_set("Chen2020")
    for _, row in frame.iterrows():
        params = base.updated({"Positive electrode thickness [m]": row["Positive electrode thickness [m]"]})
        direct = Simulation("spm", params, f"Discharge at {row['C-rate']:.6g}C until 2.5 V").solve()
        assert row["discharge_capacity_Ah"] == pytest.approx(float(np.max(direct["Discharging Capacity / Ah"])),
                                                             rel=1e-9)
        assert row["voltage_at_s:600"] == pytest.approx(
            float(np.interp(600.0, direct["Test Time / s"], direct["Voltage / V"])), rel=1e-9)
        assert 100 < row["specific_energy_Wh_kg"] < 400
    for rejection in result.design.rejections:
        assert "np_ratio" in rejection.reason
