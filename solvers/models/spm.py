r"""Single Particle Model, as PyBaMM's SPM (Marquis et al. 2019, doi:10.1149/2.0341915jes).

One representative particle per electrode, driven by the uniform interfacial current density
:math:`j_n = I_A/(A a_n L_n)`, :math:`j_p = -I_A/(A a_p L_p)`; the electrolyte stays at its initial
concentration, and

.. math::
    V = U_p(c_{p,surf}) - U_n(c_{n,surf}) + \eta_p - \eta_n,\qquad
    \eta = \frac{2RT}{F}\,\mathrm{arcsinh}\frac{j}{2 j_0(c_{e0}, c_{surf})}

The particle discretisation is the DFN's (:func:`solvers.models.dfn.particle_rhs`).

The SPM assumes a uniform electrode. For a graded one (properties that are functions of x, see
:mod:`solvers.models.cell`) it takes, as PyBaMM's SPM: :math:`a` as the x-average of
:math:`3\varepsilon_s(x)/R(x)` over the cell centres of the x mesh, the particle radius in the middle of
the electrode (PyBaMM's ``R_typ``), and the x-averages of :math:`\varepsilon^b` and
:math:`\sigma(1-\varepsilon)^{b_s}` where the SPMe needs them. Uniform values give exactly the
uniform-electrode results.
"""

from __future__ import annotations

import numpy as np

from solvers.constants import F, R
from solvers.mesh import SphereMesh, gradient, surface_value
from solvers.models.base import STO_EVENT_MARGIN, CellModel, CellSystem
from solvers.models.cell import regularised_arcsinh
from solvers.models.dfn import particle_rhs
from solvers.physics import heat

_TINY = 1e-12


class SPMSystem(CellSystem):
    model_name = "spm"
    kernel_name = "spm"

    def setup(self):
        m = self.mesh_sizes
        self.nr_n, self.nr_p = m["r_n"], m["r_p"]
        self.sph_n, self.sph_p = SphereMesh(self.nr_n), SphereMesh(self.nr_p)
        self.sl = {"cs_n": slice(0, self.nr_n), "cs_p": slice(self.nr_n, self.nr_n + self.nr_p)}
        # electrode averages on the x mesh (as PyBaMM's x_average; exact scalars for uniform electrodes)
        c = self.cell
        prof_n, prof_p = c.negative.profile(m["x_n"]), c.positive.profile(m["x_p"])
        self.a_n_av = prof_n.average("surface_area_density_m")
        self.a_p_av = prof_p.average("surface_area_density_m")
        self.sig_n_av = prof_n.average("conductivity_eff_S_m")
        self.sig_p_av = prof_p.average("conductivity_eff_S_m")
        self.n_core = self.nr_n + self.nr_p
        self.setup_extra()
        self.is_diff_core = np.ones(self.n_core, dtype=bool)
        self.atol_core = np.ones(self.n_core)

    def setup_extra(self):
        """Hook for SPMe (electrolyte unknowns after the particles)."""

    def initial_state(self, c_n0, c_p0):
        c = self.cell
        y = np.ones(self.n_core)
        y[self.sl["cs_n"]] = c_n0 / c.negative.c_max_mol_m3
        y[self.sl["cs_p"]] = c_p0 / c.positive.c_max_mol_m3
        return y

    def average_currents(self, I_A):
        c = self.cell
        n, p = c.negative, c.positive
        j_n = I_A / (c.area_m2 * self.a_n_av * n.thickness_m)
        j_p = -I_A / (c.area_m2 * self.a_p_av * p.thickness_m)
        return j_n, j_p

    def particles(self, Y, T, I_A, with_rhs: bool = True):
        c = self.cell
        B = Y.shape[0]
        j_n, j_p = self.average_currents(I_A)
        out = {"j_n": j_n, "j_p": j_p}
        f_parts = []
        for key, e, sph, j in (("n", c.negative, self.sph_n, j_n), ("p", c.positive, self.sph_p, j_p)):
            cs = Y[:, self.sl[f"cs_{key}"]]
            flux_sto = j / (F * e.c_max_mol_m3)
            if with_rhs:
                f_parts.append(
                    particle_rhs(cs, e.diffusivity, T[:, None], flux_sto, sph, e.particle_radius_m)
                )
            sto_surf = surface_value(cs)
            sto_cl = np.clip(sto_surf, _TINY, 1 - _TINY)
            out[f"cs_{key}"] = cs
            out[f"sto_surf_{key}"] = sto_surf
            out[f"sto_cl_{key}"] = sto_cl
            out[f"U_{key}"] = e.ocp_T(sto_cl, T, c.T_ref_K)
            out[f"dUdT_{key}"] = e.entropic(sto_cl, e.c_max_mol_m3)
        if with_rhs:
            out["f_particles"] = np.concatenate(f_parts, axis=-1).reshape(B, -1)
        return out

    def overpotential(self, e, j, c_e, sto_cl, T):
        j0 = e.exchange_current(c_e, sto_cl * e.c_max_mol_m3, e.c_max_mol_m3, T)
        return 2.0 * R * T / F * regularised_arcsinh(j, 2.0 * j0)

    def fields(self, Y, T, I_A, with_rhs: bool = True):
        c = self.cell
        out = self.particles(Y, T, I_A, with_rhs)
        ce0 = c.c_e_init_mol_m3
        out["eta_n"] = self.overpotential(c.negative, out["j_n"], ce0, out["sto_cl_n"], T)
        out["eta_p"] = self.overpotential(c.positive, out["j_p"], ce0, out["sto_cl_p"], T)
        out["V"] = out["U_p"] - out["U_n"] + out["eta_p"] - out["eta_n"] - I_A * c.contact_resistance_Ohm
        return out

    def core_numpy(self, Y, T, I_A):
        fl = self.fields(Y, T, I_A)
        heat_W = self.total_heating_W(Y, T, fl) if self.lumped else np.zeros(Y.shape[0])
        return {"f": self.core_rhs(Y, T, I_A, fl), "V": fl["V"], "heat": heat_W}

    def core_rhs(self, Y, T, I_A, fl):
        return fl["f_particles"]

    def event_functions(self, Y):
        s_n = surface_value(Y[:, self.sl["cs_n"]])
        s_p = surface_value(Y[:, self.sl["cs_p"]])
        return {
            "Minimum negative particle surface stoichiometry": s_n - STO_EVENT_MARGIN,
            "Maximum negative particle surface stoichiometry": 1.0 - STO_EVENT_MARGIN - s_n,
            "Minimum positive particle surface stoichiometry": s_p - STO_EVENT_MARGIN,
            "Maximum positive particle surface stoichiometry": 1.0 - STO_EVENT_MARGIN - s_p,
        }

    def compiled_structure(self, plan):
        """Jacobian layout for the compiled stepper: the small system is factorised densely (kl = -1)."""
        order = np.lexsort((plan.cols, plan.rows))
        rows, cols = plan.rows[order], plan.cols[order]
        _nnz, n = rows.size, self.n
        last = n - 1
        # bordered tridiagonal (kl = -2) when the unknowns other than the current couple only to neighbours
        kind = np.where(rows == last, np.where(cols == last, 3, 2), np.where(cols == last, 1, 0)).astype(
            np.int64
        )
        if self.lumped:  # the temperature's column borders the system (see solvers.models.compiled)
            kind[cols == self.i_T] = 4
        a1 = np.where(kind == 2, cols, rows).astype(np.int64)
        a2 = (cols - rows + 1).astype(np.int64)
        tridiagonal = bool(np.all(np.abs(cols - rows)[kind == 0] <= 1))
        return {
            "rows": rows, "cols": cols, "kind": kind, "a1": a1, "a2": np.where(kind == 0, a2, 0),
            "x_of": -np.ones(n, dtype=np.int64), "nx": n, "cell_cols": np.zeros((1, 3), dtype=np.int64),
            "x_particle": -np.ones(n, dtype=np.int64), "p_off": np.zeros(1, dtype=np.int64),
            "p_nr": np.zeros(1, dtype=np.int64), "nr_max": 1, "kl": -2 if tridiagonal else -1, "ku": -1,
        }  # fmt: skip

    def event_layout(self):
        o_ce = self.sl["ce"].start if "ce" in self.sl else 0
        n_x = self.sl["ce"].stop - o_ce if "ce" in self.sl else 0
        return (0, self.nr_n, 1, self.nr_n, self.nr_p, 1, o_ce, n_x)

    # outputs: SPM fields broadcast over the electrodes so every model offers the same names
    def x_mesh(self):
        """The x mesh of the outputs (built once per system: the outputs ask for it several times)."""
        cached = self.__dict__.get("_x_mesh")
        if cached is not None:
            return cached
        from solvers.mesh import Mesh1D

        c, m = self.cell, self.mesh_sizes
        self._x_mesh = Mesh1D.from_domains(
            [c.negative.thickness_m, c.separator_thickness_m, c.positive.thickness_m],
            [m["x_n"], m["x_s"], m["x_p"]],
        )
        return self._x_mesh

    def electrolyte_fields(self, Y, T, I_A, fl):
        """Electrolyte concentration and potential on the x mesh (SPM: uniform, phi_e = -U_n - eta_n)."""
        nt = Y.shape[0]
        Nx = self.x_mesh().n
        ce = np.full((nt, Nx), self.cell.c_e_init_mol_m3)
        phie = np.broadcast_to((-fl["U_n"] - fl["eta_n"])[:, None], (nt, Nx))
        return ce, phie

    def heat_sources(self, Y, T, fl, phie=None):
        """(reversible, irreversible, Ohmic) heating [W.m-3] at the x cells (:mod:`solvers.physics.heat`).

        The uniform j with each cell's a; the SPMe's overpotential of each cell; Ohmic heating in the
        electrolyte -i_e . grad(phi_e) and in the solid sigma (grad phi_s)^2 of the SPMe's composite fields;
        none in the SPM, whose voltage has no Ohmic losses (PyBaMM's leading-order potentials are uniform).
        """
        c, m = self.cell, self.mesh_sizes
        Nn, Ns, Np = m["x_n"], m["x_s"], m["x_p"]
        B, Nx = Y.shape[0], Nn + Ns + Np
        Tb = T[:, None]
        xm = self.x_mesh()
        a = c.x_profiles(Nn, Ns, Np)["surface_area_density_m"]
        rev = np.zeros((B, Nx))
        irr = np.zeros((B, Nx))
        for key, cells in (("n", slice(0, Nn)), ("p", slice(Nn + Ns, Nx))):
            aj = a[cells] * fl[f"j_{key}"][:, None]
            eta = fl.get(f"eta_{key}_x", fl[f"eta_{key}"][:, None])
            rev[:, cells] = heat.reversible_heating(aj, Tb, fl[f"dUdT_{key}"][:, None])
            irr[:, cells] = heat.irreversible_heating(aj, eta)
        i_cell = (Y[:, -1] / c.area_m2)[:, None]
        ohm = np.zeros((B, Nx))
        if "ce" not in self.sl:  # the SPM (as PyBaMM's, leading-order potentials): no Ohmic losses
            return rev, irr, ohm
        if phie is None:
            phie = self.electrolyte_fields(Y, T, Y[:, -1], fl)[1]
        if "ce" in self.sl:
            zero = np.zeros((B, 1))
            grad = gradient(phie, xm)
            q = np.concatenate([zero, heat.ohmic_heating(i_cell * self.i_e_face_fraction, grad), zero], axis=1)
            ohm += heat.cell_average_of_faces(q[:, :-1], q[:, 1:])
        x = xm.nodes
        L_n, L_p, L = c.negative.thickness_m, c.positive.thickness_m, xm.edges[-1]
        g_n = i_cell / self.sig_n_av * (x[:Nn] - L_n) / L_n  # d/dx of the composite phi_s
        g_p = -i_cell / self.sig_p_av * (x[Nn + Ns :] - L) / L_p
        ohm[:, :Nn] += heat.ohmic_heating(-self.sig_n_av * g_n, g_n)
        ohm[:, Nn + Ns :] += heat.ohmic_heating(-self.sig_p_av * g_p, g_p)
        return rev, irr, ohm

    def variables(self, Y):
        c, m = self.cell, self.mesh_sizes
        T = self.temperature(Y)
        I_A = Y[:, -1]
        fl = self.fields(Y, T, I_A, with_rhs=False)
        Nn, Np = m["x_n"], m["x_p"]
        ce, phie = self.electrolyte_fields(Y, T, I_A, fl)
        # uniform fields as read-only broadcast views (no copies; they pickle as full arrays)
        bc = lambda v, n: np.broadcast_to(np.asarray(v)[:, None], (np.shape(v)[0], n))  # noqa: E731
        cmn, cmp_ = c.negative.c_max_mol_m3, c.positive.c_max_mol_m3
        sig_n, sig_p = self.sig_n_av, self.sig_p_av
        x = self.x_mesh().nodes
        L_n, L_p, L = c.negative.thickness_m, c.positive.thickness_m, self.x_mesh().edges[-1]
        i_cell = (I_A / c.area_m2)[:, None]
        x_n, x_p = x[:Nn][None, :], x[-Np:][None, :]
        phis_n = i_cell / sig_n * x_n * (x_n - 2 * L_n) / (2 * L_n)
        V = fl["V"][:, None]
        phis_p = V - i_cell / sig_p * ((x_p - L) ** 2 / (2 * L_p)) + 0 * x_p
        return {
            "_heat_sources": lambda: self.heat_sources(Y, T, fl, phie),
            "Electrolyte concentration [mol.m-3]": ce,
            "Electrolyte potential [V]": phie,
            "Negative electrode potential [V]": phis_n,
            "Positive electrode potential [V]": phis_p,
            "Negative electrode interfacial current density [A.m-2]": bc(fl["j_n"], Nn),
            "Positive electrode interfacial current density [A.m-2]": bc(fl["j_p"], Np),
            "Negative electrode reaction overpotential [V]": bc(fl["eta_n"], Nn)
            if np.ndim(fl["eta_n"]) == 1
            else fl["eta_n"],
            "Positive electrode reaction overpotential [V]": bc(fl["eta_p"], Np)
            if np.ndim(fl["eta_p"]) == 1
            else fl["eta_p"],
            "Negative particle surface concentration [mol.m-3]": bc(fl["sto_surf_n"] * cmn, Nn),
            "Positive particle surface concentration [mol.m-3]": bc(fl["sto_surf_p"] * cmp_, Np),
            "Negative particle concentration [mol.m-3]": np.broadcast_to(
                fl["cs_n"][:, None, :] * cmn, (fl["cs_n"].shape[0], Nn, fl["cs_n"].shape[1])
            ),
            "Positive particle concentration [mol.m-3]": np.broadcast_to(
                fl["cs_p"][:, None, :] * cmp_, (fl["cs_p"].shape[0], Np, fl["cs_p"].shape[1])
            ),
        }

    def mesh(self):
        c, m = self.cell, self.mesh_sizes
        x = self.x_mesh().nodes
        Nn, Ns = m["x_n"], m["x_s"]
        return {
            "x [m]": x,
            "x_n [m]": x[:Nn],
            "x_s [m]": x[Nn : Nn + Ns],
            "x_p [m]": x[Nn + Ns :],
            "r_n [m]": self.sph_n.nodes * c.negative.particle_radius_m,
            "r_p [m]": self.sph_p.nodes * c.positive.particle_radius_m,
        }


class SPM(CellModel):
    """Single Particle Model; see the module docstring for the equations."""

    name = "spm"
    system_class = SPMSystem
