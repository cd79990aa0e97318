"""Complex non-linear least-squares fitting of equivalent circuits.

``fit_circuit(spectrum, "R0-p(R1,CPE1)-W1")`` fits from an automatic initial guess
(:mod:`voltvault_core.eis.guess`); a user guess, fixed parameters, bounds and weighting are options.

Method
------
The residual stacks real and imaginary parts, ``r = [(Z'_d - Z'_m)/s', (Z''_d - Z''_m)/s'']`` with the
weights of :data:`WEIGHTINGS` (``unit``: s = 1 ohm, as impedance.py; ``modulus``: s = |Z_d|;
``proportional``: s' = |Z'_d|, s'' = |Z''_d|). Scale parameters (resistances, capacitances, time
constants...) are fitted as logarithms, so that values spanning decades converge alike; exponents
stay linear within their bounds. ``lm`` is lmfit's Levenberg–Marquardt (MINPACK) started from the best
few automatic candidates; ``de`` is a differential-evolution search over bounds spanning four
decades either side of the guess, polished by ``lm``.

Uncertainty: with the Jacobian ``J`` of the weighted residual in the parameters themselves (not their
logarithms) at the optimum, ``cov = (J^T J)^-1 chi2/(2N - k)`` (as ``scipy.optimize.curve_fit`` with
``absolute_sigma=False``, which impedance.py uses); standard errors are its diagonal's roots, 95 %
confidence intervals ``p ± t_{0.975, 2N-k} se``.

Quality: ``rmse_ohm = sqrt(sum |Z_d - Z_m|^2 / N)`` (impedance.py's definition, unweighted),
``chi_square = sum r^2`` (weighted), ``reduced_chi_square = chi_square/(2N - k)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lmfit
import numpy as np
from scipy import stats

from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.guess import _roles, guess_candidates
from voltvault_core.eis.spectrum import Spectrum

__all__ = ["METHODS", "WEIGHTINGS", "FitResult", "fit_circuit"]


def _unit_weights(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    one = np.ones(z.size)
    return one, one


def _modulus_weights(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = np.maximum(np.abs(z), 1e-300)
    return m, m


def _proportional_weights(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    floor = 1e-3 * np.abs(z)  # a point on an axis would otherwise get an infinite weight
    return np.maximum(np.abs(z.real), floor), np.maximum(np.abs(z.imag), floor)


WEIGHTINGS: dict[str, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]] = {
    "unit": _unit_weights,
    "modulus": _modulus_weights,
    "proportional": _proportional_weights,
}
"""Weighting name -> function giving the (real, imaginary) standard deviations of every point."""


@dataclass
class FitResult:
    """An equivalent-circuit fit (all values SI: ohm, F, s...).

    Attributes
    ----------
    parameters : dict
        Fitted value of every parameter (fixed ones included).
    stderr : dict
        Standard error (``nan`` for fixed or unidentifiable parameters).
    ci95 : dict
        ``(low, high)`` 95 % confidence interval.
    correlation : numpy.ndarray
        Correlation matrix of the free parameters (order of ``free_parameters``).
    rmse_ohm, nrmse, chi_square, reduced_chi_square : float
        Quality (see module docstring).
    """

    circuit: str
    parameter_names: list[str]
    parameters: dict[str, float]
    stderr: dict[str, float]
    ci95: dict[str, tuple[float, float]]
    units: dict[str, str]
    free_parameters: list[str]
    correlation: np.ndarray
    rmse_ohm: float
    nrmse: float
    chi_square: float
    reduced_chi_square: float
    weighting: str
    method: str
    n_points: int
    n_evaluations: int
    success: bool
    message: str
    initial_guess: dict[str, float]
    frequency_Hz: np.ndarray
    impedance_ohm: np.ndarray
    wall_time_s: float
    fixed: dict[str, float] = field(default_factory=dict)
    n_starts: int = 1

    @property
    def fitted_ohm(self) -> np.ndarray:
        """Model impedance at the data frequencies [ohm]."""
        return self.predict(self.frequency_Hz)

    @property
    def residuals_relative(self) -> tuple[np.ndarray, np.ndarray]:
        """``(Z'_d - Z'_m)/|Z_d|`` and ``(Z''_d - Z''_m)/|Z_d|`` (the usual residual plot)."""
        diff = self.impedance_ohm - self.fitted_ohm
        mod = np.abs(self.impedance_ohm)
        return diff.real / mod, diff.imag / mod

    def predict(self, frequency_Hz: np.ndarray) -> np.ndarray:
        """Impedance of the fitted circuit at ``frequency_Hz`` [ohm]."""
        return Circuit(self.circuit).impedance(self.parameters, frequency_Hz)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (no arrays of data)."""

        def clean(v: float) -> float | None:
            return float(v) if np.isfinite(v) else None

        return {
            "circuit": self.circuit,
            "method": self.method,
            "weighting": self.weighting,
            "parameters": {k: clean(v) for k, v in self.parameters.items()},
            "stderr": {k: clean(v) for k, v in self.stderr.items()},
            "ci95": {k: [clean(a), clean(b)] for k, (a, b) in self.ci95.items()},
            "units": dict(self.units),
            "fixed": dict(self.fixed),
            "initial_guess": {k: clean(v) for k, v in self.initial_guess.items()},
            "free_parameters": list(self.free_parameters),
            "correlation": [[clean(v) for v in row] for row in np.asarray(self.correlation)],
            "rmse_ohm": clean(self.rmse_ohm),
            "nrmse": clean(self.nrmse),
            "chi_square": clean(self.chi_square),
            "reduced_chi_square": clean(self.reduced_chi_square),
            "n_points": self.n_points,
            "n_evaluations": self.n_evaluations,
            "n_starts": self.n_starts,
            "success": bool(self.success),
            "message": self.message,
            "wall_time_s": self.wall_time_s,
        }


class _Problem:
    """Weighted residual of one circuit on one spectrum in the internal (log) coordinates."""

    def __init__(
        self,
        circuit: Circuit,
        spectrum: Spectrum,
        weighting: str,
        fixed: dict[str, float],
        bounds: dict[str, tuple[float, float]],
    ) -> None:
        if weighting not in WEIGHTINGS:
            raise ValueError(f"unknown weighting {weighting!r}; use one of {', '.join(WEIGHTINGS)}")
        unknown = [n for n in [*fixed, *bounds] if n not in circuit.parameter_names]
        if unknown:
            raise ValueError(
                f"parameter(s) {unknown} are not in circuit {circuit.text}; its parameters are {circuit.parameter_names}"
            )
        self.circuit = circuit
        self.f = spectrum.frequency_Hz
        self.z = spectrum.impedance_ohm
        self.sigma_re, self.sigma_im = WEIGHTINGS[weighting](self.z)
        self.fixed = dict(fixed)
        self.free = [n for n in circuit.parameter_names if n not in fixed]
        self.index = {n: i for i, n in enumerate(circuit.parameter_names)}
        self.is_log = np.array([p.spec.kind == "scale" for p in circuit.parameters])
        self.bounds = {}
        for p in circuit.parameters:
            lo, hi = bounds.get(p.name, (p.spec.lower, p.spec.upper))
            if lo > hi:
                raise ValueError(f"bounds of {p.name}: lower {lo} > upper {hi}")
            self.bounds[p.name] = (float(lo), float(hi))
        self.template = np.zeros(circuit.n_parameters)
        for n, v in fixed.items():
            self.template[self.index[n]] = v

    def vector(self, values: dict[str, float]) -> np.ndarray:
        out = self.template.copy()
        for n in self.free:
            out[self.index[n]] = values[n]
        return out

    def residual_p(self, p: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            zm = self.circuit.impedance_unchecked(p, self.f)
        d = self.z - zm
        r = np.concatenate([d.real / self.sigma_re, d.imag / self.sigma_im])
        return np.where(np.isfinite(r), r, 1e30)

    def to_internal(self, name: str, value: float) -> float:
        return float(np.log(value)) if self.is_log[self.index[name]] else float(value)

    def to_external(self, name: str, value: float) -> float:
        return float(np.exp(value)) if self.is_log[self.index[name]] else float(value)

    def internal_bounds(self, name: str, guess: float, span_decades: float | None) -> tuple[float, float]:
        lo, hi = self.bounds[name]
        if self.is_log[self.index[name]]:
            g = max(guess, 1e-300)
            lo = max(lo, g * 1e-12)
            hi = min(hi, g * 1e12)
            if span_decades is not None:
                lo, hi = max(lo, g * 10**-span_decades), min(hi, g * 10**span_decades)
            return float(np.log(lo)), float(np.log(hi))
        return lo, hi

    def params(self, guess: dict[str, float], span_decades: float | None = None) -> lmfit.Parameters:
        params = lmfit.Parameters()
        for k, n in enumerate(self.free):
            lo_p, hi_p = self.bounds[n]
            g = float(np.clip(guess[n], lo_p, hi_p))
            if self.is_log[self.index[n]]:
                g = max(g, lo_p if lo_p > 0 else 1e-300, 1e-300)
                if g <= 0:
                    g = 1e-12
            lo, hi = self.internal_bounds(n, g, span_decades)
            value = float(np.clip(self.to_internal(n, g), lo, hi))
            params.add(f"p{k}", value=value, min=lo, max=hi)
        return params

    def external(self, params: lmfit.Parameters) -> np.ndarray:
        p = self.template.copy()
        for k, n in enumerate(self.free):
            p[self.index[n]] = self.to_external(n, params[f"p{k}"].value)
        return p

    def objective(self, params: lmfit.Parameters) -> np.ndarray:
        return self.residual_p(self.external(params))

    def residual_batch(self, p_batch: np.ndarray) -> np.ndarray:
        """Residuals of several parameter vectors at once: ``p_batch`` (n_params, B) -> (B, 2N)."""
        with np.errstate(all="ignore"):
            zm = self.circuit.impedance_unchecked(p_batch[:, :, None], self.f)
            d = self.z[None, :] - zm
            r = np.concatenate([d.real / self.sigma_re, d.imag / self.sigma_im], axis=1)
        return np.where(np.isfinite(r), r, 1e30)

    def jacobian(self, params: lmfit.Parameters) -> np.ndarray:
        """Forward-difference Jacobian of :meth:`objective` in lmfit's parameter values (log for scale
        parameters), all columns from one batched circuit evaluation: ``(2N, n_free)``."""
        u = np.array([params[f"p{k}"].value for k in range(len(self.free))])
        lower = np.array([params[f"p{k}"].min for k in range(len(self.free))])
        upper = np.array([params[f"p{k}"].max for k in range(len(self.free))])
        h = 1.5e-8**0.5 * np.maximum(1.0, np.abs(u))
        h = np.where(u + h > upper, -h, h)  # step inwards at an upper bound
        h = np.where((u + h < lower) & (u - np.abs(h) >= lower), np.abs(h), h)
        trial = np.repeat(u[:, None], len(u) + 1, axis=1)
        trial[np.arange(len(u)), np.arange(1, len(u) + 1)] += h
        batch = np.repeat(self.template[:, None], len(u) + 1, axis=1)
        for k, name in enumerate(self.free):
            i = self.index[name]
            batch[i] = np.exp(trial[k]) if self.is_log[i] else trial[k]
        r = self.residual_batch(batch)
        return ((r[1:] - r[0]) / h[:, None]).T


def _lm(
    problem: _Problem, guess: dict[str, float], max_nfev: int
) -> tuple[np.ndarray, float, int, bool, str]:
    result = lmfit.minimize(
        problem.objective, problem.params(guess), method="leastsq", max_nfev=max_nfev, Dfun=problem.jacobian
    )
    p = problem.external(result.params)
    cost = float(np.sum(problem.residual_p(p) ** 2))
    return p, cost, int(result.nfev), bool(result.success), str(result.message)


def _jacobian(problem: _Problem, p: np.ndarray) -> np.ndarray:
    """Central-difference Jacobian of the weighted residual in the free parameters (external units)."""
    columns = []
    for n in problem.free:
        i = problem.index[n]
        step = 1e-6 * max(abs(p[i]), 1e-300) if problem.is_log[i] else 1e-6
        up, down = p.copy(), p.copy()
        up[i] += step
        down[i] -= step
        columns.append((problem.residual_p(up) - problem.residual_p(down)) / (2 * step))
    return np.column_stack(columns) if columns else np.zeros((2 * problem.f.size, 0))


#: elements that make an arc on their own (in series they are interchangeable like parallel groups)
_SERIES_ARC_SYMBOLS = frozenset({"Zarc", "HN", "G", "TLM"})


def canonical_arc_order(circuit: Circuit, values: np.ndarray, frozen: set[str] = frozenset()) -> np.ndarray:
    """Swap the values of interchangeable arcs so that they appear from high to low frequency.

    ``R0-p(R1,CPE1)-p(R2,CPE2)`` (or ``R0-Zarc1-Zarc2``) fits equally well with the two arcs exchanged;
    by convention the first
    group in the string gets the highest apex frequency (largest ``-Z''`` of the group alone), so fits of
    several spectra compare parameter by parameter. Groups holding a fixed or bounded parameter
    (``frozen``) keep their values.
    """
    from voltvault_core.eis.circuit import ElementNode, ParallelNode, SeriesNode

    tree = circuit.tree
    blocks = list(tree.children) if isinstance(tree, SeriesNode) else [tree]
    groups: dict[str, list] = {}
    for block in blocks:
        # parallel groups of the same shape, and arc elements of the same kind in series (two ZARCs)
        if isinstance(block, ParallelNode) or (
            isinstance(block, ElementNode) and block.spec.symbol in _SERIES_ARC_SYMBOLS
        ):
            signature = "".join(ch for ch in block.to_string() if not ch.isdigit())
            groups.setdefault(signature, []).append(block)
    out = np.array(values, dtype=float)
    f = np.logspace(-6, 9, 301)

    def leaves(node) -> list[ElementNode]:
        return [node] if isinstance(node, ElementNode) else [e for c in node.children for e in leaves(c)]

    for members in groups.values():
        if len(members) < 2:
            continue
        slots = [[circuit._slices[e.name] for e in leaves(m)] for m in members]
        names = {
            p.name for m in members for e in leaves(m) for p in circuit.parameters if p.element == e.name
        }
        if names & frozen:
            continue
        with np.errstate(all="ignore"):
            apex = [f[int(np.nanargmax(-circuit._compile(m)(out, f).imag))] for m in members]
        order = np.argsort(-np.asarray(apex), kind="stable")
        snapshot = out.copy()
        for target, source in enumerate(order):
            for dst, src in zip(slots[target], slots[source], strict=True):
                out[dst] = snapshot[src]
    return out


def _arc_units(circuit: Circuit) -> list:
    """The circuit's arc-producing groups (parallel groups, ZARC/HN/G/TLM elements in series)."""
    return _roles(circuit).units


def _covariance(jac: np.ndarray, values: np.ndarray, variance: float) -> tuple[np.ndarray, bool]:
    """``(J^T J)^-1 variance`` computed on columns scaled by the parameter magnitudes (values spanning
    twenty decades, e.g. ohms and CPE coefficients, would otherwise ruin the inversion); also whether
    ``J`` is rank deficient."""
    scale = np.where(np.abs(values) > 0, np.abs(values), 1.0)
    scaled = jac * scale[None, :]
    with np.errstate(all="ignore"):
        jtj = scaled.T @ scaled
        singular = np.linalg.matrix_rank(scaled) < scaled.shape[1]
        inner = np.linalg.pinv(jtj, rcond=1e-14, hermitian=True)
    cov = inner * np.outer(scale, scale) * variance
    norms = np.linalg.norm(scaled, axis=0)
    weak = ~(norms > 1e-8 * (norms.max() if norms.size else 1.0))  # no influence on the residual: unknown
    cov[weak, :] = np.nan
    cov[:, weak] = np.nan
    return cov, bool(singular or weak.any())


def fit_circuit(
    spectrum: Spectrum,
    circuit: Circuit | str,
    *,
    method: str = "lm",
    initial_guess: dict[str, float] | None = None,
    fixed: dict[str, float] | None = None,
    bounds: dict[str, tuple[float, float]] | None = None,
    weighting: str = "unit",
    n_starts: int | None = None,
    max_nfev: int | None = None,
    seed: int = 0,
) -> FitResult:
    """Fit an equivalent circuit to a spectrum.

    Parameters
    ----------
    spectrum : Spectrum
        Data (select the points first, e.g. ``spectrum.capacitive_only()``).
    circuit : Circuit or str
        Circuit, e.g. ``"R0-p(R1,CPE1)-W1"``.
    method : {"lm", "de"}
        Local Levenberg–Marquardt from automatic (or given) starts, or differential evolution + LM.
    initial_guess : dict, optional
        Start values by parameter name; missing ones are guessed. When given, only this start is used.
    fixed : dict, optional
        Parameters held at the given values.
    bounds : dict, optional
        ``name -> (lower, upper)`` replacing the element defaults (e.g. ``(0, inf)``, exponents ``(0, 1)``).
    weighting : {"unit", "modulus", "proportional"}
        See :data:`WEIGHTINGS`.
    n_starts : int, optional
        With automatic guesses, LM runs from this many best-ranked candidates and keeps the best end
        (default: 3, or 4 per parallel group / arc element for circuits with two or more arcs, plus 3
        when the circuit holds a finite-length Warburg: where the start matters more).
    max_nfev : int, optional
        Evaluation budget per LM run (default ``400 (k + 1)`` for ``k`` free parameters: a fit still
        moving after that crawls along a flat valley where the RMSE no longer changes).
    seed : int
        Seed of the differential evolution.

    Returns
    -------
    FitResult
    """
    t0 = time.perf_counter()
    circuit = Circuit(circuit) if isinstance(circuit, str) else circuit
    if method not in METHODS:
        raise ValueError(f"unknown fitting method {method!r}; use one of {', '.join(METHODS)}")
    fixed = dict(fixed or {})
    problem = _Problem(circuit, spectrum, weighting, fixed, dict(bounds or {}))
    n_free = len(problem.free)
    if 2 * spectrum.n_points <= n_free:
        raise ValueError(
            f"{spectrum.label}: {spectrum.n_points} points give {2 * spectrum.n_points} residuals, too few for "
            f"{n_free} free parameters of {circuit.text}"
        )
    if max_nfev is None:
        max_nfev = 400 * (n_free + 1)
    candidates = guess_candidates(circuit, spectrum)
    if initial_guess:
        unknown = [n for n in initial_guess if n not in circuit.parameter_names]
        if unknown:
            raise ValueError(f"initial guess names {unknown} are not parameters of {circuit.text}")
        starts = [{**candidates[0], **initial_guess}]
    else:
        batch = np.column_stack([problem.vector({**c, **fixed}) for c in candidates])
        costs = np.sum(problem.residual_batch(batch) ** 2, axis=1)
        costs = np.where(np.isfinite(costs), costs, np.inf)
        order = np.argsort(costs, kind="stable")
        if n_starts is None:
            n_arcs = len(_arc_units(circuit))
            finite = any(e.spec.symbol in ("Wo", "Ws") for e in circuit.elements)
            n_starts = (3 if n_arcs < 2 else 4 * n_arcs) + (3 if finite else 0)
        starts, start_costs = [], []
        for k in order:
            if len(starts) >= max(1, n_starts):
                break
            # equal cost: the same curve, e.g. two identical arcs swapped; one of them is enough
            if any(abs(costs[k] - c) <= 1e-12 * max(c, 1e-300) for c in start_costs):
                continue
            if all(
                not np.allclose(list(candidates[k].values()), list(s.values()), rtol=1e-3) for s in starts
            ):
                starts.append(candidates[k])
                start_costs.append(costs[k])
    n_eval_total = 0
    best: tuple = (None, np.inf, 0, False, "no start")
    for p, cost, nfev, success, message in METHODS[method](problem, starts, max_nfev, seed):
        n_eval_total += nfev
        if best[0] is None or cost < best[1]:
            best = (p, cost, nfev, success, message)
    p, chi2, _, success, message = best
    p = canonical_arc_order(circuit, p, frozen=set(fixed) | set(bounds or {}))
    names = circuit.parameter_names
    values = {n: float(p[i]) for i, n in enumerate(names)}
    zfit = circuit.impedance(p, spectrum.frequency_Hz)
    n = spectrum.n_points
    rmse = float(np.sqrt(np.sum(np.abs(spectrum.impedance_ohm - zfit) ** 2) / n))
    dof = max(2 * n - n_free, 1)
    jac = _jacobian(problem, p)
    stderr = {k: np.nan for k in names}
    corr = np.full((n_free, n_free), np.nan)
    if n_free:
        cov, singular = _covariance(jac, np.array([p[problem.index[n]] for n in problem.free]), chi2 / dof)
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        if singular:
            message += "; the parameters are not all identifiable (singular Jacobian)"
        with np.errstate(all="ignore"):
            corr = cov / np.outer(se, se)
        for k, name in enumerate(problem.free):
            stderr[name] = float(se[k]) if np.isfinite(se[k]) else np.nan
    t_value = float(stats.t.ppf(0.975, dof))
    ci = {k: (values[k] - t_value * stderr[k], values[k] + t_value * stderr[k]) for k in names}
    first_start = starts[0]
    return FitResult(
        circuit=circuit.text,
        parameter_names=names,
        parameters=values,
        stderr=stderr,
        ci95=ci,
        units={prm.name: prm.unit for prm in circuit.parameters},
        free_parameters=list(problem.free),
        correlation=corr,
        rmse_ohm=rmse,
        nrmse=rmse / float(np.mean(np.abs(spectrum.impedance_ohm))),
        chi_square=chi2,
        reduced_chi_square=chi2 / dof,
        weighting=weighting,
        method=method,
        n_points=n,
        n_evaluations=n_eval_total,
        success=success,
        message=message,
        initial_guess={k: float(first_start.get(k, fixed.get(k, np.nan))) for k in names},
        frequency_Hz=spectrum.frequency_Hz.copy(),
        impedance_ohm=spectrum.impedance_ohm.copy(),
        wall_time_s=time.perf_counter() - t0,
        fixed=fixed,
        n_starts=len(starts),
    )


def _method_lm(problem: _Problem, starts: list[dict[str, float]], max_nfev: int, seed: int):
    """LM from every start with a short budget; the runs that did not converge in it continue only if
    they lead (a start that is behind after ~15 iterations seldom ends best)."""
    if len(starts) == 1:
        return [_lm(problem, starts[0], max_nfev)]
    budget = 15 * (len(problem.free) + 1)
    short = [_lm(problem, s, budget) for s in starts]
    done = [r for r in short if r[3]]
    best_open = min((r for r in short if not r[3]), key=lambda r: r[1], default=None)
    if best_open is not None and (not done or best_open[1] < min(r[1] for r in done)):
        p = best_open[0]
        resumed = _lm(problem, {n: float(p[problem.index[n]]) for n in problem.free}, max_nfev)
        done.append((resumed[0], resumed[1], resumed[2] + best_open[2], resumed[3], resumed[4]))
    return done or short


def _method_de(problem: _Problem, starts: list[dict[str, float]], max_nfev: int, seed: int):
    guess = starts[0]
    params = problem.params(guess, span_decades=4.0)
    result = lmfit.minimize(
        problem.objective,
        params,
        method="differential_evolution",
        seed=seed,
        max_nfev=max(max_nfev, 200 * max(len(problem.free), 1) * 15),
        polish=False,
        tol=1e-7,
    )
    p = problem.external(result.params)
    start = {n: float(p[problem.index[n]]) for n in problem.free}
    polished = _lm(problem, start, max_nfev)
    return [
        (
            polished[0],
            polished[1],
            polished[2] + int(result.nfev),
            polished[3],
            "differential evolution + " + polished[4],
        )
    ]


METHODS: dict[str, Callable] = {"lm": _method_lm, "de": _method_de}
"""Fitting method name -> driver ``(problem, starts, max_nfev, seed) -> [(p, cost, nfev, ok, msg)]``."""
