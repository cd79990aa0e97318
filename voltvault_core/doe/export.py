"""Export a study's runs (inputs, outputs, unit-cube sample matrix, failures) as CSV, Parquet or Excel."""

from __future__ import annotations

import io

import pandas as pd

__all__ = ["EXPORT_FORMATS", "export_frame", "runs_frame"]

EXPORT_FORMATS = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def runs_frame(result) -> pd.DataFrame:
    """One row per run: inputs, outputs, failure reason, and the sample matrix as ``u:<input>`` columns."""
    frame = result.to_frame()
    for j, name in enumerate(result.design.names):
        frame[f"u:{name}"] = result.design.unit[:, j]
    return frame


def _escape(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def export_frame(frame: pd.DataFrame, fmt: str) -> bytes:
    """Bytes of ``frame`` as ``csv``, ``parquet`` or ``xlsx`` (text cells starting = + - @ escaped)."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        return buf.getvalue()
    safe = frame.copy()
    safe.columns = [_escape(str(c)) for c in safe.columns]
    for col in safe.columns:
        if safe[col].dtype == object:
            safe[col] = safe[col].map(_escape)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name="runs")
    return buf.getvalue()
