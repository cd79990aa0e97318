r"""Electrode balancing: size the negative electrode (and optionally the positive) of a design.

Given the positive electrode and either a target N/P ratio or a target cell capacity:

* **target capacity** (with the design's sandwich area ``A``): the positive coating thickness that
  delivers it, :math:`L_p = Q / (A\, \varepsilon_{am,p}\, q_{v,p})` at the positive electrode's
  porosity and recipe; then the negative electrode at the target N/P;
* **target N/P**: the negative active loading :math:`m_{am,n} = N/P \cdot Q_p'' / q_n^{full}` (``Q_p''``
  the positive electrode's cycled areal capacity, ``q_n^{full}`` the negative material's specific
  capacity from stoichiometry 0 to 1), its coating loading ``m_{am,n} / w_{am,n}`` and its thickness at
  the chosen porosity, :math:`L_n = m_n \sum_i (w_i/\rho_i) / (1 - \varepsilon_n)`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from voltvault_core.design.metrics import (
    DesignMetrics,
    _recipe_phases,
    compute_metrics,
    electrode_metrics,
    resolve_material,
)
from voltvault_core.design.model import CellDesign, DesignError
from voltvault_core.materials import Material


@dataclass(frozen=True)
class BalanceResult:
    """A balanced design and what changed.

    Attributes
    ----------
    design : CellDesign
        The design with the resized electrode(s).
    metrics : DesignMetrics
    negative_thickness_m, negative_loading_kg_m2, negative_porosity : float
    positive_thickness_m : float
    np_ratio : float
        Achieved N/P (equal to the target by construction).
    """

    design: CellDesign
    metrics: DesignMetrics
    negative_thickness_m: float
    negative_loading_kg_m2: float
    negative_porosity: float
    positive_thickness_m: float
    np_ratio: float

    def to_dict(self) -> dict:
        out = asdict(self)
        out["design"] = self.design.to_dict()
        out["metrics"] = self.metrics.to_dict()
        return out


def balance_design(
    design: CellDesign,
    *,
    np_ratio: float = 1.1,
    target_capacity_Ah: float | None = None,
    negative_porosity: float | None = None,
    materials: Mapping[str, Material] | None = None,
) -> BalanceResult:
    """Resize the negative electrode to ``np_ratio`` (and the positive to ``target_capacity_Ah``).

    Parameters
    ----------
    design : CellDesign
        The starting design; its geometry fixes the sandwich area.
    np_ratio : float
        Target N/P (negative full capacity / positive cycled capacity), typically 1.05-1.2.
    target_capacity_Ah : float, optional
        Resize the positive coating so the cell holds this capacity [A.h].
    negative_porosity : float, optional
        Porosity of the negative coating (default: the design's, or 0.3).
    materials : mapping, optional
        Custom materials referenced by the design.
    """
    if not 0.5 <= np_ratio <= 3.0:
        raise DesignError(f"N/P ratio {np_ratio} is outside the sensible range 0.5-3 (typical: 1.05-1.2)")
    balanced = copy.deepcopy(design)
    if target_capacity_Ah is not None:
        if target_capacity_Ah <= 0:
            raise DesignError("target_capacity_Ah must be > 0")
        area = compute_metrics(balanced, materials).sandwich_area_m2
        per_m = (
            electrode_metrics(balanced.positive, materials).areal_capacity_Ah_m2
            / balanced.positive.thickness_m
        )
        balanced.positive.thickness_m = target_capacity_Ah / (area * per_m)
        balanced.positive.loading_kg_m2 = None
        if balanced.positive.porosity is None:
            raise DesignError("give the positive electrode a porosity to size it for a target capacity")
    pos = electrode_metrics(balanced.positive, materials)
    neg_layer = balanced.negative
    anode = resolve_material(neg_layer.active_material, materials)
    eps_n = negative_porosity if negative_porosity is not None else (neg_layer.porosity or 0.3)
    if not 0.0 <= eps_n < 1.0:
        raise DesignError(f"negative porosity {eps_n} must be in [0, 1)")
    full_specific_Ah_kg = anode.full_volumetric_capacity_C_m3() / float(anode.value("density_kg_m3")) / 3600.0
    active_loading = np_ratio * pos.areal_capacity_Ah_m2 / full_specific_Ah_kg
    loading = active_loading / neg_layer.active_mass_fraction
    specific_volume = sum(
        w / float(m.value("density_kg_m3")) for _, m, w in _recipe_phases(neg_layer, materials)
    )
    neg_layer.thickness_m = loading * specific_volume / (1.0 - eps_n)
    neg_layer.porosity = eps_n
    neg_layer.loading_kg_m2 = None
    metrics = compute_metrics(balanced, materials)
    return BalanceResult(
        design=balanced,
        metrics=metrics,
        negative_thickness_m=neg_layer.thickness_m,
        negative_loading_kg_m2=loading,
        negative_porosity=eps_n,
        positive_thickness_m=balanced.positive.thickness_m,
        np_ratio=metrics.np_ratio,
    )
