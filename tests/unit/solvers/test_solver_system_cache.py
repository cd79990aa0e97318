"""The built system is reused for the same (immutable) parameter set and never for a changed one."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.models import base, get_model
from solvers.parameters import get_parameter_set
from solvers.steps import Step

STEPS = [Step("current", 5.0, 600.0, text="Discharge at 1C for 10 minutes")]


def test_the_same_parameter_set_reuses_its_system_and_gives_the_same_result():
    chen = get_parameter_set("Chen2020")
    model = get_model("spme")
    first = model.solve(chen, STEPS)
    built = model._system(chen, None, dict(base.DEFAULT_MESH), "isothermal", "numba")
    again = model.solve(chen, STEPS)
    assert model._system(chen, None, dict(base.DEFAULT_MESH), "isothermal", "numba")[1] is built[1]
    np.testing.assert_array_equal(first["Voltage / V"], again["Voltage / V"])


def test_a_new_design_or_other_options_build_a_new_system():
    chen = get_parameter_set("Chen2020")
    model = get_model("dfn")
    mesh = dict(base.DEFAULT_MESH)
    built = model._system(chen, None, mesh, "isothermal", "numba")[1]
    thicker = chen.updated(
        {"Negative electrode thickness [m]": 1.2 * chen["Negative electrode thickness [m]"]}
    )
    assert model._system(thicker, None, mesh, "isothermal", "numba")[1] is not built
    assert model._system(chen, 308.15, mesh, "isothermal", "numba")[1] is not built
    assert model._system(chen, None, {**mesh, "x_n": 10}, "isothermal", "numba")[1] is not built
    assert get_model("spm")._system(chen, None, mesh, "isothermal", "numba")[1] is not built


def test_a_plain_mapping_is_read_afresh_on_every_solve():
    """A dict may be changed between solves: the second solve must see the change."""
    values = dict(get_parameter_set("Chen2020"))
    model = get_model("spm")
    before = model.solve(values, STEPS)
    values["Negative particle radius [m]"] *= 2.0
    after = model.solve(values, STEPS)
    assert after["Voltage / V"][-1] != pytest.approx(before["Voltage / V"][-1], abs=1e-4)
