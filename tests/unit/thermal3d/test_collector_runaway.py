"""Current-collector sheets and decomposition reactions."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.constants import R
from solvers.thermal3d import ThermalSystem
from solvers.thermal3d.collector import sheet_tabs, solve_sheet
from solvers.thermal3d.geometry import cylindrical_cell, pouch_cell
from solvers.thermal3d.runaway import (
    KIM2007,
    ONSET_TEMPERATURE_K,
    SELF_HEATING_THRESHOLD_K_S,
    DecompositionState,
    arc_test,
    oven_test,
)
from solvers.thermal3d.stack import StackProperties

STACK = StackProperties(30.0, 0.6, 2.0e6, 2e-4)


def test_tabless_edge_sheet_matches_the_1d_resistance():
    """Uniform current into a sheet drained along one whole edge: R = L / (3 S W) (1D, distributed)."""
    W, L, S = 0.05, 0.08, 0.05  # m, m, S
    sol = solve_sheet(np.linspace(0, W, 11), np.linspace(0, L, 201), S, [("y_max", 0.0, W)],
                      foil_cross_section_m=1e-5)  # fmt: skip
    assert sol.resistance_Ohm == pytest.approx(L / (3 * S * W), rel=0.01)
    # discrete dissipation equals the work of the source: sum(i phi A) for 1 A
    area = np.diff(sol.x_edges_m)[:, None] * np.diff(sol.y_edges_m)[None, :]
    assert sol.joule_W.sum() == pytest.approx(np.sum(sol.potential_V * area / (W * L)), rel=1e-9)


@pytest.mark.parametrize("layout", ["single", "dual", "multi", "tabless"])
def test_tab_layouts_order_of_resistance(layout):
    x, y = np.linspace(0, 0.1, 41), np.linspace(0, 0.2, 81)
    r = {lay: solve_sheet(x, y, 0.01, sheet_tabs(lay, "positive", 0.1, 0.02), foil_cross_section_m=1e-5).resistance_Ohm
         for lay in ("single", "multi", "tabless")}  # fmt: skip
    assert r["single"] > r["multi"] > r["tabless"]
    sol = solve_sheet(x, y, 0.01, sheet_tabs(layout, "negative", 0.1, 0.02), foil_cross_section_m=1e-5)
    assert sol.current_density_A_m2.max() > 0
    with pytest.raises(ValueError, match="tab layout"):
        sheet_tabs("spiral", "negative", 0.1, 0.02)


def test_reactions_follow_their_exact_isothermal_solutions_at_any_step():
    T = np.array([400.0])
    for n_steps in (1, 50):
        s = DecompositionState.fresh(np.array([True]))
        for _ in range(n_steps):
            s.advance(T, 600.0 / n_steps)
        k_sei = KIM2007.A_sei_1_s * np.exp(-KIM2007.E_sei_J_mol / (R * 400.0))
        assert s.c_sei[0] == pytest.approx(KIM2007.c_sei_0 * np.exp(-k_sei * 600.0), rel=1e-12)
        k_pe = KIM2007.A_pe_1_s * np.exp(-KIM2007.E_pe_J_mol / (R * 400.0))
        a0 = KIM2007.alpha_0
        expected = a0 * np.exp(k_pe * 600) / (1 - a0 + a0 * np.exp(k_pe * 600))
        assert s.alpha[0] == pytest.approx(expected, rel=1e-9)


def _factory(cell):
    return lambda bc: ThermalSystem(cell.grid, {f: bc for f in cell.grid.faces if f != "r_min"})


def test_arc_heat_wait_seek_finds_an_onset_near_80_degC_and_energy_closes():
    cell = cylindrical_cell(0.018, 0.065, 0.06, STACK, (6, 1, 8))
    arc = arc_test(_factory(cell), cell.active)
    s = arc.summary()
    assert 340.0 < s["detected_temperature_K"] < 375.0
    first = np.nonzero(arc.self_heating_K_s > SELF_HEATING_THRESHOLD_K_S)[0][0]
    assert arc.time_s[first] == s["onset_time_s"]
    assert arc.T_max_K.max() >= 573.15  # the adiabatic exotherm runs away
    assert abs(arc.energy.imbalance) < 1e-6  # adiabatic: all reaction heat is stored
    assert arc.flagged.all()


def test_oven_runaway_at_155C_but_not_at_100C():
    cell = pouch_cell(0.05, 0.08, 0.006, STACK, (4, 4, 3))
    hot = oven_test(_factory(cell), cell.active, oven_temperature_K=428.15)
    mild = oven_test(_factory(cell), cell.active, oven_temperature_K=373.15, duration_s=3 * 3600.0)
    assert hot.runaway_time_s is not None
    assert hot.onset_time_s < hot.runaway_time_s
    assert mild.runaway_time_s is None
    assert mild.T_max_K.max() < 390.0
    assert mild.onset_time_s is not None  # self-heating is detected, but the oven removes it
    assert abs(hot.energy.imbalance) < 1e-3
    assert mild.flagged.mean() == 1.0  # 100 degC is above the 90 degC flag everywhere
    assert ONSET_TEMPERATURE_K == pytest.approx(363.15)
