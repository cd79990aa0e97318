"""BPX export: valid documents for the bundled sets, the exchange-current mapping PyBaMM reads back, clear refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solvers.parameters import available_parameter_sets, get_parameter_set
from voltvault_core.constants import F
from voltvault_core.tracking.bpx_export import BPXError, parameter_set_to_bpx

#: sets BPX cannot state, and why: ORegan2022's OCPs do not reach its 4.4 V cut-off over its lithium inventory
REFUSED = {"ORegan2022": "cannot place the stoichiometry window"}


@pytest.mark.parametrize("name", available_parameter_sets())
def test_every_bundled_set_exports_or_says_why_not(name):
    import bpx

    if name in REFUSED:
        with pytest.raises(BPXError, match=REFUSED[name]):
            parameter_set_to_bpx(get_parameter_set(name))
        return
    bpx.BPX.model_validate(parameter_set_to_bpx(get_parameter_set(name)))


def test_reaction_rate_gives_pybamms_exchange_current_back():
    ps = get_parameter_set("Chen2020")
    doc = parameter_set_to_bpx(ps)
    c_e0 = doc["State"]["Initial conditions"]["Initial electrolyte concentration [mol.m-3]"]
    for side in ("Negative", "Positive"):
        electrode = doc["Parameterisation"][f"{side} electrode"]
        c_max = electrode["Maximum concentration [mol.m-3]"]
        k = electrode["Reaction rate constant [mol.m-2.s-1]"] * F / (c_max * math.sqrt(c_e0))  # as PyBaMM reads it
        for c_e, c_s in ((1000.0, 0.3 * c_max), (600.0, 0.7 * c_max)):
            ours = float(ps[f"{side} electrode exchange-current density [A.m-2]"](c_e, c_s, c_max, 298.15))
            assert k * math.sqrt(c_e * c_s * (c_max - c_s)) == pytest.approx(ours, rel=1e-9)
        ocp = electrode["OCP [V]"]
        x = np.asarray(ocp["x"])
        assert np.interp(0.5, x, ocp["y"]) == pytest.approx(float(ps[f"{side} electrode OCP [V]"](0.5)), abs=1e-3)


def test_a_graded_electrode_is_refused_by_name():
    from solvers.parameters.layers import graded_porosity

    graded = graded_porosity(get_parameter_set("Chen2020"), "positive", at_separator=0.33, at_current_collector=0.3)
    with pytest.raises(BPXError, match="'Positive electrode porosity' is a function"):
        parameter_set_to_bpx(graded)
