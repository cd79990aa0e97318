"""Cell formats: sandwich area, housing mass and outer volume for pouch, cylindrical and prismatic cells.

A registry maps the format name to a :class:`FormatModel`; adding a format is adding an entry.
Standard cylindrical sizes follow the IEC 61960 naming (diameter and length in the name: 18650 is
18 mm x 65.0 mm). Cap-assembly masses, wall thicknesses and seal widths are order-of-magnitude
defaults (see ``data/materials/README.md``); the design can override them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from voltvault_core.design.model import CellDesign, DesignError, Geometry

#: outer diameter and height [m] of standard cylindrical sizes, from their IEC 61960 names
CYLINDRICAL_SIZES_M: dict[str, tuple[float, float]] = {
    "18650": (18.0e-3, 65.0e-3),
    "21700": (21.0e-3, 70.0e-3),
    "26650": (26.0e-3, 65.0e-3),
    "4680": (46.0e-3, 80.0e-3),
}
#: cap assembly, vent and insulators [kg] (estimates, override with ``extra_housing_mass_kg``)
CYLINDRICAL_CAP_MASS_KG = {"18650": 2.5e-3, "21700": 3.0e-3, "26650": 3.5e-3, "4680": 20.0e-3, "custom": 3.0e-3}
MANDREL_DIAMETER_M = 2.0e-3  # hollow core of a wound cylindrical cell (estimate)
POUCH_SEAL_WIDTH_M = 5.0e-3  # sealed margin on each side of a pouch (estimate)
POUCH_TAB_ALLOWANCE_M = 10.0e-3  # extra length on the tab side of a pouch (estimate)
DEFAULT_HOUSING = {"pouch": "Pouch-laminate", "cylindrical": "Steel-can", "prismatic": "Al-case"}


@dataclass(frozen=True)
class HousingResult:
    """Housing of a design.

    Attributes
    ----------
    sandwich_area_m2 : float
        Area of cathode coating facing anode coating, summed over the cell [m2].
    housing_mass_kg : float
        Can/case/pouch film plus cap assembly [kg].
    outer_volume_m3 : float
        Volume the cell occupies [m3].
    stack_fill_fraction : float
        Electrode stack volume / inner volume available to it [-]; above 1 the stack does not fit.
    """

    sandwich_area_m2: float
    housing_mass_kg: float
    outer_volume_m3: float
    stack_fill_fraction: float


FormatFunction = Callable[[CellDesign, float, float, float], HousingResult]
FORMATS: dict[str, FormatFunction] = {}


def _register(name: str):
    def decorate(fn: FormatFunction) -> FormatFunction:
        FORMATS[name] = fn
        return fn

    return decorate


def _wound_area(g: Geometry) -> float:
    if g.winding_length_m is None or g.winding_length_m <= 0:
        raise DesignError(
            f"a wound {g.format} cell needs geometry.winding_length_m > 0 (the coated cathode length) [m]"
        )
    return 2.0 * g.winding_length_m * g.electrode_height_m


@_register("cylindrical")
def cylindrical(
    design: CellDesign, repeat_thickness_m: float, wall_m: float, density_kg_m3: float
) -> HousingResult:
    """Wound jelly roll in a can: area ``2 L h``; can = side wall + two ends; plus the cap assembly."""
    g = design.geometry
    if g.size in CYLINDRICAL_SIZES_M:
        d_default, h_default = CYLINDRICAL_SIZES_M[g.size]
    elif g.size == "custom":
        d_default = h_default = None
    else:
        raise DesignError(
            f"unknown cylindrical size {g.size!r}; use {', '.join(CYLINDRICAL_SIZES_M)} or 'custom'"
        )
    diameter = g.outer_diameter_m or d_default
    height = g.outer_height_m or h_default
    if diameter is None or height is None:
        raise DesignError(
            "a custom cylindrical cell needs geometry.outer_diameter_m and geometry.outer_height_m"
        )
    area = _wound_area(g)
    can_m3 = wall_m * (math.pi * diameter * height + 2.0 * math.pi * diameter**2 / 4.0)
    cap = design.extra_housing_mass_kg
    if cap is None:
        cap = CYLINDRICAL_CAP_MASS_KG.get(g.size, CYLINDRICAL_CAP_MASS_KG["custom"])
    inner_d = diameter - 2.0 * wall_m
    roll_cross_section_m2 = g.winding_length_m * repeat_thickness_m
    available_m2 = math.pi / 4.0 * (inner_d**2 - MANDREL_DIAMETER_M**2)
    return HousingResult(
        sandwich_area_m2=area,
        housing_mass_kg=can_m3 * density_kg_m3 + cap,
        outer_volume_m3=math.pi * diameter**2 / 4.0 * height,
        stack_fill_fraction=roll_cross_section_m2 / available_m2,
    )


@_register("pouch")
def pouch(
    design: CellDesign, repeat_thickness_m: float, wall_m: float, density_kg_m3: float
) -> HousingResult:
    """Stacked sheets in a laminate pouch: area ``2 n w h``; film on both faces plus seals."""
    g = design.geometry
    if g.n_layers < 1:
        raise DesignError("a pouch cell needs geometry.n_layers >= 1 (double-coated cathode sheets)")
    area = (
        2.0 * g.n_layers * g.electrode_width_m * g.electrode_height_m
        if g.winding_length_m is None
        else _wound_area(g)
    )
    stack_t = g.n_layers * repeat_thickness_m if g.winding_length_m is None else 0.0
    if g.winding_length_m is not None:  # flat-wound jelly roll: cross-section = length x repeat thickness
        stack_t = g.winding_length_m * repeat_thickness_m / max(g.electrode_width_m, 1e-9)
    width = g.outer_width_m or g.electrode_width_m + 2.0 * POUCH_SEAL_WIDTH_M
    length = (g.outer_height_m or g.electrode_height_m + 2.0 * POUCH_SEAL_WIDTH_M) + POUCH_TAB_ALLOWANCE_M
    thickness = g.outer_thickness_m or stack_t + 2.0 * wall_m
    film_m3 = 2.0 * width * length * wall_m
    extra = design.extra_housing_mass_kg or 0.0
    return HousingResult(
        sandwich_area_m2=area,
        housing_mass_kg=film_m3 * density_kg_m3 + extra,
        outer_volume_m3=width * length * thickness,
        stack_fill_fraction=(stack_t + 2.0 * wall_m) / thickness,
    )


@_register("prismatic")
def prismatic(
    design: CellDesign, repeat_thickness_m: float, wall_m: float, density_kg_m3: float
) -> HousingResult:
    """Wound or stacked electrodes in a rigid box: case mass = wall x surface area."""
    g = design.geometry
    if None in (g.outer_width_m, g.outer_height_m, g.outer_thickness_m):
        raise DesignError(
            "a prismatic cell needs geometry.outer_width_m, outer_height_m and outer_thickness_m (case) [m]"
        )
    if g.winding_length_m is not None:
        area = _wound_area(g)
        stack_volume = g.winding_length_m * repeat_thickness_m * g.electrode_height_m
    else:
        area = 2.0 * g.n_layers * g.electrode_width_m * g.electrode_height_m
        stack_volume = g.n_layers * repeat_thickness_m * g.electrode_width_m * g.electrode_height_m
    w, h, t = g.outer_width_m, g.outer_height_m, g.outer_thickness_m
    surface = 2.0 * (w * h + w * t + h * t)
    inner = max((w - 2 * wall_m) * (h - 2 * wall_m) * (t - 2 * wall_m), 1e-12)
    return HousingResult(
        sandwich_area_m2=area,
        housing_mass_kg=surface * wall_m * density_kg_m3 + (design.extra_housing_mass_kg or 0.0),
        outer_volume_m3=w * h * t,
        stack_fill_fraction=stack_volume / inner,
    )


def housing_for(
    design: CellDesign, repeat_thickness_m: float, wall_m: float, density_kg_m3: float
) -> HousingResult:
    """Dispatch on ``design.geometry.format``."""
    fmt = design.geometry.format
    if fmt not in FORMATS:
        raise DesignError(f"unknown cell format {fmt!r}; use one of {', '.join(FORMATS)}")
    return FORMATS[fmt](design, repeat_thickness_m, wall_m, density_kg_m3)
