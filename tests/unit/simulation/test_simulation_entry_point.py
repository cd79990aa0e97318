"""``Simulation(model, parameter_set, experiment).solve()``: input resolution, checks before solving,
C-rate resolution, and BDF cycle/step numbering that follows the experiment (on an ideal stand-in cell)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from solvers import bdf
from solvers.parameters import get_parameter_set
from voltvault_core.simulation import (
    ProtocolError,
    Simulation,
    SimulationError,
    available_drive_cycles,
    load_drive_cycle,
    resolve_parameter_set,
    solve_batch,
)


def test_c_rates_resolve_with_the_sets_nominal_capacity(ideal_model):
    sim = Simulation("dfn", "Chen2020", "Discharge at 1C for 10 minutes")
    assert sim.steps[0].value == pytest.approx(5.0)  # Chen2020: 5 A.h, solver sign (+ = discharge)
    result = sim.solve()
    assert ideal_model.calls[0]["steps"][0].value == pytest.approx(5.0)
    # BDF frame: discharge current negative, discharged capacity 5 A x 600 s
    assert np.all(result[bdf.CURRENT] == pytest.approx(-5.0))
    assert result[bdf.DISCHARGING_CAPACITY][-1] == pytest.approx(5.0 * 599 / 3600, rel=1e-6)
    ecker = Simulation("spm", "Ecker2015", "Charge at C/2 for 1 minute")
    assert ecker.steps[0].value == pytest.approx(-0.5 * 0.15625)


def test_default_experiment_is_a_1c_discharge_to_the_sets_cut_off(ideal_model):
    sim = Simulation("spm", "Prada2013")
    assert sim.experiment.texts() == ["Discharge at 1C until 2 V"]
    assert sim.steps[0].value == pytest.approx(2.3)


def test_bad_step_fails_before_solving_naming_it(ideal_model):
    with pytest.raises(ProtocolError) as info:
        Simulation("dfn", "Chen2020", ["Rest for 1 minute", "Discharge at -1C until 2.5 V"])
    assert info.value.step == "Discharge at -1C until 2.5 V"
    assert ideal_model.calls == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"initial_soc": 1.5}, "outside"),
        ({"ambient_temperature_K": 25.0}, "kelvin"),
        ({"thermal": "3d"}, "isothermal"),
        ({"backend": "fortran"}, "numba"),
        ({"mesh": {"x_n": 1}}, ">= 2"),
        ({"rtol": 0}, "positive"),
    ],
)
def test_bad_options_are_refused_with_what_would_work(ideal_model, kwargs, match):
    with pytest.raises(SimulationError, match=match):
        Simulation("dfn", "Chen2020", "Rest for 1 minute", **kwargs)


def test_unknown_parameter_set_and_model_list_the_choices():
    with pytest.raises(SimulationError, match="Chen2020"):
        resolve_parameter_set("Chen2021")
    with pytest.raises(SimulationError, match="does not exist"):
        resolve_parameter_set("/nonexistent/set.json")


def test_parameter_set_from_json_file_dict_and_base_with_changes(tmp_path, ideal_model):
    chen = get_parameter_set("Chen2020")
    full = tmp_path / "chen_copy.json"
    full.write_text(json.dumps(chen.to_json_dict()))
    ps = resolve_parameter_set(str(full))
    assert ps.value("Negative electrode thickness [m]") == chen.value("Negative electrode thickness [m]")
    x = np.linspace(0.1, 0.9, 5)
    np.testing.assert_allclose(ps["Positive electrode OCP [V]"](x), chen["Positive electrode OCP [V]"](x))

    changed = tmp_path / "thick.json"
    changed.write_text(
        json.dumps(
            {
                "base": "Chen2020",
                "parameters": {"Negative electrode thickness [m]": 1e-4, "Nominal cell capacity [A.h]": 6.0},
            }
        )
    )
    sim = Simulation("dfn", changed, "Discharge at 1C for 1 minute")
    assert sim.parameters.value("Negative electrode thickness [m]") == 1e-4
    assert sim.steps[0].value == pytest.approx(6.0)
    assert "Chen2020" in sim.parameters.name

    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SimulationError, match="not valid JSON"):
        resolve_parameter_set(bad)
    assert resolve_parameter_set(chen) is chen
    assert resolve_parameter_set(chen.to_json_dict()).value("Separator porosity") == chen.value(
        "Separator porosity"
    )


def test_cycle_and_step_numbering_follow_the_experiment(ideal_model):
    sim = Simulation(
        "spme",
        "Chen2020",
        "Rest for 10 seconds\n(Discharge at 1C for 30 seconds, Rest for 20 seconds, Charge at 1C for 30 seconds) x 3",
        initial_soc=0.5,
    )
    r = sim.solve()
    assert ideal_model.calls[0]["initial_soc"] == 0.5
    cycles = r[bdf.CYCLE]
    steps = r[bdf.STEP]
    index = r[bdf.STEP_INDEX]
    assert list(np.unique(cycles)) == [1, 2, 3, 4]
    assert list(np.unique(steps)) == list(range(1, 11))  # 1 + 3 * 3 executed steps
    assert np.all(np.diff(steps) >= 0)
    assert np.all(np.diff(cycles) >= 0)
    # every sample of cycle 3, step index 2 is a rest (zero current)
    mask = (cycles == 3) & (index == 2)
    assert mask.any()
    assert np.all(r[bdf.CURRENT][mask] == 0)
    # charge steps have BDF-positive current
    assert np.all(r[bdf.CURRENT][index == 3][1:] > 0)
    assert r.info["parameter_set"] == "Chen2020"
    assert len(r.info["experiment"]) == 10


def test_parameter_updates_are_a_new_design_without_a_new_model(ideal_model):
    sim = Simulation(
        "dfn", "Chen2020", "Rest for 1 second", parameter_updates={"Positive particle radius [m]": 3e-6}
    )
    sim.solve()
    assert ideal_model.calls[0]["parameters"].value("Positive particle radius [m]") == 3e-6


def test_solve_batch_keeps_order_and_resolves_each_capacity(ideal_model):
    chen = get_parameter_set("Chen2020")
    variants = [chen, chen.updated({"Nominal cell capacity [A.h]": 2.0}), "Ecker2015"]
    results = solve_batch("dfn", variants, "Discharge at 1C for 20 seconds")
    assert [r[bdf.CURRENT][0] for r in results] == pytest.approx([-5.0, -2.0, -0.15625])
    assert [r.info["parameter_set"] for r in results] == ["Chen2020", "Chen2020", "Ecker2015"]
    assert solve_batch("dfn", [], "Rest for 1 second") == []


def test_drive_cycles_bundled_and_from_a_csv(tmp_path, ideal_model):
    names = available_drive_cycles()
    assert names, "data/drive_cycles ships at least one profile"
    for name in names:
        mode, t, v = load_drive_cycle(name)
        assert mode in ("current", "power")
        assert t.size == v.size > 10
        assert np.all(np.diff(t) > 0)
    table = tmp_path / "pulses.csv"
    table.write_text("# BDF sign: positive = charge\nTest Time / s,Current / A\n0,-1\n10,-1\n11,2\n20,2\n")
    mode, t, v = load_drive_cycle(table)
    assert mode == "current"
    assert v[0] == 1.0
    assert v[-1] == -2.0
    sim = Simulation("spm", "Chen2020", "Run pulses (A)", drive_cycles={"pulses": table})
    r = sim.solve()
    assert r[bdf.CURRENT][0] == pytest.approx(-1.0)
    assert r[bdf.CURRENT][-1] == pytest.approx(2.0)
    with pytest.raises(ProtocolError, match="pulses"):
        Simulation("spm", "Chen2020", "Run nonexistent (A)", drive_cycles={"pulses": table})
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(SimulationError, match="time column"):
        load_drive_cycle(bad)


def test_a_model_that_raises_still_gives_a_result_with_a_diagnosis(ideal_model, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("Factor is exactly singular")

    monkeypatch.setattr(ideal_model, "solve", explode)
    result = Simulation("dfn", "Chen2020", "Hold at 3.7 V until C/20").solve()
    assert result.failed
    assert "Factor is exactly singular" in result.termination
    assert "Try" in result.termination
    assert result[bdf.TEST_TIME].size == 0


def test_unknown_mesh_domain_is_refused(ideal_model):
    with pytest.raises(SimulationError, match="x_n"):
        Simulation("dfn", "Chen2020", "Rest for 1 minute", mesh={"x_q": 10})


def test_voltage_rmse_over_the_common_window():
    from voltvault_core.simulation import voltage_rmse_V

    t = np.linspace(0.0, 100.0, 101)
    v = 4.0 - 0.01 * t
    # the other curve: sampled differently, 3 mV higher, and only from 20 s on
    t2 = np.linspace(20.0, 150.0, 27)
    assert voltage_rmse_V(t, v, t2, 4.0 - 0.01 * t2 + 0.003) == pytest.approx(0.003)
    wiggle = 0.002 * np.sin(t)
    assert voltage_rmse_V(t, v + wiggle, t, v) == pytest.approx(np.sqrt(np.mean(wiggle**2)))
    assert np.isnan(voltage_rmse_V(t, v, t + 500.0, v))


def test_rmse_matrix_and_spatial_profiles_of_results(ideal_model):
    from voltvault_core.simulation import profile_variables, rmse_matrix_V, spatial_profile

    a = Simulation("spm", "Chen2020", "Discharge at 1C for 2 minutes").solve()
    b = Simulation("spm", "Chen2020", "Discharge at 2C for 2 minutes").solve()
    m = rmse_matrix_V({"1C": a, "2C": b})
    assert m["1C"]["1C"] == 0.0
    assert m["1C"]["2C"] == pytest.approx(m["2C"]["1C"], rel=0.05)
    assert m["1C"]["2C"] > 0.04  # 5 A more through 10 mOhm, plus the faster fall in SOC
    assert profile_variables(a) == ["Electrolyte concentration [mol.m-3]"]
    x, values, t_used = spatial_profile(a, "Electrolyte concentration [mol.m-3]", 61.3)
    assert t_used == pytest.approx(61.0)
    np.testing.assert_allclose(x, a.mesh["x [m]"])
    np.testing.assert_allclose(values, 1000 + x * 1e5)
    with pytest.raises(KeyError, match="Electrolyte concentration"):
        spatial_profile(a, "Terminal voltage [V]", 0.0)


def test_measured_segment_selects_a_cycle_and_restarts_time_and_capacity():
    import pandas as pd

    from voltvault_core.simulation import measured_segment

    frame = pd.DataFrame(
        {
            bdf.TEST_TIME: [0.0, 10.0, 20.0, 30.0, 40.0],
            bdf.VOLTAGE: [4.1, 4.0, 3.9, 4.1, 4.0],
            bdf.CURRENT: [-1.0, -1.0, -1.0, -1.0, -1.0],
            bdf.CYCLE: [1, 1, 1, 2, 2],
            bdf.DISCHARGING_CAPACITY: [0.0, 0.1, 0.2, 0.3, 0.4],
        }
    )
    second = measured_segment(frame, 2)
    assert second[bdf.TEST_TIME].tolist() == [0.0, 10.0]
    assert second[bdf.DISCHARGING_CAPACITY].tolist() == pytest.approx([0.0, 0.1])
    assert measured_segment(frame)[bdf.TEST_TIME].tolist() == frame[bdf.TEST_TIME].tolist()
    assert frame[bdf.TEST_TIME].iloc[3] == 30.0  # the input is not modified
    with pytest.raises(SimulationError, match="no cycle 7"):
        measured_segment(frame, 7)
