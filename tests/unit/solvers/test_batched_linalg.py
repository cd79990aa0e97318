"""The batched condensed Newton solver (:mod:`solvers.batched.linalg`) against dense LU solves.

The patterns are the real ones of the DFN, SPM and SPMe (the finite-difference plan of each system at its
initial state, as the steppers build it; the numpy backend gives the same pattern as numba, without its
compile time), the values that plan's Jacobian scaled and perturbed per design. The reference is a dense
LU solve of the assembled matrix refined with extended-precision residuals, so it is accurate to far
below the 1e-10 asked of the condensed solve even where plain LU loses digits (a DFN Newton matrix with a
large step has a 2-norm condition number ~1e14, mostly from the scales of its unknowns).
"""

from __future__ import annotations

import numpy as np
import pytest

from solvers.batched.linalg import BatchedCondensedSolver, particle_blocks
from solvers.models import DFN, SPM, SPMe
from solvers.models.base import DEFAULT_MESH
from solvers.models.stepping import Control, JacobianPlan
from solvers.parameters import get_parameter_set
from solvers.steps import Step

COARSE = {"x_n": 4, "x_s": 3, "x_p": 5, "r_n": 6, "r_p": 9}  # different particle sizes in n and p
HB_S = np.array([1e-3, 3e-2, 1.0, 10.0])  # h beta of the four designs [s]
TOL = 1e-10


def _problem(model, mesh):
    """(system, plan, J values at the initial state) for Chen2020."""
    cell, system, _kernel = model()._system(
        get_parameter_set("Chen2020"), None, dict(mesh), "isothermal", "numpy"
    )
    c_n0, c_p0 = cell.initial_concentrations(None)
    y0 = system.full_state(system.initial_state(c_n0, c_p0), 0.0)
    probe = Control(Step("power", 1.0, text="sparsity probe"), 0.0, 0.0)  # as Integrator._ensure_plan

    def f(Y):
        return system.rhs(Y, probe)

    jitter = y0 * (1.0 + 1e-3 * np.sin(np.arange(y0.size) + 1.0)) + 1e-4
    plan = JacobianPlan.build(f, [y0, jitter])
    J = plan.jacobian(f, y0, f(y0[None, :])[0])
    return system, plan, np.asarray(J[plan.rows, plan.cols]).ravel()


def _designs(system, vals0, seed, hb=HB_S):
    """Per design: J scaled by 0.5-2 and every entry perturbed by ~5 %, d = diff / (h beta)."""
    rng = np.random.default_rng(seed)
    B = hb.size
    vals = (
        vals0[None, :] * rng.uniform(0.5, 2.0, (B, 1)) * (1.0 + 0.05 * rng.standard_normal((B, vals0.size)))
    )
    d = system.is_differential.astype(float)[None, :] / hb[:, None]
    r = rng.standard_normal((B, system.n))
    return vals, d, r


def _dense(n, rows, cols, vals, d):
    M = np.zeros((vals.shape[0], n, n))
    M[:, rows, cols] = -vals
    M[:, np.arange(n), np.arange(n)] += d
    return M


def _reference(M, r):
    """Dense LU solves, refined twice with residuals in extended precision."""
    x = np.linalg.solve(M, r[..., None])[..., 0]
    M_ext = M.astype(np.longdouble)
    for _ in range(2):
        res = (r.astype(np.longdouble) - np.einsum("bij,bj->bi", M_ext, x.astype(np.longdouble))).astype(
            float
        )
        x = x + np.linalg.solve(M, res[..., None])[..., 0]
    return x


def _rel_err(x, ref):
    return np.abs(x - ref).max(axis=1) / np.abs(ref).max(axis=1)


@pytest.fixture(scope="module")
def dfn_default():
    return _problem(DFN, DEFAULT_MESH)


@pytest.mark.parametrize("mesh", ["default", "coarse"])
def test_dfn_condensed_solve_matches_dense(mesh, dfn_default):
    system, plan, vals0 = dfn_default if mesh == "default" else _problem(DFN, COARSE)
    blocks = particle_blocks(system)
    assert len(blocks) == system.Nn + system.Np
    solver = BatchedCondensedSolver(np, system.n, plan.rows, plan.cols, blocks)
    # the complement is the x-system of the compiled stepper: c_e, phi_e, phi_s per cell and the current
    assert solver.n_dense == 2 * system.Nx + system.Nn + system.Np + 1
    vals, d, r = _designs(system, vals0, seed=1)
    ok = solver.factor(vals, d)
    assert ok.shape == (4,)
    assert ok.all()
    x = solver.solve(r)
    ref = _reference(_dense(system.n, plan.rows, plan.cols, vals, d), r)
    assert _rel_err(x, ref).max() <= TOL
    # a second right-hand side with the same factors
    x2 = solver.solve(2.0 * r + 1.0)
    assert (
        _rel_err(x2, _reference(_dense(system.n, plan.rows, plan.cols, vals, d), 2.0 * r + 1.0)).max() <= TOL
    )


@pytest.mark.parametrize("model", [SPM, SPMe])
@pytest.mark.parametrize("mesh", [DEFAULT_MESH, COARSE])
@pytest.mark.parametrize("condense", [False, True])
def test_spm_spme_dense_and_condensed(model, mesh, condense):
    system, plan, vals0 = _problem(model, mesh)
    blocks = particle_blocks(system) if condense else []
    assert len(particle_blocks(system)) == 2
    solver = BatchedCondensedSolver(np, system.n, plan.rows, plan.cols, blocks)
    assert solver.n_dense == system.n - (system.nr_n + system.nr_p if condense else 0)
    vals, d, r = _designs(system, vals0, seed=2)
    assert solver.factor(vals, d).all()
    ref = _reference(_dense(system.n, plan.rows, plan.cols, vals, d), r)
    assert _rel_err(solver.solve(r), ref).max() <= TOL


def _synthetic(seed=0):
    """A pattern the models do not have: blocks of three sizes among complement unknowns, coupled to the
    complement from any of their rows and columns, several blocks sharing complement rows and columns (so
    the Schur update adds several blocks' terms into one entry), a block row with no diagonal entry."""
    rng = np.random.default_rng(seed)
    n = 40
    blocks = [(3, 5), (10, 7), (20, 1), (25, 3), (30, 7)]
    in_block = np.zeros(n, dtype=bool)
    for s, z in blocks:
        in_block[s : s + z] = True
    comp = np.flatnonzero(~in_block)
    P = np.zeros((n, n), dtype=bool)
    for s, z in blocks:
        for i in range(z):
            P[s + i, s + max(i - 1, 0) : s + min(i + 2, z)] = True
        P[s + z // 2, s + z // 2] = False  # a missing diagonal entry: d alone there
        for c in (comp[0], comp[-1], rng.choice(comp)):  # shared complement columns (and rows, below)
            P[s + rng.integers(z), c] = True
            P[c, s + rng.integers(z)] = True
    P[np.ix_(comp, comp)] = rng.random((comp.size, comp.size)) < 0.3
    rows, cols = np.nonzero(P)
    return n, rows, cols, blocks


def test_synthetic_pattern_with_shared_couplings():
    n, rows, cols, blocks = _synthetic()
    solver = BatchedCondensedSolver(np, n, rows, cols, blocks)
    rng = np.random.default_rng(3)
    B = 5
    vals = rng.standard_normal((B, rows.size))
    d = rng.uniform(8.0, 12.0, (B, n))  # diagonally dominant enough for the unpivoted Thomas sweeps
    d[:, solver.complement[::3]] = 0.0  # algebraic unknowns
    d[:, 0] = 0.0
    r = rng.standard_normal((B, n))
    assert solver.factor(vals, d).all()
    M = _dense(n, rows, cols, vals, d)
    assert _rel_err(solver.solve(r), _reference(M, r)).max() <= TOL


def test_mask_refactorises_only_the_chosen_designs():
    n, rows, cols, blocks = _synthetic(seed=4)
    solver = BatchedCondensedSolver(np, n, rows, cols, blocks)
    rng = np.random.default_rng(5)
    B = 4
    vals1, vals2 = rng.standard_normal((2, B, rows.size))
    d1, d2 = rng.uniform(8.0, 12.0, (2, B, n))
    r = rng.standard_normal((B, n))
    ref1 = _reference(_dense(n, rows, cols, vals1, d1), r)
    ref2 = _reference(_dense(n, rows, cols, vals2, d2), r)
    solver.factor(vals1, d1)
    mask = np.array([True, False, True, False])
    assert solver.factor(vals2, d2, mask=mask).all()
    x = solver.solve(r)
    assert _rel_err(x[mask], ref2[mask]).max() <= TOL
    assert _rel_err(x[~mask], ref1[~mask]).max() <= TOL
    # nothing chosen: nothing changes
    solver.factor(vals1 * 0.0, d1 * 0.0, mask=np.zeros(B, dtype=bool))
    np.testing.assert_array_equal(solver.solve(r), x)
    # the designs still iterating alone (rows of r for designs 3 and 0, in that order)
    some = np.array([3, 0])
    np.testing.assert_allclose(solver.solve(r[some], index=some), x[some], rtol=1e-13, atol=1e-15)
    with pytest.raises(ValueError, match="r must be"):
        solver.solve(r, index=some)
    # a batch started with a mask: the designs never factorised are flagged and solve to NaN
    fresh = BatchedCondensedSolver(np, n, rows, cols, blocks)
    ok = fresh.factor(vals2, d2, mask=mask)
    np.testing.assert_array_equal(ok, mask)
    y = fresh.solve(r)
    assert np.isnan(y[~mask]).all()
    assert _rel_err(y[mask], ref2[mask]).max() <= TOL


def test_singular_design_is_flagged_and_the_others_are_solved():
    n, rows, cols, blocks = _synthetic(seed=6)
    solver = BatchedCondensedSolver(np, n, rows, cols, blocks)
    rng = np.random.default_rng(7)
    vals = rng.standard_normal((3, rows.size))
    d = rng.uniform(8.0, 12.0, (3, n))
    c0 = solver.complement[0]
    vals[1, rows == c0] = 0.0  # design 1: a zero row in the complement
    d[1, c0] = 0.0
    r = rng.standard_normal((3, n))
    ok = solver.factor(vals, d)
    np.testing.assert_array_equal(ok, [True, False, True])
    x = solver.solve(r)
    good = np.array([0, 2])
    assert _rel_err(x[good], _reference(_dense(n, rows, cols, vals[good], d[good]), r[good])).max() <= TOL


def test_bad_blocks_and_inputs_are_named(dfn_default):
    system, plan, _ = dfn_default
    blocks = particle_blocks(system)
    start = blocks[3][0]
    rows = np.append(plan.rows, start)
    cols = np.append(plan.cols, start + 2)  # two radial cells apart: not tridiagonal
    with pytest.raises(
        ValueError, match=rf"block 3 \({start}, 20\) is not tridiagonal: .*row {start}, col {start + 2}"
    ):
        BatchedCondensedSolver(np, system.n, rows, cols, blocks)
    with pytest.raises(ValueError, match="couples block 0"):  # a block across two particles' boundary
        BatchedCondensedSolver(np, system.n, plan.rows, plan.cols, [(0, 10), (10, 20)])
    with pytest.raises(ValueError, match="overlaps block 0"):
        BatchedCondensedSolver(np, system.n, plan.rows, plan.cols, [(0, 20), (19, 3)])
    with pytest.raises(ValueError, match="is repeated"):
        BatchedCondensedSolver(np, system.n, np.append(plan.rows, 0), np.append(plan.cols, 0), blocks)
    solver = BatchedCondensedSolver(np, system.n, plan.rows, plan.cols, blocks)
    with pytest.raises(RuntimeError, match="before factor"):
        solver.solve(np.zeros((2, system.n)))
    with pytest.raises(ValueError, match="vals must be"):
        solver.factor(np.zeros((2, 5)), np.zeros((2, system.n)))


def test_an_ill_conditioned_complement_is_solved_to_a_small_residual():
    """The dense complement is solved with its explicit inverse plus one refinement step: for a
    condition number of 1e13 (a particle filling up drives j0 to 0) the residual is ~1e-8 of the right-hand
    side, where the inverse alone leaves ~3e-5."""
    rng = np.random.default_rng(0)
    n, B = 60, 4
    rows, cols = np.nonzero(np.ones((n, n)))
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    M = (U * np.logspace(0, -13, n)) @ V.T
    r = np.einsum("ij,bj->bi", M, rng.standard_normal((B, n)))
    solver = BatchedCondensedSolver(np, n, rows, cols, [])
    assert solver.factor(np.stack([-M[rows, cols]] * B), np.zeros((B, n))).all()
    x = solver.solve(r)
    residual = np.abs(np.einsum("ij,bj->bi", M, x) - r).max() / np.abs(r).max()
    assert residual < 1e-7
