"""Analytical test functions with known indices, for the ``python:`` model and the tests.

``python:voltvault_core.doe.testfunctions:ishigami`` and ``...:sobol_g`` are vectorised functions of
the sample matrix (rows = runs, columns = inputs in the spec's order), as a study's ``python:`` model.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ISHIGAMI_INDICES", "ishigami", "ishigami_indices", "sobol_g", "sobol_g_indices", "zdt1",
           "zdt1_front"]

SOBOL_G_A = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0])


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami & Homma (1990): sin x1 + a sin^2 x2 + b x3^4 sin x1, inputs on [-pi, pi]."""
    x = np.asarray(x, dtype=float)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, np.ndarray]:
    """Exact S1, ST and S2 (3x3, upper triangle) of :func:`ishigami`."""
    pi = np.pi
    v = a**2 / 8 + b * pi**4 / 5 + b**2 * pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * pi**8 / 225
    s2 = np.zeros((3, 3))
    s2[0, 2] = v13 / v
    return {"S1": np.array([v1, v2, 0.0]) / v, "ST": np.array([v1 + v13, v2, v13]) / v, "S2": s2}


ISHIGAMI_INDICES = ishigami_indices()


def sobol_g(x: np.ndarray, a: np.ndarray = SOBOL_G_A) -> np.ndarray:
    """Sobol' G function prod (|4 x_i - 2| + a_i) / (1 + a_i), inputs on [0, 1] (Saltelli & Sobol' 1995)."""
    x = np.asarray(x, dtype=float)
    a = np.asarray(a, dtype=float)[: x.shape[1]]
    return np.prod((np.abs(4 * x - 2) + a) / (1 + a), axis=1)


def sobol_g_indices(a: np.ndarray = SOBOL_G_A) -> dict[str, np.ndarray]:
    """Exact S1, ST and S2 of :func:`sobol_g`."""
    a = np.asarray(a, dtype=float)
    vi = 1.0 / (3 * (1 + a) ** 2)
    v = np.prod(1 + vi) - 1
    st = vi * np.prod(1 + vi) / (1 + vi) / v
    s2 = np.triu(np.outer(vi, vi), 1) / v
    return {"S1": vi / v, "ST": st, "S2": s2}


def zdt1(x: np.ndarray) -> np.ndarray:
    """ZDT1 (Zitzler, Deb & Thiele 2000): two objectives to minimise, inputs on [0, 1]^n."""
    x = np.asarray(x, dtype=float)
    f1 = x[:, 0]
    g = 1 + 9 * np.mean(x[:, 1:], axis=1)
    f2 = g * (1 - np.sqrt(f1 / g))
    return np.column_stack([f1, f2])


def zdt1_front(points: int = 1000) -> np.ndarray:
    """The true Pareto front of ZDT1: f2 = 1 - sqrt(f1)."""
    f1 = np.linspace(0, 1, points)
    return np.column_stack([f1, 1 - np.sqrt(f1)])


def ishigami_failing(x: np.ndarray) -> np.ndarray:
    """:func:`ishigami` where every design with x1 > 3.1 "fails" (NaN): the failure handling's test case."""
    y = ishigami(x)
    return np.where(np.asarray(x)[:, 0] > 3.1, np.nan, y)
