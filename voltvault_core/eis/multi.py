"""Several spectra fitted together, each parameter shared by all of them or independent per spectrum.

Typical use: spectra at several SOC, temperatures or cycles of one cell, where the ohmic resistance or
a CPE exponent is common and the charge-transfer resistance changes with the condition.

Method: every spectrum is first fitted alone (automatic guesses, :func:`fit_circuit`); shared
parameters start at the geometric mean (scale parameters) or mean (exponents) of those fits; then one
Levenberg–Marquardt problem over all residuals (same weighting and log transform as
:mod:`voltvault_core.eis.fitting`) gives the joint estimate. Standard errors come from the joint
Jacobian: ``cov = (J^T J)^-1 chi2 / (sum_i 2 N_i - k)``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import lmfit
import numpy as np

from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.fitting import FitResult, _covariance, _Problem, fit_circuit
from voltvault_core.eis.spectrum import Spectrum

__all__ = ["MultiFitResult", "fit_multi"]


@dataclass
class MultiFitResult:
    """Joint fit of several spectra.

    Attributes
    ----------
    parameters : list of dict
        Per spectrum, every parameter's value (shared ones repeated).
    stderr : list of dict
        Per spectrum, standard errors.
    rmse_ohm : list of float
        Per spectrum RMSE [ohm].
    conditions : list of dict
        Each spectrum's metadata (cycle, SOC, temperature...).
    """

    circuit: str
    shared: list[str]
    independent: list[str]
    labels: list[str]
    conditions: list[dict[str, Any]]
    parameters: list[dict[str, float]]
    stderr: list[dict[str, float]]
    rmse_ohm: list[float]
    chi_square: float
    weighting: str
    success: bool
    message: str
    wall_time_s: float
    individual_fits: list[FitResult]

    def parameter_versus(self, name: str, condition: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(condition values, parameter values, standard errors)`` of spectra that state ``condition``."""
        rows = [
            (c[condition], p[name], s[name])
            for c, p, s in zip(self.conditions, self.parameters, self.stderr, strict=True)
            if condition in c
        ]
        if not rows:
            return np.array([]), np.array([]), np.array([])
        x, y, e = (np.array(v, dtype=float) for v in zip(*rows, strict=True))
        return x, y, e

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""

        def clean(d: dict[str, float]) -> dict[str, float | None]:
            return {k: (float(v) if np.isfinite(v) else None) for k, v in d.items()}

        return {
            "circuit": self.circuit,
            "shared": self.shared,
            "independent": self.independent,
            "labels": self.labels,
            "conditions": self.conditions,
            "parameters": [clean(p) for p in self.parameters],
            "stderr": [clean(s) for s in self.stderr],
            "rmse_ohm": self.rmse_ohm,
            "chi_square": self.chi_square,
            "weighting": self.weighting,
            "success": self.success,
            "message": self.message,
            "wall_time_s": self.wall_time_s,
        }


def fit_multi(
    spectra: list[Spectrum],
    circuit: Circuit | str,
    shared: list[str],
    *,
    weighting: str = "unit",
    fixed: dict[str, float] | None = None,
    bounds: dict[str, tuple[float, float]] | None = None,
    max_nfev: int = 5000,
) -> MultiFitResult:
    """Fit ``circuit`` to all ``spectra`` at once.

    Parameters
    ----------
    spectra : list of Spectrum
        Two or more spectra.
    circuit : Circuit or str
        The same circuit for all.
    shared : list of str
        Parameters common to all spectra; the others are fitted per spectrum.
    weighting, fixed, bounds
        As in :func:`voltvault_core.eis.fitting.fit_circuit`.
    max_nfev : int
        Evaluation budget of the joint fit.

    Returns
    -------
    MultiFitResult
    """
    t0 = time.perf_counter()
    circuit = Circuit(circuit) if isinstance(circuit, str) else circuit
    if len(spectra) < 2:
        raise ValueError("a multi-spectrum fit needs two spectra or more")
    unknown = [n for n in shared if n not in circuit.parameter_names]
    if unknown:
        raise ValueError(
            f"shared parameter(s) {unknown} are not in {circuit.text}: {circuit.parameter_names}"
        )
    fixed = dict(fixed or {})
    problems = [_Problem(circuit, s, weighting, fixed, dict(bounds or {})) for s in spectra]
    singles = [fit_circuit(s, circuit, weighting=weighting, fixed=fixed, bounds=bounds) for s in spectra]
    free = problems[0].free
    shared_free = [n for n in free if n in shared]
    independent = [n for n in free if n not in shared]
    is_log = {p.name: p.spec.kind == "scale" for p in circuit.parameters}
    params = lmfit.Parameters()
    keys: list[tuple[str, int | None]] = []
    for name in shared_free:
        values = np.array([f.parameters[name] for f in singles])
        start = float(np.exp(np.mean(np.log(values)))) if is_log[name] else float(np.mean(values))
        keys.append((name, None))
        _add(params, problems[0], f"s{len(keys)}", name, start)
    for i, fit in enumerate(singles):
        for name in independent:
            keys.append((name, i))
            _add(params, problems[i], f"s{len(keys)}", name, fit.parameters[name])

    def vectors(p_values: np.ndarray) -> list[np.ndarray]:
        out = [pr.template.copy() for pr in problems]
        for k, (name, i) in enumerate(keys):
            value = p_values[k]
            targets = range(len(problems)) if i is None else [i]
            for t in targets:
                out[t][problems[t].index[name]] = value
        return out

    def external(prm: lmfit.Parameters) -> np.ndarray:
        return np.array(
            [
                np.exp(prm[f"s{k + 1}"].value) if is_log[name] else prm[f"s{k + 1}"].value
                for k, (name, _) in enumerate(keys)
            ]
        )

    def objective(prm: lmfit.Parameters) -> np.ndarray:
        return np.concatenate(
            [pr.residual_p(v) for pr, v in zip(problems, vectors(external(prm)), strict=True)]
        )

    def jacobian(prm: lmfit.Parameters) -> np.ndarray:
        """Forward differences in lmfit's values, one batched circuit evaluation per spectrum."""
        u = np.array([prm[f"s{k + 1}"].value for k in range(len(keys))])
        upper = np.array([prm[f"s{k + 1}"].max for k in range(len(keys))])
        h = 1.5e-8**0.5 * np.maximum(1.0, np.abs(u))
        h = np.where(u + h > upper, -h, h)
        trial = np.repeat(u[:, None], len(u) + 1, axis=1)
        trial[np.arange(len(u)), np.arange(1, len(u) + 1)] += h
        log_rows = np.array([is_log[name] for name, _ in keys])
        values = np.where(log_rows[:, None], np.exp(trial), trial)
        blocks = []
        for t, pr in enumerate(problems):
            batch = np.repeat(pr.template[:, None], len(u) + 1, axis=1)
            for k, (name, owner) in enumerate(keys):
                if owner is None or owner == t:
                    batch[pr.index[name]] = values[k]
            r = pr.residual_batch(batch)
            blocks.append(((r[1:] - r[0]) / h[:, None]).T)
        return np.vstack(blocks)

    result = lmfit.minimize(objective, params, method="leastsq", max_nfev=max_nfev, Dfun=jacobian)
    best = external(result.params)
    residual = np.concatenate([pr.residual_p(v) for pr, v in zip(problems, vectors(best), strict=True)])
    chi2 = float(residual @ residual)
    # joint Jacobian in external units
    columns = []
    for k, (name, _) in enumerate(keys):
        step = 1e-6 * abs(best[k]) if is_log[name] else 1e-6
        up, down = best.copy(), best.copy()
        up[k] += step
        down[k] -= step
        r_up = np.concatenate([pr.residual_p(v) for pr, v in zip(problems, vectors(up), strict=True)])
        r_dn = np.concatenate([pr.residual_p(v) for pr, v in zip(problems, vectors(down), strict=True)])
        columns.append((r_up - r_dn) / (2 * step))
    jac = np.column_stack(columns)
    dof = max(residual.size - len(keys), 1)
    cov, _ = _covariance(jac, best, chi2 / dof)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    per_values = vectors(best)
    parameters, stderr, rmse = [], [], []
    for i, (spectrum, vector) in enumerate(zip(spectra, per_values, strict=True)):
        parameters.append({n: float(vector[j]) for j, n in enumerate(circuit.parameter_names)})
        errors = {n: np.nan for n in circuit.parameter_names}
        for k, (name, owner) in enumerate(keys):
            if owner is None or owner == i:
                errors[name] = float(se[k])
        stderr.append(errors)
        z = circuit.impedance(vector, spectrum.frequency_Hz)
        rmse.append(float(np.sqrt(np.mean(np.abs(spectrum.impedance_ohm - z) ** 2))))
    return MultiFitResult(
        circuit=circuit.text,
        shared=shared_free,
        independent=independent,
        labels=[s.label for s in spectra],
        conditions=[dict(s.metadata) for s in spectra],
        parameters=parameters,
        stderr=stderr,
        rmse_ohm=rmse,
        chi_square=chi2,
        weighting=weighting,
        success=bool(result.success),
        message=str(result.message),
        wall_time_s=time.perf_counter() - t0,
        individual_fits=singles,
    )


def _add(params: lmfit.Parameters, problem: _Problem, key: str, name: str, value: float) -> None:
    lo, hi = problem.internal_bounds(name, max(value, 1e-300), None)
    internal = problem.to_internal(name, max(value, 1e-300) if problem.is_log[problem.index[name]] else value)
    params.add(key, value=float(np.clip(internal, lo, hi)), min=lo, max=hi)
