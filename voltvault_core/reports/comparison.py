"""Simulation against measurement: RMSE, MAE and R² of the voltage on discharged capacity.

The measured curve is the first discharge of a BDF frame (the rows where current is negative, BDF sign:
positive = charge, of the first cycle that has any), its capacity counted from the start of that discharge.
The simulated voltage is interpolated onto the measured capacities both curves cover.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from solvers import bdf


def fit_statistics(measured_V: np.ndarray, simulated_V: np.ndarray) -> dict[str, float]:
    r"""RMSE and MAE [V] and the coefficient of determination

    .. math:: R^2 = 1 - \frac{\sum (V_m - V_s)^2}{\sum (V_m - \bar V_m)^2}
    """
    m, s = np.asarray(measured_V, float), np.asarray(simulated_V, float)
    if m.shape != s.shape or m.size < 2:
        raise ValueError(f"need two equal-length curves of at least 2 points, got {m.size} and {s.size}")
    residual = m - s
    total = float(np.sum((m - m.mean()) ** 2))
    return {"rmse_V": float(np.sqrt(np.mean(residual**2))), "mae_V": float(np.mean(np.abs(residual))),
            "r2": float(1.0 - np.sum(residual**2) / total) if total > 0 else float("nan"), "n_points": int(m.size)}


def first_discharge(frame) -> tuple[np.ndarray, np.ndarray]:
    """Capacity [Ah] from the start of the first discharge, and voltage [V], of a measured BDF frame."""
    current = frame[bdf.CURRENT].to_numpy(float)
    discharging = current < 0
    if not discharging.any():
        return np.zeros(0), np.zeros(0)
    if bdf.CYCLE in frame.columns:
        cycles = frame[bdf.CYCLE].to_numpy()
        first = cycles[np.argmax(discharging)]
        discharging &= cycles == first
    if bdf.STEP in frame.columns:
        steps = frame[bdf.STEP].to_numpy()
        discharging &= steps == steps[np.argmax(discharging)]
    part = frame[discharging]
    t = part[bdf.TEST_TIME].to_numpy(float)
    i = -part[bdf.CURRENT].to_numpy(float)
    q = np.concatenate([[0.0], np.cumsum(0.5 * (i[1:] + i[:-1]) * np.diff(t))]) / 3600.0
    return q, part[bdf.VOLTAGE].to_numpy(float)


def compare_to_measured(session, actor, result, dataset_id: int) -> dict[str, Any] | None:
    """Statistics of a simulated discharge against a dataset's first discharge; None if they do not overlap."""
    from voltvault_core.simulation_service import load_measured_frame

    frame = load_measured_frame(session, actor, dataset_id)
    q_m, v_m = first_discharge(frame)
    ts = result.timeseries
    if bdf.DISCHARGING_CAPACITY not in ts or q_m.size < 2:
        return None
    q_s, v_s = np.asarray(ts[bdf.DISCHARGING_CAPACITY], float), np.asarray(ts[bdf.VOLTAGE], float)
    order = np.argsort(q_s, kind="stable")
    inside = (q_m >= q_s.min()) & (q_m <= q_s.max())
    if inside.sum() < 2:
        return None
    stats = fit_statistics(v_m[inside], np.interp(q_m[inside], q_s[order], v_s[order]))
    stats["measured_capacity_Ah"], stats["measured_voltage_V"] = q_m, v_m
    return stats
