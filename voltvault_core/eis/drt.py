"""Distribution of relaxation times (DRT) by Tikhonov regularisation with non-negativity.

Model (Voigt continuum plus ohmic and inductive terms):

.. math:: Z(\\omega) = R_\\infty + j\\omega L
          + \\int_{-\\infty}^{\\infty} \\frac{\\gamma(\\ln\\tau)}{1 + j\\omega\\tau}\\, d\\ln\\tau

``gamma`` [ohm] is discretised on ``M`` log-spaced time constants (a decade beyond the measured
band on each side) with the trapezoid weight ``Δlnτ``. With the rows weighted by ``1/|Z|`` (real and
imaginary parts stacked) the problem is

.. math:: \\min_{x \\ge 0} \\|A x - b\\|^2 + \\lambda \\|D x\\|^2

where ``x = [γ_1..γ_M, R_inf, L]`` and ``D`` the first-difference operator on ``γ`` (R_inf and L are
not penalised). ``λ`` is chosen automatically by generalised cross-validation (GCV, Golub, Heath &
Wahba 1979, doi:10.1080/00401706.1979.10489751) or at the corner (maximum curvature) of the L-curve
(Hansen 1992, doi:10.1137/1034115), both evaluated on the unconstrained problem through one SVD of
its standard form; the chosen ``λ`` is reported and can be overridden. The constrained solution is
then one NNLS solve. The method follows Wan, Saccoccio, Chen & Ciucci, *Electrochim. Acta* 184 (2015)
483, doi:10.1016/j.electacta.2015.09.097 (Tikhonov DRT with automatic regularisation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import nnls
from scipy.signal import find_peaks

from voltvault_core.eis.spectrum import Spectrum

__all__ = ["LAMBDA_RULES", "DRTPeak", "DRTResult", "compute_drt"]


@dataclass(frozen=True)
class DRTPeak:
    """A peak of the DRT: one relaxation process."""

    time_constant_s: float
    frequency_Hz: float
    gamma_ohm: float
    resistance_ohm: float


@dataclass
class DRTResult:
    """Outcome of :func:`compute_drt` (``gamma_ohm`` on ``tau_s``; see module docstring)."""

    tau_s: np.ndarray
    gamma_ohm: np.ndarray
    r_inf_ohm: float
    inductance_H: float
    lambda_value: float
    lambda_rule: str
    lambda_grid: np.ndarray
    lambda_score: np.ndarray
    peaks: list[DRTPeak]
    frequency_Hz: np.ndarray
    impedance_ohm: np.ndarray
    fitted_ohm: np.ndarray

    @property
    def polarization_resistance_ohm(self) -> float:
        """``∫ γ d ln τ`` [ohm]."""
        return float(np.sum(self.gamma_ohm) * _dlntau(self.tau_s))

    @property
    def rmse_ohm(self) -> float:
        """RMS misfit of the regularised reconstruction [ohm]."""
        return float(np.sqrt(np.mean(np.abs(self.impedance_ohm - self.fitted_ohm) ** 2)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "lambda": self.lambda_value,
            "lambda_rule": self.lambda_rule,
            "r_inf_ohm": self.r_inf_ohm,
            "inductance_H": self.inductance_H,
            "polarization_resistance_ohm": self.polarization_resistance_ohm,
            "rmse_ohm": self.rmse_ohm,
            "peaks": [p.__dict__ for p in self.peaks],
            "tau_s": self.tau_s.tolist(),
            "gamma_ohm": self.gamma_ohm.tolist(),
        }


def _dlntau(tau: np.ndarray) -> float:
    return float(np.log(tau[1] / tau[0])) if tau.size > 1 else 1.0


def _gcv(
    s: np.ndarray, beta: np.ndarray, rest: float, n_rows: int, n_free: int, lambdas: np.ndarray
) -> np.ndarray:
    """GCV score per λ for the standard-form ridge problem with singular values ``s``.

    ``beta = U^T b`` (projected), ``rest`` the squared norm of b outside U, ``n_free`` unpenalised columns.
    """
    filt = lambdas[:, None] / (s[None, :] ** 2 + lambdas[:, None])
    residual = np.sum((filt * beta[None, :]) ** 2, axis=1) + rest
    trace = n_rows - n_free - np.sum(1 - filt, axis=1)
    return n_rows * residual / np.maximum(trace, 1e-12) ** 2


def _lcurve(
    s: np.ndarray, beta: np.ndarray, rest: float, n_rows: int, n_free: int, lambdas: np.ndarray
) -> np.ndarray:
    """Minus the curvature of the L-curve per λ (minimum = corner)."""
    filt = lambdas[:, None] / (s[None, :] ** 2 + lambdas[:, None])
    rho = np.log(np.sum((filt * beta[None, :]) ** 2, axis=1) + rest + 1e-300)
    eta = np.log(np.sum(((1 - filt) * beta[None, :] / s[None, :]) ** 2, axis=1) + 1e-300)
    t = np.log(lambdas)
    d_rho, d_eta = np.gradient(rho, t), np.gradient(eta, t)
    dd_rho, dd_eta = np.gradient(d_rho, t), np.gradient(d_eta, t)
    curvature = (d_rho * dd_eta - dd_rho * d_eta) / np.maximum((d_rho**2 + d_eta**2) ** 1.5, 1e-300)
    return -curvature


LAMBDA_RULES: dict[str, Callable[..., np.ndarray]] = {"gcv": _gcv, "lcurve": _lcurve}
"""Automatic regularisation rules: name -> score over a λ grid (the minimum is chosen)."""


def compute_drt(
    spectrum: Spectrum,
    *,
    lambda_value: float | str = "gcv",
    n_tau: int | None = None,
    inductance: bool = True,
    peak_prominence: float = 0.05,
) -> DRTResult:
    """Tikhonov-regularised DRT of a spectrum.

    Parameters
    ----------
    spectrum : Spectrum
        Data; inductive points are allowed when ``inductance`` is true.
    lambda_value : float or {"gcv", "lcurve"}
        Regularisation parameter, or the rule choosing it (see :data:`LAMBDA_RULES`).
    n_tau : int, optional
        Number of time constants (default: 1.5 per measured point, at least 40).
    inductance : bool
        Include a series inductor column.
    peak_prominence : float
        Peaks lower than this fraction of the maximum of ``gamma`` are ignored.

    Returns
    -------
    DRTResult
    """
    f = spectrum.frequency_Hz
    z = spectrum.impedance_ohm
    omega = 2 * np.pi * f
    m = n_tau or max(40, int(1.5 * f.size))
    tau = np.geomspace(0.1 / omega.max(), 10.0 / omega.min(), m)
    d_ln = _dlntau(tau)
    kernel = d_ln / (1.0 + 1j * omega[:, None] * tau[None, :])
    extra = [np.ones_like(omega, dtype=complex)]
    if inductance:
        extra.append(1j * omega)
    a_complex = np.column_stack([kernel, *extra])
    w = 1.0 / np.abs(z)
    a = np.vstack([a_complex.real * w[:, None], a_complex.imag * w[:, None]])
    b = np.concatenate([z.real * w, z.imag * w])
    n_rows, n_extra = a.shape[0], len(extra)
    # scale the unpenalised columns to unit norm for conditioning
    col_scale = np.linalg.norm(a, axis=0)
    col_scale[col_scale == 0] = 1.0
    a_s = a / col_scale
    gamma_cols = a_s[:, :m]
    extra_cols = a_s[:, m:]
    # project out the unpenalised columns, then standard form with the square first-difference operator
    q, _ = np.linalg.qr(extra_cols)
    proj_a = gamma_cols - q @ (q.T @ gamma_cols)
    proj_b = b - q @ (q.T @ b)
    diff = np.eye(m) - np.eye(m, k=-1)  # lower bidiagonal, invertible: x0 and successive differences
    diff_scaled = diff / col_scale[:m][None, :]  # penalty on gamma itself, not on the scaled columns
    l_inv = np.linalg.inv(diff_scaled)
    u, s, _ = np.linalg.svd(proj_a @ l_inv, full_matrices=False)
    beta = u.T @ proj_b
    rest = float(proj_b @ proj_b - beta @ beta)
    lambdas = np.logspace(-10, 2, 97) * (s[0] ** 2 if s.size else 1.0)
    if isinstance(lambda_value, str):
        if lambda_value not in LAMBDA_RULES:
            raise ValueError(
                f"unknown regularisation rule {lambda_value!r}; use a number or one of {', '.join(LAMBDA_RULES)}"
            )
        score = LAMBDA_RULES[lambda_value](s, beta, max(rest, 0.0), n_rows, n_extra, lambdas)
        lam = float(lambdas[int(np.argmin(score))])
        rule = lambda_value
    else:
        lam = float(lambda_value)
        if not lam > 0:
            raise ValueError(f"the regularisation parameter must be > 0, got {lambda_value}")
        score = np.full_like(lambdas, np.nan)
        rule = "user"
    # non-negative solve of the augmented system (gamma and R_inf >= 0; L free in sign via two columns)
    penalty = np.zeros((m, a_s.shape[1]))
    penalty[:, :m] = np.sqrt(lam) * diff_scaled
    a_aug = np.vstack([a_s, penalty])
    b_aug = np.concatenate([b, np.zeros(m)])
    if inductance:
        a_aug = np.column_stack([a_aug, -a_aug[:, -1]])
    x, _ = nnls(a_aug, b_aug, maxiter=50 * a_aug.shape[1])
    if inductance:
        x = np.concatenate([x[:-2], [x[-2] - x[-1]]])
    x = x / col_scale
    gamma = x[:m]
    r_inf = float(x[m])
    ind = float(x[m + 1]) if inductance else 0.0
    fitted = a_complex @ x
    peaks = _peaks(tau, gamma, peak_prominence)
    return DRTResult(
        tau_s=tau,
        gamma_ohm=gamma,
        r_inf_ohm=r_inf,
        inductance_H=ind,
        lambda_value=lam,
        lambda_rule=rule,
        lambda_grid=lambdas,
        lambda_score=score,
        peaks=peaks,
        frequency_Hz=f.copy(),
        impedance_ohm=z.copy(),
        fitted_ohm=fitted,
    )


def _peaks(tau: np.ndarray, gamma: np.ndarray, prominence: float) -> list[DRTPeak]:
    if not np.any(gamma > 0):
        return []
    padded = np.concatenate([[0.0], gamma, [0.0]])
    index, props = find_peaks(padded, prominence=prominence * gamma.max())
    index = index - 1
    d_ln = _dlntau(tau)
    out = []
    for k, i in enumerate(index):
        left = max(props["left_bases"][k] - 1, 0)
        right = min(props["right_bases"][k] - 1, gamma.size - 1)
        resistance = float(np.sum(gamma[left : right + 1]) * d_ln)
        out.append(DRTPeak(float(tau[i]), float(1 / (2 * np.pi * tau[i])), float(gamma[i]), resistance))
    return out
