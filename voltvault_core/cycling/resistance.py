"""DC internal resistance from current steps and pulses (HPPC).

At every step change where the current jumps by at least ``min_step_A`` the resistance is

.. math:: R = \\frac{V(t_0 + \\Delta t) - V(t_0^-)}{I(t_0 + \\Delta t) - I(t_0^-)}

with :math:`t_0^-` the last point of the previous step and :math:`\\Delta t` the read-out time
(0 = first point of the new step, "instantaneous"; 10 s as in the HPPC test of the FreedomCAR /
USABC battery test manuals, INL/EXT-07-12536). With the BDF sign (charge positive) a resistance is
positive for both charge and discharge steps. A *pulse* is a step that starts from rest and lasts at
most ``max_pulse_s``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from voltvault_core import bdf


def find_current_steps(
    frame: pd.DataFrame,
    *,
    duration_s: float = 10.0,
    min_step_A: float | None = None,
    max_pulse_s: float = 60.0,
) -> pd.DataFrame:
    """Every current step with its resistance, one row per step change.

    Columns: ``cycle``, ``step`` (BDF step count of the new step), ``time_s`` (its start),
    ``current_before_A``, ``current_after_A``, ``delta_t_s`` (actual read-out time, shorter when the
    step ends first), ``resistance_instant_Ohm``, ``resistance_Ohm`` (at ``duration_s``),
    ``step_duration_s``, ``kind`` (``"discharge pulse"``, ``"charge pulse"``, ``"step"``).
    """
    step = frame[bdf.STEP].to_numpy()
    n = step.size
    empty = pd.DataFrame(
        columns=["cycle", "step", "time_s", "current_before_A", "current_after_A", "delta_t_s",
                 "resistance_instant_Ohm", "resistance_Ohm", "step_duration_s", "kind"]
    )
    if n < 3:
        return empty
    time_s = frame[bdf.TEST_TIME].to_numpy(dtype=float)
    voltage = frame[bdf.VOLTAGE].to_numpy(dtype=float)
    current = frame[bdf.CURRENT].to_numpy(dtype=float)
    cycle = frame[bdf.CYCLE].to_numpy()
    if min_step_A is None:
        min_step_A = max(0.05 * np.nanmax(np.abs(current)), 1e-9)
    starts = np.flatnonzero(step[1:] != step[:-1]) + 1  # first index of each new step
    if starts.size == 0:
        return empty
    ends = np.r_[starts[1:], n] - 1  # last index of each new step
    before = starts - 1
    delta_i = current[starts] - current[before]
    keep = np.abs(delta_i) >= min_step_A
    starts, ends, before = starts[keep], ends[keep], before[keep]
    if starts.size == 0:
        return empty
    target = time_s[starts] + duration_s
    read = np.searchsorted(time_s, target, side="left")
    read = np.minimum(np.maximum(read, starts), ends)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_instant = (voltage[starts] - voltage[before]) / (current[starts] - current[before])
        r_read = (voltage[read] - voltage[before]) / (current[read] - current[before])
    step_duration = time_s[ends] - time_s[starts]
    rest_before = np.abs(current[before]) < 0.1 * min_step_A
    pulse = rest_before & (step_duration <= max_pulse_s)
    kind = np.where(pulse & (current[starts] < 0), "discharge pulse", np.where(pulse, "charge pulse", "step"))
    return pd.DataFrame(
        {
            "cycle": cycle[starts].astype(np.int64),
            "step": step[starts].astype(np.int64),
            "time_s": time_s[starts],
            "current_before_A": current[before],
            "current_after_A": current[read],
            "delta_t_s": time_s[read] - time_s[starts],
            "resistance_instant_Ohm": r_instant,
            "resistance_Ohm": r_read,
            "step_duration_s": step_duration,
            "kind": kind,
        }
    )


def cycle_resistance(frame: pd.DataFrame, *, duration_s: float = 10.0) -> pd.DataFrame:
    """One resistance per cycle, from its first discharge pulse, else charge pulse, else current step.

    The value is read ``duration_s`` after the step; where the logging is too sparse for that (no point
    within 1.5 × ``duration_s`` + 1 s) the instantaneous value is used and ``basis`` says so.
    Columns: ``cycle``, ``resistance_Ohm``, ``step``, ``time_s``, ``kind``, ``basis``.
    """
    columns = ["cycle", "resistance_Ohm", "step", "time_s", "kind", "basis"]
    steps = find_current_steps(frame, duration_s=duration_s)
    if steps.empty:
        return pd.DataFrame(columns=columns)
    on_time = steps["delta_t_s"].to_numpy(dtype=float) <= 1.5 * duration_s + 1.0
    value = np.where(on_time, steps["resistance_Ohm"], steps["resistance_instant_Ohm"]).astype(float)
    steps = steps.assign(resistance_Ohm=value, basis=np.where(on_time, f"{duration_s:g} s", "instantaneous"))
    steps = steps[np.isfinite(value) & (value > 0)]
    if steps.empty:
        return pd.DataFrame(columns=columns)
    kind_rank = np.where(steps["kind"] == "discharge pulse", 0, np.where(steps["kind"] == "charge pulse", 1, 2))
    basis_rank = np.where(steps["basis"] == "instantaneous", 1, 0)
    ranked = steps.assign(kind_rank=kind_rank, basis_rank=basis_rank).sort_values(
        ["cycle", "kind_rank", "basis_rank", "time_s"], kind="stable"
    )
    first = ranked.groupby("cycle", sort=True).head(1)
    return first[columns].reset_index(drop=True)


def hppc_pulses(frame: pd.DataFrame, *, duration_s: float = 10.0, max_pulse_s: float = 60.0) -> pd.DataFrame:
    """Only the HPPC pulses (steps from rest lasting at most ``max_pulse_s``)."""
    steps = find_current_steps(frame, duration_s=duration_s, max_pulse_s=max_pulse_s)
    return steps[steps["kind"] != "step"].reset_index(drop=True)
