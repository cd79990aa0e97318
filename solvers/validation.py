"""Checks on what goes into a solve and on what comes out, before anyone plots it.

Inputs (:func:`check_parameters`): every number finite; thicknesses positive; electrode porosities
inside (0, 1) (a separator's in (0, 1]: published sets such as Marquis2019 give 1); active material
fractions in (0, 1]; temperatures above 0 K; particle radii positive. A value that breaks
a rule is refused before solving, naming the parameter (and, in a batch, the design).

Output size (:func:`output_lower_bound`): the number of output points a protocol will certainly
produce (steps whose length is fixed: rests and voltage holds without limits), so that an experiment
whose results cannot fit (``Rest for 1000000 hours`` at a 10 s output period: 360 million points) is
refused before solving, with the size it would need.

Results (:func:`diagnose_result`): a run that ends at its first point (the cut-off already crossed at
the start) or whose voltage leaves the physical range (a 1000C DFN gives one point at -9.6 V) is a
failure with a diagnosis, not a normal result.

Pure numpy; no imports from ``voltvault_core``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: the terminal voltage a lithium-ion cell model can physically show [V]
PHYSICAL_VOLTAGE_RANGE_V = (0.0, 6.0)
#: bytes of results per output point and per stored float (the solver state plus the variables)
BYTES_PER_FLOAT = 8
#: number of cells at which an x-dependent parameter is sampled for the checks
_SAMPLE_CELLS = 50


class ParameterError(ValueError):
    """A parameter value no cell can have; the message names the parameter, its value and the rule."""


def _rule(key: str) -> tuple[str, float, float, bool, bool] | None:
    """``(what, low, high, low_open, high_open)`` for a PyBaMM key, or None when only finiteness is checked."""
    lower = key.lower()
    if lower.endswith("thickness [m]"):
        if "sei" in lower or "initial" in lower:
            return ("a thickness that is not negative", 0.0, math.inf, False, True)
        return ("a positive thickness", 0.0, math.inf, True, True)
    if lower.endswith("porosity"):
        if lower.startswith("separator"):  # 1 is pure electrolyte, as in Marquis2019 (PyBaMM's value)
            return ("a separator porosity in (0, 1]", 0.0, 1.0, True, False)
        return ("a porosity between 0 and 1 (exclusive)", 0.0, 1.0, True, True)
    if "active material volume fraction" in lower:
        return ("a volume fraction in (0, 1]", 0.0, 1.0, True, False)
    if lower.endswith("temperature [k]"):
        return ("a temperature above 0 K (absolute zero)", 0.0, math.inf, True, True)
    if lower.endswith("particle radius [m]"):
        return ("a positive particle radius", 0.0, math.inf, True, True)
    return None


def _values(parameters: Mapping[str, Any], key: str) -> np.ndarray | None:
    """The parameter as numbers (an x-dependent function sampled across its domain), None if not numeric."""
    value = parameters[key]
    if callable(value):
        if _rule(key) is None:
            return None  # OCPs, kinetics, transport functions: checked where they are evaluated
        try:
            from solvers.parameters.layers import values_on_cells

            return np.asarray(values_on_cells(parameters, key, _SAMPLE_CELLS), dtype=float)
        except Exception:  # a function of something other than x: not ours to sample
            return None
    try:
        return np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        return None


def check_parameters(parameters: Mapping[str, Any], *, where: str = "") -> None:
    """Refuse parameter values no cell can have, naming the first one found.

    Parameters
    ----------
    parameters : mapping
        PyBaMM-named values (a :class:`~solvers.parameters.ParameterSet`).
    where : str
        Prefix of the message, e.g. ``"design 3 (Chen2020 thick): "`` in a batch.

    Raises
    ------
    ParameterError
        E.g. ``parameter 'Negative electrode porosity' = 1.2: expected a porosity between 0 and 1
        (exclusive)``.
    """
    for key in parameters:
        values = _values(parameters, key)
        if values is None or values.size == 0:
            continue
        bad = ~np.isfinite(values)
        if bad.any():
            shown = float(values[bad][0])
            raise ParameterError(
                f"{where}parameter {key!r} = {shown}: expected a finite number, not NaN or infinity"
            )
        rule = _rule(key)
        if rule is None:
            continue
        what, low, high, low_open, high_open = rule
        below = values <= low if low_open else values < low
        above = values >= high if high_open else values > high
        wrong = below | above
        if wrong.any():
            shown = float(values[wrong][0])
            place = "" if values.size == 1 else " somewhere across the electrode"
            raise ParameterError(f"{where}parameter {key!r} = {shown:g}{place}: expected {what}")


def output_lower_bound(steps: Sequence[Any], period_s: float) -> int:
    """Output points a protocol produces at least, at ``period_s`` [s] between points.

    Only steps of fixed length count (rests and voltage holds with a duration and no limit: nothing
    ends them early); every other step counts one point. So a protocol refused on this bound would
    certainly have produced that much.
    """
    if not period_s > 0:
        raise ValueError(f"the output period must be positive, got {period_s!r}")
    points = 0
    for step in steps:
        fixed = (
            step.duration_s is not None
            and not step.limits
            and (getattr(step, "is_rest", False) or step.mode == "voltage")
        )
        own_period = getattr(step, "period_s", None) or period_s
        points += math.ceil(step.duration_s / own_period) + 1 if fixed else 1
    return points


def floats_per_point(mesh: Mapping[str, int]) -> int:
    """Floats stored per output point for a mesh (state + time series + spatial variables; all models
    store their profiles on the full sandwich, so one bound serves SPM, SPMe and DFN)."""
    x_n, x_s, x_p = int(mesh["x_n"]), int(mesh["x_s"]), int(mesh["x_p"])
    r_n, r_p = int(mesh["r_n"]), int(mesh["r_p"])
    sandwich = x_n + x_s + x_p
    particles = x_n * r_n + x_p * r_p
    return 24 + 3 * sandwich + 4 * (x_n + x_p) + 2 * particles


def format_bytes(size: float) -> str:
    """``"5.7 TB"``, ``"310 MB"``: a size as people read it (decimal units)."""
    for unit, scale in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size:.0f} B"


def diagnose_result(
    time_s: np.ndarray,
    voltage_V: np.ndarray,
    *,
    termination: str,
    first_step: str = "",
    voltage_range_V: tuple[float, float] = PHYSICAL_VOLTAGE_RANGE_V,
) -> str | None:
    """Why a finished run cannot be shown as a result, or None when it can.

    Parameters
    ----------
    time_s, voltage_V : arrays
        The run's output times [s] and terminal voltages [V].
    termination : str
        What ended it (``"event: until 2.5 V"``, ...).
    first_step : str
        The text of the first step, named in the diagnosis.

    Returns
    -------
    str or None
        ``"failure: ..."`` with what happened and what would work.
    """
    t = np.asarray(time_s, dtype=float)
    v = np.asarray(voltage_V, dtype=float)
    if t.size == 0 or termination.startswith("failure"):
        return None  # already a failure, with its own reason
    low, high = voltage_range_V
    outside = ~np.isfinite(v) | (v < low) | (v > high)
    if outside.any():
        k = int(np.argmax(outside))
        return (
            f"failure: the voltage left the physical range {low:g}-{high:g} V ({v[k]:.3g} V at t = {t[k]:.3g} s): "
            f"the model is outside its validity here (first step: {first_step!r}); lower the current or "
            "check the parameters. The run is not shown as a result."
        )
    if t.size < 2 or not float(t[-1] - t[0]) > 0:
        return (
            f"failure: the run stopped at its first point ({termination}): at t = {t[0]:.3g} s the voltage "
            f"is already {v[0]:.4g} V, past the limit of the first step {first_step!r} (the instantaneous "
            "drop at this current crosses the cut-off at once); lower the current or change the cut-off."
        )
    return None
