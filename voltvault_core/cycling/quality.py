"""Data-quality flags with an explanation a person can read in a plot's tooltip.

Checks (all vectorised): duplicated rows, time running backwards, time gaps, isolated voltage
spikes, isolated current dropouts inside a current-controlled step, and temperature excursions
(outside a band, or jumping between samples). :func:`flag_summary_by_cycle` folds them into one
line per cycle for the metrics table and the orange markers of the explorer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from voltvault_core import bdf


@dataclass(frozen=True)
class QualityLimits:
    """Thresholds of the checks (defaults suit Li-ion cell testing)."""

    gap_factor: float = 20.0  # a gap is this many times the typical sampling interval ...
    min_gap_s: float = 600.0  # ... and at least this long [s]
    gap_window: int = 25  # number of preceding intervals whose median is "typical"
    spike_V: float = 0.05  # an isolated excursion of at least this much [V] ...
    spike_factor: float = 10.0  # ... and this many times the typical point-to-point change
    dropout_fraction: float = 0.1  # |I| below this fraction of its neighbours inside a step
    temperature_min_degC: float = -30.0
    temperature_max_degC: float = 60.0
    temperature_jump_K: float = 5.0


FLAG_COLUMNS = ("row", "cycle", "time_s", "kind", "explanation")


def _frame(rows: np.ndarray, cycle: np.ndarray, time_s: np.ndarray, kind: str, explanations: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"row": rows.astype(np.int64), "cycle": cycle[rows].astype(np.int64), "time_s": time_s[rows], "kind": kind,
         "explanation": explanations}
    )


def quality_flags(frame: pd.DataFrame, limits: QualityLimits | None = None) -> pd.DataFrame:
    """All flags of a BDF frame, one row per flagged point (columns :data:`FLAG_COLUMNS`)."""
    limits = limits or QualityLimits()
    time_s = frame[bdf.TEST_TIME].to_numpy(dtype=float)
    voltage = frame[bdf.VOLTAGE].to_numpy(dtype=float)
    current = frame[bdf.CURRENT].to_numpy(dtype=float)
    cycle = frame[bdf.CYCLE].to_numpy()
    step = frame[bdf.STEP].to_numpy() if bdf.STEP in frame else np.zeros(len(frame), dtype=np.int64)
    parts: list[pd.DataFrame] = []
    if len(frame) < 3:
        return pd.DataFrame(columns=list(FLAG_COLUMNS))
    dt = np.diff(time_s)

    duplicated = np.flatnonzero((dt == 0) & (np.diff(voltage) == 0) & (np.diff(current) == 0)) + 1
    if duplicated.size:
        parts.append(_frame(duplicated, cycle, time_s, "duplicated row",
                            ["this row repeats the previous one (same time, voltage and current)"] * duplicated.size))
    backwards = np.flatnonzero(dt < 0) + 1
    if backwards.size:
        parts.append(_frame(backwards, cycle, time_s, "time reversal",
                            [f"time runs backwards by {-dt[i - 1]:.3g} s" for i in backwards]))

    # typical interval = running median of the preceding intervals: logging by voltage change makes
    # intervals grow slowly on a plateau, which is not a gap; a sudden jump is.
    positive = pd.Series(np.where(dt > 0, dt, np.nan))
    typical = positive.shift(1).rolling(limits.gap_window, min_periods=1).median().to_numpy()
    typical = np.where(np.isfinite(typical), typical, np.nanmedian(positive) if positive.notna().any() else 0.0)
    gaps = np.flatnonzero((dt > limits.gap_factor * typical) & (dt > limits.min_gap_s)) + 1
    if gaps.size:
        parts.append(_frame(gaps, cycle, time_s, "time gap",
                            [f"no data for {dt[i - 1] / 3600:.2f} h before this point (typical interval "
                             f"{typical[i - 1]:.3g} s): the test was paused or the logger stopped" for i in gaps]))

    dv = np.diff(voltage)
    # distance of each point from the straight line through its neighbours: small on smooth curves even
    # when logging is sparse, large for an isolated excursion
    residual = voltage[1:-1] - 0.5 * (voltage[:-2] + voltage[2:])
    typical = float(np.median(np.abs(residual[residual != 0]))) if np.any(residual != 0) else 0.0
    spike_limit = max(limits.spike_V, limits.spike_factor * typical)
    same_step = (step[1:-1] == step[:-2]) & (step[1:-1] == step[2:])
    up, down = dv[:-1], dv[1:]
    magnitude = np.abs(residual)
    local_peak = np.ones_like(magnitude, dtype=bool)  # the excursion itself, not its neighbours
    local_peak[1:] &= magnitude[1:] >= magnitude[:-1]
    local_peak[:-1] &= magnitude[:-1] >= magnitude[1:]
    spike = (
        same_step & local_peak & (magnitude > spike_limit) & (np.sign(up) != np.sign(down)) & (up != 0) & (down != 0)
    )
    spikes = np.flatnonzero(spike) + 1
    if spikes.size:
        parts.append(_frame(spikes, cycle, time_s, "voltage spike",
                            [f"voltage jumps {dv[i - 1] * 1000:+.0f} mV and back within one sample while the step "
                             "continues (contact or measurement glitch)" for i in spikes]))

    magnitude = np.abs(current)
    neighbours = 0.5 * (magnitude[:-2] + magnitude[2:])
    dropout = (
        same_step
        & (np.sign(current[:-2]) == np.sign(current[2:]))
        & (neighbours > 0)
        & (magnitude[1:-1] < limits.dropout_fraction * neighbours)
        & (np.minimum(magnitude[:-2], magnitude[2:]) > 0.5 * neighbours)
    )
    dropouts = np.flatnonzero(dropout) + 1
    if dropouts.size:
        parts.append(_frame(dropouts, cycle, time_s, "current dropout",
                            [f"current drops to {current[i]:.3g} A between {current[i - 1]:.3g} A and "
                             f"{current[i + 1]:.3g} A inside one step (lost contact or channel fault)" for i in dropouts]))

    for column in (bdf.SURFACE_TEMPERATURE, bdf.AMBIENT_TEMPERATURE):
        if column not in frame:
            continue
        temperature = frame[column].to_numpy(dtype=float)
        finite = np.isfinite(temperature)
        outside = np.flatnonzero(finite & ((temperature < limits.temperature_min_degC) | (temperature > limits.temperature_max_degC)))
        if outside.size:
            parts.append(_frame(outside, cycle, time_s, "temperature excursion",
                                [f"{column.split(' /')[0].lower()} {temperature[i]:.1f} °C is outside "
                                 f"{limits.temperature_min_degC:.0f}…{limits.temperature_max_degC:.0f} °C" for i in outside]))
        jumps = np.flatnonzero(np.abs(np.diff(temperature)) > limits.temperature_jump_K) + 1
        if jumps.size:
            parts.append(_frame(jumps, cycle, time_s, "temperature excursion",
                                [f"{column.split(' /')[0].lower()} jumps {temperature[i] - temperature[i - 1]:+.1f} K "
                                 "between two samples (sensor fault or chamber event)" for i in jumps]))
    if not parts:
        return pd.DataFrame(columns=list(FLAG_COLUMNS))
    return pd.concat(parts, ignore_index=True).sort_values("row", kind="stable").reset_index(drop=True)


def flag_summary_by_cycle(flags: pd.DataFrame, max_items: int = 3) -> dict[int, list[dict]]:
    """Flags grouped per cycle: ``{cycle: [{"kind", "count", "explanation"}, ...]}`` (first example each)."""
    summary: dict[int, list[dict]] = {}
    if flags.empty:
        return summary
    for (cycle, kind), group in flags.groupby(["cycle", "kind"], sort=True):
        summary.setdefault(int(cycle), []).append(
            {"kind": str(kind), "count": len(group), "explanation": str(group["explanation"].iloc[0])}
        )
    return {c: items[:max_items] if max_items else items for c, items in summary.items()}
