"""``voltvault thermal ...``: 3D thermal runs and abuse tests from the command line.

* ``voltvault thermal run --geometry {pouch,cylindrical,prismatic} [--format 21700] [--design ID_OR_FILE |
  --parameter-set NAME] --model {spm,spme,dfn} --experiment STEP ... [--h W/m2K]
  [--ambient-temperature-K T] [--cells N] [--output FILE.vtu] [--json]``
* ``voltvault thermal abuse --protocol {oven,arc} [--geometry ...] [--oven-temperature-K T] [--json]``

``--design`` takes a design JSON file (the Cell Designer's export) or a design's id in the database
(``VOLTVAULT_DATABASE_URL``). ``--json`` prints one object with at least ``T_mean_end_K``,
``T_max_end_K``, ``T_min_end_K``, ``cells`` and ``wall_s``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    """Add the ``thermal`` command."""
    p = subparsers.add_parser("thermal", help="3D thermal runs of pouch, cylindrical and prismatic cells")
    sub = p.add_subparsers(dest="thermal_command", required=True)
    run = sub.add_parser("run", help="a 3D thermal run driven by an electrochemical model")
    _common(run)
    run.add_argument("--model", choices=("spm", "spme", "dfn", "p2d"), default="spme")
    run.add_argument("--experiment", action="append", metavar="STEP",
                     help='e.g. "Discharge at 1C until 2.5 V" (repeat for more steps)')  # fmt: skip
    run.add_argument("--coupling", choices=("one-way", "two-way"), default="two-way")
    run.add_argument("--tabs", choices=("single", "dual", "multi", "tabless", "none"), default="single",
                     help="tab layout of the collector Joule heating (none: no collector heating)")  # fmt: skip
    run.add_argument("--boundary", action="append", metavar="FACE=KIND[:h[:T]]", default=[],
                     help="per face, e.g. z_min=cold_plate:500:293.15, r_max=convection:20, z_max=adiabatic, "
                          "x_min=fixed::300")  # fmt: skip
    run.add_argument("--output", type=Path, default=None, help="write the final field: .vtu or .vti (ParaView)")
    run.set_defaults(func=run_command)
    abuse = sub.add_parser("abuse", help="runaway onset: oven test or ARC heat-wait-seek")
    _common(abuse)
    abuse.add_argument("--protocol", choices=("oven", "arc"), default="oven")
    abuse.add_argument("--oven-temperature-K", type=float, default=428.15)
    abuse.set_defaults(func=abuse_command)


def _common(p) -> None:
    p.add_argument("--geometry", choices=("pouch", "cylindrical", "prismatic"), default="cylindrical")
    p.add_argument("--format", dest="size", choices=("18650", "21700", "4680"), default=None,
                   help="cylindrical size (default 21700 for cylindrical cells)")  # fmt: skip
    p.add_argument("--design", default=None, help="a design JSON file or a design id in the database")
    p.add_argument("--parameter-set", default=None, help="a bundled set (default Chen2020) or a JSON file")
    p.add_argument("--h", type=float, default=None, help="convection coefficient on every face [W/m2/K]")
    p.add_argument("--ambient-temperature-K", type=float, default=None)
    p.add_argument("--cells", type=int, default=5000, help="finite volumes (about)")
    p.add_argument("--theta-cells", type=int, default=1,
                   help="cylindrical cells: sectors around the axis (1: axisymmetric r-z)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _error(message):
    from voltvault_core.cli import CommandError

    return CommandError(" ".join(str(message).split()))


def _parse_boundaries(items) -> dict:
    out = {}
    for item in items:
        try:
            face, spec = item.split("=", 1)
            parts = spec.split(":")
            kind = parts[0]
            entry = {"kind": kind}
            if len(parts) > 1 and parts[1]:
                entry["h_W_m2_K"] = float(parts[1])
            if len(parts) > 2 and parts[2]:
                entry["temperature_K"] = float(parts[2])
        except ValueError:
            raise _error(f"--boundary {item!r}: write FACE=KIND[:h[:T]], e.g. z_min=cold_plate:500:293.15") from None
        out[face.strip()] = entry
    return out


def _inputs(args):
    """(parameter set, geometry, size, dimensions) from --design or --parameter-set."""
    from voltvault_core.thermal.service import design_inputs

    if args.design and args.parameter_set:
        raise _error("give --design or --parameter-set, not both")
    try:
        return design_inputs(args.design, args.parameter_set, args.geometry, args.size)
    except (ValueError, KeyError, LookupError) as exc:
        raise _error(exc) from None


def run_command(args: argparse.Namespace) -> int:
    from voltvault_core.thermal.model import ThermalError, run_thermal

    params, geometry, size, dims = _inputs(args)
    if args.output is not None and args.output.suffix.lower() not in (".vtu", ".vti"):
        raise _error(f"--output {str(args.output)!r}: give a .vtu or .vti file")
    try:
        run = run_thermal(
            args.model, params, args.experiment, geometry=geometry, size=size, dimensions_m=dims,
            cells=args.cells, theta_cells=args.theta_cells, h_W_m2_K=args.h, ambient_temperature_K=args.ambient_temperature_K,
            boundaries=_parse_boundaries(args.boundary), coupling=args.coupling,
            tab_layout=None if args.tabs == "none" else args.tabs, collector_heating=args.tabs != "none",
            progress=_progress(args),
        )  # fmt: skip
    except ThermalError as exc:
        raise _error(exc) from None
    summary = run.summary()
    if args.output is not None:
        from voltvault_core.thermal.export import write_vtk

        write_vtk(run, args.output)
        summary["output"] = str(args.output)
    _emit(args, summary)
    return 0


def abuse_command(args: argparse.Namespace) -> int:
    from voltvault_core.thermal.model import ThermalError
    from voltvault_core.thermal.service import run_abuse

    params, geometry, size, dims = _inputs(args)
    try:
        result, cell = run_abuse(params, geometry, args.protocol, size=size, dimensions_m=dims, cells=args.cells,
                                 oven_temperature_K=args.oven_temperature_K, h_W_m2_K=args.h)  # fmt: skip
    except ThermalError as exc:
        raise _error(exc) from None
    out = result.summary()
    out["cells"] = int(cell.grid.n_cells)
    _emit(args, out)
    return 0


def _progress(args):
    if args.json or not sys.stderr.isatty():
        return None

    def report(fraction, message=""):
        sys.stderr.write(f"\r{int(100 * fraction):3d}% {message}"[:80])
        sys.stderr.flush()

    return report


def _emit(args, summary: dict) -> None:
    if args.json:
        sys.stdout.write(json.dumps(summary, default=float) + "\n")
        return
    for key, value in summary.items():
        print(f"{key}: {value}")
