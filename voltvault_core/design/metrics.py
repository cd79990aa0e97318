r"""Cell metrics from a design: recipe -> porosity and conductivity, capacity, energy, masses, N/P.

Electrode recipe (per side of a double-coated electrode, dry mass fractions :math:`w_i`, true
densities :math:`\rho_i`, coating loading :math:`m` [kg.m-2], calendered thickness :math:`L`):

.. math::
    \varepsilon_{solid} = \frac{m}{L} \sum_i \frac{w_i}{\rho_i}, \qquad
    \varepsilon = 1 - \varepsilon_{solid}, \qquad
    \varepsilon_{am} = \frac{m\, w_{am}}{\rho_{am} L}

Effective electronic conductivity (Bruggeman 1935, doi:10.1002/andp.19354160705): every solid phase
conducts in parallel through its own volume fraction, :math:`\sigma = \sum_i \sigma_i \varepsilon_i^{1.5}`.

Capacity. Each electrode cycles :math:`Q = \varepsilon_{am} L A\, q_v` where :math:`q_v` is the active
material's charge per volume between its 0 % and 100 % SOC stoichiometries (``c_max F |\Delta x|``,
see :meth:`voltvault_core.materials.Material.usable_volumetric_capacity_C_m3`); the cell delivers the
smaller of the two. The windows of the library's materials are those of their reference cells, so
they include the reference cell's lithium inventory (first-cycle loss).

Energy: the open-circuit voltage integrated over that capacity, both electrodes moving along their
stoichiometries from the 100 % SOC point (published OCP functions), or the difference of average
potentials when a material has no OCP function. N/P: the negative electrode's full capacity
(stoichiometry 0 to 1) over the positive electrode's cycled capacity.

Masses: coatings (solid phases), foils (one per two coatings), separator, electrolyte (pore volume x
fill factor x density), tabs and housing (:mod:`voltvault_core.design.formats`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from voltvault_core.design.formats import DEFAULT_HOUSING, housing_for
from voltvault_core.design.model import CellDesign, DesignError, ElectrodeLayer
from voltvault_core.materials import Material, load_library

BRUGGEMAN_EXPONENT = 1.5


def resolve_material(material_id: str, materials: Mapping[str, Material] | None = None) -> Material:
    """A material by id from ``materials`` (custom ones) first, then the shipped library."""
    if materials and material_id in materials:
        return materials[material_id]
    try:
        return load_library()[material_id]
    except KeyError as exc:
        raise DesignError(str(exc.args[0])) from None


@dataclass(frozen=True)
class ElectrodeMetrics:
    """What the recipe and the thickness give for one electrode (per side unless stated).

    Attributes
    ----------
    loading_kg_m2 : float
        Coating mass per area [kg.m-2].
    active_loading_kg_m2 : float
        Active-material mass per area [kg.m-2].
    porosity : float
    active_volume_fraction : float
    electronic_conductivity_S_m : float
        Effective electronic conductivity of the coating [S.m-1].
    areal_capacity_Ah_m2 : float
        Cycled capacity per area [A.h.m-2] (1 mAh/cm2 = 10 A.h/m2).
    full_areal_capacity_Ah_m2 : float
        Capacity per area from stoichiometry 0 to 1 [A.h.m-2].
    stoichiometry_window : tuple
        (0 % SOC, 100 % SOC).
    phase_volume_fractions : dict
        Volume fraction of every solid phase [-].
    """

    loading_kg_m2: float
    active_loading_kg_m2: float
    porosity: float
    active_volume_fraction: float
    electronic_conductivity_S_m: float
    areal_capacity_Ah_m2: float
    full_areal_capacity_Ah_m2: float
    stoichiometry_window: tuple[float, float]
    phase_volume_fractions: dict[str, float]


def _recipe_phases(layer: ElectrodeLayer, materials) -> list[tuple[str, Material, float]]:
    fractions = (layer.active_mass_fraction, layer.binder_mass_fraction, layer.additive_mass_fraction)
    if any(f < 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-6:
        raise DesignError(
            f"electrode {layer.active_material!r}: active/binder/additive mass fractions {fractions} must be "
            "non-negative and add up to 1"
        )
    phases = [("active", resolve_material(layer.active_material, materials), layer.active_mass_fraction)]
    if layer.binder_mass_fraction > 0:
        phases.append(("binder", resolve_material(layer.binder, materials), layer.binder_mass_fraction))
    if layer.additive_mass_fraction > 0:
        phases.append(("additive", resolve_material(layer.additive, materials), layer.additive_mass_fraction))
    return phases


def electrode_metrics(
    layer: ElectrodeLayer, materials: Mapping[str, Material] | None = None
) -> ElectrodeMetrics:
    """Porosity, loading, conductivity and areal capacity of one coating from its recipe."""
    if layer.thickness_m <= 0:
        raise DesignError(
            f"electrode {layer.active_material!r}: thickness_m must be > 0, got {layer.thickness_m}"
        )
    phases = _recipe_phases(layer, materials)
    active = phases[0][1]
    if not active.is_active:
        raise DesignError(
            f"{active.id!r} is a {active.type}, not an active material; pick a cathode or an anode"
        )
    specific_volume = sum(w / float(m.value("density_kg_m3")) for _, m, w in phases)  # m3 per kg of coating
    if layer.loading_kg_m2 is not None:
        loading = float(layer.loading_kg_m2)
        porosity = 1.0 - loading * specific_volume / layer.thickness_m
    elif layer.porosity is not None:
        porosity = float(layer.porosity)
        loading = (1.0 - porosity) * layer.thickness_m / specific_volume
    else:
        raise DesignError(f"electrode {active.id!r}: give either porosity or loading_kg_m2")
    if not 0.0 <= porosity < 1.0:
        raise DesignError(
            f"electrode {active.id!r}: loading {loading:.4g} kg/m2 in {layer.thickness_m * 1e6:.1f} um gives "
            f"porosity {porosity:.3f}; a coating needs 0 <= porosity < 1 (thicker coating or lower loading)"
        )
    fractions = {
        role: loading * w / float(m.value("density_kg_m3")) / layer.thickness_m for role, m, w in phases
    }
    sigma = sum(
        float(m.get("electronic_conductivity_S_m", 0.0)) * fractions[role] ** BRUGGEMAN_EXPONENT
        for role, m, _ in phases
    )
    window = layer.stoichiometry_window or active.stoichiometry_window()
    eps_am = fractions["active"]
    if layer.stoichiometry_window is not None:
        q_v = active.full_volumetric_capacity_C_m3() * abs(window[1] - window[0])
    else:
        q_v = active.usable_volumetric_capacity_C_m3()
    areal = eps_am * layer.thickness_m * q_v / 3600.0
    full = eps_am * layer.thickness_m * active.full_volumetric_capacity_C_m3() / 3600.0
    return ElectrodeMetrics(
        loading_kg_m2=loading,
        active_loading_kg_m2=loading * layer.active_mass_fraction,
        porosity=porosity,
        active_volume_fraction=eps_am,
        electronic_conductivity_S_m=sigma,
        areal_capacity_Ah_m2=areal,
        full_areal_capacity_Ah_m2=full,
        stoichiometry_window=(float(window[0]), float(window[1])),
        phase_volume_fractions=fractions,
    )


@dataclass(frozen=True)
class DesignMetrics:
    """Cell-level metrics of a design (SI units; convert for display only).

    Attributes
    ----------
    capacity_Ah, energy_Wh, nominal_voltage_V : float
    specific_energy_Wh_kg, energy_density_Wh_L : float
    np_ratio : float
        Negative capacity over its whole stoichiometry range (0 to 1) / positive capacity between the
        cut-offs: the room the negative has for the lithium the positive gives (< 1: plating risk).
    limiting_electrode : str
        The electrode whose cycling window holds less charge between the cut-offs: it sets ``capacity_Ah``.
    cycled_np_ratio : float
        Negative / positive capacity, both between the cut-offs (their stoichiometry windows). Below 1 the
        negative limits the cycled capacity even when ``np_ratio`` is above 1; :func:`np_ratio_note`
        says which in words (the page, the CLI and reports use it).
    mass_kg : float
    mass_breakdown_kg : dict
    volume_m3 : float
    sandwich_area_m2 : float
    electrolyte_volume_m3, pore_volume_m3, electrolyte_fill_factor : float
    stack_fill_fraction : float
    positive, negative : ElectrodeMetrics
    warnings : list of str
    """

    capacity_Ah: float
    energy_Wh: float
    nominal_voltage_V: float
    specific_energy_Wh_kg: float
    energy_density_Wh_L: float
    np_ratio: float
    limiting_electrode: str
    mass_kg: float
    mass_breakdown_kg: dict[str, float]
    volume_m3: float
    sandwich_area_m2: float
    electrolyte_volume_m3: float
    pore_volume_m3: float
    electrolyte_fill_factor: float
    stack_fill_fraction: float
    positive: ElectrodeMetrics
    negative: ElectrodeMetrics
    warnings: list[str] = field(default_factory=list)
    cycled_np_ratio: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def np_ratio_note(metrics: DesignMetrics) -> str:
    """What the N/P ratio and the limiting electrode mean for this design, in one consistent sentence."""
    pos, neg = metrics.positive, metrics.negative
    windows = (
        f"between the cut-offs the positive (x {pos.stoichiometry_window[1]:.3f}-{pos.stoichiometry_window[0]:.3f}) "
        f"holds {pos.areal_capacity_Ah_m2 / 10:.2f} mAh/cm2 and the negative "
        f"(x {neg.stoichiometry_window[0]:.3f}-{neg.stoichiometry_window[1]:.3f}) {neg.areal_capacity_Ah_m2 / 10:.2f}"
    )
    head = (f"N/P {metrics.np_ratio:.3f} = negative capacity over its full stoichiometry range / positive "
            f"capacity between the cut-offs ({neg.full_areal_capacity_Ah_m2 / 10:.2f} / "
            f"{pos.areal_capacity_Ah_m2 / 10:.2f} mAh/cm2)")
    if metrics.limiting_electrode == "negative":
        return (f"{head}; {windows} mAh/cm2, so the negative electrode's window limits the cycled capacity "
                f"(cycled N/P {metrics.cycled_np_ratio:.3f}).")
    return f"{head}; {windows} mAh/cm2, so the positive electrode limits the capacity."


def metrics_summary(design: CellDesign, metrics: DesignMetrics) -> dict[str, Any]:
    """The one summary of a design's metrics that the page, the CLI (``--json``) and reports show."""
    return {
        "name": design.name,
        "format": design.geometry.format,
        "size": design.geometry.size,
        "capacity_Ah": metrics.capacity_Ah,
        "energy_Wh": metrics.energy_Wh,
        "nominal_voltage_V": metrics.nominal_voltage_V,
        "specific_energy_Wh_kg": metrics.specific_energy_Wh_kg,
        "energy_density_Wh_L": metrics.energy_density_Wh_L,
        "np_ratio": metrics.np_ratio,
        "cycled_np_ratio": metrics.cycled_np_ratio,
        "limiting_electrode": metrics.limiting_electrode,
        "np_ratio_note": np_ratio_note(metrics),
        "mass_kg": metrics.mass_kg,
        "volume_m3": metrics.volume_m3,
        "electrolyte_volume_m3": metrics.electrolyte_volume_m3,
        "positive_porosity": metrics.positive.porosity,
        "negative_porosity": metrics.negative.porosity,
        "positive_loading_kg_m2": metrics.positive.loading_kg_m2,
        "negative_loading_kg_m2": metrics.negative.loading_kg_m2,
        "mass_breakdown_kg": metrics.mass_breakdown_kg,
        "warnings": metrics.warnings,
        "inputs": design.to_dict(),
    }


def _open_circuit_voltage_curve(
    pos: Material,
    neg: Material,
    p_win,
    n_win,
    q_pos_full_Ah: float,
    q_neg_full_Ah: float,
    capacity_Ah: float,
    n: int = 201,
) -> tuple[np.ndarray, np.ndarray]:
    """OCV [V] against discharged capacity [A.h] from 100 % SOC down to ``capacity_Ah``."""
    q = np.linspace(0.0, capacity_Ah, n)
    sign_p = 1.0 if p_win[0] >= p_win[1] else -1.0  # stoichiometry rises on discharge for a cathode
    sign_n = 1.0 if n_win[1] >= n_win[0] else -1.0
    sto_p = np.clip(p_win[1] + sign_p * q / q_pos_full_Ah, 0.0, 1.0)
    sto_n = np.clip(n_win[1] - sign_n * q / q_neg_full_Ah, 0.0, 1.0)
    return q, pos.ocp_V(sto_p) - neg.ocp_V(sto_n)


def compute_metrics(design: CellDesign, materials: Mapping[str, Material] | None = None) -> DesignMetrics:
    """All metrics of a design (see the module docstring for the equations).

    Parameters
    ----------
    design : CellDesign
    materials : mapping of id -> Material, optional
        Custom materials that the design references besides the shipped library.
    """
    warnings: list[str] = []
    pos_m = electrode_metrics(design.positive, materials)
    neg_m = electrode_metrics(design.negative, materials)
    pos = resolve_material(design.positive.active_material, materials)
    neg = resolve_material(design.negative.active_material, materials)
    if pos.type != "cathode":
        raise DesignError(f"the positive electrode needs a cathode material, got {pos.id!r} ({pos.type})")
    if neg.type != "anode":
        raise DesignError(f"the negative electrode needs an anode material, got {neg.id!r} ({neg.type})")

    sep = resolve_material(design.separator, materials)
    sep_t = design.separator_thickness_m or float(sep.value("thickness_m"))
    sep_eps = (
        design.separator_porosity if design.separator_porosity is not None else float(sep.value("porosity"))
    )
    pcc = resolve_material(design.positive_collector, materials)
    ncc = resolve_material(design.negative_collector, materials)
    pcc_t = design.positive_collector_thickness_m or float(pcc.value("thickness_m"))
    ncc_t = design.negative_collector_thickness_m or float(ncc.value("thickness_m"))
    elyte = resolve_material(design.electrolyte, materials)
    housing_mat = resolve_material(
        design.housing or DEFAULT_HOUSING.get(design.geometry.format, "Steel-can"), materials
    )

    # repeating unit of a double-coated stack: Al + 2 cathode + 2 separators + 2 anode + Cu
    repeat_t = pcc_t + 2 * design.positive.thickness_m + 2 * sep_t + 2 * design.negative.thickness_m + ncc_t
    housing = housing_for(
        design,
        repeat_t,
        float(housing_mat.value("wall_thickness_m")),
        float(housing_mat.value("density_kg_m3")),
    )
    area = housing.sandwich_area_m2
    if housing.stack_fill_fraction > 1.0:
        warnings.append(
            f"the electrode stack needs {housing.stack_fill_fraction:.0%} of the room inside the housing: "
            "shorten the winding / use fewer layers or thinner coatings"
        )

    q_pos = pos_m.areal_capacity_Ah_m2 * area
    q_neg = neg_m.areal_capacity_Ah_m2 * area
    capacity = min(q_pos, q_neg)
    limiting = "positive" if q_pos <= q_neg else "negative"
    np_ratio = neg_m.full_areal_capacity_Ah_m2 / pos_m.areal_capacity_Ah_m2
    if np_ratio < 1.0:
        warnings.append(
            f"N/P = {np_ratio:.2f} < 1: the negative electrode cannot take the lithium (plating risk)"
        )

    if pos.has_ocp() and neg.has_ocp():
        q, ocv = _open_circuit_voltage_curve(
            pos, neg, pos_m.stoichiometry_window, neg_m.stoichiometry_window,
            pos_m.full_areal_capacity_Ah_m2 * area, neg_m.full_areal_capacity_Ah_m2 * area, capacity,
        )  # fmt: skip
        energy = float(np.trapezoid(ocv, q))
    else:
        missing = [m.id for m in (pos, neg) if not m.has_ocp()]
        warnings.append(f"no OCP function for {', '.join(missing)}: energy uses average potentials")
        energy = capacity * (
            float(pos.value("average_potential_V")) - float(neg.value("average_potential_V"))
        )
    nominal_v = energy / capacity if capacity > 0 else 0.0

    pore_volume = area * (
        pos_m.porosity * design.positive.thickness_m
        + neg_m.porosity * design.negative.thickness_m
        + sep_eps * sep_t
    )
    electrolyte_volume = pore_volume * design.electrolyte_fill_factor
    masses = {
        "positive coating": pos_m.loading_kg_m2 * area,
        "negative coating": neg_m.loading_kg_m2 * area,
        "positive collector": pcc_t * area / 2.0 * float(pcc.value("density_kg_m3")),
        "negative collector": ncc_t * area / 2.0 * float(ncc.value("density_kg_m3")),
        "separator": sep_t * area * (1.0 - sep_eps) * float(sep.value("density_kg_m3")),
        "electrolyte": electrolyte_volume * float(elyte.value("density_kg_m3")),
        "tabs": design.geometry.tab_width_m
        * design.geometry.tab_length_m
        * design.geometry.tab_thickness_m
        * (float(pcc.value("density_kg_m3")) + float(ncc.value("density_kg_m3"))),
        "housing": housing.housing_mass_kg,
    }
    mass = sum(masses.values())
    return DesignMetrics(
        capacity_Ah=capacity,
        energy_Wh=energy,
        nominal_voltage_V=nominal_v,
        specific_energy_Wh_kg=energy / mass,
        energy_density_Wh_L=energy / (housing.outer_volume_m3 * 1e3),
        np_ratio=np_ratio,
        limiting_electrode=limiting,
        mass_kg=mass,
        mass_breakdown_kg=masses,
        volume_m3=housing.outer_volume_m3,
        sandwich_area_m2=area,
        electrolyte_volume_m3=electrolyte_volume,
        pore_volume_m3=pore_volume,
        electrolyte_fill_factor=design.electrolyte_fill_factor,
        stack_fill_fraction=housing.stack_fill_fraction,
        positive=pos_m,
        negative=neg_m,
        warnings=warnings,
        cycled_np_ratio=neg_m.areal_capacity_Ah_m2 / pos_m.areal_capacity_Ah_m2,
    )
