"""Default tolerances (PyBaMM's IDAKLU: rtol 1e-4, atol 1e-6) and the retry of a failed run."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest

from solvers.models import get_model
from solvers.models.base import PROFILE_ATOL, PROFILE_RTOL, RETRY_RTOL, CellModel
from solvers.parameters import get_parameter_set
from solvers.steps import Limit, Step
from voltvault_core.simulation import Simulation

DISCHARGE_1C = [Step(mode="current", value=5.0, duration_s=4000.0, limits=(Limit("voltage", "<", 2.5),))]


def test_defaults_are_pybamms():
    solve = inspect.signature(CellModel.solve).parameters
    assert (solve["rtol"].default, solve["atol"].default) == (1e-4, 1e-6)
    sim = inspect.signature(Simulation).parameters
    assert (sim["rtol"].default, sim["atol"].default) == (1e-4, 1e-6)
    result = get_model("spm").solve(get_parameter_set("Chen2020"), DISCHARGE_1C)
    assert (result.info["rtol"], result.info["atol"]) == (1e-4, 1e-6)
    assert "retry" not in result.info


def test_a_failure_at_the_loose_tolerance_is_solved_again_tightly(monkeypatch):
    """A run failing at rtol 1e-4 is retried at RETRY_RTOL; the retry's result comes back, both noted."""
    model = get_model("spm")
    real = CellModel._solve_once
    calls = []

    def flaky(self, parameters, steps, *, rtol, **options):
        calls.append(rtol)
        result = real(self, parameters, steps, rtol=rtol, **options)
        if rtol > RETRY_RTOL:  # pretend the loose run broke down after its first output
            return dataclasses.replace(
                result,
                time_s=result.time_s[:2],
                timeseries={k: v[:2] for k, v in result.timeseries.items()},
                variables={},
                termination="failure: step 1 at t = 1 s: Newton did not converge",
            )
        return result

    monkeypatch.setattr(CellModel, "_solve_once", flaky)
    result = model.solve(get_parameter_set("Chen2020"), DISCHARGE_1C)
    assert calls == [1e-4, RETRY_RTOL]
    assert result.termination == "event: until 2.5 V" or result.termination.startswith("event")
    assert result.info["rtol"] == RETRY_RTOL
    assert result.info["retry"]["first_termination"].startswith("failure")
    assert result.time_s[-1] == pytest.approx(3600 * 4.8 / 5.0, rel=0.05)  # a full 1C discharge


def test_profile_steps_run_at_the_tight_tolerance():
    """A drive-cycle step (table of current) is solved at PROFILE_RTOL even with the loose default."""
    profile = Step(
        "current",
        0.0,
        60.0,
        profile_time_s=np.array([0.0, 20.0, 40.0, 60.0]),
        profile_value=np.array([5.0, 10.0, 0.0, 5.0]),
    )
    result = get_model("spm").solve(get_parameter_set("Chen2020"), [profile])
    assert (result.info["rtol"], result.info["atol"]) == (PROFILE_RTOL, PROFILE_ATOL)
    plain = get_model("spm").solve(get_parameter_set("Chen2020"), DISCHARGE_1C)
    assert plain.info["rtol"] == 1e-4


@pytest.mark.parametrize("name", ["spm", "spme"])
def test_heating_read_off_the_fields_equals_the_residuals_heat(name, monkeypatch):
    """SPM/SPMe outputs take the reaction heat from the output fields (no second residual pass)."""
    captured = {}
    real = CellModel._result

    def grab(self, system, t, Y, *args, **kwargs):
        captured["system"], captured["Y"] = system, Y
        return real(self, system, t, Y, *args, **kwargs)

    monkeypatch.setattr(CellModel, "_result", grab)
    result = get_model(name).solve(get_parameter_set("Chen2020"), DISCHARGE_1C)
    system, Y = captured["system"], captured["Y"]
    # -I V now uses the reported (tabulated-kernel) voltage, the residual's the set's functions: < 1 uV apart
    np.testing.assert_allclose(result.variables["Total heating [W]"], system.heat(Y), rtol=1e-5, atol=1e-5)
    assert result.variables["Total heating [W]"][-1] > 0.1  # a 1C discharge heats the cell
