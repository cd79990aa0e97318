"""The one entry point for running a cell model: ``Simulation(model, parameter_set, experiment).solve()``.

Every caller (the Simulation page, DOE, degradation, pack, the CLI) comes through here::

    from voltvault_core.simulation import Simulation

    result = Simulation("dfn", "Chen2020", "Discharge at 1C until 2.5 V").solve()
    result["Voltage / V"], result["Electrolyte concentration [mol.m-3]"]

The constructor does all the checking — the model name, the parameter set (finite values, positive
thicknesses, porosities in (0, 1), temperatures above 0 K: :mod:`solvers.validation`), every step of the
protocol, the options, and the size of the output (an experiment whose results would not fit in
``VOLTVAULT_SIMULATION_MAX_OUTPUT_BYTES`` is refused with the size it needs) — so a bad input fails at
once, naming what is wrong, before any solving. ``solve`` runs the model, relabels the BDF
``Cycle Count / 1``, ``Step Count / 1`` and ``Step Index / 1`` columns so they follow the experiment
(cycles as written with ``(...) x N`` or as PyBaMM-style tuples), and checks the result in one place
(:func:`checked_result`): a run that stops at its first point or whose voltage leaves the physical range
is returned as a failure with a diagnosis, never as a normal result.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from solvers import bdf
from solvers.export import FORMATS as EXPORT_FORMATS
from solvers.export import result_to_bytes
from solvers.protocol import Experiment, ProtocolError, cccv_charge, gitt, hppc, parse_experiment
from solvers.result import SolverResult
from solvers.steps import Step
from solvers.validation import (
    ParameterError,
    check_parameters,
    diagnose_result,
    floats_per_point,
    format_bytes,
    output_lower_bound,
)

__all__ = [
    "DRIVE_CYCLE_DIR",
    "EXPORT_FORMATS",
    "ProtocolError",
    "Simulation",
    "SimulationError",
    "available_drive_cycles",
    "available_models",
    "available_parameter_sets",
    "cccv_charge",
    "checked_result",
    "gitt",
    "hppc",
    "load_drive_cycle",
    "measured_segment",
    "resolve_parameter_set",
    "result_to_bytes",
    "solve_batch",
    "x_averaged_value",
]

DRIVE_CYCLE_DIR = Path(__file__).resolve().parents[2] / "data" / "drive_cycles"

ProgressCallback = Callable[..., Any]


class SimulationError(ValueError):
    """An input that cannot be simulated (unknown model, unreadable parameter file, bad option)."""


# --------------------------------------------------------------------------------------------------
# Registries (the models and parameter sets live in ``solvers``)
# --------------------------------------------------------------------------------------------------


def available_models() -> list[str]:
    """Model names accepted by :class:`Simulation` (``"p2d"`` is an alias of ``"dfn"``)."""
    from solvers.models import MODELS

    return sorted(MODELS)


def x_averaged_value(parameters, key: str, n_cells: int = 200) -> float:
    """A set's value of a (possibly x-dependent) parameter, averaged over its electrode."""
    import numpy as np

    from solvers.parameters.layers import values_on_cells

    return float(np.mean(values_on_cells(parameters, key, n_cells)))


def available_parameter_sets() -> list[str]:
    """Names of the bundled parameter sets."""
    from solvers.parameters import available_parameter_sets as names

    return names()


_MODEL_ALIASES = {"p2d": "dfn", "newman": "dfn", "doyle-fuller-newman": "dfn"}


def _canonical_model_name(name: str) -> str:
    key = str(name).strip().lower()
    return _MODEL_ALIASES.get(key, key)


def _get_model(name: str):
    from solvers.models import get_model

    try:
        return get_model(str(name).lower())
    except (KeyError, ValueError) as exc:
        raise SimulationError(
            f"Unknown model {name!r}; choose one of {', '.join(available_models())}."
        ) from exc


def resolve_parameter_set(spec: Any):
    """Turn a parameter-set specification into a :class:`solvers.parameters.ParameterSet`.

    Parameters
    ----------
    spec : str, Path, mapping or ParameterSet
        * a bundled set's name (``"Chen2020"``, case-insensitive);
        * a path to a JSON file of PyBaMM-named values: either the format of
          :meth:`ParameterSet.to_json_dict` / a plain ``{key: value}`` dict, or
          ``{"base": "Chen2020", "parameters": {key: value}}`` to change a few values of a bundled set;
        * a mapping in any of those forms (e.g. a CellDesign row's ``parameter_set`` JSON);
        * a :class:`ParameterSet` (returned unchanged).

    Raises
    ------
    SimulationError
        With what was wrong (unknown name, missing file, invalid JSON) and what would work.
    """
    from solvers.parameters import ParameterSet, get_parameter_set

    if isinstance(spec, ParameterSet):
        return spec
    if isinstance(spec, Path) or (isinstance(spec, str) and spec.lower().endswith(".json")):
        path = Path(spec)
        if not path.is_file():
            raise SimulationError(
                f"Parameter file {str(path)!r} does not exist; give a set name or a JSON file path."
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SimulationError(f"Parameter file {str(path)!r} is not valid JSON: {exc}") from exc
        if not isinstance(data, Mapping):
            raise SimulationError(
                f"Parameter file {str(path)!r} must hold a JSON object of PyBaMM-named values."
            )
        return _from_mapping(data, default_name=path.stem)
    if isinstance(spec, str):
        try:
            return get_parameter_set(spec)
        except KeyError as exc:
            raise SimulationError(
                f"Unknown parameter set {spec!r}; choose one of {', '.join(available_parameter_sets())} "
                "or give a JSON file of PyBaMM-named values."
            ) from exc
    if isinstance(spec, Mapping):
        return _from_mapping(spec, default_name="custom")
    raise SimulationError(
        f"Cannot use a {type(spec).__name__} as a parameter set; give a name, a JSON path or a dict."
    )


def _from_mapping(data: Mapping[str, Any], *, default_name: str):
    from solvers.parameters import ParameterSet, get_parameter_set
    from solvers.parameters import available_parameter_sets as discover

    discover()  # registers every bundled set's functions, so JSON naming them gets the exact function
    try:
        if "base" in data:
            base = get_parameter_set(str(data["base"]))
            changes = data.get("parameters", {})
            if not isinstance(changes, Mapping):
                raise SimulationError("'parameters' must be an object of PyBaMM-named values.")
            overrides = ParameterSet.from_json_dict({"parameters": dict(changes)}) if changes else {}
            return base.updated(dict(overrides), name=str(data.get("name", f"{base.name} (modified)")))
        ps = ParameterSet.from_json_dict(data)
    except KeyError as exc:
        raise SimulationError(f"Unknown base parameter set: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise SimulationError(f"Cannot read the parameter set: {exc}") from exc
    if ps.name == "custom" and default_name != "custom":
        ps = ps.updated({}, name=default_name)
    return ps


# --------------------------------------------------------------------------------------------------
# Drive cycles
# --------------------------------------------------------------------------------------------------

_TIME_COLUMNS = ("Test Time / s", "Time [s]", "time_s", "Time / s", "t [s]")
#: column -> (mode, sign turning it into the solver convention, positive = discharge)
_VALUE_COLUMNS: dict[str, tuple[str, float]] = {
    bdf.CURRENT: ("current", -1.0),  # BDF: positive = charge
    bdf.POWER: ("power", -1.0),
    "Current [A]": ("current", 1.0),  # PyBaMM: positive = discharge
    "Power [W]": ("power", 1.0),
    "current_discharge_A": ("current", 1.0),
    "power_discharge_W": ("power", 1.0),
}


def load_drive_cycle(source: str | Path) -> tuple[str, np.ndarray, np.ndarray]:
    """Read a current or power profile table.

    Parameters
    ----------
    source : str or Path
        A bundled drive cycle's name (see :func:`available_drive_cycles`) or a CSV file path. The table has
        a time column (``Test Time / s`` or ``Time [s]``) and one value column: ``Current / A`` or
        ``Power / W`` in the BDF convention (positive = charge), or ``Current [A]`` / ``Power [W]`` in
        PyBaMM's (positive = discharge). Lines starting with ``#`` are comments.

    Returns
    -------
    (mode, time_s, value)
        ``mode`` is ``"current"`` or ``"power"``; ``value`` is in the solver convention (positive =
        discharge) [A] or [W].
    """
    import pandas as pd

    path = Path(source)
    if not path.suffix:
        path = DRIVE_CYCLE_DIR / f"{source}.csv"
    if not path.is_file():
        raise SimulationError(
            f"No drive cycle {str(source)!r}; bundled ones: {', '.join(available_drive_cycles()) or 'none'}, "
            "or give a CSV path with a time column and a Current or Power column."
        )
    frame = pd.read_csv(path, comment="#")
    time_col = next((c for c in _TIME_COLUMNS if c in frame.columns), None)
    value_col = next((c for c in _VALUE_COLUMNS if c in frame.columns), None)
    if time_col is None or value_col is None:
        raise SimulationError(
            f"Drive cycle {path.name!r} has columns {list(frame.columns)}; it needs a time column "
            f"({' or '.join(_TIME_COLUMNS[:2])}) and one of {', '.join(_VALUE_COLUMNS)}."
        )
    mode, sign = _VALUE_COLUMNS[value_col]
    return mode, frame[time_col].to_numpy(dtype=float), sign * frame[value_col].to_numpy(dtype=float)


def available_drive_cycles() -> list[str]:
    """Names of the bundled drive cycles in ``data/drive_cycles``."""
    if not DRIVE_CYCLE_DIR.is_dir():
        return []
    return sorted(p.stem for p in DRIVE_CYCLE_DIR.glob("*.csv"))


class _DriveCycles(Mapping):
    """Bundled drive cycles plus caller-given ones, loaded only when an experiment names them."""

    def __init__(self, extra: Mapping[str, Any] | None):
        self._extra = dict(extra or {})
        self._cache: dict[str, tuple[str, np.ndarray, np.ndarray]] = {}

    def _names(self) -> list[str]:
        return sorted({*available_drive_cycles(), *self._extra})

    def __getitem__(self, name: str):
        if name not in self._cache:
            if name in self._extra:
                item = self._extra[name]
                self._cache[name] = load_drive_cycle(item) if isinstance(item, str | Path) else tuple(item)
            elif name in available_drive_cycles():
                self._cache[name] = load_drive_cycle(name)
            else:
                raise KeyError(name)
        return self._cache[name]

    def __contains__(self, name: object) -> bool:
        return name in self._extra or name in available_drive_cycles()

    def __iter__(self):
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


# --------------------------------------------------------------------------------------------------
# The simulation
# --------------------------------------------------------------------------------------------------

_THERMAL = ("isothermal", "lumped")
#: finite-volume domains: electrodes and separator along x, particle radii
MESH_KEYS = ("x_n", "x_s", "x_p", "r_n", "r_p")
_BACKENDS = ("numpy", "numba", "cupy")


@dataclass(frozen=True)
class _Options:
    initial_soc: float | None
    ambient_temperature_K: float | None
    thermal: str
    mesh: Mapping[str, int] | None
    backend: str
    rtol: float
    atol: float
    output_period_s: float | None

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "initial_soc": self.initial_soc,
            "ambient_temperature_K": self.ambient_temperature_K,
            "thermal": self.thermal,
            "mesh": dict(self.mesh) if self.mesh else None,
            "backend": self.backend,
            "rtol": self.rtol,
            "atol": self.atol,
            "output_period_s": self.output_period_s,
        }


def _check_options(
    initial_soc, ambient_temperature_K, thermal, mesh, backend, rtol, atol, output_period_s
) -> _Options:
    if initial_soc is not None:
        initial_soc = float(initial_soc)
        if not 0.0 <= initial_soc <= 1.0:
            raise SimulationError(
                f"initial_soc = {initial_soc} is outside [0, 1]; give a fraction, e.g. 0.8 for 80 %."
            )
    if ambient_temperature_K is not None:
        ambient_temperature_K = float(ambient_temperature_K)
        if not 150.0 <= ambient_temperature_K <= 500.0:
            raise SimulationError(
                f"ambient temperature {ambient_temperature_K} K is implausible; give kelvin (298.15 K = 25 degC)."
            )
    if thermal not in _THERMAL:
        raise SimulationError(f"thermal = {thermal!r}; choose one of {', '.join(_THERMAL)}.")
    if backend not in _BACKENDS:
        raise SimulationError(f"backend = {backend!r}; choose one of {', '.join(_BACKENDS)}.")
    if mesh is not None:
        if not isinstance(mesh, Mapping):
            raise SimulationError(
                "mesh must be a mapping such as {'x_n': 20, 'x_s': 20, 'x_p': 20, 'r_n': 20, 'r_p': 20}."
            )
        for key, n in mesh.items():
            if key not in MESH_KEYS:
                raise SimulationError(f"Unknown mesh domain {key!r}; use {', '.join(MESH_KEYS)}.")
            if int(n) != n or int(n) < 2:
                raise SimulationError(
                    f"mesh[{key!r}] = {n!r}; give an integer number of finite volumes >= 2."
                )
        mesh = {str(k): int(v) for k, v in mesh.items()}
    for label, tol in (("rtol", rtol), ("atol", atol)):
        if not (float(tol) > 0):
            raise SimulationError(f"{label} = {tol!r} must be positive.")
    if output_period_s is not None and not float(output_period_s) > 0:
        raise SimulationError(f"output_period_s = {output_period_s!r} must be positive.")
    return _Options(
        initial_soc,
        ambient_temperature_K,
        thermal,
        mesh,
        backend,
        float(rtol),
        float(atol),
        None if output_period_s is None else float(output_period_s),
    )


def _default_experiment(parameters) -> str:
    cutoff = parameters.get("Lower voltage cut-off [V]")
    if cutoff is None or callable(cutoff):
        raise SimulationError("No experiment given and the parameter set has no 'Lower voltage cut-off [V]'.")
    return f"Discharge at 1C until {float(cutoff):g} V"


#: default of ``VOLTVAULT_SIMULATION_MAX_OUTPUT_BYTES``: the most results a run may produce [B]
DEFAULT_MAX_OUTPUT_BYTES = 2 * 1024**3
_DEFAULT_MESH_CELLS = 20
_DAY_S = 24 * 3600.0


def max_output_bytes() -> int:
    """The most result bytes one run may produce (``VOLTVAULT_SIMULATION_MAX_OUTPUT_BYTES``, default 2 GiB)."""
    text = os.environ.get("VOLTVAULT_SIMULATION_MAX_OUTPUT_BYTES", "").strip()
    if not text:
        return DEFAULT_MAX_OUTPUT_BYTES
    try:
        value = int(float(text))
    except ValueError:
        raise SimulationError(
            f"VOLTVAULT_SIMULATION_MAX_OUTPUT_BYTES must be a number of bytes, got {text!r}"
        ) from None
    if value <= 0:
        raise SimulationError(f"VOLTVAULT_SIMULATION_MAX_OUTPUT_BYTES must be positive, got {text!r}")
    return value


def _check_output_size(steps: Sequence[Step], options: _Options) -> None:
    """Refuse, before solving, a protocol whose results certainly exceed :func:`max_output_bytes`."""
    if options.output_period_s is not None:
        period_s = options.output_period_s
    else:  # as the models choose it: about 1000 points over the planned time, 0.1-60 s apart
        planned_s = sum((s.duration_s or _DAY_S) for s in steps)
        period_s = float(np.clip(planned_s / 1000.0, 0.1, 60.0))
    mesh = {key: _DEFAULT_MESH_CELLS for key in MESH_KEYS} | dict(options.mesh or {})
    points = output_lower_bound(steps, period_s)
    need = points * floats_per_point(mesh) * 8
    limit = max_output_bytes()
    if need > limit:
        raise SimulationError(
            f"This experiment would produce at least {points:,} output points ({format_bytes(need)} of "
            f"results at one point every {period_s:g} s), more than the {format_bytes(limit)} a run may use; "
            "shorten the rests and holds, or raise the output period (output_period_s, or '(... period)' "
            "in the step)."
        )


def _nominal_capacity_Ah(parameters, experiment: Experiment) -> float:
    value = parameters.get("Nominal cell capacity [A.h]")
    if value is None or callable(value):
        return float("nan")  # Experiment.resolved names the step needing it, if any
    return float(value)


class Simulation:
    """One cell simulation: a model, a parameter set and an experiment.

    Parameters
    ----------
    model : str
        ``"spm"``, ``"spme"``, ``"dfn"`` (``"p2d"`` is an alias).
    parameter_set : str, Path, mapping or ParameterSet
        See :func:`resolve_parameter_set`.
    experiment : str, list, Step or Experiment, optional
        PyBaMM's experiment-string grammar, see :mod:`solvers.protocol`; default: a 1C discharge to the
        set's ``Lower voltage cut-off [V]``.
    initial_soc : float, optional
        Initial state of charge [0-1]; default: the set's initial concentrations.
    ambient_temperature_K : float, optional
        Default: the set's ``Ambient temperature [K]``.
    thermal : "isothermal" | "lumped"
    mesh : mapping, optional
        Finite volumes per domain, e.g. ``{"x_n": 20, "x_s": 20, "x_p": 20, "r_n": 20, "r_p": 20}``.
    backend : "numba" | "numpy" | "cupy"
    rtol, atol : float
        Time-integration tolerances (default 1e-4, 1e-6, as PyBaMM's IDAKLU; a failed run is retried
        once at 1e-6, 1e-8 by the solver).
    output_period_s : float, optional
        Output spacing [s] for steps that give no ``(... period)``.
    parameter_updates : mapping, optional
        PyBaMM-named values replacing those of the set (a new design: nothing recompiles).
    drive_cycles : mapping, optional
        Extra profiles for ``"Run <name>"``: name -> CSV path or (mode, time_s, value).

    Raises
    ------
    ProtocolError
        For a step that cannot be run, naming it (before any solving).
    SimulationError
        For any other bad input.
    """

    def __init__(
        self,
        model: str = "dfn",
        parameter_set: Any = "Chen2020",
        experiment: Any = None,
        *,
        initial_soc: float | None = None,
        ambient_temperature_K: float | None = None,
        thermal: str = "isothermal",
        mesh: Mapping[str, int] | None = None,
        backend: str = "numba",
        rtol: float = 1e-4,
        atol: float = 1e-6,
        output_period_s: float | None = None,
        parameter_updates: Mapping[str, Any] | None = None,
        drive_cycles: Mapping[str, Any] | None = None,
    ) -> None:
        self.model_name = _canonical_model_name(model)
        self.model = _get_model(self.model_name)
        parameters = resolve_parameter_set(parameter_set)
        if parameter_updates:
            parameters = parameters.updated(dict(parameter_updates))
        try:
            check_parameters(parameters)
        except ParameterError as exc:
            raise SimulationError(f"{exc} (parameter set {parameters.name!r})") from None
        self.parameters = parameters
        self.options = _check_options(
            initial_soc, ambient_temperature_K, thermal, mesh, backend, rtol, atol, output_period_s
        )
        spec = _default_experiment(parameters) if experiment is None else experiment
        parsed = parse_experiment(spec, drive_cycles=_DriveCycles(drive_cycles), period_s=output_period_s)
        self.experiment: Experiment = parsed.resolved(_nominal_capacity_Ah(parameters, parsed))
        _check_output_size(self.experiment.steps, self.options)

    @property
    def steps(self) -> list[Step]:
        """The resolved steps (amperes, solver convention: positive = discharge)."""
        return list(self.experiment.steps)

    def solve(self, progress: ProgressCallback | None = None) -> SolverResult:
        """Run the model. A solver failure returns a partial result whose ``termination`` says why.

        Parameters
        ----------
        progress : callable, optional
            Called with a fraction in [0, 1] (and optionally a message) as the solve advances.
        """
        try:
            result = self.model.solve(
                self.parameters, self.steps, progress=progress, **self.options.as_kwargs()
            )
        except Exception as exc:  # the models return failures; this is the last guard for callers
            result = _failure_result(self, exc)
        return checked_result(label_experiment(result, self.experiment, self.parameters.name, self.model_name))


def checked_result(result: SolverResult) -> SolverResult:
    """The one check of every finished run (:func:`solvers.validation.diagnose_result`): a run that
    stopped at its first point or left the physical voltage range comes back failed, with a diagnosis
    as its ``termination`` (the points it has are kept, for looking at, never as a normal result)."""
    experiment = result.info.get("experiment") or [""]
    diagnosis = diagnose_result(
        result.time_s,
        result.timeseries.get(bdf.VOLTAGE, np.zeros(0)),
        termination=result.termination,
        first_step=str(experiment[0]),
    )
    if diagnosis is None:
        return result
    info = dict(result.info)
    info["diagnosis"] = diagnosis
    info["solver_termination"] = result.termination
    return dataclasses.replace(result, termination=diagnosis, info=info)


def _failure_result(sim: Simulation, exc: Exception) -> SolverResult:
    """An empty result whose termination says what broke and what to try (no bare traceback)."""
    empty = np.zeros(0)
    if isinstance(exc, MemoryError):
        termination = (
            f"failure: the {sim.model_name.upper()} run ran out of memory; raise the output period "
            "(output_period_s), shorten the protocol or coarsen the mesh."
        )
    else:
        termination = (
            f"failure: the {sim.model_name.upper()} solver stopped with {type(exc).__name__}: {exc}. "
            "Try a smaller time step (output_period_s), tighter tolerances, a finer mesh, or the SPMe/SPM "
            "model; please report the case if it persists."
        )
    return SolverResult(
        time_s=empty,
        timeseries={
            bdf.TEST_TIME: empty,
            bdf.VOLTAGE: empty,
            bdf.CURRENT: empty,
            bdf.STEP: empty.astype(int),
        },
        termination=termination,
        info={"model": sim.model_name, "error": f"{type(exc).__name__}: {exc}"},
    )


def label_experiment(
    result: SolverResult, experiment: Experiment, parameter_set: str, model: str
) -> SolverResult:
    """Relabel ``Cycle Count / 1``, ``Step Count / 1`` and ``Step Index / 1`` to follow the experiment.

    The models number samples by the 0-based position of their step in the flat list they were given
    (in ``Step Count / 1``). Here that becomes: the cycle number of that step (``Cycle Count``, 1-based),
    the running count of executed steps (``Step Count``, 1-based, +1 at every step change) and the
    1-based position of the step inside its cycle (``Step Index``).
    """
    ts = {k: np.asarray(v) for k, v in result.timeseries.items()}
    n = len(np.asarray(result.time_s))
    if bdf.STEP in ts and n:
        position = np.asarray(ts[bdf.STEP], dtype=int)
        index0 = np.clip(position, 0, len(experiment.steps) - 1)
        cycle_of = np.asarray(experiment.cycle_of_step, dtype=int)
        in_cycle = np.asarray(experiment.index_in_cycle, dtype=int)
        ts[bdf.CYCLE] = cycle_of[index0]
        ts[bdf.STEP_INDEX] = in_cycle[index0]
        changes = np.concatenate([[0], np.cumsum(np.diff(index0) != 0)])
        ts[bdf.STEP] = (changes + 1).astype(int)
    info = dict(result.info)
    info.setdefault("model", model)
    info["parameter_set"] = parameter_set
    info["experiment"] = experiment.texts()
    return SolverResult(
        time_s=result.time_s,
        timeseries=ts,
        variables=dict(result.variables),
        mesh=dict(result.mesh),
        termination=result.termination,
        info=info,
    )


def solve_batch(
    model: str,
    parameter_sets: Sequence[Any],
    experiment: Any = None,
    *,
    progress: ProgressCallback | None = None,
    method: str | None = None,
    **options: Any,
) -> list[SolverResult]:
    """Solve many parameter variants of one model and protocol in one batched call (DOE sweeps).

    Parameters
    ----------
    model : str
    parameter_sets : sequence
        Each item as accepted by :func:`resolve_parameter_set` (a name, path, mapping or ParameterSet).
    experiment
        One protocol for all; C-rates resolve with each variant's nominal capacity.
    method : "threads" | "lockstep", optional
        How the variants are solved together (see :meth:`solvers.models.base.CellModel.solve_batch`):
        threads over the compiled stepper (default on the CPU), or every variant at once in array code
        (default for ``backend="cupy"``, a GPU; ``backend="numpy"`` runs the same code on the CPU).
    **options
        As for :class:`Simulation` (``initial_soc``, ``ambient_temperature_K``, ``mesh``, ``backend``, ...).

    Returns
    -------
    list of SolverResult
        In the order of ``parameter_sets``.
    """
    if not parameter_sets:
        return []
    sims = []
    for k, ps in enumerate(parameter_sets):
        try:
            sims.append(Simulation(model, ps, experiment, **options))
        except SimulationError as exc:  # name the design; a protocol error is the same for all of them
            label = getattr(ps, "name", None) or (ps.get("name") if isinstance(ps, Mapping) else None) or ps
            raise SimulationError(f"design {k} ({label}): {exc}") from None
    first = sims[0]
    same_steps = all(s.experiment.steps == first.experiment.steps for s in sims)
    kwargs = first.options.as_kwargs()
    lockstep = (method or ("lockstep" if kwargs["backend"] == "cupy" else "threads")) == "lockstep"
    if same_steps or lockstep:
        # the lockstep path takes each variant's own currents (C-rates resolved with its capacity)
        steps = [s.steps for s in sims] if lockstep and not same_steps else first.steps
        results = first.model.solve_batch(
            [s.parameters for s in sims], steps, progress=progress, method=method, **kwargs
        )
    else:  # C-rates resolved to different currents: group by identical resolved steps
        results = [None] * len(sims)
        groups: dict[tuple, list[int]] = {}
        for i, s in enumerate(sims):
            groups.setdefault(tuple(s.experiment.steps), []).append(i)
        for indices in groups.values():
            batch = first.model.solve_batch(
                [sims[i].parameters for i in indices], sims[indices[0]].steps, progress=None, method=method,
                **kwargs,
            )  # fmt: skip
            for i, r in zip(indices, batch, strict=True):
                results[i] = r
    return [
        checked_result(label_experiment(r, s.experiment, s.parameters.name, s.model_name))
        for r, s in zip(results, sims, strict=True)
    ]


# --------------------------------------------------------------------------------------------------
# Comparing and slicing results (used by the Simulation page, DOE and reports)
# --------------------------------------------------------------------------------------------------


def voltage_rmse_V(
    reference_time_s: np.ndarray,
    reference_voltage_V: np.ndarray,
    other_time_s: np.ndarray,
    other_voltage_V: np.ndarray,
) -> float:
    """Root-mean-square voltage difference [V] over the time both curves cover.

    ``other`` is interpolated linearly onto the reference times inside the common window; works for two
    simulations (SPM against DFN) and for a simulation against a measured BDF frame.
    """
    t_ref = np.asarray(reference_time_s, dtype=float)
    v_ref = np.asarray(reference_voltage_V, dtype=float)
    t_o = np.asarray(other_time_s, dtype=float)
    v_o = np.asarray(other_voltage_V, dtype=float)
    if t_ref.size < 2 or t_o.size < 2:
        return float("nan")
    lo, hi = max(t_ref[0], t_o[0]), min(t_ref[-1], t_o[-1])
    mask = (t_ref >= lo) & (t_ref <= hi) & np.isfinite(v_ref)
    if mask.sum() < 2:
        return float("nan")
    order = np.argsort(t_o, kind="stable")
    diff = np.interp(t_ref[mask], t_o[order], v_o[order]) - v_ref[mask]
    return float(np.sqrt(np.mean(diff**2)))


def rmse_matrix_V(results: Mapping[str, SolverResult]) -> dict[str, dict[str, float]]:
    """Pairwise voltage RMSE [V] between named results (``{a: {b: rmse}}``)."""
    names = list(results)
    out: dict[str, dict[str, float]] = {}
    for a in names:
        ra = results[a]
        out[a] = {
            b: 0.0
            if a == b
            else voltage_rmse_V(
                ra[bdf.TEST_TIME], ra[bdf.VOLTAGE], results[b][bdf.TEST_TIME], results[b][bdf.VOLTAGE]
            )
            for b in names
        }
    return out


#: domain of a spatial variable, by the start of its name -> mesh key of its points
_PROFILE_MESH = (
    ("Electrolyte", "x [m]"),
    ("Negative electrode", "x_n [m]"),
    ("Positive electrode", "x_p [m]"),
    ("Negative particle surface", "x_n [m]"),
    ("Positive particle surface", "x_p [m]"),
    ("Negative particle concentration", "r_n [m]"),
    ("Positive particle concentration", "r_p [m]"),
)


def profile_variables(result: SolverResult) -> list[str]:
    """Names of the spatial variables of a result that :func:`spatial_profile` can slice."""
    names = []
    for name, value in result.variables.items():
        arr = np.asarray(value)
        if arr.ndim >= 2 and _profile_mesh_key(result, name, arr) is not None:
            names.append(name)
    return names


def _profile_mesh_key(result: SolverResult, name: str, arr: np.ndarray) -> str | None:
    for prefix, key in _PROFILE_MESH:
        if (
            name.startswith(prefix)
            and key in result.mesh
            and np.asarray(result.mesh[key]).size == arr.shape[-1]
        ):
            return key
    return None


def spatial_profile(result: SolverResult, name: str, time_s: float, *, x_index: int | None = None):
    """A spatial variable at one time, with its node positions.

    Parameters
    ----------
    result : SolverResult
    name : str
        E.g. ``"Electrolyte concentration [mol.m-3]"`` (across the sandwich, x measured from the negative
        current collector) or ``"Negative particle concentration [mol.m-3]"`` (against the radius).
    time_s : float
        The nearest output time is used [s].
    x_index : int, optional
        For particle concentrations (t, x, r): which particle along x; default the one nearest the separator.

    Returns
    -------
    (positions_m, values, time_s) : arrays and the time actually used [s]
    """
    arr = np.asarray(result[name])
    key = _profile_mesh_key(result, name, arr)
    if key is None:
        raise KeyError(
            f"{name!r} is not a spatial variable of this result; choose one of {profile_variables(result)}"
        )
    t = np.asarray(result.time_s)
    k = int(np.argmin(np.abs(t - float(time_s))))
    values = arr[k]
    if values.ndim == 2:  # (x, r): one particle
        if x_index is None:
            x_index = values.shape[0] - 1 if name.startswith("Negative") else 0
        values = values[int(x_index)]
    return np.asarray(result.mesh[key]), np.asarray(values), float(t[k])


def measured_segment(frame, cycle: int | None = None):
    """A measured BDF frame ready to overlay a simulation: one cycle, time and capacities from zero.

    Parameters
    ----------
    frame : pandas.DataFrame
        A BDF time series (``Test Time / s``, ``Voltage / V``, ...).
    cycle : int, optional
        Keep only this ``Cycle Count / 1``; None keeps everything.

    Returns
    -------
    pandas.DataFrame
        A copy with ``Test Time / s`` starting at 0 and the charging/discharging capacities (and energies)
        counted from the start of the segment.
    """
    out = frame
    if cycle is not None:
        if bdf.CYCLE not in frame.columns:
            raise SimulationError(f"The dataset has no {bdf.CYCLE!r} column to select cycle {cycle} from.")
        out = frame[frame[bdf.CYCLE] == cycle]
        if out.empty:
            raise SimulationError(
                f"The dataset has no cycle {cycle}; it has {sorted(frame[bdf.CYCLE].unique())[:10]}."
            )
    out = out.copy()
    for column in (
        bdf.TEST_TIME,
        bdf.CHARGING_CAPACITY,
        bdf.DISCHARGING_CAPACITY,
        bdf.CHARGING_ENERGY,
        bdf.DISCHARGING_ENERGY,
    ):
        if column in out.columns and len(out):
            out[column] = out[column] - out[column].iloc[0]
    return out.reset_index(drop=True)
