"""Issue 12 "Solver inputs" and issue 16 "Edge runs": bad inputs are refused before solving, naming the
parameter (and the design of a batch); runs that stop at their first point or leave the physical voltage
range come back as failures with a diagnosis; an experiment whose output cannot fit is refused with the
size it would need."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solvers import bdf
from solvers.parameters import get_parameter_set
from solvers.validation import ParameterError, check_parameters
from voltvault_core.simulation import Simulation, SimulationError, solve_batch


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("Negative electrode thickness [m]", -85e-6, "positive thickness"),
        ("Separator thickness [m]", 0.0, "positive thickness"),
        ("Positive electrode porosity", 1.2, "porosity between 0 and 1"),
        ("Separator porosity", 0.0, "separator porosity in"),
        ("Separator porosity", 1.5, "separator porosity in"),
        ("Negative electrode porosity", 1.0, "porosity between 0 and 1"),
        ("Ambient temperature [K]", 0.0, "above 0 K"),
        ("Initial temperature [K]", -10.0, "above 0 K"),
        ("Negative electrode conductivity [S.m-1]", math.nan, "finite"),
        ("Maximum concentration in positive electrode [mol.m-3]", math.inf, "finite"),
        ("Negative particle radius [m]", -1e-6, "positive particle radius"),
    ],
)
def test_impossible_parameters_are_refused_before_solving_naming_the_parameter(key, value, rule):
    with pytest.raises(SimulationError, match=rule) as caught:
        Simulation("dfn", "Chen2020", "Discharge at 1C until 2.5 V", parameter_updates={key: value})
    assert repr(key) in str(caught.value)


def test_a_graded_porosity_outside_0_1_is_refused_wherever_it_is():
    ps = get_parameter_set("Chen2020")
    graded = ps.updated({"Negative electrode porosity": lambda x: 0.25 + 1e4 * x})  # > 1 near the separator
    with pytest.raises(ParameterError, match="somewhere across the electrode"):
        check_parameters(graded)


def test_a_batch_names_the_design_whose_inputs_are_wrong():
    ps = get_parameter_set("Chen2020")
    designs = [ps, ps.updated({"Positive electrode thickness [m]": -1e-5}, name="thin by mistake")]

    with pytest.raises(SimulationError, match=r"design 1 \(thin by mistake\).*Positive electrode thickness"):
        solve_batch("spm", designs, "Discharge at 1C until 2.5 V")


def test_an_output_that_would_not_fit_is_refused_with_the_size_it_needs():
    with pytest.raises(SimulationError, match=r"at least 360,000,001 output points \(5\.66 TB") as caught:
        Simulation("dfn", "Chen2020", "Rest for 1000000 hours", output_period_s=10)
    assert "output period" in str(caught.value)
    # the same rest at a coarse period fits
    Simulation("dfn", "Chen2020", "Rest for 1000000 hours", output_period_s=3600 * 24 * 30)


@pytest.mark.parametrize(
    ("experiment", "diagnosis"),
    [
        ("Discharge at 100C until 2.5 V", "stopped at its first point"),  # cut-off crossed at once (issue 16)
        ("Discharge at 1000C until 2.5 V", "left the physical range"),  # one point at -9.6 V (issue 12)
    ],
)
def test_edge_runs_are_failures_with_a_diagnosis_not_results(experiment, diagnosis):
    result = Simulation("dfn", "Chen2020", experiment).solve()

    assert result.failed
    assert diagnosis in result.termination
    assert experiment in result.termination
    assert result.info["solver_termination"].startswith("event")
    assert result[bdf.VOLTAGE].size == 1  # the point is kept for looking at


def test_a_normal_run_passes_the_result_check_unchanged():
    result = Simulation("spm", "Chen2020", "Discharge at 1C for 10 minutes").solve()
    assert not result.failed
    assert "diagnosis" not in result.info
    assert np.all((result[bdf.VOLTAGE] > 3.0) & (result[bdf.VOLTAGE] < 4.3))
