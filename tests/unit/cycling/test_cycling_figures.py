"""Explorer figures: point budgets, flagged cycles in orange with their explanation, batch traces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from voltvault_core import bdf
from voltvault_core.cycling.figures import (
    FLAG_COLOUR,
    batch_figure,
    figure_points,
    time_series_figure,
    trend_figure,
    voltage_figure,
)
from voltvault_core.cycling.metrics import compute_cycle_metrics
from voltvault_core.cycling.quality import quality_flags
from voltvault_core.cycling.synthetic import synthetic_cycling_frame
from voltvault_core.cycling.trends import fit_trend


@pytest.fixture(scope="module")
def cell() -> pd.DataFrame:
    return synthetic_cycling_frame(20, points_per_step=400, rest_points=10)


def test_voltage_figure_respects_the_budget_and_marks_flagged_cycles(cell: pd.DataFrame) -> None:
    flagged = {3: [{"kind": "voltage spike", "count": 1, "explanation": "voltage jumps +200 mV"}]}
    simulated = cell[cell[bdf.CYCLE] == 1]
    figure = voltage_figure(cell, list(range(1, 21)), flagged=flagged, simulated=simulated, max_points=2000)
    assert figure_points(figure) <= 2000 + 21 * 4  # each trace keeps its end points
    flagged_trace = next(t for t in figure.data if t.name.startswith("cycle 3"))
    assert flagged_trace.line.color == FLAG_COLOUR
    assert "voltage spike: voltage jumps +200 mV" in flagged_trace.hovertemplate
    assert figure.data[-1].name == "simulation"
    capacity_axis = voltage_figure(cell, [2]).data[0].x
    assert max(capacity_axis) == pytest.approx(compute_cycle_metrics(cell)["discharge_capacity_Ah"].iloc[1] * 1000)


def test_time_series_shows_quality_flags(cell: pd.DataFrame) -> None:
    faulty = cell.copy()
    faulty.loc[1000:, bdf.TEST_TIME] += 86400.0
    figure = time_series_figure(faulty, flags=quality_flags(faulty), max_points=5000)
    markers = figure.data[-1]
    assert markers.marker.color == FLAG_COLOUR
    assert "time gap" in markers.text[0]
    assert figure_points(figure) <= 5000 + 4


def test_trend_figure_draws_bands_and_flagged_points(cell: pd.DataFrame) -> None:
    metrics = compute_cycle_metrics(cell)
    metrics["flags"] = [None] * len(metrics)
    metrics.at[4, "flags"] = [{"kind": "time gap", "count": 1, "explanation": "no data for 2 h"}]
    fit = fit_trend(metrics["cycle"].to_numpy(float), metrics["discharge_capacity_Ah"].to_numpy(), "sqrt")
    figure = trend_figure(metrics, "discharge_capacity_Ah", [fit])
    names = [t.name for t in figure.data]
    assert "flagged cycle" in names
    assert any(name.startswith("sqrt") for name in names)
    assert any(t.fill == "toself" for t in figure.data)


def test_batch_figure_one_trace_for_many_cells_and_retention() -> None:
    ids = np.repeat(np.arange(1, 41), 50)
    cycles = np.tile(np.arange(1, 51), 40)
    curves = pd.DataFrame({"dataset_id": ids, "cycle": cycles, "value": 2.0 - 0.01 * np.sqrt(cycles) * (ids / 40)})
    labels = {i: f"CELL-{i}" for i in range(1, 41)}
    many = batch_figure(curves, labels)
    assert len(many.data) == 1
    assert many.data[0].y[0] == pytest.approx(1.0)  # retention: each curve divided by its first value
    assert "CELL-1" in list(many.data[0].customdata)
    few = batch_figure(curves[curves["dataset_id"] <= 3], labels, normalise=False)
    assert [t.name for t in few.data] == ["CELL-1", "CELL-2", "CELL-3"]
    budget = batch_figure(curves, labels, max_points=1000)
    assert figure_points(budget) <= 1000 + 40 * 3
