"""Generate the bundled drive-cycle tables (run: ``python data/drive_cycles/generate_drive_cycles.py``).

Every table here is computed by this script from a stated definition; nothing is copied from elsewhere.

* ``ECE15_x4_power.csv`` — the urban part of the NEDC: four ECE-15 cycles (780 s), reconstructed from the
  operation table of UNECE Regulation No. 83, Annex 4a (idle / acceleration / cruise / deceleration
  segments; 1.015 km per cycle against the regulation's 1.013 km). Speed is turned into battery power by
  the longitudinal vehicle model below and divided over the cells of the pack, so the column is the
  power of ONE cell [W] in the BDF sign (positive = charge, i.e. regenerative braking).
* ``pulse_train_current.csv`` — a synthetic current profile for a 5 A.h cell: 1C and 2C discharge pulses,
  0.5C regen pulses and rests (BDF sign: positive = charge), 20 minutes, 1 s resolution.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# ECE-15 urban cycle: (time [s], speed [km/h]) at the ends of the segments of UNECE R83 Annex 4a
ECE15_BREAKPOINTS = [
    (0, 0), (11, 0), (15, 15), (23, 15), (25, 10), (28, 0), (49, 0), (54, 15), (56, 15), (61, 32),
    (85, 32), (93, 10), (96, 0), (117, 0), (122, 15), (124, 15), (133, 35), (135, 35), (143, 50),
    (155, 50), (163, 35), (176, 35), (178, 32), (185, 10), (188, 0), (195, 0),
]  # fmt: skip

# vehicle and pack (a small city EV): stated here so the table can be regenerated or rescaled
VEHICLE = {
    "mass_kg": 1300.0,
    "drag_area_m2": 0.65,  # Cd * frontal area
    "rolling_coefficient": 0.010,
    "air_density_kg_m3": 1.2,
    "drivetrain_efficiency": 0.90,
    "regen_fraction": 0.60,  # share of braking power returned to the battery
    "auxiliary_power_W": 300.0,
    "cells_in_pack": 960,  # e.g. 96 in series x 10 in parallel of 5 A.h cells (17 kWh)
}
G_M_S2 = 9.80665


def ece15_speed_m_s(repeats: int = 4, dt_s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    t_bp, v_bp = np.array(ECE15_BREAKPOINTS, dtype=float).T
    one = np.arange(0.0, t_bp[-1], dt_s)
    v_one = np.interp(one, t_bp, v_bp) / 3.6
    t = np.arange(0.0, repeats * t_bp[-1] + dt_s / 2, dt_s)
    v = np.concatenate([np.tile(v_one, repeats), [0.0]])
    return t, v


def cell_power_W(t: np.ndarray, v: np.ndarray, vehicle=VEHICLE) -> np.ndarray:
    """Battery power of one cell [W], positive = discharge (solver convention)."""
    a = np.gradient(v, t)
    force = (
        vehicle["mass_kg"] * a
        + vehicle["rolling_coefficient"] * vehicle["mass_kg"] * G_M_S2 * (v > 0)
        + 0.5 * vehicle["air_density_kg_m3"] * vehicle["drag_area_m2"] * v**2
    )
    wheel = force * v
    battery = np.where(
        wheel >= 0, wheel / vehicle["drivetrain_efficiency"], wheel * vehicle["regen_fraction"]
    )
    battery = battery + vehicle["auxiliary_power_W"]
    return battery / vehicle["cells_in_pack"]


def pulse_train_A(capacity_Ah: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """Discharge-positive current [A]: a repeated block of pulses and rests (1 s resolution)."""
    block = [(30, 1.0), (30, 0.0), (10, 2.0), (20, 0.0), (10, -0.5), (20, 0.0)]  # (seconds, C-rate)
    rates = np.concatenate([np.full(n, c) for n, c in block] * 10)
    t = np.arange(rates.size + 1, dtype=float)
    return t, np.concatenate([rates, [0.0]]) * capacity_Ah


def main() -> None:
    t, v = ece15_speed_m_s()
    p = cell_power_W(t, v)
    header = "Test Time / s,Power / W"
    np.savetxt(
        HERE / "ECE15_x4_power.csv",
        np.column_stack([t, -p]),
        delimiter=",",
        header=header,
        comments="",
        fmt="%.6g",
    )
    t, i = pulse_train_A()
    header = "Test Time / s,Current / A"
    np.savetxt(
        HERE / "pulse_train_current.csv",
        np.column_stack([t, -i]),
        delimiter=",",
        header=header,
        comments="",
        fmt="%.6g",
    )


if __name__ == "__main__":
    main()
