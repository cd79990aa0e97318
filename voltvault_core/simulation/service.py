"""Saved simulations: runs recorded as ``Simulation`` rows with their inputs and a result artifact.

A run is described by plain, JSON-serialisable **inputs** (what re-runs it exactly)::

    {"model": "dfn", "parameter_set": "Chen2020" | {PyBaMM-named JSON}, "experiment": ["..."],
     "options": {"initial_soc": ..., "ambient_temperature_K": ..., "thermal": ..., "mesh": {...}},
     "parameter_updates": {key: value},
     "electrode_grading": {"negative": {...}, "positive": {...}}}   # optional, see below

``electrode_grading`` (absent in runs saved before it existed, and for uniform electrodes) describes
graded electrodes in the user's terms, one entry per graded electrode::

    {"kind": "layers", "layers": [{"thickness_m": ..., "porosity": ..., "active_fraction": ...,
                                   "particle_radius_m": ...}, ...]}      # current collector -> separator
    {"kind": "linear", "porosity_at_separator": ..., "porosity_at_current_collector": ...}

It is applied after ``parameter_updates`` (negative electrode first, so a positive electrode's layers are
placed behind the final negative electrode and separator) by :func:`apply_electrode_grading`, through
:func:`solvers.parameters.layers.layered_electrode` and :func:`~solvers.parameters.layers.graded_porosity`.
The DFN resolves the grading along x; the SPM and SPMe use x-averaged values.

Two ways to run, both checked against the caller's project role (editor or higher) in the core:

* :func:`submit_simulation` queues the run on the job runner, with memory and time limits
  (:data:`SIMULATION_MEMORY_BYTES`, :data:`SIMULATION_TIMEOUT_S`). The worker side stores the result
  (the NPZ) as the job's artifact with the run's summary on the job row; nothing waits in app memory
  and no page has to collect it. The run's status, progress, error, summary and result are **derived
  from its Job** whenever a run is read (:func:`get_simulation`, :func:`list_simulations`): a job
  reaped after its app died makes the run ``failed`` with the reason; a completed job whose run failed
  the result check (:func:`voltvault_core.simulation.checked_result`) makes it ``failed`` with the
  diagnosis. Pages show that progress and read the result once it is there; they never block.
* :func:`run_simulation` solves in this process and saves at once (scripts, tests, small runs); its row
  holds its own status.

Inputs are validated (every protocol step parsed, the grading applied) before anything is stored: a bad
step raises :class:`~solvers.protocol.ProtocolError`, a bad grading
:class:`~solvers.parameters.layers.LayerError`, and leaves no row behind. The result artifact is the NPZ export
of the whole :class:`~solvers.result.SolverResult` (time series, profiles, mesh, termination, info).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlmodel import Session, select

from solvers import bdf
from solvers.export import result_from_bytes, result_to_bytes
from solvers.parameters.layers import LayerError, graded_porosity, layered_electrode, values_on_cells
from solvers.result import SolverResult
from voltvault_core.auth.permissions import NotFound, require_role, write_service
from voltvault_core.db.artifacts import get_artifact_bytes, put_artifact
from voltvault_core.db.models import CellDesign, CyclingDataset, Job, Simulation, User
from voltvault_core.simulation import Simulation as SimulationRun
from voltvault_core.simulation import resolve_parameter_set

__all__ = [
    "JOB_FUNCTION",
    "LayerError",
    "SimulationServiceError",
    "apply_electrode_grading",
    "check_electrode_grading",
    "collect_simulation",
    "describe_electrode_grading",
    "design_parameter_set",
    "get_simulation",
    "grading_profiles",
    "list_cell_designs",
    "list_cycling_datasets",
    "list_simulations",
    "load_measured_frame",
    "load_result",
    "make_inputs",
    "run_simulation",
    "run_simulation_job",
    "submit_simulation",
    "summarise",
]

#: the job-runner function of a queued simulation
JOB_FUNCTION = "voltvault_core.simulation.service:run_simulation_job"
RESULT_FORMAT = "npz"
RESULT_MEDIA_TYPE = "application/x-npz"
#: wall-time limit of a simulation job [s] (``VOLTVAULT_SIMULATION_TIMEOUT_S``)
SIMULATION_TIMEOUT_S = float(os.environ.get("VOLTVAULT_SIMULATION_TIMEOUT_S", 3600.0))
#: address-space limit of a simulation job's worker [B] (``VOLTVAULT_SIMULATION_MEMORY_BYTES``), as imports
SIMULATION_MEMORY_BYTES = int(float(os.environ.get("VOLTVAULT_SIMULATION_MEMORY_BYTES", 8 * 1024**3)))
#: run states, as derived from the job (``failed`` also for a completed job whose run failed its checks)
FINISHED_STATES = ("completed", "failed", "cancelled")
_OPTION_KEYS = (
    "initial_soc",
    "ambient_temperature_K",
    "thermal",
    "mesh",
    "backend",
    "rtol",
    "atol",
    "output_period_s",
)


class SimulationServiceError(RuntimeError):
    """A saved simulation cannot be found, collected or read (the message says why and what to do)."""


def _now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------


_ELECTRODES = ("negative", "positive")
_LAYER_FIELDS = ("thickness_m", "porosity", "active_fraction", "particle_radius_m")
_GRADING_KINDS = ("uniform", "linear", "layers")


def _grading_number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise LayerError(f"{where} must be a number, got {value!r}")
    if not np.isfinite(value):
        raise LayerError(f"{where} must be a finite number, got {value!r}")
    return float(value)


def check_electrode_grading(grading: Mapping[str, Any] | None) -> dict[str, Any]:
    """Normalise an ``electrode_grading`` document (see the module docstring) and check its form.

    Uniform electrodes are dropped, so a fully uniform cell gives ``{}``. The values themselves
    (porosity in (0, 1), porosity + active fraction <= 1, ...) are checked when the grading is applied
    to a parameter set (:func:`apply_electrode_grading`).

    Raises
    ------
    LayerError
        Naming the electrode, the layer and the entry that is wrong.
    """
    if grading is None:
        return {}
    if not isinstance(grading, Mapping):
        raise LayerError(
            f"electrode_grading must be a mapping of 'negative'/'positive' entries, got {grading!r}"
        )
    unknown = sorted(set(map(str, grading)) - set(_ELECTRODES))
    if unknown:
        raise LayerError(
            f"electrode_grading: unknown electrode(s) {unknown}; use 'negative' and/or 'positive'"
        )
    out: dict[str, Any] = {}
    for electrode in _ELECTRODES:
        entry = grading.get(electrode)
        if entry is None:
            continue
        where = f"electrode_grading of the {electrode} electrode"
        if not isinstance(entry, Mapping):
            raise LayerError(f"{where} must be a mapping with a 'kind', got {entry!r}")
        kind = entry.get("kind", "uniform")
        if kind not in _GRADING_KINDS:
            raise LayerError(f"{where}: unknown kind {kind!r}; use one of {', '.join(_GRADING_KINDS)}")
        if kind == "uniform":
            continue
        if kind == "linear":
            out[electrode] = {
                "kind": "linear",
                **{
                    side: _grading_number(entry.get(side), f"{where}: {side}")
                    for side in ("porosity_at_separator", "porosity_at_current_collector")
                },
            }
            continue
        layers = entry.get("layers")
        if not isinstance(layers, Sequence) or isinstance(layers, str) or not layers:
            raise LayerError(f"{where}: 'layers' must be a non-empty list of layers, got {layers!r}")
        checked = []
        for k, layer in enumerate(layers, start=1):
            at = f"layer {k} of the {electrode} electrode"
            if not isinstance(layer, Mapping):
                raise LayerError(f"{at} must be a mapping of {', '.join(_LAYER_FIELDS)}, got {layer!r}")
            missing = [f for f in _LAYER_FIELDS if f not in layer]
            extra = sorted(set(map(str, layer)) - set(_LAYER_FIELDS))
            if missing or extra:
                raise LayerError(
                    f"{at}: expected exactly {', '.join(_LAYER_FIELDS)}"
                    + (f"; missing {missing}" if missing else "")
                    + (f"; unknown {extra}" if extra else "")
                )
            checked.append({f: _grading_number(layer[f], f"{at}: {f}") for f in _LAYER_FIELDS})
        out[electrode] = {"kind": "layers", "layers": checked}
    return out


def apply_electrode_grading(parameters, grading: Mapping[str, Any] | None):
    """``parameters`` (a :class:`~solvers.parameters.ParameterSet`) with the graded electrodes applied.

    The negative electrode is graded first, so positive layers are placed behind its final thickness.

    Raises
    ------
    LayerError
        For a grading that cannot describe a porous electrode, naming the electrode, layer and value.
    """
    grading = check_electrode_grading(grading)
    for electrode in _ELECTRODES:
        entry = grading.get(electrode)
        if entry is None:
            continue
        if entry["kind"] == "layers":
            parameters = layered_electrode(parameters, electrode, entry["layers"])
        else:
            parameters = graded_porosity(
                parameters,
                electrode,
                at_separator=entry["porosity_at_separator"],
                at_current_collector=entry["porosity_at_current_collector"],
            )
    return parameters


def describe_electrode_grading(grading: Mapping[str, Any] | None) -> str:
    """One line per graded electrode, in the units of the page (µm), for run lists and input views."""
    grading = check_electrode_grading(grading)
    if not grading:
        return "uniform electrodes"
    lines = []
    for electrode, entry in grading.items():
        if entry["kind"] == "linear":
            lines.append(
                f"{electrode}: porosity {entry['porosity_at_current_collector']:g} at the current collector "
                f"→ {entry['porosity_at_separator']:g} at the separator"
            )
        else:
            layers = "; ".join(
                f"{1e6 * layer['thickness_m']:.4g} µm, ε {layer['porosity']:g}, "
                f"ε_s {layer['active_fraction']:g}, R {1e6 * layer['particle_radius_m']:.4g} µm"
                for layer in entry["layers"]
            )
            lines.append(f"{electrode}: {len(entry['layers'])} layers from the current collector ({layers})")
    return "\n".join(lines)


def grading_profiles(parameters, n_cells: int = 60) -> dict[str, dict[str, np.ndarray]]:
    """Porosity and particle radius across the sandwich, for a preview plot.

    Returns
    -------
    dict
        ``{"negative" | "separator" | "positive": {"x_um": ..., "porosity": ..., "particle_radius_um": ...}}``
        at the centres of ``n_cells`` equal cells of each domain (x from the negative current collector;
        the separator has no particles, its radius is NaN).
    """
    L_n = float(parameters["Negative electrode thickness [m]"])
    L_s = float(parameters["Separator thickness [m]"])
    L_p = float(parameters["Positive electrode thickness [m]"])
    out = {}
    for domain, x0, width, prefix in (
        ("negative", 0.0, L_n, "Negative electrode"),
        ("separator", L_n, L_s, "Separator"),
        ("positive", L_n + L_s, L_p, "Positive electrode"),
    ):
        x_um = 1e6 * (x0 + (np.arange(n_cells) + 0.5) * (width / n_cells))
        radius_key = f"{domain.capitalize()} particle radius [m]"
        out[domain] = {
            "x_um": x_um,
            "porosity": values_on_cells(parameters, f"{prefix} porosity", n_cells),
            "particle_radius_um": (
                1e6 * values_on_cells(parameters, radius_key, n_cells)
                if domain != "separator"
                else np.full(n_cells, np.nan)
            ),
        }
    return out


def make_inputs(
    model: str,
    parameter_set: str | Mapping[str, Any],
    experiment: str | Sequence[str],
    *,
    options: Mapping[str, Any] | None = None,
    parameter_updates: Mapping[str, float] | None = None,
    electrode_grading: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Normalise a run's inputs into the JSON document stored on the ``Simulation`` row.

    Parameters
    ----------
    model : str
        ``spm``, ``spme``, ``dfn`` or ``p2d``.
    parameter_set : str or mapping
        A bundled set's name or a PyBaMM-named JSON dict (e.g. a CellDesign's ``parameter_set``).
    experiment : str or list of str
        PyBaMM's experiment-string grammar.
    options : mapping, optional
        Keyword options of :class:`voltvault_core.simulation.Simulation` (``initial_soc``, ...).
    parameter_updates : mapping, optional
        Numeric PyBaMM-named values replacing the set's (cut-offs, thicknesses, ...).
    electrode_grading : mapping, optional
        Graded or layered electrodes (see the module docstring); stored only if some electrode is
        not uniform. Its form is checked here (:func:`check_electrode_grading`), its values when the
        run is built.
    """
    if not isinstance(parameter_set, str | Mapping):
        raise TypeError("parameter_set must be a set name or a JSON dict of PyBaMM-named values")
    experiment_list = [experiment] if isinstance(experiment, str) else [str(s) for s in experiment]
    opts = {k: v for k, v in dict(options or {}).items() if v is not None}
    unknown = set(opts) - set(_OPTION_KEYS)
    if unknown:
        raise ValueError(f"Unknown simulation option(s) {sorted(unknown)}; use {', '.join(_OPTION_KEYS)}.")
    updates = {str(k): float(v) for k, v in dict(parameter_updates or {}).items()}
    inputs = {
        "model": str(model).lower(),
        "parameter_set": parameter_set if isinstance(parameter_set, str) else dict(parameter_set),
        "experiment": experiment_list,
        "options": opts,
        "parameter_updates": updates,
    }
    grading = check_electrode_grading(electrode_grading)
    if grading:
        inputs["electrode_grading"] = grading
    return inputs


def _simulation_from_inputs(inputs: Mapping[str, Any]) -> SimulationRun:
    """Build (and so validate) the run an inputs document describes."""
    parameter_set, updates = inputs["parameter_set"], inputs.get("parameter_updates") or None
    grading = check_electrode_grading(inputs.get("electrode_grading"))
    if grading:  # grade the final cell: the thicknesses after the updates place the layers
        parameter_set = resolve_parameter_set(parameter_set)
        if updates:
            parameter_set = parameter_set.updated(dict(updates))
        parameter_set, updates = apply_electrode_grading(parameter_set, grading), None
    return SimulationRun(
        inputs["model"],
        parameter_set,
        inputs["experiment"],
        parameter_updates=updates,
        **dict(inputs.get("options") or {}),
    )


def summarise(result: SolverResult) -> dict[str, Any]:
    """The numbers shown in run lists: capacities, end voltage, energy, duration, cycles."""
    ts = result.timeseries
    t = np.asarray(ts[bdf.TEST_TIME], dtype=float)
    v = np.asarray(ts[bdf.VOLTAGE], dtype=float)
    i_discharge = -np.asarray(ts[bdf.CURRENT], dtype=float)  # solver sign: + = discharge
    out: dict[str, Any] = {"n_points": int(t.size), "termination": result.termination}
    if t.size:
        out["duration_s"] = float(t[-1] - t[0])
        out["end_voltage_V"] = float(v[-1])
        out["min_voltage_V"] = float(np.min(v))
        out["max_voltage_V"] = float(np.max(v))
        p = v * i_discharge
        if t.size > 1:
            dt = np.diff(t)
            pm = 0.5 * (p[1:] + p[:-1])
            out["discharge_energy_Wh"] = float(np.sum(np.clip(pm, 0, None) * dt) / 3600.0)
            out["charge_energy_Wh"] = float(np.sum(np.clip(-pm, 0, None) * dt) / 3600.0)
    for label, key in (
        (bdf.DISCHARGING_CAPACITY, "discharge_capacity_Ah"),
        (bdf.CHARGING_CAPACITY, "charge_capacity_Ah"),
    ):
        if label in ts and len(ts[label]):
            out[key] = float(np.asarray(ts[label])[-1])
    if bdf.CYCLE in ts and len(ts[bdf.CYCLE]):
        out["cycles"] = int(np.max(ts[bdf.CYCLE]))
    for key in ("wall_time_s", "n_states", "backend"):
        if key in result.info:
            value = result.info[key]
            out[key] = value if isinstance(value, str) else float(value)
    return out


# --------------------------------------------------------------------------------------------------
# The job function (runs in a worker process: no database there)
# --------------------------------------------------------------------------------------------------


def _json_safe(value: Any) -> Any:
    """Summary numbers as JSON allows them (NaN and infinities become None)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def run_simulation_job(*, inputs: dict[str, Any], progress: Callable[..., None]):
    """Solve one run in a worker; return the NPZ of its result with the run's summary as the job's meta.

    Returns
    -------
    voltvault_core.jobs.results.JobOutput
        ``data``: the NPZ export of the :class:`SolverResult`; ``meta``: ``summary``, ``termination``,
        ``failed`` (the run failed, or failed the result check: its termination is the diagnosis),
        ``runtime_s`` and ``parameter_set_name``. The worker side stores it on the job's row.
    """
    from voltvault_core.jobs.results import JobOutput

    progress(0.0, "preparing")
    sim = _simulation_from_inputs(inputs)
    start = time.perf_counter()
    result = sim.solve(progress=lambda f, message=None: progress(min(0.99, float(f)), message or "solving"))
    runtime = time.perf_counter() - start
    progress(1.0, "exporting")
    return JobOutput(
        data=result_to_bytes(result, RESULT_FORMAT),
        media_type=RESULT_MEDIA_TYPE,
        filename=f"simulation.{RESULT_FORMAT}",
        meta={
            "summary": _json_safe(summarise(result)),
            "termination": result.termination,
            "failed": bool(result.failed),
            "runtime_s": float(runtime),
            "parameter_set_name": sim.parameters.name,
        },
    )


# --------------------------------------------------------------------------------------------------
# Write services
# --------------------------------------------------------------------------------------------------


def _check_design(session: Session, project_id: int, cell_design_id: int) -> None:
    design = session.get(CellDesign, cell_design_id)
    if design is None or design.project_id != project_id:
        raise NotFound(f"cell design {cell_design_id} is not in project {project_id}")


def _new_row(
    session: Session,
    actor: User | None,
    project_id: int,
    inputs: dict,
    name: str,
    cell_design_id: int | None,
    sim,
) -> Simulation:
    if cell_design_id is not None:
        _check_design(session, project_id, cell_design_id)
    row = Simulation(
        project_id=project_id,
        cell_design_id=cell_design_id,
        name=name
        or f"{sim.model_name.upper()} · {sim.parameters.name} · {'; '.join(inputs['experiment'])[:60]}",
        model_type=sim.model_name,
        parameter_set_name=sim.parameters.name,
        inputs=inputs,
        operating_conditions={"experiment": inputs["experiment"], **inputs.get("options", {})},
        solver_config={
            k: inputs["options"][k] for k in ("mesh", "backend", "rtol", "atol") if k in inputs["options"]
        },
        status="queued",
        created_by=actor.id if actor is not None else None,
    )
    session.add(row)
    session.flush()
    return row


def _store_outcome(session: Session, row: Simulation, output) -> Simulation:
    """Save an in-process run's :class:`~voltvault_core.jobs.results.JobOutput` on its own row."""
    meta = output.meta
    artifact = put_artifact(
        session, output.data, media_type=RESULT_MEDIA_TYPE, filename=f"simulation-{row.id}.{RESULT_FORMAT}"
    )
    row.result_artifact_id = artifact.id
    row.summary = dict(meta["summary"])
    row.termination = meta["termination"]
    row.status = "failed" if meta["failed"] else "completed"
    row.error = meta["termination"] if meta["failed"] else None
    row.progress = 1.0
    row.runtime_seconds = float(meta["runtime_s"])
    row.completed_at = _now()
    session.add(row)
    session.flush()
    return row


@write_service("editor")
def run_simulation(
    session: Session,
    actor: User | None,
    project_id: int,
    *,
    inputs: Mapping[str, Any],
    name: str = "",
    cell_design_id: int | None = None,
    progress: Callable[..., None] | None = None,
) -> Simulation:
    """Solve a run in this process and save it (row + result artifact) in the caller's transaction.

    Raises
    ------
    PermissionDenied
        Unless the actor is editor or owner of the project.
    ProtocolError, SimulationError
        For inputs that cannot run (before anything is stored).
    """
    inputs = dict(inputs)
    sim = _simulation_from_inputs(inputs)
    row = _new_row(session, actor, project_id, inputs, name, cell_design_id, sim)
    row.status, row.started_at = "running", _now()
    outcome = run_simulation_job(inputs=inputs, progress=progress or (lambda *a, **k: None))
    return _store_outcome(session, row, outcome)


@write_service("editor")
def submit_simulation(
    session: Session,
    actor: User | None,
    project_id: int,
    *,
    inputs: Mapping[str, Any],
    runner,
    name: str = "",
    cell_design_id: int | None = None,
) -> Simulation:
    """Validate the inputs, queue the solve on ``runner`` (with the simulation memory and time limits)
    and record a ``Simulation`` row linked to the job.

    The worker side stores the result on the job; :func:`get_simulation` shows where the run stands
    (derived from its job) and :func:`load_result` reads it once completed. Nothing needs collecting.
    """
    inputs = dict(inputs)
    sim = _simulation_from_inputs(inputs)
    if cell_design_id is not None:
        _check_design(session, project_id, cell_design_id)
    # queue first: the runner records its Job row in its own transaction, before this session writes
    # (on SQLite a write here would hold the database until the caller commits)
    job_id = runner.submit(
        JOB_FUNCTION,
        {"inputs": inputs},
        kind="simulation",
        project_id=project_id,
        user_id=actor.id if actor is not None else None,
        timeout_s=SIMULATION_TIMEOUT_S,
        memory_limit_bytes=SIMULATION_MEMORY_BYTES,
    )
    row = _new_row(session, actor, project_id, inputs, name, cell_design_id, sim)
    row.job_id = job_id
    session.add(row)
    session.flush()
    return row


def collect_simulation(
    session: Session, actor: User | None, simulation_id: int, *, runner=None, timeout_s: float = 0.0
) -> Simulation:
    """Where a run stands (viewer or higher), waiting at most ``timeout_s`` [s] for it to finish.

    Kept for callers written before results were stored by the worker side: nothing is collected any
    more (``runner`` is ignored); this re-reads the run, derived from its job, until it has finished
    or ``timeout_s`` has passed. Pages use :func:`get_simulation` and never wait.
    """
    deadline_s = time.monotonic() + max(0.0, float(timeout_s))
    while True:
        view = get_simulation(session, actor, simulation_id)
        if view.status in FINISHED_STATES or time.monotonic() >= deadline_s:
            return view
        time.sleep(0.2)
        session.expire_all()


# --------------------------------------------------------------------------------------------------
# Read services (viewer or higher)
# --------------------------------------------------------------------------------------------------


def _derived(row: Simulation, job: Job | None) -> Simulation:
    """A detached copy of ``row`` whose status, progress, error, result and summary come from its job.

    A run without a job (:func:`run_simulation`) is returned as stored. The copy is a read view: do
    not add it to a session.
    """
    if row.job_id is None:
        return row
    view = Simulation(**row.model_dump())
    if job is None:
        view.status, view.error = "failed", f"the job {row.job_id} of this run no longer exists; run it again"
        return view
    status, error = job.status, job.error
    expires = job.lease_expires_at
    if status in ("queued", "running") and expires is not None and expires < _now():
        # its owner stopped renewing the lease: the next reaper fails the job with the same reason
        status = "failed"
        error = (
            "abandoned: the process holding this run's job stopped renewing its lease (it was killed, "
            "crashed or lost its database connection); run it again"
        )
    meta = dict(job.result_meta or {})
    view.progress = float(job.progress or 0.0)
    view.started_at = job.started_at
    view.result_artifact_id = job.result_artifact_id
    if status == "completed":
        view.summary = meta.get("summary")
        view.termination = meta.get("termination")
        view.runtime_seconds = meta.get("runtime_s")
        view.completed_at = job.finished_at
        if meta.get("failed"):
            view.status, view.error = "failed", meta.get("termination")
        else:
            view.status, view.error = "completed", None
        return view
    view.status = status
    if status == "failed":
        view.error = f"the solver job failed: {error}" if error else "the solver job failed"
        view.completed_at = job.finished_at
    elif status == "cancelled":
        view.error = "the run was cancelled" + (f" ({error})" if error else "")
        view.completed_at = job.finished_at
    return view


def _derive_all(session: Session, rows: Sequence[Simulation]) -> list[Simulation]:
    job_ids = [r.job_id for r in rows if r.job_id is not None]
    jobs = {}
    if job_ids:
        jobs = {j.id: j for j in session.exec(select(Job).where(Job.id.in_(job_ids)))}  # type: ignore[union-attr]
    return [_derived(r, jobs.get(r.job_id)) for r in rows]


def list_simulations(session: Session, actor: User | None, project_id: int) -> list[Simulation]:
    """The project's saved runs, newest first, each as it stands (derived from its job)."""
    require_role(session, actor, project_id, "viewer")
    rows = session.exec(select(Simulation).where(Simulation.project_id == project_id)).all()
    rows = sorted(rows, key=lambda r: (r.created_at, r.id or 0), reverse=True)
    return _derive_all(session, rows)


def _row_for_reading(session: Session, actor: User | None, simulation_id: int) -> Simulation:
    row = session.get(Simulation, simulation_id)
    if row is None:
        raise NotFound(f"simulation {simulation_id} does not exist")
    require_role(session, actor, row.project_id, "viewer")
    return row


def get_simulation(session: Session, actor: User | None, simulation_id: int) -> Simulation:
    """One run as it stands (viewer or higher): status, progress, error, summary derived from its job."""
    row = _row_for_reading(session, actor, simulation_id)
    return _derive_all(session, [row])[0]


def load_result(session: Session, actor: User | None, simulation_id: int) -> SolverResult:
    """The stored :class:`SolverResult` of a finished run (completed, or failed with a partial result)."""
    view = get_simulation(session, actor, simulation_id)
    if view.result_artifact_id is None:
        raise SimulationServiceError(f"run {simulation_id} has no result yet (status: {view.status}).")
    return result_from_bytes(get_artifact_bytes(session, view.result_artifact_id), RESULT_FORMAT)


def list_cell_designs(session: Session, actor: User | None, project_id: int) -> list[CellDesign]:
    """The project's saved cell designs that carry a solver parameter set."""
    require_role(session, actor, project_id, "viewer")
    rows = session.exec(select(CellDesign).where(CellDesign.project_id == project_id)).all()
    return [r for r in rows if r.parameter_set]


def design_parameter_set(session: Session, actor: User | None, cell_design_id: int) -> dict[str, Any]:
    """The PyBaMM-named parameter-set JSON of a saved cell design (input to a run)."""
    design = session.get(CellDesign, cell_design_id)
    if design is None:
        raise NotFound(f"cell design {cell_design_id} does not exist")
    require_role(session, actor, design.project_id, "viewer")
    if not design.parameter_set:
        raise SimulationServiceError(
            f"cell design {design.name!r} has no parameter set yet; save it from the Cell Designer first."
        )
    data = dict(design.parameter_set)
    data.setdefault("name", design.name)
    return data


def list_cycling_datasets(session: Session, actor: User | None, project_id: int) -> list[CyclingDataset]:
    """The project's parsed cycling datasets (their BDF frames can overlay a simulation)."""
    require_role(session, actor, project_id, "viewer")
    rows = session.exec(select(CyclingDataset).where(CyclingDataset.project_id == project_id)).all()
    return [r for r in rows if r.timeseries_artifact_id is not None]


def load_measured_frame(session: Session, actor: User | None, dataset_id: int):
    """A cycling dataset's BDF time series (pandas DataFrame), read through the cycling service's role check."""
    from voltvault_core.cycling.service import load_frame

    dataset = session.get(CyclingDataset, dataset_id)
    if dataset is None:
        raise NotFound(f"cycling dataset {dataset_id} does not exist")
    if dataset.timeseries_artifact_id is None:
        raise SimulationServiceError(f"dataset {dataset.name!r} has no parsed time series yet.")
    frame = load_frame(session, actor, dataset_id)
    missing = [c for c in bdf.REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise SimulationServiceError(f"dataset {dataset.name!r} lacks the BDF column(s) {missing}.")
    return frame
