"""Sample designs: full and fractional factorial, Taguchi orthogonal arrays, Latin hypercube, Sobol
(pick-freeze, for Sobol indices), Morris trajectories and a custom grid from a CSV.

Every sampler works on the unit cube; :meth:`StudySpec.to_values` maps the points onto each input's
distribution (inverse CDF). Constraints are applied here, in a way that keeps the design valid for its
analysis: a Sobol base point is kept only when every row of its pick-freeze block is feasible, a Morris
trajectory only when all its points are, and the sampler draws further candidates to make up the count.

The Sobol design (:func:`sobol_design`) is ``replicates`` independent randomisations (scrambled Sobol'
points, ``scipy.stats.qmc.Sobol``) of ``samples / replicates`` base points each; each replicate holds the
matrices ``A``, ``B``, ``AB_g`` for each group g (columns of g from ``B``), and ``BA_g`` when second-order
indices are asked for: ``samples * (k + 2)`` runs, or ``samples * (2k + 2)``. The independent replicates
give the confidence intervals (:mod:`voltvault_core.doe.analysis`).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import qmc

from voltvault_core.doe.constraints import Rejection, evaluate_constraints, parse_constraint
from voltvault_core.doe.study import DOEError, StudySpec

__all__ = ["SAMPLERS", "Design", "orthogonal_array", "sample"]

MAX_RUNS = 2_000_000


@dataclass
class Design:
    """The runs of a study: unit-cube points, input values, and the structure the analysis needs."""

    method: str
    names: list[str]
    unit: np.ndarray  # (runs, inputs) in [0, 1]
    values: np.ndarray  # (runs, inputs) in the inputs' units
    info: dict[str, Any] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def n_runs(self) -> int:
        return int(self.values.shape[0])

    def to_frame(self):
        import pandas as pd

        frame = pd.DataFrame(self.values, columns=self.names)
        frame.insert(0, "run", np.arange(self.n_runs))
        return frame


# --------------------------------------------------------------------------------------------------
def _levels_unit(spec: StudySpec, levels: int) -> list[np.ndarray]:
    out = []
    for inp in spec.inputs:
        if inp.distribution in ("normal", "lognormal"):
            out.append((np.arange(levels) + 0.5) / levels)
        else:
            out.append(np.linspace(0.0, 1.0, levels) if levels > 1 else np.array([0.5]))
    return out


def _full_factorial(spec: StudySpec, rng: np.random.Generator, n_needed: int | None = None) -> tuple[np.ndarray, dict]:
    levels = spec.levels
    n = levels ** len(spec.inputs)
    if n > MAX_RUNS:
        raise DOEError(f"a full factorial of {len(spec.inputs)} inputs at {levels} levels is {n} runs; "
                       "use fewer levels, a fractional factorial or a Latin hypercube")
    grids = np.meshgrid(*_levels_unit(spec, levels), indexing="ij")
    return np.column_stack([g.ravel() for g in grids]), {"levels": levels}


def _hadamard(n: int) -> np.ndarray:
    h = np.array([[1]])
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


def _fractional_factorial(spec: StudySpec, rng, n_needed=None) -> tuple[np.ndarray, dict]:
    """Two-level resolution-IV design: Sylvester-Hadamard columns, folded over (2 * 2^ceil(log2(k+1)) runs)."""
    k = len(spec.inputs)
    n = 1 << math.ceil(math.log2(k + 1))
    h = _hadamard(n)[:, 1 : k + 1]
    h = np.vstack([h, -h])  # foldover: main effects clear of two-factor interactions
    return (h + 1) / 2.0, {"levels": 2, "resolution": "IV", "base_runs": n}


def _is_prime(p: int) -> bool:
    return p >= 2 and all(p % q for q in range(2, int(p**0.5) + 1))


def orthogonal_array(levels: int, factors: int) -> np.ndarray:
    """A strength-2 orthogonal array OA(p^m, factors, p, 2) (Rao–Hamming construction), entries 0..p-1.

    The Taguchi arrays L4, L8, L9, L16, L25, L27 are these for p = 2, 3, 5 and m = 2, 3. Any two columns
    hold every pair of levels equally often.
    """
    p = levels
    if not _is_prime(p):
        raise DOEError(f"Taguchi arrays here take a prime number of levels (2, 3, 5, 7), got {p}")
    m = 2
    while (p**m - 1) // (p - 1) < factors:
        m += 1
    rows = np.array(np.meshgrid(*[np.arange(p)] * m, indexing="ij")).reshape(m, -1).T  # all vectors of Z_p^m
    columns = []
    for vec in rows[1:]:
        first = vec[np.nonzero(vec)[0][0]]
        if first == 1:  # one representative per direction
            columns.append(vec)
    columns = np.array(columns[:factors]).T  # (m, factors)
    return (rows @ columns) % p


def _taguchi(spec: StudySpec, rng, n_needed=None) -> tuple[np.ndarray, dict]:
    oa = orthogonal_array(spec.levels, len(spec.inputs))
    grid = _levels_unit(spec, spec.levels)
    unit = np.column_stack([grid[j][oa[:, j]] for j in range(len(spec.inputs))])
    return unit, {"levels": spec.levels, "array": f"L{oa.shape[0]}"}


def _latin_hypercube(spec: StudySpec, rng, n_needed=None) -> tuple[np.ndarray, dict]:
    n = n_needed or spec.samples
    return qmc.LatinHypercube(len(spec.inputs), seed=rng).random(n), {}


def _csv_grid(spec: StudySpec, rng, n_needed=None) -> tuple[np.ndarray, dict]:
    text = spec.grid_csv or ""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DOEError("the grid CSV is empty") from None
    missing = [n for n in spec.names if n not in header]
    extra = [h for h in header if h not in spec.names]
    if missing or extra:
        raise DOEError(f"grid CSV columns must be the inputs; missing {missing}, unknown {extra}")
    rows = []
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DOEError(f"grid CSV line {line_no}: {len(row)} values for {len(header)} columns")
        try:
            rows.append([float(row[header.index(n)]) for n in spec.names])
        except ValueError:
            raise DOEError(f"grid CSV line {line_no}: a value is not a number: {row}") from None
    if not rows:
        raise DOEError("the grid CSV has a header but no rows")
    values = np.array(rows)
    unit = np.column_stack([inp.to_unit(values[:, j]) for j, inp in enumerate(spec.inputs)])
    for j, inp in enumerate(spec.inputs):
        bad = np.nonzero((unit[:, j] < -1e-12) | (unit[:, j] > 1 + 1e-12))[0]
        if bad.size:
            raise DOEError(f"grid CSV row {bad[0] + 1}: {inp.name} = {values[bad[0], j]:.6g} is outside "
                           f"the input's bounds {inp.value_range}")
    return np.clip(unit, 0.0, 1.0), {"values": values}


SAMPLERS: dict[str, Callable[..., tuple[np.ndarray, dict]]] = {
    "full_factorial": _full_factorial,
    "fractional_factorial": _fractional_factorial,
    "taguchi": _taguchi,
    "latin_hypercube": _latin_hypercube,
    "csv": _csv_grid,
}


# --------------------------------------------------------------------------------------------------
def _group_columns(spec: StudySpec) -> tuple[list[str], list[list[int]]]:
    if spec.groups is None:
        return spec.names, [[j] for j in range(len(spec.inputs))]
    labels = list(dict.fromkeys(spec.groups))
    return labels, [[j for j, g in enumerate(spec.groups) if g == label] for label in labels]


def _sobol_blocks(base_a: np.ndarray, base_b: np.ndarray, columns: list[list[int]], second_order: bool) -> np.ndarray:
    """(blocks, n, d): A, B, AB_g..., [BA_g...] for the base points."""
    blocks = [base_a, base_b]
    for cols in columns:
        ab = base_a.copy()
        ab[:, cols] = base_b[:, cols]
        blocks.append(ab)
    if second_order:
        for cols in columns:
            ba = base_b.copy()
            ba[:, cols] = base_a[:, cols]
            blocks.append(ba)
    return np.stack(blocks)


def sobol_design(spec: StudySpec, rng: np.random.Generator, feasible: Callable | None = None) -> Design:
    d = len(spec.inputs)
    labels, columns = _group_columns(spec)
    replicates = spec.replicates
    if spec.samples % replicates or (spec.samples // replicates) & (spec.samples // replicates - 1):
        raise DOEError(f"samples ({spec.samples}) / replicates ({replicates}) must be a power of two")
    if replicates < 2:
        raise DOEError("a Sobol study needs replicates >= 2 (its confidence intervals come from them)")
    n = spec.samples // replicates
    n_blocks = 2 + len(columns) * (2 if spec.second_order else 1)
    if spec.samples * n_blocks > MAX_RUNS:
        raise DOEError(f"{spec.samples * n_blocks} runs is more than {MAX_RUNS}; use fewer samples")
    parts, rejections, candidates = [], [], 0
    for r in range(replicates):
        engine = qmc.Sobol(2 * d, scramble=True, seed=rng)
        pts = engine.random(n)
        blocks = _sobol_blocks(pts[:, :d], pts[:, d:], columns, spec.second_order)
        candidates += n
        if feasible is not None:
            kept = np.zeros((n_blocks, 0, d))
            tries = 0
            while True:
                flat = blocks.reshape(-1, d)
                ok, rej = feasible(flat)
                ok_base = ok.reshape(n_blocks, -1).all(axis=0)
                for rj in rej:
                    base = rj.row % blocks.shape[1]
                    rejections.append(_sobol_rejection(rj, r, base))
                kept = np.concatenate([kept, blocks[:, ok_base]], axis=1)
                if kept.shape[1] >= n:
                    blocks = kept[:, :n]
                    break
                tries += 1
                if tries > 16:
                    raise DOEError(
                        f"the constraints leave too few feasible Sobol base points ({kept.shape[1]} of "
                        f"{n} needed in replicate {r + 1} after {candidates} candidates); widen them or the bounds"
                    )
                more = engine.random(n)
                candidates += n
                blocks = _sobol_blocks(more[:, :d], more[:, d:], columns, spec.second_order)
        parts.append(blocks)
    unit = np.concatenate([p.reshape(-1, d) for p in parts])
    info = {
        "replicates": replicates, "base_samples": n, "samples": spec.samples, "groups": labels,
        "group_columns": columns, "second_order": spec.second_order, "blocks_per_replicate": n_blocks,
        "candidate_base_points": candidates,
    }
    return Design("sobol", spec.names, unit, spec.to_values(unit), info, rejections)


def _sobol_rejection(rj: Rejection, replicate: int, base: int) -> Rejection:
    return Rejection(rj.row, f"{rj.constraint} (Sobol replicate {replicate + 1}, base point {base}: "
                              "its whole pick-freeze block is dropped)", rj.values)


def morris_design(spec: StudySpec, rng: np.random.Generator, feasible: Callable | None = None) -> Design:
    from SALib.sample import morris as salib_morris

    d = len(spec.inputs)
    labels, columns = _group_columns(spec)
    trajectories = spec.trajectories or spec.samples
    problem = {"num_vars": d, "names": spec.names, "bounds": [[0.0, 1.0]] * d}
    if spec.groups is not None:
        problem["groups"] = spec.groups
    k = len(columns)
    per = k + 1
    kept: list[np.ndarray] = []
    rejections: list[Rejection] = []
    drawn = 0
    seed = int(rng.integers(2**31))
    while len(kept) < trajectories:
        batch = max(trajectories - len(kept), 4)
        unit = salib_morris.sample(problem, batch, num_levels=spec.morris_levels, seed=seed + drawn)
        drawn += batch
        unit = unit.reshape(batch, per, d)
        if feasible is None:
            kept.extend(unit)
            continue
        ok, rej = feasible(unit.reshape(-1, d))
        ok_t = ok.reshape(batch, per).all(axis=1)
        rejections.extend(Rejection(r.row, f"{r.constraint} (Morris trajectory dropped)", r.values) for r in rej)
        kept.extend(unit[ok_t])
        if drawn > 20 * trajectories:
            raise DOEError(f"the constraints leave too few feasible Morris trajectories ({len(kept)} of "
                           f"{trajectories} after {drawn}); widen them or the bounds")
    unit = np.concatenate(kept[:trajectories])
    info = {"trajectories": trajectories, "levels": spec.morris_levels, "groups": labels, "group_columns": columns}
    return Design("morris", spec.names, unit, spec.to_values(unit), info, rejections)


def _feasibility(spec: StudySpec):
    if not spec.constraints:
        return None
    from voltvault_core.doe.evaluate import derived_quantities

    constraints = [parse_constraint(c, spec.names) for c in spec.constraints]
    derived_needed = sorted({n for c in constraints for n in c.names if n not in spec.names})

    def feasible(unit: np.ndarray):
        values = spec.to_values(unit)
        env = {name: values[:, j] for j, name in enumerate(spec.names)}
        if derived_needed:
            env.update(derived_quantities(spec, values, derived_needed))
        return evaluate_constraints(constraints, env, unit.shape[0])

    return feasible


def sample(spec: StudySpec) -> Design:
    """The design of ``spec`` (constraints applied; rejected samples listed with their reasons)."""
    rng = np.random.default_rng(spec.seed)
    feasible = _feasibility(spec)
    if spec.method == "sobol":
        return sobol_design(spec, rng, feasible)
    if spec.method == "morris":
        return morris_design(spec, rng, feasible)
    unit, info = SAMPLERS[spec.method](spec, rng)
    values = info.pop("values", None)
    if values is None:
        values = spec.to_values(unit)
    rejections: list[Rejection] = []
    if feasible is not None:
        ok, rejections = feasible(unit)
        info["candidates"] = int(unit.shape[0])
        unit, values = unit[ok], values[ok]
        if not unit.shape[0]:
            raise DOEError("every sample violates the constraints; widen them or the bounds")
    return Design(spec.method, spec.names, unit, values, info, rejections)
