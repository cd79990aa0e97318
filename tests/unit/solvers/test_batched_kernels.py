"""Batched array (xp) residuals of the DFN, SPM and SPMe against the numba kernels, design by design."""

import numpy as np
import pytest

from solvers.batched import kernels as xk
from solvers.models import DFN, SPM, SPMe
from solvers.models.base import DEFAULT_MESH
from solvers.parameters import get_parameter_set
from solvers.parameters.layers import Layer, graded_porosity, layered_electrode

COARSE = {"x_n": 3, "x_s": 2, "x_p": 4, "r_n": 5, "r_p": 4}
MODELS = {"dfn": DFN, "spm": SPM, "spme": SPMe}


def _designs():
    """Six designs: three variants of Chen2020, Marquis2019, ORegan2022 (t+ and TDF of c_e), a graded cell."""
    chen = get_parameter_set("Chen2020")
    L_n = chen["Negative electrode thickness [m]"]
    graded = graded_porosity(
        layered_electrode(
            chen, "negative", [Layer(0.4 * L_n, 0.22, 0.75, 8e-6), Layer(0.6 * L_n, 0.28, 0.70, 4e-6)]
        ),
        "positive",
        0.335,
        0.22,
    )
    return [
        chen,
        chen.updated({"Negative electrode thickness [m]": 0.7 * L_n, "Positive particle radius [m]": 3e-6}),
        chen.updated({"Positive electrode porosity": 0.25, "Separator thickness [m]": 2e-5}),
        get_parameter_set("Marquis2019"),
        get_parameter_set("ORegan2022"),
        graded,
    ]


@pytest.fixture(scope="module")
def designs():
    return _designs()


def _systems(name, sets, mesh):
    model = MODELS[name]()
    out = []
    for ps in sets:
        _cell, system, kernel = model._system(ps, None, dict(mesh), "isothermal", "numba")
        assert kernel == "numba", kernel
        out.append(system)
    return out


def _states(systems, rows_per_design, seed):
    """Perturbed full states (B, n) and currents: rows_per_design rows of each design, design-major."""
    rng = np.random.default_rng(seed)
    Y, I_A = [], []
    for s in systems:
        y0 = s.full_state(s.initial_state(*s.cell.initial_concentrations(None)), 0.0)
        for r in range(rows_per_design):
            y = y0.copy()
            if s.model_name == "dfn":
                sl = s.sl
                n_part = sl["ce"].start
                y[:n_part] = rng.uniform(0.05, 0.95) + rng.uniform(-0.04, 0.04, n_part)
                y[sl["ce"]] = 1.0 + rng.uniform(-0.3, 0.3, s.Nx)
                for key in ("phie", "phis_n", "phis_p"):
                    y[sl[key]] += rng.normal(0.0, 0.02, y[sl[key]].size)
                ce = sl["ce"]
            else:
                n_part = s.nr_n + s.nr_p
                y[:n_part] = np.clip(y[:n_part] + rng.uniform(-0.1, 0.1, n_part), 0.05, 0.95)
                ce = slice(n_part, s.n_core)
                y[ce] = 1.0 + rng.uniform(-0.3, 0.3, ce.stop - ce.start)
            if ce.stop > ce.start and r == 1:
                # the edges: no electrolyte, below the thermodynamic floor, negative, beyond 8 c_e0
                y[ce.start : ce.start + 4] = [0.0, 1e-7, 3e-7, -0.01]
                y[ce.stop - 1] = 9.0
            Y.append(y)
            I_A.append([-10.0, 5.0, 0.0, 20.0][r % 4])
    return np.array(Y), np.array(I_A)


def _numba_reference(systems, Y, I_A, rows_per_design, voltage_only=False):
    """f and V from each design's own numba kernel, design by design."""
    from solvers.models.kernels import spm_voltage_batch

    f_parts, V_parts = [], []
    for b, s in enumerate(systems):
        rows = slice(b * rows_per_design, (b + 1) * rows_per_design)
        batch, geo, dims, tab_n, tab_p, tab_e, T = s.compiled
        Yb, Ib = np.ascontiguousarray(Y[rows]), np.ascontiguousarray(I_A[rows])
        f = np.empty((rows_per_design, s.n_core))
        V = np.empty(rows_per_design)
        if voltage_only:
            spm_voltage_batch(Yb, Ib, T, geo, dims, tab_n, tab_p, tab_e, V)
        else:
            T_rows, no_heat = np.full(rows_per_design, T), np.empty((rows_per_design, 0))
            batch(Yb, Ib, T_rows, geo, dims, tab_n, tab_p, tab_e, f, V, no_heat)
        f_parts.append(f)
        V_parts.append(V)
    return np.concatenate(f_parts), np.concatenate(V_parts)


def _blocks(system):
    """Row blocks of the core unknowns (each with its own scale)."""
    if system.model_name == "dfn":
        return list(system.sl.values())
    blocks = [slice(0, system.nr_n), slice(system.nr_n, system.nr_n + system.nr_p)]
    if system.n_core > system.nr_n + system.nr_p:
        blocks.append(slice(system.nr_n + system.nr_p, system.n_core))
    return blocks


def _max_relative_error(f, f_ref, blocks):
    worst = 0.0
    for sl in blocks:
        scale = np.max(np.abs(f_ref[:, sl]), axis=1, keepdims=True)
        scale[scale == 0.0] = 1.0  # a resting uniform particle: both must give (almost) zero
        worst = max(worst, float(np.max(np.abs(f[:, sl] - f_ref[:, sl]) / scale)))
    return worst


@pytest.mark.parametrize("mesh", [DEFAULT_MESH, COARSE], ids=["default mesh", "coarse mesh"])
@pytest.mark.parametrize("name", ["dfn", "spm", "spme"])
def test_batched_residual_equals_the_numba_kernel_per_design(designs, name, mesh):
    systems = _systems(name, designs, mesh)
    stack = xk.stack_systems(systems, np)
    assert stack.size == len(designs)
    assert stack.n_core == systems[0].n_core
    # the three Chen2020 variants share their electrode tables (one stored); the graded set is Chen2020's
    assert stack.tabs_n.shape[0] == 3
    assert list(stack.idx_n) == [0, 0, 0, 1, 2, 0]
    rows = 4
    Y, I_A = _states(systems, rows, seed=len(name) + mesh["x_n"])
    f_ref, V_ref = _numba_reference(systems, Y, I_A, rows)
    d = stack.subset(np.repeat(np.arange(len(designs)), rows))  # one stack row per state row
    f, V = xk.residual(name, Y, I_A, d)
    assert f.shape == f_ref.shape
    assert np.all(np.isfinite(f_ref))
    assert np.all(np.isfinite(V_ref))
    assert _max_relative_error(f, f_ref, _blocks(systems[0])) <= 1e-11
    np.testing.assert_allclose(V, V_ref, rtol=1e-12, atol=0)
    assert np.ptp(V_ref) > 0.1  # the designs and states really differ
    if name == "spme":  # the Newton iterations' variant: same f, no voltage
        f2, V2 = xk.spm_residual(Y, I_A, d, want_v=False)
        np.testing.assert_array_equal(f2, f)
        assert np.all(np.isnan(V2))


@pytest.mark.parametrize("name", ["spm", "spme"])
def test_voltage_only_equals_the_numba_voltage_kernel(designs, name):
    systems = _systems(name, designs, COARSE)
    rows = 3
    Y, I_A = _states(systems, rows, seed=7)
    _, V_ref = _numba_reference(systems, Y, I_A, rows, voltage_only=True)
    d = xk.stack_systems(systems, np).subset(np.repeat(np.arange(len(designs)), rows))
    np.testing.assert_allclose(xk.spm_voltage(Y, I_A, d), V_ref, rtol=1e-12, atol=0)


def test_a_change_in_one_design_changes_only_its_rows(designs):
    """The stack is not a broadcast of design 0: each row really uses its own geometry and tables."""
    systems = _systems("dfn", designs, COARSE)
    d = xk.stack_systems(systems, np)
    Y, I_A = _states(systems[:1], 1, seed=1)
    Y, I_A = np.repeat(Y, len(designs), axis=0), np.repeat(I_A, len(designs))  # design 0's state everywhere
    f, _ = xk.dfn_residual(Y, I_A, d)
    assert np.all(np.abs(f[1:] - f[0]).max(axis=1) > 0.0)
    f_ref, _ = _numba_reference(systems, Y, I_A, 1)
    assert _max_relative_error(f, f_ref, _blocks(systems[0])) <= 1e-11


def test_subset_by_index_and_by_mask(designs):
    systems = _systems("spme", designs, COARSE)
    d = xk.stack_systems(systems, np)
    Y, I_A = _states(systems, 1, seed=11)
    f, V = xk.spm_residual(Y, I_A, d)
    pick = np.array([4, 1])
    sub = d.subset(pick)
    assert sub.size == 2
    assert sub.tabs_n is d.tabs_n
    f_sub, V_sub = xk.spm_residual(Y[pick], I_A[pick], sub)
    np.testing.assert_array_equal(f_sub, f[pick])
    np.testing.assert_array_equal(V_sub, V[pick])
    mask = np.array([True, False, False, True, True, False])
    f_mask, V_mask = xk.spm_residual(Y[mask], I_A[mask], d.subset(mask))
    np.testing.assert_array_equal(f_mask, f[mask])
    np.testing.assert_array_equal(V_mask, V[mask])
    np.testing.assert_array_equal(d.subset(mask).T, d.T[mask])


def test_stacking_refuses_what_does_not_fit_by_name(designs):
    chen = designs[0]
    coarse = _systems("dfn", [chen], COARSE)[0]
    other_mesh = _systems("dfn", [designs[3]], {**COARSE, "r_p": 6})[0]
    with pytest.raises(ValueError, match=r"design 1 .*mesh.*\[3, 2, 4, 5, 6, 0\].*\[3, 2, 4, 5, 4, 0\]"):
        xk.stack_systems([coarse, other_mesh], np)
    spm = _systems("spm", [chen], COARSE)[0]
    with pytest.raises(ValueError, match=r"design 2 .*model is SPMSystem"):
        xk.stack_systems([coarse, coarse, spm], np)
    _cell, lumped, kernel = DFN()._system(chen, None, dict(COARSE), "lumped", "numba")
    assert kernel == "numba"  # the compiled single-design stepper takes it; the array kernels do not
    with pytest.raises(ValueError, match=r"design 1 cannot be stacked: lumped thermal"):
        xk.stack_systems([coarse, lumped], np)
    with pytest.raises(ValueError, match="at least one"):
        xk.stack_systems([], np)
    with pytest.raises(ValueError, match="Unknown residual kind 'p3d'"):
        xk.residual("p3d", None, None, None)


def test_a_varying_transference_number_widens_the_structure_key(designs):
    systems = _systems("dfn", [designs[0], designs[4]], COARSE)
    assert systems[0].structure_key[3] is False
    assert systems[1].structure_key[3] is True
    assert xk.stack_systems(systems, np).structure_key[3] is True
    assert xk.stack_systems(systems[:1], np).structure_key == systems[0].structure_key
