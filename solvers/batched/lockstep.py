r"""Many designs in lockstep: one batched BDF over an array namespace (numpy on the CPU, CuPy on a GPU).

:meth:`solvers.models.base.CellModel.solve_batch` with ``method="lockstep"`` (the default for
``backend="cupy"``) solves B parameter variants of one model, mesh and protocol together. Every
operation below is array code over ``xp`` with the design as the leading axis, so the same lines run on
numpy in CI and on CuPy where a GPU exists (CuPy is imported only when chosen, see
:mod:`solvers.backends`):

* the residuals of all designs in one call (:mod:`solvers.batched.kernels`, per-design geometry
  vectors and function tables);
* the finite-difference Jacobians of all designs in one call (one colouring, every colour stacked on
  the batch axis);
* the Newton matrices :math:`M_b = \mathrm{diag}(d_b) - J_b` of all designs factorised and solved
  together, particles condensed onto the x-system (:mod:`solvers.batched.linalg`).

Each design keeps its own time, step size, BDF order, step of the protocol and events; the designs
iterate in lockstep (one Newton iteration is one residual call for all designs still iterating), and a
design that finishes leaves the batch. The integrator is the compiled stepper's
(:mod:`solvers.models.compiled`): variable-step BDF1/BDF2, IDA's Newton convergence test, modified
Newton with the Jacobian kept until Newton fails, the step start made consistent by a BDF1 step of
1e-10 s, events located by Illinois false position on the step size. A design the lockstep path cannot
finish (its Newton fails where no event is near) is solved again on its own by
:meth:`CellModel.solve`, so a batch never loses a design; its ``info["kernel"]`` says so.

Outputs are every accepted step of each design (and the exact start and end of every step of the
protocol), with the terminal voltage computed from each row's state.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np

from solvers.models.compiled import _MODE_CODES, _QUANTITY_CODES, EVENT_NAMES, INIT_NEWTON_TOL, N_FIXED_EVENTS
from solvers.models.stepping import NEWTON_MAX_RATE, NEWTON_TOL

#: status of a design in the batch
RUNNING, DONE, FAILED = 0, 1, 2
#: the largest step [s], as the compiled stepper
MAX_STEP_S = 600.0
#: designs solved together at most; a larger sweep goes in batches of this size. The DFN's Schur
#: complements and their inverses take 2 x 161^2 x 8 B = 0.4 MB per design (default mesh), the stacked
#: finite-difference residuals about as much: 1024 designs need under 1 GB of GPU memory.
MAX_DESIGNS_PER_BATCH = 1024


def protocol_reason(steps_per_design) -> str | None:
    """Why these protocols cannot run in lockstep (None when they can)."""
    n_steps = len(steps_per_design[0])
    for b, steps in enumerate(steps_per_design):
        if len(steps) != n_steps:
            return f"design {b} has {len(steps)} steps, design 0 has {n_steps}"
        for s in steps:
            if s.profile_value is not None or s.period_s is not None or s.mode not in _MODE_CODES:
                return f"step {s.text or s.mode!r} (a tabulated profile) runs each design on its own"
    return None


def design_reason(system) -> str | None:
    """Why this design cannot go into a lockstep batch (None when it can)."""
    if system.kernel_name is None:
        return f"the {system.model_name.upper()} has no array kernel"
    if system.lumped:
        return "the lumped thermal option runs each design on its own (the array kernels are isothermal)"
    if system.compiled is None:
        return "its functions could not be tabulated for the array kernels"
    return None


@dataclass
class _Protocol:
    """The steps of every design as arrays (B, K) and (B, K, L) (host numpy)."""

    modes: np.ndarray
    values: np.ndarray
    durations: np.ndarray
    lim_q: np.ndarray
    lim_op: np.ndarray
    lim_v: np.ndarray
    n_lims: np.ndarray

    @classmethod
    def build(cls, steps_per_design, cap_s: np.ndarray) -> _Protocol:
        B, K = len(steps_per_design), len(steps_per_design[0])
        L = max(1, max(len(s.limits) for steps in steps_per_design for s in steps))
        p = cls(
            modes=np.zeros((B, K), dtype=np.int64),
            values=np.zeros((B, K)),
            durations=np.zeros((B, K)),
            lim_q=np.zeros((B, K, L), dtype=np.int64),
            lim_op=np.zeros((B, K, L), dtype=np.int64),
            lim_v=np.zeros((B, K, L)),
            n_lims=np.zeros((B, K), dtype=np.int64),
        )
        for b, steps in enumerate(steps_per_design):
            for k, s in enumerate(steps):
                p.modes[b, k] = _MODE_CODES[s.mode]
                p.values[b, k] = s.value
                p.durations[b, k] = s.duration_s if s.duration_s is not None else cap_s[b]
                p.n_lims[b, k] = len(s.limits)
                for m, lim in enumerate(s.limits):
                    p.lim_q[b, k, m] = _QUANTITY_CODES[lim.quantity]
                    p.lim_op[b, k, m] = 0 if lim.op == "<" else 1
                    p.lim_v[b, k, m] = lim.value
        return p


#: the counters of each design (columns of ``LockstepSolver.counts``), as the compiled stepper's info
_COUNTERS = (
    "n_steps", "n_newton", "n_jac", "n_factorisations", "n_error_test_failures", "n_convergence_failures"
)  # fmt: skip
STEPS, NEWTON, JAC, FACT, ERR_FAIL, CONV_FAIL = range(len(_COUNTERS))


@dataclass
class _Stats:
    """One design's counters, as the steppers' integrator statistics."""

    n_steps: int
    n_newton: int
    n_jac: int
    n_factorisations: int
    n_error_test_failures: int
    n_convergence_failures: int


@dataclass
class _Output:
    """Rows of one design, gathered on the host."""

    t: list = field(default_factory=list)
    y: list = field(default_factory=list)
    V: list = field(default_factory=list)
    k: list = field(default_factory=list)


class LockstepSolver:
    """B designs of one model and mesh, solved together (see the module docstring).

    Parameters
    ----------
    systems : list of CellSystem
        Built with the numba tables (``system.compiled``), one per design, same ``structure_key``.
    steps_per_design : list of list of Step
        The same number of steps for every design (values may differ, e.g. C-rates resolved per design).
    xp : module
        numpy or cupy.
    """

    def __init__(self, systems, steps_per_design, xp, *, rtol, atol, cap_s, plan, v_min, v_max):
        from solvers.batched import kernels as xp_kernels
        from solvers.batched import linalg as xp_linalg

        self.xp = xp
        self.systems = systems
        self.steps_per_design = steps_per_design
        self.B = len(systems)
        first = systems[0]
        self.kind = first.kernel_name  # "dfn" or "spm"
        self.n = first.n
        self.n_core = first.n_core
        self.design = xp_kernels.stack_systems(systems, xp)
        self.residual_core = xp_kernels.residual
        self.protocol = _Protocol.build(steps_per_design, np.asarray(cap_s, dtype=float))
        self.rtol = float(rtol)
        self.diff_h = first.is_differential.astype(float)
        self.diff = xp.asarray(self.diff_h)
        self.atol = xp.asarray(atol * first.atol_scale)
        self.v_min = xp.asarray(np.asarray(v_min, dtype=float))
        self.v_max = xp.asarray(np.asarray(v_max, dtype=float))
        self.sl_info = first.event_layout()
        # finite-difference plan: one colouring, shared by every design
        self.colours_h = plan.colours
        self.n_colours = int(plan.n_colours)
        self.rows_h, self.cols_h = plan.rows, plan.cols
        self.rows = xp.asarray(plan.rows)
        self.cols = xp.asarray(plan.cols)
        self.entry_colour = xp.asarray(plan.colours[plan.cols])
        self.col_masks = xp.asarray(
            (plan.colours[None, :] == np.arange(self.n_colours)[:, None]).astype(float)
        )  # (C, n)
        self.solver = xp_linalg.BatchedCondensedSolver(
            xp, self.n, plan.rows, plan.cols, xp_linalg.particle_blocks(first)
        )
        # per-design Newton state
        B = self.B
        self.jac = xp.zeros((B, plan.rows.size))
        self.have_jac = np.zeros(B, dtype=bool)
        self.fresh = np.zeros(B, dtype=bool)
        self.hb_fac = np.full(B, -1.0)
        self.ss = np.full(B, 20.0)
        self.counts = np.zeros((B, len(_COUNTERS)), dtype=np.int64)
        self.n_rounds = 0

    def stats(self, b) -> _Stats:
        """The counters of design b."""
        return _Stats(*(int(v) for v in self.counts[b]))

    # -------------------------------------------------------------------------------------- layout
    # ------------------------------------------------------------------------------------ residuals
    def rhs(self, Y, idx, mode, value):
        """Full residual (core rows and the current row) of designs ``idx`` at states Y; returns (f, V)."""
        xp = self.xp
        d = self.design.subset(self.xp.asarray(idx))
        I_A = Y[:, -1]
        want_v = True
        if self.kind == "spm" and not bool(np.any(mode != 0)):
            want_v = False  # a current imposed on every design: the SPMe residual does not need V
        f_core, V = self.residual_core(self.kind, Y, I_A, d, want_v)
        f = xp.empty_like(Y)
        f[:, : self.n_core] = f_core
        mode_x = xp.asarray(mode)
        value_x = xp.asarray(value)
        with np.errstate(invalid="ignore"):
            row = xp.where(
                mode_x == 0,
                I_A - value_x,
                xp.where(
                    mode_x == 1,
                    V - value_x,
                    xp.where(
                        mode_x == 2, (I_A * V - value_x) / xp.maximum(xp.abs(V), 1.0), V - I_A * value_x
                    ),
                ),
            )
        f[:, -1] = row
        return f, V

    def voltage(self, Y, idx):
        """Terminal voltage [V] of designs ``idx`` at states Y."""
        from solvers.batched import kernels as xp_kernels

        if self.kind == "dfn":
            Np = self.systems[0].Np
            o = self.n - 1 - Np
            r_contact = self.design.geo[self.xp.asarray(idx), 22]
            return 1.5 * Y[:, o + Np - 1] - 0.5 * Y[:, o + Np - 2] - Y[:, -1] * r_contact
        return xp_kernels.spm_voltage(Y, Y[:, -1], self.design.subset(self.xp.asarray(idx)))

    def events(self, Y, V, idx, k):
        """Event values (B_idx, 6 + L) of designs ``idx`` in their steps ``k``; an event fires at <= 0."""
        xp = self.xp
        p = self.protocol
        o_csn, nr_n, Nn, o_csp, nr_p, Np, _o_ce, _Nx = self.sl_info
        mode = xp.asarray(p.modes[idx, k])
        value = xp.asarray(p.values[idx, k])
        v_min, v_max = self.v_min[xp.asarray(idx)], self.v_max[xp.asarray(idx)]
        held = (mode == 1) & (value >= v_min) & (value <= v_max)  # a voltage hold inside the window
        m = Y.shape[0]
        L = p.lim_q.shape[2]
        ev = xp.empty((m, N_FIXED_EVENTS + L))
        ev[:, 0] = xp.where(held, 1.0, V - v_min)
        ev[:, 1] = xp.where(held, 1.0, v_max - V)
        cs_n = Y[:, o_csn : o_csn + Nn * nr_n].reshape(m, Nn, nr_n)
        cs_p = Y[:, o_csp : o_csp + Np * nr_p].reshape(m, Np, nr_p)
        s_n = 1.5 * cs_n[:, :, -1] - 0.5 * cs_n[:, :, -2]
        s_p = 1.5 * cs_p[:, :, -1] - 0.5 * cs_p[:, :, -2]
        from solvers.models.base import STO_EVENT_MARGIN

        ev[:, 2] = xp.min(s_n, axis=1) - STO_EVENT_MARGIN
        ev[:, 3] = 1.0 - STO_EVENT_MARGIN - xp.max(s_n, axis=1)
        ev[:, 4] = xp.min(s_p, axis=1) - STO_EVENT_MARGIN
        ev[:, 5] = 1.0 - STO_EVENT_MARGIN - xp.max(s_p, axis=1)
        I_A = Y[:, -1]
        q = xp.asarray(p.lim_q[idx, k])  # (m, L)
        op = xp.asarray(p.lim_op[idx, k])
        lv = xp.asarray(p.lim_v[idx, k])
        x = xp.where(q == 0, V[:, None], xp.where(q == 1, xp.abs(I_A)[:, None], xp.abs(I_A * V)[:, None]))
        lim = xp.where(op == 0, x - lv, lv - x)
        n_l = xp.asarray(p.n_lims[idx, k])
        ev[:, N_FIXED_EVENTS:] = xp.where(xp.arange(L)[None, :] < n_l[:, None], lim, 1.0)
        return ev

    # ------------------------------------------------------------------------------------- Newton
    def jacobian(self, Y, idx, mode, value):
        """Finite-difference Jacobians of designs ``idx`` at states Y (every colour in one call)."""
        xp = self.xp
        m, n, C = Y.shape[0], self.n, self.n_colours
        delta = 1e-7 * xp.maximum(xp.abs(Y), 1e-3)  # (m, n)
        Yc = Y[None, :, :] + delta[None, :, :] * self.col_masks[:, None, :]  # (C, m, n)
        Ys = xp.concatenate([Y[None], Yc], axis=0).reshape((C + 1) * m, n)
        idx_rep = np.tile(idx, C + 1)
        with np.errstate(all="ignore"):
            F, _V = self.rhs(Ys, idx_rep, np.tile(mode, C + 1), np.tile(value, C + 1))
        F = F.reshape(C + 1, m, n)
        f0 = F[0]
        Fc = F[1:]  # (C, m, n)
        # entry e: (F[colour(col e)][:, row e] - f0[:, row e]) / delta[:, col e]
        picked = Fc[self.entry_colour, :, self.rows]  # (nnz, m)
        vals = (picked.T - f0[:, self.rows]) / delta[:, self.cols]
        np.add.at(self.counts[:, JAC], idx, 1)  # host bookkeeping (idx may repeat a design)
        return vals

    def newton_step(self, idx, ht, hy, nh, h, max_it, toldel):
        """One BDF1/2 step of size h (m,) from each design's history; returns (y_new, err, ok).

        ``ht`` (m, 3), ``hy`` (m, 3, n) and ``nh`` (m,) are the histories of designs ``idx`` (host index
        array); a design fails (ok False) when Newton does not converge with a fresh Jacobian.
        """
        xp = self.xp
        p = self.protocol
        k = self.k[idx]
        mode, value = p.modes[idx, k], p.values[idx, k]
        m = idx.size
        h_x = xp.asarray(h)
        nh_x = xp.asarray(nh)
        rows = xp.arange(m)
        t_n = ht[rows, nh_x - 1]
        y_n = hy[rows, nh_x - 1]
        # BDF2 coefficients where two points exist (BDF1 otherwise)
        two = nh_x >= 2
        three = nh_x >= 3
        t_m = xp.where(two, ht[rows, xp.maximum(nh_x - 2, 0)], t_n - 1.0)
        y_m = hy[rows, xp.maximum(nh_x - 2, 0)]
        w = xp.where(two, h_x / (t_n - t_m), 0.0)
        a1c = (1 + w) ** 2 / (1 + 2 * w)
        a2c = -(w**2) / (1 + 2 * w)
        hb_x = h_x * (1 + w) / (1 + 2 * w)
        psi = a1c[:, None] * y_n + a2c[:, None] * y_m
        t_new = t_n + h_x
        t0 = ht[rows, xp.maximum(nh_x - 3, 0)]
        y0 = hy[rows, xp.maximum(nh_x - 3, 0)]
        t1, t2 = t_m, t_n
        with np.errstate(all="ignore"):
            L0 = (t_new - t1) * (t_new - t2) / ((t0 - t1) * (t0 - t2))
            L1 = (t_new - t0) * (t_new - t2) / ((t1 - t0) * (t1 - t2))
            L2 = (t_new - t0) * (t_new - t1) / ((t2 - t0) * (t2 - t1))
            quad = L0[:, None] * y0 + L1[:, None] * y_m + L2[:, None] * y_n
            lin = y_n + (h_x / (t_n - t_m))[:, None] * (y_n - y_m)
        ypred = xp.where(three[:, None], quad, xp.where(two[:, None], lin, y_n))
        err_const = xp.where(three, 2.0 / 7.0, xp.where(two, 1.0 / 3.0, 0.5))
        hb = _host(xp, hb_x)
        weights = 1.0 / (self.atol[None, :] + self.rtol * xp.abs(y_n))
        y_out = ypred.copy()
        ok = np.zeros(m, dtype=bool)
        todo = np.ones(m, dtype=bool)
        for attempt in range(2):
            sel = np.flatnonzero(todo)
            if sel.size == 0:
                break
            need_jac = sel[~self.have_jac[idx[sel]]]
            if need_jac.size:
                self.jac[xp.asarray(idx[need_jac])] = self.jacobian(
                    ypred[xp.asarray(need_jac)], idx[need_jac], mode[need_jac], value[need_jac]
                )
                self.have_jac[idx[need_jac]] = True
                self.fresh[idx[need_jac]] = True
                self.hb_fac[idx[need_jac]] = -1.0
            ratio = hb[sel] / np.where(self.hb_fac[idx[sel]] > 0, self.hb_fac[idx[sel]], np.nan)
            need_fac = sel[~((ratio > 0.8) & (ratio < 1.25))]
            if need_fac.size:
                mask = np.zeros(self.B, dtype=bool)
                mask[idx[need_fac]] = True
                d = np.zeros((self.B, self.n))
                d[idx[need_fac]] = self.diff_h[None, :] / hb[need_fac][:, None]
                fac_ok = _host(xp, self.solver.factor(self.jac, xp.asarray(d), mask=xp.asarray(mask)))
                self.hb_fac[idx[need_fac]] = hb[need_fac]
                # a singular matrix (non-finite Jacobian): no iteration for that design this attempt
                singular = need_fac[~fac_ok[idx[need_fac]]]
                self.hb_fac[idx[singular]] = -1.0
                sel = np.setdiff1d(sel, singular)
                self.ss[idx[need_fac]] = 20.0
                self.counts[idx[need_fac], FACT] += 1
            y_out[xp.asarray(sel)] = ypred[xp.asarray(sel)]
            conv = self._iterate(idx, sel, y_out, psi, hb_x, weights, mode, value, max_it, toldel)
            ok[sel[conv]] = True
            todo[sel[conv]] = False
            # not converged: with a fresh Jacobian that is a failure, else refresh it and try once more
            bad = sel[~conv]
            stale = bad[~self.fresh[idx[bad]]]
            self.have_jac[idx[stale]] = False
            todo[:] = False
            todo[stale] = True
            if attempt == 1:
                break
        self.fresh[idx[ok]] = False
        diff_err = err_const[:, None] * (y_out - ypred) * self.diff[None, :]
        sc = self.atol[None, :] + self.rtol * xp.maximum(xp.abs(y_out), xp.abs(y_n))
        err = xp.sqrt(xp.mean((diff_err / sc) ** 2, axis=1))
        return y_out, _host(xp, err), ok

    def _iterate(self, idx, sel, y_out, psi, hb_x, weights, mode, value, max_it, toldel):
        """Newton iterations of designs ``sel`` (rows of y_out) in lockstep; returns converged flags."""
        xp = self.xp
        m = sel.size
        conv = np.zeros(m, dtype=bool)
        live = np.ones(m, dtype=bool)
        m_it = np.zeros(m, dtype=np.int64)
        old_norm = np.zeros(m)
        g_prev = np.full(m, np.inf)
        dy = xp.zeros((m, self.n))
        sel_x = xp.asarray(sel)
        Ys = y_out[sel_x]
        psi_s, hb_s, w_s = psi[sel_x], hb_x[sel_x], weights[sel_x]
        designs = idx[sel]
        for it in range(max_it + 4):
            run = np.flatnonzero(live & (m_it < max_it))
            if run.size == 0:
                break
            run_x = xp.asarray(run)
            self.counts[designs[run], NEWTON] += 1
            with np.errstate(all="ignore"):
                f, _V = self.rhs(Ys[run_x], designs[run], mode[sel[run]], value[sel[run]])
                G = self.diff[None, :] * (Ys[run_x] - psi_s[run_x]) / hb_s[run_x][:, None] - f
                g_norm = _host(xp, xp.sqrt(xp.sum(G * G, axis=1)))
            finite = np.isfinite(g_norm)
            if it == 0:
                live[run[~finite]] = False
            worse = (~finite | (g_norm > g_prev[run])) & (it > 0)
            worse &= live[run]
            if np.any(worse):
                # the full Newton step made things worse (steep kinetics): take half of it
                wr = xp.asarray(run[worse])
                dy[wr] *= 0.5
                Ys[wr] += dy[wr]
                g_prev[run[worse]] = np.inf
            go = run[~worse & live[run]]
            if go.size == 0:
                continue
            keep = ~worse & live[run]
            g_prev[go] = g_norm[keep]
            step = self.solver.solve(G[xp.asarray(np.flatnonzero(keep))], index=xp.asarray(designs[go]))
            go_x = xp.asarray(go)
            dy[go_x] = step
            Ys[go_x] -= step
            with np.errstate(all="ignore"):
                norm = _host(xp, xp.sqrt(xp.mean((step * w_s[go_x]) ** 2, axis=1)))
            # IDA's test per design (see solvers.models.compiled._bdf_step), vectorised
            nf = ~np.isfinite(norm)
            live[go[nf]] = False
            g2, nm = go[~nf], norm[~nf]
            b2 = designs[g2]
            first = m_it[g2] == 0
            done_now = first & (nm <= 1e-4 * toldel)
            old_norm[g2[first]] = nm[first]
            later = ~first
            with np.errstate(all="ignore"):
                rate = np.where(
                    old_norm[g2] > 0.0,
                    (nm / np.where(old_norm[g2] > 0, old_norm[g2], 1.0)) ** (1.0 / np.maximum(m_it[g2], 1)),
                    0.0,
                )
            diverging = later & (rate > NEWTON_MAX_RATE)
            upd = later & ~diverging
            self.ss[b2[upd]] = rate[upd] / (1.0 - rate[upd])
            done_now |= ~diverging & ~done_now & (self.ss[b2] * nm <= toldel)
            conv[g2[done_now]] = True
            live[g2[done_now | diverging]] = False
            m_it[g2[~done_now & ~diverging]] += 1
        y_out[sel_x] = Ys
        finite_rows = _host(xp, xp.all(xp.isfinite(Ys), axis=1))
        return conv & finite_rows

    # ---------------------------------------------------------------------------------- the driver
    def run(self, y0s, progress=None):
        """Solve every design's steps from its initial state (B, n). Returns per-design outputs."""
        xp = self.xp
        B, n = self.B, self.n
        p = self.protocol
        self.k = np.zeros(B, dtype=np.int64)
        status = np.full(B, RUNNING)
        termination = [""] * B
        fail_reason = [""] * B
        out = [_Output() for _ in range(B)]
        ht = xp.zeros((B, 3))
        hy = xp.zeros((B, 3, n))
        nh = np.ones(B, dtype=np.int64)
        h = np.zeros(B)
        t_end = np.zeros(B)
        ev_prev = xp.zeros((B, N_FIXED_EVENTS + p.lim_q.shape[2]))
        hy[:, 0] = xp.asarray(y0s)
        self.need_start = np.ones(B, dtype=bool)
        while True:
            self.n_rounds += 1
            # ---- start the steps of designs that need it: consistent potentials and current
            starting = np.flatnonzero(self.need_start & (status == RUNNING))
            if starting.size:
                self.need_start[starting] = False  # a step skipped at its start sets it again
                self._start_steps(
                    starting, ht, hy, nh, h, t_end, ev_prev, status, termination, fail_reason, out
                )
                continue
            act = np.flatnonzero(status == RUNNING)
            if act.size == 0:
                break
            act_x = xp.asarray(act)
            t_last = _host(xp, ht[act_x, xp.asarray(nh[act] - 1)])
            h[act] = np.minimum(np.minimum(h[act], t_end[act] - t_last), MAX_STEP_S)
            y_new, err, ok = self.newton_step(act, ht[act_x], hy[act_x], nh[act], h[act], 4, NEWTON_TOL)
            # ---- Newton failures: a quarter of the step, fresh Jacobian, BDF1 restart
            failed = act[~ok]
            self.counts[failed, CONV_FAIL] += 1
            small = failed[h[failed] <= 1e-6]
            retry = failed[h[failed] > 1e-6]
            h[retry] *= 0.25
            self.have_jac[retry] = False
            self._restart_history(retry, ht, hy, nh)
            if small.size:
                self._stuck(small, ht, hy, nh, status, termination, fail_reason, out)
            # ---- error test
            acc_mask = ok & (err <= 1.0)
            rej = act[ok & (err > 1.0)]
            self.counts[rej, ERR_FAIL] += 1
            e_rej = err[ok & (err > 1.0)]
            h[rej] *= np.maximum(0.2, 0.9 * e_rej ** (-1.0 / 3.0))
            tiny = rej[h[rej] < 1e-8]
            for b in tiny:
                status[b] = FAILED
                fail_reason[b] = "the step size fell below 1e-8 s (the error test kept failing)"
            acc = act[acc_mask]
            if acc.size == 0:
                continue
            self._accept(acc, y_new[xp.asarray(np.flatnonzero(acc_mask))], err[acc_mask], ht, hy, nh, h, t_end,
                         ev_prev, status, termination, out)  # fmt: skip
            if progress is not None:
                progress(
                    float(np.mean(status != RUNNING)), f"{int(np.sum(status != RUNNING))} of {B} designs done"
                )
        return out, termination, fail_reason

    def resample(self, out, period_s):
        """Each design's rows on its output grid, as the compiled stepper puts them out.

        Per step of the protocol: its start, every ``period_s`` from the start (the state interpolated
        through the up to three accepted points that end at or after the output time, as the stepper's
        history at that moment), and its end. The voltage of each row is computed from its state.
        Returns a list of (t, Y, V, k) per design.
        """
        xp = self.xp
        rows_t, rows_y, owners = [], [], []
        plans = []
        for b, o in enumerate(out):
            t = np.asarray(o.t)
            Y = np.stack(o.y) if o.y else np.zeros((0, self.n))
            k = np.asarray(o.k, dtype=np.int64)
            pieces = []  # (t, Y, V or None, k) in order
            starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if t.size else np.zeros(0, dtype=int)
            # a step skipped at its start leaves one row; a step's rows run from its start to its end
            bounds = [*starts.tolist(), t.size]
            for s0, s1 in itertools.pairwise(bounds):
                ts, Ys = t[s0:s1], Y[s0:s1]
                pieces.append(("row", s0))
                if ts.size >= 2:
                    grid = ts[0] + period_s[b] * np.arange(1, int((ts[-1] - ts[0]) / period_s[b]) + 2)
                    grid = grid[grid < ts[-1] - 1e-9 * max(1.0, ts[-1])]
                    tol = 1e-9 * np.maximum(1.0, grid)
                    if grid.size:
                        # the first accepted point at or after each output time ends the history
                        i = np.clip(np.searchsorted(ts, grid - tol), 1, ts.size - 1)
                        exact = np.abs(ts[i] - grid) <= tol
                        Yi = _lagrange(ts, Ys, i, grid)
                        Yi[exact] = Ys[i[exact]]
                        pieces.append(("grid", len(rows_t), grid.size, int(k[s0])))
                        rows_t.append(np.where(exact, ts[i], grid))
                        rows_y.append(Yi)
                        owners.append(np.full(grid.size, b))
                if s1 - s0 >= 2:
                    pieces.append(("row", s1 - 1))
            plans.append((t, Y, np.asarray(o.V), k, pieces))
        V_grid = []
        if rows_t:
            Yall = np.concatenate(rows_y)
            own = np.concatenate(owners)
            V_all = _host(xp, self.voltage(xp.asarray(Yall), own)) if Yall.size else np.zeros(0)
            splits = np.cumsum([r.size for r in rows_t])[:-1]
            V_grid = np.split(V_all, splits)
        result = []
        for t, Y, V, k, pieces in plans:
            ts, Ys, Vs, ks = [], [], [], []
            for piece in pieces:
                if piece[0] == "row":
                    j = piece[1]
                    ts.append(t[j : j + 1])
                    Ys.append(Y[j : j + 1])
                    Vs.append(V[j : j + 1])
                    ks.append(k[j : j + 1])
                else:
                    _, g, size, step = piece
                    ts.append(rows_t[g])
                    Ys.append(rows_y[g])
                    Vs.append(V_grid[g])
                    ks.append(np.full(size, step, dtype=np.int64))
            if ts:
                result.append(tuple(np.concatenate(x) for x in (ts, Ys, Vs, ks)))
            else:
                result.append((np.zeros(0), np.zeros((0, self.n)), np.zeros(0), np.zeros(0, dtype=np.int64)))
        return result

    def _restart_history(self, ids, ht, hy, nh):
        xp = self.xp
        if ids.size == 0:
            return
        ids_x = xp.asarray(ids)
        last = xp.asarray(nh[ids] - 1)
        ht[ids_x, 0] = ht[ids_x, last]
        hy[ids_x, 0] = hy[ids_x, last]
        nh[ids] = 1

    def _record(self, out, ids, t, Y, V):
        """Append rows (one per design of ``ids``) to the host outputs."""
        t_h = _host(self.xp, t)
        Y_h = _host(self.xp, Y)
        V_h = _host(self.xp, V)
        for j, b in enumerate(ids):
            o = out[b]
            o.t.append(float(t_h[j]))
            o.y.append(Y_h[j])
            o.V.append(float(V_h[j]))
            o.k.append(int(self.k[b]))

    def _start_steps(self, ids, ht, hy, nh, h, t_end, ev_prev, status, termination, fail_reason, out):
        """Consistent start of step k of designs ``ids``: a BDF1 step of 1e-10 s from their last state."""
        xp = self.xp
        p = self.protocol
        ids_x = xp.asarray(ids)
        self._restart_history(ids, ht, hy, nh)
        self.have_jac[ids] = False
        self.hb_fac[ids] = -1.0
        y_new, ok = self._consistent(ids, ht[ids_x], hy[ids_x, 0], 1)
        bad = ~ok & (p.modes[ids, self.k[ids]] == 0)
        if np.any(bad):
            # ramp the imposed current from the present one in four stages
            sub = ids[bad]
            sub_x = xp.asarray(sub)
            saved = p.values[sub, self.k[sub]].copy()
            i_start = _host(xp, hy[sub_x, 0, -1])
            y_stage = hy[sub_x, 0].copy()
            good = np.ones(sub.size, dtype=bool)
            for stage in range(1, 5):
                p.values[sub, self.k[sub]] = i_start + (saved - i_start) * stage / 4.0
                y_s, ok_s = self._consistent(sub, ht[sub_x], y_stage, 1)
                good &= ok_s
                y_stage = xp.where(xp.asarray(ok_s)[:, None], y_s, y_stage)
            p.values[sub, self.k[sub]] = saved
            y_new[xp.asarray(np.flatnonzero(bad))] = y_stage
            ok[np.flatnonzero(bad)] = good
        if not ok.all():
            # full Newton, as the Python stepper's consistent start: a fresh Jacobian at the latest
            # iterate, up to eight times (modified Newton converges slowly where the kinetics bend, e.g.
            # a voltage hold after a rest: dV/dI halves between I = 0 and the hold's current)
            sub = np.flatnonzero(~ok)
            y_s, ok_s = self._consistent(ids[sub], ht[ids_x[xp.asarray(sub)]], y_new[xp.asarray(sub)], 8)
            y_new[xp.asarray(sub)] = y_s
            ok[sub] = ok_s
        for j in np.flatnonzero(~ok):
            b = ids[j]
            status[b] = FAILED
            fail_reason[b] = f"no consistent start of step {self.k[b] + 1}"
        good_ids = ids[ok]
        if good_ids.size == 0:
            return
        g_x = xp.asarray(good_ids)
        Yg = y_new[xp.asarray(np.flatnonzero(ok))]
        hy[g_x, 0] = Yg
        t0 = ht[g_x, 0]
        V = self.voltage(Yg, good_ids)
        ev = self.events(Yg, V, good_ids, self.k[good_ids])
        ev_prev[g_x] = ev
        self._record(out, good_ids, t0, Yg, V)
        t0_h = _host(xp, t0)
        dur = p.durations[good_ids, self.k[good_ids]]
        t_end[good_ids] = t0_h + dur
        h[good_ids] = np.minimum(1e-2, dur / 10.0)
        # a step limit already met at the start: the step is skipped (or the run ends at the last step)
        ev_h = _host(xp, ev)
        n_l = p.n_lims[good_ids, self.k[good_ids]]
        K = p.modes.shape[1]
        for j, b in enumerate(good_ids):
            lim = ev_h[j, N_FIXED_EVENTS : N_FIXED_EVENTS + n_l[j]]
            met = np.flatnonzero(lim <= 0.0)
            if met.size:
                if self.k[b] == K - 1:
                    status[b] = DONE
                    termination[b] = "event: " + self._limit_label(b, int(met[0]))
                else:
                    self._next_step(b)

    def _consistent(self, ids, ht, y_start, rounds):
        """Consistent potentials and current of designs ``ids`` from states ``y_start`` (m, n): a BDF1 step of
        1e-10 s (differential unknowns frozen), each round from a fresh Jacobian at the latest iterate.

        Returns (states, ok); a design that does not converge keeps its latest finite iterate.
        """
        xp = self.xp
        m = ids.size
        y = y_start.copy()
        ok = np.zeros(m, dtype=bool)
        todo = np.arange(m)
        for r in range(rounds):
            sub = ids[todo]
            todo_x = xp.asarray(todo)
            self.have_jac[sub] = False
            self.hb_fac[sub] = -1.0
            hy_s = xp.zeros((todo.size, 3, self.n))
            hy_s[:, 0] = y[todo_x]
            y_s, _err, ok_s = self.newton_step(
                sub, ht[todo_x], hy_s, np.ones(todo.size, dtype=np.int64), np.full(todo.size, 1e-10),
                40 if r == 0 else 10, INIT_NEWTON_TOL,
            )  # fmt: skip
            finite = xp.all(xp.isfinite(y_s), axis=1)
            y[todo_x] = xp.where(finite[:, None], y_s, y[todo_x])
            ok[todo[ok_s]] = True
            todo = todo[~ok_s]
            if todo.size == 0:
                break
        return y, ok

    def _limit_label(self, b, m):
        from solvers.models.stepping import _limit_label

        return _limit_label(self.steps_per_design[b][self.k[b]].limits[m])

    def _next_step(self, b):
        """Design b goes on to its next step, which starts (consistently) in the next round."""
        self.k[b] += 1
        self.need_start[b] = True

    def _stuck(self, ids, ht, hy, nh, status, termination, fail_reason, out):
        """Designs whose Newton fails at a tiny step: an event if one is within reach, else a failure."""
        xp = self.xp
        ids_x = xp.asarray(ids)
        last = xp.asarray(nh[ids] - 1)
        Y = hy[ids_x, last]
        t = ht[ids_x, last]
        V = self.voltage(Y, ids)
        ev = _host(xp, self.events(Y, V, ids, self.k[ids]))
        for j, b in enumerate(ids):
            near = np.flatnonzero(np.abs(ev[j]) <= 1e-3)
            if near.size == 0:
                status[b] = FAILED
                fail_reason[b] = f"Newton did not converge in step {self.k[b] + 1} at t = {float(t[j]):.4g} s"
                continue
            self._finish_event(b, int(near[0]), status, termination)
        keep = ids[status[ids] != FAILED]
        if keep.size:
            sel = xp.asarray(np.flatnonzero(status[ids] != FAILED))
            self._record_if_new(out, keep, t[sel], Y[sel], V[sel])

    def _record_if_new(self, out, ids, t, Y, V):
        t_h = _host(self.xp, t)
        fresh = np.array([not out[b].t or out[b].t[-1] != t_h[j] for j, b in enumerate(ids)], dtype=bool)
        if np.any(fresh):
            sel = self.xp.asarray(np.flatnonzero(fresh))
            self._record(out, ids[fresh], t[sel], Y[sel], V[sel])

    def _finish_event(self, b, m, status, termination):
        """Design b met event m in its step: a fixed event ends the run, a step limit ends the step."""
        K = self.protocol.modes.shape[1]
        if m < N_FIXED_EVENTS:
            status[b] = DONE
            termination[b] = "event: " + EVENT_NAMES[m]
        elif self.k[b] == K - 1:
            status[b] = DONE
            termination[b] = "event: " + self._limit_label(b, m - N_FIXED_EVENTS)
        else:
            self._next_step(b)

    def _accept(self, acc, y_new, err, ht, hy, nh, h, t_end, ev_prev, status, termination, out):
        """Accepted steps of designs ``acc``: events (located), outputs, history, next step size."""
        xp = self.xp
        acc_x = xp.asarray(acc)
        last = xp.asarray(nh[acc] - 1)
        t_n = _host(xp, ht[acc_x, last])
        t_new = t_n + h[acc]
        V = self.voltage(y_new, acc)
        ev_new = self.events(y_new, V, acc, self.k[acc])
        crossed = _host(xp, (ev_new <= 0.0) & (ev_prev[acc_x] > 0.0))  # (m, E)
        fired = np.full(acc.size, -1)
        any_cross = np.flatnonzero(crossed.any(axis=1))
        if any_cross.size:
            h_ev, y_ev, fired_c = self._locate(acc[any_cross], ht, hy, nh, h[acc[any_cross]],
                                               ev_prev[acc_x[xp.asarray(any_cross)]], ev_new[xp.asarray(any_cross)],
                                               crossed[any_cross], y_new[xp.asarray(any_cross)])  # fmt: skip
            ac_x = xp.asarray(any_cross)
            y_new[ac_x] = y_ev
            t_new[any_cross] = t_n[any_cross] + h_ev
            fired[any_cross] = fired_c
            V[ac_x] = self.voltage(y_ev, acc[any_cross])
        self.counts[acc, STEPS] += 1
        # history
        full = nh[acc] >= 3
        f_ids = acc[full]
        if f_ids.size:
            fx = xp.asarray(f_ids)
            ht[fx, 0], ht[fx, 1] = ht[fx, 1], ht[fx, 2]
            hy[fx, 0], hy[fx, 1] = hy[fx, 1], hy[fx, 2]
        slot = np.minimum(nh[acc], 2)
        ht[acc_x, xp.asarray(slot)] = xp.asarray(t_new)
        hy[acc_x, xp.asarray(slot)] = y_new
        nh[acc] = np.minimum(nh[acc] + 1, 3)
        self._record(out, acc, xp.asarray(t_new), y_new, V)
        step_done = (fired >= 0) | (t_new >= t_end[acc] - 1e-9 * np.maximum(1.0, t_end[acc]))
        for j in np.flatnonzero(step_done):
            b = acc[j]
            if fired[j] >= 0:
                self._finish_event(b, int(fired[j]), status, termination)
            elif self.k[b] == self.protocol.modes.shape[1] - 1:
                status[b] = DONE
                termination[b] = "final time"
            else:
                self._next_step(b)
        cont = ~step_done
        c_ids = acc[cont]
        if c_ids.size:
            ev_prev[xp.asarray(c_ids)] = ev_new[xp.asarray(np.flatnonzero(cont))]
            e = err[cont]
            fac = np.where(
                e < 1e-12, 2.0, np.minimum(2.0, np.maximum(0.5, 0.9 * np.maximum(e, 1e-300) ** (-1 / 3)))
            )
            fac = np.where((fac >= 1.0) & (fac < 1.25), 1.0, fac)
            h[c_ids] *= fac

    def _locate(self, ids, ht, hy, nh, h, ev0, ev1, crossed, y_full):
        """Step sizes at which the earliest crossed event of each design meets zero (Illinois).

        Every (design, crossed event) pair is searched at once; returns (h_event, state, event index)
        per design, the state on the crossed side.
        """
        xp = self.xp
        pairs_d, pairs_e = np.nonzero(crossed)  # rows into ids, event indices
        P = pairs_d.size
        ev0_h, ev1_h = _host(xp, ev0), _host(xp, ev1)
        ha = np.zeros(P)
        ga = ev0_h[pairs_d, pairs_e].copy()
        hb_ = h[pairs_d].copy()
        gb = ev1_h[pairs_d, pairs_e].copy()
        side = np.zeros(P, dtype=np.int64)
        tol = 1e-8 * np.maximum(1.0, np.abs(ga)) + 1e-8
        h_fail = np.full(P, np.inf)
        d_ids = ids[pairs_d]
        dx = xp.asarray(d_ids)
        ht_p, hy_p, nh_p = ht[dx], hy[dx], nh[d_ids]
        y_b = y_full[xp.asarray(pairs_d)].copy()  # the crossed state of the full step, until a nearer one
        open_ = np.ones(P, dtype=bool)
        for _ in range(40):
            o = np.flatnonzero(open_)
            if o.size == 0:
                break
            hs = ha[o] + (hb_[o] - ha[o]) * ga[o] / (ga[o] - gb[o])
            hs = np.minimum(np.maximum(hs, ha[o] + 1e-6 * (hb_[o] - ha[o])), hb_[o] - 1e-6 * (hb_[o] - ha[o]))
            beyond = hs >= h_fail[o]
            hs = np.where(beyond, ha[o] + 0.5 * (h_fail[o] - ha[o]), hs)
            ox = xp.asarray(o)
            y_s, _e, ok = self.newton_step(d_ids[o], ht_p[ox], hy_p[ox], nh_p[o], hs, 4, NEWTON_TOL)
            # Newton failed there: search on the near side of it
            nf = o[~ok]
            h_fail[nf] = hs[~ok]
            self.have_jac[d_ids[nf]] = False
            stop = nf[(hs[~ok] - ha[nf]) <= 1e-9 * np.maximum(h[pairs_d[nf]], 1.0)]
            open_[stop] = False
            good = o[ok]
            if good.size == 0:
                continue
            gx = xp.asarray(np.flatnonzero(ok))
            y_g = y_s[gx]
            V = self.voltage(y_g, d_ids[good])
            ev = _host(xp, self.events(y_g, V, d_ids[good], self.k[d_ids[good]]))
            gs = ev[np.arange(good.size), pairs_e[good]]
            hs_g = hs[ok]
            hit = np.abs(gs) <= tol[good]
            for j, q in enumerate(good):
                if hit[j]:
                    hb_[q] = hs_g[j]
                    y_b[q] = y_g[j]
                    open_[q] = False
                elif gs[j] > 0:
                    ha[q], ga[q] = hs_g[j], gs[j]
                    if side[q] == 1:
                        gb[q] *= 0.5
                    side[q] = 1
                else:
                    hb_[q], gb[q] = hs_g[j], gs[j]
                    y_b[q] = y_g[j]
                    if side[q] == -1:
                        ga[q] *= 0.5
                    side[q] = -1
                if open_[q] and hb_[q] - ha[q] <= 1e-12 * max(h[pairs_d[q]], 1.0):
                    open_[q] = False
        m = ids.size
        h_ev = np.full(m, np.inf)
        fired = np.full(m, -1)
        y_out = xp.zeros((m, self.n))
        order = np.lexsort((-pairs_e, hb_))  # earliest first; at a tie, a step limit wins
        for q in order:
            dq = pairs_d[q]
            tie = 1e-6 * max(h[dq], 1.0)
            better = fired[dq] < 0 or hb_[q] < h_ev[dq] - tie
            better |= abs(hb_[q] - h_ev[dq]) <= tie and pairs_e[q] >= N_FIXED_EVENTS > fired[dq]
            if better:
                h_ev[dq] = hb_[q]
                fired[dq] = pairs_e[q]
                y_out[dq] = y_b[q]
        return h_ev, y_out, fired


def solve_lockstep(model, parameter_list, steps_per_design, *, backend, initial_soc, ambient_temperature_K,
                   mesh_sizes, rtol, atol, output_period_s=None, progress=None):  # fmt: skip
    """Solve the designs in lockstep (see the module docstring); a str says why it cannot.

    Designs of one model layout (mesh, electrolyte form) go into one batch (of at most
    :data:`MAX_DESIGNS_PER_BATCH`); designs with another layout form their own batch. A design that cannot be batched (its functions cannot be tabulated) or fails in
    its batch is solved on its own by :meth:`CellModel.solve`, and ``info["lockstep"]`` says why.

    Returns a list of :class:`solvers.result.SolverResult` in input order, or the reason (str) why the
    protocol cannot run in lockstep (the caller then solves the designs one by one).
    """
    from solvers.backends import get_backend

    reason = protocol_reason(steps_per_design)
    if reason is not None:
        return reason
    xp = get_backend(backend).xp if backend == "cupy" else np
    built = [
        model._system(p, ambient_temperature_K, mesh_sizes, "isothermal", "numba") for p in parameter_list
    ]
    options = dict(
        initial_soc=initial_soc, ambient_temperature_K=ambient_temperature_K, mesh_sizes=mesh_sizes, rtol=rtol,
        atol=atol, output_period_s=output_period_s,
    )  # fmt: skip
    results: list = [None] * len(built)
    groups: dict = {}
    alone: dict[int, str] = {}
    for b, (_cell, system, _kernel) in enumerate(built):
        why = design_reason(system)
        if why is None:
            key = (type(system), system.structure_key)
            members = groups.setdefault(key, [[]])
            if len(members[-1]) >= MAX_DESIGNS_PER_BATCH:
                members.append([])
            members[-1].append(b)
        else:
            alone[b] = f"not batched: {why}; solved on its own"
    n_done = 0
    for members in (chunk for chunks in groups.values() for chunk in chunks):
        group_progress = _share(progress, n_done, len(members), len(built))
        out = _solve_group(
            model, members, [built[b] for b in members],
            [steps_per_design[b] for b in members], xp, backend, options, group_progress,
        )  # fmt: skip
        for b, r in zip(members, out, strict=True):
            if isinstance(r, str):
                alone[b] = r
            else:
                results[b] = r
        n_done += len(members)
    for b, note in alone.items():
        result = model.solve(
            parameter_list[b], steps_per_design[b], initial_soc=initial_soc, ambient_temperature_K=ambient_temperature_K,
            mesh=mesh_sizes, rtol=rtol, atol=atol, output_period_s=output_period_s,
        )  # fmt: skip
        results[b] = _replace_info(result, {**result.info, "lockstep": note})
    return results


def _share(progress, done: int, size: int, total: int):
    """The progress callback of one group: its fraction scaled into the whole batch's."""
    if progress is None:
        return None
    return lambda fraction, message: progress((done + fraction * size) / total, message)


def _solve_group(model, members, built, steps_per_design, xp, backend, options, progress):
    """One lockstep batch of designs sharing a layout (``members``: their places in the whole batch); a
    str in place of a result says the design failed in the batch."""
    from solvers.models.compiled import jacobian_plan

    wall0 = time.perf_counter()
    systems = [b[1] for b in built]
    y0s, cap_s = [], []
    for b, ((cell, system, _kernel), steps) in enumerate(zip(built, steps_per_design, strict=True)):
        try:
            c_n0, c_p0 = cell.initial_concentrations(options["initial_soc"])
        except ValueError as exc:  # a bad design: say which one
            raise ValueError(f"design {members[b]}: {exc}") from exc
        y = system.full_state(system.initial_state(c_n0, c_p0), 0.0)
        if steps[0].mode == "current" and hasattr(system, "guess_start"):
            y = system.guess_start(y, float(steps[0].value))
        y0s.append(y)
        cap = 24 * 3600.0
        for s in steps:
            if s.duration_s is None and s.mode == "current" and s.value != 0:
                cap = min(cap, max(3600.0, 2.5 * 3600 * cell.nominal_capacity_Ah / abs(s.value)))
        cap_s.append(cap)
    all_steps = [s for steps in steps_per_design for s in steps]
    plan = jacobian_plan(systems[0], y0s[0], all_steps)
    rtol, atol = options["rtol"], options["atol"]
    solver = LockstepSolver(
        systems, steps_per_design, xp, rtol=rtol, atol=atol, cap_s=cap_s, plan=plan,
        v_min=[b[0].v_min_V for b in built], v_max=[b[0].v_max_V for b in built],
    )  # fmt: skip
    out, termination, fail_reason = solver.run(np.stack(y0s), progress=progress)
    B = len(systems)
    label = f"{backend} lockstep ({B} designs in one batch, {solver.n_rounds} rounds)"
    period = options["output_period_s"]
    periods = [
        period if period is not None else model.default_period(steps, cap)
        for steps, cap in zip(steps_per_design, cap_s, strict=True)
    ]
    rows = solver.resample(out, periods)
    wall = time.perf_counter() - wall0
    results = []
    for b in range(B):
        if fail_reason[b]:
            results.append(f"failed in its batch ({fail_reason[b]}); solved on its own")
            continue
        t, Y, V, k = rows[b]
        result = model._result(
            systems[b], t, Y, k, steps_per_design[b], termination[b], solver.stats(b), wall / B, backend, rtol,
            atol, options["mesh_sizes"], label, V=V,
        )  # fmt: skip
        results.append(_replace_info(result, {**result.info, "batch_wall_time_s": wall, "batch_size": B}))
    return results


def _lagrange(ts, Ys, i, grid):
    """States at ``grid`` through the accepted points i-2, i-1, i of one step (fewer at its start)."""
    lo = np.maximum(i - 2, 0)
    out = np.zeros((grid.size, Ys.shape[1]))
    count = i - lo + 1  # 2 or 3 points
    for a in range(3):
        ia = np.minimum(lo + a, i)
        w = np.ones(grid.size)
        for c in range(3):
            ic = np.minimum(lo + c, i)
            use = (c != a) & (c < count) & (a < count)
            with np.errstate(all="ignore"):
                w = np.where(use, w * (grid - ts[ic]) / (ts[ia] - ts[ic]), w)
        w = np.where(a < count, w, 0.0)
        out += w[:, None] * Ys[ia]
    return out


def _replace_info(result, info):
    import dataclasses

    return dataclasses.replace(result, info=info)


def _host(xp, a):
    """A host numpy array of ``a`` (a no-op for numpy)."""
    if xp is np:
        return np.asarray(a)
    return xp.asnumpy(a)
