"""Plotly figures of a study: Sobol bars with intervals, Morris plot, 2D heatmap and 3D response surface
(from the polynomial surface, with the cursor readout Plotly gives), Pareto scatter, progress."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from voltvault_core.doe.pareto import pareto_mask
from voltvault_core.doe.surrogate import fit_surface

__all__ = ["morris_figure", "pareto_figure", "response_surface_figure", "sobol_figure"]


def sobol_figure(sobol, output: str) -> go.Figure:
    k = sobol.outputs.index(output)
    fig = go.Figure()
    fig.add_bar(name="S1 (first order)", x=sobol.names, y=sobol.S1[k],
                error_y={"type": "data", "array": sobol.S1_conf[k]})
    fig.add_bar(name="ST (total)", x=sobol.names, y=sobol.ST[k], error_y={"type": "data", "array": sobol.ST_conf[k]})
    fig.update_layout(barmode="group", title=f"Sobol indices of {output} ({int(sobol.confidence_level * 100)} % intervals)",
                      yaxis_title="index [-]", height=420)
    return fig


def morris_figure(morris, output: str) -> go.Figure:
    k = morris.outputs.index(output)
    fig = go.Figure(go.Scatter(x=morris.mu_star[k], y=morris.sigma[k], mode="markers+text", text=morris.names,
                               textposition="top center",
                               error_x={"type": "data", "array": morris.mu_star_conf[k]}))
    fig.update_layout(title=f"Morris screening of {output}", xaxis_title="mu* (mean |elementary effect|)",
                      yaxis_title="sigma", height=420)
    return fig


def _grid(result, x: str, y: str, output: str, points: int = 30):
    names = result.design.names
    j = result.runs.columns.index(output)
    finite = np.isfinite(result.runs.values[:, j])
    surf = fit_surface(result.design.unit[finite], result.runs.values[finite, j])
    ix, iy = names.index(x), names.index(y)
    g = np.linspace(0, 1, points)
    uu, vv = np.meshgrid(g, g)
    unit = np.full((uu.size, len(names)), 0.5)  # the other inputs at their medians
    unit[:, ix], unit[:, iy] = uu.ravel(), vv.ravel()
    z = surf.predict(unit)[:, 0].reshape(uu.shape)
    spec = result.spec
    xs = spec.inputs[ix].to_value(g)
    ys = spec.inputs[iy].to_value(g)
    return xs, ys, z, surf


def response_surface_figure(result, x: str, y: str, output: str, *, kind: str = "heatmap") -> go.Figure:
    """The fitted polynomial surface of ``output`` over inputs ``x`` and ``y`` (others at their medians),
    with the runs on top; ``kind`` = ``"heatmap"`` (2D) or ``"surface"`` (3D)."""
    xs, ys, z, surf = _grid(result, x, y, output)
    names = result.design.names
    j = result.runs.columns.index(output)
    px, py, pz = result.design.values[:, names.index(x)], result.design.values[:, names.index(y)], result.runs.values[:, j]
    title = f"{output} (polynomial degree {surf.degree}, leave-one-out R² {1 - float(surf.loo_error[0]):.3f})"
    if kind == "surface":
        fig = go.Figure(go.Surface(x=xs, y=ys, z=z, colorbar={"title": output}, opacity=0.9))
        fig.add_scatter3d(x=px, y=py, z=pz, mode="markers", marker={"size": 2, "color": "black"}, name="runs")
        fig.update_layout(scene={"xaxis_title": x, "yaxis_title": y, "zaxis_title": output}, title=title, height=560)
        return fig
    fig = go.Figure(go.Heatmap(x=xs, y=ys, z=z, colorbar={"title": output}))
    fig.add_scatter(x=px, y=py, mode="markers", marker={"size": 4, "color": "white", "line": {"width": 0.5}},
                    name="runs", text=[f"{v:.4g}" for v in pz])
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=480)
    return fig


def pareto_figure(result, objectives: list[str], senses: list[str]) -> go.Figure:
    cols = [result.runs.columns.index(o) for o in objectives]
    f = result.runs.values[:, cols]
    front = pareto_mask(f, senses)
    text = [f"run {i}" for i in range(f.shape[0])]
    if len(objectives) == 3:
        fig = go.Figure()
        fig.add_scatter3d(x=f[~front, 0], y=f[~front, 1], z=f[~front, 2], mode="markers", name="runs",
                          marker={"size": 2, "color": "lightgray"})
        fig.add_scatter3d(x=f[front, 0], y=f[front, 1], z=f[front, 2], mode="markers", name="Pareto front",
                          marker={"size": 4, "color": "crimson"})
        fig.update_layout(scene={"xaxis_title": objectives[0], "yaxis_title": objectives[1],
                                 "zaxis_title": objectives[2]}, height=560)
        return fig
    fig = go.Figure()
    fig.add_scatter(x=f[~front, 0], y=f[~front, 1], mode="markers", name="runs", marker={"color": "lightgray"},
                    text=[t for t, m in zip(text, front, strict=True) if not m])
    order = np.argsort(f[front, 0])
    fig.add_scatter(x=f[front, 0][order], y=f[front, 1][order], mode="markers+lines", name="Pareto front",
                    marker={"color": "crimson"}, text=[t for t, m in zip(text, front, strict=True) if m])
    fig.update_layout(title=f"Pareto front ({senses[0]} {objectives[0]}, {senses[1]} {objectives[1]})",
                      xaxis_title=objectives[0], yaxis_title=objectives[1], height=480)
    return fig
