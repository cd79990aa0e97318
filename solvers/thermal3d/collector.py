r"""Current-collector potential and Joule heating of the foils, for the tab layouts of a cell.

Each polarity's foils form a sheet of conductance :math:`S = \sigma t N` [S] (foil conductivity,
thickness, number of foils in parallel) over the electrode's face (a pouch's width x height, or a wound
cell's unrolled length x height). The electrodes feed a uniform current density :math:`i = I/A` into
it and the tabs (Dirichlet patches on its edges) take it out:

.. math:: -\nabla\cdot(S\nabla\phi) = i,\qquad \phi = 0 \text{ on the tabs},\qquad
          q_J = S\,|\nabla\phi|^2\ \mathrm{[W.m^{-2}]}

solved by finite volumes; the discrete dissipation (sum over faces of :math:`g\,\Delta\phi^2`) equals
:math:`\sum i\,\phi\,A` exactly, which the tests check. The Joule heat scales with :math:`I^2`, so it is
solved once for 1 A. A tab's own resistance :math:`L/(\sigma w t)` adds :math:`I^2R` at its root.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

__all__ = ["TAB_LAYOUTS", "SheetSolution", "sheet_tabs", "solve_sheet"]

TAB_LAYOUTS = ("single", "dual", "multi", "tabless")


@dataclass(frozen=True)
class SheetSolution:
    """A polarity's sheet for 1 A: potential [V], Joule heat per cell [W], current density [A.m-2] in the foil."""

    x_edges_m: np.ndarray
    y_edges_m: np.ndarray
    potential_V: np.ndarray
    joule_W: np.ndarray
    current_density_A_m2: np.ndarray
    resistance_Ohm: float


def sheet_tabs(layout: str, polarity: str, length_m: float, tab_width_m: float) -> list[tuple[str, float, float]]:
    """Tab patches ``(edge, start_m, end_m)`` of a layout along the sheet's x edge (``"y_max"`` / ``"y_min"``).

    single: both tabs on y_max (negative in the first half, positive in the second); dual: negative on
    y_max and positive on y_min, both centred; multi: two tabs each on y_max, interleaved; tabless: the
    whole y_max edge for the negative and the whole y_min edge for the positive.
    """
    if layout not in TAB_LAYOUTS:
        raise ValueError(f"tab layout {layout!r}; choose one of {', '.join(TAB_LAYOUTS)}")
    if polarity not in ("negative", "positive"):
        raise ValueError(f"polarity {polarity!r}; give 'negative' or 'positive'")
    w = min(tab_width_m, 0.45 * length_m)
    neg = polarity == "negative"

    def at(centre_fraction, edge="y_max"):
        c = centre_fraction * length_m
        return (edge, max(0.0, c - w / 2), min(length_m, c + w / 2))

    if layout == "single":
        return [at(0.25 if neg else 0.75)]
    if layout == "dual":
        return [at(0.5, "y_max" if neg else "y_min")]
    if layout == "multi":
        return [at(0.125), at(0.625)] if neg else [at(0.375), at(0.875)]
    return [("y_max", 0.0, length_m)] if neg else [("y_min", 0.0, length_m)]


def solve_sheet(
    x_edges_m: np.ndarray,
    y_edges_m: np.ndarray,
    sheet_conductance_S: float,
    tabs: list[tuple[str, float, float]],
    *,
    foil_cross_section_m: float,
    current_A: float = 1.0,
) -> SheetSolution:
    """Potential and Joule heat of a sheet drained by its tabs (see the module docstring).

    Parameters
    ----------
    foil_cross_section_m : float
        Total foil thickness of the sheet (t N) [m], to turn sheet current [A.m-1] into A.m-2.
    """
    x = np.asarray(x_edges_m, dtype=float)
    y = np.asarray(y_edges_m, dtype=float)
    S = float(sheet_conductance_S)
    if not S > 0:
        raise ValueError(f"sheet conductance {S} S must be positive (foil conductivity x thickness x count)")
    dx, dy = np.diff(x), np.diff(y)
    nx, ny = dx.size, dy.size
    n = nx * ny
    idx = np.arange(n).reshape(nx, ny)
    area = dx[:, None] * dy[None, :]
    source = current_A / (x[-1] - x[0]) / (y[-1] - y[0]) * area  # A into each cell
    rows, cols, vals = [], [], []
    gx = S * dy[None, :] / (0.5 * (dx[:-1] + dx[1:]))[:, None]  # (nx-1, ny)
    gy = S * dx[:, None] / (0.5 * (dy[:-1] + dy[1:]))[None, :]  # (nx, ny-1)
    for i, j, g in ((idx[:-1, :], idx[1:, :], gx), (idx[:, :-1], idx[:, 1:], gy)):
        i, j, g = i.ravel(), j.ravel(), np.broadcast_to(g, i.shape).ravel()
        rows += [i, j, i, j]
        cols += [j, i, i, j]
        vals += [-g, -g, g, g]
    diag = np.zeros(n)
    any_tab = False
    for edge, lo, hi in tabs:
        if edge not in ("y_min", "y_max"):
            raise ValueError(f"tab edge {edge!r}; tabs sit on 'y_min' or 'y_max'")
        # overlap of each edge cell with the tab span
        overlap = np.clip(np.minimum(x[1:], hi) - np.maximum(x[:-1], lo), 0.0, None)
        if not np.any(overlap > 0):
            continue
        any_tab = True
        j = 0 if edge == "y_min" else ny - 1
        g = S * overlap / (0.5 * dy[j])
        np.add.at(diag, idx[:, j], g)
    if not any_tab:
        raise ValueError("no tab overlaps the sheet; check the tab positions and widths")
    A = sp.csr_matrix((np.concatenate([*vals, diag]), (np.concatenate([*rows, np.arange(n)]),
                                                       np.concatenate([*cols, np.arange(n)]))), shape=(n, n))  # fmt: skip
    phi = spla.spsolve(A.tocsc(), source.ravel()).reshape(nx, ny)
    # dissipation on each face, half to each neighbour; on a tab face all to its cell
    joule = np.zeros((nx, ny))
    fx = gx * np.diff(phi, axis=0) ** 2
    fy = gy * np.diff(phi, axis=1) ** 2
    joule[:-1, :] += 0.5 * fx
    joule[1:, :] += 0.5 * fx
    joule[:, :-1] += 0.5 * fy
    joule[:, 1:] += 0.5 * fy
    for edge, lo, hi in tabs:
        overlap = np.clip(np.minimum(x[1:], hi) - np.maximum(x[:-1], lo), 0.0, None)
        j = 0 if edge == "y_min" else ny - 1
        joule[:, j] += S * overlap / (0.5 * dy[j]) * phi[:, j] ** 2
    # sheet current density at cell centres from centred differences of phi
    ex = np.gradient(phi, 0.5 * (x[1:] + x[:-1]), axis=0) if nx > 1 else np.zeros_like(phi)
    ey = np.gradient(phi, 0.5 * (y[1:] + y[:-1]), axis=1) if ny > 1 else np.zeros_like(phi)
    J = S * np.hypot(ex, ey) / float(foil_cross_section_m)
    total = float(joule.sum())
    return SheetSolution(x, y, phi, joule, J, total / current_A**2)
