"""What SPM, SPMe and DFN share: the current and temperature equations, solve(), outputs, diagnoses.

A model subclass builds a :class:`CellSystem` for one parameter set and mesh; the system evaluates the
model's own equations in :meth:`CellSystem.core`, and this module adds

* the row of the current unknown (the step's operating mode, :mod:`solvers.models.stepping`);
* the lumped thermal row (optional): ``rho c_p V dT/dt = Q - h A (T - T_amb)``, with the heat source
  ``Q`` [W] PyBaMM's local reversible, irreversible and Ohmic heating integrated over the cell
  (:mod:`solvers.physics.heat`), reported as ``"Total heating [W]"`` with the other PyBaMM heat variables.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import weakref
from collections.abc import Mapping, Sequence

import numpy as np

from solvers import bdf
from solvers.models.cell import Cell
from solvers.models.stepping import CellDAE, run_experiment
from solvers.parameters.base import ParameterSet
from solvers.physics import heat
from solvers.result import LazyVariables, SolverResult
from solvers.steps import Step

DEFAULT_MESH = {"x_n": 20, "x_s": 20, "x_p": 20, "r_n": 20, "r_p": 20}
THERMAL_OPTIONS = ("isothermal", "lumped")
#: the particle-surface stoichiometry events fire this close to 0 and 1. Zero: PyBaMM's DFN, SPMe and SPM
#: have no stoichiometry events at all (its regularised exchange current vanishes at 0 and 1, so the
#: overpotential drives the voltage to the cut-off first); ours only stop a run that leaves [0, 1].
#: A margin of 1e-4 stopped Chen2020 DFN 3C at 2.277 Ah where PyBaMM reaches 2.5 V at 2.303 Ah.
STO_EVENT_MARGIN = 0.0
#: Default tolerances, as PyBaMM's IDAKLU solver (against which the speed targets are set); at these the
#: DFN is within 1 mV of the converged Chen2020 reference (0.92 mV, as at rtol 1e-6).
DEFAULT_RTOL, DEFAULT_ATOL = 1e-4, 1e-6
#: A run that fails at looser tolerances is solved once more at these (see :meth:`CellModel.solve`).
RETRY_RTOL, RETRY_ATOL = 1e-6, 1e-8
#: Protocols with tabulated profile steps (drive cycles) are solved at no looser tolerances than these:
#: they run on the Python stepper (no speed target), and at rtol 1e-4 the output between a table's
#: breakpoints strayed up to 0.3 % from the imposed power (ECE15 power cycle on Chen2020 SPM).
PROFILE_RTOL, PROFILE_ATOL = 1e-6, 1e-8


#: systems built for recent parameter sets (see :meth:`CellModel._system`); a set that is garbage
#: collected makes its entry stale (weak reference), and the oldest entries go first
_SYSTEM_CACHE: dict = {}
_SYSTEM_CACHE_SIZE = 16
_SYSTEM_CACHE_LOCK = threading.Lock()


class CellSystem(CellDAE):
    """Base of the model systems. Subclasses set ``n_core``, ``is_diff_core``, ``atol_core`` and ``core``."""

    model_name = "base"

    def __init__(self, cell: Cell, mesh: Mapping[str, int], thermal: str):
        self.cell = cell
        self.mesh_sizes = dict(mesh)
        self.lumped = thermal == "lumped"
        self.setup()
        n_extra = 2 if self.lumped else 1
        self.n = self.n_core + n_extra
        self.i_T = self.n_core if self.lumped else None
        self.is_differential = np.concatenate([self.is_diff_core, [True] * (n_extra - 1), [False]])
        # the sparsity of the Jacobian depends on the model, mesh and thermal option, and on whether t+
        # varies with c_e (the DFN's migration flux then couples c_e to the neighbours' phi_e)
        t_plus_varies = not getattr(cell.transference, "__name__", "").startswith("constant ")
        self.structure_key = (
            type(self).__name__,
            tuple(sorted(self.mesh_sizes.items())),
            self.lumped,
            t_plus_varies,
        )
        self.atol_scale = np.concatenate([self.atol_core, [1e-2] * (n_extra - 1), [1e-4]])

    # to implement ---------------------------------------------------------------------------------
    def setup(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def core_numpy(self, Y: np.ndarray, T: np.ndarray, I_A: np.ndarray) -> dict:  # pragma: no cover
        """Return {"f": (B, n_core), "V": (B,), "heat": (B,) reaction-term sum [W]} for the core unknowns."""
        raise NotImplementedError

    kernel_name: str | None = None  # "dfn" or "spm": the compiled kernel of this system, if any
    compiled = None  # (batch kernel, geo, dims, tab_n, tab_p, tab_e, T) once tables are built

    def use_backend(self, backend: str) -> str:
        """Switch to the compiled kernels for ``backend="numba"`` when the set allows; say which path runs.

        ``backend="cupy"`` also takes the compiled kernels here: one design is solved fastest on the CPU,
        and the GPU path is for many designs at once (``solve_batch``, :mod:`solvers.batched`).
        """
        if backend not in ("numba", "cupy") or self.kernel_name is None:
            return "numpy"
        from solvers.models import kernels

        c = self.cell
        T = c.T_ambient_K
        if self.lumped and not (c.cell_volume_m3 > 0 and c.volumetric_heat_capacity_J_m3_K > 0):
            return "numpy (lumped thermal needs a cell volume and heat capacities)"
        try:
            # lumped: the tables at the ambient temperature with the activation temperatures of the set's
            # functions, which the kernels apply at the cell's temperature (see solvers.models.kernels)
            tab_n = kernels.tabulate_electrode(c.negative, T, c.T_ref_K, c.c_e_init_mol_m3, self.lumped)
            tab_p = kernels.tabulate_electrode(c.positive, T, c.T_ref_K, c.c_e_init_mol_m3, self.lumped)
            tab_e = kernels.tabulate_electrolyte(c, T, self.lumped)
        except kernels.NotTabulable as exc:
            return f"numpy ({exc})"
        geo = kernels.geometry_vector(c, getattr(self, "row_scale", 1.0), self.kernel_dims())
        batch = kernels.dfn_core_batch if self.kernel_name == "dfn" else kernels.spm_core_batch
        self.compiled = (batch, geo, self.kernel_dims(), tab_n, tab_p, tab_e, float(T))
        return "numba"

    def kernel_dims(self) -> np.ndarray:
        m = self.mesh_sizes
        with_e = 1 if self.model_name == "spme" else 0
        return np.array([m["x_n"], m["x_s"], m["x_p"], m["r_n"], m["r_p"], with_e], dtype=np.int64)

    def core(self, Y: np.ndarray, T: np.ndarray, I_A: np.ndarray) -> dict:
        """The core residual through the compiled kernel when active, else the numpy reference."""
        if self.compiled is None:
            return self.core_numpy(Y, T, I_A)
        batch, geo, dims, tab_n, tab_p, tab_e, _T_K = self.compiled
        B = Y.shape[0]
        f = np.empty((B, self.n_core))
        V = np.empty(B)
        H = np.empty((B, self.n_heat_terms() if self.lumped else 0))
        batch(
            np.ascontiguousarray(Y),
            np.ascontiguousarray(I_A, dtype=float),
            np.ascontiguousarray(np.broadcast_to(np.asarray(T, dtype=float), (B,))),
            geo,
            dims,
            tab_n,
            tab_p,
            tab_e,
            f,
            V,
            H,
        )
        # the kernel's local heat sources [W] (see solvers.models.kernels.dfn_core)
        heat = H.sum(axis=1) if self.lumped else np.zeros(B)
        return {"f": f, "V": V, "heat": heat}

    def n_heat_terms(self) -> int:
        """Entries of the compiled kernels' heat output (see :func:`solvers.models.kernels.dfn_core`)."""
        m = self.mesh_sizes
        if self.kernel_name == "dfn":
            return 2 * (m["x_n"] + m["x_p"]) + m["x_n"] + m["x_s"] + m["x_p"] - 1
        return 3

    def total_heating_W(self, Y, T, fl) -> np.ndarray:
        """The heat source of the lumped model [W]: PyBaMM's local sources integrated over the cell."""
        rev, irr, ohm = self.heat_sources(Y, T, fl)
        return self.cell.area_m2 * np.sum((rev + irr + ohm) * self.x_widths(), axis=-1)

    def x_widths(self) -> np.ndarray:
        """Widths of the x cells [m] (negative electrode, separator, positive electrode)."""
        c, m = self.cell, self.mesh_sizes
        return np.concatenate(
            [
                np.full(m["x_n"], c.negative.thickness_m / m["x_n"]),
                np.full(m["x_s"], c.separator_thickness_m / m["x_s"]),
                np.full(m["x_p"], c.positive.thickness_m / m["x_p"]),
            ]
        )

    def initial_state(self, c_n0: float, c_p0: float) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def variables(self, Y: np.ndarray) -> dict[str, np.ndarray]:  # pragma: no cover - interface
        raise NotImplementedError

    def mesh(self) -> dict[str, np.ndarray]:  # pragma: no cover - interface
        raise NotImplementedError

    # shared ---------------------------------------------------------------------------------------
    def output_mesh(self) -> dict[str, np.ndarray]:
        """:meth:`mesh` built once per system, as read-only arrays that every result shares."""
        cached = self.__dict__.get("_output_mesh")
        if cached is None:
            cached = {}
            for name, value in self.mesh().items():
                value = np.array(value, dtype=float)
                value.setflags(write=False)
                cached[name] = value
            self._output_mesh = cached
        return cached

    def temperature(self, Y: np.ndarray) -> np.ndarray:
        if self.lumped:
            return Y[:, self.i_T]
        return np.full(Y.shape[0], self.cell.T_ambient_K)

    def full_state(self, core_state: np.ndarray, current_A: float = 0.0) -> np.ndarray:
        extra = [self.cell.T_init_K] if self.lumped else []
        return np.concatenate([core_state, extra, [current_A]])

    def voltage(self, Y):
        """Terminal voltage [V] of each state row; the SPM/SPMe kernel skips the residual here."""
        if self.compiled is not None and self.kernel_name == "spm" and not self.lumped:
            from solvers.models.kernels import spm_voltage_batch

            _batch, geo, dims, tab_n, tab_p, tab_e, T_K = self.compiled
            V = np.empty(Y.shape[0])
            Yc = np.ascontiguousarray(Y)
            spm_voltage_batch(Yc, np.ascontiguousarray(Yc[:, -1]), T_K, geo, dims, tab_n, tab_p, tab_e, V)
            return V
        T = self.temperature(Y)
        return self.core(Y, T, Y[:, -1])["V"]

    def heat(self, Y):
        """"Total heating [W]" of each state row (the numpy reference's local sources)."""
        T = self.temperature(Y)
        return self.total_heating_W(Y, T, self.fields(Y, T, Y[:, -1]))

    def rhs(self, Y, control):
        T = self.temperature(Y)
        I_A = Y[:, -1]
        out = self.core(Y, T, I_A)
        V = out["V"]
        f = np.empty_like(Y)
        f[:, : self.n_core] = out["f"]
        if self.lumped:
            c = self.cell
            f[:, self.i_T] = heat.lumped_temperature_rate(
                out["heat"], T, c.T_ambient_K, c.heat_transfer_W_m2_K * c.cooling_area_m2,
                c.volumetric_heat_capacity_J_m3_K * c.cell_volume_m3,
            )  # fmt: skip
        step = control.step
        value = control.imposed()
        if step.mode == "current":
            f[:, -1] = I_A - value
        elif step.mode == "voltage":
            f[:, -1] = V - value
        elif step.mode == "power":
            f[:, -1] = (I_A * V - value) / max(abs(V[0]), 1.0)
        elif step.mode == "resistance":
            f[:, -1] = V - I_A * value
        else:
            raise ValueError(f"Step {step.text!r}: unknown mode {step.mode!r}")
        if getattr(control, "homotopy", None) is not None:
            alpha, current_prev = control.homotopy
            f[:, -1] = alpha * f[:, -1] + (1.0 - alpha) * (I_A - current_prev)
        return f

    def event_functions(self, Y):
        return {}

    def diagnose(self, k: int, step: Step, t: float, y: np.ndarray, what: str) -> str:
        """A failure message naming the step, the time, what diverged and what to try."""
        hints = []
        try:
            fields = self.variables(y[None, :])
        except Exception:
            fields = {}
        ce = fields.get("Electrolyte concentration [mol.m-3]")
        if ce is not None and np.nanmin(ce) < 0.02 * self.cell.c_e_init_mol_m3:
            x = self.mesh()["x [m]"][int(np.nanargmin(ce[0]))]
            hints.append(
                f"the electrolyte is depleted (c_e -> {np.nanmin(ce):.3g} mol/m3 at x = {x * 1e6:.1f} um)"
            )
        for dom, e in (("Negative", self.cell.negative), ("Positive", self.cell.positive)):
            cs = fields.get(f"{dom} particle surface concentration [mol.m-3]")
            if cs is not None:
                sto = np.asarray(cs) / e.c_max_mol_m3
                if np.nanmin(sto) < 1e-3 or np.nanmax(sto) > 1 - 1e-3:
                    hints.append(
                        f"the {dom.lower()} particle surface stoichiometry reached "
                        f"{np.nanmin(sto):.3g}..{np.nanmax(sto):.3g} (a particle is emptied or filled)"
                    )
        if not np.all(np.isfinite(y)):
            hints.append("the state became non-finite")
        cause = "; ".join(hints) if hints else "the Newton iteration diverged"
        return (
            f"failure: step {k + 1} ({step.text or step.mode}) at t = {t:.4g} s: {what}; {cause}. "
            "Try a lower C-rate or power, a shorter step, a finer mesh, or looser tolerances (rtol=1e-4)."
        )


def heat_variables(system, T, sources) -> dict[str, np.ndarray]:
    """The thermal outputs under PyBaMM's names (``pybamm.thermal.BaseThermal``, ``Lumped``).

    ``sources`` = (reversible, irreversible, Ohmic) heating [W.m-3] at the x cells; x-averages are over the
    whole cell, current collectors included (where nothing is heated: their Ohmic heating, i^2/sigma_cc,
    is below 1e-4 of the rest for the bundled sets), as PyBaMM's; [W] multiplies by that thickness and
    the electrode area; "Total heating [W]" (their sum) drives the lumped temperature.
    """
    c = system.cell
    dx = system.x_widths()
    L = c.thermal_thickness_m or float(dx.sum())
    V_cell = c.cell_volume_m3
    rev, irr, ohm = sources
    out = {
        "Volume-averaged cell temperature [K]": T,
        "X-averaged cell temperature [K]": T,
        "Ambient temperature [K]": np.full_like(T, c.T_ambient_K),
        "Total heating [W.m-3]": rev + irr + ohm,
    }
    for name, lower, q in (
        ("Reversible heating", "reversible heating", rev),
        ("Irreversible electrochemical heating", "irreversible electrochemical heating", irr),
        ("Ohmic heating", "Ohmic heating", ohm),
    ):
        x_av = np.sum(q * dx, axis=-1) / L
        out[f"{name} [W.m-3]"] = q
        out[f"X-averaged {lower} [W.m-3]"] = x_av
        out[f"{name} [W]"] = x_av * L * c.area_m2
        if V_cell > 0:
            out[f"Volume-averaged {lower} [W.m-3]"] = x_av * L * c.area_m2 / V_cell
    x_av = np.sum(out["Total heating [W.m-3]"] * dx, axis=-1) / L
    out["X-averaged total heating [W.m-3]"] = x_av
    out["Total heating [W]"] = x_av * L * c.area_m2
    if V_cell > 0:
        out["Volume-averaged total heating [W.m-3]"] = out["Total heating [W]"] / V_cell
    return out


def checked_mesh(mesh: Mapping[str, int] | None) -> dict[str, int]:
    """The cells per domain: the defaults updated with ``mesh``; unknown keys and < 2 cells are refused."""
    mesh_sizes = dict(DEFAULT_MESH)
    if mesh:
        unknown = set(mesh) - set(DEFAULT_MESH)
        if unknown:
            raise ValueError(f"Unknown mesh keys {sorted(unknown)}; use {sorted(DEFAULT_MESH)}")
        mesh_sizes.update({k: int(v) for k, v in mesh.items()})
    if any(v < 2 for v in mesh_sizes.values()):
        raise ValueError(f"Every mesh domain needs at least 2 cells, got {mesh_sizes}")
    return mesh_sizes


def _cumulative_capacities(t, I_A):
    """Charging and discharging capacity [A.h], cumulative over the run (trapezoids of |I_A|)."""
    dt = np.diff(t)
    I_mid = 0.5 * (I_A[1:] + I_A[:-1])
    dis = np.concatenate([[0.0], np.cumsum(np.maximum(I_mid, 0.0) * dt)]) / 3600.0
    cha = np.concatenate([[0.0], np.cumsum(np.maximum(-I_mid, 0.0) * dt)]) / 3600.0
    return cha, dis


class CellModel:
    """An electrochemical model: :meth:`solve` runs resolved steps on a parameter set."""

    name = "base"
    system_class: type[CellSystem] = CellSystem

    def solve(
        self,
        parameters: Mapping,
        steps: Sequence[Step],
        *,
        initial_soc: float | None = None,
        ambient_temperature_K: float | None = None,
        thermal: str = "isothermal",
        mesh: Mapping[str, int] | None = None,
        backend: str = "numba",
        rtol: float = DEFAULT_RTOL,
        atol: float = DEFAULT_ATOL,
        progress=None,
        output_period_s: float | None = None,
    ) -> SolverResult:
        """Solve the steps (SI, positive current = discharge) and return a :class:`SolverResult`.

        Parameters
        ----------
        parameters : mapping
            PyBaMM-named values and functions (a :class:`solvers.parameters.ParameterSet`).
        steps : sequence of Step
            Resolved operating steps (see :mod:`solvers.steps`).
        initial_soc : float, optional
            0..1 on the set's stoichiometry window; None uses the set's initial concentrations.
        ambient_temperature_K : float, optional
            Ambient (and initial) temperature [K]; None uses the set's.
        thermal : "isothermal" | "lumped"
        mesh : dict, optional
            Cells per domain, keys x_n, x_s, x_p, r_n, r_p (20 each by default).
        backend : "numpy" | "numba" | "cupy"
            Array backend (see :mod:`solvers.backends`): the numpy reference, the compiled stepper
            (default), or CuPy, which only batches (:meth:`solve_batch`): one design runs compiled.
        rtol, atol : float
            Relative and absolute tolerances of the local error (absolute on scaled unknowns); PyBaMM's
            IDAKLU defaults (1e-4, 1e-6). A run that fails at tolerances looser than ``RETRY_RTOL`` is
            solved once more at ``RETRY_RTOL``/``RETRY_ATOL``; the run that got further is returned, with
            both terminations in ``info["retry"]``. Protocols with profile steps run at no looser than
            ``PROFILE_RTOL``/``PROFILE_ATOL``; ``info`` holds the tolerances used.
        progress : callable(fraction, message), optional
        output_period_s : float, optional
            Output spacing [s]; None keeps every accepted time step.
        """
        options = dict(
            initial_soc=initial_soc, ambient_temperature_K=ambient_temperature_K, thermal=thermal, mesh=mesh,
            backend=backend, progress=progress, output_period_s=output_period_s,
        )  # fmt: skip
        if any(s.profile_value is not None for s in steps):
            rtol, atol = min(rtol, PROFILE_RTOL), min(atol, PROFILE_ATOL)
        result = self._solve_once(parameters, steps, rtol=rtol, atol=atol, **options)
        if not result.termination.startswith("failure") or rtol <= RETRY_RTOL:
            return result
        # a failure at a loose tolerance: try once more at the tight one, keep the run that got further
        retry = self._solve_once(parameters, steps, rtol=RETRY_RTOL, atol=min(atol, RETRY_ATOL), **options)
        best = retry if retry.time_s[-1] >= result.time_s[-1] else result
        info = dict(best.info)
        info["retry"] = {
            "first_rtol": rtol,
            "first_atol": atol,
            "first_termination": result.termination,
            "retry_rtol": RETRY_RTOL,
            "retry_termination": retry.termination,
        }
        return dataclasses.replace(best, info=info)

    def _solve_once(
        self,
        parameters: Mapping,
        steps: Sequence[Step],
        *,
        initial_soc: float | None,
        ambient_temperature_K: float | None,
        thermal: str,
        mesh: Mapping[str, int] | None,
        backend: str,
        rtol: float,
        atol: float,
        progress,
        output_period_s: float | None,
    ) -> SolverResult:
        """One solve at the given tolerances (see :meth:`solve`)."""
        from solvers.backends import get_backend

        get_backend(backend)  # validates the name; imports cupy only when chosen
        if thermal not in THERMAL_OPTIONS:
            raise ValueError(f"thermal must be one of {THERMAL_OPTIONS}, got {thermal!r}")
        mesh_sizes = checked_mesh(mesh)
        if not steps:
            raise ValueError("No steps to solve: give at least one operating step")
        wall0 = time.perf_counter()
        cell, system, kernel = self._system(parameters, ambient_temperature_K, mesh_sizes, thermal, backend)
        c_n0, c_p0 = cell.initial_concentrations(initial_soc)
        y0 = system.full_state(system.initial_state(c_n0, c_p0), 0.0)
        # the longest a step without a duration may run: 2x a full discharge at its current, at most 1 day
        cap_s = 24 * 3600.0
        for s in steps:
            if s.duration_s is None and s.mode == "current" and s.value != 0:
                cap_s = min(cap_s, max(3600.0, 2.5 * 3600 * cell.nominal_capacity_Ah / abs(s.value)))
        period_s = output_period_s if output_period_s is not None else self.default_period(steps, cap_s)
        fast = None
        if kernel == "numba":
            from solvers.models.compiled import run_compiled

            fast = run_compiled(
                system, y0, steps, rtol=rtol, atol=atol, cap_s=cap_s, period_s=period_s,
                v_min=cell.v_min_V, v_max=cell.v_max_V,
            )  # fmt: skip
        if fast is not None:
            t, Y, step_idx, termination, integ, V = fast
            if progress is not None:
                progress(1.0, "done")
            wall = time.perf_counter() - wall0
            label = "numba (compiled stepper)"
            if backend == "cupy":
                label += "; one design runs on the CPU, solve_batch(backend='cupy') runs many on the GPU"
            return self._result(
                system, t, Y, step_idx, steps, termination, integ, wall, backend, rtol, atol, mesh_sizes, label, V=V,
            )  # fmt: skip
        rec, termination, integ = run_experiment(
            system,
            y0,
            steps,
            rtol=rtol,
            atol=atol,
            progress=progress,
            default_cap_s=cap_s,
            v_min=cell.v_min_V,
            v_max=cell.v_max_V,
            output_period_s=output_period_s
            if output_period_s is not None
            else self.default_period(steps, cap_s),
        )
        t = np.asarray(rec.t, dtype=float)
        Y = np.asarray(rec.y, dtype=float).reshape(len(rec.t), system.n)
        step_idx = np.asarray(rec.step_index, dtype=np.int64)
        wall = time.perf_counter() - wall0
        return self._result(
            system, t, Y, step_idx, steps, termination, integ, wall, backend, rtol, atol, mesh_sizes, kernel
        )

    def _system(self, parameters, ambient_temperature_K, mesh_sizes, thermal, backend):
        """The cell, the model's system and the kernel in use, built once per parameter set and options.

        A :class:`ParameterSet` is immutable, so solving the same set again (another protocol, a warm
        run) reuses what was built, as PyBaMM reuses a built model; a new set (a new design) builds anew.
        Plain mappings may change between calls and are never reused.
        """
        key = None
        if isinstance(parameters, ParameterSet):
            key = (
                type(self).__name__, id(parameters), ambient_temperature_K, thermal,
                tuple(sorted(mesh_sizes.items())), backend,
            )  # fmt: skip
            hit = _SYSTEM_CACHE.get(key)
            if hit is not None and hit[0]() is parameters:
                return hit[1:]
        cell = Cell.from_parameters(parameters, ambient_temperature_K)
        system = self.system_class(cell, mesh_sizes, thermal)
        kernel = system.use_backend(backend)
        if key is not None:
            with _SYSTEM_CACHE_LOCK:  # solve_batch's threads share the cache
                if len(_SYSTEM_CACHE) >= _SYSTEM_CACHE_SIZE:
                    _SYSTEM_CACHE.pop(next(iter(_SYSTEM_CACHE)), None)
                _SYSTEM_CACHE[key] = (weakref.ref(parameters), cell, system, kernel)
        return cell, system, kernel

    @staticmethod
    def default_period(steps, cap_s: float) -> float:
        """Output spacing [s] when none is asked for: about 1000 points over the planned time, 0.1-60 s."""
        planned = sum((s.duration_s or cap_s) for s in steps)
        return float(np.clip(planned / 1000.0, 0.1, 60.0))

    def solve_batch(
        self,
        parameter_list: Sequence[Mapping],
        steps: Sequence[Step] | Sequence[Sequence[Step]],
        *,
        workers: int | None = None,
        method: str | None = None,
        **options,
    ) -> list[SolverResult]:
        """Solve many parameter variants (designs) with the same steps and options, in input order.

        Parameters
        ----------
        parameter_list : sequence of mappings
            The designs.
        steps : sequence of Step, or one sequence of Step per design
            One protocol for all, or per design (the same number of steps, e.g. C-rates resolved with
            each design's capacity).
        workers : int, optional
            Threads of the ``"threads"`` method (default: the number of CPUs).
        method : "threads" | "lockstep", optional
            ``"threads"``: each design on the compiled stepper, in parallel threads (it releases the GIL);
            the fastest on a CPU. ``"lockstep"``: all designs at once in array code
            (:mod:`solvers.batched.lockstep`) on ``backend`` "numpy" or "cupy" (a GPU). Default: lockstep
            for ``backend="cupy"``, threads otherwise. Designs the lockstep path cannot take (lumped
            thermal, tabulated profiles, mixed meshes) are solved by threads, and ``info["lockstep"]`` says
            why.
        **options
            As :meth:`solve`.
        """
        import os
        from concurrent.futures import ThreadPoolExecutor

        params = list(parameter_list)
        if not params:
            return []
        per_design = bool(steps) and not isinstance(steps[0], Step)
        steps_of = [list(s) for s in steps] if per_design else [list(steps)] * len(params)
        if len(steps_of) != len(params):
            raise ValueError(f"{len(steps_of)} step lists for {len(params)} designs: give one per design")
        backend = options.get("backend", "numba")
        method = method or ("lockstep" if backend == "cupy" else "threads")
        if method not in ("threads", "lockstep"):
            raise ValueError(f"method must be 'threads' or 'lockstep', got {method!r}")
        note = None
        if method == "lockstep":
            results = self._solve_lockstep(params, steps_of, options)
            if not isinstance(results, str):
                return results
            note = f"solved one by one: {results}"
        n_workers = workers if workers is not None else (os.cpu_count() or 1)

        def one(b):
            try:
                return self.solve(params[b], steps_of[b], **options)
            except ValueError as exc:  # a bad design: say which one
                raise ValueError(f"design {b}: {exc}") from exc

        if n_workers <= 1 or len(params) <= 1:
            results = [one(b) for b in range(len(params))]
        else:
            first = one(0)  # warms the shared caches before the threads start
            with ThreadPoolExecutor(max_workers=n_workers) as pool:
                rest = list(pool.map(one, range(1, len(params))))
            results = [first, *rest]
        if note is not None:
            results = [dataclasses.replace(r, info={**r.info, "lockstep": note}) for r in results]
        return results

    def _solve_lockstep(self, params, steps_of, options):
        """:func:`solvers.batched.lockstep.solve_lockstep` with :meth:`solve`'s options checked."""
        from solvers.backends import get_backend
        from solvers.batched.lockstep import solve_lockstep

        known = {"initial_soc", "ambient_temperature_K", "thermal", "mesh", "backend", "rtol", "atol",
                 "progress", "output_period_s"}  # fmt: skip
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"solve_batch() got unexpected options {sorted(unknown)}")
        backend = options.get("backend", "numba")
        get_backend(backend)  # validates the name; imports cupy only when chosen
        if options.get("thermal", "isothermal") != "isothermal":
            return "the lumped thermal option runs each design on its own (the array kernels are isothermal)"
        mesh_sizes = checked_mesh(options.get("mesh"))
        if not all(steps_of):
            raise ValueError("No steps to solve: give at least one operating step")
        return solve_lockstep(
            self, params, steps_of, backend="cupy" if backend == "cupy" else "numpy",
            initial_soc=options.get("initial_soc"), ambient_temperature_K=options.get("ambient_temperature_K"),
            mesh_sizes=mesh_sizes, rtol=options.get("rtol", DEFAULT_RTOL), atol=options.get("atol", DEFAULT_ATOL),
            output_period_s=options.get("output_period_s"), progress=options.get("progress"),
        )  # fmt: skip

    def _result(
        self, system, t, Y, step_idx, steps, termination, integ, wall, backend, rtol, atol, mesh_sizes, kernel,
        V=None,
    ):  # fmt: skip
        """Assemble the result; ``V`` is the terminal voltage of each row when the stepper made it."""
        if t.size == 0:
            t = np.zeros(1)
            Y = np.zeros((1, system.n))
            step_idx = np.zeros(1, dtype=np.int64)
            V = None
        I_A = Y[:, -1]
        if V is None:
            V = system.voltage(Y) if Y.size else np.zeros(0)
        cha, dis = _cumulative_capacities(t, I_A)
        step_cycles = np.array([getattr(s, "cycle_index", 0) or 0 for s in steps], dtype=np.int64)
        cycles = step_cycles[step_idx]  # one look-up per step, not per output row
        timeseries = {
            bdf.TEST_TIME: t,
            bdf.VOLTAGE: V,
            bdf.CURRENT: bdf.current_from_solver(I_A),
            bdf.STEP: step_idx,
            bdf.CYCLE: cycles,
            bdf.CHARGING_CAPACITY: cha,
            bdf.DISCHARGING_CAPACITY: dis,
        }
        T = system.temperature(Y)

        def compute_variables():
            variables = system.variables(Y)
            sources = variables.pop("_heat_sources")
            variables["Terminal voltage [V]"] = V
            variables["Current [A]"] = I_A
            variables["Cell temperature [K]"] = T
            variables.update(heat_variables(system, T, sources()))
            return variables

        if system.lumped:
            timeseries[bdf.SURFACE_TEMPERATURE] = T - 273.15
        info = {
            "backend": backend,
            "kernel": kernel,
            "model": self.name,
            "wall_time_s": wall,
            "n_steps": integ.n_steps,
            "n_newton_iterations": integ.n_newton,
            "n_jacobians": integ.n_jac,
            **{
                k: getattr(integ, k)
                for k in ("n_factorisations", "n_error_test_failures", "n_convergence_failures")
                if hasattr(integ, k)
            },
            "n_states": system.n,
            "rtol": rtol,
            "atol": atol,
            "mesh": dict(mesh_sizes),
            "thermal": "lumped" if system.lumped else "isothermal",
            "parameter_set": getattr(system.cell, "name", None),
        }
        return SolverResult(
            time_s=t,
            timeseries=timeseries,
            variables=LazyVariables(compute_variables),
            mesh=system.output_mesh(),
            termination=termination,
            info=info,
        )
