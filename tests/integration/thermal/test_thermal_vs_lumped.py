"""The 3D model against lumped thermal models: ours and PyBaMM's (reference curves in data/)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voltvault_core.simulation import Simulation
from voltvault_core.thermal.model import ThermalError, run_thermal

DATA = Path(__file__).resolve().parent / "data"


def _pybamm(c_rate: int) -> np.ndarray:
    return np.loadtxt(DATA / f"pybamm_lumped_spme_Chen2020_{c_rate}C.csv", delimiter=",")


def _lumped_from_reported_heat(result, parameters) -> np.ndarray:
    """Integrate rho cp V dT/dt = Q - h A (T - T_amb) with the lumped result's own reported heat."""
    from solvers.models.cell import Cell

    c = Cell.from_parameters(parameters)
    C = c.volumetric_heat_capacity_J_m3_K * c.cell_volume_m3
    hA = c.heat_transfer_W_m2_K * c.cooling_area_m2
    t, Q = result.time_s, result["Total heating [W]"]
    T = [c.T_init_K]
    for k in range(1, t.size):
        dt = t[k] - t[k - 1]
        T.append((C * T[-1] / dt + 0.5 * (Q[k] + Q[k - 1]) + hA * c.T_ambient_K) / (C / dt + hA))
    return np.array(T)


def test_high_conductivity_limit_equals_the_lumped_energy_balance_and_pybamm():
    """Homogeneous 21700, conductivities x 1000, heat from our lumped thermal run: uniform T equal to the
    lumped balance of that heat (to 0.05 K) and to PyBaMM's lumped SPMe (to 0.2 K)."""
    experiment = "Discharge at 1C until 2.5 V"
    run = run_thermal("spme", "Chen2020", experiment, geometry="cylindrical", size="21700", cells=800,
                      homogeneous=True, conductivity_scale=1e3, collector_heating=False, coupling="one-way",
                      simulation_options={"thermal": "lumped", "output_period_s": 10.0}, thermal_step_s=5.0)  # fmt: skip
    assert run.info["heat_source"] == "result variable 'Total heating [W]'"
    sim = Simulation("spme", "Chen2020", experiment, thermal="lumped", output_period_s=10.0)
    lumped = sim.solve()
    balance = np.interp(run.time_s, lumped.time_s, _lumped_from_reported_heat(lumped, sim.parameters))
    mean = run.mean_K()
    assert np.ptp(run.temperature_K[-1]) < 0.01
    assert np.max(np.abs(mean - balance)) < 0.05
    ref = _pybamm(1)
    assert np.max(np.abs(mean - np.interp(run.time_s, ref[:, 0], ref[:, 1]))) < 0.2
    assert abs(run.energy.imbalance) < 1e-3


def test_21700_at_2C_h10_two_way_stays_within_2K_of_pybamm_lumped():
    run = run_thermal("spme", "Chen2020", "Discharge at 2C until 2.5 V", geometry="cylindrical", size="21700",
                      cells=3000, h_W_m2_K=10.0, coupling="two-way", collector_heating=False)  # fmt: skip
    ref = _pybamm(2)
    diff = run.mean_K() - np.interp(run.time_s, ref[:, 0], ref[:, 1])
    assert np.max(np.abs(diff)) < 2.0
    s = run.summary()
    assert s["T_max_end_K"] - s["T_min_end_K"] > 1.0  # a real gradient through the wound roll
    assert abs(s["energy_imbalance"]) < 1e-3
    assert len(run.info["electrochemistry_temperatures_K"]) >= 3


def test_collector_heating_adds_heat_and_tabless_is_cooler_than_single_tab():
    common = dict(geometry="cylindrical", size="21700", cells=1500, h_W_m2_K=10.0)
    plain = run_thermal("spme", "Chen2020", "Discharge at 2C until 2.5 V", collector_heating=False, **common)
    single = run_thermal("spme", "Chen2020", "Discharge at 2C until 2.5 V", tab_layout="single", **common)
    tabless = run_thermal("spme", "Chen2020", "Discharge at 2C until 2.5 V", tab_layout="tabless", **common)
    generated = [run.energy.generated_J for run in (single, tabless, plain)]
    assert generated[0] > generated[1] > generated[2]
    assert single.summary()["T_max_end_K"] > plain.summary()["T_max_end_K"]
    r_single = sum(single.info["collector_resistance_Ohm"].values())
    r_tabless = sum(tabless.info["collector_resistance_Ohm"].values())
    assert r_tabless < 0.2 * r_single


def test_bad_run_inputs_are_named():
    with pytest.raises(ThermalError, match="geometry"):
        run_thermal("spme", "Chen2020", geometry="sphere")
    with pytest.raises(ThermalError, match="size"):
        run_thermal("spme", "Chen2020", geometry="cylindrical", size="9999")
    with pytest.raises(ThermalError, match="coupling"):
        run_thermal("spme", "Chen2020", geometry="pouch", coupling="three-way")
    with pytest.raises(ThermalError, match="no face"):
        run_thermal("spme", "Chen2020", geometry="pouch", boundaries={"r_max": {"kind": "adiabatic"}})
