"""Plotly figures of 3D thermal runs: volume/isosurfaces, slice planes with a time slider, temperature
against time at points, collector current-density maps and abuse-test histories.

Every function takes the packed run of :func:`voltvault_core.thermal.jobs.pack_run` (plain arrays, as a
job returns it), so a page draws a finished job without re-running anything.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

__all__ = ["abuse_figure", "current_density_figure", "history_figure", "slice_figure", "volume_figure"]

ZERO_C_K = 273.15


def _lookup(grid: dict, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat cell index of Cartesian sample points (and a mask of points inside the cell)."""
    e0, e1, e2 = grid["edges"]
    if grid["kind"] == "cylindrical":
        a, b, c = np.hypot(x, y), np.mod(np.arctan2(y, x), 2 * np.pi), z
    else:
        a, b, c = x, y, z
    inside = (a >= e0[0]) & (a <= e0[-1]) & (c >= e2[0]) & (c <= e2[-1])
    if grid["kind"] == "cartesian":
        inside &= (b >= e1[0]) & (b <= e1[-1])
    i = np.clip(np.searchsorted(e0, a) - 1, 0, e0.size - 2)
    j = np.clip(np.searchsorted(e1, b) - 1, 0, e1.size - 2)
    k = np.clip(np.searchsorted(e2, c) - 1, 0, e2.size - 2)
    n1, n2 = e1.size - 1, e2.size - 1
    return (i * n1 + j) * n2 + k, inside


def _bounds(grid: dict):
    e0, e1, e2 = grid["edges"]
    if grid["kind"] == "cylindrical":
        R = e0[-1]
        return (-R, R), (-R, R), (e2[0], e2[-1])
    return (e0[0], e0[-1]), (e1[0], e1[-1]), (e2[0], e2[-1])


def volume_figure(pack: dict, frame: int = -1, *, samples: int = 28, isosurfaces: int = 6,
                  onset_K: float | None = None) -> go.Figure:  # fmt: skip
    """Translucent volume of the temperature [degC] at ``frame`` (plus an isosurface at ``onset_K``)."""
    grid = pack["grid"]
    (x0, x1), (y0, y1), (z0, z1) = _bounds(grid)
    span = max(x1 - x0, y1 - y0, z1 - z0)
    n = [max(4, int(samples * (b - a) / span)) for a, b in ((x0, x1), (y0, y1), (z0, z1))]
    X, Y, Z = np.meshgrid(np.linspace(x0, x1, n[0]), np.linspace(y0, y1, n[1]), np.linspace(z0, z1, n[2]),
                          indexing="ij")  # fmt: skip
    idx, inside = _lookup(grid, X.ravel(), Y.ravel(), Z.ravel())
    T = np.asarray(pack["frames_K"][frame], dtype=float)[idx] - ZERO_C_K
    T = np.where(inside, T, np.nan)
    lo, hi = np.nanmin(T), np.nanmax(T)
    fig = go.Figure(go.Volume(x=1e3 * X.ravel(), y=1e3 * Y.ravel(), z=1e3 * Z.ravel(), value=np.nan_to_num(T, nan=lo - 1),
                              isomin=lo, isomax=hi if hi > lo else lo + 1e-3, opacity=0.15,
                              surface_count=isosurfaces, colorscale="Inferno",
                              colorbar={"title": "T [°C]"}))  # fmt: skip
    if onset_K is not None and hi + ZERO_C_K > onset_K:
        fig.add_trace(go.Isosurface(x=1e3 * X.ravel(), y=1e3 * Y.ravel(), z=1e3 * Z.ravel(),
                                    value=np.nan_to_num(T, nan=lo - 1), isomin=onset_K - ZERO_C_K,
                                    isomax=onset_K - ZERO_C_K, surface_count=1, colorscale=[[0, "cyan"], [1, "cyan"]],
                                    showscale=False, name="onset temperature", opacity=0.6))  # fmt: skip
    t = pack["frame_time_s"][frame]
    fig.update_layout(title=f"Temperature at t = {t:.0f} s", scene={"xaxis_title": "x [mm]", "yaxis_title": "y [mm]",
                      "zaxis_title": "z [mm]", "aspectmode": "data"}, margin={"l": 0, "r": 0, "t": 40, "b": 0})  # fmt: skip
    return fig


def slice_figure(pack: dict, axis: str = "z", position: float = 0.5, *, samples: int = 80) -> go.Figure:
    """A slice plane (normal to ``axis`` at ``position`` of the cell's extent) animated over the frames."""
    grid = pack["grid"]
    bounds = _bounds(grid)
    a = "xyz".index(axis)
    others = [i for i in range(3) if i != a]
    u = np.linspace(*bounds[others[0]], samples)
    v = np.linspace(*bounds[others[1]], max(8, int(samples * np.ptp(bounds[others[1]]) / max(np.ptp(bounds[others[0]]), 1e-12))))
    U, V = np.meshgrid(u, v, indexing="ij")
    coords = [None, None, None]
    coords[others[0]], coords[others[1]] = U.ravel(), V.ravel()
    coords[a] = np.full(U.size, bounds[a][0] + position * (bounds[a][1] - bounds[a][0]))
    idx, inside = _lookup(grid, *coords)
    frames_C = np.asarray(pack["frames_K"], dtype=float)[:, idx] - ZERO_C_K
    frames_C[:, ~inside] = np.nan
    lo, hi = np.nanmin(frames_C), np.nanmax(frames_C)
    names = "xyz"

    def heat(k):
        return go.Heatmap(x=1e3 * u, y=1e3 * v, z=frames_C[k].reshape(U.shape).T, zmin=lo, zmax=hi,
                          colorscale="Inferno", colorbar={"title": "T [°C]"})  # fmt: skip

    times = pack["frame_time_s"]
    fig = go.Figure(heat(len(times) - 1), frames=[go.Frame(data=[heat(k)], name=str(k)) for k in range(len(times))])
    steps = [{"args": [[str(k)], {"frame": {"duration": 0, "redraw": True}, "mode": "immediate"}],
              "label": f"{times[k]:.0f} s", "method": "animate"} for k in range(len(times))]  # fmt: skip
    fig.update_layout(
        title=f"Slice {names[a]} = {position:.0%} of the cell",
        xaxis_title=f"{names[others[0]]} [mm]", yaxis_title=f"{names[others[1]]} [mm]",
        yaxis={"scaleanchor": "x"},
        sliders=[{"active": len(times) - 1, "steps": steps, "currentvalue": {"prefix": "t = "}}],
        updatemenus=[{"type": "buttons", "showactive": False, "buttons": [
            {"label": "Play", "method": "animate", "args": [None, {"frame": {"duration": 150, "redraw": True}}]}]}],
    )  # fmt: skip
    return fig


def history_figure(pack: dict, points_m: dict[str, tuple[float, float, float]] | None = None) -> go.Figure:
    """Mean, maximum and minimum temperature against time, and the temperature at named points [m]."""
    t = pack["time_s"]
    fig = go.Figure()
    for key, name in (("T_max_K", "maximum"), ("T_mean_K", "mean"), ("T_min_K", "minimum")):
        fig.add_trace(go.Scatter(x=t, y=np.asarray(pack[key]) - ZERO_C_K, name=name))
    for label, (x, y, z) in (points_m or {}).items():
        idx, inside = _lookup(pack["grid"], np.array([x]), np.array([y]), np.array([z]))
        if inside[0]:
            ft = pack["frame_time_s"]
            fig.add_trace(go.Scatter(x=ft, y=np.asarray(pack["frames_K"])[:, idx[0]] - ZERO_C_K, name=label,
                                     mode="lines+markers"))  # fmt: skip
    fig.update_layout(xaxis_title="time [s]", yaxis_title="T [°C]", title="Temperature against time")
    return fig


def current_density_figure(sheet, title: str = "Collector current density") -> go.Figure:
    """Foil current density [A/m2 per A of cell current] of a :class:`SheetSolution`, tabs included."""
    x, y = sheet.x_edges_m, sheet.y_edges_m
    xc, yc = 0.5 * (x[1:] + x[:-1]), 0.5 * (y[1:] + y[:-1])
    fig = go.Figure(go.Heatmap(x=1e3 * xc, y=1e3 * yc, z=sheet.current_density_A_m2.T, colorscale="Viridis",
                               colorbar={"title": "A/m² per A"}))  # fmt: skip
    fig.update_layout(title=f"{title} (R = {1e3 * sheet.resistance_Ohm:.3f} mΩ)", xaxis_title="along the foil [mm]",
                      yaxis_title="height [mm]")  # fmt: skip
    return fig


def abuse_figure(result: dict) -> go.Figure:
    """Oven/ARC history: temperatures and the self-heating rate against the 0.02 K/min criterion."""
    from plotly.subplots import make_subplots

    s = result["summary"]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=("Temperature", "Self-heating rate"))
    t_h = np.asarray(result["time_s"]) / 3600.0
    fig.add_trace(go.Scatter(x=t_h, y=np.asarray(result["T_max_K"]) - ZERO_C_K, name="maximum"), row=1, col=1)
    fig.add_trace(go.Scatter(x=t_h, y=np.asarray(result["T_mean_K"]) - ZERO_C_K, name="mean"), row=1, col=1)
    rate = np.maximum(np.asarray(result["self_heating_K_s"]) * 60.0, 1e-6)
    fig.add_trace(go.Scatter(x=t_h, y=rate, name="self-heating [K/min]"), row=2, col=1)
    fig.add_hline(y=s["onset_criterion_K_per_min"], line_dash="dot", row=2, col=1)
    if s.get("onset_time_s") is not None:
        fig.add_vline(x=s["onset_time_s"] / 3600.0, line_dash="dash")
    fig.update_yaxes(type="log", title_text="K/min", row=2, col=1)
    fig.update_yaxes(title_text="°C", row=1, col=1)
    fig.update_xaxes(title_text="time [h]", row=2, col=1)
    return fig
