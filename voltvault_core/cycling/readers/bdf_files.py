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
from voltvault_core.cycling.textio import check_header_width, numeric_or_nan

INTEGER_COLUMNS = (bdf.CYCLE, bdf.STEP, bdf.STEP_INDEX)


def _finish(frame: pd.DataFrame, filename: str, fmt: str, metadata: dict) -> ParsedFile:
    for column in frame.columns:
        values = numeric_or_nan(frame[column])
        if column in INTEGER_COLUMNS:
            bdf_frame.check_integer_range(values, column, filename)
            frame[column] = np.nan_to_num(values, nan=0.0).astype(np.int64)
        else:
            frame[column] = np.where(np.isinf(values), np.nan, values)  # beyond float range: no value
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
    segment = bdf_frame.run_ids(cycle, frame[bdf.STEP].to_numpy())
    for column in (bdf.CHARGING_CAPACITY, bdf.DISCHARGING_CAPACITY, bdf.CHARGING_ENERGY, bdf.DISCHARGING_ENERGY):
        if column in frame:  # other writers' counters may restart per step or run over the whole test
            values = np.abs(np.nan_to_num(frame[column].to_numpy(dtype=float)))
            mode = bdf_frame.infer_counter_reset(values, cycle, segment)
            if mode == "segment":
                frame[column] = bdf_frame.cycle_cumulative_from_segments(values, segment, cycle)
                warns.append(f"{column} restarts every step: summed over each cycle's steps")
            elif mode == "test":
                frame[column] = bdf_frame.cycle_relative(values, cycle)
    if bdf.CHARGING_CAPACITY not in frame:
        frame[bdf.CHARGING_CAPACITY] = bdf_frame.integrate_within_cycles(time_s, np.clip(current, 0, None), cycle)
    if bdf.DISCHARGING_CAPACITY not in frame:
        frame[bdf.DISCHARGING_CAPACITY] = bdf_frame.integrate_within_cycles(time_s, np.clip(-current, 0, None), cycle)
    frame, dropped = bdf_frame.drop_incomplete_rows(frame)
    if dropped:
        warns.append(f"{dropped} incomplete row(s) without time, voltage or current were dropped")
    bdf_frame.validate_bdf(frame, filename)
    return ParsedFile(frame, fmt, filename, metadata, warns)


#: BDF quantity names (and the spellings other BDF writers use) -> our label and its dimension
BDF_QUANTITIES: dict[str, tuple[str, str]] = {
    "test time": (bdf.TEST_TIME, "time"),
    "unix time": (bdf.UNIX_TIME, "time"),
    "voltage": (bdf.VOLTAGE, "voltage"),
    "current": (bdf.CURRENT, "current"),
    "cycle count": (bdf.CYCLE, "count"),
    "step count": (bdf.STEP, "count"),
    "step index": (bdf.STEP_INDEX, "count"),
    "charging capacity": (bdf.CHARGING_CAPACITY, "charge"),
    "charge capacity": (bdf.CHARGING_CAPACITY, "charge"),
    "discharging capacity": (bdf.DISCHARGING_CAPACITY, "charge"),
    "discharge capacity": (bdf.DISCHARGING_CAPACITY, "charge"),
    "charging energy": (bdf.CHARGING_ENERGY, "energy"),
    "charge energy": (bdf.CHARGING_ENERGY, "energy"),
    "discharging energy": (bdf.DISCHARGING_ENERGY, "energy"),
    "discharge energy": (bdf.DISCHARGING_ENERGY, "energy"),
    "power": (bdf.POWER, "power"),
    "ambient temperature": (bdf.AMBIENT_TEMPERATURE, "temperature"),
    "surface temperature": (bdf.SURFACE_TEMPERATURE, "temperature"),
    "cell temperature": (bdf.SURFACE_TEMPERATURE, "temperature"),
    "temperature": (bdf.SURFACE_TEMPERATURE, "temperature"),
    "internal resistance": (bdf.INTERNAL_RESISTANCE, "resistance"),
}


def _bdf_label(column: str) -> tuple[str, str, str] | None:
    """``"Test Time / h"`` -> (our label, dimension, unit); ``None`` for other columns."""
    quantity, _, unit = str(column).partition(" / ")
    known = BDF_QUANTITIES.get(quantity.strip().lower())
    if known is None or not unit.strip():
        return None
    return known[0], known[1], unit.strip()


def _to_canonical(table: pd.DataFrame) -> pd.DataFrame:
    """Keep the BDF columns, converted to our units (``Test Time / h`` -> seconds, ``Current / mA`` -> A)."""
    from voltvault_core.cycling.units import scale_to_si, temperature_to_degC

    out: dict[str, pd.Series] = {}
    for column in table.columns:
        parsed = _bdf_label(column)
        if parsed is None or parsed[0] in out:
            continue
        label, dimension, unit = parsed
        values = pd.Series(numeric_or_nan(table[column]), index=table.index)
        if dimension == "temperature":
            values = pd.Series(temperature_to_degC(values.to_numpy(dtype=float), unit), index=table.index)
        elif dimension != "count":
            values = values.where(np.isfinite(values)) * scale_to_si(unit, dimension)
        out[label] = values
    return pd.DataFrame(out)


def _sniff_csv(probe: Probe) -> float:
    if probe.is_binary or probe.is_zip:
        return 0.0
    first = probe.text.lstrip("\ufeff").splitlines()[:1]
    if not first:
        return 0.0
    labels = {p[0] for p in (_bdf_label(c.strip().strip('"')) for c in first[0].split(",")) if p}
    return 0.97 if set(bdf.REQUIRED_COLUMNS) <= labels else 0.0


def _check_sign(table: pd.DataFrame, frame: pd.DataFrame) -> str | None:
    """Flip the current when a ``Step Type`` column shows discharge steps with positive current.

    BDF defines charge as positive, but some writers (seen in a BatMo export) use the opposite sign.
    """
    from voltvault_core.cycling.readers._columns import direction_from_text

    step_type = next((c for c in table.columns if str(c).lower().startswith("step type")), None)
    if step_type is None or bdf.CURRENT not in frame:
        return None
    direction = direction_from_text(table[step_type])
    current = frame[bdf.CURRENT].to_numpy(dtype=float)
    if (direction == -1).sum() < 3 or (direction == 1).sum() < 3:
        return None
    if np.median(current[direction == -1]) > 0 and np.median(current[direction == 1]) < 0:
        frame[bdf.CURRENT] = -frame[bdf.CURRENT]
        return "the file's discharge steps have positive current: the current was flipped to charge-positive"
    return None


@register_format("bdf_csv", label="Battery Data Format CSV", extensions=(".csv",), sniff=_sniff_csv, vendor="BDF")
def read_bdf_csv(path: Path, context: ReadContext) -> ParsedFile:
    """Read a BDF CSV (any BDF units, e.g. ``Test Time / h``; and its ``.metadata.json`` sidecar)."""
    with path.open("rb") as handle:
        check_header_width(handle.readline(1 << 20).decode("utf-8", errors="replace"), ",")
    table = pd.read_csv(path, low_memory=False, encoding="utf-8-sig")
    frame = _to_canonical(table)
    flipped = _check_sign(table, frame)
    parsed = _finish(frame, context.filename, "bdf_csv", export.read_sidecar(path))
    if flipped:
        parsed.warnings.append(flipped)
    return parsed


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
    missing = [c for c in bdf.REQUIRED_COLUMNS if c not in _to_canonical(frame.head(1)).columns]
    if missing:
        raise CyclingFormatError(context.filename, f"the Parquet file has no BDF column(s) {', '.join(missing)}")
    return _finish(_to_canonical(frame), context.filename, "bdf_parquet", metadata)


def _sniff_xlsx(probe: Probe) -> float:
    return 0.95 if probe.is_zip and probe.xlsx_sheets[:2] == ["bdf", "metadata"] else 0.0


@register_format("bdf_xlsx", label="VoltVault BDF Excel export", extensions=(".xlsx",), sniff=_sniff_xlsx, vendor="BDF")
def read_bdf_xlsx(path: Path, context: ReadContext) -> ParsedFile:
    """Read VoltVault's Excel export (``bdf`` and ``metadata`` sheets)."""
    sheets = read_sheets(path, context.filename, ["bdf", "metadata"])
    meta_sheet = sheets["metadata"]
    flat = {str(k).lstrip("'"): v for k, v in zip(meta_sheet["key"], meta_sheet["value"], strict=False)}
    return _finish(_to_canonical(sheets["bdf"]), context.filename, "bdf_xlsx", export.unflatten_metadata(flat))


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
    return _finish(_to_canonical(pd.DataFrame(columns)), context.filename, "bdf_hdf5", metadata)


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

    from voltvault_core.cycling.readers._matcheck import MatTooLargeError, check_mat_sizes

    try:
        check_mat_sizes(path.read_bytes())
    except MatTooLargeError as exc:
        raise CyclingFormatError(context.filename, f"the .mat file is damaged: {exc}", "upload an undamaged copy") from exc
    try:
        content = loadmat(str(path), squeeze_me=True)
    except Exception as exc:  # scipy raises assorted errors on damaged files (zlib.error, UnboundLocalError, ...)
        raise CyclingFormatError(
            context.filename, f"the .mat file is damaged ({type(exc).__name__}: {exc})", "upload an undamaged copy"
        ) from exc
    labels = [str(label) for label in np.atleast_1d(content[export.MAT_LABELS])]
    data = np.atleast_2d(content[export.MAT_DATA])
    metadata = json.loads(str(content.get(export.MAT_METADATA, "{}")))
    return _finish(_to_canonical(pd.DataFrame(data, columns=labels)), context.filename, "bdf_mat", metadata)
