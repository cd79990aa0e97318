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

from solvers.parameters import chen2020, ecker2015, marquis2019, mohtat2020, nca_kim2011, okane2022, prada2013
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


def _register(kind: str, reference: str, valid_range: tuple[float, float] = (0.0, 1.0), name: str | None = None):
    """Register ``fn`` under ``name`` (default: its own name, which the data files use)."""

    def decorate(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        key = name or fn.__name__
        FUNCTIONS[key] = MaterialFunction(key, kind, fn, reference, valid_range)
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


@_register("electrolyte_conductivity", "Mohtat2020", (0.0, 2000.0))
def electrolyte_conductivity_Mohtat2020(c_e, T=T_REF_K):
    """Conductivity [S.m-1] of Mohtat et al. (2020): 1.3 S/m at 25 °C, Arrhenius with E = 34700 J/mol."""
    return 1.3 * _arrhenius(34700.0, T) + 0.0 * np.asarray(c_e, dtype=float)


@_register("electrolyte_diffusivity", "Mohtat2020", (0.0, 2000.0))
def electrolyte_diffusivity_Mohtat2020(c_e, T=T_REF_K):
    """Salt diffusivity [m2.s-1] of Mohtat et al. (2020): 5.35e-10 m2/s, Arrhenius with E = 37040 J/mol."""
    return 5.35e-10 * _arrhenius(37040.0, T) + 0.0 * np.asarray(c_e, dtype=float)


@_register("electrolyte_diffusivity", "Prada2013", (0.0, 2500.0))
def electrolyte_diffusivity_Prada2013(c_e, T=T_REF_K):
    """Salt diffusivity [m2.s-1] of Prada et al. (2013): constant 2e-10 m2/s."""
    return 2e-10 + 0.0 * np.asarray(c_e, dtype=float) * np.asarray(T, dtype=float)


# --------------------------------------------------------------------------------------------------
# Published functions the solvers' parameter sets already define: registered from there, one copy of
# each equation (their docstrings carry the DOIs).
# --------------------------------------------------------------------------------------------------

_register("ocp", "Chen2020", name="graphite_LGM50_ocp_Chen2020")(chen2020.graphite_LGM50_ocp_Chen2020)
_register("ocp", "Chen2020", name="nmc_LGM50_ocp_Chen2020")(chen2020.nmc_LGM50_ocp_Chen2020)
_register("ocp", "Marquis2019", name="graphite_mcmb2528_ocp_Dualfoil1998")(marquis2019.graphite_mcmb2528_ocp_Dualfoil1998)
_register("ocp", "Marquis2019", name="lico2_ocp_Dualfoil1998")(marquis2019.lico2_ocp_Dualfoil1998)
_register("ocp", "Mohtat2020", name="graphite_ocp_Mohtat2020")(mohtat2020.graphite_ocp_Mohtat2020)
_register("ocp", "Mohtat2020", name="nmc532_ocp_Mohtat2020")(mohtat2020.nmc_ocp_Mohtat2020)
_register("ocp", "Kim2011", name="graphite_ocp_Kim2011")(nca_kim2011.graphite_ocp_Kim2011)
_register("ocp", "Kim2011", name="nca_ocp_Kim2011")(nca_kim2011.nca_ocp_Kim2011)
_register("ocp", "Afshar2017", name="lfp_ocp_Afshar2017")(prada2013.lfp_ocp_Afshar2017)
_register("electrolyte_conductivity", "Nyman2008", (0.0, 2000.0), name="electrolyte_conductivity_Nyman2008")(chen2020.electrolyte_conductivity_Nyman2008)
_register("electrolyte_diffusivity", "Nyman2008", (0.0, 2000.0), name="electrolyte_diffusivity_Nyman2008")(chen2020.electrolyte_diffusivity_Nyman2008)
_register("electrolyte_conductivity", "Marquis2019", (0.0, 2000.0), name="electrolyte_conductivity_Capiglia1999")(marquis2019.electrolyte_conductivity_Capiglia1999)
_register("electrolyte_diffusivity", "Marquis2019", (0.0, 2000.0), name="electrolyte_diffusivity_Capiglia1999")(marquis2019.electrolyte_diffusivity_Capiglia1999)
_register("electrolyte_conductivity", "Kim2011", (0.0, 2500.0), name="electrolyte_conductivity_Kim2011")(nca_kim2011.electrolyte_conductivity_Kim2011)
_register("electrolyte_diffusivity", "Kim2011", (0.0, 2500.0), name="electrolyte_diffusivity_Kim2011")(nca_kim2011.electrolyte_diffusivity_Kim2011)
_register("electrolyte_conductivity", "Prada2013", (0.0, 2500.0), name="electrolyte_conductivity_Prada2013")(prada2013.electrolyte_conductivity_Prada2013)
_register("ocp", "Ecker2015", name="nco_ocp_Ecker2015")(ecker2015.nco_ocp_Ecker2015)
_register("ocp", "Ecker2015", name="graphite_ocp_Ecker2015")(ecker2015.graphite_ocp_Ecker2015)
_register("electrolyte_conductivity", "Ecker2015", (0.0, 2000.0), name="electrolyte_conductivity_Ecker2015")(ecker2015.electrolyte_conductivity_Ecker2015)
_register("electrolyte_diffusivity", "Ecker2015", (0.0, 2000.0), name="electrolyte_diffusivity_Ecker2015")(ecker2015.electrolyte_diffusivity_Ecker2015)
_register("ocp", "OKane2022", name="graphite_LGM50_ocp_OKane2022")(okane2022.graphite_LGM50_ocp_OKane2022)
