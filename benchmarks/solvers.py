"""Electrochemical solver benchmarks (issue 3): ``.venv/bin/python benchmarks/solvers.py [--write-docs]``.

For SPM, SPMe and DFN on Chen2020 (1C discharge to 2.5 V, default 20-cell meshes, numba backend):

1. median warm time of one full discharge (model compiled, tables cached);
2. time of a NEW design (electrode thicknesses and particle radii never seen before), i.e. what a
   user waits for after moving a slider;
3. 100 DFN designs through ``solve_batch``;

at the default tolerances (rtol 1e-4, atol 1e-6: PyBaMM's IDAKLU defaults) and at rtol 1e-6, atol 1e-8,
each with its voltage RMSE against PyBaMM's converged reference where ../shared/reference/pybamm exists,
and the high-rate (3C, 5C) agreement with the PyBaMM curves stored in tests/integration/simulation/data. PyBaMM's own figures are printed side by
side: measured in the same run when PyBaMM is importable or ``--pybamm-python`` names an interpreter
that has it (PyBaMM is not a VoltVault dependency), else the figures of the reference README.

``--write-docs`` replaces the "Solvers" section of docs/benchmarks.md with the measured table.

``--thermal`` measures lumped thermal instead (issue 11): Chen2020 DFN and SPMe, 2C discharge to 2.5 V,
isothermal and ``thermal="lumped"``, timed through ``voltvault_core.simulation.Simulation(...).solve()`` as a
user calls it, beside PyBaMM's warm solve of the same models in the same run; with ``--write-docs`` it
replaces the "Lumped thermal" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
REFERENCE = REPO / ".." / "shared" / "reference" / "pybamm"

TARGETS_MS = {"dfn": (20.0, 30.0), "spme": (3.0, None), "spm": (1.0, None)}
PYBAMM_README_MS = {"dfn": "18-21", "spme": "2.7-3.3", "spm": "1.5"}  # warm solve; new design 200-300 ms
BATCH_TARGET_S = 1.5
TOLERANCES = ((1e-4, 1e-6), (1e-6, 1e-8))  # (rtol, atol): the default first


def _atol(rtol: float) -> float:
    return dict(TOLERANCES)[rtol]


LOAD_AT_START = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def _setup():
    from solvers.models import get_model
    from solvers.parameters import get_parameter_set
    from solvers.steps import Limit, Step

    ps = get_parameter_set("Chen2020")
    steps = [
        Step("current", 5.0, None, (Limit("voltage", "<", 2.5, "2.5 V"),), text="Discharge at 1C until 2.5 V")
    ]
    return get_model, ps, steps


def _rmse_mV(result, model: str) -> float | None:
    name = {
        "dfn": "Chen2020_DFN_1.0C_298K_fine.csv",
        "spme": "Chen2020_SPMe_1.0C_298K.csv",
        "spm": "Chen2020_SPM_1.0C_298K.csv",
    }[model]
    path = REFERENCE / name
    if not path.is_file():
        return None
    data = np.genfromtxt(path, delimiter=",", names=True)
    t, v = data["time_s"], data["voltage_V"]
    mask = t <= min(result.time_s[-1], t[-1])
    return 1e3 * float(
        np.sqrt(np.mean((np.interp(t[mask], result.time_s, result["Voltage / V"]) - v[mask]) ** 2))
    )


def _designs(ps, n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        f = rng.uniform(0.8, 1.2, size=4)
        out.append(
            ps.updated(
                {
                    "Negative electrode thickness [m]": 85.2e-6 * f[0],
                    "Positive electrode thickness [m]": 75.6e-6 * f[1],
                    "Negative particle radius [m]": 5.86e-6 * f[2],
                    "Positive particle radius [m]": 5.22e-6 * f[3],
                }
            )
        )
    return out


def bench_model(model_name: str, rtol: float, repeats: int | None = None) -> dict:
    get_model, ps, steps = _setup()
    model = get_model(model_name)
    # millisecond solves: more repeats (and warm-up runs) so the median is not one noisy sample
    repeats = repeats if repeats is not None else (7 if model_name == "dfn" else 31)
    for _ in range(3):
        model.solve(ps, steps, rtol=rtol, atol=_atol(rtol))  # compile / warm
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = model.solve(ps, steps, rtol=rtol, atol=_atol(rtol))
        times.append(time.perf_counter() - start)
    new_times = []
    for design in _designs(ps, 5, seed=hash((model_name, rtol)) % 2**31):
        start = time.perf_counter()
        model.solve(design, steps, rtol=rtol, atol=_atol(rtol))
        new_times.append(time.perf_counter() - start)
    return {
        "model": model_name,
        "rtol": rtol,
        "warm_ms": 1e3 * float(np.median(times)),
        "warm_min_ms": 1e3 * float(np.min(times)),
        "new_design_ms": 1e3 * float(np.median(new_times)),
        "n_steps": result.info["n_steps"],
        "rmse_mV": _rmse_mV(result, model_name),
        "kernel": result.info["kernel"],
    }


def bench_batch(rtol: float, n: int = 100, method: str = "threads", model_name: str = "dfn") -> dict:
    """``n`` designs through ``solve_batch``: threads over the compiled stepper, or lockstep on numpy
    (the array code CuPy runs on a GPU); the capacities are compared with the designs solved one by one."""
    get_model, ps, steps = _setup()
    model = get_model(model_name)
    designs = _designs(ps, n, seed=7)
    model.solve(ps, steps, rtol=rtol, atol=_atol(rtol))
    backend = "numpy" if method == "lockstep" else "numba"
    if method == "lockstep":  # compiles nothing, but builds the plan and tables of the layout once
        model.solve_batch(designs[:2], steps, rtol=rtol, atol=_atol(rtol), method=method, backend=backend)
    start = time.perf_counter()
    results = model.solve_batch(designs, steps, rtol=rtol, atol=_atol(rtol), method=method, backend=backend)
    elapsed = time.perf_counter() - start
    failures = [r.termination for r in results if r.failed]
    alone = [model.solve(d, steps, rtol=rtol, atol=_atol(rtol)) for d in designs[:20]]
    cap_diff = max(
        abs(r["Discharging Capacity / Ah"][-1] / a["Discharging Capacity / Ah"][-1] - 1.0)
        for r, a in zip(results, alone, strict=False)
    )
    return {
        "rtol": rtol, "n": n, "seconds": elapsed, "failures": failures, "method": method, "model": model_name,
        "capacity_vs_alone": cap_diff, "kernel": results[0].info["kernel"],
    }  # fmt: skip


#: Timed in PyBaMM's own interpreter (in this process when PyBaMM is importable, else in the one given by
#: --pybamm-python): the built model solved by IDAKLU over [0, 3700] s with output interpolated at 1000
#: points, then its voltage read (PyBaMM computes it on access, as our variables); and a new design
#: (thicknesses and radii changed), which PyBaMM must rebuild: Simulation(...).solve().
PYBAMM_SNIPPET = r"""
import json, sys, time
import numpy as np
import pybamm

def designs(n):
    rng = np.random.default_rng(11)
    for _ in range(n):
        f = rng.uniform(0.8, 1.2, size=4)
        yield {
            "Negative electrode thickness [m]": 85.2e-6 * f[0],
            "Positive electrode thickness [m]": 75.6e-6 * f[1],
            "Negative particle radius [m]": 5.86e-6 * f[2],
            "Positive particle radius [m]": 5.22e-6 * f[3],
        }

out = {"version": pybamm.__version__}
t_interp = np.linspace(0, 3700, 1000)
for name, cls in (("spm", pybamm.lithium_ion.SPM), ("spme", pybamm.lithium_ion.SPMe), ("dfn", pybamm.lithium_ion.DFN)):
    sim = pybamm.Simulation(cls(), parameter_values=pybamm.ParameterValues("Chen2020"), solver=pybamm.IDAKLUSolver())
    sim.solve([0, 3700], t_interp=t_interp)
    solver, model = sim.solver, sim.built_model
    warm = []
    for _ in range(int(sys.argv[1])):
        start = time.perf_counter()
        sol = solver.solve(model, [0, 3700], t_interp=t_interp)
        sol["Voltage [V]"].entries
        warm.append(time.perf_counter() - start)
    new = []
    for change in designs(3):
        values = pybamm.ParameterValues("Chen2020")
        values.update(change)
        start = time.perf_counter()
        sol = pybamm.Simulation(cls(), parameter_values=values, solver=pybamm.IDAKLUSolver()).solve(
            [0, 3700], t_interp=t_interp
        )
        sol["Voltage [V]"].entries
        new.append(time.perf_counter() - start)
    out[name] = {"warm_ms": 1e3 * float(np.median(warm)), "new_design_ms": 1e3 * float(np.median(new))}
print(json.dumps(out))
"""


#: PyBaMM's warm solve of Chen2020 at 2C (10 A) to its 2.5 V cut-off event, isothermal and lumped
PYBAMM_THERMAL_SNIPPET = r"""
import json, sys, time
import numpy as np
import pybamm

out = {"version": pybamm.__version__}
t_interp = np.linspace(0, 1800, 600)
for name, cls in (("spme", pybamm.lithium_ion.SPMe), ("dfn", pybamm.lithium_ion.DFN)):
    for thermal in ("isothermal", "lumped"):
        values = pybamm.ParameterValues("Chen2020")
        values["Current function [A]"] = 10.0
        sim = pybamm.Simulation(cls(options={"thermal": thermal}), parameter_values=values, solver=pybamm.IDAKLUSolver())
        sim.solve([0, 1800], t_interp=t_interp)
        solver, model = sim.solver, sim.built_model
        warm = []
        for _ in range(int(sys.argv[1])):
            start = time.perf_counter()
            sol = solver.solve(model, [0, 1800], t_interp=t_interp)
            sol["Voltage [V]"].entries
            warm.append(time.perf_counter() - start)
        out[f"{name} {thermal}"] = 1e3 * float(np.median(warm))
print(json.dumps(out))
"""


def pybamm_thermal_figures(python: str | None, repeats: int) -> dict | None:
    """PyBaMM's warm 2C times [ms] (isothermal and lumped), measured in this run; None without PyBaMM."""
    import json
    import subprocess

    try:
        import pybamm  # noqa: F401

        python = sys.executable
    except ImportError:
        if not python:
            return None
    done = subprocess.run(
        [python, "-c", PYBAMM_THERMAL_SNIPPET, str(repeats)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"PyBaMM timing failed ({python}):", done.stderr.strip().splitlines()[-1:], flush=True)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_thermal(repeats: int) -> dict:
    """Warm 2C discharges through Simulation(...).solve(): median [ms], kernel, final temperature [K]."""
    from voltvault_core.simulation import Simulation

    out = {}
    for model in ("spme", "dfn"):
        for thermal in ("isothermal", "lumped"):

            def solve(model=model, thermal=thermal):
                return Simulation(model, "Chen2020", "Discharge at 2C until 2.5 V", thermal=thermal).solve()

            for _ in range(2):
                result = solve()  # compile / warm
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                result = solve()
                times.append(time.perf_counter() - start)
            out[f"{model} {thermal}"] = {
                "warm_ms": 1e3 * float(np.median(times)),
                "min_ms": 1e3 * float(np.min(times)),
                "kernel": result.info["kernel"],
                "T_end_K": float(result["Cell temperature [K]"][-1]),
                "n_steps": result.info["n_steps"],
            }
            print(f"{model} {thermal}: {out[f'{model} {thermal}']}", flush=True)
    return out


def render_thermal(ours: dict, pyb: dict | None) -> str:
    def cell(key):
        return f"{pyb[key]:.1f}" if pyb is not None else "not measured"

    lines = [
        "## Lumped thermal (issue 11)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()} "
        f"({os.cpu_count()} CPUs shared with other work: load average {LOAD_AT_START} at the start, so every "
        "figure is noisy, by +-30 % between runs). Chen2020, 2C (10 A) discharge to 2.5 V, default mesh and "
        "tolerances, timed through `Simulation(...).solve()` as a user calls it (median of warm runs); "
        + (
            f"PyBaMM {pyb['version']} in the same run: the built model re-solved by IDAKLU to its cut-off event "
            "and its voltage read."
            if pyb is not None
            else "PyBaMM not measured (not importable, no --pybamm-python)."
        ),
        "",
        "| model | thermal | VoltVault warm [ms] (min) | kernel | T at the end [K] | PyBaMM warm [ms] |",
        "|---|---|---|---|---|---|",
    ]
    for key, r in ours.items():
        model, thermal = key.split()
        lines.append(
            f"| {model.upper()} | {thermal} | {r['warm_ms']:.1f} ({r['min_ms']:.1f}) | {r['kernel']} "
            f"| {r['T_end_K']:.2f} | {cell(key)} |"
        )
    dfn_l, dfn_i = ours["dfn lumped"]["warm_ms"], ours["dfn isothermal"]["warm_ms"]
    lines += [
        "",
        f"- DFN lumped / DFN isothermal: **{dfn_l / dfn_i:.2f}x** (target <= 1.5x).",
    ]
    if pyb is not None:
        lines.append(f"- DFN lumped / PyBaMM DFN lumped: **{dfn_l / pyb['dfn lumped']:.2f}x** (target <= 0.5x).")
        lines.append(
            f"- SPMe lumped / PyBaMM SPMe lumped: {ours['spme lumped']['warm_ms'] / pyb['spme lumped']:.2f}x."
        )
    return "\n".join(lines)


def write_thermal_docs(text: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    start, end = "<!-- thermal:start -->", "<!-- thermal:end -->"
    body = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{start}\n{text}\n{end}"
    if start in body and end in body:
        body = body[: body.index(start)] + block + body[body.index(end) + len(end) :]
    else:
        body = body.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(body)


def pybamm_figures(python: str | None, repeats: int) -> dict | None:
    """PyBaMM's warm and new-design times [ms] per model, measured in this run; None without PyBaMM."""
    import json
    import subprocess

    try:
        import pybamm  # noqa: F401

        python = sys.executable
    except ImportError:
        if not python:
            return None
    done = subprocess.run(
        [python, "-c", PYBAMM_SNIPPET, str(repeats)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"PyBaMM timing failed ({python}):", done.stderr.strip().splitlines()[-1:], flush=True)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def pybamm_cell(pybamm: dict | None, model: str, key: str) -> str:
    if pybamm is None:
        readme = PYBAMM_README_MS[model] if key == "warm_ms" else "200-300"
        return f"{readme} (reference README)"
    return f"{pybamm[model][key]:.1f}"


def python_speed_ms() -> float:
    """Median time of sum(range(10**6)) [ms]: how fast this machine runs plain Python, for comparison."""
    times = []
    for _ in range(7):
        start = time.perf_counter()
        sum(range(10**6))
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


ACCURACY_CASES = (
    ("dfn", "Chen2020", 1.0, "Chen2020_DFN_1.0C_298K_fine.csv"),
    ("dfn", "Chen2020", 1.0, "Chen2020_DFN_1.0C_298K.csv"),
    ("dfn", "Chen2020", 0.5, "Chen2020_DFN_0.5C_298K.csv"),
    ("dfn", "Marquis2019", 1.0, "Marquis2019_DFN_1.0C_298K.csv"),
    ("spme", "Chen2020", 1.0, "Chen2020_SPMe_1.0C_298K.csv"),
    ("spme", "Marquis2019", 1.0, "Marquis2019_SPMe_1.0C_298K.csv"),
    ("spm", "Chen2020", 1.0, "Chen2020_SPM_1.0C_298K.csv"),
    ("spm", "Marquis2019", 1.0, "Marquis2019_SPM_1.0C_298K.csv"),
)


def accuracy() -> str:
    """Markdown table: voltage RMSE and capacity at cut-off against every PyBaMM reference curve."""
    from solvers.models import get_model
    from solvers.parameters import get_parameter_set
    from solvers.steps import Limit, Step

    if not REFERENCE.is_dir():
        return "(../shared/reference/pybamm absent: accuracy not measured)"
    lines = [
        "| model | set | C-rate | PyBaMM reference | voltage RMSE [mV] (target <= 3) | capacity at cut-off (DFN target within 0.3 %) |",
        "|---|---|---|---|---|---|",
    ]
    for model, set_name, c_rate, name in ACCURACY_CASES:
        ps = get_parameter_set(set_name)
        step = Step(
            "current",
            c_rate * ps["Nominal cell capacity [A.h]"],
            None,
            (Limit("voltage", "<", ps["Lower voltage cut-off [V]"]),),
        )
        result = get_model(model).solve(ps, [step])
        data = np.genfromtxt(REFERENCE / name, delimiter=",", names=True)
        mask = data["time_s"] <= result.time_s[-1]
        v = np.interp(data["time_s"][mask], result.time_s, result["Voltage / V"])
        rmse = 1e3 * float(np.sqrt(np.mean((v - data["voltage_V"][mask]) ** 2)))
        cap = result["Discharging Capacity / Ah"][-1] / data["discharge_capacity_Ah"][-1] - 1
        lines.append(
            f"| {model.upper()} | {set_name} | {c_rate:g}C | `{name}` | {rmse:.2f} | {100 * cap:+.3f} % |"
        )
    return "\n".join(lines)


HIGH_RATE_CASES = (  # in-repo PyBaMM 26.10 curves: (model, set, experiment, file stem, capacity target)
    ("dfn", "Chen2020", "Discharge at 3C until 2.5 V", "Chen2020_DFN_3C", 0.3),
    ("dfn", "Chen2020", "Discharge at 5C until 2.5 V", "Chen2020_DFN_5C", 0.3),
    ("dfn", "Marquis2019", "Discharge at 3C until 3.105 V", "Marquis2019_DFN_3C", 0.3),
    ("spme", "Chen2020", "Discharge at 3C until 2.5 V", "Chen2020_SPMe_3C", 1.0),
    ("spme", "Marquis2019", "Discharge at 3C until 3.105 V", "Marquis2019_SPMe_3C", 1.0),
)


def high_rate_accuracy() -> str:
    """Markdown table: 3C / 5C discharges (electrolyte depletion) against the in-repo PyBaMM curves."""
    from voltvault_core.simulation import Simulation

    data_dir = REPO / "tests" / "integration" / "simulation" / "data"
    lines = [
        "| model | set | protocol | voltage RMSE [mV], first 99.5 % of the time (target <= 3) "
        "| capacity at cut-off (target) | termination |",
        "|---|---|---|---|---|---|",
    ]
    for model, set_name, experiment, stem, cap_target in HIGH_RATE_CASES:
        data = np.genfromtxt(data_dir / f"pybamm_{stem}.csv", delimiter=",", names=True)
        result = Simulation(model, set_name, experiment, output_period_s=0.1).solve()
        t, v = result["Test Time / s"], result["Voltage / V"]
        mask = data["time_s"] <= min(0.995 * data["time_s"][-1], t[-1])
        rmse = 1e3 * float(
            np.sqrt(np.mean((np.interp(data["time_s"][mask], t, v) - data["voltage_V"][mask]) ** 2))
        )
        cap = result["Discharging Capacity / Ah"][-1] / data["discharge_capacity_Ah"][-1] - 1
        lines.append(
            f"| {model.upper()} | {set_name} | {experiment} | {rmse:.2f} | {100 * cap:+.3f} % "
            f"(within {cap_target:g} %) | {result.termination} |"
        )
    return "\n".join(lines)


def _status(value, target):
    if target is None:
        return "-"
    return "met" if value <= target else "missed"


def render(rows, batches, pybamm, py_ms) -> str:
    if pybamm is None:
        side = (
            "PyBaMM was not installed for this run: its column holds the reference README's figures, "
            "measured on another machine."
        )
    else:
        side = (
            f"PyBaMM {pybamm['version']} was measured in the same run on the same machine (IDAKLU, model "
            "built once, output interpolated at 1000 points, voltage read; a new design is a rebuilt "
            "Simulation)."
        )
    lines = [
        "## Solvers",
        "",
        f"Measured with `benchmarks/solvers.py` on {time.strftime('%Y-%m-%d')} ({platform.machine()}, "
        f"Python {platform.python_version()}, load average {LOAD_AT_START} at the start; "
        f"`sum(range(10**6))` takes {py_ms:.1f} ms here): Chen2020, 1C discharge to 2.5 V, 20 cells per "
        "domain and particle, numba backend, median of warm runs including the voltage of every output row "
        "(the spatial variables are computed on first access, as PyBaMM's); a *new design* has "
        "thicknesses and particle radii never solved before (nothing recompiles: the set's functions are "
        f"tabulated once and cached). RMSE against PyBaMM's converged (DFN) or default-mesh (SPM, SPMe) "
        f"reference. {side}",
        "",
        "| model | rtol | warm solve [ms] median (min) | target | new design [ms] | target | steps | RMSE vs PyBaMM [mV] "
        "| PyBaMM warm [ms] | PyBaMM new design [ms] |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        warm_t, new_t = TARGETS_MS[r["model"]]
        rmse = "n/a" if r["rmse_mV"] is None else f"{r['rmse_mV']:.2f}"
        new_target = "-" if new_t is None else f"<= {new_t:g} ({_status(r['new_design_ms'], new_t)})"
        lines.append(
            f"| {r['model'].upper()} | {r['rtol']:g} | {r['warm_ms']:.1f} ({r['warm_min_ms']:.1f}) "
            f"| <= {warm_t:g} ({_status(r['warm_ms'], warm_t)}) "
            f"| {r['new_design_ms']:.1f} | {new_target} | {r['n_steps']} | {rmse} "
            f"| {pybamm_cell(pybamm, r['model'], 'warm_ms')} | {pybamm_cell(pybamm, r['model'], 'new_design_ms')} |"
        )
    lines.append("")
    for b in batches:
        if b["method"] == "threads":
            lines.append(
                f"- {b['n']} {b['model'].upper()} designs through `solve_batch` (threads on the 2 CPUs, rtol "
                f"{b['rtol']:g}): {b['seconds']:.2f} s (target <= {BATCH_TARGET_S} s: "
                f"{_status(b['seconds'], BATCH_TARGET_S)}); {len(b['failures'])} of {b['n']} ended in a "
                f"solver failure."
            )
        else:
            lines.append(
                f"- {b['n']} {b['model'].upper()} designs in lockstep on numpy (`method=\"lockstep\"`, the array "
                f"code that CuPy runs on a GPU; one process, rtol {b['rtol']:g}): {b['seconds']:.2f} s; "
                f"capacities within {100 * b['capacity_vs_alone']:.1g} % of the designs solved one by one; "
                f"{len(b['failures'])} of {b['n']} ended in a solver failure. No GPU exists on this machine: "
                "the CuPy figure is not measured."
            )
    lines += [
        "",
        "Accuracy (default mesh 20/20/20, 20 per particle, default tolerances, numba backend):",
        "",
        ACCURACY_START,
        accuracy(),
        ACCURACY_END,
        "",
        "High rates, where the electrolyte empties next to the positive current collector (default "
        "tolerances, output every 0.1 s; PyBaMM curves from `tests/integration/simulation/data`, made by "
        "its `make_pybamm_references.py`). The last 0.5 % of the time, where the voltage falls by up to "
        "1 V within a second, is judged by the capacity at cut-off:",
        "",
        high_rate_accuracy(),
        "",
    ]
    return "\n".join(lines)


ACCURACY_START, ACCURACY_END = "<!-- solvers-accuracy:start -->", "<!-- solvers-accuracy:end -->"


def write_accuracy_only() -> None:
    """Refresh only the accuracy table inside the Solvers section."""
    path = REPO / "docs" / "benchmarks.md"
    body = path.read_text()
    if ACCURACY_START not in body:
        end = "<!-- solvers:end -->"
        if end not in body:
            raise SystemExit("no Solvers section in docs/benchmarks.md: run with --write-docs first")
        block = (
            "Accuracy (default mesh 20/20/20, 20 per particle, default tolerances, numba backend):\n\n"
            f"{ACCURACY_START}\n{ACCURACY_END}\n\n"
        )
        body = body.replace(end, block + end)
    i, j = body.index(ACCURACY_START), body.index(ACCURACY_END) + len(ACCURACY_END)
    path.write_text(body[:i] + f"{ACCURACY_START}\n{accuracy()}\n{ACCURACY_END}" + body[j:])


def write_docs(text: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    start, end = "<!-- solvers:start -->", "<!-- solvers:end -->"
    body = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{start}\n{text}\n{end}"
    if start in body and end in body:
        body = body[: body.index(start)] + block + body[body.index(end) + len(end) :]
    else:
        body = body.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(body)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--write-docs", action="store_true", help="update the Solvers section of docs/benchmarks.md"
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 20-design batch")
    parser.add_argument("--accuracy-only", action="store_true", help="refresh only the accuracy table")
    parser.add_argument(
        "--pybamm-python",
        default=os.environ.get("VOLTVAULT_PYBAMM_PYTHON"),
        help="an interpreter with PyBaMM installed (never VoltVault's own environment), timed side by side",
    )
    parser.add_argument("--thermal", action="store_true", help="lumped thermal against isothermal and PyBaMM")
    args = parser.parse_args(argv)
    if args.thermal:
        ours = bench_thermal(repeats=5 if args.quick else 15)
        pyb = pybamm_thermal_figures(args.pybamm_python, repeats=5 if args.quick else 15)
        print("PyBaMM:", pyb)
        text = render_thermal(ours, pyb)
        print(text)
        if args.write_docs:
            write_thermal_docs(text)
            print("docs/benchmarks.md updated")
        return 0
    if args.accuracy_only:
        write_accuracy_only()
        print(accuracy())
        return 0
    rows = []
    for rtol, _ in TOLERANCES:
        for model in ("spm", "spme", "dfn"):
            row = bench_model(model, rtol, repeats=3 if args.quick else None)
            rows.append(row)
            print(
                f"{model:5s} rtol={rtol:g}: warm {row['warm_ms']:.1f} ms, new design {row['new_design_ms']:.1f} ms, "
                f"{row['n_steps']} steps, RMSE {row['rmse_mV']} mV, kernel {row['kernel']}",
                flush=True,
            )
    batches = []
    cases = [(rtol, "threads", "dfn") for rtol, _ in TOLERANCES]
    cases += [(TOLERANCES[0][0], "lockstep", model) for model in ("spme", "dfn")]
    for rtol, method, model in cases:
        b = bench_batch(rtol, n=20 if args.quick else 100, method=method, model_name=model)
        batches.append(b)
        print(
            f"batch of {b['n']} {model.upper()} designs ({method}), rtol={rtol:g}: {b['seconds']:.2f} s, "
            f"capacity vs one by one {b['capacity_vs_alone']:.2g}",
            flush=True,
        )
        for failure in b["failures"]:
            print("   ", failure)
    pyb = pybamm_figures(args.pybamm_python, repeats=3 if args.quick else 21)
    print("PyBaMM:", pyb if pyb is not None else "not measured (no --pybamm-python and not importable)")
    py_ms = python_speed_ms()
    text = render(rows, batches, pyb, py_ms)
    if args.write_docs:
        write_docs(text)
        print("docs/benchmarks.md updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
