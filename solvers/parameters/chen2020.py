"""Chen2020: LG M50 21700 cell (graphite-SiOx | NMC811), LiPF6 in EC:EMC.

Values and functional forms from Chen et al. (2020), as published in PyBaMM's ``Chen2020`` parameter
set; electrolyte transport from Nyman et al. (2008); SEI example values as in PyBaMM (Ramadass 2004,
Safari 2008, Yang 2017, Single 2018, Ploehn 2004).

References
----------
- C.-H. Chen, F. Brosa Planella, K. O'Regan, D. Gastol, W. D. Widanage, E. Kendrick, "Development of
  experimental techniques for parameterization of multi-scale lithium-ion battery models",
  J. Electrochem. Soc. 167 (2020) 080534. doi:10.1149/1945-7111/ab9050
- A. Nyman, M. Behm, G. Lindbergh, "Electrochemical characterisation and modelling of the mass transport
  phenomena in LiPF6-EC-EMC electrolyte", Electrochim. Acta 53 (2008) 6356. doi:10.1016/j.electacta.2008.04.023
"""

from __future__ import annotations

import numpy as np

from solvers.parameters.base import arrhenius
from solvers.parameters.example_sei import EXAMPLE_SEI_PARAMETERS

NAME = "Chen2020"
CITATIONS = ["10.1149/1945-7111/ab9050", "10.1016/j.electacta.2008.04.023"]


def graphite_LGM50_ocp_Chen2020(sto):
    """Open-circuit potential [V] of LG M50 graphite-SiOx against stoichiometry [-].

    Fit of Chen et al. (2020), doi:10.1149/1945-7111/ab9050.
    """
    sto = np.asarray(sto, dtype=float)
    return (
        1.9793 * np.exp(-39.3631 * sto)
        + 0.2482
        - 0.0909 * np.tanh(29.8538 * (sto - 0.1234))
        - 0.04478 * np.tanh(14.9159 * (sto - 0.2769))
        - 0.0205 * np.tanh(30.4444 * (sto - 0.6103))
    )


def nmc_LGM50_ocp_Chen2020(sto):
    """Open-circuit potential [V] of LG M50 NMC811 against stoichiometry [-].

    Fit of Chen et al. (2020), doi:10.1149/1945-7111/ab9050.
    """
    sto = np.asarray(sto, dtype=float)
    return (
        -0.8090 * sto
        + 4.4875
        - 0.0428 * np.tanh(18.5138 * (sto - 0.5542))
        - 17.7326 * np.tanh(15.7890 * (sto - 0.3117))
        + 17.5842 * np.tanh(15.9308 * (sto - 0.3120))
    )


def graphite_LGM50_electrolyte_exchange_current_density_Chen2020(c_e, c_s_surf, c_s_max, T):
    r"""Exchange-current density [A.m-2] of graphite in LiPF6 EC:EMC.

    :math:`j_0 = m\,\exp(E_r/R(1/298.15-1/T))\,c_e^{1/2} c_s^{1/2} (c_{max}-c_s)^{1/2}` with
    m = 6.48e-7 (A/m2)(m3/mol)^1.5, E_r = 35 kJ/mol. Chen et al. (2020), doi:10.1149/1945-7111/ab9050.
    """
    return 6.48e-7 * arrhenius(35000.0, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def nmc_LGM50_electrolyte_exchange_current_density_Chen2020(c_e, c_s_surf, c_s_max, T):
    r"""Exchange-current density [A.m-2] of NMC811 in LiPF6 EC:EMC.

    m = 3.42e-6 (A/m2)(m3/mol)^1.5, E_r = 17.8 kJ/mol. Chen et al. (2020), doi:10.1149/1945-7111/ab9050.
    """
    return 3.42e-6 * arrhenius(17800.0, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def electrolyte_diffusivity_Nyman2008(c_e, T):
    """Diffusivity [m2.s-1] of LiPF6 in EC:EMC (3:7) against concentration [mol.m-3]; no T dependence.

    Nyman et al. (2008), doi:10.1016/j.electacta.2008.04.023.
    """
    c = np.asarray(c_e, dtype=float) / 1000.0
    return 8.794e-11 * c**2 - 3.972e-10 * c + 4.862e-10 + 0.0 * np.asarray(T, dtype=float)


def electrolyte_conductivity_Nyman2008(c_e, T):
    """Conductivity [S.m-1] of LiPF6 in EC:EMC (3:7) against concentration [mol.m-3]; no T dependence.

    Nyman et al. (2008), doi:10.1016/j.electacta.2008.04.023.
    """
    c = np.maximum(np.asarray(c_e, dtype=float), 0.0) / 1000.0
    return 0.1297 * c**3 - 2.51 * c**1.5 + 3.329 * c + 0.0 * np.asarray(T, dtype=float)


def get_parameter_values() -> dict:
    """PyBaMM-named values of the LG M50 cell (Chen et al. 2020, doi:10.1149/1945-7111/ab9050)."""
    return {
        **EXAMPLE_SEI_PARAMETERS,
        # cell
        "Negative current collector thickness [m]": 1.2e-05,
        "Negative electrode thickness [m]": 8.52e-05,
        "Separator thickness [m]": 1.2e-05,
        "Positive electrode thickness [m]": 7.56e-05,
        "Positive current collector thickness [m]": 1.6e-05,
        "Electrode height [m]": 0.065,
        "Electrode width [m]": 1.58,
        "Cell cooling surface area [m2]": 0.00531,
        "Cell volume [m3]": 2.42e-05,
        "Cell thermal expansion coefficient [m.K-1]": 1.1e-06,
        "Negative current collector conductivity [S.m-1]": 58411000.0,
        "Positive current collector conductivity [S.m-1]": 36914000.0,
        "Negative current collector density [kg.m-3]": 8960.0,
        "Positive current collector density [kg.m-3]": 2700.0,
        "Negative current collector specific heat capacity [J.kg-1.K-1]": 385.0,
        "Positive current collector specific heat capacity [J.kg-1.K-1]": 897.0,
        "Negative current collector thermal conductivity [W.m-1.K-1]": 401.0,
        "Positive current collector thermal conductivity [W.m-1.K-1]": 237.0,
        "Nominal cell capacity [A.h]": 5.0,
        "Current function [A]": 5.0,
        "Contact resistance [Ohm]": 0.0,
        # negative electrode
        "Negative electrode conductivity [S.m-1]": 215.0,
        "Maximum concentration in negative electrode [mol.m-3]": 33133.0,
        "Negative particle diffusivity [m2.s-1]": 3.3e-14,
        "Negative electrode OCP [V]": graphite_LGM50_ocp_Chen2020,
        "Negative electrode porosity": 0.25,
        "Negative electrode active material volume fraction": 0.75,
        "Negative particle radius [m]": 5.86e-06,
        "Negative electrode Bruggeman coefficient (electrolyte)": 1.5,
        "Negative electrode Bruggeman coefficient (electrode)": 0.0,
        "Negative electrode charge transfer coefficient": 0.5,
        "Negative electrode double-layer capacity [F.m-2]": 0.2,
        "Negative electrode exchange-current density [A.m-2]": graphite_LGM50_electrolyte_exchange_current_density_Chen2020,
        "Negative electrode density [kg.m-3]": 1657.0,
        "Negative electrode specific heat capacity [J.kg-1.K-1]": 700.0,
        "Negative electrode thermal conductivity [W.m-1.K-1]": 1.7,
        "Negative electrode OCP entropic change [V.K-1]": 0.0,
        # positive electrode
        "Positive electrode conductivity [S.m-1]": 0.18,
        "Maximum concentration in positive electrode [mol.m-3]": 63104.0,
        "Positive particle diffusivity [m2.s-1]": 4e-15,
        "Positive electrode OCP [V]": nmc_LGM50_ocp_Chen2020,
        "Positive electrode porosity": 0.335,
        "Positive electrode active material volume fraction": 0.665,
        "Positive particle radius [m]": 5.22e-06,
        "Positive electrode Bruggeman coefficient (electrolyte)": 1.5,
        "Positive electrode Bruggeman coefficient (electrode)": 0.0,
        "Positive electrode charge transfer coefficient": 0.5,
        "Positive electrode double-layer capacity [F.m-2]": 0.2,
        "Positive electrode exchange-current density [A.m-2]": nmc_LGM50_electrolyte_exchange_current_density_Chen2020,
        "Positive electrode density [kg.m-3]": 3262.0,
        "Positive electrode specific heat capacity [J.kg-1.K-1]": 700.0,
        "Positive electrode thermal conductivity [W.m-1.K-1]": 2.1,
        "Positive electrode OCP entropic change [V.K-1]": 0.0,
        # separator
        "Separator porosity": 0.47,
        "Separator Bruggeman coefficient (electrolyte)": 1.5,
        "Separator density [kg.m-3]": 397.0,
        "Separator specific heat capacity [J.kg-1.K-1]": 700.0,
        "Separator thermal conductivity [W.m-1.K-1]": 0.16,
        # electrolyte
        "Initial concentration in electrolyte [mol.m-3]": 1000.0,
        "Cation transference number": 0.2594,
        "Thermodynamic factor": 1.0,
        "Electrolyte diffusivity [m2.s-1]": electrolyte_diffusivity_Nyman2008,
        "Electrolyte conductivity [S.m-1]": electrolyte_conductivity_Nyman2008,
        # experiment
        "Reference temperature [K]": 298.15,
        "Total heat transfer coefficient [W.m-2.K-1]": 10.0,
        "Ambient temperature [K]": 298.15,
        "Number of electrodes connected in parallel to make a cell": 1.0,
        "Number of cells connected in series to make a battery": 1.0,
        "Lower voltage cut-off [V]": 2.5,
        "Upper voltage cut-off [V]": 4.2,
        "Open-circuit voltage at 0% SOC [V]": 2.5,
        "Open-circuit voltage at 100% SOC [V]": 4.2,
        "Initial concentration in negative electrode [mol.m-3]": 29866.0,
        "Initial concentration in positive electrode [mol.m-3]": 17038.0,
        "Initial temperature [K]": 298.15,
    }
