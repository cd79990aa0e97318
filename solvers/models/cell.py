"""Cell description shared by SPM, SPMe and DFN: parameters read once from a PyBaMM-named set.

:class:`Cell` turns a parameter mapping into the geometry, transport and kinetic inputs of the models
(all SI), with the set's functions wrapped so that every model calls them the same way. Nothing here
depends on the mesh.

Conventions (as PyBaMM): current positive = discharge; interfacial current density ``j`` positive for
de-intercalation (the negative electrode in discharge); stoichiometry = c / c_max.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq

from solvers.constants import F, R


@lru_cache(maxsize=256)
def _constant_function(constant: float, name: str) -> Callable:
    """One function object per constant (so that tables built from it can be cached)."""

    def const(*args):
        return np.full(np.shape(args[0]), constant)

    const.__name__ = f"constant {name}"
    return const


def _as_function(value, n_args: int, name: str) -> Callable:
    """Wrap a float or a function so it can always be called with ``n_args`` array arguments."""
    if not callable(value):
        return _constant_function(float(value), name)
    try:
        n_given = len(inspect.signature(value).parameters)
    except (TypeError, ValueError):
        n_given = n_args
    if n_given == n_args:
        return value
    if n_given < n_args:  # e.g. an entropic change dUdT(sto) asked as (sto, c_s_max)

        def fewer(*args):
            return value(*args[:n_given])

        return fewer

    raise TypeError(f"Parameter {name!r}: the function takes {n_given} arguments, expected {n_args}")


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

    @property
    def surface_area_density_m(self) -> float:
        """Specific interfacial area a = 3 eps_s / R [m-1]."""
        return 3.0 * self.active_fraction / self.particle_radius_m

    @property
    def tortuosity_electrolyte(self) -> float:
        return self.porosity**self.brug_electrolyte

    @property
    def tortuosity_electrode(self) -> float:
        return (1.0 - self.porosity) ** self.brug_electrode

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
    transference: float
    thermodynamic_factor: float
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

        def electrode(domain: str) -> Electrode:
            d = domain
            porosity = num(f"{d} electrode porosity")
            return Electrode(
                domain=d,
                thickness_m=num(f"{d} electrode thickness [m]"),
                porosity=porosity,
                active_fraction=num(f"{d} electrode active material volume fraction"),
                particle_radius_m=num(f"{d} particle radius [m]"),
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
        L_s = num("Separator thickness [m]")
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
            separator_porosity=num("Separator porosity"),
            separator_brug=num("Separator Bruggeman coefficient (electrolyte)", 1.5),
            area_m2=num("Electrode height [m]") * num("Electrode width [m]") * n_parallel,
            nominal_capacity_Ah=num("Nominal cell capacity [A.h]"),
            c_e_init_mol_m3=num("Initial concentration in electrolyte [mol.m-3]"),
            transference=num("Cation transference number"),
            thermodynamic_factor=num("Thermodynamic factor", 1.0),
            electrolyte_diffusivity=_as_function(
                p["Electrolyte diffusivity [m2.s-1]"], 2, "Electrolyte diffusivity"
            ),
            electrolyte_conductivity=_as_function(
                p["Electrolyte conductivity [S.m-1]"], 2, "Electrolyte conductivity"
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
