"""Per-cycle metrics of a BDF frame, vectorised (pandas group-by over the cycle column).

One row per cycle: charge and discharge capacity [Ah], coulombic efficiency (discharge / charge of
the same cycle), charge and discharge energy [Wh] and energy efficiency, mean and median voltage,
mean charge / discharge voltage (energy / capacity), end-of-charge and end-of-discharge voltage,
duration, temperature range, and the DC internal resistance of the cycle's first current step or
pulse with the step it came from (:mod:`voltvault_core.cycling.resistance`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from voltvault_core import bdf
from voltvault_core.cycling.frame import direction_from_current

METRIC_COLUMNS = (
    "cycle",
    "start_time_s",
    "duration_s",
    "n_points",
    "charge_capacity_Ah",
    "discharge_capacity_Ah",
    "coulombic_efficiency",
    "charge_energy_Wh",
    "discharge_energy_Wh",
    "energy_efficiency",
    "mean_voltage_V",
    "median_voltage_V",
    "mean_charge_voltage_V",
    "mean_discharge_voltage_V",
    "end_of_charge_voltage_V",
    "end_of_discharge_voltage_V",
    "min_voltage_V",
    "max_voltage_V",
    "temperature_min_degC",
    "temperature_max_degC",
    "dcir_Ohm",
    "dcir_step",
    "dcir_time_s",
)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def compute_cycle_metrics(frame: pd.DataFrame, *, with_resistance: bool = True, dcir_duration_s: float = 10.0) -> pd.DataFrame:
    """Per-cycle metrics (columns :data:`METRIC_COLUMNS`), one row per cycle in cycle order.

    Parameters
    ----------
    frame
        A BDF frame (capacities accumulating within the cycle, see :mod:`voltvault_core.cycling.frame`).
    with_resistance
        Also extract the DC internal resistance per cycle (current steps / HPPC pulses).
    dcir_duration_s
        Time after the current step at which the resistance is read [s] (10 s: the HPPC convention).
    """
    cycle = frame[bdf.CYCLE].to_numpy()
    voltage = frame[bdf.VOLTAGE].to_numpy(dtype=float)
    current = frame[bdf.CURRENT].to_numpy(dtype=float)
    time_s = frame[bdf.TEST_TIME].to_numpy(dtype=float)
    direction = direction_from_current(current)

    work = pd.DataFrame(
        {
            "cycle": cycle,
            "t": time_s,
            "v": voltage,
            "qc": frame[bdf.CHARGING_CAPACITY].to_numpy(dtype=float),
            "qd": frame[bdf.DISCHARGING_CAPACITY].to_numpy(dtype=float),
            "ec": frame[bdf.CHARGING_ENERGY].to_numpy(dtype=float) if bdf.CHARGING_ENERGY in frame else np.nan,
            "ed": frame[bdf.DISCHARGING_ENERGY].to_numpy(dtype=float) if bdf.DISCHARGING_ENERGY in frame else np.nan,
        }
    )
    temperature_column = next((c for c in (bdf.SURFACE_TEMPERATURE, bdf.AMBIENT_TEMPERATURE) if c in frame), None)
    work["temp"] = frame[temperature_column].to_numpy(dtype=float) if temperature_column else np.nan
    grouped = work.groupby("cycle", sort=True)
    stats = grouped.agg(
        start_time_s=("t", "min"),
        end_time_s=("t", "max"),
        n_points=("t", "size"),
        charge_capacity_Ah=("qc", "max"),
        discharge_capacity_Ah=("qd", "max"),
        charge_energy_Wh=("ec", "max"),
        discharge_energy_Wh=("ed", "max"),
        mean_voltage_V=("v", "mean"),
        median_voltage_V=("v", "median"),
        min_voltage_V=("v", "min"),
        max_voltage_V=("v", "max"),
        temperature_min_degC=("temp", "min"),
        temperature_max_degC=("temp", "max"),
    )
    end_charge = work.loc[direction == 1].groupby("cycle", sort=True)["v"].last()
    end_discharge = work.loc[direction == -1].groupby("cycle", sort=True)["v"].last()
    result = stats.reset_index()
    result["duration_s"] = result.pop("end_time_s") - result["start_time_s"]
    result["end_of_charge_voltage_V"] = end_charge.reindex(result["cycle"]).to_numpy()
    result["end_of_discharge_voltage_V"] = end_discharge.reindex(result["cycle"]).to_numpy()
    qc, qd = result["charge_capacity_Ah"].to_numpy(), result["discharge_capacity_Ah"].to_numpy()
    ec, ed = result["charge_energy_Wh"].to_numpy(), result["discharge_energy_Wh"].to_numpy()
    result["coulombic_efficiency"] = _ratio(qd, qc)
    result["energy_efficiency"] = _ratio(ed, ec)
    result["mean_charge_voltage_V"] = _ratio(ec, qc)
    result["mean_discharge_voltage_V"] = _ratio(ed, qd)
    result["dcir_Ohm"] = np.nan
    result["dcir_step"] = pd.array([pd.NA] * len(result), dtype="Int64")
    result["dcir_time_s"] = np.nan
    if with_resistance:
        from voltvault_core.cycling.resistance import cycle_resistance

        per_cycle = cycle_resistance(frame, duration_s=dcir_duration_s)
        if len(per_cycle):
            indexed = per_cycle.set_index("cycle")
            result["dcir_Ohm"] = indexed["resistance_Ohm"].reindex(result["cycle"]).to_numpy()
            result["dcir_step"] = pd.array(indexed["step"].reindex(result["cycle"]).to_numpy(), dtype="Int64")
            result["dcir_time_s"] = indexed["time_s"].reindex(result["cycle"]).to_numpy()
    result["cycle"] = result["cycle"].astype(np.int64)
    result["n_points"] = result["n_points"].astype(np.int64)
    return result[list(METRIC_COLUMNS)]
