"""Finite-volume operators reach their expected (second) order on manufactured solutions."""

import numpy as np
import pytest

from solvers.mesh import (
    Mesh1D,
    SphereMesh,
    divergence,
    edge_harmonic,
    edge_mean,
    gradient,
    sphere_divergence,
    surface_value,
)


def _matrix(apply, n):
    """The matrix of a linear operator given on batches (rows of the identity)."""
    return apply(np.eye(n)).T


def _order(errors):
    errors = np.asarray(errors)
    return np.log2(errors[:-1] / errors[1:])


@pytest.mark.parametrize("mean", [edge_harmonic, edge_mean])
def test_cartesian_diffusion_is_second_order_on_a_three_domain_mesh(mean):
    # -(D u')' + u = f on [0, L], D smooth, u' = 0 at both ends; domains of unequal width as a cell
    lengths = np.array([85.2e-6, 12e-6, 75.6e-6])
    L = lengths.sum()
    k = np.pi / L

    def D(x):
        return 1e-10 * (1.0 + 0.5 * np.sin(3 * x / L))

    def dD(x):
        return 1e-10 * 0.5 * 3 / L * np.cos(3 * x / L)

    u = lambda x: np.cos(k * x)  # noqa: E731
    f = lambda x: -(dD(x) * (-k * np.sin(k * x)) + D(x) * (-(k**2) * np.cos(k * x))) + 1e-10 * k**2 * u(x)  # noqa: E731
    errors = []
    for n in (10, 20, 40, 80):
        mesh = Mesh1D.from_domains(lengths, [n, n, n])
        x = mesh.nodes
        coef = mean(D(x), mesh) if mean is edge_harmonic else mean(D(x))

        def apply(v, coef=coef, mesh=mesh):
            return -divergence(coef * gradient(v, mesh), mesh) + 1e-10 * k**2 * v

        A = _matrix(apply, mesh.n)
        u_h = np.linalg.solve(A, f(x))
        errors.append(np.max(np.abs(u_h - u(x))))
    assert np.all(_order(errors) > 1.8), errors


def test_spherical_diffusion_is_second_order():
    # -(1/r^2)(r^2 u')' + u = f in the unit sphere, u = cos(pi r): u'(0) = u'(1) = 0
    u = lambda r: np.cos(np.pi * r)  # noqa: E731
    f = lambda r: np.pi**2 * np.cos(np.pi * r) + 2 * np.pi * np.sin(np.pi * r) / r + np.cos(np.pi * r)  # noqa: E731
    errors, surface_errors = [], []
    for n in (10, 20, 40, 80):
        sph = SphereMesh(n)
        r = sph.nodes

        def apply(v, sph=sph):
            flux = np.diff(v, axis=-1) / sph.dr
            return -sphere_divergence(flux, np.zeros(v.shape[:-1]), sph) + v

        A = _matrix(apply, n)
        u_h = np.linalg.solve(A, f(r))
        errors.append(np.max(np.abs(u_h - u(r))))
        surface_errors.append(abs(surface_value(u_h) - u(1.0)))
    assert np.all(_order(errors) > 1.8), errors
    assert np.all(_order(surface_errors) > 1.8), surface_errors


def test_spherical_divergence_conserves_mass_exactly():
    sph = SphereMesh(13)
    rng = np.random.default_rng(0)
    flux = rng.normal(size=12)
    surface_flux = 0.7
    total = np.sum(sphere_divergence(flux, surface_flux, sph) * sph.volumes)
    assert total == pytest.approx(surface_flux * 1.0**2, rel=1e-12)
