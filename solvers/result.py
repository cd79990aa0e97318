"""The one result object every solver returns (DESIGN.md, "Solvers").

Frozen, picklable, numpy arrays only (the variables are computed on first access). ``result["Electrolyte concentration [mol.m-3]"]`` gives a named
variable; an unknown name raises a ``KeyError`` that suggests the closest names.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from solvers import bdf


class LazyVariables(Mapping):
    """Read-only variables computed on first use (as PyBaMM's processed variables).

    A batch of designs or a benchmark that reads only the voltage never pays for the spatial fields;
    the first access to any name (or to the list of names) computes them all once, under a lock, so
    results may be shared between threads. Pickling gives a plain dict (computed then).
    """

    def __init__(self, compute):
        self._compute = compute
        self._values: dict | None = None
        self._lock = threading.Lock()

    def _data(self) -> dict:
        if self._values is None:
            with self._lock:
                if self._values is None:
                    self._values = dict(self._compute())
                    self._compute = None  # drop the solver state it closed over
        return self._values

    @property
    def computed(self) -> bool:
        return self._values is not None

    def __getitem__(self, name):
        return self._data()[name]

    def __iter__(self):
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __contains__(self, name) -> bool:
        return name in self._data()

    def __reduce__(self):
        return (dict, (self._data(),))


@dataclass(frozen=True)
class SolverResult:
    """A solved simulation.

    Attributes
    ----------
    time_s : (n_t,) array
        Output times [s] from the start of the experiment.
    timeseries : mapping of BDF label -> (n_t,) array
        At least ``Test Time / s``, ``Voltage / V``, ``Current / A`` (BDF sign: positive = charge),
        ``Step Count / 1``, ``Cycle Count / 1``, ``Charging Capacity / Ah``, ``Discharging Capacity / Ah``.
    variables : mapping of PyBaMM-style name -> array
        Spatial fields have shape (n_t, n_points) on ``mesh[<domain>]``; scalars (n_t,). The models return
        a :class:`LazyVariables`, computed on first access.
    mesh : mapping of name -> array
        Node positions [m], e.g. ``"x [m]"`` (whole sandwich), ``"x_n [m]"``, ``"r_n [m]"``.
    termination : str
        ``"final time"``, ``"event: Minimum voltage [V]"``, or ``"failure: <diagnosis>"``.
    info : mapping
        backend, model, wall_time_s, n_steps, n_states, rtol, atol, parameter_set, ...
    """

    time_s: np.ndarray
    timeseries: Mapping[str, np.ndarray]
    variables: Mapping[str, np.ndarray] = field(default_factory=dict)
    mesh: Mapping[str, np.ndarray] = field(default_factory=dict)
    termination: str = "final time"
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in bdf.REQUIRED_COLUMNS:
            if name not in self.timeseries:
                raise ValueError(f"SolverResult.timeseries lacks the BDF column {name!r}")
        object.__setattr__(self, "timeseries", MappingProxyType(dict(self.timeseries)))
        if not isinstance(self.variables, LazyVariables):
            object.__setattr__(self, "variables", MappingProxyType(dict(self.variables)))
        object.__setattr__(self, "mesh", MappingProxyType(dict(self.mesh)))
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))

    def __reduce__(self):  # MappingProxyType does not pickle; rebuild from plain dicts
        return (
            SolverResult,
            (
                self.time_s,
                dict(self.timeseries),
                dict(self.variables),
                dict(self.mesh),
                self.termination,
                dict(self.info),
            ),
        )

    @property
    def failed(self) -> bool:
        return self.termination.startswith("failure")

    def names(self) -> list[str]:
        return [*self.timeseries, *self.variables]

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self.timeseries:
            return self.timeseries[name]
        if name in self.variables:
            return self.variables[name]
        close = difflib.get_close_matches(name, self.names(), n=3, cutoff=0.4)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise KeyError(f"No variable {name!r} in this result.{hint}")

    def __contains__(self, name: object) -> bool:
        return name in self.timeseries or name in self.variables

    def to_frame(self):
        """The BDF time series as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame({k: np.asarray(v) for k, v in self.timeseries.items()})
