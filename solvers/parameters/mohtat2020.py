"""Mohtat2020: 5 A.h NMC532 | graphite pouch cell (UMBL), LiPF6 electrolyte.

Values and functional forms from Mohtat et al. (2020) and the Mohtat/MPM fits as published in PyBaMM's
``Mohtat2020`` set; electrolyte transport from Capiglia et al. (1999) via Dualfoil; graphite entropic
change from Thomas and Newman (2003); NMC entropic change from Le et al. (2006). SEI and plating example
values as in PyBaMM.

References
----------
- P. Mohtat, S. Lee, V. Sulzer, J. B. Siegel, A. G. Stefanopoulou, "Differential expansion and voltage
  model for Li-ion batteries at practical charging rates", J. Electrochem. Soc. 167 (2020) 110561.
  doi:10.1149/1945-7111/aba5d1
- K. E. Thomas, J. Newman, "Heats of mixing and of entropy in porous insertion electrodes",
  J. Power Sources 119-121 (2003) 844. doi:10.1016/S0378-7753(03)00283-0
- W. Lu, I. Belharouak, D. Vissers, K. Amine, "In situ thermal study of Li1+x[Ni1/3Co1/3Mn1/3]1-xO2
  using isothermal micro-calorimetric techniques", J. Electrochem. Soc. 153 (2006) A2147.
  doi:10.1149/1.2349294
- C. Capiglia et al., "7Li and 19F diffusion coefficients and thermal properties of non-aqueous
  electrolyte solutions for rechargeable lithium batteries", J. Power Sources 81-82 (1999) 859.
  doi:10.1016/S0378-7753(98)00237-7
"""

from __future__ import annotations

import numpy as np

from solvers.parameters.base import arrhenius
from solvers.parameters.example_sei import EXAMPLE_SEI_PARAMETERS

NAME = "Mohtat2020"
CITATIONS = [
    "10.1149/1945-7111/aba5d1",
    "10.1016/S0378-7753(03)00283-0",
    "10.1149/1.2349294",
    "10.1016/S0378-7753(98)00237-7",
]


def graphite_diffusivity_Mohtat2020(sto, T):
    """Graphite particle diffusivity [m2.s-1]: 5e-15 with an Arrhenius law, E = 42.77 kJ/mol.

    Mohtat et al. (2020), doi:10.1149/1945-7111/aba5d1 (Dualfoil value).
    """
    return 5.0e-15 * arrhenius(42770.0, T) + 0.0 * np.asarray(sto, dtype=float)


def graphite_ocp_Mohtat2020(sto):
    """Graphite open-circuit potential [V] against stoichiometry [-] (Mohtat MPM fit).

    Mohtat et al. (2020), doi:10.1149/1945-7111/aba5d1.
    """
    x = np.asarray(sto, dtype=float)
    return (
        0.063
        + 0.8 * np.exp(-75.0 * (x + 0.001))
        - 0.0120 * np.tanh((x - 0.127) / 0.016)
        - 0.0118 * np.tanh((x - 0.155) / 0.016)
        - 0.0035 * np.tanh((x - 0.220) / 0.020)
        - 0.0095 * np.tanh((x - 0.190) / 0.013)
        - 0.0145 * np.tanh((x - 0.490) / 0.020)
        - 0.0800 * np.tanh((x - 1.030) / 0.055)
    )


def graphite_electrolyte_exchange_current_density_Mohtat2020(c_e, c_s_surf, c_s_max, T):
    r"""Graphite exchange-current density [A.m-2]: m = 1.061e-6 (A/m2)(m3/mol)^1.5, E_r = 37.48 kJ/mol.

    :math:`j_0 = m\,\exp(E_r/R(1/298.15-1/T))\,c_e^{1/2}c_s^{1/2}(c_{max}-c_s)^{1/2}`.
    Mohtat et al. (2020), doi:10.1149/1945-7111/aba5d1.
    """
    return 1.061e-6 * arrhenius(37480.0, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def graphite_entropic_change_ThomasNewman2003(sto):
    r"""Graphite entropic change dU/dT [V.K-1] against stoichiometry [-] at 298.15 K.

    :math:`10^{-3}(0.28 - 1.56x - 8.92x^2 + 57.21x^3 - 110.7x^4 + 90.71x^5 - 27.14x^6)`.
    Thomas and Newman (2003), doi:10.1016/S0378-7753(03)00283-0.
    """
    x = np.asarray(sto, dtype=float)
    return 1e-3 * (0.28 - 1.56 * x - 8.92 * x**2 + 57.21 * x**3 - 110.7 * x**4 + 90.71 * x**5 - 27.14 * x**6)


def nmc_diffusivity_Mohtat2020(sto, T):
    """NMC particle diffusivity [m2.s-1]: 8e-15 with an Arrhenius law, E = 18.55 kJ/mol.

    Mohtat et al. (2020), doi:10.1149/1945-7111/aba5d1 (Dualfoil value).
    """
    return 8.0e-15 * arrhenius(18550.0, T) + 0.0 * np.asarray(sto, dtype=float)


def nmc_ocp_Mohtat2020(sto):
    """NMC532 open-circuit potential [V] against stoichiometry [-] (Mohtat MPM fit).

    Mohtat et al. (2020), doi:10.1149/1945-7111/aba5d1.
    """
    x = np.asarray(sto, dtype=float)
    return (
        4.3452
        - 1.6518 * x
        + 1.6225 * x**2
        - 2.0843 * x**3
        + 3.5146 * x**4
        - 2.2166 * x**5
        - 0.5623e-4 * np.exp(109.451 * x - 100.006)
    )


def nmc_electrolyte_exchange_current_density_Mohtat2020(c_e, c_s_surf, c_s_max, T):
    r"""NMC exchange-current density [A.m-2]: m = 4.824e-6 (A/m2)(m3/mol)^1.5, E_r = 39.57 kJ/mol.

    Mohtat et al. (2020), doi:10.1149/1945-7111/aba5d1.
    """
    return 4.824e-6 * arrhenius(39570.0, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def nmc_entropic_change_Lu2006(sto):
    r"""NMC entropic change dU/dT [V.K-1] at 298.15 K as a polynomial in the OCP.

    :math:`10^{-3}(-800 + 779U - 284U^2 + 46U^3 - 2.8U^4)`, with U the NMC OCP evaluated (as in PyBaMM's
    set) without its fifth-order term. Lu et al. (2006), doi:10.1149/1.2349294.
    """
    x = np.asarray(sto, dtype=float)
    u = (
        4.3452
        - 1.6518 * x
        + 1.6225 * x**2
        - 2.0843 * x**3
        + 3.5146 * x**4
        - 0.5623e-4 * np.exp(109.451 * x - 100.006)
    )
    return 1e-3 * (-800.0 + 779.0 * u - 284.0 * u**2 + 46.0 * u**3 - 2.8 * u**4)


def electrolyte_diffusivity_Capiglia1999(c_e, T):
    """Electrolyte diffusivity [m2.s-1]: 5.35e-10 with an Arrhenius law, E = 37.04 kJ/mol.

    Capiglia et al. (1999), doi:10.1016/S0378-7753(98)00237-7 (Dualfoil fit).
    """
    return 5.35e-10 * arrhenius(37040.0, T) + 0.0 * np.asarray(c_e, dtype=float)


def electrolyte_conductivity_Capiglia1999(c_e, T):
    """Electrolyte conductivity [S.m-1]: 1.3 with an Arrhenius law, E = 34.7 kJ/mol.

    Capiglia et al. (1999), doi:10.1016/S0378-7753(98)00237-7 (Dualfoil fit).
    """
    return 1.3 * arrhenius(34700.0, T) + 0.0 * np.asarray(c_e, dtype=float)


def get_parameter_values() -> dict:
    """PyBaMM-named values of the Mohtat et al. (2020) cell, doi:10.1149/1945-7111/aba5d1."""
    return {
        # lithium plating and SEI: example values, as in PyBaMM's Mohtat2020 set
        "Lithium metal partial molar volume [m3.mol-1]": 1.3e-05,
        "Exchange-current density for plating [A.m-2]": 0.001,
        "Initial plated lithium concentration [mol.m-3]": 0.0,
        "Typical plated lithium concentration [mol.m-3]": 1000.0,
        "Lithium plating transfer coefficient": 0.7,
        **EXAMPLE_SEI_PARAMETERS,
        # cell
        "Negative current collector thickness [m]": 2.5e-05,
        "Negative electrode thickness [m]": 6.2e-05,
        "Separator thickness [m]": 1.2e-05,
        "Positive electrode thickness [m]": 6.7e-05,
        "Positive current collector thickness [m]": 2.5e-05,
        "Electrode height [m]": 1.0,
        "Electrode width [m]": 0.205,
        "Cell cooling surface area [m2]": 0.41,
        "Cell volume [m3]": 3.92e-05,
        "Negative current collector conductivity [S.m-1]": 59600000.0,
        "Positive current collector conductivity [S.m-1]": 35500000.0,
        "Negative current collector density [kg.m-3]": 8954.0,
        "Positive current collector density [kg.m-3]": 2707.0,
        "Negative current collector specific heat capacity [J.kg-1.K-1]": 385.0,
        "Positive current collector specific heat capacity [J.kg-1.K-1]": 897.0,
        "Negative current collector thermal conductivity [W.m-1.K-1]": 401.0,
        "Positive current collector thermal conductivity [W.m-1.K-1]": 237.0,
        "Nominal cell capacity [A.h]": 5.0,
        "Current function [A]": 5.0,
        "Contact resistance [Ohm]": 0.0,
        # negative electrode (graphite)
        "Negative electrode conductivity [S.m-1]": 100.0,
        "Maximum concentration in negative electrode [mol.m-3]": 28746.0,
        "Negative particle diffusivity [m2.s-1]": graphite_diffusivity_Mohtat2020,
        "Negative electrode OCP [V]": graphite_ocp_Mohtat2020,
        "Negative electrode porosity": 0.3,
        "Negative electrode active material volume fraction": 0.61,
        "Negative particle radius [m]": 2.5e-06,
        "Negative electrode Bruggeman coefficient (electrode)": 1.5,
        "Negative electrode Bruggeman coefficient (electrolyte)": 1.5,
        "Negative electrode transport efficiency": 0.16,
        "Negative electrode reference exchange-current density [A.m-2(m3.mol)1.5]": 1.061e-06,
        "Negative electrode charge transfer coefficient": 0.5,
        "Negative electrode double-layer capacity [F.m-2]": 0.2,
        "Negative electrode exchange-current density [A.m-2]": graphite_electrolyte_exchange_current_density_Mohtat2020,
        "Negative electrode density [kg.m-3]": 3100.0,
        "Negative electrode specific heat capacity [J.kg-1.K-1]": 1100.0,
        "Negative electrode thermal conductivity [W.m-1.K-1]": 1.7,
        "Negative electrode OCP entropic change [V.K-1]": graphite_entropic_change_ThomasNewman2003,
        # positive electrode (NMC532)
        "Positive electrode conductivity [S.m-1]": 100.0,
        "Maximum concentration in positive electrode [mol.m-3]": 35380.0,
        "Positive particle diffusivity [m2.s-1]": nmc_diffusivity_Mohtat2020,
        "Positive electrode OCP [V]": nmc_ocp_Mohtat2020,
        "Positive electrode porosity": 0.3,
        "Positive electrode active material volume fraction": 0.445,
        "Positive particle radius [m]": 3.5e-06,
        "Positive electrode Bruggeman coefficient (electrode)": 1.5,
        "Positive electrode Bruggeman coefficient (electrolyte)": 1.5,
        "Positive electrode transport efficiency": 0.16,
        "Positive electrode reference exchange-current density [A.m-2(m3.mol)1.5]": 4.824e-06,
        "Positive electrode charge transfer coefficient": 0.5,
        "Positive electrode double-layer capacity [F.m-2]": 0.2,
        "Positive electrode exchange-current density [A.m-2]": nmc_electrolyte_exchange_current_density_Mohtat2020,
        "Positive electrode density [kg.m-3]": 3100.0,
        "Positive electrode specific heat capacity [J.kg-1.K-1]": 1100.0,
        "Positive electrode thermal conductivity [W.m-1.K-1]": 2.1,
        "Positive electrode OCP entropic change [V.K-1]": nmc_entropic_change_Lu2006,
        # separator
        "Separator porosity": 0.4,
        "Separator Bruggeman coefficient (electrolyte)": 1.5,
        "Separator density [kg.m-3]": 397.0,
        "Separator specific heat capacity [J.kg-1.K-1]": 700.0,
        "Separator thermal conductivity [W.m-1.K-1]": 0.16,
        "Separator transport efficiency": 0.25,
        # electrolyte
        "Initial concentration in electrolyte [mol.m-3]": 1000.0,
        "Cation transference number": 0.38,
        "Thermodynamic factor": 1.0,
        "Typical lithium ion diffusivity [m2.s-1]": 5.34e-10,
        "Electrolyte diffusivity [m2.s-1]": electrolyte_diffusivity_Capiglia1999,
        "Electrolyte conductivity [S.m-1]": electrolyte_conductivity_Capiglia1999,
        # experiment
        "Reference temperature [K]": 298.15,
        "Negative current collector surface heat transfer coefficient [W.m-2.K-1]": 0.0,
        "Positive current collector surface heat transfer coefficient [W.m-2.K-1]": 0.0,
        "Negative tab heat transfer coefficient [W.m-2.K-1]": 0.0,
        "Positive tab heat transfer coefficient [W.m-2.K-1]": 0.0,
        "Edge heat transfer coefficient [W.m-2.K-1]": 5.0,
        "Total heat transfer coefficient [W.m-2.K-1]": 5.0,
        "Ambient temperature [K]": 298.15,
        "Number of electrodes connected in parallel to make a cell": 1.0,
        "Number of cells connected in series to make a battery": 1.0,
        "Lower voltage cut-off [V]": 2.8,
        "Upper voltage cut-off [V]": 4.2,
        "Open-circuit voltage at 0% SOC [V]": 2.8,
        "Open-circuit voltage at 100% SOC [V]": 4.2,
        "Initial concentration in negative electrode [mol.m-3]": 48.8682,
        "Initial concentration in positive electrode [mol.m-3]": 31513.0,
        "Initial temperature [K]": 298.15,
    }
