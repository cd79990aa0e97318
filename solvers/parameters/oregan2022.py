"""ORegan2022: LG M50 21700 (graphite-SiOx | NMC811) with the thermal-electrochemical parameters of O'Regan
et al. (2022) and a concentration- and temperature-dependent LiPF6 in EC:EMC (3:7 w:w) electrolyte.

Values and functional forms as published in PyBaMM's ``ORegan2022`` set: the OCPs are Chen et al.'s
(2020) fits; particle diffusivities, exchange-current densities, entropic coefficients and the NMC
electronic conductivity are O'Regan et al.'s, with Arrhenius laws; the electrolyte's conductivity,
diffusivity, cation transference number and thermodynamic factor are Landesfeind & Gasteiger's (2019)
fits in concentration and temperature, so t+ and TDF are functions ``(c_e [mol.m-3], T [K])`` here.

What VoltVault's models take differently (say so wherever the published set has more):

* The positive electrode's electronic conductivity is an Arrhenius law in T in the published set
  (:func:`nmc_LGM50_electronic_conductivity_ORegan2022`); the models take electrode conductivities as
  numbers, so the set holds its value at 298.15 K (0.8473 S/m). Identical at the default 298.15 K.
* The specific heat capacities of the wet electrodes, the separator and the current collectors are
  functions of T in the published set; the lumped thermal model takes numbers, so the set holds their
  values at 298.15 K (the functions are here for reference). Only the lumped thermal option uses them.
* Thermal conductivities are given (at 298.15 K) for export; the lumped thermal model ignores them.

References
----------
- K. O'Regan, F. Brosa Planella, W. D. Widanage, E. Kendrick, "Thermal-electrochemical parameters of a
  high energy lithium-ion cylindrical battery", Electrochim. Acta 425 (2022) 140700.
  doi:10.1016/j.electacta.2022.140700
- C.-H. Chen et al., J. Electrochem. Soc. 167 (2020) 080534. doi:10.1149/1945-7111/ab9050
- J. Landesfeind, H. A. Gasteiger, "Temperature and concentration dependence of the ionic transport
  properties of lithium-ion battery electrolytes", J. Electrochem. Soc. 166 (2019) A3079.
  doi:10.1149/2.0571912jes
"""

from __future__ import annotations

import numpy as np

from solvers.constants import R
from solvers.parameters import chen2020

NAME = "ORegan2022"
CITATIONS = ["10.1016/j.electacta.2022.140700", "10.1149/1945-7111/ab9050", "10.1149/2.0571912jes"]

T_REF_K = 298.15
_C_E_REF_MOL_M3 = 1000.0  # the set's initial electrolyte concentration, the j0 reference


def _arrhenius_over_R(activation_over_R_K: float, T):
    """exp(E/R (1/298.15 - 1/T)) with E/R given in K."""
    return np.exp(activation_over_R_K * (1.0 / T_REF_K - 1.0 / np.asarray(T, dtype=float)))


# ------------------------------------------------------------------------------------------ electrolyte
# Landesfeind & Gasteiger (2019), doi:10.1149/2.0571912jes, LiPF6 in EC:EMC (3:7 w:w); c in mol/L.
_KAPPA_EC_EMC_3_7 = (5.21e-1, 2.28e2, -1.06, 3.53e-1, -3.59e-3, 1.48e-3)
_D_E_EC_EMC_3_7 = (1.01e3, 1.01, -1.56e3, -4.87e2)
_TPLUS_EC_EMC_3_7 = (-1.28e1, -6.12, 8.21e-2, 9.04e-1, 3.18e-2, -1.27e-4, 1.75e-2, -3.12e-3, -3.96e-5)
_TDF_EC_EMC_3_7 = (2.57e1, -4.51e1, -1.77e-1, 1.94, 2.95e-1, 3.08e-4, 2.59e-1, -9.46e-3, -4.54e-4)


def _quadratic_in_T_cubic_in_c(c_e, T, p):
    """p1 + p2 c + p3 T + p4 c^2 + p5 c T + p6 T^2 + p7 c^3 + p8 c^2 T + p9 c T^2, c in mol/L."""
    c = np.asarray(c_e, dtype=float) / 1000.0
    T = np.asarray(T, dtype=float)
    return (
        p[0]
        + p[1] * c
        + p[2] * T
        + p[3] * c**2
        + p[4] * c * T
        + p[5] * T**2
        + p[6] * c**3
        + p[7] * c**2 * T
        + p[8] * c * T**2
    )


def electrolyte_conductivity_EC_EMC_3_7_Landesfeind2019(c_e, T):
    r"""Conductivity [S.m-1] of LiPF6 in EC:EMC (3:7 w:w) against concentration [mol.m-3] and T [K].

    .. math::
        \kappa = \frac{p_1 (1 + T - p_2)\, c\, (1 + p_3\sqrt{c} + p_4 (1 + p_5 e^{1000/T}) c)}
        {1 + p_6 e^{1000/T} c^4}\ \mathrm{mS/cm},\quad c\ \mathrm{in\ mol/L}

    Landesfeind & Gasteiger (2019), doi:10.1149/2.0571912jes.
    """
    p1, p2, p3, p4, p5, p6 = _KAPPA_EC_EMC_3_7
    c = np.asarray(c_e, dtype=float) / 1000.0
    T = np.asarray(T, dtype=float)
    e = np.exp(1000.0 / T)
    with np.errstate(invalid="ignore"):
        sigma_mS_cm = (
            p1
            * (1.0 + (T - p2))
            * c
            * (1.0 + p3 * np.sqrt(c) + p4 * (1.0 + p5 * e) * c)
            / (1.0 + c**4 * (p6 * e))
        )
    return sigma_mS_cm / 10.0


def electrolyte_diffusivity_EC_EMC_3_7_Landesfeind2019(c_e, T):
    r"""Diffusivity [m2.s-1] of LiPF6 in EC:EMC (3:7 w:w) against concentration [mol.m-3] and T [K].

    :math:`D_e = p_1 e^{p_2 c} e^{p_3/T} e^{p_4 c/T} \times 10^{-10}`, c in mol/L.
    Landesfeind & Gasteiger (2019), doi:10.1149/2.0571912jes.
    """
    p1, p2, p3, p4 = _D_E_EC_EMC_3_7
    c = np.asarray(c_e, dtype=float) / 1000.0
    T = np.asarray(T, dtype=float)
    return p1 * np.exp(p2 * c) * np.exp(p3 / T) * np.exp(p4 * c / T) * 1e-10


def electrolyte_transference_number_EC_EMC_3_7_Landesfeind2019(c_e, T):
    """Cation transference number [-] of LiPF6 in EC:EMC (3:7 w:w) against c_e [mol.m-3] and T [K].

    Cubic in c [mol/L], quadratic in T (nine coefficients). Landesfeind & Gasteiger (2019),
    doi:10.1149/2.0571912jes.
    """
    return _quadratic_in_T_cubic_in_c(c_e, T, _TPLUS_EC_EMC_3_7)


def electrolyte_TDF_EC_EMC_3_7_Landesfeind2019(c_e, T):
    """Thermodynamic factor [-] of LiPF6 in EC:EMC (3:7 w:w) against c_e [mol.m-3] and T [K].

    Cubic in c [mol/L], quadratic in T (nine coefficients). Landesfeind & Gasteiger (2019),
    doi:10.1149/2.0571912jes.
    """
    return _quadratic_in_T_cubic_in_c(c_e, T, _TDF_EC_EMC_3_7)


# ------------------------------------------------------------------------------------------ graphite


def graphite_LGM50_diffusivity_ORegan2022(sto, T):
    """Diffusivity [m2.s-1] of LG M50 graphite-SiOx against stoichiometry [-] and T [K].

    Sum of Gaussians in log10 D times the correcting factor 3.0321, Arrhenius with E/R = 2092 K.
    O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700.
    """
    sto = np.asarray(sto, dtype=float)
    log10_D = (
        11.17 * sto
        - 15.11
        - 1.553 * np.exp(-((sto - 0.2031) ** 2) / 0.0006091)
        - 6.136 * np.exp(-((sto - 0.5375) ** 2) / 0.06438)
        - 9.725 * np.exp(-((sto - 0.9144) ** 2) / 0.0578)
        + 1.85 * np.exp(-((sto - 0.5953) ** 2) / 0.001356)
    )
    return 10.0**log10_D * 3.0321 * _arrhenius_over_R(2092.0, T)


def graphite_LGM50_electrolyte_exchange_current_density_ORegan2022(c_e, c_s_surf, c_s_max, T):
    r"""Exchange-current density [A.m-2] of graphite-SiOx in LiPF6 EC:EMC.

    :math:`j_0 = 2.668\,e^{E_r/R(1/298.15-1/T)} (c_e/c_{e,ref})^{1-\alpha} (c_s/c_{max})^{\alpha}
    (1-c_s/c_{max})^{1-\alpha}` with :math:`\alpha` = 0.792, E_r = 40 kJ/mol, c_e,ref = 1000 mol/m3.
    O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700.
    """
    alpha = 0.792
    x = c_s_surf / c_s_max
    return (
        2.668
        * _arrhenius_over_R(4e4 / R, T)
        * (c_e / _C_E_REF_MOL_M3) ** (1.0 - alpha)
        * x**alpha
        * (1.0 - x) ** (1.0 - alpha)
    )


def graphite_LGM50_entropic_change_ORegan2022(sto):
    """Entropic change of the OCP [V.K-1] of LG M50 graphite-SiOx against stoichiometry [-] (fit in mV/K).

    O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700 (the tanh term's amplitude is zero in
    their final fit).
    """
    sto = np.asarray(sto, dtype=float)
    return (-0.1112 * sto + 0.02914 + 0.3561 * np.exp(-((sto - 0.08309) ** 2) / 0.004616)) / 1000.0


def graphite_LGM50_heat_capacity_ORegan2022(T):
    """Specific heat capacity [J.kg-1.K-1] of the wet negative electrode (porosity 0.25) against T [K].

    Dry electrode (1740 kg/m3) plus electrolyte (1280 kg/m3, 229 J/kg/K) in its pores.
    O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700.
    """
    cp_dry = 4.932e-4 * T**3 - 0.491 * T**2 + 169.4 * T - 1.897e4
    return _wet(cp_dry, 1740.0, 0.25)


def graphite_LGM50_thermal_conductivity_ORegan2022(T):
    """Thermal conductivity [W.m-1.K-1] of the wet negative electrode against T [K].

    O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700.
    """
    return -2.61e-4 * T**2 + 0.1726 * T - 24.49


# ------------------------------------------------------------------------------------------ NMC811


def nmc_LGM50_diffusivity_ORegan2022(sto, T):
    """Diffusivity [m2.s-1] of LG M50 NMC811 against stoichiometry [-] and T [K].

    Sum of Gaussians in log10 D times the correcting factor 2.7, Arrhenius with E/R = 1449 K.
    O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700.
    """
    sto = np.asarray(sto, dtype=float)
    log10_D = (
        -13.96
        - 0.9231 * np.exp(-((sto - 0.3216) ** 2) / 0.002534)
        - 0.4066 * np.exp(-((sto - 0.4532) ** 2) / 0.003926)
        - 0.993 * np.exp(-((sto - 0.8098) ** 2) / 0.09924)
    )
    return 10.0**log10_D * 2.7 * _arrhenius_over_R(1449.0, T)


def nmc_LGM50_electrolyte_exchange_current_density_ORegan2022(c_e, c_s_surf, c_s_max, T):
    r"""Exchange-current density [A.m-2] of NMC811 in LiPF6 EC:EMC.

    As the graphite's with 5.028 A/m2, :math:`\alpha` = 0.43, E_r = 24.01 kJ/mol.
    O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700.
    """
    alpha = 0.43
    x = c_s_surf / c_s_max
    return (
        5.028
        * _arrhenius_over_R(2.401e4 / R, T)
        * (c_e / _C_E_REF_MOL_M3) ** (1.0 - alpha)
        * x**alpha
        * (1.0 - x) ** (1.0 - alpha)
    )


def nmc_LGM50_electronic_conductivity_ORegan2022(sto, T):
    """Electronic conductivity [S.m-1] of the NMC811 electrode against T [K] (sto unused).

    0.8473 S/m at 298.15 K, Arrhenius with E = 3.5 kJ/mol. O'Regan et al. (2022),
    doi:10.1016/j.electacta.2022.140700.
    """
    return 0.8473 * _arrhenius_over_R(3.5e3 / R, T) + 0.0 * np.asarray(sto, dtype=float)


def nmc_LGM50_entropic_change_ORegan2022(sto):
    """Entropic change of the OCP [V.K-1] of LG M50 NMC811 against stoichiometry [-] (fit in mV/K).

    O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700.
    """
    sto = np.asarray(sto, dtype=float)
    return (
        0.04006 * np.exp(-((sto - 0.2828) ** 2) / 0.0009855)
        - 0.06656 * np.exp(-((sto - 0.8032) ** 2) / 0.02179)
    ) / 1000.0


def nmc_LGM50_heat_capacity_ORegan2022(T):
    """Specific heat capacity [J.kg-1.K-1] of the wet positive electrode (porosity 0.335) against T [K].

    O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700.
    """
    cp_dry = -8.414e-4 * T**3 + 0.7892 * T**2 - 241.3 * T + 2.508e4
    return _wet(cp_dry, 3270.0, 0.335)


def nmc_LGM50_thermal_conductivity_ORegan2022(T):
    """Thermal conductivity [W.m-1.K-1] of the wet positive electrode against T [K].

    O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700.
    """
    return 2.063e-5 * T**2 - 0.01127 * T + 2.331


# ------------------------------------------------------------------------------------------ the rest


def separator_LGM50_heat_capacity_ORegan2022(T):
    """Specific heat capacity [J.kg-1.K-1] of the wet separator (porosity 0.47) against T [K].

    O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700.
    """
    cp_dry = 1.494e-3 * T**3 - 1.444 * T**2 + 475.5 * T - 5.13e4
    return _wet(cp_dry, 946.0, 0.47)


def _wet(cp_dry, rho_dry, porosity):
    """Heat capacity of a dry porous layer with electrolyte (1280 kg/m3, 229 J/kg/K) in its pores."""
    rho_e, cp_e = 1280.0, 229.0
    return (rho_dry * cp_dry + rho_e * cp_e * porosity) / (rho_dry + rho_e * porosity)


def _copper_heat_capacity_CRC(T):
    """Copper, J/kg/K (CRC Handbook of Chemistry and Physics, 95th ed., 2014)."""
    return 1.445e-6 * T**3 - 1.946e-3 * T**2 + 0.9633 * T + 236.0


def _aluminium_heat_capacity_CRC(T):
    """Aluminium, J/kg/K (CRC Handbook of Chemistry and Physics, 95th ed., 2014)."""
    return 4.503e-6 * T**3 - 6.256e-3 * T**2 + 3.281 * T + 355.7


def _copper_thermal_conductivity_CRC(T):
    """Copper, W/m/K (CRC Handbook of Chemistry and Physics, 95th ed., 2014)."""
    return -5.409e-7 * T**3 + 7.054e-4 * T**2 - 0.3727 * T + 463.6


def get_parameter_values() -> dict:
    """PyBaMM-named values of O'Regan et al. (2022), doi:10.1016/j.electacta.2022.140700."""
    T = T_REF_K  # temperature functions the models take as numbers are evaluated here (module docstring)
    return {
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
        "Negative current collector conductivity [S.m-1]": 58411000.0,
        "Positive current collector conductivity [S.m-1]": 36914000.0,
        "Negative current collector density [kg.m-3]": 8933.0,
        "Positive current collector density [kg.m-3]": 2702.0,
        "Negative current collector specific heat capacity [J.kg-1.K-1]": float(_copper_heat_capacity_CRC(T)),
        "Positive current collector specific heat capacity [J.kg-1.K-1]": float(
            _aluminium_heat_capacity_CRC(T)
        ),
        "Negative current collector thermal conductivity [W.m-1.K-1]": float(
            _copper_thermal_conductivity_CRC(T)
        ),
        "Positive current collector thermal conductivity [W.m-1.K-1]": 237.0,
        "Nominal cell capacity [A.h]": 5.0,
        "Current function [A]": 5.0,
        "Contact resistance [Ohm]": 0.0,
        # negative electrode
        "Negative electrode conductivity [S.m-1]": 215.0,
        "Maximum concentration in negative electrode [mol.m-3]": 29583.0,
        "Negative particle diffusivity [m2.s-1]": graphite_LGM50_diffusivity_ORegan2022,
        "Negative electrode OCP [V]": chen2020.graphite_LGM50_ocp_Chen2020,
        "Negative electrode porosity": 0.25,
        "Negative electrode active material volume fraction": 0.75,
        "Negative particle radius [m]": 5.86e-06,
        "Negative electrode Bruggeman coefficient (electrolyte)": 1.5,
        "Negative electrode Bruggeman coefficient (electrode)": 0.0,
        "Negative electrode charge transfer coefficient": 0.5,
        "Negative electrode double-layer capacity [F.m-2]": 0.2,
        "Negative electrode exchange-current density [A.m-2]": (
            graphite_LGM50_electrolyte_exchange_current_density_ORegan2022
        ),
        "Negative electrode density [kg.m-3]": 2060.0,
        "Negative electrode specific heat capacity [J.kg-1.K-1]": float(
            graphite_LGM50_heat_capacity_ORegan2022(T)
        ),
        "Negative electrode thermal conductivity [W.m-1.K-1]": float(
            graphite_LGM50_thermal_conductivity_ORegan2022(T)
        ),
        "Negative electrode OCP entropic change [V.K-1]": graphite_LGM50_entropic_change_ORegan2022,
        # positive electrode
        "Positive electrode conductivity [S.m-1]": float(
            nmc_LGM50_electronic_conductivity_ORegan2022(0.5, T)
        ),
        "Maximum concentration in positive electrode [mol.m-3]": 51765.0,
        "Positive particle diffusivity [m2.s-1]": nmc_LGM50_diffusivity_ORegan2022,
        "Positive electrode OCP [V]": chen2020.nmc_LGM50_ocp_Chen2020,
        "Positive electrode porosity": 0.335,
        "Positive electrode active material volume fraction": 0.665,
        "Positive particle radius [m]": 5.22e-06,
        "Positive electrode Bruggeman coefficient (electrolyte)": 1.5,
        "Positive electrode Bruggeman coefficient (electrode)": 0.0,
        "Positive electrode charge transfer coefficient": 0.5,
        "Positive electrode double-layer capacity [F.m-2]": 0.2,
        "Positive electrode exchange-current density [A.m-2]": (
            nmc_LGM50_electrolyte_exchange_current_density_ORegan2022
        ),
        "Positive electrode density [kg.m-3]": 3699.0,
        "Positive electrode specific heat capacity [J.kg-1.K-1]": float(
            nmc_LGM50_heat_capacity_ORegan2022(T)
        ),
        "Positive electrode thermal conductivity [W.m-1.K-1]": float(
            nmc_LGM50_thermal_conductivity_ORegan2022(T)
        ),
        "Positive electrode OCP entropic change [V.K-1]": nmc_LGM50_entropic_change_ORegan2022,
        # separator
        "Separator porosity": 0.47,
        "Separator Bruggeman coefficient (electrolyte)": 1.5,
        "Separator Bruggeman coefficient (electrode)": 1.5,
        "Separator density [kg.m-3]": 1548.0,
        "Separator specific heat capacity [J.kg-1.K-1]": float(separator_LGM50_heat_capacity_ORegan2022(T)),
        "Separator thermal conductivity [W.m-1.K-1]": 0.3344,
        # electrolyte
        "Initial concentration in electrolyte [mol.m-3]": _C_E_REF_MOL_M3,
        "Cation transference number": electrolyte_transference_number_EC_EMC_3_7_Landesfeind2019,
        "Thermodynamic factor": electrolyte_TDF_EC_EMC_3_7_Landesfeind2019,
        "Electrolyte diffusivity [m2.s-1]": electrolyte_diffusivity_EC_EMC_3_7_Landesfeind2019,
        "Electrolyte conductivity [S.m-1]": electrolyte_conductivity_EC_EMC_3_7_Landesfeind2019,
        # experiment
        "Reference temperature [K]": T_REF_K,
        "Total heat transfer coefficient [W.m-2.K-1]": 10.0,
        "Ambient temperature [K]": T_REF_K,
        "Number of electrodes connected in parallel to make a cell": 1.0,
        "Number of cells connected in series to make a battery": 1.0,
        "Lower voltage cut-off [V]": 2.5,
        "Upper voltage cut-off [V]": 4.4,
        "Open-circuit voltage at 0% SOC [V]": 2.5,
        "Open-circuit voltage at 100% SOC [V]": 4.4,
        "Initial concentration in negative electrode [mol.m-3]": 28866.0,
        "Initial concentration in positive electrode [mol.m-3]": 13975.0,
        "Initial temperature [K]": T_REF_K,
    }
