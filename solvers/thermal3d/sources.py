r"""Heat released by the electrochemistry, read from a solver result: the ONE place the 3D model gets it.

:func:`bulk_heat_source` takes a :class:`~solvers.result.SolverResult` and returns the cell's heat [W]
over time, choosing, in this order:

1. ``"Total heating [W]"`` (PyBaMM's name; the fast solver path writes it for every run), with the
   reversible, irreversible electrochemical and ohmic parts from their ``"... heating [W]"`` variables;
2. ``"Volume-averaged total heating [W.m-3]"`` times ``"Cell volume [m3]"`` (PyBaMM averages over the
   cell volume), or times the electrode sandwich's volume for a set without a cell volume;
3. otherwise the energy balance of the time series,

   .. math:: Q = I\,(U_{ocv} - V) + I\,T\,\frac{\partial U_{ocv}}{\partial T}

   (:math:`I` positive on discharge) with the electrodes' OCVs at the particle **surface**
   stoichiometries when the result has ``"... particle surface concentration [mol.m-3]"`` (mean over x),
   else at the **mean** stoichiometries from ``"... particle concentration [mol.m-3]"``, else from the
   charge passed (Coulomb counting from the initial concentrations).

``HeatSource.method`` says which was used; the 3D model writes it into its result's info.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from solvers import bdf
from solvers.constants import F

__all__ = ["HeatSource", "bulk_heat_source", "sandwich_volume_m3"]

_VOLUME_AVERAGED = "Volume-averaged total heating [W.m-3]"
_COMPONENTS = {
    "reversible": "Reversible heating [W.m-3]",
    "irreversible electrochemical": "Irreversible electrochemical heating [W.m-3]",
    "ohmic": "Ohmic heating [W.m-3]",
}


@dataclass(frozen=True)
class HeatSource:
    """Heat of the whole cell over time.

    Attributes
    ----------
    time_s, total_W, current_A : (n_t,) arrays
        ``current_A`` positive on discharge.
    components_W : mapping name -> (n_t,) array
        Reversible / irreversible parts where they could be told apart.
    method : str
        Which route of :func:`bulk_heat_source` was taken.
    """

    time_s: np.ndarray
    total_W: np.ndarray
    current_A: np.ndarray
    method: str
    components_W: Mapping[str, np.ndarray] = field(default_factory=dict)

    def at(self, t_s: float) -> float:
        """Total heat [W] at ``t_s`` (linear between outputs, constant beyond the ends)."""
        return float(np.interp(t_s, self.time_s, self.total_W))

    def current_at(self, t_s: float) -> float:
        return float(np.interp(t_s, self.time_s, self.current_A))

    def energy_J(self) -> float:
        return float(np.trapezoid(self.total_W, self.time_s))


def sandwich_volume_m3(parameters: Mapping) -> float:
    """Electrode area (height x width x electrodes in parallel) times the repeating unit's thickness [m3]."""
    area = (
        float(parameters["Electrode height [m]"])
        * float(parameters["Electrode width [m]"])
        * float(parameters.get("Number of electrodes connected in parallel to make a cell", 1.0))
    )
    thickness = sum(
        float(parameters.get(k, 0.0))
        for k in (
            "Negative current collector thickness [m]",
            "Negative electrode thickness [m]",
            "Separator thickness [m]",
            "Positive electrode thickness [m]",
            "Positive current collector thickness [m]",
        )
    )
    return area * thickness


def _scalar_series(values: np.ndarray, n_t: int) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    if a.ndim == 1 and a.size == n_t:
        return a
    return a.reshape(n_t, -1).mean(axis=1)


def _mean_over_space(values: np.ndarray, n_t: int) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    return a.reshape(n_t, -1).mean(axis=1)


def bulk_heat_source(result, parameters: Mapping, temperature_K: float | np.ndarray | None = None) -> HeatSource:
    """The cell's heat [W] over the result's time; see the module docstring for the order of the routes.

    Parameters
    ----------
    result : SolverResult
    parameters : mapping
        The PyBaMM-named parameter set the result was solved with.
    temperature_K : float or (n_t,) array, optional
        Temperature for the entropic term of route 3; default ``"Cell temperature [K]"`` of the result,
        else the set's initial temperature.

    Raises
    ------
    ValueError
        For an empty or failed result without time series.
    """
    t = np.asarray(result.time_s, dtype=float)
    n_t = t.size
    if n_t < 2:
        raise ValueError(f"the electrochemical result has {n_t} output times; it cannot drive a thermal run "
                         f"({result.termination})")  # fmt: skip
    current = -np.asarray(result[bdf.CURRENT], dtype=float)  # BDF: positive = charge
    if "Total heating [W]" in result:
        parts = {name: np.asarray(result[key.replace("[W.m-3]", "[W]")], dtype=float)
                 for name, key in _COMPONENTS.items() if key.replace("[W.m-3]", "[W]") in result}  # fmt: skip
        return HeatSource(t, np.asarray(result["Total heating [W]"], dtype=float), current,
                          "result variable 'Total heating [W]'", parts)  # fmt: skip
    if _VOLUME_AVERAGED in result:
        if float(parameters.get("Cell volume [m3]", 0.0) or 0.0) > 0:
            volume, which = float(parameters["Cell volume [m3]"]), "'Cell volume [m3]'"
        else:
            volume, which = sandwich_volume_m3(parameters), "sandwich volume"
        total = _scalar_series(result[_VOLUME_AVERAGED], n_t) * volume
        parts = {
            name: _mean_over_space(result[key], n_t) * volume for name, key in _COMPONENTS.items() if key in result
        }
        return HeatSource(t, total, current, f"result variable {_VOLUME_AVERAGED!r} x {which}", parts)
    return _heat_from_time_series(result, parameters, t, current, temperature_K)


def _heat_from_time_series(result, parameters, t, current, temperature_K) -> HeatSource:
    from solvers.models.cell import Cell

    cell = Cell.from_parameters(parameters)
    n_t = t.size
    V = np.asarray(result[bdf.VOLTAGE], dtype=float)
    sto = {}
    how = None
    for e in (cell.negative, cell.positive):
        surf = f"{e.domain} particle surface concentration [mol.m-3]"
        mean = f"{e.domain} particle concentration [mol.m-3]"
        if surf in result:
            sto[e.domain] = _mean_over_space(result[surf], n_t) / e.c_max_mol_m3
            how = how or "surface"
        elif mean in result:
            sto[e.domain] = _mean_over_space(result[mean], n_t) / e.c_max_mol_m3
            how = "mean"
        else:
            charge_C = np.concatenate([[0.0], np.cumsum(0.5 * (current[1:] + current[:-1]) * np.diff(t))])
            sign = -1.0 if e.domain == "Negative" else 1.0  # discharge empties the negative
            capacity = F * e.active_fraction * e.thickness_m * cell.area_m2 * e.c_max_mol_m3
            sto[e.domain] = e.c_init_mol_m3 / e.c_max_mol_m3 + sign * charge_C / capacity
            how = "coulomb counting"
    if temperature_K is None:
        temperature_K = result["Cell temperature [K]"] if "Cell temperature [K]" in result else cell.T_init_K
    T = np.broadcast_to(np.asarray(temperature_K, dtype=float).reshape(-1) if np.ndim(temperature_K) else
                        float(temperature_K), (n_t,))  # fmt: skip
    neg, pos = cell.negative, cell.positive
    U = np.asarray(pos.ocp(sto["Positive"]), dtype=float) - np.asarray(neg.ocp(sto["Negative"]), dtype=float)
    dUdT = np.asarray(pos.entropic(sto["Positive"], pos.c_max_mol_m3), dtype=float) - np.asarray(
        neg.entropic(sto["Negative"], neg.c_max_mol_m3), dtype=float
    )
    U = np.broadcast_to(U, (n_t,))
    dUdT = np.broadcast_to(dUdT, (n_t,))
    irreversible = current * (U - V)
    reversible = current * T * dUdT
    method = f"time series: Q = I (U_ocv - V) + I T dU/dT, OCVs at the {how} stoichiometries"
    return HeatSource(t, irreversible + reversible, current, method,
                      {"irreversible": irreversible, "reversible": reversible})  # fmt: skip
