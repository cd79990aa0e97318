"""Inputs of a thermal run from the Cell Designer's designs or a parameter set, and abuse tests.

A design gives the format (pouch, cylindrical size, prismatic), its outer dimensions and, through
:func:`voltvault_core.design.export.design_to_parameter_set`, the PyBaMM-named parameters. Stored designs
are read with the project roles checked (:func:`load_design_for`); the CLI reads a design row directly,
as an operator of the database, like the other ``voltvault`` database commands.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from voltvault_core.thermal.model import CYLINDRICAL_SIZES_M, GEOMETRIES, ThermalError, build_cell_grid

__all__ = ["design_inputs", "design_to_thermal_inputs", "load_design_for", "run_abuse"]


def design_to_thermal_inputs(design) -> tuple[Any, str, str | None, dict]:
    """(parameter set, geometry, cylindrical size, outer dimensions) of a :class:`CellDesign`."""
    from voltvault_core.design.export import design_to_parameter_set

    g = design.geometry
    params = design_to_parameter_set(design)
    dims: dict[str, float] = {}
    size = g.size if g.format == "cylindrical" and g.size in CYLINDRICAL_SIZES_M else None
    if g.format == "cylindrical":
        if g.outer_diameter_m:
            dims["outer_diameter_m"] = g.outer_diameter_m
        if g.outer_height_m:
            dims["outer_height_m"] = g.outer_height_m
    elif g.format == "pouch":
        dims = {"width_m": g.electrode_width_m, "height_m": g.electrode_height_m}
        if g.outer_thickness_m:
            dims["thickness_m"] = g.outer_thickness_m
    elif g.format == "prismatic":
        for key, value in (("width_m", g.outer_width_m), ("height_m", g.outer_height_m),
                           ("thickness_m", g.outer_thickness_m)):  # fmt: skip
            if value:
                dims[key] = value
    if g.format == "pouch" and "thickness_m" not in dims:
        n_layers = max(int(g.n_layers), 1)
        params = params.updated({"Number of electrodes connected in parallel to make a cell": 2.0 * n_layers,
                                 "Electrode width [m]": g.electrode_width_m})  # fmt: skip
    return params, g.format, size, dims


def load_design_for(session, actor, design_id: int):
    """A stored design as thermal inputs (viewer of its project or better)."""
    from voltvault_core.design.service import load_design

    _, design = load_design(session, actor, int(design_id))
    return design_to_thermal_inputs(design)


def design_inputs(design: str | None, parameter_set: str | None, geometry: str, size: str | None):
    """CLI inputs: ``design`` is a JSON file, ``lg-m50`` or a database id; else ``parameter_set``."""
    from voltvault_core.simulation import SimulationError, resolve_parameter_set

    if design:
        from voltvault_core.design.model import CellDesign

        if design == "lg-m50":
            from voltvault_core.design.examples import lg_m50

            doc = lg_m50()
        elif design.isdigit():
            from voltvault_core.db.engine import create_db_engine, session_scope
            from voltvault_core.db.models import CellDesign as CellDesignRow

            with session_scope(create_db_engine()) as session:
                row = session.get(CellDesignRow, int(design))
                if row is None:
                    raise LookupError(f"design {design} does not exist in the database")
                doc = CellDesign.from_dict(row.design or {})
        else:
            path = Path(design)
            if not path.is_file():
                raise ValueError(f"design {design!r}: no such file (give a JSON file, lg-m50 or a database id)")
            data = json.loads(path.read_text(encoding="utf-8"))
            doc = CellDesign.from_dict(data.get("design", data))
        params, fmt, design_size, dims = design_to_thermal_inputs(doc)
        return params, fmt, size or design_size, dims
    try:
        params = resolve_parameter_set(parameter_set or "Chen2020")
    except SimulationError as exc:
        raise ValueError(str(exc)) from None
    if geometry not in GEOMETRIES:
        raise ValueError(f"geometry {geometry!r}; choose one of {', '.join(GEOMETRIES)}")
    if geometry == "cylindrical" and size is None:
        size = "21700"
    return params, geometry, size, {}


def run_abuse(parameters, geometry: str, protocol: str, *, size: str | None = None,
              dimensions_m: Mapping[str, float] | None = None, cells: int = 600,
              oven_temperature_K: float = 428.15, h_W_m2_K: float | None = None):  # fmt: skip
    """Oven test or ARC heat-wait-seek of the meshed cell; returns (AbuseResult, CellGrid)."""
    from solvers.thermal3d.conduction import ThermalSystem
    from solvers.thermal3d.runaway import arc_test, oven_test

    if protocol not in ("oven", "arc"):
        raise ThermalError(f"abuse protocol {protocol!r}; choose oven or arc")
    cell = build_cell_grid(parameters, geometry, size=size, cells=cells, dimensions_m=dimensions_m)
    faces = [f for f in cell.grid.faces if not (cell.format == "cylindrical" and f == "r_min")]

    def factory(boundary):
        return ThermalSystem(cell.grid, {f: boundary for f in faces})

    if protocol == "oven":
        kwargs = {"oven_temperature_K": oven_temperature_K}
        if h_W_m2_K is not None:
            kwargs["h_W_m2_K"] = h_W_m2_K
        return oven_test(factory, cell.active.ravel(), **kwargs), cell
    return arc_test(factory, cell.active.ravel()), cell
