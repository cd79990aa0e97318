"""Prada2013: LFP | graphite cylindrical cell (A123 ANR26650-type, 2.3 A.h), LiPF6 electrolyte.

Geometry, transport and kinetic values from Prada et al. (2013) as published in PyBaMM's ``Prada2013``
set. Prada et al. give no OCP curves, so (as in PyBaMM) the graphite OCP is the LG M50 fit of Chen et al.
(2020) and the LFP OCP the fit of Afshar et al. (2017); the LFP exchange-current constant is from
Kashkooli et al. (2017). The initial concentrations were chosen (in PyBaMM) to give a 2.3 A.h cell with
an OCV of 3.6 V at 100 % SOC and 2.0 V at 0 % SOC.

References
----------
- E. Prada, D. Di Domenico, Y. Creff, J. Bernard, V. Sauvant-Moynot, F. Huet, "A simplified
  electrochemical and thermal aging model of LiFePO4-graphite Li-ion batteries: power and capacity fade
  simulations", J. Electrochem. Soc. 160 (2013) A616. doi:10.1149/2.053304jes
- C.-H. Chen et al., J. Electrochem. Soc. 167 (2020) 080534. doi:10.1149/1945-7111/ab9050
- S. Afshar, K. Morris, A. Khajepour, "Efficient electrochemical model for lithium-ion cells",
  arXiv:1709.03970 (2017).
- A. G. Kashkooli et al., "Representative volume element model of lithium-ion battery electrodes based
  on X-ray nano-tomography", J. Appl. Electrochem. 47 (2017) 281. doi:10.1007/s10800-016-1037-x
"""

from __future__ import annotations

import numpy as np

from solvers.parameters.base import arrhenius

NAME = "Prada2013"
CITATIONS = [
    "10.1149/2.053304jes",
    "10.1149/1945-7111/ab9050",
    "arXiv:1709.03970",
    "10.1007/s10800-016-1037-x",
]


def graphite_ocp_Chen2020(sto):
    """Graphite open-circuit potential [V] against stoichiometry [-] (LG M50 fit, used by Prada2013).

    Chen et al. (2020), doi:10.1149/1945-7111/ab9050.
    """
    x = np.asarray(sto, dtype=float)
    return (
        1.9793 * np.exp(-39.3631 * x)
        + 0.2482
        - 0.0909 * np.tanh(29.8538 * (x - 0.1234))
        - 0.04478 * np.tanh(14.9159 * (x - 0.2769))
        - 0.0205 * np.tanh(30.4444 * (x - 0.6103))
    )


def graphite_electrolyte_exchange_current_density_Chen2020(c_e, c_s_surf, c_s_max, T):
    r"""Graphite exchange-current density [A.m-2]: m = 6.48e-7 (A/m2)(m3/mol)^1.5, E_r = 35 kJ/mol.

    :math:`j_0 = m\,\exp(E_r/R(1/298.15-1/T))\,c_e^{1/2}c_s^{1/2}(c_{max}-c_s)^{1/2}`.
    Chen et al. (2020), doi:10.1149/1945-7111/ab9050.
    """
    return 6.48e-7 * arrhenius(35000.0, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def lfp_ocp_Afshar2017(sto):
    r"""LFP open-circuit potential [V] against stoichiometry [-].

    :math:`U = 3.4077 - 0.020269\,x + 0.5\,e^{-150 x} - 0.9\,e^{-30(1-x)}`.
    Afshar et al. (2017), arXiv:1709.03970 (used for Prada2013, doi:10.1149/2.053304jes).
    """
    x = np.asarray(sto, dtype=float)
    return 3.4077 - 0.020269 * x + 0.5 * np.exp(-150.0 * x) - 0.9 * np.exp(-30.0 * (1.0 - x))


def lfp_electrolyte_exchange_current_density_Kashkooli2017(c_e, c_s_surf, c_s_max, T):
    r"""LFP exchange-current density [A.m-2]: m = 6e-7 (A/m2)(m3/mol)^1.5, E_r = 39.57 kJ/mol.

    :math:`j_0 = m\,\exp(E_r/R(1/298.15-1/T))\,c_e^{1/2}c_s^{1/2}(c_{max}-c_s)^{1/2}`.
    Kashkooli et al. (2017), doi:10.1007/s10800-016-1037-x.
    """
    return 6e-7 * arrhenius(39570.0, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def electrolyte_conductivity_Prada2013(c_e, T):
    r"""Electrolyte conductivity [S.m-1] against concentration [mol.m-3]; no temperature dependence.

    Quartic in :math:`c` [mol.cm-3]:
    :math:`\sigma = 10^3 (4.1253\times10^{-4} + 5.007 c - 4721.2 c^2 + 1.5094\times10^6 c^3 - 1.6018\times10^8 c^4)`.
    Prada et al. (2013), doi:10.1149/2.053304jes.
    """
    c = np.asarray(c_e, dtype=float) / 1e6
    sigma = (4.1253e-4 + 5.007 * c - 4721.2 * c**2 + 1.5094e6 * c**3 - 1.6018e8 * c**4) * 1e3
    return sigma + 0.0 * np.asarray(T, dtype=float)


def get_parameter_values() -> dict:
    """PyBaMM-named values of the LFP | graphite cell of Prada et al. (2013), doi:10.1149/2.053304jes."""
    return {
        # cell
        "Negative electrode thickness [m]": 3.4e-05,
        "Separator thickness [m]": 2.5e-05,
        "Positive electrode thickness [m]": 8e-05,
        "Electrode height [m]": 0.6,  # with the width, an area of 0.18 m2
        "Electrode width [m]": 0.3,
        "Nominal cell capacity [A.h]": 2.3,
        "Current function [A]": 2.3,
        "Contact resistance [Ohm]": 0.0,
        # negative electrode (graphite)
        "Negative electrode conductivity [S.m-1]": 215.0,
        "Maximum concentration in negative electrode [mol.m-3]": 30555.0,
        "Negative particle diffusivity [m2.s-1]": 3e-15,
        "Negative electrode OCP [V]": graphite_ocp_Chen2020,
        "Negative electrode porosity": 0.36,
        "Negative electrode active material volume fraction": 0.58,
        "Negative particle radius [m]": 5e-06,
        "Negative electrode Bruggeman coefficient (electrolyte)": 1.5,
        "Negative electrode Bruggeman coefficient (electrode)": 1.5,
        "Negative electrode charge transfer coefficient": 0.5,
        "Negative electrode double-layer capacity [F.m-2]": 0.2,
        "Negative electrode exchange-current density [A.m-2]": graphite_electrolyte_exchange_current_density_Chen2020,
        "Negative electrode OCP entropic change [V.K-1]": 0.0,
        # positive electrode (LFP)
        "Positive electrode conductivity [S.m-1]": 0.33795074,
        "Maximum concentration in positive electrode [mol.m-3]": 22806.0,
        "Positive particle diffusivity [m2.s-1]": 5.9e-18,
        "Positive electrode OCP [V]": lfp_ocp_Afshar2017,
        "Positive electrode porosity": 0.426,
        "Positive electrode active material volume fraction": 0.374,
        "Positive particle radius [m]": 5e-08,
        "Positive electrode Bruggeman coefficient (electrode)": 1.5,
        "Positive electrode Bruggeman coefficient (electrolyte)": 1.5,
        "Positive electrode charge transfer coefficient": 0.5,
        "Positive electrode double-layer capacity [F.m-2]": 0.2,
        "Positive electrode exchange-current density [A.m-2]": lfp_electrolyte_exchange_current_density_Kashkooli2017,
        "Positive electrode OCP entropic change [V.K-1]": 0.0,
        # separator
        "Separator porosity": 0.45,
        "Separator Bruggeman coefficient (electrolyte)": 1.5,
        # electrolyte
        "Initial concentration in electrolyte [mol.m-3]": 1200.0,
        "Cation transference number": 0.36,
        "Thermodynamic factor": 1.0,
        "Electrolyte diffusivity [m2.s-1]": 2e-10,
        "Electrolyte conductivity [S.m-1]": electrolyte_conductivity_Prada2013,
        # experiment
        "Reference temperature [K]": 298.0,
        "Ambient temperature [K]": 298.0,
        "Number of electrodes connected in parallel to make a cell": 1.0,
        "Number of cells connected in series to make a battery": 1.0,
        "Lower voltage cut-off [V]": 2.0,
        "Upper voltage cut-off [V]": 3.6,
        "Open-circuit voltage at 0% SOC [V]": 2.0,
        "Open-circuit voltage at 100% SOC [V]": 3.6,
        "Initial concentration in negative electrode [mol.m-3]": 0.81 * 30555.0,
        "Initial concentration in positive electrode [mol.m-3]": 0.0038 * 22806.0,
        "Initial temperature [K]": 298.0,
    }
