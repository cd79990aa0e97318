"""Many designs in lockstep (the array path that CuPy runs on a GPU; numpy runs the same code here).

The lockstep integrator is the compiled stepper's algorithm applied to every design at once, so each
design must take the very steps the compiled stepper takes on its own: same events, same end times,
same capacities, the same voltage at the same times.
"""

import sys

import numpy as np
import pytest

from solvers.models import get_model
from solvers.parameters import get_parameter_set
from solvers.steps import Limit, Step

MESH = {"x_n": 8, "x_s": 5, "x_p": 8, "r_n": 10, "r_p": 10}


@pytest.fixture(scope="module")
def chen():
    return get_parameter_set("Chen2020")


@pytest.fixture(scope="module")
def designs(chen):
    variants = [
        chen.updated({"Negative electrode thickness [m]": t, "Positive particle radius [m]": r})
        for t, r in ((70e-6, 4e-6), (90e-6, 6e-6), (85.2e-6, 5.22e-6))
    ]
    # another set: other functions, so other tables, in the same batch
    return [*variants, get_parameter_set("Marquis2019")]


def discharge(current_A, cut=3.0):
    return Step("current", current_A, None, (Limit("voltage", "<", cut, f"{cut} V"),), text="Discharge")


def assert_same_run(batch, alone):
    """The lockstep run of a design against the compiled stepper's run of it alone."""
    assert batch.termination == alone.termination
    assert batch.info["n_steps"] == alone.info["n_steps"]
    # events are located to 1e-8 V on either path, from states that differ by round-off
    assert batch.time_s[-1] == pytest.approx(alone.time_s[-1], rel=1e-5)
    cap_b = batch["Discharging Capacity / Ah"][-1] - batch["Charging Capacity / Ah"][-1]
    cap_a = alone["Discharging Capacity / Ah"][-1] - alone["Charging Capacity / Ah"][-1]
    assert cap_b == pytest.approx(cap_a, rel=1e-5, abs=1e-9)
    # the same output grid and the same voltage on it
    assert batch.time_s.size == alone.time_s.size
    np.testing.assert_allclose(batch.time_s, alone.time_s, rtol=1e-5)
    np.testing.assert_allclose(batch["Voltage / V"], alone["Voltage / V"], atol=1e-5)


@pytest.mark.parametrize("name", ["spm", "spme", "dfn"])
def test_lockstep_takes_the_compiled_steppers_steps(designs, name):
    model = get_model(name)
    steps_of = [[discharge(current)] for current in (6.0, 5.0, 4.0, 1.0)]  # 1C to 1.5C
    batch = model.solve_batch(designs, steps_of, method="lockstep", backend="numpy", mesh=MESH)
    assert all("lockstep" in r.info["kernel"] for r in batch)
    for design, steps, result in zip(designs, steps_of, batch, strict=True):
        assert_same_run(result, model.solve(design, steps, mesh=MESH))
    assert "cupy" not in sys.modules  # the numpy backend never imports CuPy


def test_designs_of_other_layouts_form_their_own_batches(chen):
    from solvers.parameters.layers import graded_porosity

    oregan = get_parameter_set("ORegan2022")  # t+ and TDF functions of c_e: another Jacobian pattern
    graded = graded_porosity(chen, "positive", at_separator=0.32, at_current_collector=0.22)
    designs = [chen, oregan, graded, oregan.updated({"Positive electrode thickness [m]": 60e-6})]
    model = get_model("dfn")
    steps = [discharge(5.0, cut=3.2)]
    seen = []
    batch = model.solve_batch(
        designs, steps, method="lockstep", backend="numpy", mesh=MESH, progress=lambda f, m: seen.append(f)
    )
    assert [r.info["batch_size"] for r in batch] == [2, 2, 2, 2]
    for design, result in zip(designs, batch, strict=True):
        assert_same_run(result, model.solve(design, steps, mesh=MESH))
    assert seen == sorted(seen)
    assert seen[-1] == pytest.approx(1.0)


def test_lockstep_protocol_with_rest_cccv_and_per_design_currents(designs):
    model = get_model("dfn")
    capacities = [4.1, 5.2, 4.9, 0.68]  # C-rates resolved per design: each its own currents

    def protocol(cap):
        return [
            Step("current", cap, 900.0, text="Discharge at 1C for 15 minutes"),
            Step("current", 0.0, 300.0, text="Rest for 5 minutes"),
            Step("current", -cap / 2, None, (Limit("voltage", ">", 4.1, "4.1 V"),), text="Charge at C/2"),
            Step("voltage", 4.1, None, (Limit("current", "<", cap / 10, "C/10"),), text="Hold at 4.1 V"),
        ]

    steps_of = [protocol(c) for c in capacities]
    batch = model.solve_batch(designs, steps_of, method="lockstep", backend="numpy", mesh=MESH)
    for design, steps, result in zip(designs, steps_of, batch, strict=True):
        alone = model.solve(design, steps, mesh=MESH)
        assert_same_run(result, alone)
        assert result.termination == "event: C/10"
        assert set(np.unique(result["Step Count / 1"])) == {0, 1, 2, 3}


def test_a_limit_met_at_the_start_skips_the_step(chen):
    model = get_model("spme")
    steps = [
        Step("current", -2.5, None, (Limit("voltage", ">", 3.0, "3.0 V"),), text="Charge until 3.0 V"),
        Step("current", 5.0, 120.0, text="Discharge for 2 minutes"),
    ]
    batch = model.solve_batch([chen, chen], steps, method="lockstep", backend="numpy", mesh=MESH)
    alone = model.solve(chen, steps, mesh=MESH)
    for result in batch:
        assert_same_run(result, alone)
        assert result.time_s[-1] == pytest.approx(120.0)


def test_a_design_the_batch_cannot_finish_is_solved_on_its_own(chen):
    model = get_model("dfn")
    steps = [discharge(250.0, cut=2.5)]  # 50C: no design can sustain it
    batch = model.solve_batch([chen, chen], steps, method="lockstep", backend="numpy", mesh=MESH)
    alone = model.solve(chen, steps, mesh=MESH)
    for result in batch:
        assert result.termination == alone.termination
        if result.termination.startswith("failure"):
            assert "solved on its own" in result.info["lockstep"]
            assert "step 1" in result.termination


def test_lockstep_falls_back_to_threads_where_it_cannot_go_and_says_why(designs):
    model = get_model("spm")
    steps = [Step("current", 5.0, 300.0, text="Discharge for 5 minutes")]
    batch = model.solve_batch(designs[:2], steps, method="lockstep", backend="numpy", thermal="lumped", mesh=MESH)
    assert all("lumped thermal" in r.info["lockstep"] for r in batch)
    assert all(r.termination == "final time" for r in batch)
    with pytest.raises(ValueError, match="method must be"):
        model.solve_batch(designs[:2], steps, method="gpu")
    with pytest.raises(ValueError, match="one per design"):
        model.solve_batch(designs[:2], [steps, steps, steps], method="lockstep", backend="numpy")
    with pytest.raises(ValueError, match="Unknown mesh keys"):
        model.solve_batch(designs[:2], steps, method="lockstep", backend="numpy", mesh={"x_q": 3})


def test_cupy_backend_needs_cupy(designs):
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match="CuPy"):
            get_model("dfn").solve_batch(designs[:2], [discharge(5.0)], backend="cupy")
    else:  # pragma: no cover - no GPU on the development machines
        pytest.skip("CuPy is installed")


def test_the_simulation_entry_point_batches_each_designs_own_c_rate(chen):
    from solvers import bdf
    from voltvault_core.simulation import solve_batch

    small = chen.updated({"Nominal cell capacity [A.h]": 2.0})
    results = solve_batch(
        "spm", [chen, small], "Discharge at 1C for 20 seconds", method="lockstep", backend="numpy", mesh=MESH
    )
    assert [r[bdf.CURRENT][-1] for r in results] == pytest.approx([-5.0, -2.0])
    assert all("lockstep" in r.info["kernel"] for r in results)


@pytest.mark.parametrize("name", ["spme", "dfn"])
def test_the_gpu_path_keeps_cupys_array_rules(designs, name, monkeypatch):
    """backend="cupy" through a strict stand-in of CuPy (no GPU here): no implicit host conversion and no
    host array inside a device operation, anywhere in the kernels, the solver or the integrator."""
    from solvers import backends
    from tests.unit.solvers import device_namespace as device

    monkeypatch.setitem(
        backends.BACKENDS, "cupy", lambda: backends.Backend("cupy", device.xp, compiled=True)
    )
    steps_of = [
        [
            Step("current", c, 600.0, text="Discharge for 10 minutes"),
            Step("current", 0.0, 60.0, text="Rest"),
            Step("voltage", 3.9, None, (Limit("current", "<", c / 5, "C/5"),), text="Hold at 3.9 V"),
        ]
        for c in (5.0, 5.0, 5.0, 0.68)
    ]
    model = get_model(name)
    before = dict(device.TRANSFERS)
    on_device = model.solve_batch(designs, steps_of, backend="cupy", mesh=MESH)
    on_host = model.solve_batch(designs, steps_of, method="lockstep", backend="numpy", mesh=MESH)
    assert device.TRANSFERS["to_device"] > before["to_device"]
    assert device.TRANSFERS["to_host"] > before["to_host"]
    for gpu, cpu in zip(on_device, on_host, strict=True):
        assert gpu.info["kernel"].startswith("cupy lockstep")
        assert gpu.termination == cpu.termination
        np.testing.assert_array_equal(gpu.time_s, cpu.time_s)
        np.testing.assert_array_equal(gpu["Voltage / V"], cpu["Voltage / V"])


@pytest.mark.parametrize("method", ["threads", "lockstep"])
def test_a_bad_design_is_named(chen, method):
    no_lithium = chen.updated(
        {
            "Initial concentration in negative electrode [mol.m-3]": 1.0,
            "Initial concentration in positive electrode [mol.m-3]": 1.0,
        }
    )
    with pytest.raises(ValueError, match="design 1: Cannot place the SOC window"):
        get_model("spm").solve_batch(
            [chen, no_lithium], [discharge(5.0)], method=method, backend="numpy", mesh=MESH, initial_soc=0.5
        )


def test_a_large_sweep_goes_in_batches_of_bounded_size(designs, monkeypatch):
    from solvers.batched import lockstep

    monkeypatch.setattr(lockstep, "MAX_DESIGNS_PER_BATCH", 2)
    model = get_model("spm")
    steps = [Step("current", 5.0, 300.0, text="Discharge for 5 minutes")]
    batch = model.solve_batch([*designs, designs[0]], steps, method="lockstep", backend="numpy", mesh=MESH)
    assert [r.info["batch_size"] for r in batch] == [2, 2, 2, 2, 1]
    for design, result in zip([*designs, designs[0]], batch, strict=True):
        assert_same_run(result, model.solve(design, steps, mesh=MESH))


@pytest.mark.parametrize("name", ["spme", "dfn"])
def test_power_and_resistance_steps_in_lockstep(designs, name):
    model = get_model(name)
    steps_of = [
        [
            Step("power", 4.0 * c, 300.0, text="Discharge at 4 W/Ah for 5 minutes"),
            Step("resistance", 3.6 / c, None, (Limit("voltage", "<", 3.4, "3.4 V"),), text="Load until 3.4 V"),
        ]
        for c in (5.0, 5.0, 5.0, 0.68)
    ]
    batch = model.solve_batch(designs, steps_of, method="lockstep", backend="numpy", mesh=MESH)
    for design, steps, result in zip(designs, steps_of, batch, strict=True):
        assert "lockstep" in result.info["kernel"]
        assert_same_run(result, model.solve(design, steps, mesh=MESH))
        first = result["Step Count / 1"] == 0
        power = result["Voltage / V"][first] * result["Current / A"][first]
        # output rows between accepted steps are interpolated states: the power holds to 1e-4 there
        np.testing.assert_allclose(power[1:], -steps[0].value, rtol=1e-4)
