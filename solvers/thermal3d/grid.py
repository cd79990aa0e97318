"""Structured finite-volume grids: Cartesian (pouch, prismatic) and cylindrical r-theta-z (wound cells).

A :class:`Grid` holds the cell edges along three axes and, per cell, the conductivity along each axis
(anisotropic, diagonal in the grid's axes), the volumetric heat capacity and a region label. Cells are
numbered in C order over ``(n0, n1, n2)``. Cylindrical grids use ``(r, theta, z)``; one theta cell
spanning 2 pi is the axisymmetric r-z grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CARTESIAN_FACES", "CYLINDRICAL_FACES", "Grid"]

CARTESIAN_FACES = ("x_min", "x_max", "y_min", "y_max", "z_min", "z_max")
CYLINDRICAL_FACES = ("r_min", "r_max", "theta_min", "theta_max", "z_min", "z_max")
KINDS = ("cartesian", "cylindrical")


@dataclass
class Grid:
    """A structured grid and the material in every cell.

    Parameters
    ----------
    kind : "cartesian" or "cylindrical"
    edges : three 1-D arrays
        Cell edges [m] along x, y, z (Cartesian) or r [m], theta [rad], z [m] (cylindrical), increasing.
    conductivity_W_m_K : array (n0, n1, n2, 3)
        Conductivity along each axis [W.m-1.K-1].
    heat_capacity_J_m3_K : array (n0, n1, n2)
        Volumetric heat capacity rho*cp [J.m-3.K-1].
    region : int array (n0, n1, n2)
        Index into ``region_names`` (e.g. "jelly roll", "mandrel", "can").
    region_names : tuple of str
    """

    kind: str
    edges: tuple[np.ndarray, np.ndarray, np.ndarray]
    conductivity_W_m_K: np.ndarray
    heat_capacity_J_m3_K: np.ndarray
    region: np.ndarray
    region_names: tuple[str, ...] = ("active",)
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"grid kind {self.kind!r}; choose one of {', '.join(KINDS)}")
        self.edges = tuple(np.asarray(e, dtype=float) for e in self.edges)
        for axis, e in enumerate(self.edges):
            if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
                raise ValueError(f"grid edges along axis {axis} must be >= 2 increasing values")
        if self.kind == "cylindrical":
            if self.edges[0][0] < 0:
                raise ValueError("cylindrical grid: the inner radius must be >= 0")
            span = self.edges[1][-1] - self.edges[1][0]
            if span > 2 * np.pi + 1e-12:
                raise ValueError("cylindrical grid: theta spans more than 2 pi")
        shape = self.shape
        self.conductivity_W_m_K = np.broadcast_to(
            np.asarray(self.conductivity_W_m_K, dtype=float), (*shape, 3)
        ).copy()
        self.heat_capacity_J_m3_K = np.broadcast_to(
            np.asarray(self.heat_capacity_J_m3_K, dtype=float), shape
        ).copy()
        self.region = np.broadcast_to(np.asarray(self.region, dtype=int), shape).copy()
        if np.any(self.conductivity_W_m_K <= 0) or np.any(self.heat_capacity_J_m3_K <= 0):
            raise ValueError("every cell needs a positive conductivity and heat capacity")

    # ------------------------------------------------------------------ geometry
    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(e.size - 1 for e in self.edges)

    @property
    def n_cells(self) -> int:
        n0, n1, n2 = self.shape
        return n0 * n1 * n2

    @property
    def faces(self) -> tuple[str, ...]:
        if self.kind == "cartesian":
            return CARTESIAN_FACES
        names = ["r_min", "r_max", "z_min", "z_max"]
        if not self.full_circle:
            names[2:2] = ["theta_min", "theta_max"]
        if self.edges[0][0] == 0.0:
            names.remove("r_min")
        return tuple(names)

    @property
    def full_circle(self) -> bool:
        return self.kind == "cylindrical" and abs(self.edges[1][-1] - self.edges[1][0] - 2 * np.pi) < 1e-9

    def centres(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(0.5 * (e[1:] + e[:-1]) for e in self.edges)

    def widths(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(np.diff(e) for e in self.edges)

    def volumes(self) -> np.ndarray:
        """Cell volumes [m3], shape (n0, n1, n2)."""
        d0, d1, d2 = self.widths()
        if self.kind == "cartesian":
            return d0[:, None, None] * d1[None, :, None] * d2[None, None, :]
        r = self.edges[0]
        ring = 0.5 * (r[1:] ** 2 - r[:-1] ** 2)
        return ring[:, None, None] * d1[None, :, None] * d2[None, None, :]

    def point_coordinates(self) -> np.ndarray:
        """Cell-centre coordinates (n_cells, 3) in Cartesian metres (x, y, z)."""
        c0, c1, c2 = np.meshgrid(*self.centres(), indexing="ij")
        if self.kind == "cartesian":
            return np.stack([c0.ravel(), c1.ravel(), c2.ravel()], axis=1)
        return np.stack([(c0 * np.cos(c1)).ravel(), (c0 * np.sin(c1)).ravel(), c2.ravel()], axis=1)

    def half_resistances(self, axis: int) -> tuple[np.ndarray, np.ndarray]:
        """Thermal resistance [K.W-1] from each cell's centre to its lower and upper face along ``axis``."""
        k = self.conductivity_W_m_K[..., axis]
        d0, d1, d2 = self.widths()
        if self.kind == "cartesian":
            w = (d0, d1, d2)
            area = 1.0
            for other in range(3):
                if other != axis:
                    area = area * _along(w[other], other)
            half = 0.5 * _along(w[axis], axis) / (k * area)
            return half, half
        r_lo, r_hi = self.edges[0][:-1], self.edges[0][1:]
        r_c = 0.5 * (r_lo + r_hi)
        dth, dz = _along(d1, 1), _along(d2, 2)
        if axis == 0:  # exact resistance of a cylindrical shell from the centre radius to each face
            lo = np.log(r_c / np.where(r_lo > 0, r_lo, r_c))[:, None, None] / (k * dth * dz)
            hi = np.log(r_hi / r_c)[:, None, None] / (k * dth * dz)
            return lo, hi
        if axis == 1:
            half = 0.5 * _along(r_c, 0) * dth / (k * _along(r_hi - r_lo, 0) * dz)
            return half, half
        ring = _along(0.5 * (r_hi**2 - r_lo**2), 0)
        half = 0.5 * dz / (k * ring * dth)
        return half, half

    def face_area(self, face: str) -> np.ndarray:
        """Area [m2] of each boundary cell's face on ``face``, shape of that face's cell slab."""
        axis, side = _face_axis(face)
        d0, d1, d2 = self.widths()
        shape = self.shape
        if self.kind == "cartesian":
            w = (d0, d1, d2)
            area = np.ones(shape)
            for other in range(3):
                if other != axis:
                    area = area * _along(w[other], other)
        else:
            r = self.edges[0]
            if axis == 0:
                radius = r[0] if side == 0 else r[-1]
                area = np.broadcast_to(radius * _along(d1, 1) * _along(d2, 2), shape)
            elif axis == 1:
                area = np.broadcast_to(_along(d0, 0) * _along(d2, 2), shape)
            else:
                area = np.broadcast_to(_along(0.5 * (r[1:] ** 2 - r[:-1] ** 2), 0) * _along(d1, 1), shape)
        index = [slice(None)] * 3
        index[axis] = 0 if side == 0 else shape[axis] - 1
        return np.asarray(np.broadcast_to(area, shape)[tuple(index)])

    def face_cells(self, face: str) -> np.ndarray:
        """Flat indices of the cells on ``face``, in the order of :meth:`face_area`."""
        axis, side = _face_axis(face)
        index = [slice(None)] * 3
        index[axis] = 0 if side == 0 else self.shape[axis] - 1
        return np.arange(self.n_cells).reshape(self.shape)[tuple(index)]


def _along(values: np.ndarray, axis: int) -> np.ndarray:
    shape = [1, 1, 1]
    shape[axis] = -1
    return np.asarray(values).reshape(shape)


def _face_axis(face: str) -> tuple[int, int]:
    names = {"x": 0, "y": 1, "z": 2, "r": 0, "theta": 1}
    try:
        axis_name, side = face.rsplit("_", 1)
        return names[axis_name], {"min": 0, "max": 1}[side]
    except (ValueError, KeyError) as exc:
        raise ValueError(
            f"unknown face {face!r}; faces are {', '.join(CARTESIAN_FACES)} or {', '.join(CYLINDRICAL_FACES)}"
        ) from exc


def uniform_edges(length_m: float, n: int, start_m: float = 0.0) -> np.ndarray:
    """``n`` equal cells over ``[start, start + length]``."""
    if int(n) < 1:
        raise ValueError(f"need at least one cell, got {n}")
    return np.linspace(start_m, start_m + length_m, int(n) + 1)


def joined_edges(segments: Sequence[tuple[float, int]], start_m: float = 0.0) -> np.ndarray:
    """Edges of consecutive segments ``(length_m, n_cells)`` (e.g. mandrel, jelly roll, can)."""
    out = [np.array([start_m])]
    x = start_m
    for length, n in segments:
        if length <= 0:
            continue
        out.append(np.linspace(x, x + length, max(int(n), 1) + 1)[1:])
        x += length
    return np.concatenate(out)
