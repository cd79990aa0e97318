"""DOE studies in the database: create, run on the job pool (or Dask), follow, resume, load.

A study is a :class:`~voltvault_core.db.models.DOEStudy` row (spec in ``sweep_parameters``, progress and
indices in ``results_summary``) plus one :class:`~voltvault_core.db.models.DOEChunk` per range of runs.
Each chunk runs as one job (``voltvault_core.doe.jobs:run_chunk``); when it completes its outputs are
stored as an NPZ artifact on the chunk row. Nothing waits in memory: :func:`refresh_study` collects what
has finished and is safe to call from any process at any time (a page reload, another app process), and
:func:`submit_study` (re)submits every chunk without stored outputs whose job is not alive, so a study
survives an app restart. Progress counts runs: completed, running, queued, failed.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
from sqlmodel import Session, select

from voltvault_core.auth.permissions import NotFound, require_role, write_service
from voltvault_core.db.artifacts import get_artifact_bytes, put_artifact
from voltvault_core.db.models import DOEChunk, DOEStudy, User, utcnow
from voltvault_core.doe.evaluate import RunResults
from voltvault_core.doe.execute import StudyResult, analyse, chunk_ranges
from voltvault_core.doe.sampling import Design, sample
from voltvault_core.doe.study import DOEError, StudySpec, load_spec
from voltvault_core.projects import audit
from voltvault_core.simulation.service import SIMULATION_MEMORY_BYTES, SIMULATION_TIMEOUT_S

__all__ = ["create_study", "list_studies", "load_result", "refresh_study", "study_progress", "submit_study"]

#: python: models a study stored in the database may use (the page and service never import user modules)
ALLOWED_PYTHON_MODULES = ("voltvault_core.doe.testfunctions",)


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def _load_npz(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _study(session: Session, actor: User | None, study_id: int, minimum: str) -> DOEStudy:
    row = session.get(DOEStudy, study_id)
    if row is None:
        raise NotFound(f"no DOE study {study_id}")
    require_role(session, actor, row.project_id, minimum)
    return row


def _chunks(session: Session, study_id: int) -> list[DOEChunk]:
    return list(session.exec(select(DOEChunk).where(DOEChunk.study_id == study_id).order_by(DOEChunk.index)).all())


@write_service("editor")
def create_study(session: Session, actor: User, project_id: int, *, spec: StudySpec | dict | str,
                 chunk_runs: int | None = None) -> DOEStudy:
    """Check and sample ``spec``, store the design and one queued chunk per ``chunk_runs`` runs."""
    spec = spec if isinstance(spec, StudySpec) else load_spec(spec)
    if spec.is_python_model and spec.model.split(":")[1] not in ALLOWED_PYTHON_MODULES:
        raise DOEError(f"a stored study may use python: models from {ALLOWED_PYTHON_MODULES} only "
                       "(the CLI runs any module)")
    design = sample(spec)
    chunk = chunk_runs or (design.n_runs if spec.is_python_model else spec.batch_size)
    art = put_artifact(session, _npz(unit=design.unit, values=design.values), media_type="application/x-npz",
                       filename="doe-design.npz")
    summary = {
        "design_artifact_id": art.id, "design_info": _json_safe(design.info),
        "rejections": [{"constraint": r.constraint, "reason": r.reason} for r in design.rejections[:500]],
        "n_rejected": len(design.rejections),
    }
    row = DOEStudy(project_id=project_id, name=spec.name, sweep_parameters=spec.to_dict(),
                   sampling_method=spec.method, objective_metrics=list(spec.outputs), status="queued",
                   total_runs=design.n_runs, completed_runs=0, results_summary=summary, created_by=actor.id)
    session.add(row)
    session.flush()
    for k, (lo, hi) in enumerate(chunk_ranges(design.n_runs, chunk)):
        session.add(DOEChunk(study_id=row.id, index=k, run_lo=lo, run_hi=hi))
    audit(session, actor, "doe.create", project_id=project_id, target_type="doestudy", target_id=row.id,
          details={"runs": design.n_runs, "method": spec.method})
    session.flush()
    return row


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _design(session: Session, row: DOEStudy) -> tuple[StudySpec, Design]:
    spec = load_spec(row.sweep_parameters)
    arrays = _load_npz(get_artifact_bytes(session, row.results_summary["design_artifact_id"]))
    info = dict(row.results_summary.get("design_info") or {})
    return spec, Design(spec.method, spec.names, arrays["unit"], arrays["values"], info, [])


@write_service("editor", project_arg=None)
def submit_study(session: Session, actor: User, study_id: int, runner) -> list[int]:
    """Submit every chunk that has no stored outputs and no live job; returns the new job ids."""
    from voltvault_core.jobs import JobNotFound

    row = _study(session, actor, study_id, "editor")
    spec, design = _design(session, row)
    spec_json = spec.to_json()
    new = []
    for chunk in _chunks(session, study_id):
        if chunk.artifact_id is not None:
            continue
        if chunk.job_id is not None:
            try:
                if not runner.status(chunk.job_id).done:
                    continue  # still queued or running
            except JobNotFound:
                pass
        job_id = runner.submit("voltvault_core.doe.jobs:run_chunk",
                               {"spec_json": spec_json, "values": design.values[chunk.run_lo:chunk.run_hi].tolist(),
                                "run_offset": chunk.run_lo},
                               kind="doe-chunk", project_id=row.project_id, user_id=actor.id,
                               timeout_s=SIMULATION_TIMEOUT_S, memory_limit_bytes=SIMULATION_MEMORY_BYTES)
        chunk.job_id, chunk.status, chunk.error, chunk.updated_at = job_id, "queued", None, utcnow()
        session.add(chunk)
        new.append(job_id)
    if new:
        row.status = "running"
        session.add(row)
    audit(session, actor, "doe.submit", project_id=row.project_id, target_type="doestudy", target_id=study_id,
          jobs=len(new))
    session.flush()
    return new


def refresh_study(session: Session, actor: User | None, study_id: int, runner) -> dict[str, int]:
    """Collect finished chunks (store their outputs), analyse when all are in; returns the progress.

    Viewers may call it (a page reload shows progress): it only records what the study's own jobs
    produced, never changes what the study is.
    """
    from voltvault_core.jobs import JobNotFound

    row = _study(session, actor, study_id, "viewer")
    for chunk in _chunks(session, study_id):
        if chunk.artifact_id is not None or chunk.job_id is None:
            continue
        try:
            status = runner.status(chunk.job_id)
        except JobNotFound:
            chunk.status = "queued"
            chunk.job_id = None
            session.add(chunk)
            continue
        if not status.done:
            chunk.status = "running" if status.status == "running" else "queued"
        elif status.status == "completed":
            got = runner.result(chunk.job_id, timeout=5)
            values = np.asarray(got["values"], dtype=float).reshape(chunk.run_hi - chunk.run_lo, -1)
            art = put_artifact(session, _npz(values=values, columns=np.array(got["columns"]),
                                             failures=np.array(json.dumps(got["failures"]))),
                               media_type="application/x-npz", filename=f"doe-{study_id}-chunk{chunk.index}.npz")
            chunk.artifact_id, chunk.status, chunk.n_failed = art.id, "completed", len(got["failures"])
        else:
            chunk.status, chunk.error = "failed", status.error or str(status.status)
        chunk.updated_at = utcnow()
        session.add(chunk)
    session.flush()
    progress = study_progress(session, actor, study_id)
    row.completed_runs = progress["completed"]
    summary = dict(row.results_summary or {})
    summary["progress"] = progress
    if progress["completed"] + progress["failed_chunks_runs"] == row.total_runs and row.status != "completed":
        result = load_result(session, actor, study_id)
        summary["result"] = _json_safe(result.summary_json())
        row.status = "completed"
    row.results_summary = summary
    session.add(row)
    session.flush()
    return progress


def study_progress(session: Session, actor: User | None, study_id: int) -> dict[str, int]:
    """Runs completed, running, queued and failed (failed: runs with no outputs, in completed chunks or
    in chunks whose job failed)."""
    row = _study(session, actor, study_id, "viewer")
    out = {"total": row.total_runs, "completed": 0, "running": 0, "queued": 0, "failed": 0, "failed_chunks_runs": 0}
    for chunk in _chunks(session, study_id):
        n = chunk.run_hi - chunk.run_lo
        if chunk.status == "completed":
            out["completed"] += n
            out["failed"] += chunk.n_failed
        elif chunk.status == "failed":
            out["failed"] += n
            out["failed_chunks_runs"] += n
        elif chunk.status == "running":
            out["running"] += n
        else:
            out["queued"] += n
    return out


def load_result(session: Session, actor: User | None, study_id: int) -> StudyResult:
    """The study's runs so far and, when every run is in, its indices (failed chunks count as failed runs)."""
    row = _study(session, actor, study_id, "viewer")
    spec, design = _design(session, row)
    columns: list[str] | None = None
    parts, failures = {}, {}
    for chunk in _chunks(session, study_id):
        if chunk.artifact_id is None:
            if chunk.status == "failed":
                for i in range(chunk.run_lo, chunk.run_hi):
                    failures[i] = f"chunk job failed: {chunk.error}"
            continue
        z = _load_npz(get_artifact_bytes(session, chunk.artifact_id))
        columns = [str(c) for c in z["columns"]]
        parts[chunk.run_lo] = z["values"]
        failures.update({int(k): v for k, v in json.loads(str(z["failures"])).items()})
    if columns is None:
        raise DOEError(f"study {study_id} has no completed runs yet")
    values = np.full((design.n_runs, len(columns)), np.nan)
    for lo, part in parts.items():
        values[lo : lo + part.shape[0]] = part
    missing = [i for i in range(design.n_runs) if not np.any(np.isfinite(values[i])) and i not in failures]
    runs = RunResults(columns, values, failures)
    result = StudyResult(spec, design, runs, executor="jobs")
    if not missing:
        result.sobol, result.morris = analyse(spec, design, runs)
    else:
        result.notes.append(f"{len(missing)} runs not in yet; indices come when the study completes")
    return result


def list_studies(session: Session, actor: User | None, project_id: int) -> list[DOEStudy]:
    require_role(session, actor, project_id, "viewer")
    return list(session.exec(select(DOEStudy).where(DOEStudy.project_id == project_id)
                             .order_by(DOEStudy.id.desc())).all())


def store_completed_study(session: Session, project_id: int, result: StudyResult,
                          created_by: int | None = None) -> DOEStudy:
    """Store a study already run in this process (the demo seeder), as one completed chunk.

    No role check: for trusted callers that create content themselves (the demo project's seeder).
    """
    design, spec = result.design, result.spec
    art = put_artifact(session, _npz(unit=design.unit, values=design.values), media_type="application/x-npz",
                       filename="doe-design.npz")
    summary = {"design_artifact_id": art.id, "design_info": _json_safe(design.info),
               "rejections": [{"constraint": r.constraint, "reason": r.reason} for r in design.rejections[:500]],
               "n_rejected": len(design.rejections), "result": _json_safe(result.summary_json()),
               "progress": {"total": design.n_runs, "completed": design.n_runs, "running": 0, "queued": 0,
                            "failed": len(result.failed), "failed_chunks_runs": 0}}
    row = DOEStudy(project_id=project_id, name=spec.name, sweep_parameters=spec.to_dict(), sampling_method=spec.method,
                   objective_metrics=list(spec.outputs), status="completed", total_runs=design.n_runs,
                   completed_runs=design.n_runs, results_summary=summary, created_by=created_by)
    session.add(row)
    session.flush()
    out = put_artifact(session, _npz(values=result.runs.values, columns=np.array(result.runs.columns),
                                     failures=np.array(json.dumps({str(k): v for k, v in result.failed.items()}))),
                       media_type="application/x-npz", filename=f"doe-{row.id}-chunk0.npz")
    session.add(DOEChunk(study_id=row.id, index=0, run_lo=0, run_hi=design.n_runs, status="completed",
                         artifact_id=out.id, n_failed=len(result.failed)))
    session.flush()
    return row
