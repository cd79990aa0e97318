"""Simulation-against-measurement statistics and the choice of the measured discharge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solvers import bdf
from voltvault_core.reports.comparison import first_discharge, fit_statistics


def test_statistics_of_known_residuals():
    measured = np.array([4.0, 3.8, 3.6, 3.4])
    stats = fit_statistics(measured, measured + np.array([0.01, -0.01, 0.01, -0.01]))
    assert stats["rmse_V"] == pytest.approx(0.01)
    assert stats["mae_V"] == pytest.approx(0.01)
    assert stats["r2"] == pytest.approx(1 - 4e-4 / 0.2)
    with pytest.raises(ValueError, match="equal-length"):
        fit_statistics(measured, measured[:2])


def test_the_first_full_discharge_is_taken_not_a_pulse():
    # step 1: a 10 s, 5 A pulse; step 2: rest; step 3: a 1 h, 2 A discharge (BDF: discharge current < 0)
    t = np.concatenate([np.linspace(0, 10, 5), np.linspace(11, 100, 5), np.linspace(101, 3701, 61)])
    current = np.concatenate([np.full(5, -5.0), np.zeros(5), np.full(61, -2.0)])
    step = np.concatenate([np.full(5, 1), np.full(5, 2), np.full(61, 3)])
    voltage = np.concatenate([np.full(5, 3.9), np.full(5, 4.0), np.linspace(4.0, 3.0, 61)])
    frame = pd.DataFrame({bdf.TEST_TIME: t, bdf.CURRENT: current, bdf.STEP: step, bdf.VOLTAGE: voltage})
    q, v = first_discharge(frame)
    assert q[0] == 0.0
    assert q[-1] == pytest.approx(2.0)
    assert v[0] == 4.0
    assert v[-1] == 3.0
