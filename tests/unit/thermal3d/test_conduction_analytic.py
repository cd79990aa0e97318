"""The conduction solver against analytic solutions (issue 14: each within 1 %)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from solvers.thermal3d import Boundary, Grid, StackLayer, ThermalSystem, effective_properties
from solvers.thermal3d.grid import uniform_edges

RHO_CP = 2.0e6  # J/m3/K


def slab(axis: int, n: int, length_m: float, k_axes=(1.0, 1.0, 1.0)) -> Grid:
    edges = [uniform_edges(0.01, 1), uniform_edges(0.01, 1), uniform_edges(0.01, 1)]
    edges[axis] = uniform_edges(length_m, n)
    return Grid("cartesian", tuple(edges), np.array(k_axes), RHO_CP, 0)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_steady_uniform_generation_fixed_faces_anisotropic(axis):
    """Parabolic profile, dT_max = q L^2 / (8 k), with k the conductivity along the slab's axis only."""
    k_axes = (0.8, 3.0, 25.0)
    q, L, T_w = 1.0e5, 0.02, 300.0
    name = "xyz"[axis]
    system = ThermalSystem(
        slab(axis, 60, L, k_axes),
        {f"{name}_min": Boundary("fixed", temperature_K=T_w), f"{name}_max": Boundary("fixed", temperature_K=T_w)},
    )
    T = system.steady_state(q)
    x = 0.5 * (system.grid.edges[axis][1:] + system.grid.edges[axis][:-1])
    exact = T_w + q * x * (L - x) / (2 * k_axes[axis])
    rise = q * L**2 / (8 * k_axes[axis])
    assert abs((T.max() - T_w) - rise) / rise < 0.01
    assert np.max(np.abs(T - exact)) / rise < 0.01


def _slab_series(Bi: float, fo: float, x_over_L: float, n_terms: int = 60) -> float:
    total = 0.0
    for n in range(n_terms):
        lo, hi = n * np.pi + 1e-12, n * np.pi + np.pi / 2 - 1e-12
        z = brentq(lambda z: z * np.tan(z) - Bi, lo, hi)
        c = 4 * np.sin(z) / (2 * z + np.sin(2 * z))
        total += c * np.exp(-(z**2) * fo) * np.cos(z * x_over_L)
    return total


@pytest.mark.parametrize("axis", [0, 2])
def test_transient_slab_with_convective_faces_matches_series(axis):
    k, h, L = 2.0, 200.0, 0.01  # half thickness L; Bi = 1
    T_i, T_inf = 350.0, 300.0
    name = "xyz"[axis]
    k_axes = [5.0, 5.0, 5.0]
    k_axes[axis] = k
    system = ThermalSystem(
        slab(axis, 80, 2 * L, tuple(k_axes)),
        {f"{name}_min": Boundary("convection", h, T_inf), f"{name}_max": Boundary("convection", h, T_inf)},
    )
    alpha = k / RHO_CP
    times = np.array([0.0, 0.1, 0.3, 0.6, 1.0]) * L**2 / alpha
    result = system.transient(T_i, times, max_step_s=times[-1] / 2000)
    x = 0.5 * (system.grid.edges[axis][1:] + system.grid.edges[axis][:-1]) - L
    for t, T in zip(times[1:], result.temperature_K[1:], strict=True):
        exact = T_inf + (T_i - T_inf) * np.array([_slab_series(h * L / k, alpha * t / L**2, xi / L) for xi in x])
        assert np.max(np.abs(T - exact)) / (T_i - T_inf) < 0.01


@pytest.mark.parametrize("n_theta", [1, 8])
def test_radial_steady_state_in_a_cylinder(n_theta):
    """T(r) = T_s + q (R^2 - r^2) / (4 k_r), with T_s = T_inf + q R / (2 h) on a convective can."""
    R, H, q, h, T_inf = 0.0105, 0.07, 2.0e4, 50.0, 298.15
    k = np.array([0.3, 30.0, 30.0])  # radial (through the winding), theta, z
    grid = Grid(
        "cylindrical",
        (uniform_edges(R, 60), uniform_edges(2 * np.pi, n_theta), uniform_edges(H, 4)),
        k,
        RHO_CP,
        0,
    )
    T = ThermalSystem(grid, {"r_max": Boundary("convection", h, T_inf)}).steady_state(q).reshape(grid.shape)
    r = grid.centres()[0]
    exact = T_inf + q * R / (2 * h) + q * (R**2 - r**2) / (4 * k[0])
    rise = exact[0] - T_inf
    assert np.max(np.abs(T[:, 0, 0] - exact)) / rise < 0.01
    assert np.ptp(T[:, :, 0], axis=1).max() < 1e-8  # no theta variation for a uniform source


def test_hollow_cylinder_fixed_walls_logarithmic_profile():
    r_i, r_o, T_i, T_o = 0.001, 0.0105, 320.0, 300.0
    grid = Grid("cylindrical", (uniform_edges(r_o - r_i, 40, r_i), uniform_edges(2 * np.pi, 1),
                                uniform_edges(0.05, 1)), 0.5, RHO_CP, 0)  # fmt: skip
    T = ThermalSystem(grid, {"r_min": Boundary("fixed", temperature_K=T_i),
                             "r_max": Boundary("fixed", temperature_K=T_o)}).steady_state(0.0)  # fmt: skip
    r = grid.centres()[0]
    exact = T_i + (T_o - T_i) * np.log(r / r_i) / np.log(r_o / r_i)
    assert np.max(np.abs(T - exact)) < 1e-6 * (T_i - T_o)  # exact shell resistances: exact to rounding


def test_stack_mixing_rules():
    layers = [StackLayer("a", 1e-5, 400.0, 9000, 385), StackLayer("b", 9e-5, 1.0, 2000, 1000)]
    props = effective_properties(layers)
    assert props.k_in_plane_W_m_K == pytest.approx((400 * 1e-5 + 1.0 * 9e-5) / 1e-4)
    assert props.k_through_plane_W_m_K == pytest.approx(1e-4 / (1e-5 / 400 + 9e-5 / 1.0))
    assert props.volumetric_heat_capacity_J_m3_K == pytest.approx((9000 * 385 * 1e-5 + 2000 * 1000 * 9e-5) / 1e-4)
    with pytest.raises(ValueError, match="conductivity"):
        effective_properties([StackLayer("c", 1e-5, 0.0, 1, 1)])


def test_energy_balance_closes_with_time_varying_source_and_mixed_faces():
    grid = Grid("cartesian", (uniform_edges(0.1, 12), uniform_edges(0.08, 10), uniform_edges(0.006, 6)),
                np.array([30.0, 30.0, 0.8]), RHO_CP, 0)  # fmt: skip
    system = ThermalSystem(grid, {
        "z_min": Boundary("cold_plate", 500.0, 293.15),
        "z_max": Boundary("convection", 10.0, lambda t: 298.15 + t / 600.0),
        "x_max": Boundary("fixed", temperature_K=300.0),
    })  # fmt: skip
    rng = np.random.default_rng(1)
    pattern = rng.uniform(0.5, 1.5, grid.n_cells)
    result = system.transient(298.15, np.linspace(0, 3600, 61),
                              lambda t: 4.0e4 * pattern * (1 + np.sin(t / 300.0)), max_step_s=20.0)  # fmt: skip
    e = result.energy
    assert e.generated_J > 0
    assert e.lost_total_J > 0
    assert abs(e.imbalance) < 1e-3
    assert set(e.lost_J) == {"z_min", "z_max", "x_max"}


def test_bad_inputs_name_what_is_wrong():
    grid = slab(0, 4, 0.01)
    with pytest.raises(ValueError, match="no face 'r_max'"):
        ThermalSystem(grid, {"r_max": Boundary()})
    with pytest.raises(ValueError, match="boundary kind"):
        Boundary("radiation")
    with pytest.raises(ValueError, match="at least one face"):
        ThermalSystem(grid, {}).steady_state(1.0)


def test_kronecker_solver_equals_sparse_lu_on_a_uniform_cartesian_grid():
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    from solvers.thermal3d.grid import joined_edges

    grid = Grid("cartesian", (joined_edges([(0.03, 5), (0.07, 4)]), uniform_edges(0.05, 6), uniform_edges(0.01, 3)),
                np.array([30.0, 20.0, 0.8]), RHO_CP, 0)  # fmt: skip
    system = ThermalSystem(grid, {"x_min": Boundary("convection", 50.0, 300.0), "z_max": Boundary("fixed", temperature_K=310.0),
                                  "y_max": Boundary("cold_plate", 300.0, 290.0)})  # fmt: skip
    assert system.solver_kind == "kronecker"
    b = np.random.default_rng(0).normal(size=grid.n_cells)
    direct = spla.spsolve((sp.diags(system.capacity_J_K / 7.0) + system.L).tocsc(), b)
    assert np.max(np.abs(system._solver(7.0)(b) - direct)) < 1e-10 * np.max(np.abs(direct))
    k = np.broadcast_to(np.array([30.0, 20.0, 0.8]), (*grid.shape, 3)).copy()
    k[0, 0, 0, 0] = 31.0  # one different cell: back to the sparse LU
    assert ThermalSystem(Grid("cartesian", grid.edges, k, RHO_CP, 0), {}).solver_kind == "sparse LU"
