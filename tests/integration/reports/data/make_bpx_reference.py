"""Check that VoltVault's BPX export loads in PyBaMM and gives the same capacity; record the figures.

Step 1, in VoltVault's environment (writes ``chen2020.bpx.json``)::

    PYTHONPATH=. .venv/bin/python tests/integration/reports/data/make_bpx_reference.py export

Step 2, in a throw-away PyBaMM environment (``pip install pybamm bpx``; PyBaMM is never a dependency of
VoltVault), writes ``bpx_pybamm_capacity.json``::

    /tmp/pybamm-env/bin/python tests/integration/reports/data/make_bpx_reference.py pybamm

The test ``test_bpx_capacity_matches_pybamm`` compares VoltVault's DFN capacity with the recorded one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROTOCOL = "Discharge at 1C until 2.5 V"


def export() -> None:
    from solvers.parameters import get_parameter_set
    from voltvault_core.tracking.bpx_export import parameter_set_to_bpx

    doc = parameter_set_to_bpx(get_parameter_set("Chen2020"))
    (HERE / "chen2020.bpx.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


def pybamm_capacity() -> None:
    import pybamm

    out = {"protocol": PROTOCOL, "pybamm_version": pybamm.__version__}
    for label, params in (
        ("bpx", pybamm.ParameterValues.create_from_bpx(str(HERE / "chen2020.bpx.json"))),
        ("pybamm_chen2020", pybamm.ParameterValues("Chen2020")),
    ):
        sim = pybamm.Simulation(pybamm.lithium_ion.DFN(), parameter_values=params,
                                experiment=pybamm.Experiment([PROTOCOL]))
        solution = sim.solve()
        out[f"{label}_discharge_capacity_Ah"] = float(solution["Discharge capacity [A.h]"].entries[-1])
        out[f"{label}_end_time_s"] = float(solution["Time [s]"].entries[-1])
    (HERE / "bpx_pybamm_capacity.json").write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    {"export": export, "pybamm": pybamm_capacity}[sys.argv[1]]()
