"""3D thermal model of a cell: structured finite-volume conduction with anisotropic layered materials.

Pure numerics (numpy, scipy): :mod:`~solvers.thermal3d.stack` (layer-stack homogenisation),
:mod:`~solvers.thermal3d.grid` (Cartesian and r-theta-z grids), :mod:`~solvers.thermal3d.conduction`
(implicit transient and steady conduction with per-face boundaries),
:mod:`~solvers.thermal3d.geometry` (pouch, cylindrical and prismatic cells),
:mod:`~solvers.thermal3d.collector` (current-collector potential and Joule heating),
:mod:`~solvers.thermal3d.sources` (heat sources from an electrochemical result) and
:mod:`~solvers.thermal3d.runaway` (decomposition reactions, oven and ARC tests).
"""

from solvers.thermal3d.conduction import Boundary, EnergyLedger, ThermalSystem, TransientResult
from solvers.thermal3d.grid import Grid
from solvers.thermal3d.stack import StackLayer, effective_properties, stack_from_parameters

__all__ = [
    "Boundary",
    "EnergyLedger",
    "Grid",
    "StackLayer",
    "ThermalSystem",
    "TransientResult",
    "effective_properties",
    "stack_from_parameters",
]
