"""Graded and two-layer electrodes (properties as functions of x) through ``Simulation``, against PyBaMM 26.10.

The curves in ``data/`` were made by ``data/make_pybamm_references.py`` (``GRADED_CASES``): Chen2020 with
a positive porosity linear in x (0.335 at the separator to 0.22 at the current collector), with a
two-layer negative electrode (different porosity, active fraction and particle radius per layer), and
both at once in the SPMe and SPM (which use x-averaged values as PyBaMM's). The same designs are built
here with :mod:`solvers.parameters.layers`. The bar is the other sets': 3 mV RMSE, 0.3 % in capacity.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from solvers import bdf
from solvers.parameters import get_parameter_set
from solvers.parameters.layers import Layer, graded_porosity, layered_electrode
from voltvault_core.simulation import Simulation

DATA = Path(__file__).resolve().parent / "data"


def _script_constants() -> dict:
    """The designs as written in the script that made the references (read, not imported: it needs PyBaMM)."""
    tree = ast.parse((DATA / "make_pybamm_references.py").read_text())
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in ("GRADED_POSITIVE_POROSITY", "TWO_LAYER_NEGATIVE")
    }


DESIGNS = _script_constants()
GRADED_POSITIVE_POROSITY = DESIGNS["GRADED_POSITIVE_POROSITY"]
TWO_LAYER_NEGATIVE = DESIGNS["TWO_LAYER_NEGATIVE"]


def _two_layer_negative(ps):
    L_n = ps["Negative electrode thickness [m]"]
    layers = [Layer(f * L_n, eps, eps_s, radius) for f, eps, eps_s, radius in TWO_LAYER_NEGATIVE]
    return layered_electrode(ps, "negative", layers)


def _graded_positive(ps):
    return graded_porosity(ps, "positive", *GRADED_POSITIVE_POROSITY)


CASES = {
    "Chen2020_DFN_1C_graded_positive_porosity": ("dfn", _graded_positive),
    "Chen2020_DFN_1C_two_layer_negative": ("dfn", _two_layer_negative),
    "Chen2020_SPMe_1C_graded": ("spme", lambda ps: _graded_positive(_two_layer_negative(ps))),
    "Chen2020_SPM_1C_graded": ("spm", lambda ps: _graded_positive(_two_layer_negative(ps))),
}


def _load(case: str) -> dict[str, np.ndarray]:
    data = np.genfromtxt(DATA / f"pybamm_{case}.csv", delimiter=",", names=True)
    ends = np.atleast_1d(np.genfromtxt(DATA / f"pybamm_{case}_step_ends.csv", skip_header=1))
    return {**{k: np.asarray(data[k]) for k in data.dtype.names}, "step_ends": ends}


def _rmse_V(ref, result) -> float:
    t, v = result[bdf.TEST_TIME], result[bdf.VOLTAGE]
    mask = ref["time_s"] <= min(t[-1], ref["time_s"][-1])
    return float(np.sqrt(np.mean((np.interp(ref["time_s"][mask], t, v) - ref["voltage_V"][mask]) ** 2)))


@pytest.mark.parametrize("case", list(CASES))
def test_graded_electrodes_agree_with_pybamm(case):
    model, build = CASES[case]
    ref = _load(case)
    result = Simulation(model, build(get_parameter_set("Chen2020")), "Discharge at 1C until 2.5 V").solve()
    assert not result.failed, result.termination
    assert result.info["kernel"].startswith("numba")
    assert _rmse_V(ref, result) < 3e-3
    assert result[bdf.TEST_TIME][-1] == pytest.approx(ref["step_ends"][-1], rel=3e-3)
    assert result[bdf.DISCHARGING_CAPACITY][-1] == pytest.approx(ref["discharge_capacity_Ah"][-1], rel=3e-3)


@pytest.mark.parametrize("case", list(CASES))
def test_the_uniform_cell_misses_the_graded_references(case):
    """A model that ignored the grading (uniform Chen2020) would fail the comparison above by far."""
    model, _build = CASES[case]
    uniform = Simulation(model, "Chen2020", "Discharge at 1C until 2.5 V").solve()
    assert _rmse_V(_load(case), uniform) > 6e-3
