r"""Graded and multi-layer electrodes: parameter sets whose electrode properties vary along x.

PyBaMM lets "Negative/Positive electrode porosity", "... electrode active material volume fraction",
"Negative/Positive particle radius [m]" and "Separator porosity" be functions of the through-cell
distance x [m], measured from the negative current collector (the negative electrode spans
:math:`0 \le x \le L_n`, the separator :math:`L_n \le x \le L_n + L_s`, the positive electrode
:math:`L_n + L_s \le x \le L`); see ``pybamm/parameters/lithium_ion_parameters.py``
(Sulzer et al. 2021, doi:10.5334/jors.309). The DFN evaluates them at the centres of its finite volumes;
the SPM and SPMe use their x-averages (:mod:`solvers.models.spm`).

This module builds such sets:

* :func:`layered_electrode`: an electrode made of layers of one active material, each with its own
  thickness, porosity, active material volume fraction and particle radius (listed from the current
  collector towards the separator); the set gets the total thickness and piecewise-constant functions
  of x (:class:`PiecewiseConstant`);
* :func:`graded_porosity`: a porosity going linearly from one value at the separator to another at
  the current collector (:class:`LinearProfile`).

Both functions are plain callables ``f(x)`` that also know their JSON form, so a set holding them
round-trips through :meth:`~solvers.parameters.base.ParameterSet.to_json_dict`::

    {"piecewise": {"x_edges_m": [x_0, ..., x_n], "values": [v_1, ..., v_n]}}
    {"linear": {"x_m": [x_0, x_1], "values": [v_0, v_1]}}

The functions hold absolute positions: change the thickness of the negative electrode or the separator
after building a positive graded electrode and its profile no longer lines up (build it again).
A point on a layer boundary belongs to the layer at smaller x (as PyBaMM's ``x > x_b`` step).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.parameters.base import ParameterSet

__all__ = [
    "Layer",
    "LayerError",
    "LinearProfile",
    "PiecewiseConstant",
    "graded_porosity",
    "layered_electrode",
    "profile_from_json",
    "values_on_cells",
]

_ELECTRODES = {"negative": "Negative", "positive": "Positive"}


class LayerError(ValueError):
    """A layer or a gradient that cannot describe a porous electrode (the message says which and why)."""


class PiecewiseConstant:
    """``f(x) = values[k]`` for ``x_edges[k] < x <= x_edges[k+1]`` (the first layer also at ``x_edges[0]``).

    Parameters
    ----------
    x_edges_m : sequence of float
        Layer boundaries [m], increasing, ``len(values) + 1`` of them. Outside, the end values hold.
    values : sequence of float
        The value in each layer.
    name : str
        A label used in messages and as ``__name__``.
    """

    def __init__(self, x_edges_m: Sequence[float], values: Sequence[float], name: str = "piecewise constant"):
        self.x_edges_m = np.asarray(x_edges_m, dtype=float)
        self.values = np.asarray(values, dtype=float)
        self.__name__ = name
        if self.values.ndim != 1 or self.values.size < 1:
            raise LayerError(f"{name}: give at least one value")
        if self.x_edges_m.shape != (self.values.size + 1,) or np.any(np.diff(self.x_edges_m) <= 0):
            raise LayerError(f"{name}: 'x_edges_m' must be {self.values.size + 1} increasing positions [m]")
        if not (np.all(np.isfinite(self.x_edges_m)) and np.all(np.isfinite(self.values))):
            raise LayerError(f"{name}: positions and values must be finite numbers")

    def __call__(self, x):
        k = np.searchsorted(self.x_edges_m[1:-1], np.asarray(x, dtype=float), side="left")
        return self.values[k]

    def __repr__(self) -> str:
        return f"PiecewiseConstant({self.x_edges_m.tolist()}, {self.values.tolist()})"

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, PiecewiseConstant)
            and np.array_equal(self.x_edges_m, other.x_edges_m)
            and np.array_equal(self.values, other.values)
        )

    def __hash__(self) -> int:
        return hash((tuple(self.x_edges_m), tuple(self.values)))

    def to_json(self) -> dict[str, Any]:
        return {"piecewise": {"x_edges_m": self.x_edges_m.tolist(), "values": self.values.tolist()}}


class LinearProfile:
    """``f(x)`` linear from ``values[0]`` at ``x_m[0]`` to ``values[1]`` at ``x_m[1]`` (extended beyond)."""

    def __init__(self, x_m: Sequence[float], values: Sequence[float], name: str = "linear profile"):
        self.x_m = np.asarray(x_m, dtype=float)
        self.values = np.asarray(values, dtype=float)
        self.__name__ = name
        if self.x_m.shape != (2,) or self.values.shape != (2,) or not self.x_m[1] > self.x_m[0]:
            raise LayerError(f"{name}: give two increasing positions [m] and the two values there")
        if not (np.all(np.isfinite(self.x_m)) and np.all(np.isfinite(self.values))):
            raise LayerError(f"{name}: positions and values must be finite numbers")

    def __call__(self, x):
        (x0, x1), (v0, v1) = self.x_m, self.values
        return v0 + (v1 - v0) * (np.asarray(x, dtype=float) - x0) / (x1 - x0)

    def __repr__(self) -> str:
        return f"LinearProfile({self.x_m.tolist()}, {self.values.tolist()})"

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, LinearProfile)
            and np.array_equal(self.x_m, other.x_m)
            and np.array_equal(self.values, other.values)
        )

    def __hash__(self) -> int:
        return hash((tuple(self.x_m), tuple(self.values)))

    def to_json(self) -> dict[str, Any]:
        return {"linear": {"x_m": self.x_m.tolist(), "values": self.values.tolist()}}


def profile_from_json(entry: Mapping[str, Any], name: str) -> PiecewiseConstant | LinearProfile | None:
    """Rebuild a profile from its JSON form (``{"piecewise": ...}`` or ``{"linear": ...}``), else None."""
    try:
        if "piecewise" in entry:
            table = entry["piecewise"]
            return PiecewiseConstant(table["x_edges_m"], table["values"], name=name)
        if "linear" in entry:
            table = entry["linear"]
            return LinearProfile(table["x_m"], table["values"], name=name)
    except (KeyError, TypeError) as exc:
        raise LayerError(f"Parameter {name!r}: cannot read the profile {dict(entry)!r} ({exc})") from None
    return None


@dataclass(frozen=True)
class Layer:
    """One layer of a porous electrode.

    Parameters
    ----------
    thickness_m : float
        Layer thickness [m], > 0.
    porosity : float
        Electrolyte volume fraction [-], 0 < porosity < 1.
    active_fraction : float
        Active material volume fraction [-], > 0, with porosity + active_fraction <= 1 (the rest is
        binder and conductive additive).
    particle_radius_m : float
        Active particle radius [m], > 0.
    """

    thickness_m: float
    porosity: float
    active_fraction: float
    particle_radius_m: float

    def check(self, where: str) -> None:
        """Raise :class:`LayerError` naming ``where`` and the bad value."""
        values = (self.thickness_m, self.porosity, self.active_fraction, self.particle_radius_m)
        if not all(
            isinstance(v, int | float | np.floating | np.integer) and math.isfinite(v) for v in values
        ):
            raise LayerError(f"{where}: every value must be a finite number, got {self}")
        if self.thickness_m <= 0:
            raise LayerError(f"{where}: thickness {self.thickness_m} m must be positive")
        if not 0.0 < self.porosity < 1.0:
            raise LayerError(f"{where}: porosity {self.porosity} must lie strictly between 0 and 1")
        if not 0.0 < self.active_fraction <= 1.0:
            raise LayerError(
                f"{where}: active material volume fraction {self.active_fraction} must lie in (0, 1]"
            )
        if self.porosity + self.active_fraction > 1.0 + 1e-12:
            raise LayerError(
                f"{where}: porosity {self.porosity} + active material volume fraction {self.active_fraction} "
                f"= {self.porosity + self.active_fraction:.4g} exceeds 1 (no room for the solid)"
            )
        if self.particle_radius_m <= 0:
            raise LayerError(f"{where}: particle radius {self.particle_radius_m} m must be positive")


def values_on_cells(parameters: Mapping[str, Any], key: str, n_cells: int = 2000) -> np.ndarray:
    """A parameter that may vary along x, at the centres of ``n_cells`` equal cells of its domain.

    A number gives ``n_cells`` copies of it; a function of x (or of PyBaMM's (x, y, z)) is evaluated
    over the electrode or separator it belongs to (placed by the set's thicknesses). Means of the result
    are x-averages, e.g. ``3 * mean(eps_s / R)`` the electrode's surface area per volume.
    """
    from solvers.models.cell import _x_function
    from solvers.parameters.base import X_FUNCTION_KEYS, x_domain_m

    value = parameters[key]
    if not callable(value):
        return np.full(n_cells, float(value))
    if key not in X_FUNCTION_KEYS:
        raise TypeError(f"Parameter {key!r} is a function but not one of x; expected a number")
    x0, x1 = x_domain_m(key, parameters)
    x = x0 + (np.arange(n_cells) + 0.5) * ((x1 - x0) / n_cells)
    return np.asarray(_x_function(value, key)(x), dtype=float) * np.ones_like(x)


def _domain(electrode: str) -> str:
    try:
        return _ELECTRODES[str(electrode).lower()]
    except KeyError:
        raise LayerError(f"electrode must be 'negative' or 'positive', got {electrode!r}") from None


def _number(parameters: Mapping[str, Any], key: str) -> float:
    value = parameters[key]
    if callable(value):
        raise LayerError(f"{key!r} must be a number to place the layers, not a function")
    return float(value)


def _as_set(parameters) -> ParameterSet:
    if isinstance(parameters, ParameterSet):
        return parameters
    if isinstance(parameters, str):
        from solvers.parameters import get_parameter_set

        return get_parameter_set(parameters)
    return ParameterSet(parameters)


def layered_electrode(
    parameters, electrode: str, layers: Sequence[Layer | Mapping[str, float]]
) -> ParameterSet:
    """A copy of ``parameters`` whose ``electrode`` is made of ``layers``.

    Parameters
    ----------
    parameters : ParameterSet, mapping or set name
        The cell; the active material (OCP, diffusivity, kinetics, concentrations) is kept.
    electrode : {"negative", "positive"}
    layers : sequence of :class:`Layer` (or mappings of its fields)
        From the current collector towards the separator.

    Returns
    -------
    ParameterSet
        With "<Electrode> electrode thickness [m]" = the total thickness and the porosity, active
        material volume fraction and particle radius as :class:`PiecewiseConstant` functions of x.

    Raises
    ------
    LayerError
        For no layers, a bad layer (non-positive thickness or radius, porosity outside (0, 1),
        porosity + active fraction > 1, ...) or an unknown electrode; the message names the layer.
    """
    d = _domain(electrode)
    ps = _as_set(parameters)
    if isinstance(layers, Layer) or not isinstance(layers, Sequence) or len(layers) == 0:
        raise LayerError(f"{d.lower()} electrode: give a non-empty list of layers")
    checked: list[Layer] = []
    for k, layer in enumerate(layers, start=1):
        where = f"layer {k} of the {d.lower()} electrode"
        if isinstance(layer, Mapping):
            try:
                layer = Layer(**layer)
            except TypeError as exc:
                raise LayerError(
                    f"{where}: expected thickness_m, porosity, active_fraction, particle_radius_m ({exc})"
                ) from None
        if not isinstance(layer, Layer):
            raise LayerError(f"{where}: expected a Layer, got {type(layer).__name__}")
        layer.check(where)
        checked.append(layer)
    thicknesses = np.array([layer.thickness_m for layer in checked])
    total = float(np.sum(thicknesses))
    if d == "Negative":  # x grows from the negative current collector: layers in x order
        ordered = checked
        x0 = 0.0
    else:  # the positive current collector is at x = L: the listed order is reversed in x
        ordered = checked[::-1]
        x0 = _number(ps, "Negative electrode thickness [m]") + _number(ps, "Separator thickness [m]")
    edges = x0 + np.concatenate([[0.0], np.cumsum([layer.thickness_m for layer in ordered])])
    edges[-1] = x0 + total

    def profile(field: str, key: str) -> PiecewiseConstant:
        return PiecewiseConstant(edges, [getattr(layer, field) for layer in ordered], name=key)

    changes = {
        f"{d} electrode thickness [m]": total,
        f"{d} electrode porosity": profile("porosity", f"{d} electrode porosity"),
        f"{d} electrode active material volume fraction": profile(
            "active_fraction", f"{d} electrode active material volume fraction"
        ),
        f"{d} particle radius [m]": profile("particle_radius_m", f"{d} particle radius [m]"),
    }
    return ps.updated(changes, name=f"{ps.name} ({len(checked)}-layer {d.lower()})")


def graded_porosity(
    parameters, electrode: str, at_separator: float, at_current_collector: float
) -> ParameterSet:
    """A copy of ``parameters`` whose ``electrode`` porosity goes linearly across its thickness.

    Parameters
    ----------
    parameters : ParameterSet, mapping or set name
    electrode : {"negative", "positive"}
    at_separator, at_current_collector : float
        Porosity [-] at the electrode's separator side and at its current-collector side.

    Raises
    ------
    LayerError
        A porosity outside (0, 1), or one that with the active material volume fraction exceeds 1.
    """
    d = _domain(electrode)
    ps = _as_set(parameters)
    L_n = _number(ps, "Negative electrode thickness [m]")
    if d == "Negative":
        x_m, values = (0.0, L_n), (at_current_collector, at_separator)
    else:
        x0 = L_n + _number(ps, "Separator thickness [m]")
        x_m, values = (
            (x0, x0 + _number(ps, "Positive electrode thickness [m]")),
            (at_separator, at_current_collector),
        )
    key = f"{d} electrode porosity"
    x_sep, x_cc = (x_m[1], x_m[0]) if d == "Negative" else (x_m[0], x_m[1])
    active = ps[f"{d} electrode active material volume fraction"]
    for where, x, eps in (
        ("separator", x_sep, at_separator),
        ("current collector", x_cc, at_current_collector),
    ):
        if isinstance(eps, bool) or not (isinstance(eps, int | float | np.floating) and 0.0 < eps < 1.0):
            raise LayerError(
                f"{d.lower()} electrode porosity at the {where} {eps!r} must lie strictly between 0 and 1"
            )
        if callable(active):
            from solvers.models.cell import _x_function

            eps_s = float(np.ravel(_x_function(active, key)(np.array([x])))[0])
        else:
            eps_s = float(active)
        if eps + eps_s > 1.0 + 1e-12:
            raise LayerError(
                f"{d.lower()} electrode porosity at the {where} {eps} + active material volume fraction "
                f"{eps_s} exceeds 1"
            )
    return ps.updated(
        {key: LinearProfile(x_m, values, name=key)}, name=f"{ps.name} (graded {d.lower()} porosity)"
    )
