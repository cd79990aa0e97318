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
    """One resistance per cycle: its first discharge pulse, else its first positive step resistance.

    Columns: ``cycle``, ``resistance_Ohm``, ``step``, ``time_s``, ``kind``.
    """
    steps = find_current_steps(frame, duration_s=duration_s)
    steps = steps[np.isfinite(steps["resistance_Ohm"].to_numpy(dtype=float)) & (steps["resistance_Ohm"] > 0)]
    if steps.empty:
        return pd.DataFrame(columns=["cycle", "resistance_Ohm", "step", "time_s", "kind"])
    priority = np.where(steps["kind"] == "discharge pulse", 0, np.where(steps["kind"] == "charge pulse", 1, 2))
    ranked = steps.assign(priority=priority).sort_values(["cycle", "priority", "time_s"], kind="stable")
    first = ranked.groupby("cycle", sort=True).head(1)
    return first[["cycle", "resistance_Ohm", "step", "time_s", "kind"]].reset_index(drop=True)


def hppc_pulses(frame: pd.DataFrame, *, duration_s: float = 10.0, max_pulse_s: float = 60.0) -> pd.DataFrame:
    """Only the HPPC pulses (steps from rest lasting at most ``max_pulse_s``)."""
    steps = find_current_steps(frame, duration_s=duration_s, max_pulse_s=max_pulse_s)
    return steps[steps["kind"] != "step"].reset_index(drop=True)
