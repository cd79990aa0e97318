"""Arbin readers: ``.res`` (MS Access database, via mdbtools), CSV exports and MITS Pro ``.xlsx`` exports.

Arbin writes current positive on charge, and capacities/energies that accumulate over a cycle and
restart with the next one, which is already the BDF convention of :mod:`voltvault_core.cycling.frame`.
The ``.res`` file is read the way galvani's ``res2sqlite`` does, by exporting the
``Channel_Normal_Table`` with ``mdb-export`` (Debian package ``mdbtools``); the code here is our own.
"""

from __future__ import annotations

import io
import os
import resource
import selectors
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd

from voltvault_core.cycling import frame as bdf_frame
from voltvault_core.cycling.errors import CyclingFormatError
from voltvault_core.cycling.readers import ParsedFile, Probe, ReadContext, register_format
from voltvault_core.cycling.readers._columns import datetime_unix, duration, find_column, integer, numeric
from voltvault_core.cycling.readers._excel import read_sheets

TIME = ("test time", "testtime", "test time(s)")
STEP_TIME = ("step time",)
DATETIME = ("date time", "datetime", "date")
CYCLE = ("cycle index", "cycle")
STEP = ("step index", "step")
CURRENT = ("current",)
VOLTAGE = ("voltage",)
CHARGE_CAP = ("charge capacity",)
DISCHARGE_CAP = ("discharge capacity",)
CHARGE_E = ("charge energy",)
DISCHARGE_E = ("discharge energy",)
RESISTANCE = ("internal resistance",)
TEMPERATURE = ("temperature", "aux temperature 1", "aux temperature", "temperature 1")

MDB_TIMEOUT_S = 600


def arbin_table_to_bdf(table: pd.DataFrame, filename: str, fmt: str, metadata: dict) -> ParsedFile:
    """Convert an Arbin data table (any export's column spelling) into a :class:`ParsedFile`."""
    cols = table.columns
    time_s = duration(table, find_column(cols, TIME))
    voltage = numeric(table, find_column(cols, VOLTAGE), "voltage", "V")
    current = numeric(table, find_column(cols, CURRENT), "current", "A")
    if time_s is None or voltage is None or current is None:
        raise CyclingFormatError(
            filename,
            "no test time, voltage or current column was found",
            f"an Arbin export needs Test_Time, Voltage and Current columns; found: {', '.join(map(str, cols))}",
        )
    warnings: list[str] = []
    cycle = integer(table, find_column(cols, CYCLE))
    if cycle is None:
        warnings.append("the file has no (or an empty) cycle column: cycles were detected from the current's sign")
    step = integer(table, find_column(cols, STEP))
    frame = bdf_frame.assemble_bdf(
        time_s=time_s,
        voltage_V=voltage,
        current_A=current,
        cycle=cycle,
        step_index=step,
        charge_capacity_Ah=numeric(table, find_column(cols, CHARGE_CAP), "charge", "Ah"),
        discharge_capacity_Ah=numeric(table, find_column(cols, DISCHARGE_CAP), "charge", "Ah"),
        charge_energy_Wh=numeric(table, find_column(cols, CHARGE_E), "energy", "Wh"),
        discharge_energy_Wh=numeric(table, find_column(cols, DISCHARGE_E), "energy", "Wh"),
        counters_reset="cycle",
        unix_time_s=datetime_unix(table, find_column(cols, DATETIME)),
        surface_temperature_degC=numeric(table, find_column(cols, TEMPERATURE), "temperature", "degC"),
        internal_resistance_Ohm=numeric(table, find_column(cols, RESISTANCE), "resistance", "Ohm"),
    )
    return ParsedFile.checked(frame, fmt, filename, metadata, warnings)


# --------------------------------------------------------------------------------------------- .res
def _sniff_res(probe: Probe) -> float:
    return 0.95 if probe.head[4:19] in (b"Standard Jet DB", b"Standard ACE DB") else 0.0


#: mdb-export's output may be at most this many bytes per byte of the database, plus the minimum below
#: (a real export is smaller than its .res; a damaged page table can make mdb-export loop for ever)
MDB_OUTPUT_PER_INPUT_BYTE = 8.0
MDB_MAX_OUTPUT_MIN_BYTES = 64 * 1024**2
#: address-space limit of the mdb-export process [B]
MDB_MEMORY_BYTES = 2 * 1024**3


def mdb_time_limit_s(size_bytes: int) -> float:
    """Wall-time limit of one ``mdb-export`` run: 10 s plus 2 s per MB of database, at most MDB_TIMEOUT_S."""
    return min(float(MDB_TIMEOUT_S), 10.0 + 2.0 * size_bytes / 1e6)


def _mdb_command(exe: str, path: Path, table: str) -> list[str]:
    """The mdb-export command, wrapped by ``setpriv --pdeathsig KILL`` where util-linux has it, so that
    mdb-export dies with a killed import worker instead of looping on as an orphan."""
    command = [exe, "-D", "%Y-%m-%d %H:%M:%S", str(path), table]
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", *command] if setpriv else command


def _mdb_export(path: Path, table: str, filename: str) -> pd.DataFrame:
    """Export one table as CSV with ``mdb-export``, bounded in time, output size and memory.

    Raises
    ------
    CyclingFormatError
        mdb-export is missing, fails, runs past its time limit or writes more than the output limit.
    """
    exe = shutil.which("mdb-export")
    if exe is None:
        raise CyclingFormatError(
            filename, "reading Arbin .res files needs mdb-export", "install mdbtools (apt-get install mdbtools)"
        )
    size = path.stat().st_size
    limit_bytes = int(MDB_MAX_OUTPUT_MIN_BYTES + MDB_OUTPUT_PER_INPUT_BYTE * size)
    limit_s = mdb_time_limit_s(size)
    process = subprocess.Popen(  # no preexec_fn: the web process has threads
        _mdb_command(exe, path, table),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, killed as a whole
    )
    if hasattr(resource, "prlimit"):
        try:
            resource.prlimit(process.pid, resource.RLIMIT_AS, (MDB_MEMORY_BYTES, MDB_MEMORY_BYTES))
        except (OSError, ValueError):
            pass  # it ended already, or the limit cannot be lowered here; time and output stay bounded
    chunks: list[bytes] = []
    errors: list[bytes] = []
    received = 0
    problem = None
    deadline = time.monotonic() + limit_s
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, chunks)
        selector.register(process.stderr, selectors.EVENT_READ, errors)
        open_pipes = 2
        while open_pipes and problem is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                problem = f"mdb-export took more than {limit_s:.0f} s on the table {table!r}: the database is damaged"
                break
            for key, _ in selector.select(timeout=min(remaining, 1.0)):
                block = os.read(key.fileobj.fileno(), 1 << 20)
                if not block:
                    selector.unregister(key.fileobj)
                    open_pipes -= 1
                    continue
                if key.data is chunks:
                    received += len(block)
                    if received > limit_bytes:
                        problem = (
                            f"mdb-export wrote more than {limit_bytes / 1024**2:.0f} MB for the table {table!r} "
                            f"of a {size / 1024**2:.1f} MB database: the database is damaged"
                        )
                        break
                    chunks.append(block)
                elif sum(map(len, errors)) < 65536:
                    errors.append(block)
    if problem is not None:
        _kill_group(process)
        raise CyclingFormatError(filename, problem, "re-export the .res from MITS Pro, or export CSV")
    try:
        returncode = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise CyclingFormatError(filename, f"mdb-export took more than {limit_s:.0f} s on the table {table!r}") from None
    finally:
        process.stdout.close()
        process.stderr.close()
    if returncode != 0:
        message = b"".join(errors).decode("utf-8", errors="replace").strip()[:300]
        raise CyclingFormatError(filename, f"the table {table!r} cannot be exported from the database ({message})")
    return pd.read_csv(io.BytesIO(b"".join(chunks)), low_memory=False)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        process.kill()
    process.wait()
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


@register_format(
    "arbin_res",
    label="Arbin .res (MS Access database)",
    extensions=(".res",),
    sniff=_sniff_res,
    vendor="Arbin",
)
def read_arbin_res(path: Path, context: ReadContext) -> ParsedFile:
    """Read an Arbin ``.res`` file's ``Channel_Normal_Table`` (and its ``Global_Table`` metadata)."""
    table = _mdb_export(path, "Channel_Normal_Table", context.filename)
    metadata: dict = {}
    try:
        global_table = _mdb_export(path, "Global_Table", context.filename)
        if len(global_table):
            row = global_table.iloc[0]
            for key in ("Test_Name", "Channel_Index", "Creator", "Comments", "Schedule_File_Name", "Start_DateTime", "Item_ID"):
                if key in row and pd.notna(row[key]):
                    value = row[key]
                    metadata[key.lower()] = value.item() if hasattr(value, "item") else value
    except CyclingFormatError:
        pass
    if "Test_ID" in table.columns and table["Test_ID"].nunique() > 1:
        metadata["test_ids"] = sorted(int(v) for v in table["Test_ID"].unique())
    table = table.sort_values(["Test_ID", "Data_Point"] if "Test_ID" in table else ["Data_Point"], kind="stable")
    table = _with_aux_temperature(path, table, context.filename, metadata)
    parsed = arbin_table_to_bdf(table.reset_index(drop=True), context.filename, "arbin_res", metadata)
    return parsed


def _with_aux_temperature(path: Path, table: pd.DataFrame, filename: str, metadata: dict) -> pd.DataFrame:
    """Join the first auxiliary temperature channel (``Auxiliary_Table``, Data_Type 1, degC) by data point."""
    try:
        aux = _mdb_export(path, "Auxiliary_Table", filename)
    except CyclingFormatError:
        return table
    if aux.empty or not {"Data_Point", "Data_Type", "X"} <= set(aux.columns):
        return table
    temperature = aux[aux["Data_Type"] == 1]
    if temperature.empty:
        return table
    first_channel = temperature["Auxiliary_Index"].min() if "Auxiliary_Index" in temperature else None
    if first_channel is not None:
        temperature = temperature[temperature["Auxiliary_Index"] == first_channel]
    keys = [k for k in ("Test_ID", "Data_Point") if k in temperature.columns and k in table.columns]
    merged = table.merge(
        temperature[[*keys, "X"]].drop_duplicates(keys).rename(columns={"X": "Aux_Temperature_1"}), on=keys, how="left"
    )
    metadata["aux_temperature_channel"] = int(first_channel) if first_channel is not None else 0
    return merged


# --------------------------------------------------------------------------------------------- CSV
def _arbin_header_score(header: str) -> float:
    """Arbin CSV headers, MITS Pro 7 (``Test_Time(s)``, ``Cycle_Index``) or MITS Pro 8 (``Test Time (s)``)."""
    h = header.lower().replace("_", " ")
    if "test time" in h and "voltage" in h and "current" in h and ("cycle index" in h or "step index" in h):
        return 0.9
    return 0.0


def _sniff_csv(probe: Probe) -> float:
    if probe.is_binary or probe.is_zip:
        return 0.0
    first = probe.text.splitlines()[:1]
    return _arbin_header_score(first[0]) if first else 0.0


def _companion_metadata(path: Path) -> dict:
    companion = path.with_name(path.stem + "_Metadata.csv")
    if not companion.exists():
        return {}
    try:
        meta = pd.read_csv(companion, nrows=1)
    except (OSError, ValueError):
        return {}
    out = {}
    for key in ("Test_ID", "IV_Ch_ID", "First_Start_DateTime", "Schedule_File_Name", "Item_ID"):
        if key in meta.columns and pd.notna(meta[key].iloc[0]):
            value = meta[key].iloc[0]
            out[key.lower()] = value.item() if hasattr(value, "item") else value
    return out


@register_format(
    "arbin_csv",
    label="Arbin CSV export",
    extensions=(".csv", ".txt"),
    sniff=_sniff_csv,
    vendor="Arbin",
)
def read_arbin_csv(path: Path, context: ReadContext) -> ParsedFile:
    """Read an Arbin CSV export (MITS Pro / TRI layout), with its ``_Metadata.csv`` companion if present."""
    from voltvault_core.cycling.textio import DEFAULT_ENCODINGS, decode_text, read_table, split_lines

    text, encoding = decode_text(path.read_bytes(), DEFAULT_ENCODINGS)
    lines = split_lines(text)
    table, dialect = read_table(lines, 0)
    metadata = {"encoding": encoding, **dialect, **_companion_metadata(path)}
    return arbin_table_to_bdf(table, context.filename, "arbin_csv", metadata)


# --------------------------------------------------------------------------------------------- xlsx
def _sniff_xlsx(probe: Probe) -> float:
    if not probe.is_zip:
        return 0.0
    sheets = probe.xlsx_sheets
    if any(s.lower().startswith("channel") for s in sheets) and ("Global_Info" in sheets or len(sheets) >= 1):
        return 0.9 if "Global_Info" in sheets else 0.6
    return 0.0


@register_format(
    "arbin_xlsx",
    label="Arbin MITS Pro Excel export (.xlsx)",
    extensions=(".xlsx",),
    sniff=_sniff_xlsx,
    vendor="Arbin",
)
def read_arbin_xlsx(path: Path, context: ReadContext) -> ParsedFile:
    """Read the ``Channel_*`` data sheets of an Arbin workbook (continuation sheets are concatenated)."""
    from voltvault_core.cycling.readers import make_probe

    sheets = [s for s in make_probe(path, context.filename).xlsx_sheets if s.lower().startswith("channel")]
    if not sheets:
        raise CyclingFormatError(context.filename, "the workbook has no Channel_* data sheet", "is it an Arbin export?")
    frames = read_sheets(path, context.filename, sheets)
    table = pd.concat([frames[s] for s in sheets if len(frames[s])], ignore_index=True)
    metadata: dict = {"sheets": sheets}
    try:
        info = read_sheets(path, context.filename, ["Global_Info"], header=None)["Global_Info"]
        for i in range(len(info) - 1):
            row = [str(v) for v in info.iloc[i].tolist()]
            if "Channel" in row and "Start DateTime" in row:
                values = info.iloc[i + 1].tolist()
                for key, value in zip(row, values, strict=False):
                    if key != "nan" and pd.notna(value):
                        metadata[key.strip().lower().replace(" ", "_")] = str(value)
                break
    except CyclingFormatError:
        pass
    if "Test_Time(s)" in table.columns:
        table = table.sort_values("Test_Time(s)", kind="stable").reset_index(drop=True)
    parsed = arbin_table_to_bdf(table, context.filename, "arbin_xlsx", metadata)
    if not np.all(np.diff(parsed.frame["Test Time / s"].to_numpy()) >= 0):
        parsed.warnings.append("test time is not monotonic across the data sheets")
    return parsed
