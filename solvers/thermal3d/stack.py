"""Effective thermal properties of a layered electrode stack (a pouch stack or a wound jelly roll).

A stack of layers of thickness :math:`t_i`, conductivity :math:`k_i` and volumetric heat capacity
:math:`\\rho_i c_{p,i}` conducts in parallel along the layers and in series across them:

.. math::

    k_\\parallel = \\frac{\\sum_i k_i t_i}{\\sum_i t_i}, \\qquad
    k_\\perp = \\frac{\\sum_i t_i}{\\sum_i t_i / k_i}, \\qquad
    \\rho c_p = \\frac{\\sum_i \\rho_i c_{p,i} t_i}{\\sum_i t_i}

The repeating unit read from a PyBaMM-named parameter set is the one PyBaMM's and our lumped model use
(negative collector, negative electrode, separator, positive electrode, positive collector, each at its
full thickness), so the heat capacity of the 3D model equals the lumped model's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["StackLayer", "StackProperties", "effective_properties", "stack_from_parameters"]

_STACK_NAMES = (
    ("Negative current collector", "Negative current collector thickness [m]"),
    ("Negative electrode", "Negative electrode thickness [m]"),
    ("Separator", "Separator thickness [m]"),
    ("Positive electrode", "Positive electrode thickness [m]"),
    ("Positive current collector", "Positive current collector thickness [m]"),
)


@dataclass(frozen=True)
class StackLayer:
    """One layer: ``thickness_m`` [m], ``conductivity_W_m_K`` [W.m-1.K-1], density [kg.m-3], cp [J.kg-1.K-1]."""

    name: str
    thickness_m: float
    conductivity_W_m_K: float
    density_kg_m3: float
    specific_heat_J_kg_K: float


@dataclass(frozen=True)
class StackProperties:
    """Homogenised stack: in-plane and through-plane conductivity [W.m-1.K-1], rho*cp [J.m-3.K-1]."""

    k_in_plane_W_m_K: float
    k_through_plane_W_m_K: float
    volumetric_heat_capacity_J_m3_K: float
    thickness_m: float

    @property
    def density_cp(self) -> float:
        return self.volumetric_heat_capacity_J_m3_K


def effective_properties(layers: Sequence[StackLayer]) -> StackProperties:
    """Parallel (in-plane) and series (through-plane) mixing of the layers; see the module docstring.

    Raises
    ------
    ValueError
        For no layers, a non-positive total thickness, or a layer with non-positive conductivity.
    """
    layers = [layer for layer in layers if layer.thickness_m > 0]
    if not layers:
        raise ValueError("a stack needs at least one layer of positive thickness")
    for layer in layers:
        if not layer.conductivity_W_m_K > 0:
            raise ValueError(
                f"layer {layer.name!r} has conductivity {layer.conductivity_W_m_K} W/m/K; give a positive value"
            )
    t = sum(layer.thickness_m for layer in layers)
    k_in = sum(layer.conductivity_W_m_K * layer.thickness_m for layer in layers) / t
    k_through = t / sum(layer.thickness_m / layer.conductivity_W_m_K for layer in layers)
    rho_cp = sum(layer.density_kg_m3 * layer.specific_heat_J_kg_K * layer.thickness_m for layer in layers) / t
    return StackProperties(k_in, k_through, rho_cp, t)


def stack_from_parameters(parameters: Mapping) -> list[StackLayer]:
    """The repeating unit of a PyBaMM-named parameter set as :class:`StackLayer` s.

    Raises
    ------
    ValueError
        Naming the first thermal key the set lacks.
    """
    layers = []
    for name, thickness_key in _STACK_NAMES:
        keys = (
            thickness_key,
            f"{name} thermal conductivity [W.m-1.K-1]",
            f"{name} density [kg.m-3]",
            f"{name} specific heat capacity [J.kg-1.K-1]",
        )
        values = []
        for key in keys:
            value = parameters.get(key)
            if value is None or callable(value):
                raise ValueError(f"the parameter set has no number for {key!r}, needed by the 3D thermal model")
            values.append(float(value))
        layers.append(StackLayer(name, *values))
    return layers
