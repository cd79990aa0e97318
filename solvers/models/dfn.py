r"""Doyle-Fuller-Newman (P2D) model, as PyBaMM's DFN (doi:10.1149/1.2221597, 10.5334/jors.309).

Unknowns (finite volumes): particle stoichiometry ``c_s / c_max`` in every electrode cell and radial
cell, electrolyte concentration ``c_e / c_e0``, electrolyte potential, solid potentials, (temperature),
cell current.

.. math::
    \partial_t c_s = \frac{1}{r^2}\partial_r (r^2 D_s \partial_r c_s),\quad
        -D_s \partial_r c_s|_{R} = j/F \\
    \varepsilon \partial_t c_e = \partial_x(\varepsilon^b D_e \partial_x c_e)
        - \partial_x(t^+ i_e) / F + a j / F \\
    \partial_x i_e = a j,\quad i_e = \varepsilon^b\kappa\left(-\partial_x\phi_e
        + 2(1-t^+)\,\mathrm{TDF}\,\frac{RT}{F}\partial_x \ln c_e\right) \\
    \partial_x i_s = -a j,\quad i_s = -\sigma (1-\varepsilon)^{b_s} \partial_x \phi_s \\
    j = 2 j_0 \sinh\frac{F\eta}{2RT},\quad \eta = \phi_s - \phi_e - U(c_{s,surf})

with :math:`\phi_s = 0` at x = 0, :math:`i_s = I_A/A` at x = L, no flux of anything else through the
boundaries. The transference number :math:`t^+(c_e, T)` and thermodynamic factor
:math:`\mathrm{TDF}(c_e, T)` may depend on concentration and temperature; with a constant t+ the
migration term is the familiar :math:`(1-t^+) a j / F` (see :func:`excess_migration_flux`).
Coefficients at cell faces are arithmetic means of the neighbouring cell values and surface
values come from linear extrapolation, as in PyBaMM's finite-volume method.

Graded electrodes (:mod:`solvers.models.cell`): porosity :math:`\varepsilon(x)`, tortuosity factors
:math:`\varepsilon^b` and :math:`(1-\varepsilon)^{b_s}`, active fraction :math:`\varepsilon_s(x)`,
surface area :math:`a = 3\varepsilon_s/R` and particle radius :math:`R(x)` are taken per x cell, at its
centre (as PyBaMM evaluates x-dependent parameters on its finite-volume nodes). The particle mesh is in
r/R, so each cell's particle has its own radius. Coefficients times a gradient (diffusivities, solid
conductivity) go to the faces by the width-weighted harmonic mean, as PyBaMM's.
"""

from __future__ import annotations

import numpy as np

from solvers.constants import F, R
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
from solvers.models.base import STO_EVENT_MARGIN, CellModel, CellSystem
from solvers.models.cell import THERMODYNAMIC_FLOOR_MOL_M3, uniform_or_mean
from solvers.physics import heat

_TINY = 1e-12


def face_weights(mesh: Mesh1D) -> np.ndarray:
    """w = dx_k / (dx_k + dx_k+1) at the interior faces: a node value moves to a face as
    (1 - w) v_k + w v_k+1 (linear interpolation, PyBaMM's arithmetic node-to-edge)."""
    w = mesh.widths
    return w[:-1] / (w[:-1] + w[1:])


def excess_migration_flux(t_plus, t_ref, i_e_faces, mesh: Mesh1D):
    r"""(t+ - t_ref) i_e at the interior faces [A.m-2], t+ interpolated to the faces.

    PyBaMM's electrolyte flux is :math:`N_e = -\varepsilon^b D_e \nabla c_e + t^+ i_e / F` (its
    ``electrolyte_diffusion.Full``; t+ moves to the faces by linear interpolation). With a constant
    :math:`t_{ref}` (the value at the initial concentration) and the charge balance
    :math:`\nabla\cdot i_e = a j`,

    .. math::
        -\nabla\cdot(t^+ i_e)/F + a j/F = (1 - t_{ref})\,a j/F - \nabla\cdot((t^+ - t_{ref})\,i_e)/F,

    still a flux form (lithium in the electrolyte is conserved exactly), and for a constant t+ exactly
    the familiar :math:`(1-t^+)\,a j/F` (the excess flux is identically zero, and so are its couplings).
    ``i_e_faces`` is the electrolyte current at the interior faces (zero at x = 0 and L).
    """
    w = face_weights(mesh)
    t_face = t_plus[..., :-1] + w * (t_plus[..., 1:] - t_plus[..., :-1])  # exact for a constant t+
    return (t_face - t_ref) * i_e_faces


def particle_rhs(sto, D_edge_fn, T, surface_flux_sto, sphere: SphereMesh, radius_m):
    """d(sto)/dt in a particle: spherical FV; ``surface_flux_sto`` = -D dsto/dr at r=R [m/s].

    ``radius_m`` is a number or an array that broadcasts against ``sto[..., :1]`` (one radius per x cell).
    """
    dr = sphere.dr * radius_m
    D_nodes = D_edge_fn(sto, T)
    flux = edge_harmonic(D_nodes) * np.diff(sto, axis=-1) / dr  # D dsto/dr at interior faces [m/s]
    return sphere_divergence(flux, -surface_flux_sto, sphere) / radius_m


def _face_values(sigma: np.ndarray) -> np.ndarray:
    """A cell coefficient at the interior faces of equal cells: the harmonic mean of the neighbours
    (PyBaMM's for a coefficient times a gradient), exactly the common value where they are equal."""
    left, right = sigma[:-1], sigma[1:]
    return np.where(left == right, left, 1.0 / (0.5 / left + 0.5 / right))


class DFNSystem(CellSystem):
    model_name = "dfn"
    kernel_name = "dfn"

    def setup(self):
        c, m = self.cell, self.mesh_sizes
        self.Nn, self.Ns, self.Np = m["x_n"], m["x_s"], m["x_p"]
        self.nr_n, self.nr_p = m["r_n"], m["r_p"]
        Nx = self.Nn + self.Ns + self.Np
        self.Nx = Nx
        self.xmesh = Mesh1D.from_domains(
            [c.negative.thickness_m, c.separator_thickness_m, c.positive.thickness_m],
            [self.Nn, self.Ns, self.Np],
        )
        self.mesh_n = Mesh1D.from_domains([c.negative.thickness_m], [self.Nn])
        self.mesh_p = Mesh1D.from_domains([c.positive.thickness_m], [self.Np])
        self.sph_n, self.sph_p = SphereMesh(self.nr_n), SphereMesh(self.nr_p)
        # per-cell geometry at the cell centres (uniform electrodes: the scalar values in every cell)
        prof = c.x_profiles(self.Nn, self.Ns, self.Np)
        self.eps = prof["porosity"]
        self.tor = prof["tortuosity"]
        n_cells, p_cells = slice(0, self.Nn), slice(self.Nn + self.Ns, Nx)
        self.a_n = prof["surface_area_density_m"][n_cells]
        self.a_p = prof["surface_area_density_m"][p_cells]
        self.R_n = prof["particle_radius_m"][n_cells]
        self.R_p = prof["particle_radius_m"][p_cells]
        self.sig_n = prof["conductivity_eff_S_m"][n_cells]
        self.sig_p = prof["conductivity_eff_S_m"][p_cells]
        # the solid conductivity at the interior faces (harmonic mean where neighbours differ)
        self.sig_n_edges = _face_values(self.sig_n)
        self.sig_p_edges = _face_values(self.sig_p)
        self.sl = {}
        o = 0
        for name, size in (
            ("cs_n", self.Nn * self.nr_n),
            ("cs_p", self.Np * self.nr_p),
            ("ce", Nx),
            ("phie", Nx),
            ("phis_n", self.Nn),
            ("phis_p", self.Np),
        ):
            self.sl[name] = slice(o, o + size)
            o += size
        self.n_core = o
        diff = np.zeros(o, dtype=bool)
        diff[: self.sl["ce"].stop] = True
        self.is_diff_core = diff
        # algebraic rows in units of the 1C volumetric current density [A/m3]
        self.row_scale = c.nominal_capacity_Ah / c.area_m2 / self.xmesh.edges[-1]
        atol = np.ones(o)
        atol[self.sl["phie"].start :] = 100.0  # potentials: atol x 100 [V]
        self.atol_core = atol

    def initial_state(self, c_n0, c_p0):
        c = self.cell
        y = np.zeros(self.n_core)
        y[self.sl["cs_n"]] = c_n0 / c.negative.c_max_mol_m3
        y[self.sl["cs_p"]] = c_p0 / c.positive.c_max_mol_m3
        y[self.sl["ce"]] = 1.0
        # potentials: a guess from the open-circuit potentials (made consistent before the first step)
        T = c.T_ambient_K
        U_n = float(c.negative.ocp_T(c_n0 / c.negative.c_max_mol_m3, T, c.T_ref_K))
        U_p = float(c.positive.ocp_T(c_p0 / c.positive.c_max_mol_m3, T, c.T_ref_K))
        y[self.sl["phie"]] = -U_n
        y[self.sl["phis_n"]] = 0.0
        y[self.sl["phis_p"]] = U_p - U_n
        return y

    def unpack(self, Y):
        B = Y.shape[0]
        return (
            Y[:, self.sl["cs_n"]].reshape(B, self.Nn, self.nr_n),
            Y[:, self.sl["cs_p"]].reshape(B, self.Np, self.nr_p),
            Y[:, self.sl["ce"]] * self.cell.c_e_init_mol_m3,
            Y[:, self.sl["phie"]],
            Y[:, self.sl["phis_n"]],
            Y[:, self.sl["phis_p"]],
        )

    def fields(self, Y, T, I_A):
        """Everything the equations need; shared by the residual and the outputs."""
        c = self.cell
        cs_n, cs_p, ce, phie, phis_n, phis_p = self.unpack(Y)
        Tb = T[:, None]
        out = {"cs_n": cs_n, "cs_p": cs_p, "ce": ce, "phie": phie, "phis_n": phis_n, "phis_p": phis_p}
        ce_safe = np.maximum(ce, _TINY)
        out["ce_safe"] = ce_safe
        Nn, Ns = self.Nn, self.Ns
        for key, e, cs, phis, sl in (
            ("n", c.negative, cs_n, phis_n, slice(0, Nn)),
            ("p", c.positive, cs_p, phis_p, slice(Nn + Ns, self.Nx)),
        ):
            sto_surf = surface_value(cs)
            sto_cl = np.clip(sto_surf, _TINY, 1 - _TINY)
            U = e.ocp_T(sto_cl, Tb, c.T_ref_K)
            j0 = e.exchange_current(ce[:, sl], sto_cl * e.c_max_mol_m3, e.c_max_mol_m3, Tb)
            eta = phis - phie[:, sl] - U
            j = 2.0 * j0 * np.sinh(0.5 * F * eta / (R * Tb))
            out[f"sto_surf_{key}"] = sto_surf
            out[f"U_{key}"] = U
            out[f"eta_{key}"] = eta
            out[f"j_{key}"] = j
            out[f"dUdT_{key}"] = e.entropic(sto_cl, e.c_max_mol_m3)
        phis_p = out["phis_p"]
        out["V"] = surface_value(phis_p) - I_A * c.contact_resistance_Ohm
        return out

    def core_numpy(self, Y, T, I_A):
        c = self.cell
        B = Y.shape[0]
        fl = self.fields(Y, T, I_A)
        Tb = T[:, None]
        i_cell = I_A / c.area_m2
        f = np.empty((B, self.n_core))
        a_n, a_p = self.a_n, self.a_p
        j_n, j_p = fl["j_n"], fl["j_p"]
        # particles
        for key, e, sph, radius in (
            ("n", c.negative, self.sph_n, self.R_n),
            ("p", c.positive, self.sph_p, self.R_p),
        ):
            cs = fl[f"cs_{key}"]
            j = fl[f"j_{key}"]
            flux_sto = j / (F * e.c_max_mol_m3)  # -D dsto/dr at the surface [m/s]
            dcs = particle_rhs(cs, e.diffusivity, Tb[..., None], flux_sto, sph, radius[:, None])
            f[:, self.sl[f"cs_{key}"]] = dcs.reshape(B, -1)
        # reaction source per unit volume [A/m3]
        aj = np.zeros((B, self.Nx))
        aj[:, : self.Nn] = a_n * j_n
        aj[:, self.Nn + self.Ns :] = a_p * j_p
        ce, ce_safe, phie = fl["ce"], fl["ce_safe"], fl["phie"]
        grad_c = gradient(ce, self.xmesh)
        # electrolyte charge; chi = 2 (1 - t+) TDF at max(c_e, floor), as PyBaMM near depletion
        kappa = self.tor * c.electrolyte_conductivity(ce_safe, Tb)
        ce_chi = np.maximum(ce, THERMODYNAMIC_FLOOR_MOL_M3)
        chi = (
            2.0
            * (1.0 - c.transference(ce_chi, Tb))
            * c.thermodynamic_factor(ce_chi, Tb)
            * R
            * Tb
            / F
            / ce_chi
        )
        i_e = edge_mean(kappa) * (edge_harmonic(chi, self.xmesh) * grad_c - gradient(phie, self.xmesh))
        f[:, self.sl["phie"]] = (divergence(i_e, self.xmesh) - aj) / self.row_scale
        # electrolyte mass
        D_eff = self.tor * c.electrolyte_diffusivity(ce_safe, Tb)
        N = edge_harmonic(D_eff, self.xmesh) * grad_c
        t_ref = c.transference(np.full_like(Tb, c.c_e_init_mol_m3), Tb)
        M = excess_migration_flux(c.transference(ce_safe, Tb), t_ref, i_e, self.xmesh)
        dce = (divergence(N - M / F, self.xmesh) + (1.0 - t_ref) * aj / F) / self.eps
        f[:, self.sl["ce"]] = dce / c.c_e_init_mol_m3
        # solid charge
        phis_n, phis_p = fl["phis_n"], fl["phis_p"]
        i_s_n = -self.sig_n_edges * gradient(phis_n, self.mesh_n)
        # Dirichlet phi_s = 0 at x = 0, with the first cell's conductivity
        left_n = -self.sig_n[0] * phis_n[:, 0] / (0.5 * self.mesh_n.widths[0])
        f[:, self.sl["phis_n"]] = (divergence(i_s_n, self.mesh_n, left=left_n, right=0.0) + a_n * j_n) / (
            abs(i_cell[0]) / self.xmesh.edges[-1] + 1.0
        )
        i_s_p = -self.sig_p_edges * gradient(phis_p, self.mesh_p)
        f[:, self.sl["phis_p"]] = (divergence(i_s_p, self.mesh_p, left=0.0, right=i_cell) + a_p * j_p) / (
            abs(i_cell[0]) / self.xmesh.edges[-1] + 1.0
        )
        # the lumped model's heat source [W] (PyBaMM's local sources), only when it is needed
        heat_W = self.total_heating_W(Y, T, fl) if self.lumped else np.zeros(B)
        return {"f": f, "V": fl["V"], "heat": heat_W}

    def event_functions(self, Y):
        # no zero-electrolyte event (as PyBaMM's DFN): the electrolyte functions are regularised instead
        cs_n, cs_p = (
            Y[:, self.sl["cs_n"]].reshape(Y.shape[0], self.Nn, self.nr_n),
            Y[:, self.sl["cs_p"]].reshape(Y.shape[0], self.Np, self.nr_p),
        )
        s_n, s_p = surface_value(cs_n), surface_value(cs_p)
        return {
            "Minimum negative particle surface stoichiometry": np.min(s_n, axis=-1) - STO_EVENT_MARGIN,
            "Maximum negative particle surface stoichiometry": 1.0 - STO_EVENT_MARGIN - np.max(s_n, axis=-1),
            "Minimum positive particle surface stoichiometry": np.min(s_p, axis=-1) - STO_EVENT_MARGIN,
            "Maximum positive particle surface stoichiometry": 1.0 - STO_EVENT_MARGIN - np.max(s_p, axis=-1),
        }

    def voltage(self, Y):
        """Terminal voltage [V]: the solid potential extrapolated to x = L (no residual needed)."""
        phis_p = Y[:, self.sl["phis_p"]]
        return surface_value(phis_p) - Y[:, -1] * self.cell.contact_resistance_Ohm

    def heat_sources(self, Y, T, fl):
        """(reversible, irreversible, Ohmic) heating [W.m-3] at the x cells (:mod:`solvers.physics.heat`).

        Ohmic: -i . grad(phi) at the faces (the electrolyte current as in the residual; the solid current
        -sigma grad(phi_s), with the current collector's current at x = 0 and x = L), each cell taking the
        mean of its two faces.
        """
        c = self.cell
        B = Y.shape[0]
        Tb = T[:, None]
        Nn, Ns = self.Nn, self.Ns
        pos = slice(Nn + Ns, self.Nx)
        rev = np.zeros((B, self.Nx))
        irr = np.zeros((B, self.Nx))
        for key, a, cells in (("n", self.a_n, slice(0, Nn)), ("p", self.a_p, pos)):
            aj = a * fl[f"j_{key}"]
            rev[:, cells] = heat.reversible_heating(aj, Tb, fl[f"dUdT_{key}"])
            irr[:, cells] = heat.irreversible_heating(aj, fl[f"eta_{key}"])
        ce, ce_safe, phie = fl["ce"], fl["ce_safe"], fl["phie"]
        kappa = self.tor * c.electrolyte_conductivity(ce_safe, Tb)
        ce_chi = np.maximum(ce, THERMODYNAMIC_FLOOR_MOL_M3)
        chi = 2.0 * (1.0 - c.transference(ce_chi, Tb)) * c.thermodynamic_factor(ce_chi, Tb) * R * Tb / F / ce_chi
        grad_phie = gradient(phie, self.xmesh)
        i_e = edge_mean(kappa) * (edge_harmonic(chi, self.xmesh) * gradient(ce, self.xmesh) - grad_phie)
        zero = np.zeros((B, 1))
        q_e = np.concatenate([zero, heat.ohmic_heating(i_e, grad_phie), zero], axis=1)
        ohm = heat.cell_average_of_faces(q_e[:, :-1], q_e[:, 1:])
        i_cell = (Y[:, -1] / c.area_m2)[:, None]
        phis_n, phis_p = fl["phis_n"], fl["phis_p"]
        g_n = gradient(phis_n, self.mesh_n)
        g_n0 = phis_n[:, :1] / (0.5 * self.mesh_n.widths[0])  # phi_s = 0 at x = 0
        q_n = np.concatenate(
            [heat.ohmic_heating(-self.sig_n[0] * g_n0, g_n0), heat.ohmic_heating(-self.sig_n_edges * g_n, g_n), zero],
            axis=1,
        )
        g_p = gradient(phis_p, self.mesh_p)
        g_pL = -i_cell / self.sig_p[-1]  # the current collector's current leaves at x = L
        q_p = np.concatenate(
            [zero, heat.ohmic_heating(-self.sig_p_edges * g_p, g_p), heat.ohmic_heating(i_cell, g_pL)], axis=1
        )
        ohm[:, :Nn] += heat.cell_average_of_faces(q_n[:, :-1], q_n[:, 1:])
        ohm[:, pos] += heat.cell_average_of_faces(q_p[:, :-1], q_p[:, 1:])
        return rev, irr, ohm

    def variables(self, Y):
        c = self.cell
        T = self.temperature(Y)
        fl = self.fields(Y, T, Y[:, -1])
        cmn, cmp_ = c.negative.c_max_mol_m3, c.positive.c_max_mol_m3
        return {
            "_heat_sources": lambda: self.heat_sources(Y, T, fl),
            "Electrolyte concentration [mol.m-3]": fl["ce"],
            "Electrolyte potential [V]": fl["phie"],
            "Negative electrode potential [V]": fl["phis_n"],
            "Positive electrode potential [V]": fl["phis_p"],
            "Negative electrode interfacial current density [A.m-2]": fl["j_n"],
            "Positive electrode interfacial current density [A.m-2]": fl["j_p"],
            "Negative electrode reaction overpotential [V]": fl["eta_n"],
            "Positive electrode reaction overpotential [V]": fl["eta_p"],
            "Negative particle surface concentration [mol.m-3]": fl["sto_surf_n"] * cmn,
            "Positive particle surface concentration [mol.m-3]": fl["sto_surf_p"] * cmp_,
            "Negative particle concentration [mol.m-3]": fl["cs_n"] * cmn,
            "Positive particle concentration [mol.m-3]": fl["cs_p"] * cmp_,
        }

    def guess_start(self, y: np.ndarray, current_A: float) -> np.ndarray:
        """Potentials for a current from the single-particle estimate (a close start for Newton)."""
        c = self.cell
        y = y.copy()
        T = np.array([c.T_ambient_K])
        # only the surface stoichiometries and OCPs of fields() (the same expressions, bit for bit): the
        # exchange currents, overpotentials and entropic terms of every cell are not needed here
        cs_n, cs_p, *_ = self.unpack(y[None, :])
        Tb = T[:, None]
        fl = {}
        for key, e, cs in (("n", c.negative, cs_n), ("p", c.positive, cs_p)):
            sto_surf = surface_value(cs)
            fl[f"sto_surf_{key}"] = sto_surf
            fl[f"U_{key}"] = e.ocp_T(np.clip(sto_surf, _TINY, 1 - _TINY), Tb, c.T_ref_K)
        eta = {}
        for key, e, L, a in (
            ("n", c.negative, c.negative.thickness_m, self.a_n),
            ("p", c.positive, c.positive.thickness_m, self.a_p),
        ):
            sign = 1.0 if key == "n" else -1.0
            j_av = sign * current_A / (c.area_m2 * uniform_or_mean(a) * L)
            s = np.clip(fl[f"sto_surf_{key}"][0], 1e-9, 1 - 1e-9)
            j0 = e.exchange_current(c.c_e_init_mol_m3, s * e.c_max_mol_m3, e.c_max_mol_m3, T[0])
            eta[key] = 2 * R * T[0] / F * np.arcsinh(j_av / (2 * j0))
        phi_e = -(fl["U_n"][0] + eta["n"])
        y[self.sl["phie"]] = float(np.mean(phi_e))
        y[self.sl["phis_n"]] = 0.0
        y[self.sl["phis_p"]] = fl["U_p"][0] + eta["p"] + float(np.mean(phi_e))
        y[-1] = current_A
        return y

    def compiled_structure(self, plan):
        """Jacobian layout for the compiled stepper: particles condensed onto a banded x-system."""
        from solvers.models import compiled

        return compiled.structure(self, plan)

    def event_layout(self):
        sl = self.sl
        return (
            sl["cs_n"].start,
            self.nr_n,
            self.Nn,
            sl["cs_p"].start,
            self.nr_p,
            self.Np,
            sl["ce"].start,
            self.Nx,
        )

    def mesh(self):
        c = self.cell
        x = self.xmesh.nodes
        return {
            "x [m]": x,
            "x_n [m]": x[: self.Nn],
            "x_s [m]": x[self.Nn : self.Nn + self.Ns],
            "x_p [m]": x[self.Nn + self.Ns :],
            "r_n [m]": self.sph_n.nodes * c.negative.particle_radius_m,
            "r_p [m]": self.sph_p.nodes * c.positive.particle_radius_m,
        }


class DFN(CellModel):
    """Doyle-Fuller-Newman model (P2D); see the module docstring for the equations."""

    name = "dfn"
    system_class = DFNSystem
