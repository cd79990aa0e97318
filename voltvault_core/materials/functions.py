"""Published material functions: open-circuit potentials and electrolyte transport laws.

The material data files (``data/materials/*.json``) name these functions instead of carrying code;
:data:`FUNCTIONS` is the registry that resolves a name. Each function is the published equation,
written out here with its source; the names follow PyBaMM's ``<material>_<property>_<Author><Year>``
convention so that a design exported as a parameter set can be cross-checked there.

Conventions
-----------
- ``ocp`` functions take the stoichiometry ``sto`` (0..1, lithium fraction of the host) and return the
  potential against Li/Li+ [V].
- ``electrolyte_conductivity`` / ``electrolyte_diffusivity`` functions take the salt concentration
  ``c_e`` [mol.m-3] and temperature ``T`` [K] and return [S.m-1] / [m2.s-1].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voltvault_core.constants import T_REF_K, R


@dataclass(frozen=True)
class MaterialFunction:
    """A registered published function.

    Attributes
    ----------
    name : str
        Registry key, ``<material>_<property>_<Author><Year>``.
    kind : str
        ``"ocp"``, ``"electrolyte_conductivity"`` or ``"electrolyte_diffusivity"``.
    function : callable
        ``f(sto)`` for OCPs, ``f(c_e, T)`` for electrolyte laws.
    reference : str
        Key of the reference in ``data/materials/references.json``.
    valid_range : tuple of float
        Range of the first argument over which the fit was published.
    """

    name: str
    kind: str
    function: Callable[..., np.ndarray]
    reference: str
    valid_range: tuple[float, float]


FUNCTIONS: dict[str, MaterialFunction] = {}


def _register(kind: str, reference: str, valid_range: tuple[float, float] = (0.0, 1.0)):
    def decorate(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        FUNCTIONS[fn.__name__] = MaterialFunction(fn.__name__, kind, fn, reference, valid_range)
        return fn

    return decorate


def get_function(name: str) -> MaterialFunction:
    """Look a published function up by name, suggesting close names when it is unknown."""
    try:
        return FUNCTIONS[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, FUNCTIONS, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"no published material function named {name!r}{hint}") from None


def _arrhenius(activation_energy_J_mol: float, T: np.ndarray | float) -> np.ndarray:
    """Arrhenius factor relative to the reference temperature, ``exp(E/R (1/T_ref - 1/T))``."""
    return np.exp(activation_energy_J_mol / R * (1.0 / T_REF_K - 1.0 / np.asarray(T, dtype=float)))


# --------------------------------------------------------------------------------------------------
# Open-circuit potentials
# --------------------------------------------------------------------------------------------------


@_register("ocp", "Chen2020")
def graphite_LGM50_ocp_Chen2020(sto):
    r"""Graphite (LG M50 negative electrode) OCP [V], fit of Chen et al. (2020), doi:10.1149/1945-7111/ab9050.

    .. math:: U = 1.9793 e^{-39.3631 x} + 0.2482 - 0.0909 \tanh(29.8538 (x - 0.1234))
              - 0.04478 \tanh(14.9159 (x - 0.2769)) - 0.0205 \tanh(30.4444 (x - 0.6103))
    """
    x = np.asarray(sto, dtype=float)
    return (
        1.9793 * np.exp(-39.3631 * x)
        + 0.2482
        - 0.0909 * np.tanh(29.8538 * (x - 0.1234))
        - 0.04478 * np.tanh(14.9159 * (x - 0.2769))
        - 0.0205 * np.tanh(30.4444 * (x - 0.6103))
    )


@_register("ocp", "Chen2020")
def nmc_LGM50_ocp_Chen2020(sto):
    r"""NMC811 (LG M50 positive electrode) OCP [V], fit of Chen et al. (2020), doi:10.1149/1945-7111/ab9050.

    .. math:: U = -0.8090 y + 4.4875 - 0.0428 \tanh(18.5138 (y - 0.5542))
              - 17.7326 \tanh(15.7890 (y - 0.3117)) + 17.5842 \tanh(15.9308 (y - 0.3120))
    """
    y = np.asarray(sto, dtype=float)
    return (
        -0.8090 * y
        + 4.4875
        - 0.0428 * np.tanh(18.5138 * (y - 0.5542))
        - 17.7326 * np.tanh(15.7890 * (y - 0.3117))
        + 17.5842 * np.tanh(15.9308 * (y - 0.3120))
    )


@_register("ocp", "Marquis2019")
def graphite_mcmb2528_ocp_Dualfoil1998(sto):
    """MCMB 2528 graphite OCP [V], the Dualfoil fit used by Marquis et al. (2019), doi:10.1149/2.0341915jes."""
    x = np.asarray(sto, dtype=float)
    return (
        0.194
        + 1.5 * np.exp(-120.0 * x)
        + 0.0351 * np.tanh((x - 0.286) / 0.083)
        - 0.0045 * np.tanh((x - 0.849) / 0.119)
        - 0.035 * np.tanh((x - 0.9233) / 0.05)
        - 0.0147 * np.tanh((x - 0.5) / 0.034)
        - 0.102 * np.tanh((x - 0.194) / 0.142)
        - 0.022 * np.tanh((x - 0.9) / 0.0164)
        - 0.011 * np.tanh((x - 0.124) / 0.0226)
        + 0.0155 * np.tanh((x - 0.105) / 0.029)
    )


@_register("ocp", "Marquis2019")
def lico2_ocp_Dualfoil1998(sto):
    """LiCoO2 OCP [V], the Dualfoil fit (stoichiometry stretched by 1.062) used by Marquis et al. (2019).

    doi:10.1149/2.0341915jes
    """
    y = 1.062 * np.asarray(sto, dtype=float)
    return (
        2.16216
        + 0.07645 * np.tanh(30.834 - 54.4806 * y)
        + 2.1581 * np.tanh(52.294 - 50.294 * y)
        - 0.14169 * np.tanh(11.0923 - 19.8543 * y)
        + 0.2051 * np.tanh(1.4684 - 5.4888 * y)
        + 0.2531 * np.tanh((-y + 0.56478) / 0.1316)
        - 0.02167 * np.tanh((y - 0.525) / 0.006)
    )


@_register("ocp", "Mohtat2020")
def graphite_ocp_Mohtat2020(sto):
    """Graphite OCP [V] of the NMC532/graphite pouch cell of Mohtat et al. (2020), doi:10.1149/1945-7111/aba5d1."""
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


@_register("ocp", "Mohtat2020")
def nmc532_ocp_Mohtat2020(sto):
    """NMC532 OCP [V] of Mohtat et al. (2020), doi:10.1149/1945-7111/aba5d1 (quintic + exponential fit)."""
    y = np.asarray(sto, dtype=float)
    return (
        4.3452
        - 1.6518 * y
        + 1.6225 * y**2
        - 2.0843 * y**3
        + 3.5146 * y**4
        - 2.2166 * y**5
        - 0.5623e-4 * np.exp(109.451 * y - 100.006)
    )


@_register("ocp", "Kim2011")
def graphite_ocp_Kim2011(sto):
    """Graphite OCP [V] of Kim et al. (2011), doi:10.1149/1.3597614."""
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


@_register("ocp", "Kim2011")
def nca_ocp_Kim2011(sto):
    """NCA (LiNi0.8Co0.15Al0.05O2) OCP [V] of Kim et al. (2011), doi:10.1149/1.3597614 (10th-order fit)."""
    y = np.asarray(sto, dtype=float)
    return (
        1.638 * y**10
        - 2.222 * y**9
        + 15.056 * y**8
        - 23.488 * y**7
        + 81.246 * y**6
        - 344.566 * y**5
        + 621.3475 * y**4
        - 554.774 * y**3
        + 264.427 * y**2
        - 66.3691 * y
        + 11.8058
        - 0.61386 * np.exp(5.8201 * y**136.4)
    )


@_register("ocp", "Afshar2017")
def lfp_ocp_Afshar2017(sto):
    """LiFePO4 OCP [V] of Afshar, Morris & Khajepour (2017), arXiv:1709.03970 (used by PyBaMM's Prada2013).

    .. math:: U = 3.4077 - 0.020269 y + 0.5 e^{-150 y} - 0.9 e^{-30 (1 - y)}
    """
    y = np.asarray(sto, dtype=float)
    return 3.4077 - 0.020269 * y + 0.5 * np.exp(-150.0 * y) - 0.9 * np.exp(-30.0 * (1.0 - y))


@_register("ocp", "Doyle1996")
def lmo_ocp_Doyle1996(sto):
    r"""LiMn2O4 (spinel) OCP [V] of Doyle et al. (1996), doi:10.1149/1.1836921.

    .. math:: U = 4.19829 + 0.0565661 \tanh(-14.5546 y + 8.60942)
              - 0.0275479 \left[(0.998432 - y)^{-0.492465} - 1.90111\right]
              - 0.157123 e^{-0.04738 y^8} + 0.810239 e^{-40 (y - 0.133875)}
    """
    y = np.clip(np.asarray(sto, dtype=float), 0.0, 0.998)
    return (
        4.19829
        + 0.0565661 * np.tanh(-14.5546 * y + 8.60942)
        - 0.0275479 * ((0.998432 - y) ** -0.492465 - 1.90111)
        - 0.157123 * np.exp(-0.04738 * y**8)
        + 0.810239 * np.exp(-40.0 * (y - 0.133875))
    )


@_register("ocp", "Ai2022")
def silicon_ocp_delithiation_Ai2022(sto):
    """Silicon delithiation-branch OCP [V] (7th-order fit) of the Si/graphite composite of Ai et al. (2022).

    doi:10.1016/j.jpowsour.2022.231142 (PyBaMM ``Chen2020_composite``). The delithiation branch is the
    one a discharge follows; the lithiation branch lies lower (hysteresis).
    """
    x = np.asarray(sto, dtype=float)
    coefficients = (-51.02, 161.3, -205.7, 140.2, -58.76, 16.87, -3.792, 0.9937)
    return np.polyval(coefficients, x)


@_register("ocp", "AboutEnergy2023")
def graphite_ocp_AboutEnergy2023(sto):
    """Graphite OCP [V] of the About:Energy 12.5 Ah NMC111|graphite BPX parameterisation (2023)."""
    x = np.asarray(sto, dtype=float)
    p = (
        9.47057878e-01, 1.59418743e02, -3.50928033e04, 1.64230269e-01, -4.55509094e01, 3.24116012e-02,
        3.69968491e-02, -1.96718868e01, 1.68334476e-01, 1.91517003e04, 3.19648312e00, 1.85139824e00,
        5.42448511e04, -3.19009848e00, 2.01660395e00,
    )  # fmt: skip
    return (
        p[0] * np.exp(-p[1] * x)
        + p[2]
        + p[3] * np.tanh(p[4] * (x - p[5]))
        + p[6] * np.tanh(p[7] * (x - p[8]))
        + p[9] * np.tanh(p[10] * (x - p[11]))
        + p[12] * np.tanh(p[13] * (x - p[14]))
    )


@_register("ocp", "AboutEnergy2023")
def nmc111_ocp_AboutEnergy2023(sto):
    """NMC111 OCP [V] of the About:Energy 12.5 Ah NMC111|graphite BPX parameterisation (2023)."""
    y = np.asarray(sto, dtype=float)
    p = (
        -3.04420906, 10.04892207, -0.65637536, -4.02134095, 0.80063948, 4.24678547, 12.17805062,
        7.57659337, -0.3757068, 59.33067782, 0.99784492,
    )  # fmt: skip
    return (
        p[0] * y
        + p[1]
        + p[2] * np.tanh(p[3] * (y - p[4]))
        + p[5] * np.tanh(p[6] * (y - p[7]))
        + p[8] * np.tanh(p[9] * (y - p[10]))
    )


def _redlich_kister_ocp(x, g0_J_mol, omegas_J_mol, gap=None, mu_coexistence_J_mol=None, T_fit_K=300.0):
    r"""OCP [V] of a Redlich-Kister solid solution, :math:`U = -\mu / F` with

    .. math:: \mu = G_0 + R T \ln\frac{x}{1-x}
              + \sum_i \Omega_i \left[(1-2x)^{i+1} - 2 i x (1-x) (1-2x)^{i-1}\right]

    and :math:`\mu = \mu_{coex}` inside a miscibility gap ``(x_alpha, x_beta)`` (two-phase plateau).
    Yao & Viswanathan (2024), doi:10.1021/acs.jpclett.3c03129; R = 8.314 and F = 96485 as in the fit.
    """
    eps = 1e-7
    x = np.asarray(x, dtype=float)
    mu = g0_J_mol + 8.314 * T_fit_K * np.log((x + eps) / (1.0 - x + eps))
    for i, omega in enumerate(omegas_J_mol):
        term = (1.0 - 2.0 * x) ** (i + 1)
        if i > 0:  # the i = 0 term has no second part (and (1-2x)^-1 would be singular at x = 1/2)
            term = term - 2.0 * i * x * (1.0 - x) * (1.0 - 2.0 * x) ** (i - 1)
        mu = mu + omega * term
    if gap is not None:
        inside = (x >= gap[0]) & (x <= gap[1])
        mu = np.where(inside, mu_coexistence_J_mol, mu)
    return -mu / 96485.0


@_register("ocp", "Yao2024")
def lto_ocp_Yao2024(sto):
    """Li4Ti5O12 OCP [V]: thermodynamically consistent Redlich-Kister fit of Yao & Viswanathan (2024).

    doi:10.1021/acs.jpclett.3c03129. Two-phase plateau (1.61 V) between x = 0.1186 and 0.8482.
    """
    return _redlich_kister_ocp(
        sto,
        -155432.9219,
        (14025.5664, 15593.5771, -100475.7578, -26389.4648),
        gap=(0.1186100244522095, 0.8482373952865601),
        mu_coexistence_J_mol=-155770.73438,
    )


@_register("ocp", "Nitta2015")
def lithium_metal_ocp(sto):
    """Lithium metal against itself: 0 V at every state of charge (the reference electrode)."""
    return np.zeros_like(np.asarray(sto, dtype=float))


# --------------------------------------------------------------------------------------------------
# Electrolyte transport
# --------------------------------------------------------------------------------------------------


@_register("electrolyte_conductivity", "Nyman2008", (0.0, 2000.0))
def electrolyte_conductivity_Nyman2008(c_e, T=T_REF_K):
    r"""Conductivity [S.m-1] of LiPF6 in EC:EMC (3:7), Nyman et al. (2008), doi:10.1016/j.electacta.2008.04.023.

    .. math:: \kappa = 0.1297 c^3 - 2.51 c^{1.5} + 3.329 c,\quad c = c_e / 1000
    No temperature dependence was published.
    """
    c = np.asarray(c_e, dtype=float) / 1000.0
    return 0.1297 * c**3 - 2.51 * c**1.5 + 3.329 * c + 0.0 * np.asarray(T, dtype=float)


@_register("electrolyte_diffusivity", "Nyman2008", (0.0, 2000.0))
def electrolyte_diffusivity_Nyman2008(c_e, T=T_REF_K):
    r"""Salt diffusivity [m2.s-1] of LiPF6 in EC:EMC (3:7), Nyman et al. (2008).

    .. math:: D = 8.794\times10^{-11} c^2 - 3.972\times10^{-10} c + 4.862\times10^{-10},\quad c = c_e/1000
    """
    c = np.asarray(c_e, dtype=float) / 1000.0
    return 8.794e-11 * c**2 - 3.972e-10 * c + 4.862e-10 + 0.0 * np.asarray(T, dtype=float)


@_register("electrolyte_conductivity", "Marquis2019", (0.0, 2000.0))
def electrolyte_conductivity_Capiglia1999(c_e, T=T_REF_K):
    r"""Conductivity [S.m-1] of LiPF6 in EC:DMC, Capiglia et al. (1999) data, Dualfoil fit (Marquis2019).

    .. math:: \kappa = (0.0911 + 1.9101 c - 1.052 c^2 + 0.1554 c^3)\,
              e^{E/R (1/T_{ref} - 1/T)},\quad E = 34700\ \mathrm{J\,mol^{-1}}
    """
    c = np.asarray(c_e, dtype=float) / 1000.0
    return (0.0911 + 1.9101 * c - 1.052 * c**2 + 0.1554 * c**3) * _arrhenius(34700.0, T)


@_register("electrolyte_diffusivity", "Marquis2019", (0.0, 2000.0))
def electrolyte_diffusivity_Capiglia1999(c_e, T=T_REF_K):
    r"""Salt diffusivity [m2.s-1] of LiPF6 in EC:DMC, Capiglia et al. (1999), Dualfoil fit (Marquis2019).

    .. math:: D = 5.34\times10^{-10} e^{-0.65 c}\, e^{E/R (1/T_{ref} - 1/T)},\quad E = 37040\ \mathrm{J\,mol^{-1}}
    """
    c = np.asarray(c_e, dtype=float) / 1000.0
    return 5.34e-10 * np.exp(-0.65 * c) * _arrhenius(37040.0, T)


@_register("electrolyte_conductivity", "Kim2011", (0.0, 2500.0))
def electrolyte_conductivity_Kim2011(c_e, T=T_REF_K):
    """Conductivity [S.m-1] of the LiPF6 carbonate electrolyte of Kim et al. (2011), doi:10.1149/1.3597614."""
    c = np.asarray(c_e, dtype=float) / 1000.0
    T = np.asarray(T, dtype=float)
    return (
        3.45 * np.exp(-798.0 / T) * c**3 - 48.5 * np.exp(-1080.0 / T) * c**2 + 244.0 * np.exp(-1440.0 / T) * c
    )


@_register("electrolyte_diffusivity", "Kim2011", (0.0, 2500.0))
def electrolyte_diffusivity_Kim2011(c_e, T=T_REF_K):
    """Salt diffusivity [m2.s-1] of the LiPF6 carbonate electrolyte of Kim et al. (2011)."""
    c = np.asarray(c_e, dtype=float) / 1000.0
    T = np.asarray(T, dtype=float)
    return (
        5.84e-7 * np.exp(-2870.0 / T) * c**2
        - 33.9e-7 * np.exp(-2920.0 / T) * c
        + 129e-7 * np.exp(-3200.0 / T)
    )


@_register("electrolyte_conductivity", "Mohtat2020", (0.0, 2000.0))
def electrolyte_conductivity_Mohtat2020(c_e, T=T_REF_K):
    """Conductivity [S.m-1] of Mohtat et al. (2020): 1.3 S/m at 25 °C, Arrhenius with E = 34700 J/mol."""
    return 1.3 * _arrhenius(34700.0, T) + 0.0 * np.asarray(c_e, dtype=float)


@_register("electrolyte_diffusivity", "Mohtat2020", (0.0, 2000.0))
def electrolyte_diffusivity_Mohtat2020(c_e, T=T_REF_K):
    """Salt diffusivity [m2.s-1] of Mohtat et al. (2020): 5.35e-10 m2/s, Arrhenius with E = 37040 J/mol."""
    return 5.35e-10 * _arrhenius(37040.0, T) + 0.0 * np.asarray(c_e, dtype=float)


@_register("electrolyte_conductivity", "Prada2013", (0.0, 2500.0))
def electrolyte_conductivity_Prada2013(c_e, T=T_REF_K):
    r"""Conductivity [S.m-1] of the LiPF6 electrolyte of Prada et al. (2013), doi:10.1149/2.053304jes.

    .. math:: \kappa = 10^3 (4.1253\times10^{-4} + 5.007 c - 4721.2 c^2 + 1.5094\times10^{6} c^3
              - 1.6018\times10^{8} c^4),\quad c = c_e / 10^6\ [\mathrm{mol\,cm^{-3}}]
    """
    c = np.asarray(c_e, dtype=float) / 1e6
    return (
        4.1253e-4 + 5.007 * c - 4721.2 * c**2 + 1.5094e6 * c**3 - 1.6018e8 * c**4
    ) * 1e3 + 0.0 * np.asarray(T, dtype=float)


@_register("electrolyte_diffusivity", "Prada2013", (0.0, 2500.0))
def electrolyte_diffusivity_Prada2013(c_e, T=T_REF_K):
    """Salt diffusivity [m2.s-1] of Prada et al. (2013): constant 2e-10 m2/s."""
    return 2e-10 + 0.0 * np.asarray(c_e, dtype=float) * np.asarray(T, dtype=float)


# --------------------------------------------------------------------------------------------------
# Fits already implemented by the solvers' parameter sets (one implementation, referenced here)
# --------------------------------------------------------------------------------------------------


@_register("ocp", "Ecker2015")
def nco_ocp_Ecker2015(sto):
    """NCO OCP [V] of Ecker et al. (2015), doi:10.1149/2.0551509jes (via :mod:`solvers.parameters.ecker2015`)."""
    from solvers.parameters.ecker2015 import nco_ocp_Ecker2015 as fit

    return fit(sto)


@_register("ocp", "Ecker2015")
def graphite_ocp_Ecker2015(sto):
    """Graphite OCP [V] of Ecker et al. (2015), doi:10.1149/2.0551509jes (via the solvers' Ecker2015 set)."""
    from solvers.parameters.ecker2015 import graphite_ocp_Ecker2015 as fit

    return fit(sto)


@_register("electrolyte_conductivity", "Ecker2015", (0.0, 2000.0))
def electrolyte_conductivity_Ecker2015(c_e, T=T_REF_K):
    """Conductivity [S.m-1] of LiPF6 in EC:DMC of Ecker et al. (2015) (via the solvers' Ecker2015 set)."""
    from solvers.parameters.ecker2015 import electrolyte_conductivity_Ecker2015 as fit

    return fit(c_e, T)


@_register("electrolyte_diffusivity", "Ecker2015", (0.0, 2000.0))
def electrolyte_diffusivity_Ecker2015(c_e, T=T_REF_K):
    """Salt diffusivity [m2.s-1] of Ecker et al. (2015), Nernst-Einstein from the conductivity."""
    from solvers.parameters.ecker2015 import electrolyte_diffusivity_Ecker2015 as fit

    return fit(c_e, T)


@_register("ocp", "OKane2022")
def graphite_LGM50_ocp_OKane2022(sto):
    """LG M50 graphite OCP [V]: measured curve of Chen et al. (2020) as used by O'Kane et al. (2022).

    doi:10.1039/D2CP00417H (cubic spline of the data, via the solvers' OKane2022 set).
    """
    from solvers.parameters.okane2022 import graphite_LGM50_ocp_OKane2022 as fit

    return fit(sto)
