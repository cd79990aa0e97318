r"""Ragone analysis: simulate a design's constant-current discharge from C/20 to 10C.

For every C-rate the exported parameter set (:mod:`voltvault_core.design.export`) is discharged from
100 % SOC to the design's lower cut-off with the solvers (SPMe by default, DFN on request) and

.. math:: E = \int V\,I\,dt, \qquad \bar P = E / t_{end}

are divided by the cell mass of the design's metrics to give specific energy [Wh.kg-1] against
specific power [W.kg-1].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from solvers import bdf
from voltvault_core.design.export import design_to_parameter_set
from voltvault_core.design.metrics import compute_metrics
from voltvault_core.design.model import CellDesign, DesignError
from voltvault_core.materials import Material

DEFAULT_C_RATES = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
RAGONE_MODELS = ("spme", "spm", "dfn")


@dataclass(frozen=True)
class RagonePoint:
    """One discharge of the Ragone sweep.

    Attributes
    ----------
    c_rate : float
    current_A, capacity_Ah, energy_Wh, duration_s, mean_power_W : float
    specific_energy_Wh_kg, specific_power_W_kg : float
    termination : str
    """

    c_rate: float
    current_A: float
    capacity_Ah: float
    energy_Wh: float
    duration_s: float
    mean_power_W: float
    specific_energy_Wh_kg: float
    specific_power_W_kg: float
    termination: str


def _rate_text(c_rate: float) -> str:
    if c_rate < 1.0 and abs(1.0 / c_rate - round(1.0 / c_rate)) < 1e-9:
        return f"C/{round(1.0 / c_rate)}"
    return f"{c_rate:g}C"


def ragone(
    design: CellDesign,
    c_rates: Sequence[float] = DEFAULT_C_RATES,
    *,
    model: str = "spme",
    materials: Mapping[str, Material] | None = None,
    progress: Callable[..., object] | None = None,
) -> list[RagonePoint]:
    """Simulate the design at each C-rate and return its Ragone points (energy and power per mass).

    Parameters
    ----------
    design : CellDesign
    c_rates : sequence of float
        C-rates (1C = the design's capacity in one hour); default C/20 to 10C.
    model : str
        ``"spme"`` (default), ``"spm"`` or ``"dfn"``.
    progress : callable, optional
        ``progress(fraction, message)``.
    """
    from voltvault_core.simulation import Simulation

    if model not in RAGONE_MODELS:
        raise DesignError(f"Ragone model {model!r} is not one of {', '.join(RAGONE_MODELS)}")
    if not c_rates or any(c <= 0 for c in c_rates):
        raise DesignError("give positive C-rates, e.g. 0.05 ... 10")
    metrics = compute_metrics(design, materials)
    ps = design_to_parameter_set(design, materials)
    points: list[RagonePoint] = []
    rates = sorted(float(c) for c in c_rates)
    for i, c_rate in enumerate(rates):
        if progress is not None:
            progress(i / len(rates), f"discharging at {_rate_text(c_rate)}")
        step = f"Discharge at {_rate_text(c_rate)} until {design.lower_voltage_V:g} V"
        result = Simulation(model, ps, step).solve()
        t = np.asarray(result.timeseries[bdf.TEST_TIME], dtype=float)
        v = np.asarray(result.timeseries[bdf.VOLTAGE], dtype=float)
        i_dis = -np.asarray(result.timeseries[bdf.CURRENT], dtype=float)  # BDF: positive = charge
        energy_Wh = float(np.trapezoid(v * i_dis, t)) / 3600.0
        capacity_Ah = float(np.trapezoid(i_dis, t)) / 3600.0
        duration = float(t[-1] - t[0]) if t.size else 0.0
        power = energy_Wh * 3600.0 / duration if duration > 0 else 0.0
        points.append(
            RagonePoint(
                c_rate=c_rate,
                current_A=c_rate * metrics.capacity_Ah,
                capacity_Ah=capacity_Ah,
                energy_Wh=energy_Wh,
                duration_s=duration,
                mean_power_W=power,
                specific_energy_Wh_kg=energy_Wh / metrics.mass_kg,
                specific_power_W_kg=power / metrics.mass_kg,
                termination=result.termination,
            )
        )
    if progress is not None:
        progress(1.0, "done")
    return points


def ragone_job(
    *, design: dict, c_rates: Sequence[float] = DEFAULT_C_RATES, model: str = "spme", progress=None
):
    """Worker function for :mod:`voltvault_core.jobs` (picklable in, picklable out)."""
    points = ragone(CellDesign.from_dict(design), c_rates, model=model, progress=progress)
    return [asdict(p) for p in points]
