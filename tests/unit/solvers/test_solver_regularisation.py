"""PyBaMM's regularisations near electrolyte depletion, as wrapped around a set's functions.

Forms from PyBaMM 26.10 (pybamm/settings.py "tolerances", pybamm/parameters/lithium_ion_parameters.py,
RegPower and Arcsinh2 in pybamm/expression_tree/functions.py), doi:10.5334/jors.309.
"""

from __future__ import annotations

import numpy as np
import pytest

from solvers.models.cell import (
    ARCSINH_EPS,
    REG_POWER_DELTA,
    Cell,
    floored_electrolyte_function,
    regularised_arcsinh,
    regularised_exchange_current,
)
from solvers.parameters import get_parameter_set


def _power_j0(c_e, c_s, c_max, T):
    """A made-up m c_e^0.5 c_s^0.3 (c_max - c_s)^0.7 with an Arrhenius-like T factor [A/m2]."""
    return 2e-6 * np.exp(-1000.0 / np.asarray(T)) * c_e**0.5 * c_s**0.3 * (c_max - c_s) ** 0.7


def test_regularised_power_matches_pybamms_regpower_form():
    c_e0, c_max = 1000.0, 30000.0
    reg = regularised_exchange_current(_power_j0, c_e0, c_max)
    assert reg.exponents == pytest.approx((0.5, 0.3, 0.7), abs=1e-9)
    c_e = np.array([-5.0, 0.0, 1e-4, 0.1, 1.0, 10.0, 500.0, 2000.0])
    c_s, T = 0.4 * c_max, 298.15
    # s^a u (u^2 + d^2)^((a-1)/2) for each power, u = c / s
    u = c_e / c_e0
    expected = (
        2e-6
        * np.exp(-1000.0 / T)
        * np.where(u > 0, c_e0**0.5 * u * (u**2 + REG_POWER_DELTA**2) ** (-0.25), 0.0)
        * c_max**0.3
        * 0.4
        * (0.4**2 + REG_POWER_DELTA**2) ** (-0.35)
        * c_max**0.7
        * 0.6
        * (0.6**2 + REG_POWER_DELTA**2) ** (-0.15)
    )
    np.testing.assert_allclose(reg(c_e, c_s, c_max, T), expected, rtol=1e-12, atol=0.0)
    # unchanged away from depletion, linear (finite slope) near zero, zero without electrolyte
    assert reg(500.0, c_s, c_max, T) == pytest.approx(_power_j0(500.0, c_s, c_max, T), rel=1e-5)
    assert reg(2e-4, c_s, c_max, T) / reg(1e-4, c_s, c_max, T) == pytest.approx(2.0, rel=1e-4)
    assert reg(-1.0, c_s, c_max, T) == 0.0


def test_set_functions_are_wrapped_as_pybamm_does():
    cell = Cell.from_parameters(get_parameter_set("Chen2020"))
    # Chen2020's j0 = m c_e^0.5 c_s^0.5 (c_max - c_s)^0.5
    assert cell.negative.exchange_current.exponents == pytest.approx((0.5, 0.5, 0.5), abs=1e-9)
    D = cell.electrolyte_diffusivity
    kappa = cell.electrolyte_conductivity
    assert D(np.array([0.0, 5.0, -3.0]), 298.15) == pytest.approx(np.full(3, D(10.0, 298.15)))
    assert kappa(np.array([0.0, 2.0]), 298.15) == pytest.approx(np.full(2, kappa(10.0, 298.15)))
    assert kappa(1000.0, 298.15) == pytest.approx(
        get_parameter_set("Chen2020")["Electrolyte conductivity [S.m-1]"](1000.0, 298.15)
    )
    # one wrapper per function: the kernels' table cache keys stay stable across designs
    again = Cell.from_parameters(
        get_parameter_set("Chen2020").updated({"Negative electrode thickness [m]": 9e-5})
    )
    assert again.electrolyte_diffusivity is D
    assert again.negative.exchange_current is cell.negative.exchange_current
    assert floored_electrolyte_function(D.unfloored, 10.0) is D


def test_regularised_arcsinh_is_finite_without_exchange_current():
    assert regularised_arcsinh(1.0, 0.5) == pytest.approx(np.arcsinh(2.0))
    assert regularised_arcsinh(-1.0, 0.0) == pytest.approx(-np.arcsinh(1.0 / ARCSINH_EPS))
    assert np.isfinite(regularised_arcsinh(3.0, 0.0))
