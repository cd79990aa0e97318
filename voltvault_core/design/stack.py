"""The layers of a design's repeating unit, for drawing the electrode stack (thickness and material)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from voltvault_core.design.metrics import resolve_material
from voltvault_core.design.model import CellDesign
from voltvault_core.materials import Material


@dataclass(frozen=True)
class StackLayer:
    """One layer: role (``"positive collector"``, ``"positive coating"``, ...), material name, thickness [m]."""

    role: str
    material_id: str
    material_name: str
    thickness_m: float


def stack_layers(design: CellDesign, materials: Mapping[str, Material] | None = None) -> list[StackLayer]:
    """Al foil | cathode | separator | anode | Cu foil | anode | separator | cathode (one repeating unit)."""

    def layer(role: str, material_id: str, thickness_m: float) -> StackLayer:
        return StackLayer(role, material_id, resolve_material(material_id, materials).name, thickness_m)

    pcc = resolve_material(design.positive_collector, materials)
    ncc = resolve_material(design.negative_collector, materials)
    sep = resolve_material(design.separator, materials)
    pcc_t = design.positive_collector_thickness_m or float(pcc.value("thickness_m"))
    ncc_t = design.negative_collector_thickness_m or float(ncc.value("thickness_m"))
    sep_t = design.separator_thickness_m or float(sep.value("thickness_m"))
    pos = layer("positive coating", design.positive.active_material, design.positive.thickness_m)
    neg = layer("negative coating", design.negative.active_material, design.negative.thickness_m)
    separator = layer("separator", design.separator, sep_t)
    return [
        layer("positive collector", design.positive_collector, pcc_t),
        pos,
        separator,
        neg,
        layer("negative collector", design.negative_collector, ncc_t),
        neg,
        separator,
        pos,
    ]
