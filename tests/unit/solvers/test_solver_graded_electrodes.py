"""Graded and multi-layer electrodes: properties as functions of x, in the models, the kernels and JSON."""

import json
import re

import numpy as np
import pytest

from solvers.models import get_model
from solvers.models.cell import Cell
from solvers.parameters import ParameterSet, get_parameter_set
from solvers.parameters.layers import (
    Layer,
    LayerError,
    LinearProfile,
    PiecewiseConstant,
    graded_porosity,
    layered_electrode,
)
from solvers.steps import Step

MESH = {"x_n": 8, "x_s": 5, "x_p": 8, "r_n": 10, "r_p": 10}
STEPS = [
    Step("current", 10.0, 300.0, text="Discharge at 2C for 5 minutes"),
    Step("current", 0.0, 120.0, text="Rest for 2 minutes"),
]
GRADED_KEYS = (
    "Negative electrode porosity",
    "Negative electrode active material volume fraction",
    "Negative particle radius [m]",
    "Positive electrode porosity",
    "Positive electrode active material volume fraction",
    "Positive particle radius [m]",
    "Separator porosity",
)


@pytest.fixture(scope="module")
def chen():
    return get_parameter_set("Chen2020")


def graded_chen(ps):
    """Chen2020 with a two-layer negative electrode and a linear positive porosity."""
    L_n = ps["Negative electrode thickness [m]"]
    two = layered_electrode(
        ps, "negative", [Layer(0.4 * L_n, 0.22, 0.75, 8e-6), Layer(0.6 * L_n, 0.28, 0.70, 4e-6)]
    )
    return graded_porosity(two, "positive", 0.335, 0.22)


def _solve(name, ps, backend):
    return get_model(name).solve(ps, STEPS, backend=backend, mesh=MESH, output_period_s=30.0)


def _as_functions(ps):
    """Every graded key as a function of x returning its constant value (PyBaMM's (x, y, z) form too)."""
    changes = {}
    for k, key in enumerate(GRADED_KEYS):
        value = float(ps[key])
        if k % 2:
            changes[key] = lambda x, y, z, v=value: v + 0.0 * x
        else:
            changes[key] = lambda x, v=value: np.full(np.shape(x), v)
    return ps.updated(changes)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("name", ["spm", "spme", "dfn"])
def test_constant_functions_of_x_reproduce_the_numbers_exactly(chen, name, backend):
    ref = _solve(name, chen, backend)
    fun = _solve(name, _as_functions(chen), backend)
    assert fun.info["kernel"] == ref.info["kernel"]
    np.testing.assert_array_equal(fun.time_s, ref.time_s)
    np.testing.assert_array_equal(fun["Voltage / V"], ref["Voltage / V"])
    np.testing.assert_array_equal(
        fun["Electrolyte concentration [mol.m-3]"], ref["Electrolyte concentration [mol.m-3]"]
    )


def test_two_identical_layers_equal_the_single_layer_cell(chen):
    L_n = chen["Negative electrode thickness [m]"]
    same = Layer(0.5 * L_n, chen["Negative electrode porosity"], 0.75, chen["Negative particle radius [m]"])
    layered = layered_electrode(chen, "negative", [same, same])
    assert isinstance(layered["Negative electrode porosity"], PiecewiseConstant)
    assert layered["Negative electrode thickness [m]"] == pytest.approx(L_n, rel=1e-15)
    ref, lay = _solve("dfn", chen, "numba"), _solve("dfn", layered, "numba")
    np.testing.assert_allclose(lay["Voltage / V"], ref["Voltage / V"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(lay.time_s, ref.time_s, rtol=1e-12)
    # the numpy reference: the same residual at a perturbed state
    from solvers.models.base import DEFAULT_MESH

    systems = [
        get_model("dfn").system_class(Cell.from_parameters(ps), dict(DEFAULT_MESH), "isothermal")
        for ps in (chen, layered)
    ]
    y0 = systems[0].full_state(systems[0].initial_state(*systems[0].cell.initial_concentrations(0.6)), 5.0)
    Y = y0[None, :] * np.random.default_rng(1).uniform(0.9, 1.1, size=(3, y0.size))
    T = systems[0].temperature(Y)
    f_ref, f_lay = (s.core_numpy(Y, T, Y[:, -1])["f"] for s in systems)
    np.testing.assert_allclose(f_lay, f_ref, rtol=1e-12, atol=1e-12 * np.abs(f_ref).max())


def test_the_dfn_sees_every_cell_of_a_graded_electrode(chen):
    """Per-cell porosity, a = 3 eps_s / R and radius on the x mesh; changes the answer, in both backends."""
    graded = graded_chen(chen)
    cell = Cell.from_parameters(graded)
    prof = cell.x_profiles(10, 5, 10)
    np.testing.assert_allclose(prof["porosity"][:10], [0.22] * 4 + [0.28] * 6)  # boundary at 0.4 L_n
    np.testing.assert_allclose(prof["particle_radius_m"][:10], [8e-6] * 4 + [4e-6] * 6)
    np.testing.assert_allclose(
        prof["surface_area_density_m"][:10], [3 * 0.75 / 8e-6] * 4 + [3 * 0.70 / 4e-6] * 6
    )
    eps_p = prof["porosity"][15:]
    assert eps_p[0] == pytest.approx(0.335 + (0.22 - 0.335) * 0.05)  # first cell centre, from the separator
    assert np.all(np.diff(eps_p) < 0)
    # the averages used by capacity and SOC: exact integrals; the radius in the middle (PyBaMM's R_typ)
    assert cell.negative.active_fraction == pytest.approx(0.4 * 0.75 + 0.6 * 0.70, rel=1e-12)
    assert cell.negative.particle_radius_m == 4e-6
    assert cell.positive.porosity == pytest.approx(0.5 * (0.335 + 0.22), rel=1e-12)
    uniform, fine = _solve("dfn", chen, "numba"), _solve("dfn", graded, "numba")
    assert np.max(np.abs(fine["Voltage / V"] - uniform["Voltage / V"])) > 5e-3


def test_a_graded_design_recompiles_nothing(chen):
    from solvers.models import compiled, kernels

    model = get_model("dfn")
    steps = [Step("current", 5.0, 120.0)]
    model.solve(chen, steps)
    before = {f.__name__: len(f.signatures) for f in (kernels.dfn_core, compiled.run, compiled._bdf_step)}
    result = model.solve(graded_chen(chen), steps)
    assert result.info["kernel"] == "numba (compiled stepper)"
    after = {f.__name__: len(f.signatures) for f in (kernels.dfn_core, compiled.run, compiled._bdf_step)}
    assert after == before


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (Layer(0.0, 0.3, 0.6, 5e-6), "layer 2 of the negative electrode: thickness 0.0 m must be positive"),
        (Layer(-1e-6, 0.3, 0.6, 5e-6), "thickness -1e-06 m must be positive"),
        (Layer(40e-6, 1.2, 0.6, 5e-6), "porosity 1.2 must lie strictly between 0 and 1"),
        (Layer(40e-6, 0.0, 0.6, 5e-6), "porosity 0.0 must lie strictly between 0 and 1"),
        (Layer(40e-6, 0.3, 0.0, 5e-6), "active material volume fraction 0.0 must lie in (0, 1]"),
        (Layer(40e-6, 0.4, 0.7, 5e-6), "exceeds 1"),
        (Layer(40e-6, 0.3, 0.6, 0.0), "particle radius 0.0 m must be positive"),
        (Layer(40e-6, 0.3, float("nan"), 5e-6), "must be a finite number"),
        ({"thickness_m": 40e-6, "porosity": 0.3}, "expected thickness_m, porosity, active_fraction"),
    ],
)
def test_bad_layers_raise_named_errors(chen, layer, message):
    good = Layer(40e-6, 0.25, 0.7, 5e-6)
    with pytest.raises(LayerError, match="layer 2 of the negative electrode") as info:
        layered_electrode(chen, "negative", [good, layer])
    assert message in str(info.value)


def test_bad_electrode_gradient_and_empty_layers_are_refused(chen):
    with pytest.raises(LayerError, match="'negative' or 'positive'"):
        layered_electrode(chen, "separator", [Layer(40e-6, 0.25, 0.7, 5e-6)])
    with pytest.raises(LayerError, match="non-empty list of layers"):
        layered_electrode(chen, "positive", [])
    with pytest.raises(LayerError, match=re.escape("porosity at the current collector 1.5")):
        graded_porosity(chen, "positive", 0.3, 1.5)
    with pytest.raises(
        LayerError, match=re.escape("porosity at the separator 0.4 + active material volume fraction")
    ):
        graded_porosity(chen, "positive", 0.4, 0.2)  # Chen2020's positive active fraction is 0.665


def test_positive_layers_are_listed_from_the_current_collector(chen):
    L_n, L_s = chen["Negative electrode thickness [m]"], chen["Separator thickness [m]"]
    ps = layered_electrode(chen, "positive", [Layer(30e-6, 0.2, 0.7, 6e-6), Layer(40e-6, 0.3, 0.6, 4e-6)])
    assert ps["Positive electrode thickness [m]"] == pytest.approx(70e-6)
    radius = ps["Positive particle radius [m]"]
    x_sep, x_cc = L_n + L_s, L_n + L_s + 70e-6
    assert radius(np.array([x_sep + 1e-6]))[0] == 4e-6  # the second layer touches the separator
    assert radius(np.array([x_cc - 1e-6]))[0] == 6e-6


def test_bad_functions_of_x_are_named(chen):
    with pytest.raises(ValueError, match=re.escape("'Positive electrode porosity' = 1.1 at x = ")):
        Cell.from_parameters(chen.updated({"Positive electrode porosity": lambda x: 1.1 + 0 * x}))
    with pytest.raises(ValueError, match="'Negative particle radius \\[m\\]' = -1e-06"):
        Cell.from_parameters(chen.updated({"Negative particle radius [m]": lambda x: -1e-6 + 0 * x}))
    with pytest.raises(TypeError, match="takes x \\[m\\] \\(or x, y, z as in PyBaMM\\), not 2 arguments"):
        Cell.from_parameters(chen.updated({"Separator porosity": lambda x, T: 0.4 + 0 * x}))


def test_layered_and_graded_sets_round_trip_through_json(chen):
    graded = graded_chen(chen).updated({"Separator porosity": lambda x: 0.4 + 1e3 * (x - 85.2e-6)})
    data = json.loads(json.dumps(graded.to_json_dict()))
    assert "piecewise" in data["parameters"]["Negative particle radius [m]"]
    assert "linear" in data["parameters"]["Positive electrode porosity"]
    back = ParameterSet.from_json_dict(data)
    for key in ("Negative electrode porosity", "Negative particle radius [m]", "Positive electrode porosity"):
        assert back[key] == graded[key]
        assert isinstance(back[key], PiecewiseConstant | LinearProfile)
    # any other function of x is tabulated over its own domain (the separator here)
    x = np.linspace(85.2e-6, 85.2e-6 + 12e-6, 7)
    np.testing.assert_allclose(back["Separator porosity"](x), graded["Separator porosity"](x), rtol=1e-12)
    np.testing.assert_array_equal(
        _solve("dfn", back, "numba")["Voltage / V"], _solve("dfn", graded, "numba")["Voltage / V"]
    )
