"""Simulation against measurement: RMSE, MAE and R² of the voltage on discharged capacity.

The measured curve is the first discharge of a BDF frame (the rows where current is negative, BDF sign:
positive = charge, of the first cycle that has any), its capacity counted from the start of that discharge.
The simulated voltage is interpolated onto the measured capacities both curves cover.
"""

from __future__ import annotations

import itertools
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
    """Capacity [Ah] from its start, and voltage [V], of the first full discharge of a measured BDF frame.

    The discharge steps (negative current, BDF sign) are told apart by ``Step Count / 1`` (and cycle); the
    first one that passes at least 80 % of the charge of the largest is taken, so pulses (DCIR, HPPC) and
    partial steps are skipped.
    """
    current = frame[bdf.CURRENT].to_numpy(float)
    t_all = frame[bdf.TEST_TIME].to_numpy(float)
    keys = np.zeros(len(frame), dtype=np.int64)
    if bdf.STEP in frame.columns:
        keys = frame[bdf.STEP].to_numpy(np.int64)
    if bdf.CYCLE in frame.columns:
        keys = keys + (1 << 20) * frame[bdf.CYCLE].to_numpy(np.int64)
    discharging = current < 0
    if not discharging.any():
        return np.zeros(0), np.zeros(0)
    # contiguous runs of discharging rows within one step
    change = np.flatnonzero((np.diff(discharging.astype(int)) != 0) | (np.diff(keys) != 0)) + 1
    bounds = np.concatenate([[0], change, [len(frame)]])
    segments = []
    for a, b in itertools.pairwise(bounds):
        if discharging[a] and b - a >= 2:
            i = -current[a:b]
            charge = float(np.sum(0.5 * (i[1:] + i[:-1]) * np.diff(t_all[a:b]))) / 3600.0
            segments.append((a, b, charge))
    if not segments:
        return np.zeros(0), np.zeros(0)
    largest = max(c for _a, _b, c in segments)
    a, b, _ = next(seg for seg in segments if seg[2] >= 0.8 * largest)
    t, i = t_all[a:b], -current[a:b]
    q = np.concatenate([[0.0], np.cumsum(0.5 * (i[1:] + i[:-1]) * np.diff(t))]) / 3600.0
    return q, frame[bdf.VOLTAGE].to_numpy(float)[a:b]


def compare_to_measured(session, actor, result, dataset_id: int) -> dict[str, Any] | None:
    """Statistics of a simulated discharge against a dataset's first discharge; None if they do not overlap."""
    from voltvault_core.simulation.service import load_measured_frame

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


# --------------------------------------------------------------------------------------------------
# Comparison dashboard (Experiments page)
# --------------------------------------------------------------------------------------------------

INPUT_FIELDS = ("model", "parameter set", "protocol", "options", "graded electrodes")
METRIC_FIELDS = (("discharge_capacity_Ah", "Capacity / Ah"), ("discharge_energy_Wh", "Energy / Wh"),
                 ("end_voltage_V", "End voltage / V"), ("min_voltage_V", "Min voltage / V"),
                 ("duration_s", "Duration / s"), ("wall_time_s", "Solve time / s"))


def compare_runs(session, actor, simulation_ids, dataset_id: int | None = None) -> dict[str, Any]:
    """Side-by-side inputs and metrics of saved runs, their curves, and each against a measured discharge.

    Viewer or higher of each run's project. Returns ``{"runs": [names], "inputs": {field: [values]},
    "metrics": {label: [values]}, "curves": [{"name", "capacity_Ah", "voltage_V", "time_h"}],
    "measured": {"name", "capacity_Ah", "voltage_V"} or None, "fit": [{"run", "rmse_mV", "mae_mV", "r2",
    "n_points"}]}``.
    """
    from voltvault_core.auth.permissions import NotFound
    from voltvault_core.db.models import CyclingDataset, Simulation
    from voltvault_core.simulation.service import load_measured_frame, load_result

    names, inputs, metrics, curves, fits = [], {f: [] for f in INPUT_FIELDS}, {m[1]: [] for m in METRIC_FIELDS}, [], []
    measured = None
    if dataset_id is not None:
        dataset = session.get(CyclingDataset, dataset_id)
        if dataset is None:
            raise NotFound(f"cycling dataset {dataset_id} does not exist")
        q_m, v_m = first_discharge(load_measured_frame(session, actor, dataset_id))
        measured = {"name": dataset.name, "capacity_Ah": q_m, "voltage_V": v_m}
    for sim_id in simulation_ids:
        row = session.get(Simulation, sim_id)
        if row is None:
            raise NotFound(f"simulation {sim_id} does not exist")
        result = load_result(session, actor, sim_id)
        name = row.name or f"simulation {sim_id}"
        names.append(name)
        doc = row.inputs or {}
        ps = doc.get("parameter_set")
        inputs["model"].append(str(doc.get("model", row.model_type)).upper())
        inputs["parameter set"].append(ps if isinstance(ps, str) else (ps or {}).get("name", "custom set"))
        inputs["protocol"].append("; ".join(doc.get("experiment", [])))
        inputs["options"].append(", ".join(f"{k}={v}" for k, v in sorted((doc.get("options") or {}).items())) or "defaults")
        inputs["graded electrodes"].append(", ".join(sorted(doc.get("electrode_grading") or {})) or "none")
        summary = row.summary or {}
        for key, label in METRIC_FIELDS:
            metrics[label].append(summary.get(key))
        ts = result.timeseries
        curves.append({"name": name, "capacity_Ah": np.asarray(ts.get(bdf.DISCHARGING_CAPACITY, []), float),
                       "voltage_V": np.asarray(ts[bdf.VOLTAGE], float),
                       "time_h": np.asarray(ts[bdf.TEST_TIME], float) / 3600.0})
        if measured is not None:
            stats = compare_to_measured(session, actor, result, dataset_id)
            fits.append({"run": name, **({"rmse_mV": 1e3 * stats["rmse_V"], "mae_mV": 1e3 * stats["mae_V"],
                                         "r2": stats["r2"], "n_points": stats["n_points"]} if stats else
                                        {"rmse_mV": None, "mae_mV": None, "r2": None, "n_points": 0})})
    return {"runs": names, "inputs": inputs, "metrics": metrics, "curves": curves, "measured": measured, "fit": fits}
