"""The Ai2020 (Enertech) set: known values, and its DFN against PyBaMM's on PyBaMM's own Ai2020 set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from solvers.parameters import get_parameter_set
from voltvault_core.simulation import Simulation

DATA = Path(__file__).resolve().parent / "data"


def test_ai2020_known_values_and_citation():
    ps = get_parameter_set("Ai2020")
    assert "10.1149/2.0122001JES" in ps.citations
    assert ps["Nominal cell capacity [A.h]"] == pytest.approx(2.28)
    assert ps["Number of electrodes connected in parallel to make a cell"] == pytest.approx(34.0)
    assert float(ps["Negative electrode OCP [V]"](0.5)) == pytest.approx(0.13652, abs=1e-4)  # PyBaMM (cubic): 0.13652
    assert float(ps["Positive electrode OCP [V]"](0.5)) == pytest.approx(4.16151, abs=1e-4)  # PyBaMM: 4.16151


def test_ai2020_dfn_1C_voltage_matches_pybamm_within_5_mV():
    ref = np.loadtxt(DATA / "pybamm_dfn_Ai2020_1C.csv", delimiter=",")
    result = Simulation("dfn", "Ai2020", "Discharge at 1C until 3 V").solve()
    t = ref[:, 0]
    keep = t <= min(t[-1], result.time_s[-1])
    v = np.interp(t[keep], result.time_s, result["Voltage / V"])
    assert np.sqrt(np.mean((v - ref[keep, 1]) ** 2)) < 5e-3
    assert result.time_s[-1] == pytest.approx(t[-1], rel=0.01)
