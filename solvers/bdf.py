"""The Battery Data Format (BDF): one canonical time-series frame for measured and simulated data.

It lives in ``solvers`` because solver results are BDF frames and ``solvers`` imports nothing from
``voltvault_core``; the app imports it as ``voltvault_core.bdf``.

Column labels follow the Battery Data Alliance's BDF (``"Quantity / unit"``). Current is positive on
CHARGE here. The solvers use the electrochemical-modelling convention (positive = discharge, as in
PyBaMM); :func:`current_from_solver` is the one place where that sign flips.
"""

from __future__ import annotations

import numpy as np

TEST_TIME = "Test Time / s"
VOLTAGE = "Voltage / V"
CURRENT = "Current / A"
CYCLE = "Cycle Count / 1"
STEP = "Step Count / 1"
STEP_INDEX = "Step Index / 1"
CHARGING_CAPACITY = "Charging Capacity / Ah"
DISCHARGING_CAPACITY = "Discharging Capacity / Ah"
NET_CAPACITY = "Net Capacity / Ah"
CHARGING_ENERGY = "Charging Energy / Wh"
DISCHARGING_ENERGY = "Discharging Energy / Wh"
NET_ENERGY = "Net Energy / Wh"
POWER = "Power / W"
AMBIENT_TEMPERATURE = "Ambient Temperature / degC"
SURFACE_TEMPERATURE = "Surface Temperature / degC"
UNIX_TIME = "Unix Time / s"
INTERNAL_RESISTANCE = "Internal Resistance / Ohm"

REQUIRED_COLUMNS = (TEST_TIME, VOLTAGE, CURRENT)
KNOWN_COLUMNS = (
    TEST_TIME,
    UNIX_TIME,
    VOLTAGE,
    CURRENT,
    CYCLE,
    STEP,
    STEP_INDEX,
    CHARGING_CAPACITY,
    DISCHARGING_CAPACITY,
    NET_CAPACITY,
    CHARGING_ENERGY,
    DISCHARGING_ENERGY,
    NET_ENERGY,
    POWER,
    AMBIENT_TEMPERATURE,
    SURFACE_TEMPERATURE,
    INTERNAL_RESISTANCE,
)


def current_from_solver(current_discharge_positive_A: np.ndarray) -> np.ndarray:
    """Convert a solver current (positive = discharge) into BDF current (positive = charge) [A]."""
    return -np.asarray(current_discharge_positive_A, dtype=float)


def current_to_solver(current_charge_positive_A: np.ndarray) -> np.ndarray:
    """Convert a BDF current (positive = charge) into the solvers' convention (positive = discharge) [A]."""
    return -np.asarray(current_charge_positive_A, dtype=float)
