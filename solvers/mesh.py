r"""Finite-volume meshes and operators (cell-centred, as PyBaMM's default spatial method).

Every operator works on arrays whose LAST axis is space, with any leading (batch) axes.

Cartesian, on a mesh of cells with centres :math:`x_i`, widths :math:`\Delta x_i`:

.. math::
    (\partial_x u)_{i+1/2} = \frac{u_{i+1}-u_i}{x_{i+1}-x_i}, \qquad
    (\nabla\cdot N)_i = \frac{N_{i+1/2}-N_{i-1/2}}{\Delta x_i}

Spherical (particles, radius R, uniform cells):

.. math::
    (\nabla\cdot N)_k = \frac{r_{k+1/2}^2 N_{k+1/2} - r_{k-1/2}^2 N_{k-1/2}}{(r_{k+1/2}^3 - r_{k-1/2}^3)/3}

Both are second order for smooth solutions on uniform meshes (tested on manufactured solutions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Mesh1D:
    """A 1-D cell-centred mesh made of uniform sub-meshes, one per domain."""

    edges: np.ndarray  # (n+1,) [m]
    nodes: np.ndarray  # (n,) [m]
    widths: np.ndarray  # (n,) [m]
    node_gaps: np.ndarray  # (n-1,) distance between neighbouring centres [m]

    @classmethod
    def from_domains(cls, lengths_m, cells) -> Mesh1D:
        edges = [0.0]
        for length, n in zip(lengths_m, cells, strict=True):
            start = edges[-1]
            edges.extend(start + length * np.arange(1, n + 1) / n)
        edges = np.asarray(edges)
        nodes = 0.5 * (edges[1:] + edges[:-1])
        return cls(edges, nodes, np.diff(edges), np.diff(nodes))

    @property
    def n(self) -> int:
        return self.nodes.size


def gradient(u, mesh: Mesh1D):
    """Gradient at the interior edges, shape (..., n-1)."""
    return np.diff(u, axis=-1) / mesh.node_gaps


def edge_mean(v):
    """Arithmetic mean of neighbouring node values at the interior edges (PyBaMM's node-to-edge)."""
    return 0.5 * (v[..., 1:] + v[..., :-1])


def edge_harmonic(v, mesh: Mesh1D | None = None):
    r"""Width-weighted harmonic mean at the interior edges (PyBaMM's choice for a coefficient times a
    gradient): :math:`1/(\beta/v_i + (1-\beta)/v_{i+1})`, :math:`\beta = \Delta x_i/(\Delta x_i+\Delta x_{i+1})`."""
    left, right = v[..., :-1], v[..., 1:]
    if mesh is None:
        beta = 0.5
    else:
        w = mesh.widths
        beta = w[:-1] / (w[:-1] + w[1:])
    return 1.0 / (beta / left + (1.0 - beta) / right)


def divergence(flux_interior, mesh: Mesh1D, left=0.0, right=0.0):
    """Divergence of a flux given at interior edges plus boundary fluxes ``left``/``right``."""
    shape = flux_interior.shape[:-1]
    full = np.concatenate(
        [
            np.broadcast_to(np.asarray(left, dtype=float), shape)[..., None],
            flux_interior,
            np.broadcast_to(np.asarray(right, dtype=float), shape)[..., None],
        ],
        axis=-1,
    )
    return np.diff(full, axis=-1) / mesh.widths


@dataclass(frozen=True)
class SphereMesh:
    """Uniform cell-centred mesh of a sphere of radius R, in the dimensionless radius r/R."""

    n: int

    @property
    def edges(self) -> np.ndarray:
        return np.linspace(0.0, 1.0, self.n + 1)

    @property
    def nodes(self) -> np.ndarray:
        e = self.edges
        return 0.5 * (e[1:] + e[:-1])

    @property
    def volumes(self) -> np.ndarray:
        e = self.edges
        return (e[1:] ** 3 - e[:-1] ** 3) / 3.0

    @property
    def dr(self) -> float:
        return 1.0 / self.n


def sphere_divergence(flux_interior, surface_flux, sphere: SphereMesh):
    """Spherical divergence (dimensionless radius) of a radial flux at interior edges, with the
    flux at r = 1 given; zero flux at the centre. Shapes (..., n-1) and (...)."""
    e = sphere.edges
    shape = flux_interior.shape[:-1]
    full = np.concatenate(
        [
            np.zeros((*shape, 1)),
            flux_interior * e[1:-1] ** 2,
            (np.broadcast_to(surface_flux, shape) * e[-1] ** 2)[..., None],
        ],
        axis=-1,
    )
    return np.diff(full, axis=-1) / sphere.volumes


def surface_value(c):
    """Value at the right boundary by linear extrapolation from the last two cells (uniform mesh)."""
    return 1.5 * c[..., -1] - 0.5 * c[..., -2]
