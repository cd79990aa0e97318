"""Running a study's samples: a ``python:`` function of the sample matrix, or a cell model in batches.

Cell models (``spm``, ``spme``, ``dfn``): each run is the study's parameter set with the run's input
values; the runs are grouped by protocol (a ``C-rate`` input fills the experiment's ``{C-rate}``) and
solved in :func:`voltvault_core.simulation.solve_batch` calls of ``batch_size`` designs. A run that
fails (solver failure, a design the solver refuses) gets NaN outputs and its reason, never an abort.
"""

from __future__ import annotations

import difflib
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voltvault_core.doe.metrics import metric_columns, resolve_metric
from voltvault_core.doe.study import SPECIAL_INPUTS, DOEError, StudySpec

__all__ = ["DERIVED", "RunResults", "check_cell_study", "derived_quantities", "evaluate", "output_columns",
           "resolve_python_model"]

#: derived cell quantities a constraint may use (computed by the cell designer for each sample)
DERIVED = {
    "np_ratio": "negative/positive capacity ratio",
    "design_capacity_Ah": "the designer's cell capacity [A.h]",
    "design_specific_energy_Wh_kg": "the designer's specific energy [Wh/kg]",
    "mass_kg": "cell mass [kg]",
}


@dataclass
class RunResults:
    """Outputs of a set of runs: one row per run, one column per output column."""

    columns: list[str]
    values: np.ndarray  # (runs, columns), NaN for failed runs
    failures: dict[int, str] = field(default_factory=dict)  # run index -> reason
    wall_s: float = 0.0
    solver_calls: int = 0


def resolve_python_model(text: str) -> Callable[[np.ndarray], Any]:
    parts = text.split(":")
    if len(parts) != 3 or parts[0] != "python" or not parts[1] or not parts[2]:
        raise DOEError(f"model {text!r}: write python:MODULE:FUNCTION, e.g. "
                       "python:voltvault_core.doe.testfunctions:ishigami")
    try:
        module = importlib.import_module(parts[1])
    except ImportError as exc:
        raise DOEError(f"model {text!r}: cannot import module {parts[1]!r} ({exc})") from None
    func = getattr(module, parts[2], None)
    if not callable(func):
        raise DOEError(f"model {text!r}: module {parts[1]!r} has no function {parts[2]!r}")
    return func


def _base_parameters(spec: StudySpec):
    from voltvault_core.simulation import SimulationError, resolve_parameter_set

    try:
        return resolve_parameter_set(spec.parameter_set)
    except (SimulationError, ValueError, KeyError) as exc:
        raise DOEError(f"parameter_set {spec.parameter_set!r}: {exc}") from None


def check_cell_study(spec: StudySpec) -> None:
    from voltvault_core.simulation import available_models

    models = available_models()
    if spec.model not in models and spec.model != "p2d":
        raise DOEError(f"unknown model {spec.model!r}; choose one of {', '.join(models)} or python:MODULE:FUNCTION")
    params = _base_parameters(spec)
    keys = list(params.keys())
    for inp in spec.inputs:
        if inp.name in SPECIAL_INPUTS:
            continue
        if inp.name not in keys:
            close = difflib.get_close_matches(inp.name, keys + list(SPECIAL_INPUTS), 3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise DOEError(f"input {inp.name!r} is not a parameter of {params.name}{hint}")
        if not isinstance(params[inp.name], int | float):
            raise DOEError(f"input {inp.name!r} is a function in {params.name}; only numeric parameters vary")
    if "C-rate" in spec.names and "{C-rate}" not in (spec.experiment or ""):
        raise DOEError("a 'C-rate' input needs '{C-rate}' in the experiment, e.g. 'Discharge at {C-rate}C until 2.5 V'")
    for out in spec.outputs:
        resolve_metric(out)


def output_columns(spec: StudySpec, n_python_columns: int | None = None) -> list[str]:
    if spec.is_python_model:
        if n_python_columns is None or len(spec.outputs) == n_python_columns:
            return list(spec.outputs)
        if n_python_columns == 1:
            return [spec.outputs[0]] if spec.outputs else ["y"]
        return [f"y{j}" for j in range(n_python_columns)]
    return [c for out in spec.outputs for c in metric_columns(out)]


def _run_parameters(spec: StudySpec, base, row: np.ndarray):
    changes: dict[str, float] = {}
    experiment = spec.experiment
    for name, value in zip(spec.names, row, strict=True):
        if name == "C-rate":
            experiment = experiment.replace("{C-rate}", f"{value:.6g}")
        elif name == "Ambient temperature [K]":
            changes["Ambient temperature [K]"] = float(value)
            changes["Initial temperature [K]"] = float(value)
        else:
            changes[name] = float(value)
    return base.updated(changes), experiment


def derived_quantities(spec: StudySpec, values: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    """Designer quantities (:data:`DERIVED`) of each sample row."""
    if spec.is_python_model:
        raise DOEError(f"constraints on {', '.join(names)} need a cell model, not {spec.model!r}")
    from voltvault_core.design import compute_metrics
    from voltvault_core.design.export import parameter_set_to_design

    base = _base_parameters(spec)
    out = {n: np.full(values.shape[0], np.nan) for n in names}
    for i, row in enumerate(values):
        params, _ = _run_parameters(spec, base, row)
        try:
            m = compute_metrics(parameter_set_to_design(params))
        except Exception:  # an infeasible design: NaN, which the constraint check rejects
            continue
        got = {"np_ratio": m.np_ratio, "design_capacity_Ah": m.capacity_Ah,
               "design_specific_energy_Wh_kg": m.specific_energy_Wh_kg, "mass_kg": m.mass_kg}
        for n in names:
            out[n][i] = got[n]
    return out


def evaluate(spec: StudySpec, values: np.ndarray, *, progress: Callable[[int, int], None] | None = None,
             run_offset: int = 0) -> RunResults:
    """Outputs of the runs ``values`` (rows of input values in the spec's order)."""
    start = time.perf_counter()
    values = np.atleast_2d(np.asarray(values, dtype=float))
    if spec.is_python_model:
        func = resolve_python_model(spec.model)
        raw = func(values)
        if isinstance(raw, dict):
            missing = [o for o in spec.outputs if o not in raw]
            if missing:
                raise DOEError(f"model {spec.model!r} returned no outputs {missing}")
            out = np.column_stack([np.asarray(raw[o], dtype=float).reshape(values.shape[0]) for o in spec.outputs])
        else:
            out = np.asarray(raw, dtype=float)
            out = out.reshape(values.shape[0], -1)
        failures = {run_offset + int(i): "the model returned NaN or inf"
                    for i in np.nonzero(~np.all(np.isfinite(out), axis=1))[0]}
        if progress:
            progress(values.shape[0], values.shape[0])
        return RunResults(output_columns(spec, out.shape[1]), out, failures, time.perf_counter() - start, 1)
    return _evaluate_cells(spec, values, progress, run_offset, start)


def _evaluate_cells(spec, values, progress, run_offset, start) -> RunResults:
    from voltvault_core.simulation import solve_batch

    base = _base_parameters(spec)
    columns = output_columns(spec)
    metrics = [resolve_metric(o) for o in spec.outputs]
    out = np.full((values.shape[0], len(columns)), np.nan)
    failures: dict[int, str] = {}
    groups: dict[str, list[int]] = {}
    runs = []
    for i, row in enumerate(values):
        params, experiment = _run_parameters(spec, base, row)
        runs.append(params)
        groups.setdefault(experiment or "", []).append(i)
    done, calls = 0, 0
    options = dict(spec.options)
    for experiment, rows in groups.items():
        for lo in range(0, len(rows), spec.batch_size):
            chunk = rows[lo : lo + spec.batch_size]
            try:
                results = solve_batch(spec.model, [runs[i] for i in chunk], experiment or None, **options)
            except Exception:  # a batch the solver refuses: retry one by one to name the bad designs
                results = []
                for i in chunk:
                    try:
                        results.extend(solve_batch(spec.model, [runs[i]], experiment or None, **options))
                    except Exception as inner:
                        results.append(inner)
            calls += 1
            for i, res in zip(chunk, results, strict=True):
                if isinstance(res, Exception):
                    failures[run_offset + i] = f"{type(res).__name__}: {res}"
                    continue
                if res.failed:
                    failures[run_offset + i] = res.termination
                    continue
                cache: dict = {}
                col = 0
                for metric, args in metrics:
                    try:
                        value = np.atleast_1d(metric.function(res, runs[i], cache, *args))
                    except Exception as exc:
                        failures[run_offset + i] = f"output {metric.name}: {type(exc).__name__}: {exc}"
                        value = np.full(len(metric_columns(":".join([metric.name, *[f'{a:g}' for a in args]]))),
                                        np.nan)
                    out[i, col : col + value.size] = value
                    col += value.size
            done += len(chunk)
            if progress:
                progress(done, values.shape[0])
    return RunResults(columns, out, failures, time.perf_counter() - start, calls)
