r"""Single Particle Model with electrolyte, as PyBaMM's SPMe (Marquis et al. 2019, doi:10.1149/2.0341915jes).

The particles are the SPM's; the electrolyte concentration solves the DFN's diffusion equation with the
uniform reaction source; the electrolyte potential is the composite (first-order) solution, so

.. math::
    V = U_p - U_n + \bar\eta_p - \bar\eta_n + \eta_c + \Delta\Phi_e - \frac{i}{3}\left(
        \frac{L_n}{\sigma_n} + \frac{L_p}{\sigma_p}\right),\\
    \eta_c = \chi\frac{RT}{F}\left(\overline{\ln\frac{c_e}{\bar c_e}}^{\,p}
        - \overline{\ln\frac{c_e}{\bar c_e}}^{\,n}\right),\quad
    \Delta\Phi_e = -i\left(\frac{L_n}{3\kappa_n} + \frac{L_s}{\kappa_s} + \frac{L_p}{3\kappa_p}\right)

with :math:`\kappa_k = \varepsilon_k^b\kappa(\bar c_e, T)`,
:math:`\chi = 2(1-t^+(\bar c_e, T))\,\mathrm{TDF}(\bar c_e, T)` (as PyBaMM's composite conductivity), and
the reaction overpotentials averaged over each electrode with :math:`j_0(c_e(x), c_{surf})`.

The electrolyte's migration flux is :math:`t^+(c_e)\,i_e/F` with the composite model's current
:math:`i_e = i\,x/L_n,\ i,\ i\,(L-x)/L_p`, as PyBaMM's SPMe; here :math:`i_e` is taken exactly at
the cell faces and t+ interpolated there (PyBaMM interpolates the product :math:`t^+ i_e` from the cell
centres, which differs by O(dx) at the electrode/separator faces and lets a varying t+ leak a little
lithium through x = 0 and L). A constant t+ gives the familiar source :math:`(1-t^+)\,a j/F`.

Graded electrodes: the particles are the SPM's (x-averaged :math:`a`, the radius in the middle of the
electrode); the electrolyte diffusion takes the porosity, :math:`\varepsilon^b` and the source
:math:`a(x)\,\bar j` of every x cell, and
the composite potentials the x-averages :math:`\kappa_k = \overline{\varepsilon^b}_k\kappa(\bar c_e)`,
:math:`\overline{\sigma(1-\varepsilon)^{b_s}}`, as PyBaMM's SPMe (composite conductivity and Ohm
submodels). Uniform values give exactly the uniform-electrode results.
"""

from __future__ import annotations

import numpy as np

from solvers.constants import F, R
from solvers.mesh import divergence, edge_harmonic, gradient
from solvers.models.base import CellModel
from solvers.models.cell import MACINNES_FLOOR, uniform_or_mean
from solvers.models.dfn import excess_migration_flux
from solvers.models.spm import SPMSystem

_TINY = 1e-12


class SPMeSystem(SPMSystem):
    model_name = "spme"

    def setup_extra(self):
        c, m = self.cell, self.mesh_sizes
        self.Nn, self.Ns, self.Np = m["x_n"], m["x_s"], m["x_p"]
        self.xmesh = self.x_mesh()
        self.Nx = self.xmesh.n
        start = self.n_core
        self.sl["ce"] = slice(start, start + self.Nx)
        self.n_core = start + self.Nx
        prof = c.x_profiles(self.Nn, self.Ns, self.Np)
        self.eps = prof["porosity"]
        self.tor = prof["tortuosity"]
        self.a_cells = prof["surface_area_density_m"]
        Nn, Ns = self.Nn, self.Ns
        self.tor_n = uniform_or_mean(self.tor[:Nn])
        self.tor_s = uniform_or_mean(self.tor[Nn : Nn + Ns])
        self.tor_p = uniform_or_mean(self.tor[Nn + Ns :])
        # i_e / i at the interior faces: x / L_n, 1, (L - x) / L_p (the composite model's current, as
        # PyBaMM's SPMe, also for a graded electrode)
        self.i_e_face_fraction = np.concatenate(
            [np.arange(1, Nn + 1) / Nn, np.ones(Ns), 1.0 - np.arange(1, self.Np) / self.Np]
        )

    def fields(self, Y, T, I_A, with_rhs: bool = True):
        c = self.cell
        out = self.particles(Y, T, I_A, with_rhs)
        ce = Y[:, self.sl["ce"]] * c.c_e_init_mol_m3
        out["ce"] = ce
        Nn, Ns = self.Nn, self.Ns
        Tb = T[:, None]
        ce_n, ce_p = ce[:, :Nn], ce[:, Nn + Ns :]  # j0 is zero at c_e <= 0 (as PyBaMM)
        eta_n = self.overpotential(c.negative, out["j_n"][:, None], ce_n, out["sto_cl_n"][:, None], Tb)
        eta_p = self.overpotential(c.positive, out["j_p"][:, None], ce_p, out["sto_cl_p"][:, None], Tb)
        out["eta_n_x"], out["eta_p_x"] = eta_n, eta_p
        out["eta_n"], out["eta_p"] = eta_n.mean(axis=-1), eta_p.mean(axis=-1)
        # composite electrolyte potential
        w = self.xmesh.widths
        ce_av = np.maximum(np.sum(ce * w, axis=-1) / np.sum(w), _TINY)
        kappa = c.electrolyte_conductivity(ce_av, T)
        # chi = 2 (1 - t+) TDF at the x-averaged concentration (PyBaMM's composite conductivity)
        chiRT_F = 2.0 * (1.0 - c.transference(ce_av, T)) * c.thermodynamic_factor(ce_av, T) * R * T / F
        ln_n = np.log(np.maximum(ce_n / ce_av[:, None], MACINNES_FLOOR)).mean(axis=-1)
        ln_p = np.log(np.maximum(ce_p / ce_av[:, None], MACINNES_FLOOR)).mean(axis=-1)
        L_n, L_s, L_p = c.negative.thickness_m, c.separator_thickness_m, c.positive.thickness_m
        i_cell = I_A / c.area_m2
        eta_c = chiRT_F * (ln_p - ln_n)
        dphi_e = -i_cell * (
            L_n / (3 * kappa * self.tor_n) + L_s / (kappa * self.tor_s) + L_p / (3 * kappa * self.tor_p)
        )
        sig_n, sig_p = self.sig_n_av, self.sig_p_av
        dphi_s = -i_cell * (L_n / (3 * sig_n) + L_p / (3 * sig_p))
        out.update(ce_av=ce_av, kappa_av=kappa, chiRT_F=chiRT_F, ln_n=ln_n, sig_n=sig_n)
        out["V"] = (
            out["U_p"]
            - out["U_n"]
            + out["eta_p"]
            - out["eta_n"]
            + eta_c
            + dphi_e
            + dphi_s
            - I_A * c.contact_resistance_Ohm
        )
        return out

    def core_rhs(self, Y, T, I_A, fl):
        c = self.cell
        B = Y.shape[0]
        Tb = T[:, None]
        ce = fl["ce"]
        aj = np.zeros((B, self.Nx))
        # the uniform j with each cell's own a (as PyBaMM's SPMe: a(x) times the broadcast x-averaged j)
        aj[:, : self.Nn] = self.a_cells[: self.Nn] * fl["j_n"][:, None]
        aj[:, self.Nn + self.Ns :] = self.a_cells[self.Nn + self.Ns :] * fl["j_p"][:, None]
        ce_safe = np.maximum(ce, _TINY)
        D_eff = self.tor * c.electrolyte_diffusivity(ce_safe, Tb)
        N = edge_harmonic(D_eff, self.xmesh) * gradient(ce, self.xmesh)
        t_ref = c.transference(np.full_like(Tb, c.c_e_init_mol_m3), Tb)
        i_e_faces = (I_A / c.area_m2)[:, None] * self.i_e_face_fraction
        M = excess_migration_flux(c.transference(ce_safe, Tb), t_ref, i_e_faces, self.xmesh)
        dce = (divergence(N - M / F, self.xmesh) + (1.0 - t_ref) * aj / F) / self.eps
        return np.concatenate([fl["f_particles"], dce / c.c_e_init_mol_m3], axis=-1)

    def initial_state(self, c_n0, c_p0):
        y = super().initial_state(c_n0, c_p0)
        y[self.sl["ce"]] = 1.0
        return y

    def electrolyte_fields(self, Y, T, I_A, fl):
        """Electrolyte concentration and the composite electrolyte potential on the x mesh [V]."""
        c = self.cell
        ce = fl["ce"]
        x = self.xmesh.nodes
        Nn, Ns = self.Nn, self.Ns
        L_n, L_p = c.negative.thickness_m, c.positive.thickness_m
        L = self.xmesh.edges[-1]
        i = (I_A / c.area_m2)[:, None]
        k_n = (fl["kappa_av"] * self.tor_n)[:, None]
        k_s = (fl["kappa_av"] * self.tor_s)[:, None]
        k_p = (fl["kappa_av"] * self.tor_p)[:, None]
        chi = fl["chiRT_F"][:, None]
        macinnes = chi * np.log(np.maximum(ce / fl["ce_av"][:, None], MACINNES_FLOOR))
        delta_phi_n_av = (fl["U_n"] + fl["eta_n"])[:, None]
        phi_s_n_av = -(i / fl["sig_n"]) * L_n / 3.0
        const = -delta_phi_n_av + phi_s_n_av - chi * fl["ln_n"][:, None] - i * L_n * (1 / (3 * k_n) - 1 / k_s)
        x_n, x_s, x_p = x[:Nn][None, :], x[Nn : Nn + Ns][None, :], x[Nn + Ns :][None, :]
        phi_n = const + macinnes[:, :Nn] - (i / k_n) * (x_n**2 - L_n**2) / (2 * L_n) - i * L_n / k_s
        phi_s = const + macinnes[:, Nn : Nn + Ns] - (i / k_s) * x_s
        phi_p = (
            const
            + macinnes[:, Nn + Ns :]
            - (i / k_p) * (x_p * (2 * L - x_p) + L_p**2 - L**2) / (2 * L_p)
            - i * (L - L_p) / k_s
        )
        return ce, np.concatenate([phi_n, phi_s, phi_p], axis=-1)


class SPMe(CellModel):
    """Single Particle Model with electrolyte; see the module docstring for the equations."""

    name = "spme"
    system_class = SPMeSystem
