"""Cell design: the design document, metrics, electrode balancing, cost, Ragone and parameter-set export."""

from voltvault_core.design.metrics import DesignMetrics, compute_metrics, electrode_metrics
from voltvault_core.design.model import CellDesign, DesignError, ElectrodeLayer, Geometry

__all__ = [
    "CellDesign",
    "DesignError",
    "DesignMetrics",
    "ElectrodeLayer",
    "Geometry",
    "compute_metrics",
    "electrode_metrics",
]
