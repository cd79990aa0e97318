"""High-rate discharges (3C, 5C), where the electrolyte empties, against PyBaMM 26.10.

At 3C on Chen2020 the electrolyte next to the positive current collector runs dry long before the
voltage cut-off. PyBaMM's DFN and SPMe have no zero-electrolyte event: they evaluate the electrolyte
diffusivity and conductivity at max(c_e, 10 mol/m3), the migration term at max(c_e, 0.01 mol/m3),
regularise the powers of the exchange-current density and the arcsinh of the inverse kinetics, and floor
the MacInnes logarithm. Ours follows the same equations, so the runs go on to the 2.5 V cut-off (DFN
Chen2020 3C: 2.303 Ah, where a zero-electrolyte stop at 0.71 Ah used to end it).

References: ``data/pybamm_*_{3C,5C}.csv`` by ``data/make_pybamm_references.py`` (PyBaMM's own sets,
default mesh, IDAKLU rtol = atol = 1e-8, output every 0.1-0.5 s so that the steep end is resolved).

Voltage RMSE <= 3 mV is taken over the first 99.5 % of PyBaMM's discharge time: in the last 0.5 % the
voltage falls by up to 1 V in a fraction of a second, where a 0.03 % difference in the time at cut-off
is a tens-of-mV voltage difference at a fixed time; that end is judged by the capacity at cut-off,
within 0.3 % (DFN) and 1 % (SPMe) as the issue asks. Measured: DFN Chen2020 3C 0.85 mV / +0.03 %,
5C 1.5 mV / +0.003 %, Marquis2019 3C 0.2 mV / -0.002 %; SPMe Chen2020 3C 0.63 mV / +0.02 %,
Marquis2019 3C 0.7 mV / -0.007 %.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from solvers import bdf
from voltvault_core.simulation import Simulation

DATA = Path(__file__).resolve().parent / "data"

# case -> (model, set, experiment, output period [s], capacity tolerance [-])
CASES = {
    "Chen2020_DFN_3C": ("dfn", "Chen2020", "Discharge at 3C until 2.5 V", 0.5, 3e-3),
    "Chen2020_DFN_5C": ("dfn", "Chen2020", "Discharge at 5C until 2.5 V", 0.1, 3e-3),
    "Marquis2019_DFN_3C": ("dfn", "Marquis2019", "Discharge at 3C until 3.105 V", 0.5, 3e-3),
    "Chen2020_SPMe_3C": ("spme", "Chen2020", "Discharge at 3C until 2.5 V", 0.1, 1e-2),
    "Marquis2019_SPMe_3C": ("spme", "Marquis2019", "Discharge at 3C until 3.105 V", 0.5, 1e-2),
}


def _load(case: str) -> dict[str, np.ndarray]:
    data = np.genfromtxt(DATA / f"pybamm_{case}.csv", delimiter=",", names=True)
    return {k: np.asarray(data[k]) for k in data.dtype.names}


def _rmse_before_end(ref: dict[str, np.ndarray], t: np.ndarray, v: np.ndarray) -> float:
    mask = ref["time_s"] <= min(0.995 * ref["time_s"][-1], t[-1])
    return float(np.sqrt(np.mean((np.interp(ref["time_s"][mask], t, v) - ref["voltage_V"][mask]) ** 2)))


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_high_rate_discharge_reaches_the_cut_off_as_pybamm(case):
    model, set_name, experiment, period_s, capacity_rtol = CASES[case]
    ref = _load(case)
    result = Simulation(model, set_name, experiment, output_period_s=period_s).solve()
    assert result.termination.startswith("event: until"), result.termination  # the voltage cut-off
    t, v = result[bdf.TEST_TIME], result[bdf.VOLTAGE]
    assert _rmse_before_end(ref, t, v) <= 3e-3
    q_end = result[bdf.DISCHARGING_CAPACITY][-1]
    assert q_end == pytest.approx(ref["discharge_capacity_Ah"][-1], rel=capacity_rtol)


def test_electrolyte_runs_dry_and_the_dfn_goes_on_to_the_cut_off():
    """Chen2020 5C: c_e reaches zero near the positive collector, no stop there, and PyBaMM's capacity."""
    ref = _load("Chen2020_DFN_5C")
    result = Simulation("dfn", "Chen2020", "Discharge at 5C until 2.5 V").solve()
    ce = np.asarray(result.variables["Electrolyte concentration [mol.m-3]"])
    assert ce.min() < 1.0  # depleted (PyBaMM: -0.0007 mol/m3 at the end of the 3C run)
    assert ce.min() > -1.0  # the DFN's reaction stops where there is no electrolyte: no deep negatives
    assert result.termination == "event: until 2.5 V"
    assert result[bdf.DISCHARGING_CAPACITY][-1] == pytest.approx(ref["discharge_capacity_Ah"][-1], rel=3e-3)


@pytest.mark.parametrize(
    ("model", "case", "experiment"),
    [
        ("spme", "Chen2020_SPMe_3C", "Discharge at 3C until 2.5 V"),
        ("dfn", "Chen2020_DFN_5C", "Discharge at 5C until 2.5 V"),
    ],
)
def test_numpy_reference_and_compiled_kernels_agree_through_depletion(model, case, experiment):
    """The regularised equations are the same in the numpy reference and in the numba kernels."""
    runs = {
        be: Simulation(model, "Chen2020", experiment, backend=be, output_period_s=0.5).solve()
        for be in ("numpy", "numba")
    }
    assert str(runs["numba"].info["kernel"]).startswith("numba")  # the compiled path really ran
    q = {be: r[bdf.DISCHARGING_CAPACITY][-1] for be, r in runs.items()}
    assert q["numba"] == pytest.approx(q["numpy"], rel=1e-4)
    t_np, v_np = runs["numpy"][bdf.TEST_TIME], runs["numpy"][bdf.VOLTAGE]
    t_nb, v_nb = runs["numba"][bdf.TEST_TIME], runs["numba"][bdf.VOLTAGE]
    t_cmp = np.linspace(0.0, 0.99 * min(t_np[-1], t_nb[-1]), 200)
    assert np.max(np.abs(np.interp(t_cmp, t_np, v_np) - np.interp(t_cmp, t_nb, v_nb))) < 1e-3
