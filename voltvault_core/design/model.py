"""The cell-design document: electrode layers, separator, collectors, electrolyte, format and geometry.

A :class:`CellDesign` is plain data (SI units, material ids of :mod:`voltvault_core.materials`) that
round-trips through JSON (:meth:`CellDesign.to_dict` / :meth:`CellDesign.from_dict`); the metrics, the
balancing, the cost and the parameter-set export are functions of it.

Electrode convention: electrodes are double-coated; ``thickness_m`` and ``loading_kg_m2`` are per side.
The *sandwich area* (PyBaMM's ``Electrode width [m] x Electrode height [m]``) is the area of one
cathode coating facing one anode coating, summed over the cell: for a wound cell ``2 x winding length x
electrode height``, for a stacked pouch ``2 x layers x width x height``.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields
from typing import Any


class DesignError(ValueError):
    """A design that cannot be evaluated; the message says which field and what would work."""


@dataclass
class ElectrodeLayer:
    """One electrode coating (per side of its current collector).

    Attributes
    ----------
    active_material : str
        Material id (a cathode or an anode of the library, or a custom material).
    thickness_m : float
        Calendered coating thickness per side [m].
    porosity : float or None
        Pore volume fraction [-]. Give either ``porosity`` or ``loading_kg_m2``; the other follows
        from the recipe.
    loading_kg_m2 : float or None
        Coating mass per area per side [kg.m-2] (1 mg/cm2 = 0.01 kg/m2).
    active_mass_fraction, binder_mass_fraction, additive_mass_fraction : float
        Recipe (dry mass fractions, summing to 1).
    binder, additive : str
        Material ids of the binder and the conductive additive.
    stoichiometry_window : (float, float) or None
        Override of the active material's (0 % SOC, 100 % SOC) stoichiometries.
    """

    active_material: str
    thickness_m: float
    porosity: float | None = 0.3
    loading_kg_m2: float | None = None
    active_mass_fraction: float = 0.96
    binder_mass_fraction: float = 0.02
    additive_mass_fraction: float = 0.02
    binder: str = "PVDF"
    additive: str = "CarbonBlack"
    stoichiometry_window: tuple[float, float] | None = None


@dataclass
class Geometry:
    """Cell format and dimensions.

    Attributes
    ----------
    format : str
        ``"pouch"``, ``"cylindrical"`` or ``"prismatic"``.
    size : str
        For cylindrical cells ``"18650"``, ``"21700"``, ``"4680"`` (or ``"custom"`` with the
        dimensions below).
    electrode_height_m : float
        Coated electrode height (cylindrical: along the can axis) [m].
    electrode_width_m : float
        Coated width of one pouch/prismatic sheet [m] (stacked cells).
    n_layers : int
        Stacked cells: number of double-coated cathode sheets.
    winding_length_m : float or None
        Wound cells (cylindrical, prismatic): coated cathode length [m]. Stacked if ``None``.
    outer_diameter_m, outer_height_m : float or None
        Cylindrical can outer dimensions [m] (defaults from ``size``).
    outer_width_m, outer_thickness_m : float or None
        Pouch/prismatic outer width and thickness [m] (pouch thickness defaults to the stack).
    tab_width_m, tab_length_m, tab_thickness_m : float
        One positive and one negative tab (aluminium, copper) [m].
    """

    format: str = "pouch"
    size: str = "custom"
    electrode_height_m: float = 0.1
    electrode_width_m: float = 0.1
    n_layers: int = 10
    winding_length_m: float | None = None
    outer_diameter_m: float | None = None
    outer_height_m: float | None = None
    outer_width_m: float | None = None
    outer_thickness_m: float | None = None
    tab_width_m: float = 5e-3
    tab_length_m: float = 2e-2
    tab_thickness_m: float = 1e-4


@dataclass
class CellDesign:
    """A cell design. Every length in metres, every mass in kilograms.

    Attributes
    ----------
    name : str
    positive, negative : ElectrodeLayer
    separator : str
        Separator material id; ``separator_thickness_m`` / ``separator_porosity`` override its data.
    electrolyte : str
        Electrolyte material id.
    positive_collector, negative_collector : str
        Current-collector material ids; thicknesses override their data.
    housing : str or None
        Housing material id (default by format: steel can, Al case, laminate pouch).
    electrolyte_fill_factor : float
        Electrolyte volume / pore volume of electrodes and separator [-].
    lower_voltage_V, upper_voltage_V : float
        Voltage window of the cell [V].
    extra_housing_mass_kg : float or None
        Cap assembly, vent, insulators [kg] (default by format).
    """

    name: str = "New design"
    positive: ElectrodeLayer = field(default_factory=lambda: ElectrodeLayer("NMC811", 75e-6))
    negative: ElectrodeLayer = field(
        default_factory=lambda: ElectrodeLayer(
            "Graphite-LGM50", 85e-6, binder="CMC/SBR", additive="CarbonBlack"
        )
    )
    separator: str = "PE-wet-9um"
    separator_thickness_m: float | None = None
    separator_porosity: float | None = None
    electrolyte: str = "LP57"
    positive_collector: str = "Al-foil"
    positive_collector_thickness_m: float | None = None
    negative_collector: str = "Cu-foil"
    negative_collector_thickness_m: float | None = None
    geometry: Geometry = field(default_factory=Geometry)
    housing: str | None = None
    electrolyte_fill_factor: float = 1.1
    lower_voltage_V: float = 2.5
    upper_voltage_V: float = 4.2
    extra_housing_mass_kg: float | None = None
    notes: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (tuples become lists)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CellDesign:
        """Rebuild a design from :meth:`to_dict`; unknown fields are an error naming them."""
        data = copy.deepcopy(dict(data))
        _reject_unknown(cls, data, "design")
        for side in ("positive", "negative"):
            if side in data:
                layer = dict(data[side])
                _reject_unknown(ElectrodeLayer, layer, f"design.{side}")
                if layer.get("stoichiometry_window") is not None:
                    layer["stoichiometry_window"] = tuple(layer["stoichiometry_window"])
                data[side] = ElectrodeLayer(**layer)
        if "geometry" in data:
            geometry = dict(data["geometry"])
            _reject_unknown(Geometry, geometry, "design.geometry")
            data["geometry"] = Geometry(**geometry)
        return cls(**data)

    def copy(self, **changes: Any) -> CellDesign:
        """A deep copy with top-level fields replaced."""
        clone = copy.deepcopy(self)
        for key, value in changes.items():
            setattr(clone, key, value)
        return clone


def _reject_unknown(cls, data: dict, where: str) -> None:
    allowed = {f.name for f in fields(cls)}
    unknown = set(data) - allowed
    if unknown:
        raise DesignError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
