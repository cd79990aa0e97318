"""Response surfaces: an orthonormal Legendre polynomial expansion over the unit cube.

:class:`PolynomialSurface` fits ``y(u) ~ sum_a c_a Psi_a(u)`` by least squares, with ``Psi_a`` products
of orthonormal shifted Legendre polynomials of the unit-cube coordinates (the inputs' CDF values, so
any input distribution maps onto it). Its degree and interaction order are chosen by the
leave-one-out error (PRESS, from the QR factorisation's hat diagonal). Because the basis is orthonormal
under independent uniform coordinates, the Sobol indices of the surface are sums of squared
coefficients (Sudret 2008, doi:10.1016/j.ress.2007.04.002): the analysis uses the surface as a control
variate for its pick-freeze estimates, and the views draw it as a response surface.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["CrossFit", "PolynomialSurface", "cross_fit_surface", "fit_surface", "multi_indices"]


def multi_indices(d: int, degree: int, order: int) -> np.ndarray:
    """Exponent vectors (rows) of total degree 1..degree touching at most ``order`` inputs."""
    out = []
    for k in range(1, min(order, d) + 1):
        for comb in itertools.combinations(range(d), k):
            for degs in itertools.product(range(1, degree + 1), repeat=k):
                if sum(degs) <= degree:
                    row = [0] * d
                    for c, g in zip(comb, degs, strict=True):
                        row[c] = g
                    out.append(row)
    return np.array(out, dtype=int).reshape(-1, d)


def _legendre(unit: np.ndarray, degree: int) -> np.ndarray:
    """(degree+1, n, d) orthonormal shifted Legendre polynomials on [0, 1]."""
    x = 2.0 * unit - 1.0
    p = np.empty((degree + 1, *unit.shape))
    p[0] = 1.0
    if degree >= 1:
        p[1] = x
    for n in range(1, degree):
        p[n + 1] = ((2 * n + 1) * x * p[n] - n * p[n - 1]) / (n + 1)
    for n in range(degree + 1):
        p[n] *= np.sqrt(2 * n + 1)
    return p


def _basis(unit: np.ndarray, exponents: np.ndarray) -> np.ndarray:
    degree = int(exponents.max()) if exponents.size else 0
    p = _legendre(unit, max(degree, 1))
    phi = np.ones((unit.shape[0], exponents.shape[0] + 1))
    for k, row in enumerate(exponents, start=1):
        for j in np.nonzero(row)[0]:
            phi[:, k] *= p[row[j], :, j]
    return phi


@dataclass
class PolynomialSurface:
    """A fitted expansion: ``exponents`` (terms, d), ``coefficients`` (terms + 1, outputs)."""

    exponents: np.ndarray
    coefficients: np.ndarray
    loo_error: np.ndarray  # leave-one-out mean squared error per output, relative to the variance
    degree: int
    order: int

    def predict(self, unit: np.ndarray) -> np.ndarray:
        """Values at unit-cube points (n, d) -> (n, outputs)."""
        return _basis(np.atleast_2d(unit), self.exponents) @ self.coefficients

    @property
    def variance(self) -> np.ndarray:
        return np.sum(self.coefficients[1:] ** 2, axis=0)

    def closed_variance(self, columns: Sequence[int]) -> np.ndarray:
        """Variance of E[y | u_columns]: the terms whose inputs all lie in ``columns``."""
        mask = np.ones(self.exponents.shape[1], dtype=bool)
        mask[list(columns)] = False
        rows = ~np.any(self.exponents[:, mask] > 0, axis=1)
        return np.sum(self.coefficients[1:][rows] ** 2, axis=0)

    def total_variance(self, columns: Sequence[int]) -> np.ndarray:
        """Total-effect variance of ``columns``: the terms touching any of them."""
        rows = np.any(self.exponents[:, list(columns)] > 0, axis=1)
        return np.sum(self.coefficients[1:][rows] ** 2, axis=0)


def _candidates(d: int, n: int, max_terms_fraction: float) -> list[tuple[int, int]]:
    limit = max(4, int(n * max_terms_fraction))
    out = []
    for order in (1, 2, 3) if d <= 4 else (1, 2):
        for degree in range(2, 15):
            if len(multi_indices(d, degree, order)) + 1 > limit:
                break
            out.append((degree, order))
    return out or [(1, 1)]


def fit_surface(unit: np.ndarray, y: np.ndarray, *, max_terms_fraction: float = 0.06,
                degree: int | None = None, order: int | None = None) -> PolynomialSurface:
    """Fit a :class:`PolynomialSurface` to ``y`` (n,) or (n, outputs) at unit-cube points ``unit``.

    The degree and order (unless given) minimise the summed relative leave-one-out error over the
    outputs, among expansions with at most ``max_terms_fraction * n`` terms.
    """
    unit = np.atleast_2d(np.asarray(unit, dtype=float))
    y = np.asarray(y, dtype=float)
    y2 = y[:, None] if y.ndim == 1 else y
    n, d = unit.shape
    scale = np.var(y2, axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    options = [(degree, order or (2 if d > 4 else 3))] if degree is not None else _candidates(d, n, max_terms_fraction)
    best = None
    worse, last_order, order_best = 0, None, np.inf
    for deg, ordr in options:
        if ordr != last_order:
            worse, last_order, order_best = 0, ordr, np.inf
        if worse >= 2:  # the leave-one-out error has risen twice: higher degrees of this order overfit
            continue
        exps = multi_indices(d, deg, ordr)
        phi = _basis(unit, exps)
        q, r = np.linalg.qr(phi)
        coef = np.linalg.lstsq(r, q.T @ y2, rcond=None)[0]
        resid = y2 - phi @ coef
        h = np.minimum(np.sum(q * q, axis=1), 1 - 1e-9)
        loo = np.mean((resid / (1 - h)[:, None]) ** 2, axis=0) / scale
        score = float(np.sum(loo))
        if best is None or score < best[0]:
            best = (score, PolynomialSurface(exps, coef, loo, deg, ordr))
        if score < order_best:
            order_best, worse = score, 0
        else:
            worse += 1
    return best[1]


@dataclass
class CrossFit:
    """A surface cross-fitted over folds: fold r's coefficients come from the other folds only."""

    exponents: np.ndarray
    coefficients: np.ndarray  # (folds, terms + 1, outputs)
    predictions: list[np.ndarray]  # per fold, (rows of the fold, outputs)
    cv_error: np.ndarray  # cross-validated mean squared error per output, relative to the variance
    degree: int
    order: int

    def surface(self, fold: int) -> PolynomialSurface:
        return PolynomialSurface(self.exponents, self.coefficients[fold], self.cv_error, self.degree, self.order)


def cross_fit_surface(units: list[np.ndarray], ys: list[np.ndarray], *, max_terms: int = 400,
                      max_terms_fraction: float = 0.05) -> CrossFit:
    """Choose and cross-fit a polynomial surface over folds (one Gram matrix pass over the data).

    ``units[r]``, ``ys[r]``: the rows of fold r ((n_r, d), (n_r, outputs)). A candidate expansion has
    single-input terms up to degree ``D1`` and interaction terms (up to ``order`` inputs) up to total
    degree ``D2 <= D1`` (main effects usually carry most of the variance and the sharpest features).
    Every candidate is a subset of the largest one's columns, so its fold-out fits are solves with
    sub-blocks of the per-fold Gram matrices; the candidate with the least cross-validated error wins.
    """
    d = units[0].shape[1]
    n = sum(u.shape[0] for u in units)
    ys = [y[:, None] if y.ndim == 1 else y for y in ys]
    limit = max(4, min(max_terms, int(n * max_terms_fraction)))
    top_order = 3 if d <= 4 else 2
    d1_max = max(1, min(16, (limit - 1) // (2 * d)))  # single-input terms use at most half the budget
    full = np.vstack([multi_indices(d, d1_max, 1), *[
        rows[(rows > 0).sum(axis=1) >= 2] for rows in [multi_indices(d, 12, top_order)]]])
    deg_total, nnz = full.sum(axis=1), (full > 0).sum(axis=1)
    cands, subsets = [], []
    for ordr in range(1, top_order + 1):
        for d2 in ([0] if ordr == 1 else range(2, 13)):
            for d1 in sorted({min(v, d1_max) for v in (4, 6, 8, 12, 16)}):
                if ordr > 1 and d2 > d1:
                    continue
                sel = ((nnz == 1) & (deg_total <= d1)) | ((nnz >= 2) & (nnz <= ordr) & (deg_total <= d2))
                if sel.sum() + 1 > limit:
                    continue
                cands.append((d1 if ordr == 1 else d2, ordr))
                subsets.append(sel)
    keep = np.any(subsets, axis=0)
    full = full[keep]
    subsets = [np.r_[True, s_[keep]] for s_ in subsets]  # with the constant term
    phis = [_basis(u, full) for u in units]
    grams = [p.T @ p for p in phis]
    rhs = [p.T @ y for p, y in zip(phis, ys, strict=True)]
    yy = [np.sum(y * y, axis=0) for y in ys]
    g_all, b_all = sum(grams), sum(rhs)
    scale = np.var(np.concatenate(ys), axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    best = None
    folds = len(units)
    for (deg, ordr), sel in zip(cands, subsets, strict=True):
        coefs = np.zeros((folds, len(sel), ys[0].shape[1]))
        sse = np.zeros(ys[0].shape[1])
        try:
            for r in range(folds):
                g = (g_all - grams[r])[np.ix_(sel, sel)]
                b = (b_all - rhs[r])[sel]
                c = np.linalg.solve(g + 1e-12 * np.trace(g) / len(g) * np.eye(len(g)), b)
                coefs[r][sel] = c
                gr = grams[r][np.ix_(sel, sel)]
                sse += yy[r] - 2 * np.sum(c * rhs[r][sel], axis=0) + np.sum(c * (gr @ c), axis=0)
        except np.linalg.LinAlgError:
            continue
        err = sse / n / scale
        score = float(np.sum(err))
        if best is None or score < best[0]:
            best = (score, deg, ordr, coefs, err)
    _, deg, ordr, coefs, err = best
    preds = [p @ c for p, c in zip(phis, coefs, strict=True)]
    return CrossFit(full, coefs, preds, err, deg, ordr)
