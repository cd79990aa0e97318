"""Maccor text exports: ``.txt`` and the numbered extensions (``.001``, ``.078``, ...).

Variants handled (all seen in real files): a short 3-line header or a long ``Name:`` header block;
test time as seconds or as ``Nd hh:mm:ss.s``; decimal comma; tab or comma separators; an unsigned
``Amps`` column whose direction is given by the ``State``/``Md`` column (C charge, D discharge,
R rest, O other) or a signed current. Capacity (``Amp-hr``/``Cap. [Ah]``) and energy restart every
step. When the test-time column and the row timestamps (``DPt Time``) disagree by a factor of 60
or 3600, the export was written in minutes or hours and is converted (with a warning).
Maccor's raw binary data files share the numbered extensions; they are refused with a hint.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from voltvault_core.cycling import frame as bdf_frame
from voltvault_core.cycling.errors import CyclingFormatError
from voltvault_core.cycling.readers import ParsedFile, Probe, ReadContext, register_format
from voltvault_core.cycling.readers._columns import (
    datetime_unix,
    direction_from_text,
    duration,
    find_column,
    integer,
    numeric,
)
from voltvault_core.cycling.textio import DEFAULT_ENCODINGS, decode_text, read_table, split_lines

CYCLE = ("cyc", "cycle c", "cycle", "cycle index", "cyc#")
STEP = ("step", "step index")
TEST_TIME = ("testtime", "test time", "test")
STEP_TIME = ("steptime", "step time", "step (sec)")
CAPACITY = ("amp-hr", "cap", "capacity", "amp hr")
ENERGY = ("watt-hr", "ener", "energy", "watt hr")
CURRENT = ("amps", "current")
#: exports configured in milli-units name the unit in the column itself
MILLI = {"mamps": ("current", "mA"), "mamp-hr": ("charge", "mAh"), "mwatt-hr": ("energy", "mWh")}
VOLTAGE = ("volts", "voltage")
STATE = ("state", "md", "mode")
DPT = ("dpt time", "dpttime", "date time")
RESISTANCE = ("dcir/ohms", "dcir", "acimp/ohms")
MAX_HEADER_SCAN = 60


CYCLE_TOKENS = {"cyc#", "cycle c", "cycle p", "cycle"}
VOLT_TOKENS = {"volts", "voltage [v]", "voltage", "voltage(v)"}
TIME_TOKENS = {"testtime", "test time", "test time (sec)", "test time (hr)", "test (sec)", "test (hr)", "test (min)"}


def _find_header(lines: list[str]) -> int | None:
    """Index of the Maccor column header: its fields (tab or comma separated) name a cycle, the step,
    the test time and the voltage exactly as Maccor writes them."""
    for index, line in enumerate(lines[:MAX_HEADER_SCAN]):
        delimiter = "\t" if "\t" in line else ","
        fields = {f.strip().lower() for f in line.split(delimiter)}
        if fields & CYCLE_TOKENS and fields & VOLT_TOKENS and fields & TIME_TOKENS and "step" in fields:
            return index
    return None


def _sniff(probe: Probe) -> float:
    if probe.is_zip:
        return 0.0
    if probe.is_binary:
        return 0.0
    header = _find_header(probe.text.splitlines())
    return 0.9 if header is not None else 0.0


def _looks_like_maccor_raw(probe: Probe) -> bool:
    suffix = probe.suffix.lstrip(".")
    return probe.is_binary and suffix.isdigit()


def _time_unit_factor(time_s: np.ndarray, unix_s: np.ndarray | None) -> float:
    """60 or 3600 when the time column runs 60× / 3600× slower than the timestamps, else 1."""
    if unix_s is None:
        return 1.0
    ok = np.isfinite(time_s) & np.isfinite(unix_s)
    if ok.sum() < 3:
        return 1.0
    span_time = time_s[ok].max() - time_s[ok].min()
    span_wall = unix_s[ok].max() - unix_s[ok].min()
    if span_time <= 0 or span_wall <= 0:
        return 1.0
    ratio = span_wall / span_time
    for factor in (60.0, 3600.0):
        if abs(ratio / factor - 1.0) < 0.02:
            return factor
    return 1.0


@register_format(
    "maccor_txt",
    label="Maccor text export (.txt, .NNN)",
    extensions=(".txt", ".csv", *tuple(f".{i:03d}" for i in range(1000))),
    sniff=_sniff,
    vendor="Maccor",
)
def read_maccor_txt(path: Path, context: ReadContext) -> ParsedFile:
    """Read a Maccor text export."""
    from voltvault_core.cycling.readers import make_probe

    probe = make_probe(path, context.filename)
    if _looks_like_maccor_raw(probe):
        raise CyclingFormatError(
            context.filename,
            "this is a Maccor raw binary data file, not a text export",
            "export it as text (MacTest32 / MIMS Client 'Export data' as tab-delimited text)",
        )
    text, encoding = decode_text(path.read_bytes(), DEFAULT_ENCODINGS)
    lines = split_lines(text)
    header_index = _find_header(lines)
    if header_index is None:
        raise CyclingFormatError(
            context.filename, "no Maccor column header (Cyc#/Cycle, Step, TestTime, Volts) in the first lines"
        )
    metadata: dict = {"encoding": encoding}
    for line in lines[:header_index]:
        fields = [f.strip() for f in line.split("\t")]
        for key, value in zip(fields[0::2], fields[1::2], strict=False):
            if key:
                metadata[key.rstrip(":").strip().lower().replace(" ", "_")] = value
    table, dialect = read_table(lines, header_index)
    metadata.update(dialect)
    cols = table.columns
    warns: list[str] = []
    voltage = numeric(table, find_column(cols, VOLTAGE), "voltage", "V")
    milli = {k: find_column(cols, (k,)) for k in MILLI}
    current = (
        numeric(table, milli["mamps"], "current", "mA") if milli["mamps"]
        else numeric(table, find_column(cols, CURRENT), "current", "A")
    )
    time_s = duration(table, find_column(cols, TEST_TIME))
    if voltage is not None and milli["mamps"] and np.nanmedian(np.abs(voltage)) > 100.0:
        voltage = voltage * 1e-3  # a milli-unit export writes "Volts" in mV too
        warns.append("this export is in milli-units (mAmps, mAmp-hr): its Volts column holds mV and was converted")
    if voltage is None or current is None or time_s is None:
        raise CyclingFormatError(context.filename, "no TestTime, Volts or Amps column could be read")
    state_col = find_column(cols, STATE)
    direction = (
        direction_from_text(table[state_col[0]])
        if state_col
        else bdf_frame.direction_from_current(current)
    )
    if np.nanmin(current) >= 0 and (direction == -1).any():
        current = np.where(direction == -1, -np.abs(current), np.abs(current))
        warns.append("Amps is unsigned in this export: the State column gave discharge a negative sign")
    unix = datetime_unix(table, find_column(cols, DPT))
    factor = _time_unit_factor(time_s, unix)
    if factor != 1.0:
        time_s = time_s * factor
        warns.append(
            f"the TestTime column runs {factor:.0f}× slower than the DPt Time stamps: "
            f"it was exported in {'minutes' if factor == 60 else 'hours'} and converted to seconds"
        )
    capacity = (
        numeric(table, milli["mamp-hr"], "charge", "mAh") if milli["mamp-hr"]
        else numeric(table, find_column(cols, CAPACITY), "charge", "Ah")
    )
    energy = (
        numeric(table, milli["mwatt-hr"], "energy", "mWh") if milli["mwatt-hr"]
        else numeric(table, find_column(cols, ENERGY), "energy", "Wh")
    )
    chg = dchg = chg_e = dchg_e = None
    if capacity is not None:
        chg, dchg = np.where(direction == 1, np.abs(capacity), 0.0), np.where(direction == -1, np.abs(capacity), 0.0)
    if energy is not None:
        chg_e, dchg_e = np.where(direction == 1, np.abs(energy), 0.0), np.where(direction == -1, np.abs(energy), 0.0)
    cycle = integer(table, find_column(cols, CYCLE))
    frame = bdf_frame.assemble_bdf(
        time_s=time_s,
        voltage_V=voltage,
        current_A=current,
        cycle=cycle,
        step_index=integer(table, find_column(cols, STEP)),
        charge_capacity_Ah=chg,
        discharge_capacity_Ah=dchg,
        charge_energy_Wh=chg_e,
        discharge_energy_Wh=dchg_e,
        counters_reset="segment",
        unix_time_s=unix,
        internal_resistance_Ohm=numeric(table, find_column(cols, ("dcir",)), "resistance", "Ohm"),
    )
    frame, dropped = bdf_frame.drop_incomplete_rows(frame)
    if dropped:
        warns.append(f"{dropped} incomplete row(s) (a truncated line) were dropped")
    bdf_frame.validate_bdf(frame, context.filename)
    if isinstance(table.index, pd.RangeIndex) and cycle is None:
        warns.append("no cycle column: cycles were detected from the current's sign")
    return ParsedFile(frame, "maccor_txt", context.filename, metadata, warns)
