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
then one NNLS solve.

Battery spectra need three more things (:func:`compute_drt` arguments, and the page's controls):

* a frequency range (``frequency_range_Hz``): points outside it are not fitted;
* tail handling (``tail``): the low-frequency diffusion tail of a Li-ion cell (``-Z''`` rising again
  toward low frequency, a Warburg line) is no finite relaxation; fitted as one, it puts a large ``γ``
  beyond the measured band and a polarisation resistance several times the largest measured
  impedance. ``"exclude"`` drops the points below the valley of ``-Z''`` where the tail starts
  (:func:`diffusion_tail_start_Hz`); ``"keep"`` fits every point;
* honesty about the τ range: ``γ`` is computed a decade beyond the measured band on each side, but a
  peak out there, or a distribution still high at the grid's edge, is not a resolved process: it is
  reported in ``warnings``, and ``polarization_resistance_ohm`` integrates the measured band only (it
  cannot exceed what the spectrum spans on the real axis; a larger value is warned about).

The L-curve's corner is searched among the λ whose reconstruction misfit stays within
:data:`LCURVE_MAX_MISFIT` of the data (relative RMS); beyond, the curve flattens and its numerical
curvature picked an over-smoothed λ (2.9e6 on a real Li-ion spectrum, a 10 % misfit).

The method follows Wan, Saccoccio, Chen & Ciucci, *Electrochim. Acta* 184 (2015)
483, doi:10.1016/j.electacta.2015.09.097 (Tikhonov DRT with automatic regularisation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import nnls
from scipy.signal import find_peaks

from voltvault_core.eis.spectrum import Spectrum

__all__ = ["LAMBDA_RULES", "TAIL_MODES", "DRTPeak", "DRTResult", "compute_drt", "diffusion_tail_start_Hz"]

TAIL_MODES = ("keep", "exclude")
#: the L-curve's corner is searched where the relative RMS misfit is at most this, or twice the
#: misfit of the least regularised solution if that is larger
LCURVE_MAX_MISFIT = 0.01
#: a distribution holding more than this fraction of its resistance in the outer decade of the τ grid
#: runs into the edge of what the spectrum can resolve
EDGE_FRACTION = 0.10


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
    warnings: list[str] = field(default_factory=list)
    excluded_below_Hz: float | None = None  # tail handling: points below this were not fitted
    frequency_range_Hz: tuple[float, float] | None = None  # the fitted points' range

    @property
    def measured_tau_range_s(self) -> tuple[float, float]:
        """``(1/(2π f_max), 1/(2π f_min))`` of the fitted points [s]."""
        return (1.0 / (2 * np.pi * self.frequency_Hz.max()), 1.0 / (2 * np.pi * self.frequency_Hz.min()))

    @property
    def polarization_resistance_ohm(self) -> float:
        """``∫ γ d ln τ`` over the measured τ band [ohm] (what the spectrum resolves)."""
        lo, hi = self.measured_tau_range_s
        inside = (self.tau_s >= lo) & (self.tau_s <= hi)
        return float(np.sum(self.gamma_ohm[inside]) * _dlntau(self.tau_s))

    @property
    def total_resistance_ohm(self) -> float:
        """``∫ γ d ln τ`` over the whole τ grid, extrapolated decades included [ohm]."""
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
            "total_resistance_ohm": self.total_resistance_ohm,
            "rmse_ohm": self.rmse_ohm,
            "warnings": list(self.warnings),
            "excluded_below_Hz": self.excluded_below_Hz,
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


def _relative_misfit(
    s: np.ndarray, beta: np.ndarray, rest: float, n_rows: int, lambdas: np.ndarray
) -> np.ndarray:
    """Relative RMS misfit per λ of the (1/|Z|-weighted) unconstrained reconstruction."""
    filt = lambdas[:, None] / (s[None, :] ** 2 + lambdas[:, None])
    return np.sqrt((np.sum((filt * beta[None, :]) ** 2, axis=1) + rest) / n_rows)


LAMBDA_RULES: dict[str, Callable[..., np.ndarray]] = {"gcv": _gcv, "lcurve": _lcurve}
"""Automatic regularisation rules: name -> score over a λ grid (the minimum is chosen)."""


def diffusion_tail_start_Hz(spectrum: Spectrum, min_points: int = 3) -> float | None:
    """Where a low-frequency diffusion tail starts: the frequency of the valley of ``-Z''`` below which
    ``-Z''`` and ``Z'`` both keep rising toward low frequency (a Warburg line), or None without one."""
    order = np.argsort(spectrum.frequency_Hz)
    f = spectrum.frequency_Hz[order]
    minus_imag = -spectrum.z_imag_ohm[order]
    real = spectrum.z_real_ohm[order]
    k = 0
    while k + 1 < f.size and minus_imag[k + 1] <= minus_imag[k]:  # walk up in frequency down the tail
        k += 1
    if k < min_points - 1 or k + 1 >= f.size:
        return None  # no tail, or the spectrum is all tail
    tail_real_rise = real[0] - real[k]
    tail_imag_rise = minus_imag[0] - minus_imag[k]
    span = np.ptp(minus_imag) or 1.0
    if tail_real_rise <= 0 or tail_imag_rise < 0.1 * span:
        return None
    return float(f[k])


def compute_drt(
    spectrum: Spectrum,
    *,
    lambda_value: float | str = "gcv",
    n_tau: int | None = None,
    inductance: bool = True,
    peak_prominence: float = 0.05,
    frequency_range_Hz: tuple[float | None, float | None] | None = None,
    tail: str = "keep",
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
    frequency_range_Hz : (min, max), optional
        Fit only the points in this range (either end None: open).
    tail : {"keep", "exclude"}
        What to do with a low-frequency diffusion tail (see the module docstring).

    Returns
    -------
    DRTResult
    """
    if tail not in TAIL_MODES:
        raise ValueError(f"unknown tail handling {tail!r}; use one of {', '.join(TAIL_MODES)}")
    warnings: list[str] = []
    if frequency_range_Hz is not None:
        lo_Hz, hi_Hz = frequency_range_Hz
        if lo_Hz is not None and hi_Hz is not None and not lo_Hz < hi_Hz:
            raise ValueError(f"the frequency range needs min < max, got {lo_Hz:g} to {hi_Hz:g} Hz")
        try:
            spectrum = spectrum.frequency_window(lo_Hz, hi_Hz)
        except ValueError:
            raise ValueError(
                f"no measured point lies in {lo_Hz or 0:g} to {hi_Hz or float('inf'):g} Hz; the spectrum spans "
                f"{spectrum.frequency_Hz.min():.3g} to {spectrum.frequency_Hz.max():.3g} Hz"
            ) from None
    excluded_below = None
    if tail == "exclude":
        excluded_below = diffusion_tail_start_Hz(spectrum)
        if excluded_below is not None:
            kept = int(np.sum(spectrum.frequency_Hz >= excluded_below))
            if kept < max(5, spectrum.n_points // 3):
                warnings.append(
                    f"the spectrum is mostly a low-frequency tail (only {kept} of {spectrum.n_points} points lie above "
                    f"its start at {excluded_below:.3g} Hz): nothing was excluded; set the frequency range instead"
                )
                excluded_below = None
            else:
                spectrum = spectrum.frequency_window(excluded_below, None)
    if spectrum.n_points < 5:
        raise ValueError(f"the DRT needs at least 5 points in the fitted range, got {spectrum.n_points}")
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
        if lambda_value == "lcurve":  # the corner of a sane part of the curve, not of its flat end
            misfit = _relative_misfit(s, beta, max(rest, 0.0), n_rows, lambdas)
            allowed = misfit <= max(LCURVE_MAX_MISFIT, 2.0 * float(misfit[0]))
            score = np.where(allowed, score, np.inf)
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
    band = (1.0 / omega.max(), 1.0 / omega.min())
    for peak in peaks:
        if not band[0] <= peak.time_constant_s <= band[1]:
            warnings.append(
                f"the peak at τ = {peak.time_constant_s:.3g} s ({peak.frequency_Hz:.3g} Hz) lies outside the measured "
                f"band ({f.min():.3g} to {f.max():.3g} Hz): an extrapolation, not a resolved process"
                + (" (a diffusion tail? exclude it, or narrow the frequency range)"
                   if peak.time_constant_s > band[1] else "")
            )
    total = float(np.sum(gamma)) * d_ln
    if total > 0:
        for edge, outside in (("long", tau > band[1]), ("short", tau < band[0])):
            share = float(np.sum(gamma[outside])) * d_ln / total
            if share > EDGE_FRACTION:
                warnings.append(
                    f"{share:.0%} of the distribution lies at {edge} time constants beyond the measured band: it "
                    "runs into the edge of the τ range" + (
                        ("; a low-frequency diffusion tail is the usual cause (exclude it)" if tail == "keep" else
                         "; no diffusion tail was recognised to exclude: narrow the frequency range")
                        if edge == "long" else "")
                )
    r_pol = float(np.sum(gamma[(tau >= band[0]) & (tau <= band[1])])) * d_ln
    span = float(z.real.max() - max(r_inf, 0.0))
    if span > 0 and r_pol > 1.05 * span:
        warnings.append(
            f"R_pol = {r_pol:.4g} Ω exceeds the real-axis span of the fitted points ({span:.4g} Ω): check the "
            "frequency range and the tail handling"
        )
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
        warnings=warnings,
        excluded_below_Hz=excluded_below,
        frequency_range_Hz=(float(f.min()), float(f.max())),
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
