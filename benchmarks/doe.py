"""DOE benchmark: a 10-input SPMe Sobol study, and 100 DFN designs with geometry changes beside PyBaMM.

Run ``.venv/bin/python benchmarks/doe.py [--samples 1024] [--designs 100] [--json]``. Targets (issue 13):
the 10-input SPMe Sobol study at N = 2^10 (12,288 runs) in <= 15 s on 2 cores; 100 DFN designs with
geometry changes >= 10x faster than PyBaMM rebuilding each (PyBaMM, where installed at
``/tmp/pybamm-env`` or ``$PYBAMM_PYTHON``, is timed in a subprocess of the same run).

What is timed
-------------
- Sobol: :func:`voltvault_core.doe.execute.run_study` from spec to indices (sampling, batched
  ``solve_batch`` calls of 512 designs, outputs, analysis), after one warm-up solve (numba compiled).
- DFN designs: 100 Chen2020 designs with the electrode thicknesses and particle radii changed, 1C
  discharge to 2.5 V, through ``solve_batch`` (threads over the compiled stepper); PyBaMM builds a
  ``Simulation`` per design (a new geometry means a new mesh and discretisation) and solves it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INPUTS_10 = {
    "Negative electrode thickness [m]": [70e-6, 95e-6],
    "Positive electrode thickness [m]": [60e-6, 85e-6],
    "Separator thickness [m]": [10e-6, 14e-6],
    "Negative electrode porosity": [0.2, 0.3],
    "Positive electrode porosity": [0.28, 0.38],
    "Negative particle radius [m]": [4e-6, 7e-6],
    "Positive particle radius [m]": [4e-6, 6.5e-6],
    "Negative electrode active material volume fraction": [0.7, 0.8],
    "Positive electrode active material volume fraction": [0.62, 0.7],
    "Initial concentration in electrolyte [mol.m-3]": [900.0, 1100.0],
}


def sobol_spme(samples: int) -> dict:
    from voltvault_core.doe.execute import run_study
    from voltvault_core.simulation import solve_batch

    solve_batch("spme", ["Chen2020"], "Discharge at 1C until 2.5 V")  # compile / load the numba cache
    spec = {"model": "spme", "parameter_set": "Chen2020", "experiment": "Discharge at 1C until 2.5 V",
            "inputs": INPUTS_10, "method": "sobol", "samples": samples, "seed": 1,
            "outputs": ["discharge_capacity_Ah", "energy_Wh"]}
    start = time.perf_counter()
    result = run_study(spec)
    wall = time.perf_counter() - start
    return {"runs": result.design.n_runs, "failed": len(result.failed), "wall_s": round(wall, 2),
            "runs_per_s": round(result.design.n_runs / wall, 1),
            "S1_capacity": {k: round(v, 3) for k, v in result.sobol.output("discharge_capacity_Ah")["S1"].items()}}


def _designs(n: int) -> list[dict]:
    rng = np.random.default_rng(0)
    return [{"Negative electrode thickness [m]": float(rng.uniform(70e-6, 95e-6)),
             "Positive electrode thickness [m]": float(rng.uniform(60e-6, 85e-6)),
             "Negative particle radius [m]": float(rng.uniform(4e-6, 7e-6)),
             "Positive particle radius [m]": float(rng.uniform(4e-6, 6.5e-6))} for _ in range(n)]


PYBAMM_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import pybamm
    designs = json.loads(sys.stdin.read())
    base = pybamm.ParameterValues("Chen2020")
    model = pybamm.lithium_ion.DFN()
    exp = pybamm.Experiment(["Discharge at 1C until 2.5 V"])
    pybamm.Simulation(model, parameter_values=base, experiment=exp).solve()  # warm-up
    t = time.perf_counter()
    caps = []
    for d in designs:
        p = base.copy(); p.update(d)
        sol = pybamm.Simulation(model, parameter_values=p, experiment=exp).solve()
        caps.append(float(sol["Discharge capacity [A.h]"].entries[-1]))
    print(json.dumps({"wall_s": time.perf_counter() - t, "capacity_Ah": caps}))
""")


def dfn_designs(n: int) -> dict:
    from voltvault_core.simulation import resolve_parameter_set, solve_batch

    base = resolve_parameter_set("Chen2020")
    designs = _designs(n)
    solve_batch("dfn", [base], "Discharge at 1C until 2.5 V")  # warm-up
    start = time.perf_counter()
    results = solve_batch("dfn", [base.updated(d) for d in designs], "Discharge at 1C until 2.5 V")
    wall = time.perf_counter() - start
    caps = [float(np.nanmax(r["Discharging Capacity / Ah"])) for r in results]
    out = {"designs": n, "voltvault_wall_s": round(wall, 3), "failed": sum(r.failed for r in results)}
    python = os.environ.get("PYBAMM_PYTHON", "/tmp/pybamm-env/bin/python")
    if Path(python).exists():
        proc = subprocess.run([python, "-c", PYBAMM_SCRIPT], input=json.dumps(designs), capture_output=True,
                              text=True, timeout=3600, check=False)
        if proc.returncode == 0:
            ref = json.loads(proc.stdout.strip().splitlines()[-1])
            out["pybamm_wall_s"] = round(ref["wall_s"], 3)
            out["speedup"] = round(ref["wall_s"] / wall, 1)
            out["capacity_max_rel_diff"] = float(np.max(np.abs(np.array(caps) - ref["capacity_Ah"])
                                                        / np.array(ref["capacity_Ah"])))
        else:
            out["pybamm_error"] = proc.stderr[-500:]
    else:
        out["pybamm"] = "not installed"
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1024, help="Sobol base samples N (runs = 12 N)")
    parser.add_argument("--designs", type=int, default=100)
    parser.add_argument("--skip-sobol", action="store_true")
    parser.add_argument("--skip-dfn", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {"cpus": os.cpu_count(), "load_average": os.getloadavg()}
    if not args.skip_sobol:
        report["sobol_spme"] = sobol_spme(args.samples)
    if not args.skip_dfn:
        report["dfn_designs"] = dfn_designs(args.designs)
    print(json.dumps(report, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
