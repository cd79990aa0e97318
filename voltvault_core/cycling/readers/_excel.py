"""Excel reading shared by the Arbin, Neware and generic readers (openpyxl, read-only, values only)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from voltvault_core.cycling.errors import CyclingFormatError


def read_sheets(path: Path, filename: str, sheets: list[str] | None = None, header: int | None = 0) -> dict[str, pd.DataFrame]:
    """Read sheets of an ``.xlsx`` into frames (all sheets when ``sheets`` is None).

    openpyxl's style warnings (common in instrument exports) are silenced; a broken workbook becomes a
    :class:`CyclingFormatError` naming the file.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.read_excel(path, sheet_name=sheets, header=header, engine="openpyxl")
    except (ValueError, KeyError, OSError) as exc:
        raise CyclingFormatError(filename, f"the workbook cannot be read ({exc})", "re-export it as .xlsx") from exc
    except Exception as exc:  # openpyxl raises assorted errors on damaged XML
        raise CyclingFormatError(filename, f"the workbook is damaged ({type(exc).__name__}: {exc})") from exc
