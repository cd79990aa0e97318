"""Load, check and search the curated materials library.

:func:`load_library` reads ``data/materials/*.json`` (schema check first: a library with a problem does
not load, and the error lists every problem), resolves blends, and returns a :class:`MaterialLibrary`
of :class:`Material` objects. Materials carry every value with its source; the derived quantities the
cell-design code needs (volumetric capacity, stoichiometry window, maximum concentration) are computed
here once, each with a note saying how.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from voltvault_core.constants import F
from voltvault_core.materials.functions import get_function
from voltvault_core.materials.schema import ACTIVE_TYPES, MATERIAL_TYPES, check_library

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "materials"
MAH_PER_G_TO_C_PER_KG = 3.6e3  # 1 mAh/g = 3.6 C/g = 3600 C/kg


class MaterialLibraryError(ValueError):
    """The material data files break the schema; the message lists every problem."""


@dataclass(frozen=True)
class Value:
    """One material property value with its provenance.

    Attributes
    ----------
    value : float or tuple
        In the unit named by the property (``density_kg_m3`` -> kg.m-3).
    source : str
        Reference key (``data/materials/references.json``), or ``"derived"`` for computed values.
    note : str
        How the value was read or derived.
    """

    value: Any
    source: str
    note: str = ""


@dataclass(frozen=True)
class Material:
    """A material of the library (or a user's custom material), with cited values.

    Attributes
    ----------
    id, name, type, formula, description : str
    properties : mapping of property name -> :class:`Value`
    functions : mapping ``"ocp" | "conductivity" | "diffusivity"`` -> (function name, reference key)
    parameter_set : dict or None
        ``{"set": "Chen2020", "electrode": "positive"}``: the solvers' parameter set that carries this
        material's full functional forms (exchange-current density, temperature laws).
    blend : dict or None
        Component id -> mass fraction, for blends.
    references : mapping of reference key -> reference entry, for every key the material cites.
    """

    id: str
    name: str
    type: str
    formula: str = ""
    description: str = ""
    properties: Mapping[str, Value] = field(default_factory=dict)
    functions: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    parameter_set: Mapping[str, str] | None = None
    blend: Mapping[str, float] | None = None
    references: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    # -- plain access ---------------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        return name in self.properties

    def get(self, name: str, default: Any = None) -> Any:
        """The value of a property, or ``default`` when the material does not have it."""
        entry = self.properties.get(name)
        return default if entry is None else entry.value

    def value(self, name: str) -> Any:
        """The value of a property; a clear error naming the material when it is missing."""
        entry = self.properties.get(name)
        if entry is None:
            raise KeyError(
                f"material {self.id!r} has no {name!r}; it has: {', '.join(sorted(self.properties)) or 'nothing'}"
            )
        return entry.value

    @property
    def is_active(self) -> bool:
        return self.type in ACTIVE_TYPES

    @property
    def estimated_properties(self) -> list[str]:
        """Properties whose source is an order-of-magnitude estimate rather than a citation."""
        return [
            name
            for name, v in self.properties.items()
            if self.references.get(v.source, {}).get("kind") == "estimate"
        ]

    @property
    def citations(self) -> list[str]:
        """Human-readable citations of every source this material uses (DOI or URL appended)."""
        out = []
        for key in sorted(self.references):
            ref = self.references[key]
            link = f" doi:{ref['doi']}" if ref.get("doi") else (f" {ref['url']}" if ref.get("url") else "")
            out.append(f"[{key}] {ref.get('citation', '')}{link}")
        return out

    # -- functions ------------------------------------------------------------------------------------
    def has_ocp(self) -> bool:
        return "ocp" in self.functions

    def ocp_V(self, sto) -> np.ndarray:
        """Open-circuit potential against Li/Li+ [V] at stoichiometry ``sto`` [-]."""
        if "ocp" not in self.functions:
            raise KeyError(f"material {self.id!r} has no published open-circuit-potential function")
        return np.asarray(get_function(self.functions["ocp"][0]).function(sto), dtype=float)

    def electrolyte_conductivity_S_m(self, c_e_mol_m3, T_K=298.15) -> np.ndarray:
        """Electrolyte conductivity [S.m-1] at salt concentration [mol.m-3] and temperature [K]."""
        return np.asarray(
            get_function(self.functions["conductivity"][0]).function(c_e_mol_m3, T_K), dtype=float
        )

    def electrolyte_diffusivity_m2_s(self, c_e_mol_m3, T_K=298.15) -> np.ndarray:
        """Salt diffusivity [m2.s-1] at salt concentration [mol.m-3] and temperature [K]."""
        return np.asarray(
            get_function(self.functions["diffusivity"][0]).function(c_e_mol_m3, T_K), dtype=float
        )

    # -- derived capacity quantities ------------------------------------------------------------------
    def full_volumetric_capacity_C_m3(self) -> float:
        """Charge stored per volume of solid between stoichiometry 0 and 1 [C.m-3].

        ``c_max F`` when the maximum concentration is known, else the theoretical (or, failing that,
        the practical) specific capacity times the density.
        """
        self._require_active()
        if self.has("max_concentration_mol_m3"):
            return float(self.value("max_concentration_mol_m3")) * F
        q = self.get("theoretical_specific_capacity_mAh_g", self.get("practical_specific_capacity_mAh_g"))
        return float(q) * MAH_PER_G_TO_C_PER_KG * float(self.value("density_kg_m3"))

    def max_concentration_mol_m3(self) -> float:
        """Maximum lithium concentration [mol.m-3] (published, or derived from capacity and density)."""
        return self.full_volumetric_capacity_C_m3() / F

    def stoichiometry_window(self) -> tuple[float, float]:
        """Stoichiometry at 0 % and at 100 % SOC (published, or derived from the practical capacity).

        Derivation when no window is published: a cathode starts fully lithiated (1.0) and an anode
        empty (0.0) at 0 % SOC; the swing is practical / theoretical capacity (1.0 without them).
        """
        self._require_active()
        if self.has("stoichiometry_window"):
            lo, hi = self.value("stoichiometry_window")
            return float(lo), float(hi)
        theoretical = self.get("theoretical_specific_capacity_mAh_g")
        practical = self.get("practical_specific_capacity_mAh_g")
        swing = 1.0 if (theoretical is None or practical is None) else min(1.0, practical / theoretical)
        return (1.0, 1.0 - swing) if self.type == "cathode" else (0.0, swing)

    def usable_volumetric_capacity_C_m3(self) -> float:
        """Charge cycled per volume of solid between 0 % and 100 % SOC [C.m-3]."""
        lo, hi = self.stoichiometry_window()
        if self.has("max_concentration_mol_m3") or self.has("theoretical_specific_capacity_mAh_g"):
            return self.full_volumetric_capacity_C_m3() * abs(hi - lo)
        return (
            float(self.value("practical_specific_capacity_mAh_g"))
            * MAH_PER_G_TO_C_PER_KG
            * float(self.value("density_kg_m3"))
        )

    def usable_specific_capacity_mAh_g(self) -> float:
        """Charge cycled per mass of active material between 0 % and 100 % SOC [mAh.g-1]."""
        return (
            self.usable_volumetric_capacity_C_m3()
            / float(self.value("density_kg_m3"))
            / MAH_PER_G_TO_C_PER_KG
        )

    def _require_active(self) -> None:
        if not self.is_active:
            raise TypeError(f"material {self.id!r} is a {self.type}, not an active (cathode/anode) material")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable description (for the database row, the CLI and the page)."""
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "formula": self.formula,
            "description": self.description,
            "properties": {
                k: {"value": list(v.value) if isinstance(v.value, tuple) else v.value, "source": v.source}
                | ({"note": v.note} if v.note else {})
                for k, v in self.properties.items()
            },
            "functions": {k: {"function": fn, "source": src} for k, (fn, src) in self.functions.items()},
            "references": {k: dict(v) for k, v in self.references.items()},
            "estimated_properties": self.estimated_properties,
        }
        if self.parameter_set:
            out["parameter_set"] = dict(self.parameter_set)
        if self.blend:
            out["blend"] = dict(self.blend)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Material:
        """Rebuild a material from :meth:`to_dict` output (e.g. a custom material stored in the database)."""
        props = {
            k: Value(
                tuple(v["value"]) if isinstance(v["value"], list) else v["value"],
                v["source"],
                v.get("note", ""),
            )
            for k, v in (data.get("properties") or {}).items()
        }
        funcs = {k: (v["function"], v["source"]) for k, v in (data.get("functions") or {}).items()}
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", data["id"])),
            type=str(data["type"]),
            formula=str(data.get("formula", "")),
            description=str(data.get("description", "")),
            properties=props,
            functions=funcs,
            parameter_set=data.get("parameter_set"),
            blend=data.get("blend"),
            references=data.get("references") or {},
        )


class MaterialLibrary(Mapping[str, Material]):
    """The materials by id, with search by type and name."""

    def __init__(self, materials: Mapping[str, Material], references: Mapping[str, Mapping[str, Any]]):
        self._materials = dict(materials)
        self.references = dict(references)

    def __getitem__(self, key: str) -> Material:
        try:
            return self._materials[key]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(key, list(self._materials), n=3, cutoff=0.4)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"no material {key!r} in the library{hint}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._materials)

    def __len__(self) -> int:
        return len(self._materials)

    def search(self, query: str = "", material_type: str | None = None) -> list[Material]:
        """Materials whose id, name, formula or description contains every word of ``query``.

        Parameters
        ----------
        query : str
            Words to look for (case-insensitive); empty matches everything.
        material_type : str, optional
            One of :data:`~voltvault_core.materials.schema.MATERIAL_TYPES`.
        """
        if material_type is not None and material_type not in MATERIAL_TYPES:
            raise ValueError(
                f"unknown material type {material_type!r}; use one of {', '.join(MATERIAL_TYPES)}"
            )
        words = [w for w in query.lower().split() if w]
        hits = []
        for m in self._materials.values():
            if material_type is not None and m.type != material_type:
                continue
            text = " ".join((m.id, m.name, m.formula)).lower()
            if all(w in text for w in words):
                hits.append(m)
        return sorted(hits, key=lambda m: (MATERIAL_TYPES.index(m.type), m.id))


def _read_documents(directory: Path) -> tuple[dict[str, Any], Any]:
    if not directory.is_dir():
        raise MaterialLibraryError(f"material data directory {directory} does not exist")
    docs = {}
    for path in sorted(directory.glob("*.json")):
        if path.name == "references.json":
            continue
        try:
            docs[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise MaterialLibraryError(f"{path.name}: not valid JSON ({exc})") from exc
    refs_path = directory / "references.json"
    if not refs_path.exists():
        raise MaterialLibraryError(f"{directory} has no references.json")
    return docs, json.loads(refs_path.read_text(encoding="utf-8"))


def _blend(
    material_id: str, record: Mapping[str, Any], parts: Mapping[str, Material], references
) -> Material:
    """A blend's properties: mass-weighted specific quantities, volume-additive density."""
    fractions = {k: float(v) for k, v in record["blend"].items()}
    components = {k: parts[k] for k in fractions}
    source = record["blend_source"]
    inv_density = sum(w / float(components[k].value("density_kg_m3")) for k, w in fractions.items())
    props: dict[str, Value] = {
        "density_kg_m3": Value(1.0 / inv_density, "derived", "volume-additive mixture of the components")
    }

    def weighted(name: str, unit_note: str) -> None:
        if all(c.has(name) for c in components.values()):
            total = sum(w * float(components[k].value(name)) for k, w in fractions.items())
            props[name] = Value(total, "derived", f"mass-weighted {unit_note} of the components")

    weighted("price_USD_kg", "price")
    if all(c.is_active for c in components.values()):
        q = sum(w * components[k].usable_specific_capacity_mAh_g() for k, w in fractions.items())
        props["practical_specific_capacity_mAh_g"] = Value(q, "derived", "mass-weighted usable capacity")
        # capacity-weighted average potential: each component delivers its share of the charge
        shares = {k: w * components[k].usable_specific_capacity_mAh_g() for k, w in fractions.items()}
        u = sum(shares[k] * float(components[k].value("average_potential_V")) for k in shares) / sum(
            shares.values()
        )
        props["average_potential_V"] = Value(u, "derived", "capacity-weighted average potential")
        weighted("electronic_conductivity_S_m", "conductivity")
    refs = {source: references[source]}
    for c in components.values():
        refs.update(c.references)
    return Material(
        id=material_id,
        name=record["name"],
        type=record["type"],
        formula=" + ".join(f"{w:g} {k}" for k, w in fractions.items()),
        description=record.get("description", ""),
        properties=props,
        blend=fractions,
        references=refs,
    )


def build_library(documents: Mapping[str, Any], references_doc: Any) -> MaterialLibrary:
    """Check and assemble a library from parsed data files; raise with every problem found."""
    problems = check_library(dict(documents), references_doc)
    if problems:
        raise MaterialLibraryError("the materials library has problems:\n  - " + "\n  - ".join(problems))
    references = references_doc["references"]
    records = [m for doc in documents.values() for m in doc["materials"]]
    materials: dict[str, Material] = {}
    for rec in records:
        if "blend" in rec:
            continue
        props = {k: Value(tuple(v["value"]) if isinstance(v["value"], list) else v["value"], v["source"], v.get("note", ""))
                 for k, v in rec["properties"].items()}  # fmt: skip
        funcs = {
            k: (rec[k]["function"], rec[k]["source"])
            for k in ("ocp", "conductivity", "diffusivity")
            if k in rec
        }
        cited = {v.source for v in props.values()} | {src for _, src in funcs.values()}
        materials[rec["id"]] = Material(
            id=rec["id"],
            name=rec["name"],
            type=rec["type"],
            formula=rec.get("formula", ""),
            description=rec.get("description", ""),
            properties=props,
            functions=funcs,
            parameter_set=rec.get("parameter_set"),
            references={k: references[k] for k in sorted(cited)},
        )
    for rec in records:
        if "blend" in rec:
            materials[rec["id"]] = _blend(rec["id"], rec, materials, references)
    return MaterialLibrary(materials, references)


@cache
def _load_default() -> MaterialLibrary:
    docs, refs = _read_documents(DATA_DIR)
    return build_library(docs, refs)


def load_library(directory: str | Path | None = None) -> MaterialLibrary:
    """The materials library from ``directory`` (default: the shipped ``data/materials``).

    Raises
    ------
    MaterialLibraryError
        When a file breaks the schema; the message lists every problem (file, material, field).
    """
    if directory is None:
        return _load_default()
    docs, refs = _read_documents(Path(directory))
    return build_library(docs, refs)


def get_material(material_id: str) -> Material:
    """A material of the shipped library by id (suggests close ids when unknown)."""
    return load_library()[material_id]
