r"""Implicit finite-volume heat conduction on a structured grid, with per-face boundary conditions.

For every cell :math:`i` of volume :math:`V_i`

.. math::

    \rho c_p V_i \frac{dT_i}{dt} = \sum_j G_{ij} (T_j - T_i) + \sum_{f} g_{if} (T_{\infty,f} - T_i) + q_i V_i

with :math:`G_{ij} = 1/(R_{i\to f} + R_{f\to j})` from the cells' half resistances (harmonic mean of
anisotropic conductivities; exact logarithmic shells radially) and, on a boundary face,
:math:`g = 1/(R_{i\to f} + 1/(hA))` (convection or cold plate), :math:`1/R_{i\to f}` (fixed temperature)
or 0 (adiabatic). Backward Euler in time: :math:`(C/\Delta t + L)T^{n+1} = C T^n/\Delta t + b + \bar q V`;
the sparse matrix is factorised once per step size (SuperLU) and reused. The source over a step is its
mean over the step, and the energy ledger (generated, stored, lost through each face) uses exactly the
terms of the scheme, so it closes to rounding.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from solvers.thermal3d.grid import Grid

__all__ = ["BOUNDARY_KINDS", "Boundary", "EnergyLedger", "ThermalSystem", "TransientResult"]

BOUNDARY_KINDS = ("convection", "cold_plate", "fixed", "adiabatic")


@dataclass(frozen=True)
class Boundary:
    """A face's condition.

    Parameters
    ----------
    kind : "convection" | "cold_plate" | "fixed" | "adiabatic"
    h_W_m2_K : float
        Heat-transfer coefficient (convection) or contact conductance to the coolant (cold plate).
    temperature_K : float or callable(t_s) -> K
        Ambient (convection), coolant (cold plate) or wall (fixed) temperature.
    """

    kind: str = "convection"
    h_W_m2_K: float = 10.0
    temperature_K: float | Callable[[float], float] = 298.15

    def __post_init__(self) -> None:
        if self.kind not in BOUNDARY_KINDS:
            raise ValueError(f"boundary kind {self.kind!r}; choose one of {', '.join(BOUNDARY_KINDS)}")
        if self.kind in ("convection", "cold_plate") and not float(self.h_W_m2_K) >= 0:
            raise ValueError(f"{self.kind} boundary: h = {self.h_W_m2_K} W/m2/K must be >= 0")
        if not callable(self.temperature_K) and not 0 < float(self.temperature_K) < 2000:
            raise ValueError(f"boundary temperature {self.temperature_K} K is implausible; give kelvin")

    def temperature_at(self, t_s: float) -> float:
        return float(self.temperature_K(t_s)) if callable(self.temperature_K) else float(self.temperature_K)

    @classmethod
    def from_mapping(cls, spec: Mapping) -> Boundary:
        """From ``{"kind": ..., "h_W_m2_K": ..., "temperature_K": ...}`` (a page's or CLI's editor)."""
        unknown = set(spec) - {"kind", "h_W_m2_K", "temperature_K"}
        if unknown:
            raise ValueError(f"unknown boundary fields {sorted(unknown)}; use kind, h_W_m2_K, temperature_K")
        return cls(**dict(spec))


@dataclass
class EnergyLedger:
    """Energy [J] over a run: generated inside, stored (heat capacity times temperature change), lost per face."""

    generated_J: float = 0.0
    stored_J: float = 0.0
    lost_J: dict[str, float] = field(default_factory=dict)

    @property
    def lost_total_J(self) -> float:
        return float(sum(self.lost_J.values()))

    @property
    def imbalance(self) -> float:
        """(generated - stored - lost) / max(|generated|, |stored|, |lost|); 0 when it closes."""
        scale = max(abs(self.generated_J), abs(self.stored_J), abs(self.lost_total_J), 1e-300)
        return (self.generated_J - self.stored_J - self.lost_total_J) / scale

    def as_dict(self) -> dict:
        return {
            "generated_J": self.generated_J,
            "stored_J": self.stored_J,
            "lost_J": dict(self.lost_J),
            "lost_total_J": self.lost_total_J,
            "imbalance": self.imbalance,
        }


@dataclass
class TransientResult:
    """Temperatures at the output times: ``temperature_K`` (n_out, n_cells), ``time_s`` (n_out,)."""

    time_s: np.ndarray
    temperature_K: np.ndarray
    energy: EnergyLedger
    info: dict

    @property
    def mean_K(self) -> np.ndarray:
        return self.temperature_K @ self._weights

    _weights: np.ndarray = field(default=None, repr=False)


class ThermalSystem:
    """The assembled conduction problem of a grid with boundary conditions on its faces.

    Parameters
    ----------
    grid : Grid
    boundaries : mapping face -> Boundary (or its mapping form)
        Faces not named are adiabatic.
    """

    def __init__(self, grid: Grid, boundaries: Mapping[str, Boundary | Mapping]):
        self.grid = grid
        faces = grid.faces
        self.boundaries: dict[str, Boundary] = {}
        for face, bc in boundaries.items():
            if face not in faces:
                raise ValueError(f"no face {face!r} on this {grid.kind} grid; its faces are {', '.join(faces)}")
            self.boundaries[face] = bc if isinstance(bc, Boundary) else Boundary.from_mapping(bc)
        n = grid.n_cells
        self.volume_m3 = grid.volumes().ravel()
        self.capacity_J_K = grid.heat_capacity_J_m3_K.ravel() * self.volume_m3
        self._conductance = self._internal_conductance()
        # boundary: per face, the cells and their conductances to the outside [W/K]
        self._face_terms: dict[str, tuple[np.ndarray, np.ndarray, Boundary]] = {}
        diag_b = np.zeros(n)
        for face, bc in self.boundaries.items():
            if bc.kind == "adiabatic":
                continue
            cells = grid.face_cells(face).ravel()
            axis, side = _axis_side(face)
            lo, hi = grid.half_resistances(axis)
            r_half = (lo if side == 0 else hi).reshape(-1)[cells]
            area = grid.face_area(face).ravel()
            if bc.kind == "fixed":
                g = 1.0 / r_half
            else:
                h = float(bc.h_W_m2_K)
                g = np.zeros_like(area) if h == 0 else 1.0 / (r_half + 1.0 / (h * area))
            self._face_terms[face] = (cells, g, bc)
            np.add.at(diag_b, cells, g)
        self.boundary_conductance_W_K = diag_b
        self.L = (self._conductance + sp.diags(diag_b)).tocsc()
        self._factors: dict[float, Callable] = {}
        self._separable = _SeparableOperator.build(grid, self.boundaries)

    def _internal_conductance(self) -> sp.csr_matrix:
        g = self.grid
        n = g.n_cells
        idx = np.arange(n).reshape(g.shape)
        rows, cols, vals = [], [], []
        for axis in range(3):
            if g.shape[axis] < 2:
                continue
            lo, hi = g.half_resistances(axis)
            a = [slice(None)] * 3
            b = [slice(None)] * 3
            a[axis], b[axis] = slice(0, -1), slice(1, None)
            cond = 1.0 / (hi[tuple(a)] + lo[tuple(b)])
            pairs = [(idx[tuple(a)].ravel(), idx[tuple(b)].ravel(), cond.ravel())]
            if g.kind == "cylindrical" and axis == 1 and g.full_circle and g.shape[1] >= 3:
                first = [slice(None)] * 3
                last = [slice(None)] * 3
                first[1], last[1] = 0, -1
                wrap = 1.0 / (hi[tuple(last)] + lo[tuple(first)])
                pairs.append((idx[tuple(last)].ravel(), idx[tuple(first)].ravel(), wrap.ravel()))
            for i, j, c in pairs:
                rows += [i, j, i, j]
                cols += [j, i, i, j]
                vals += [-c, -c, c, c]
        if not rows:
            return sp.csr_matrix((n, n))
        return sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
        )

    # ------------------------------------------------------------------ pieces of the scheme
    def boundary_rhs(self, t_s: float) -> np.ndarray:
        """:math:`\\sum_f g_{if} T_{\\infty,f}(t)` [W] per cell."""
        b = np.zeros(self.grid.n_cells)
        for cells, g, bc in self._face_terms.values():
            np.add.at(b, cells, g * bc.temperature_at(t_s))
        return b

    def face_losses_W(self, T: np.ndarray, t_s: float) -> dict[str, float]:
        """Heat [W] leaving through each face at temperatures ``T`` (positive = out)."""
        return {
            face: float(np.sum(g * (T[cells] - bc.temperature_at(t_s))))
            for face, (cells, g, bc) in self._face_terms.items()
        }

    def _solver(self, dt_s: float) -> Callable:
        key = float(np.round(dt_s, 9))
        solve = self._factors.get(key)
        if solve is None:
            if len(self._factors) > 8:
                self._factors.clear()
            if self._separable is not None:
                solve = self._separable.solver(dt_s)
            else:
                A = (sp.diags(self.capacity_J_K / dt_s) + self.L).tocsc()
                solve = spla.factorized(A)
            self._factors[key] = solve
        return solve

    @property
    def solver_kind(self) -> str:
        """``"kronecker"`` (uniform Cartesian material: exact eigen-decomposition per axis) or ``"sparse LU"``."""
        return "kronecker" if self._separable is not None else "sparse LU"

    def step(self, T: np.ndarray, t_s: float, dt_s: float, q_W_m3: np.ndarray, ledger: EnergyLedger) -> np.ndarray:
        """One backward-Euler step of ``dt_s`` from ``T`` at ``t_s`` with the source ``q`` over the step."""
        rhs = self.capacity_J_K * T / dt_s + self.boundary_rhs(t_s + dt_s) + q_W_m3 * self.volume_m3
        T_new = self._solver(dt_s)(rhs)
        ledger.generated_J += dt_s * float(q_W_m3 @ self.volume_m3)
        ledger.stored_J += float(self.capacity_J_K @ (T_new - T))
        for face, loss in self.face_losses_W(T_new, t_s + dt_s).items():
            ledger.lost_J[face] = ledger.lost_J.get(face, 0.0) + dt_s * loss
        return T_new

    # ------------------------------------------------------------------ solves
    def steady_state(self, q_W_m3: np.ndarray | float) -> np.ndarray:
        """Steady temperatures [K] for a volumetric source [W.m-3] (per cell or uniform).

        Raises
        ------
        ValueError
            If every face is adiabatic (no steady state exists).
        """
        if not np.any(self.boundary_conductance_W_K > 0):
            raise ValueError("steady state needs at least one face that is not adiabatic")
        q = np.broadcast_to(np.asarray(q_W_m3, dtype=float), (self.grid.n_cells,))
        return spla.spsolve(self.L.tocsc(), self.boundary_rhs(0.0) + q * self.volume_m3)

    def transient(
        self,
        T0_K: np.ndarray | float,
        time_s: Sequence[float],
        source_W_m3: Callable[[float], np.ndarray] | None = None,
        *,
        max_step_s: float | None = None,
        reaction: Callable[[np.ndarray, float, float], np.ndarray] | None = None,
        progress: Callable[[float], object] | None = None,
        ledger: EnergyLedger | None = None,
    ) -> TransientResult:
        """Backward Euler from ``T0`` through the output times ``time_s``.

        Parameters
        ----------
        source_W_m3 : callable(t_s) -> (n_cells,) W/m3, optional
            Evaluated at the start and end of each step; the step uses their mean.
        max_step_s : float, optional
            Substeps between output times no longer than this (equal substeps).
        reaction : callable(T, t_s, dt_s) -> (n_cells,) W/m3, optional
            Extra heat released over the step (e.g. decomposition reactions, advanced by the callee).
        ledger : EnergyLedger, optional
            Continue an existing ledger (windows of a coupled run).
        """
        n = self.grid.n_cells
        times = np.asarray(time_s, dtype=float)
        if times.ndim != 1 or times.size < 1 or np.any(np.diff(times) <= 0):
            raise ValueError("time_s must be increasing output times [s]")
        T = np.broadcast_to(np.asarray(T0_K, dtype=float), (n,)).astype(float)
        ledger = ledger if ledger is not None else EnergyLedger()
        for face in self._face_terms:
            ledger.lost_J.setdefault(face, 0.0)
        zero = np.zeros(n)
        q_prev = source_W_m3(times[0]) if source_W_m3 is not None else zero
        out = np.empty((times.size, n))
        out[0] = T
        start = time.perf_counter()
        n_steps = 0
        for k in range(1, times.size):
            t_a, t_b = times[k - 1], times[k]
            m = 1 if not max_step_s else max(1, int(np.ceil((t_b - t_a) / max_step_s - 1e-9)))
            dt = (t_b - t_a) / m
            solve = self._solver(dt)
            for s in range(m):
                t0 = t_a + s * dt
                t1 = t0 + dt
                q_next = source_W_m3(t1) if source_W_m3 is not None else zero
                q = 0.5 * (q_prev + q_next)
                if reaction is not None:
                    q = q + reaction(T, t0, dt)
                rhs = self.capacity_J_K * T / dt + self.boundary_rhs(t1) + q * self.volume_m3
                T_new = solve(rhs)
                ledger.generated_J += dt * float(q @ self.volume_m3)
                ledger.stored_J += float(self.capacity_J_K @ (T_new - T))
                for face, loss in self.face_losses_W(T_new, t1).items():
                    ledger.lost_J[face] += dt * loss
                T = T_new
                q_prev = q_next
                n_steps += 1
            out[k] = T
            if progress is not None:
                progress(k / (times.size - 1))
        result = TransientResult(
            times, out, ledger, {"n_steps": n_steps, "wall_s": time.perf_counter() - start, "n_cells": n}
        )
        result._weights = self.volume_m3 / self.volume_m3.sum()
        return result


class _SeparableOperator:
    r"""The implicit operator of a Cartesian grid with one material, as a Kronecker sum of 1-D operators.

    With conductivity uniform per axis and one heat capacity, every conductance divided by the cell
    volume factorises into a function of one axis index, so
    :math:`V^{-1}L = \bigoplus_a D_a^{-1}L_a` with :math:`L_a` the 1-D conductance matrix per unit
    cross-section (its boundary faces included) and :math:`D_a` the cell widths. Each
    :math:`D_a^{-1/2}L_aD_a^{-1/2} = U_a\Lambda_aU_a^T` is diagonalised once; a step then costs three
    tensor contractions per axis instead of a sparse factorisation (which fills in badly in 3D).
    """

    def __init__(self, shape, widths, rho_cp, factors):
        self.shape = shape
        self.rho_cp = rho_cp
        self.forward = [U.T * np.sqrt(w)[None, :] for w, (U, _) in zip(widths, factors, strict=True)]
        self.backward = [U / np.sqrt(w)[:, None] for w, (U, _) in zip(widths, factors, strict=True)]
        lam = [f[1] for f in factors]
        self.eigen_sum = lam[0][:, None, None] + lam[1][None, :, None] + lam[2][None, None, :]
        self.volume = widths[0][:, None, None] * widths[1][None, :, None] * widths[2][None, None, :]

    @classmethod
    def build(cls, grid: Grid, boundaries: Mapping[str, Boundary]) -> _SeparableOperator | None:
        if grid.kind != "cartesian":
            return None
        k = grid.conductivity_W_m_K.reshape(-1, 3)
        c = grid.heat_capacity_J_m3_K.ravel()
        if np.ptp(c) > 1e-12 * c[0] or np.any(np.ptp(k, axis=0) > 1e-12 * k[0]):
            return None
        widths = grid.widths()
        factors = []
        for axis in range(3):
            w = widths[axis]
            ka = float(k[0, axis])
            n = w.size
            g = 1.0 / (0.5 * w[:-1] / ka + 0.5 * w[1:] / ka) if n > 1 else np.zeros(0)
            L = np.zeros((n, n))
            idx = np.arange(n - 1)
            L[idx, idx] += g
            L[idx + 1, idx + 1] += g
            L[idx, idx + 1] -= g
            L[idx + 1, idx] -= g
            for side, cell in ((0, 0), (1, n - 1)):
                bc = boundaries.get(f"{'xyz'[axis]}_{'min' if side == 0 else 'max'}")
                if bc is None or bc.kind == "adiabatic":
                    continue
                r_half = 0.5 * w[cell] / ka
                if bc.kind == "fixed":
                    L[cell, cell] += 1.0 / r_half
                elif bc.h_W_m2_K > 0:
                    L[cell, cell] += 1.0 / (r_half + 1.0 / bc.h_W_m2_K)
            S = L / np.sqrt(w)[:, None] / np.sqrt(w)[None, :]
            lam, U = np.linalg.eigh(0.5 * (S + S.T))
            factors.append((U, lam))
        return cls(grid.shape, widths, float(c[0]), factors)

    def solver(self, dt_s: float) -> Callable:
        denominator = self.rho_cp / dt_s + self.eigen_sum

        n0, n1, n2 = self.shape
        f0, f1, f2 = self.forward
        b0, b1, b2 = self.backward

        def solve(rhs):
            x = np.asarray(rhs, dtype=float).reshape(self.shape) / self.volume
            x = (f0 @ x.reshape(n0, n1 * n2)).reshape(n0, n1, n2)  # BLAS products along each axis
            x = np.matmul(f1, x)
            x = x @ f2.T
            x /= denominator
            x = (b0 @ x.reshape(n0, n1 * n2)).reshape(n0, n1, n2)
            x = np.matmul(b1, x)
            x = x @ b2.T
            return x.ravel()

        return solve


def _axis_side(face: str) -> tuple[int, int]:
    from solvers.thermal3d.grid import _face_axis

    return _face_axis(face)
