"""Marquis2019: Kokam SLPB78205130H pouch cell (graphite | LiCoO2), LiPF6 in EC:DMC.

Values as published in PyBaMM's ``Marquis2019`` set (Marquis et al. 2019), whose component sources are
Newman's DUALFOIL (Doyle, Fuller & Newman 1993) for the electrode functions, Capiglia et al. (1999) for
the electrolyte and Moura's fastDFN for the entropic coefficients.

References
----------
- S. G. Marquis, V. Sulzer, R. Timms, C. P. Please, S. J. Chapman, "An asymptotic derivation of a single
  particle model with electrolyte", J. Electrochem. Soc. 166 (2019) A3693. doi:10.1149/2.0341915jes
- M. Doyle, T. F. Fuller, J. Newman, "Modeling of galvanostatic charge and discharge of the
  lithium/polymer/insertion cell", J. Electrochem. Soc. 140 (1993) 1526. doi:10.1149/1.2221597
- C. Capiglia et al., "7Li and 19F diffusion coefficients and thermal properties of non-aqueous
  electrolyte solutions for rechargeable lithium batteries", J. Power Sources 81-82 (1999) 859.
  doi:10.1016/S0378-7753(98)00237-7
- S. J. Moura, fastDFN, https://github.com/scott-moura/fastDFN (entropic coefficients).
"""

from __future__ import annotations

import numpy as np

from solvers.parameters.base import arrhenius
from solvers.parameters.example_sei import EXAMPLE_SEI_PARAMETERS

NAME = "Marquis2019"
CITATIONS = ["10.1149/2.0341915jes", "10.1149/1.2221597", "10.1016/S0378-7753(98)00237-7"]

_C_MAX_NEG_MOL_M3 = 24983.2619938437
_C_MAX_POS_MOL_M3 = 51217.9257309275
_LCO_STRETCH = 1.062


def graphite_mcmb2528_diffusivity_Dualfoil1998(sto, T):
    """Diffusivity [m2.s-1] of MCMB 2528 graphite: 3.9e-14 with E_a = 42.77 kJ/mol (DUALFOIL).

    Doyle, Fuller & Newman (1993), doi:10.1149/1.2221597.
    """
    return 3.9e-14 * arrhenius(42770.0, T) + 0.0 * np.asarray(sto, dtype=float)


def graphite_mcmb2528_ocp_Dualfoil1998(sto):
    """Open-circuit potential [V] of MCMB 2528 graphite against stoichiometry (DUALFOIL fit).

    Doyle, Fuller & Newman (1993), doi:10.1149/1.2221597.
    """
    s = np.asarray(sto, dtype=float)
    return (
        0.194
        + 1.5 * np.exp(-120.0 * s)
        + 0.0351 * np.tanh((s - 0.286) / 0.083)
        - 0.0045 * np.tanh((s - 0.849) / 0.119)
        - 0.035 * np.tanh((s - 0.9233) / 0.05)
        - 0.0147 * np.tanh((s - 0.5) / 0.034)
        - 0.102 * np.tanh((s - 0.194) / 0.142)
        - 0.022 * np.tanh((s - 0.9) / 0.0164)
        - 0.011 * np.tanh((s - 0.124) / 0.0226)
        + 0.0155 * np.tanh((s - 0.105) / 0.029)
    )


def graphite_electrolyte_exchange_current_density_Dualfoil1998(c_e, c_s_surf, c_s_max, T):
    """Exchange-current density [A.m-2] of graphite: m = 2e-5 (A/m2)(m3/mol)^1.5, E_r = 37.48 kJ/mol.

    Doyle, Fuller & Newman (1993), doi:10.1149/1.2221597.
    """
    return 2e-5 * arrhenius(37480.0, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def graphite_entropic_change_Moura2016(sto):
    """Entropic change of the graphite OCP [V.K-1] against stoichiometry (fastDFN, Moura 2016).

    Derivative form of the DUALFOIL OCP fit as used in fastDFN (https://github.com/scott-moura/fastDFN);
    OCP source doi:10.1149/1.2221597.
    """
    s = np.asarray(sto, dtype=float)
    c = _C_MAX_NEG_MOL_M3
    sech2 = lambda u: np.cosh(u) ** -2  # noqa: E731
    return (
        -1.5 * (120.0 / c) * np.exp(-120 * s)
        + (0.0351 / (0.083 * c)) * sech2((s - 0.286) / 0.083)
        - (0.0045 / (0.119 * c)) * sech2((s - 0.849) / 0.119)
        - (0.035 / (0.05 * c)) * sech2((s - 0.9233) / 0.05)
        - (0.0147 / (0.034 * c)) * sech2((s - 0.5) / 0.034)
        - (0.102 / (0.142 * c)) * sech2((s - 0.194) / 0.142)
        - (0.022 / (0.0164 * c)) * sech2((s - 0.9) / 0.0164)
        - (0.011 / (0.0226 * c)) * sech2((s - 0.124) / 0.0226)
        + (0.0155 / (0.029 * c)) * sech2((s - 0.105) / 0.029)
    )


def lico2_diffusivity_Dualfoil1998(sto, T):
    """Diffusivity [m2.s-1] of LiCoO2: 1e-13 with E_a = 18.55 kJ/mol (DUALFOIL).

    Doyle, Fuller & Newman (1993), doi:10.1149/1.2221597.
    """
    return 1e-13 * arrhenius(18550.0, T) + 0.0 * np.asarray(sto, dtype=float)


def lico2_ocp_Dualfoil1998(sto):
    """Open-circuit potential [V] of LiCoO2 against stoichiometry (DUALFOIL fit, stretch 1.062).

    Doyle, Fuller & Newman (1993), doi:10.1149/1.2221597.
    """
    s = _LCO_STRETCH * np.asarray(sto, dtype=float)
    return (
        2.16216
        + 0.07645 * np.tanh(30.834 - 54.4806 * s)
        + 2.1581 * np.tanh(52.294 - 50.294 * s)
        - 0.14169 * np.tanh(11.0923 - 19.8543 * s)
        + 0.2051 * np.tanh(1.4684 - 5.4888 * s)
        + 0.2531 * np.tanh((-s + 0.56478) / 0.1316)
        - 0.02167 * np.tanh((s - 0.525) / 0.006)
    )


def lico2_electrolyte_exchange_current_density_Dualfoil1998(c_e, c_s_surf, c_s_max, T):
    """Exchange-current density [A.m-2] of LiCoO2: m = 6e-7 (A/m2)(m3/mol)^1.5, E_r = 39.57 kJ/mol.

    Doyle, Fuller & Newman (1993), doi:10.1149/1.2221597.
    """
    return 6e-7 * arrhenius(39570.0, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def lico2_entropic_change_Moura2016(sto):
    """Entropic change of the LiCoO2 OCP [V.K-1] against stoichiometry (fastDFN, Moura 2016).

    https://github.com/scott-moura/fastDFN; OCP source doi:10.1149/1.2221597.
    """
    s = _LCO_STRETCH * np.asarray(sto, dtype=float)
    c = _C_MAX_POS_MOL_M3
    sech2 = lambda u: np.cosh(u) ** -2  # noqa: E731
    return (
        0.07645 * (-54.4806 / c) * sech2(30.834 - 54.4806 * s)
        + 2.1581 * (-50.294 / c) * sech2(52.294 - 50.294 * s)
        + 0.14169 * (19.854 / c) * sech2(11.0923 - 19.8543 * s)
        - 0.2051 * (5.4888 / c) * sech2(1.4684 - 5.4888 * s)
        - (0.2531 / 0.1316 / c) * sech2((-s + 0.56478) / 0.1316)
        - (0.02167 / 0.006 / c) * sech2((s - 0.525) / 0.006)
    )


def electrolyte_diffusivity_Capiglia1999(c_e, T):
    """Diffusivity [m2.s-1] of LiPF6 in EC:DMC: 5.34e-10 exp(-0.65 c/1000), E_a = 37.04 kJ/mol.

    Capiglia et al. (1999), doi:10.1016/S0378-7753(98)00237-7 (fit from DUALFOIL).
    """
    return 5.34e-10 * np.exp(-0.65 * np.asarray(c_e, dtype=float) / 1000.0) * arrhenius(37040.0, T)


def electrolyte_conductivity_Capiglia1999(c_e, T):
    """Conductivity [S.m-1] of LiPF6 in EC:DMC, cubic in c/1000, E_a = 34.7 kJ/mol.

    Capiglia et al. (1999), doi:10.1016/S0378-7753(98)00237-7 (fit from DUALFOIL).
    """
    c = np.asarray(c_e, dtype=float) / 1000.0
    return (0.0911 + 1.9101 * c - 1.052 * c**2 + 0.1554 * c**3) * arrhenius(34700.0, T)


def get_parameter_values() -> dict:
    """PyBaMM-named values of the Kokam cell (Marquis et al. 2019, doi:10.1149/2.0341915jes)."""
    return {
        # SEI example values (as in PyBaMM's Marquis2019 set)
        **EXAMPLE_SEI_PARAMETERS,
        "SEI growth transfer coefficient": 0.5,
        # cell
        "Negative current collector thickness [m]": 2.5e-05,
        "Negative electrode thickness [m]": 0.0001,
        "Separator thickness [m]": 2.5e-05,
        "Positive electrode thickness [m]": 0.0001,
        "Positive current collector thickness [m]": 2.5e-05,
        "Electrode height [m]": 0.137,
        "Electrode width [m]": 0.207,
        "Negative tab width [m]": 0.04,
        "Negative tab centre y-coordinate [m]": 0.06,
        "Negative tab centre z-coordinate [m]": 0.137,
        "Positive tab width [m]": 0.04,
        "Positive tab centre y-coordinate [m]": 0.147,
        "Positive tab centre z-coordinate [m]": 0.137,
        "Cell cooling surface area [m2]": 0.0569,
        "Cell volume [m3]": 7.8e-06,
        "Negative current collector conductivity [S.m-1]": 59600000.0,
        "Positive current collector conductivity [S.m-1]": 35500000.0,
        "Negative current collector density [kg.m-3]": 8954.0,
        "Positive current collector density [kg.m-3]": 2707.0,
        "Negative current collector specific heat capacity [J.kg-1.K-1]": 385.0,
        "Positive current collector specific heat capacity [J.kg-1.K-1]": 897.0,
        "Negative current collector thermal conductivity [W.m-1.K-1]": 401.0,
        "Positive current collector thermal conductivity [W.m-1.K-1]": 237.0,
        "Nominal cell capacity [A.h]": 0.680616,
        "Current function [A]": 0.680616,
        "Contact resistance [Ohm]": 0.0,
        # negative electrode
        "Negative electrode conductivity [S.m-1]": 100.0,
        "Maximum concentration in negative electrode [mol.m-3]": _C_MAX_NEG_MOL_M3,
        "Negative particle diffusivity [m2.s-1]": graphite_mcmb2528_diffusivity_Dualfoil1998,
        "Negative electrode OCP [V]": graphite_mcmb2528_ocp_Dualfoil1998,
        "Negative electrode porosity": 0.3,
        "Negative electrode active material volume fraction": 0.6,
        "Negative particle radius [m]": 1e-05,
        "Negative electrode Bruggeman coefficient (electrolyte)": 1.5,
        "Negative electrode Bruggeman coefficient (electrode)": 1.5,
        "Negative electrode charge transfer coefficient": 0.5,
        "Negative electrode double-layer capacity [F.m-2]": 0.2,
        "Negative electrode exchange-current density [A.m-2]": graphite_electrolyte_exchange_current_density_Dualfoil1998,
        "Negative electrode density [kg.m-3]": 1657.0,
        "Negative electrode specific heat capacity [J.kg-1.K-1]": 700.0,
        "Negative electrode thermal conductivity [W.m-1.K-1]": 1.7,
        "Negative electrode OCP entropic change [V.K-1]": graphite_entropic_change_Moura2016,
        # positive electrode
        "Positive electrode conductivity [S.m-1]": 10.0,
        "Maximum concentration in positive electrode [mol.m-3]": _C_MAX_POS_MOL_M3,
        "Positive particle diffusivity [m2.s-1]": lico2_diffusivity_Dualfoil1998,
        "Positive electrode OCP [V]": lico2_ocp_Dualfoil1998,
        "Positive electrode porosity": 0.3,
        "Positive electrode active material volume fraction": 0.5,
        "Positive particle radius [m]": 1e-05,
        "Positive electrode Bruggeman coefficient (electrolyte)": 1.5,
        "Positive electrode Bruggeman coefficient (electrode)": 1.5,
        "Positive electrode charge transfer coefficient": 0.5,
        "Positive electrode double-layer capacity [F.m-2]": 0.2,
        "Positive electrode exchange-current density [A.m-2]": lico2_electrolyte_exchange_current_density_Dualfoil1998,
        "Positive electrode density [kg.m-3]": 3262.0,
        "Positive electrode specific heat capacity [J.kg-1.K-1]": 700.0,
        "Positive electrode thermal conductivity [W.m-1.K-1]": 2.1,
        "Positive electrode OCP entropic change [V.K-1]": lico2_entropic_change_Moura2016,
        # separator
        "Separator porosity": 1.0,
        "Separator Bruggeman coefficient (electrolyte)": 1.5,
        "Separator density [kg.m-3]": 397.0,
        "Separator specific heat capacity [J.kg-1.K-1]": 700.0,
        "Separator thermal conductivity [W.m-1.K-1]": 0.16,
        # electrolyte
        "Initial concentration in electrolyte [mol.m-3]": 1000.0,
        "Cation transference number": 0.4,
        "Thermodynamic factor": 1.0,
        "Electrolyte diffusivity [m2.s-1]": electrolyte_diffusivity_Capiglia1999,
        "Electrolyte conductivity [S.m-1]": electrolyte_conductivity_Capiglia1999,
        # experiment
        "Reference temperature [K]": 298.15,
        "Ambient temperature [K]": 298.15,
        "Negative current collector surface heat transfer coefficient [W.m-2.K-1]": 0.0,
        "Positive current collector surface heat transfer coefficient [W.m-2.K-1]": 0.0,
        "Negative tab heat transfer coefficient [W.m-2.K-1]": 10.0,
        "Positive tab heat transfer coefficient [W.m-2.K-1]": 10.0,
        "Edge heat transfer coefficient [W.m-2.K-1]": 0.3,
        "Total heat transfer coefficient [W.m-2.K-1]": 10.0,
        "Number of electrodes connected in parallel to make a cell": 1.0,
        "Number of cells connected in series to make a battery": 1.0,
        "Lower voltage cut-off [V]": 3.105,
        "Upper voltage cut-off [V]": 4.1,
        "Open-circuit voltage at 0% SOC [V]": 3.105,
        "Open-circuit voltage at 100% SOC [V]": 4.1,
        "Initial concentration in negative electrode [mol.m-3]": 19986.609595075,
        "Initial concentration in positive electrode [mol.m-3]": 30730.7554385565,
        "Initial temperature [K]": 298.15,
    }
