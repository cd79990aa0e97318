"""From fitted circuit elements to the physical parameters of a cell design.

Conversions (each a small function with its equation, tested on its own):

- charge-transfer resistance -> exchange-current density (linearised Butler–Volmer, n = 1 by default):

  .. math:: R_{ct} = \\frac{R T}{n F i_0 A} \\quad\\Rightarrow\\quad i_0 = \\frac{R T}{n F R_{ct} A}

  (Bard & Faulkner, *Electrochemical Methods*, 2nd ed., Wiley 2001, eq. 3.4.11, ISBN 978-0-471-04372-0);
- semi-infinite Warburg coefficient ``sigma`` [Ohm s^-1/2] -> solid diffusivity, with ``dE/dc`` the slope
  of the open-circuit potential against the solid concentration:

  .. math:: \\sigma = \\frac{|dE/dc|}{\\sqrt{2}\\, n F A \\sqrt{D}}
            \\quad\\Rightarrow\\quad D = \\left(\\frac{dE/dc}{\\sqrt{2}\\, n F A \\sigma}\\right)^2

  (Ho, Raistrick & Huggins, *J. Electrochem. Soc.* 127 (1980) 343, doi:10.1149/1.2129668);
- finite-length (reflective) Warburg time constant -> diffusivity: ``tau = L^2/D``, ``D = L^2/tau`` with
  the diffusion length ``L`` (the particle radius for an active particle; planar approximation);
- SEI resistance -> film resistance per unit active area ``R_film = R_SEI A`` [Ohm m^2] and, with the SEI
  thickness ``delta``, the resistivity ``rho = R_film/delta`` [Ohm m] (PyBaMM's ``SEI resistivity``).

``A`` is the electrochemically active area of the electrode, from the design:
``A = a L_el H W N`` with the specific area ``a = 3 eps_s / R_p`` (spherical particles), x-averaged for a
graded or layered electrode (:mod:`solvers.parameters.layers`). A particle radius that varies along x has
no single diffusion length: the diffusion-time conversion refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voltvault_core.constants import F, R

__all__ = [
    "ELECTRODES",
    "PHYSICAL_RANGES",
    "LinkOutOfRange",
    "LinkResult",
    "active_area_m2",
    "design_parameters_from_fit",
    "diffusivity_from_diffusion_time",
    "diffusivity_from_warburg_coefficient",
    "exchange_current_density_from_rct",
    "film_resistance_from_rsei",
    "ocp_slope_V_m3_mol",
]

ELECTRODES = {"negative": "Negative", "positive": "Positive"}

#: what a converted value may be and still be a Li-ion electrode's [min, max] (SI). Solid diffusivities of
#: intercalation materials reported from GITT/EIS/PITT span about 1e-20 (LFP, effective) to 1e-11 m2/s
#: (Park et al., J. Power Sources 195 (2010) 7904, doi:10.1016/j.jpowsour.2010.06.060); exchange-current
#: densities span about 1e-5 to 1e3 A/m2 (ibid.; PyBaMM's sets lie at 0.1-30 A/m2).
PHYSICAL_RANGES = {
    "particle diffusivity [m2.s-1]": (1e-20, 1e-11),
    "electrode exchange-current density [A.m-2]": (1e-5, 1e3),
}


class LinkOutOfRange(ValueError):
    """A converted value lies outside what a Li-ion electrode can have: it is refused, not offered."""


def _check_physical(key: str, value: float, how: str) -> float:
    for suffix, (lo, hi) in PHYSICAL_RANGES.items():
        if key.endswith(suffix) and not lo <= value <= hi:
            raise LinkOutOfRange(
                f"{key} = {value:.3g} from {how} lies outside the physical range {lo:g} to {hi:g}: not offered "
                "to the simulation. Check the fitted element (is it the right process and electrode?), the state "
                "of charge where the OCP slope is taken, or enter the value by hand."
            )
    return value


def exchange_current_density_from_rct(
    r_ct_ohm: float, area_m2: float, temperature_K: float = 298.15, n: int = 1
) -> float:
    """``i0 = R T / (n F R_ct A)`` [A/m^2].

    Parameters
    ----------
    r_ct_ohm : float
        Charge-transfer resistance of the electrode [ohm].
    area_m2 : float
        Active area [m^2].
    temperature_K : float
        Measurement temperature [K].
    n : int
        Electrons per reaction.
    """
    if r_ct_ohm <= 0 or area_m2 <= 0:
        raise ValueError(f"R_ct ({r_ct_ohm} ohm) and area ({area_m2} m2) must be > 0")
    return R * temperature_K / (n * F * r_ct_ohm * area_m2)


def diffusivity_from_warburg_coefficient(
    sigma_ohm_s_half: float, area_m2: float, dE_dc_V_m3_mol: float, n: int = 1
) -> float:
    """``D = (dE/dc / (sqrt(2) n F A sigma))^2`` [m^2/s] (Ho, Raistrick & Huggins 1980).

    Parameters
    ----------
    sigma_ohm_s_half : float
        Warburg coefficient [Ohm s^-1/2] (element ``W``).
    area_m2 : float
        Active area [m^2].
    dE_dc_V_m3_mol : float
        Slope of the OCP against the solid concentration [V m^3/mol] (sign ignored).
    n : int
        Electrons per reaction.
    """
    if sigma_ohm_s_half <= 0 or area_m2 <= 0 or dE_dc_V_m3_mol == 0:
        raise ValueError("sigma and area must be > 0 and dE/dc non-zero")
    return (abs(dE_dc_V_m3_mol) / (np.sqrt(2.0) * n * F * area_m2 * sigma_ohm_s_half)) ** 2


def diffusivity_from_diffusion_time(tau_s: float, length_m: float) -> float:
    """``D = L^2/tau`` [m^2/s] for a finite-length Warburg with time constant ``tau`` [s] and length ``L`` [m]."""
    if tau_s <= 0 or length_m <= 0:
        raise ValueError(f"tau ({tau_s} s) and length ({length_m} m) must be > 0")
    return length_m**2 / tau_s


def film_resistance_from_rsei(
    r_sei_ohm: float, area_m2: float, thickness_m: float | None = None
) -> tuple[float, float | None]:
    """``R_film = R_SEI A`` [Ohm m^2] and, if the thickness is given, ``rho = R_film/delta`` [Ohm m]."""
    if r_sei_ohm < 0 or area_m2 <= 0:
        raise ValueError("R_SEI must be >= 0 and the area > 0")
    film = r_sei_ohm * area_m2
    return film, (film / thickness_m if thickness_m else None)


def active_area_m2(parameters: Mapping[str, Any], electrode: str) -> float:
    """Active area ``A = 3 eps_s / R_p * L * H * W * N`` [m^2] of one electrode of a design.

    Parameters
    ----------
    parameters : mapping
        PyBaMM-keyed values (a :class:`solvers.parameters.ParameterSet` or a dict).
    electrode : {"negative", "positive"}
    """
    side = _side(electrode)
    eps_key, radius_key = f"{side} electrode active material volume fraction", f"{side} particle radius [m]"
    if callable(parameters[eps_key]) or callable(parameters[radius_key]):  # graded: x-average of 3 eps_s / R
        from solvers.parameters.layers import values_on_cells

        a = 3.0 * float(
            np.mean(values_on_cells(parameters, eps_key) / values_on_cells(parameters, radius_key))
        )
        eps, radius = a / 3.0, 1.0
    else:
        eps = float(parameters[eps_key])
        radius = float(parameters[radius_key])
    thickness = float(parameters[f"{side} electrode thickness [m]"])
    height = float(parameters["Electrode height [m]"])
    width = float(parameters["Electrode width [m]"])
    n_layers = float(parameters.get("Number of electrodes connected in parallel to make a cell", 1.0))
    return 3.0 * eps / radius * thickness * height * width * n_layers


def ocp_slope_V_m3_mol(
    parameters: Mapping[str, Any], electrode: str, stoichiometry: float | None = None
) -> float:
    """``dU/dc_s`` [V m^3/mol] of the electrode's OCP at ``stoichiometry`` (default: the initial one)."""
    side = _side(electrode)
    c_max = float(parameters[f"Maximum concentration in {side.lower()} electrode [mol.m-3]"])
    if stoichiometry is None:
        stoichiometry = (
            float(parameters[f"Initial concentration in {side.lower()} electrode [mol.m-3]"]) / c_max
        )
    ocp = parameters[f"{side} electrode OCP [V]"]
    if not callable(ocp):
        raise ValueError(f"the {electrode} OCP of this design is a constant; dE/dc cannot be derived")
    h = 1e-4
    lo, hi = max(stoichiometry - h, 1e-6), min(stoichiometry + h, 1 - 1e-6)
    try:
        slope = (float(np.asarray(ocp(hi))) - float(np.asarray(ocp(lo)))) / (hi - lo)
    except TypeError:  # OCP(sto, T)
        slope = (float(np.asarray(ocp(hi, 298.15))) - float(np.asarray(ocp(lo, 298.15)))) / (hi - lo)
    return float(slope / c_max)


def _side(electrode: str) -> str:
    if electrode not in ELECTRODES:
        raise ValueError(f"electrode must be one of {', '.join(ELECTRODES)}, got {electrode!r}")
    return ELECTRODES[electrode]


@dataclass
class LinkResult:
    """Parameter changes for a design, each with the reasoning shown to the user."""

    changes: dict[str, float] = field(default_factory=dict)
    explanations: list[str] = field(default_factory=list)
    area_m2: float = float("nan")
    film_resistance_ohm_m2: float | None = None
    refused: list[str] = field(default_factory=list)  # conversions outside PHYSICAL_RANGES, not in changes

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "changes": dict(self.changes),
            "explanations": list(self.explanations),
            "area_m2": self.area_m2,
            "film_resistance_ohm_m2": self.film_resistance_ohm_m2,
            "refused": list(self.refused),
        }


def design_parameters_from_fit(
    fitted: Mapping[str, float],
    parameters: Mapping[str, Any] | str,
    *,
    electrode: str = "negative",
    r_ct: str | None = None,
    warburg: str | None = None,
    diffusion_time: str | None = None,
    r_sei: str | None = None,
    temperature_K: float = 298.15,
    stoichiometry: float | None = None,
) -> LinkResult:
    """Turn fitted circuit parameters into PyBaMM-keyed design parameters.

    Parameters
    ----------
    fitted : mapping
        Fitted values by circuit parameter name (``FitResult.parameters``).
    parameters : mapping or str
        The design's parameter values, or the name of a parameter set (``"Chen2020"``).
    electrode : {"negative", "positive"}
        Electrode the elements describe.
    r_ct, warburg, diffusion_time, r_sei : str, optional
        Names of the circuit parameters to convert: the charge-transfer resistance, a ``W`` coefficient,
        a finite-Warburg ``tau`` (e.g. ``"Wo1_1"``), the SEI resistance.
    temperature_K : float
        Measurement temperature [K].
    stoichiometry : float, optional
        State of the electrode where the OCP slope is taken (default: the design's initial state).

    Returns
    -------
    LinkResult
        ``changes`` maps PyBaMM keys to values, ready for ``ParameterSet.updated``.
    """
    if isinstance(parameters, str):
        from solvers.parameters import get_parameter_set

        parameters = get_parameter_set(parameters)
    side = _side(electrode)
    area = active_area_m2(parameters, electrode)
    out = LinkResult(area_m2=area)
    out.explanations.append(
        f"active area of the {electrode} electrode A = 3 eps_s/R_p L H W N = {area:.4g} m2"
    )

    def offer(key: str, value_: float, how: str) -> None:
        try:
            out.changes[key] = _check_physical(key, value_, how)
        except LinkOutOfRange as exc:
            out.refused.append(str(exc))

    def value(name: str) -> float:
        if name not in fitted:
            raise KeyError(f"{name!r} is not a fitted parameter; fitted: {', '.join(fitted)}")
        return float(fitted[name])

    if r_ct:
        i0 = exchange_current_density_from_rct(value(r_ct), area, temperature_K)
        key = f"{side} electrode exchange-current density [A.m-2]"
        offer(key, i0, f"R_ct = {value(r_ct):.4g} ohm over A = {area:.4g} m2")
        out.explanations.append(
            f"i0 = RT/(F R_ct A) with R_ct = {value(r_ct):.4g} ohm at {temperature_K:.1f} K: {i0:.4g} A/m2"
        )
    if warburg:
        slope = ocp_slope_V_m3_mol(parameters, electrode, stoichiometry)
        d = diffusivity_from_warburg_coefficient(value(warburg), area, slope)
        c_max = float(parameters[f"Maximum concentration in {side.lower()} electrode [mol.m-3]"])
        key = f"{side} particle diffusivity [m2.s-1]"
        flat = abs(slope) * c_max < 1e-3
        offer(
            key, d, f"the Warburg coefficient {value(warburg):.4g} ohm s^-1/2 and dU/dc = {slope:.3g} V m3/mol"
            + (f" (the {electrode} OCP is nearly flat here: a Warburg coefficient says little about D on a "
               "plateau; choose another stoichiometry)" if flat else "")
        )
        if flat:
            out.explanations.append(
                f"warning: the {electrode} OCP is nearly flat here (|dU/dsto| = {abs(slope) * c_max:.2g} V); "
                "D from a Warburg coefficient is unreliable on a plateau: choose another stoichiometry"
            )
        out.explanations.append(
            f"D = (dU/dc/(sqrt2 F A sigma))^2 with sigma = {value(warburg):.4g} ohm s^-1/2, dU/dc = {slope:.4g} V m3/mol: {d:.4g} m2/s"
        )
    if diffusion_time:
        radius = parameters[f"{side} particle radius [m]"]
        if callable(radius):
            raise ValueError(
                f"{side} particle radius [m] varies along x (a graded or layered electrode): a diffusion time "
                "gives D = R^2 / tau for one radius only; fit each layer, or give a uniform radius"
            )
        radius = float(radius)
        d = diffusivity_from_diffusion_time(value(diffusion_time), radius)
        key = f"{side} particle diffusivity [m2.s-1]"
        offer(
            key, d, f"the diffusion time {value(diffusion_time):.4g} s and R_p = {radius:.3g} m")
        out.explanations.append(
            f"D = R_p^2/tau with tau = {value(diffusion_time):.4g} s, R_p = {radius:.3g} m: {d:.4g} m2/s"
        )
    if r_sei:
        thickness = float(parameters.get("Initial SEI thickness [m]", 0.0)) or None
        film, rho = film_resistance_from_rsei(value(r_sei), area, thickness)
        out.explanations.append(f"R_film = R_SEI A = {film:.4g} ohm m2")
        if rho is not None:
            out.changes["SEI resistivity [Ohm.m]"] = rho
            out.explanations.append(f"rho_SEI = R_film/delta with delta = {thickness:.3g} m: {rho:.4g} ohm m")
        out.film_resistance_ohm_m2 = film
    if out.refused and not out.changes:  # nothing physical is left to offer
        raise LinkOutOfRange(" ".join(out.refused))
    return out
