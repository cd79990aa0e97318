"""A PyBaMM-named parameter set as BPX 1.0 JSON (the Battery Parameter eXchange format, package ``bpx``).

BPX states the DFN in its own terms, which map onto PyBaMM's as PyBaMM's ``create_from_bpx`` reads them
back (``pybamm/parameters/bpx.py``):

* exchange-current density ``j0 = F k_norm sqrt(c_e/c_e0 · c/c_max · (1 - c/c_max))``: for the
  PyBaMM form ``m_ref sqrt(c_e c (c_max - c))`` this gives ``k_norm = m_ref c_max sqrt(c_e0) / F``;
  the form is checked at three states and refused otherwise;
* functions (OCPs, diffusivities, conductivities) become tables at the reference temperature, with an
  Arrhenius activation energy estimated from the function at 288 and 308 K (exact for Arrhenius
  forms, 0 for temperature-independent ones);
* solid conductivities are "effective" in BPX (``sigma eps_s^b``), the electrolyte's transport
  efficiency is ``eps^b``, and the surface area per volume is ``3 eps_s / R``;
* the stoichiometry window: 100 % SOC is the set's initial concentrations (PyBaMM starts a BPX cell
  there), 0 % SOC the lower cut-off with the cyclable lithium conserved
  (:meth:`solvers.models.cell.Cell.stoichiometry_window`).

Graded electrodes (values that vary along x) have no BPX form: :class:`BPXError` says so.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from voltvault_core.constants import F
from voltvault_core.constants import R as R_GAS

_STO = np.linspace(0.0005, 0.9995, 401)
_CE = np.linspace(1.0, 6001.0, 241)  # from 1 mol/m3: some fits divide by c_e


class BPXError(ValueError):
    """The parameter set cannot be stated in BPX (the message names the parameter and why)."""


def _num(ps: Mapping[str, Any], key: str) -> float:
    value = ps[key]
    if callable(value):
        raise BPXError(f"{key!r} is a function (for example a graded electrode); BPX needs one number")
    return float(value)


def _activation_energy(fn, args_at) -> float:
    """Ea from f(T) = f_ref exp(Ea/R (1/T_ref - 1/T)), estimated between 288.15 and 308.15 K [J/mol]."""
    lo, hi = float(np.mean(fn(*args_at(288.15)))), float(np.mean(fn(*args_at(308.15))))
    if lo <= 0 or hi <= 0 or math.isclose(lo, hi, rel_tol=1e-12):
        return 0.0
    return float(R_GAS * math.log(hi / lo) / (1 / 288.15 - 1 / 308.15))


def _table(x: np.ndarray, y) -> dict[str, list[float]]:
    y = np.broadcast_to(np.asarray(y, dtype=float), x.shape)
    if not np.all(np.isfinite(y)):
        raise BPXError("a tabulated function gave non-finite values")
    return {"x": [float(v) for v in x], "y": [float(v) for v in y]}


def _ocp(ps, key: str, T_ref: float) -> dict:
    from solvers.parameters.base import n_arguments

    fn = ps[key]
    if not callable(fn):
        return {"x": [0.0, 1.0], "y": [float(fn), float(fn)]}
    return _table(_STO, fn(_STO) if n_arguments(fn) == 1 else fn(_STO, T_ref))


def _particle_diffusivity(ps, key: str, T_ref: float) -> tuple[Any, float]:
    from solvers.parameters.base import n_arguments

    fn = ps[key]
    if not callable(fn):
        return float(fn), 0.0
    if n_arguments(fn) == 1:
        return _table(_STO, fn(_STO)), 0.0
    return _table(_STO, fn(_STO, T_ref)), _activation_energy(fn, lambda T: (np.array([0.5]), T))


def _electrolyte(ps, key: str, T_ref: float) -> tuple[Any, float]:
    fn = ps[key]
    if not callable(fn):
        return float(fn), 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        values = fn(_CE, T_ref)
    return _table(_CE, values), _activation_energy(fn, lambda T: (np.array([1000.0]), T))


def _reaction_rate(ps, prefix: str, c_max: float, c_e0: float, T_ref: float) -> tuple[float, float]:
    key = f"{prefix} electrode exchange-current density [A.m-2]"
    fn = ps[key]
    if not callable(fn):
        raise BPXError(f"{key!r} is a constant; BPX needs the form m_ref sqrt(c_e c_s (c_max - c_s))")
    states = ((c_e0, 0.5 * c_max), (0.5 * c_e0, 0.2 * c_max), (1.5 * c_e0, 0.8 * c_max))
    m = [float(fn(ce, cs, c_max, T_ref)) / math.sqrt(ce * cs * (c_max - cs)) for ce, cs in states]
    if not np.allclose(m, m[0], rtol=1e-6):
        raise BPXError(f"{key!r} is not of the BPX form m_ref sqrt(c_e c_s (c_max - c_s)) (m_ref varies: {m})")
    Ea = _activation_energy(lambda T: fn(c_e0, 0.5 * c_max, c_max, T), lambda T: (T,))
    return m[0] * c_max * math.sqrt(c_e0) / F, Ea


def parameter_set_to_bpx(ps, *, model: str = "DFN", title: str | None = None) -> dict[str, Any]:
    """The BPX 1.0 document of a :class:`~solvers.parameters.ParameterSet` (validated by ``bpx``).

    Raises
    ------
    BPXError
        For values BPX cannot state (graded electrodes, other exchange-current forms).
    """
    import warnings

    with warnings.catch_warnings():  # bpx 1.1 still calls pyparsing's deprecated camelCase names
        warnings.simplefilter("ignore", DeprecationWarning)
        import bpx

    from solvers.models.cell import Cell

    T_ref = _num(ps, "Reference temperature [K]")
    c_e0 = _num(ps, "Initial concentration in electrolyte [mol.m-3]")
    try:
        x_0, _x_100, y_0, _y_100 = Cell.from_parameters(ps).stoichiometry_window()
    except (ValueError, TypeError) as exc:
        raise BPXError(f"cannot place the stoichiometry window: {exc}") from exc

    def electrode(prefix: str, short: str) -> dict[str, Any]:
        eps = _num(ps, f"{prefix} electrode porosity")
        eps_s = _num(ps, f"{prefix} electrode active material volume fraction")
        radius = _num(ps, f"{short} particle radius [m]")
        c_max = _num(ps, f"Maximum concentration in {prefix.lower()} electrode [mol.m-3]")
        c_init = _num(ps, f"Initial concentration in {prefix.lower()} electrode [mol.m-3]")
        k_norm, Ea_k = _reaction_rate(ps, prefix, c_max, c_e0, T_ref)
        D, Ea_D = _particle_diffusivity(ps, f"{short} particle diffusivity [m2.s-1]", T_ref)
        b_solid = float(ps.get(f"{prefix} electrode Bruggeman coefficient (electrode)", 0.0))
        b_e = _num(ps, f"{prefix} electrode Bruggeman coefficient (electrolyte)")
        full = c_init / c_max
        low, high = (x_0, full) if prefix == "Negative" else (full, y_0)
        out = {
            "Particle radius [m]": radius,
            "Thickness [m]": _num(ps, f"{prefix} electrode thickness [m]"),
            "Diffusivity [m2.s-1]": D,
            "Diffusivity activation energy [J.mol-1]": Ea_D,
            "OCP [V]": _ocp(ps, f"{prefix} electrode OCP [V]", T_ref),
            "Conductivity [S.m-1]": _num(ps, f"{prefix} electrode conductivity [S.m-1]") * eps_s**b_solid,
            "Surface area per unit volume [m-1]": 3.0 * eps_s / radius,
            "Porosity": eps,
            "Transport efficiency": eps**b_e,
            "Reaction rate constant [mol.m-2.s-1]": k_norm,
            "Reaction rate constant activation energy [J.mol-1]": Ea_k,
            "Minimum stoichiometry": float(low),
            "Maximum stoichiometry": float(high),
            "Maximum concentration [mol.m-3]": c_max,
        }
        entropic = ps.get(f"{prefix} electrode OCP entropic change [V.K-1]")
        if entropic is not None and not callable(entropic):
            out["Entropic change coefficient [V.K-1]"] = float(entropic)
        return out

    sigma_e, Ea_sigma = _electrolyte(ps, "Electrolyte conductivity [S.m-1]", T_ref)
    D_e, Ea_De = _electrolyte(ps, "Electrolyte diffusivity [m2.s-1]", T_ref)
    t_plus = ps["Cation transference number"]
    if callable(t_plus):
        t_plus = float(t_plus(c_e0, T_ref))
    eps_sep = _num(ps, "Separator porosity")
    doc = {
        "Header": {
            "BPX": "1.0.0",
            "Title": title or f"{ps.name} (exported by VoltVault)",
            "Description": f"Parameter set {ps.name!r} exported by VoltVault for PyBaMM's create_from_bpx.",
            "References": "; ".join(f"doi:{c}" if not c.startswith("doi") else c for c in ps.citations) or "none",
            "Model": model,
        },
        "Parameterisation": {
            "Cell": {
                "Electrode area [m2]": _num(ps, "Electrode height [m]") * _num(ps, "Electrode width [m]"),
                "External surface area [m2]": float(ps.get("Cell cooling surface area [m2]", 0.0)),
                "Volume [m3]": float(ps.get("Cell volume [m3]", 0.0)),
                "Number of electrode pairs connected in parallel to make a cell": round(float(ps.get("Number of electrodes connected in parallel to make a cell", 1.0))),
                "Lower voltage cut-off [V]": _num(ps, "Lower voltage cut-off [V]"),
                "Upper voltage cut-off [V]": _num(ps, "Upper voltage cut-off [V]"),
                "Nominal cell capacity [A.h]": _num(ps, "Nominal cell capacity [A.h]"),
                "Reference temperature [K]": T_ref,
            },
            "Electrolyte": {
                "Initial concentration [mol.m-3]": c_e0,
                "Cation transference number": float(t_plus),
                "Diffusivity [m2.s-1]": D_e,
                "Diffusivity activation energy [J.mol-1]": Ea_De,
                "Conductivity [S.m-1]": sigma_e,
                "Conductivity activation energy [J.mol-1]": Ea_sigma,
            },
            "Negative electrode": electrode("Negative", "Negative"),
            "Positive electrode": electrode("Positive", "Positive"),
            "Separator": {
                "Thickness [m]": _num(ps, "Separator thickness [m]"),
                "Porosity": eps_sep,
                "Transport efficiency": eps_sep ** _num(ps, "Separator Bruggeman coefficient (electrolyte)"),
            },
        },
        "State": {
            "Initial conditions": {
                "Initial temperature [K]": float(ps.get("Initial temperature [K]", T_ref)),
                "Initial electrolyte concentration [mol.m-3]": c_e0,
            },
            "Thermal environment": {"Ambient temperature [K]": float(ps.get("Ambient temperature [K]", T_ref))},
        },
    }
    doc["Parameterisation"]["Electrolyte"].pop("Initial concentration [mol.m-3]")  # BPX 1.0 keeps it in State
    try:
        bpx.BPX.model_validate(copy.deepcopy(doc))  # the validators change what they are given
    except Exception as exc:  # pydantic ValidationError: name the fields
        raise BPXError(f"the BPX document does not validate: {exc}") from exc
    return doc
