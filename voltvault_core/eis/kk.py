"""Linear Kramers–Kronig validity test (Schönleber et al. 2014).

A spectrum obeys the Kramers–Kronig relations (linear, causal, stable, time-invariant system) when a
series of Voigt elements with fixed time constants fits it. The test fits, by weighted *linear* least
squares,

.. math:: Z_{KK}(\\omega) = R_0 + j\\omega L + \\frac{1}{j\\omega C}
          + \\sum_{k=1}^{M} \\frac{R_k}{1 + j\\omega\\tau_k},
          \\qquad \\tau_k \\text{ log-spaced from } 1/\\omega_{max} \\text{ to } 1/\\omega_{min}

(``L`` and ``C`` optional) with weights ``1/|Z|``, and raises ``M`` from one element per decade until the over-fit measure
``mu = 1 - sum_{R_k<0}|R_k| / sum_{R_k>=0} R_k`` falls below ``mu_criterion`` (0.85). The relative
residuals ``(Z - Z_KK)/|Z|`` of valid data stay within noise (typically below 1 %); points beyond
``threshold`` are flagged.

Limitation: an ideal (Debye) RC whose time constant falls between grid points is approximated with
residuals of a few per cent; measured electrodes, whose relaxations are distributed, are not affected.

Reference: M. Schönleber, D. Klotz, E. Ivers-Tiffée, *Electrochim. Acta* 131 (2014) 20,
doi:10.1016/j.electacta.2014.01.034.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from voltvault_core.eis.spectrum import Spectrum

__all__ = ["KKResult", "linear_kk"]


@dataclass
class KKResult:
    """Outcome of :func:`linear_kk`.

    Attributes
    ----------
    residual_real, residual_imag : numpy.ndarray
        ``(Z' - Z'_KK)/|Z|`` and ``(Z'' - Z''_KK)/|Z|`` per point [-].
    flagged : numpy.ndarray
        Boolean mask: points whose residual exceeds ``threshold``.
    n_elements : int
        Number M of Voigt elements used.
    mu : float
        Over-fit measure at M.
    pseudo_chi_square : float
        ``sum(residual_real^2 + residual_imag^2)``.
    """

    frequency_Hz: np.ndarray
    impedance_ohm: np.ndarray
    fitted_ohm: np.ndarray
    residual_real: np.ndarray
    residual_imag: np.ndarray
    flagged: np.ndarray
    threshold: float
    n_elements: int
    mu: float
    pseudo_chi_square: float
    time_constants_s: np.ndarray
    resistances_ohm: np.ndarray
    capacitance: bool = False

    @property
    def valid(self) -> bool:
        """True when no point is flagged."""
        return not bool(self.flagged.any())

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary."""
        return {
            "valid": self.valid,
            "n_points": int(self.frequency_Hz.size),
            "n_flagged": int(self.flagged.sum()),
            "flagged_frequencies_Hz": self.frequency_Hz[self.flagged].tolist(),
            "threshold": self.threshold,
            "n_elements": self.n_elements,
            "series_capacitance": self.capacitance,
            "mu": self.mu,
            "pseudo_chi_square": self.pseudo_chi_square,
            "max_abs_residual": float(
                np.max(np.abs(np.concatenate([self.residual_real, self.residual_imag])))
            ),
            "residual_real": self.residual_real.tolist(),
            "residual_imag": self.residual_imag.tolist(),
            "frequency_Hz": self.frequency_Hz.tolist(),
        }


def _design(omega: np.ndarray, tau: np.ndarray, inductance: bool, capacitance: bool) -> np.ndarray:
    """Complex design matrix: columns R0, Voigt elements, optional L and 1/C."""
    columns = [np.ones_like(omega, dtype=complex), *(1.0 / (1.0 + 1j * omega * t) for t in tau)]
    if inductance:
        columns.append(1j * omega)
    if capacitance:
        columns.append(1.0 / (1j * omega))
    return np.column_stack(columns)


def _solve(spectrum: Spectrum, m: int, inductance: bool, capacitance: bool):
    omega = spectrum.angular_frequency_rad_s
    z = spectrum.impedance_ohm
    tau = (
        np.geomspace(1.0 / omega.max(), 1.0 / omega.min(), m)
        if m > 1
        else np.array([1.0 / np.sqrt(omega.max() * omega.min())])
    )
    a = _design(omega, tau, inductance, capacitance)
    w = 1.0 / np.abs(z)
    a_real = np.vstack([a.real * w[:, None], a.imag * w[:, None]])
    b = np.concatenate([z.real * w, z.imag * w])
    coefficients, *_ = np.linalg.lstsq(a_real, b, rcond=None)
    return tau, coefficients, a @ coefficients


def linear_kk(
    spectrum: Spectrum,
    *,
    mu_criterion: float = 0.85,
    threshold: float = 0.01,
    inductance: bool = True,
    capacitance: bool | str = "auto",
    max_elements: int | None = None,
) -> KKResult:
    """Linear Kramers–Kronig test with automatic number of elements.

    Parameters
    ----------
    spectrum : Spectrum
        Data (all points, including inductive ones).
    mu_criterion : float
        Stop raising M when ``mu`` drops below this value (Schönleber's c = 0.85).
    threshold : float
        Relative residual above which a point is flagged [-] (0.01 = 1 % of |Z|).
    inductance : bool
        Add a series inductor (cables, high frequency).
    capacitance : bool or "auto"
        Add a series capacitor (blocking electrodes, diffusion tails beyond the lowest frequency);
        ``"auto"`` runs the test with and without it and keeps the one with the smaller pseudo chi-square.
    max_elements : int, optional
        Upper limit of M (default: number of points minus the extra terms).

    Returns
    -------
    KKResult
    """
    if capacitance == "auto":
        runs = [
            linear_kk(
                spectrum,
                mu_criterion=mu_criterion,
                threshold=threshold,
                inductance=inductance,
                capacitance=c,
                max_elements=max_elements,
            )
            for c in (False, True)
        ]
        return min(runs, key=lambda r: r.pseudo_chi_square)
    n = spectrum.n_points
    extra = 1 + int(inductance) + int(capacitance)
    m_max = max_elements or max(1, n - extra)
    if n < 3:
        raise ValueError(f"{spectrum.label}: the Kramers–Kronig test needs at least 3 points, found {n}")
    chosen = None
    # at least one element per decade of frequency: with fewer, mu can fall below the criterion before
    # the Voigt series resolves the spectrum at all (a capacitive tail makes R_k alternate early)
    decades = np.log10(spectrum.frequency_Hz.max() / spectrum.frequency_Hz.min())
    m_min = int(min(m_max, max(1, np.ceil(decades))))
    for m in range(m_min, m_max + 1):
        tau, coefficients, fitted = _solve(spectrum, m, inductance, capacitance)
        r_k = coefficients[1 : m + 1]
        positive = np.sum(r_k[r_k >= 0])
        negative = np.sum(np.abs(r_k[r_k < 0]))
        mu = 1.0 - negative / positive if positive > 0 else 1.0
        chosen = (m, tau, coefficients, fitted, mu)
        if mu <= mu_criterion:
            break
    m, tau, coefficients, fitted, mu = chosen
    z = spectrum.impedance_ohm
    modulus = np.abs(z)
    res_re = (z.real - fitted.real) / modulus
    res_im = (z.imag - fitted.imag) / modulus
    flagged = (np.abs(res_re) > threshold) | (np.abs(res_im) > threshold)
    return KKResult(
        frequency_Hz=spectrum.frequency_Hz.copy(),
        impedance_ohm=z.copy(),
        fitted_ohm=fitted,
        residual_real=res_re,
        residual_imag=res_im,
        flagged=flagged,
        threshold=threshold,
        n_elements=m,
        mu=float(mu),
        pseudo_chi_square=float(np.sum(res_re**2 + res_im**2)),
        time_constants_s=tau,
        resistances_ohm=coefficients[1 : m + 1].copy(),
        capacitance=bool(capacitance),
    )
