"""``voltvault design ...``: metrics, balancing, export and Ragone of a cell design from the command line.

* ``voltvault design metrics (--parameter-set NAME_OR_FILE | --design FILE.json) --json``
* ``voltvault design balance --design FILE.json --np-ratio 1.1 [--target-capacity-Ah Q] [--output FILE]``
* ``voltvault design export --design FILE.json --output PARAMS.json`` (for ``voltvault simulate``)
* ``voltvault design ragone --design FILE.json [--model spme|dfn] [--c-rates 0.05,1,5]``

A design file is the JSON of :meth:`CellDesign.to_dict` (or ``{"design": {...}}``); ``--example
lg-m50`` uses the built-in LG M50 reference design instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXAMPLES = {"lg-m50": "voltvault_core.design.examples:lg_m50"}


def _error(message: str):
    from voltvault_core.cli import CommandError

    return CommandError(" ".join(str(message).split()))


def _load_design(args):
    from voltvault_core.design.model import CellDesign, DesignError

    if getattr(args, "example", None):
        import importlib

        module, func = EXAMPLES[args.example].split(":")
        return getattr(importlib.import_module(module), func)()
    if getattr(args, "parameter_set", None):
        from voltvault_core.design.export import parameter_set_to_design
        from voltvault_core.simulation import SimulationError, resolve_parameter_set

        try:
            return parameter_set_to_design(resolve_parameter_set(args.parameter_set))
        except (SimulationError, DesignError, KeyError) as exc:
            raise _error(exc) from None
    if not getattr(args, "design", None):
        raise _error("give --design FILE.json, --parameter-set NAME_OR_FILE or --example lg-m50")
    path = Path(args.design)
    if not path.is_file():
        raise _error(f"design file {str(path)!r} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return CellDesign.from_dict(data.get("design", data) if isinstance(data, dict) else data)
    except json.JSONDecodeError as exc:
        raise _error(f"design file {str(path)!r} is not valid JSON: {exc}") from None
    except (DesignError, TypeError) as exc:
        raise _error(f"design file {str(path)!r}: {exc}") from None


def _metrics_summary(design, metrics) -> dict:
    from voltvault_core.design.metrics import metrics_summary

    return metrics_summary(design, metrics)


def _with_design_errors(fn):
    def run(args) -> int:
        from voltvault_core.design.model import DesignError

        try:
            return fn(args)
        except DesignError as exc:
            raise _error(exc) from None

    return run


@_with_design_errors
def run_metrics(args) -> int:
    from voltvault_core.design.metrics import compute_metrics, np_ratio_note

    design = _load_design(args)
    metrics = compute_metrics(design)
    out = _metrics_summary(design, metrics)
    if args.json:
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        print(
            f"{design.name}: {metrics.capacity_Ah:.3f} Ah, {metrics.energy_Wh:.2f} Wh at "
            f"{metrics.nominal_voltage_V:.3f} V, {metrics.specific_energy_Wh_kg:.0f} Wh/kg, "
            f"{metrics.energy_density_Wh_L:.0f} Wh/L, {design.geometry.format}"
        )
        print(np_ratio_note(metrics))
        for w in metrics.warnings:
            print(f"warning: {w}", file=sys.stderr)
    return 0


@_with_design_errors
def run_balance(args) -> int:
    from voltvault_core.design.balance import balance_design

    design = _load_design(args)
    result = balance_design(
        design,
        np_ratio=args.np_ratio,
        target_capacity_Ah=args.target_capacity_Ah,
        negative_porosity=args.negative_porosity,
    )
    if args.output is not None:
        args.output.write_text(json.dumps(result.design.to_dict(), indent=2))
    out = {
        "np_ratio": result.np_ratio,
        "negative_thickness_m": result.negative_thickness_m,
        "negative_loading_kg_m2": result.negative_loading_kg_m2,
        "negative_porosity": result.negative_porosity,
        "positive_thickness_m": result.positive_thickness_m,
        "metrics": _metrics_summary(result.design, result.metrics),
    }
    if args.json:
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        print(
            f"negative electrode: {result.negative_thickness_m * 1e6:.1f} um, "
            f"{result.negative_loading_kg_m2 * 100:.2f} mg/cm2, porosity {result.negative_porosity:.3f}; "
            f"positive {result.positive_thickness_m * 1e6:.1f} um; N/P {result.np_ratio:.3f}; "
            f"capacity {result.metrics.capacity_Ah:.3f} Ah"
        )
    return 0


@_with_design_errors
def run_export(args) -> int:
    from voltvault_core.design.export import design_to_json

    design = _load_design(args)
    data = design_to_json(design)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(data))
    if args.json:
        sys.stdout.write(
            json.dumps({"output": str(args.output), "n_parameters": len(data["parameters"])}) + "\n"
        )
    else:
        print(f"wrote {len(data['parameters'])} parameters to {args.output}")
    return 0


@_with_design_errors
def run_ragone(args) -> int:
    from dataclasses import asdict

    from voltvault_core.design.ragone import DEFAULT_C_RATES, ragone

    design = _load_design(args)
    rates = DEFAULT_C_RATES if not args.c_rates else [float(x) for x in args.c_rates.split(",")]

    def progress(fraction, message=None):
        print(f"[{fraction:4.0%}] {message or ''}", file=sys.stderr)

    points = ragone(design, rates, model=args.model, progress=progress)
    if args.json:
        sys.stdout.write(json.dumps({"model": args.model, "points": [asdict(p) for p in points]}) + "\n")
    else:
        for p in points:
            print(
                f"{p.c_rate:6.2f}C  {p.specific_energy_Wh_kg:7.1f} Wh/kg  {p.specific_power_W_kg:8.1f} W/kg  {p.termination}"
            )
    return 0


def _add_design_source(p, allow_parameter_set: bool = False) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--design", help="design JSON file (CellDesign.to_dict)")
    group.add_argument("--example", choices=sorted(EXAMPLES), help="a built-in reference design")
    if allow_parameter_set:
        group.add_argument("--parameter-set", help="a bundled parameter set's name or a parameter JSON file")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def register(subparsers) -> None:
    """Add ``voltvault design`` and its subcommands."""
    design = subparsers.add_parser("design", help="cell design: metrics, balancing, export, Ragone")
    sub = design.add_subparsers(dest="design_command")
    design.set_defaults(func=lambda args: (design.print_help(), 0)[1])

    p = sub.add_parser("metrics", help="capacity, energy, Wh/kg, Wh/L, N/P of a design or a parameter set")
    _add_design_source(p, allow_parameter_set=True)
    p.set_defaults(func=run_metrics)

    p = sub.add_parser("balance", help="size the negative electrode for an N/P ratio (and a target capacity)")
    _add_design_source(p, allow_parameter_set=True)
    p.add_argument("--np-ratio", type=float, default=1.1, help="target N/P ratio (default 1.1)")
    p.add_argument(
        "--target-capacity-Ah", type=float, default=None, help="resize the positive for this capacity"
    )
    p.add_argument("--negative-porosity", type=float, default=None, help="porosity of the negative coating")
    p.add_argument("--output", type=Path, default=None, help="write the balanced design JSON here")
    p.set_defaults(func=run_balance)

    p = sub.add_parser("export", help="write the design as a PyBaMM-named parameter set JSON")
    _add_design_source(p, allow_parameter_set=True)
    p.add_argument("--output", type=Path, required=True, help="parameter set JSON to write")
    p.set_defaults(func=run_export)

    p = sub.add_parser("ragone", help="simulate C/20..10C discharges and print energy against power")
    _add_design_source(p, allow_parameter_set=True)
    p.add_argument("--model", choices=("spme", "spm", "dfn"), default="spme")
    p.add_argument("--c-rates", default=None, help="comma-separated C-rates (default 0.05,0.1,...,10)")
    p.set_defaults(func=run_ragone)


__all__ = ["register"]
_ = argparse  # argparse namespaces are the handlers' argument
