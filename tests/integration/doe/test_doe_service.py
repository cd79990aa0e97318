"""DOE studies in the database (SQLite and PostgreSQL) on the real process pool: progress, resume, roles."""

from __future__ import annotations

import numpy as np
import pytest

from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import DOEChunk, DOEStudy
from voltvault_core.doe import service as doe
from voltvault_core.doe.execute import run_study
from voltvault_core.jobs import ProcessPoolJobRunner

SPEC = {"model": "python:voltvault_core.doe.testfunctions:ishigami_failing",
        "inputs": {"x1": [-3.2, 3.5], "x2": [-3.14159, 3.14159], "x3": [-3.14159, 3.14159]},
        "method": "sobol", "samples": 64, "replicates": 4, "seed": 5, "outputs": ["y"]}


def _wait(engine, actor, study_id, runner, timeout_s=120.0):
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with session_scope(engine) as s:
            progress = doe.refresh_study(s, s.merge(actor), study_id, runner)
            if progress["completed"] + progress["failed_chunks_runs"] == progress["total"]:
                return progress
        time.sleep(0.2)
    raise AssertionError("study did not finish")


def test_study_on_pool_matches_local_and_resumes(engine, users):
    local = run_study(SPEC)
    with session_scope(engine) as s:
        study_id = doe.create_study(s, s.merge(users["editor"]), users["project_id"], spec=SPEC, chunk_runs=100).id
    with session_scope(engine) as s:
        n_chunks = len(s.exec(__import__("sqlmodel").select(DOEChunk).where(DOEChunk.study_id == study_id)).all())
        assert n_chunks == 4  # 320 runs in chunks of 100
        # a viewer sees progress but cannot start the study
        with pytest.raises(PermissionDenied):
            doe.submit_study(s, s.merge(users["viewer"]), study_id, None)
    runner = ProcessPoolJobRunner(engine, workers=1)
    try:
        with session_scope(engine) as s:
            first = doe.submit_study(s, s.merge(users["editor"]), study_id, runner)
        assert len(first) == 4
        _wait(engine, users["editor"], study_id, runner)
    finally:
        runner.shutdown(wait=False)
    # "restart": forget one chunk's outputs, as if the app died before collecting it; a new runner resumes
    with session_scope(engine) as s:
        chunk = s.exec(__import__("sqlmodel").select(DOEChunk).where(DOEChunk.study_id == study_id,
                                                                     DOEChunk.index == 2)).one()
        chunk.artifact_id, chunk.status = None, "queued"
        s.get(DOEStudy, study_id).status = "running"
    runner = ProcessPoolJobRunner(engine, workers=1)
    try:
        with session_scope(engine) as s:
            again = doe.submit_study(s, s.merge(users["editor"]), study_id, runner)
        assert len(again) == 1  # only the chunk without stored outputs
        progress = _wait(engine, users["editor"], study_id, runner)
    finally:
        runner.shutdown(wait=False)
    assert local.failed, "the spec must hold failing designs"
    assert progress["completed"] == 320
    assert progress["failed"] == len(local.failed)
    with session_scope(engine) as s:
        result = doe.load_result(s, s.merge(users["viewer"]), study_id)
        row = s.get(DOEStudy, study_id)
        assert row.status == "completed"
        assert row.results_summary["result"]["indices"]["y"]["treatment"] == local.sobol.treatment[0]
        assert "base points left out" in local.sobol.treatment[0]
    np.testing.assert_allclose(result.sobol.S1, local.sobol.S1, rtol=0, atol=1e-12)
    assert set(result.failed) == set(local.failed)
