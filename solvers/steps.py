"""The resolved operating steps every model consumes.

The experiment-string parser (:mod:`solvers.protocol`) turns text such as
``"Discharge at 1C until 2.5 V"`` into :class:`Step` objects; the models only ever see these, already in
SI units and in the solvers' sign convention (current positive = DISCHARGE, as in PyBaMM).

A step drives the cell in one of four modes and ends at the first of: its duration, or any of its
limits. C-rates are kept as C-rates until :meth:`Step.resolved` is given the nominal capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

Mode = Literal["current", "voltage", "power", "resistance"]
Quantity = Literal["voltage", "current", "c_rate", "power"]
Op = Literal["<", ">"]


@dataclass(frozen=True)
class Limit:
    """A termination condition: the step ends when ``quantity op value`` becomes true.

    ``quantity="current"`` and ``"c_rate"`` compare the MAGNITUDE of the current (a CV hold ends when
    ``|I| < value``). ``"voltage"`` compares the terminal voltage [V]; ``"power"`` the magnitude [W].
    """

    quantity: Quantity
    op: Op
    value: float
    text: str = ""

    def resolved(self, nominal_capacity_Ah: float) -> Limit:
        if self.quantity == "c_rate":
            return replace(self, quantity="current", value=self.value * nominal_capacity_Ah)
        return self


@dataclass(frozen=True)
class Step:
    """One operating step in SI units, solver sign convention (positive current = discharge).

    Attributes
    ----------
    mode : "current" | "voltage" | "power" | "resistance"
        What is imposed. A rest is ``mode="current", value=0``.
    value : float
        The imposed value [A], [V], [W] or [Ohm]. For ``mode="current"`` with ``c_rate`` set, ``value`` is
        filled by :meth:`resolved`. Power: positive = discharge. Resistance: load resistance [Ohm].
    duration_s : float or None
        Maximum step length [s]; ``None`` means "until a limit" (the model applies a safety cap).
    limits : tuple of Limit
        Any limit ending the step early.
    c_rate : float or None
        The C-rate (signed, positive = discharge) the current came from, if any.
    profile_time_s, profile_value : arrays or None
        A drive cycle: the imposed quantity (``mode`` = current or power) as a table, linearly
        interpolated and held constant after its end. ``value`` is then ignored.
    period_s : float or None
        Requested output spacing [s] (``"... (1 minute period)"``).
    text : str
        The text the step was parsed from, used in every error that names the step.
    """

    mode: Mode
    value: float
    duration_s: float | None = None
    limits: tuple[Limit, ...] = ()
    c_rate: float | None = None
    profile_time_s: np.ndarray | None = field(default=None, compare=False)
    profile_value: np.ndarray | None = field(default=None, compare=False)
    period_s: float | None = None
    text: str = ""

    @property
    def is_rest(self) -> bool:
        return (
            self.mode == "current"
            and self.value == 0.0
            and self.c_rate in (None, 0.0)
            and self.profile_value is None
        )

    def resolved(self, nominal_capacity_Ah: float) -> Step:
        """Turn C-rates into amperes using the nominal capacity [A.h]."""
        value = self.value
        if self.c_rate is not None:
            value = self.c_rate * nominal_capacity_Ah
        return replace(
            self, value=float(value), limits=tuple(lim.resolved(nominal_capacity_Ah) for lim in self.limits)
        )

    def imposed_at(self, t_in_step_s: float) -> float:
        """The imposed value at a time into the step (profiles interpolate, others are constant)."""
        if self.profile_value is None:
            return self.value
        return float(np.interp(t_in_step_s, self.profile_time_s, self.profile_value))
