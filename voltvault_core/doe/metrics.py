"""The registry of study outputs: what a run of a cell model is measured by.

Each metric reads one solver result (BDF time series, PyBaMM-named variables) and the run's parameter
set. Names carry units. A metric name may take arguments after colons: ``voltage_at_s:600`` (voltage
600 s into the protocol), ``voltage_curve:0:3600:61`` (a whole curve: the voltage at 61 times from 0 to
3600 s, one output column per time; NaN past the end of a run), ``temperature_curve:...`` likewise.
Energy density per mass and volume uses the cell designer's mass and volume of the run's parameter set
(:func:`voltvault_core.design.export.parameter_set_to_design`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voltvault_core.doe.study import DOEError

__all__ = ["METRICS", "Metric", "metric_columns", "resolve_metric"]


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    description: str
    function: Callable[..., np.ndarray | float]
    needs_design: bool = False  # reads the designer's mass/volume
    n_args: int = 0


def _discharged_Ah(result) -> float:
    return float(np.nanmax(result["Discharging Capacity / Ah"]))


def _energy_Wh(result, sign: float = -1.0) -> float:
    """Energy delivered (sign -1: discharge, current < 0 in BDF) or taken in (sign +1) [Wh]."""
    t = np.asarray(result["Test Time / s"])
    v = np.asarray(result["Voltage / V"])
    i = np.asarray(result["Current / A"])
    p = np.clip(sign * v * i, 0.0, None)
    return float(np.trapezoid(p, t) / 3600.0)


def _duration_s(result) -> float:
    t = np.asarray(result["Test Time / s"])
    return float(t[-1] - t[0])


def _design_metrics(params, cache: dict):
    key = id(params)
    if key not in cache:
        from voltvault_core.design import compute_metrics
        from voltvault_core.design.export import parameter_set_to_design

        cache[key] = compute_metrics(parameter_set_to_design(params))
    return cache[key]


def _time_to_80_s(result, params, cache) -> float:
    """Time until the charge put in reaches 80 % of the nominal capacity (NaN if never) [s]."""
    q = np.asarray(result["Charging Capacity / Ah"])
    t = np.asarray(result["Test Time / s"])
    target = 0.8 * float(params["Nominal cell capacity [A.h]"])
    hit = np.nonzero(q >= target)[0]
    if hit.size == 0:
        return float("nan")
    j = hit[0]
    if j == 0:
        return float(t[0])
    return float(np.interp(target, q[j - 1 : j + 1], t[j - 1 : j + 1]))


def _at_time(values, t, time_s):
    if time_s > t[-1] or time_s < t[0]:
        return float("nan")
    return float(np.interp(time_s, t, values))


def _voltage_at(result, params, cache, time_s) -> float:
    return _at_time(np.asarray(result["Voltage / V"]), np.asarray(result["Test Time / s"]), float(time_s))


def _curve(variable):
    def curve(result, params, cache, t0, t1, points):
        grid = np.linspace(float(t0), float(t1), int(points))
        t = np.asarray(result["Test Time / s"])
        try:
            values = np.asarray(result[variable], dtype=float)
        except KeyError:
            return np.full(grid.size, np.nan)
        out = np.interp(grid, t, values)
        out[(grid > t[-1]) | (grid < t[0])] = np.nan
        return out

    return curve


def _peak_temperature_K(result, params, cache) -> float:
    return float(np.nanmax(result["Cell temperature [K]"]))


METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("discharge_capacity_Ah", "A.h", "capacity discharged over the protocol",
           lambda r, p, c: _discharged_Ah(r)),
    Metric("charge_capacity_Ah", "A.h", "capacity charged over the protocol", lambda r, p, c:
           float(np.nanmax(r["Charging Capacity / Ah"]))),
    Metric("energy_Wh", "W.h", "energy delivered on discharge", lambda r, p, c: _energy_Wh(r)),
    Metric("specific_energy_Wh_kg", "W.h.kg-1", "discharge energy per cell mass (designer's mass)",
           lambda r, p, c: _energy_Wh(r) / _design_metrics(p, c).mass_kg, needs_design=True),
    Metric("energy_density_Wh_L", "W.h.L-1", "discharge energy per cell volume (designer's volume)",
           lambda r, p, c: _energy_Wh(r) / (_design_metrics(p, c).volume_m3 * 1e3), needs_design=True),
    Metric("average_power_W", "W", "mean discharge power (energy / duration)",
           lambda r, p, c: _energy_Wh(r) * 3600.0 / _duration_s(r)),
    Metric("specific_power_W_kg", "W.kg-1", "mean discharge power per cell mass",
           lambda r, p, c: _energy_Wh(r) * 3600.0 / _duration_s(r) / _design_metrics(p, c).mass_kg,
           needs_design=True),
    Metric("duration_s", "s", "time until the protocol ended (cut-off or last step)",
           lambda r, p, c: _duration_s(r)),
    Metric("time_to_80_percent_s", "s", "fast charge: time until 80 % of the nominal capacity is charged",
           _time_to_80_s),
    Metric("minimum_voltage_V", "V", "lowest voltage", lambda r, p, c: float(np.nanmin(r["Voltage / V"]))),
    Metric("peak_temperature_K", "K", "highest cell temperature (use a thermal model option)",
           _peak_temperature_K),
    Metric("voltage_at_s", "V", "voltage at a time: voltage_at_s:TIME_S", _voltage_at, n_args=1),
    Metric("voltage_curve", "V", "voltage along time: voltage_curve:T0_S:T1_S:POINTS",
           _curve("Voltage / V"), n_args=3),
    Metric("temperature_curve", "K", "cell temperature along time: temperature_curve:T0_S:T1_S:POINTS",
           _curve("Cell temperature [K]"), n_args=3),
    Metric("np_ratio", "1", "N/P capacity ratio (designer)", lambda r, p, c: _design_metrics(p, c).np_ratio,
           needs_design=True),
]}


def resolve_metric(text: str) -> tuple[Metric, list[float]]:
    """``"voltage_at_s:600"`` -> (the metric, [600.0]); unknown names suggest close matches."""
    name, *args = text.split(":")
    if name not in METRICS:
        import difflib

        close = difflib.get_close_matches(name, list(METRICS), 3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise DOEError(f"unknown output {text!r}{hint}; outputs: {', '.join(METRICS)}")
    metric = METRICS[name]
    if len(args) != metric.n_args:
        raise DOEError(f"output {text!r}: {metric.description}")
    try:
        values = [float(a) for a in args]
    except ValueError:
        raise DOEError(f"output {text!r}: the arguments after ':' must be numbers") from None
    if metric.n_args == 3 and (values[2] < 2 or values[1] <= values[0]):
        raise DOEError(f"output {text!r}: give T0 < T1 and at least 2 points")
    return metric, values


def metric_columns(text: str) -> list[str]:
    """The output column names one metric gives (a curve gives one per time)."""
    metric, args = resolve_metric(text)
    if metric.n_args == 3:
        grid = np.linspace(args[0], args[1], int(args[2]))
        return [f"{metric.name}@{t:g}s" for t in grid]
    return [text]
