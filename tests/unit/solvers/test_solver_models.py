"""Behaviour of the SPM, SPMe and DFN solvers: modes, limits, events, temperature, results, failures."""

import pickle

import numpy as np
import pytest

from solvers import bdf
from solvers.models import MODELS, get_model
from solvers.parameters import get_parameter_set
from solvers.steps import Limit, Step


@pytest.fixture(scope="module")
def chen():
    return get_parameter_set("Chen2020")


def discharge(c_rate=1.0, cut=2.5, capacity=5.0):
    return Step(
        "current", c_rate * capacity, None, (Limit("voltage", "<", cut, f"{cut} V"),), text="Discharge"
    )


def test_registry_and_alias():
    assert set(MODELS) == {"spm", "spme", "dfn"}
    assert type(get_model("P2D")) is type(get_model("dfn"))
    with pytest.raises(ValueError, match="choose one of"):
        get_model("spmx")


def test_unknown_backend_and_mesh_are_refused(chen):
    model = get_model("spm")
    with pytest.raises(ValueError, match="Unknown backend"):
        model.solve(chen, [discharge()], backend="fortran")
    with pytest.raises(ValueError, match="Unknown mesh keys"):
        model.solve(chen, [discharge()], mesh={"x_q": 3})


@pytest.mark.parametrize("name", ["spm", "spme", "dfn"])
def test_result_contract(chen, name):
    steps = [
        Step("current", 5.0, 300.0, text="Discharge at 1C for 5 minutes"),
        Step("current", 0.0, 60.0, text="Rest"),
    ]
    result = get_model(name).solve(chen, steps, mesh={"x_n": 6, "x_s": 4, "x_p": 6, "r_n": 8, "r_p": 8})
    n_t = result.time_s.size
    assert result.termination == "final time"
    assert result.time_s[-1] == pytest.approx(360.0)
    for column in (
        *bdf.REQUIRED_COLUMNS,
        bdf.STEP,
        bdf.CYCLE,
        bdf.CHARGING_CAPACITY,
        bdf.DISCHARGING_CAPACITY,
    ):
        assert result[column].shape == (n_t,)
    # BDF sign: a discharge is a NEGATIVE current; capacities are cumulative and >= 0
    assert result["Current / A"][result["Step Count / 1"] == 0].max() == pytest.approx(-5.0)
    assert result["Discharging Capacity / Ah"][-1] == pytest.approx(5.0 * 300 / 3600, rel=1e-9)
    assert result["Charging Capacity / Ah"][-1] == pytest.approx(0.0, abs=1e-12)
    assert result["Electrolyte concentration [mol.m-3]"].shape == (n_t, 16)
    assert result["Negative particle concentration [mol.m-3]"].shape == (n_t, 6, 8)
    assert result["Positive electrode interfacial current density [A.m-2]"].shape == (n_t, 6)
    for key in ("x [m]", "x_n [m]", "x_s [m]", "x_p [m]", "r_n [m]", "r_p [m]"):
        assert key in result.mesh
    assert {"backend", "model", "wall_time_s", "n_steps", "n_states", "rtol", "atol", "mesh"} <= set(
        result.info
    )
    back = pickle.loads(pickle.dumps(result))
    np.testing.assert_array_equal(back["Voltage / V"], result["Voltage / V"])
    with pytest.raises(KeyError, match="Did you mean"):
        result["Electrolyte concentraton [mol.m-3]"]


@pytest.mark.parametrize("name", ["spm", "spme", "dfn"])
def test_charge_conservation_in_the_particles(chen, name):
    """Lithium leaving the negative particles equals the charge passed."""
    result = get_model(name).solve(chen, [Step("current", 5.0, 600.0)], mesh={"x_n": 8, "x_s": 4, "x_p": 8})
    c_n = result["Negative particle concentration [mol.m-3]"]
    r = result.mesh["r_n [m]"]
    R = chen["Negative particle radius [m]"]
    edges = np.linspace(0, R, r.size + 1)
    shell = 4 / 3 * np.pi * np.diff(edges**3)
    per_particle = c_n @ shell  # (n_t, n_x) [mol]
    eps_s = chen["Negative electrode active material volume fraction"]
    volume = chen["Negative electrode thickness [m]"] * 0.065 * 1.58 * eps_s
    moles = per_particle.mean(axis=1) / (4 / 3 * np.pi * R**3) * volume
    charge_Ah = (moles[0] - moles[-1]) * 96485.33212 / 3600
    assert charge_Ah == pytest.approx(result["Discharging Capacity / Ah"][-1], rel=1e-6)


def test_cccv_power_resistance_and_limits(chen):
    steps = [
        Step("current", 5.0, 1800.0, text="Discharge at 1C for 30 minutes"),
        Step("current", -2.5, None, (Limit("voltage", ">", 4.1, "4.1 V"),), text="Charge at C/2 until 4.1 V"),
        Step("voltage", 4.1, 7200.0, (Limit("current", "<", 0.25, "C/20"),), text="Hold at 4.1 V until C/20"),
        Step("power", 10.0, 300.0, text="Discharge at 10 W for 5 minutes"),
        Step(
            "resistance",
            2.0,
            None,
            (Limit("voltage", "<", 3.9, "3.9 V"),),
            text="Discharge at 2 Ohm until 3.9 V",
        ),
    ]
    result = get_model("spm").solve(chen, steps)
    V, I_A, k = result["Voltage / V"], -result["Current / A"], result["Step Count / 1"]
    assert result.termination == "event: 3.9 V"
    assert V[k == 1][0] < 4.0
    assert V[k == 1][-1] == pytest.approx(4.1, abs=1e-5)
    # algebraic constraints held to the Newton tolerance of the (default, PyBaMM's) relative tolerance 1e-4
    np.testing.assert_allclose(V[k == 2], 4.1, rtol=1e-5)
    assert abs(I_A[k == 2][-1]) == pytest.approx(0.25, rel=1e-3)
    np.testing.assert_allclose((I_A * V)[k == 3], 10.0, rtol=1e-4)
    np.testing.assert_allclose(V[k == 4], 2.0 * I_A[k == 4], rtol=1e-4)
    assert V[k == 4][-1] == pytest.approx(3.9, abs=1e-5)
    assert result["Charging Capacity / Ah"][-1] > 0.5


def test_global_cut_off_ends_the_run(chen):
    steps = [Step("current", 10.0, 7200.0, text="Discharge at 2C for 2 hours"), Step("current", 0.0, 60.0)]
    result = get_model("spm").solve(chen, steps)
    assert result.termination == "event: Minimum voltage [V]"
    assert result["Voltage / V"][-1] == pytest.approx(2.5, abs=1e-5)
    assert result.time_s[-1] < 7200


def test_profile_step_follows_the_table(chen):
    table_t = np.array([0.0, 100.0, 200.0])
    table_i = np.array([0.0, 5.0, -2.0])
    step = Step("current", 0.0, 200.0, profile_time_s=table_t, profile_value=table_i, text="Run profile")
    result = get_model("spm").solve(chen, [step], output_period_s=10.0)
    assert result.termination == "final time"
    assert 100.0 in result.time_s
    np.testing.assert_allclose(-result["Current / A"], np.interp(result.time_s, table_t, table_i), atol=1e-9)


def test_initial_soc_places_the_ocv_at_the_cut_offs(chen):
    rest = [Step("current", 0.0, 1.0, text="Rest")]
    full = get_model("spm").solve(chen, rest, initial_soc=1.0)
    empty = get_model("spm").solve(chen, rest, initial_soc=0.0)
    assert full["Voltage / V"][0] == pytest.approx(4.2, abs=1e-5)
    assert empty["Voltage / V"][0] == pytest.approx(2.5, abs=1e-5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        get_model("spm").solve(chen, rest, initial_soc=1.5)


def test_lumped_thermal_heats_and_arrhenius_helps(chen):
    model = get_model("spme")
    iso = model.solve(chen, [Step("current", 5.0, 1200.0)])
    lumped = model.solve(chen, [Step("current", 5.0, 1200.0)], thermal="lumped")
    assert np.all(iso["Cell temperature [K]"] == 298.15)
    T = lumped["Cell temperature [K]"]
    assert T[-1] > T[0] + 1.0
    assert lumped["Total heating [W]"][-1] > 0
    # warmer cell: faster kinetics and transport, less polarisation
    assert lumped["Voltage / V"][-1] > iso["Voltage / V"][-1]
    warm = model.solve(chen, [Step("current", 5.0, 1200.0)], ambient_temperature_K=318.15)
    assert warm["Voltage / V"][-1] > iso["Voltage / V"][-1] + 0.01


def test_new_design_changes_capacity(chen):
    thin = chen.updated(
        {"Negative electrode thickness [m]": 70e-6, "Positive electrode thickness [m]": 62e-6}
    )
    steps = [discharge()]
    base, new = get_model("spm").solve_batch([chen, thin], steps)
    assert new["Discharging Capacity / Ah"][-1] < 0.9 * base["Discharging Capacity / Ah"][-1]


@pytest.mark.slow
def test_impossible_cases_return_a_partial_result_and_a_diagnosis(chen):
    fifty_c = get_model("dfn").solve(chen, [discharge(c_rate=50)])
    assert fifty_c.termination.startswith(("event", "failure"))
    assert fifty_c.time_s.size >= 1
    too_much_power = get_model("dfn").solve(
        chen,
        [Step("current", 5.0, 60.0), Step("power", 2000.0, 60.0, text="Discharge at 2000 W for 1 minute")],
    )
    assert too_much_power.failed, too_much_power.termination
    assert "2000 W" in too_much_power.termination
    assert "Try" in too_much_power.termination
    assert too_much_power.time_s[-1] == pytest.approx(60.0)  # the first step is kept


def made_up_transference_number(c_e, T):
    """0.40 at 0, 0.25 at 1 mol/L, 0.10 at 2 mol/L (not a real electrolyte)."""
    return 0.4 - 0.15 * c_e / 1000.0 + 0.0 * T


def made_up_thermodynamic_factor(c_e, T):
    """1 at 0, 1.6 at 1 mol/L (not a real electrolyte)."""
    return 1.0 + 0.6 * c_e / 1000.0 + 0.0 * T


def _set_with_electrolyte_functions(set_name):
    """``"Chen2020+t(c)"``: Chen2020 with the c_e-dependent t+ and TDF above; otherwise the named set."""
    if set_name.endswith("+t(c)"):
        return get_parameter_set(set_name[: -len("+t(c)")]).updated(
            {
                "Cation transference number": made_up_transference_number,
                "Thermodynamic factor": made_up_thermodynamic_factor,
            }
        )
    return get_parameter_set(set_name)


@pytest.mark.parametrize("name", ["spm", "spme", "dfn"])
@pytest.mark.parametrize(
    "set_name", ["Chen2020", "Marquis2019", "Chen2020 graded", "Chen2020+t(c)", "ORegan2022"]
)
def test_numba_kernels_agree_with_the_numpy_reference(name, set_name):
    """Both backends, on uniform cells, a graded one (two-layer negative, linear positive porosity) and
    with concentration-dependent t+ and TDF."""
    if set_name == "Chen2020 graded":
        from solvers.parameters.layers import Layer, graded_porosity, layered_electrode

        ps = get_parameter_set("Chen2020")
        L_n = ps["Negative electrode thickness [m]"]
        layers = [Layer(0.4 * L_n, 0.22, 0.75, 8e-6), Layer(0.6 * L_n, 0.28, 0.70, 4e-6)]
        ps = graded_porosity(layered_electrode(ps, "negative", layers), "positive", 0.335, 0.22)
    else:
        ps = _set_with_electrolyte_functions(set_name)
    steps = [
        Step("current", 2 * ps["Nominal cell capacity [A.h]"], 900.0, text="Discharge at 2C for 15 minutes"),
        Step("current", 0.0, 300.0, text="Rest for 5 minutes"),
    ]
    mesh = {"x_n": 8, "x_s": 5, "x_p": 8, "r_n": 10, "r_p": 10}
    # tight tolerances: the two backends use different steppers, and this compares their kernels
    tight = {"rtol": 1e-6, "atol": 1e-8}
    ref = get_model(name).solve(ps, steps, backend="numpy", mesh=mesh, output_period_s=30.0, **tight)
    fast = get_model(name).solve(ps, steps, backend="numba", mesh=mesh, output_period_s=30.0, **tight)
    assert ref.info["kernel"] == "numpy"
    assert fast.info["kernel"].startswith("numba")
    # the output grid is the same; the cut-off event moves by (voltage difference) / (dV/dt): with the
    # tabulated functions within 0.1 mV and ORegan2022's slow approach to its cut-off, up to 3e-5 of it
    np.testing.assert_array_equal(fast.time_s[:-1], ref.time_s[:-1])
    assert fast.time_s[-1] == pytest.approx(ref.time_s[-1], rel=1e-4)
    # tables vs the set's functions: well under 0.1 mV
    np.testing.assert_allclose(fast["Voltage / V"], ref["Voltage / V"], atol=1e-4)
    np.testing.assert_allclose(
        fast["Electrolyte concentration [mol.m-3]"], ref["Electrolyte concentration [mol.m-3]"], rtol=1e-4
    )


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("name", ["spme", "dfn"])
def test_a_constant_transference_number_given_as_a_function_is_the_number(chen, name, backend):
    """t+ and TDF as functions (c_e, T) that return constants give exactly the numbers' results."""
    steps = [Step("current", 10.0, 600.0, text="Discharge at 2C for 10 minutes")]
    mesh = {"x_n": 6, "x_s": 4, "x_p": 6, "r_n": 8, "r_p": 8}
    as_numbers = chen.updated({"Cation transference number": 0.3, "Thermodynamic factor": 1.4})
    as_functions = chen.updated(
        {
            "Cation transference number": lambda c_e, T: 0.3 + 0.0 * c_e,
            "Thermodynamic factor": lambda c_e, T: 1.4 + 0.0 * c_e,
        }
    )
    a = get_model(name).solve(as_numbers, steps, backend=backend, mesh=mesh, output_period_s=60.0)
    b = get_model(name).solve(as_functions, steps, backend=backend, mesh=mesh, output_period_s=60.0)
    assert b.info["kernel"].startswith(backend)
    np.testing.assert_allclose(b["Voltage / V"], a["Voltage / V"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        b["Electrolyte concentration [mol.m-3]"], a["Electrolyte concentration [mol.m-3]"], rtol=1e-12
    )
    # and the numbers matter: another t+ moves the voltage
    c = get_model(name).solve(
        chen.updated({"Cation transference number": 0.4}),
        steps,
        backend=backend,
        mesh=mesh,
        output_period_s=60.0,
    )
    assert np.max(np.abs(c["Voltage / V"] - a["Voltage / V"])) > 1e-3


@pytest.mark.parametrize("name", ["spme", "dfn"])
def test_a_varying_transference_number_conserves_lithium_in_the_electrolyte(name):
    """The migration flux t+ i_e / F moves lithium inside the electrolyte; none leaves it (eps c_e integral)."""
    ps = _set_with_electrolyte_functions("Chen2020+t(c)")
    steps = [Step("current", 10.0, 900.0, text="Discharge at 2C for 15 minutes")]
    result = get_model(name).solve(ps, steps, backend="numba", output_period_s=300.0)
    ce = result["Electrolyte concentration [mol.m-3]"]
    from solvers.models.cell import Cell

    cell = Cell.from_parameters(ps)
    n, s = result.mesh["x_n [m]"].size, result.mesh["x_s [m]"].size
    eps = np.r_[
        np.full(n, cell.negative.porosity),
        np.full(s, cell.separator_porosity),
        np.full(ce.shape[1] - n - s, cell.positive.porosity),
    ]
    widths = np.r_[
        np.full(n, cell.negative.thickness_m / n),
        np.full(s, cell.separator_thickness_m / s),
        np.full(ce.shape[1] - n - s, cell.positive.thickness_m / (ce.shape[1] - n - s)),
    ]
    total = ce @ (eps * widths)
    assert np.ptp(ce[-1]) > 200.0  # a real gradient
    np.testing.assert_allclose(total, total[0], rtol=1e-6)


def test_bad_transference_numbers_are_refused_by_name(chen):
    with pytest.raises(TypeError, match="Cation transference number"):
        get_model("dfn").solve(chen.updated({"Cation transference number": "0.3"}), [discharge()])
    with pytest.raises(TypeError, match="Thermodynamic factor"):
        get_model("spme").solve(chen.updated({"Thermodynamic factor": lambda c_e, T, x: 1.0}), [discharge()])


@pytest.mark.parametrize("name", ["spm", "spme"])
def test_voltage_only_kernel_equals_the_full_residual_kernel(chen, name):
    """Output voltages come from the kernel without its residual; they must be the full kernel's V."""
    from solvers.models.base import DEFAULT_MESH
    from solvers.models.cell import Cell

    model = get_model(name)
    system = model.system_class(Cell.from_parameters(chen, None), dict(DEFAULT_MESH), "isothermal")
    assert system.use_backend("numba") == "numba"
    # perturbed states (non-uniform electrolyte and particles) at charge, rest and discharge currents
    rng = np.random.default_rng(3)
    y0 = system.full_state(system.initial_state(*system.cell.initial_concentrations(0.6)), 0.0)
    Y = np.tile(y0, (40, 1))
    Y[:, : system.n_core] *= rng.uniform(0.7, 1.2, size=(40, system.n_core))
    Y[:, -1] = np.linspace(-15.0, 15.0, 40)
    V_fast = system.voltage(Y)
    V_full = system.core(Y, system.temperature(Y), Y[:, -1])["V"]
    np.testing.assert_allclose(V_fast, V_full, rtol=0, atol=1e-12)
    assert np.ptp(V_fast) > 0.1  # the rows really differ


def test_lumped_thermal_runs_compiled_and_odd_functions_fall_back_to_numpy(chen):
    lumped = get_model("dfn").solve(chen, [Step("current", 5.0, 60.0)], backend="numba", thermal="lumped")
    assert lumped.info["kernel"] == "numba (compiled stepper)"

    def odd_j0(c_e, c_s_surf, c_s_max, T):  # not separable in (c_e, c_s)
        return 1e-6 * (c_e + c_s_surf) ** 1.5 * np.ones_like(T)

    odd = chen.updated({"Negative electrode exchange-current density [A.m-2]": odd_j0})
    result = get_model("spm").solve(odd, [Step("current", 5.0, 60.0)], backend="numba")
    assert "not separable" in result.info["kernel"]
    assert result.termination == "final time"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["spm", "spme", "dfn"])
def test_compiled_stepper_matches_the_python_stepper(chen, name, monkeypatch):
    """Limits, holds, power and resistance steps through both steppers (same kernels)."""
    steps = [
        Step(
            "current", 10.0, None, (Limit("voltage", "<", 3.6, "3.6 V"),), text="Discharge at 2C until 3.6 V"
        ),
        Step("current", 0.0, 600.0, text="Rest for 10 minutes"),
        Step("current", -2.5, None, (Limit("voltage", ">", 4.1, "4.1 V"),), text="Charge at C/2 until 4.1 V"),
        Step("voltage", 4.1, 3600.0, (Limit("current", "<", 0.5, "C/10"),), text="Hold at 4.1 V until C/10"),
        Step("power", 12.0, 300.0, text="Discharge at 12 W for 5 minutes"),
        Step(
            "resistance",
            1.0,
            None,
            (Limit("voltage", "<", 3.5, "3.5 V"),),
            text="Discharge at 1 Ohm until 3.5 V",
        ),
    ]
    model = get_model(name)
    # both steppers converged tightly, so that they must agree on the same solution (at the default
    # rtol 1e-4 each is within its own tolerance of it, and a step ending on a slow voltage drift may
    # then differ by more than 1e-3 of its duration)
    tight = {"rtol": 1e-6, "atol": 1e-8}
    fast = model.solve(chen, steps, output_period_s=20.0, **tight)
    # the compiled stepper hands over to the Python one when it cannot locate an event or start a step
    assert fast.info["kernel"].startswith("numba")
    if name != "spme":
        assert fast.info["kernel"] == "numba (compiled stepper)"
    from solvers.models import compiled

    monkeypatch.setattr(compiled, "run_compiled", lambda *args, **kwargs: None)  # force the Python stepper
    slow = model.solve(chen, steps, output_period_s=20.0, **tight)
    assert slow.info["kernel"] == "numba"
    assert fast.termination == slow.termination == "event: 3.5 V"
    for k in range(len(steps)):
        t_fast = fast.time_s[fast["Step Count / 1"] == k]
        t_slow = slow.time_s[slow["Step Count / 1"] == k]
        assert t_fast[-1] == pytest.approx(t_slow[-1], abs=1e-3 * max(1.0, t_slow[-1] - t_slow[0]))
    np.testing.assert_allclose(fast["Voltage / V"][-1], 3.5, atol=1e-6)
    assert fast["Discharging Capacity / Ah"][-1] == pytest.approx(
        slow["Discharging Capacity / Ah"][-1], rel=1e-3
    )


def test_a_new_design_recompiles_nothing(chen):
    from solvers.models import compiled, kernels

    model = get_model("dfn")
    steps = [Step("current", 5.0, 120.0)]
    model.solve(chen, steps)
    before = {f.__name__: len(f.signatures) for f in (kernels.dfn_core, compiled.run, compiled._bdf_step)}
    thin = chen.updated(
        {
            "Negative electrode thickness [m]": 70e-6,
            "Positive particle radius [m]": 4e-6,
            "Negative electrode porosity": 0.3,
        }
    )
    result = model.solve(thin, steps)
    assert result.info["kernel"] == "numba (compiled stepper)"
    after = {f.__name__: len(f.signatures) for f in (kernels.dfn_core, compiled.run, compiled._bdf_step)}
    assert after == before


def test_cupy_backend_is_optional(chen):
    pytest.importorskip("numba")
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match="CuPy"):
            get_model("spm").solve(chen, [Step("current", 5.0, 60.0)], backend="cupy")
    else:  # pragma: no cover - no GPU on the development machines
        pytest.skip("CuPy is installed")


def test_threaded_batch_equals_one_by_one(chen):
    model = get_model("dfn")
    designs = [
        chen.updated({"Negative electrode thickness [m]": t, "Positive particle radius [m]": r})
        for t, r in ((70e-6, 4e-6), (80e-6, 5e-6), (90e-6, 6e-6), (85.2e-6, 5.22e-6))
    ]
    steps = [Step("current", 5.0, None, (Limit("voltage", "<", 3.5, "3.5 V"),))]
    batch = model.solve_batch(designs, steps, workers=2)
    alone = [model.solve(d, steps) for d in designs]
    for b, a in zip(batch, alone, strict=True):
        np.testing.assert_array_equal(b.time_s, a.time_s)
        np.testing.assert_array_equal(b["Voltage / V"], a["Voltage / V"])
