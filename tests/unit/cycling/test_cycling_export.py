"""Exports round-trip (BDF CSV + sidecar, Parquet, Excel, HDF5, MAT) and spreadsheets are escaped."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from voltvault_core import bdf
from voltvault_core.cycling import read_cycling_file
from voltvault_core.cycling.export import EXPORTERS, export_dataset, write_dataset
from voltvault_core.cycling.metadata import build_metadata
from voltvault_core.cycling.security import escape_spreadsheet_text
from voltvault_core.cycling.synthetic import synthetic_cycling_frame

PRIMARY = {
    "cell_identifier": "=HYPERLINK(\"http://evil\")",
    "chemistry": "NMC811/graphite",
    "nominal_capacity_Ah": 2.0,
    "instrument": "Neware BTS 4000",
    "owner": "@cells-team",
    "test_objective": "-cycle life 1C/1C",
}


@pytest.fixture(scope="module")
def dataset() -> tuple[pd.DataFrame, dict]:
    frame = synthetic_cycling_frame(3, points_per_step=20, rest_points=3)
    metadata = build_metadata(PRIMARY, {"temperature_degC": 25}, {"batch": "B-17", "note": "+5% overcharge"}, {"channel": 3})
    return frame, metadata


@pytest.mark.parametrize("kind", list(EXPORTERS))
def test_every_export_round_trips(tmp_path: Path, dataset: tuple[pd.DataFrame, dict], kind: str) -> None:
    frame, metadata = dataset
    suffix = EXPORTERS[kind][0]
    written = write_dataset(frame, metadata, tmp_path / f"cell{suffix}")
    if kind in ("csv", "parquet"):
        assert written[1].name == f"cell{suffix}.metadata.json"
    parsed = read_cycling_file(written[0])
    assert parsed.format_name == f"bdf_{kind}"
    pd.testing.assert_frame_equal(parsed.frame[frame.columns], frame, check_dtype=False, rtol=1e-12)
    assert parsed.source_metadata["primary"] == metadata["primary"]
    assert parsed.source_metadata["tertiary"]["note"] == "+5% overcharge"


def test_excel_export_escapes_formula_prefixes(tmp_path: Path, dataset: tuple[pd.DataFrame, dict]) -> None:
    frame, metadata = dataset
    data, _ = export_dataset(frame, metadata, "xlsx")
    path = tmp_path / "x.xlsx"
    path.write_bytes(data)
    sheet = openpyxl.load_workbook(path)["metadata"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["primary.cell_identifier"].startswith("'=")
    assert values["primary.owner"] == "'@cells-team"
    assert values["primary.test_objective"].startswith("'-")
    assert values["tertiary.note"].startswith("'+")
    assert all(not str(v).startswith(("=", "+", "-", "@")) for v in values.values() if isinstance(v, str))
    numbers = [c.value for c in openpyxl.load_workbook(path)["bdf"]["C"][1:5]]
    assert all(isinstance(v, int | float) for v in numbers)  # numbers (negative currents) stay numbers


def test_escape_rule() -> None:
    assert escape_spreadsheet_text("=1+1") == "'=1+1"
    assert escape_spreadsheet_text("plain") == "plain"
    assert escape_spreadsheet_text(-1.5) == -1.5


def test_unknown_export_suffix(tmp_path: Path, dataset: tuple[pd.DataFrame, dict]) -> None:
    with pytest.raises(ValueError, match="use one of"):
        write_dataset(dataset[0], dataset[1], tmp_path / "cell.json")
    assert bdf.TEST_TIME in dataset[0]


def test_excel_export_with_cycle_metrics(tmp_path: Path, dataset: tuple[pd.DataFrame, dict]) -> None:
    from voltvault_core.cycling.export import to_excel_bytes
    from voltvault_core.cycling.metrics import compute_cycle_metrics

    frame, metadata = dataset
    metrics = compute_cycle_metrics(frame).assign(flags=["=cmd|' /C calc'!A0", "", ""])
    path = tmp_path / "with_cycles.xlsx"
    path.write_bytes(to_excel_bytes(frame, metadata, metrics))
    sheet = openpyxl.load_workbook(path)["cycles"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["cycle", "start_time_s", "duration_s"]
    flags_column = header.index("flags") + 1
    assert sheet.cell(row=2, column=flags_column).value.startswith("'=")
