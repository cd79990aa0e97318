"""``Simulation(...).solve()`` end to end with the real models, against PyBaMM's reference curves.

The references (``../shared/reference/pybamm``) are constant-current discharges from PyBaMM with the
default 20-volume mesh; these tests go through the entry point (parsing, C-rate resolution, relabelling),
so they check the whole path a user takes, not only the model kernels.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solvers import bdf
from solvers.export import result_from_bytes
from voltvault_core.simulation import Simulation

REPO_ROOT = Path(__file__).resolve().parents[3]
REFERENCE_DIR = REPO_ROOT.parent / "shared" / "reference" / "pybamm"


def _reference(name: str) -> dict[str, np.ndarray]:
    path = REFERENCE_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared not beside the repository)")
    data = np.genfromtxt(path, delimiter=",", names=True)
    return {k: np.asarray(data[k]) for k in data.dtype.names}


def _rmse_V(result, ref) -> float:
    t = result[bdf.TEST_TIME]
    v = result[bdf.VOLTAGE]
    t_end = min(t[-1], ref["time_s"][-1])
    mask = ref["time_s"] <= t_end
    return float(np.sqrt(np.mean((np.interp(ref["time_s"][mask], t, v) - ref["voltage_V"][mask]) ** 2)))


CASES = [
    ("dfn", "Chen2020", "Chen2020_DFN_1.0C_298K_fine.csv", 1.0),
    ("spme", "Chen2020", "Chen2020_SPMe_1.0C_298K.csv", 1.0),
    ("spm", "Marquis2019", "Marquis2019_SPM_1.0C_298K.csv", 1.0),
    ("p2d", "Chen2020", "Chen2020_DFN_0.5C_298K.csv", 0.5),
]


@pytest.mark.slow
@pytest.mark.parametrize(("model", "parameter_set", "reference", "c_rate"), CASES)
def test_discharge_through_the_entry_point_matches_pybamm(model, parameter_set, reference, c_rate):
    ref = _reference(reference)
    sim = Simulation(model, parameter_set, f"Discharge at {c_rate:g}C until {_cutoff(parameter_set)} V")
    result = sim.solve()
    assert not result.failed, result.termination
    assert result.termination.startswith("event")
    assert _rmse_V(result, ref) < 3e-3
    capacity = result[bdf.DISCHARGING_CAPACITY][-1]
    assert capacity == pytest.approx(ref["discharge_capacity_Ah"][-1], rel=3e-3)
    # sign convention at the boundary of the app: discharge is negative in the BDF frame
    assert np.all(result[bdf.CURRENT][1:] < 0)
    assert result[bdf.VOLTAGE][0] > result[bdf.VOLTAGE][-1]


def _cutoff(parameter_set: str) -> str:
    return {"Chen2020": "2.5", "Marquis2019": "3.105"}[parameter_set]


@pytest.mark.slow
def test_cycling_protocol_numbers_cycles_and_steps_as_written():
    sim = Simulation(
        "spm",
        "Chen2020",
        "(Discharge at 1C for 10 minutes, Rest for 5 minutes, Charge at C/2 for 10 minutes) x 2\nRest for 2 minutes",
        initial_soc=0.7,
    )
    result = sim.solve()
    assert not result.failed, result.termination
    cycles, steps, index = result[bdf.CYCLE], result[bdf.STEP], result[bdf.STEP_INDEX]
    assert list(np.unique(cycles)) == [1, 2, 3]
    assert list(np.unique(steps)) == list(range(1, 8))
    current = result[bdf.CURRENT]
    assert np.allclose(current[(index == 1) & (cycles < 3)][1:-1], -5.0)  # 1C discharge, BDF sign
    assert np.allclose(current[index == 2][1:-1], 0.0, atol=1e-9)
    assert np.allclose(current[index == 3][1:-1], 2.5)  # C/2 charge
    assert result[bdf.TEST_TIME][-1] == pytest.approx(2 * 1500 + 120, abs=1.0)
    # discharged and charged capacities count what each direction moved
    assert result[bdf.DISCHARGING_CAPACITY][-1] == pytest.approx(2 * 5.0 / 6, rel=1e-3)
    assert result[bdf.CHARGING_CAPACITY][-1] == pytest.approx(2 * 2.5 / 6, rel=1e-3)


@pytest.mark.slow
def test_initial_soc_and_temperature_change_the_physics_the_right_way():
    base = Simulation("spme", "Chen2020", "Discharge at 1C until 2.5 V").solve()
    half = Simulation("spme", "Chen2020", "Discharge at 1C until 2.5 V", initial_soc=0.5).solve()
    cold = Simulation("spme", "Chen2020", "Discharge at 1C until 2.5 V", ambient_temperature_K=273.15).solve()
    q = {k: r[bdf.DISCHARGING_CAPACITY][-1] for k, r in {"base": base, "half": half, "cold": cold}.items()}
    assert q["half"] < 0.6 * q["base"]
    assert half[bdf.VOLTAGE][0] < base[bdf.VOLTAGE][0]
    # colder: slower kinetics and transport give a lower voltage at the same time
    t = 600.0
    assert np.interp(t, cold[bdf.TEST_TIME], cold[bdf.VOLTAGE]) < np.interp(
        t, base[bdf.TEST_TIME], base[bdf.VOLTAGE]
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    # not ORegan2022: its lithium reaches only 4.24 V of its 4.4 V cut-off (x = 1), so initial_soc has no
    # 100 % point; PyBaMM then takes x_100 = 0.9997 silently, VoltVault says so and stops
    "parameter_set",
    ["Ecker2015", "Prada2013", "Mohtat2020", "OKane2022", "NCA_Kim2011"],
)
def test_new_parameter_sets_run_a_full_cycle(parameter_set):
    """Each added set discharges (Mohtat2020 starts empty, so it charges first) to its cut-offs."""
    from solvers.parameters import get_parameter_set

    ps = get_parameter_set(parameter_set)
    lo, hi = ps.value("Lower voltage cut-off [V]"), ps.value("Upper voltage cut-off [V]")
    sim = Simulation(
        "spme", ps, [f"Charge at C/2 until {hi:g} V", f"Discharge at C/2 until {lo:g} V"], initial_soc=0.5
    )
    result = sim.solve()
    assert not result.failed, result.termination
    v = result[bdf.VOLTAGE]
    assert v.max() == pytest.approx(hi, abs=0.02)
    assert v[-1] == pytest.approx(lo, abs=0.02)
    delivered = result[bdf.DISCHARGING_CAPACITY][-1]
    assert (
        0.75 * ps.value("Nominal cell capacity [A.h]")
        < delivered
        < 1.15 * ps.value("Nominal cell capacity [A.h]")
    )


@pytest.mark.slow
def test_impossible_case_returns_a_partial_result_with_a_diagnosis():
    result = Simulation("dfn", "Chen2020", "Discharge at 50C until 2.5 V").solve()  # no exception
    assert result[bdf.TEST_TIME].size >= 1
    if result.failed:  # a diagnosis that names the step and says what to try
        assert "Discharge at 50C until 2.5 V" in result.termination
        assert "Try" in result.termination
    else:  # or the cell hits its cut-off within seconds: 250 A leaves nothing to discharge
        assert result.termination.startswith("event")
        assert result[bdf.TEST_TIME][-1] < 60.0
        assert result[bdf.DISCHARGING_CAPACITY][-1] < 0.05 * 5.0


@pytest.mark.slow
def test_cli_subprocess_writes_bdf_csv_and_one_json_object(tmp_path):
    out = tmp_path / "dfn.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "voltvault_core", "simulate", "--model", "spme", "--parameter-set", "Marquis2019",
         "--experiment", "Discharge at 1C until 3.105 V", "--output", str(out), "--json"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["model"] == "spme"
    assert info["termination"].startswith("event")
    assert info["discharge_capacity_Ah"] == pytest.approx(0.68405, rel=3e-3)  # PyBaMM SPMe, README table
    assert info["n_states"] > 10
    back = result_from_bytes(out.read_bytes(), "parquet")
    assert back[bdf.VOLTAGE][-1] == pytest.approx(info["end_voltage_V"])
    bad = subprocess.run(
        [sys.executable, "-m", "voltvault_core", "simulate", "--experiment", "Charge at -1C until 4.2 V"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=300,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "Charge at -1C until 4.2 V" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_bundled_drive_cycles_drive_the_model_as_tabulated():
    from voltvault_core.simulation import load_drive_cycle

    sim = Simulation(
        "spm",
        "Chen2020",
        [
            "Run ECE15_x4_power (W) for 200 seconds or until 2.5 V",
            "Run pulse_train_current (A) for 2 minutes",
        ],
        initial_soc=0.8,
    )
    result = sim.solve()
    assert not result.failed, result.termination
    t, v = result[bdf.TEST_TIME], result[bdf.VOLTAGE]
    i_discharge = -result[bdf.CURRENT]
    _, t_power, p_power = load_drive_cycle("ECE15_x4_power")
    _, t_current, i_current = load_drive_cycle("pulse_train_current")
    first = result[bdf.STEP] == 1
    assert t[first][-1] == pytest.approx(200.0, abs=1e-6)  # a duration cuts the table
    assert t[-1] == pytest.approx(320.0, abs=1e-6)
    np.testing.assert_allclose(
        i_discharge[first] * v[first], np.interp(t[first], t_power, p_power), atol=1e-3
    )
    second = (result[bdf.STEP] == 2) & (t > 201.0)
    tau = t[second] - 200.0
    # away from the 1 s ramps of the table the imposed current is followed exactly
    steady = np.abs(tau - np.round(tau)) > 0.05
    np.testing.assert_allclose(
        i_discharge[second][steady], np.interp(tau, t_current, i_current)[steady], atol=1e-6
    )
