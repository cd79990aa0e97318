"""NCA_Kim2011: 0.43 A.h NCA | graphite pouch cell of Kim et al. (2011), LiPF6 electrolyte.

Values and functional forms from Kim et al. (2011) as published in PyBaMM's ``NCA_Kim2011`` set. The
exchange-current densities are written, as there, through a reference value at 100 % SOC; their
reference electrolyte concentration is the set's initial concentration, 1200 mol/m3, fixed here (a
design that changes the initial electrolyte concentration keeps the published kinetics). Thermal
values follow PyBaMM's notes (Marquis2019 densities scaled to the volumetric heat capacities of Kim et
al.); SEI example values as in PyBaMM.

References
----------
- G.-H. Kim, K. Smith, K.-J. Lee, S. Santhanagopalan, A. Pesaran, "Multi-domain modeling of lithium-ion
  batteries encompassing multi-physics in varied length scales", J. Electrochem. Soc. 158 (2011) A955.
  doi:10.1149/1.3597614
"""

from __future__ import annotations

import numpy as np

from solvers.parameters.base import arrhenius
from solvers.parameters.example_sei import EXAMPLE_SEI_PARAMETERS

NAME = "NCA_Kim2011"
CITATIONS = ["10.1149/1.3597614"]

_C_E_REF_MOL_M3 = 1200.0  # reference electrolyte concentration of the exchange currents [mol.m-3]


def graphite_diffusivity_Kim2011(sto, T):
    """Graphite particle diffusivity [m2.s-1]: 9e-14 with E = 4 kJ/mol.

    Kim et al. (2011), doi:10.1149/1.3597614.
    """
    return 9e-14 * arrhenius(4e3, T) + 0.0 * np.asarray(sto, dtype=float)


def graphite_ocp_Kim2011(sto):
    """Graphite open-circuit potential [V] against stoichiometry [-].

    Kim et al. (2011), doi:10.1149/1.3597614.
    """
    x = np.asarray(sto, dtype=float)
    return (
        0.124
        + 1.5 * np.exp(-70.0 * x)
        - 0.0351 * np.tanh((x - 0.286) / 0.083)
        - 0.0045 * np.tanh((x - 0.9) / 0.119)
        - 0.035 * np.tanh((x - 0.99) / 0.05)
        - 0.0147 * np.tanh((x - 0.5) / 0.034)
        - 0.102 * np.tanh((x - 0.194) / 0.142)
        - 0.022 * np.tanh((x - 0.98) / 0.0164)
        - 0.011 * np.tanh((x - 0.124) / 0.0226)
        + 0.0155 * np.tanh((x - 0.105) / 0.029)
    )


def _reference_rate(i0_ref_A_m2: float, sto_ref: float, c_s_max):
    c_s_ref = sto_ref * c_s_max
    return i0_ref_A_m2 / (_C_E_REF_MOL_M3**0.5 * (c_s_max - c_s_ref) ** 0.5 * c_s_ref**0.5)


def graphite_electrolyte_exchange_current_density_Kim2011(c_e, c_s_surf, c_s_max, T):
    r"""Graphite exchange-current density [A.m-2]: 36 A/m2 at 100 % SOC (x = 0.36, c_e = 1200 mol/m3).

    :math:`j_0 = m\,e^{E_r/R(1/298.15-1/T)}c_e^{1/2}c_s^{1/2}(c_{max}-c_s)^{1/2}`, m set by the reference,
    :math:`E_r = 30` kJ/mol. Kim et al. (2011), doi:10.1149/1.3597614.
    """
    m = _reference_rate(36.0, 0.36, c_s_max)
    return m * arrhenius(3e4, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def nca_diffusivity_Kim2011(sto, T):
    """NCA particle diffusivity [m2.s-1]: 3e-15 with E = 20 kJ/mol.

    Kim et al. (2011), doi:10.1149/1.3597614.
    """
    return 3e-15 * arrhenius(2e4, T) + 0.0 * np.asarray(sto, dtype=float)


def nca_electrolyte_exchange_current_density_Kim2011(c_e, c_s_surf, c_s_max, T):
    """NCA exchange-current density [A.m-2]: 4 A/m2 at 100 % SOC (x = 0.41, c_e = 1200 mol/m3), E_r = 30 kJ/mol.

    Kim et al. (2011), doi:10.1149/1.3597614.
    """
    m = _reference_rate(4.0, 0.41, c_s_max)
    return m * arrhenius(3e4, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def electrolyte_diffusivity_Kim2011(c_e, T):
    r"""Electrolyte diffusivity [m2.s-1] against concentration [mol.m-3] and temperature [K].

    :math:`10^{-7}(5.84e^{-2870/T}c^2 - 33.9e^{-2920/T}c + 129e^{-3200/T})`, c in mol/L.
    Kim et al. (2011), doi:10.1149/1.3597614.
    """
    c = np.asarray(c_e, dtype=float) / 1000.0
    T = np.asarray(T, dtype=float)
    return 1e-7 * (
        5.84 * np.exp(-2870.0 / T) * c**2 - 33.9 * np.exp(-2920.0 / T) * c + 129.0 * np.exp(-3200.0 / T)
    )


def electrolyte_conductivity_Kim2011(c_e, T):
    r"""Electrolyte conductivity [S.m-1] against concentration [mol.m-3] and temperature [K].

    :math:`3.45e^{-798/T}c^3 - 48.5e^{-1080/T}c^2 + 244e^{-1440/T}c`, c in mol/L.
    Kim et al. (2011), doi:10.1149/1.3597614.
    """
    c = np.asarray(c_e, dtype=float) / 1000.0
    T = np.asarray(T, dtype=float)
    return (
        3.45 * np.exp(-798.0 / T) * c**3 - 48.5 * np.exp(-1080.0 / T) * c**2 + 244.0 * np.exp(-1440.0 / T) * c
    )


def nca_ocp_Kim2011(sto):
    """NCA open-circuit potential [V] against stoichiometry [-] (tenth-order polynomial and a steep exponential).

    Kim et al. (2011), doi:10.1149/1.3597614.
    """
    x = np.asarray(sto, dtype=float)
    return (
        1.638 * x**10
        - 2.222 * x**9
        + 15.056 * x**8
        - 23.488 * x**7
        + 81.246 * x**6
        - 344.566 * x**5
        + 621.3475 * x**4
        - 554.774 * x**3
        + 264.427 * x**2
        - 66.3691 * x
        + 11.8058
        - 0.61386 * np.exp(5.8201 * x**136.4)
    )


def get_parameter_values() -> dict:
    """PyBaMM-named values of the cell of Kim et al. (2011), doi:10.1149/1.3597614."""
    return {
        # SEI example values, as in PyBaMM's NCA_Kim2011 set
        **EXAMPLE_SEI_PARAMETERS,
        # cell
        "Negative current collector thickness [m]": 1e-05,
        "Negative electrode thickness [m]": 7e-05,
        "Separator thickness [m]": 2.5e-05,
        "Positive electrode thickness [m]": 5e-05,
        "Positive current collector thickness [m]": 1e-05,
        "Electrode height [m]": 0.2,
        "Electrode width [m]": 0.14,
        "Negative tab width [m]": 0.044,
        "Negative tab centre y-coordinate [m]": 0.013,
        "Negative tab centre z-coordinate [m]": 0.2,
        "Positive tab width [m]": 0.044,
        "Positive tab centre y-coordinate [m]": 0.137,
        "Positive tab centre z-coordinate [m]": 0.2,
        "Cell cooling surface area [m2]": 0.0561,
        "Cell volume [m3]": 4.62e-06,
        "Negative current collector conductivity [S.m-1]": 59600000.0,
        "Positive current collector conductivity [S.m-1]": 37800000.0,
        "Negative current collector density [kg.m-3]": 11544.75,
        "Positive current collector density [kg.m-3]": 3490.24338,
        "Negative current collector specific heat capacity [J.kg-1.K-1]": 385.0,
        "Positive current collector specific heat capacity [J.kg-1.K-1]": 897.0,
        "Negative current collector thermal conductivity [W.m-1.K-1]": 267.467,
        "Positive current collector thermal conductivity [W.m-1.K-1]": 158.079,
        "Nominal cell capacity [A.h]": 0.43,
        "Current function [A]": 0.43,
        "Contact resistance [Ohm]": 0.0,
        # negative electrode (graphite)
        "Negative electrode conductivity [S.m-1]": 100.0,
        "Maximum concentration in negative electrode [mol.m-3]": 28700.0,
        "Negative particle diffusivity [m2.s-1]": graphite_diffusivity_Kim2011,
        "Negative electrode OCP [V]": graphite_ocp_Kim2011,
        "Negative electrode porosity": 0.4,
        "Negative electrode active material volume fraction": 0.51,
        "Negative particle radius [m]": 5.083e-07,
        "Negative electrode Bruggeman coefficient (electrolyte)": 2.0,
        "Negative electrode Bruggeman coefficient (electrode)": 2.0,
        "Negative electrode charge transfer coefficient": 0.5,
        "Negative electrode double-layer capacity [F.m-2]": 0.2,
        "Negative electrode exchange-current density [A.m-2]": graphite_electrolyte_exchange_current_density_Kim2011,
        "Negative electrode density [kg.m-3]": 2136.43638,
        "Negative electrode specific heat capacity [J.kg-1.K-1]": 700.0,
        "Negative electrode thermal conductivity [W.m-1.K-1]": 1.1339,
        "Negative electrode OCP entropic change [V.K-1]": 0.0,
        # positive electrode (NCA)
        "Positive electrode conductivity [S.m-1]": 10.0,
        "Maximum concentration in positive electrode [mol.m-3]": 49000.0,
        "Positive particle diffusivity [m2.s-1]": nca_diffusivity_Kim2011,
        "Positive electrode OCP [V]": nca_ocp_Kim2011,
        "Positive electrode porosity": 0.4,
        "Positive electrode active material volume fraction": 0.41,
        "Positive particle radius [m]": 1.633e-06,
        "Positive electrode Bruggeman coefficient (electrolyte)": 2.0,
        "Positive electrode Bruggeman coefficient (electrode)": 2.0,
        "Positive electrode charge transfer coefficient": 0.5,
        "Positive electrode double-layer capacity [F.m-2]": 0.2,
        "Positive electrode exchange-current density [A.m-2]": nca_electrolyte_exchange_current_density_Kim2011,
        "Positive electrode density [kg.m-3]": 4205.82708,
        "Positive electrode specific heat capacity [J.kg-1.K-1]": 700.0,
        "Positive electrode thermal conductivity [W.m-1.K-1]": 1.4007,
        "Positive electrode OCP entropic change [V.K-1]": 0.0,
        # separator
        "Separator porosity": 0.4,
        "Separator Bruggeman coefficient (electrolyte)": 2.0,
        "Separator density [kg.m-3]": 511.86798,
        "Separator specific heat capacity [J.kg-1.K-1]": 700.0,
        "Separator thermal conductivity [W.m-1.K-1]": 0.10672,
        # electrolyte
        "Initial concentration in electrolyte [mol.m-3]": 1200.0,
        "Cation transference number": 0.4,
        "Thermodynamic factor": 1.0,
        "Electrolyte diffusivity [m2.s-1]": electrolyte_diffusivity_Kim2011,
        "Electrolyte conductivity [S.m-1]": electrolyte_conductivity_Kim2011,
        # experiment
        "Reference temperature [K]": 298.15,
        "Negative current collector surface heat transfer coefficient [W.m-2.K-1]": 0.0,
        "Positive current collector surface heat transfer coefficient [W.m-2.K-1]": 0.0,
        "Negative tab heat transfer coefficient [W.m-2.K-1]": 25.0,
        "Positive tab heat transfer coefficient [W.m-2.K-1]": 25.0,
        "Edge heat transfer coefficient [W.m-2.K-1]": 0.3,
        "Total heat transfer coefficient [W.m-2.K-1]": 25.0,
        "Ambient temperature [K]": 298.15,
        "Number of electrodes connected in parallel to make a cell": 1.0,
        "Number of cells connected in series to make a battery": 1.0,
        "Lower voltage cut-off [V]": 2.7,
        "Upper voltage cut-off [V]": 4.2,
        "Open-circuit voltage at 0% SOC [V]": 2.7,
        "Open-circuit voltage at 100% SOC [V]": 4.2,
        "Initial concentration in negative electrode [mol.m-3]": 18081.0,
        "Initial concentration in positive electrode [mol.m-3]": 20090.0,
        "Initial temperature [K]": 298.15,
    }
