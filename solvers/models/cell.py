"""Cell description shared by SPM, SPMe and DFN: parameters read once from a PyBaMM-named set.

:class:`Cell` turns a parameter mapping into the geometry, transport and kinetic inputs of the models
(all SI), with the set's functions wrapped so that every model calls them the same way. Nothing here
depends on the mesh.

Conventions (as PyBaMM): current positive = discharge; interfacial current density ``j`` positive for
de-intercalation (the negative electrode in discharge); stoichiometry = c / c_max.

Graded electrodes: as in PyBaMM (``pybamm/parameters/lithium_ion_parameters.py``,
``geometric_parameters.py``), "Negative/Positive electrode porosity", "... electrode active material
volume fraction", "Negative/Positive particle radius [m]" and "Separator porosity" may be functions of the
through-cell distance x [m], measured from the negative current collector (the positive electrode spans
L_n + L_s <= x <= L). A function takes ``x`` alone, or ``(x, y, z)`` as PyBaMM 26 calls porosities and
active fractions (these 1-D models pass y = z = 0). :meth:`Electrode.profile` evaluates them at the
cell centres of a mesh, as PyBaMM's finite volumes do; the scalar fields of :class:`Electrode` then hold
the x-averages (porosity, active fraction) and the radius at the middle of the electrode (PyBaMM's
``R_typ``), so that capacity and state-of-charge calculations read the electrode as a whole.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq

from solvers.constants import F, R
from solvers.parameters.base import n_arguments

# ---------------------------------------------------------------------------------------------------------
# Regularisation near electrolyte depletion, as PyBaMM (pybamm/settings.py "tolerances" and
# pybamm/parameters/lithium_ion_parameters.py, PyBaMM 26.10, doi:10.5334/jors.309), so that the same set
# and protocol give the same physics at high rates, where the electrolyte empties next to the positive
# current collector. PyBaMM's DFN and SPMe have no zero-electrolyte event; neither have ours.

#: Electrolyte diffusivity and conductivity are evaluated at max(c_e, this) [mol.m-3].
ELECTROLYTE_TRANSPORT_FLOOR_MOL_M3 = 10.0
#: The migration term chi RT / (F c_e) of the DFN's electrolyte current, chi = 2 (1 - t+) TDF, is evaluated
#: at max(c_e, this) [mol.m-3], t+ and TDF included (PyBaMM's "chi__c_e"). Elsewhere PyBaMM calls t+ at
#: c_e itself (the migration flux t+ i_e / F of the mass balance) and the SPMe's chi at the x-average of
#: c_e; our models take max(c_e, 1e-12 mol.m-3) there, the floor they use for every function of c_e.
THERMODYNAMIC_FLOOR_MOL_M3 = 1e-2
#: Powers c^a in exchange-current densities become s^a u (u^2 + delta^2)^((a-1)/2), u = c / s, with
#: the scale s = c_e0 for the electrolyte and c_max for c_s and c_max - c_s (PyBaMM's RegPower).
REG_POWER_DELTA = 1e-3
#: The MacInnes term of the SPMe uses ln(max(c_e / c_e_av, this)) [-].
MACINNES_FLOOR = 1e-15
#: arcsinh(j / (2 j0)) is evaluated with 2 j0 -> hypot(2 j0, this) [A.m-2] (PyBaMM's Arcsinh2).
ARCSINH_EPS = 1e-16
#: Concentrations are kept this far above zero before a function is called [mol.m-3 or -].
_POSITIVE_TINY = 1e-12


@lru_cache(maxsize=256)
def floored_electrolyte_function(func: Callable, floor_mol_m3: float) -> Callable:
    """``func(c_e, T)`` evaluated at ``max(c_e, floor_mol_m3)`` (one wrapper per function, for caching)."""

    def floored(c_e, T):
        return func(np.maximum(c_e, floor_mol_m3), T)

    floored.__name__ = f"{getattr(func, '__name__', 'function')} (c_e >= {floor_mol_m3:g} mol.m-3)"
    floored.unfloored = func
    return floored


def _power_exponents(j0: Callable, c_e0: float, c_max: float) -> tuple[float, float, float]:
    """Exponents (a_e, a_s, a_v) of ``j0 = k(T) c_e^a_e c_s^a_s (c_max - c_s)^a_v``.

    Found from the function's values; an exponent is reported as 0 (no regularisation of that factor)
    when the function is not an exact power in it, e.g. a tabulated exchange-current density.
    """
    T = 298.15

    def ln_j0(ce, s):
        with np.errstate(all="ignore"):
            return float(np.log(np.asarray(j0(ce, s * c_max, c_max, T), dtype=float)))

    a_e = (ln_j0(c_e0, 0.5) - ln_j0(0.5 * c_e0, 0.5)) / np.log(2.0)
    a_e_low = (ln_j0(0.02 * c_e0, 0.5) - ln_j0(0.01 * c_e0, 0.5)) / np.log(2.0)
    if not (np.isfinite(a_e) and abs(a_e - a_e_low) < 1e-6):
        a_e = 0.0
    s_fit = np.array([0.25, 0.5, 0.75])
    A = np.column_stack([np.log(s_fit), np.log(1.0 - s_fit), np.ones(3)])
    b = np.array([ln_j0(c_e0, s) for s in s_fit])
    a_s, a_v, k = np.linalg.solve(A, b) if np.all(np.isfinite(b)) else (np.nan, np.nan, np.nan)
    checks = [ln_j0(c_e0, s) - (a_s * np.log(s) + a_v * np.log(1.0 - s) + k) for s in (0.03, 0.9)]
    if not (np.all(np.isfinite(checks)) and np.max(np.abs(checks)) < 1e-6):
        a_s = a_v = 0.0
    clean = [0.0 if abs(a) < 1e-9 else float(a) for a in (a_e, a_s, a_v)]
    return clean[0], clean[1], clean[2]


@lru_cache(maxsize=256)
def regularised_exchange_current(j0: Callable, c_e0_mol_m3: float, c_max_mol_m3: float) -> Callable:
    r"""``j0(c_e, c_s, c_max, T)`` with PyBaMM's regularised powers near depletion.

    :math:`c_e` is taken as :math:`\max(c_e, 0)` and :math:`c_s` clipped to :math:`[0, c_{max}]`; every
    power :math:`c^a` of :math:`c_e` (scale :math:`c_{e0}`), :math:`c_s` and :math:`c_{max}-c_s`
    (scale :math:`c_{max}`) is replaced by :math:`s^a u (u^2+\delta^2)^{(a-1)/2}` with
    :math:`u = c/s`, :math:`\delta` = :data:`REG_POWER_DELTA`: the value is unchanged for
    :math:`u \gg \delta` and goes to zero linearly (finite slope) instead of as :math:`u^a`.
    Applied as the factor :math:`(1 + \delta^2/u^2)^{(a-1)/2}` on the set's own function.
    """
    a_e, a_s, a_v = _power_exponents(j0, c_e0_mol_m3, c_max_mol_m3)
    d2 = REG_POWER_DELTA**2

    def regularised(c_e, c_s, c_max, T):
        u_raw = np.asarray(c_e, dtype=float) / c_e0_mol_m3
        u_e = np.maximum(u_raw, _POSITIVE_TINY)
        s = np.clip(np.asarray(c_s, dtype=float) / c_max, _POSITIVE_TINY, 1.0 - _POSITIVE_TINY)
        value = j0(u_e * c_e0_mol_m3, s * c_max, c_max, T)
        if a_e:
            value = value * (1.0 + d2 / u_e**2) ** (0.5 * (a_e - 1.0))
        if a_s:
            value = value * (1.0 + d2 / s**2) ** (0.5 * (a_s - 1.0))
        if a_v:
            value = value * (1.0 + d2 / (1.0 - s) ** 2) ** (0.5 * (a_v - 1.0))
        if a_e > 0.0:  # PyBaMM takes max(c_e, 0): no exchange current without electrolyte
            value = np.where(u_raw > 0.0, value, 0.0)
        return value

    regularised.__name__ = f"{getattr(j0, '__name__', 'j0')} (regularised)"
    regularised.exponents = (a_e, a_s, a_v)
    regularised.unregularised = j0
    return regularised


def regularised_arcsinh(j, two_j0):
    """arcsinh(j / b) with b = hypot(2 j0, eps) (sign kept), as PyBaMM's Arcsinh2."""
    b = np.where(two_j0 >= 0, 1.0, -1.0) * np.hypot(two_j0, ARCSINH_EPS)
    return np.arcsinh(j / b)


@lru_cache(maxsize=256)
def _constant_function(constant: float, name: str) -> Callable:
    """One function object per constant (so that tables built from it can be cached)."""

    def const(*args):
        return np.full(np.shape(args[0]), constant)

    const.__name__ = f"constant {name}"
    return const


@lru_cache(maxsize=1024)
def _cached_n_arguments(func: Callable) -> int:
    return n_arguments(func)


def _n_arguments(func: Callable) -> int:
    """:func:`n_arguments`, remembered per function (inspecting a signature costs ~30 us a call)."""
    try:
        return _cached_n_arguments(func)
    except TypeError:  # unhashable
        return n_arguments(func)


def _as_function(value, n_args: int, name: str) -> Callable:
    """Wrap a float or a function so it can always be called with ``n_args`` array arguments."""
    if not callable(value):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"Parameter {name!r} must be a number or a function, not {type(value).__name__} {value!r}"
            ) from None
        return _constant_function(number, name)
    try:
        n_given = _n_arguments(value)  # an Interpolant reports its own count, not that of __call__
    except (TypeError, ValueError):
        n_given = n_args
    if n_given == n_args:
        return value
    if n_given < n_args:  # e.g. an entropic change dUdT(sto) asked as (sto, c_s_max)

        def fewer(*args):
            return value(*args[:n_given])

        return fewer

    raise TypeError(f"Parameter {name!r}: the function takes {n_given} arguments, expected {n_args}")


def _required(p: Mapping, key: str):
    """``p[key]``, or a KeyError saying that the models need it."""
    if key not in p:
        raise KeyError(f"The parameter set lacks {key!r}, which the electrochemical models need")
    return p[key]


def _floored(func: Callable) -> Callable:
    """An electrolyte transport function floored as PyBaMM (see ELECTROLYTE_TRANSPORT_FLOOR_MOL_M3)."""
    try:
        return floored_electrolyte_function(func, ELECTROLYTE_TRANSPORT_FLOOR_MOL_M3)
    except TypeError:  # unhashable
        return floored_electrolyte_function.__wrapped__(func, ELECTROLYTE_TRANSPORT_FLOOR_MOL_M3)


#: midpoints used for the x-averages of graded properties in :class:`Cell` (capacity, SOC window)
_N_AVERAGE = 2000


def _x_function(func: Callable, key: str) -> Callable:
    """``func`` as a function of x alone (PyBaMM calls porosities with (x, y, z), radii with x)."""
    try:
        n = _n_arguments(func)
    except (TypeError, ValueError):
        n = 1
    if n not in (1, 3):  # arguments with defaults (``lambda x, v=0.3: ...``) need not be given
        try:
            n = sum(
                q.default is inspect.Parameter.empty
                and q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)
                for q in inspect.signature(func).parameters.values()
            )
        except (TypeError, ValueError):
            pass
    if n == 1:
        return func
    if n == 3:

        def of_x(x):
            zero = np.zeros_like(x)
            return func(x, zero, zero)

        of_x.__name__ = getattr(func, "__name__", key)
        return of_x
    raise TypeError(
        f"Parameter {key!r}: a function of the through-cell distance takes x [m] (or x, y, z as in PyBaMM), "
        f"not {n} arguments"
    )


#: the graded properties, their valid ranges (open or closed ends) and what they are
_GRADED_LIMITS = {
    "porosity": (0.0, 1.0, False, "a porosity must lie strictly between 0 and 1"),
    "active_fraction": (0.0, 1.0, True, "an active material volume fraction must lie in (0, 1]"),
    "particle_radius_m": (0.0, np.inf, False, "a particle radius must be positive"),
}


def evaluate_x_function(func: Callable, x_m, key: str, kind: str) -> np.ndarray:
    """Values of a graded property at the points ``x_m`` [m], checked against its range."""
    x = np.asarray(x_m, dtype=float)
    with np.errstate(all="ignore"):
        values = np.asarray(func(x), dtype=float) * np.ones_like(x)
    lo, hi, closed_hi, what = _GRADED_LIMITS[kind]
    bad = ~np.isfinite(values) | (values <= lo) | ((values > hi) if closed_hi else (values >= hi))
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ValueError(
            f"Parameter {key!r} = {values[i]:.6g} at x = {x[i] * 1e6:.4g} um: {what} everywhere in its domain"
        )
    return values


def uniform_or_mean(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The (weighted) mean of ``values``; exactly the common value when they are all equal."""
    values = np.asarray(values, dtype=float)
    if np.all(values == values.flat[0]):
        return float(values.flat[0])
    if weights is None:
        return float(np.mean(values))
    return float(np.sum(values * weights) / np.sum(weights))


def cell_centres(x_start_m: float, thickness_m: float, n: int) -> np.ndarray:
    """Centres of ``n`` equal cells on [x_start, x_start + thickness] [m]."""
    return x_start_m + (np.arange(n) + 0.5) * (thickness_m / n)


@dataclass
class ElectrodeProfile:
    """Per-cell properties of one electrode on an x mesh (cell centres), all arrays of the cell count."""

    porosity: np.ndarray
    active_fraction: np.ndarray
    particle_radius_m: np.ndarray
    surface_area_density_m: np.ndarray  # a = 3 eps_s / R [m-1]
    tortuosity_electrolyte: np.ndarray  # eps^b
    tortuosity_electrode: np.ndarray  # (1 - eps)^b_s
    conductivity_eff_S_m: np.ndarray  # sigma (1 - eps)^b_s

    def average(self, name: str) -> float:
        """x-average over the (equal) cells, as PyBaMM's x_average; exact for uniform values."""
        return uniform_or_mean(getattr(self, name))


@dataclass
class Electrode:
    """One porous electrode (``domain`` = "Negative" or "Positive")."""

    domain: str
    thickness_m: float
    porosity: float
    active_fraction: float
    particle_radius_m: float
    c_max_mol_m3: float
    c_init_mol_m3: float
    conductivity_S_m: float
    brug_electrolyte: float
    brug_electrode: float
    ocp: Callable  # U(sto) [V]
    entropic: Callable  # dU/dT(sto, c_max) [V/K]
    diffusivity: Callable  # D(sto, T) [m2/s]
    exchange_current: Callable  # j0(c_e, c_s_surf, c_max, T) [A/m2]
    density_kg_m3: float = 0.0
    heat_capacity_J_kg_K: float = 0.0
    #: where the electrode begins [m] (0 for the negative, L_n + L_s for the positive)
    x_start_m: float = 0.0
    #: functions of x [m] for graded properties (None: the scalar field holds everywhere)
    porosity_of_x: Callable | None = None
    active_fraction_of_x: Callable | None = None
    particle_radius_of_x: Callable | None = None

    @property
    def graded(self) -> bool:
        """Whether any property varies along x."""
        return any(
            f is not None for f in (self.porosity_of_x, self.active_fraction_of_x, self.particle_radius_of_x)
        )

    def profile(self, n_cells: int) -> ElectrodeProfile:
        """The properties at the centres of ``n_cells`` equal cells (PyBaMM's finite-volume nodes).

        Uniform properties give arrays of exactly the scalar values (results unchanged).
        """
        x = cell_centres(self.x_start_m, self.thickness_m, n_cells)
        d = self.domain

        def values(func, scalar, key, kind):
            if func is None:
                return np.full(n_cells, scalar)
            return evaluate_x_function(func, x, key, kind)

        eps = values(self.porosity_of_x, self.porosity, f"{d} electrode porosity", "porosity")
        eps_s = values(
            self.active_fraction_of_x,
            self.active_fraction,
            f"{d} electrode active material volume fraction",
            "active_fraction",
        )
        radius = values(
            self.particle_radius_of_x, self.particle_radius_m, f"{d} particle radius [m]", "particle_radius_m"
        )
        if self.porosity_of_x is None:  # the scalar expressions of the uniform electrode, bit for bit
            tor_e = np.full(n_cells, self.porosity**self.brug_electrolyte)
            tor_s = np.full(n_cells, (1.0 - self.porosity) ** self.brug_electrode)
        else:
            tor_e, tor_s = eps**self.brug_electrolyte, (1.0 - eps) ** self.brug_electrode
        if self.active_fraction_of_x is None and self.particle_radius_of_x is None:
            a = np.full(n_cells, 3.0 * self.active_fraction / self.particle_radius_m)
        else:
            a = 3.0 * eps_s / radius
        return ElectrodeProfile(eps, eps_s, radius, a, tor_e, tor_s, self.conductivity_S_m * tor_s)

    @property
    def surface_area_density_m(self) -> float:
        """Specific interfacial area a = 3 eps_s / R [m-1] (its x-average for a graded electrode)."""
        if self.active_fraction_of_x is None and self.particle_radius_of_x is None:
            return 3.0 * self.active_fraction / self.particle_radius_m
        return self.profile(_N_AVERAGE).average("surface_area_density_m")

    @property
    def tortuosity_electrolyte(self) -> float:
        """eps^b (its x-average for a graded porosity, as PyBaMM's x-averaged transport efficiency)."""
        if self.porosity_of_x is None:
            return self.porosity**self.brug_electrolyte
        return self.profile(_N_AVERAGE).average("tortuosity_electrolyte")

    @property
    def tortuosity_electrode(self) -> float:
        """(1 - eps)^b_s (its x-average for a graded porosity)."""
        if self.porosity_of_x is None:
            return (1.0 - self.porosity) ** self.brug_electrode
        return self.profile(_N_AVERAGE).average("tortuosity_electrode")

    def ocp_T(self, sto, T_K, T_ref_K: float):
        """OCP with the entropic correction U(sto) + (T - T_ref) dU/dT [V]."""
        return self.ocp(sto) + (T_K - T_ref_K) * self.entropic(sto, self.c_max_mol_m3)


@dataclass
class Cell:
    """Everything the models need from a parameter set, in SI units."""

    negative: Electrode
    positive: Electrode
    separator_thickness_m: float
    separator_porosity: float
    separator_brug: float
    area_m2: float
    nominal_capacity_Ah: float
    c_e_init_mol_m3: float
    transference: Callable  # t+(c_e, T) [-] (a constant is wrapped as a function)
    thermodynamic_factor: Callable  # TDF(c_e, T) [-], 1 when the set has none
    electrolyte_diffusivity: Callable  # D_e(c_e, T)
    electrolyte_conductivity: Callable  # kappa(c_e, T)
    T_ref_K: float
    T_ambient_K: float
    T_init_K: float
    v_min_V: float
    v_max_V: float
    contact_resistance_Ohm: float
    # lumped thermal
    heat_transfer_W_m2_K: float
    cooling_area_m2: float
    cell_volume_m3: float
    volumetric_heat_capacity_J_m3_K: float
    #: the cell's thickness through its layers, current collectors included [m] (PyBaMM's L)
    thermal_thickness_m: float = 0.0
    #: "Separator porosity" as a function of x [m] (None: uniform ``separator_porosity``)
    separator_porosity_of_x: Callable | None = None
    #: x_profiles already built, by mesh sizes (the model's setup and the kernel's geometry share them)
    _profiles: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def graded(self) -> bool:
        """Whether any electrode or separator property varies along x."""
        return self.negative.graded or self.positive.graded or self.separator_porosity_of_x is not None

    def separator_profile(self, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
        """Separator porosity and eps^b at the centres of ``n_cells`` equal cells."""
        if self.separator_porosity_of_x is None:
            return (
                np.full(n_cells, self.separator_porosity),
                np.full(n_cells, self.separator_porosity**self.separator_brug),
            )
        x = cell_centres(self.negative.thickness_m, self.separator_thickness_m, n_cells)
        eps = evaluate_x_function(self.separator_porosity_of_x, x, "Separator porosity", "porosity")
        return eps, eps**self.separator_brug

    def x_profiles(self, n_n: int, n_s: int, n_p: int) -> dict[str, np.ndarray]:
        """Per-cell arrays over the whole x mesh (negative, separator, positive cells).

        ``porosity``, ``tortuosity`` (eps^b of the electrolyte) everywhere; ``surface_area_density_m``,
        ``particle_radius_m`` and ``conductivity_eff_S_m`` (sigma (1-eps)^b_s) in the electrodes, 0 in
        the separator.
        """
        key = (n_n, n_s, n_p)
        if key in self._profiles:
            return self._profiles[key]
        pn, pp = self.negative.profile(n_n), self.positive.profile(n_p)
        eps_s, tor_s = self.separator_profile(n_s)
        zero = np.zeros(n_s)
        profiles = {
            "porosity": np.concatenate([pn.porosity, eps_s, pp.porosity]),
            "tortuosity": np.concatenate([pn.tortuosity_electrolyte, tor_s, pp.tortuosity_electrolyte]),
            "surface_area_density_m": np.concatenate(
                [pn.surface_area_density_m, zero, pp.surface_area_density_m]
            ),
            "particle_radius_m": np.concatenate([pn.particle_radius_m, zero, pp.particle_radius_m]),
            "conductivity_eff_S_m": np.concatenate([pn.conductivity_eff_S_m, zero, pp.conductivity_eff_S_m]),
        }
        for arr in profiles.values():
            arr.flags.writeable = False  # shared between callers
        self._profiles[key] = profiles
        return profiles

    @property
    def electrodes(self) -> tuple[Electrode, Electrode]:
        return self.negative, self.positive

    @classmethod
    def from_parameters(cls, p: Mapping, ambient_temperature_K: float | None = None) -> Cell:
        """Read a PyBaMM-named mapping. Missing required keys raise a KeyError naming them."""

        def num(key: str, default: float | None = None) -> float:
            if key not in p:
                if default is None:
                    raise KeyError(f"The parameter set lacks {key!r}, which the electrochemical models need")
                return float(default)
            v = p[key]
            if callable(v):
                raise TypeError(f"Parameter {key!r} must be a number for this model, not a function")
            return float(v)

        def graded(
            key: str, kind: str, x_start_m: float, thickness_m: float
        ) -> tuple[float, Callable | None]:
            """(scalar, function of x or None): the x-average, or for a radius the value at the middle."""
            if key not in p:
                raise KeyError(f"The parameter set lacks {key!r}, which the electrochemical models need")
            v = p[key]
            if not callable(v):
                return float(v), None
            func = _x_function(v, key)
            if kind == "particle_radius_m":  # PyBaMM's R_typ: the radius in the middle of the electrode
                mid = np.array([x_start_m + 0.5 * thickness_m])
                return float(evaluate_x_function(func, mid, key, kind)[0]), func
            x = cell_centres(x_start_m, thickness_m, _N_AVERAGE)
            return uniform_or_mean(evaluate_x_function(func, x, key, kind)), func

        L_n_m = num("Negative electrode thickness [m]")
        L_s_m = num("Separator thickness [m]")

        def electrode(domain: str) -> Electrode:
            d = domain
            thickness = num(f"{d} electrode thickness [m]")
            x0 = 0.0 if d == "Negative" else L_n_m + L_s_m
            porosity, porosity_of_x = graded(f"{d} electrode porosity", "porosity", x0, thickness)
            active, active_of_x = graded(
                f"{d} electrode active material volume fraction", "active_fraction", x0, thickness
            )
            radius, radius_of_x = graded(f"{d} particle radius [m]", "particle_radius_m", x0, thickness)
            return Electrode(
                domain=d,
                thickness_m=thickness,
                porosity=porosity,
                active_fraction=active,
                particle_radius_m=radius,
                x_start_m=x0,
                porosity_of_x=porosity_of_x,
                active_fraction_of_x=active_of_x,
                particle_radius_of_x=radius_of_x,
                c_max_mol_m3=num(f"Maximum concentration in {d.lower()} electrode [mol.m-3]"),
                c_init_mol_m3=num(f"Initial concentration in {d.lower()} electrode [mol.m-3]"),
                conductivity_S_m=num(f"{d} electrode conductivity [S.m-1]"),
                brug_electrolyte=num(f"{d} electrode Bruggeman coefficient (electrolyte)", 1.5),
                brug_electrode=num(f"{d} electrode Bruggeman coefficient (electrode)", 0.0),
                ocp=_as_function(p[f"{d} electrode OCP [V]"], 1, f"{d} electrode OCP [V]"),
                entropic=_as_function(
                    p.get(f"{d} electrode OCP entropic change [V.K-1]", 0.0), 2, f"{d} OCP entropic change"
                ),
                diffusivity=_as_function(
                    p[f"{d} particle diffusivity [m2.s-1]"], 2, f"{d} particle diffusivity"
                ),
                exchange_current=_as_function(
                    p[f"{d} electrode exchange-current density [A.m-2]"], 4, f"{d} exchange-current density"
                ),
                density_kg_m3=num(f"{d} electrode density [kg.m-3]", 0.0),
                heat_capacity_J_kg_K=num(f"{d} electrode specific heat capacity [J.kg-1.K-1]", 0.0),
            )

        neg, pos = electrode("Negative"), electrode("Positive")
        c_e0 = num("Initial concentration in electrolyte [mol.m-3]")
        for e in (neg, pos):
            try:
                e.exchange_current = regularised_exchange_current(e.exchange_current, c_e0, e.c_max_mol_m3)
            except TypeError:  # an unhashable function: regularise without caching the wrapper
                e.exchange_current = regularised_exchange_current.__wrapped__(
                    e.exchange_current, c_e0, e.c_max_mol_m3
                )
        L_s = L_s_m
        sep_porosity, sep_porosity_of_x = graded("Separator porosity", "porosity", L_n_m, L_s)
        layers = [
            (num("Negative current collector thickness [m]", 0.0), "Negative current collector"),
            (neg.thickness_m, "Negative electrode"),
            (L_s, "Separator"),
            (pos.thickness_m, "Positive electrode"),
            (num("Positive current collector thickness [m]", 0.0), "Positive current collector"),
        ]
        rho_cp_L = sum(
            thickness
            * num(f"{name} density [kg.m-3]", 0.0)
            * num(f"{name} specific heat capacity [J.kg-1.K-1]", 0.0)
            for thickness, name in layers
        )
        L_total = sum(t for t, _ in layers)
        T_amb = (
            float(ambient_temperature_K)
            if ambient_temperature_K is not None
            else num("Ambient temperature [K]")
        )
        n_parallel = num("Number of electrodes connected in parallel to make a cell", 1.0)
        return cls(
            negative=neg,
            positive=pos,
            separator_thickness_m=L_s,
            separator_porosity=sep_porosity,
            separator_porosity_of_x=sep_porosity_of_x,
            separator_brug=num("Separator Bruggeman coefficient (electrolyte)", 1.5),
            area_m2=num("Electrode height [m]") * num("Electrode width [m]") * n_parallel,
            nominal_capacity_Ah=num("Nominal cell capacity [A.h]"),
            c_e_init_mol_m3=c_e0,
            transference=_as_function(
                _required(p, "Cation transference number"), 2, "Cation transference number"
            ),
            thermodynamic_factor=_as_function(p.get("Thermodynamic factor", 1.0), 2, "Thermodynamic factor"),
            electrolyte_diffusivity=_floored(
                _as_function(p["Electrolyte diffusivity [m2.s-1]"], 2, "Electrolyte diffusivity")
            ),
            electrolyte_conductivity=_floored(
                _as_function(p["Electrolyte conductivity [S.m-1]"], 2, "Electrolyte conductivity")
            ),
            T_ref_K=num("Reference temperature [K]", 298.15),
            T_ambient_K=T_amb,
            T_init_K=T_amb if ambient_temperature_K is not None else num("Initial temperature [K]", T_amb),
            v_min_V=num("Lower voltage cut-off [V]"),
            v_max_V=num("Upper voltage cut-off [V]"),
            contact_resistance_Ohm=num("Contact resistance [Ohm]", 0.0),
            heat_transfer_W_m2_K=num("Total heat transfer coefficient [W.m-2.K-1]", 10.0),
            cooling_area_m2=num("Cell cooling surface area [m2]", 0.0),
            cell_volume_m3=num("Cell volume [m3]", 0.0),
            volumetric_heat_capacity_J_m3_K=(rho_cp_L / L_total) if L_total > 0 else 0.0,
            thermal_thickness_m=L_total,
        )

    # ------------------------------------------------------------------ state of charge
    def stoichiometry_window(self) -> tuple[float, float, float, float]:
        """Stoichiometries (x_0, x_100, y_0, y_100) at 0 % and 100 % SOC.

        As PyBaMM's electrode state-of-health calculation: the cyclable lithium of the initial
        concentrations is conserved, x eps_n L_n c_n,max + y eps_p L_p c_p,max = n_Li, and the OCV
        U_p(y) - U_n(x) equals the lower cut-off at 0 % and the upper cut-off at 100 % SOC.
        """
        n, p = self.negative, self.positive
        cap_n = n.active_fraction * n.thickness_m * n.c_max_mol_m3
        cap_p = p.active_fraction * p.thickness_m * p.c_max_mol_m3
        n_li = (
            n.c_init_mol_m3 * n.active_fraction * n.thickness_m
            + p.c_init_mol_m3 * p.active_fraction * p.thickness_m
        )
        T = self.T_ref_K

        def ocv_at_x(x):
            y = (n_li - x * cap_n) / cap_p
            return float(p.ocp_T(y, T, T) - n.ocp_T(x, T, T))

        x_lo = max(1e-6, (n_li - cap_p * (1 - 1e-6)) / cap_n)
        x_hi = min(1 - 1e-6, (n_li - 1e-6 * cap_p) / cap_n)

        def solve(v_target):
            return brentq(lambda x: ocv_at_x(x) - v_target, x_lo, x_hi, xtol=1e-12)

        try:
            x_0, x_100 = solve(self.v_min_V), solve(self.v_max_V)
        except ValueError as exc:
            raise ValueError(
                f"Cannot place the SOC window: the OCV over the available lithium does not span "
                f"{self.v_min_V} V to {self.v_max_V} V (the voltage cut-offs); check the OCP functions and "
                "the initial concentrations"
            ) from exc
        return x_0, x_100, (n_li - x_0 * cap_n) / cap_p, (n_li - x_100 * cap_n) / cap_p

    def initial_concentrations(self, initial_soc: float | None) -> tuple[float, float]:
        """Initial particle concentrations [mol.m-3] of the negative and positive electrodes."""
        if initial_soc is None:
            return self.negative.c_init_mol_m3, self.positive.c_init_mol_m3
        soc = float(initial_soc)
        if not 0.0 <= soc <= 1.0:
            raise ValueError(f"initial_soc must lie between 0 and 1, got {soc}")
        x_0, x_100, y_0, y_100 = self.stoichiometry_window()
        x = x_0 + soc * (x_100 - x_0)
        y = y_0 + soc * (y_100 - y_0)
        return x * self.negative.c_max_mol_m3, y * self.positive.c_max_mol_m3


def thermal_voltage(T_K):
    """R T / F [V]."""
    return R * T_K / F
