"""Batch reports as one job: a report per run of a DOE study (or any list of runs), zipped.

The worker opens the database itself (nothing large is pickled to it) and returns the zip bytes, which the
job runner keeps as the job's result::

    job_id = submit_batch_reports(session, user, project_id, runner=get_job_runner(), study_id=3)
    data = collect_batch_reports(runner, job_id)          # bytes of reports.zip once done
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import Session

from voltvault_core.auth.permissions import NotFound, require_role
from voltvault_core.db.models import DOEStudy, Simulation, User

JOB_FUNCTION = "voltvault_core.reports.jobs:batch_report_job"
JOB_KIND = "report-batch"
MAX_RUNS = 2000


class BatchReportError(ValueError):
    """A batch of reports cannot be made as asked."""


def study_simulation_ids(session: Session, actor: User | None, study_id: int) -> list[int]:
    """The runs of a DOE study (viewer or higher)."""
    study = session.get(DOEStudy, study_id)
    if study is None:
        raise NotFound(f"DOE study {study_id} does not exist")
    require_role(session, actor, study.project_id, "viewer")
    return [int(i) for i in study.simulation_ids or []]


def batch_report_job(*, database_url: str, user_id: int | None, project_id: int, simulation_ids: Sequence[int],
                     fmt: str = "pdf", progress: Callable[..., None]) -> dict[str, Any]:
    """Worker: one report per completed run, in one zip with an ``index.json``."""
    from voltvault_core.db.engine import create_db_engine, session_scope
    from voltvault_core.reports.cli import render
    from voltvault_core.reports.service import build_report

    engine = create_db_engine(database_url)
    index, buffer = [], io.BytesIO()
    try:
        with session_scope(engine) as session, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            actor = session.get(User, user_id) if user_id is not None else None
            ids = [int(i) for i in simulation_ids]
            for k, sim_id in enumerate(ids):
                progress(k / max(len(ids), 1), f"report {k + 1} of {len(ids)}")
                row = session.get(Simulation, sim_id)
                if row is None or row.project_id != project_id or row.status != "completed":
                    index.append({"simulation_id": sim_id, "skipped": "not a completed run of this project"})
                    continue
                report = build_report(session, actor, project_id, template="simulation-results",
                                      simulation_ids=[sim_id])
                name = f"run-{sim_id}.{fmt}"
                zf.writestr(name, render(report, f".{fmt}"))
                index.append({"simulation_id": sim_id, "name": row.name, "file": name,
                              "sources": [s.ref for s in report.sources]})
            zf.writestr("index.json", json.dumps(index, indent=1))
    finally:
        engine.dispose()
    progress(1.0, "done")
    return {"artifact": buffer.getvalue(), "reports": sum(1 for i in index if "file" in i), "index": index}


def submit_batch_reports(session: Session, actor: User | None, project_id: int, *, runner,
                         study_id: int | None = None, simulation_ids: Sequence[int] | None = None,
                         fmt: str = "pdf") -> int:
    """Queue the reports of a study's runs (or of ``simulation_ids``) as one job; viewer or higher."""
    require_role(session, actor, project_id, "viewer")
    if fmt not in ("pdf", "pptx"):
        raise BatchReportError(f"format must be pdf or pptx, got {fmt!r}")
    if study_id is not None:
        ids = study_simulation_ids(session, actor, study_id)
    elif simulation_ids is not None:
        ids = [int(i) for i in simulation_ids]
    else:
        raise BatchReportError("give a DOE study or a list of runs")
    if not ids:
        raise BatchReportError("there are no runs to report on")
    if len(ids) > MAX_RUNS:
        raise BatchReportError(f"{len(ids)} runs; a batch takes at most {MAX_RUNS}")
    url = session.get_bind().url.render_as_string(hide_password=False)
    return runner.submit(JOB_FUNCTION, {"database_url": url, "user_id": actor.id if actor else None,
                                        "project_id": project_id, "simulation_ids": ids, "fmt": fmt},
                         kind=JOB_KIND, project_id=project_id, user_id=actor.id if actor else None,
                         timeout_s=60.0 + 30.0 * len(ids))
