"""Neware readers: BTS binary ``.nda`` and ``.ndax`` (through the NewareNDA package), and the BTS
``.xlsx`` and ``.csv`` exports (record layer), in English or Chinese column names.

Neware counts capacity and energy from zero at every step and writes discharge current negative.
Its ``Time`` is the step time in the exports (``Total Time`` / ``Cumulative Time`` is the test time);
NewareNDA's ``Time`` is a test time in some files and a step time in others, which
:func:`voltvault_core.cycling.frame.restarts_every_step` tells apart.
Split exports (``..._1.xlsx`` continuation parts, Excel's 1,048,576-row limit) are joined by
:func:`voltvault_core.cycling.importer.read_cycling_files`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from voltvault_core import bdf
from voltvault_core.cycling import frame as bdf_frame
from voltvault_core.cycling.errors import CyclingFormatError
from voltvault_core.cycling.readers import ParsedFile, Probe, ReadContext, make_probe, register_format
from voltvault_core.cycling.readers._columns import (
    datetime_unix,
    direction_from_text,
    duration,
    find_column,
    integer,
    numeric,
)
from voltvault_core.cycling.readers._excel import read_sheets

STEP_TIME = (
    "time", "step time", "relative time", "time(h:min:s ms)", "relative time(h:min:s ms)", "时间", "相对时间", "步次时间",
)
TOTAL_TIME = ("total time", "cumulative time", "test time", "总时间", "累计时间", "总时间(h:min:s ms)")
DATE = ("date", "realtime", "absolute time", "timestamp", "system time", "绝对时间", "系统时间", "日期")
CYCLE = ("cycle index", "cycle", "cycle id", "cycle no", "循环号", "循环序号", "循环")
STEP_INDEX = ("step index", "step", "step id", "step number", "step no", "工步号", "工步序号")
STEP_TYPE = ("step type", "step name", "status", "工步类型", "工步名称", "状态")
CURRENT = ("current", "cur", "电流")
VOLTAGE = ("voltage", "电压")
CHG_CAP = ("chg cap", "charge capacity", "chg capacity", "充电容量")
DCHG_CAP = ("dchg cap", "discharge capacity", "dchg capacity", "放电容量")
CAPACITY = ("capacity", "cap", "容量")
CHG_E = ("chg energy", "charge energy", "充电能量")
DCHG_E = ("dchg energy", "discharge energy", "放电能量")
ENERGY = ("energy", "能量")
TEMPERATURE = ("t1", "temperature", "aux t1", "auxiliary temperature", "温度", "t1 aux")
POWER = ("power", "功率")


def _signed_current(current: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, bool]:
    """Give an unsigned current its sign from the step type (when the file has no negative values)."""
    if (direction == -1).any() and np.nanmin(current) >= 0:
        return np.where(direction == -1, -np.abs(current), np.abs(current)), True
    return current, False


def _split_capacity(total: np.ndarray | None, direction: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Split a single per-step capacity column into charge and discharge parts by direction."""
    if total is None:
        return None, None
    total = np.abs(total)
    return np.where(direction == 1, total, 0.0), np.where(direction == -1, total, 0.0)


def neware_table_to_bdf(table: pd.DataFrame, filename: str, fmt: str, metadata: dict) -> ParsedFile:
    """Convert a Neware record table (any export's spelling) into a :class:`ParsedFile`."""
    cols = table.columns
    warns: list[str] = []
    voltage = numeric(table, find_column(cols, VOLTAGE), "voltage", "V")
    current = numeric(table, find_column(cols, CURRENT), "current", "A")
    if voltage is None or current is None:
        raise CyclingFormatError(
            filename,
            "no voltage or current column was found",
            f"a Neware record table needs Voltage(V) and Current(A or mA); found: {', '.join(map(str, cols))}",
        )
    cycle = integer(table, find_column(cols, CYCLE))
    step = integer(table, find_column(cols, STEP_INDEX))
    step_type_col = find_column(cols, STEP_TYPE)
    text_direction = (
        direction_from_text(table[step_type_col[0]]) if step_type_col else bdf_frame.direction_from_current(current)
    )
    current, signed = _signed_current(current, text_direction)
    if signed:
        warns.append("the current column is unsigned: discharge steps were given a negative current")
    direction = bdf_frame.direction_from_current(current)
    segment = bdf_frame.run_ids(
        cycle if cycle is not None else np.zeros(len(table), dtype=np.int64),
        step if step is not None else direction,
    )
    total_time = duration(table, find_column(cols, TOTAL_TIME))
    step_time = duration(table, find_column(cols, STEP_TIME))
    if total_time is not None and not bdf_frame.restarts_every_step(total_time, segment):
        time_s = total_time
    elif step_time is not None:
        if bdf_frame.restarts_every_step(step_time, segment):
            time_s = bdf_frame.test_time_from_step_time(step_time, segment)
            warns.append("test time was rebuilt from the step time (sum of each step's duration)")
        else:
            time_s = step_time
    else:
        raise CyclingFormatError(filename, "no time column was found", "expected Total Time, Cumulative Time or Time")

    chg = numeric(table, find_column(cols, CHG_CAP), "charge", "Ah")
    dchg = numeric(table, find_column(cols, DCHG_CAP), "charge", "Ah")
    if chg is None and dchg is None:
        chg, dchg = _split_capacity(numeric(table, find_column(cols, CAPACITY), "charge", "Ah"), direction)
    chg_e = numeric(table, find_column(cols, CHG_E), "energy", "Wh")
    dchg_e = numeric(table, find_column(cols, DCHG_E), "energy", "Wh")
    if chg_e is None and dchg_e is None:
        chg_e, dchg_e = _split_capacity(numeric(table, find_column(cols, ENERGY), "energy", "Wh"), direction)
    if cycle is None:
        warns.append("the file has no cycle column: cycles were detected from the current's sign")

    frame = bdf_frame.assemble_bdf(
        time_s=time_s,
        voltage_V=voltage,
        current_A=current,
        cycle=cycle,
        step_index=step,
        charge_capacity_Ah=chg,
        discharge_capacity_Ah=dchg,
        charge_energy_Wh=chg_e,
        discharge_energy_Wh=dchg_e,
        counters_reset="segment",
        unix_time_s=datetime_unix(table, find_column(cols, DATE)),
        surface_temperature_degC=numeric(table, find_column(cols, TEMPERATURE), "temperature", "degC"),
        power_W=numeric(table, find_column(cols, POWER), "power", "W"),
    )
    return ParsedFile.checked(frame, fmt, filename, metadata, warns)


# ------------------------------------------------------------------------------------- nda / ndax
def _sniff_nda(probe: Probe) -> float:
    return 0.95 if probe.head.startswith(b"NEWARE") else 0.0


def _sniff_ndax(probe: Probe) -> float:
    if not probe.is_zip:
        return 0.0
    names = set(probe.zip_names)
    return 0.95 if "data.ndc" in names or ("TestInfo.xml" in names and "Step.xml" in names) else 0.0


def _read_with_newarenda(path: Path, context: ReadContext, fmt: str) -> ParsedFile:
    import NewareNDA

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = NewareNDA.read(str(path))
    except Exception as exc:  # NewareNDA raises bare exceptions on unknown versions
        raise CyclingFormatError(
            context.filename,
            f"NewareNDA could not read the file ({type(exc).__name__}: {exc})",
            "export it from BTS as .xlsx or .csv, or update NewareNDA",
        ) from exc
    metadata = {"reader": "NewareNDA"}
    parsed = neware_table_to_bdf(table, context.filename, fmt, metadata)
    parsed.warnings.extend(  # what NewareNDA says about the file, not its own deprecation notices
        f"NewareNDA: {w.message}" for w in caught if not issubclass(w.category, DeprecationWarning | FutureWarning)
    )
    if "Timestamp" in table.columns and len(table):
        metadata["start_time"] = str(table["Timestamp"].iloc[0])
    return parsed


@register_format("neware_nda", label="Neware BTS binary .nda", extensions=(".nda",), sniff=_sniff_nda, vendor="Neware")
def read_neware_nda(path: Path, context: ReadContext) -> ParsedFile:
    """Read a Neware ``.nda`` file with NewareNDA."""
    return _read_with_newarenda(path, context, "neware_nda")


@register_format(
    "neware_ndax", label="Neware BTS 8 .ndax (zip)", extensions=(".ndax",), sniff=_sniff_ndax, vendor="Neware"
)
def read_neware_ndax(path: Path, context: ReadContext) -> ParsedFile:
    """Read a Neware ``.ndax`` container with NewareNDA (after the zip-bomb checks of the probe)."""
    make_probe(path, context.filename).zip_names  # noqa: B018 - runs the zip limits before NewareNDA opens it
    return _read_with_newarenda(path, context, "neware_ndax")


# ------------------------------------------------------------------------------------- xlsx
RECORD_SHEET_PREFIXES = ("record", "detail", "记录")


def _record_sheets(sheets: list[str]) -> list[str]:
    return [s for s in sheets if s.strip().lower().startswith(RECORD_SHEET_PREFIXES)]


def _sniff_xlsx(probe: Probe) -> float:
    if not probe.is_zip:
        return 0.0
    sheets = probe.xlsx_sheets
    if _record_sheets(sheets):
        return 0.9 if any(s.lower() in ("step", "cycle", "test", "unit", "statis", "info") for s in sheets) else 0.7
    return 0.0


@register_format(
    "neware_xlsx",
    label="Neware BTS Excel export (.xlsx)",
    extensions=(".xlsx",),
    sniff=_sniff_xlsx,
    vendor="Neware",
)
def read_neware_xlsx(path: Path, context: ReadContext) -> ParsedFile:
    """Read the record sheet(s) of a Neware workbook; several record sheets are concatenated in order."""
    sheets = _record_sheets(make_probe(path, context.filename).xlsx_sheets)
    if not sheets:
        raise CyclingFormatError(context.filename, "the workbook has no 'record' or 'Detail' sheet")
    frames = read_sheets(path, context.filename, sheets)
    table = pd.concat([frames[s] for s in sheets if len(frames[s])], ignore_index=True)
    metadata: dict = {"sheets": sheets, **_test_sheet_fields(path, context.filename)}
    parsed = neware_table_to_bdf(table, context.filename, "neware_xlsx", metadata)
    first_point = find_column(table.columns, ("datapoint", "data point", "record id", "数据序号"))
    if first_point is not None:
        metadata["first_data_point"] = int(pd.to_numeric(table[first_point[0]], errors="coerce").min())
    return parsed


def _test_sheet_fields(path: Path, filename: str) -> dict:
    """Label/value pairs of the workbook's ``test`` and ``unit`` sheets (barcode, builder, limits, times).

    The cell's barcode (``P/N``) becomes ``cell_identifier``, which the import form offers as default.
    """
    names = {s.lower(): s for s in make_probe(path, filename).xlsx_sheets}
    wanted = [names[k] for k in ("test", "unit") if k in names]
    if not wanted:
        return {}
    fields: dict[str, str] = {}
    for sheet in read_sheets(path, filename, wanted, header=None).values():
        for row in sheet.head(12).itertuples(index=False):
            cells = list(row)
            # the info block is "label, (empty), value" triples; the step-plan table below has no gaps
            for i in range(len(cells) - 2):
                label, gap, value = cells[i], cells[i + 1], cells[i + 2]
                if (
                    isinstance(label, str) and label.strip()[:1].isalpha() and len(label) < 40
                    and pd.isna(gap) and not pd.isna(value) and str(value).strip() not in ("", "-")
                ):
                    fields.setdefault(label.strip().lower().replace(" ", "_").rstrip("."), str(value).strip())
    if "p/n" in fields:
        fields["cell_identifier"] = fields["p/n"]
    return fields


# ------------------------------------------------------------------------------------- csv
def _neware_header_score(header: str) -> float:
    h = header.lower()
    has_cycle = "cycle index" in h or "cycle id" in h or "循环号" in h or "循环序号" in h
    has_step = "step type" in h or "step name" in h or "工步类型" in h or "工步名称" in h
    has_voltage = "voltage" in h or "电压" in h
    return 0.85 if has_cycle and has_step and has_voltage else 0.0


def _is_layered(lines: list[str]) -> bool:
    """BTS "regular" export: three stacked headers (cycle, ",step", ",,record") and indented rows."""
    return (
        len(lines) > 3
        and lines[1].startswith(",")
        and not lines[1].startswith(",,")
        and lines[2].startswith(",,")
        and _neware_header_score(",".join(lines[:3]).replace("Step Type", "Step Type,Voltage")) > 0
    )


def _sniff_csv(probe: Probe) -> float:
    if probe.is_binary or probe.is_zip:
        return 0.0
    lines = probe.text.splitlines()
    if _is_layered(lines[:4]):
        return 0.85
    return _neware_header_score(lines[0]) if lines else 0.0


def _layered_records(lines: list[str]) -> pd.DataFrame:
    """Record rows of a layered export, each with the cycle and step it belongs to.

    Cycle rows start in the first column (sometimes followed on the same line by the first step's
    fields), step rows after one empty field, record rows after two.
    """
    cycle_header = lines[0].split(",")
    step_header = lines[1].split(",")[1:]
    record_header = lines[2].split(",")[2:]
    n_cycle = len(cycle_header)
    records: list[list[str]] = []
    context = {"cycle": "", "step": ["", "", ""]}
    for line in lines[3:]:
        if not line.strip():
            continue
        if line.startswith(",,"):
            fields = line.split(",")[2:]
            records.append([*fields[: len(record_header)], context["cycle"], *context["step"]])
        elif line.startswith(","):
            fields = line.split(",")[1:]
            context["step"] = ([*fields, "", "", ""])[:3]
        else:
            fields = line.split(",")
            context["cycle"] = fields[0]
            if len(fields) > n_cycle:
                context["step"] = ([*fields[n_cycle:], "", "", ""])[:3]
    step_names = [name.strip() for name in step_header[:3]]
    columns = [name.strip() for name in record_header] + ["Cycle Index", *step_names]
    table = pd.DataFrame(records, columns=columns)
    for column in table.columns:
        converted = pd.to_numeric(table[column], errors="coerce")
        if converted.notna().mean() > 0.99:
            table[column] = converted
    return table


@register_format(
    "neware_csv",
    label="Neware BTS CSV export (record layer)",
    extensions=(".csv", ".txt"),
    sniff=_sniff_csv,
    vendor="Neware",
)
def read_neware_csv(path: Path, context: ReadContext) -> ParsedFile:
    """Read a Neware CSV export (UTF-8 or GBK, comma/semicolon/tab, either line ending)."""
    from voltvault_core.cycling.textio import CJK_FIRST_ENCODINGS, decode_text, read_table, split_lines

    text, encoding = decode_text(path.read_bytes(), CJK_FIRST_ENCODINGS)
    lines = split_lines(text)
    if _is_layered(lines[:4]):
        table = _layered_records(lines)
        if "Step Number" in table.columns:  # the running step count separates repeated schedule steps
            table = table.rename(columns={"Step Index": "Schedule Step"}).rename(columns={"Step Number": "Step Index"})
        parsed = neware_table_to_bdf(table, context.filename, "neware_csv", {"encoding": encoding, "layout": "layered"})
        return parsed
    table, dialect = read_table(lines, 0)
    parsed = neware_table_to_bdf(table, context.filename, "neware_csv", {"encoding": encoding, **dialect})
    if bdf.UNIX_TIME in parsed.frame and len(parsed.frame):
        parsed.source_metadata["start_unix_s"] = float(parsed.frame[bdf.UNIX_TIME].iloc[0])
    return parsed
