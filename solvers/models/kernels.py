r"""Compiled (numba) kernels of the models, fed by tables of the parameter set's functions.

At solve setup every function of the set is tabulated on a fine uniform grid, so the kernels never call
Python and a new design (thicknesses, radii, porosities, any value) recompiles nothing. Geometry enters
through :func:`geometry_vector`: per-domain values, then per-x-cell arrays (porosity, eps^b, a, particle
radius, solid conductivity) for graded and layered electrodes. The tables:

* OCPs (with the entropic term at the solve temperature) and particle diffusivities against
  stoichiometry, 8193 points on [0, 1];
* electrolyte diffusivity, conductivity, cation transference number and thermodynamic factor against
  concentration, 8193 points on [0, 8 c_e0] (rows 0-3 of the electrolyte table);
* exchange-current densities, which must be separable,
  :math:`\ln j_0(c_e, c_s) = A(\ln c_e) + B(\mathrm{logit}(c_s/c_{max}))` (true for every published
  :math:`m\,c_e^{a} c_s^{b} (c_{max}-c_s)^{c}` form); both parts tabulated (4097 points).

Temperature: the tables are built at one temperature ``T_tab`` (the ambient), and the kernels take the
temperature ``T`` as an input (a state of the lumped thermal model). The OCPs are exactly linear in T
(``U(T_tab) + (T - T_tab) dU/dT``, the entropic change tabulated in row 6), and every other function whose
temperature dependence is an Arrhenius factor times a function of the rest,
``f(x, T) = f(x, T_tab) exp(E/R (1/T_tab - 1/T))``, is evaluated exactly at any T from its table and its
activation temperature E/R, found from the function's own values at six temperatures
(:func:`activation_temperature`; row 5 of the electrode tables, row 4 of the electrolyte table). Every
published set's diffusivities, exchange currents and electrolyte functions take that form (or none);
one that does not (e.g. a polynomial in c_e and T) raises :class:`NotTabulable` for the lumped option, whose
run then takes the numpy path. Isothermal runs use E = 0 (factor exactly 1 at ``T = T_tab``).
:func:`tabulate` raises :class:`NotTabulable` when a function does not fit these forms, and the model then
falls back to the numpy path (reported in ``info["kernel"]``).

The kernels mirror the numpy reference in :mod:`solvers.models.dfn` line by line; a test checks that
both agree.
"""

from __future__ import annotations

import threading

import numpy as np
from numba import njit

from solvers.constants import F, R
from solvers.models.cell import ARCSINH_EPS, MACINNES_FLOOR, THERMODYNAMIC_FLOOR_MOL_M3, uniform_or_mean
from solvers.physics import heat as _heat

# the pointwise relations of solvers.physics.heat, compiled into the loops below (written once there)
_arrhenius = njit(cache=True, inline="always")(_heat.arrhenius)
_ocp_at_temperature = njit(cache=True, inline="always")(_heat.ocp_at_temperature)
_reversible = njit(cache=True, inline="always")(_heat.reversible_heating)
_irreversible = njit(cache=True, inline="always")(_heat.irreversible_heating)
_ohmic = njit(cache=True, inline="always")(_heat.ohmic_heating)

#: entries of the geometry vector before its per-cell sections (see :func:`geometry_vector`)
N_GEO = 23
N_STO = 8193
N_CE = 8193
N_LOG = 4097
LN_CE_RANGE = (-12.0, 3.0)  # ln(c_e / c_e0)
LOGIT_RANGE = (-30.0, 30.0)


class NotTabulable(ValueError):
    """A parameter function does not fit the tabulated forms the compiled kernels use."""


# ------------------------------------------------------------------------------------------ tables


def _grid(lo, hi, n):
    return np.linspace(lo, hi, n)


_TABLE_CACHE: dict = {}
_TABLE_CACHE_SIZE = 64
#: solve_batch's threads build and evict tables at once: two evicting the same oldest key raced (KeyError)
_TABLE_CACHE_LOCK = threading.Lock()


def _cached(key, build):
    """Tables depend on the functions and a few numbers only: a new design reuses them (thread-safe)."""
    try:
        hit = _TABLE_CACHE.get(key)
    except TypeError:  # unhashable function objects are simply not cached
        return build()
    if hit is not None:
        return hit
    value = build()
    with _TABLE_CACHE_LOCK:
        while len(_TABLE_CACHE) >= _TABLE_CACHE_SIZE:
            _TABLE_CACHE.pop(next(iter(_TABLE_CACHE)), None)
        _TABLE_CACHE[key] = value
    return value


#: temperatures [K] above and below the table's at which :func:`activation_temperature` probes a function
T_PROBES_K = (-40.0, -20.0, -5.0, 10.0, 30.0, 60.0)


def activation_temperature(values_at, T_tab: float, what: str) -> float:
    """E/R [K] of ``f(., T) = f(., T_tab) exp(E/R (1/T_tab - 1/T))``, from ``values_at(T)`` (an array).

    0 for a function without temperature dependence. Raises :class:`NotTabulable` naming ``what`` when the
    temperature factor is not one Arrhenius factor common to every point (then the kernels cannot
    evaluate the function at another temperature without new tables).
    """
    with np.errstate(all="ignore"):
        f0 = np.asarray(values_at(T_tab), dtype=float)
        ok = np.isfinite(f0) & (f0 != 0.0)
        if not ok.any():
            return 0.0
        estimates = []
        for dT in T_PROBES_K:
            T = T_tab + dT
            ratio = np.asarray(values_at(T), dtype=float)[ok] / f0[ok]
            if not np.all(np.isfinite(ratio) & (ratio > 0.0)):
                raise NotTabulable(f"{what} changes sign or is not finite at {T:.1f} K")
            ln_r = np.log(ratio)
            if np.max(np.abs(ln_r - ln_r[0])) > 1e-9 * max(1.0, abs(ln_r[0])):
                raise NotTabulable(
                    f"{what} is not a function of the rest times a factor of temperature (lumped thermal)"
                )
            estimates.append(ln_r[0] / (1.0 / T_tab - 1.0 / T))
    e = np.array(estimates)
    E = float(np.mean(e))
    if np.max(np.abs(e - E)) > 1e-6 * max(1.0, abs(E)):
        raise NotTabulable(f"{what}: its temperature dependence is not an Arrhenius factor (lumped thermal)")
    return 0.0 if abs(E) < 1e-6 else E


def tabulate_electrode(e, T_K: float, T_ref_K: float, c_e0: float, thermal: bool = False) -> np.ndarray:
    """Cached :func:`_tabulate_electrode`; ``thermal`` adds the activation temperatures (lumped option)."""
    key = (
        bool(thermal),
        e.ocp,
        e.entropic,
        e.diffusivity,
        e.exchange_current,
        e.c_max_mol_m3,
        float(T_K),
        float(T_ref_K),
        c_e0,
    )
    return _cached(key, lambda: _tabulate_electrode(e, T_K, T_ref_K, c_e0, thermal))


def _tabulate_electrode(e, T_K: float, T_ref_K: float, c_e0: float, thermal: bool = False) -> np.ndarray:
    """Tables of one electrode as rows of a (7, N) array.

    ``tab[0] = U(sto) [V]``, ``tab[1] = D_s(sto) [m2/s]`` on the sto grid, ``tab[2][:N_LOG] = A`` and
    ``tab[3][:N_LOG] = B`` (so that ``j0 = exp(A(ln c_e/c_e0) + B(logit sto))``), and
    ``tab[4] = exp(A)`` = ``j0(c_e, c_max/2)`` on a c_e grid over [0, 8 c_e0]; ``tab[5, 0]`` is 1 when
    D_s is constant; ``tab[5, 1]`` and ``tab[5, 2]`` are the activation temperatures E/R [K] of D_s and j0
    (0 unless ``thermal``), ``tab[5, 3]`` the table temperature T_K; ``tab[6] = dU/dT(sto)`` [V/K].
    """
    sto = _grid(0.0, 1.0, N_STO)
    with np.errstate(all="ignore"):
        U = np.asarray(e.ocp_T(sto, T_K, T_ref_K), dtype=float) * np.ones_like(sto)
        D = np.asarray(e.diffusivity(sto, T_K), dtype=float) * np.ones_like(sto)
    # the ends of the OCP may be singular (log terms): extend the nearest finite values
    for arr, what in ((U, "OCP"), (D, "particle diffusivity")):
        finite = np.isfinite(arr)
        if finite.sum() < 0.9 * arr.size:
            raise NotTabulable(f"{e.domain} electrode {what} is not finite over most of 0 < sto < 1")
        arr[~finite] = np.interp(sto[~finite], sto[finite], arr[finite])
    c_max = e.c_max_mol_m3
    ln_ce = _grid(*LN_CE_RANGE, N_LOG)
    logit = _grid(*LOGIT_RANGE, N_LOG)
    s_of_logit = 1.0 / (1.0 + np.exp(-logit))
    s_ref, ce_ref = 0.5, c_e0

    def ln_j0(ce, s):
        with np.errstate(all="ignore"):
            return np.log(np.asarray(e.exchange_current(ce, s * c_max, c_max, T_K), dtype=float))

    A = ln_j0(c_e0 * np.exp(ln_ce), s_ref) * np.ones_like(ln_ce)
    B = (ln_j0(ce_ref, s_of_logit) - ln_j0(ce_ref, s_ref)) * np.ones_like(logit)
    # separability check on a coarse grid of the working range
    ce_chk = c_e0 * np.array([0.05, 0.3, 1.0, 2.0, 4.0])
    s_chk = np.array([0.01, 0.2, 0.5, 0.8, 0.99])
    L = ln_j0(ce_chk[:, None], s_chk[None, :])
    resid = L - L[:, :1] - L[:1, :] + L[0, 0]
    if not np.all(np.isfinite(L)) or np.max(np.abs(resid)) > 1e-8:
        raise NotTabulable(f"{e.domain} exchange-current density is not separable in (c_e, c_s)")
    for arr in (A, B):
        finite = np.isfinite(arr)
        if not finite.all():
            x = np.arange(arr.size)
            arr[~finite] = np.interp(x[~finite], x[finite], arr[finite])
    # the electrolyte factor exp(A) also against c_e itself (row 4, on [0, 8 c_e0]): the SPMe's voltage
    # then needs no log or exp per cell
    ce_lin = _grid(0.0, 8.0 * c_e0, N_STO)
    with np.errstate(all="ignore"):
        J = np.asarray(e.exchange_current(ce_lin, s_ref * c_max, c_max, T_K), dtype=float) * np.ones_like(ce_lin)
    finite = np.isfinite(J)
    if not finite.all():
        J[~finite] = np.interp(ce_lin[~finite], ce_lin[finite], J[finite])
    if thermal:
        s_chk = np.linspace(0.01, 0.99, 33)
        E_D = activation_temperature(
            lambda T: e.diffusivity(s_chk, T) * np.ones_like(s_chk), T_K, f"{e.domain} particle diffusivity"
        )
        ce_g, s_g = np.meshgrid(c_e0 * np.array([0.1, 0.5, 1.0, 2.0]), np.array([0.05, 0.3, 0.6, 0.95]))
        E_j0 = activation_temperature(
            lambda T: e.exchange_current(ce_g, s_g * c_max, c_max, T) * np.ones_like(ce_g),
            T_K,
            f"{e.domain} exchange-current density",
        )
    else:
        E_D = E_j0 = 0.0
    with np.errstate(all="ignore"):
        dUdT = np.asarray(e.entropic(sto, c_max), dtype=float) * np.ones_like(sto)
    finite = np.isfinite(dUdT)
    if not finite.all():
        if finite.sum() < 0.9 * dUdT.size:
            raise NotTabulable(f"{e.domain} electrode OCP entropic change is not finite over most of 0 < sto < 1")
        dUdT[~finite] = np.interp(sto[~finite], sto[finite], dUdT[finite])
    tab = np.zeros((7, N_STO))
    tab[0], tab[1] = U, D
    tab[2, :N_LOG], tab[3, :N_LOG] = A, B
    tab[4] = J
    # row 5: flags; [0] = 1 when the particle diffusivity is one constant (the particle kernel then skips
    # its per-face look-ups and harmonic means)
    tab[5, 0] = 1.0 if np.all(D == D[0]) else 0.0
    tab[5, 1], tab[5, 2], tab[5, 3] = E_D, E_j0, float(T_K)
    tab[6] = dUdT
    return tab


def tabulate_electrolyte(cell, T_K: float, thermal: bool = False) -> np.ndarray:
    """Cached :func:`_tabulate_electrolyte`; ``thermal`` adds the activation temperatures (lumped option)."""
    key = (
        bool(thermal),
        cell.electrolyte_diffusivity,
        cell.electrolyte_conductivity,
        cell.transference,
        cell.thermodynamic_factor,
        cell.c_e_init_mol_m3,
        float(T_K),
    )
    return _cached(key, lambda: _tabulate_electrolyte(cell, T_K, thermal))


def _tabulate_electrolyte(cell, T_K: float, thermal: bool = False) -> np.ndarray:
    """(5, N_CE) table on [0, 8 c_e0]: D_e(c_e), kappa(c_e), t+(c_e), TDF(c_e) at T_K.

    Row 4: the activation temperatures E/R [K] of the four (0 unless ``thermal``), then T_K.

    The kernels apply the same floors as the numpy models (the functions are tabulated unfloored).
    """
    ce = _grid(0.0, 8.0 * cell.c_e_init_mol_m3, N_CE)
    rows = []
    for func, what in (
        (cell.electrolyte_diffusivity, "diffusivity"),
        (cell.electrolyte_conductivity, "conductivity"),
        (cell.transference, "cation transference number"),
        (cell.thermodynamic_factor, "thermodynamic factor"),
    ):
        with np.errstate(all="ignore"):
            arr = np.asarray(func(ce, T_K), dtype=float) * np.ones_like(ce)
        finite = np.isfinite(arr)
        if finite.sum() < 0.9 * arr.size:
            raise NotTabulable(f"electrolyte {what} is not finite over 0..8 c_e0")
        arr[~finite] = np.interp(ce[~finite], ce[finite], arr[finite])
        rows.append(arr)
    last = np.zeros(N_CE)
    if thermal:
        c_chk = cell.c_e_init_mol_m3 * np.linspace(0.05, 4.0, 41)
        for k, (func, what) in enumerate(
            (
                (cell.electrolyte_diffusivity, "electrolyte diffusivity"),
                (cell.electrolyte_conductivity, "electrolyte conductivity"),
                (cell.transference, "cation transference number"),
                (cell.thermodynamic_factor, "thermodynamic factor"),
            )
        ):
            last[k] = activation_temperature(lambda T, f=func: f(c_chk, T) * np.ones_like(c_chk), T_K, what)
    last[4] = float(T_K)
    rows.append(last)
    return np.stack(rows)


# ------------------------------------------------------------------------------------------ lookups


@njit(cache=True, inline="always")
def _lookup(row, x, lo, hi, n):
    u = (x - lo) / (hi - lo) * (n - 1)
    if u <= 0.0:
        return row[0] + (row[1] - row[0]) * u
    if u >= n - 1:
        return row[n - 1] + (row[n - 1] - row[n - 2]) * (u - (n - 1))
    i = int(u)
    w = u - i
    return row[i] * (1.0 - w) + row[i + 1] * w


@njit(cache=True, inline="always")
def _j0(tab, ce, ce0, sto):
    if ce <= 0.0 and tab[2, 1] > tab[2, 0]:  # no exchange current without electrolyte (as PyBaMM)
        return 0.0
    ln_ce = np.log(max(ce, 1e-300) / ce0)
    s = min(max(sto, 1e-13), 1.0 - 1e-13)
    z = np.log(s / (1.0 - s))
    a = _lookup(tab[2], ln_ce, LN_CE_RANGE[0], LN_CE_RANGE[1], N_LOG)
    b = _lookup(tab[3], z, LOGIT_RANGE[0], LOGIT_RANGE[1], N_LOG)
    return np.exp(a + b)


@njit(cache=True, inline="always")
def _arcsinh2(a, b):
    """arcsinh(a / b) with b -> sign(b) hypot(b, eps), as :func:`solvers.models.cell.regularised_arcsinh`."""
    b_eff = np.sqrt(b * b + ARCSINH_EPS * ARCSINH_EPS)
    return np.arcsinh(a / (b_eff if b >= 0.0 else -b_eff))


@njit(cache=True, inline="always")
def _harm(a, b, beta):
    return 1.0 / (beta / a + (1.0 - beta) / b)


@njit(cache=True, inline="always")
def _face(a, b):
    """A coefficient at the face of two equal cells: harmonic mean, exactly ``a`` when ``a == b``."""
    return a if a == b else 1.0 / (0.5 / a + 0.5 / b)


# ------------------------------------------------------------------------------------------ particle


@njit(cache=True)
def _particle(y, off, nr, tab, radius, flux_sto, out, out_off, dfac=1.0):
    """d(sto)/dt of one particle (uniform cells in r/R), surface flux -D dsto/dr = flux_sto.

    ``dfac`` multiplies the tabulated diffusivity (its Arrhenius factor at the present temperature).

    Cell k spans r/R in [k/nr, (k+1)/nr]: d(sto_k)/dt = (r_out^2 F_out - r_in^2 F_in) / (vol_k R), with
    vol_k = (r_out^3 - r_in^3)/3 = (3k^2 + 3k + 1) / (3 nr^3) and the face fluxes F = D dsto/dr.
    """
    dr = radius / nr
    inv_n2 = 1.0 / (nr * nr)
    scale = 3.0 * nr * nr * nr / radius  # 1 / (vol_k R) = scale / (3k^2 + 3k + 1)
    prev = 0.0  # r_in^2 F_in (zero at the centre)
    if tab[5, 0] == 1.0:  # constant diffusivity: no look-ups, no harmonic means
        d_over_dr = tab[1, 0] * dfac / dr
        for k in range(nr):
            kk = k + 1.0
            if k < nr - 1:
                nxt = kk * kk * inv_n2 * d_over_dr * (y[off + k + 1] - y[off + k])
            else:
                nxt = -flux_sto
            out[out_off + k] = (nxt - prev) * scale / (3.0 * k * k + 3.0 * k + 1.0)
            prev = nxt
        return
    d_prev = _lookup(tab[1], y[off], 0.0, 1.0, N_STO)
    for k in range(nr):
        kk = k + 1.0
        if k < nr - 1:
            d_next = _lookup(tab[1], y[off + k + 1], 0.0, 1.0, N_STO)
            nxt = kk * kk * inv_n2 * _harm(d_prev, d_next, 0.5) * dfac * (y[off + k + 1] - y[off + k]) / dr
            d_prev = d_next
        else:
            nxt = -flux_sto
        out[out_off + k] = (nxt - prev) * scale / (3.0 * k * k + 3.0 * k + 1.0)
        prev = nxt


# ------------------------------------------------------------------------------------------ DFN


@njit(cache=True)
def dfn_core(y, I_A, T, geo, dims, tab_n, tab_p, tab_e, f, heat):
    """Residual of the DFN core unknowns (layout of :class:`solvers.models.dfn.DFNSystem`) -> V [V].

    ``T`` [K] is the cell temperature (the tables' own temperature, ``tab[5, 3]``, in an isothermal run).
    A non-empty ``heat`` (2 (Nn + Np) + Nx - 1) receives the local heat sources [W] of PyBaMM's thermal
    models (:mod:`solvers.physics.heat`), each times its share of the volume: per electrode cell the
    reversible and irreversible heating A a j (T dU/dT + eta) dx; per interior face the electrolyte's Ohmic
    heating -A i_e dphi_e/dx gap; the solid's per face of each electrode (current collector faces
    included, half a cell each). Their sum is "Total heating [W]".

    geo = [L_n, L_s, L_p, eps_n, eps_s, eps_p, tor_n, tor_s, tor_p, a_n, a_p, R_n, R_p, cmax_n, cmax_p,
           sig_n, sig_p, (unused), (unused), ce0, area, row_scale, contact_resistance,
           eps[Nx], tor[Nx], a[Nx], R[Nx], sig[Nx]]
    (the first 23 are the electrode-averaged values, see :func:`geometry_vector`; then per-cell arrays over
    the x mesh: porosity, eps^b, a = 3 eps_s / R, particle radius, sigma (1-eps)^b_s, at cell centres)
    dims = [Nn, Ns, Np, nr_n, nr_p]
    tab_e = rows D_e, kappa, t+, TDF against c_e (:func:`tabulate_electrolyte`)
    """
    L_n, L_s, L_p = geo[0], geo[1], geo[2]
    cmax_n, cmax_p = geo[13], geo[14]
    ce0, area, row_scale, r_contact = geo[19], geo[20], geo[21], geo[22]
    Nn, Ns, Np, nr_n, nr_p = dims[0], dims[1], dims[2], dims[3], dims[4]
    Nx = Nn + Ns + Np
    g_eps, g_tor, g_a, g_rad, g_sig = N_GEO, N_GEO + Nx, N_GEO + 2 * Nx, N_GEO + 3 * Nx, N_GEO + 4 * Nx
    o_csn = 0
    o_csp = Nn * nr_n
    o_ce = o_csp + Np * nr_p
    o_pe = o_ce + Nx
    o_psn = o_pe + Nx
    o_psp = o_psn + Nn
    RT_F = R * T / F
    i_cell = I_A / area
    ce_max_tab = 8.0 * ce0
    want_heat = heat.shape[0] > 0
    # temperature: OCPs linear in T, Arrhenius factors of the tabulated functions (1 at the tables' T)
    T_tab = tab_n[5, 3]
    dT = T - T_tab
    fj_n, fj_p = _arrhenius(tab_n[5, 2], T_tab, T), _arrhenius(tab_p[5, 2], T_tab, T)
    fd_n, fd_p = _arrhenius(tab_n[5, 1], T_tab, T), _arrhenius(tab_p[5, 1], T_tab, T)
    f_De, f_ka = _arrhenius(tab_e[4, 0], T_tab, T), _arrhenius(tab_e[4, 1], T_tab, T)
    f_tp, f_tdf = _arrhenius(tab_e[4, 2], T_tab, T), _arrhenius(tab_e[4, 3], T_tab, T)
    # per-cell widths, porosity, tortuosity
    dx = np.empty(Nx)
    eps = np.empty(Nx)
    tor = np.empty(Nx)
    for i in range(Nx):
        if i < Nn:
            dx[i] = L_n / Nn
        elif i < Nn + Ns:
            dx[i] = L_s / Ns
        else:
            dx[i] = L_p / Np
        eps[i], tor[i] = geo[g_eps + i], geo[g_tor + i]
    aj = np.zeros(Nx)
    # reactions and particles
    for i in range(Nn + Np):
        neg = i < Nn
        cell = i if neg else Nn + Ns + (i - Nn)
        radius, a = geo[g_rad + cell], geo[g_a + cell]
        if neg:
            off, nr, tab, cmax = o_csn + i * nr_n, nr_n, tab_n, cmax_n
            phis = y[o_psn + i]
            fj, fd = fj_n, fd_n
        else:
            off, nr, tab, cmax = o_csp + (i - Nn) * nr_p, nr_p, tab_p, cmax_p
            phis = y[o_psp + (i - Nn)]
            fj, fd = fj_p, fd_p
        s_surf = 1.5 * y[off + nr - 1] - 0.5 * y[off + nr - 2]
        s_cl = min(max(s_surf, 1e-12), 1.0 - 1e-12)
        U = _lookup(tab[0], s_cl, 0.0, 1.0, N_STO)
        dUdT = 0.0
        if dT != 0.0 or want_heat:
            dUdT = _lookup(tab[6], s_cl, 0.0, 1.0, N_STO)
            U = _ocp_at_temperature(U, dUdT, T, T_tab)
        j0 = _j0(tab, y[o_ce + cell] * ce0, ce0, s_cl) * fj
        eta = phis - y[o_pe + cell] - U
        j = 2.0 * j0 * np.sinh(0.5 * eta / RT_F)
        aj[cell] = a * j
        if want_heat:
            heat[i] = area * dx[cell] * (_reversible(aj[cell], T, dUdT) + _irreversible(aj[cell], eta))
        _particle(y, off, nr, tab, radius, j / (F * cmax), f, off, fd)
    # electrolyte: cell values once (each serves two faces), then the fluxes at the interior faces; t+
    # and TDF from the table (rows 2, 3), migration as solvers.models.dfn.excess_migration_flux
    D_c = np.empty(Nx)
    k_c = np.empty(Nx)
    chi_c = np.empty(Nx)
    t_c = np.empty(Nx)
    for i in range(Nx):
        c = max(y[o_ce + i] * ce0, 1e-12)
        D_c[i] = tor[i] * _lookup(tab_e[0], c, 0.0, ce_max_tab, N_CE) * f_De
        k_c[i] = tor[i] * _lookup(tab_e[1], c, 0.0, ce_max_tab, N_CE) * f_ka
        x = max(c, THERMODYNAMIC_FLOOR_MOL_M3)
        chi_c[i] = (
            2.0
            * (1.0 - _lookup(tab_e[2], x, 0.0, ce_max_tab, N_CE) * f_tp)
            * (_lookup(tab_e[3], x, 0.0, ce_max_tab, N_CE) * f_tdf)
            * RT_F
            / x
        )
        t_c[i] = _lookup(tab_e[2], c, 0.0, ce_max_tab, N_CE) * f_tp
    t_ref = _lookup(tab_e[2], ce0, 0.0, ce_max_tab, N_CE) * f_tp
    n_prev = 0.0
    ie_prev = 0.0
    for i in range(Nx):
        if i < Nx - 1:
            gap = 0.5 * (dx[i] + dx[i + 1])
            beta = dx[i] / (dx[i] + dx[i + 1])
            grad_c = (y[o_ce + i + 1] - y[o_ce + i]) * ce0 / gap
            grad_p = (y[o_pe + i + 1] - y[o_pe + i]) / gap
            n_next = _harm(D_c[i], D_c[i + 1], beta) * grad_c
            ie_next = 0.5 * (k_c[i] + k_c[i + 1]) * (_harm(chi_c[i], chi_c[i + 1], beta) * grad_c - grad_p)
            n_next -= (t_c[i] + beta * (t_c[i + 1] - t_c[i]) - t_ref) * ie_next / F
            if want_heat:
                heat[Nn + Np + i] = area * gap * _ohmic(ie_next, grad_p)
        else:
            n_next = 0.0
            ie_next = 0.0
        f[o_ce + i] = ((n_next - n_prev) / dx[i] + (1.0 - t_ref) * aj[i] / F) / eps[i] / ce0
        f[o_pe + i] = ((ie_next - ie_prev) / dx[i] - aj[i]) / row_scale
        n_prev = n_next
        ie_prev = ie_next
    # solid potentials (per-cell conductivity, harmonic mean at faces between different cells)
    dxn = L_n / Nn
    is_prev = -geo[g_sig] * y[o_psn] / (0.5 * dxn)
    o_hs = Nn + Np + Nx - 1  # the solid's faces in ``heat``
    if want_heat:  # the current collector's face (phi_s = 0 there), half a cell
        heat[o_hs] = area * 0.5 * dxn * _ohmic(is_prev, y[o_psn] / (0.5 * dxn))
    for i in range(Nn):
        if i < Nn - 1:
            sig_face = _face(geo[g_sig + i], geo[g_sig + i + 1])
            is_next = -sig_face * (y[o_psn + i + 1] - y[o_psn + i]) / dxn
            if want_heat:
                heat[o_hs + 1 + i] = area * dxn * _ohmic(is_next, (y[o_psn + i + 1] - y[o_psn + i]) / dxn)
        else:
            is_next = 0.0
        f[o_psn + i] = ((is_next - is_prev) / dxn + aj[i]) / row_scale
        is_prev = is_next
    dxp = L_p / Np
    is_prev = 0.0
    g_sig_p = g_sig + Nn + Ns
    for i in range(Np):
        if i < Np - 1:
            sig_face = _face(geo[g_sig_p + i], geo[g_sig_p + i + 1])
            is_next = -sig_face * (y[o_psp + i + 1] - y[o_psp + i]) / dxp
            if want_heat:
                heat[o_hs + Nn + i] = area * dxp * _ohmic(is_next, (y[o_psp + i + 1] - y[o_psp + i]) / dxp)
        else:
            is_next = i_cell
            if want_heat:  # the current leaves through the collector: grad phi_s = -i / sigma there
                heat[o_hs + Nn + i] = area * 0.5 * dxp * _ohmic(i_cell, -i_cell / geo[g_sig_p + i])
        f[o_psp + i] = ((is_next - is_prev) / dxp + aj[Nn + Ns + i]) / row_scale
        is_prev = is_next
    return 1.5 * y[o_psp + Np - 1] - 0.5 * y[o_psp + Np - 2] - I_A * r_contact


@njit(cache=True)
def dfn_core_batch(Y, I_A, T, geo, dims, tab_n, tab_p, tab_e, F_out, V_out, H_out):
    """:func:`dfn_core` of each row; ``T`` and ``H_out`` per row (``H_out`` (B, 0) skips the heat)."""
    for b in range(Y.shape[0]):
        V_out[b] = dfn_core(Y[b], I_A[b], T[b], geo, dims, tab_n, tab_p, tab_e, F_out[b], H_out[b])


# ------------------------------------------------------------------------------------------ SPM(e)


@njit(cache=True, inline="always")
def _cell_kinetics(ci, tab, eb, j0_zero, j, ce_max_tab):
    """arcsinh(j / 2 j0) of one SPMe electrode cell, j0 = (row 4 at c_e) * exp(B(sto)) (``eb``)."""
    if ci > 0.0:
        j0 = _lookup(tab[4], ci, 0.0, ce_max_tab, N_STO) * eb
    else:
        j0 = 0.0 if j0_zero else tab[4, 0] * eb
    return _arcsinh2(j, 2.0 * j0)


@njit(cache=True, inline="always")
def _log_product(prod, ln):
    """A running product of ratios, folded into its log long before it could under- or overflow."""
    if prod < 1e-100 or prod > 1e100:
        return 1.0, ln + np.log(prod)
    return prod, ln


@njit(cache=True)
def spm_core(y, I_A, T, geo, dims, tab_n, tab_p, tab_e, f, heat, want_v=True):
    """Residual of the SPM / SPMe core unknowns -> V [V] (layout of :class:`solvers.models.spm.SPMSystem`).

    geo as :func:`dfn_core`: the single particles use the electrode-averaged a (x-average of 3 eps_s/R)
    and the radius in the middle of each electrode, the composite potentials the x-averaged eps^b and
    sigma (1-eps)^b_s, the electrolyte diffusion (SPMe) the per-cell porosity, eps^b and source a(x) j.
    dims = [Nn, Ns, Np, nr_n, nr_p, with_electrolyte]. An empty ``f`` skips the residual (particle and
    electrolyte fluxes) and returns the voltage alone; ``want_v=False`` skips the SPMe's voltage (its
    exchange currents and concentration overpotential in every electrode cell) and returns NaN, for the
    Newton iterations of a step that imposes the current. ``T`` [K] is the cell temperature; a non-empty
    ``heat`` (3) receives PyBaMM's local heat sources [W] (:mod:`solvers.physics.heat`) integrated over
    the cell: the reversible and irreversible heating of each electrode (a j L A = +-I), and the Ohmic
    heating of the SPMe's composite electrolyte and solid potentials (none in the SPM); their sum is
    "Total heating [W]" (the voltage is then computed whatever ``want_v``).
    """
    L_n, L_s, L_p = geo[0], geo[1], geo[2]
    a_n, a_p = geo[9], geo[10]
    R_n, R_p = geo[11], geo[12]
    cmax_n, cmax_p = geo[13], geo[14]
    sig_n, sig_p = geo[15], geo[16]
    ce0, area, r_contact = geo[19], geo[20], geo[22]
    Nn, Ns, Np, nr_n, nr_p, with_e = dims[0], dims[1], dims[2], dims[3], dims[4], dims[5]
    RT_F = R * T / F
    i_cell = I_A / area
    j_n = i_cell / (a_n * L_n)
    j_p = -i_cell / (a_p * L_p)
    want_f = f.shape[0] > 0  # an empty f asks for the voltage only (output assembly)
    want_heat = heat.shape[0] > 0
    if want_heat:
        want_v = True
    T_tab = tab_n[5, 3]
    dT = T - T_tab
    fj_n, fj_p = _arrhenius(tab_n[5, 2], T_tab, T), _arrhenius(tab_p[5, 2], T_tab, T)
    if want_f:
        _particle(y, 0, nr_n, tab_n, R_n, j_n / (F * cmax_n), f, 0, _arrhenius(tab_n[5, 1], T_tab, T))
        _particle(y, nr_n, nr_p, tab_p, R_p, j_p / (F * cmax_p), f, nr_n, _arrhenius(tab_p[5, 1], T_tab, T))
    s_n = min(max(1.5 * y[nr_n - 1] - 0.5 * y[nr_n - 2], 1e-12), 1.0 - 1e-12)
    s_p = min(max(1.5 * y[nr_n + nr_p - 1] - 0.5 * y[nr_n + nr_p - 2], 1e-12), 1.0 - 1e-12)
    U_n = _lookup(tab_n[0], s_n, 0.0, 1.0, N_STO)
    U_p = _lookup(tab_p[0], s_p, 0.0, 1.0, N_STO)
    dUdT_n = dUdT_p = 0.0
    if dT != 0.0 or want_heat:
        dUdT_n = _lookup(tab_n[6], s_n, 0.0, 1.0, N_STO)
        dUdT_p = _lookup(tab_p[6], s_p, 0.0, 1.0, N_STO)
        U_n = _ocp_at_temperature(U_n, dUdT_n, T, T_tab)
        U_p = _ocp_at_temperature(U_p, dUdT_p, T, T_tab)
    if with_e == 0:
        eta_n = 2.0 * RT_F * _arcsinh2(j_n, 2.0 * _j0(tab_n, ce0, ce0, s_n) * fj_n)
        eta_p = 2.0 * RT_F * _arcsinh2(j_p, 2.0 * _j0(tab_p, ce0, ce0, s_p) * fj_p)
        if want_heat:
            heat[0] = _reversible(I_A, T, dUdT_n) + _irreversible(I_A, eta_n)
            heat[1] = _reversible(-I_A, T, dUdT_p) + _irreversible(-I_A, eta_p)
            heat[2] = 0.0
        return U_p - U_n + eta_p - eta_n - I_A * r_contact
    Nx = Nn + Ns + Np
    g_eps, g_tor, g_a = N_GEO, N_GEO + Nx, N_GEO + 2 * Nx
    o = nr_n + nr_p
    ce_max_tab = 8.0 * ce0
    # electrolyte diffusion with the uniform source; averages for the composite potential
    ce_sum = 0.0
    for i in range(Nx):
        dxi = L_n / Nn if i < Nn else (L_s / Ns if i < Nn + Ns else L_p / Np)
        ce_sum += y[o + i] * ce0 * dxi
    ce_av = max(ce_sum / (L_n + L_s + L_p), 1e-12)
    # the stoichiometry factor of j0 (uniform over each electrode) once, not once per cell
    b_n = _lookup(tab_n[3], np.log(s_n / (1.0 - s_n)), LOGIT_RANGE[0], LOGIT_RANGE[1], N_LOG)
    b_p = _lookup(tab_p[3], np.log(s_p / (1.0 - s_p)), LOGIT_RANGE[0], LOGIT_RANGE[1], N_LOG)
    j0_zero_n = tab_n[2, 1] > tab_n[2, 0]
    j0_zero_p = tab_p[2, 1] > tab_p[2, 0]
    eb_n, eb_p = np.exp(b_n) * fj_n, np.exp(b_p) * fj_p
    f_De, f_ka = _arrhenius(tab_e[4, 0], T_tab, T), _arrhenius(tab_e[4, 1], T_tab, T)
    f_tp, f_tdf = _arrhenius(tab_e[4, 2], T_tab, T), _arrhenius(tab_e[4, 3], T_tab, T)
    n_prev = 0.0
    # migration as solvers.models.dfn.excess_migration_flux, i_e exact at the faces
    t_ref = _lookup(tab_e[2], ce0, 0.0, ce_max_tab, N_CE) * f_tp
    t_i = _lookup(tab_e[2], max(y[o] * ce0, 1e-12), 0.0, ce_max_tab, N_CE) * f_tp if want_f else 0.0
    eta_n = 0.0
    eta_p = 0.0
    # the MacInnes term sums ln(max(c / c_av, floor)) over each electrode: as the log of a running product
    # (renormalised long before it could underflow), one log per electrode instead of one per cell
    ln_n = 0.0
    ln_p = 0.0
    prod_n = 1.0
    prod_p = 1.0
    inv_av = 1.0 / ce_av
    ie_dln = 0.0  # sum over the faces of i_e d(ln c_e): the concentration part of the Ohmic heating
    for i in range(Nx):
        epsi, tori = geo[g_eps + i], geo[g_tor + i]
        if i < Nn:
            dxi, src = L_n / Nn, geo[g_a + i] * j_n
        elif i < Nn + Ns:
            dxi, src = L_s / Ns, 0.0
        else:
            dxi, src = L_p / Np, geo[g_a + i] * j_p
        ci = y[o + i] * ce0
        if not want_f:
            pass
        elif i < Nx - 1:
            j_next = i + 1
            dxj = L_n / Nn if j_next < Nn else (L_s / Ns if j_next < Nn + Ns else L_p / Np)
            torj = geo[g_tor + j_next]
            cj = y[o + j_next] * ce0
            D_l = tori * _lookup(tab_e[0], max(ci, 0.0), 0.0, ce_max_tab, N_CE) * f_De
            D_r = torj * _lookup(tab_e[0], max(cj, 0.0), 0.0, ce_max_tab, N_CE) * f_De
            beta = dxi / (dxi + dxj)
            n_next = _harm(D_l, D_r, beta) * (cj - ci) / (0.5 * (dxi + dxj))
            if i < Nn:
                ie_face = i_cell * (i + 1.0) / Nn
            elif i < Nn + Ns:
                ie_face = i_cell
            else:
                ie_face = i_cell * (1.0 - (i - Nn - Ns + 1.0) / Np)
            t_next = _lookup(tab_e[2], max(cj, 1e-12), 0.0, ce_max_tab, N_CE) * f_tp
            n_next -= (t_i + beta * (t_next - t_i) - t_ref) * ie_face / F
            if want_heat:
                ie_dln += ie_face * (
                    np.log(max(cj * inv_av, MACINNES_FLOOR)) - np.log(max(ci * inv_av, MACINNES_FLOOR))
                )
        else:
            n_next = 0.0
            t_next = 0.0
        if want_f:
            f[o + i] = ((n_next - n_prev) / dxi + (1.0 - t_ref) * src / F) / epsi / ce0
            n_prev = n_next
            t_i = t_next
        if want_v and (i < Nn or i >= Nn + Ns):
            ratio = max(ci * inv_av, MACINNES_FLOOR)
            if i < Nn:
                eta_n += _cell_kinetics(ci, tab_n, eb_n, j0_zero_n, j_n, ce_max_tab)
                prod_n, ln_n = _log_product(prod_n * ratio, ln_n)
            else:
                eta_p += _cell_kinetics(ci, tab_p, eb_p, j0_zero_p, j_p, ce_max_tab)
                prod_p, ln_p = _log_product(prod_p * ratio, ln_p)
    if not want_v:
        return np.nan
    ln_n += np.log(prod_n)
    ln_p += np.log(prod_p)
    eta_n *= 2.0 * RT_F / Nn
    eta_p *= 2.0 * RT_F / Np
    ln_n /= Nn
    ln_p /= Np
    kappa = _lookup(tab_e[1], ce_av, 0.0, ce_max_tab, N_CE) * f_ka
    t_av = _lookup(tab_e[2], ce_av, 0.0, ce_max_tab, N_CE) * f_tp
    chiRT_F = 2.0 * (1.0 - t_av) * (_lookup(tab_e[3], ce_av, 0.0, ce_max_tab, N_CE) * f_tdf) * RT_F
    eta_c = chiRT_F * (ln_p - ln_n)
    dphi_e = -i_cell * (L_n / (3 * kappa * geo[6]) + L_s / (kappa * geo[7]) + L_p / (3 * kappa * geo[8]))
    dphi_s = -i_cell * (L_n / (3 * sig_n) + L_p / (3 * sig_p))
    if want_heat:
        heat[0] = _reversible(I_A, T, dUdT_n) + _irreversible(I_A, eta_n)
        heat[1] = _reversible(-I_A, T, dUdT_p) + _irreversible(-I_A, eta_p)
        # -i_e dphi_e/dx - i_s dphi_s/dx integrated: i^2 over the conductances, and -i_e chi d(ln c_e)
        heat[2] = area * (_ohmic(i_cell, dphi_e + dphi_s) + _ohmic(chiRT_F, ie_dln))
    return U_p - U_n + eta_p - eta_n + eta_c + dphi_e + dphi_s - I_A * r_contact


@njit(cache=True)
def spm_core_batch(Y, I_A, T, geo, dims, tab_n, tab_p, tab_e, F_out, V_out, H_out):
    """:func:`spm_core` of each row; ``T`` and ``H_out`` per row (``H_out`` (B, 0) skips the heat)."""
    for b in range(Y.shape[0]):
        V_out[b] = spm_core(Y[b], I_A[b], T[b], geo, dims, tab_n, tab_p, tab_e, F_out[b], H_out[b])


@njit(cache=True)
def spm_voltage_batch(Y, I_A, T, geo, dims, tab_n, tab_p, tab_e, V_out):
    """Terminal voltage [V] of each state row, without the residual (``spm_core`` with an empty ``f``)."""
    no_f = np.empty(0)
    for b in range(Y.shape[0]):
        V_out[b] = spm_core(Y[b], I_A[b], T, geo, dims, tab_n, tab_p, tab_e, no_f, no_f)


def geometry_vector(cell, row_scale: float, dims) -> np.ndarray:
    """The run-time geometry/material inputs of the kernels (see :func:`dfn_core`).

    ``dims`` starts with the cell counts (Nn, Ns, Np) of the x mesh. The first :data:`N_GEO` entries are
    one value per domain: for a graded electrode the x-averages over the mesh (porosity, eps^b, a,
    sigma (1-eps)^b_s, as PyBaMM's x_average) and the radius at the middle of the electrode (PyBaMM's
    R_typ, the SPM's particle); uniform electrodes give exactly their scalar values. Then five per-cell
    sections of length Nx (porosity, eps^b, a, R, sigma (1-eps)^b_s; a, R and sigma are 0 in the
    separator). Every value is a run-time input: a new design recompiles nothing.
    """
    n_n, n_s, n_p = (int(v) for v in dims[:3])
    n, p = cell.negative, cell.positive
    if not cell.graded:
        # uniform: the values of Cell.x_profiles / Electrode.profile, bit for bit, without building and
        # re-averaging the per-cell arrays (a sixth of an SPM solve)
        def sig(e):
            return e.conductivity_S_m * (1.0 - e.porosity) ** e.brug_electrode

        domains = {
            "porosity": (n.porosity, cell.separator_porosity, p.porosity),
            "tortuosity": (
                n.porosity**n.brug_electrolyte,
                cell.separator_porosity**cell.separator_brug,
                p.porosity**p.brug_electrolyte,
            ),
            "surface_area_density_m": (
                3.0 * n.active_fraction / n.particle_radius_m,
                0.0,
                3.0 * p.active_fraction / p.particle_radius_m,
            ),
            "particle_radius_m": (n.particle_radius_m, 0.0, p.particle_radius_m),
            "conductivity_eff_S_m": (sig(n), 0.0, sig(p)),
        }
        counts = np.array([n_n, n_s, n_p])
        prof = {k: np.repeat(np.array(v, dtype=float), counts) for k, v in domains.items()}

        def av(name, part):
            return float(domains[name][part])

        neg, sep, pos = 0, 1, 2
    else:
        prof = cell.x_profiles(n_n, n_s, n_p)
        neg, sep, pos = slice(0, n_n), slice(n_n, n_n + n_s), slice(n_n + n_s, n_n + n_s + n_p)

        def av(name, part):
            return uniform_or_mean(prof[name][part])

    head = [
        n.thickness_m,
        cell.separator_thickness_m,
        p.thickness_m,
        av("porosity", neg),
        av("porosity", sep),
        av("porosity", pos),
        av("tortuosity", neg),
        av("tortuosity", sep),
        av("tortuosity", pos),
        av("surface_area_density_m", neg),
        av("surface_area_density_m", pos),
        n.particle_radius_m,
        p.particle_radius_m,
        n.c_max_mol_m3,
        p.c_max_mol_m3,
        av("conductivity_eff_S_m", neg),
        av("conductivity_eff_S_m", pos),
        np.nan,  # formerly t+ and TDF, now rows 2 and 3 of the electrolyte table
        np.nan,
        cell.c_e_init_mol_m3,
        cell.area_m2,
        row_scale,
        cell.contact_resistance_Ohm,
    ]
    assert len(head) == N_GEO
    sections = [
        prof[k]
        for k in (
            "porosity",
            "tortuosity",
            "surface_area_density_m",
            "particle_radius_m",
            "conductivity_eff_S_m",
        )
    ]
    return np.concatenate([np.array(head, dtype=float), *sections])
