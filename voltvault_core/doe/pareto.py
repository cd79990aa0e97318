"""Pareto fronts of a study's runs and multi-objective design search (NSGA-II through pymoo).

:func:`pareto_mask` marks the non-dominated runs for 2–3 objectives (each minimised or maximised);
:func:`optimise` proposes designs with NSGA-II (Deb et al. 2002, doi:10.1109/4235.996017, as implemented
by pymoo) over a study's inputs, with its constraints as inequality constraints, evaluating each
generation's population in one batched call of the study's model. :func:`igd` is the inverted
generational distance to a reference front (ZDT1 in the tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voltvault_core.doe.study import DOEError, StudySpec

__all__ = ["OptimisationResult", "igd", "optimise", "pareto_mask"]


def pareto_mask(objectives: np.ndarray, senses: Sequence[str] | None = None) -> np.ndarray:
    """True for the non-dominated rows of ``objectives`` (runs, 2 or 3); NaN rows are never on the front.

    ``senses``: ``"min"`` or ``"max"`` per objective (default all ``"min"``).
    """
    f = np.asarray(objectives, dtype=float)
    if f.ndim != 2 or not 2 <= f.shape[1] <= 3:
        raise DOEError(f"a Pareto front takes 2 or 3 objectives, got {f.shape[-1] if f.ndim == 2 else f.shape}")
    senses = list(senses or ["min"] * f.shape[1])
    if len(senses) != f.shape[1] or any(s not in ("min", "max") for s in senses):
        raise DOEError(f"senses must be 'min' or 'max' per objective, got {senses}")
    f = f * np.array([1.0 if s == "min" else -1.0 for s in senses])
    finite = np.all(np.isfinite(f), axis=1)
    mask = np.zeros(f.shape[0], dtype=bool)
    idx = np.nonzero(finite)[0]
    g = f[idx]
    order = np.lexsort(g.T[::-1])
    front: list[int] = []
    for i in order:
        p = g[i]
        if front and np.any(np.all(g[front] <= p, axis=1) & np.any(g[front] < p, axis=1)):
            continue
        front.append(i)
    mask[idx[front]] = True
    return mask


def igd(front: np.ndarray, reference: np.ndarray) -> float:
    """Inverted generational distance: mean distance from each reference point to the nearest front point."""
    front, reference = np.asarray(front, dtype=float), np.asarray(reference, dtype=float)
    d = np.sqrt(((reference[:, None, :] - front[None, :, :]) ** 2).sum(axis=-1))
    return float(d.min(axis=1).mean())


@dataclass
class OptimisationResult:
    names: list[str]
    objectives: list[str]
    senses: list[str]
    designs: np.ndarray  # (front, inputs) input values
    values: np.ndarray  # (front, objectives) in the objectives' own sense: the non-dominated designs
    # of all feasible evaluations
    evaluations: int
    generations: int


def optimise(spec: StudySpec, objectives: Sequence[str], senses: Sequence[str] | None = None, *,
             population: int = 50, generations: int = 200, seed: int | None = None) -> OptimisationResult:
    """NSGA-II over the study's inputs (their bounds), objectives among the study's outputs.

    Designs that fail to run are infeasible (pymoo's constraint value +1), as are designs that violate
    a constraint (the violated comparisons count towards the constraint value).
    """
    try:
        from pymoo.algorithms.moo.nsga2 import NSGA2
        from pymoo.core.problem import Problem
        from pymoo.optimize import minimize
    except ImportError as exc:  # pragma: no cover - pymoo is a dependency
        raise DOEError("design search needs pymoo (pip install pymoo)") from exc
    from voltvault_core.doe.constraints import parse_constraint
    from voltvault_core.doe.evaluate import derived_quantities, evaluate

    objectives = list(objectives)
    senses = list(senses or ["min"] * len(objectives))
    if not 1 <= len(objectives) <= 3 or len(senses) != len(objectives):
        raise DOEError("give 1 to 3 objectives, each with a sense 'min' or 'max'")
    constraints = [parse_constraint(c, spec.names) for c in spec.constraints]
    derived_needed = sorted({n for c in constraints for n in c.names if n not in spec.names})
    sign = np.array([1.0 if s == "min" else -1.0 for s in senses])
    d = len(spec.inputs)
    counter = {"n": 0}
    archive: list[tuple[np.ndarray, np.ndarray]] = []  # every feasible evaluation: (unit points, objectives)

    class _Study(Problem):
        def __init__(self) -> None:
            super().__init__(n_var=d, n_obj=len(objectives), n_ieq_constr=max(len(constraints), 1) if
                             (constraints or not spec.is_python_model) else 0, xl=0.0, xu=1.0)

        def _evaluate(self, u, out, *args, **kwargs):
            values = spec.to_values(u)
            runs = evaluate(spec, values)
            counter["n"] += u.shape[0]
            missing = [o for o in objectives if o not in runs.columns]
            if missing:
                raise DOEError(f"objectives {missing} are not outputs of the study ({runs.columns})")
            f = runs.values[:, [runs.columns.index(o) for o in objectives]] * sign
            bad = ~np.all(np.isfinite(f), axis=1)
            f = np.where(np.isfinite(f), f, 1e30)
            out["F"] = f
            feasible = ~bad
            if self.n_ieq_constr:
                g = np.zeros((u.shape[0], self.n_ieq_constr))
                env = {name: values[:, j] for j, name in enumerate(spec.names)}
                if derived_needed:
                    env.update(derived_quantities(spec, values, derived_needed))
                for c_i, c in enumerate(constraints):
                    g[:, c_i] = np.where(c.evaluate(env), -1.0, 1.0)
                g[bad, 0] = 1.0
                out["G"] = g
                feasible &= np.all(g <= 0, axis=1)
            archive.append((u[feasible], f[feasible]))

    result = minimize(_Study(), NSGA2(pop_size=population), ("n_gen", generations),
                      seed=spec.seed if seed is None else seed, verbose=False)
    if result.X is None or not archive:
        raise DOEError("the search found no feasible design; widen the bounds or the constraints")
    # the front of every feasible design evaluated (an archive keeps what the final population lost)
    x = np.concatenate([a[0] for a in archive])
    f = np.concatenate([a[1] for a in archive])
    front = pareto_mask(f)
    x, f = x[front], f[front] * sign
    return OptimisationResult(spec.names, objectives, senses, spec.to_values(x), f, counter["n"], generations)
