"""Plotly figures of the Cycling Data Explorer (no Streamlit here; the page only shows them).

Every figure keeps the number of points it ships under :data:`MAX_CHART_POINTS` (about 100k) with
min/max-preserving decimation, so a million-row dataset stays responsive in the browser.
Flagged cycles are orange with the explanation in the tooltip.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from voltvault_core import bdf
from voltvault_core.cycling.analysis import MAX_CHART_POINTS, cycle_curve, dqdv, minmax_decimate_indices
from voltvault_core.cycling.trends import TrendFit
from voltvault_core.figure_style import LEGEND_ABOVE

FLAG_COLOUR = "#f28e2b"  # orange
LINE_COLOUR = "#4e79a7"
SIM_COLOUR = "#e15759"


def figure_points(figure: go.Figure) -> int:
    """Number of (x, y) points a figure ships to the browser."""
    return int(sum(len(trace.x) if getattr(trace, "x", None) is not None else 0 for trace in figure.data))


def _budget(n_traces: int, max_points: int) -> int:
    return max(max_points // max(n_traces, 1), 4)


def voltage_figure(
    frame: pd.DataFrame,
    cycles: Sequence[int],
    *,
    x: str = "capacity",
    simulated: pd.DataFrame | None = None,
    flagged: Mapping[int, list[dict]] | None = None,
    max_points: int = MAX_CHART_POINTS,
    title: str = "",
) -> go.Figure:
    """Voltage against capacity (``x="capacity"``) or time (``x="time"``) for the chosen cycles.

    ``simulated`` (a BDF frame, e.g. ``SolverResult.to_frame()``) is overlaid as a dashed line;
    flagged cycles are drawn in orange with their explanations in the hover text.
    """
    figure = go.Figure()
    flagged = flagged or {}
    budget = _budget(len(cycles) + (simulated is not None), max_points)
    for cycle in cycles:
        curve = cycle_curve(frame, int(cycle))
        if x == "capacity":  # rests add nothing on a capacity axis and would draw lines across it
            curve = curve[curve["direction"] != "rest"].reset_index(drop=True)
        if curve.empty:
            continue
        keep = minmax_decimate_indices(curve["voltage_V"].to_numpy(), budget)
        curve = curve.iloc[keep]
        notes = flagged.get(int(cycle))
        hover = "<br>".join(f"⚠ {n['kind']}: {n['explanation']}" for n in notes) if notes else ""
        xs = (curve["capacity_Ah"] * 1000.0 if x == "capacity" else curve["time_s"] / 3600.0).to_numpy(dtype=float)
        ys = curve["voltage_V"].to_numpy(dtype=float)
        if x == "capacity":  # a gap where charge turns into discharge, not a line back to zero
            turns = np.flatnonzero(curve["direction"].to_numpy()[1:] != curve["direction"].to_numpy()[:-1]) + 1
            xs, ys = np.insert(xs, turns, np.nan), np.insert(ys, turns, np.nan)
        figure.add_trace(
            go.Scattergl(
                x=xs, y=ys, mode="lines", name=f"cycle {cycle}" + (" ⚠" if notes else ""),
                line={"color": FLAG_COLOUR} if notes else None,
                hovertemplate=f"cycle {cycle}<br>%{{x:.4g}}, %{{y:.4f}} V" + (f"<br>{hover}" if hover else "") + "<extra></extra>",
            )
        )
    if simulated is not None and len(simulated):
        sim = simulated
        keep = minmax_decimate_indices(sim[bdf.VOLTAGE].to_numpy(), budget)
        sim = sim.iloc[keep]
        if x == "capacity":
            current = sim[bdf.CURRENT].to_numpy()
            time_s = sim[bdf.TEST_TIME].to_numpy()
            xs = np.abs(np.concatenate([[0.0], np.cumsum(0.5 * (current[1:] + current[:-1]) * np.diff(time_s))])) / 3.6
        else:
            xs = (sim[bdf.TEST_TIME] - sim[bdf.TEST_TIME].iloc[0]) / 3600.0
        figure.add_trace(go.Scattergl(x=xs, y=sim[bdf.VOLTAGE], mode="lines", name="simulation",
                                      line={"color": SIM_COLOUR, "dash": "dash"}))
    figure.update_layout(
        title=title, xaxis_title="capacity [mAh]" if x == "capacity" else "time in cycle [h]", yaxis_title="voltage [V]",
        legend=LEGEND_ABOVE, margin={"t": 80 if title else 40, "b": 10},
    )
    return figure


def time_series_figure(
    frame: pd.DataFrame, *, flags: pd.DataFrame | None = None, max_points: int = MAX_CHART_POINTS
) -> go.Figure:
    """Voltage and current against test time for the whole dataset (decimated).

    ``flags`` (from :func:`voltvault_core.cycling.quality.quality_flags`) are drawn as orange markers
    on the voltage with their explanations in the hover text (at most 2,000 of them).
    """
    flags = flags if flags is not None else pd.DataFrame()
    budget = (max_points - min(len(flags), 2000)) // 2
    keep_v = minmax_decimate_indices(frame[bdf.VOLTAGE].to_numpy(), budget)
    keep_i = minmax_decimate_indices(frame[bdf.CURRENT].to_numpy(), budget)
    figure = go.Figure()
    figure.add_trace(go.Scattergl(x=frame[bdf.TEST_TIME].to_numpy()[keep_i] / 3600, y=frame[bdf.CURRENT].to_numpy()[keep_i],
                                  name="current [A]", mode="lines", yaxis="y2", line={"color": "#59a14f", "width": 1},
                                  opacity=0.45))
    figure.add_trace(go.Scattergl(x=frame[bdf.TEST_TIME].to_numpy()[keep_v] / 3600, y=frame[bdf.VOLTAGE].to_numpy()[keep_v],
                                  name="voltage [V]", mode="lines", line={"color": LINE_COLOUR}))
    if len(flags):
        shown = flags.head(2000)
        rows = shown["row"].to_numpy()
        figure.add_trace(go.Scattergl(
            x=frame[bdf.TEST_TIME].to_numpy()[rows] / 3600, y=frame[bdf.VOLTAGE].to_numpy()[rows], mode="markers",
            marker={"color": FLAG_COLOUR, "size": 9, "symbol": "x"}, name=f"quality flags ({len(flags)})",
            text=[f"⚠ {k}: {e}" for k, e in zip(shown["kind"], shown["explanation"], strict=True)],
            hovertemplate="%{text}<extra></extra>",
        ))
    figure.update_layout(xaxis_title="test time [h]", yaxis_title="voltage [V]",
                         yaxis2={"title": "current [A]", "overlaying": "y", "side": "right"},
                         legend=LEGEND_ABOVE, margin={"t": 40, "b": 10})
    return figure


def dqdv_figure(frame: pd.DataFrame, cycles: Sequence[int], direction: str = "discharge", bin_V: float = 0.005) -> go.Figure:
    """Differential capacity of the chosen cycles."""
    figure = go.Figure()
    for cycle in cycles:
        data = dqdv(frame, int(cycle), direction, bin_V=bin_V)  # type: ignore[arg-type]
        figure.add_trace(go.Scatter(x=data["voltage_V"], y=data["dqdv_Ah_per_V"] * 1000, mode="lines", name=f"cycle {cycle}"))
    figure.update_layout(xaxis_title="voltage [V]", yaxis_title="dQ/dV [mAh/V]", legend=LEGEND_ABOVE,
                         margin={"t": 40, "b": 10})
    return figure


def trend_figure(
    metrics: pd.DataFrame,
    column: str,
    fits: Sequence[TrendFit] = (),
    *,
    y_title: str = "",
    scale: float = 1.0,
    x_column: str = "cycle",
    x_title: str = "cycle",
) -> go.Figure:
    """A per-cycle metric against ``x_column`` (cycle, or time) with fitted trends and their confidence
    bands; flagged cycles in orange with the explanation in the hover text."""
    figure = go.Figure()
    flags = metrics["flags"] if "flags" in metrics else pd.Series([None] * len(metrics))
    flagged = flags.map(lambda f: bool(f) if isinstance(f, list) else False).to_numpy()
    texts = flags.map(
        lambda f: "<br>".join(f"⚠ {i['kind']} ×{i['count']}: {i['explanation']}" for i in f) if isinstance(f, list) and f else ""
    )
    for mask, colour, name in ((~flagged, LINE_COLOUR, "measured"), (flagged, FLAG_COLOUR, "flagged cycle")):
        if mask.any():
            figure.add_trace(go.Scatter(
                x=metrics[x_column][mask], y=metrics[column][mask] * scale, mode="markers", name=name,
                marker={"color": colour, "size": 7}, text=texts[mask], customdata=metrics["cycle"][mask],
                hovertemplate="cycle %{customdata}: %{y:.5g}<br>%{text}<extra></extra>",
            ))
    palette = ["#76b7b2", "#edc948", "#b07aa1", "#9c755f"]
    for fit, colour in zip(fits, palette, strict=False):
        figure.add_trace(go.Scatter(x=np.r_[fit.x, fit.x[::-1]], y=np.r_[fit.upper, fit.lower[::-1]] * scale, fill="toself",
                                    fillcolor=colour, opacity=0.25, line={"width": 0}, hoverinfo="skip",
                                    name=f"{fit.model} {fit.confidence:.0%} band", showlegend=False))
        figure.add_trace(go.Scatter(x=fit.x, y=fit.y_fit * scale, mode="lines", line={"color": colour},
                                    name=f"{fit.model}: {fit.equation} (R²={fit.r_squared:.4f})"))
    figure.update_layout(xaxis_title=x_title, yaxis_title=y_title or column, legend=LEGEND_ABOVE,
                         margin={"t": 40, "b": 10})
    return figure


def batch_figure(
    curves: pd.DataFrame,
    labels: Mapping[int, str],
    *,
    normalise: bool = True,
    y_title: str = "discharge capacity",
    max_points: int = MAX_CHART_POINTS,
    max_legend_traces: int = 30,
) -> go.Figure:
    """Fade curves of many datasets (``dataset_id, cycle, value`` rows, e.g. from ``service.fade_curves``).

    Up to ``max_legend_traces`` datasets get one trace each; more are drawn as ONE WebGL trace with
    gaps between datasets and the cell name in the hover text (hundreds of cells stay fast).
    ``normalise`` divides each curve by its first finite value (retention).
    """
    data = curves.dropna(subset=["value"])
    if normalise and len(data):
        first = data.groupby("dataset_id")["value"].transform("first")
        data = data.assign(value=data["value"] / first.where(first != 0))
    if len(data) > max_points:
        data = data.sort_values(["dataset_id", "cycle"], kind="stable")
        per = _budget(data["dataset_id"].nunique(), max_points)
        ids_col = data["dataset_id"].to_numpy()
        values = data["value"].to_numpy(dtype=float)
        starts = np.r_[0, np.flatnonzero(ids_col[1:] != ids_col[:-1]) + 1, ids_col.size]
        keep = np.concatenate(
            [a + minmax_decimate_indices(values[a:b], per) for a, b in itertools.pairwise(starts)]
        )
        data = data.iloc[keep]
    figure = go.Figure()
    ids = data["dataset_id"].unique()
    if len(ids) <= max_legend_traces:
        for dataset_id in ids:
            part = data[data["dataset_id"] == dataset_id]
            figure.add_trace(go.Scattergl(x=part["cycle"], y=part["value"], mode="lines", name=labels.get(int(dataset_id), str(dataset_id))))
    else:
        ids_col = data["dataset_id"].to_numpy()
        breaks = np.flatnonzero(ids_col[1:] != ids_col[:-1]) + 1
        x = np.insert(data["cycle"].to_numpy(dtype=float), breaks, np.nan)
        y = np.insert(data["value"].to_numpy(dtype=float), breaks, np.nan)
        unique_ids, inverse = np.unique(ids_col, return_inverse=True)
        names_by_id = np.array([labels.get(int(i), str(i)) for i in unique_ids], dtype=str)  # fixed-width: cheap copies
        names = np.insert(names_by_id[inverse], breaks, "")
        figure.add_trace(go.Scattergl(x=x, y=y, mode="lines", line={"width": 1}, opacity=0.6, customdata=names,
                                      name=f"{len(ids)} cells", hovertemplate="%{customdata}<br>cycle %{x}: %{y:.4g}<extra></extra>"))
    figure.update_layout(xaxis_title="cycle", yaxis_title=("retention of " if normalise else "") + y_title,
                         legend=LEGEND_ABOVE, margin={"t": 40, "b": 10})
    return figure
