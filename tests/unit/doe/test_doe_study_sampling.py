"""Study specs, samplers and constraints: what a user relies on when defining a study."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from voltvault_core.doe.constraints import parse_constraint
from voltvault_core.doe.sampling import orthogonal_array, sample
from voltvault_core.doe.study import DOEError, load_spec

PY = "python:voltvault_core.doe.testfunctions:sobol_g"


def spec(**kw):
    base = {"model": PY, "inputs": {"x1": [0, 1], "x2": [0, 1], "x3": [0, 1]}, "method": "latin_hypercube",
            "samples": 64, "outputs": ["y"]}
    base.update(kw)
    return load_spec(base)


def test_problem_dict_is_salibs():
    s = spec(inputs={"a": {"bounds": [0, 2], "group": "g1"},
                     "b": {"bounds": [1.0, 0.1], "distribution": "normal", "group": "g1"},
                     "c": {"bounds": [1, 10], "distribution": "loguniform", "group": "g2"}})
    assert s.problem == {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 2], [1.0, 0.1], [1, 10]],
                         "dists": ["unif", "norm", "logunif"], "groups": ["g1", "g1", "g2"]}
    with pytest.raises(DOEError, match="every input a 'group'"):
        spec(inputs={"a": {"bounds": [0, 1], "group": "g"}, "b": [0, 1]})


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"x1": [1, 0]}, "must be below"),
        ({"x1": {"bounds": [0, 1], "distribution": "weibull"}}, "unknown distribution"),
        ({"x1": "0..1"}, r"give \[low, high\]"),
    ],
)
def test_bad_inputs_are_named(inputs, message):
    with pytest.raises(DOEError, match=message):
        spec(inputs=inputs)


def test_unknown_key_suggests():
    with pytest.raises(DOEError, match="did you mean 'samples'"):
        load_spec({"model": PY, "inputs": {"x": [0, 1]}, "sample": 4})


def test_cell_input_must_be_a_parameter():
    with pytest.raises(DOEError, match="did you mean 'Positive electrode thickness"):
        load_spec({"model": "spm", "inputs": {"Positive electrode thicknes [m]": [6e-5, 9e-5]}})


def test_full_factorial_and_taguchi_are_balanced():
    d = sample(spec(method="full_factorial", levels=3))
    assert d.n_runs == 27
    assert len({tuple(r) for r in d.values.round(9)}) == 27
    oa = orthogonal_array(3, 4)  # L9
    assert oa.shape == (9, 4)
    for i, j in itertools.combinations(range(4), 2):  # strength 2: every pair of levels once
        assert len({(a, b) for a, b in oa[:, [i, j]]}) == 9
    t = sample(spec(method="taguchi", levels=2, inputs={f"x{i}": [0, 1] for i in range(7)}))
    assert t.info["array"] == "L8"


def test_fractional_factorial_main_effects_orthogonal():
    d = sample(spec(method="fractional_factorial", inputs={f"x{i}": [0, 1] for i in range(5)}))
    x = 2 * d.unit - 1
    assert d.n_runs == 16
    np.testing.assert_allclose(x.T @ x, 16 * np.eye(5))


def test_latin_hypercube_strata():
    d = sample(spec(samples=50))
    for j in range(3):
        assert sorted(np.floor(d.unit[:, j] * 50).astype(int)) == list(range(50))


def test_distributions_map_through_inverse_cdf():
    d = sample(spec(samples=4000, inputs={"x1": {"bounds": [10, 2], "distribution": "normal"},
                                          "x2": [0, 1], "x3": [0, 1]}))
    assert abs(d.values[:, 0].mean() - 10) < 0.1
    assert abs(d.values[:, 0].std() - 2) < 0.1


def test_csv_grid_round_trip_and_errors():
    d = sample(spec(method="csv", grid_csv="x1,x2,x3\n0.1,0.2,0.3\n0.5,0.5,0.5\n"))
    np.testing.assert_allclose(d.values, [[0.1, 0.2, 0.3], [0.5, 0.5, 0.5]])
    with pytest.raises(DOEError, match="outside"):
        sample(spec(method="csv", grid_csv="x1,x2,x3\n2,0,0\n"))
    with pytest.raises(DOEError, match="missing"):
        sample(spec(method="csv", grid_csv="x1,x2\n0,0\n"))


def test_constraints_reject_with_reasons():
    d = sample(spec(samples=200, constraints=["x1 + x2 <= 1", "`x3` >= 0.25"]))
    assert np.all(d.values[:, 0] + d.values[:, 1] <= 1)
    assert np.all(d.values[:, 2] >= 0.25)
    assert d.n_runs + len(d.rejections) == 200
    assert any("x1 + x2 <= 1" in r.reason and "x1 = " in r.reason for r in d.rejections)


def test_sobol_constraints_keep_whole_blocks():
    d = sample(spec(method="sobol", samples=64, replicates=4, constraints=["x1 <= 0.8"]))
    assert d.n_runs == 64 * 5
    assert np.all(d.values[:, 0] <= 0.8)
    assert d.rejections
    assert "pick-freeze block" in d.rejections[0].constraint


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "x1.real > 0", "open('f')", "x1 if x2 else 1",
                                  "[x for x in x1]", "x1 > 'a'"])
def test_constraint_rejects_code(text):
    with pytest.raises(DOEError):
        parse_constraint(text, ["x1", "x2"])


def test_constraint_unknown_name():
    with pytest.raises(DOEError, match="unknown name 'x9'"):
        parse_constraint("x9 <= 1", ["x1"])
