"""Synthetic cycling data with known truth, for tests, benchmarks and the demo project.

A cell with a smooth open-circuit voltage curve and an ohmic resistance is cycled CC charge → rest →
CC discharge → rest (optionally with 10 s HPPC discharge pulses from rest). Its capacity fades as
:math:`Q_n = Q_0 (1 - k\\sqrt{n})` and its resistance grows linearly, so per-cycle capacities, the
resistance of every current step and the fade law are known exactly. These are SYNTHETIC data, not
measurements; the demo datasets say so in their metadata.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from voltvault_core import bdf


def ocv_V(soc: np.ndarray) -> np.ndarray:
    """A smooth, monotonic open-circuit voltage of a generic NMC/graphite cell [V] (illustrative)."""
    soc = np.clip(soc, 0.0, 1.0)
    return 3.0 + 1.0 * soc - 0.25 * np.exp(-15.0 * soc) + 0.12 * np.exp(20.0 * (soc - 1.0)) + 0.05 * np.tanh(8 * (soc - 0.5))


def capacity_Ah_at(cycle: np.ndarray, capacity_Ah: float, fade_k: float) -> np.ndarray:
    """The true capacity of cycle ``n``: :math:`Q_0 (1 - k\\sqrt{n-1})` [Ah]."""
    return capacity_Ah * (1.0 - fade_k * np.sqrt(np.asarray(cycle, dtype=float) - 1.0))


def resistance_Ohm_at(cycle: np.ndarray, resistance_Ohm: float, growth_per_cycle: float) -> np.ndarray:
    """The true resistance of cycle ``n``: :math:`R_0 (1 + g (n-1))` [Ohm]."""
    return resistance_Ohm * (1.0 + growth_per_cycle * (np.asarray(cycle, dtype=float) - 1.0))


def synthetic_cycling_frame(
    n_cycles: int = 50,
    *,
    capacity_Ah: float = 2.0,
    c_rate: float = 1.0,
    resistance_Ohm: float = 0.05,
    fade_k: float = 0.01,
    resistance_growth_per_cycle: float = 0.002,
    points_per_step: int = 100,
    rest_points: int = 10,
    rest_s: float = 600.0,
    hppc_every: int = 0,
    noise_V: float = 0.0,
    temperature_degC: float = 25.0,
    seed: int = 0,
) -> pd.DataFrame:
    """A BDF frame of ``n_cycles`` charge/discharge cycles with known capacity and resistance.

    Every step's first point sits exactly at the step's start, so the instantaneous resistance of each
    current step equals the cycle's true resistance. ``hppc_every`` > 0 adds, every that many cycles,
    a 10 s discharge pulse at 2C from rest before the discharge.
    """
    rng = np.random.default_rng(seed)
    current_A = c_rate * capacity_Ah
    cycles = np.arange(1, n_cycles + 1)
    capacities = capacity_Ah_at(cycles, capacity_Ah, fade_k)
    resistances = resistance_Ohm_at(cycles, resistance_Ohm, resistance_growth_per_cycle)
    pieces = []
    t0 = 0.0
    step_index_counter = 0
    for cycle, q, r in zip(cycles, capacities, resistances, strict=True):
        duration = q / current_A * 3600.0
        tau = np.linspace(0.0, duration, points_per_step)
        rest_tau = np.linspace(0.0, rest_s, rest_points)
        steps = []
        # CC charge from SOC 0 to 1
        soc = tau / duration
        steps.append((1, tau, np.full_like(tau, current_A), ocv_V(soc) + current_A * r, current_A * tau / 3600.0, np.zeros_like(tau)))
        steps.append((2, rest_tau, np.zeros_like(rest_tau), np.full_like(rest_tau, ocv_V(1.0)), np.full_like(rest_tau, q), np.zeros_like(rest_tau)))
        q_dis_offset = 0.0
        soc_start = 1.0
        if hppc_every and (cycle - 1) % hppc_every == 0:
            pulse_I = 2.0 * current_A
            pulse_tau = np.linspace(0.0, 10.0, 11)
            pulse_q = pulse_I * pulse_tau / 3600.0
            steps.append((3, pulse_tau, np.full_like(pulse_tau, -pulse_I), ocv_V(1.0 - pulse_q / q) - pulse_I * r,
                          np.full_like(pulse_tau, q), pulse_q))
            q_dis_offset = pulse_q[-1]
            soc_start = 1.0 - q_dis_offset / q
            steps.append((4, rest_tau, np.zeros_like(rest_tau), np.full_like(rest_tau, ocv_V(soc_start)),
                          np.full_like(rest_tau, q), np.full_like(rest_tau, q_dis_offset)))
        dis_duration = (q - q_dis_offset) / current_A * 3600.0
        dis_tau = np.linspace(0.0, dis_duration, points_per_step)
        q_dis = q_dis_offset + current_A * dis_tau / 3600.0
        steps.append((5, dis_tau, np.full_like(dis_tau, -current_A), ocv_V(1.0 - q_dis / q) - current_A * r, np.full_like(dis_tau, q), q_dis))
        steps.append((6, rest_tau, np.zeros_like(rest_tau), np.full_like(rest_tau, ocv_V(0.0)), np.full_like(rest_tau, q), np.full_like(rest_tau, q)))
        for step_index, tau_s, i_A, v_V, qc, qd in steps:
            step_index_counter += 1
            n = tau_s.size
            pieces.append(
                (np.full(n, cycle), np.full(n, step_index), np.full(n, step_index_counter), t0 + tau_s, v_V, i_A, qc, qd)
            )
            t0 += float(tau_s[-1])
    cycle_a, step_a, count_a, time_a, volt_a, curr_a, qc_a, qd_a = (np.concatenate(x) for x in zip(*pieces, strict=True))
    if noise_V:
        volt_a = volt_a + rng.normal(0.0, noise_V, volt_a.size)
    energy_c = np.zeros_like(time_a)
    energy_d = np.zeros_like(time_a)
    frame = pd.DataFrame(
        {
            bdf.TEST_TIME: time_a,
            bdf.VOLTAGE: volt_a,
            bdf.CURRENT: curr_a,
            bdf.CYCLE: cycle_a.astype(np.int64),
            bdf.STEP: count_a.astype(np.int64),
            bdf.STEP_INDEX: step_a.astype(np.int64),
            bdf.CHARGING_CAPACITY: qc_a,
            bdf.DISCHARGING_CAPACITY: qd_a,
        }
    )
    # energies by trapezoidal integration within each cycle
    from voltvault_core.cycling.frame import integrate_within_cycles

    power = volt_a * curr_a
    energy_c = integrate_within_cycles(time_a, np.clip(power, 0, None), cycle_a)
    energy_d = integrate_within_cycles(time_a, np.clip(-power, 0, None), cycle_a)
    frame[bdf.CHARGING_ENERGY] = energy_c
    frame[bdf.DISCHARGING_ENERGY] = energy_d
    frame[bdf.SURFACE_TEMPERATURE] = temperature_degC + 2.0 * np.abs(curr_a) / max(current_A, 1e-12)
    return frame


def write_nasa_pcoe_mat(path: str | Path, *, cell: str = "B0005", n_cycles: int = 3, capacity_Ah: float = 2.0,
                        fade_k: float = 0.02, points: int = 60, seed: int = 0) -> list[float]:
    """Write a small SYNTHETIC .mat in the NASA PCoE battery layout (see :mod:`.readers.nasa`).

    Each cycle is a charge record, a discharge record (with its ``Capacity``) and, after the first, an
    impedance record. Returns the discharge capacities written [Ah].
    """
    from scipy.io import savemat

    rng = np.random.default_rng(seed)
    record_dtype = [("type", "O"), ("ambient_temperature", "O"), ("time", "O"), ("data", "O")]
    records = []
    capacities = []
    clock = np.array([2008.0, 4.0, 2.0, 13.0, 8.0, 17.921])
    elapsed = 0.0

    def datevec(seconds: float) -> np.ndarray:
        stamp = pd.Timestamp(year=2008, month=4, day=2, hour=13, minute=8) + pd.Timedelta(seconds=17.921 + seconds)
        return np.array([[stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute,
                          stamp.second + stamp.microsecond / 1e6]], dtype=float)

    for n in range(1, n_cycles + 1):
        q = capacity_Ah * (1.0 - fade_k * np.sqrt(n - 1))
        charge_I, discharge_I = 1.5, 2.0
        t_charge = np.linspace(0.0, q / charge_I * 3600.0, points)
        v_charge = ocv_V(t_charge / t_charge[-1]) + 0.05 * charge_I
        data_charge = np.zeros((1, 1), dtype=[("Voltage_measured", "O"), ("Current_measured", "O"),
                                              ("Temperature_measured", "O"), ("Current_charge", "O"),
                                              ("Voltage_charge", "O"), ("Time", "O")])
        data_charge[0, 0] = (v_charge[None, :], np.full((1, points), charge_I), 24.0 + rng.random((1, points)),
                             np.full((1, points), charge_I), v_charge[None, :], t_charge[None, :])
        records.append(("charge", 24, datevec(elapsed), data_charge))
        elapsed += t_charge[-1] + 1800.0
        t_dis = np.linspace(0.0, q / discharge_I * 3600.0, points)
        v_dis = ocv_V(1.0 - t_dis / t_dis[-1]) - 0.05 * discharge_I
        data_dis = np.zeros((1, 1), dtype=[("Voltage_measured", "O"), ("Current_measured", "O"),
                                           ("Temperature_measured", "O"), ("Current_load", "O"),
                                           ("Voltage_load", "O"), ("Time", "O"), ("Capacity", "O")])
        data_dis[0, 0] = (v_dis[None, :], np.full((1, points), -discharge_I), 30.0 + rng.random((1, points)),
                          np.full((1, points), discharge_I), v_dis[None, :], t_dis[None, :], np.array([[q]]))
        records.append(("discharge", 24, datevec(elapsed), data_dis))
        capacities.append(float(q))
        elapsed += t_dis[-1] + 1800.0
        if n == 1:
            data_imp = np.zeros((1, 1), dtype=[("Sense_current", "O"), ("Battery_current", "O"), ("Rct", "O"), ("Re", "O")])
            data_imp[0, 0] = (np.zeros((1, 5)), np.zeros((1, 5)), np.array([[0.07]]), np.array([[0.05]]))
            records.append(("impedance", 24, datevec(elapsed), data_imp))
            elapsed += 600.0
    cycle = np.zeros((1, len(records)), dtype=record_dtype)
    for i, (kind, ambient, when, data) in enumerate(records):
        cycle[0, i] = (np.array([kind]), np.array([[ambient]]), when, data)
    cell_struct = np.zeros((1, 1), dtype=[("cycle", "O")])
    cell_struct[0, 0] = (cycle,)
    savemat(str(path), {cell: cell_struct})
    _ = clock
    return capacities
