"""Ecker2015: Kokam SLPB 75106100 pouch cell (graphite | NCO), LiPF6 in EC:DMC.

Values and functional forms from Ecker et al. (2015, parts I and II) as fitted by S. O'Kane for
Richardson et al. (2020) and published in PyBaMM's ``Ecker2015`` parameter set; thermal properties of a
Kokam pouch cell from Zhao et al. (2018); tab placement from Hales et al. (2019); SEI and plating example
values as in PyBaMM (O'Kane et al. 2020/2022). The graphite and NCO OCPs are analytic fits to the
measured curves of Ecker et al. Reference temperature of the Arrhenius laws: 296.15 K (296 K for the
graphite diffusivity, as published).

References
----------
- M. Ecker, T. K. D. Tran, P. Dechent, S. Käbitz, A. Warnecke, D. U. Sauer, "Parameterization of a
  physico-chemical model of a lithium-ion battery: I. Determination of parameters", J. Electrochem. Soc.
  162 (2015) A1836. doi:10.1149/2.0551509jes
- M. Ecker, S. Käbitz, I. Laresgoiti, D. U. Sauer, "Parameterization of a physico-chemical model of a
  lithium-ion battery: II. Model validation", J. Electrochem. Soc. 162 (2015) A1849. doi:10.1149/2.0541509jes
- G. Richardson, I. Korotkin, R. Ranom, M. Castle, J. M. Foster, "Generalised single particle models for
  high-rate operation of graded lithium-ion electrodes: systematic derivation and validation",
  Electrochim. Acta 339 (2020) 135862. doi:10.1016/j.electacta.2020.135862
- S. E. J. O'Kane et al., "Lithium-ion battery degradation: how to model it", Phys. Chem. Chem. Phys.
  24 (2022) 7909. doi:10.1039/D2CP00417H
"""

from __future__ import annotations

import numpy as np

from solvers.constants import F, R
from solvers.parameters.example_sei import EXAMPLE_SEI_PARAMETERS

NAME = "Ecker2015"
CITATIONS = [
    "10.1149/2.0551509jes",
    "10.1149/2.0541509jes",
    "10.1016/j.electacta.2020.135862",
    "10.1149/1945-7111/ab90ac",
    "10.1039/D2CP00417H",
]

_T_REF_K = 296.15  # reference temperature of the Ecker2015 Arrhenius laws [K]


def _arrhenius(activation_energy_J_mol: float, T, T_ref_K: float = _T_REF_K):
    return np.exp(activation_energy_J_mol / R * (1.0 / T_ref_K - 1.0 / np.asarray(T, dtype=float)))


def graphite_diffusivity_Ecker2015(sto, T):
    r"""Graphite particle diffusivity [m2.s-1] against stoichiometry [-] and temperature [K].

    :math:`D = (8.4\times10^{-13} e^{-11.3 x} + 8.2\times10^{-15})\,\exp(E_D/R\,(1/296 - 1/T))`,
    :math:`E_D = 30.3` kJ/mol. Ecker et al. (2015), doi:10.1149/2.0551509jes, fit of Richardson et al.
    (2020), doi:10.1016/j.electacta.2020.135862.
    """
    sto = np.asarray(sto, dtype=float)
    return (8.4e-13 * np.exp(-11.3 * sto) + 8.2e-15) * _arrhenius(3.03e4, T, 296.0)


def graphite_ocp_Ecker2015(sto):
    """Graphite open-circuit potential [V] against stoichiometry [-].

    Analytic fit to the measured curve of Ecker et al. (2015), doi:10.1149/2.0551509jes (fit of
    Richardson et al. 2020, doi:10.1016/j.electacta.2020.135862).
    """
    x = np.asarray(sto, dtype=float)
    return (
        0.716502 * np.exp(-369.028 * x)
        + 0.12193 * np.exp(-35.6478 * (x - 0.0530947))
        - 0.0189193 * np.tanh(21.1967 * (x - 0.196176))
        - 0.0169644 * np.tanh(27.1365 * (x - 0.312832))
        - 0.0199313 * np.tanh(28.5697 * (x - 0.614221))
        - 0.931153 * np.exp(36.328 * (x - 1.10743))
        + 0.140031
    )


def graphite_electrolyte_exchange_current_density_Ecker2015(c_e, c_s_surf, c_s_max, T):
    r"""Exchange-current density [A.m-2] of graphite in LiPF6 EC:DMC.

    :math:`j_0 = F k\,\exp(E_r/R(1/296.15-1/T))\,c_e^{1/2} c_s^{1/2} (c_{max}-c_s)^{1/2}`, with
    :math:`k = 1.11\times10^{-10}` m2.5 mol-0.5 s-1 and :math:`E_r = 53.4` kJ/mol.
    Ecker et al. (2015), doi:10.1149/2.0551509jes.
    """
    return F * 1.11e-10 * _arrhenius(53400.0, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def nco_diffusivity_Ecker2015(sto, T):
    r"""NCO particle diffusivity [m2.s-1] against stoichiometry [-] and temperature [K].

    :math:`D = (3.7\times10^{-13} - 3.4\times10^{-13} e^{-12 (x-0.62)^2})\,\exp(E_D/R\,(1/296.15-1/T))`,
    :math:`E_D = 80.6` kJ/mol. Ecker et al. (2015), doi:10.1149/2.0551509jes.
    """
    x = np.asarray(sto, dtype=float)
    return (3.7e-13 - 3.4e-13 * np.exp(-12.0 * (x - 0.62) ** 2)) * _arrhenius(8.06e4, T)


def nco_ocp_Ecker2015(sto):
    """NCO open-circuit potential [V] against stoichiometry [-].

    Analytic fit to the measured curve of Ecker et al. (2015), doi:10.1149/2.0551509jes (fit of
    Richardson et al. 2020, one coefficient revised by S. O'Kane as in PyBaMM).
    """
    x = np.asarray(sto, dtype=float)
    return (
        -2.35211 * x
        - 0.0747061 * np.tanh(31.886 * (x - 0.0219921))
        + 6.34984 * np.tanh(2.66395 * (x - 0.174352))
        - 0.640243 * np.tanh(5.48623 * (x - 0.439245))
        - 3.82383 * np.tanh(4.12167 * (x - 0.176187))
        - 0.0542123 * np.tanh(18.2919 * (x - 0.762272))
        + 4.23285
    )


def nco_electrolyte_exchange_current_density_Ecker2015(c_e, c_s_surf, c_s_max, T):
    r"""Exchange-current density [A.m-2] of NCO in LiPF6 EC:DMC.

    :math:`k = 3.01\times10^{-11}` m2.5 mol-0.5 s-1, :math:`E_r = 43.6` kJ/mol (see the graphite form).
    Ecker et al. (2015), doi:10.1149/2.0551509jes.
    """
    return F * 3.01e-11 * _arrhenius(4.36e4, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def electrolyte_conductivity_Ecker2015(c_e, T):
    r"""Conductivity [S.m-1] of LiPF6 in EC:DMC against concentration [mol.m-3] and temperature [K].

    :math:`\sigma_{296} = 0.2667 c^3 - 1.2983 c^2 + 1.7919 c + 0.1726` (c in mol/L), scaled by
    :math:`(296/T)\exp(E_k/R\,(1/296 - 1/T))`, :math:`E_k = 17.1` kJ/mol.
    Ecker et al. (2015), doi:10.1149/2.0551509jes.
    """
    cm = 1e-3 * np.asarray(c_e, dtype=float)
    sigma_296 = 0.2667 * cm**3 - 1.2983 * cm**2 + 1.7919 * cm + 0.1726
    T = np.asarray(T, dtype=float)
    return sigma_296 * (296.0 / T) * np.exp(1.71e4 / R * (1.0 / 296.0 - 1.0 / T))


def electrolyte_diffusivity_Ecker2015(c_e, T):
    r"""Diffusivity [m2.s-1] of LiPF6 in EC:DMC from the conductivity (Nernst–Einstein).

    :math:`D_e = \frac{R T}{F^2}\,\frac{\sigma_e(c_e, T)}{c_e}` (PyBaMM writes
    :math:`k_B/(F q_e) = R/F^2`). Ecker et al. (2015), doi:10.1149/2.0551509jes.
    """
    c = np.asarray(c_e, dtype=float)
    return R * np.asarray(T, dtype=float) / F**2 * electrolyte_conductivity_Ecker2015(c, T) / c


def get_parameter_values() -> dict:
    """PyBaMM-named values of the Kokam SLPB 75106100 cell (Ecker et al. 2015, doi:10.1149/2.0551509jes)."""
    return {
        # lithium plating and SEI: example values, as in PyBaMM's Ecker2015 set
        "Lithium metal partial molar volume [m3.mol-1]": 1.3e-05,
        "Lithium plating kinetic rate constant [m.s-1]": 1e-10,
        "Initial plated lithium concentration [mol.m-3]": 0.0,
        "Typical plated lithium concentration [mol.m-3]": 1000.0,
        "Lithium plating transfer coefficient": 0.5,
        "Dead lithium decay constant [s-1]": 1e-06,
        **EXAMPLE_SEI_PARAMETERS,
        # cell
        "Negative current collector thickness [m]": 1.4e-05,
        "Negative electrode thickness [m]": 7.4e-05,
        "Separator thickness [m]": 2e-05,
        "Positive electrode thickness [m]": 5.4e-05,
        "Positive current collector thickness [m]": 1.5e-05,
        "Electrode height [m]": 0.101,
        "Electrode width [m]": 0.085,
        "Negative tab width [m]": 0.007,
        "Negative tab centre y-coordinate [m]": 0.0045,
        "Negative tab centre z-coordinate [m]": 0.101,
        "Positive tab width [m]": 0.0069,
        "Positive tab centre y-coordinate [m]": 0.0309,
        "Positive tab centre z-coordinate [m]": 0.101,
        "Cell cooling surface area [m2]": 0.0172,
        "Cell volume [m3]": 1.52e-06,
        "Negative current collector conductivity [S.m-1]": 58411000.0,
        "Positive current collector conductivity [S.m-1]": 36914000.0,
        "Negative current collector density [kg.m-3]": 8933.0,
        "Positive current collector density [kg.m-3]": 2702.0,
        "Negative current collector specific heat capacity [J.kg-1.K-1]": 385.0,
        "Positive current collector specific heat capacity [J.kg-1.K-1]": 903.0,
        "Negative current collector thermal conductivity [W.m-1.K-1]": 398.0,
        "Positive current collector thermal conductivity [W.m-1.K-1]": 238.0,
        "Nominal cell capacity [A.h]": 0.15625,
        "Current function [A]": 0.15652,
        "Contact resistance [Ohm]": 0.0,
        # negative electrode (graphite)
        "Negative electrode conductivity [S.m-1]": 14.0,
        "Maximum concentration in negative electrode [mol.m-3]": 31920.0,
        "Negative particle diffusivity [m2.s-1]": graphite_diffusivity_Ecker2015,
        "Negative electrode OCP [V]": graphite_ocp_Ecker2015,
        "Negative electrode porosity": 0.329,
        "Negative electrode active material volume fraction": 0.372403,
        "Negative particle radius [m]": 1.37e-05,
        "Negative electrode Bruggeman coefficient (electrolyte)": 1.6372789338386007,
        "Negative electrode Bruggeman coefficient (electrode)": 0.0,
        "Negative electrode charge transfer coefficient": 0.5,
        "Negative electrode exchange-current density [A.m-2]": graphite_electrolyte_exchange_current_density_Ecker2015,
        "Negative electrode density [kg.m-3]": 1555.0,
        "Negative electrode specific heat capacity [J.kg-1.K-1]": 1437.0,
        "Negative electrode thermal conductivity [W.m-1.K-1]": 1.58,
        "Negative electrode OCP entropic change [V.K-1]": 0.0,
        # positive electrode (NCO)
        "Positive electrode conductivity [S.m-1]": 68.1,
        "Maximum concentration in positive electrode [mol.m-3]": 48580.0,
        "Positive particle diffusivity [m2.s-1]": nco_diffusivity_Ecker2015,
        "Positive electrode OCP [V]": nco_ocp_Ecker2015,
        "Positive electrode porosity": 0.296,
        "Positive electrode active material volume fraction": 0.40832,
        "Positive particle radius [m]": 6.5e-06,
        "Positive electrode Bruggeman coefficient (electrolyte)": 1.5442267190786427,
        "Positive electrode Bruggeman coefficient (electrode)": 0.0,
        "Positive electrode charge transfer coefficient": 0.5,
        "Positive electrode exchange-current density [A.m-2]": nco_electrolyte_exchange_current_density_Ecker2015,
        "Positive electrode density [kg.m-3]": 2895.0,
        "Positive electrode specific heat capacity [J.kg-1.K-1]": 1270.0,
        "Positive electrode thermal conductivity [W.m-1.K-1]": 1.04,
        "Positive electrode OCP entropic change [V.K-1]": 0.0,
        # separator
        "Separator porosity": 0.508,
        "Separator Bruggeman coefficient (electrolyte)": 1.9804586773134945,
        "Separator density [kg.m-3]": 1017.0,
        "Separator specific heat capacity [J.kg-1.K-1]": 1978.0,
        "Separator thermal conductivity [W.m-1.K-1]": 0.34,
        # electrolyte
        "Initial concentration in electrolyte [mol.m-3]": 1000.0,
        "Cation transference number": 0.26,
        "Thermodynamic factor": 1.0,
        "Electrolyte diffusivity [m2.s-1]": electrolyte_diffusivity_Ecker2015,
        "Electrolyte conductivity [S.m-1]": electrolyte_conductivity_Ecker2015,
        # experiment
        "Reference temperature [K]": 296.15,
        "Negative current collector surface heat transfer coefficient [W.m-2.K-1]": 10.0,
        "Positive current collector surface heat transfer coefficient [W.m-2.K-1]": 10.0,
        "Negative tab heat transfer coefficient [W.m-2.K-1]": 10.0,
        "Positive tab heat transfer coefficient [W.m-2.K-1]": 10.0,
        "Edge heat transfer coefficient [W.m-2.K-1]": 10.0,
        "Total heat transfer coefficient [W.m-2.K-1]": 10.0,
        "Ambient temperature [K]": 298.15,
        "Number of electrodes connected in parallel to make a cell": 1.0,
        "Number of cells connected in series to make a battery": 1.0,
        "Lower voltage cut-off [V]": 2.5,
        "Upper voltage cut-off [V]": 4.2,
        "Open-circuit voltage at 0% SOC [V]": 2.5,
        "Open-circuit voltage at 100% SOC [V]": 4.2,
        "Initial concentration in negative electrode [mol.m-3]": 26120.05,
        "Initial concentration in positive electrode [mol.m-3]": 12630.8,
        "Initial temperature [K]": 298.15,
    }
