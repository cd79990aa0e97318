r"""Heat sources and the lumped energy balance, with PyBaMM's definitions (``pybamm.thermal.Lumped``).

Per unit volume of the electrode stack [W.m-3], at each x cell (PyBaMM's ``BaseThermal``):

* reversible ("Reversible heating [W.m-3]"): :math:`a j\,T\,\partial U/\partial T`;
* irreversible electrochemical ("Irreversible electrochemical heating [W.m-3]"): :math:`a j\,\eta`;
* Ohmic ("Ohmic heating [W.m-3]"): :math:`-i_s \partial_x\phi_s - i_e \partial_x\phi_e`;
* total: their sum.

The lumped model (one temperature for the cell) advances
:math:`\rho c_{p,\mathrm{eff}} V\,\mathrm{d}T/\mathrm{d}t = Q - hA(T - T_\mathrm{amb})`, with
:math:`Q` [W] the total heating integrated over the stack (``"Total heating [W]"``) and
:math:`V` the cell volume ("Cell volume [m3]"), :math:`A` the cooling area ("Cell cooling surface area
[m2]"), :math:`h` the "Total heat transfer coefficient [W.m-2.K-1]". The compiled kernels integrate the
same local sources (one term per x cell and per face) as the numpy reference does; they differ from the
global energy balance :math:`-I V + A\sum a j (T\,\partial U/\partial T - U)\Delta x` by the rate of
change of the free energy stored in concentration gradients (PyBaMM's "heat of mixing", off by default),
up to 10 % of the heating in the first minutes of a 1C DFN discharge.

Temperature enters the other physics through :func:`arrhenius` (diffusivities, exchange currents and
electrolyte transport whose temperature dependence is an Arrhenius factor) and :func:`ocp_at_temperature`.
Every function is plain arithmetic: compiled into the numba kernels and called on numpy arrays alike.
"""

from __future__ import annotations

import numpy as np


def reversible_heating(aj, T, dUdT):
    """Reversible (entropic) heating a j T dU/dT [W.m-3]; ``aj`` [A.m-3] is a times j."""
    return aj * T * dUdT


def irreversible_heating(aj, eta):
    """Irreversible electrochemical heating a j eta [W.m-3]."""
    return aj * eta


def ohmic_heating(current_density, potential_gradient):
    """Ohmic heating -i . grad(phi) [W.m-3] of a current density [A.m-2] down its potential gradient [V.m-1]."""
    return -current_density * potential_gradient


def cell_average_of_faces(q_left, q_right):
    """A cell's value of a quantity known at its two faces (the quadrature of face values over the mesh)."""
    return 0.5 * (q_left + q_right)


def lumped_temperature_rate(heating_W, T, T_ambient, h_times_area, heat_capacity_J_K):
    """dT/dt [K.s-1] of the lumped model: (Q - h A (T - T_amb)) / (rho c_p V)."""
    return (heating_W - h_times_area * (T - T_ambient)) / heat_capacity_J_K


def arrhenius(activation_over_R_K, T_table, T):
    """exp(E/R (1/T_table - 1/T)): a rate at T relative to its value at T_table (1 exactly at T_table)."""
    return np.exp(activation_over_R_K * (1.0 / T_table - 1.0 / T))


def ocp_at_temperature(U_table, dUdT, T, T_table):
    """U(T) = U(T_table) + (T - T_table) dU/dT [V] (the OCP is linear in T through its entropic change)."""
    return U_table + (T - T_table) * dUdT
