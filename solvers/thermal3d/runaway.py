r"""Thermal-runaway onset: decomposition reactions of the cell materials, an oven test and an ARC test.

Four Arrhenius reactions per unit volume of jelly roll (Hatchard et al. 2001, doi:10.1149/1.1377592,
with the parameters of Kim et al. 2007, doi:10.1016/j.jpowsour.2007.04.018, Table 1):

.. math::

    R_{sei} &= A_{sei} e^{-E_{sei}/RT} c_{sei}, &\quad \dot c_{sei} &= -R_{sei}\\
    R_{ne}  &= A_{ne} e^{-t_{sei}/t_{sei,ref}} e^{-E_{ne}/RT} c_{ne}, &\quad \dot c_{ne} &= -R_{ne},\ \dot t_{sei} = R_{ne}\\
    R_{pe}  &= A_{pe} \alpha (1-\alpha) e^{-E_{pe}/RT}, &\quad \dot\alpha &= R_{pe}\\
    R_{e}   &= A_{e} c_e e^{-E_e/RT}, &\quad \dot c_e &= -R_e

each releasing :math:`q = H W R` [W.m-3] (heat of reaction H [J.kg-1] times the reactant's content W
[kg.m-3]). Over a step the temperature is frozen and each reaction is advanced by its exact solution
(exponential decay; logistic for the cathode), so the fractions stay in [0, 1] at any step size, and the
step shrinks so that no cell heats by more than ``max_rise_K`` from the reactions in one step.

The onset is where the self-heating rate (reaction heat over heat capacity, volume-averaged) first
exceeds 0.02 K/min, the usual ARC detection threshold. Cells above ``ONSET_TEMPERATURE_K`` (90 degC,
the start of SEI decomposition, Spotnitz and Franklin 2003, doi:10.1016/S0378-7753(02)00488-3) are
flagged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from solvers.constants import R
from solvers.thermal3d.conduction import Boundary, EnergyLedger, ThermalSystem

__all__ = [
    "KIM2007",
    "ONSET_TEMPERATURE_K",
    "SELF_HEATING_THRESHOLD_K_S",
    "AbuseResult",
    "DecompositionParameters",
    "DecompositionState",
    "arc_test",
    "oven_test",
]

SELF_HEATING_THRESHOLD_K_S = 0.02 / 60.0  # 0.02 K/min
ONSET_TEMPERATURE_K = 363.15  # SEI decomposition begins near 90 degC (Spotnitz & Franklin 2003)


@dataclass(frozen=True)
class DecompositionParameters:
    """Arrhenius parameters of the four reactions (Kim et al. 2007, Table 1; Hatchard et al. 2001)."""

    A_sei_1_s: float = 1.667e15
    E_sei_J_mol: float = 1.3508e5
    H_sei_J_kg: float = 2.57e5
    c_sei_0: float = 0.15
    A_ne_1_s: float = 2.5e13
    E_ne_J_mol: float = 1.3508e5
    H_ne_J_kg: float = 1.714e6
    c_ne_0: float = 0.75
    t_sei_0: float = 0.033
    t_sei_ref: float = 0.033
    W_carbon_kg_m3: float = 1.39e3
    A_pe_1_s: float = 6.667e13
    E_pe_J_mol: float = 1.396e5
    H_pe_J_kg: float = 3.14e5
    alpha_0: float = 0.04
    W_cathode_kg_m3: float = 1.3e3
    A_e_1_s: float = 5.14e25
    E_e_J_mol: float = 2.74e5
    H_e_J_kg: float = 1.55e5
    c_e_0: float = 1.0
    W_electrolyte_kg_m3: float = 5.0e2
    citations: tuple[str, ...] = ("10.1149/1.1377592", "10.1016/j.jpowsour.2007.04.018")


KIM2007 = DecompositionParameters()


@dataclass
class DecompositionState:
    """Dimensionless reactant fractions per cell (zero outside the jelly roll)."""

    c_sei: np.ndarray
    c_ne: np.ndarray
    t_sei: np.ndarray
    alpha: np.ndarray
    c_e: np.ndarray

    @classmethod
    def fresh(cls, active: np.ndarray, p: DecompositionParameters = KIM2007) -> DecompositionState:
        a = np.asarray(active, dtype=float).ravel()
        return cls(p.c_sei_0 * a, p.c_ne_0 * a, np.full(a.size, p.t_sei_0), p.alpha_0 * a, p.c_e_0 * a)

    def advance(self, T_K: np.ndarray, dt_s: float, p: DecompositionParameters = KIM2007) -> np.ndarray:
        """Advance every reaction over ``dt_s`` at frozen ``T``; return the mean heat released [W.m-3]."""
        inv = 1.0 / (R * np.asarray(T_K, dtype=float))
        k_sei = p.A_sei_1_s * np.exp(-p.E_sei_J_mol * inv)
        k_ne = p.A_ne_1_s * np.exp(-p.E_ne_J_mol * inv) * np.exp(-self.t_sei / p.t_sei_ref)
        k_pe = p.A_pe_1_s * np.exp(-p.E_pe_J_mol * inv)
        k_e = p.A_e_1_s * np.exp(-p.E_e_J_mol * inv)
        sei_new = self.c_sei * np.exp(-k_sei * dt_s)
        ne_new = self.c_ne * np.exp(-k_ne * dt_s)
        grow = np.exp(np.minimum(k_pe * dt_s, 700.0))
        alpha_new = np.where(self.alpha > 0, self.alpha * grow / (1.0 - self.alpha + self.alpha * grow), 0.0)
        e_new = self.c_e * np.exp(-k_e * dt_s)
        heat_J_m3 = (
            p.H_sei_J_kg * p.W_carbon_kg_m3 * (self.c_sei - sei_new)
            + p.H_ne_J_kg * p.W_carbon_kg_m3 * (self.c_ne - ne_new)
            + p.H_pe_J_kg * p.W_cathode_kg_m3 * (alpha_new - self.alpha)
            + p.H_e_J_kg * p.W_electrolyte_kg_m3 * (self.c_e - e_new)
        )
        self.t_sei = self.t_sei + (self.c_ne - ne_new)
        self.c_sei, self.c_ne, self.alpha, self.c_e = sei_new, ne_new, alpha_new, e_new
        return heat_J_m3 / dt_s

    def rate_W_m3(self, T_K: np.ndarray, p: DecompositionParameters = KIM2007) -> np.ndarray:
        """Instantaneous heat release [W.m-3] at ``T`` (no state change)."""
        inv = 1.0 / (R * np.asarray(T_K, dtype=float))
        return (
            p.H_sei_J_kg * p.W_carbon_kg_m3 * p.A_sei_1_s * np.exp(-p.E_sei_J_mol * inv) * self.c_sei
            + p.H_ne_J_kg * p.W_carbon_kg_m3 * p.A_ne_1_s * np.exp(-p.E_ne_J_mol * inv)
            * np.exp(-self.t_sei / p.t_sei_ref) * self.c_ne
            + p.H_pe_J_kg * p.W_cathode_kg_m3 * p.A_pe_1_s * np.exp(-p.E_pe_J_mol * inv)
            * self.alpha * (1 - self.alpha)
            + p.H_e_J_kg * p.W_electrolyte_kg_m3 * p.A_e_1_s * np.exp(-p.E_e_J_mol * inv) * self.c_e
        )  # fmt: skip


@dataclass
class AbuseResult:
    """An oven or ARC run: histories of mean/max temperature and self-heating rate, and the onset."""

    protocol: str
    time_s: np.ndarray
    T_mean_K: np.ndarray
    T_max_K: np.ndarray
    self_heating_K_s: np.ndarray
    onset_time_s: float | None
    onset_temperature_K: float | None
    runaway_time_s: float | None
    flagged: np.ndarray  # bool per cell: ever above ONSET_TEMPERATURE_K
    T_final_K: np.ndarray
    energy: EnergyLedger
    info: dict = field(default_factory=dict)

    def summary(self) -> dict:
        return {
            "protocol": self.protocol,
            "onset_time_s": self.onset_time_s,
            "onset_temperature_K": self.onset_temperature_K,
            "runaway_time_s": self.runaway_time_s,
            "T_max_K": float(np.max(self.T_max_K)),
            "flagged_fraction": float(np.mean(self.flagged)),
            "onset_criterion_K_per_min": SELF_HEATING_THRESHOLD_K_S * 60.0,
            "flag_temperature_K": ONSET_TEMPERATURE_K,
            **self.info,
        }


class _Recorder:
    def __init__(self, system: ThermalSystem, active: np.ndarray):
        self.system = system
        self.active = np.asarray(active, dtype=bool).ravel()
        self.w = system.volume_m3 / system.volume_m3.sum()
        self.C_total = float(system.capacity_J_K.sum())
        self.rows: list[tuple[float, float, float, float]] = []
        self.flagged = np.zeros(system.grid.n_cells, dtype=bool)
        self.onset: tuple[float, float] | None = None
        self.runaway: float | None = None

    def record(self, t, T, q_reaction):
        rate = float(q_reaction @ self.system.volume_m3) / self.C_total
        self.rows.append((t, float(T @ self.w), float(T.max()), rate))
        self.flagged |= T > ONSET_TEMPERATURE_K
        if self.onset is None and rate > SELF_HEATING_THRESHOLD_K_S:
            self.onset = (t, float(T @ self.w))
        if self.runaway is None and rate > 10.0 / 60.0:  # 10 K/min: runaway under way
            self.runaway = t

    def result(self, protocol, T, ledger, info) -> AbuseResult:
        a = np.array(self.rows)
        return AbuseResult(protocol, a[:, 0], a[:, 1], a[:, 2], a[:, 3],
                           None if self.onset is None else self.onset[0],
                           None if self.onset is None else self.onset[1],
                           self.runaway, self.flagged, T, ledger, info)  # fmt: skip


def _react_step(system, state, T, t, dt, ledger, max_rise_K, params):
    """One conduction step with reaction heat, shrinking dt until the reaction rise per step is bounded."""
    capacity = system.grid.heat_capacity_J_m3_K.ravel()
    while True:
        rate = state.rate_W_m3(T, params)
        if dt <= 1e-3 or float(np.max(rate / capacity)) * dt <= max_rise_K:
            break
        dt *= 0.5
    q = state.advance(T, dt, params)
    return system.step(T, t, dt, q, ledger), dt, q


def oven_test(
    system_factory: Callable[[Boundary], ThermalSystem],
    active: np.ndarray,
    *,
    oven_temperature_K: float = 428.15,
    h_W_m2_K: float = 7.17,
    initial_temperature_K: float = 298.15,
    duration_s: float = 4 * 3600.0,
    step_s: float = 20.0,
    stop_temperature_K: float = 700.0,
    max_rise_K: float = 1.0,
    params: DecompositionParameters = KIM2007,
) -> AbuseResult:
    """A cell placed in an oven at ``oven_temperature_K`` (every face convective at ``h``).

    ``system_factory(boundary)`` builds the cell's :class:`ThermalSystem` with that boundary on its faces.
    Defaults: a 155 degC oven and h = 7.17 W/m2/K, Hatchard et al. (2001)'s oven-test conditions.
    """
    system = system_factory(Boundary("convection", h_W_m2_K, oven_temperature_K))
    state = DecompositionState.fresh(active, params)
    T = np.full(system.grid.n_cells, float(initial_temperature_K))
    ledger = EnergyLedger()
    rec = _Recorder(system, active)
    t = 0.0
    rec.record(t, T, state.rate_W_m3(T, params))
    while t < duration_s and T.max() < stop_temperature_K:
        T, dt, _ = _react_step(system, state, T, t, min(step_s, duration_s - t), ledger, max_rise_K, params)
        t += dt
        rec.record(t, T, state.rate_W_m3(T, params))
    info = {"oven_temperature_K": oven_temperature_K, "h_W_m2_K": h_W_m2_K, "citations": list(params.citations)}
    return rec.result("oven", T, ledger, info)


def arc_test(
    system_factory: Callable[[Boundary], ThermalSystem],
    active: np.ndarray,
    *,
    start_temperature_K: float = 323.15,
    heat_step_K: float = 5.0,
    wait_s: float = 900.0,
    seek_s: float = 600.0,
    end_temperature_K: float = 573.15,
    max_time_s: float = 48 * 3600.0,
    step_s: float = 30.0,
    max_rise_K: float = 1.0,
    params: DecompositionParameters = KIM2007,
) -> AbuseResult:
    """Accelerating-rate calorimetry, heat-wait-seek: adiabatic faces; heat by ``heat_step_K``, wait, seek.

    In the seek window the mean temperature's rise rate is compared with 0.02 K/min; once it is exceeded
    the calorimeter stops heating and follows the exotherm adiabatically up to ``end_temperature_K``.
    """
    system = system_factory(Boundary("adiabatic"))
    state = DecompositionState.fresh(active, params)
    T = np.full(system.grid.n_cells, float(start_temperature_K))
    ledger = EnergyLedger()
    heater_J = 0.0
    rec = _Recorder(system, active)
    t = 0.0
    rec.record(t, T, state.rate_W_m3(T, params))
    exotherm = False
    detected = None

    def advance(until):
        nonlocal T, t
        while t < until - 1e-9 and T.max() < end_temperature_K:
            T, dt, _ = _react_step(system, state, T, t, min(step_s, until - t), ledger, max_rise_K, params)
            t += dt
            rec.record(t, T, state.rate_W_m3(T, params))

    w = rec.w
    while t < max_time_s and T.max() < end_temperature_K:
        if not exotherm:
            heater_J += heat_step_K * float(system.capacity_J_K.sum())
            T = T + heat_step_K
            advance(t + wait_s)
            T_start, t_start = float(T @ w), t
            advance(t + seek_s)
            seek_rate = (float(T @ w) - T_start) / max(t - t_start, 1e-9)
            if seek_rate > SELF_HEATING_THRESHOLD_K_S:
                exotherm = True
                detected = (t, float(T @ w))
        else:
            advance(min(t + 3600.0, max_time_s))
            if rec.rows[-1][3] < 1e-3 * SELF_HEATING_THRESHOLD_K_S:
                break  # reactants spent
    info = {"heater_J": heater_J, "detected_time_s": None if detected is None else detected[0],
            "detected_temperature_K": None if detected is None else detected[1],
            "heat_step_K": heat_step_K, "wait_s": wait_s, "seek_s": seek_s,
            "citations": list(params.citations)}  # fmt: skip
    return rec.result("arc", T, ledger, info)
