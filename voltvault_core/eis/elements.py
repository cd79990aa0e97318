"""Equivalent-circuit elements, each registered with its parameters, units, bounds and formula.

Every element is a function ``impedance(p, frequency_Hz) -> complex ndarray`` over a parameter vector
``p``; ``omega = 2 pi f`` [rad/s] and ``j`` the imaginary unit. Register a new one with
:func:`register_element`; the circuit parser (:mod:`voltvault_core.eis.circuit`) finds it by symbol.

References
----------
- Lasia, A. *Electrochemical Impedance Spectroscopy and its Applications*, Springer (2014),
  doi:10.1007/978-1-4614-8933-7 (R, C, L, CPE, Warburg, Gerischer, transmission lines).
- Havriliak, S., Negami, S. *Polymer* 8 (1967) 161, doi:10.1016/0032-3861(67)90021-3.
- de Levie, R. *Electrochim. Acta* 8 (1963) 751, doi:10.1016/0013-4686(63)80042-0 (porous electrode TLM).
- Bisquert, J. *Phys. Chem. Chem. Phys.* 2 (2000) 4185, doi:10.1039/B001708F (finite-length diffusion).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["ELEMENTS", "ElementSpec", "ParameterSpec", "register_element"]

ElementFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ParameterSpec:
    """One element parameter.

    Parameters
    ----------
    name : str
        Short name (``"R"``, ``"Q"``, ``"alpha"``...).
    unit : str
        SI unit as text (``"Ohm"``, ``"F"``, ``"Ohm^-1 s^a"``, ``"s"``, ``""``).
    lower, upper : float
        Default fitting bounds.
    kind : str
        ``"scale"`` (positive, spans decades: fitted on a log scale), ``"exponent"`` (bounded, linear).
    description : str
        Meaning, for tables and tooltips.
    """

    name: str
    unit: str
    lower: float = 0.0
    upper: float = np.inf
    kind: str = "scale"
    description: str = ""


@dataclass(frozen=True)
class ElementSpec:
    """A registered circuit element (see :func:`register_element`)."""

    symbol: str
    title: str
    parameters: tuple[ParameterSpec, ...]
    impedance: ElementFunction
    formula: str

    @property
    def n_parameters(self) -> int:
        """Number of parameters."""
        return len(self.parameters)


ELEMENTS: dict[str, ElementSpec] = {}


def register_element(
    symbol: str, title: str, parameters: list[ParameterSpec], formula: str
) -> Callable[[ElementFunction], ElementFunction]:
    """Decorator registering ``impedance(p, frequency_Hz)`` as circuit element ``symbol``.

    Parameters
    ----------
    symbol : str
        Letters naming the element in circuit strings (``"CPE"`` for ``CPE1``).
    title : str
        Human-readable name.
    parameters : list of ParameterSpec
        In the order of the ``p`` vector.
    formula : str
        LaTeX formula shown in the page.
    """

    if not symbol.isalpha() or symbol.startswith("p"):
        raise ValueError(f"element symbol {symbol!r} must be letters and must not start with 'p'")

    def decorator(func: ElementFunction) -> ElementFunction:
        if symbol in ELEMENTS:
            raise ValueError(f"circuit element {symbol!r} is registered twice")
        ELEMENTS[symbol] = ElementSpec(symbol, title, tuple(parameters), func, formula)
        return func

    return decorator


def _omega(frequency_Hz: np.ndarray) -> np.ndarray:
    return 2.0 * np.pi * np.asarray(frequency_Hz, dtype=float)


_ALPHA = ParameterSpec("alpha", "", 0.0, 1.0, "exponent", "CPE exponent (1: ideal capacitor)")


@register_element("R", "Resistor", [ParameterSpec("R", "Ohm", description="resistance")], r"Z = R")
def resistor(p: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
    r"""Resistor, :math:`Z = R` [ohm]."""
    return np.zeros(np.shape(frequency_Hz), dtype=complex) + p[0]  # broadcasts over a batch of p


@register_element(
    "C", "Capacitor", [ParameterSpec("C", "F", description="capacitance")], r"Z = \frac{1}{j\omega C}"
)
def capacitor(p: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
    r"""Ideal capacitor, :math:`Z = 1/(j \omega C)`, C [F]."""
    return 1.0 / (1j * _omega(frequency_Hz) * p[0])


@register_element("L", "Inductor", [ParameterSpec("L", "H", description="inductance")], r"Z = j\omega L")
def inductor(p: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
    r"""Inductor, :math:`Z = j \omega L`, L [H] (cables and cell windings at high frequency)."""
    return 1j * _omega(frequency_Hz) * p[0]


@register_element(
    "CPE",
    "Constant-phase element",
    [ParameterSpec("Q", "Ohm^-1 s^a", description="CPE coefficient"), _ALPHA],
    r"Z = \frac{1}{Q (j\omega)^\alpha}",
)
def constant_phase_element(p: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
    r"""Constant-phase element, :math:`Z = 1/(Q (j\omega)^\alpha)`, Q [Ohm^-1 s^alpha], 0 < alpha <= 1."""
    return 1.0 / (p[0] * (1j * _omega(frequency_Hz)) ** p[1])


@register_element(
    "W",
    "Warburg, semi-infinite",
    [ParameterSpec("sigma", "Ohm s^-1/2", description="Warburg coefficient")],
    r"Z = \frac{\sigma (1 - j)}{\sqrt{\omega}}",
)
def warburg_semi_infinite(p: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
    r"""Semi-infinite Warburg diffusion, :math:`Z = \sigma (1-j)/\sqrt{\omega}`, sigma [Ohm s^-1/2]."""
    return p[0] * (1.0 - 1j) / np.sqrt(_omega(frequency_Hz))


_Z0 = ParameterSpec("R", "Ohm", description="diffusion resistance")
_TAU = ParameterSpec("tau", "s", description="diffusion time constant L^2/D")


@register_element(
    "Wo",
    "Warburg, finite-length reflective (open, blocking boundary)",
    [_Z0, _TAU],
    r"Z = R \frac{\coth\sqrt{j\omega\tau}}{\sqrt{j\omega\tau}}",
)
def warburg_reflective(p: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
    r"""Finite-space (reflective) Warburg, :math:`Z = R \coth(\sqrt{j\omega\tau})/\sqrt{j\omega\tau}`.

    Diffusion into a layer of thickness L with a blocking back boundary (an intercalation particle):
    ``tau = L^2/D`` [s]; at low frequency it becomes a capacitor in series with ``R/3``.
    """
    s = np.sqrt(1j * _omega(frequency_Hz) * p[1])
    return p[0] / (s * np.tanh(s))


@register_element(
    "Ws",
    "Warburg, finite-length transmissive (short, absorbing boundary)",
    [_Z0, _TAU],
    r"Z = R \frac{\tanh\sqrt{j\omega\tau}}{\sqrt{j\omega\tau}}",
)
def warburg_transmissive(p: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
    r"""Finite-length (transmissive) Warburg, :math:`Z = R \tanh(\sqrt{j\omega\tau})/\sqrt{j\omega\tau}`.

    Diffusion through a layer with a fixed concentration behind it; tends to ``R`` at DC.
    """
    s = np.sqrt(1j * _omega(frequency_Hz) * p[1])
    return p[0] * np.tanh(s) / s


@register_element(
    "G",
    "Gerischer",
    [
        ParameterSpec("R", "Ohm", description="DC resistance"),
        ParameterSpec("tau", "s", description="time constant"),
    ],
    r"Z = \frac{R}{\sqrt{1 + j\omega\tau}}",
)
def gerischer(p: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
    r"""Gerischer element (diffusion coupled to a chemical reaction), :math:`Z = R/\sqrt{1 + j\omega\tau}`."""
    return p[0] / np.sqrt(1.0 + 1j * _omega(frequency_Hz) * p[1])


@register_element(
    "HN",
    "Havriliak–Negami relaxation",
    [
        ParameterSpec("R", "Ohm", description="relaxation strength (DC resistance)"),
        ParameterSpec("tau", "s", description="relaxation time"),
        ParameterSpec("alpha", "", 0.0, 1.0, "exponent", "width (symmetric broadening)"),
        ParameterSpec("beta", "", 0.0, 1.0, "exponent", "asymmetry"),
    ],
    r"Z = \frac{R}{\left(1 + (j\omega\tau)^\alpha\right)^\beta}",
)
def havriliak_negami(p: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
    r"""Havriliak–Negami element, :math:`Z = R/(1 + (j\omega\tau)^\alpha)^\beta`.

    alpha = beta = 1 is an RC (Debye) arc, beta = 1 a ZARC (Cole–Cole), alpha = 1 Cole–Davidson.
    """
    return p[0] / (1.0 + (1j * _omega(frequency_Hz) * p[1]) ** p[2]) ** p[3]


@register_element(
    "Zarc",
    "ZARC (R parallel to CPE, in time-constant form)",
    [
        ParameterSpec("R", "Ohm", description="arc resistance"),
        ParameterSpec("tau", "s", description="apex time constant 1/(2 pi f_apex)"),
        ParameterSpec("alpha", "", 0.0, 1.0, "exponent", "depression exponent"),
    ],
    r"Z = \frac{R}{1 + (j\omega\tau)^\alpha}",
)
def zarc(p: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
    r"""ZARC, :math:`Z = R/(1 + (j\omega\tau)^\alpha)` (identical to ``p(R,CPE)`` with ``Q = tau^alpha/R``)."""
    return p[0] / (1.0 + (1j * _omega(frequency_Hz) * p[1]) ** p[2])


@register_element(
    "TLM",
    "Transmission line (porous electrode, de Levie), interface R_ct || CPE",
    [
        ParameterSpec(
            "R_ion", "Ohm", description="ionic resistance of the pore electrolyte over the thickness"
        ),
        ParameterSpec("R_ct", "Ohm", description="charge-transfer resistance of the whole electrode"),
        ParameterSpec("Q", "Ohm^-1 s^a", description="double-layer CPE coefficient of the whole electrode"),
        ParameterSpec("alpha", "", 0.0, 1.0, "exponent", "double-layer CPE exponent"),
    ],
    r"Z = \sqrt{R_{ion} Z_i}\,\coth\sqrt{R_{ion}/Z_i},\quad Z_i = \frac{R_{ct}}{1 + R_{ct} Q (j\omega)^\alpha}",
)
def transmission_line(p: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
    r"""De Levie transmission line with a reflective back contact.

    .. math:: Z = \sqrt{R_{ion} Z_i} \coth\sqrt{R_{ion}/Z_i}, \qquad
              Z_i = \frac{R_{ct}}{1 + R_{ct} Q (j\omega)^\alpha}

    R_ion and R_ct [ohm] and Q [Ohm^-1 s^alpha] are totals for the electrode; at DC
    ``Z = sqrt(R_ion R_ct) coth(sqrt(R_ion/R_ct))`` (``≈ R_ct + R_ion/3`` when ``R_ion << R_ct``), at high
    frequency the 45° line of the pores.
    """
    r_ion, r_ct, q, alpha = p
    z_i = r_ct / (1.0 + r_ct * q * (1j * _omega(frequency_Hz)) ** alpha)
    ratio = np.sqrt(r_ion / z_i)
    return np.sqrt(r_ion * z_i) / np.tanh(ratio)
