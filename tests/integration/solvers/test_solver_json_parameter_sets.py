"""Parameter sets read from JSON: tabulated functions and functions named only, in a fresh process.

A design exported for a material without a published set carries its OCP as a table
(:class:`solvers.parameters.base.Interpolant`); a file may also name a bundled set's function without any
table. Both must solve through ``voltvault simulate --parameter-set FILE.json`` in a new process, where no
set module has been imported before the file is read.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from solvers.models import get_model
from solvers.parameters import ParameterSet, get_parameter_set
from solvers.steps import Limit, Step

ROOT = Path(__file__).resolve().parents[3]
TABULATED = ("Negative electrode OCP [V]", "Positive electrode OCP [V]", "Electrolyte conductivity [S.m-1]")


def _chen_json_with_tables() -> dict:
    """Chen2020 as JSON: OCPs and conductivity as tables only; the other functions by name only."""
    data = get_parameter_set("Chen2020").to_json_dict()
    for key, entry in data["parameters"].items():
        if not isinstance(entry, dict):
            continue
        if key in TABULATED:
            entry.pop("function")
        else:
            entry.pop("interpolant", None)
    return data


def _discharge_1C(parameters) -> float:
    current_A = 5.0
    step = Step(mode="current", value=current_A, duration_s=4000.0, limits=(Limit("voltage", "<", 2.5),))
    result = get_model("spm").solve(parameters, [step])
    assert result.termination.startswith("event"), result.termination
    return float(result.time_s[-1]) * current_A / 3600.0


def test_tabulated_ocp_solves_like_the_functions_it_tabulates():
    """Interpolant OCPs (501 points) give the capacity of the analytic OCPs within 0.3 %."""
    tabulated = ParameterSet.from_json_dict(_chen_json_with_tables())
    for key in TABULATED:
        assert not hasattr(tabulated[key], "__code__")  # really the table, not the set's function
    assert _discharge_1C(tabulated) == pytest.approx(_discharge_1C(get_parameter_set("Chen2020")), rel=3e-3)


@pytest.mark.slow
def test_json_file_with_tables_and_names_solves_in_a_fresh_process(tmp_path):
    path = tmp_path / "chen_tabulated.json"
    path.write_text(json.dumps(_chen_json_with_tables()))
    cli = [sys.executable, "-c", "import sys; from voltvault_core.cli import main; sys.exit(main())"]
    out = subprocess.run(
        [*cli, "simulate", "--model", "dfn", "--parameter-set", str(path), "--experiment",
         "Discharge at 1C until 2.5 V", "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["termination"] == "event: until 2.5 V"
    assert report["discharge_capacity_Ah"] == pytest.approx(4.85, rel=0.05)  # the LG M50 at 1C


def test_named_function_resolves_without_importing_the_sets_first():
    """``from_json_dict`` discovers the bundled sets itself (a fresh interpreter, nothing imported)."""
    code = (
        "from solvers.parameters.base import ParameterSet\n"
        "ps = ParameterSet.from_json_dict({'parameters': {'Electrolyte conductivity [S.m-1]': "
        "{'function': 'electrolyte_conductivity_Nyman2008'}}})\n"
        "print(float(ps['Electrolyte conductivity [S.m-1]'](1000.0, 298.15)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    kappa = get_parameter_set("Chen2020")["Electrolyte conductivity [S.m-1]"](1000.0, 298.15)
    assert float(out.stdout) == pytest.approx(float(kappa), rel=1e-12)
