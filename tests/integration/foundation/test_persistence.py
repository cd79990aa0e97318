"""The database layer on SQLite and PostgreSQL: migrations, artifacts, transactions."""

from __future__ import annotations

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from voltvault_core.db import models
from voltvault_core.db.artifacts import ArtifactError, get_artifact_bytes, get_frame, put_artifact, put_frame
from voltvault_core.db.engine import session_scope
from voltvault_core.db.migrate import is_up_to_date, upgrade


def test_migrations_build_exactly_the_models(engine):
    assert is_up_to_date(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models and migrations disagree; write a migration: {diff}"
    upgrade(engine)  # idempotent


def test_artifacts_round_trip_and_deduplicate(engine):
    with session_scope(engine) as session:
        a = put_artifact(session, b"voltage,current\n4.2,1\n", media_type="text/csv", filename="x.csv")
        b = put_artifact(session, b"voltage,current\n4.2,1\n", media_type="text/csv", filename="y.csv")
        assert a.id == b.id
        frame = pd.DataFrame({"Test Time / s": [0.0, 1.0], "Voltage / V": [4.2, 4.1]})
        f = put_frame(session, frame)
    with session_scope(engine) as session:
        assert get_artifact_bytes(session, a.id).startswith(b"voltage")
        pd.testing.assert_frame_equal(get_frame(session, f.id), frame)
        with pytest.raises(ArtifactError, match="does not exist"):
            get_artifact_bytes(session, 99999)


def test_directory_artifact_store(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("VOLTVAULT_ARTIFACT_URL", (tmp_path / "store").as_uri())
    with session_scope(engine) as session:
        row = put_artifact(session, b"abc" * 1000, filename="raw.bin")
        assert row.storage == "file"
        assert row.data is None
    files = list((tmp_path / "store").rglob("*"))
    assert any(p.is_file() for p in files)
    with session_scope(engine) as session:
        assert get_artifact_bytes(session, row.id) == b"abc" * 1000
    # a tampered file is detected, not served
    next(p for p in files if p.is_file()).write_bytes(b"tampered")
    with session_scope(engine) as session, pytest.raises(ArtifactError, match="corrupt"):
        get_artifact_bytes(session, row.id)


def test_failure_mid_transaction_leaves_no_partial_rows(engine, users):
    """A save that fails halfway (after rows and an artifact were written) stores nothing."""
    project_id = users["project_id"]

    def save_that_fails_halfway():
        with session_scope(engine) as session:
            raw = put_artifact(session, b"raw cycler file", filename="cell.csv")
            dataset = models.CyclingDataset(project_id=project_id, name="cell 1", raw_artifact_id=raw.id)
            session.add(dataset)
            session.flush()
            session.add(models.CycleMetric(dataset_id=dataset.id, cycle=1, discharge_capacity_Ah=1.0))
            session.flush()
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        save_that_fails_halfway()
    with session_scope(engine) as session:
        assert session.exec(select(models.CyclingDataset)).all() == []
        assert session.exec(select(models.CycleMetric)).all() == []
        assert session.exec(select(models.Artifact)).all() == []


def test_json_columns_keep_nested_values(engine, users):
    with session_scope(engine) as session:
        design = models.CellDesign(project_id=users["project_id"], name="M50",
                                   design={"layers": [{"material": "NMC811", "thickness_m": 75.6e-6}]})
        session.add(design)
    with session_scope(engine) as session:
        again = session.exec(select(models.CellDesign)).one()
        assert again.design["layers"][0]["thickness_m"] == pytest.approx(75.6e-6)
