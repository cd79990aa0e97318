"""Ai2020: Enertech 2.28 Ah pouch cell (graphite | LiCoO2), 34 electrode pairs in parallel.

Values and functional forms of Ai et al. (2020) as published in PyBaMM's ``Ai2020`` parameter set
(electrochemistry and thermal values; the mechanical ones of that paper are not used by these solvers);
the LiCoO2 OCP and the cell data from Rieger et al. (2016); electrolyte diffusivity of Valoen and Reimers
(2005); electrolyte conductivity as in LIONSIMBA (Torchio et al. 2016); kinetics and solid diffusivities
from Dualfoil. The measured discharges of this cell (voltage, temperature rise, thickness) at 0.5, 1 and
2C are the data of Ai et al. (2020), see ``../shared/data/measured/enertech_ai2020``.

References
----------
- W. Ai, L. Kraft, J. Sturm, A. Jossen, B. Wu, "Electrochemical Thermal-Mechanical Modelling of Stress
  Inhomogeneity in Lithium-Ion Pouch Cells", J. Electrochem. Soc. 167 (2020) 013512. doi:10.1149/2.0122001JES
- B. Rieger, S. V. Erhard, K. Rumpf, A. Jossen, "A New Method to Model the Thickness Change of a Commercial
  Pouch Cell during Discharge", J. Electrochem. Soc. 163 (2016) A1566. doi:10.1149/2.0441608jes
- L. O. Valoen, J. N. Reimers, J. Electrochem. Soc. 152 (2005) A882. doi:10.1149/1.1872737
- M. Torchio, L. Magni, R. B. Gopaluni, R. D. Braatz, D. M. Raimondo, J. Electrochem. Soc. 163 (2016) A1192.
  doi:10.1149/2.0291607jes
"""

from __future__ import annotations

import numpy as np

from solvers.constants import F
from solvers.parameters._ai2020_tables import (
    GRAPHITE_OCP_ENERTECH_AI2020_STO,
    GRAPHITE_OCP_ENERTECH_AI2020_V,
    LICO2_OCP_AI2020_STO,
    LICO2_OCP_AI2020_V,
)
from solvers.parameters.base import Interpolant, arrhenius

NAME = "Ai2020"
CITATIONS = ["10.1149/2.0122001JES", "10.1149/2.0441608jes", "10.1149/1.1872737", "10.1149/2.0291607jes"]

_GRAPHITE_OCP = Interpolant(GRAPHITE_OCP_ENERTECH_AI2020_STO, GRAPHITE_OCP_ENERTECH_AI2020_V,
                            name="graphite_ocp_Enertech_Ai2020")  # fmt: skip
_LICO2_OCP = Interpolant(LICO2_OCP_AI2020_STO, LICO2_OCP_AI2020_V, name="lico2_ocp_Ai2020")


def graphite_ocp_Enertech_Ai2020(sto):
    """Open-circuit potential [V] of the Enertech graphite (table, linear between points).

    Ai et al. (2020), doi:10.1149/2.0122001JES.
    """
    return _GRAPHITE_OCP(sto)


def lico2_ocp_Ai2020(sto):
    """Open-circuit potential [V] of LiCoO2 (table, linear between points).

    Rieger et al. (2016), doi:10.1149/2.0441608jes, as used by Ai et al. (2020).
    """
    return _LICO2_OCP(sto)


def graphite_diffusivity_Ai2020(sto, T):
    """Graphite diffusivity [m2.s-1]: 3.9e-14 with E = 5 kJ/mol. Ai et al. (2020), doi:10.1149/2.0122001JES."""
    return 3.9e-14 * arrhenius(5000.0, T) + 0.0 * np.asarray(sto, dtype=float)


def lico2_diffusivity_Ai2020(sto, T):
    """LiCoO2 diffusivity [m2.s-1]: 5.387e-15 with E = 5 kJ/mol (Dualfoil). Ai et al. (2020), doi:10.1149/2.0122001JES."""
    return 5.387e-15 * arrhenius(5000.0, T) + 0.0 * np.asarray(sto, dtype=float)


def graphite_electrolyte_exchange_current_density_Ai2020(c_e, c_s_surf, c_s_max, T):
    """Exchange-current density [A.m-2], m = 1e-11 F, E = 5 kJ/mol (Dualfoil). Ai et al. (2020), doi:10.1149/2.0122001JES."""
    return 1e-11 * F * arrhenius(5000.0, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def lico2_electrolyte_exchange_current_density_Ai2020(c_e, c_s_surf, c_s_max, T):
    """Exchange-current density [A.m-2], m = 1e-11 F, E = 5 kJ/mol (Dualfoil). Ai et al. (2020), doi:10.1149/2.0122001JES."""
    return 1e-11 * F * arrhenius(5000.0, T) * c_e**0.5 * c_s_surf**0.5 * (c_s_max - c_s_surf) ** 0.5


def graphite_entropy_Enertech_Ai2020_function(sto):
    """Entropic change of the graphite OCP [V.K-1] (rational fit). Ai et al. (2020), doi:10.1149/2.0122001JES."""
    sto = np.asarray(sto, dtype=float)
    num = (0.005269056 + 3.299265709 * sto - 91.79325798 * sto**2 + 1004.911008 * sto**3
           - 5812.278127 * sto**4 + 19329.7549 * sto**5 - 37147.8947 * sto**6 + 38379.18127 * sto**7
           - 16515.05308 * sto**8)  # fmt: skip
    den = (1 - 48.09287227 * sto + 1017.234804 * sto**2 - 10481.80419 * sto**3 + 59431.3 * sto**4
           - 195881.6488 * sto**5 + 374577.3152 * sto**6 - 385821.1607 * sto**7 + 165705.8597 * sto**8)  # fmt: skip
    return 0.001 * num / den


def lico2_entropic_change_Ai2020_function(sto):
    """Entropic change of the LiCoO2 OCP [V.K-1] (7th-order fit; valid 0.43 < sto < 0.9936).

    Ai et al. (2020), doi:10.1149/2.0122001JES.
    """
    sto = np.asarray(sto, dtype=float)
    return (-3.20392657 * sto**7 + 14.5719049 * sto**6 - 27.9047599 * sto**5 + 29.1744564 * sto**4
            - 17.992018 * sto**3 + 6.54799331 * sto**2 - 1.30382445 * sto + 0.109667298)  # fmt: skip


def dlnf_dlnc_Ai2020(c_e, T):
    """Thermodynamic factor [-] of LiPF6 in EC:DMC with t+ = 0.38. Ai et al. (2020), doi:10.1149/2.0122001JES."""
    c = np.maximum(np.asarray(c_e, dtype=float), 0.0) / 1000.0
    return (0.601 - 0.24 * c**0.5 + 0.982 * (1 - 0.0052 * (np.asarray(T, dtype=float) - 298.15)) * c**1.5) / (1 - 0.38)


def electrolyte_diffusivity_Ai2020(c_e, T):
    """Electrolyte diffusivity [m2.s-1], Valoen and Reimers (2005) eq. 14, doi:10.1149/1.1872737 (via Ai 2020)."""
    c_e = np.asarray(c_e, dtype=float)
    return 1e-4 * 10 ** (-4.43 - 54 / (T - 229 - 5e-3 * c_e) - 0.22e-3 * c_e)


def electrolyte_conductivity_Ai2020(c_e, T):
    """Electrolyte conductivity [S.m-1] (LIONSIMBA, Torchio et al. 2016, doi:10.1149/2.0291607jes; via Ai 2020)."""
    c_e = np.maximum(np.asarray(c_e, dtype=float), 0.0)
    return 1e-4 * c_e * ((-10.5 + 0.668e-3 * c_e + 0.494e-6 * c_e**2)
                         + (0.074 - 1.78e-5 * c_e - 8.86e-10 * c_e**2) * T
                         + (-6.96e-5 + 2.8e-8 * c_e) * T**2) ** 2  # fmt: skip


def get_parameter_values() -> dict:
    """PyBaMM-named values of the Enertech cell (Ai et al. 2020, doi:10.1149/2.0122001JES)."""
    return {
        # cell
        "Negative current collector thickness [m]": 1e-05,
        "Negative electrode thickness [m]": 7.65e-05,
        "Separator thickness [m]": 2.5e-05,
        "Positive electrode thickness [m]": 6.8e-05,
        "Positive current collector thickness [m]": 1.5e-05,
        "Electrode height [m]": 0.051,
        "Electrode width [m]": 0.047,
        "Cell cooling surface area [m2]": 0.0060484,
        "Cell volume [m3]": 1.5341e-05,
        "Cell thermal expansion coefficient [m.K-1]": 1.1e-06,
        "Negative current collector conductivity [S.m-1]": 58411000.0,
        "Positive current collector conductivity [S.m-1]": 36914000.0,
        "Negative current collector density [kg.m-3]": 8960.0,
        "Positive current collector density [kg.m-3]": 2700.0,
        "Negative current collector specific heat capacity [J.kg-1.K-1]": 385.0,
        "Positive current collector specific heat capacity [J.kg-1.K-1]": 897.0,
        "Negative current collector thermal conductivity [W.m-1.K-1]": 401.0,
        "Positive current collector thermal conductivity [W.m-1.K-1]": 237.0,
        "Nominal cell capacity [A.h]": 2.28,
        "Current function [A]": 2.28,
        "Contact resistance [Ohm]": 0.0,
        # negative electrode
        "Negative electrode conductivity [S.m-1]": 100.0,
        "Maximum concentration in negative electrode [mol.m-3]": 28700.0,
        "Negative particle diffusivity [m2.s-1]": graphite_diffusivity_Ai2020,
        "Negative electrode OCP [V]": graphite_ocp_Enertech_Ai2020,
        "Negative electrode porosity": 0.33,
        "Negative electrode active material volume fraction": 0.61,
        "Negative particle radius [m]": 5e-06,
        "Negative electrode Bruggeman coefficient (electrolyte)": 2.914,
        "Negative electrode Bruggeman coefficient (electrode)": 0.0,
        "Negative electrode charge transfer coefficient": 0.5,
        "Negative electrode double-layer capacity [F.m-2]": 0.2,
        "Negative electrode exchange-current density [A.m-2]": graphite_electrolyte_exchange_current_density_Ai2020,
        "Negative electrode density [kg.m-3]": 2470.0,
        "Negative electrode specific heat capacity [J.kg-1.K-1]": 1080.2,
        "Negative electrode thermal conductivity [W.m-1.K-1]": 1.04,
        "Negative electrode OCP entropic change [V.K-1]": graphite_entropy_Enertech_Ai2020_function,
        # positive electrode
        "Positive electrode conductivity [S.m-1]": 10.0,
        "Maximum concentration in positive electrode [mol.m-3]": 49943.0,
        "Positive particle diffusivity [m2.s-1]": lico2_diffusivity_Ai2020,
        "Positive electrode OCP [V]": lico2_ocp_Ai2020,
        "Positive electrode porosity": 0.32,
        "Positive electrode active material volume fraction": 0.62,
        "Positive particle radius [m]": 3e-06,
        "Positive electrode Bruggeman coefficient (electrolyte)": 1.83,
        "Positive electrode Bruggeman coefficient (electrode)": 0.0,
        "Positive electrode charge transfer coefficient": 0.5,
        "Positive electrode double-layer capacity [F.m-2]": 0.2,
        "Positive electrode exchange-current density [A.m-2]": lico2_electrolyte_exchange_current_density_Ai2020,
        "Positive electrode density [kg.m-3]": 2470.0,
        "Positive electrode specific heat capacity [J.kg-1.K-1]": 1080.2,
        "Positive electrode thermal conductivity [W.m-1.K-1]": 1.58,
        "Positive electrode OCP entropic change [V.K-1]": lico2_entropic_change_Ai2020_function,
        # separator
        "Separator porosity": 0.5,
        "Separator Bruggeman coefficient (electrolyte)": 1.5,
        "Separator density [kg.m-3]": 2470.0,
        "Separator specific heat capacity [J.kg-1.K-1]": 1080.2,
        "Separator thermal conductivity [W.m-1.K-1]": 0.334,
        # electrolyte
        "Initial concentration in electrolyte [mol.m-3]": 1000.0,
        "Cation transference number": 0.38,
        "Thermodynamic factor": dlnf_dlnc_Ai2020,
        "Electrolyte diffusivity [m2.s-1]": electrolyte_diffusivity_Ai2020,
        "Electrolyte conductivity [S.m-1]": electrolyte_conductivity_Ai2020,
        # experiment
        "Reference temperature [K]": 298.15,
        "Total heat transfer coefficient [W.m-2.K-1]": 35.0,
        "Ambient temperature [K]": 298.15,
        "Number of electrodes connected in parallel to make a cell": 34.0,
        "Number of cells connected in series to make a battery": 1.0,
        "Lower voltage cut-off [V]": 3.0,
        "Upper voltage cut-off [V]": 4.2,
        "Open-circuit voltage at 0% SOC [V]": 3.0,
        "Open-circuit voltage at 100% SOC [V]": 4.2,
        "Initial concentration in negative electrode [mol.m-3]": 24108.0,
        "Initial concentration in positive electrode [mol.m-3]": 21725.0,
        "Initial temperature [K]": 298.15,
    }
