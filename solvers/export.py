"""Export a :class:`~solvers.result.SolverResult` to CSV, HDF5, NPZ, MAT or Parquet — as bytes.

``solvers`` touches no files: these functions turn a result into the bytes of a file (and back); the
caller (the CLI, the app's download buttons, the artifact store) decides where they go.

* **CSV** — the BDF time series only (``Test Time / s``, ``Voltage / V``, ``Current / A`` positive on
  charge, ``Discharging Capacity / Ah``, ...): the frame a measured cycling file has, for spreadsheets.
* **HDF5, NPZ, MAT, Parquet** — the whole result: time series, spatial variables, mesh, termination
  and info. Labels are kept exactly; where a format restricts names (MATLAB fields, HDF5 paths) the
  stored names are sanitised and the exact labels are stored beside them.

Every format reads back with :func:`result_from_bytes`; the tests round-trip each one.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers import bdf
from solvers.result import SolverResult

__all__ = ["FORMATS", "format_from_filename", "result_from_bytes", "result_to_bytes"]

_VERSION = 1
_GROUPS = ("timeseries", "variables", "mesh")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    return str(obj)


def _info_json(result: SolverResult) -> str:
    return json.dumps(dict(result.info), default=_json_default)


def _ordered_timeseries(result: SolverResult) -> dict[str, np.ndarray]:
    """BDF columns, known labels first in their canonical order."""
    ts = {k: np.asarray(v) for k, v in result.timeseries.items()}
    ordered = {k: ts[k] for k in bdf.KNOWN_COLUMNS if k in ts}
    ordered.update({k: v for k, v in ts.items() if k not in ordered})
    return ordered


def _rebuild(
    groups: Mapping[str, Mapping[str, np.ndarray]], termination: str, info: Mapping[str, Any]
) -> SolverResult:
    ts = dict(groups["timeseries"])
    return SolverResult(
        time_s=np.asarray(ts[bdf.TEST_TIME], dtype=float),
        timeseries=ts,
        variables=dict(groups.get("variables", {})),
        mesh=dict(groups.get("mesh", {})),
        termination=termination,
        info=dict(info),
    )


# ----------------------------------------------------------------------------------------------- CSV


def _csv_write(result: SolverResult) -> bytes:
    import pandas as pd

    frame = pd.DataFrame(_ordered_timeseries(result))
    return frame.to_csv(index=False, float_format="%.12g", lineterminator="\n").encode("utf-8")


def _csv_read(data: bytes) -> SolverResult:
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(data))
    missing = [c for c in bdf.REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"The CSV lacks the BDF column(s) {missing}; it has {list(frame.columns)}.")
    ts = {c: frame[c].to_numpy() for c in frame.columns}
    return _rebuild({"timeseries": ts}, "unknown (read from CSV)", {"source_format": "csv"})


# ---------------------------------------------------------------------------------------------- HDF5


def _h5_name(label: str) -> str:
    return label.replace("/", "per").replace(".", "_")


def _h5_write(result: SolverResult) -> bytes:
    import h5py

    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.attrs["voltvault_result_version"] = _VERSION
        f.attrs["termination"] = result.termination
        f.attrs["info_json"] = _info_json(result)
        groups = {
            "timeseries": _ordered_timeseries(result),
            "variables": result.variables,
            "mesh": result.mesh,
        }
        for group_name, group in groups.items():
            g = f.create_group(group_name)
            used: set[str] = set()
            for i, (label, arr) in enumerate(group.items()):
                name = _h5_name(label)
                if name in used:
                    name = f"{name}_{i}"
                used.add(name)
                ds = g.create_dataset(name, data=np.asarray(arr))
                ds.attrs["label"] = label
                ds.attrs["order"] = i
    return buf.getvalue()


def _h5_read(data: bytes) -> SolverResult:
    import h5py

    groups: dict[str, dict[str, np.ndarray]] = {}
    with h5py.File(io.BytesIO(data), "r") as f:
        termination = str(f.attrs["termination"])
        info = json.loads(str(f.attrs["info_json"]))
        for group_name in _GROUPS:
            items = []
            for ds in f[group_name].values():
                items.append((int(ds.attrs["order"]), str(ds.attrs["label"]), ds[()]))
            groups[group_name] = {label: arr for _, label, arr in sorted(items, key=lambda t: t[0])}
    return _rebuild(groups, termination, info)


# ----------------------------------------------------------------------------------------------- NPZ


def _npz_write(result: SolverResult) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    manifest: dict[str, Any] = {
        "version": _VERSION,
        "termination": result.termination,
        "info_json": _info_json(result),
    }
    groups = {"timeseries": _ordered_timeseries(result), "variables": result.variables, "mesh": result.mesh}
    for group_name, group in groups.items():
        labels = []
        for i, (label, arr) in enumerate(group.items()):
            arrays[f"{group_name}_{i}"] = np.asarray(arr)
            labels.append(label)
        manifest[group_name] = labels
    arrays["__manifest__"] = np.array(json.dumps(manifest))
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def _npz_read(data: bytes) -> SolverResult:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        manifest = json.loads(str(z["__manifest__"]))
        groups = {g: {label: z[f"{g}_{i}"] for i, label in enumerate(manifest[g])} for g in _GROUPS}
    return _rebuild(groups, manifest["termination"], json.loads(manifest["info_json"]))


# ----------------------------------------------------------------------------------------------- MAT


def _matlab_field(label: str, used: set[str]) -> str:
    """A valid MATLAB identifier for a label: ``"Voltage / V"`` -> ``Voltage_V``."""
    name = re.sub(r"[^0-9A-Za-z]+", "_", label).strip("_") or "var"
    if not name[0].isalpha():
        name = "v_" + name
    name = name[:60]
    base, k = name, 2
    while name in used:
        name = f"{base[:56]}_{k}"
        k += 1
    used.add(name)
    return name


def _mat_write(result: SolverResult) -> bytes:
    from scipy.io import savemat

    content: dict[str, Any] = {
        "termination": result.termination,
        "info_json": _info_json(result),
        "voltvault_result_version": _VERSION,
    }
    shapes: dict[str, dict[str, list[int]]] = {}
    groups = {"timeseries": _ordered_timeseries(result), "variables": result.variables, "mesh": result.mesh}
    for group_name, group in groups.items():
        used: set[str] = set()
        fields: dict[str, np.ndarray] = {}
        labels: list[str] = []
        names: list[str] = []
        shapes[group_name] = {}
        for label, arr in group.items():
            name = _matlab_field(label, used)
            a = np.asarray(arr)
            fields[name] = a
            labels.append(label)
            names.append(name)
            shapes[group_name][label] = list(a.shape)
        if fields:
            content[group_name] = fields
            content[f"{group_name}_labels"] = np.array(labels, dtype=object)
            content[f"{group_name}_fields"] = np.array(names, dtype=object)
    content["shapes_json"] = json.dumps(shapes)
    buf = io.BytesIO()
    savemat(buf, content, long_field_names=True, do_compression=True, oned_as="column")
    return buf.getvalue()


def _mat_read(data: bytes) -> SolverResult:
    from scipy.io import loadmat

    m = loadmat(io.BytesIO(data), simplify_cells=True)
    shapes = json.loads(str(m["shapes_json"]))
    groups: dict[str, dict[str, np.ndarray]] = {}
    for group_name in _GROUPS:
        groups[group_name] = {}
        if group_name not in m:
            continue
        labels = np.atleast_1d(m[f"{group_name}_labels"])
        names = np.atleast_1d(m[f"{group_name}_fields"])
        for label, name in zip(labels, names, strict=True):
            label = str(label)
            arr = np.asarray(m[group_name][str(name)])
            groups[group_name][label] = arr.reshape(shapes[group_name][label])
    return _rebuild(groups, str(m["termination"]), json.loads(str(m["info_json"])))


# ------------------------------------------------------------------------------------------- Parquet


def _parquet_write(result: SolverResult) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ts = _ordered_timeseries(result)
    n_t = len(np.asarray(result.time_s))
    columns: dict[str, pa.Array] = {label: pa.array(np.asarray(arr)) for label, arr in ts.items()}
    manifest: dict[str, Any] = {
        "version": _VERSION,
        "termination": result.termination,
        "info_json": _info_json(result),
        "timeseries": list(ts),
        "variables": {},
        "mesh": {},
    }
    for label, arr in result.variables.items():
        a = np.asarray(arr)
        if a.ndim >= 1 and a.shape[0] == n_t and label not in columns:
            width = int(np.prod(a.shape[1:], dtype=int)) if a.ndim > 1 else 0
            if width:
                flat = pa.array(np.ascontiguousarray(a).reshape(-1))
                columns[label] = pa.FixedSizeListArray.from_arrays(flat, width)
            else:
                columns[label] = pa.array(a)
            manifest["variables"][label] = {"column": True, "shape": list(a.shape)}
        else:  # not aligned with time: keep it in the metadata as .npy bytes
            manifest["variables"][label] = {"column": False, "npy": _npy_b64(a)}
    for label, arr in result.mesh.items():
        manifest["mesh"][label] = _npy_b64(np.asarray(arr))
    table = pa.table(columns).replace_schema_metadata({"voltvault": json.dumps(manifest)})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def _npy_b64(a: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _npy_from_b64(s: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(s)), allow_pickle=False)


def _parquet_read(data: bytes) -> SolverResult:
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(data))
    meta = (table.schema.metadata or {}).get(b"voltvault")
    if meta is None:  # a plain BDF parquet frame (e.g. from a measured dataset)
        ts = {name: table.column(name).to_numpy() for name in table.column_names}
        return _rebuild({"timeseries": ts}, "unknown (read from Parquet)", {"source_format": "parquet"})
    manifest = json.loads(meta)
    ts = {label: table.column(label).to_numpy() for label in manifest["timeseries"]}
    variables: dict[str, np.ndarray] = {}
    for label, spec in manifest["variables"].items():
        if spec["column"]:
            col = table.column(label).combine_chunks()
            shape = tuple(spec["shape"])
            if len(shape) > 1:
                variables[label] = col.flatten().to_numpy().reshape(shape)
            else:
                variables[label] = col.to_numpy()
        else:
            variables[label] = _npy_from_b64(spec["npy"])
    mesh = {label: _npy_from_b64(s) for label, s in manifest["mesh"].items()}
    return _rebuild(
        {"timeseries": ts, "variables": variables, "mesh": mesh},
        manifest["termination"],
        json.loads(manifest["info_json"]),
    )


# ---------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class ExportFormat:
    """One file format: its writer, reader, media type and file extensions."""

    name: str
    write: Callable[[SolverResult], bytes]
    read: Callable[[bytes], SolverResult]
    media_type: str
    extensions: tuple[str, ...]
    full: bool  # True when the whole result (profiles, mesh, info) survives the round trip


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("csv", _csv_write, _csv_read, "text/csv", (".csv",), False),
        ExportFormat("hdf5", _h5_write, _h5_read, "application/x-hdf5", (".h5", ".hdf5", ".hdf"), True),
        ExportFormat("npz", _npz_write, _npz_read, "application/octet-stream", (".npz",), True),
        ExportFormat("mat", _mat_write, _mat_read, "application/x-matlab-data", (".mat",), True),
        ExportFormat(
            "parquet",
            _parquet_write,
            _parquet_read,
            "application/vnd.apache.parquet",
            (".parquet", ".pq"),
            True,
        ),
    )
}


def format_from_filename(filename: str) -> ExportFormat:
    """The export format for a file name, from its extension (``run.h5`` -> HDF5)."""
    lower = str(filename).lower()
    for fmt in FORMATS.values():
        if lower.endswith(fmt.extensions):
            return fmt
    known = ", ".join(ext for f in FORMATS.values() for ext in f.extensions)
    raise ValueError(f"Cannot tell the export format of {filename!r} from its extension; use one of {known}.")


def _get(fmt: str) -> ExportFormat:
    key = fmt.lower().lstrip(".")
    key = {"h5": "hdf5", "hdf": "hdf5", "pq": "parquet"}.get(key, key)
    if key not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.")
    return FORMATS[key]


def result_to_bytes(result: SolverResult, fmt: str) -> bytes:
    """The bytes of ``result`` written as ``fmt`` (``"csv"``, ``"hdf5"``/``"h5"``, ``"npz"``, ``"mat"``, ``"parquet"``)."""
    return _get(fmt).write(result)


def result_from_bytes(data: bytes, fmt: str) -> SolverResult:
    """Read a result back from bytes written by :func:`result_to_bytes` (CSV gives the time series only)."""
    return _get(fmt).read(data)
