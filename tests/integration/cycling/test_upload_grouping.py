"""Uploads never merge by accident: parts join only when they agree, and a re-upload is named as a duplicate."""

from __future__ import annotations

import pytest
from sqlmodel import select

from voltvault_core.cycling import read_cycling_bytes
from voltvault_core.cycling import service as svc
from voltvault_core.cycling.export import to_csv_bytes
from voltvault_core.cycling.synthetic import synthetic_cycling_frame
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import CyclingDataset

PRIMARY = {"cell_identifier": "CELL-D1", "chemistry": "NMC811/graphite", "nominal_capacity_Ah": 2.0,
           "instrument": "synthetic", "owner": "lab", "test_objective": "duplicates"}


def _read(shared_dir, name):
    path = shared_dir / "data" / "cycler" / name
    if not path.exists():
        pytest.skip(f"{name} is not in ../shared")
    return read_cycling_bytes(path.read_bytes(), name)


def test_files_of_different_instruments_are_not_joined(shared_dir):
    parts = [_read(shared_dir, n) for n in ("test.ndax", "gcpl.pr_182.1.mpr", "maccor_two.txt")]
    with pytest.raises(svc.SplitExportMismatch, match="different instruments") as caught:
        svc.join_split_export(parts)
    for name in ("test.ndax (neware_ndax)", "gcpl.pr_182.1.mpr (biologic_mpr)", "maccor_two.txt (maccor_txt)"):
        assert name in str(caught.value)


def test_files_of_different_channels_are_not_joined(shared_dir):
    parts = [_read(shared_dir, n) for n in ("maccor_001.txt", "maccor_two.txt")]
    assert [svc.channel_of(p) for p in parts] == ["1", "81"]
    with pytest.raises(svc.SplitExportMismatch, match="different channels"):
        svc.join_split_export(parts)


def test_the_parts_of_one_export_join():
    frame = synthetic_cycling_frame(4, points_per_step=10, rest_points=2)
    half = len(frame) // 2
    parts = [read_cycling_bytes(to_csv_bytes(frame.iloc[:half]), "cell_CH7_1.bdf.csv"),
             read_cycling_bytes(to_csv_bytes(frame.iloc[half:]), "cell_CH7_2.bdf.csv")]
    assert [svc.channel_of(p) for p in parts] == ["7", "7"]
    joined = svc.join_split_export(parts)
    assert len(joined.frame) == len(frame)
    assert joined.source_metadata["parts"] == ["cell_CH7_1.bdf.csv", "cell_CH7_2.bdf.csv"]


def test_a_duplicate_of_an_existing_dataset_is_named_and_refused(engine, users):
    data = to_csv_bytes(synthetic_cycling_frame(3, points_per_step=10, rest_points=2))
    with session_scope(engine) as session:
        owner = session.merge(users["owner"])
        first = svc.import_dataset(session, owner, users["project_id"], data=data, filename="a.csv", primary=PRIMARY)
        first_id = first.id
    with session_scope(engine) as session:
        owner = session.merge(users["owner"])
        assert [d["id"] for d in svc.find_duplicates(session, owner, users["project_id"], svc.content_sha256([data]))] \
            == [first_id]
        with pytest.raises(svc.DuplicateDatasetError, match=f"#{first_id} 'CELL-D1'"):
            svc.import_dataset(session, owner, users["project_id"], data=data, filename="a again.csv", primary=PRIMARY)
    with session_scope(engine) as session:  # refused: nothing was written; on purpose: a second copy
        owner = session.merge(users["owner"])
        assert len(session.exec(select(CyclingDataset)).all()) == 1
        svc.import_dataset(session, owner, users["project_id"], data=data, filename="copy.csv", primary=PRIMARY,
                           name="CELL-D1 second copy", allow_duplicate=True)
    with session_scope(engine) as session:
        assert len(session.exec(select(CyclingDataset)).all()) == 2


def test_split_parts_in_any_order_hash_alike():
    assert svc.content_sha256([b"a", b"b"]) == svc.content_sha256([b"b", b"a"]) != svc.content_sha256([b"a"])
