"""Lumped thermal on the compiled stepper: temperature as a state of the numba kernels.

The numpy reference (the set's exact functions at the cell's temperature, the Python stepper) is what the
compiled kernels must reproduce: their tables are built once at the ambient temperature and the
temperature enters through Arrhenius factors and the entropic change (``solvers.models.kernels``).
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from solvers.models import compiled, get_model, kernels
from solvers.models.stepping import Control
from solvers.parameters import get_parameter_set
from solvers.steps import Step

MESH = {"x_n": 8, "x_s": 5, "x_p": 8, "r_n": 10, "r_p": 10}


def _steps(ps, c_rate=2.0):
    return [
        Step("current", c_rate * ps["Nominal cell capacity [A.h]"], 900.0, text="Discharge for 15 minutes"),
        Step("current", 0.0, 300.0, text="Rest for 5 minutes"),
    ]


@pytest.mark.parametrize("name", ["spm", "spme", "dfn"])
@pytest.mark.parametrize("set_name", ["Chen2020", "Marquis2019"])
def test_lumped_compiled_stepper_agrees_with_the_numpy_reference(name, set_name):
    """Chen2020: Arrhenius exchange currents; Marquis2019: Arrhenius diffusivities, exchange currents and
    electrolyte transport, and entropic changes of both OCPs."""
    ps = get_parameter_set(set_name)
    tight = {"rtol": 1e-6, "atol": 1e-8}
    options = dict(thermal="lumped", mesh=MESH, output_period_s=30.0, **tight)
    ref = get_model(name).solve(ps, _steps(ps), backend="numpy", **options)
    fast = get_model(name).solve(ps, _steps(ps), backend="numba", **options)
    assert ref.info["kernel"] == "numpy"
    assert fast.info["kernel"] == "numba (compiled stepper)"
    T_ref, T_fast = ref["Cell temperature [K]"], fast["Cell temperature [K]"]
    assert T_ref.max() - T_ref[0] > 0.05  # it heats
    np.testing.assert_array_equal(fast.time_s, ref.time_s)
    np.testing.assert_allclose(fast["Voltage / V"], ref["Voltage / V"], atol=1e-4)
    np.testing.assert_allclose(T_fast, T_ref, atol=2e-3 * (T_ref.max() - T_ref[0]))


@pytest.mark.parametrize("name", ["spme", "dfn"])
def test_kernel_residual_at_another_temperature_is_the_reference_residual(name):
    """The tables are at the ambient temperature; at T = ambient + 25 K the kernels apply the set's
    Arrhenius factors and dU/dT exactly: their residual (temperature row included) is the numpy one."""
    ps = get_parameter_set("Marquis2019")
    model = get_model(name)
    _cell, ref, kernel_ref = model._system(ps, None, dict(MESH), "lumped", "numpy")
    _cell, fast, kernel_fast = model._system(ps, None, dict(MESH), "lumped", "numba")
    assert (kernel_ref, kernel_fast) == ("numpy", "numba")
    assert fast.compiled[3][5, 2] > 1000.0  # an activation temperature E/R [K] was found
    y0 = ref.full_state(ref.initial_state(*ref.cell.initial_concentrations(0.6)), 3.0)
    y0 = ref.guess_start(y0, 3.0) if hasattr(ref, "guess_start") else y0
    rng = np.random.default_rng(3)
    Y = np.repeat(y0[None, :], 4, axis=0)
    core_diff = np.flatnonzero(ref.is_differential[: ref.n_core])  # concentrations; potentials as guessed
    Y[:, core_diff] *= 1.0 + 1e-3 * rng.standard_normal((4, core_diff.size))
    Y[:, ref.i_T] = ref.cell.T_ambient_K + np.array([-15.0, 0.0, 25.0, 40.0])
    control = Control(Step("current", 3.0, 60.0), 0.0, 0.0)
    f_ref, f_fast = ref.rhs(Y, control), fast.rhs(Y, control)
    # the differential rows (particles, electrolyte, temperature: the algebraic rows of the DFN are scaled
    # differently by the two, which does not change their roots) and the voltage
    diff = ref.is_differential.copy()
    diff[ref.i_T] = False  # below
    scale = np.max(np.abs(f_ref[:, diff]), axis=0) + 1e-12
    assert np.max(np.abs(f_fast[:, diff] - f_ref[:, diff]) / scale) < 5e-5  # tables vs the functions
    # dT/dt: the heating is a difference of gross terms (I U against -I V), whose tabulated parts (OCPs,
    # exchange currents) agree to about 1e-7 of themselves
    fT = f_ref[:, ref.i_T]
    np.testing.assert_allclose(f_fast[:, ref.i_T], fT, rtol=1e-4, atol=1e-4 * np.max(np.abs(fT)))
    assert np.ptp(f_ref[:, ref.i_T]) > 1e-2 * np.max(np.abs(f_ref[:, ref.i_T]))  # the four temperatures differ
    T = Y[:, ref.i_T]
    np.testing.assert_allclose(fast.core(Y, T, Y[:, -1])["V"], ref.core_numpy(Y, T, Y[:, -1])["V"], atol=1e-6)


@pytest.mark.parametrize("name", ["spm", "spme", "dfn"])
def test_temperature_row_of_the_newton_matrix_is_the_derivative_of_the_heat_balance(name):
    """The compiled Jacobian's temperature row (the sum of the heat terms' differences, coloured with the
    isothermal plan) equals dense one-column-at-a-time differences of the compiled residual."""
    ps = get_parameter_set("Chen2020")
    model = get_model(name)
    _cell, system, kernel = model._system(ps, None, dict(MESH), "lumped", "numba")
    assert kernel == "numba"
    y0 = system.full_state(system.initial_state(*system.cell.initial_concentrations(0.7)), 5.0)
    y0 = system.guess_start(y0, 5.0) if hasattr(system, "guess_start") else y0
    y0[system.i_T] = 305.0
    steps = [Step("power", 15.0, 60.0)]  # any mode: the voltage in the current row
    plan = compiled.jacobian_plan(system, y0, steps)
    _b, geo, dims, tab_n, tab_p, tab_e, T = system.compiled
    dims = compiled._kernel_dims(system, dims)
    therm = compiled._thermal_inputs(system, T)
    n = system.n
    jac = np.zeros(plan.rows.size)
    jT = np.zeros(n)
    hbuf = np.zeros((2, system.n_heat_terms()))
    compiled._jacobian(
        y0, 2, 15.0, geo, dims, tab_n, tab_p, tab_e, therm, plan.colours, plan.n_colours, plan.rows, plan.cols,
        np.zeros(n), jac, np.zeros(n), np.zeros(n), hbuf, plan.heat_rows, plan.heat_cols, jT,
    )  # fmt: skip
    f0, f1 = np.zeros(n), np.zeros(n)
    compiled._rhs(y0, 2, 15.0, geo, dims, tab_n, tab_p, tab_e, therm, f0, hbuf[0])
    dense = np.zeros(n)
    for j in range(n):
        y = y0.copy()
        d = 1e-7 * max(abs(y0[j]), 1e-3)
        y[j] += d
        compiled._rhs(y, 2, 15.0, geo, dims, tab_n, tab_p, tab_e, therm, f1, hbuf[1])
        dense[j] = (f1[system.i_T] - f0[system.i_T]) / d
    assert np.count_nonzero(dense) > 5
    # both are differences at steps of 1e-7 |y| (1e-10 for potentials near 0 V): equal to their rounding
    np.testing.assert_allclose(jT, dense, rtol=1e-4, atol=1e-7 * np.max(np.abs(dense)))
    # and the DFN's colouring is the isothermal one plus T's own colour (a dense temperature row would
    # give each of its 1000 columns a colour); the SPMe's heat terms are dense in c_e, as its voltage is
    _cell, iso, _k = model._system(ps, None, dict(MESH), "isothermal", "numba")
    n_iso = compiled.jacobian_plan(iso, np.delete(y0, system.i_T), steps).n_colours
    assert plan.n_colours <= (n_iso + 1 if name == "dfn" else n // 2 + 6)


def test_activation_temperature_is_read_off_the_functions():
    T_tab = 298.15

    def arrhenius_d(sto, T):
        return 3.9e-14 * (1.0 + sto) * np.exp(5000.0 * (1.0 / 298.15 - 1.0 / T))

    sto = np.linspace(0.1, 0.9, 9)
    E = kernels.activation_temperature(lambda T: arrhenius_d(sto, T), T_tab, "D")
    assert E == pytest.approx(5000.0, rel=1e-9)
    assert kernels.activation_temperature(lambda T: 2.0 + 0 * sto, T_tab, "constant") == 0.0
    with pytest.raises(kernels.NotTabulable, match="not an Arrhenius factor"):
        kernels.activation_temperature(lambda T: (1.0 + sto) * (T / 300.0) ** 2, T_tab, "power law")
    with pytest.raises(kernels.NotTabulable, match="kappa is not a function of the rest times"):
        kernels.activation_temperature(lambda T: sto + 1e-3 * T, T_tab, "kappa")


def test_lumped_run_with_a_non_separable_function_of_temperature_says_why_it_runs_numpy():
    ps = get_parameter_set("Chen2020")

    def kappa(c_e, T):  # a polynomial in c_e and T, not c_e-part x Arrhenius
        return 0.1 + 1e-3 * c_e * (1.0 + 0.01 * (T - 298.15)) + 0.0 * c_e

    odd = ps.updated({"Electrolyte conductivity [S.m-1]": kappa})
    result = get_model("spme").solve(odd, [Step("current", 5.0, 60.0)], thermal="lumped", mesh=MESH)
    assert result.info["kernel"].startswith("numpy")
    assert "electrolyte conductivity" in result.info["kernel"]
    assert result.termination == "final time"
    # isothermal runs tabulate at the one temperature and still compile
    iso = get_model("spme").solve(odd, [Step("current", 5.0, 60.0)], mesh=MESH)
    assert iso.info["kernel"].startswith("numba")


def test_table_cache_survives_threads_evicting_at_once(monkeypatch):
    """solve_batch's threads share the table cache; two evicting its oldest entry at once raised a KeyError."""
    monkeypatch.setattr(kernels, "_TABLE_CACHE", {})
    errors: list[str] = []

    def work(t):
        try:
            for i in range(4000):
                assert kernels._cached(("race", t, i), lambda i=i: i) == i
        except Exception as exc:  # any failure in a thread is the test's failure
            errors.append(repr(exc))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race shows within a few runs
    try:
        for _round in range(3):
            threads = [threading.Thread(target=work, args=(t,)) for t in range(12)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(kernels._TABLE_CACHE) <= kernels._TABLE_CACHE_SIZE


@pytest.mark.parametrize("name", ["spm", "spme", "dfn"])
def test_heat_sources_have_pybamm_names_and_add_up_to_the_total_heating(name):
    ps = get_parameter_set("Marquis2019")  # entropic changes: reversible heating is not zero
    result = get_model(name).solve(ps, _steps(ps, 1.0), thermal="lumped", mesh=MESH, output_period_s=60.0)
    Q = result["Total heating [W]"]
    parts = (
        result["Reversible heating [W]"]
        + result["Irreversible electrochemical heating [W]"]
        + result["Ohmic heating [W]"]
    )
    during = result.time_s < 900.0
    assert np.all(result["Irreversible electrochemical heating [W]"][during] > 0)
    assert np.max(np.abs(result["Reversible heating [W]"][during])) > 0.01 * np.max(Q[during])
    if name == "dfn":
        assert np.all(result["Ohmic heating [W]"][during] > 0)
    # the local sources add up to the heating that drives the temperature
    np.testing.assert_allclose(parts, Q, rtol=1e-10, atol=1e-12)
    V_cell = ps["Cell volume [m3]"]
    np.testing.assert_allclose(result["Volume-averaged total heating [W.m-3]"] * V_cell, Q, rtol=1e-12)
    x_av = result["X-averaged total heating [W.m-3]"]
    total_x = result["Total heating [W.m-3]"]
    assert total_x.shape == (result.time_s.size, sum(MESH[k] for k in ("x_n", "x_s", "x_p")))
    assert np.all(total_x[during][:, MESH["x_n"] + 1] >= 0)  # the separator: only Ohmic heating
    assert np.all(np.isfinite(x_av))
    np.testing.assert_array_equal(result["Volume-averaged cell temperature [K]"], result["Cell temperature [K]"])
