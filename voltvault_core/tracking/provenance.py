"""Provenance of runs: what a simulation, an import or a fit ran on, recorded once and never changed.

A record (:class:`~voltvault_core.db.models.RunProvenance`, one per run) holds

* ``input_sha256``: SHA-256 of the canonical JSON of the run's inputs (model, parameter set, protocol,
  options, updates, grading), the document that re-runs it;
* ``parameter_set_sha256``: SHA-256 of the *resolved* parameter set the solver saw
  (:meth:`solvers.parameters.ParameterSet.to_json_dict`, functions tabulated), so two runs of "Chen2020"
  from different code versions are told apart if the set changed;
* ``input_data_sha256``: the measured or raw data the run read (imports and fits), ``""`` for simulations;
* ``result_sha256``: the result artifact;
* ``record``: all of it in one JSON document, with the solver settings (model, mesh, backend, rtol, atol,
  output period), the seeds (simulations are deterministic: none), the package version and source
  revision (``git rev-parse HEAD``, ``+dirty`` for uncommitted changes, or ``VOLTVAULT_SOURCE_REVISION``
  for installs without a checkout), start and end times and who ran it; ``record_sha256`` is its hash.

Records are written by the database itself: ORM events on ``Simulation`` (when a run reaches
``completed`` or ``failed`` with a result), ``CyclingDataset`` and ``EISFit`` (when inserted) call the
functions here inside the same transaction, whichever service wrote the row. The ORM refuses to update or
delete a record, and a finished run's inputs and result cannot be changed (:class:`ProvenanceError`).

:func:`reproduce_simulation` re-runs a simulation from its record and compares the voltage with the
stored one: "reproduced" means the largest difference is within the solver tolerance
(:func:`voltage_tolerance_V`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session

from voltvault_core.db.models import (
    Artifact,
    CyclingDataset,
    EISFit,
    EISMeasurement,
    Job,
    RunProvenance,
    Simulation,
    User,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
RECORD_VERSION = 1
#: fields of a finished simulation that its provenance vouches for
FROZEN_SIMULATION_FIELDS = ("inputs", "result_artifact_id", "summary", "model_type", "termination")


class ProvenanceError(RuntimeError):
    """A provenance record is missing, was changed, or a run it vouches for would be changed."""


# --------------------------------------------------------------------------------------------------
# Hashes and versions
# --------------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: equal documents give equal text (and hashes)."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def sha256_json(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


@functools.cache
def package_version() -> str:
    """The installed VoltVault version (``pyproject.toml``'s when run from a checkout)."""
    pyproject = REPO_ROOT / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        try:
            return str(tomllib.loads(pyproject.read_text())["project"]["version"])
        except (KeyError, tomllib.TOMLDecodeError):
            pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("voltvault")
    except PackageNotFoundError:
        return "unknown"


@functools.cache
def source_revision() -> str:
    """The git commit of the running code (``+dirty`` when it has uncommitted changes).

    ``VOLTVAULT_SOURCE_REVISION`` wins (an install without a checkout, a container built from a commit);
    ``"unknown"`` when neither is available.
    """
    env = os.environ.get("VOLTVAULT_SOURCE_REVISION", "").strip()
    if env:
        return env
    try:
        head = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "") if head else "unknown"


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _username(connection, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return connection.execute(select(User.username).where(User.id == user_id)).scalar_one_or_none()


def _artifact_sha(connection, artifact_id: int | None) -> str:
    if artifact_id is None:
        return ""
    return connection.execute(select(Artifact.sha256).where(Artifact.id == artifact_id)).scalar_one_or_none() or ""


def _exists(connection, target_type: str, target_id: int) -> bool:
    """Whether a run has its record (simulations are never deleted, so their ids are never reused)."""
    query = select(RunProvenance.id).where(RunProvenance.target_type == target_type,
                                           RunProvenance.target_id == target_id)
    return connection.execute(query).first() is not None


def _insert(connection, *, project_id, target_type, target_id, record: dict, input_sha256: str,
            parameter_set_sha256: str = "", input_data_sha256: str = "", result_sha256: str = "",
            started_at=None, finished_at=None, created_by=None) -> None:
    record = _plain({**record, "record_version": RECORD_VERSION, "target_type": target_type,
                     "target_id": target_id, "package_version": package_version(),
                     "source_revision": source_revision(), "input_sha256": input_sha256,
                     "parameter_set_sha256": parameter_set_sha256, "input_data_sha256": input_data_sha256,
                     "result_sha256": result_sha256})
    connection.execute(insert(RunProvenance.__table__).values(
        project_id=project_id, target_type=target_type, target_id=target_id, input_sha256=input_sha256,
        parameter_set_sha256=parameter_set_sha256, input_data_sha256=input_data_sha256,
        result_sha256=result_sha256, record=record, record_sha256=sha256_json(record),
        package_version=package_version(), source_revision=source_revision(), started_at=started_at,
        finished_at=finished_at, created_by=created_by, created_at=datetime.now(UTC)))


# --------------------------------------------------------------------------------------------------
# Simulations
# --------------------------------------------------------------------------------------------------


def resolved_parameter_document(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The parameter set a run's solver sees (updates and grading applied), as JSON."""
    from voltvault_core.simulation.service import _simulation_from_inputs

    return _simulation_from_inputs(inputs).parameters.to_json_dict()


def solver_settings(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Model and every solver option, the defaults filled in (so a record does not depend on them)."""
    from voltvault_core.simulation.service import _simulation_from_inputs

    sim = _simulation_from_inputs(inputs)
    return {"model": sim.model_name, **sim.options.as_kwargs()}


def simulation_record(connection, row: Simulation) -> dict[str, Any]:
    """The record of a finished ``Simulation`` row (reads the job and artifact rows on ``connection``)."""
    inputs = dict(row.inputs or {})
    started, finished = row.started_at, row.completed_at
    if row.job_id is not None:  # the job's own times are when the worker really ran it
        job = connection.execute(select(Job.started_at, Job.finished_at).where(Job.id == row.job_id)).first()
        if job is not None:
            started, finished = job.started_at or started, job.finished_at or finished
    try:
        parameters = resolved_parameter_document(inputs)
        settings = solver_settings(inputs)
    except Exception as exc:  # a record is still written, saying why the set could not be resolved
        parameters, settings = {"error": f"{type(exc).__name__}: {exc}"}, {"error": str(exc)}
    return {
        "kind": "simulation",
        "name": row.name,
        "inputs": inputs,
        "parameter_set_name": row.parameter_set_name,
        "solver_settings": settings,
        "seeds": {},
        "deterministic": True,
        "status": row.status,
        "termination": row.termination,
        "runtime_s": row.runtime_seconds,
        "started_at": _iso(started),
        "finished_at": _iso(finished),
        "created_by": row.created_by,
        "created_by_username": _username(connection, row.created_by),
        "job_id": row.job_id,
        "_parameters": parameters,
    }


def _write_simulation(connection, row: Simulation) -> None:
    record = simulation_record(connection, row)
    parameters = record.pop("_parameters")
    _insert(connection, project_id=row.project_id, target_type="simulation", target_id=row.id, record=record,
            input_sha256=sha256_json(record["inputs"]), parameter_set_sha256=sha256_json(parameters),
            result_sha256=_artifact_sha(connection, row.result_artifact_id),
            started_at=row.started_at, finished_at=row.completed_at, created_by=row.created_by)


def on_simulation_update(connection, row: Simulation) -> None:
    """ORM hook (``before_update`` of ``Simulation``): record a run as it finishes; guard finished runs."""
    state = sa_inspect(row)
    status_history = state.attrs.status.history
    was = status_history.deleted[0] if status_history.deleted else row.status
    if was in ("completed", "failed") and _exists(connection, "simulation", row.id):
        changed = [f for f in FROZEN_SIMULATION_FIELDS if state.attrs[f].history.has_changes()]
        if changed:
            raise ProvenanceError(
                f"simulation {row.id} is finished and its provenance is recorded: {', '.join(changed)} "
                "cannot change. Run it again as a new simulation instead."
            )
        return
    if row.status in ("completed", "failed") and row.result_artifact_id is not None:
        if not _exists(connection, "simulation", row.id):
            _write_simulation(connection, row)


def on_simulation_insert(connection, row: Simulation) -> None:
    """ORM hook (``after_insert``): a run stored already finished (an imported bundle) is recorded too."""
    if row.status in ("completed", "failed") and row.result_artifact_id is not None:
        _write_simulation(connection, row)


# --------------------------------------------------------------------------------------------------
# Imports and fits (cheap: what was read and how)
# --------------------------------------------------------------------------------------------------


def on_dataset_insert(connection, row: CyclingDataset) -> None:
    """ORM hook (``after_insert`` of ``CyclingDataset``): an import's raw file and parser."""
    inputs = {"filename": row.name, "cycler_type": row.cycler_type, "source_format": row.source_format,
              "nominal_capacity_Ah": row.nominal_capacity_Ah}
    record = {"kind": "import", "inputs": inputs, "seeds": {}, "deterministic": True,
              "n_rows": row.n_rows, "started_at": _iso(row.uploaded_at), "finished_at": _iso(row.uploaded_at),
              "created_by": row.created_by, "created_by_username": _username(connection, row.created_by)}
    _insert(connection, project_id=row.project_id, target_type="cycling_dataset", target_id=row.id,
            record=record, input_sha256=sha256_json(inputs),
            input_data_sha256=_artifact_sha(connection, row.raw_artifact_id),
            result_sha256=_artifact_sha(connection, row.timeseries_artifact_id),
            started_at=row.uploaded_at, finished_at=row.uploaded_at, created_by=row.created_by)


def on_fit_insert(connection, row: EISFit) -> None:
    """ORM hook (``after_insert`` of ``EISFit``): the spectrum fitted, the circuit and the algorithm."""
    measurement = connection.execute(
        select(EISMeasurement.project_id, EISMeasurement.spectrum_artifact_id)
        .where(EISMeasurement.id == row.measurement_id)).first()
    inputs = {"measurement_id": row.measurement_id, "circuit": row.circuit, "algorithm": row.algorithm}
    record = {"kind": "fit", "inputs": inputs, "seeds": {}, "fit_quality": row.fit_quality,
              "fitted_parameters": row.fitted_parameters, "started_at": _iso(row.created_at),
              "finished_at": _iso(row.created_at), "created_by": row.created_by,
              "created_by_username": _username(connection, row.created_by)}
    _insert(connection, project_id=measurement.project_id if measurement else None, target_type="eis_fit",
            target_id=row.id, record=record, input_sha256=sha256_json(inputs),
            input_data_sha256=_artifact_sha(connection, measurement.spectrum_artifact_id if measurement else None),
            result_sha256=sha256_json(row.fitted_parameters or []), started_at=row.created_at,
            finished_at=row.created_at, created_by=row.created_by)


def refuse_change(_mapper, _connection, row: RunProvenance) -> None:
    """ORM hook: provenance records are written once."""
    raise ProvenanceError(f"provenance record {row.id} is immutable: it cannot be changed or deleted")


# --------------------------------------------------------------------------------------------------
# Reading and checking
# --------------------------------------------------------------------------------------------------


def get_provenance(session: Session, actor: User | None, target_type: str, target_id: int) -> RunProvenance:
    """The record of one run (viewer or higher of its project).

    Raises
    ------
    ProvenanceError
        If the run has no record (it never finished, or it ran before provenance was recorded).
    """
    from voltvault_core.auth.permissions import require_role

    row = session.scalars(select(RunProvenance).where(RunProvenance.target_type == target_type,
                                                      RunProvenance.target_id == target_id)
                          .order_by(RunProvenance.id.desc())).first()
    if row is None:
        raise ProvenanceError(f"{target_type} {target_id} has no provenance record (it has not finished, or it "
                              "was stored before VoltVault recorded provenance)")
    if row.project_id is not None:
        require_role(session, actor, row.project_id, "viewer")
    return row


def verify_record(row: RunProvenance) -> list[str]:
    """Problems with a record: ``[]`` when its hash and columns agree with its document."""
    problems = []
    record = row.record or {}
    if sha256_json(record) != row.record_sha256:
        problems.append("the record does not match its SHA-256 (it was changed after it was written)")
    for column in ("input_sha256", "parameter_set_sha256", "input_data_sha256", "result_sha256",
                   "package_version", "source_revision"):
        if record.get(column, "") != getattr(row, column):
            problems.append(f"{column} of the row differs from the record")
    if row.target_type == "simulation" and sha256_json(record.get("inputs", {})) != row.input_sha256:
        problems.append("the recorded inputs do not match input_sha256")
    return problems


def voltage_tolerance_V(settings: Mapping[str, Any], voltage_V: np.ndarray) -> float:
    r"""The largest voltage difference accepted as "the same result" for a re-run [V].

    .. math:: \delta V = 10\,(\mathrm{atol} + \mathrm{rtol}\,\max|V|)

    ten times the solver's local error bound: the step-size control keeps each step's error within
    ``atol + rtol |V|`` and the global error of a discharge stays within a few of those.
    """
    rtol = float(settings.get("rtol") or 1e-4)
    atol = float(settings.get("atol") or 1e-6)
    vmax = float(np.max(np.abs(voltage_V))) if np.size(voltage_V) else 0.0
    return 10.0 * (atol + rtol * vmax)


@dataclass(frozen=True)
class Reproduction:
    """The outcome of re-running a run from its record."""

    simulation_id: int
    reproduced: bool
    max_abs_voltage_difference_V: float
    tolerance_V: float
    n_points: int
    same_termination: bool
    rerun_wall_s: float
    recorded_revision: str
    current_revision: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compare_voltage(t_ref, v_ref, t_new, v_new, step_ref=None, step_new=None) -> tuple[float, int]:
    """Largest |ΔV| between two runs [V] over the time both cover, and the number of points compared.

    Identical time grids compare point by point. Otherwise the new run is interpolated onto the stored
    times one protocol step at a time (``step_ref``/``step_new``, the ``Step Count / 1`` columns): at a step
    change the time repeats while the voltage jumps (the IR drop of a current change), and interpolating
    across it would mistake the jump for a difference.
    """
    t_ref, v_ref = np.asarray(t_ref, float), np.asarray(v_ref, float)
    t_new, v_new = np.asarray(t_new, float), np.asarray(v_new, float)
    if t_ref.size == 0 or t_new.size == 0:
        return math.inf, 0
    if t_ref.shape == t_new.shape and np.allclose(t_ref, t_new, rtol=1e-9, atol=1e-9):
        return float(np.max(np.abs(v_new - v_ref))), int(t_ref.size)
    if step_ref is None or step_new is None:
        step_ref, step_new = np.zeros(t_ref.size), np.zeros(t_new.size)
    step_ref, step_new = np.asarray(step_ref), np.asarray(step_new)
    worst, n = 0.0, 0
    for step in np.unique(step_ref):
        ref, new = step_ref == step, step_new == step
        if new.sum() < 2:
            continue
        tr, vr, tn, vn = t_ref[ref], v_ref[ref], t_new[new], v_new[new]
        inside = (tr >= tn[0]) & (tr <= tn[-1])
        if inside.any():
            worst = max(worst, float(np.max(np.abs(np.interp(tr[inside], tn, vn) - vr[inside]))))
            n += int(inside.sum())
    return (worst, n) if n else (math.inf, 0)


def reproduce_simulation(session: Session, actor: User | None, simulation_id: int) -> Reproduction:
    """Re-run a simulation from its provenance record and compare its voltage with the stored result.

    Nothing is written. Viewer or higher of the run's project.
    """
    from solvers import bdf
    from voltvault_core.simulation.service import _simulation_from_inputs, load_result

    record_row = get_provenance(session, actor, "simulation", simulation_id)
    problems = verify_record(record_row)
    if problems:
        raise ProvenanceError(f"provenance of simulation {simulation_id} cannot be trusted: {'; '.join(problems)}")
    stored = load_result(session, actor, simulation_id)
    record = record_row.record
    start = time.perf_counter()
    rerun = _simulation_from_inputs(record["inputs"]).solve()
    wall = time.perf_counter() - start
    v_ref = np.asarray(stored.timeseries[bdf.VOLTAGE], float)
    dv, n = compare_voltage(stored.timeseries[bdf.TEST_TIME], v_ref, rerun.timeseries[bdf.TEST_TIME],
                            rerun.timeseries[bdf.VOLTAGE], stored.timeseries.get(bdf.STEP),
                            rerun.timeseries.get(bdf.STEP))
    tol = voltage_tolerance_V(record.get("solver_settings") or {}, v_ref)
    same_end = rerun.termination == stored.termination
    ok = bool(n > 0 and dv <= tol and same_end)
    message = (f"Reproduced: re-running from the provenance record gives the stored voltage within "
               f"{dv * 1e3:.3g} mV (tolerance {tol * 1e3:.3g} mV) over {n} points."
               if ok else
               f"Not reproduced: the re-run differs by {dv * 1e3:.3g} mV (tolerance {tol * 1e3:.3g} mV)"
               + ("" if same_end else f"; it ended with {rerun.termination!r}, not {stored.termination!r}") + ".")
    return Reproduction(simulation_id, ok, dv, tol, n, same_end, wall, record_row.source_revision,
                        source_revision(), message)
