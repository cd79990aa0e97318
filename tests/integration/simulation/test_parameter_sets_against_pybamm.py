"""The added parameter sets and a full CC-CV cycle, through ``Simulation``, against PyBaMM 26.10.

The curves in ``data/`` were made by ``data/make_pybamm_references.py`` with PyBaMM's own published sets
(so they also check our transcription of every value and function), default mesh, tight tolerances:
other sets, C-rates (C/2 to 2C), temperatures (273-318 K), a lumped thermal run, charge and multi-step
protocols than those of the shared reference folder.
The issue's bar: within 3 mV RMSE and 0.3 % in time/capacity at cut-off, for sets and protocols that are
not in the shared reference folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from solvers import bdf
from solvers.parameters import get_parameter_set
from voltvault_core.simulation import Simulation

DATA = Path(__file__).resolve().parent / "data"

# case -> (model, set, experiment, ambient temperature [K] or None)
CASES = {
    "Ecker2015_DFN_1C": ("dfn", "Ecker2015", ["Discharge at 1C until 2.5 V"], None),
    "Ecker2015_SPMe_1C": ("spme", "Ecker2015", ["Discharge at 1C until 2.5 V"], None),
    "Prada2013_DFN_1C": ("dfn", "Prada2013", ["Discharge at 1C until 2 V"], None),
    "Prada2013_SPM_1C": ("spm", "Prada2013", ["Discharge at 1C until 2 V"], None),
    "Mohtat2020_DFN_charge_1C": ("dfn", "Mohtat2020", ["Charge at 1C until 4.2 V"], None),
    "Mohtat2020_SPMe_charge_1C": ("spme", "Mohtat2020", ["Charge at 1C until 4.2 V"], None),
    "OKane2022_DFN_1C_283K": ("dfn", "OKane2022", ["Discharge at 1C until 2.5 V"], 283.15),
    "NCA_Kim2011_DFN_1C": ("dfn", "NCA_Kim2011", ["Discharge at 1C until 2.7 V"], None),
    "NCA_Kim2011_SPMe_2C_308K": ("spme", "NCA_Kim2011", ["Discharge at 2C until 2.7 V"], 308.15),
    "Chen2020_DFN_2C_318K": ("dfn", "Chen2020", ["Discharge at 2C until 2.5 V"], 318.15),
    "Marquis2019_SPMe_0.5C_273K": ("spme", "Marquis2019", ["Discharge at C/2 until 3.105 V"], 273.15),
    # t+(c_e, T) and TDF(c_e, T) of Landesfeind & Gasteiger (2019)
    "ORegan2022_DFN_1C": ("dfn", "ORegan2022", ["Discharge at 1C until 2.5 V"], None),
    "ORegan2022_SPMe_1C": ("spme", "ORegan2022", ["Discharge at 1C until 2.5 V"], None),
    "ORegan2022_DFN_2C": ("dfn", "ORegan2022", ["Discharge at 2C until 2.5 V"], None),
    # Chen2020 with the made-up t+(c_e) and TDF(c_e) of make_pybamm_references.py (below)
    "Chen2020_DFN_2C_tplus_tdf": ("dfn", "Chen2020", ["Discharge at 2C until 2.5 V"], None),
    "Chen2020_SPMe_2C_tplus": ("spme", "Chen2020", ["Discharge at 2C until 2.5 V"], None),
}

def made_up_transference_number(c_e, T):
    """As in make_pybamm_references.py: 0.40 at 0, 0.25 at 1 mol/L, 0.10 at 2 mol/L."""
    return 0.4 - 0.15 * c_e / 1000.0 + 0.0 * T


def made_up_thermodynamic_factor(c_e, T):
    """As in make_pybamm_references.py: 1 at 0, 1.6 at 1 mol/L, 2.2 at 2 mol/L."""
    return 1.0 + 0.6 * c_e / 1000.0 + 0.0 * T


def _parameter_set(case: str, name: str):
    """The named set, with the made-up electrolyte functions for the ``*_tplus*`` cases."""
    if "_tplus" not in case:
        return name
    changes = {"Cation transference number": made_up_transference_number}
    if case.endswith("_tdf"):
        changes["Thermodynamic factor"] = made_up_thermodynamic_factor
    return get_parameter_set(name).updated(changes)


@pytest.mark.slow
def test_lumped_thermal_discharge_agrees_with_pybamm():
    """Lumped thermal DFN (Chen2020, 1C): voltage and the cell's temperature rise as PyBaMM's."""
    ref = _load("Chen2020_DFN_1C_lumped")
    result = Simulation("dfn", "Chen2020", "Discharge at 1C until 2.5 V", thermal="lumped").solve()
    assert not result.failed, result.termination
    t = result[bdf.TEST_TIME]
    assert _rmse(ref["time_s"], ref["voltage_V"], t, result[bdf.VOLTAGE]) < 3e-3
    assert t[-1] == pytest.approx(ref["step_ends"][-1], rel=3e-3)
    temperature_K = np.interp(ref["time_s"], t, result["Cell temperature [K]"])
    rise_K = ref["temperature_K"][-1] - ref["temperature_K"][0]
    assert rise_K > 10.0  # a real heating case, not a flat line
    np.testing.assert_allclose(temperature_K, ref["temperature_K"], atol=0.02 * rise_K)
    np.testing.assert_allclose(result[bdf.SURFACE_TEMPERATURE], result["Cell temperature [K]"] - 273.15)


@pytest.mark.slow
def test_initial_soc_means_what_it_means_in_pybamm():
    """initial_soc = 0.5 starts from the same stoichiometries as PyBaMM's (set from the cut-off voltages)."""
    ref = _load("Chen2020_SPMe_1C_soc50")
    result = Simulation("spme", "Chen2020", "Discharge at 1C until 2.5 V", initial_soc=0.5).solve()
    t, v = result[bdf.TEST_TIME], result[bdf.VOLTAGE]
    assert v[0] == pytest.approx(ref["voltage_V"][0], abs=1e-3)
    assert _rmse(ref["time_s"], ref["voltage_V"], t, v) < 3e-3
    assert result[bdf.DISCHARGING_CAPACITY][-1] == pytest.approx(ref["discharge_capacity_Ah"][-1], rel=3e-3)


def _load(case: str) -> dict[str, np.ndarray]:
    data = np.genfromtxt(DATA / f"pybamm_{case}.csv", delimiter=",", names=True)
    ends = np.atleast_1d(np.genfromtxt(DATA / f"pybamm_{case}_step_ends.csv", skip_header=1))
    return {**{k: np.asarray(data[k]) for k in data.dtype.names}, "step_ends": ends}


def _rmse(ref_t, ref_v, t, v, exclude_near_s=()):
    mask = ref_t <= min(t[-1], ref_t[-1])
    for te in exclude_near_s:  # step changes: a second's shift there is not a voltage error
        mask &= np.abs(ref_t - te) > 10.0
    return float(np.sqrt(np.mean((np.interp(ref_t[mask], t, v) - ref_v[mask]) ** 2)))


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_single_step_cases_agree_with_pybamm(case):
    model, parameter_set, experiment, ambient_K = CASES[case]
    ref = _load(case)
    ps = _parameter_set(case, parameter_set)
    # every case at the default tolerances, ORegan2022's 2C included: its graphite diffusivity has narrow
    # dips (Gaussians of width 0.025 in stoichiometry) that put sharp steps in the voltage (2.3 mV RMSE)
    result = Simulation(model, ps, experiment, ambient_temperature_K=ambient_K).solve()
    assert not result.failed, result.termination
    t, v = result[bdf.TEST_TIME], result[bdf.VOLTAGE]
    assert _rmse(ref["time_s"], ref["voltage_V"], t, v) < 3e-3
    assert t[-1] == pytest.approx(ref["step_ends"][-1], rel=3e-3)
    # the same current, with PyBaMM's sign (+ = discharge) = minus the BDF current
    assert -result[bdf.CURRENT][-1] == pytest.approx(ref["current_A"][-1], rel=1e-9)
    moved_Ah = result[bdf.DISCHARGING_CAPACITY][-1] - result[bdf.CHARGING_CAPACITY][-1]
    assert moved_Ah == pytest.approx(ref["discharge_capacity_Ah"][-1], rel=3e-3)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="PyBaMM 26.10's SPMe takes the x-average of c_e as avg(eps c_e) * avg(1/eps) (1036 mol/m3 for "
    "Chen2020 at rest, constant in time; the true average is 1000 and drifts to 1143 at 2C), so its "
    "TDF(c_e_av) differs from ours; the DFN has no x-average and agrees (Chen2020_DFN_2C_tplus_tdf)",
)
def test_spme_with_a_concentration_dependent_thermodynamic_factor_as_pybamm():
    ref = _load("Chen2020_SPMe_2C_tplus_tdf")
    ps = _parameter_set("Chen2020_SPMe_2C_tplus_tdf", "Chen2020")
    result = Simulation("spme", ps, "Discharge at 2C until 2.5 V").solve()
    assert _rmse(ref["time_s"], ref["voltage_V"], result[bdf.TEST_TIME], result[bdf.VOLTAGE]) < 3e-3


# case -> (model, our experiment text, the number of steps PyBaMM ran)
MULTI_STEP = {
    "Chen2020_SPMe_cycle": (
        "spme",
        "Discharge at 1C until 3.3 V\nRest for 10 minutes\nCharge at 1C until 4.1 V\nHold at 4.1 V until C/20",
        4,
    ),
    "Chen2020_DFN_power_resistance": (
        "dfn",
        "Discharge at 10 W for 10 minutes; Rest for 5 minutes; Discharge at 1 Ohm for 10 minutes; "
        "Charge at 5 W until 4.1 V; Hold at 4.1 V until 500 mA",
        5,
    ),
    "Chen2020_SPM_gitt": ("spm", "(Discharge at C/2 for 5 minutes, Rest for 10 minutes) x 3", 6),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(MULTI_STEP))
def test_multi_step_protocols_agree_with_pybamm(case):
    """Rest, CC, CV hold to a C-rate or current, power, resistance and (...) x N: PyBaMM's semantics."""
    model, experiment, n_steps = MULTI_STEP[case]
    ref = _load(case)
    # 2 s output as in the reference: fast relaxations after a step change are then compared, not
    # interpolated over the solver's long steps
    result = Simulation(model, "Chen2020", experiment, output_period_s=2.0).solve()
    assert not result.failed, result.termination
    t, v, steps = result[bdf.TEST_TIME], result[bdf.VOLTAGE], result[bdf.STEP]
    assert int(steps.max()) == n_steps
    ends = np.array([t[steps == k][-1] for k in range(1, n_steps + 1)])
    np.testing.assert_allclose(ends, ref["step_ends"], rtol=3e-3)
    assert _rmse(ref["time_s"], ref["voltage_V"], t, v, exclude_near_s=ref["step_ends"]) < 3e-3
    i_discharge = -result[bdf.CURRENT]
    mask = np.ones(ref["time_s"].size, dtype=bool)
    for te in ref["step_ends"]:
        mask &= np.abs(ref["time_s"] - te) > 10.0
    np.testing.assert_allclose(
        np.interp(ref["time_s"][mask], t, i_discharge),
        ref["current_A"][mask],
        atol=0.02 * np.abs(ref["current_A"]).max(),
    )
