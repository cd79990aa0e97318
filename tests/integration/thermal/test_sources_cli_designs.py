"""Heat sources read from results, the ``voltvault thermal`` command, and cells meshed from designs."""

from __future__ import annotations

import json

import meshio
import numpy as np
import pytest

from solvers import bdf
from solvers.result import SolverResult
from solvers.thermal3d.sources import bulk_heat_source
from voltvault_core.cli import main
from voltvault_core.simulation import Simulation
from voltvault_core.thermal.model import build_cell_grid, run_thermal
from voltvault_core.thermal.service import design_to_thermal_inputs


@pytest.fixture(scope="module")
def spme_1c():
    sim = Simulation("spme", "Chen2020", "Discharge at 1C until 2.5 V")
    return sim, sim.solve()


def _without(result, names):
    return SolverResult(result.time_s, dict(result.timeseries),
                        {k: v for k, v in result.variables.items() if k not in names},
                        dict(result.mesh), result.termination, dict(result.info))  # fmt: skip


def test_time_series_route_equals_the_solver_heat_and_says_which_stoichiometry(spme_1c):
    sim, result = spme_1c
    solver = bulk_heat_source(result, sim.parameters)
    assert solver.method == "result variable 'Total heating [W]'"
    surface = bulk_heat_source(_without(result, {k for k in result.variables if "heating" in k}), sim.parameters)
    assert "surface stoichiometries" in surface.method
    # the solver's local (PyBaMM-style) sources against the energy balance of its time series: two
    # independent computations of one heat, equal to the discretisation (7e-6 of the peak here)
    assert np.max(np.abs(surface.total_W - solver.total_W)) < 1e-4 * np.max(solver.total_W)
    mean = bulk_heat_source(_without(result, {k for k in result.variables if "heating" in k} | {"Negative particle surface concentration [mol.m-3]",
                                              "Positive particle surface concentration [mol.m-3]"}), sim.parameters)  # fmt: skip
    assert "mean stoichiometries" in mean.method
    assert mean.energy_J() > surface.energy_J()  # the mean stoichiometry adds the particles' diffusion loss


def test_pybamm_named_heating_variables_are_preferred(spme_1c):
    sim, result = spme_1c
    n = result.time_s.size
    volume = float(sim.parameters["Cell volume [m3]"])  # PyBaMM averages over the cell volume
    variables = {k: v for k, v in result.variables.items() if "heating" not in k}
    variables["Volume-averaged total heating [W.m-3]"] = np.full(n, 2.0 / volume)
    variables["Reversible heating [W.m-3]"] = np.full((n, 5), 0.5 / volume)
    heat = bulk_heat_source(SolverResult(result.time_s, dict(result.timeseries), variables), sim.parameters)
    assert "Volume-averaged total heating [W.m-3]" in heat.method
    assert heat.total_W == pytest.approx(np.full(n, 2.0))
    assert heat.components_W["reversible"] == pytest.approx(np.full(n, 0.5))


def test_failed_result_is_refused_with_its_termination(spme_1c):
    sim, _ = spme_1c
    empty = SolverResult(np.zeros(0), {bdf.TEST_TIME: np.zeros(0), bdf.VOLTAGE: np.zeros(0), bdf.CURRENT: np.zeros(0),
                                       bdf.STEP: np.zeros(0, dtype=int)}, termination="failure: boom")  # fmt: skip
    with pytest.raises(ValueError, match="failure: boom"):
        bulk_heat_source(empty, sim.parameters)


def test_cli_json_and_vtu(tmp_path, capsys):
    out = tmp_path / "cell.vtu"
    code = main(["thermal", "run", "--geometry", "cylindrical", "--format", "18650", "--parameter-set", "Chen2020",
                 "--model", "spm", "--experiment", "Discharge at 1C for 10 minutes", "--h", "20", "--cells", "600",
                 "--boundary", "z_min=cold_plate:500:293.15", "--output", str(out), "--json"])  # fmt: skip
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("T_mean_end_K", "T_max_end_K", "T_min_end_K", "cells", "wall_s"):
        assert key in data
    assert data["T_min_end_K"] <= data["T_mean_end_K"] <= data["T_max_end_K"]
    mesh = meshio.read(out)
    assert "Temperature [K]" in mesh.cell_data
    assert main(["thermal", "run", "--geometry", "pouch", "--parameter-set", "Ai2020", "--model", "spm",
                 "--experiment", "Discharge at 1C for 5 minutes", "--cells", "300",
                 "--output", str(tmp_path / "pouch.vti"), "--json"]) == 0  # fmt: skip
    assert (tmp_path / "pouch.vti").read_text().startswith("<?xml")


def test_cli_errors_name_the_input(capsys):
    assert main(["thermal", "run", "--geometry", "pouch", "--boundary", "r_max=convection:10", "--json"]) == 2
    assert "r_max" in capsys.readouterr().err
    assert main(["thermal", "run", "--output", "cell.stl", "--json"]) == 2
    assert ".vtu" in capsys.readouterr().err


def test_cli_abuse_oven(capsys):
    assert main(["thermal", "abuse", "--protocol", "oven", "--geometry", "pouch", "--parameter-set", "Ai2020",
                 "--cells", "100", "--json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["onset_time_s"] is not None
    assert data["runaway_time_s"] is not None


def test_lg_m50_design_meshes_as_a_21700_and_prismatic_cells_have_a_case():
    from voltvault_core.design.examples import lg_m50

    params, geometry, size, _ = design_to_thermal_inputs(lg_m50())
    assert (geometry, size) == ("cylindrical", "21700")
    cell = build_cell_grid(params, geometry, size=size, cells=800)
    assert cell.grid.region_names == ("jelly roll", "end space", "can")
    assert cell.dimensions_m["jelly_roll_radius_m"] < 10.5e-3
    run = run_thermal("spm", "Chen2020", "Discharge at 1C for 20 minutes", geometry="prismatic", cells=800)
    case = run.cell.grid.region.ravel() == 1
    T = run.temperature_K[-1]
    assert case.any()
    assert T[~case].max() > T[case].max()  # the jelly roll heats, the aluminium case spreads it to the faces
    assert abs(run.energy.imbalance) < 1e-3
