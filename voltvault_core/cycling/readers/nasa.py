"""NASA Ames Prognostics Center of Excellence (PCoE) battery aging ``.mat`` files (B0005, B0006, ...).

Source of the structure: B. Saha and K. Goebel (2007), "Battery Data Set", NASA Ames Prognostics
Data Repository, NASA Ames Research Center, Moffett Field, CA; the README shipped with the data
(``BatteryAgingARC-FY08Q4``) describes it: one MATLAB struct named after the cell with a field
``cycle``, a 1×N struct array whose elements have

* ``type``: ``'charge'``, ``'discharge'`` or ``'impedance'``,
* ``ambient_temperature`` [degC],
* ``time``: the start of the cycle as a MATLAB date vector ``[Y M D h m s]``,
* ``data``: for charge/discharge ``Voltage_measured`` [V], ``Current_measured`` [A] (negative while
  discharging), ``Temperature_measured`` [degC], ``Time`` [s from the cycle's start], and for
  discharges ``Capacity`` [Ah]; impedance cycles hold spectra (kept out of the time series).

Each charge or discharge record is one step; a cycle is a charge record followed by discharge
records (a new cycle at each charge that follows a discharge). The test time is the wall-clock time since the
first record (rest periods between records are gaps in the series). Read with ``scipy.io.loadmat``
(no pickled objects are involved). MATLAB v7.3 (HDF5) files are refused with a hint.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from voltvault_core.cycling import frame as bdf_frame
from voltvault_core.cycling.errors import CyclingFormatError
from voltvault_core.cycling.readers import ParsedFile, Probe, ReadContext, register_format


def _sniff(probe: Probe) -> float:
    if probe.head.startswith(b"MATLAB 5.0 MAT-file"):
        return 0.8
    return 0.0


def _scalar(value):
    """Unwrap scipy.io's nested 1×1 object arrays down to a Python value or an ndarray."""
    while isinstance(value, np.ndarray) and value.dtype == object and value.size == 1:
        value = value.reshape(-1)[0]
    if isinstance(value, np.ndarray) and value.dtype.kind in "US":
        return str(value.reshape(-1)[0]) if value.size else ""
    if isinstance(value, np.ndarray) and value.dtype.names is None and value.size == 1 and value.dtype.kind in "fiu":
        return value.reshape(-1)[0].item()
    return value


def _field(record, name):
    try:
        return _scalar(record[name])
    except (ValueError, KeyError, IndexError):
        return None


def _datevec_to_unix(vector) -> float:
    values = np.asarray(vector, dtype=float).reshape(-1)
    if values.size < 6:
        return float("nan")
    year, month, day, hour, minute = (int(v) for v in values[:5])
    start = dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)
    return start.timestamp() + float(values[5])


@register_format(
    "nasa_pcoe_mat",
    label="NASA PCoE battery aging .mat (B0005-style)",
    extensions=(".mat",),
    sniff=_sniff,
    vendor="NASA",
)
def read_nasa_mat(path: Path, context: ReadContext) -> ParsedFile:
    """Read a NASA PCoE battery ``.mat`` file into a BDF frame."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    from voltvault_core.cycling.readers._matcheck import MatTooLargeError, check_mat_sizes

    try:
        check_mat_sizes(path.read_bytes())
    except MatTooLargeError as exc:
        raise CyclingFormatError(context.filename, f"the .mat file is damaged: {exc}", "upload an undamaged copy") from exc
    try:
        content = loadmat(str(path), squeeze_me=False, struct_as_record=True)
    except (MatReadError, ValueError, NotImplementedError) as exc:
        raise CyclingFormatError(
            context.filename,
            f"scipy cannot read this .mat ({exc})",
            "MATLAB v7.3 files are HDF5: save with -v7 or export the series as CSV",
        ) from exc
    except Exception as exc:  # scipy raises assorted errors on damaged files (zlib.error, UnboundLocalError, ...)
        raise CyclingFormatError(
            context.filename, f"the .mat file is damaged ({type(exc).__name__}: {exc})", "upload an undamaged copy"
        ) from exc
    names = [k for k in content if not k.startswith("__")]
    cell = next((k for k in names if isinstance(content[k], np.ndarray) and content[k].dtype.names and "cycle" in content[k].dtype.names), None)
    if cell is None:
        raise CyclingFormatError(
            context.filename,
            "no struct with a 'cycle' field (the NASA PCoE layout) was found",
            f"variables in the file: {', '.join(names) or 'none'}",
        )
    cycles = content[cell]["cycle"].reshape(-1)[0].reshape(-1)
    pieces: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "v", "i", "temp", "amb", "step", "cycle")}
    discharge_capacity_Ah: list[float] = []
    impedance_records = 0
    t0: float | None = None
    step = 0
    cycle_number = 1
    previous_kind = ""
    for record in cycles:
        kind = str(_field(record, "type") or "").strip().lower()
        data = record["data"].reshape(-1)[0] if record["data"].size else None
        if kind not in ("charge", "discharge") or data is None:
            impedance_records += int(kind == "impedance")
            continue
        start = _datevec_to_unix(_field(record, "time"))
        t0 = start if t0 is None else t0
        time_rel = np.asarray(_field(data, "Time"), dtype=float).reshape(-1)
        voltage = np.asarray(_field(data, "Voltage_measured"), dtype=float).reshape(-1)
        current = np.asarray(_field(data, "Current_measured"), dtype=float).reshape(-1)
        temperature = _field(data, "Temperature_measured")
        n = min(time_rel.size, voltage.size, current.size)
        if n == 0:
            continue
        step += 1
        if kind == "charge" and previous_kind == "discharge":
            cycle_number += 1
        previous_kind = kind
        pieces["t"].append(start - t0 + time_rel[:n])
        pieces["v"].append(voltage[:n])
        pieces["i"].append(current[:n])
        pieces["temp"].append(
            np.asarray(temperature, dtype=float).reshape(-1)[:n] if temperature is not None else np.full(n, np.nan)
        )
        ambient = _field(record, "ambient_temperature")
        pieces["amb"].append(np.full(n, float(ambient) if ambient is not None else np.nan))
        pieces["step"].append(np.full(n, step, dtype=np.int64))
        pieces["cycle"].append(np.full(n, cycle_number, dtype=np.int64))
        if kind == "discharge":
            capacity = _field(data, "Capacity")
            if capacity is not None:
                discharge_capacity_Ah.append(float(np.asarray(capacity, dtype=float).reshape(-1)[0]))
    if not pieces["t"]:
        raise CyclingFormatError(context.filename, "the file holds no charge or discharge records")
    time_s = np.concatenate(pieces["t"])
    order = np.argsort(time_s, kind="stable")
    frame = bdf_frame.assemble_bdf(
        time_s=time_s[order],
        voltage_V=np.concatenate(pieces["v"])[order],
        current_A=np.concatenate(pieces["i"])[order],
        cycle=np.concatenate(pieces["cycle"])[order],
        step_index=np.concatenate(pieces["step"])[order],
        counters_reset="none",
        unix_time_s=(time_s + t0)[order],
        ambient_temperature_degC=np.concatenate(pieces["amb"])[order],
        surface_temperature_degC=np.concatenate(pieces["temp"])[order],
    )
    bdf_frame.validate_bdf(frame, context.filename)
    metadata = {
        "cell_identifier": cell,
        "n_records": int(cycles.size),
        "n_impedance_records": impedance_records,
        "nasa_discharge_capacity_Ah": discharge_capacity_Ah,
        "source": "NASA Ames PCoE Battery Data Set (Saha & Goebel 2007)",
    }
    return ParsedFile(frame, "nasa_pcoe_mat", context.filename, metadata, [])
