"""Persistence: one-transaction imports (nothing stored on failure), role checks in the core,
explorer queries from SQL rows, column mappings per lab, exports of stored datasets, the import job."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from sqlmodel import func, select

from voltvault_core import bdf
from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.cycling import CyclingFormatError, MetadataError, read_cycling_bytes, service
from voltvault_core.cycling.export import to_csv_bytes
from voltvault_core.cycling.metrics import compute_cycle_metrics
from voltvault_core.cycling.synthetic import synthetic_cycling_frame
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import Artifact, CycleMetric, CyclingDataset

PRIMARY = {
    "cell_identifier": "CELL-A1",
    "chemistry": "NMC811/graphite",
    "nominal_capacity_Ah": 2.0,
    "instrument": "synthetic",
    "owner": "lab",
    "test_objective": "cycle life 1C/1C",
}


@pytest.fixture(scope="module")
def csv_bytes() -> bytes:
    return to_csv_bytes(synthetic_cycling_frame(12, points_per_step=30, rest_points=4, hppc_every=4))


def _counts(engine) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        return (
            session.exec(select(func.count()).select_from(CyclingDataset)).one(),
            session.exec(select(func.count()).select_from(CycleMetric)).one(),
            session.exec(select(func.count()).select_from(Artifact)).one(),
        )


def _import(engine, actor, project_id, data, **kwargs):
    with session_scope(engine) as session:
        dataset = service.import_dataset(
            session, session.merge(actor) if actor else None, project_id, data=data,
            filename=kwargs.pop("filename", "cell_a1.csv"), primary=kwargs.pop("primary", PRIMARY), **kwargs
        )
        return dataset.id


def test_editor_imports_and_everything_is_stored(engine, users, csv_bytes) -> None:
    steps = []
    dataset_id = _import(engine, users["editor"], users["project_id"], csv_bytes, tertiary={"batch": "B-7"},
                         progress=lambda f, m=None: steps.append(f))
    assert steps[-1] == 1.0
    assert steps == sorted(steps)
    with session_scope(engine) as session:
        viewer = session.merge(users["viewer"])
        dataset = service.get_dataset(session, viewer, dataset_id)
        assert dataset.source_format == "bdf_csv"
        assert dataset.total_cycles == 12
        assert dataset.metadata_["primary"]["cell_identifier"] == "CELL-A1"
        assert dataset.metadata_["tertiary"] == {"batch": "B-7"}
        raw, name = service.load_raw(session, viewer, dataset_id)
        assert raw == csv_bytes
        assert name == "cell_a1.csv"
        frame = service.load_frame(session, viewer, dataset_id)
        expected = read_cycling_bytes(csv_bytes, "cell_a1.csv").frame
        pd.testing.assert_frame_equal(frame, expected)
        stored = service.load_metrics(session, viewer, dataset_id)
        computed = compute_cycle_metrics(expected)
        np.testing.assert_allclose(stored["discharge_capacity_Ah"], computed["discharge_capacity_Ah"])
        np.testing.assert_allclose(stored["dcir_ohm"], computed["dcir_Ohm"])
        assert list(stored["dcir_step"]) == list(computed["dcir_step"])


@pytest.mark.parametrize("role", ["viewer", "commenter", "outsider"])
def test_import_needs_editor_in_the_core(engine, users, csv_bytes, role) -> None:
    with pytest.raises(PermissionDenied):
        _import(engine, users[role], users["project_id"], csv_bytes)
    with pytest.raises(PermissionDenied):
        _import(engine, None, users["project_id"], csv_bytes)
    assert _counts(engine) == (0, 0, 0)


def test_owner_and_admin_may_import(engine, users, csv_bytes) -> None:
    _import(engine, users["owner"], users["project_id"], csv_bytes)
    # the same content again is a duplicate: imported only when asked for (test_upload_grouping.py)
    _import(engine, users["admin"], users["project_id"], csv_bytes, filename="again.csv", allow_duplicate=True)
    assert _counts(engine)[0] == 2


def test_a_failure_halfway_stores_nothing(engine, users, csv_bytes, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("disk full while writing cycle metrics")

    monkeypatch.setattr(service, "metric_rows", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        _import(engine, users["editor"], users["project_id"], csv_bytes)
    assert _counts(engine) == (0, 0, 0)  # the artifacts and the dataset row were rolled back too


def test_bad_file_or_metadata_stores_nothing(engine, users, csv_bytes) -> None:
    with pytest.raises(CyclingFormatError, match=r"notes\.txt"):
        _import(engine, users["editor"], users["project_id"], b"just some notes\n", filename="notes.txt")
    with pytest.raises(MetadataError, match="Owner"):
        _import(engine, users["editor"], users["project_id"], csv_bytes, primary={**PRIMARY, "owner": ""})
    assert _counts(engine) == (0, 0, 0)


def test_explorer_queries_read_metric_rows(engine, users) -> None:
    ids = []
    for i, (chemistry, fade) in enumerate([("LFP/graphite", 0.005), ("NMC811/graphite", 0.02), ("LFP/graphite", 0.01)]):
        data = to_csv_bytes(synthetic_cycling_frame(8 + i, points_per_step=10, rest_points=2, fade_k=fade))
        ids.append(_import(engine, users["editor"], users["project_id"], data, filename=f"c{i}.csv",
                           primary={**PRIMARY, "cell_identifier": f"CELL-{i}", "chemistry": chemistry},
                           tertiary={"batch": "B-9" if i else "B-1"}))
    with session_scope(engine) as session:
        viewer = session.merge(users["viewer"])
        listed = service.list_datasets(session, viewer, [users["project_id"]], chemistry=["LFP/graphite"])
        assert sorted(listed["cell"]) == ["CELL-0", "CELL-2"]
        assert list(service.list_datasets(session, viewer, [users["project_id"]], tags={"batch": "b-9"})["cell"]) == [
            "CELL-1", "CELL-2"]
        assert list(service.list_datasets(session, viewer, [users["project_id"]], cycles=(9, None))["cell"]) == [
            "CELL-1", "CELL-2"]
        assert list(service.list_datasets(session, viewer, [users["project_id"]], search="cell-1")["cell"]) == ["CELL-1"]
        curves = service.fade_curves(session, viewer, ids)
        assert len(curves) == 8 + 9 + 10
        last = curves.groupby("dataset_id")["value"].last()
        assert last[ids[1]] < last[ids[0]]  # the fast-fading NMC cell
        with pytest.raises(PermissionDenied):
            service.fade_curves(session, session.merge(users["outsider"]), ids)
        data, name = service.export_dataset_bytes(session, viewer, ids[0], "parquet")
        assert name == "CELL-0.bdf.parquet"
        assert bdf.VOLTAGE in pd.read_parquet(io.BytesIO(data)).columns


def test_metadata_update_and_delete_need_editor(engine, users, csv_bytes) -> None:
    dataset_id = _import(engine, users["editor"], users["project_id"], csv_bytes)
    with session_scope(engine) as session:
        with pytest.raises(PermissionDenied):
            service.update_metadata(session, session.merge(users["viewer"]), dataset_id, tertiary={"x": 1})
        updated = service.update_metadata(session, session.merge(users["editor"]), dataset_id, secondary={"operator": "Bo"})
        assert updated.metadata_["secondary"] == {"operator": "Bo"}
        assert updated.metadata_["primary"]["cell_identifier"] == "CELL-A1"
    with session_scope(engine) as session:
        with pytest.raises(PermissionDenied):
            service.delete_dataset(session, session.merge(users["commenter"]), dataset_id)
        service.delete_dataset(session, session.merge(users["editor"]), dataset_id)
    assert _counts(engine)[:2] == (0, 0)


def test_column_mappings_are_remembered_per_lab(engine, users) -> None:
    mapping = {"version": 1, "columns": {bdf.TEST_TIME: {"source": "t", "unit": "min"}}, "scores": {"x": 1}}
    with session_scope(engine) as session:
        with pytest.raises(PermissionDenied):
            service.save_column_mapping(session, session.merge(users["viewer"]), users["project_id"], name="lab", mapping=mapping)
        service.save_column_mapping(session, session.merge(users["editor"]), users["project_id"], name="lab", mapping=mapping)
        service.save_column_mapping(session, session.merge(users["editor"]), users["project_id"], name="lab",
                                    mapping={**mapping, "current_positive": "discharge"})
    with session_scope(engine) as session:
        saved = service.list_column_mappings(session, session.merge(users["viewer"]))
        assert [m["name"] for m in saved] == ["lab"]
        assert saved[0]["mapping"]["current_positive"] == "discharge"
        assert "scores" not in saved[0]["mapping"]
        assert service.list_column_mappings(session, None) == []


@pytest.mark.slow
def test_import_job_reports_progress_and_stores(engine, users, csv_bytes) -> None:
    from voltvault_core.cycling.jobs import engine_locator
    from voltvault_core.jobs.pool import ProcessPoolJobRunner

    with ProcessPoolJobRunner(engine, workers=1) as runner:
        job_id = runner.submit(
            "voltvault_core.cycling.jobs:import_file",
            {**engine_locator(engine), "project_id": users["project_id"],
             "user_id": users["editor"].id, "filename": "job.csv", "data": csv_bytes, "primary": PRIMARY},
            kind="cycling-import", project_id=users["project_id"], user_id=users["editor"].id,
        )
        result = runner.result(job_id, timeout=120)
        assert runner.status(job_id).progress == pytest.approx(1.0)
    assert result["cycles"] == 12
    assert result["format"] == "bdf_csv"
    assert _counts(engine)[0] == 1


def test_cli_stores_into_a_project(engine, users, csv_bytes, tmp_path, capsys) -> None:
    from voltvault_core.cli import main

    path = tmp_path / "cell.csv"
    path.write_bytes(csv_bytes)
    args = ["cycling", "import", str(path), "--json", "--project", str(users["project_id"]), "--user", "editor",
            "--database-url", engine.url.render_as_string(hide_password=False), "--cell", "CLI-1",
            "--chemistry", "LFP/graphite", "--nominal-capacity", "2", "--instrument", "synthetic", "--owner", "lab",
            "--objective", "cli test"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    with session_scope(engine) as session:
        dataset = session.get(CyclingDataset, result["dataset_id"])
        assert dataset.cell_id_label == "CLI-1"
        assert dataset.total_cycles == 12
    viewer_args = [*args]
    viewer_args[viewer_args.index("editor")] = "viewer"
    assert main(viewer_args) == 2
    assert "viewer" in capsys.readouterr().err
