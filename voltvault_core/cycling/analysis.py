"""Curves for the explorer: per-cycle voltage–capacity curves, dQ/dV, and min/max decimation.

Decimation keeps every bucket's minimum and maximum (in the bucket's original order), so spikes and
plateau edges survive while a chart never ships more than ``max_points`` points to the browser.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from voltvault_core import bdf
from voltvault_core.cycling.frame import direction_from_current

MAX_CHART_POINTS = 100_000


def minmax_decimate_indices(y: np.ndarray, max_points: int = MAX_CHART_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` points keeping each bucket's min and max (sorted, unique)."""
    y = np.asarray(y, dtype=float)
    n = y.size
    if n <= max_points:
        return np.arange(n)
    buckets = max(max_points // 2 - 1, 1)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    size = int(np.max(np.diff(edges)))
    padded_index = edges[:-1, None] + np.arange(size)[None, :]
    valid = padded_index < edges[1:, None]
    padded_index = np.minimum(padded_index, n - 1)
    values = np.where(valid, np.nan_to_num(y[padded_index], nan=np.inf), np.inf)
    lows = padded_index[np.arange(buckets), np.argmin(values, axis=1)]
    values = np.where(valid, np.nan_to_num(y[padded_index], nan=-np.inf), -np.inf)
    highs = padded_index[np.arange(buckets), np.argmax(values, axis=1)]
    keep = np.unique(np.concatenate([lows, highs, [0, n - 1]]))
    return keep[:max_points]


def decimate_frame(frame: pd.DataFrame, y_column: str, max_points: int = MAX_CHART_POINTS) -> pd.DataFrame:
    """Rows of ``frame`` kept by :func:`minmax_decimate_indices` on ``y_column``."""
    return frame.iloc[minmax_decimate_indices(frame[y_column].to_numpy(), max_points)]


def cycle_curve(
    frame: pd.DataFrame, cycle: int, direction: Literal["charge", "discharge", "both"] = "both"
) -> pd.DataFrame:
    """Voltage against capacity (and time) for one cycle.

    Columns: ``time_s`` (from the cycle's start), ``capacity_Ah`` (charge or discharge capacity, the
    one of each point's direction), ``voltage_V``, ``current_A``, ``direction``.
    """
    rows = frame[frame[bdf.CYCLE] == cycle]
    current = rows[bdf.CURRENT].to_numpy(dtype=float)
    sign = direction_from_current(current)
    capacity = np.where(sign >= 0, rows[bdf.CHARGING_CAPACITY].to_numpy(), rows[bdf.DISCHARGING_CAPACITY].to_numpy())
    curve = pd.DataFrame(
        {
            "time_s": rows[bdf.TEST_TIME].to_numpy(dtype=float) - (rows[bdf.TEST_TIME].iloc[0] if len(rows) else 0.0),
            "capacity_Ah": capacity,
            "voltage_V": rows[bdf.VOLTAGE].to_numpy(dtype=float),
            "current_A": current,
            "direction": np.where(sign > 0, "charge", np.where(sign < 0, "discharge", "rest")),
        }
    )
    if direction != "both":
        curve = curve[curve["direction"] == direction]
    return curve.reset_index(drop=True)


def dqdv(
    frame: pd.DataFrame, cycle: int, direction: Literal["charge", "discharge"] = "discharge", *, bin_V: float = 0.005
) -> pd.DataFrame:
    """Differential capacity dQ/dV [Ah/V] of one half cycle, on voltage bins of ``bin_V`` [V].

    Capacity is interpolated at the bin edges along the (monotonic-in-time) curve and differenced,
    which is robust to the noise that point-wise differences amplify. Bins are at least twice the
    typical voltage step between samples. Columns ``voltage_V``, ``dqdv_Ah_per_V``.
    """
    curve = cycle_curve(frame, cycle, direction)
    if len(curve) < 3:
        return pd.DataFrame({"voltage_V": [], "dqdv_Ah_per_V": []})
    voltage = curve["voltage_V"].to_numpy()
    capacity = curve["capacity_Ah"].to_numpy()
    order = np.argsort(voltage, kind="stable")
    v_sorted, q_sorted = voltage[order], capacity[order]
    v_unique, first = np.unique(v_sorted, return_index=True)
    q_unique = q_sorted[first]
    if v_unique.size < 3:
        return pd.DataFrame({"voltage_V": [], "dqdv_Ah_per_V": []})
    typical_step = float(np.median(np.abs(np.diff(voltage)))) if voltage.size > 1 else 0.0
    bin_V = max(bin_V, 2.0 * typical_step)  # sparse logging: wider bins instead of a staircase of spikes
    edges = np.arange(v_unique[0], v_unique[-1] + bin_V, bin_V)
    q_edges = np.interp(edges, v_unique, q_unique)
    centres = 0.5 * (edges[1:] + edges[:-1])
    slope = np.abs(np.diff(q_edges)) / bin_V
    return pd.DataFrame({"voltage_V": centres, "dqdv_Ah_per_V": slope})
