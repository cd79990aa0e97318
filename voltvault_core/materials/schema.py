"""The schema of the curated material data files (``data/materials/*.json``) and its check.

A data file is ``{"schema": "voltvault.materials/1", "materials": [...]}``. Each material is::

    {"id": "NMC811", "name": "...", "type": "cathode", "formula": "...", "description": "...",
     "properties": {"density_kg_m3": {"value": 4760, "source": "Nitta2015", "note": "..."}, ...},
     "ocp": {"function": "nmc_LGM50_ocp_Chen2020", "source": "Chen2020"},
     "parameter_set": {"set": "Chen2020", "electrode": "positive"}}

or, for a blend, ``"blend": {"Graphite-LGM50": 0.95, "SiOx": 0.05}`` with a ``"blend_source"``. Every
value names a source: a key of ``data/materials/references.json``, whose entries carry a DOI or a URL,
or are marked ``"kind": "datasheet"`` / ``"kind": "estimate"`` (an order-of-magnitude figure that the
app flags as such). :func:`check_library` returns every problem it finds, each naming the file, the
material and the field, so one run lists everything to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voltvault_core.materials.functions import FUNCTIONS

SCHEMA_ID = "voltvault.materials/1"
REFERENCES_SCHEMA_ID = "voltvault.material-references/1"

MATERIAL_TYPES = (
    "cathode",
    "anode",
    "electrolyte",
    "separator",
    "binder",
    "additive",
    "collector",
    "housing",
)
ACTIVE_TYPES = ("cathode", "anode")
REFERENCE_KINDS_WITHOUT_LINK = ("datasheet", "estimate")


@dataclass(frozen=True)
class PropertySpec:
    """What a property is: its unit (also in its name), its shape and its physical bounds."""

    unit: str
    minimum: float
    maximum: float
    shape: str = "scalar"  # "scalar" or "window" (two stoichiometries)
    description: str = ""


PROPERTIES: dict[str, PropertySpec] = {
    "density_kg_m3": PropertySpec("kg.m-3", 100.0, 25000.0, description="true (skeletal) density"),
    "max_concentration_mol_m3": PropertySpec("mol.m-3", 1e3, 1e6, description="lithium sites per volume"),
    "stoichiometry_window": PropertySpec(
        "1", 0.0, 1.0, "window", "stoichiometry at 0 % and at 100 % state of charge of the reference cell"
    ),
    "theoretical_specific_capacity_mAh_g": PropertySpec("mAh.g-1", 1.0, 5000.0),
    "practical_specific_capacity_mAh_g": PropertySpec("mAh.g-1", 1.0, 5000.0),
    "average_potential_V": PropertySpec("V", 0.0, 5.5, description="average potential against Li/Li+"),
    "particle_radius_m": PropertySpec("m", 1e-9, 1e-4),
    "diffusivity_m2_s": PropertySpec("m2.s-1", 1e-22, 1e-8, description="solid-phase diffusivity at 25 degC"),
    "diffusivity_activation_energy_J_mol": PropertySpec("J.mol-1", 0.0, 2e5),
    "electronic_conductivity_S_m": PropertySpec("S.m-1", 1e-9, 1e9),
    "exchange_current_rate_constant": PropertySpec(
        "A.m-2.(m3.mol-1)1.5",
        1e-12,
        1e-2,
        description="PyBaMM m_ref: i0 = m_ref c_e^0.5 c_s^0.5 (c_max-c_s)^0.5",
    ),
    "exchange_current_activation_energy_J_mol": PropertySpec("J.mol-1", 0.0, 2e5),
    "charge_transfer_coefficient": PropertySpec("1", 0.0, 1.0),
    "salt_concentration_mol_m3": PropertySpec("mol.m-3", 1.0, 5000.0),
    "cation_transference_number": PropertySpec("1", 0.0, 1.0),
    "porosity": PropertySpec("1", 0.0, 1.0),
    "thickness_m": PropertySpec("m", 1e-7, 1e-2),
    "wall_thickness_m": PropertySpec("m", 1e-6, 1e-2),
    "bruggeman_coefficient": PropertySpec("1", 0.0, 5.0),
    "price_USD_kg": PropertySpec("USD.kg-1", 0.0, 1e5),
    "price_USD_m2": PropertySpec("USD.m-2", 0.0, 1e3),
}

#: properties every (non-blend) material of a type must have
REQUIRED: dict[str, tuple[str, ...]] = {
    "cathode": ("density_kg_m3", "average_potential_V"),
    "anode": ("density_kg_m3", "average_potential_V"),
    "electrolyte": ("density_kg_m3", "salt_concentration_mol_m3", "cation_transference_number"),
    "separator": ("density_kg_m3", "porosity", "thickness_m"),
    "binder": ("density_kg_m3",),
    "additive": ("density_kg_m3", "electronic_conductivity_S_m"),
    "collector": ("density_kg_m3", "electronic_conductivity_S_m"),
    "housing": ("density_kg_m3", "wall_thickness_m"),
}

#: an active material must say how much charge it stores, one way or another
CAPACITY_KEYS = (
    "max_concentration_mol_m3",
    "theoretical_specific_capacity_mAh_g",
    "practical_specific_capacity_mAh_g",
)

TOP_LEVEL_KEYS = {
    "id", "name", "type", "formula", "description", "properties", "ocp", "conductivity", "diffusivity",
    "parameter_set", "blend", "blend_source",
}  # fmt: skip
FUNCTION_FIELDS = {
    "ocp": "ocp",
    "conductivity": "electrolyte_conductivity",
    "diffusivity": "electrolyte_diffusivity",
}


def check_references(doc: Any, where: str = "references.json") -> list[str]:
    """Problems in the references file (each reference needs a citation and a DOI, a URL or a kind)."""
    problems: list[str] = []
    if not isinstance(doc, dict) or doc.get("schema") != REFERENCES_SCHEMA_ID:
        return [f"{where}: expected an object with schema {REFERENCES_SCHEMA_ID!r}"]
    refs = doc.get("references")
    if not isinstance(refs, dict) or not refs:
        return [f"{where}: 'references' must be a non-empty object"]
    for key, ref in refs.items():
        if not isinstance(ref, dict) or not str(ref.get("citation", "")).strip():
            problems.append(f"{where}: reference {key!r} has no citation text")
            continue
        has_link = bool(ref.get("doi") or ref.get("url"))
        if not has_link and ref.get("kind") not in REFERENCE_KINDS_WITHOUT_LINK:
            problems.append(
                f"{where}: reference {key!r} needs a 'doi' or a 'url' "
                f"(or 'kind': one of {', '.join(REFERENCE_KINDS_WITHOUT_LINK)})"
            )
    return problems


def _check_value(where: str, name: str, entry: Any, references: dict) -> list[str]:
    problems: list[str] = []
    spec = PROPERTIES.get(name)
    if spec is None:
        return [f"{where}: unknown property {name!r}; known: {', '.join(sorted(PROPERTIES))}"]
    if not isinstance(entry, dict) or "value" not in entry:
        return [f"{where}: property {name!r} must be {{'value': ..., 'source': ...}}"]
    source = entry.get("source")
    if not source:
        problems.append(f"{where}: property {name!r} has no source (a key of references.json)")
    elif source not in references:
        problems.append(f"{where}: property {name!r} cites {source!r}, which is not in references.json")
    value = entry["value"]
    values = value if spec.shape == "window" else [value]
    if spec.shape == "window" and (not isinstance(value, list) or len(value) != 2):
        return [*problems, f"{where}: property {name!r} must be a pair [at 0 % SOC, at 100 % SOC]"]
    for item in values:
        if isinstance(item, bool) or not isinstance(item, int | float):
            problems.append(f"{where}: property {name!r} must be numeric, got {item!r}")
        elif not spec.minimum <= float(item) <= spec.maximum:
            problems.append(
                f"{where}: property {name!r} = {item!r} [{spec.unit}] is outside [{spec.minimum:g}, {spec.maximum:g}]"
            )
    return problems


def check_material(material: Any, references: dict, where: str, known_ids: set[str]) -> list[str]:
    """Problems with one material record (see the module docstring for the shape)."""
    if not isinstance(material, dict):
        return [f"{where}: each material must be an object"]
    mid = material.get("id")
    where = f"{where}: material {mid!r}"
    problems: list[str] = []
    for key in ("id", "name", "type"):
        if not isinstance(material.get(key), str) or not material.get(key):
            problems.append(f"{where}: missing {key!r}")
    extra = set(material) - TOP_LEVEL_KEYS
    if extra:
        problems.append(f"{where}: unknown fields {sorted(extra)}; allowed: {sorted(TOP_LEVEL_KEYS)}")
    mtype = material.get("type")
    if mtype not in MATERIAL_TYPES:
        problems.append(f"{where}: type {mtype!r} is not one of {', '.join(MATERIAL_TYPES)}")
        return problems
    if "blend" in material:
        blend = material["blend"]
        if not isinstance(blend, dict) or not blend:
            problems.append(f"{where}: 'blend' must map component ids to mass fractions")
        else:
            total = sum(float(x) for x in blend.values())
            if abs(total - 1.0) > 1e-6:
                problems.append(f"{where}: blend mass fractions add up to {total:g}, not 1")
            for component in blend:
                if component not in known_ids:
                    problems.append(
                        f"{where}: blend component {component!r} is not a material of the library"
                    )
        if material.get("blend_source") not in references:
            problems.append(f"{where}: a blend needs a 'blend_source' that is a key of references.json")
        return problems
    properties = material.get("properties")
    if not isinstance(properties, dict) or not properties:
        return [*problems, f"{where}: no properties"]
    for name, entry in properties.items():
        problems += _check_value(where, name, entry, references)
    for name in REQUIRED[mtype]:
        if name not in properties:
            problems.append(f"{where}: a {mtype} needs property {name!r} [{PROPERTIES[name].unit}]")
    if mtype in ACTIVE_TYPES and not any(k in properties for k in CAPACITY_KEYS):
        problems.append(f"{where}: an active material needs one of {', '.join(CAPACITY_KEYS)}")
    if not any(k in properties for k in ("price_USD_kg", "price_USD_m2")):
        problems.append(f"{where}: needs a price ('price_USD_kg' or 'price_USD_m2') with its source")
    if mtype == "electrolyte":
        for field in ("conductivity", "diffusivity"):
            if field not in material:
                problems.append(f"{where}: an electrolyte needs a concentration-dependent {field!r} function")
    for field, kind in FUNCTION_FIELDS.items():
        if field not in material:
            continue
        ref = material[field]
        if not isinstance(ref, dict) or "function" not in ref:
            problems.append(f"{where}: {field!r} must be {{'function': name, 'source': key}}")
            continue
        fn = FUNCTIONS.get(ref["function"])
        if fn is None:
            problems.append(f"{where}: {field!r} names unknown function {ref['function']!r}")
        elif fn.kind != kind:
            problems.append(f"{where}: {field!r} function {ref['function']!r} is a {fn.kind}, not a {kind}")
        if ref.get("source") not in references:
            problems.append(f"{where}: {field!r} needs a 'source' that is a key of references.json")
    link = material.get("parameter_set")
    if link is not None and (not isinstance(link, dict) or {"set", "electrode"} - set(link)):
        problems.append(
            f"{where}: 'parameter_set' must be {{'set': name, 'electrode': positive|negative|electrolyte}}"
        )
    return problems


def check_library(documents: dict[str, Any], references_doc: Any) -> list[str]:
    """All problems in a set of data files (``{file name: parsed JSON}``) and the references file."""
    problems = check_references(references_doc)
    references = references_doc.get("references", {}) if isinstance(references_doc, dict) else {}
    known_ids: set[str] = set()
    for doc in documents.values():
        for material in (doc or {}).get("materials", []) if isinstance(doc, dict) else []:
            if isinstance(material, dict) and isinstance(material.get("id"), str):
                if material["id"] in known_ids:
                    problems.append(f"material id {material['id']!r} is defined twice")
                known_ids.add(material["id"])
    for fname, doc in documents.items():
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_ID:
            problems.append(f"{fname}: expected an object with schema {SCHEMA_ID!r}")
            continue
        materials = doc.get("materials")
        if not isinstance(materials, list) or not materials:
            problems.append(f"{fname}: 'materials' must be a non-empty list")
            continue
        for material in materials:
            problems += check_material(material, references, fname, known_ids)
    return problems
