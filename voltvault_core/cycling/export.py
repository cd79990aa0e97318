"""Export a BDF dataset (frame + layered metadata) to BDF CSV, Parquet, Excel, HDF5 and MAT.

Every export carries the metadata: CSV with a JSON sidecar (``<name>.metadata.json``), Parquet in its
schema metadata (key ``voltvault.metadata``) and a sidecar, Excel on a ``metadata`` sheet, HDF5 in a
JSON attribute, MAT in a ``metadata_json`` string. The readers of :mod:`.readers.bdf_files` read all
five back, so a dataset round-trips. Spreadsheet exports escape text that starts with ``= + - @``
(:func:`voltvault_core.cycling.security.escape_spreadsheet_text`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from voltvault_core.cycling.security import escape_spreadsheet_text

PARQUET_METADATA_KEY = b"voltvault.metadata"
SIDECAR_SUFFIX = ".metadata.json"
MAT_LABELS = "bdf_labels"
MAT_DATA = "bdf_data"
MAT_METADATA = "metadata_json"
HDF5_GROUP = "bdf"


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def metadata_json(metadata: dict[str, Any]) -> str:
    """Metadata as JSON text (numpy scalars and dates made serialisable), always encodable as UTF-8.

    Text decoded with ``surrogateescape`` (a header field in an unknown code page) holds lone surrogates,
    which UTF-8 cannot encode (HDF5 attributes and Parquet metadata failed with ``UnicodeEncodeError``);
    such text is written with JSON ``\\uXXXX`` escapes, which read back to the same string.
    """
    text = json.dumps(metadata, default=_json_default, ensure_ascii=False, sort_keys=True)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(metadata, default=_json_default, ensure_ascii=True, sort_keys=True)
    return text


def sidecar_path(path: Path) -> Path:
    """``cell.bdf.csv`` -> ``cell.bdf.csv.metadata.json``."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """BDF CSV (UTF-8, comma, point decimal, shortest round-trip floats), written by Arrow (~10x pandas)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    buffer = io.BytesIO()
    pa_csv.write_csv(
        pa.Table.from_pandas(frame, preserve_index=False), buffer, pa_csv.WriteOptions(quoting_style="needed")
    )
    return buffer.getvalue()


def to_parquet_bytes(frame: pd.DataFrame, metadata: dict[str, Any]) -> bytes:
    """Parquet with the metadata JSON in the schema metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[PARQUET_METADATA_KEY] = metadata_json(metadata).encode("utf-8")
    table = table.replace_schema_metadata(schema_meta)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def to_excel_bytes(frame: pd.DataFrame, metadata: dict[str, Any], metrics: pd.DataFrame | None = None) -> bytes:
    """Excel workbook: ``bdf`` data sheet, ``metadata`` sheet (flattened keys), optional ``cycles`` sheet.

    Text cells that start with ``= + - @`` are prefixed with a quote (formula injection).
    """
    rows = [(_utf8(key), escape_spreadsheet_text(_utf8(value) if isinstance(value, str)
                                                 else json.dumps(value, default=_json_default)))
            for key, value in _flatten(metadata).items()]
    meta_frame = pd.DataFrame(rows, columns=["key", "value"])
    meta_frame["key"] = meta_frame["key"].map(escape_spreadsheet_text)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _escape_frame(frame).to_excel(writer, sheet_name="bdf", index=False)
        meta_frame.to_excel(writer, sheet_name="metadata", index=False)
        if metrics is not None:
            _escape_frame(metrics).to_excel(writer, sheet_name="cycles", index=False)
    return buffer.getvalue()


def _utf8(text: str) -> str:
    """Text that UTF-8 can encode: lone surrogates (from ``surrogateescape``) become ``\\udcXX``."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    text_columns = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    if not text_columns:
        return frame
    out = frame.copy()
    for column in text_columns:
        out[column] = out[column].map(escape_spreadsheet_text)
    return out


def _flatten(metadata: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in metadata.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        parts = str(key).split(".")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return nested


def to_hdf5_bytes(frame: pd.DataFrame, metadata: dict[str, Any]) -> bytes:
    """HDF5: one dataset per BDF column under ``/bdf`` (column order in ``labels``), metadata JSON attribute."""
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        group = handle.create_group(HDF5_GROUP)
        group.attrs["labels"] = json.dumps([str(c) for c in frame.columns])
        group.attrs["metadata"] = metadata_json(metadata)
        for index, column in enumerate(frame.columns):
            group.create_dataset(f"c{index:03d}", data=frame[column].to_numpy(), compression="gzip")
    return buffer.getvalue()


def to_mat_bytes(frame: pd.DataFrame, metadata: dict[str, Any]) -> bytes:
    """MATLAB v5 .mat: ``bdf_data`` (rows × columns, double), ``bdf_labels`` (cell of labels), ``metadata_json``."""
    from scipy.io import savemat

    buffer = io.BytesIO()
    labels = np.empty((1, len(frame.columns)), dtype=object)
    for i, column in enumerate(frame.columns):
        labels[0, i] = column
    savemat(
        buffer,
        {MAT_DATA: frame.to_numpy(dtype=float), MAT_LABELS: labels, MAT_METADATA: metadata_json(metadata)},
        do_compression=True,
    )
    return buffer.getvalue()


EXPORTERS: dict[str, tuple[str, Callable[..., bytes]]] = {
    "csv": (".bdf.csv", lambda frame, metadata: to_csv_bytes(frame)),
    "parquet": (".bdf.parquet", to_parquet_bytes),
    "xlsx": (".bdf.xlsx", to_excel_bytes),
    "hdf5": (".bdf.h5", to_hdf5_bytes),
    "mat": (".bdf.mat", to_mat_bytes),
}


def export_dataset(frame: pd.DataFrame, metadata: dict[str, Any], kind: str) -> tuple[bytes, str]:
    """Bytes of one export and its file-name suffix (``kind``: csv, parquet, xlsx, hdf5, mat)."""
    if kind not in EXPORTERS:
        raise ValueError(f"unknown export {kind!r}; choose one of {', '.join(EXPORTERS)}")
    suffix, writer = EXPORTERS[kind]
    return writer(frame, metadata), suffix


def write_dataset(frame: pd.DataFrame, metadata: dict[str, Any], path: Path) -> list[Path]:
    """Write an export chosen by the path's suffix; CSV and Parquet also get the JSON sidecar."""
    path = Path(path)
    name = path.name.lower()
    kind = next(
        (k for k, (suffix, _) in EXPORTERS.items() if name.endswith(suffix) or name.endswith(suffix.replace(".bdf", ""))),
        None,
    )
    if kind is None:
        raise ValueError(f"{path.name}: the export format follows the suffix; use one of .csv, .parquet, .xlsx, .h5, .mat")
    data, _ = export_dataset(frame, metadata, kind)
    path.write_bytes(data)
    written = [path]
    if kind in ("csv", "parquet"):
        sidecar_path(path).write_text(metadata_json(metadata), encoding="utf-8")
        written.append(sidecar_path(path))
    return written


def read_sidecar(path: Path) -> dict[str, Any]:
    """The JSON sidecar of an exported file, or ``{}``."""
    for candidate in (sidecar_path(path), path.with_suffix(SIDECAR_SUFFIX)):
        if candidate.exists():
            try:
                return json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
    return {}


def unflatten_metadata(flat: dict[str, Any]) -> dict[str, Any]:
    """Inverse of the Excel sheet's flattening (JSON values decoded)."""
    decoded = {}
    for key, value in flat.items():
        if isinstance(value, str):
            if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
                value = value[1:]
            try:
                value = json.loads(value)
            except ValueError:
                pass
        decoded[key] = value
    return _unflatten(decoded)
