"""Export a design as a PyBaMM-named parameter set for the solvers, and import a parameter set back.

Export (:func:`design_to_parameter_set`) starts from a bundled parameter set of the solvers (the one
linked to the positive material, else Chen2020) for everything a design does not decide (thermal
values, SEI defaults, Bruggeman exponents), then sets every geometric and material value from the
design: thicknesses, porosities, active volume fractions, particle radii, maximum and initial
concentrations (100 % SOC end of each stoichiometry window), conductivities, electrode area, voltage
window and nominal capacity. Functional forms:

* open-circuit potentials: the linked set's function when it is the same published fit (same name),
  else the library function tabulated on 501 stoichiometries (:class:`TabulatedOCP`);
* exchange-current densities and particle diffusivities: the linked set's functions (same source as
  the material's cited constants), else the material's constants: a constant diffusivity and the
  exchange-current density evaluated at half lithiation and the initial salt concentration;
* electrolyte transport: the linked set's functions when they are the same fit, else the library
  functions tabulated over concentration (0-4000 mol/m3) and temperature (233-353 K).

The result serialises with :meth:`ParameterSet.to_json_dict`, which ``voltvault simulate
--parameter-set FILE.json`` reads; the tables it contains let PyBaMM (``pybamm.Interpolant``) rebuild it.
Import (:func:`parameter_set_to_design`) recognises the materials by their published OCP function.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from solvers.parameters import Interpolant, ParameterSet, available_parameter_sets, get_parameter_set
from voltvault_core.design.metrics import compute_metrics, resolve_material
from voltvault_core.design.model import CellDesign, DesignError, ElectrodeLayer, Geometry
from voltvault_core.materials import Material, load_library
from voltvault_core.materials.functions import get_function

DEFAULT_BASE_SET = "Chen2020"
_STO_GRID = np.linspace(0.0, 1.0, 501)
_CE_GRID_MOL_M3 = np.linspace(0.0, 4000.0, 161)
_T_GRID_K = np.linspace(233.15, 353.15, 25)
_SIDE = {"positive": "Positive", "negative": "Negative"}


class TabulatedOCP:
    """A published OCP sampled on a stoichiometry grid, called as ``U(sto)`` [V] (linear interpolation).

    A plain one-argument callable (picklable, with an exact signature), so every consumer of a
    parameter set sees a PyBaMM-style ``OCP(sto)``; its JSON export is the table.
    """

    def __init__(self, name: str, sto, values) -> None:
        self.__name__ = name
        self.x = np.asarray(sto, dtype=float)
        self.y = np.asarray(values, dtype=float)

    def __call__(self, sto):
        return np.interp(np.asarray(sto, dtype=float), self.x, self.y)


class TabulatedElectrolyte:
    """An electrolyte law sampled on a (concentration, temperature) grid, called as ``f(c_e, T)``."""

    def __init__(self, name: str, c_grid, T_grid, values) -> None:
        self.__name__ = name
        self._table = Interpolant(c_grid, values, T=T_grid, n_args=2, name=name)

    def __call__(self, c_e, T):
        return self._table(c_e, T)


def _linked_set(material: Material, electrode: str) -> ParameterSet | None:
    link = material.parameter_set
    if not link or link.get("electrode") != electrode or link.get("set") not in available_parameter_sets():
        return None
    return get_parameter_set(link["set"])


def _same_function(value, name: str) -> bool:
    return callable(value) and getattr(value, "__name__", "") == name


def _electrode_values(side: str, material: Material, layer: ElectrodeLayer, em, c_e0: float) -> dict:
    S = _SIDE[side]
    if not material.has_ocp():
        raise DesignError(
            f"{material.id!r} has no published open-circuit-potential function, which the solvers need: "
            "pick another material, or add a custom material with a tabulated OCP"
        )
    c_max = material.max_concentration_mol_m3()
    values: dict = {
        f"{S} electrode thickness [m]": layer.thickness_m,
        f"{S} electrode porosity": em.porosity,
        f"{S} electrode active material volume fraction": em.active_volume_fraction,
        f"Maximum concentration in {side} electrode [mol.m-3]": c_max,
        f"Initial concentration in {side} electrode [mol.m-3]": em.stoichiometry_window[1] * c_max,
        f"{S} electrode conductivity [S.m-1]": em.electronic_conductivity_S_m,
        f"{S} electrode Bruggeman coefficient (electrode)": 0.0,
        f"{S} electrode density [kg.m-3]": em.loading_kg_m2 / layer.thickness_m,
    }
    if material.has("particle_radius_m"):
        values[f"{S} particle radius [m]"] = float(material.value("particle_radius_m"))
    if material.has("charge_transfer_coefficient"):
        values[f"{S} electrode charge transfer coefficient"] = float(
            material.value("charge_transfer_coefficient")
        )
    ocp_name = material.functions["ocp"][0]
    linked = _linked_set(material, side)
    set_ocp = linked.get(f"{S} electrode OCP [V]") if linked else None
    if set_ocp is not None and _same_function(set_ocp, ocp_name):
        values[f"{S} electrode OCP [V]"] = set_ocp
    else:
        fn = get_function(ocp_name).function
        values[f"{S} electrode OCP [V]"] = TabulatedOCP(ocp_name, _STO_GRID, fn(_STO_GRID))
    j0_key = f"{S} electrode exchange-current density [A.m-2]"
    d_key = f"{S} particle diffusivity [m2.s-1]"
    if linked is not None:
        values[j0_key] = linked[j0_key]
        values[d_key] = linked[d_key]
    else:
        missing = [k for k in ("exchange_current_rate_constant", "diffusivity_m2_s", "particle_radius_m")
                   if not material.has(k)]  # fmt: skip
        if missing:
            raise DesignError(
                f"{material.id!r} lacks {', '.join(missing)}, which the solvers need; add them to a custom material"
            )
        m_ref = float(material.value("exchange_current_rate_constant"))
        values[j0_key] = m_ref * np.sqrt(c_e0) * np.sqrt(0.5 * c_max) * np.sqrt(0.5 * c_max)
        values[d_key] = float(material.value("diffusivity_m2_s"))
    return values


def _electrolyte_values(electrolyte: Material) -> dict:
    linked = _linked_set(electrolyte, "electrolyte")
    values: dict = {
        "Initial concentration in electrolyte [mol.m-3]": float(
            electrolyte.value("salt_concentration_mol_m3")
        ),
        "Cation transference number": float(electrolyte.value("cation_transference_number")),
    }
    for field, key in (("conductivity", "Electrolyte conductivity [S.m-1]"),
                       ("diffusivity", "Electrolyte diffusivity [m2.s-1]")):  # fmt: skip
        name = electrolyte.functions[field][0]
        set_fn = linked.get(key) if linked else None
        if set_fn is not None and _same_function(set_fn, name):
            values[key] = set_fn
            continue
        fn = get_function(name).function
        c, T = np.meshgrid(_CE_GRID_MOL_M3, _T_GRID_K, indexing="ij")
        table = np.maximum(np.asarray(fn(c, T), dtype=float), 0.0)
        values[key] = TabulatedElectrolyte(name, _CE_GRID_MOL_M3, _T_GRID_K, table)
    return values


def design_to_parameter_set(
    design: CellDesign, materials: Mapping[str, Material] | None = None, base: str | None = None
) -> ParameterSet:
    """The design as a PyBaMM-named :class:`~solvers.parameters.ParameterSet` (see the module docstring).

    Raises
    ------
    DesignError
        When a material lacks what the solvers need (an OCP function, kinetics, diffusivity), naming it.
    """
    metrics = compute_metrics(design, materials)
    pos = resolve_material(design.positive.active_material, materials)
    neg = resolve_material(design.negative.active_material, materials)
    elyte = resolve_material(design.electrolyte, materials)
    if base is None:
        base = next((m.parameter_set["set"] for m in (pos, neg) if _linked_set(m, m.parameter_set["electrode"]
                     if m.parameter_set else "")), DEFAULT_BASE_SET)  # fmt: skip
    base_set = get_parameter_set(base)
    c_e0 = float(elyte.value("salt_concentration_mol_m3"))
    sep = resolve_material(design.separator, materials)
    pcc = resolve_material(design.positive_collector, materials)
    ncc = resolve_material(design.negative_collector, materials)
    height = design.geometry.electrode_height_m
    changes: dict = {
        "Electrode height [m]": height,
        "Electrode width [m]": metrics.sandwich_area_m2 / height,
        "Separator thickness [m]": design.separator_thickness_m or float(sep.value("thickness_m")),
        "Separator porosity": design.separator_porosity
        if design.separator_porosity is not None
        else float(sep.value("porosity")),
        "Positive current collector thickness [m]": design.positive_collector_thickness_m
        or float(pcc.value("thickness_m")),
        "Negative current collector thickness [m]": design.negative_collector_thickness_m
        or float(ncc.value("thickness_m")),
        "Positive current collector density [kg.m-3]": float(pcc.value("density_kg_m3")),
        "Negative current collector density [kg.m-3]": float(ncc.value("density_kg_m3")),
        "Positive current collector conductivity [S.m-1]": float(pcc.value("electronic_conductivity_S_m")),
        "Negative current collector conductivity [S.m-1]": float(ncc.value("electronic_conductivity_S_m")),
        "Nominal cell capacity [A.h]": metrics.capacity_Ah,
        "Current function [A]": metrics.capacity_Ah,
        "Lower voltage cut-off [V]": design.lower_voltage_V,
        "Upper voltage cut-off [V]": design.upper_voltage_V,
        "Open-circuit voltage at 0% SOC [V]": design.lower_voltage_V,
        "Open-circuit voltage at 100% SOC [V]": design.upper_voltage_V,
        "Cell volume [m3]": metrics.volume_m3,
        "Number of electrodes connected in parallel to make a cell": 1.0,
    }
    changes.update(_electrode_values("positive", pos, design.positive, metrics.positive, c_e0))
    changes.update(_electrode_values("negative", neg, design.negative, metrics.negative, c_e0))
    changes.update(_electrolyte_values(elyte))
    dois = list(base_set.citations)
    for material in (pos, neg, elyte, sep):
        for ref in material.references.values():
            if ref.get("doi") and ref["doi"] not in dois:
                dois.append(ref["doi"])
    out = base_set.updated(changes, name=design.name)
    return ParameterSet(dict(out), name=design.name, citations=dois)


def _match_material(ps: Mapping, key: str, material_type: str, link_side: str, set_name: str) -> Material:
    library = load_library()
    value = ps.get(key)
    fname = getattr(value, "__name__", None)
    for m in library.values():
        if m.type != material_type:
            continue
        link = m.parameter_set or {}
        if link.get("set") == set_name and link.get("electrode") == link_side:
            return m
    field = "ocp" if material_type != "electrolyte" else "conductivity"
    for m in library.values():
        if m.type == material_type and fname and m.functions.get(field, ("",))[0] == fname:
            return m
    if callable(value):
        # recognise the published curve itself (a set may name the same fit differently): the OCP, or the
        # electrolyte conductivity at 25 degC
        grid = (
            np.linspace(0.05, 0.95, 19) if material_type != "electrolyte" else np.linspace(200.0, 2000.0, 19)
        )
        with np.errstate(all="ignore"):
            target = np.asarray(
                value(grid) if material_type != "electrolyte" else value(grid, 298.15), dtype=float
            )
        for m in library.values():
            if m.type != material_type or field not in m.functions:
                continue
            with np.errstate(all="ignore"):
                mine = (
                    m.ocp_V(grid)
                    if material_type != "electrolyte"
                    else m.electrolyte_conductivity_S_m(grid, 298.15)
                )
            if np.allclose(mine, target, rtol=1e-6, atol=1e-6):
                return m
    raise DesignError(
        f"cannot recognise the {link_side} material of parameter set {set_name!r} (its {key!r} is "
        f"{fname or value!r}); the library knows the sets "
        + ", ".join(sorted({m.parameter_set["set"] for m in library.values() if m.parameter_set}))
    )


def _uniform(ps: Mapping, key: str) -> float:
    """A value a design holds once per electrode; a function of x (graded electrode) is refused."""
    value = ps[key]
    if callable(value):
        raise DesignError(
            f"{ps.name if isinstance(ps, ParameterSet) else 'the set'}: {key!r} varies along x (a graded or "
            "layered electrode); a design holds one value per electrode, so it cannot be imported as a design"
        )
    return float(value)


def _optional(ps: Mapping, key: str) -> float | None:
    value = ps.get(key)
    return None if value is None or callable(value) else float(value)


def parameter_set_to_design(ps: ParameterSet, name: str | None = None) -> CellDesign:
    """A design rebuilt from a parameter set whose materials the library knows.

    A set whose commercial cell is known (:data:`voltvault_core.design.published.PUBLISHED_CELLS`: the LG
    M50 of Chen2020, the A123 26650 of Prada2013) is wound into that cell's can, so its metrics are the
    cell's; any other set's electrode area becomes one double-coated pouch sheet of the set's height and
    half its width (said so in the design's notes). Inactive solid volume (1 - porosity - active fraction) becomes binder in the recipe; the stoichiometry
    windows are the library materials' (which come from the same publications).
    """
    layers = {}
    for side, anode_or_cathode, binder in (("positive", "cathode", "PVDF"), ("negative", "anode", "CMC/SBR")):
        S = _SIDE[side]
        material = _match_material(ps, f"{S} electrode OCP [V]", anode_or_cathode, side, ps.name)
        eps = _uniform(ps, f"{S} electrode porosity")
        eps_am = _uniform(ps, f"{S} electrode active material volume fraction")
        inactive = max(0.0, 1.0 - eps - eps_am)
        rho_am = float(material.value("density_kg_m3"))
        rho_b = float(load_library()[binder].value("density_kg_m3"))
        w_am = eps_am * rho_am / (eps_am * rho_am + inactive * rho_b)
        # the material's own window is used: a set's initial concentrations need not be its 100 % SOC
        # state (Mohtat2020 starts discharged, Marquis2019 part-charged)
        layers[side] = ElectrodeLayer(
            material.id, float(ps[f"{S} electrode thickness [m]"]), porosity=eps, active_mass_fraction=w_am,
            binder_mass_fraction=1.0 - w_am, additive_mass_fraction=0.0, binder=binder,
        )  # fmt: skip
    electrolyte = _match_material(
        ps, "Electrolyte conductivity [S.m-1]", "electrolyte", "electrolyte", ps.name
    )
    height = float(ps["Electrode height [m]"])
    width = float(ps["Electrode width [m]"])
    from voltvault_core.design.published import published_geometry

    published = published_geometry(ps.name, height, width)
    if published is not None:
        geometry, format_note = published
    else:
        geometry = Geometry(format="pouch", electrode_width_m=width / 2.0, electrode_height_m=height, n_layers=1)
        format_note = "the set names no cell format: one double-coated pouch sheet of its electrode area"
    return CellDesign(
        name=name or f"{ps.name} (imported)",
        positive=layers["positive"],
        negative=layers["negative"],
        separator="PE-wet-9um",
        separator_thickness_m=float(ps["Separator thickness [m]"]),
        separator_porosity=_uniform(ps, "Separator porosity"),
        electrolyte=electrolyte.id,
        positive_collector_thickness_m=_optional(ps, "Positive current collector thickness [m]"),
        negative_collector_thickness_m=_optional(ps, "Negative current collector thickness [m]"),
        geometry=geometry,
        electrolyte_fill_factor=1.0,
        lower_voltage_V=float(ps["Lower voltage cut-off [V]"]),
        upper_voltage_V=float(ps["Upper voltage cut-off [V]"]),
        notes=f"Imported from parameter set {ps.name!r}; format: {format_note}.",
    )


def design_to_json(design: CellDesign, materials: Mapping[str, Material] | None = None) -> dict:
    """The exported parameter set as JSON for ``voltvault simulate --parameter-set FILE.json``.

    ``{"base": <bundled set>, "name": ..., "citations": [...], "parameters": {...}}``: every parameter
    is given (the base only makes the bundled sets' named functions known to the reader; the values
    of ``parameters`` replace all of the base's).
    """
    ps = design_to_parameter_set(design, materials)
    pos = resolve_material(design.positive.active_material, materials)
    link = pos.parameter_set or {}
    base = link.get("set") if link.get("set") in available_parameter_sets() else DEFAULT_BASE_SET
    data = ps.to_json_dict()
    return {
        "base": base,
        "name": data["name"],
        "citations": data["citations"],
        "parameters": data["parameters"],
    }


MAX_IMPORT_BYTES = 5_000_000


def import_design_json(data: bytes | str) -> CellDesign:
    """A design from uploaded JSON: a design document (:meth:`CellDesign.to_dict`) or a parameter set.

    Parameter sets (``{"parameters": ...}``, optionally with ``"base"``, or a flat PyBaMM-named dict)
    are read by :func:`voltvault_core.simulation.resolve_parameter_set` and imported with
    :func:`parameter_set_to_design`. Plain JSON only; nothing is executed.

    Raises
    ------
    DesignError
        Too large, not JSON, or neither form.
    """
    import json

    from voltvault_core.simulation import resolve_parameter_set

    if len(data) > MAX_IMPORT_BYTES:
        raise DesignError(f"the file is {len(data) / 1e6:.1f} MB; a design or parameter set is under 5 MB")
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DesignError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise DesignError("expected a JSON object (a design or a parameter set)")
    if "design" in doc and isinstance(doc["design"], dict):
        doc = doc["design"]
    if "positive" in doc and "negative" in doc:
        return CellDesign.from_dict(doc)
    if "parameters" in doc or any(str(k).endswith("[m]") for k in doc):
        return parameter_set_to_design(resolve_parameter_set(doc))
    raise DesignError("the JSON is neither a design (with 'positive' and 'negative') nor a parameter set")
