"""``voltvault doe``: run a DOE study from a JSON spec.

::

    voltvault doe run SPEC.json [--json] [--output FILE.csv|.parquet|.xlsx] [--executor local|pool|dask]
    voltvault doe outputs [--json]          # the registry of cell outputs

``--json`` prints one object: ``runs``, ``failed`` (run, inputs, reason), ``wall_s``, ``indices``
(output -> ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` by input name; Morris studies give ``mu_star``,
``mu``, ``sigma``), plus the rejected samples and notes. Progress goes to stderr.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["register"]


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class _Bar:
    def __init__(self) -> None:
        self.last = -1

    def __call__(self, done: int, failed: int, total: int) -> None:
        pct = int(100 * done / max(total, 1))
        if pct != self.last:
            self.last = pct
            filled = pct // 4
            print(f"\r[{'#' * filled}{'.' * (25 - filled)}] {done}/{total} runs, {failed} failed",
                  end="" if done < total else "\n", file=sys.stderr, flush=True)


def _run(args) -> int:
    from voltvault_core.doe.execute import run_study
    from voltvault_core.doe.export import export_frame, runs_frame
    from voltvault_core.doe.study import DOEError, load_spec

    try:
        spec = load_spec(Path(args.spec))
        print(f"study {spec.name!r}: {spec.method} over {len(spec.inputs)} inputs, model {spec.model}",
              file=sys.stderr)
        result = run_study(spec, executor=args.executor, progress=_Bar())
    except DOEError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.executor != "local":
            from voltvault_core.jobs import shutdown_runners

            shutdown_runners(wait=False)
    payload = result.summary_json()
    if args.output:
        out = Path(args.output)
        fmt = out.suffix.lstrip(".").lower() or "csv"
        if fmt not in ("csv", "parquet", "xlsx"):
            print(f"error: --output {out}: use a .csv, .parquet or .xlsx file", file=sys.stderr)
            return 2
        out.write_bytes(export_frame(runs_frame(result), fmt))
        payload["output"] = str(out)
    if args.json:
        sys.stdout.write(json.dumps(_clean(payload)) + "\n")
        return 0
    print(f"{payload['runs']} runs, {len(payload['failed'])} failed, {payload['wall_s']:.2f} s")
    for item in payload["failed"][:20]:
        print(f"  failed run {item['run']}: {item['reason']}")
    for note in payload["notes"]:
        print(f"  {note}")
    for output, idx in payload["indices"].items():
        print(f"{output}: {idx.get('treatment', '')}")
        if "S1" in idx:
            for name in idx["S1"]:
                print(f"  {name:45s} S1 = {idx['S1'][name]:7.4f} ± {idx['S1_conf'][name]:.4f}   "
                      f"ST = {idx['ST'][name]:7.4f} ± {idx['ST_conf'][name]:.4f}")
        else:
            for name in idx["mu_star"]:
                print(f"  {name:45s} mu* = {idx['mu_star'][name]:.4g}   sigma = {idx['sigma'][name]:.4g}")
    return 0


def _outputs(args) -> int:
    from voltvault_core.doe.metrics import METRICS

    rows = {name: {"unit": m.unit, "description": m.description} for name, m in METRICS.items()}
    if args.json:
        sys.stdout.write(json.dumps({"outputs": rows}) + "\n")
    else:
        for name, row in rows.items():
            print(f"{name:28s} [{row['unit']}]  {row['description']}")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("doe", help="design-of-experiments studies: sampling, sensitivity, Pareto")
    sub = parser.add_subparsers(dest="doe_command", required=True)
    p = sub.add_parser("run", help="run a study from a JSON spec (see README: DOE studies)")
    p.add_argument("spec", help="the study spec, a JSON file")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--output", help="write every run (inputs, outputs, sample matrix) to .csv/.parquet/.xlsx")
    p.add_argument("--executor", choices=["local", "pool", "dask"], default="local",
                   help="where the runs go: this process, the job pool, or the Dask cluster of "
                        "VOLTVAULT_DASK_SCHEDULER (default local)")
    p.set_defaults(func=_run)
    p = sub.add_parser("outputs", help="list the outputs a cell study can measure")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_outputs)

