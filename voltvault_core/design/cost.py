r"""Cell cost in USD/kWh from material prices and processing assumptions, with a breakdown.

.. math::
    C_{cell} = \frac{1}{y} \sum_i m_i p_i + A_{sep} p_{sep} / y
              + A\, c_{electrode} + c_{assembly} + E\, c_{formation}

with :math:`m_i` the mass of every component (from :func:`~voltvault_core.design.metrics.compute_metrics`),
:math:`p_i` its price per kg (or per m2 for separators) from the materials library, :math:`y` the
material yield (purchased material that ends up in good cells), :math:`A` the sandwich area (coated
electrode area), and the per-area, per-cell and per-kWh processing costs of :class:`ProcessAssumptions`.
The default processing figures are order-of-magnitude assumptions, to be replaced by a plant's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from voltvault_core.design.formats import DEFAULT_HOUSING
from voltvault_core.design.metrics import DesignMetrics, compute_metrics, resolve_material
from voltvault_core.design.model import CellDesign, DesignError
from voltvault_core.materials import Material


@dataclass(frozen=True)
class ProcessAssumptions:
    """Processing assumptions (VoltVault estimates; edit them to your plant).

    Attributes
    ----------
    material_yield : float
        Fraction of purchased material that ends in a good cell [-].
    electrode_processing_USD_m2 : float
        Mixing, coating, drying, calendering and slitting per m2 of sandwich area [USD.m-2].
    assembly_USD_per_cell : float
        Winding/stacking, tab welding, housing, filling and sealing [USD].
    formation_USD_kWh : float
        Formation cycling and ageing [USD.kWh-1].
    """

    material_yield: float = 0.92
    electrode_processing_USD_m2: float = 1.5
    assembly_USD_per_cell: float = 0.10
    formation_USD_kWh: float = 8.0


@dataclass(frozen=True)
class CostResult:
    """Cell cost and its breakdown.

    Attributes
    ----------
    cost_USD : float
        Cost of one cell [USD].
    cost_USD_kWh : float
        Cost per nominal energy [USD.kWh-1].
    breakdown_USD : dict
        Component -> cost of one cell [USD].
    estimated_prices : list of str
        Components whose price is an order-of-magnitude estimate, not a quote.
    """

    cost_USD: float
    cost_USD_kWh: float
    breakdown_USD: dict[str, float]
    estimated_prices: list[str] = field(default_factory=list)

    def breakdown_USD_kWh(self, energy_Wh: float) -> dict[str, float]:
        return {k: v / (energy_Wh / 1000.0) for k, v in self.breakdown_USD.items()}

    def to_dict(self) -> dict:
        return asdict(self)


def _price(material: Material, key: str = "price_USD_kg") -> float:
    if not material.has(key):
        raise DesignError(f"material {material.id!r} has no {key!r}; add a price to cost this design")
    return float(material.value(key))


def compute_cost(
    design: CellDesign,
    metrics: DesignMetrics | None = None,
    assumptions: ProcessAssumptions | None = None,
    materials: Mapping[str, Material] | None = None,
) -> CostResult:
    """Cost of one cell and USD/kWh, with the breakdown by component (see the module docstring)."""
    a = assumptions or ProcessAssumptions()
    if not 0.0 < a.material_yield <= 1.0:
        raise DesignError(f"material_yield must be in (0, 1], got {a.material_yield}")
    m = metrics or compute_metrics(design, materials)
    if m.energy_Wh <= 0:
        raise DesignError("the design stores no energy; check the electrodes before costing it")
    area = m.sandwich_area_m2
    breakdown: dict[str, float] = {}
    estimated: list[str] = []

    def add(label: str, material: Material, mass_kg: float) -> None:
        breakdown[label] = breakdown.get(label, 0.0) + mass_kg * _price(material) / a.material_yield
        if "price_USD_kg" in material.estimated_properties:
            estimated.append(label)

    for side, layer, em in (
        ("positive", design.positive, m.positive),
        ("negative", design.negative, m.negative),
    ):
        coating_kg = em.loading_kg_m2 * area
        add(f"{side} active ({layer.active_material})", resolve_material(layer.active_material, materials),
            coating_kg * layer.active_mass_fraction)  # fmt: skip
        if layer.binder_mass_fraction > 0:
            add("binders", resolve_material(layer.binder, materials), coating_kg * layer.binder_mass_fraction)
        if layer.additive_mass_fraction > 0:
            add("conductive additives", resolve_material(layer.additive, materials),
                coating_kg * layer.additive_mass_fraction)  # fmt: skip
    add("positive collector", resolve_material(design.positive_collector, materials),
        m.mass_breakdown_kg["positive collector"] + m.mass_breakdown_kg["tabs"] / 2)  # fmt: skip
    add("negative collector", resolve_material(design.negative_collector, materials),
        m.mass_breakdown_kg["negative collector"] + m.mass_breakdown_kg["tabs"] / 2)  # fmt: skip
    sep = resolve_material(design.separator, materials)
    if sep.has("price_USD_m2"):
        breakdown["separator"] = area * _price(sep, "price_USD_m2") / a.material_yield
        if "price_USD_m2" in sep.estimated_properties:
            estimated.append("separator")
    else:
        add("separator", sep, m.mass_breakdown_kg["separator"])
    add("electrolyte", resolve_material(design.electrolyte, materials), m.mass_breakdown_kg["electrolyte"])
    housing = resolve_material(
        design.housing or DEFAULT_HOUSING.get(design.geometry.format, "Steel-can"), materials
    )
    add("housing", housing, m.mass_breakdown_kg["housing"])
    breakdown["electrode processing"] = area * a.electrode_processing_USD_m2
    breakdown["assembly"] = a.assembly_USD_per_cell
    breakdown["formation"] = m.energy_Wh / 1000.0 * a.formation_USD_kWh
    estimated += ["electrode processing", "assembly", "formation"]
    total = sum(breakdown.values())
    return CostResult(
        cost_USD=total,
        cost_USD_kWh=total / (m.energy_Wh / 1000.0),
        breakdown_USD=breakdown,
        estimated_prices=sorted(set(estimated)),
    )
