"""Readers of BDF files: CSV and Parquet (also VoltVault's own exports), and the Excel, HDF5 and MAT
exports of :mod:`voltvault_core.cycling.export`, so that every export reads back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from voltvault_core import bdf
from voltvault_core.cycling import export
from voltvault_core.cycling import frame as bdf_frame
from voltvault_core.cycling.errors import CyclingFormatError
from voltvault_core.cycling.readers import ParsedFile, Probe, ReadContext, register_format
from voltvault_core.cycling.readers._excel import read_sheets

INTEGER_COLUMNS = (bdf.CYCLE, bdf.STEP, bdf.STEP_INDEX)


def _finish(frame: pd.DataFrame, filename: str, fmt: str, metadata: dict) -> ParsedFile:
    for column in frame.columns:
        if column in INTEGER_COLUMNS:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype(np.int64)
        else:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    warns = []
    if bdf.CYCLE not in frame:
        frame[bdf.CYCLE] = bdf_frame.detect_cycles(frame[bdf.CURRENT].to_numpy())
        warns.append("no Cycle Count column: cycles were detected from the current's sign")
    if bdf.STEP not in frame:
        frame[bdf.STEP] = 1 + bdf_frame.run_ids(
            frame[bdf.CYCLE].to_numpy(), bdf_frame.direction_from_current(frame[bdf.CURRENT].to_numpy())
        )
    time_s = frame[bdf.TEST_TIME].to_numpy(dtype=float)
    cycle = frame[bdf.CYCLE].to_numpy()
    current = frame[bdf.CURRENT].to_numpy(dtype=float)
    if bdf.CHARGING_CAPACITY not in frame:
        frame[bdf.CHARGING_CAPACITY] = bdf_frame.integrate_within_cycles(time_s, np.clip(current, 0, None), cycle)
    if bdf.DISCHARGING_CAPACITY not in frame:
        frame[bdf.DISCHARGING_CAPACITY] = bdf_frame.integrate_within_cycles(time_s, np.clip(-current, 0, None), cycle)
    frame, _ = bdf_frame.drop_incomplete_rows(frame)
    bdf_frame.validate_bdf(frame, filename)
    return ParsedFile(frame, fmt, filename, metadata, warns)


def _known_columns(columns) -> list[str]:
    return [c for c in columns if c in bdf.KNOWN_COLUMNS]


def _sniff_csv(probe: Probe) -> float:
    if probe.is_binary or probe.is_zip:
        return 0.0
    first = probe.text.lstrip("\ufeff").splitlines()[:1]
    if not first:
        return 0.0
    return 0.97 if all(label in first[0] for label in bdf.REQUIRED_COLUMNS) else 0.0


@register_format("bdf_csv", label="Battery Data Format CSV", extensions=(".csv",), sniff=_sniff_csv, vendor="BDF")
def read_bdf_csv(path: Path, context: ReadContext) -> ParsedFile:
    """Read a BDF CSV (and its ``.metadata.json`` sidecar when present)."""
    table = pd.read_csv(path, low_memory=False, encoding="utf-8-sig")
    return _finish(table[_known_columns(table.columns)].copy(), context.filename, "bdf_csv", export.read_sidecar(path))


def _sniff_parquet(probe: Probe) -> float:
    return 0.97 if probe.head.startswith(b"PAR1") else 0.0


@register_format("bdf_parquet", label="Battery Data Format Parquet", extensions=(".parquet",), sniff=_sniff_parquet, vendor="BDF")
def read_bdf_parquet(path: Path, context: ReadContext) -> ParsedFile:
    """Read a BDF Parquet file; metadata from the schema (or the sidecar)."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow.ArrowInvalid and friends
        raise CyclingFormatError(context.filename, f"not a readable Parquet file ({exc})") from exc
    metadata = export.read_sidecar(path)
    raw = (table.schema.metadata or {}).get(export.PARQUET_METADATA_KEY)
    if raw:
        metadata = json.loads(raw.decode("utf-8"))
    frame = table.to_pandas()
    missing = [c for c in bdf.REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise CyclingFormatError(context.filename, f"the Parquet file has no BDF column(s) {', '.join(missing)}")
    return _finish(frame[_known_columns(frame.columns)].copy(), context.filename, "bdf_parquet", metadata)


def _sniff_xlsx(probe: Probe) -> float:
    return 0.95 if probe.is_zip and probe.xlsx_sheets[:2] == ["bdf", "metadata"] else 0.0


@register_format("bdf_xlsx", label="VoltVault BDF Excel export", extensions=(".xlsx",), sniff=_sniff_xlsx, vendor="BDF")
def read_bdf_xlsx(path: Path, context: ReadContext) -> ParsedFile:
    """Read VoltVault's Excel export (``bdf`` and ``metadata`` sheets)."""
    sheets = read_sheets(path, context.filename, ["bdf", "metadata"])
    meta_sheet = sheets["metadata"]
    flat = {str(k).lstrip("'"): v for k, v in zip(meta_sheet["key"], meta_sheet["value"], strict=False)}
    return _finish(sheets["bdf"].copy(), context.filename, "bdf_xlsx", export.unflatten_metadata(flat))


def _sniff_hdf5(probe: Probe) -> float:
    return 0.9 if probe.head.startswith(b"\x89HDF\r\n\x1a\n") else 0.0


@register_format("bdf_hdf5", label="VoltVault BDF HDF5 export", extensions=(".h5", ".hdf5"), sniff=_sniff_hdf5, vendor="BDF")
def read_bdf_hdf5(path: Path, context: ReadContext) -> ParsedFile:
    """Read VoltVault's HDF5 export (group ``/bdf``)."""
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            group = handle[export.HDF5_GROUP]
            labels = json.loads(group.attrs["labels"])
            metadata = json.loads(group.attrs["metadata"])
            columns = {label: group[f"c{i:03d}"][()] for i, label in enumerate(labels)}
    except (KeyError, OSError) as exc:
        raise CyclingFormatError(
            context.filename, "this HDF5 file is not a VoltVault BDF export (no /bdf group)", "export time series as CSV"
        ) from exc
    return _finish(pd.DataFrame(columns), context.filename, "bdf_hdf5", metadata)


def _sniff_mat(probe: Probe) -> float:
    if not probe.head.startswith(b"MATLAB 5.0 MAT-file"):
        return 0.0
    from scipy.io import whosmat

    names = {name for name, _shape, _cls in whosmat(str(probe.path))}
    return 0.95 if {export.MAT_LABELS, export.MAT_DATA} <= names else 0.0


@register_format("bdf_mat", label="VoltVault BDF MAT export", extensions=(".mat",), sniff=_sniff_mat, vendor="BDF")
def read_bdf_mat(path: Path, context: ReadContext) -> ParsedFile:
    """Read VoltVault's MAT export (``bdf_data``, ``bdf_labels``, ``metadata_json``)."""
    from scipy.io import loadmat

    content = loadmat(str(path), squeeze_me=True)
    labels = [str(label) for label in np.atleast_1d(content[export.MAT_LABELS])]
    data = np.atleast_2d(content[export.MAT_DATA])
    metadata = json.loads(str(content.get(export.MAT_METADATA, "{}")))
    return _finish(pd.DataFrame(data, columns=labels), context.filename, "bdf_mat", metadata)
