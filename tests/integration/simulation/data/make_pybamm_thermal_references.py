"""Regenerate the lumped-thermal PyBaMM reference curves in this folder (not run by the tests).

Run with PyBaMM installed in a separate environment (not VoltVault's), as ``make_pybamm_references.py``::

    /tmp/pbenv/bin/python tests/integration/simulation/data/make_pybamm_thermal_references.py [--extra DIR]

Each case is a PyBaMM model with ``options={"thermal": "lumped"}`` on the published set, default mesh,
IDAKLU at rtol = atol = 1e-8 (``make_pybamm_references.run``). Columns: ``time_s, voltage_V, current_A,
discharge_capacity_Ah, temperature_K`` ("Volume-averaged cell temperature [K]") and ``heating_W_m3``
("Volume-averaged total heating [W.m-3]"). ``--extra DIR`` writes the cases of ``EXTRA_CASES`` (checks on
cases that are not committed: another set, another C-rate) into DIR instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pybamm
from make_pybamm_references import HERE, MODELS, N_POINTS

# name -> (model, set, steps)
CASES = {
    "Chen2020_DFN_1C_lumped": ("DFN", "Chen2020", ["Discharge at 1C until 2.5 V"]),
    "Chen2020_DFN_2C_lumped": ("DFN", "Chen2020", ["Discharge at 2C until 2.5 V"]),
    "Chen2020_SPMe_1C_lumped": ("SPMe", "Chen2020", ["Discharge at 1C until 2.5 V"]),
    "Chen2020_SPMe_2C_lumped": ("SPMe", "Chen2020", ["Discharge at 2C until 2.5 V"]),
}
EXTRA_CASES = {
    "Chen2020_DFN_1.5C_lumped": ("DFN", "Chen2020", ["Discharge at 1.5C until 2.5 V"]),
    "Marquis2019_DFN_1C_lumped": ("DFN", "Marquis2019", ["Discharge at 1C until 3.105 V"]),
    "Marquis2019_SPMe_2C_lumped": ("SPMe", "Marquis2019", ["Discharge at 2C until 3.105 V"]),
    "Marquis2019_SPM_1C_lumped": ("SPM", "Marquis2019", ["Discharge at 1C until 3.105 V"]),
}
NAMES = [
    "Voltage [V]",
    "Current [A]",
    "Discharge capacity [A.h]",
    "Volume-averaged cell temperature [K]",
    "Volume-averaged total heating [W.m-3]",
]
HEADER = "time_s,voltage_V,current_A,discharge_capacity_Ah,temperature_K,heating_W_m3"


def run(model_name: str, set_name: str, steps: list[str]):
    sim = pybamm.Simulation(
        MODELS[model_name](options={"thermal": "lumped"}),
        parameter_values=pybamm.ParameterValues(set_name),
        experiment=pybamm.Experiment(steps, period="2 seconds"),
        solver=pybamm.IDAKLUSolver(rtol=1e-8, atol=1e-8),
    )
    sol = sim.solve()
    ends = [float(step["Time [s]"].entries[-1]) for cycle in sol.cycles for step in cycle.steps]
    t = sol["Time [s]"].entries
    grid = np.unique(np.concatenate([np.linspace(t[0], t[-1], N_POINTS), [t[-1]]]))
    return np.column_stack([grid] + [np.interp(grid, t, sol[n].entries) for n in NAMES]), np.asarray(ends)


def main(argv: list[str]) -> None:
    cases, out = CASES, HERE
    if argv[:1] == ["--extra"]:
        cases, out = EXTRA_CASES, Path(argv[1])
        out.mkdir(parents=True, exist_ok=True)
    for case, (model_name, set_name, steps) in cases.items():
        data, ends = run(model_name, set_name, steps)
        np.savetxt(out / f"pybamm_{case}.csv", data, delimiter=",", header=HEADER, comments="", fmt="%.10g")
        np.savetxt(out / f"pybamm_{case}_step_ends.csv", ends, header="step_end_time_s", comments="", fmt="%.10g")
        print(case, f"t_end = {data[-1, 0]:.2f} s", f"T_end = {data[-1, 4]:.3f} K", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
