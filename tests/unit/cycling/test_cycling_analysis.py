"""Per-cycle metrics, DC resistance, trends with confidence bands, quality flags and decimation,
all against synthetic data whose truth is known exactly."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from voltvault_core import bdf
from voltvault_core.cycling.analysis import cycle_curve, decimate_frame, dqdv, minmax_decimate_indices
from voltvault_core.cycling.metrics import METRIC_COLUMNS, compute_cycle_metrics
from voltvault_core.cycling.quality import flag_summary_by_cycle, quality_flags
from voltvault_core.cycling.resistance import cycle_resistance, find_current_steps, hppc_pulses
from voltvault_core.cycling.synthetic import capacity_Ah_at, ocv_V, resistance_Ohm_at, synthetic_cycling_frame
from voltvault_core.cycling.trends import TREND_MODELS, fit_all_trends, fit_trend


@pytest.fixture(scope="module")
def cell() -> pd.DataFrame:
    return synthetic_cycling_frame(30, capacity_Ah=2.0, resistance_Ohm=0.05, fade_k=0.01, hppc_every=5)


def test_metrics_recover_the_true_capacities_and_efficiencies(cell: pd.DataFrame) -> None:
    metrics = compute_cycle_metrics(cell)
    assert tuple(metrics.columns) == METRIC_COLUMNS
    truth = capacity_Ah_at(np.arange(1, 31), 2.0, 0.01)
    np.testing.assert_allclose(metrics["discharge_capacity_Ah"], truth, rtol=1e-12)
    np.testing.assert_allclose(metrics["charge_capacity_Ah"], truth, rtol=1e-12)
    np.testing.assert_allclose(metrics["coulombic_efficiency"], 1.0)
    # energy efficiency < 1 by the ohmic loss; mean voltages straddle the OCV
    assert np.all((metrics["energy_efficiency"] > 0.9) & (metrics["energy_efficiency"] < 1.0))
    assert np.all(metrics["mean_charge_voltage_V"] > metrics["mean_discharge_voltage_V"])
    r = resistance_Ohm_at(np.arange(1, 31), 0.05, 0.002)
    np.testing.assert_allclose(metrics["end_of_charge_voltage_V"], ocv_V(1.0) + 2.0 * r, rtol=1e-9)
    np.testing.assert_allclose(metrics["end_of_discharge_voltage_V"], ocv_V(0.0) - 2.0 * r, rtol=1e-9)
    assert metrics["temperature_max_degC"].iloc[0] == pytest.approx(29.0)  # 2 K per C-rate, 2C pulse


def test_dcir_per_cycle_with_the_step_it_came_from(cell: pd.DataFrame) -> None:
    steps = find_current_steps(cell)
    truth = resistance_Ohm_at(steps["cycle"].to_numpy(), 0.05, 0.002)
    np.testing.assert_allclose(steps["resistance_instant_Ohm"], truth, rtol=1e-9)
    pulses = hppc_pulses(cell)
    assert set(pulses["cycle"]) == {1, 6, 11, 16, 21, 26}
    assert (pulses["kind"] == "discharge pulse").all()
    np.testing.assert_allclose(pulses["delta_t_s"], 10.0)
    per_cycle = cycle_resistance(cell).set_index("cycle")
    assert per_cycle.loc[6, "kind"] == "discharge pulse"
    assert per_cycle.loc[6, "basis"] == "10 s"
    # a 10 s pulse reads the ohmic drop plus the OCV change over the pulse
    q6 = capacity_Ah_at(6, 2.0, 0.01)
    expected = resistance_Ohm_at(6, 0.05, 0.002) + (ocv_V(1.0) - ocv_V(1.0 - 4.0 * 10 / 3600 / q6)) / 4.0
    assert per_cycle.loc[6, "resistance_Ohm"] == pytest.approx(expected, rel=1e-9)
    metrics = compute_cycle_metrics(cell).set_index("cycle")
    assert metrics.loc[6, "dcir_step"] == per_cycle.loc[6, "step"]
    assert metrics.loc[7, "dcir_Ohm"] == pytest.approx(resistance_Ohm_at(7, 0.05, 0.002))


def test_trend_fits_recover_a_sqrt_fade_and_rank_it_first(cell: pd.DataFrame) -> None:
    metrics = compute_cycle_metrics(cell)
    x = metrics["cycle"].to_numpy() - 1.0
    rng = np.random.default_rng(1)
    y = metrics["discharge_capacity_Ah"].to_numpy() + rng.normal(0, 1e-4, x.size)
    fits = fit_all_trends(x, y)
    assert {f.model for f in fits} == set(TREND_MODELS)
    best = fits[0]
    assert best.model in ("sqrt", "power")
    sqrt_fit = fit_trend(x, y, "sqrt")
    assert sqrt_fit.parameters["a"] == pytest.approx(2.0, abs=2e-4)
    assert sqrt_fit.parameters["b"] == pytest.approx(-0.02, rel=0.02)
    truth = capacity_Ah_at(sqrt_fit.x + 1, 2.0, 0.01)
    inside = (truth >= sqrt_fit.lower) & (truth <= sqrt_fit.upper)
    assert inside.mean() > 0.9
    assert np.all(sqrt_fit.prediction_upper >= sqrt_fit.upper)
    linear = fit_trend(x, y, "linear")
    assert linear.r_squared < sqrt_fit.r_squared


def test_trend_fit_refuses_too_few_points_and_unknown_models() -> None:
    with pytest.raises(ValueError, match="at least 4 points"):
        fit_trend(np.array([1.0, 2, 3]), np.array([1.0, 2, 3]), "power")
    with pytest.raises(ValueError, match="unknown trend model"):
        fit_trend(np.arange(5.0), np.arange(5.0), "cubic")


def test_quality_flags_find_injected_faults_and_explain_them(cell: pd.DataFrame) -> None:
    assert quality_flags(cell).empty
    faulty = cell.copy()
    faulty.loc[150, bdf.VOLTAGE] += 0.3  # spike inside the discharge of cycle 1
    i_dis = faulty.index[(faulty[bdf.CYCLE] == 3) & (faulty[bdf.CURRENT] < 0)][50]
    faulty.loc[i_dis, bdf.CURRENT] = 0.0  # dropout
    faulty.loc[500:, bdf.TEST_TIME] += 7200.0  # gap
    faulty = pd.concat([faulty.iloc[:800], faulty.iloc[[799]], faulty.iloc[800:]], ignore_index=True)  # duplicate
    faulty.loc[1200, bdf.SURFACE_TEMPERATURE] = 75.0
    flags = quality_flags(faulty)
    kinds = set(flags["kind"])
    assert kinds == {"voltage spike", "current dropout", "time gap", "duplicated row", "temperature excursion"}
    spike = flags[flags["kind"] == "voltage spike"].iloc[0]
    assert spike["row"] == 150
    jump_mV = float(re.search(r"jumps ([+-]\d+) mV and back", spike["explanation"]).group(1))
    assert 280 <= jump_mV <= 300
    gap = flags[flags["kind"] == "time gap"].iloc[0]
    assert "2.0" in gap["explanation"]
    assert gap["row"] == 500
    summary = flag_summary_by_cycle(flags)
    assert any(item["kind"] == "current dropout" for item in summary[3])


def test_minmax_decimation_keeps_extremes_and_the_budget() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=1_000_003)
    y[777_777] = 50.0
    y[123_456] = -50.0
    keep = minmax_decimate_indices(y, 100_000)
    assert keep.size <= 100_000
    assert {777_777, 123_456, 0, y.size - 1} <= set(keep.tolist())
    assert np.all(np.diff(keep) > 0)
    frame = pd.DataFrame({"y": y})
    assert len(decimate_frame(frame, "y", 1000)) <= 1000
    assert len(decimate_frame(frame.iloc[:50], "y", 1000)) == 50


def test_cycle_curve_and_dqdv_integrate_back_to_the_capacity(cell: pd.DataFrame) -> None:
    curve = cycle_curve(cell, 2, "discharge")
    assert curve["capacity_Ah"].max() == pytest.approx(capacity_Ah_at(2, 2.0, 0.01))
    incremental = dqdv(cell, 2, "discharge", bin_V=0.01)
    bin_used = float(np.diff(incremental["voltage_V"]).mean())  # widened to twice the typical voltage step
    assert bin_used >= 0.01
    total = np.sum(incremental["dqdv_Ah_per_V"]) * bin_used
    assert total == pytest.approx(capacity_Ah_at(2, 2.0, 0.01), rel=0.01)
