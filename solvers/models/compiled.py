"""The compiled (numba) stepper of the DFN: the same BDF1/BDF2 + Newton + event algorithm as
:mod:`solvers.models.stepping`, with the Newton linear solve made O(N) by condensing every particle's
tridiagonal diffusion block onto its cell's electrolyte/solid unknowns (a Schur complement), leaving a
small banded system in x.

With lumped thermal the temperature is one more unknown (just before the current). Its column (every row
whose physics depends on T) and its row (the heat balance, which depends on every cell) border the
condensed system: the Newton matrix ``[[M, u], [v^T, d]]`` is solved with ``M``'s factors and one extra
solve ``z = M^-1 u`` (Schur complement ``d - v.z``). The row is found without spoiling the colouring: the
heat source is a sum of local terms (one per electrode cell, :func:`solvers.models.kernels.dfn_core`),
each a row of the finite-difference plan, and the row of T is their sum.

Used for ``backend="numba"`` DFN, SPMe and SPM runs (isothermal or lumped) without profile steps; anything it cannot finish
(a failed Newton, an output buffer too small, a step needing the homotopy start) is re-run by the
Python stepper, which also writes the diagnoses. The Jacobian is a finite-difference one grouped by
the colouring of :class:`solvers.models.stepping.JacobianPlan`.
"""

from __future__ import annotations

import math
import sys

import numpy as np
from numba import njit

from solvers.models.kernels import dfn_core, spm_core
from solvers.models.stepping import NEWTON_MAX_RATE, NEWTON_TOL  # the same Newton test as the Python stepper
from solvers.physics import heat as _heat

_lumped_temperature_rate = njit(cache=True, inline="always")(_heat.lumped_temperature_rate)

# status codes
OK_FINAL, OK_EVENT, OK_LIMIT, FAIL_NEWTON, FAIL_BUFFER, FAIL_INIT = 0, 1, 2, 3, 4, 5
# event indices: 0 min voltage, 1 max voltage, 2..5 stoichiometry, 6+ step limits (no zero-electrolyte
# event, as PyBaMM: the electrolyte functions are regularised near depletion instead)
EVENT_NAMES = (
    "Minimum voltage [V]",
    "Maximum voltage [V]",
    "Minimum negative particle surface stoichiometry",
    "Maximum negative particle surface stoichiometry",
    "Minimum positive particle surface stoichiometry",
    "Maximum positive particle surface stoichiometry",
)
N_FIXED_EVENTS = len(EVENT_NAMES)
#: the consistent start of a step (differential unknowns frozen) is solved 100 times tighter, as IDA's
#: ``IDACalcIC`` (``epsiccon = 0.01 epsNewt``)
INIT_NEWTON_TOL = 0.0033


def structure(system, plan):
    """Classify every Jacobian entry of the DFN for the condensed solve (done once per mesh)."""
    n = system.n
    iT = system.i_T if system.lumped else -1
    Nn, Ns, Np = system.Nn, system.Ns, system.Np
    nr_n, nr_p = system.nr_n, system.nr_p
    sl = system.sl
    n_cells = Nn + Np
    nr_max = max(nr_n, nr_p)
    # x-system ordering: per cell [c_e, phi_e, (phi_s)], then the current
    x_of = -np.ones(n, dtype=np.int64)
    cell_cols = -np.ones(
        (n_cells, 3), dtype=np.int64
    )  # x positions of (c_e, phi_e, phi_s) per electrode cell
    pos = 0
    for cell in range(Nn + Ns + Np):
        x_of[sl["ce"].start + cell] = pos
        x_of[sl["phie"].start + cell] = pos + 1
        pos += 2
        if cell < Nn:
            x_of[sl["phis_n"].start + cell] = pos
            cell_cols[cell] = (pos - 2, pos - 1, pos)
            pos += 1
        elif cell >= Nn + Ns:
            i = cell - Nn - Ns
            x_of[sl["phis_p"].start + i] = pos
            cell_cols[Nn + i] = (pos - 2, pos - 1, pos)
            pos += 1
    x_of[n - 1] = pos  # the current
    nx = pos + 1
    # particle unknowns: (particle index, radial index)
    p_of = -np.ones(n, dtype=np.int64)
    k_of = -np.ones(n, dtype=np.int64)
    p_off = np.zeros(n_cells, dtype=np.int64)
    p_nr = np.zeros(n_cells, dtype=np.int64)
    for p in range(n_cells):
        if p < Nn:
            off, nr = sl["cs_n"].start + p * nr_n, nr_n
        else:
            off, nr = sl["cs_p"].start + (p - Nn) * nr_p, nr_p
        p_off[p], p_nr[p] = off, nr
        for k in range(nr):
            p_of[off + k], k_of[off + k] = p, k
    rows, cols = plan.rows, plan.cols
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    kind = np.zeros(rows.size, dtype=np.int64)
    a1 = np.zeros(rows.size, dtype=np.int64)
    a2 = np.zeros(rows.size, dtype=np.int64)
    x_particle = -np.ones(nx, dtype=np.int64)  # the particle an x-row couples to
    kl = ku = 0
    for e, (r, c) in enumerate(zip(rows, cols, strict=True)):
        if c == iT or r == iT:  # the temperature's column borders the condensed system
            if r == iT:
                raise ValueError("the temperature row belongs to the heat terms, not to the plan")
            kind[e], a1[e], a2[e] = 4, r, 0
        elif p_of[r] >= 0 and p_of[c] >= 0:
            if p_of[r] != p_of[c] or abs(k_of[r] - k_of[c]) > 1:
                raise ValueError("unexpected particle coupling in the DFN Jacobian")
            kind[e], a1[e], a2[e] = 0, p_of[r], k_of[r] * 3 + (k_of[c] - k_of[r] + 1)
        elif p_of[r] >= 0:
            p = p_of[r]
            if k_of[r] != p_nr[p] - 1 or x_of[c] not in cell_cols[p]:
                raise ValueError("unexpected particle-to-x coupling in the DFN Jacobian")
            kind[e], a1[e], a2[e] = 1, p, int(np.flatnonzero(cell_cols[p] == x_of[c])[0])
        elif p_of[c] >= 0:
            p = p_of[c]
            if k_of[c] < p_nr[p] - 2 or (x_particle[x_of[r]] not in (-1, p)):
                raise ValueError("unexpected x-to-particle coupling in the DFN Jacobian")
            x_particle[x_of[r]] = p
            kind[e], a1[e], a2[e] = 2, x_of[r], k_of[c] - (p_nr[p] - 2)
        else:
            kind[e], a1[e], a2[e] = 3, x_of[r], x_of[c]
            kl = max(kl, x_of[r] - x_of[c])
            ku = max(ku, x_of[c] - x_of[r])
    return {
        "rows": rows,
        "cols": cols,
        "kind": kind,
        "a1": a1,
        "a2": a2,
        "x_of": x_of,
        "nx": nx,
        "cell_cols": cell_cols,
        "x_particle": x_particle,
        "p_off": p_off,
        "p_nr": p_nr,
        "nr_max": nr_max,
        "kl": kl,
        "ku": ku,
    }


# ------------------------------------------------------------------------------ residual with the I row


@njit(cache=True)
def _rhs(y, mode, value, geo, dims, tab_n, tab_p, tab_e, therm, f, heat):
    """Full residual (core rows, the temperature row when lumped, the current row); returns V (NaN for an
    isothermal SPM/SPMe current step).

    ``therm = [T (isothermal), h A [W/K], rho c_p V [J/K], T_ambient]``; ``dims[7] == 1`` when lumped: T is
    then ``y[n - 2]`` and ``heat`` receives the kernel's heat terms (an empty ``heat`` otherwise).
    """
    n = y.size
    I_A = y[n - 1]
    lumped = dims[7] == 1
    T = y[n - 2] if lumped else therm[0]
    if dims[6] == 1:
        # with the current imposed the residual does not need the voltage (the SPMe's costly part)
        V = spm_core(y, I_A, T, geo, dims, tab_n, tab_p, tab_e, f, heat, mode != 0)
    else:
        V = dfn_core(y, I_A, T, geo, dims, tab_n, tab_p, tab_e, f, heat)
    if lumped:
        Q = 0.0
        for i in range(heat.size):
            Q += heat[i]
        f[n - 2] = _lumped_temperature_rate(Q, T, therm[3], therm[1], therm[2])
    if mode == 0:
        f[n - 1] = I_A - value
    elif mode == 1:
        f[n - 1] = V - value
    elif mode == 2:
        f[n - 1] = (I_A * V - value) / max(abs(V), 1.0)
    else:
        f[n - 1] = V - I_A * value
    return V


@njit(cache=True)
def _voltage(y, mode, value, geo, dims, tab_n, tab_p, tab_e, therm, f):
    """Terminal voltage [V]: read off the solid potential for the DFN; the SPM/SPMe kernel's voltage-only
    pass (an empty ``f``) otherwise."""
    n = y.size
    if dims[6] == 0:
        Np = dims[2]
        o_psp = n - 1 - Np - dims[7]
        return 1.5 * y[o_psp + Np - 1] - 0.5 * y[o_psp + Np - 2] - y[n - 1] * geo[22]
    T = y[n - 2] if dims[7] == 1 else therm[0]
    return spm_core(y, y[n - 1], T, geo, dims, tab_n, tab_p, tab_e, f[:0], f[:0], True)


@njit(cache=True)
def _jacobian(
    y, mode, value, geo, dims, tab_n, tab_p, tab_e, therm, colours, n_colours, rows, cols, f0, jac, work_y,
    work_f, hbuf, h_rows, h_cols, jT,
):  # fmt: skip
    """The plan's entries into ``jac``; when lumped, the temperature row into ``jT`` (dense, length n), as
    the sum of the heat terms' derivatives (entries ``h_rows, h_cols``, coloured with the plan)."""
    _rhs(y, mode, value, geo, dims, tab_n, tab_p, tab_e, therm, f0, hbuf[0])
    n = y.size
    lumped = dims[7] == 1
    delta = np.empty(n)
    for j in range(n):
        delta[j] = 1e-7 * max(abs(y[j]), 1e-3)
    if lumped:
        jT[:] = 0.0
    for c in range(n_colours):
        for j in range(n):
            work_y[j] = y[j] + delta[j] if colours[j] == c else y[j]
        _rhs(work_y, mode, value, geo, dims, tab_n, tab_p, tab_e, therm, work_f, hbuf[1])
        for e in range(rows.size):
            col = cols[e]
            if colours[col] == c:
                jac[e] = (work_f[rows[e]] - f0[rows[e]]) / delta[col]
        if lumped:
            for e in range(h_rows.size):
                col = h_cols[e]
                if colours[col] == c:
                    jT[col] += (hbuf[1, h_rows[e]] - hbuf[0, h_rows[e]]) / delta[col]
    if lumped:
        for j in range(n):
            jT[j] /= therm[2]
        jT[n - 2] -= therm[1] / therm[2]


# ------------------------------------------------------------------------------ condensed linear algebra


@njit(cache=True)
def _dense_factor(jac, diff, hb, kind, rows, cols, A, piv):
    """LU with partial pivoting of diag(diff/hb) - J, in place in A (the small SPM / SPMe systems); the
    temperature's column (kind 4) is left to the border (:func:`_factor`)."""
    n = diff.size
    A[:] = 0.0
    for e in range(rows.size):
        if kind[e] != 4:
            A[rows[e], cols[e]] -= jac[e]
    for i in range(n):
        A[i, i] += diff[i] / hb
    for k in range(n):
        best, pr = abs(A[k, k]), k
        for i in range(k + 1, n):
            if abs(A[i, k]) > best:
                best, pr = abs(A[i, k]), i
        piv[k] = pr
        if best == 0.0 or not math.isfinite(best):
            return False
        if pr != k:
            for j in range(n):
                A[k, j], A[pr, j] = A[pr, j], A[k, j]
        inv = 1.0 / A[k, k]
        for i in range(k + 1, n):
            m = A[i, k] * inv
            A[i, k] = m
            if m != 0.0:
                for j in range(k + 1, n):
                    A[i, j] -= m * A[k, j]
    return True


@njit(cache=True)
def _bordered_factor(jac, diff, hb, kind, a1, a2, rows, A):
    """Factorise [[B, u], [v^T, d]] (B tridiagonal: particles and electrolyte of SPM/SPMe, the border is
    the current) in A: rows < n-1 hold (sub, 1/den, c', z = B^-1 u, u); row n-1 holds v and s."""
    n = diff.size
    m = n - 1
    A[:] = 0.0
    for e in range(rows.size):
        k = kind[e]
        if k == 0:
            A[rows[e], a2[e]] -= jac[e]
        elif k == 1:
            A[rows[e], 4] -= jac[e]
        elif k == 2:
            A[m, a1[e]] -= jac[e]
        elif k == 3:
            A[m, m] -= jac[e]
    for r in range(m):
        A[r, 1] += diff[r] / hb
    A[m, m] += diff[m] / hb
    cprev = 0.0
    for r in range(m):
        a = A[r, 0] if r > 0 else 0.0
        den = A[r, 1] - a * cprev
        if den == 0.0 or not math.isfinite(den):
            return False
        inv = 1.0 / den
        cp = A[r, 2] * inv if r < m - 1 else 0.0
        A[r, 1] = inv
        A[r, 2] = cp
        cprev = cp
    prev = 0.0
    for r in range(m):
        a = A[r, 0] if r > 0 else 0.0
        A[r, 3] = (A[r, 4] - a * prev) * A[r, 1]
        prev = A[r, 3]
    for r in range(m - 2, -1, -1):
        A[r, 3] -= A[r, 2] * A[r + 1, 3]
    s = A[m, m]
    for c in range(m):
        s -= A[m, c] * A[c, 3]
    if s == 0.0 or not math.isfinite(s):
        return False
    A[m, m] = s
    return True


@njit(cache=True)
def _bordered_solve(G, A, out):
    n = G.size
    m = n - 1
    prev = 0.0
    for r in range(m):
        a = A[r, 0] if r > 0 else 0.0
        out[r] = (G[r] - a * prev) * A[r, 1]
        prev = out[r]
    for r in range(m - 2, -1, -1):
        out[r] -= A[r, 2] * out[r + 1]
    x2 = G[m]
    for c in range(m):
        x2 -= A[m, c] * out[c]
    x2 /= A[m, m]
    for r in range(m):
        out[r] -= A[r, 3] * x2
    out[m] = x2


@njit(cache=True)
def _dense_solve(G, A, piv, out):
    n = G.size
    for i in range(n):
        out[i] = G[i]
    for k in range(n):
        pr = piv[k]
        if pr != k:
            out[k], out[pr] = out[pr], out[k]
        for i in range(k + 1, n):
            out[i] -= A[i, k] * out[k]
    for k in range(n - 1, -1, -1):
        s = out[k]
        for j in range(k + 1, n):
            s -= A[k, j] * out[j]
        out[k] = s / A[k, k]


@njit(cache=True)
def _factor(
    jac, diff, hb, kind, a1, a2, rows, cols, p_off, p_nr, cell_cols, x_particle, x_of, nx, kl, ku, fac
):
    """Factorise diag(diff/hb) - J; with lumped thermal bordered by the temperature's row and column.

    The matrix without T (``M``) by :func:`_factor_inner`; then ``z = M^-1 u`` (``u`` minus the T column)
    and the Schur complement ``s = d - v.z`` (``v`` minus the T row ``jT``, ``d = 1/hb - dT'/dT``), kept in
    ``border = [u, (s, ...), z, jT]``.
    """
    border, iT_arr = fac[8], fac[9]
    if not _factor_inner(
        jac, diff, hb, kind, a1, a2, rows, cols, p_off, p_nr, cell_cols, x_particle, x_of, nx, kl, ku, fac
    ):
        return False
    iT = iT_arr[0]
    if iT < 0:
        return True
    n = diff.size
    u, z, jT = border[0], border[2], border[3]
    u[:] = 0.0
    for e in range(rows.size):
        if kind[e] == 4:
            u[rows[e]] -= jac[e]
    _solve_inner(u, p_off, p_nr, cell_cols, x_particle, x_of, nx, kl, ku, fac, z)
    z[iT] = 0.0
    s = diff[iT] / hb - jT[iT]
    for j in range(n):
        if j != iT:
            s += jT[j] * z[j]
    if s == 0.0 or not math.isfinite(s):
        return False
    border[1, 0] = s
    return True


@njit(cache=True)
def _solve(G, p_off, p_nr, cell_cols, x_particle, x_of, nx, kl, ku, fac, out):
    """out = (diag/hb - J)^-1 G using the factors of :func:`_factor` (the border's too, when lumped)."""
    border, iT_arr = fac[8], fac[9]
    iT = iT_arr[0]
    if iT < 0:
        _solve_inner(G, p_off, p_nr, cell_cols, x_particle, x_of, nx, kl, ku, fac, out)
        return
    n = G.size
    g_T = G[iT]
    G[iT] = 0.0
    _solve_inner(G, p_off, p_nr, cell_cols, x_particle, x_of, nx, kl, ku, fac, out)
    G[iT] = g_T
    out[iT] = 0.0
    z, jT = border[2], border[3]
    x_T = g_T
    for j in range(n):
        if j != iT:
            x_T += jT[j] * out[j]
    x_T /= border[1, 0]
    for j in range(n):
        out[j] -= z[j] * x_T
    out[iT] = x_T


@njit(cache=True)
def _factor_inner(
    jac, diff, hb, kind, a1, a2, rows, cols, p_off, p_nr, cell_cols, x_particle, x_of, nx, kl, ku, fac
):
    """Factorise diag(diff/hb) - J (without the T column) into (tri, P2X, X2P, V, banded LU of the Schur
    complement).

    ``kl < 0`` selects a dense LU of the whole matrix instead (the small SPM / SPMe systems).
    """
    tri, p2x, x2p, vlast, A, piv = fac[0], fac[1], fac[2], fac[3], fac[4], fac[5]
    if kl == -2:
        return _bordered_factor(jac, diff, hb, kind, a1, a2, rows, A)
    if kl < 0:
        return _dense_factor(jac, diff, hb, kind, rows, cols, A, piv)
    n_p = p_off.size
    tri[:] = 0.0
    p2x[:] = 0.0
    x2p[:] = 0.0
    for r in range(nx):  # only the band (with the LU's fill-in) is ever read: zero that, not all nx^2
        for j in range(max(0, r - kl), min(nx, r + kl + ku + 1)):
            A[r, j] = 0.0
    for e in range(rows.size):
        v = -jac[e]
        k = kind[e]
        if k == 0:
            tri[a1[e], a2[e]] += v
        elif k == 1:
            p2x[a1[e], a2[e]] += v
        elif k == 2:
            x2p[a1[e], a2[e]] += v
        elif k == 3:
            A[a1[e], a2[e]] += v
    for r in range(diff.size):
        if diff[r] > 0.0:
            if x_of[r] >= 0:
                A[x_of[r], x_of[r]] += 1.0 / hb
    for p in range(n_p):
        for k in range(p_nr[p]):
            tri[p, 3 * k + 1] += 1.0 / hb  # particles are differential
    # Thomas factorisation of every particle block (in place: store c' in slot 2, 1/denominator in slot 1)
    for p in range(n_p):
        nr = p_nr[p]
        cprev = 0.0
        for k in range(nr):
            a = tri[p, 3 * k] if k > 0 else 0.0
            den = tri[p, 3 * k + 1] - a * cprev
            inv = 1.0 / den
            cp = tri[p, 3 * k + 2] * inv if k < nr - 1 else 0.0
            tri[p, 3 * k + 1] = inv
            tri[p, 3 * k + 2] = cp
            cprev = cp
        # v = T^-1 e_last, kept whole: the Schur complement needs its last two entries, the
        # back-substitution of every solve all of them
        prev = 0.0
        for k in range(nr):
            a = tri[p, 3 * k] if k > 0 else 0.0
            rhs = 1.0 if k == nr - 1 else 0.0
            vlast[p, k] = (rhs - a * prev) * tri[p, 3 * k + 1]
            prev = vlast[p, k]
        for k in range(nr - 2, -1, -1):
            vlast[p, k] -= tri[p, 3 * k + 2] * vlast[p, k + 1]
    # Schur complement on the x-rows that see a particle
    for r in range(nx):
        p = x_particle[r]
        if p < 0:
            continue
        nr = p_nr[p]
        s = x2p[r, 0] * vlast[p, nr - 2] + x2p[r, 1] * vlast[p, nr - 1]
        for m in range(3):
            A[r, cell_cols[p, m]] -= s * p2x[p, m]
    # banded LU with partial pivoting (fill-in limited to kl + ku above the diagonal)
    for k in range(nx):
        best, pr = abs(A[k, k]), k
        for i in range(k + 1, min(nx, k + kl + 1)):
            if abs(A[i, k]) > best:
                best, pr = abs(A[i, k]), i
        piv[k] = pr
        if best == 0.0:
            return False
        hi = min(nx, k + kl + ku + 1)
        if pr != k:
            for j in range(k, hi):
                A[k, j], A[pr, j] = A[pr, j], A[k, j]
        inv = 1.0 / A[k, k]
        for i in range(k + 1, min(nx, k + kl + 1)):
            m = A[i, k] * inv
            if m != 0.0:
                A[i, k] = m
                for j in range(k + 1, hi):
                    A[i, j] -= m * A[k, j]
            else:
                A[i, k] = 0.0
    return True


@njit(cache=True)
def _solve_inner(G, p_off, p_nr, cell_cols, x_particle, x_of, nx, kl, ku, fac, out):
    """out = M^-1 G using the factors of :func:`_factor_inner` (the T slot of ``out`` is not written)."""
    tri, p2x, x2p, vlast, A, piv, rx, x_rows = fac[0], fac[1], fac[2], fac[3], fac[4], fac[5], fac[6], fac[7]
    if kl == -2:
        _bordered_solve(G, A, out)
        return
    if kl < 0:
        _dense_solve(G, A, piv, out)
        return
    n_p = p_off.size
    for q in range(nx):  # gather the x-system's rows (x_rows is the inverse of x_of)
        rx[q] = G[x_rows[q]]
    # particle solves u = T^-1 G_p, kept in out
    for p in range(n_p):
        off, nr = p_off[p], p_nr[p]
        prev = 0.0
        for k in range(nr):
            a = tri[p, 3 * k] if k > 0 else 0.0
            out[off + k] = (G[off + k] - a * prev) * tri[p, 3 * k + 1]
            prev = out[off + k]
        for k in range(nr - 2, -1, -1):
            out[off + k] -= tri[p, 3 * k + 2] * out[off + k + 1]
    for r in range(nx):
        p = x_particle[r]
        if p >= 0:
            off, nr = p_off[p], p_nr[p]
            rx[r] -= x2p[r, 0] * out[off + nr - 2] + x2p[r, 1] * out[off + nr - 1]
    # banded LU solve
    for k in range(nx):
        pr = piv[k]
        if pr != k:
            rx[k], rx[pr] = rx[pr], rx[k]
        for i in range(k + 1, min(nx, k + kl + 1)):
            rx[i] -= A[i, k] * rx[k]
    for k in range(nx - 1, -1, -1):
        s = rx[k]
        for j in range(k + 1, min(nx, k + kl + ku + 1)):
            s -= A[k, j] * rx[j]
        rx[k] = s / A[k, k]
    # back-substitute the particles: delta_p = u - v (P2X . delta_x)
    for p in range(n_p):
        off, nr = p_off[p], p_nr[p]
        s = (
            p2x[p, 0] * rx[cell_cols[p, 0]]
            + p2x[p, 1] * rx[cell_cols[p, 1]]
            + p2x[p, 2] * rx[cell_cols[p, 2]]
        )
        for k in range(nr):
            out[off + k] -= vlast[p, k] * s
    for q in range(nx):
        out[x_rows[q]] = rx[q]


# ------------------------------------------------------------------------------ events


@njit(cache=True)
def _events(y, V, I_A, lim_q, lim_op, lim_v, n_lim, mode, value, v_min, v_max, sl_info, margin, ev):
    """Event values (an event fires when its value becomes <= 0)."""
    o_csn, nr_n, Nn, o_csp, nr_p, Np, _o_ce, _Nx = sl_info
    if mode == 1 and v_min <= value <= v_max:
        ev[0] = 1.0
        ev[1] = 1.0
    else:
        ev[0] = V - v_min
        ev[1] = v_max - V
    smin, smax = 1e300, -1e300
    for i in range(Nn):
        s = 1.5 * y[o_csn + i * nr_n + nr_n - 1] - 0.5 * y[o_csn + i * nr_n + nr_n - 2]
        smin, smax = min(smin, s), max(smax, s)
    ev[2] = smin - margin
    ev[3] = 1.0 - margin - smax
    smin, smax = 1e300, -1e300
    for i in range(Np):
        s = 1.5 * y[o_csp + i * nr_p + nr_p - 1] - 0.5 * y[o_csp + i * nr_p + nr_p - 2]
        smin, smax = min(smin, s), max(smax, s)
    ev[4] = smin - margin
    ev[5] = 1.0 - margin - smax
    for m in range(n_lim):
        q, op, v = lim_q[m], lim_op[m], lim_v[m]
        if q == 0:
            x = V
        elif q == 1:
            x = abs(I_A)
        else:
            x = abs(I_A * V)
        ev[N_FIXED_EVENTS + m] = (x - v) if op == 0 else (v - x)


# ------------------------------------------------------------------------------ one BDF step


@njit(cache=True)
def _voltage_and_events(y, k, nl, mode, value, args, limits, f, ev):
    """The terminal voltage of state ``y`` (returned) and the event functions of step ``k`` into ``ev``."""
    lim_q, lim_op, lim_v, v_min, v_max, sl_info, margin = limits
    geo, dims, tab_n, tab_p, tab_e, therm = args[0], args[1], args[2], args[3], args[4], args[5]
    V = _voltage(y, mode, value, geo, dims, tab_n, tab_p, tab_e, therm, f)
    _events(
        y, V, y[y.size - 1], lim_q[k], lim_op[k], lim_v[k], nl, mode, value, v_min, v_max, sl_info, margin, ev
    )
    return V


@njit(cache=True)
def _bdf_step(ht, hy, nh, h, mode, value, args, st, y_out, max_it=4, toldel=NEWTON_TOL):
    """One BDF1/2 step of size h; returns (status, error norm). status 0 ok, 1 Newton failure.

    The Newton iteration stops as IDA's (SUNDIALS ``idaNlsConvTest``): with the weighted RMS norm ``d_m`` of
    the m-th correction and the convergence-rate estimate ``ss = rate / (1 - rate)``, kept across steps and
    reset to 20 whenever the iteration matrix is re-factorised, it has converged when ``ss d_m <= toldel`` (0.33 of
    the local error tolerance), and fails when the rate exceeds 0.9.
    """
    (
        geo,
        dims,
        tab_n,
        tab_p,
        tab_e,
        therm,
        colours,
        n_colours,
        rows,
        cols,
        kind,
        a1,
        a2,
        p_off,
        p_nr,
        cell_cols,
        x_particle,
        x_of,
        nx,
        kl,
        ku,
        diff,
        atol,
        rtol,
        hbuf,
        h_rows,
        h_cols,
    ) = args
    (jac, fac, have_jac, hb_fac, f0, work_y, work_f, G, dy, ypred, psi, fresh, counters, ss) = st
    n = diff.size
    t_n = ht[nh - 1]
    y_n = hy[nh - 1]
    if nh >= 2:
        t_m = ht[nh - 2]
        w = h / (t_n - t_m)
        a1c = (1 + w) ** 2 / (1 + 2 * w)
        a2c = -(w**2) / (1 + 2 * w)
        hb = h * (1 + w) / (1 + 2 * w)
        for i in range(n):
            psi[i] = a1c * y_n[i] + a2c * hy[nh - 2, i]
        t_new = t_n + h
        if nh >= 3:
            t0, t1, t2 = ht[nh - 3], ht[nh - 2], ht[nh - 1]
            L0 = (t_new - t1) * (t_new - t2) / ((t0 - t1) * (t0 - t2))
            L1 = (t_new - t0) * (t_new - t2) / ((t1 - t0) * (t1 - t2))
            L2 = (t_new - t0) * (t_new - t1) / ((t2 - t0) * (t2 - t1))
            for i in range(n):
                ypred[i] = L0 * hy[nh - 3, i] + L1 * hy[nh - 2, i] + L2 * y_n[i]
            err_const = 2.0 / 7.0
        else:
            for i in range(n):
                ypred[i] = y_n[i] + h * (y_n[i] - hy[nh - 2, i]) / (t_n - t_m)
            err_const = 1.0 / 3.0
    else:
        hb = h
        for i in range(n):
            psi[i] = y_n[i]
            ypred[i] = y_n[i]
        err_const = 0.5
    for _attempt in range(2):
        if have_jac[0] == 0:
            _jacobian(
                ypred,
                mode,
                value,
                geo,
                dims,
                tab_n,
                tab_p,
                tab_e,
                therm,
                colours,
                n_colours,
                rows,
                cols,
                f0,
                jac,
                work_y,
                work_f,
                hbuf,
                h_rows,
                h_cols,
                fac[8][3],
            )
            counters[2] += 1
            have_jac[0] = 1
            fresh[0] = 1
            hb_fac[0] = -1.0
        if hb_fac[0] <= 0.0 or not (0.8 < hb / hb_fac[0] < 1.25):
            if not _factor(
                jac,
                diff,
                hb,
                kind,
                a1,
                a2,
                rows,
                cols,
                p_off,
                p_nr,
                cell_cols,
                x_particle,
                x_of,
                nx,
                kl,
                ku,
                fac,
            ):
                return 1, 0.0
            hb_fac[0] = hb
            counters[3] += 1
            ss[0] = 20.0  # a new iteration matrix: its convergence rate is unknown (as IDA's lsetup)
        for i in range(n):
            y_out[i] = ypred[i]
        converged = False
        old_norm = 0.0
        m_it = 0
        g_prev = 1e300
        for it in range(max_it + 4):  # + room for the halved steps, which do not count as iterations
            if m_it >= max_it:
                break
            counters[1] += 1
            _rhs(y_out, mode, value, geo, dims, tab_n, tab_p, tab_e, therm, work_f, hbuf[1])
            g_norm = 0.0
            for i in range(n):
                G[i] = diff[i] * (y_out[i] - psi[i]) / hb - work_f[i]
                g_norm += G[i] * G[i]
            if it == 0 and not math.isfinite(g_norm):
                break
            if not math.isfinite(g_norm) or (g_norm > g_prev and it > 0):
                # the full Newton step made things worse (steep kinetics): take half of it
                for i in range(n):
                    dy[i] *= 0.5
                    y_out[i] += dy[i]
                g_prev = 1e300
                continue
            g_prev = g_norm
            _solve(G, p_off, p_nr, cell_cols, x_particle, x_of, nx, kl, ku, fac, dy)
            s = 0.0
            for i in range(n):
                y_out[i] -= dy[i]
                wi = dy[i] / (atol[i] + rtol * abs(y_n[i]))
                s += wi * wi
            norm = math.sqrt(s / n)
            if not math.isfinite(norm):
                break
            if m_it == 0:
                old_norm = norm
                if norm <= 1e-4 * toldel:
                    converged = True
                    break
            else:
                rate = (norm / old_norm) ** (1.0 / m_it) if old_norm > 0.0 else 0.0
                if rate > NEWTON_MAX_RATE:
                    break
                ss[0] = rate / (1.0 - rate)
            if ss[0] * norm <= toldel:
                converged = True
                break
            m_it += 1
        if converged:
            break
        if fresh[0] == 1:
            return 1, 0.0
        have_jac[0] = 0
    fresh[0] = 0
    s = 0.0
    for i in range(n):
        if diff[i] > 0.0:
            e = err_const * (y_out[i] - ypred[i])
            sc = atol[i] + rtol * max(abs(y_out[i]), abs(y_n[i]))
            s += (e / sc) ** 2
    return 0, math.sqrt(s / n)


# ------------------------------------------------------------------------------ the experiment loop


@njit(cache=True)
def _record(t, y, V, k, t_out, Y_out, V_out, k_out, count):
    if count[0] >= t_out.size:
        return False
    t_out[count[0]] = t
    Y_out[count[0]] = y
    V_out[count[0]] = V
    k_out[count[0]] = k
    count[0] += 1
    return True


@njit(cache=True)
def _interp(ht, hy, nh, t, out):
    n = out.size
    out[:] = 0.0
    for a in range(nh):
        w = 1.0
        for b in range(nh):
            if b != a:
                w *= (t - ht[b]) / (ht[a] - ht[b])
        for i in range(n):
            out[i] += w * hy[a, i]


@njit(cache=True, nogil=True)
def run(
    y0,
    t_start,
    modes,
    values,
    durations,
    lim_q,
    lim_op,
    lim_v,
    n_lims,
    v_min,
    v_max,
    period,
    margin,
    sl_info,
    args,
    st,
    t_out,
    Y_out,
    V_out,
    k_out,
):
    """Solve the steps. Returns (status, event index, step index, accepted steps, count of output rows).

    The terminal voltage of each output row goes to ``V_out``, computed from that row's state (between
    accepted steps the state is interpolated, then its voltage evaluated: interpolating the voltage itself
    strays by 0.1 V where the OCP steepens at the end of a discharge).
    """
    geo, dims, tab_n, tab_p, tab_e, therm = args[0], args[1], args[2], args[3], args[4], args[5]
    have_jac, hb_fac, counters = st[2], st[3], st[12]
    limits = (lim_q, lim_op, lim_v, v_min, v_max, sl_info, margin)
    n = y0.size
    n_ev_max = N_FIXED_EVENTS + lim_q.shape[1]
    ev_prev = np.empty(n_ev_max)
    ev_new = np.empty(n_ev_max)
    ev_s = np.empty(n_ev_max)
    f = np.empty(n)
    ht = np.empty(3)
    hy = np.empty((3, n))
    no_f = np.empty(0)  # asks the SPM/SPMe kernel for the voltage alone
    y_new = np.empty(n)
    y_s = np.empty(n)
    y_b = np.empty(n)
    y_i = np.empty(n)
    count = np.zeros(1, dtype=np.int64)
    y = y0.copy()
    t0 = t_start
    status, ev_index, n_acc = OK_FINAL, -1, 0
    for k in range(modes.size):
        mode, value, duration, nl = modes[k], values[k], durations[k], n_lims[k]
        n_ev = N_FIXED_EVENTS + nl
        # consistent start of the step: a BDF1 step of 1e-10 s (differential unknowns frozen)
        have_jac[0] = 0
        hb_fac[0] = -1.0
        ht[0] = t0
        hy[0] = y
        code, _err = _bdf_step(ht, hy, 1, 1e-10, mode, value, args, st, y_new, 40, INIT_NEWTON_TOL)
        if code != 0 and mode == 0:
            # ramp the imposed current from the present one (e.g. 0 A from the OCV guess) in stages
            i_start = y[n - 1]
            for stage in range(1, 5):
                target = i_start + (value - i_start) * stage / 4.0
                have_jac[0] = 0
                hb_fac[0] = -1.0
                code, _err = _bdf_step(ht, hy, 1, 1e-10, mode, target, args, st, y_new, 40, INIT_NEWTON_TOL)
                if code != 0:
                    break
                hy[0] = y_new
        if code != 0:
            return FAIL_INIT, -1, k, n_acc, count[0]
        for i in range(n):
            y[i] = y_new[i]
        hy[0] = y
        V = _voltage_and_events(y, k, nl, mode, value, args, limits, f, ev_prev)
        if not _record(t0, y, V, k, t_out, Y_out, V_out, k_out, count):
            return FAIL_BUFFER, -1, k, n_acc, count[0]
        already = -1
        for m in range(N_FIXED_EVENTS, n_ev):
            if ev_prev[m] <= 0.0:
                already = m
                break
        if already >= 0:
            if k == modes.size - 1:
                return OK_LIMIT, already, k, n_acc, count[0]
            continue
        nh = 1
        h = min(1e-2, duration / 10.0)
        t_end = t0 + duration
        next_out = t0 + period
        fired = -1
        while True:
            h = min(h, t_end - ht[nh - 1], 600.0)
            code, err = _bdf_step(ht, hy, nh, h, mode, value, args, st, y_new)
            if code != 0:
                counters[5] += 1
                if h > 1e-6:
                    h *= 0.25
                    have_jac[0] = 0
                    if nh > 1:
                        ht[0] = ht[nh - 1]
                        hy[0] = hy[nh - 1]
                        nh = 1
                    continue
                # stopped at a bound it cannot step across: an event if one is within reach
                V = _voltage_and_events(hy[nh - 1], k, nl, mode, value, args, limits, f, ev_s)
                near = -1
                for m in range(n_ev):
                    if abs(ev_s[m]) <= 1e-3:
                        near = m
                        break
                if near < 0:
                    return FAIL_NEWTON, -1, k, n_acc, count[0]
                fired = near
                if t_out[count[0] - 1] != ht[nh - 1]:
                    if not _record(ht[nh - 1], hy[nh - 1], V, k, t_out, Y_out, V_out, k_out, count):
                        return FAIL_BUFFER, -1, k, n_acc, count[0]
                break
            if err > 1.0:
                counters[4] += 1
                h *= max(0.2, 0.9 * err ** (-1.0 / 3.0))
                if h < 1e-8:
                    return FAIL_NEWTON, -1, k, n_acc, count[0]
                continue
            t_n = ht[nh - 1]
            t_new = t_n + h
            V = _voltage_and_events(y_new, k, nl, mode, value, args, limits, f, ev_new)
            best_h = 1e300
            for m in range(n_ev):
                if ev_new[m] <= 0.0 and ev_prev[m] > 0.0:
                    # Illinois false position on the step size
                    g0 = ev_prev[m]
                    tol = 1e-8 * max(1.0, abs(g0)) + 1e-8
                    ha, ga, hb_, gb = 0.0, g0, h, ev_new[m]
                    for i in range(n):
                        y_b[i] = y_new[i]
                    side = 0
                    located = False
                    h_fail = 1e300  # trial steps at or beyond this failed Newton
                    for _ in range(40):
                        hs = ha + (hb_ - ha) * ga / (ga - gb)
                        hs = min(max(hs, ha + 1e-6 * (hb_ - ha)), hb_ - 1e-6 * (hb_ - ha))
                        if hs >= h_fail:
                            hs = ha + 0.5 * (h_fail - ha)
                        code2, _e2 = _bdf_step(ht, hy, nh, hs, mode, value, args, st, y_s)
                        if code2 != 0:
                            # no state there (e.g. a particle filling up: the kinetics stiffen): search
                            # on the near side of it, keeping the crossed state already found
                            h_fail = hs
                            have_jac[0] = 0
                            if hs - ha <= 1e-9 * max(h, 1.0):
                                break
                            continue
                        _voltage_and_events(y_s, k, nl, mode, value, args, limits, f, ev_s)
                        gs = ev_s[m]
                        if abs(gs) <= tol:
                            hb_ = hs
                            for i in range(n):
                                y_b[i] = y_s[i]
                            located = True
                            break
                        if gs > 0:
                            ha, ga = hs, gs
                            if side == 1:
                                gb *= 0.5
                            side = 1
                        else:
                            hb_, gb = hs, gs
                            for i in range(n):
                                y_b[i] = y_s[i]
                            if side == -1:
                                ga *= 0.5
                            side = -1
                        if hb_ - ha <= 1e-12 * max(h, 1.0):
                            located = True
                            break
                    if not located and 2 <= m < N_FIXED_EVENTS:
                        # a particle filled or emptied where no step converges: end at the crossed state
                        # found (late by at most hb_ - ha, a fraction of one step)
                        located = True
                    if not located:
                        return FAIL_NEWTON, -1, k, n_acc, count[0]  # the Python stepper takes over
                    tie = 1e-6 * max(h, 1.0)
                    if (
                        best_h == 1e300
                        or hb_ < best_h - tie
                        or (abs(hb_ - best_h) <= tie and m >= N_FIXED_EVENTS and fired < N_FIXED_EVENTS)
                    ):
                        best_h = hb_
                        fired = m
                        for i in range(n):
                            y_i[i] = y_b[i]
            if fired >= 0:
                # a step limit met at the same state as a cut-off wins
                if fired < N_FIXED_EVENTS:
                    _voltage_and_events(y_i, k, nl, mode, value, args, limits, f, ev_s)
                    for m in range(N_FIXED_EVENTS, n_ev):
                        if ev_new[m] <= 0.0 and ev_prev[m] > 0.0 and ev_s[m] <= 1e-6:
                            fired = m
                            break
                for i in range(n):
                    y_new[i] = y_i[i]
                t_new = t_n + best_h
                V = _voltage(y_new, mode, value, geo, dims, tab_n, tab_p, tab_e, therm, f)
            n_acc += 1
            counters[0] += 1
            if nh < 3:
                ht[nh] = t_new
                hy[nh] = y_new
                nh += 1
            else:
                ht[0], ht[1], ht[2] = ht[1], ht[2], t_new
                hy[0] = hy[1]
                hy[1] = hy[2]
                hy[2] = y_new
            step_done = fired >= 0 or t_new >= t_end - 1e-9 * max(1.0, t_end)
            while next_out <= t_new + 1e-9 * max(1.0, t_new):
                if step_done and next_out >= t_new - 1e-9 * max(1.0, t_new):
                    break
                if abs(next_out - t_new) <= 1e-9 * max(1.0, t_new):
                    ok = _record(t_new, y_new, V, k, t_out, Y_out, V_out, k_out, count)
                else:
                    _interp(ht, hy, nh, next_out, y_s)
                    Vs = _voltage(y_s, mode, value, geo, dims, tab_n, tab_p, tab_e, therm, no_f)
                    ok = _record(next_out, y_s, Vs, k, t_out, Y_out, V_out, k_out, count)
                if not ok:
                    return FAIL_BUFFER, -1, k, n_acc, count[0]
                next_out += period
            if step_done:
                if not _record(t_new, y_new, V, k, t_out, Y_out, V_out, k_out, count):
                    return FAIL_BUFFER, -1, k, n_acc, count[0]
                break
            for m in range(n_ev):  # no event fired: the event values at y_new are the next step's start
                ev_prev[m] = ev_new[m]
            fac = 2.0 if err < 1e-12 else min(2.0, max(0.5, 0.9 * err ** (-1.0 / 3.0)))
            if 1.0 <= fac < 1.25:
                fac = 1.0
            h *= fac
        t0 = ht[nh - 1]
        for i in range(n):
            y[i] = hy[nh - 1, i]
        if fired >= 0 and fired < N_FIXED_EVENTS:
            return OK_EVENT, fired, k, n_acc, count[0]
        if fired >= 0 and k == modes.size - 1:
            return OK_LIMIT, fired, k, n_acc, count[0]
        status = OK_FINAL
    return status, ev_index, modes.size - 1, n_acc, count[0]


# ------------------------------------------------------------------------------ Python driver

_STRUCTURE_CACHE: dict = {}
_MODE_CODES = {"current": 0, "voltage": 1, "power": 2, "resistance": 3}
_QUANTITY_CODES = {"voltage": 0, "current": 1, "c_rate": 1, "power": 2}


def jacobian_plan(system, y0, steps):
    """The finite-difference plan (sparsity, colouring) of ``system`` for these steps, cached per layout.

    The sparsity of the current row depends on the steps' modes: with currents imposed throughout it is
    the current alone, otherwise the voltage's unknowns too (a dense row for the SPMe, where the voltage
    averages the electrolyte: 45 colours instead of 4 for the finite-difference Jacobian).
    """
    from solvers.models.stepping import _PLAN_CACHE, Control, JacobianPlan
    from solvers.steps import Step

    current_only = all(s_.mode == "current" for s_ in steps)
    key = (*system.structure_key, "current" if current_only else "any mode")
    if system.lumped:
        key = (*key, "temperature row from the heat terms")
    plan = _PLAN_CACHE.get(key)
    if plan is None:
        probe_mode = "current" if current_only else "power"
        probe = Control(Step(probe_mode, 1.0, text="sparsity probe"), 0.0, 0.0)
        jitter = y0 * (1.0 + 1e-3 * np.sin(np.arange(y0.size) + 1.0)) + 1e-4
        if not system.lumped:
            plan = JacobianPlan.build(lambda Y: system.rhs(Y, probe), [y0, jitter])
        else:
            plan = _lumped_plan(system, probe, [y0, jitter])
        _PLAN_CACHE[key] = plan
    return plan


def _lumped_plan(system, probe, points):
    """The plan without the temperature row, coloured so that the heat terms can be differenced too.

    The row of T depends on every cell (the heat sums over them); as a row of the plan it would give every
    column its own colour. It is the sum of the kernel's local heat terms instead, whose patterns join the
    colouring (``heat_rows, heat_cols`` on the plan): the colours stay those of the isothermal system.
    """
    from solvers.models.stepping import JacobianPlan, colour_columns, sparsity_pattern

    iT = system.i_T
    pattern = sparsity_pattern(lambda Y: system.rhs(Y, probe), points)
    pattern[iT, :] = False
    heat_pattern = _heat_pattern(system, points)
    colours = colour_columns(np.vstack([pattern, heat_pattern]))
    rows, cols = np.nonzero(pattern)
    plan = JacobianPlan(rows, cols, colours, int(colours.max()) + 1, pattern.shape[0])
    plan.heat_rows, plan.heat_cols = (a.astype(np.int64) for a in np.nonzero(heat_pattern))
    return plan


def _heat_pattern(system, points):
    """Boolean (heat terms, n) pattern of the compiled kernel's heat terms, by perturbing every unknown."""
    _batch, geo, dims, tab_n, tab_p, tab_e, T = system.compiled
    dims = _kernel_dims(system, dims)
    therm = _thermal_inputs(system, T)
    n, nh = system.n, system.n_heat_terms()
    pattern = np.zeros((nh, n), dtype=bool)
    f, h0, h1 = np.empty(n), np.empty(nh), np.empty(nh)
    for y in points:
        _rhs(y, 1, 0.0, geo, dims, tab_n, tab_p, tab_e, therm, f, h0)
        for j in range(n):
            yj = y.copy()
            yj[j] += 1e-6 * max(abs(y[j]), 1.0)
            _rhs(yj, 1, 0.0, geo, dims, tab_n, tab_p, tab_e, therm, f, h1)
            pattern[:, j] |= h1 != h0
    return pattern


def _kernel_dims(system, dims):
    """The kernel's dims with the stepper's flags: [..., 0 DFN / 1 SPM(e), 1 when lumped]."""
    kind = 0 if system.kernel_name == "dfn" else 1
    return np.concatenate([dims, [kind, 1 if system.lumped else 0]]).astype(np.int64)


def _thermal_inputs(system, T):
    """[T (isothermal), h A [W/K], rho c_p V [J/K], T_ambient [K]] (see :func:`_rhs`)."""
    c = system.cell
    if not system.lumped:
        return np.array([float(T), 0.0, 1.0, float(T)])
    return np.array(
        [
            float(T),
            c.heat_transfer_W_m2_K * c.cooling_area_m2,
            c.volumetric_heat_capacity_J_m3_K * c.cell_volume_m3,
            c.T_ambient_K,
        ]
    )


def run_compiled(system, y0, steps, *, rtol, atol, cap_s, period_s, v_min, v_max):
    """Solve the steps with the compiled stepper; None when it cannot (the caller then uses Python)."""
    from types import SimpleNamespace

    C = sys.modules[__name__]
    from solvers.models.base import STO_EVENT_MARGIN
    from solvers.models.stepping import Control, _limit_label

    if system.compiled is None:
        return None
    if any(s.profile_value is not None or s.period_s is not None or s.mode not in _MODE_CODES for s in steps):
        return None
    plan = jacobian_plan(system, y0, steps)
    key = (*system.structure_key, "current" if all(s_.mode == "current" for s_ in steps) else "any mode")
    from solvers.models.stepping import Integrator, StepFailure

    integ = Integrator(system, rtol, atol)
    if not system.lumped:  # the lumped plan lacks the temperature row that the Python Newton needs
        integ.plan = plan
    s = _STRUCTURE_CACHE.get(key)
    if s is None:
        s = _STRUCTURE_CACHE[key] = system.compiled_structure(plan)
    _batch, geo, dims, tab_n, tab_p, tab_e, T = system.compiled
    dims = _kernel_dims(system, dims)
    n = system.n
    diff = system.is_differential.astype(float)
    atol_vec = atol * system.atol_scale
    if system.lumped:
        hbuf = np.zeros((2, system.n_heat_terms()))
        h_rows, h_cols = plan.heat_rows, plan.heat_cols
    else:
        hbuf, h_rows, h_cols = np.zeros((2, 0)), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    args = (
        geo, dims, tab_n, tab_p, tab_e, _thermal_inputs(system, T), plan.colours, int(plan.n_colours),
        s["rows"], s["cols"], s["kind"], s["a1"], s["a2"], s["p_off"], s["p_nr"], s["cell_cols"],
        s["x_particle"], s["x_of"], int(s["nx"]), int(s["kl"]), int(s["ku"]), diff, atol_vec, float(rtol),
        hbuf, h_rows, h_cols,
    )  # fmt: skip
    n_p, nx = s["p_off"].size, s["nx"]
    x_rows = np.zeros(nx, dtype=np.int64)  # the state index of each x-system unknown
    placed = s["x_of"] >= 0
    x_rows[s["x_of"][placed]] = np.flatnonzero(placed)
    # the dense path (kl < 0) factorises the whole n x n matrix in "A"
    fac = (
        np.zeros((n_p, 3 * s["nr_max"])), np.zeros((n_p, 3)), np.zeros((nx, 2)), np.zeros((n_p, s["nr_max"])),
        np.zeros((nx, nx)), np.zeros(nx, dtype=np.int64), np.zeros(nx), x_rows,
        np.zeros((4, n)), np.array([system.i_T if system.lumped else -1], dtype=np.int64),
    )  # fmt: skip
    st = (
        np.zeros(s["rows"].size), fac, np.zeros(1, dtype=np.int64), np.zeros(1), np.zeros(n), np.zeros(n),
        np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(1, dtype=np.int64),
        np.zeros(6, dtype=np.int64), np.full(1, 20.0),
    )  # fmt: skip
    n_steps = len(steps)
    n_lim = max(1, max(len(st_.limits) for st_ in steps))
    modes = np.array([_MODE_CODES[x.mode] for x in steps], dtype=np.int64)
    values = np.array([x.value for x in steps], dtype=float)
    durations = np.array([x.duration_s if x.duration_s is not None else cap_s for x in steps], dtype=float)
    lim_q = np.zeros((n_steps, n_lim), dtype=np.int64)
    lim_op = np.zeros((n_steps, n_lim), dtype=np.int64)
    lim_v = np.zeros((n_steps, n_lim))
    n_lims = np.zeros(n_steps, dtype=np.int64)
    for k, x in enumerate(steps):
        n_lims[k] = len(x.limits)
        for m, lim in enumerate(x.limits):
            lim_q[k, m] = _QUANTITY_CODES[lim.quantity]
            lim_op[k, m] = 0 if lim.op == "<" else 1
            lim_v[k, m] = lim.value
    sl_info = system.event_layout()
    capacity = int(durations.sum() / period_s) + 40 * n_steps + 1000
    # only the rows written (count) are ever read: no zeroing (15 MB for a DFN discharge, 1 ms a solve)
    t_out, Y_out, V_out = np.empty(capacity), np.empty((capacity, n)), np.empty(capacity)
    k_out = np.zeros(capacity, dtype=np.int64)
    pieces = []
    k0, t_start, y = 0, 0.0, y0
    python_start = False
    if steps[0].mode == "current" and hasattr(system, "guess_start"):
        y = system.guess_start(y, float(steps[0].value))
    while True:
        # the compiled stepper starts each step itself (Newton, then a ramp of the current); where that
        # fails, the damped Python Newton with its homotopy finds the consistent start and it resumes
        if python_start:
            try:
                y = integ.consistent(y, Control(steps[k0], t_start, t_start))
            except StepFailure:
                return None
        status, ev, k_rel, _n_acc, count = C.run(
            y, t_start, modes[k0:], values[k0:], durations[k0:], lim_q[k0:], lim_op[k0:], lim_v[k0:], n_lims[k0:],
            float(v_min), float(v_max), float(period_s), STO_EVENT_MARGIN, sl_info, args, st, t_out, Y_out, V_out, k_out,
        )  # fmt: skip
        k_last = k0 + k_rel
        if status == C.FAIL_INIT and k_rel == 0 and not python_start:
            python_start = True  # retry this piece from a Python-made consistent start
            continue
        pieces.append((t_out[:count].copy(), Y_out[:count].copy(), k_out[:count] + k0, V_out[:count].copy()))
        if status == C.FAIL_INIT and k_last > k0 and count > 0:
            k0, t_start, y = k_last, float(t_out[count - 1]), Y_out[count - 1].copy()
            python_start = True
            continue
        break
    if status in (C.FAIL_NEWTON, C.FAIL_BUFFER, C.FAIL_INIT):
        return None
    if status == C.OK_FINAL:
        termination = "final time"
    elif ev < C.N_FIXED_EVENTS:
        termination = "event: " + C.EVENT_NAMES[ev]
    else:
        termination = "event: " + _limit_label(steps[k_last].limits[ev - C.N_FIXED_EVENTS])
    counters = st[12]
    stats = SimpleNamespace(
        n_steps=int(counters[0]), n_newton=int(counters[1]), n_jac=int(counters[2]),
        n_factorisations=int(counters[3]), n_error_test_failures=int(counters[4]),
        n_convergence_failures=int(counters[5]),
    )  # fmt: skip
    if len(pieces) == 1:  # already copies: no second copy
        t_all, Y_all, k_all, V_all = pieces[0]
    else:
        t_all, Y_all, k_all, V_all = (np.concatenate([p[i] for p in pieces]) for i in range(4))
    return t_all, Y_all, k_all, termination, stats, V_all
