"""A failed or cancelled import leaves nothing behind: no artifact objects in a file or S3-style store
(as with database blobs), no temporary upload copies; and large uploads are parsed by an import job
with limits, never by the calling (web) process (issue 12). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlmodel import func, select

from voltvault_core.cycling import jobs as cycling_jobs
from voltvault_core.cycling import service
from voltvault_core.cycling.errors import CyclingFormatError, UploadNeedsWorkerError
from voltvault_core.cycling.export import to_csv_bytes
from voltvault_core.cycling.importer import (
    read_cycling_bytes,
    sweep_stale_uploads,
    upload_directory,
    upload_root,
)
from voltvault_core.cycling.synthetic import synthetic_cycling_frame
from voltvault_core.db import artifacts
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import Artifact, CyclingDataset

REPO = Path(__file__).resolve().parents[3]
PRIMARY = {"cell_identifier": "CELL-X", "chemistry": "LFP/graphite", "nominal_capacity_Ah": 1.1, "instrument": "synthetic",
           "owner": "lab", "test_objective": "leftovers"}


@pytest.fixture(scope="module")
def csv_bytes() -> bytes:
    return to_csv_bytes(synthetic_cycling_frame(6, points_per_step=30, rest_points=4))


def _objects(store: Path) -> list[Path]:
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


def _artifact_rows(engine) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(Artifact)).one()


def _import_then_fail(engine, users, data: bytes) -> None:
    """An import whose transaction fails after the artifacts were stored (a later step raises)."""
    with session_scope(engine) as session:
        service.import_dataset(session, session.merge(users["editor"]), users["project_id"], data=data,
                               filename="cell_x.csv", primary=PRIMARY)
        raise RuntimeError("a later step of the same transaction failed")


def test_failed_import_leaves_no_files_in_a_directory_store(engine, users, csv_bytes, tmp_path, monkeypatch) -> None:
    """The raw file and the Parquet were written to the directory as soon as ``put_artifact`` ran; a
    transaction failing afterwards left both files there (without rows pointing at them)."""
    store = tmp_path / "store"
    monkeypatch.setenv("VOLTVAULT_ARTIFACT_URL", store.as_uri())
    with pytest.raises(RuntimeError, match="later step"):
        _import_then_fail(engine, users, csv_bytes)
    assert _objects(store) == []
    assert _artifact_rows(engine) == 0
    with session_scope(engine) as session:  # the same import, committed, writes its two objects
        dataset = service.import_dataset(session, session.merge(users["editor"]), users["project_id"], data=csv_bytes,
                                         filename="cell_x.csv", primary=PRIMARY)
        assert service.load_raw(session, session.merge(users["editor"]), dataset.id)[0] == csv_bytes  # before commit
    assert len(_objects(store)) == 2


def test_objects_written_by_a_commit_that_fails_are_deleted(engine, tmp_path, monkeypatch) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("VOLTVAULT_ARTIFACT_URL", store.as_uri())
    from sqlalchemy import event
    from sqlalchemy.orm import Session as OrmSession

    def fail_the_commit(session, flush_context):
        raise RuntimeError("the database refused the commit")

    event.listen(OrmSession, "after_flush", fail_the_commit)
    try:
        with pytest.raises(RuntimeError, match="refused"), session_scope(engine) as session:
            artifacts.put_artifact(session, b"x" * 1000, filename="raw.bin")
    finally:
        event.remove(OrmSession, "after_flush", fail_the_commit)
    assert _objects(store) == []


class _MemoryS3:
    """An in-memory stand-in for boto3's S3 client (boto3 is not installed here; the same calls)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str) -> None:
        self.objects[(Bucket, Key)] = Body

    def get_object(self, *, Bucket: str, Key: str) -> dict:
        import io

        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def delete_object(self, *, Bucket: str, Key: str) -> None:
        self.objects.pop((Bucket, Key), None)


def test_failed_import_leaves_no_objects_in_an_s3_store(engine, users, csv_bytes, monkeypatch) -> None:
    bucket = _MemoryS3()
    monkeypatch.setenv("VOLTVAULT_ARTIFACT_URL", "s3://lab-bucket/voltvault")
    monkeypatch.setattr(artifacts, "_s3_client", lambda: bucket)
    with pytest.raises(RuntimeError, match="later step"):
        _import_then_fail(engine, users, csv_bytes)
    assert bucket.objects == {}
    with session_scope(engine) as session:
        dataset = service.import_dataset(session, session.merge(users["editor"]), users["project_id"], data=csv_bytes,
                                         filename="cell_x.csv", primary=PRIMARY)
        dataset_id = dataset.id
    assert len(bucket.objects) == 2
    with session_scope(engine) as session:
        assert service.load_raw(session, session.merge(users["editor"]), dataset_id)[0] == csv_bytes


def test_import_killed_before_its_commit_leaves_no_files(engine, users, csv_bytes, tmp_path) -> None:
    """A cancelled or timed-out import job is a killed worker: no rollback runs there. Nothing is
    written to the store before the commit, so nothing is left."""
    store = tmp_path / "store"
    data_file = tmp_path / "upload.csv"
    data_file.write_bytes(csv_bytes)
    locator = cycling_jobs.engine_locator(engine)
    script = textwrap.dedent(f"""
        import os
        from voltvault_core.cycling import service
        from voltvault_core.db.engine import create_db_engine, session_scope
        from voltvault_core.db.models import User
        engine = create_db_engine({locator["database_url"]!r}, pg_schema={locator["pg_schema"]!r})
        with session_scope(engine) as session:
            service.import_dataset(session, session.get(User, {users["editor"].id}), {users["project_id"]},
                                   data=open({str(data_file)!r}, "rb").read(), filename="cell_x.csv",
                                   primary={PRIMARY!r})
            os._exit(137)  # killed after the artifacts were stored in the transaction, before the commit
    """)
    env = {**os.environ, "VOLTVAULT_ARTIFACT_URL": store.as_uri(), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, timeout=300)
    assert done.returncode == 137, done.stderr.decode()[-2000:]
    assert _objects(store) == []
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(CyclingDataset)).one() == 0


def test_upload_copies_of_a_killed_process_are_swept(csv_bytes) -> None:
    """The upload's temporary copy is removed when parsing ends, also on errors; a process killed while
    parsing leaves its directory, which the next read of any upload removes."""
    script = textwrap.dedent("""
        import os
        from voltvault_core.cycling.importer import upload_directory
        with upload_directory() as path:
            (path / "upload.csv").write_bytes(b"half-parsed")
            print(path, flush=True)
            os._exit(9)  # killed while parsing
    """)
    done = subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO,
                          capture_output=True, timeout=120, text=True)
    left = Path(done.stdout.strip())
    assert left.is_dir()
    assert left.parent == upload_root()
    read_cycling_bytes(csv_bytes, "cell.csv")  # any later read sweeps it
    assert not left.exists()
    with upload_directory() as mine:  # a live process's copy is never swept
        assert sweep_stale_uploads() == 0
        assert mine.exists()
    with pytest.raises(CyclingFormatError, match=r"cell\.csv"):
        read_cycling_bytes(b"not a cycler file at all\n", "cell.csv")
    assert [p for p in upload_root().iterdir() if p.name.startswith(f"{os.getpid()}-")] == []


def test_large_upload_is_not_parsed_in_the_calling_process(engine, users, csv_bytes, monkeypatch) -> None:
    monkeypatch.setenv("VOLTVAULT_CYCLING_INPROCESS_MAX_MB", str(len(csv_bytes) / 2 / 1024**2))
    with pytest.raises(UploadNeedsWorkerError, match="import job"), session_scope(engine) as session:
        service.import_dataset(session, session.merge(users["editor"]), users["project_id"], data=csv_bytes,
                               filename="cell_x.csv", primary=PRIMARY)


def test_large_upload_and_split_parts_are_imported_by_a_limited_job(engine, users, csv_bytes, monkeypatch) -> None:
    from voltvault_core.jobs.pool import ProcessPoolJobRunner

    monkeypatch.setenv("VOLTVAULT_CYCLING_INPROCESS_MAX_MB", str(len(csv_bytes) / 2 / 1024**2))
    assert cycling_jobs.needs_worker(len(csv_bytes))
    with ProcessPoolJobRunner(engine, workers=1) as runner:
        submitted: list[dict] = []
        real_submit = runner.submit

        def recording_submit(func_path, kwargs=None, **options):  # records the limits, then really submits
            submitted.append(options)
            return real_submit(func_path, kwargs, **options)

        monkeypatch.setattr(runner, "submit", recording_submit)
        single = cycling_jobs.submit_import(runner, engine, project_id=users["project_id"], user_id=users["editor"].id,
                                            parts=[("cell_x.csv", csv_bytes)], primary=PRIMARY)
        half = len(csv_bytes) // 2
        cut = csv_bytes.index(b"\n", half) + 1
        header = csv_bytes[: csv_bytes.index(b"\n") + 1]
        split = cycling_jobs.submit_import(runner, engine, project_id=users["project_id"], user_id=users["editor"].id,
                                           parts=[("cell_y_1.csv", csv_bytes[:cut]), ("cell_y_2.csv", header + csv_bytes[cut:])],
                                           primary={**PRIMARY, "cell_identifier": "CELL-Y"})
        first, second = runner.result(single, timeout=300), runner.result(split, timeout=300)
    assert all(o["timeout_s"] == cycling_jobs.IMPORT_TIMEOUT_S for o in submitted)
    assert all(o["memory_limit_bytes"] == cycling_jobs.IMPORT_MEMORY_BYTES for o in submitted)
    with session_scope(engine) as session:
        a = session.get(CyclingDataset, first["dataset_id"])
        b = session.get(CyclingDataset, second["dataset_id"])
        assert a.n_rows == b.n_rows == first["rows"]
        assert b.metadata_["source"]["parts"] == ["cell_y_1.csv", "cell_y_2.csv"]


def test_cycle_number_above_2_31_is_refused_before_the_insert(engine, users) -> None:
    """On PostgreSQL a cycle number above 2^31-1 failed at the INSERT with a raw ``DataError``; now
    the import refuses it naming the column and value, and stores nothing."""
    data = (b"Test Time / s,Voltage / V,Current / A,Cycle Count / 1,Step Count / 1\n"
            b"0,3.5,1,2147483648,1\n10,3.6,1,2147483648,1\n20,3.7,-1,2147483648,2\n")
    with pytest.raises(CyclingFormatError, match=r"Cycle Count / 1.*2147483648"), session_scope(engine) as session:
        service.import_dataset(session, session.merge(users["editor"]), users["project_id"], data=data,
                               filename="big_cycle.csv", primary=PRIMARY)
    assert _artifact_rows(engine) == 0
