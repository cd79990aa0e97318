"""3D thermal runs of a cell: geometry from a design or parameter set, heat from the electrochemistry.

::

    from voltvault_core.thermal.model import run_thermal

    run = run_thermal("spme", "Chen2020", "Discharge at 2C until 2.5 V", geometry="cylindrical",
                      size="21700", h_W_m2_K=10.0, cells=5000)
    run.summary()  # T_mean_end_K, T_max_end_K, T_min_end_K, cells, wall_s, energy balance, ...

Coupling
--------
``"one-way"``: one electrochemical solve at the ambient temperature; its heat drives the 3D field.
``"two-way"``: the electrochemistry is solved at a ladder of temperatures (8 K apart, from the ambient
up past the hottest cell; the solver core's isothermal path, whose Arrhenius and entropic terms take
the temperature given as ``Simulation(..., ambient_temperature_K=T)``), and every finite volume's heat
is interpolated in that ladder at its own temperature, lagged by one implicit step. The coupling is
quasi-static in temperature: it carries the instantaneous effect of the local temperature on kinetics,
transport and entropy, but not the history (a region that was hot earlier keeps no memory of it), and
every region carries the same current density. The reported voltage is the ladder's voltage at the
active region's mean temperature; the run ends when it reaches the cut-off of the coldest run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solvers import bdf
from solvers.thermal3d.collector import TAB_LAYOUTS, sheet_tabs, solve_sheet
from solvers.thermal3d.conduction import Boundary, EnergyLedger, ThermalSystem
from solvers.thermal3d.geometry import CellGrid, cylindrical_cell, pouch_cell, prismatic_cell
from solvers.thermal3d.sources import HeatSource, bulk_heat_source
from solvers.thermal3d.stack import effective_properties, stack_from_parameters

__all__ = ["CYLINDRICAL_SIZES_M", "GEOMETRIES", "ThermalError", "ThermalRun", "build_cell_grid", "run_thermal"]

GEOMETRIES = ("pouch", "cylindrical", "prismatic")
COUPLINGS = ("one-way", "two-way")
#: outer diameter and height [m] (IEC 61960 names), as the Cell Designer's formats
CYLINDRICAL_SIZES_M = {"18650": (18.0e-3, 65.0e-3), "21700": (21.0e-3, 70.0e-3), "4680": (46.0e-3, 80.0e-3)}


class ThermalError(ValueError):
    """A thermal run that cannot be set up, with what was wrong and what would work."""


@dataclass
class ThermalRun:
    """A solved 3D thermal run.

    Attributes
    ----------
    cell : CellGrid
    time_s : (n_out,) array
    temperature_K : (n_out, n_cells) array
    heat : HeatSource of the whole cell (the first region's for two-way runs)
    energy : EnergyLedger
    collector : mapping polarity -> SheetSolution (for 1 A), when collector heating was on
    electrochemistry : list of SolverResult (one per region)
    info : mapping
    """

    cell: CellGrid
    time_s: np.ndarray
    temperature_K: np.ndarray
    heat: HeatSource
    energy: EnergyLedger
    collector: Mapping[str, Any] = field(default_factory=dict)
    electrochemistry: list = field(default_factory=list)
    info: dict = field(default_factory=dict)
    voltage_V: np.ndarray | None = None

    @property
    def weights(self) -> np.ndarray:
        v = self.cell.grid.volumes().ravel()
        return v / v.sum()

    def mean_K(self) -> np.ndarray:
        return self.temperature_K @ self.weights

    def summary(self) -> dict:
        T_end = self.temperature_K[-1]
        return {
            "geometry": self.cell.format,
            "cells": int(self.cell.grid.n_cells),
            "grid_shape": list(self.cell.grid.shape),
            "T_mean_end_K": float(T_end @ self.weights),
            "T_max_end_K": float(T_end.max()),
            "T_min_end_K": float(T_end.min()),
            "T_max_K": float(self.temperature_K.max()),
            "duration_s": float(self.time_s[-1] - self.time_s[0]),
            "heat_generated_J": self.energy.generated_J,
            "energy_imbalance": self.energy.imbalance,
            "wall_s": float(self.info.get("wall_s", float("nan"))),
            "coupling": self.info.get("coupling"),
            "heat_source": self.info.get("heat_source"),
            "termination": self.info.get("termination"),
        }


# --------------------------------------------------------------------------------------------------
# geometry
# --------------------------------------------------------------------------------------------------


def _split_cells(total: int, lengths: list[float], minimum: list[int]) -> tuple[int, ...]:
    """Cells per axis ~ proportional to the axis lengths, product ~ total."""
    total = max(int(total), int(np.prod(minimum)))
    lengths = np.asarray(lengths, dtype=float)
    scale = (total / np.prod(lengths)) ** (1.0 / lengths.size)
    counts = np.maximum(np.round(lengths * scale).astype(int), minimum)
    # re-balance the free axes so the product stays near the target
    free = counts > np.asarray(minimum)
    if free.any():
        fixed = np.prod(counts[~free]) if (~free).any() else 1
        f = (total / fixed / np.prod(counts[free])) ** (1.0 / free.sum())
        counts[free] = np.maximum(np.round(counts[free] * f).astype(int), np.asarray(minimum)[free])
    return tuple(int(c) for c in counts)


def _num(parameters: Mapping, key: str, default: float | None = None) -> float:
    value = parameters.get(key, default)
    if value is None or callable(value):
        raise ThermalError(f"the parameter set has no number for {key!r}, which the 3D geometry needs")
    return float(value)


def build_cell_grid(
    parameters: Mapping,
    geometry: str,
    *,
    size: str | None = None,
    cells: int = 5000,
    theta_cells: int = 1,
    dimensions_m: Mapping[str, float] | None = None,
    homogeneous: bool = False,
    tabless: bool = False,
) -> CellGrid:
    """Mesh a cell from its PyBaMM-named parameters (and a design's outer dimensions, if given).

    pouch: electrode width x height, thickness = ``Cell volume [m3]`` / (width x height) (else the
    electrodes in parallel times the repeating unit); cylindrical: the ``size``'s can around a jelly roll
    of the set's electrode height; prismatic: ``dimensions_m`` (width, height, thickness) or a case 1 mm
    larger than the set's electrode height, with the width 1.5 x the height and the stack's volume.
    """
    if geometry not in GEOMETRIES:
        raise ThermalError(f"geometry {geometry!r}; choose one of {', '.join(GEOMETRIES)}")
    if int(cells) < 8:
        raise ThermalError(f"cells = {cells}; give at least 8 finite volumes")
    try:
        stack = effective_properties(stack_from_parameters(parameters))
    except ValueError as exc:
        raise ThermalError(str(exc)) from None
    dims = dict(dimensions_m or {})
    W = _num(parameters, "Electrode width [m]")
    H = _num(parameters, "Electrode height [m]")
    n_par = _num(parameters, "Number of electrodes connected in parallel to make a cell", 1.0)
    sandwich_volume = W * H * n_par * stack.thickness_m
    if geometry == "pouch":
        width = dims.get("width_m", W)
        height = dims.get("height_m", H)
        volume = parameters.get("Cell volume [m3]")
        default_t = float(volume) / (width * height) if volume and not callable(volume) else n_par * stack.thickness_m
        if not 0.5 * sandwich_volume <= default_t * width * height <= 4.0 * sandwich_volume:
            default_t = sandwich_volume / (width * height)  # a volume that is not this pouch's
        thickness = dims.get("thickness_m", default_t)
        counts = _split_cells(cells, [width, height, thickness * 4.0], [2, 2, 2])
        return pouch_cell(width, height, thickness, stack, counts)
    if geometry == "cylindrical":
        if size is None and not {"outer_diameter_m", "outer_height_m"} <= set(dims):
            raise ThermalError("a cylindrical cell needs a size (18650, 21700, 4680) or its outer dimensions")
        if size is not None and size not in CYLINDRICAL_SIZES_M:
            raise ThermalError(f"cylindrical size {size!r}; choose one of {', '.join(CYLINDRICAL_SIZES_M)}")
        D, Hc = CYLINDRICAL_SIZES_M[size] if size else (dims["outer_diameter_m"], dims["outer_height_m"])
        D = dims.get("outer_diameter_m", D)
        Hc = dims.get("outer_height_m", Hc)
        nth = max(int(theta_cells), 1)
        n_rz = max(int(cells) // nth, 4)
        if homogeneous:
            nr, nz = _split_cells(n_rz, [0.5 * D, Hc], [2, 2])
            return cylindrical_cell(D, Hc, min(H, Hc), stack, (nr, nth, nz), homogeneous=True)
        nr, nz = _split_cells(max(n_rz - 6 * 8, 4), [0.5 * D, Hc], [2, 2])
        return cylindrical_cell(D, Hc, min(H, Hc - 1e-3), stack, (nr, nth, nz), tabless=tabless)
    # prismatic
    width = dims.get("width_m", 1.5 * H + 2e-3)
    height = dims.get("height_m", H + 2e-3)
    thickness = dims.get("thickness_m", sandwich_volume / ((width - 2e-3) * (height - 2e-3)) + 2e-3)
    counts = _split_cells(max(int(cells) * 0.8, 8), [width, height, thickness * 4.0], [2, 2, 2])
    return prismatic_cell(width, height, thickness, stack, counts)


def default_boundaries(cell: CellGrid, h_W_m2_K: float, ambient_K: float) -> dict[str, Boundary]:
    """Every outer face convective at ``h`` to ``ambient`` (a wound cell's bore stays adiabatic)."""
    faces = [f for f in cell.grid.faces if not (cell.format == "cylindrical" and f == "r_min")]
    return {face: Boundary("convection", float(h_W_m2_K), float(ambient_K)) for face in faces}


# --------------------------------------------------------------------------------------------------
# current collectors
# --------------------------------------------------------------------------------------------------


def collector_heat_per_A2(cell: CellGrid, parameters: Mapping, tab_layout: str,
                          tab_width_m: float = 5e-3, sheet_cells: int = 40, *, tab_length_m: float = 20e-3,
                          tab_thickness_m: float = 1e-4) -> tuple[np.ndarray, dict]:  # fmt: skip
    """Joule heat [W.m-3] per A^2 in every cell from both collectors and their tabs, and the sheets (1 A).

    A tab (collector metal, ``tab_length_m`` x ``tab_width_m`` x ``tab_thickness_m``, the Cell Designer's
    default tab) adds its :math:`I^2R` in the cells at its root; ``sheets["tab_resistance_Ohm"]`` holds
    the tabs' resistance per polarity.
    """
    tab_resistance: dict[str, float] = {}
    if tab_layout not in TAB_LAYOUTS:
        raise ThermalError(f"tab layout {tab_layout!r}; choose one of {', '.join(TAB_LAYOUTS)}")
    g = cell.grid
    n_par = _num(parameters, "Number of electrodes connected in parallel to make a cell", 1.0)
    q = np.zeros(g.shape)
    sheets = {}
    vol = g.volumes()
    for polarity, side in (("negative", "Negative"), ("positive", "Positive")):
        sigma = _num(parameters, f"{side} current collector conductivity [S.m-1]")
        t_cc = _num(parameters, f"{side} current collector thickness [m]")
        if cell.format == "cylindrical":
            length = 0.5 * _num(parameters, "Electrode width [m]")  # double-coated: width = 2 x winding length
            height = cell.dimensions_m.get("electrode_height_m", _num(parameters, "Electrode height [m]"))
            n_foils = 1.0
        else:
            active = np.argwhere(cell.active)
            lo, hi = active.min(axis=0), active.max(axis=0)
            length = g.edges[0][hi[0] + 1] - g.edges[0][lo[0]]
            height = g.edges[1][hi[1] + 1] - g.edges[1][lo[1]]
            n_foils = n_par
        nx = sheet_cells if cell.format == "cylindrical" else int(cell.active.any(axis=(1, 2)).sum())
        ny = max(sheet_cells // 2, 8) if cell.format == "cylindrical" else int(cell.active.any(axis=(0, 2)).sum())
        x_edges = np.linspace(0.0, length, max(nx, 4) * (4 if cell.format == "cylindrical" else 1) + 1)
        y_edges = np.linspace(0.0, height, max(ny, 4) + 1)
        tabs = sheet_tabs(tab_layout, polarity, length, tab_width_m)
        sol = solve_sheet(x_edges, y_edges, sigma * t_cc * n_foils, tabs, foil_cross_section_m=t_cc * n_foils)
        sheets[polarity] = sol
        joule = sol.joule_W.copy()
        if tab_layout != "tabless":  # each tab's own resistance, I^2 R at its root (n tabs share I)
            r_tab = tab_length_m / (sigma * tab_width_m * tab_thickness_m)
            for edge, lo, hi in tabs:
                overlap = np.clip(np.minimum(x_edges[1:], hi) - np.maximum(x_edges[:-1], lo), 0.0, None)
                j = 0 if edge == "y_min" else joule.shape[1] - 1
                joule[:, j] += r_tab / len(tabs) ** 2 * overlap / overlap.sum()
            tab_resistance[polarity] = r_tab / len(tabs)
        xc = 0.5 * (x_edges[1:] + x_edges[:-1])
        yc = 0.5 * (y_edges[1:] + y_edges[:-1])
        X, Y = np.meshgrid(xc, yc, indexing="ij")
        if cell.format == "cylindrical":
            r_m = cell.dimensions_m["mandrel_radius_m"]
            r_roll = cell.dimensions_m["jelly_roll_radius_m"]
            c = (r_roll**2 - r_m**2) / length
            r = np.sqrt(r_m**2 + c * X)
            theta = np.mod(2.0 * (r - r_m) / c, 2 * np.pi)
            z = cell.dimensions_m.get("end_m", 0.0) + Y
            coords = (r, theta, z)
        else:
            active = np.argwhere(cell.active)
            x0, y0 = g.edges[0][active[:, 0].min()], g.edges[1][active[:, 1].min()]
            coords = (x0 + X, y0 + Y, None)
        ii = [np.clip(np.searchsorted(g.edges[a], coords[a].ravel()) - 1, 0, g.shape[a] - 1) for a in range(2)]
        if coords[2] is not None:
            kk = np.clip(np.searchsorted(g.edges[2], coords[2].ravel()) - 1, 0, g.shape[2] - 1)
            np.add.at(q, (ii[0], ii[1], kk), joule.ravel())
        else:  # a stacked sheet spans the stack's thickness: spread over the active cells of each column
            column = np.zeros(g.shape[:2])
            np.add.at(column, (ii[0], ii[1]), joule.ravel())
            act_vol = np.where(cell.active, vol, 0.0)
            share = act_vol / np.maximum(act_vol.sum(axis=2, keepdims=True), 1e-300)
            q += column[:, :, None] * share
    q = np.where(cell.active, q, 0.0) / vol
    return q.ravel(), {**sheets, "tab_resistance_Ohm": tab_resistance}


# --------------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------------


def _output_times(t_end: float, period_s: float | None) -> np.ndarray:
    period = period_s or max(t_end / 100.0, 1.0)
    n = max(int(np.ceil(t_end / period)), 1)
    return np.linspace(0.0, t_end, n + 1)


def run_thermal(
    model: str = "spme",
    parameter_set: Any = "Chen2020",
    experiment: Any = None,
    *,
    geometry: str = "cylindrical",
    size: str | None = None,
    cells: int = 5000,
    theta_cells: int = 1,
    dimensions_m: Mapping[str, float] | None = None,
    h_W_m2_K: float | None = None,
    ambient_temperature_K: float | None = None,
    boundaries: Mapping[str, Boundary | Mapping] | None = None,
    coupling: str = "two-way",
    tab_layout: str | None = "single",
    tab_width_m: float = 5e-3,
    collector_heating: bool = True,
    homogeneous: bool = False,
    conductivity_scale: float = 1.0,
    thermal_step_s: float = 10.0,
    output_period_s: float | None = None,
    simulation_options: Mapping[str, Any] | None = None,
    parameter_updates: Mapping[str, Any] | None = None,
    progress: Callable[..., Any] | None = None,
) -> ThermalRun:
    """One 3D thermal run; see the module docstring. Bad inputs raise :class:`ThermalError`.

    Parameters
    ----------
    h_W_m2_K, ambient_temperature_K : float, optional
        Default convection on every outer face (defaults: the set's ``Total heat transfer coefficient``
        and ``Ambient temperature``). ``boundaries`` overrides faces one by one.
    tab_layout : "single" | "dual" | "multi" | "tabless" | None
        Collector Joule heating is added when ``collector_heating`` and a layout are given.
    conductivity_scale : float
        Multiplies every conductivity (a check of the high-conductivity limit).
    thermal_step_s : float
        Longest implicit step [s].
    """
    from voltvault_core.simulation import ProtocolError, Simulation, SimulationError

    start = time.perf_counter()
    if coupling not in COUPLINGS:
        raise ThermalError(f"coupling {coupling!r}; choose one of {', '.join(COUPLINGS)}")
    sim_options = dict(simulation_options or {})
    if coupling == "two-way" and sim_options.get("thermal", "isothermal") != "isothermal":
        raise ThermalError("two-way coupling feeds the 3D temperatures to isothermal solves; "
                           "drop simulation_options thermal='lumped' or choose coupling='one-way'")  # fmt: skip
    try:
        base = Simulation(model, parameter_set, experiment, parameter_updates=parameter_updates,
                          ambient_temperature_K=ambient_temperature_K, **sim_options)  # fmt: skip
    except (ProtocolError, SimulationError, TypeError) as exc:
        raise ThermalError(str(exc)) from None
    params = base.parameters
    T_amb = float(ambient_temperature_K) if ambient_temperature_K is not None else _num(params, "Ambient temperature [K]")
    h = float(h_W_m2_K) if h_W_m2_K is not None else _num(params, "Total heat transfer coefficient [W.m-2.K-1]", 10.0)
    cell = build_cell_grid(params, geometry, size=size, cells=cells, theta_cells=theta_cells,
                           dimensions_m=dimensions_m, homogeneous=homogeneous,
                           tabless=tab_layout == "tabless")  # fmt: skip
    if conductivity_scale != 1.0:
        cell.grid.conductivity_W_m_K *= float(conductivity_scale)
    bcs: dict[str, Boundary | Mapping] = dict(default_boundaries(cell, h, T_amb))
    for face, bc in (boundaries or {}).items():
        bcs[face] = bc
    try:
        system = ThermalSystem(cell.grid, bcs)
    except ValueError as exc:
        raise ThermalError(str(exc)) from None
    q_cc = np.zeros(cell.grid.n_cells)
    sheets: dict = {}
    if collector_heating and tab_layout:
        q_cc, sheets = collector_heat_per_A2(cell, params, tab_layout, tab_width_m)

    vol = system.volume_m3
    active = cell.active.ravel()
    share = np.where(active, 1.0 / vol[active].sum(), 0.0)  # W -> W/m3 over the active cells
    solved: dict[float, tuple] = {}

    def electrochemistry(T_K: float):
        key = round(float(T_K), 6)
        if key not in solved:
            sim = base if abs(T_K - T_amb) < 1e-9 else Simulation(
                model, params, experiment, ambient_temperature_K=T_K, parameter_updates=parameter_updates,
                **sim_options)  # fmt: skip
            result = sim.solve()
            if result.failed or result.time_s.size < 2:
                raise ThermalError(f"the electrochemical solve at {T_K:.2f} K failed: {result.termination}")
            solved[key] = (result, bulk_heat_source(result, params))
        return solved[key]

    ledger = EnergyLedger()
    if coupling == "one-way":
        result, heat = electrochemistry(T_amb)
        times = _output_times(float(heat.time_s[-1]), output_period_s)

        def source(t_s):
            return share * heat.at(t_s) + q_cc * heat.current_at(t_s) ** 2

        report = None if progress is None else (lambda f: progress(0.1 + 0.85 * f, "conduction"))
        out = system.transient(T_amb, times, source, max_step_s=thermal_step_s, ledger=ledger, progress=report)
        temperatures = [T_amb]
        voltage = np.interp(times, result.time_s, result[bdf.VOLTAGE])
        rounds = 1
    else:
        # electrochemistry at a ladder of temperatures; each cell's heat interpolated at its own temperature
        temperatures = [T_amb, T_amb + 8.0, T_amb + 16.0]
        rounds = 0
        while True:
            rounds += 1
            pairs = [electrochemistry(T) for T in temperatures]
            T_grid = np.array(temperatures)
            t_end = max(float(hs.time_s[-1]) for _, hs in pairs)
            times = _output_times(t_end, output_period_s)

            def heat_table(t_s, pairs=pairs):
                return np.array([hs.at(t_s) if t_s <= hs.time_s[-1] else 0.0 for _, hs in pairs])

            def electro_heat(T, t_s, dt_s, T_grid=T_grid, heat_table=heat_table):
                Q = np.interp(np.clip(T, T_grid[0], T_grid[-1]), T_grid, heat_table(t_s + 0.5 * dt_s))
                return share * Q

            current = pairs[0][1]

            def source(t_s, current=current):
                return q_cc * current.current_at(t_s) ** 2

            ledger = EnergyLedger()
            out = system.transient(T_amb, times, source, max_step_s=thermal_step_s, reaction=electro_heat,
                                   ledger=ledger)  # fmt: skip
            if progress is not None:
                progress(min(0.9, 0.3 * rounds), f"two-way round {rounds}")
            T_top = float(out.temperature_K[:, active].max())
            if T_top <= temperatures[-1] or rounds >= 6:
                break
            while temperatures[-1] < T_top:
                temperatures.append(temperatures[-1] + 8.0)
        # the cell ends when the volume-mean of the cells' interpolated voltages reaches its end
        T_act = out.temperature_K[:, active]
        w_act = vol[active] / vol[active].sum()
        V_table = np.array([np.interp(times, r.time_s, r[bdf.VOLTAGE]) for r, _ in pairs])
        T_mean_active = T_act @ w_act
        voltage = np.array([np.interp(T_mean_active[k], T_grid, V_table[:, k]) for k in range(times.size)])
        v_end = min(float(r[bdf.VOLTAGE][-1]) for r, _ in pairs)
        ended = np.nonzero(voltage <= v_end + 1e-6)[0]
        if ended.size and ended[0] < times.size - 1:  # the cell's own end: drop later outputs
            last = int(ended[0])
            times = times[: last + 1]
            out.temperature_K = out.temperature_K[: last + 1]
            voltage = voltage[: last + 1]
        result, heat = pairs[0]
    info = {
        "coupling": coupling,
        "heat_source": heat.method,
        "electrochemistry_temperatures_K": list(temperatures),
        "coupling_rounds": rounds,
        "termination": result.termination,
        "model": base.model_name,
        "parameter_set": params.name,
        "tab_layout": tab_layout if collector_heating else None,
        "collector_resistance_Ohm": {k: s.resistance_Ohm for k, s in sheets.items() if k != "tab_resistance_Ohm"},
        "tab_resistance_Ohm": dict(sheets.get("tab_resistance_Ohm", {})),
        "h_W_m2_K": h,
        "ambient_temperature_K": T_amb,
        "boundaries": {f: {"kind": b.kind, "h_W_m2_K": b.h_W_m2_K,
                           "temperature_K": None if callable(b.temperature_K) else b.temperature_K}
                       for f, b in system.boundaries.items()},
        "n_thermal_steps": out.info["n_steps"],
        "thermal_wall_s": out.info["wall_s"],
        "wall_s": time.perf_counter() - start,
    }
    if progress is not None:
        progress(1.0, "done")
    results = [solved[k][0] for k in sorted(solved)]
    collectors = {k: v for k, v in sheets.items() if k != "tab_resistance_Ohm"}
    return ThermalRun(cell, times, out.temperature_K, heat, out.energy, collectors, results, info, voltage)
