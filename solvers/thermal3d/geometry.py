"""Grids of whole cells: a stacked pouch, a wound cylinder (mandrel, jelly roll, can) and a prismatic case.

Each builder returns a :class:`CellGrid`: the :class:`~solvers.thermal3d.grid.Grid`, the mask of the
active (heat-generating) cells and the axes along which the layers lie. Conductivities map the stack's
in-plane and through-plane values onto the layers' orientation: a pouch or prismatic stack has its
layers normal to z; a wound jelly roll conducts through its layers radially and along them in theta and z.

Housing materials (can, case) are order-of-magnitude defaults (``HOUSING_MATERIALS``) that the caller can
override; the pouch laminate (about 0.1 mm) is not meshed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from solvers.thermal3d.grid import Grid, joined_edges, uniform_edges
from solvers.thermal3d.stack import StackProperties

__all__ = ["HOUSING_MATERIALS", "CellGrid", "cylindrical_cell", "pouch_cell", "prismatic_cell"]

#: (conductivity [W.m-1.K-1], volumetric heat capacity [J.m-3.K-1]) of housing parts (handbook values:
#: nickel-plated low-carbon steel, aluminium 3003, and the end spaces of a wound cell)
HOUSING_MATERIALS: dict[str, tuple[float, float]] = {
    "steel": (50.0, 7850.0 * 470.0),
    "aluminium": (160.0, 2700.0 * 900.0),
    "end space (tabbed)": (0.5, 1.2e6),  # insulator disc, tab and electrolyte-wet void
    "end space (tabless)": (100.0, 2.4e6),  # collector plates welded to the foil edges
}


@dataclass
class CellGrid:
    """A meshed cell: ``grid``, ``active`` (bool per cell), ``layer_normal_axis`` and its dimensions."""

    grid: Grid
    active: np.ndarray
    format: str
    layer_normal_axis: int
    dimensions_m: dict = field(default_factory=dict)

    @property
    def active_volume_m3(self) -> float:
        return float(self.grid.volumes()[self.active].sum())


def _stack_k(stack: StackProperties, normal_axis: int) -> np.ndarray:
    k = np.full(3, float(stack.k_in_plane_W_m_K))
    k[normal_axis] = stack.k_through_plane_W_m_K
    return k


def _check_counts(cells) -> tuple[int, int, int]:
    counts = tuple(int(c) for c in cells)
    if len(counts) != 3 or min(counts) < 1:
        raise ValueError(f"cells per axis {cells!r}: give three integers >= 1")
    return counts


def pouch_cell(
    width_m: float,
    height_m: float,
    thickness_m: float,
    stack: StackProperties,
    cells: tuple[int, int, int] = (20, 20, 6),
) -> CellGrid:
    """A stacked pouch: x along the width, y along the height (tabs at y_max), z through the stack."""
    for label, value in (("width_m", width_m), ("height_m", height_m), ("thickness_m", thickness_m)):
        if not value > 0:
            raise ValueError(f"pouch {label} = {value}; give a positive length in metres")
    nx, ny, nz = _check_counts(cells)
    grid = Grid(
        "cartesian",
        (uniform_edges(width_m, nx), uniform_edges(height_m, ny), uniform_edges(thickness_m, nz)),
        _stack_k(stack, 2),
        stack.volumetric_heat_capacity_J_m3_K,
        0,
        ("electrode stack",),
    )
    dims = {"width_m": width_m, "height_m": height_m, "thickness_m": thickness_m}
    return CellGrid(grid, np.ones(grid.shape, dtype=bool), "pouch", 2, dims)


def cylindrical_cell(
    outer_diameter_m: float,
    outer_height_m: float,
    electrode_height_m: float,
    stack: StackProperties,
    cells: tuple[int, int, int] = (16, 1, 24),
    *,
    mandrel_diameter_m: float = 2.0e-3,
    can_wall_m: float = 0.25e-3,
    can_material: str = "steel",
    tabless: bool = False,
    homogeneous: bool = False,
) -> CellGrid:
    """A wound cylindrical cell in r-theta-z: hollow mandrel (adiabatic bore), jelly roll, can, end spaces.

    ``cells = (n_r, n_theta, n_z)`` over the jelly roll (the can wall and each end region get two cells
    more along r and z). ``homogeneous=True`` fills the whole can with the stack (no mandrel, can or end
    spaces): the geometry of a lumped model, used to check the high-conductivity limit.
    """
    R = 0.5 * outer_diameter_m
    if not (R > 0 and outer_height_m > 0 and 0 < electrode_height_m <= outer_height_m):
        raise ValueError(
            f"cylindrical cell: diameter {outer_diameter_m} m, height {outer_height_m} m and electrode height "
            f"{electrode_height_m} m must be positive with the electrode no taller than the can"
        )
    nr, nth, nz = _check_counts(cells)
    theta = uniform_edges(2 * np.pi, nth)
    k_roll = np.array([stack.k_through_plane_W_m_K, stack.k_in_plane_W_m_K, stack.k_in_plane_W_m_K])
    if homogeneous:
        grid = Grid("cylindrical", (uniform_edges(R, nr), theta, uniform_edges(outer_height_m, nz)),
                    k_roll, stack.volumetric_heat_capacity_J_m3_K, 0, ("jelly roll",))  # fmt: skip
        dims = {"outer_diameter_m": outer_diameter_m, "outer_height_m": outer_height_m, "mandrel_radius_m": 0.0,
                "jelly_roll_radius_m": R}  # fmt: skip
        return CellGrid(grid, np.ones(grid.shape, dtype=bool), "cylindrical", 0, dims)
    r_m = 0.5 * mandrel_diameter_m
    r_roll = R - can_wall_m
    if not 0 < r_m < r_roll:
        raise ValueError(f"mandrel radius {r_m} m must lie inside the jelly roll radius {r_roll} m")
    end = 0.5 * (outer_height_m - electrode_height_m)
    wall = min(can_wall_m, 0.5 * end) if end > 0 else 0.0
    r_edges = joined_edges([(r_roll - r_m, nr), (can_wall_m, 2)], start_m=r_m)
    z_edges = joined_edges([(wall, 1), (end - wall, 2), (electrode_height_m, nz), (end - wall, 2), (wall, 1)])
    shape = (r_edges.size - 1, nth, z_edges.size - 1)
    rc = 0.5 * (r_edges[1:] + r_edges[:-1])[:, None, None]
    zc = 0.5 * (z_edges[1:] + z_edges[:-1])[None, None, :]
    in_roll_r = rc < r_roll
    in_roll_z = (zc > end) & (zc < end + electrode_height_m)
    in_wall_z = (zc < wall) | (zc > outer_height_m - wall)
    region = np.full(shape, 2)  # can
    region = np.where(in_roll_r & ~in_wall_z, 1, region)  # end spaces
    region = np.where(in_roll_r & in_roll_z, 0, region)  # jelly roll
    region = np.broadcast_to(region, shape)
    k_can, c_can = HOUSING_MATERIALS[can_material]
    k_end, c_end = HOUSING_MATERIALS["end space (tabless)" if tabless else "end space (tabbed)"]
    k = np.empty((*shape, 3))
    k[region == 0] = k_roll
    k[region == 1] = k_end
    k[region == 2] = k_can
    c = np.choose(region, [stack.volumetric_heat_capacity_J_m3_K, c_end, c_can])
    grid = Grid("cylindrical", (r_edges, theta, z_edges), k, c, region, ("jelly roll", "end space", "can"))
    dims = {"outer_diameter_m": outer_diameter_m, "outer_height_m": outer_height_m, "mandrel_radius_m": r_m,
            "jelly_roll_radius_m": r_roll, "electrode_height_m": electrode_height_m, "end_m": end}  # fmt: skip
    return CellGrid(grid, region == 0, "cylindrical", 0, dims)


def prismatic_cell(
    width_m: float,
    height_m: float,
    thickness_m: float,
    stack: StackProperties,
    cells: tuple[int, int, int] = (20, 20, 8),
    *,
    case_wall_m: float = 0.8e-3,
    case_material: str = "aluminium",
) -> CellGrid:
    """A prismatic can (outer width x height x thickness) around a flat-wound jelly roll (layers normal to z)."""
    t = case_wall_m
    if not (width_m > 2 * t and height_m > 2 * t and thickness_m > 2 * t):
        raise ValueError(
            f"prismatic cell {width_m} x {height_m} x {thickness_m} m is too small for a {t} m case wall"
        )
    nx, ny, nz = _check_counts(cells)
    edges = tuple(
        joined_edges([(t, 1), (length - 2 * t, n), (t, 1)])
        for length, n in ((width_m, nx), (height_m, ny), (thickness_m, nz))
    )
    shape = tuple(e.size - 1 for e in edges)
    inside = np.ones(shape, dtype=bool)
    for axis, e in enumerate(edges):
        c = 0.5 * (e[1:] + e[:-1])
        mask = (c > t) & (c < e[-1] - t)
        view = [None, None, None]
        view[axis] = slice(None)
        inside &= mask[tuple(view)]
    region = np.where(inside, 0, 1)
    k_case, c_case = HOUSING_MATERIALS[case_material]
    k = np.empty((*shape, 3))
    k[inside] = _stack_k(stack, 2)
    k[~inside] = k_case
    c = np.where(inside, stack.volumetric_heat_capacity_J_m3_K, c_case)
    grid = Grid("cartesian", edges, k, c, region, ("jelly roll", "case"))
    dims = {"width_m": width_m, "height_m": height_m, "thickness_m": thickness_m, "case_wall_m": t}
    return CellGrid(grid, inside, "prismatic", 2, dims)
