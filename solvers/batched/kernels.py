r"""Batched array kernels: the residuals of the DFN, SPM and SPMe for B designs in one array call.

The numba kernels of :mod:`solvers.models.kernels` evaluate one design (one geometry vector, one set of
tables) per call. A lockstep batched integrator advancing B parameter variants at once needs all B
residuals from one call, on the GPU as well as on the CPU. The functions here are written over an array
namespace ``xp`` (numpy in CI, cupy on a GPU; this module never imports cupy) and vectorised over the
designs *and* the mesh (x cells, radial cells): no Python loop runs over designs or cells.

Each design brings its own geometry vector (:func:`solvers.models.kernels.geometry_vector`), its own
tables (:func:`~solvers.models.kernels.tabulate_electrode`, :func:`~solvers.models.kernels.tabulate_electrolyte`,
built at its own temperature) and its temperature; all designs share the model, the mesh (``dims``) and
thus the state layout. :func:`stack_systems` collects them from built systems into a :class:`DesignStack`,
storing each distinct table once (100 variants of one parameter set hold one table) and an index per
design; a look-up gathers from the flattened tables,

.. math::

    \mathrm{row}_b[i] = \mathrm{tabs.ravel}()[\mathrm{idx}_b \cdot S + r N + i],
    \quad S = \text{rows} \times N,

with the linear interpolation and linear extrapolation outside the grid of the numba ``_lookup`` (one
formula for its three cases: the same numbers up to rounding, half the array operations).

Every operation mirrors the numba kernels (floors, clips, the exchange current that vanishes without
electrolyte, the harmonic face means incl. the exact ``a if a == b`` rule of ``_face``, the regularised
arcsinh); the results agree with them to about 1e-13 relative. Two deliberate differences, both within
rounding: the particle kernel always takes the general (tabulated diffusivity) path, ignoring the
constant-diffusivity flag ``tab[5, 0]``; and the SPMe's MacInnes term sums the log of each ratio instead
of folding a running product.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.constants import F, R
from solvers.models.cell import ARCSINH_EPS, MACINNES_FLOOR, THERMODYNAMIC_FLOOR_MOL_M3
from solvers.models.kernels import LN_CE_RANGE, LOGIT_RANGE, N_CE, N_GEO, N_LOG, N_STO

__all__ = [
    "DesignStack",
    "dfn_residual",
    "residual",
    "spm_residual",
    "spm_voltage",
    "stack_systems",
]


# ------------------------------------------------------------------------------------------ the stack


@dataclass
class DesignStack:
    """Per-design inputs of B designs that share the model, the mesh (``dims``) and the state layout.

    Attributes
    ----------
    xp : module
        Array namespace of the arrays below (numpy or cupy).
    dims : numpy.ndarray of int64 (host)
        ``[Nn, Ns, Np, nr_n, nr_p, with_electrolyte]``, the same for every design.
    geo : xp array (B, n_geo)
        Geometry vectors (:func:`solvers.models.kernels.geometry_vector`), one row per design.
    tabs_n, tabs_p : xp arrays (U_n, 6, N_STO), (U_p, 6, N_STO)
        The distinct electrode tables; ``idx_n``, ``idx_p`` (B,) say which one each design uses.
    tabs_e : xp array (U_e, 4, N_CE)
        The distinct electrolyte tables; ``idx_e`` (B,) as above.
    T : xp array (B,)
        Temperature [K] of each design (its tables are built at it).
    kind : str
        ``"dfn"`` or ``"spm"`` (SPM and SPMe; ``dims[5]`` tells them apart): the residual to call.
    structure_key : tuple
        The first design's ``system.structure_key`` with the varying-t+ flag OR-ed over all designs, so a
        sparsity pattern built from it covers every design.
    """

    xp: Any
    dims: np.ndarray
    geo: Any
    tabs_n: Any
    idx_n: Any
    tabs_p: Any
    idx_p: Any
    tabs_e: Any
    idx_e: Any
    T: Any
    kind: str = "dfn"
    structure_key: tuple = ()

    @property
    def size(self) -> int:
        """Number of designs B."""
        return int(self.geo.shape[0])

    @property
    def n_core(self) -> int:
        """Number of core unknowns of each design (the residual's width)."""
        return _n_core(self.kind, self.dims)

    def subset(self, index) -> DesignStack:
        """The stack of some designs only (``index``: an xp integer array or a boolean mask over B).

        The tables are shared, not copied; the per-design rows (geometry, table indices, T) are taken.
        """
        xp = self.xp
        index = xp.asarray(index)
        return DesignStack(
            xp=xp,
            dims=self.dims,
            geo=self.geo[index],
            tabs_n=self.tabs_n,
            idx_n=self.idx_n[index],
            tabs_p=self.tabs_p,
            idx_p=self.idx_p[index],
            tabs_e=self.tabs_e,
            idx_e=self.idx_e[index],
            T=self.T[index],
            kind=self.kind,
            structure_key=self.structure_key,
        )


def _n_core(kind: str, dims) -> int:
    Nn, Ns, Np, nr_n, nr_p = (int(v) for v in dims[:5])
    if kind == "dfn":
        return Nn * nr_n + Np * nr_p + 2 * (Nn + Ns + Np) + Nn + Np
    return nr_n + nr_p + (Nn + Ns + Np if int(dims[5]) else 0)


def _why_not_compiled(system) -> str:
    """Why a system holds no compiled tables, in words a user can act on."""
    if getattr(system, "kernel_name", None) is None:
        return f"the {type(system).__name__} has no compiled kernel"
    from solvers.models import kernels

    c = system.cell
    try:
        kernels.tabulate_electrode(c.negative, c.T_ambient_K, c.T_ref_K, c.c_e_init_mol_m3)
        kernels.tabulate_electrode(c.positive, c.T_ambient_K, c.T_ref_K, c.c_e_init_mol_m3)
        kernels.tabulate_electrolyte(c, c.T_ambient_K)
    except kernels.NotTabulable as exc:
        return f"not tabulable: {exc}"
    return "its tables were never built; build the system with backend='numba'"


def _dedupe(tables, what: str):
    """(unique tables stacked (U, rows, N), index of each input) with identical tables stored once."""
    unique: list[np.ndarray] = []
    by_id: dict[int, int] = {}
    index = np.empty(len(tables), dtype=np.int64)
    for b, tab in enumerate(tables):
        k = by_id.get(id(tab))
        if k is None:
            for u, known in enumerate(unique):
                if known.shape == tab.shape and np.array_equal(known, tab):
                    k = u
                    break
            else:
                if unique and tab.shape != unique[0].shape:
                    raise ValueError(
                        f"design {b}: its {what} table has shape {tab.shape}, design 0's {unique[0].shape}"
                    )
                unique.append(np.asarray(tab, dtype=float))
                k = len(unique) - 1
            by_id[id(tab)] = k
        index[b] = k
    return np.stack(unique), index


def stack_systems(systems, xp) -> DesignStack:
    """Stack built systems (``system.compiled`` set: numba tables built) into a :class:`DesignStack`.

    Parameters
    ----------
    systems : sequence of model systems
        E.g. from ``model._system(params, None, mesh, "isothermal", "numba")[1]``; all of one model and
        mesh. A system's own ``compiled = (batch_kernel, geo, dims, tab_n, tab_p, tab_e, T)`` supplies
        its inputs.
    xp : module
        Array namespace the stack lives in (``numpy``, or ``cupy`` for a GPU); arrays go there through
        ``xp.asarray``.

    Raises
    ------
    ValueError
        Naming the first design (its position in ``systems``) whose model, mesh or state layout differs
        from design 0's, or that has no compiled tables (and why: lumped thermal, a function the tables
        cannot represent, or a system not built for the numba backend).
    """
    systems = list(systems)
    if not systems:
        raise ValueError("stack_systems needs at least one system")
    first = systems[0]
    for b, s in enumerate(systems):
        if s.compiled is None:
            raise ValueError(f"design {b} cannot be stacked: no compiled tables ({_why_not_compiled(s)})")
        if getattr(s, "lumped", False):
            raise ValueError(
                f"design {b} cannot be stacked: lumped thermal (the array kernels are isothermal; "
                "use thermal='isothermal' or solve_batch's threads)"
            )
    dims0 = np.asarray(first.compiled[2], dtype=np.int64)
    for b, s in enumerate(systems[1:], start=1):
        checks = (
            ("model", type(s).__name__, type(first).__name__),
            ("kernel", s.kernel_name, first.kernel_name),
            ("mesh (dims [Nn, Ns, Np, nr_n, nr_p, with_e])", [int(v) for v in s.compiled[2]], dims0.tolist()),
            ("thermal option (lumped)", s.lumped, first.lumped),
            ("state size", int(s.n), int(first.n)),
            ("geometry vector size", int(np.size(s.compiled[1])), int(np.size(first.compiled[1]))),
        )
        for what, mine, theirs in checks:
            if mine != theirs:
                raise ValueError(
                    f"design {b} cannot be stacked with design 0: its {what} is {mine}, design 0's {theirs}"
                )
    tabs_n, idx_n = _dedupe([s.compiled[3] for s in systems], "negative electrode")
    tabs_p, idx_p = _dedupe([s.compiled[4] for s in systems], "positive electrode")
    tabs_e, idx_e = _dedupe([s.compiled[5] for s in systems], "electrolyte")
    geo = np.stack([np.asarray(s.compiled[1], dtype=float) for s in systems])
    T = np.array([float(s.compiled[6]) for s in systems])
    key = tuple(first.structure_key)
    if len(key) == 4:  # (model, mesh, lumped, t+ varies): the union of the sparsity patterns
        key = (*key[:3], any(bool(s.structure_key[3]) for s in systems))
    return DesignStack(
        xp=xp,
        dims=dims0,
        geo=xp.asarray(geo),
        tabs_n=xp.asarray(tabs_n),
        idx_n=xp.asarray(idx_n),
        tabs_p=xp.asarray(tabs_p),
        idx_p=xp.asarray(idx_p),
        tabs_e=xp.asarray(tabs_e),
        idx_e=xp.asarray(idx_e),
        T=xp.asarray(T),
        kind=first.kernel_name,
        structure_key=key,
    )


# ------------------------------------------------------------------------------------------ lookups


def _per_design(v, ndim):
    """A (B,) array shaped to broadcast against (B, ...) arrays of ``ndim`` dimensions."""
    return v.reshape(v.shape + (1,) * (ndim - 1))


def _lookup(xp, tabs, idx, row, x, lo, hi, n):
    r"""Each design's table row ``row`` at ``x`` (B, ...): linear inside the grid, linear extrapolation out.

    As the numba ``_lookup``: :math:`u = (x - lo) / (hi - lo)\,(n - 1)`, the grid interval
    :math:`i = \min(\max(\lfloor u \rfloor, 0), n - 2)` and :math:`r_i + (r_{i+1} - r_i)(u - i)`, which
    is the interpolation inside the grid and the extrapolation along the first or last interval outside
    it (one formula for the three cases of the numba kernel, equal to them up to rounding, ~1e-16
    relative). ``lo``/``hi`` are numbers or arrays broadcasting against ``x``.
    """
    _, rows, width = tabs.shape
    flat = tabs.reshape(-1)
    base = _per_design(idx * (rows * width) + row * width, x.ndim)
    u = (x - lo) / (hi - lo) * (n - 1)
    i = xp.fmin(xp.fmax(xp.floor(u), 0.0), n - 2.0)  # fmin/fmax: a NaN u takes cell 0 (and stays NaN)
    at = base + i.astype(xp.int64)
    r0 = xp.take(flat, at)
    return r0 + (xp.take(flat, at + 1) - r0) * (u - i)


def _entry(tabs, idx, row, col):
    """Each design's table entry ``tab[row, col]`` (B,)."""
    return tabs[:, row, col][idx]


def _j0(xp, tabs, idx, ce, ce0, sto):
    r"""Exchange-current density [A/m2], :math:`j_0 = \exp(A(\ln c_e/c_{e0}) + B(\mathrm{logit}\,s))`.

    Zero where ``ce <= 0`` when j0 grows with c_e (no exchange current without electrolyte, as PyBaMM).
    """
    grows = _per_design(_entry(tabs, idx, 2, 1) > _entry(tabs, idx, 2, 0), ce.ndim)
    ln_ce = xp.log(xp.maximum(ce, 1e-300) / ce0)
    s = xp.minimum(xp.maximum(sto, 1e-13), 1.0 - 1e-13)
    z = xp.log(s / (1.0 - s))
    a = _lookup(xp, tabs, idx, 2, ln_ce, LN_CE_RANGE[0], LN_CE_RANGE[1], N_LOG)
    b = _lookup(xp, tabs, idx, 3, z, LOGIT_RANGE[0], LOGIT_RANGE[1], N_LOG)
    return xp.where((ce <= 0.0) & grows, 0.0, xp.exp(a + b))


def _arcsinh2(xp, a, b):
    """arcsinh(a / b) with b -> sign(b) hypot(b, eps), as :func:`solvers.models.cell.regularised_arcsinh`."""
    b_eff = xp.sqrt(b * b + ARCSINH_EPS * ARCSINH_EPS)
    return xp.arcsinh(a / xp.where(b >= 0.0, b_eff, -b_eff))


def _harm(a, b, beta):
    """Weighted harmonic mean ``1 / (beta / a + (1 - beta) / b)`` of two neighbours' coefficients."""
    return 1.0 / (beta / a + (1.0 - beta) / b)


def _face(xp, a, b):
    """A coefficient at the face of two equal cells: harmonic mean, exactly ``a`` when ``a == b``."""
    return xp.where(a == b, a, 1.0 / (0.5 / a + 0.5 / b))


def _cells(xp, values, counts):
    """(B, sum(counts)): per-domain values (each (B,)) repeated over their cells."""
    B = values[0].shape[0]
    return xp.concatenate(
        [xp.broadcast_to(v[:, None], (B, n)) for v, n in zip(values, counts, strict=True)], axis=1
    )


# ------------------------------------------------------------------------------------------ particle


def _particle(xp, c, tabs, idx, radius, flux_sto):
    r"""d(sto)/dt of every particle (B, M, nr) with surface flux :math:`-D\,\partial s/\partial r` = ``flux_sto``.

    Cell k spans r/R in [k/nr, (k+1)/nr]:
    :math:`\dot s_k = (r_{out}^2 F_{out} - r_{in}^2 F_{in}) / (V_k R)`, :math:`V_k = (3k^2+3k+1)/(3 nr^3)`,
    face fluxes :math:`F = \bar D\, \Delta s / \Delta r` with the harmonic mean of the neighbours' D(s).
    ``c`` (B, M, nr) stoichiometries, ``radius`` and ``flux_sto`` [1/s x m] (B, M).
    """
    B, M, nr = c.shape
    radius = radius[..., None]
    dr = radius / nr
    inv_n2 = 1.0 / (nr * nr)
    scale = 3.0 * nr * nr * nr / radius
    kk = np.arange(1, nr, dtype=float)
    coef = xp.asarray(kk * kk * inv_n2)
    k = np.arange(nr, dtype=float)
    vol = xp.asarray(3.0 * k * k + 3.0 * k + 1.0)
    D = _lookup(xp, tabs, idx, 1, c, 0.0, 1.0, N_STO)
    inner = coef * _harm(D[..., :-1], D[..., 1:], 0.5) * (c[..., 1:] - c[..., :-1]) / dr
    nxt = xp.concatenate([inner, -flux_sto[..., None]], axis=-1)
    prev = xp.concatenate([xp.zeros((B, M, 1)), inner], axis=-1)
    return (nxt - prev) * scale / vol


# ------------------------------------------------------------------------------------------ DFN


def dfn_residual(Y, I_A, d: DesignStack):
    r"""DFN core residuals and terminal voltages of B designs (as :func:`solvers.models.kernels.dfn_core`).

    Parameters
    ----------
    Y : xp array (B, n)
        Full state rows in the layout of :class:`solvers.models.dfn.DFNSystem` (c_s,n [Nn x nr_n],
        c_s,p [Np x nr_p], c_e / c_e0 [Nx], phi_e [Nx], phi_s,n [Nn], phi_s,p [Np], then extras; the last
        column, the current, is not read here).
    I_A : xp array (B,)
        Applied current [A], positive on discharge.
    d : DesignStack

    Returns
    -------
    f : xp array (B, n_core)
        d/dt of the differential unknowns and the algebraic residuals (in units of the 1C volumetric
        current density, ``row_scale``), Butler-Volmer
        :math:`j = 2 j_0 \sinh(F \eta / 2RT)`, :math:`\eta = \phi_s - \phi_e - U(s_{surf})`.
    V : xp array (B,)
        Terminal voltage [V], the extrapolated positive solid potential minus ``I R_contact``.
    """
    xp = d.xp
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _dfn(xp, Y, I_A, d)


def _dfn(xp, Y, I_A, d):
    Nn, Ns, Np, nr_n, nr_p = (int(v) for v in d.dims[:5])
    Nx = Nn + Ns + Np
    geo = d.geo
    B = geo.shape[0]
    L_n, L_s, L_p = geo[:, 0], geo[:, 1], geo[:, 2]
    cmax_n, cmax_p = geo[:, 13], geo[:, 14]
    ce0, area, row_scale, r_contact = geo[:, 19], geo[:, 20], geo[:, 21], geo[:, 22]
    g_eps, g_tor, g_a, g_rad, g_sig = (N_GEO + k * Nx for k in range(5))
    eps = geo[:, g_eps : g_eps + Nx]
    tor = geo[:, g_tor : g_tor + Nx]
    a_x = geo[:, g_a : g_a + Nx]
    rad_x = geo[:, g_rad : g_rad + Nx]
    sig_x = geo[:, g_sig : g_sig + Nx]
    o_csp = Nn * nr_n
    o_ce = o_csp + Np * nr_p
    o_pe = o_ce + Nx
    o_psn = o_pe + Nx
    o_psp = o_psn + Nn
    ce = Y[:, o_ce:o_pe]
    pe = Y[:, o_pe:o_psn]
    psn = Y[:, o_psn:o_psp]
    psp = Y[:, o_psp : o_psp + Np]
    RT_F = R * d.T / F
    i_cell = I_A / area
    ce_max_tab = 8.0 * ce0
    ce0_c = ce0[:, None]
    dx = _cells(xp, [L_n / Nn, L_s / Ns, L_p / Np], [Nn, Ns, Np])

    def electrode(c, tabs, idx, cmax, phis, cells):
        s_surf = 1.5 * c[..., -1] - 0.5 * c[..., -2]
        s_cl = xp.minimum(xp.maximum(s_surf, 1e-12), 1.0 - 1e-12)
        U = _lookup(xp, tabs, idx, 0, s_cl, 0.0, 1.0, N_STO)
        j0 = _j0(xp, tabs, idx, ce[:, cells] * ce0_c, ce0_c, s_cl)
        eta = phis - pe[:, cells] - U
        j = 2.0 * j0 * xp.sinh(0.5 * eta / RT_F[:, None])
        f_c = _particle(xp, c, tabs, idx, rad_x[:, cells], j / (F * cmax[:, None]))
        return a_x[:, cells] * j, f_c.reshape(B, -1)

    aj_n, f_csn = electrode(Y[:, :o_csp].reshape(B, Nn, nr_n), d.tabs_n, d.idx_n, cmax_n, psn, slice(0, Nn))
    aj_p, f_csp = electrode(
        Y[:, o_csp:o_ce].reshape(B, Np, nr_p), d.tabs_p, d.idx_p, cmax_p, psp, slice(Nn + Ns, Nx)
    )
    aj = xp.concatenate([aj_n, xp.zeros((B, Ns)), aj_p], axis=1)
    zero = xp.zeros((B, 1))

    # electrolyte: cell values (each serves two faces), then the interior face fluxes
    te, ie_ = d.tabs_e, d.idx_e
    hi = ce_max_tab[:, None]
    c = xp.maximum(ce * ce0_c, 1e-12)
    D_c = tor * _lookup(xp, te, ie_, 0, c, 0.0, hi, N_CE)
    k_c = tor * _lookup(xp, te, ie_, 1, c, 0.0, hi, N_CE)
    x = xp.maximum(c, THERMODYNAMIC_FLOOR_MOL_M3)
    chi_c = (
        2.0
        * (1.0 - _lookup(xp, te, ie_, 2, x, 0.0, hi, N_CE))
        * _lookup(xp, te, ie_, 3, x, 0.0, hi, N_CE)
        * RT_F[:, None]
        / x
    )
    t_c = _lookup(xp, te, ie_, 2, c, 0.0, hi, N_CE)
    t_ref = _lookup(xp, te, ie_, 2, ce0, 0.0, ce_max_tab, N_CE)[:, None]
    dl, dr = dx[:, :-1], dx[:, 1:]
    gap = 0.5 * (dl + dr)
    beta = dl / (dl + dr)
    grad_c = (ce[:, 1:] - ce[:, :-1]) * ce0_c / gap
    grad_p = (pe[:, 1:] - pe[:, :-1]) / gap
    n_face = _harm(D_c[:, :-1], D_c[:, 1:], beta) * grad_c
    ie_face = 0.5 * (k_c[:, :-1] + k_c[:, 1:]) * (_harm(chi_c[:, :-1], chi_c[:, 1:], beta) * grad_c - grad_p)
    n_face = n_face - (t_c[:, :-1] + beta * (t_c[:, 1:] - t_c[:, :-1]) - t_ref) * ie_face / F
    n_next, n_prev = xp.concatenate([n_face, zero], axis=1), xp.concatenate([zero, n_face], axis=1)
    i_next, i_prev = xp.concatenate([ie_face, zero], axis=1), xp.concatenate([zero, ie_face], axis=1)
    f_ce = ((n_next - n_prev) / dx + (1.0 - t_ref) * aj / F) / eps / ce0_c
    f_pe = ((i_next - i_prev) / dx - aj) / row_scale[:, None]

    # solid potentials: per-cell conductivity, harmonic mean at faces between different cells
    dxn = (L_n / Nn)[:, None]
    sig_n = sig_x[:, :Nn]
    is_n = -_face(xp, sig_n[:, :-1], sig_n[:, 1:]) * (psn[:, 1:] - psn[:, :-1]) / dxn
    is_0 = -sig_n[:, :1] * psn[:, :1] / (0.5 * dxn)
    f_psn = (
        (xp.concatenate([is_n, zero], axis=1) - xp.concatenate([is_0, is_n], axis=1)) / dxn + aj[:, :Nn]
    ) / row_scale[:, None]
    dxp = (L_p / Np)[:, None]
    sig_p = sig_x[:, Nn + Ns : Nx]
    is_p = -_face(xp, sig_p[:, :-1], sig_p[:, 1:]) * (psp[:, 1:] - psp[:, :-1]) / dxp
    f_psp = (
        (xp.concatenate([is_p, i_cell[:, None]], axis=1) - xp.concatenate([zero, is_p], axis=1)) / dxp
        + aj[:, Nn + Ns :]
    ) / row_scale[:, None]
    f = xp.concatenate([f_csn, f_csp, f_ce, f_pe, f_psn, f_psp], axis=1)
    V = 1.5 * psp[:, -1] - 0.5 * psp[:, -2] - I_A * r_contact
    return f, V


# ------------------------------------------------------------------------------------------ SPM(e)


def spm_residual(Y, I_A, d: DesignStack, want_v: bool = True):
    r"""SPM / SPMe core residuals and voltages of B designs (as :func:`solvers.models.kernels.spm_core`).

    Parameters
    ----------
    Y : xp array (B, n)
        Full state rows in the layout of :class:`solvers.models.spm.SPMSystem` (c_s,n [nr_n],
        c_s,p [nr_p], for the SPMe c_e / c_e0 [Nx]; then extras and the current, not read here).
    I_A : xp array (B,)
        Applied current [A], positive on discharge.
    d : DesignStack
        ``d.dims[5]`` is 1 for the SPMe (electrolyte), 0 for the SPM.
    want_v : bool
        ``False`` skips the SPMe's voltage (its per-cell exchange currents and concentration
        overpotential) and returns NaN, as the numba kernel; the SPM's voltage costs nothing and, as in
        the numba kernel, is always returned.

    Returns
    -------
    f : xp array (B, n_core)
        d/dt of the particle stoichiometries (uniform :math:`j_n = i/(a_n L_n)`,
        :math:`j_p = -i/(a_p L_p)`) and, for the SPMe, of c_e / c_e0.
    V : xp array (B,)
        :math:`U_p - U_n + \eta_p - \eta_n (+ \eta_c + \Delta\phi_e + \Delta\phi_s) - I R_{contact}` [V].
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _spm(d.xp, Y, I_A, d, want_f=True, want_v=want_v)


def spm_voltage(Y, I_A, d: DesignStack):
    """Terminal voltage [V] of B designs without the residual (as ``kernels.spm_voltage_batch``)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _spm(d.xp, Y, I_A, d, want_f=False, want_v=True)[1]


def _spm(xp, Y, I_A, d, want_f, want_v):
    Nn, Ns, Np, nr_n, nr_p, with_e = (int(v) for v in d.dims[:6])
    geo = d.geo
    B = geo.shape[0]
    L_n, L_s, L_p = geo[:, 0], geo[:, 1], geo[:, 2]
    a_n, a_p = geo[:, 9], geo[:, 10]
    R_n, R_p = geo[:, 11], geo[:, 12]
    cmax_n, cmax_p = geo[:, 13], geo[:, 14]
    sig_n, sig_p = geo[:, 15], geo[:, 16]
    ce0, area, r_contact = geo[:, 19], geo[:, 20], geo[:, 22]
    RT_F = R * d.T / F
    i_cell = I_A / area
    j_n = i_cell / (a_n * L_n)
    j_p = -i_cell / (a_p * L_p)
    parts = []
    if want_f:
        for c, tabs, idx, radius, flux in (
            (Y[:, :nr_n], d.tabs_n, d.idx_n, R_n, j_n / (F * cmax_n)),
            (Y[:, nr_n : nr_n + nr_p], d.tabs_p, d.idx_p, R_p, j_p / (F * cmax_p)),
        ):
            parts.append(_particle(xp, c[:, None, :], tabs, idx, radius[:, None], flux[:, None])[:, 0, :])
    s_n = xp.minimum(xp.maximum(1.5 * Y[:, nr_n - 1] - 0.5 * Y[:, nr_n - 2], 1e-12), 1.0 - 1e-12)
    o = nr_n + nr_p
    s_p = xp.minimum(xp.maximum(1.5 * Y[:, o - 1] - 0.5 * Y[:, o - 2], 1e-12), 1.0 - 1e-12)
    U_n = _lookup(xp, d.tabs_n, d.idx_n, 0, s_n, 0.0, 1.0, N_STO)
    U_p = _lookup(xp, d.tabs_p, d.idx_p, 0, s_p, 0.0, 1.0, N_STO)
    if with_e == 0:
        eta_n = 2.0 * RT_F * _arcsinh2(xp, j_n, 2.0 * _j0(xp, d.tabs_n, d.idx_n, ce0, ce0, s_n))
        eta_p = 2.0 * RT_F * _arcsinh2(xp, j_p, 2.0 * _j0(xp, d.tabs_p, d.idx_p, ce0, ce0, s_p))
        V = U_p - U_n + eta_p - eta_n - I_A * r_contact
        f = xp.concatenate(parts, axis=1) if want_f else None
        return f, V

    Nx = Nn + Ns + Np
    g_eps, g_tor, g_a = N_GEO, N_GEO + Nx, N_GEO + 2 * Nx
    eps = geo[:, g_eps : g_eps + Nx]
    tor = geo[:, g_tor : g_tor + Nx]
    a_x = geo[:, g_a : g_a + Nx]
    ce0_c = ce0[:, None]
    ce_max_tab = 8.0 * ce0
    hi = ce_max_tab[:, None]
    te, ie_ = d.tabs_e, d.idx_e
    ci = Y[:, o : o + Nx] * ce0_c
    dx = _cells(xp, [L_n / Nn, L_s / Ns, L_p / Np], [Nn, Ns, Np])
    t_ref = _lookup(xp, te, ie_, 2, ce0, 0.0, ce_max_tab, N_CE)
    if want_f:
        # electrolyte diffusion with the uniform reaction source; migration with i_e exact at the faces
        D = tor * _lookup(xp, te, ie_, 0, xp.maximum(ci, 0.0), 0.0, hi, N_CE)
        t = _lookup(xp, te, ie_, 2, xp.maximum(ci, 1e-12), 0.0, hi, N_CE)
        dl, dr = dx[:, :-1], dx[:, 1:]
        beta = dl / (dl + dr)
        n_face = _harm(D[:, :-1], D[:, 1:], beta) * (ci[:, 1:] - ci[:, :-1]) / (0.5 * (dl + dr))
        ic = i_cell[:, None]
        i_face = xp.concatenate(
            [
                ic * xp.asarray(np.arange(1, Nn + 1, dtype=float)) / Nn,
                xp.broadcast_to(ic, (B, Ns)),
                ic * xp.asarray(1.0 - np.arange(1, Np, dtype=float) / Np),
            ],
            axis=1,
        )
        n_face = n_face - (t[:, :-1] + beta * (t[:, 1:] - t[:, :-1]) - t_ref[:, None]) * i_face / F
        src = xp.concatenate(
            [a_x[:, :Nn] * j_n[:, None], xp.zeros((B, Ns)), a_x[:, Nn + Ns :] * j_p[:, None]], axis=1
        )
        zero = xp.zeros((B, 1))
        n_next, n_prev = xp.concatenate([n_face, zero], axis=1), xp.concatenate([zero, n_face], axis=1)
        parts.append(((n_next - n_prev) / dx + (1.0 - t_ref[:, None]) * src / F) / eps / ce0_c)
    f = xp.concatenate(parts, axis=1) if want_f else None
    if not want_v:
        return f, xp.full(B, xp.nan)

    ce_av = xp.maximum(xp.sum(ci * dx, axis=1) / (L_n + L_s + L_p), 1e-12)
    inv_av = (1.0 / ce_av)[:, None]

    def electrode(tabs, idx, s, j, cells, N):
        """Mean kinetic overpotential / (2RT/F) and mean ln(c_e / c_e,av) over an electrode's cells."""
        b = _lookup(xp, tabs, idx, 3, xp.log(s / (1.0 - s)), LOGIT_RANGE[0], LOGIT_RANGE[1], N_LOG)
        eb = xp.exp(b)[:, None]
        grows = (_entry(tabs, idx, 2, 1) > _entry(tabs, idx, 2, 0))[:, None]
        c = ci[:, cells]
        at_zero = xp.where(grows, 0.0, _entry(tabs, idx, 4, 0)[:, None] * eb)
        j0 = xp.where(c > 0.0, _lookup(xp, tabs, idx, 4, c, 0.0, hi, N_STO) * eb, at_zero)
        eta = xp.sum(_arcsinh2(xp, j[:, None], 2.0 * j0), axis=1)
        ln = xp.sum(xp.log(xp.maximum(c * inv_av, MACINNES_FLOOR)), axis=1)
        return eta * (2.0 * RT_F / N), ln / N

    eta_n, ln_n = electrode(d.tabs_n, d.idx_n, s_n, j_n, slice(0, Nn), Nn)
    eta_p, ln_p = electrode(d.tabs_p, d.idx_p, s_p, j_p, slice(Nn + Ns, Nx), Np)
    kappa = _lookup(xp, te, ie_, 1, ce_av, 0.0, ce_max_tab, N_CE)
    t_av = _lookup(xp, te, ie_, 2, ce_av, 0.0, ce_max_tab, N_CE)
    chiRT_F = 2.0 * (1.0 - t_av) * _lookup(xp, te, ie_, 3, ce_av, 0.0, ce_max_tab, N_CE) * RT_F
    eta_c = chiRT_F * (ln_p - ln_n)
    dphi_e = -i_cell * (
        L_n / (3 * kappa * geo[:, 6]) + L_s / (kappa * geo[:, 7]) + L_p / (3 * kappa * geo[:, 8])
    )
    dphi_s = -i_cell * (L_n / (3 * sig_n) + L_p / (3 * sig_p))
    V = U_p - U_n + eta_p - eta_n + eta_c + dphi_e + dphi_s - I_A * r_contact
    return f, V


# ------------------------------------------------------------------------------------------ dispatch

_RESIDUALS = {
    "dfn": lambda Y, I_A, d, want_v: dfn_residual(Y, I_A, d),
    "spm": spm_residual,
    "spme": spm_residual,
}


def residual(kind: str, Y, I_A, d: DesignStack, want_v: bool = True):
    """(f, V) of the model ``kind`` ("dfn", or "spm" for the SPM and SPMe; "spme" is accepted too).

    ``want_v`` only matters for the SPMe (see :func:`spm_residual`); the DFN's voltage is always computed.
    """
    try:
        func = _RESIDUALS[kind]
    except KeyError:
        raise ValueError(f"Unknown residual kind {kind!r}; choose one of {', '.join(_RESIDUALS)}") from None
    return func(Y, I_A, d, want_v)
