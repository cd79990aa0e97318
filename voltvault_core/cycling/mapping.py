"""Column-mapping wizard (core): map an unfamiliar CSV/Excel layout onto the BDF columns.

1. :func:`load_table` reads the file's table (header row found automatically);
2. :func:`suggest_mapping` proposes, for each BDF quantity, a source column and its unit from the
   column names (``I [mA]``, ``Cap_mAh``, ``t (min)``, ``Leistung/kW``...);
3. the user confirms or edits the suggestion (the page shows it as a table);
4. :func:`apply_mapping` converts the table to a BDF frame. A confirmed mapping is a plain JSON dict,
   stored per organisation (table ``ColumnMapping``) and offered again for the lab's next file
   (:func:`match_saved_mapping`).

Mapping format (``version`` 1)::

    {"version": 1,
     "columns": {"Test Time / s": {"source": "t (min)", "unit": "min"},
                 "Current / A": {"source": "I/mA", "unit": "mA"}, ...},
     "current_positive": "charge",          # or "discharge": the file's sign convention
     "counters_reset": "auto",              # capacity counters restart: "auto" (judged from the data),
                                            # per "cycle", per "segment" (step), never ("test"), or "none"
     "header_row": 0, "sheet": null}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from voltvault_core import bdf
from voltvault_core.cycling import frame as bdf_frame
from voltvault_core.cycling.errors import CyclingFormatError
from voltvault_core.cycling.readers._columns import normalise_name
from voltvault_core.cycling.textio import (
    DEFAULT_ENCODINGS,
    decode_text,
    parse_duration_s,
    sniff_delimiter,
    split_lines,
    to_float,
)
from voltvault_core.cycling.units import UNIT_FACTORS, scale_to_si, split_name_unit, temperature_to_degC

MAPPING_VERSION = 1


@dataclass(frozen=True)
class Target:
    """A BDF quantity the wizard can fill."""

    label: str
    dimension: str
    keywords: tuple[str, ...]
    required: bool = False


TARGETS: tuple[Target, ...] = (
    Target(bdf.TEST_TIME, "time", ("test time", "total time", "elapsed time", "cumulative time", "time", "t", "zeit", "runtime"), True),
    Target(bdf.VOLTAGE, "voltage", ("voltage", "cell voltage", "ecell", "ewe", "volt", "potential", "u", "v", "spannung"), True),
    Target(bdf.CURRENT, "current", ("current", "curr", "amps", "i", "strom"), True),
    Target(bdf.CYCLE, "count", ("cycle", "cycle index", "cycle number", "cyc", "zyklus", "loop")),
    Target(bdf.STEP_INDEX, "count", ("step", "step index", "step number", "schritt")),
    Target(bdf.CHARGING_CAPACITY, "charge", ("charge capacity", "chg cap", "q charge", "charging capacity", "ladekapazitat")),
    Target(bdf.DISCHARGING_CAPACITY, "charge", ("discharge capacity", "dchg cap", "dis cap", "q discharge", "discharging capacity")),
    Target(bdf.CHARGING_ENERGY, "energy", ("charge energy", "chg energy", "charging energy")),
    Target(bdf.DISCHARGING_ENERGY, "energy", ("discharge energy", "dchg energy", "discharging energy")),
    Target(bdf.POWER, "power", ("power", "leistung", "p")),
    Target(bdf.SURFACE_TEMPERATURE, "temperature", ("temperature", "cell temperature", "temp", "t cell", "surface temperature")),
    Target(bdf.AMBIENT_TEMPERATURE, "temperature", ("ambient temperature", "chamber temperature", "t amb")),
    Target(bdf.UNIX_TIME, "datetime", ("date time", "datetime", "timestamp", "date", "absolute time", "realtime")),
)
TARGET_BY_LABEL = {t.label: t for t in TARGETS}


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-zäöü]+", text))


def _score(column: str, target: Target) -> tuple[float, str | None]:
    quantity, unit = split_name_unit(column)
    name = normalise_name(quantity)
    if unit is not None and target.dimension not in ("count", "datetime"):
        dim = UNIT_FACTORS[unit][0]
        if dim != target.dimension and not (target.dimension == "charge" and unit == "c"):
            return 0.0, None
    elif unit is not None and target.dimension == "count":
        return 0.0, None
    best = 0.0
    name_tokens = _tokens(name)
    for rank, keyword in enumerate(target.keywords):
        weight = 1.0 - 0.02 * rank
        if name == keyword:
            best = max(best, 1.0 * weight)
        elif len(keyword) > 2 and (keyword in name or _tokens(keyword) <= name_tokens):
            best = max(best, 0.7 * weight)
        elif keyword in name_tokens:  # short symbols: "U_cell", "I_meas"
            best = max(best, 0.6 * weight)
    if not best and unit is not None and target.dimension not in ("count", "datetime"):
        best = 0.3  # the unit alone says what it is
    if best and unit is not None:
        best += 0.2
    if target.label == bdf.TEST_TIME and "step" in name:
        best *= 0.3
    if target.dimension == "count" and ("time" in name_tokens or "date" in name_tokens):
        best *= 0.3  # "Step_Time" is not the step number
    return best, unit


def suggest_mapping(columns: list[str]) -> dict[str, Any]:
    """Propose a mapping from column names and the units written in them.

    Every column is used at most once, best matches first. Quantities without a unit in their name
    get the SI unit (the user confirms). Returns a mapping dict with an extra ``"scores"`` entry
    (0..1.2 per target) so a page can highlight uncertain choices.
    """
    candidates = []
    for column in columns:
        for target in TARGETS:
            score, unit = _score(str(column), target)
            if score > 0:
                candidates.append((score, target.label, str(column), unit))
    candidates.sort(key=lambda c: -c[0])
    used_columns: set[str] = set()
    chosen: dict[str, dict[str, Any]] = {}
    scores: dict[str, float] = {}
    for score, label, column, unit in candidates:
        if label in chosen or column in used_columns:
            continue
        target = TARGET_BY_LABEL[label]
        entry: dict[str, Any] = {"source": column}
        if target.dimension not in ("count", "datetime"):
            entry["unit"] = unit or _default_unit(target.dimension)
        chosen[label] = entry
        scores[label] = round(score, 3)
        used_columns.add(column)
    return {
        "version": MAPPING_VERSION,
        "columns": chosen,
        "current_positive": "charge",
        "counters_reset": "auto",
        "header_row": None,
        "sheet": None,
        "scores": scores,
    }


def _default_unit(dimension: str) -> str:
    return {"time": "s", "voltage": "V", "current": "A", "charge": "Ah", "energy": "Wh", "power": "W", "temperature": "degC"}[
        dimension
    ]


def validate_mapping(mapping: dict[str, Any]) -> list[str]:
    """Problems with a mapping (empty list when usable): required targets, known units, sign option."""
    problems = []
    columns = mapping.get("columns", {})
    for target in TARGETS:
        if target.required and target.label not in columns:
            problems.append(f"no column is mapped to {target.label}")
    for label, entry in columns.items():
        target = TARGET_BY_LABEL.get(label)
        if target is None:
            problems.append(f"{label!r} is not a BDF quantity the wizard knows")
            continue
        unit = entry.get("unit")
        if unit and target.dimension not in ("count", "datetime"):
            try:
                if target.dimension == "temperature":
                    if unit.lower() not in ("degc", "°c", "℃", "k", "degf", "°f"):
                        raise ValueError(f"unit {unit!r} is not a temperature unit (degC, K, degF)")
                else:
                    scale_to_si(unit, target.dimension)
            except ValueError as exc:
                problems.append(f"{label}: {exc}")
    if mapping.get("current_positive", "charge") not in ("charge", "discharge"):
        problems.append("current_positive must be 'charge' or 'discharge'")
    if mapping.get("counters_reset", "auto") not in ("auto", "cycle", "segment", "test", "none"):
        problems.append("counters_reset must be 'auto', 'cycle', 'segment', 'test' or 'none'")
    return problems


_NUMBER = re.compile(r"[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?|\d+:\d+:\d+([.,]\d*)?|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.*")


def _numeric_fraction(fields: list[str]) -> float:
    values = [f.strip() for f in fields if f.strip()]
    if not values:
        return 0.0
    return sum(bool(_NUMBER.fullmatch(v)) for v in values) / len(values)


def _sniff_table_delimiter(lines: list[str]) -> str:
    """The delimiter giving the most fields, consistently, over the file's last lines (the data)."""
    tail = [line for line in lines[-200:] if line.strip()]
    best, best_fields = ",", 0
    for delimiter in "\t;,|":
        counts = [line.count(delimiter) for line in tail]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        consistent = counts.count(mode) / len(counts)
        if mode > 0 and consistent > 0.9 and mode > best_fields:
            best, best_fields = delimiter, mode
    return best


def _header_row(lines: list[str], delimiter: str) -> int:
    """The line just above the first block of numeric rows, when it names (nearly) as many columns.

    Instrument preambles ("key;value" lines, comments) above the table are skipped.
    """
    split = [line.split(delimiter) for line in lines[:5000]]
    width = [sum(1 for f in fields if f.strip()) for fields in split]
    numeric = [_numeric_fraction(fields) for fields in split]
    block = 5
    for start in range(1, max(len(split) - 1, 1)):
        window = range(start, min(start + block, len(split)))
        if not window or any(numeric[i] < 0.5 or width[i] < 2 for i in window):
            continue
        data_width = width[start]
        for header in range(start - 1, -1, -1):
            if width[header] == 0:
                continue
            if numeric[header] < 0.3 and width[header] >= max(2, data_width - 1):
                return header
            break
    return 0


def load_table(path: Path, filename: str | None = None, *, header_row: int | None = None, sheet: str | None = None) -> pd.DataFrame:
    """Read the table of a generic CSV/TXT/Excel file (for the wizard's preview and for import)."""
    from voltvault_core.cycling.readers import make_probe
    from voltvault_core.cycling.readers._excel import read_sheets
    from voltvault_core.cycling.textio import read_table

    filename = filename or Path(path).name
    probe = make_probe(Path(path), filename)
    if probe.is_zip:
        sheets = probe.xlsx_sheets
        if not sheets:
            raise CyclingFormatError(filename, "is a zip file but not an Excel workbook")
        name = sheet if sheet in sheets else sheets[0]
        raw = read_sheets(Path(path), filename, [name], header=None)[name]
        if header_row is None:
            header_row = 0
            for i in range(min(len(raw), 100)):
                row = raw.iloc[i]
                texts = sum(isinstance(v, str) for v in row.tolist())
                if texts >= max(2, 0.5 * row.notna().sum()):
                    header_row = i
                    break
        table = raw.iloc[header_row + 1 :].reset_index(drop=True)
        table.columns = [str(c).strip() for c in raw.iloc[header_row].tolist()]
        table = table.loc[:, [c != "nan" for c in table.columns]]
        return table.infer_objects()
    if probe.is_binary:
        raise CyclingFormatError(filename, "is a binary file, not a CSV or Excel table")
    text, _ = decode_text(Path(path).read_bytes(), ("utf-8", "gb18030", *DEFAULT_ENCODINGS[1:]))
    lines = split_lines(text)
    delimiter = sniff_delimiter(lines[header_row]) if header_row is not None else _sniff_table_delimiter(lines)
    if header_row is None:
        header_row = _header_row(lines, delimiter)
    try:
        table, _ = read_table(lines, header_row, delimiter=delimiter)
    except (pd.errors.ParserError, ValueError) as exc:
        raise CyclingFormatError(
            filename, f"the table under line {header_row + 1} cannot be read ({exc})", "set the header row in the mapping"
        ) from exc
    return table


def apply_mapping(table: pd.DataFrame, mapping: dict[str, Any], filename: str = "table") -> pd.DataFrame:
    """Convert a table into a BDF frame with a confirmed mapping.

    Raises
    ------
    CyclingFormatError
        When the mapping is invalid or names a column the table does not have.
    """
    problems = validate_mapping(mapping)
    if problems:
        raise CyclingFormatError(filename, "the column mapping is not usable: " + "; ".join(problems))
    columns = mapping["columns"]
    missing = [e["source"] for e in columns.values() if e["source"] not in table.columns]
    if missing:
        raise CyclingFormatError(
            filename,
            f"the mapping names column(s) {', '.join(map(repr, missing))} that the file does not have",
            f"the file's columns: {', '.join(map(str, table.columns))}",
        )

    def values(label: str) -> np.ndarray | None:
        entry = columns.get(label)
        if entry is None:
            return None
        target = TARGET_BY_LABEL[label]
        series = table[entry["source"]]
        if target.dimension == "datetime":
            from voltvault_core.cycling.readers._columns import datetime_unix

            return datetime_unix(table, (entry["source"], None))
        if target.dimension == "time":
            if pd.api.types.is_numeric_dtype(series):
                return to_float(series) * scale_to_si(entry.get("unit", "s"), "time")
            parsed = parse_duration_s(series)
            text = series.astype("string").str.contains(":", regex=False).fillna(False).any()
            return parsed if text else parsed * scale_to_si(entry.get("unit", "s"), "time")
        raw = to_float(series)
        if target.dimension == "count":
            return np.nan_to_num(raw, nan=0).astype(np.int64)
        if target.dimension == "temperature":
            return temperature_to_degC(raw, entry.get("unit", "degC"))
        return raw * scale_to_si(entry.get("unit"), target.dimension)

    current = values(bdf.CURRENT)
    if mapping.get("current_positive", "charge") == "discharge":
        current = -current
    frame = bdf_frame.assemble_bdf(
        time_s=values(bdf.TEST_TIME),
        voltage_V=values(bdf.VOLTAGE),
        current_A=current,
        cycle=values(bdf.CYCLE),
        step_index=values(bdf.STEP_INDEX),
        charge_capacity_Ah=values(bdf.CHARGING_CAPACITY),
        discharge_capacity_Ah=values(bdf.DISCHARGING_CAPACITY),
        charge_energy_Wh=values(bdf.CHARGING_ENERGY),
        discharge_energy_Wh=values(bdf.DISCHARGING_ENERGY),
        counters_reset=mapping.get("counters_reset", "auto"),
        unix_time_s=values(bdf.UNIX_TIME),
        ambient_temperature_degC=values(bdf.AMBIENT_TEMPERATURE),
        surface_temperature_degC=values(bdf.SURFACE_TEMPERATURE),
        power_W=values(bdf.POWER),
    )
    frame, _ = bdf_frame.drop_incomplete_rows(frame)
    bdf_frame.validate_bdf(frame, filename)
    return frame


def match_saved_mapping(columns: list[str], saved: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The saved mapping (``{"name", "mapping"}`` dicts) whose source columns all exist in ``columns``.

    When several fit, the one that uses the most columns wins. ``None`` when none fits.
    """
    present = set(map(str, columns))
    best, best_used = None, -1
    for item in saved:
        sources = {e["source"] for e in item["mapping"].get("columns", {}).values()}
        if sources and sources <= present and len(sources) > best_used:
            best, best_used = item, len(sources)
    return best
