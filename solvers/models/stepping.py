"""Implicit time stepping of the cell DAEs, operating steps and events.

Every model is a semi-explicit index-1 DAE ``M y' = f(y)`` with ``M = diag(is_differential)``; its last
unknown is the cell current ``I_A`` [A] (positive = discharge), fixed by the operating mode of the step:

==============  ==========================
mode            equation for ``I_A``
==============  ==========================
current         ``I_A - I_set(t) = 0``
voltage         ``V(y) - V_set = 0``
power           ``I_A V(y) - P_set(t) = 0``
resistance      ``V(y) - I_A R_load = 0``
==============  ==========================

Time integration: variable-step BDF2 (BDF1 for the first step after every restart), Newton with a
finite-difference Jacobian whose columns are grouped by a colouring of the sparsity pattern (one batched
residual call per Jacobian), sparse LU (SuperLU) reused while the step size is unchanged. The local error
is estimated from the difference between the corrector and a polynomial predictor (Milne's device) on the
differential unknowns; events (voltage cut-offs, step limits, stoichiometry bounds) are located inside
the step by secant iteration on the step size, and the next step starts from that state.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from solvers.steps import Step

# --------------------------------------------------------------------------- Jacobian colouring


def sparsity_pattern(func: Callable[[np.ndarray], np.ndarray], y_points: Sequence[np.ndarray]) -> np.ndarray:
    """Boolean (n, n) pattern of df/dy found by perturbing every unknown at a few states."""
    n = y_points[0].size
    pattern = np.zeros((n, n), dtype=bool)
    for y in y_points:
        delta = 1e-6 * np.maximum(np.abs(y), 1.0)
        Y = np.repeat(y[None, :], n + 1, axis=0)
        Y[np.arange(1, n + 1), np.arange(n)] += delta
        with np.errstate(all="ignore"):
            Fy = func(Y)
        diff = Fy[1:] != Fy[0][None, :]
        pattern |= diff.T
    np.fill_diagonal(pattern, True)
    return pattern


def colour_columns(pattern: np.ndarray) -> np.ndarray:
    """Greedy colouring: columns of one colour share no row of ``pattern``. Returns a colour per column."""
    n = pattern.shape[1]
    colours = -np.ones(n, dtype=np.int64)
    rows_of_colour: list[np.ndarray] = []
    cols_rows = [np.flatnonzero(pattern[:, j]) for j in range(n)]
    for j in range(n):
        rows = cols_rows[j]
        for c, used in enumerate(rows_of_colour):
            if not used[rows].any():
                colours[j] = c
                used[rows] = True
                break
        else:
            used = np.zeros(pattern.shape[0], dtype=bool)
            used[rows] = True
            rows_of_colour.append(used)
            colours[j] = len(rows_of_colour) - 1
    return colours


_PLAN_CACHE: dict = {}


@dataclass
class JacobianPlan:
    """Sparsity pattern, colouring and CSC indices for batched finite-difference Jacobians."""

    rows: np.ndarray
    cols: np.ndarray
    colours: np.ndarray
    n_colours: int
    n: int

    @classmethod
    def build(cls, func, y_points) -> JacobianPlan:
        pattern = sparsity_pattern(func, y_points)
        colours = colour_columns(pattern)
        rows, cols = np.nonzero(pattern)
        return cls(rows, cols, colours, int(colours.max()) + 1, pattern.shape[0])

    def jacobian(self, func, y: np.ndarray, f0: np.ndarray) -> sp.csc_matrix:
        delta = 1e-7 * np.maximum(np.abs(y), 1e-3)
        Y = np.repeat(y[None, :], self.n_colours, axis=0)
        Y[self.colours, np.arange(self.n)] += delta
        with np.errstate(all="ignore"):
            Fc = func(Y)
        values = (Fc[self.colours[self.cols], self.rows] - f0[self.rows]) / delta[self.cols]
        return sp.csc_matrix((values, (self.rows, self.cols)), shape=(self.n, self.n))


# --------------------------------------------------------------------------- the DAE interface


class CellDAE:
    """Interface the models implement (see :mod:`solvers.models.base` for the shared parts)."""

    n: int
    is_differential: np.ndarray
    atol_scale: np.ndarray

    def rhs(self, Y: np.ndarray, control: tuple) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def voltage(self, Y: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def event_functions(self, Y: np.ndarray) -> dict[str, np.ndarray]:  # pragma: no cover - interface
        return {}


class StepFailure(Exception):
    """Newton failed with the step size at its minimum."""


#: Newton stops when the estimated remaining correction is this fraction of the local error tolerance
#: (IDA's default ``epsNewt``); rates above NEWTON_MAX_RATE count as divergence (IDA's RATEMAX); at most
#: NEWTON_MAX_ITERATIONS corrections per attempt (IDA's ``maxcor``). The compiled stepper uses the same.
NEWTON_TOL, NEWTON_MAX_RATE, NEWTON_MAX_ITERATIONS = 0.33, 0.9, 4

DENSE_LIMIT = 300  # below this many unknowns a dense LU beats the sparse one


class _DenseLU:
    def __init__(self, A: np.ndarray):
        import scipy.linalg as sla

        with np.errstate(all="ignore"):
            self.factors = sla.lu_factor(A, check_finite=False)
        if not np.all(np.isfinite(self.factors[0])) or np.any(np.diag(self.factors[0]) == 0):
            raise StepFailure("singular Newton matrix")
        self._solve = sla.lu_solve

    def solve(self, b):
        return self._solve(self.factors, b, check_finite=False)


def _lu(jac: sp.csc_matrix, diag: np.ndarray | None, negate: bool = True):
    """LU of ``diag(diag) - jac`` (or of ``jac`` itself with negate=False): dense when small."""
    n = jac.shape[0]
    if n <= DENSE_LIMIT:
        A = -jac.toarray() if negate else jac.toarray()
        if diag is not None:
            A[np.diag_indices(n)] += diag
        return _DenseLU(A)
    A = (sp.diags(diag) - jac) if negate else jac
    try:
        return splu(sp.csc_matrix(A))
    except RuntimeError as exc:
        raise StepFailure(f"singular Newton matrix ({exc})") from exc


@dataclass
class _Newton:
    lu: object | None = None
    hb: float = -1.0
    jac: sp.csc_matrix | None = None
    fresh: bool = False
    ss: float = 20.0  # Newton convergence-rate estimate rate / (1 - rate), kept across steps


class Integrator:
    """Variable-step BDF1/BDF2 with Newton on a :class:`CellDAE`."""

    def __init__(self, dae: CellDAE, rtol: float, atol: float, max_step_s: float = 600.0):
        self.dae = dae
        self.rtol = float(rtol)
        self.atol = float(atol) * dae.atol_scale
        self.diff = dae.is_differential.astype(float)
        self.max_step_s = max_step_s
        self.plan: JacobianPlan | None = None
        self.newton = _Newton()
        self.n_steps = 0
        self.n_newton = 0
        self.n_jac = 0

    # weights of the WRMS norm
    def _weights(self, y):
        return 1.0 / (self.atol + self.rtol * np.abs(y))

    def _ensure_plan(self, y, control):
        key = getattr(self.dae, "structure_key", None)
        if self.plan is None and key is not None and key in _PLAN_CACHE:
            self.plan = _PLAN_CACHE[key]
        if self.plan is None:
            # the pattern of a power step covers every mode (its current row depends on I and on V)
            probe = Control(Step("power", 1.0, text="sparsity probe"), control.t_start, control.t)
            f = lambda Y: self.dae.rhs(Y, probe)  # noqa: E731
            jitter = y * (1.0 + 1e-3 * np.sin(np.arange(y.size) + 1.0)) + 1e-4
            self.plan = JacobianPlan.build(f, [y, jitter])
            if key is not None:
                if len(_PLAN_CACHE) > 32:
                    _PLAN_CACHE.pop(next(iter(_PLAN_CACHE)))
                _PLAN_CACHE[key] = self.plan

    def _jacobian(self, y, control):
        f = lambda Y: self.dae.rhs(Y, control)  # noqa: E731
        f0 = f(y[None, :])[0]
        self.n_jac += 1
        return self.plan.jacobian(f, y, f0)

    def _factor(self, hb):
        self.newton.lu = _lu(self.newton.jac, self.diff / hb)
        self.newton.hb = hb
        self.newton.ss = 20.0  # a new iteration matrix: its convergence rate is unknown (as IDA's lsetup)

    def _algebraic_newton(self, y, control, tries: int) -> np.ndarray:
        """Damped Newton on the algebraic equations (differential unknowns fixed)."""
        alg = np.flatnonzero(self.diff == 0)
        y = y.copy()
        w = self._weights(y)[alg]
        f = self.dae.rhs(y[None, :], control)[0][alg]
        for _ in range(tries):
            if not np.all(np.isfinite(f)):
                raise StepFailure("non-finite algebraic residual while finding consistent potentials")
            J = self._jacobian(y, control)
            lu = _lu(J[alg][:, alg], None, negate=False)
            dy = -lu.solve(f)
            with np.errstate(all="ignore"):
                small = np.sqrt(np.mean((dy * w) ** 2)) < 1e-3
            if small:
                y[alg] += dy
                return y
            with np.errstate(all="ignore"):
                norm0 = float(np.linalg.norm(f))
            lam = 1.0
            while True:  # backtracking on the residual norm
                y_try = y.copy()
                y_try[alg] += lam * dy
                with np.errstate(all="ignore"):
                    f_try = self.dae.rhs(y_try[None, :], control)[0][alg]
                    ok = np.all(np.isfinite(f_try)) and np.linalg.norm(f_try) <= (1 - 1e-4 * lam) * norm0
                if ok:
                    break
                lam *= 0.5
                if lam < 1e-4:
                    raise StepFailure("the algebraic Newton iteration stalled")
            y, f = y_try, f_try
            if lam == 1.0 and np.sqrt(np.mean((dy * w) ** 2)) < 1e-3:
                return y
        raise StepFailure("the algebraic Newton iteration did not converge")

    def consistent(self, y, control, tries: int = 30) -> np.ndarray:
        """Consistent algebraic unknowns (potentials, current) for the differential ones.

        Newton from the previous state; if that fails (a large jump of the imposed current), a
        homotopy from the previous current to the step's equation, in up to 64 stages.
        """
        self._ensure_plan(y, control)
        try:
            return self._algebraic_newton(y, control, tries)
        except StepFailure:
            pass
        current_prev = float(y[-1])
        alpha, d_alpha, y_ok = 0.0, 0.125, y.copy()
        while alpha < 1.0:
            trial = min(1.0, alpha + d_alpha)
            control.homotopy = (trial, current_prev)
            try:
                y_ok = self._algebraic_newton(y_ok, control, tries)
                alpha = trial
                d_alpha = min(0.5, 2 * d_alpha)
            except StepFailure:
                d_alpha *= 0.5
                if d_alpha < 1.0 / 64:
                    control.homotopy = None
                    raise StepFailure(
                        f"no consistent potentials and current: the continuation from {current_prev:.4g} A "
                        f"stopped at {100 * alpha:.0f} % of the step's demand"
                    ) from None
        control.homotopy = None
        return y_ok

    def step(self, hist_t, hist_y, h, control, order):
        """One BDF step of size h from the history; returns (y_new, error_norm)."""
        t_n, y_n = hist_t[-1], hist_y[-1]
        control.t = t_n + h
        if order == 1:
            psi, hb = y_n, h
            y_pred = y_n if len(hist_y) < 2 else y_n + h * (y_n - hist_y[-2]) / (t_n - hist_t[-2])
            err_const = 1.0 / 3.0 if len(hist_y) >= 2 else 0.5
        else:
            w = h / (t_n - hist_t[-2])
            a1 = (1 + w) ** 2 / (1 + 2 * w)
            a2 = -(w**2) / (1 + 2 * w)
            psi = a1 * y_n + a2 * hist_y[-2]
            hb = h * (1 + w) / (1 + 2 * w)
            t_new = t_n + h
            if len(hist_y) >= 3:
                ts, ys = hist_t[-3:], hist_y[-3:]
                L = [
                    np.prod([(t_new - ts[m]) / (ts[k] - ts[m]) for m in range(3) if m != k]) for k in range(3)
                ]
                y_pred = L[0] * ys[0] + L[1] * ys[1] + L[2] * ys[2]
                err_const = 2.0 / 7.0
            else:
                y_pred = y_n + h * (y_n - hist_y[-2]) / (t_n - hist_t[-2])
                err_const = 1.0 / 3.0
        y = y_pred.copy()
        # Newton (modified: Jacobian reused across steps, refreshed on trouble)
        if self.newton.jac is None:
            self.newton.jac = self._jacobian(y, control)
            self.newton.fresh = True
            self.newton.lu = None
        for _attempt in range(2):
            if self.newton.lu is None or not (0.8 < hb / self.newton.hb < 1.25):
                self._factor(hb)
            w = self._weights(y_n)
            converged = False
            old_norm, m_it = 0.0, 0
            g_norm_prev = np.inf
            dy = np.zeros_like(y)
            for _it in range(NEWTON_MAX_ITERATIONS + 4):  # + room for halved steps, which do not count
                if m_it >= NEWTON_MAX_ITERATIONS:
                    break
                self.n_newton += 1
                with np.errstate(all="ignore"):
                    f = self.dae.rhs(y[None, :], control)[0]
                G = self.diff * (y - psi) / hb - f
                with np.errstate(all="ignore"):
                    g_norm = float(np.linalg.norm(G)) if np.all(np.isfinite(G)) else np.inf
                if g_norm > g_norm_prev and _it > 0:
                    # the full step made things worse (steep kinetics): take half of it instead
                    y = y - 0.5 * dy
                    dy = 0.5 * dy
                    g_norm_prev = np.inf
                    continue
                if not np.isfinite(g_norm):
                    break
                g_norm_prev = g_norm
                dy = -self.newton.lu.solve(G)
                y = y + dy
                with np.errstate(over="ignore", invalid="ignore"):
                    norm = math.sqrt(float(np.mean((dy * w) ** 2)))
                if not math.isfinite(norm):
                    break
                # IDA's test (SUNDIALS idaNlsConvTest): the estimated remaining correction ss * norm,
                # with the rate estimate ss kept across steps, within a third of the local tolerance
                if m_it == 0:
                    old_norm = norm
                    if norm <= 1e-4 * NEWTON_TOL:
                        converged = True
                        break
                else:
                    rate = (norm / old_norm) ** (1.0 / m_it) if old_norm > 0.0 else 0.0
                    if rate > NEWTON_MAX_RATE:
                        break
                    self.newton.ss = rate / (1.0 - rate)
                if self.newton.ss * norm <= NEWTON_TOL:
                    converged = True
                    break
                m_it += 1
            if converged and np.all(np.isfinite(y)):
                break
            if self.newton.fresh:
                raise StepFailure("Newton did not converge")
            self.newton.jac = self._jacobian(y_pred, control)
            self.newton.fresh = True
            self.newton.lu = None
            y = y_pred.copy()
        else:
            raise StepFailure("Newton did not converge")
        self.newton.fresh = False
        e = err_const * (y - y_pred) * self.diff
        err = math.sqrt(float(np.mean((e * self._weights(np.maximum(np.abs(y), np.abs(y_n)))) ** 2)))
        return y, err


# --------------------------------------------------------------------------- experiment driver


@dataclass
class Control:
    """What the current step imposes: the step, its start time and the time being solved for [s]."""

    step: Step
    t_start: float
    t: float
    homotopy: tuple[float, float] | None = None  # (alpha, previous current) while initialising

    def imposed(self) -> float:
        return self.step.imposed_at(self.t - self.t_start)


@dataclass
class Record:
    t: list
    y: list
    step_index: list


def _limit_value(limit, V, I_A):
    """Signed distance to a step limit: the limit fires when this becomes <= 0."""
    if limit.quantity == "voltage":
        return (V - limit.value) if limit.op == "<" else (limit.value - V)
    if limit.quantity in ("current", "c_rate"):
        return (abs(I_A) - limit.value) if limit.op == "<" else (limit.value - abs(I_A))
    if limit.quantity == "power":
        return (abs(I_A * V) - limit.value) if limit.op == "<" else (limit.value - abs(I_A * V))
    raise ValueError(f"Unknown limit quantity {limit.quantity!r}")


def _limit_label(limit) -> str:
    if limit.text:
        return limit.text
    unit = {"voltage": "V", "current": "A", "power": "W", "c_rate": "C"}[limit.quantity]
    return f"{limit.quantity} {limit.op} {limit.value:g} {unit}"


def _event_near(events: dict, tol: float = 1e-3):
    """The name of an event within ``tol`` of firing, if any."""
    for name, value in events.items():
        if abs(value) <= tol:
            return name
    return None


def _locate(integ, hist_t, hist_y, h, y_new, control, order, events_at, name, g0, g1):
    """Step size in (0, h] at which event ``name`` crosses zero (Illinois false position).

    Returns (h_event, state); the state is on the crossed side (g <= tolerance).
    """
    tol = 1e-8 * max(1.0, abs(g0)) + 1e-8
    ha, ga = 0.0, g0
    hb, gb, yb = h, g1, y_new
    side = 0
    for _ in range(30):
        hs = ha + (hb - ha) * ga / (ga - gb)
        hs = min(max(hs, ha + 1e-6 * (hb - ha)), hb - 1e-6 * (hb - ha))
        try:
            ys, _ = integ.step(hist_t, hist_y, hs, control, order)
        except StepFailure:
            break
        gs = events_at(ys)[name]
        if abs(gs) <= tol:
            return hs, ys
        if gs > 0:
            ha, ga = hs, gs
            if side == 1:
                gb *= 0.5
            side = 1
        else:
            hb, gb, yb = hs, gs, ys
            if side == -1:
                ga *= 0.5
            side = -1
        if hb - ha <= 1e-12 * max(h, 1.0):
            break
    return hb, yb


def _interpolate(ts, ys, t):
    """Lagrange interpolation through the (up to three) last accepted points."""
    n = len(ts)
    out = np.zeros_like(ys[-1])
    for k in range(n):
        w = 1.0
        for m in range(n):
            if m != k:
                w *= (t - ts[m]) / (ts[k] - ts[m])
        out += w * ys[k]
    return out


def run_experiment(
    dae,
    y0: np.ndarray,
    steps: Sequence[Step],
    *,
    rtol: float,
    atol: float,
    progress=None,
    default_cap_s: float,
    v_min: float,
    v_max: float,
    output_period_s: float | None = None,
):
    """Solve the steps in turn. Returns (record, termination, integrator)."""
    integ = Integrator(dae, rtol, atol)
    rec = Record([], [], [])
    t0 = 0.0
    y = y0.copy()
    termination = "final time"
    total_planned = sum((s.duration_s or default_cap_s) for s in steps) or 1.0
    t_done_planned = 0.0
    for k, step in enumerate(steps):
        duration = step.duration_s if step.duration_s is not None else default_cap_s
        control = Control(step, t0, t0)
        # a new step: the current jumps, algebraic unknowns re-initialised
        integ.newton = _Newton()
        control.t = t0
        try:
            y = integ.consistent(y, control)
        except StepFailure as exc:
            return rec, dae.diagnose(k, step, t0, y, str(exc)), integ
        # every step starts with a recorded consistent state (the current may jump there)
        rec.t.append(t0)
        rec.y.append(y.copy())
        rec.step_index.append(k)

        def events_at(yv, _step=step):
            V = float(dae.voltage(yv[None, :])[0])
            I_A = float(yv[-1])
            ev = {}
            for lim in _step.limits:
                ev["limit:" + _limit_label(lim)] = _limit_value(lim, V, I_A)
            if not (_step.mode == "voltage" and v_min <= _step.value <= v_max):
                # an imposed voltage inside the cut-offs cannot cross them
                ev["Minimum voltage [V]"] = V - v_min
                ev["Maximum voltage [V]"] = v_max - V
            for name, val in dae.event_functions(yv[None, :]).items():
                ev[name] = float(val[0])
            return ev

        ev_prev = events_at(y)
        # limits already met at the start of a step end it at once (as PyBaMM's experiments do)
        already = [n for n, v in ev_prev.items() if n.startswith("limit:") and v <= 0]
        if already:
            t_done_planned += duration
            if k == len(steps) - 1:
                termination = "event: " + already[0][len("limit:") :]
            continue
        # global voltage cut-offs already violated: PyBaMM refuses; we report an event
        hist_t, hist_y = [t0], [y.copy()]
        step_period = step.period_s if step.period_s else output_period_s
        period = float(step_period) if step_period else 0.0
        next_out = t0 + period if period > 0 else np.inf
        h = min(1e-2, duration / 10)
        t_end = t0 + duration
        fired = None
        # breakpoints of a profile: steps land on them and the multistep history restarts there
        breaks = (
            list(t0 + np.asarray(step.profile_time_s, dtype=float)[1:])
            if step.profile_time_s is not None and step.profile_value is not None
            else []
        )
        breaks = [b for b in breaks if b < t_end]
        while True:
            while breaks and breaks[0] <= hist_t[-1] + 1e-9:
                breaks.pop(0)
            t_stop = breaks[0] if breaks else t_end
            h = min(h, t_stop - hist_t[-1], integ.max_step_s)
            order = 2 if len(hist_y) >= 2 else 1
            try:
                y_new, err = integ.step(hist_t, hist_y, h, control, order)
            except StepFailure:
                if h > 1e-6:
                    h *= 0.25
                    integ.newton = _Newton()  # the Jacobian may come from a far-off predictor: rebuild it
                    if len(hist_t) > 1:  # restart the multistep history (BDF1) from the last point
                        hist_t, hist_y = hist_t[-1:], hist_y[-1:]
                    continue
                near = _event_near(events_at(hist_y[-1]))
                if near is None:
                    return (
                        rec,
                        dae.diagnose(k, step, hist_t[-1], hist_y[-1], "Newton failed at the minimum step"),
                        integ,
                    )
                # stopped at a bound it cannot step across (e.g. a full particle): that bound is the event
                fired = near
                if rec.t[-1] != hist_t[-1]:
                    rec.t.append(hist_t[-1])
                    rec.y.append(hist_y[-1].copy())
                    rec.step_index.append(k)
                break
            if err > 1.0:
                h *= max(0.2, 0.9 * err ** (-1.0 / 3.0))
                if h < 1e-8:
                    return rec, dae.diagnose(k, step, hist_t[-1], hist_y[-1], "step size underflow"), integ
                continue
            t_new = hist_t[-1] + h
            ev_new = events_at(y_new)
            crossed = [n for n, v in ev_new.items() if v <= 0 and ev_prev.get(n, 1.0) > 0]
            if crossed:
                # locate the earliest crossing by secant iteration on the step size
                t_n = hist_t[-1]
                best = None
                for name in crossed:
                    hs, ys = _locate(
                        integ,
                        hist_t,
                        hist_y,
                        h,
                        y_new,
                        control,
                        order,
                        events_at,
                        name,
                        ev_prev[name],
                        ev_new[name],
                    )
                    # a step limit that coincides with a global cut-off ends the step, not the run
                    tie = 1e-6 * max(h, 1.0)
                    if (
                        best is None
                        or hs < best[0] - tie
                        or (
                            abs(hs - best[0]) <= tie
                            and name.startswith("limit:")
                            and not best[2].startswith("limit:")
                        )
                    ):
                        best = (hs, ys, name)
                h_ev, y_new, fired = best
                if not fired.startswith("limit:"):
                    # a step limit met at the same state (e.g. "until 4.2 V" = the upper cut-off) wins
                    ev_best = events_at(y_new)
                    for name in crossed:
                        if name.startswith("limit:") and ev_best[name] <= 1e-6:
                            fired = name
                            break
                t_new = t_n + h_ev
            integ.n_steps += 1
            hist_t.append(t_new)
            hist_y.append(y_new)
            if len(hist_t) > 3:
                del hist_t[0], hist_y[0]
            step_done = fired is not None or t_new >= t_end - 1e-9 * max(1.0, t_end)
            # dense output on the period grid (the BDF2 interpolant through the last three points)
            while next_out <= t_new + 1e-9 * max(1.0, t_new):
                if step_done and next_out >= t_new - 1e-9 * max(1.0, t_new):
                    break  # the step's end point is recorded below
                exact = abs(next_out - t_new) <= 1e-9 * max(1.0, t_new)
                rec.t.append(t_new if exact else next_out)
                rec.y.append(y_new.copy() if exact else _interpolate(hist_t, hist_y, next_out))
                rec.step_index.append(k)
                next_out += period
            if step_done or period <= 0:
                rec.t.append(t_new)
                rec.y.append(y_new.copy())
                rec.step_index.append(k)
            ev_prev = ev_new if fired is None else events_at(y_new)
            if progress is not None:
                progress(
                    min(1.0, (t_done_planned + (t_new - t0)) / total_planned), f"step {k + 1}/{len(steps)}"
                )
            if step_done:
                break
            if breaks and abs(t_new - breaks[0]) <= 1e-9 * max(1.0, t_new):
                hist_t, hist_y = [t_new], [y_new]  # a kink of the imposed profile: restart the history
                integ.newton.lu = None
            fac = 2.0 if err < 1e-12 else min(2.0, max(0.5, 0.9 * err ** (-1.0 / 3.0)))
            if 1.0 <= fac < 1.25:
                fac = 1.0  # keep h (and the factorised Newton matrix) unless growing pays
            h = h * fac
        t_done_planned += duration
        t0 = hist_t[-1]
        y = hist_y[-1]
        if fired is not None and not fired.startswith("limit:"):
            termination = f"event: {fired}"
            break
        if fired is not None and k == len(steps) - 1:
            termination = "event: " + fired[len("limit:") :]
    return rec, termination, integ


def wall_clock():
    return time.perf_counter()
