"""The study definition: which inputs vary, how, what is measured, and with which model.

A study is a plain JSON-able document (the CLI reads it from ``SPEC.json``)::

    {
      "model": "spme",                       # spm | spme | dfn | "python:MODULE:FUNCTION"
      "parameter_set": "Chen2020",
      "experiment": "Discharge at {C-rate}C until 2.5 V",
      "inputs": {
        "Positive electrode thickness [m]": [60e-6, 90e-6],
        "Negative electrode porosity": {"bounds": [0.2, 0.35], "distribution": "uniform", "group": "porosity"},
        "C-rate": [0.5, 2.0]
      },
      "method": "sobol", "samples": 1024, "seed": 1,
      "outputs": ["discharge_capacity_Ah", "energy_Wh", "specific_energy_Wh_kg"],
      "constraints": ["`Positive electrode thickness [m]` <= 120e-6", "np_ratio >= 1.05"]
    }

Internally the inputs become SALib's ``problem`` dict (``names``, ``bounds``, ``dists``, ``groups``).
Inputs are PyBaMM parameter keys of the set, plus ``"C-rate"`` (fills ``{C-rate}`` in the experiment)
and ``"Ambient temperature [K]"`` (also sets the initial temperature). Distributions: ``uniform``
(bounds = [low, high]), ``normal`` ([mean, sd]), ``lognormal`` ([mean, sd] of ln x), ``triangular``
([low, high], peak at ``"mode"``, default the middle), ``loguniform`` ([low, high]).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "DISTRIBUTIONS",
    "SPECIAL_INPUTS",
    "DOEError",
    "InputSpec",
    "StudySpec",
    "load_spec",
]

SPECIAL_INPUTS = {
    "C-rate": "the C-rate of the experiment's {C-rate} placeholder [1/h]",
    "Ambient temperature [K]": "ambient and initial temperature [K]",
}


class DOEError(ValueError):
    """A study that cannot run as written; the message says what to change."""


def _uniform(u, a, b, _mode):
    return a + (b - a) * u


def _loguniform(u, a, b, _mode):
    return np.exp(np.log(a) + (np.log(b) - np.log(a)) * u)


def _normal(u, mean, sd, _mode):
    return stats.norm.ppf(u, loc=mean, scale=sd)


def _lognormal(u, mu, sigma, _mode):
    return np.exp(stats.norm.ppf(u, loc=mu, scale=sigma))


def _triangular(u, a, b, mode):
    c = 0.5 if mode is None else (mode - a) / (b - a)
    return stats.triang.ppf(u, c, loc=a, scale=b - a)


#: distribution name -> inverse CDF ``ppf(u, p1, p2, mode)`` mapping the unit interval onto the input
DISTRIBUTIONS = {
    "uniform": _uniform,
    "loguniform": _loguniform,
    "normal": _normal,
    "lognormal": _lognormal,
    "triangular": _triangular,
}
_SALIB_DIST = {"uniform": "unif", "normal": "norm", "lognormal": "lognorm", "triangular": "triang",
               "loguniform": "logunif"}


@dataclass(frozen=True)
class InputSpec:
    """One varied input: its name, two distribution parameters, distribution, group."""

    name: str
    low: float
    high: float
    distribution: str = "uniform"
    group: str | None = None
    mode: float | None = None

    def to_value(self, u: np.ndarray) -> np.ndarray:
        """Map unit-interval samples ``u`` to input values (inverse CDF)."""
        eps = 1e-12  # the normal's ppf is infinite at 0 and 1
        if self.distribution in ("normal", "lognormal"):
            u = np.clip(u, eps, 1 - eps)
        return DISTRIBUTIONS[self.distribution](np.asarray(u, dtype=float), self.low, self.high, self.mode)

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`to_value` (a custom grid's values back to the unit interval)."""
        x = np.asarray(x, dtype=float)
        a, b = self.low, self.high
        if self.distribution == "uniform":
            return (x - a) / (b - a)
        if self.distribution == "loguniform":
            return (np.log(x) - np.log(a)) / (np.log(b) - np.log(a))
        if self.distribution == "normal":
            return stats.norm.cdf(x, loc=a, scale=b)
        if self.distribution == "lognormal":
            return stats.norm.cdf(np.log(x), loc=a, scale=b)
        c = 0.5 if self.mode is None else (self.mode - a) / (b - a)
        return stats.triang.cdf(x, c, loc=a, scale=b - a)

    @property
    def value_range(self) -> tuple[float, float]:
        """The range the values fall in (the 0.1 % and 99.9 % quantiles for unbounded distributions)."""
        lo, hi = self.to_value(np.array([0.001, 0.999])) if self.distribution in ("normal", "lognormal") else (
            self.to_value(np.array([0.0, 1.0])))
        return float(lo), float(hi)


def _parse_input(name: str, value: Any) -> InputSpec:
    if isinstance(value, list | tuple):
        value = {"bounds": list(value)}
    if not isinstance(value, Mapping):
        raise DOEError(f"input {name!r}: give [low, high] or {{'bounds': [low, high], 'distribution': ...}}")
    unknown = set(value) - {"bounds", "distribution", "group", "mode"}
    if unknown:
        raise DOEError(f"input {name!r}: unknown keys {sorted(unknown)}; allowed: bounds, distribution, group, mode")
    bounds = value.get("bounds")
    if not isinstance(bounds, list | tuple) or len(bounds) != 2:
        raise DOEError(f"input {name!r}: 'bounds' must be two numbers, got {bounds!r}")
    try:
        low, high = float(bounds[0]), float(bounds[1])
    except (TypeError, ValueError):
        raise DOEError(f"input {name!r}: bounds {bounds!r} are not numbers") from None
    dist = str(value.get("distribution", "uniform"))
    if dist not in DISTRIBUTIONS:
        raise DOEError(f"input {name!r}: unknown distribution {dist!r}; choose one of {sorted(DISTRIBUTIONS)}")
    if not (math.isfinite(low) and math.isfinite(high)):
        raise DOEError(f"input {name!r}: bounds must be finite, got {bounds!r}")
    if dist in ("normal", "lognormal"):
        if high <= 0:
            raise DOEError(f"input {name!r}: a {dist} input takes [mean, standard deviation > 0], got {bounds!r}")
    elif not low < high:
        raise DOEError(f"input {name!r}: low {low} must be below high {high}")
    if dist == "loguniform" and low <= 0:
        raise DOEError(f"input {name!r}: a loguniform input needs low > 0, got {low}")
    mode = value.get("mode")
    if mode is not None:
        mode = float(mode)
        if dist != "triangular" or not low <= mode <= high:
            raise DOEError(f"input {name!r}: 'mode' is for triangular inputs, within the bounds")
    group = value.get("group")
    return InputSpec(name, low, high, dist, None if group is None else str(group), mode)


METHODS = ("full_factorial", "fractional_factorial", "taguchi", "latin_hypercube", "sobol", "morris", "csv")
_SPEC_KEYS = {
    "model", "parameter_set", "experiment", "inputs", "method", "samples", "seed", "outputs", "constraints",
    "options", "name", "levels", "replicates", "second_order", "trajectories", "grid", "grid_csv",
    "morris_levels", "batch_size",
}


@dataclass
class StudySpec:
    """A validated study (see the module docstring for the JSON form)."""

    model: str
    inputs: list[InputSpec]
    method: str = "sobol"
    samples: int = 256
    seed: int = 0
    outputs: list[str] = field(default_factory=lambda: ["discharge_capacity_Ah"])
    parameter_set: Any = "Chen2020"
    experiment: str | None = None
    constraints: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    name: str = "study"
    levels: int = 3
    replicates: int = 8
    second_order: bool = False
    trajectories: int | None = None
    morris_levels: int = 4
    grid_csv: str | None = None
    batch_size: int = 512

    # ------------------------------------------------------------------ construction and checking
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StudySpec:
        if not isinstance(data, Mapping):
            raise DOEError("a study spec is a JSON object")
        unknown = set(data) - _SPEC_KEYS
        if unknown:
            hints = [f"{k!r} (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(k, _SPEC_KEYS, 1)) else repr(k)
                     for k in sorted(unknown)]
            raise DOEError(f"unknown spec keys: {', '.join(hints)}")
        for key in ("model", "inputs"):
            if key not in data:
                raise DOEError(f"the spec needs {key!r}")
        inputs = data["inputs"]
        if not isinstance(inputs, Mapping) or not inputs:
            raise DOEError("'inputs' must map at least one input name to [low, high]")
        method = str(data.get("method", "sobol"))
        if method not in METHODS:
            raise DOEError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
        outputs = data.get("outputs", ["discharge_capacity_Ah"])
        if isinstance(outputs, str):
            outputs = [outputs]
        constraints = data.get("constraints", [])
        if isinstance(constraints, str):
            constraints = [constraints]
        spec = cls(
            model=str(data["model"]),
            inputs=[_parse_input(str(k), v) for k, v in inputs.items()],
            method=method,
            samples=_positive_int(data.get("samples", 256), "samples"),
            seed=int(data.get("seed", 0)),
            outputs=[str(o) for o in outputs],
            parameter_set=data.get("parameter_set", "Chen2020"),
            experiment=data.get("experiment"),
            constraints=[str(c) for c in constraints],
            options=dict(data.get("options", {})),
            name=str(data.get("name", "study")),
            levels=_positive_int(data.get("levels", 3), "levels"),
            replicates=_positive_int(data.get("replicates", 8), "replicates"),
            second_order=bool(data.get("second_order", False)),
            trajectories=None if data.get("trajectories") is None else _positive_int(data["trajectories"], "trajectories"),
            morris_levels=_positive_int(data.get("morris_levels", 4), "morris_levels"),
            grid_csv=data.get("grid_csv", data.get("grid")),
            batch_size=_positive_int(data.get("batch_size", 512), "batch_size"),
        )
        spec.check()
        return spec

    def to_dict(self) -> dict[str, Any]:
        inputs = {}
        for i in self.inputs:
            entry: dict[str, Any] = {"bounds": [i.low, i.high], "distribution": i.distribution}
            if i.group is not None:
                entry["group"] = i.group
            if i.mode is not None:
                entry["mode"] = i.mode
            inputs[i.name] = entry
        return {
            "name": self.name, "model": self.model, "parameter_set": self.parameter_set,
            "experiment": self.experiment, "inputs": inputs, "method": self.method, "samples": self.samples,
            "seed": self.seed, "outputs": list(self.outputs), "constraints": list(self.constraints),
            "options": dict(self.options), "levels": self.levels, "replicates": self.replicates,
            "second_order": self.second_order, "trajectories": self.trajectories,
            "morris_levels": self.morris_levels, "grid_csv": self.grid_csv, "batch_size": self.batch_size,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    def check(self) -> None:
        names = [i.name for i in self.inputs]
        if len(set(names)) != len(names):
            raise DOEError("an input is listed twice")
        if self.is_python_model:
            from voltvault_core.doe.evaluate import resolve_python_model

            resolve_python_model(self.model)
        else:
            from voltvault_core.doe.evaluate import check_cell_study

            check_cell_study(self)
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise DOEError(f"a Sobol study takes a power of two samples (e.g. 1024), got {self.samples}")
        if self.method == "csv" and not self.grid_csv:
            raise DOEError("method 'csv' needs 'grid_csv': the text of a CSV with one column per input")
        groups = [i.group for i in self.inputs]
        if any(g is not None for g in groups) and any(g is None for g in groups):
            raise DOEError("give every input a 'group' or none (an input alone may be its own group)")
        from voltvault_core.doe.constraints import parse_constraint

        for expr in self.constraints:
            parse_constraint(expr, names)

    # ------------------------------------------------------------------ views
    @property
    def is_python_model(self) -> bool:
        return self.model.startswith("python:")

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.inputs]

    @property
    def groups(self) -> list[str] | None:
        if all(i.group is None for i in self.inputs):
            return None
        return [str(i.group) for i in self.inputs]

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's ``problem`` dict of the inputs."""
        problem: dict[str, Any] = {
            "num_vars": len(self.inputs),
            "names": self.names,
            "bounds": [[i.low, i.high] for i in self.inputs],
            "dists": [_SALIB_DIST[i.distribution] for i in self.inputs],
        }
        if self.groups is not None:
            problem["groups"] = self.groups
        return problem

    def to_values(self, unit: np.ndarray) -> np.ndarray:
        """Unit-cube samples (rows) -> input values (rows)."""
        unit = np.atleast_2d(unit)
        return np.column_stack([spec.to_value(unit[:, j]) for j, spec in enumerate(self.inputs)])


def _positive_int(value: Any, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DOEError(f"{what!r} must be a whole number, got {value!r}") from None
    if number < 1 or number != float(value):
        raise DOEError(f"{what!r} must be a whole number >= 1, got {value!r}")
    return number


def load_spec(source: str | Path | Mapping[str, Any]) -> StudySpec:
    """A :class:`StudySpec` from a dict, a JSON text or a JSON file path."""
    if isinstance(source, Mapping):
        return StudySpec.from_dict(source)
    text = str(source)
    if not text.lstrip().startswith("{"):
        path = Path(text)
        if not path.is_file():
            raise DOEError(f"no such spec file: {path}")
        text = path.read_text(encoding="utf-8")
        base = path.parent
    else:
        base = None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DOEError(f"the spec is not valid JSON: {exc}") from None
    grid = data.get("grid_csv") if isinstance(data, dict) else None
    if base is not None and isinstance(grid, str) and "\n" not in grid and grid.endswith(".csv"):
        grid_path = (base / grid) if not Path(grid).is_absolute() else Path(grid)
        if not grid_path.is_file():
            raise DOEError(f"grid_csv file not found: {grid_path}")
        data["grid_csv"] = grid_path.read_text(encoding="utf-8")
    return StudySpec.from_dict(data)
