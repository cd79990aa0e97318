"""The parameter-set object: an immutable mapping of PyBaMM-named values and functions.

A :class:`ParameterSet` maps PyBaMM's key strings (``"Negative electrode thickness [m]"``) to a float or
to a plain numpy function with PyBaMM's signature:

==========================================================  ==========================================
key (any electrode)                                          signature
==========================================================  ==========================================
``"... electrode OCP [V]"``                                  ``U(sto)``
``"... particle diffusivity [m2.s-1]"``                      ``D(sto, T)`` (or a float)
``"... electrode exchange-current density [A.m-2]"``         ``j0(c_e, c_s_surf, c_s_max, T)``
``"Electrolyte diffusivity [m2.s-1]"``                       ``D_e(c_e, T)``
``"Electrolyte conductivity [S.m-1]"``                       ``kappa_e(c_e, T)``
``"Cation transference number"``                             ``t_plus(c_e, T)`` (or a float)
``"Thermodynamic factor"``                                   ``TDF(c_e, T)`` (or a float; 1 if absent)
``"... electrode OCP entropic change [V.K-1]"``              ``dUdT(sto)`` or ``dUdT(sto, c_s_max)``
==========================================================  ==========================================

JSON format (:meth:`ParameterSet.to_json_dict`)
-----------------------------------------------
``{"name": str, "citations": [DOI, ...], "parameters": {key: value}}`` where a value is

* a number;
* ``{"function": "<registered function name>", "interpolant": {...}}`` for a function from a set
  module (the name is enough to rebuild it here; the table lets PyBaMM or any other tool rebuild it);
* ``{"interpolant": {"x": [...], "y": [...]}}``: a 1-D table, linearly interpolated (in PyBaMM:
  ``pybamm.Interpolant(x, y, sto)``), for one-argument functions and for ``(x, T)`` functions that do
  not depend on ``T``;
* ``{"interpolant": {"x": [...], "T": [...], "y": [[...], ...]}}``: a 2-D table ``y[i_x][i_T]`` for
  ``(x, T)`` functions (bilinear).

Exchange-current densities (four arguments) are exported by name only (they are not tabulated); a
JSON file may give them as a registered name or as a number (a constant exchange-current density).

Graded electrodes: the porosities, active material volume fractions and particle radii may be
functions of the through-cell distance x [m] (:mod:`solvers.parameters.layers`). The layered and linear
profiles of that module are written exactly, ``{"piecewise": {"x_edges_m": [...], "values": [...]}}``
and ``{"linear": {"x_m": [x0, x1], "values": [v0, v1]}}``; any other function of x is tabulated over
its domain (the electrode or separator, from the set's thicknesses) as a 1-D ``interpolant`` in x.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

ParameterValue = float | Callable[..., Any]

#: Registered set functions by name (filled by :func:`register_function` and the set discovery).
FUNCTION_REGISTRY: dict[str, Callable[..., Any]] = {}

# Sampling grids used to tabulate functions for export, by the kind of first argument.
_STO_GRID = np.linspace(0.0, 1.0, 501)
_CE_GRID_MOL_M3 = np.linspace(0.0, 6000.0, 301)
_T_GRID_K = np.linspace(233.15, 353.15, 49)


def register_function(func: Callable[..., Any]) -> Callable[..., Any]:
    """Register a parameter function under its ``__name__`` (so JSON can refer to it by name)."""
    FUNCTION_REGISTRY[func.__name__] = func
    return func


def n_arguments(func: Callable[..., Any]) -> int:
    """The number of positional arguments a parameter function takes."""
    if isinstance(func, Interpolant):
        return func.n_args
    return len(inspect.signature(func).parameters)


class Interpolant:
    """A tabulated parameter function (1-D in its first argument, optionally 2-D with temperature).

    Parameters
    ----------
    x : array
        Grid of the first argument (stoichiometry [-] or concentration [mol.m-3]), increasing.
    y : array
        Values, shape ``(len(x),)`` or ``(len(x), len(T))``.
    T : array, optional
        Temperature grid [K] for a 2-D table.
    n_args : int
        How many arguments the function takes (the extra ones, other than ``T``, are ignored).
    name : str
        A label used in messages.
    """

    def __init__(self, x, y, T=None, n_args: int = 1, name: str = "interpolant"):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.T = None if T is None else np.asarray(T, dtype=float)
        self.n_args = int(n_args)
        self.__name__ = name
        if self.x.ndim != 1 or np.any(np.diff(self.x) <= 0):
            raise ValueError(f"Interpolant {name!r}: 'x' must be a strictly increasing 1-D list")
        expected = (self.x.size,) if self.T is None else (self.x.size, self.T.size)
        if self.y.shape != expected:
            raise ValueError(f"Interpolant {name!r}: 'y' has shape {self.y.shape}, expected {expected}")

    def __call__(self, x, *rest):
        x = np.asarray(x, dtype=float)
        if self.T is None:
            return np.interp(x, self.x, self.y)
        T = np.broadcast_to(np.asarray(rest[-1], dtype=float), x.shape) if rest else np.full(x.shape, 298.15)
        # bilinear: interpolate along x for every T column, then along T
        cols = np.stack([np.interp(x, self.x, self.y[:, k]) for k in range(self.T.size)], axis=-1)
        it = np.clip(np.searchsorted(self.T, T) - 1, 0, self.T.size - 2)
        w = np.clip((T - self.T[it]) / (self.T[it + 1] - self.T[it]), 0.0, 1.0)
        lo = np.take_along_axis(cols, it[..., None], axis=-1)[..., 0]
        hi = np.take_along_axis(cols, (it + 1)[..., None], axis=-1)[..., 0]
        return lo + w * (hi - lo)

    def to_json(self) -> dict[str, Any]:
        table: dict[str, Any] = {"x": self.x.tolist(), "y": self.y.tolist()}
        if self.T is not None:
            table["T"] = self.T.tolist()
        return {"interpolant": table}


#: keys that may be functions of the through-cell distance x [m] (PyBaMM's "Through-cell distance (x)")
X_FUNCTION_KEYS = frozenset(
    [
        *(f"{d} electrode porosity" for d in ("Negative", "Positive")),
        *(f"{d} electrode active material volume fraction" for d in ("Negative", "Positive")),
        *(f"{d} particle radius [m]" for d in ("Negative", "Positive")),
        "Separator porosity",
    ]
)
_N_X_TABLE = 201


def x_domain_m(key: str, values: Mapping[str, Any]) -> tuple[float, float]:
    """The x range [m] over which a function of x under ``key`` is used (from the set's thicknesses)."""

    def thickness(k: str) -> float:
        v = values.get(k)
        if v is None or callable(v):
            raise ValueError(f"Parameter {key!r}: {k!r} must be a number to place a function of x")
        return float(v)

    L_n = thickness("Negative electrode thickness [m]")
    if key.startswith("Negative"):
        return 0.0, L_n
    L_s = thickness("Separator thickness [m]")
    if key.startswith("Separator"):
        return L_n, L_n + L_s
    return L_n + L_s, L_n + L_s + thickness("Positive electrode thickness [m]")


def _tabulate_x(key: str, func: Callable[..., Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON table of a function of x [m] over its domain (PyBaMM's (x, y, z) form called with y = z = 0)."""
    x0, x1 = x_domain_m(key, values)
    x = np.linspace(x0, x1, _N_X_TABLE)
    n = n_arguments(func)
    with np.errstate(all="ignore"):
        y = func(x) if n == 1 else func(x, np.zeros_like(x), np.zeros_like(x))
    return {"x": x.tolist(), "y": (np.asarray(y, dtype=float) * np.ones_like(x)).tolist()}


#: Functions of (c_e, T) whose key does not start with "Electrolyte".
_ELECTROLYTE_KEYS = ("Cation transference number", "Thermodynamic factor")


def _tabulate(key: str, func: Callable[..., Any]) -> dict[str, Any] | None:
    """A JSON table of a one- or two-argument function, or None for exchange-current densities."""
    n = n_arguments(func)
    x = _CE_GRID_MOL_M3 if key.startswith("Electrolyte") or key in _ELECTROLYTE_KEYS else _STO_GRID
    with np.errstate(all="ignore"):
        if n == 1:
            y = np.asarray(func(x), dtype=float) * np.ones_like(x)
            return {"x": x.tolist(), "y": y.tolist()}
        if n == 2 and "entropic" in key:
            y = np.asarray(func(x, 1.0), dtype=float) * np.ones_like(x)
            return {"x": x.tolist(), "y": y.tolist()}
        if n == 2:
            y = np.stack([np.asarray(func(x, T), dtype=float) * np.ones_like(x) for T in _T_GRID_K], axis=1)
            if np.allclose(y, y[:, :1], rtol=1e-12, atol=0.0):
                return {"x": x.tolist(), "y": y[:, 0].tolist()}
            return {"x": x.tolist(), "T": _T_GRID_K.tolist(), "y": y.tolist()}
    return None


class ParameterSet(Mapping[str, ParameterValue]):
    """An immutable mapping of PyBaMM-named parameter values, with a name and citations (DOIs).

    Parameters
    ----------
    values : mapping
        PyBaMM key -> float or function.
    name : str
        The set's name, e.g. ``"Chen2020"``.
    citations : sequence of str
        DOIs of the sources of the values and functional forms.
    """

    def __init__(self, values: Mapping[str, ParameterValue], name: str = "custom", citations=()):
        clean: dict[str, ParameterValue] = {}
        for key, value in values.items():
            if isinstance(value, bool):
                raise TypeError(f"Parameter {key!r}: expected a number or a function, got a boolean")
            if callable(value):
                clean[key] = value
            elif isinstance(value, int | float | np.floating | np.integer):
                clean[key] = float(value)
            else:
                raise TypeError(
                    f"Parameter {key!r}: expected a number or a function, got {type(value).__name__} ({value!r})"
                )
        self._values = clean
        self.name = str(name)
        self.citations = tuple(str(c) for c in citations)

    # Mapping protocol
    def __getitem__(self, key: str) -> ParameterValue:
        try:
            return self._values[key]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(key, list(self._values), n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise KeyError(f"Parameter set {self.name!r} has no parameter {key!r}.{hint}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"ParameterSet({self.name!r}, {len(self)} parameters)"

    def __reduce__(self):
        return (ParameterSet, (dict(self._values), self.name, self.citations))

    def updated(self, changes: Mapping[str, ParameterValue], *, name: str | None = None) -> ParameterSet:
        """A copy with some values replaced or added (the original is unchanged)."""
        values = dict(self._values)
        values.update(changes)
        return ParameterSet(values, name=self.name if name is None else name, citations=self.citations)

    def value(self, key: str) -> float:
        """A scalar parameter as a float; a clear error if the key holds a function."""
        v = self[key]
        if callable(v):
            raise TypeError(f"Parameter {key!r} of set {self.name!r} is a function, not a number")
        return float(v)

    # JSON
    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (see the module docstring for the format)."""
        params: dict[str, Any] = {}
        for key, value in self._values.items():
            if not callable(value):
                params[key] = value if math.isfinite(value) else str(value)
                continue
            entry: dict[str, Any] = {}
            from solvers.parameters.layers import LinearProfile, PiecewiseConstant

            if isinstance(value, Interpolant | PiecewiseConstant | LinearProfile):
                entry.update(value.to_json())
            else:
                name = getattr(value, "__name__", "")
                if FUNCTION_REGISTRY.get(name) is value:
                    entry["function"] = name
                if key in X_FUNCTION_KEYS:
                    table = _tabulate_x(key, value, self._values)
                else:
                    table = _tabulate(key, value)
                if table is not None:
                    entry["interpolant"] = table
                if not entry:
                    raise ValueError(
                        f"Parameter {key!r}: the function {name or value!r} is not registered and cannot be "
                        "tabulated; register it with solvers.parameters.base.register_function"
                    )
            params[key] = entry
        return {"name": self.name, "citations": list(self.citations), "parameters": params}

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> ParameterSet:
        """Rebuild a set from :meth:`to_json_dict` output (or a plain ``{key: value}`` dict).

        Named functions are looked up after the bundled sets have been discovered (their functions
        registered), so a file refers to them by name in any process.
        """
        from solvers.parameters import available_parameter_sets

        available_parameter_sets()  # registers every set module's functions by name
        if "parameters" in data and isinstance(data["parameters"], Mapping):
            raw = data["parameters"]
            name = data.get("name", "custom")
            citations = data.get("citations", ())
        else:
            raw, name, citations = data, "custom", ()
        values: dict[str, ParameterValue] = {}
        for key, entry in raw.items():
            if isinstance(entry, int | float) and not isinstance(entry, bool):
                values[key] = float(entry)
            elif isinstance(entry, str):
                try:
                    values[key] = float(entry)
                except ValueError:
                    if entry in FUNCTION_REGISTRY:
                        values[key] = FUNCTION_REGISTRY[entry]
                    else:
                        raise ValueError(
                            f"Parameter {key!r}: {entry!r} is neither a number nor a registered function"
                        ) from None
            elif isinstance(entry, Mapping):
                from solvers.parameters.layers import profile_from_json

                fname = entry.get("function")
                profile = profile_from_json(entry, key)
                if profile is not None:
                    values[key] = profile
                elif fname is not None and fname in FUNCTION_REGISTRY:
                    values[key] = FUNCTION_REGISTRY[fname]
                elif "interpolant" in entry:
                    table = entry["interpolant"]
                    n_args = (
                        2 if ("T" in table or "diffusivity" in key or key.startswith("Electrolyte")) else 1
                    )
                    values[key] = Interpolant(
                        table["x"], table["y"], table.get("T"), n_args=n_args, name=fname or key
                    )
                else:
                    raise ValueError(
                        f"Parameter {key!r}: unknown function {fname!r} and no 'interpolant' table to rebuild it"
                    )
            else:
                raise ValueError(f"Parameter {key!r}: cannot read {entry!r} (expected a number or a table)")
        return cls(values, name=name, citations=citations)


def arrhenius(activation_energy_J_mol: float, T_K, T_ref_K: float = 298.15):
    r"""Arrhenius factor :math:`\exp(E_a/R\,(1/T_{ref} - 1/T))` [-]."""
    from solvers.constants import R

    return np.exp(activation_energy_J_mol / R * (1.0 / T_ref_K - 1.0 / np.asarray(T_K, dtype=float)))
