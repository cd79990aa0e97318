"""Capacity-fade and resistance-growth trends: fitted models with confidence bands.

Models (registry :data:`TREND_MODELS`, ``x`` = cycle number or time, ``y`` = capacity or resistance):

* ``linear``        :math:`y = a + b x`
* ``sqrt``          :math:`y = a + b \\sqrt{x}` (SEI growth limited by diffusion; Broussely et al.,
  J. Power Sources 146 (2005) 90, doi:10.1016/j.jpowsour.2005.03.172)
* ``power``         :math:`y = a + b x^{z}` (Wang et al., J. Power Sources 196 (2011) 3942,
  doi:10.1016/j.jpowsour.2010.11.134)
* ``exponential``   :math:`y = a\\,e^{b x}`

Parameters by non-linear least squares (``scipy.optimize.curve_fit``). The confidence band of the
fitted curve comes from the parameter covariance by the delta method,
:math:`\\mathrm{Var}\\,\\hat y(x) = J(x)\\,\\Sigma\\,J(x)^T`, scaled by Student's *t* at the chosen level;
the prediction band adds the residual variance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats


@dataclass(frozen=True)
class TrendModel:
    """One fade / growth model."""

    name: str
    equation: str
    function: Callable[..., np.ndarray]
    initial: Callable[[np.ndarray, np.ndarray], list[float]]
    parameter_names: tuple[str, ...]


def _linear_init(x, y):
    b, a = np.polyfit(x, y, 1)
    return [a, b]


def _sqrt_init(x, y):
    b, a = np.polyfit(np.sqrt(np.clip(x, 0, None)), y, 1)
    return [a, b]


def _power_init(x, y):
    b, a = np.polyfit(x, y, 1)
    return [a, b, 1.0]


def _exp_init(x, y):
    positive = y > 0
    if positive.sum() >= 2:
        b, log_a = np.polyfit(x[positive], np.log(y[positive]), 1)
        return [float(np.exp(log_a)), float(b)]
    return [float(np.mean(y)), 0.0]


TREND_MODELS: dict[str, TrendModel] = {
    m.name: m
    for m in (
        TrendModel("linear", "y = a + b·x", lambda x, a, b: a + b * x, _linear_init, ("a", "b")),
        TrendModel("sqrt", "y = a + b·√x", lambda x, a, b: a + b * np.sqrt(np.clip(x, 0, None)), _sqrt_init, ("a", "b")),
        TrendModel(
            "power", "y = a + b·x^z", lambda x, a, b, z: a + b * np.power(np.clip(x, 1e-12, None), z), _power_init, ("a", "b", "z")
        ),
        TrendModel("exponential", "y = a·exp(b·x)", lambda x, a, b: a * np.exp(b * x), _exp_init, ("a", "b")),
    )
}


@dataclass
class TrendFit:
    """A fitted trend: parameters, uncertainties, goodness of fit, and the curve with its bands."""

    model: str
    equation: str
    parameters: dict[str, float]
    stderr: dict[str, float]
    r_squared: float
    rmse: float
    aic: float
    n_points: int
    x: np.ndarray = field(repr=False)
    y_fit: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    prediction_lower: np.ndarray = field(repr=False)
    prediction_upper: np.ndarray = field(repr=False)
    confidence: float = 0.95

    def to_dict(self) -> dict:
        """JSON-friendly summary (without the curve arrays)."""
        return {
            "model": self.model,
            "equation": self.equation,
            "parameters": self.parameters,
            "stderr": self.stderr,
            "r_squared": self.r_squared,
            "rmse": self.rmse,
            "aic": self.aic,
            "n_points": self.n_points,
            "confidence": self.confidence,
        }


def fit_trend(
    x: np.ndarray,
    y: np.ndarray,
    model: str = "linear",
    *,
    confidence: float = 0.95,
    x_eval: np.ndarray | None = None,
) -> TrendFit:
    """Fit one model; the curve and bands are evaluated on ``x_eval`` (default: 200 points over ``x``).

    Raises
    ------
    ValueError
        Unknown model, or fewer points than parameters + 1.
    """
    if model not in TREND_MODELS:
        raise ValueError(f"unknown trend model {model!r}; choose one of {', '.join(TREND_MODELS)}")
    spec = TREND_MODELS[model]
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n_params = len(spec.parameter_names)
    if x.size < n_params + 1:
        raise ValueError(f"the {model} model needs at least {n_params + 1} points, got {x.size}")
    p0 = spec.initial(x, y)
    with np.errstate(all="ignore"):
        params, covariance = optimize.curve_fit(spec.function, x, y, p0=p0, maxfev=20000)
    residuals = y - spec.function(x, *params)
    dof = max(x.size - n_params, 1)
    ss_res = float(np.sum(residuals**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    sigma2 = ss_res / dof
    if not np.all(np.isfinite(covariance)):
        covariance = np.full((n_params, n_params), np.nan)
    x_eval = np.linspace(x.min(), x.max(), 200) if x_eval is None else np.asarray(x_eval, dtype=float)
    y_fit = spec.function(x_eval, *params)
    jacobian = np.empty((x_eval.size, n_params))
    for j in range(n_params):
        step = 1e-6 * max(abs(params[j]), 1e-8)
        shifted = params.copy()
        shifted[j] += step
        jacobian[:, j] = (spec.function(x_eval, *shifted) - y_fit) / step
    variance = np.einsum("ij,jk,ik->i", jacobian, covariance, jacobian)
    t_value = stats.t.ppf(0.5 + confidence / 2.0, dof)
    half = t_value * np.sqrt(np.clip(variance, 0, None))
    half_pred = t_value * np.sqrt(np.clip(variance, 0, None) + sigma2)
    aic = float(x.size * np.log(max(ss_res, 1e-300) / x.size) + 2 * n_params)
    return TrendFit(
        model=model,
        equation=spec.equation,
        parameters={name: float(v) for name, v in zip(spec.parameter_names, params, strict=True)},
        stderr={name: float(np.sqrt(max(covariance[i, i], 0))) for i, name in enumerate(spec.parameter_names)},
        r_squared=1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan"),
        rmse=float(np.sqrt(ss_res / x.size)),
        aic=aic,
        n_points=int(x.size),
        x=x_eval,
        y_fit=y_fit,
        lower=y_fit - half,
        upper=y_fit + half,
        prediction_lower=y_fit - half_pred,
        prediction_upper=y_fit + half_pred,
        confidence=confidence,
    )


def fit_all_trends(x: np.ndarray, y: np.ndarray, *, confidence: float = 0.95) -> list[TrendFit]:
    """Every model that can be fitted, best (lowest AIC) first; models that fail are skipped."""
    fits = []
    for name in TREND_MODELS:
        try:
            fits.append(fit_trend(x, y, name, confidence=confidence))
        except (ValueError, RuntimeError, np.linalg.LinAlgError):
            continue
    return sorted(fits, key=lambda f: f.aic)
