"""Assembly of the canonical BDF frame from a reader's columns.

Every reader hands its columns, already in SI units and with current positive on CHARGE, to
:func:`assemble_bdf`. This module then:

* numbers the cycles from the current's sign when the file has no cycle column (:func:`detect_cycles`),
* counts steps (``Step Count / 1``: a new step at every change of the instrument's step, or of the
  current's direction when the file has no step column),
* turns capacities and energies into ONE convention, whatever the instrument wrote:
  ``Charging Capacity / Ah`` and ``Discharging Capacity / Ah`` accumulate within a cycle and restart at
  zero when the next cycle starts (Arbin's convention). Instruments whose counters restart at every
  step (Neware, Maccor) or half cycle (BioLogic) are summed over the cycle's steps, so a cycle's
  discharge capacity is the sum over its discharge steps of each step's maximum: the rule of
  ``../shared/data/reference_values.json`` (``conventions.discharge_capacity_per_cycle``).
  Files without capacity columns get them by integrating the current (trapezoidal rule).

A cycle's capacity is then simply the maximum of the column within the cycle.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from voltvault_core import bdf

CapacityReset = Literal["cycle", "segment", "test", "auto", "none"]

#: relative current below which a point counts as rest (fraction of the file's largest |current|)
REST_FRACTION = 1e-4


def direction_from_current(current_A: np.ndarray, threshold_A: float | None = None) -> np.ndarray:
    """Direction of each point: +1 charge, -1 discharge, 0 rest (``|I| <= threshold``) [int8]."""
    current_A = np.asarray(current_A, dtype=float)
    if threshold_A is None:
        peak = np.nanmax(np.abs(current_A)) if current_A.size else 0.0
        threshold_A = max(REST_FRACTION * (peak if np.isfinite(peak) else 0.0), 1e-12)
    direction = np.zeros(current_A.shape, dtype=np.int8)
    direction[current_A > threshold_A] = 1
    direction[current_A < -threshold_A] = -1
    return direction


#: a run of one direction shorter than this many points is noise around zero, not a half cycle
MIN_RUN_POINTS = 3


def detect_cycles(
    current_A: np.ndarray,
    threshold_A: float | None = None,
    first_cycle: int = 1,
    step_index: np.ndarray | None = None,
) -> np.ndarray:
    """Number cycles for files without a cycle column.

    With the schedule's step numbers, a cycle starts where the schedule loops back (the step number
    falls). Otherwise from the current: a cycle starts at the first charging point that follows a
    discharge, so a cycle is charge (+ rest) + discharge (+ rest); points before the first such charge
    belong to ``first_cycle``. Runs of one direction shorter than :data:`MIN_RUN_POINTS` points are
    ignored (noise around zero during a rest).
    """
    if step_index is not None:
        steps = np.asarray(step_index)
        loops = np.r_[False, steps[1:] < steps[:-1]]
        if loops.any():
            return first_cycle + np.cumsum(loops).astype(np.int64)
    direction = direction_from_current(current_A, threshold_A).astype(np.int8)
    runs = run_ids(direction)
    run_length = np.bincount(runs)
    direction = np.where(run_length[runs] < MIN_RUN_POINTS, 0, direction)
    previous = pd.Series(np.where(direction != 0, direction, np.nan)).shift(1).ffill().to_numpy()
    starts = (direction == 1) & (previous == -1)
    return first_cycle + np.cumsum(starts).astype(np.int64)


def run_ids(*keys: np.ndarray) -> np.ndarray:
    """0-based id of contiguous runs: a new run wherever any key changes from the previous row."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.zeros(n, dtype=bool)
    for key in keys:
        key = np.asarray(key)
        change[1:] |= key[1:] != key[:-1]
    return np.cumsum(change).astype(np.int64)


def cycle_cumulative_from_segments(values: np.ndarray, segment: np.ndarray, cycle: np.ndarray) -> np.ndarray:
    """Turn a counter that restarts every segment into one that accumulates over the cycle.

    ``result = value + sum of the maxima of the cycle's earlier segments``. ``segment`` must be a
    contiguous run id (:func:`run_ids`) nested in the cycles. Where the counter does not restart at a
    segment boundary (it continues from its last value), the two segments count as one.
    """
    values = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    if values.size == 0:
        return values
    # A counter that carries on across a step boundary (CC -> CV charge on some Maccor exports) is one
    # run, not two: merge segments where the value neither restarts nor follows a zero.
    tolerance = max(1e-12, 1e-9 * float(np.max(np.abs(values))))
    boundary = np.r_[False, segment[1:] != segment[:-1]]
    carries_on = boundary & np.r_[False, (values[1:] >= values[:-1] - tolerance) & (values[:-1] > tolerance)]
    carries_on &= np.r_[False, cycle[1:] == cycle[:-1]]
    segment = np.cumsum(np.r_[True, (boundary & ~carries_on)[1:] | (cycle[1:] != cycle[:-1])]) - 1
    seg_max = pd.Series(values).groupby(segment, sort=False).max().to_numpy()
    seg_cycle = pd.Series(cycle).groupby(segment, sort=False).first().to_numpy()
    inclusive = np.cumsum(seg_max)
    exclusive = inclusive - seg_max
    new_cycle = np.r_[True, seg_cycle[1:] != seg_cycle[:-1]]
    base = exclusive[np.maximum.accumulate(np.where(new_cycle, np.arange(seg_max.size), 0))]
    offsets = exclusive - base
    return values + offsets[segment]


def infer_counter_reset(values: np.ndarray, cycle: np.ndarray, segment: np.ndarray) -> str:
    """Where a capacity/energy counter restarts: ``"cycle"``, ``"segment"`` (every step) or ``"test"``
    (never: it accumulates over the whole test), judged from where its value falls back."""
    values = np.nan_to_num(np.asarray(values, dtype=float))
    if values.size < 2:
        return "test"
    tolerance = max(1e-12, 1e-6 * float(np.max(np.abs(values))))
    drops = np.flatnonzero(np.diff(values) < -tolerance) + 1
    if drops.size == 0:
        return "test"
    if np.all(cycle[drops] != cycle[drops - 1]):
        return "cycle"
    if np.all(segment[drops] != segment[drops - 1]):
        return "segment"
    return "cycle"


def cycle_relative(values: np.ndarray, cycle: np.ndarray) -> np.ndarray:
    """A counter that accumulates over the whole test, re-based to zero at each cycle's start."""
    values = np.nan_to_num(np.asarray(values, dtype=float))
    if values.size == 0:
        return values
    starts = np.flatnonzero(np.r_[True, cycle[1:] != cycle[:-1]])
    base_at_start = values[np.maximum(starts - 1, 0)]
    base_at_start[0] = values[0]
    group = np.cumsum(np.r_[True, cycle[1:] != cycle[:-1]]) - 1
    return values - base_at_start[group]


def integrate_within_cycles(
    time_s: np.ndarray, rate: np.ndarray, cycle: np.ndarray, step: np.ndarray | None = None
) -> np.ndarray:
    """Cumulative trapezoidal integral of ``rate`` over time, restarting at every cycle [rate·h].

    With ``step``, nothing is integrated across a step boundary (the interval between the last point
    of one step and the first of the next may be an unlogged pause, as between NASA PCoE records).
    """
    time_s = np.asarray(time_s, dtype=float)
    rate = np.nan_to_num(np.asarray(rate, dtype=float))
    if time_s.size < 2:
        return np.zeros_like(time_s)
    increments = np.r_[0.0, 0.5 * (rate[1:] + rate[:-1]) * np.diff(time_s) / 3600.0]
    increments[np.r_[True, cycle[1:] != cycle[:-1]]] = 0.0
    if step is not None:
        increments[np.r_[True, step[1:] != step[:-1]]] = 0.0
    total = np.cumsum(increments)
    starts = np.r_[True, cycle[1:] != cycle[:-1]]
    base = total[np.maximum.accumulate(np.where(starts, np.arange(total.size), 0))]
    return total - base


def test_time_from_step_time(step_time_s: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Build a test time from a time that restarts every step [s].

    Each step contributes ``max - min`` of its own time (the active-test-time rule of the reference
    values); the first point of a step sits at the end of the previous step.
    """
    step_time_s = np.asarray(step_time_s, dtype=float)
    grouped = pd.Series(step_time_s).groupby(segment, sort=False)
    seg_min = grouped.min().to_numpy()
    seg_span = grouped.max().to_numpy() - seg_min
    offsets = np.cumsum(seg_span) - seg_span
    return step_time_s - seg_min[segment] + offsets[segment]


def restarts_every_step(time_s: np.ndarray, segment: np.ndarray) -> bool:
    """True when a time column falls back at step changes (a step time, not a test time)."""
    time_s = np.asarray(time_s, dtype=float)
    if time_s.size < 2:
        return False
    drops = np.diff(time_s) < 0
    if not drops.any():
        return False
    seg_change = segment[1:] != segment[:-1]
    return bool(np.all(seg_change[drops]))


def _counter(values: np.ndarray, column: str) -> np.ndarray:
    """A counter column as int64 (NaN -> 0), refusing values no int64 (or database INTEGER) holds."""
    as_float = np.asarray(values, dtype=float)
    if (np.isinf(as_float) | (np.abs(np.nan_to_num(as_float)) > MAX_COUNTER)).any():
        check_integer_range(as_float, column, "the file")
    return np.nan_to_num(as_float, nan=0.0).astype(np.int64)


def assemble_bdf(
    *,
    time_s: np.ndarray,
    voltage_V: np.ndarray,
    current_A: np.ndarray,
    cycle: np.ndarray | None = None,
    step_index: np.ndarray | None = None,
    segment_key: np.ndarray | None = None,
    charge_capacity_Ah: np.ndarray | None = None,
    discharge_capacity_Ah: np.ndarray | None = None,
    charge_energy_Wh: np.ndarray | None = None,
    discharge_energy_Wh: np.ndarray | None = None,
    counters_reset: CapacityReset = "cycle",
    unix_time_s: np.ndarray | None = None,
    ambient_temperature_degC: np.ndarray | None = None,
    surface_temperature_degC: np.ndarray | None = None,
    internal_resistance_Ohm: np.ndarray | None = None,
    power_W: np.ndarray | None = None,
) -> pd.DataFrame:
    """Build the canonical BDF frame.

    Parameters
    ----------
    time_s, voltage_V, current_A
        Test time [s] (monotonic), terminal voltage [V], current [A] positive on charge.
    cycle
        Instrument cycle numbers; ``None`` detects cycles from the current (:func:`detect_cycles`).
    step_index
        Instrument step numbers (the schedule's step); ``None`` uses the current's direction.
    segment_key
        What delimits the runs over which capacity counters restart when ``counters_reset="segment"``
        (default: runs of cycle and step index; BioLogic passes its half-cycle counter).
    charge_capacity_Ah, discharge_capacity_Ah, charge_energy_Wh, discharge_energy_Wh
        The instrument's counters (unsigned); ``None`` integrates current (and voltage × current).
    counters_reset
        ``"cycle"``: counters already accumulate within a cycle (Arbin); ``"segment"``: they restart every
        step / half cycle (Neware, Maccor, BioLogic); ``"test"``: they accumulate over the whole test;
        ``"auto"``: judged per counter from where it falls back (:func:`infer_counter_reset`);
        ``"none"``: ignore them and integrate.
    """
    time_s = np.asarray(time_s, dtype=float)
    voltage_V = np.asarray(voltage_V, dtype=float)
    current_A = np.asarray(current_A, dtype=float)
    n = time_s.size
    cycle_arr = (
        detect_cycles(current_A, step_index=step_index)
        if cycle is None
        else _counter(cycle, bdf.CYCLE)
    )
    direction = direction_from_current(current_A)
    step_key = np.asarray(step_index) if step_index is not None else direction
    step_count = 1 + run_ids(cycle_arr, step_key)
    segment = run_ids(cycle_arr, step_key if segment_key is None else np.asarray(segment_key))

    columns: dict[str, np.ndarray] = {bdf.TEST_TIME: time_s}
    if unix_time_s is not None:
        columns[bdf.UNIX_TIME] = np.asarray(unix_time_s, dtype=float)
    columns[bdf.VOLTAGE] = voltage_V
    columns[bdf.CURRENT] = current_A
    columns[bdf.CYCLE] = cycle_arr
    columns[bdf.STEP] = step_count.astype(np.int64)
    if step_index is not None:
        columns[bdf.STEP_INDEX] = _counter(step_index, bdf.STEP_INDEX)

    def accumulate(values: np.ndarray | None, rate: np.ndarray) -> np.ndarray:
        if values is None or counters_reset == "none":
            return integrate_within_cycles(time_s, rate, cycle_arr, step_count)
        values = np.abs(np.nan_to_num(np.asarray(values, dtype=float)))
        mode = infer_counter_reset(values, cycle_arr, segment) if counters_reset == "auto" else counters_reset
        if mode == "segment":
            return cycle_cumulative_from_segments(values, segment, cycle_arr)
        if mode == "test":
            return cycle_relative(values, cycle_arr)
        return values

    columns[bdf.CHARGING_CAPACITY] = accumulate(charge_capacity_Ah, np.clip(current_A, 0, None))
    columns[bdf.DISCHARGING_CAPACITY] = accumulate(discharge_capacity_Ah, np.clip(-current_A, 0, None))
    power = voltage_V * current_A
    columns[bdf.CHARGING_ENERGY] = accumulate(charge_energy_Wh, np.clip(power, 0, None))
    columns[bdf.DISCHARGING_ENERGY] = accumulate(discharge_energy_Wh, np.clip(-power, 0, None))
    if power_W is not None:
        columns[bdf.POWER] = np.asarray(power_W, dtype=float)
    if ambient_temperature_degC is not None:
        columns[bdf.AMBIENT_TEMPERATURE] = np.asarray(ambient_temperature_degC, dtype=float)
    if surface_temperature_degC is not None:
        columns[bdf.SURFACE_TEMPERATURE] = np.asarray(surface_temperature_degC, dtype=float)
    if internal_resistance_Ohm is not None:
        columns[bdf.INTERNAL_RESISTANCE] = np.asarray(internal_resistance_Ohm, dtype=float)
    frame = pd.DataFrame(columns)
    assert len(frame) == n
    return frame


def drop_incomplete_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop rows without time, voltage or current (a truncated last line); returns (frame, dropped)."""
    mask = frame[list(bdf.REQUIRED_COLUMNS)].notna().all(axis=1)
    dropped = int((~mask).sum())
    return (frame.loc[mask].reset_index(drop=True) if dropped else frame), dropped


#: largest cycle / step number stored (``CycleMetric.cycle`` is a 32-bit INTEGER on PostgreSQL)
MAX_COUNTER = 2**31 - 1


def check_integer_range(values: np.ndarray, column: str, filename: str) -> None:
    """Refuse counter values (cycle, step) outside ``0 .. 2^31-1`` before they are cast or stored.

    Raises
    ------
    CyclingFormatError
        Naming the file, the column and the first offending value.
    """
    from voltvault_core.cycling.errors import CyclingFormatError

    values = np.asarray(values, dtype=float)
    bad = np.isinf(values) | (np.abs(np.nan_to_num(values)) > MAX_COUNTER)
    if bad.any():
        first = values[np.argmax(bad)]
        shown = f"{first:.0f}" if np.isfinite(first) and abs(first) < 1e30 else f"{first:.4g}"
        raise CyclingFormatError(
            filename,
            f"column {column!r} holds {shown} (row {int(np.argmax(bad)) + 1}), outside the cycle and step numbers "
            f"that can be stored (0 to {MAX_COUNTER})",
            "check that the column really is a counter",
        )


def validate_bdf(frame: pd.DataFrame, filename: str) -> None:
    """Check the invariants every reader must deliver; raise a :class:`CyclingFormatError` if broken."""
    from voltvault_core.cycling.errors import CyclingFormatError

    missing = [c for c in bdf.REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise CyclingFormatError(filename, f"no {', '.join(missing)} could be read")
    if len(frame) == 0:
        raise CyclingFormatError(filename, "the file contains no data rows")
    for column in bdf.REQUIRED_COLUMNS:
        if not np.isfinite(frame[column].to_numpy(dtype=float)).any():
            raise CyclingFormatError(filename, f"column {column!r} has no numeric values")
    for column in (bdf.CYCLE, bdf.STEP, bdf.STEP_INDEX):
        if column in frame.columns:
            check_integer_range(frame[column].to_numpy(dtype=float), column, filename)
