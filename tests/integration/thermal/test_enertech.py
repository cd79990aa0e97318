"""Enertech pouch (Ai et al. 2020): the 3D model's temperature rise against the measured one (goal <= 1 K)."""

from __future__ import annotations

import pytest

from voltvault_core.thermal.validation import MEASURED_DIR, enertech_comparison

pytestmark = pytest.mark.skipif(not MEASURED_DIR.is_dir(), reason="../shared/data/measured/enertech_ai2020 absent")


@pytest.mark.parametrize("c_rate", ["0.5C", "1C", "2C"])
def test_enertech_temperature_rise_rmse_below_1K(c_rate):
    out = enertech_comparison(c_rate, cells=1000)
    assert out["rmse_mean_K"] < 1.0
    assert out["rmse_surface_centre_K"] < 1.0
    assert out["peak_rise_simulated_K"] == pytest.approx(out["peak_rise_measured_K"], abs=1.0)
