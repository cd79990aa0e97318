"""Lumped thermal DFN and SPMe (Chen2020, 1C and 2C) through ``Simulation`` against PyBaMM 26.10.

The curves were made by ``data/make_pybamm_thermal_references.py`` (PyBaMM's ``{"thermal": "lumped"}``
models, the published set, IDAKLU at 1e-8). The issue's bar: voltage within 3 mV RMSE and the
volume-averaged cell temperature within 0.5 K, on the compiled stepper (not the Python fallback).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from solvers import bdf
from voltvault_core.simulation import Simulation

DATA = Path(__file__).resolve().parent / "data"

CASES = {
    "Chen2020_DFN_1C_lumped": ("dfn", "Discharge at 1C until 2.5 V"),
    "Chen2020_DFN_2C_lumped": ("dfn", "Discharge at 2C until 2.5 V"),
    "Chen2020_SPMe_1C_lumped": ("spme", "Discharge at 1C until 2.5 V"),
    "Chen2020_SPMe_2C_lumped": ("spme", "Discharge at 2C until 2.5 V"),
}


def _load(case: str) -> dict[str, np.ndarray]:
    data = np.genfromtxt(DATA / f"pybamm_{case}.csv", delimiter=",", names=True)
    ends = np.atleast_1d(np.genfromtxt(DATA / f"pybamm_{case}_step_ends.csv", skip_header=1))
    return {**{k: np.asarray(data[k]) for k in data.dtype.names}, "step_ends": ends}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_lumped_thermal_agrees_with_pybamm(case):
    model, experiment = CASES[case]
    ref = _load(case)
    result = Simulation(model, "Chen2020", experiment, thermal="lumped").solve()
    assert not result.failed, result.termination
    assert result.info["kernel"] == "numba (compiled stepper)"
    t = result[bdf.TEST_TIME]
    mask = ref["time_s"] <= min(t[-1], ref["time_s"][-1])
    rmse = np.sqrt(np.mean((np.interp(ref["time_s"][mask], t, result[bdf.VOLTAGE]) - ref["voltage_V"][mask]) ** 2))
    assert rmse < 3e-3
    assert t[-1] == pytest.approx(ref["step_ends"][-1], rel=3e-3)
    T = np.interp(ref["time_s"][mask], t, result["Volume-averaged cell temperature [K]"])
    assert ref["temperature_K"][-1] - ref["temperature_K"][0] > 10.0  # a real heating case
    assert np.max(np.abs(T - ref["temperature_K"][mask])) < 0.5
    # the heat source that drives it, PyBaMM's "Volume-averaged total heating [W.m-3]"
    Q = np.interp(ref["time_s"][mask], t, result["Volume-averaged total heating [W.m-3]"])
    inner = mask & (ref["time_s"] > 30.0) & (ref["time_s"] < 0.95 * ref["time_s"][-1])
    Q_ref = ref["heating_W_m3"][mask]
    rel = np.abs(Q - Q_ref)[inner[mask]] / np.max(Q_ref)
    assert np.max(rel) < 0.05
