"""Column lookup by alias, tolerant to the many spellings of one quantity across software versions.

``find_column(frame, CURRENT_ALIASES)`` matches ``Current(A)``, ``Current [mA]``, ``current``,
``I/mA``, ``Cur(mA)``, ``电流(mA)``... on the quantity part of the label (units are split off and
returned separately by :func:`voltvault_core.cycling.units.split_name_unit`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from voltvault_core.cycling.textio import parse_duration_s, to_float
from voltvault_core.cycling.units import scale_to_si, split_name_unit, temperature_to_degC


def normalise_name(name: str) -> str:
    """Lower case; underscores, dots and repeated spaces folded to one space."""
    text = str(name).strip().lower().replace("_", " ").replace("\u00a0", " ")
    text = re.sub(r"[.#]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def find_column(columns: Iterable[str], aliases: Iterable[str]) -> tuple[str, str | None] | None:
    """First column whose quantity (unit removed) or whole label matches an alias.

    Returns ``(column label, unit or None)``; aliases are compared after :func:`normalise_name`.
    The order of ``aliases`` is the order of preference.
    """
    columns = list(columns)
    parsed = []
    for column in columns:
        quantity, unit = split_name_unit(str(column))
        parsed.append((column, normalise_name(quantity), normalise_name(str(column)), unit))
    for alias in aliases:
        key = normalise_name(alias)
        for column, quantity, _whole, unit in parsed:
            if quantity == key:
                return column, unit
        for column, _quantity, whole, _unit in parsed:
            if whole == key:
                return column, None
    return None


def numeric(frame: pd.DataFrame, found: tuple[str, str | None] | None, dimension: str, default_unit: str) -> np.ndarray | None:
    """A found column as float64 in SI units (``None`` when not found or all empty)."""
    if found is None:
        return None
    column, unit = found
    values = to_float(frame[column])
    values = np.where(np.isinf(values), np.nan, values)  # a number beyond float range is no measurement
    if not np.isfinite(values).any():
        return None
    if dimension == "temperature":
        return temperature_to_degC(values, unit or default_unit)
    return values * scale_to_si(unit or default_unit, dimension)


def duration(frame: pd.DataFrame, found: tuple[str, str | None] | None, default_unit: str = "s") -> np.ndarray | None:
    """A time column (numbers in its unit, or ``hh:mm:ss`` text) in seconds."""
    if found is None:
        return None
    column, unit = found
    series = frame[column]
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float) * scale_to_si(unit or default_unit, "time")
    else:
        values = parse_duration_s(series)
        if unit and ":" not in str(series.dropna().iloc[0] if series.notna().any() else ""):
            values = values * scale_to_si(unit, "time")
    return values if np.isfinite(values).any() else None


def integer(frame: pd.DataFrame, found: tuple[str, str | None] | None) -> np.ndarray | None:
    """An integer counter column (cycle, step); ``None`` when absent or entirely empty."""
    if found is None:
        return None
    values = to_float(frame[found[0]])
    if not np.isfinite(values).any():
        return None
    from voltvault_core.cycling.frame import check_integer_range

    check_integer_range(values, str(found[0]), "the file")
    return np.nan_to_num(values, nan=0.0).astype(np.int64)


def direction_from_text(labels: pd.Series) -> np.ndarray:
    """Direction (+1 charge, -1 discharge, 0 other) from step-type / state text.

    Understands Neware's ``CC_DChg``, ``CCCV Chg``, ``Rest``; Maccor's ``C``/``D``/``R``; Chinese
    ``充电``/``放电``/``搁置``; BioLogic-style words ``charge``/``discharge``.
    """
    text = labels.astype("string").str.strip().str.lower().fillna("")
    discharge = text.str.contains(r"dchg|dis|放电", regex=True) | (text == "d")
    charge = (~discharge) & (text.str.contains(r"chg|charge|充电", regex=True) | (text == "c"))
    result = np.zeros(len(text), dtype=np.int8)
    result[charge.to_numpy(dtype=bool)] = 1
    result[discharge.to_numpy(dtype=bool)] = -1
    return result


def datetime_unix(frame: pd.DataFrame, found: tuple[str, str | None] | None) -> np.ndarray | None:
    """A wall-clock column as Unix seconds: datetimes, date text, Unix numbers or OLE/Excel day numbers."""
    from voltvault_core.cycling.textio import parse_datetime_unix_s

    if found is None:
        return None
    series = frame[found[0]]
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return None
        if np.nanmedian(finite) > 1e8:  # Unix seconds
            return values
        if 1e4 < np.nanmedian(finite) < 1e6:  # OLE automation / Excel serial days (1899-12-30 epoch)
            return (values - 25569.0) * 86400.0
        return None
    return parse_datetime_unix_s(series)
