"""``voltvault simulate``: run a cell model from the command line.

Example::

    voltvault simulate --model dfn --parameter-set Chen2020 \\
        --experiment "Discharge at 1C until 2.5 V" --output run.csv --json

``--json`` prints exactly one JSON object on stdout (model, parameter_set, termination,
discharge_capacity_Ah, end_voltage_V, solve_time_s, n_states); progress goes to stderr. A step that
cannot be run exits with code 2 and one line on stderr naming the step.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from solvers import bdf

_MODEL_CHOICES = ("spm", "spme", "dfn", "p2d")


def register(subparsers) -> None:
    """Add the ``simulate`` command to the ``voltvault`` parser."""
    p = subparsers.add_parser(
        "simulate",
        help="run an SPM, SPMe or DFN (P2D) simulation",
        description="Run a cell model on a parameter set and an experiment (PyBaMM's experiment-string grammar).",
    )
    p.add_argument(
        "--model", choices=_MODEL_CHOICES, default="dfn", help="cell model (p2d is an alias of dfn)"
    )
    p.add_argument(
        "--parameter-set",
        default="Chen2020",
        help="a bundled set's name or a JSON file of PyBaMM-named values",
    )
    p.add_argument(
        "--experiment",
        action="append",
        metavar="STEP",
        help='a step or group, e.g. "Discharge at 1C until 2.5 V" or "(Charge at 1C until 4.2 V, Rest for 1 hour) x 3"; '
        "repeat the option for more (default: 1C discharge to the set's lower cut-off)",
    )
    p.add_argument("--ambient-temperature-K", type=float, default=None, help="ambient temperature [K]")
    p.add_argument("--initial-soc", type=float, default=None, help="initial state of charge, 0..1")
    p.add_argument("--thermal", choices=("isothermal", "lumped"), default="isothermal")
    p.add_argument("--backend", choices=("numba", "numpy", "cupy"), default="numba")
    p.add_argument(
        "--mesh", default=None, help='finite volumes per domain, e.g. "x_n=30,x_s=10,x_p=30,r_n=20,r_p=20"'
    )
    p.add_argument(
        "--output-period-s", type=float, default=None, help="output spacing [s] (default: every solver step)"
    )
    p.add_argument("--output", type=Path, default=None, help="write the result: .csv .h5 .npz .mat .parquet")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run_simulate)


def _parse_mesh(text: str | None) -> dict[str, int] | None:
    from voltvault_core.cli import CommandError

    if not text:
        return None
    mesh: dict[str, int] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        try:
            if not sep:
                raise ValueError
            mesh[key.strip()] = int(value)
        except ValueError:
            raise CommandError(
                f"--mesh: cannot read {part!r}; write e.g. x_n=20,x_s=20,x_p=20,r_n=20,r_p=20"
            ) from None
    return mesh


class _StderrProgress:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._last = -1

    def __call__(self, fraction: float, message: str | None = None) -> None:
        if not self.enabled:
            return
        pct = int(max(0.0, min(1.0, float(fraction))) * 100)
        if pct == self._last:
            return
        self._last = pct
        bar = "#" * (pct // 4)
        sys.stderr.write(f"\r[{bar:<25}] {pct:3d}% {message or ''}"[:100])
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self._last >= 0:
            sys.stderr.write("\n")


def summary(result, model: str, parameter_set: str, solve_time_s: float) -> dict:
    """The ``--json`` object of one run."""
    ts = result.timeseries
    discharge = ts.get(bdf.DISCHARGING_CAPACITY)
    voltage = ts[bdf.VOLTAGE]
    return {
        "model": model,
        "parameter_set": parameter_set,
        "termination": result.termination,
        "discharge_capacity_Ah": float(discharge[-1]) if discharge is not None and len(discharge) else None,
        "end_voltage_V": float(voltage[-1]) if len(voltage) else None,
        "solve_time_s": float(result.info.get("wall_time_s", solve_time_s)),
        "n_states": int(result.info["n_states"]) if "n_states" in result.info else None,
    }


def run_simulate(args: argparse.Namespace) -> int:
    """Handler of ``voltvault simulate``; returns the exit code."""
    from solvers.export import format_from_filename, result_to_bytes
    from voltvault_core.cli import CommandError
    from voltvault_core.simulation import ProtocolError, Simulation, SimulationError

    fmt = None
    if args.output is not None:
        try:
            fmt = format_from_filename(str(args.output))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    try:
        sim = Simulation(
            args.model,
            args.parameter_set,
            args.experiment,
            initial_soc=args.initial_soc,
            ambient_temperature_K=args.ambient_temperature_K,
            thermal=args.thermal,
            backend=args.backend,
            mesh=_parse_mesh(args.mesh),
            output_period_s=args.output_period_s,
        )
    except (ProtocolError, SimulationError) as exc:
        raise CommandError(" ".join(str(exc).split())) from None
    progress = _StderrProgress()
    start = time.perf_counter()
    try:
        result = sim.solve(progress=progress)
    finally:
        progress.close()
    elapsed = time.perf_counter() - start
    if fmt is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_bytes(result_to_bytes(result, fmt.name))
    info = summary(result, sim.model_name, sim.parameters.name, elapsed)
    if args.json:
        sys.stdout.write(json.dumps(info) + "\n")
    else:
        cap, end_V = info["discharge_capacity_Ah"], info["end_voltage_V"]
        print(
            f"{info['model']} on {info['parameter_set']}: {info['termination']}"
            + (f"; end voltage {end_V:.4f} V" if end_V is not None else "")
            + (f", discharged {cap:.5f} Ah" if cap is not None else "")
            + f", solved in {info['solve_time_s'] * 1e3:.1f} ms"
            + (f"; wrote {args.output}" if fmt is not None else "")
        )
    return 1 if result.failed else 0
