"""``voltvault cycling import`` and ``voltvault cycling formats``.

``import`` reads one file (or the parts of a split export), prints format, rows, columns and the
per-cycle table (cycle, charge_capacity_Ah, discharge_capacity_Ah, coulombic_efficiency), writes the
BDF frame with ``--output`` (suffix picks CSV, Parquet, Excel, HDF5 or MAT; CSV/Parquet get the metadata
sidecar), and with ``--project`` stores it in the database (needs the primary metadata options).
``--json`` prints exactly one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any


def _progress(fraction: float, message: str | None = None) -> None:
    width = 30
    filled = round(width * max(0.0, min(1.0, fraction)))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}% {message or ''}".ljust(80))
    if fraction >= 1.0:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _import(args) -> int:
    from voltvault_core.cli import CommandError

    try:
        return _import_inner(args)
    except CommandError:
        sys.stderr.write("\n")  # end the progress line before the error message
        raise


def _import_inner(args) -> int:
    from voltvault_core.cli import CommandError
    from voltvault_core.cycling import CyclingError, read_cycling_files, summary
    from voltvault_core.cycling.export import write_dataset
    from voltvault_core.cycling.metrics import compute_cycle_metrics

    mapping = None
    if args.mapping:
        try:
            mapping = json.loads(Path(args.mapping).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the mapping {args.mapping}: {exc}") from exc
    try:
        _progress(0.05, f"reading {', '.join(Path(f).name for f in args.files)}")
        if mapping is not None:
            from voltvault_core.cycling import read_cycling_file

            if len(args.files) != 1:
                raise CommandError("--mapping takes one file")
            parsed = read_cycling_file(args.files[0], "generic", mapping=mapping)
        else:
            parsed = read_cycling_files(args.files, args.format)
        _progress(0.6, "per-cycle metrics")
        metrics = compute_cycle_metrics(parsed.frame)
    except CyclingError as exc:
        raise CommandError(str(exc)) from exc
    except FileNotFoundError as exc:
        raise CommandError(f"{exc.filename}: no such file") from exc
    info = summary(parsed)
    info["cycles"] = [
        {
            "cycle": int(row.cycle),
            "charge_capacity_Ah": _clean(float(row.charge_capacity_Ah)),
            "discharge_capacity_Ah": _clean(float(row.discharge_capacity_Ah)),
            "coulombic_efficiency": _clean(float(row.coulombic_efficiency)),
        }
        for row in metrics.itertuples(index=False)
    ]
    info["source_metadata"] = parsed.source_metadata
    if args.output:
        _progress(0.8, f"writing {args.output}")
        try:
            written = write_dataset(parsed.frame, {"source": parsed.source_metadata}, Path(args.output))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        info["output"] = [str(p) for p in written]
    if args.project is not None:
        info["dataset_id"] = _store(args, parsed)
    _progress(1.0, "done")
    if args.json:
        sys.stdout.write(json.dumps(info, default=str) + "\n")
        return 0
    print(f"format   {info['format']}\nrows     {info['rows']}\ncolumns  {', '.join(info['columns'])}")
    print(f"time     {info['test_time_s'] / 3600:.3f} h, voltage {info['voltage_min_V']:.4f}…{info['voltage_max_V']:.4f} V")
    for warning in info["warnings"]:
        print(f"note     {warning}")
    print(f"{'cycle':>7} {'charge_capacity_Ah':>20} {'discharge_capacity_Ah':>22} {'coulombic_efficiency':>21}")
    for row in info["cycles"]:
        ce = row["coulombic_efficiency"]
        print(f"{row['cycle']:>7} {row['charge_capacity_Ah']:>20.6g} {row['discharge_capacity_Ah']:>22.6g} "
              f"{'' if ce is None else f'{ce:.5f}':>21}")
    if "output" in info:
        print(f"wrote    {', '.join(info['output'])}")
    if "dataset_id" in info:
        print(f"stored   dataset {info['dataset_id']} in project {args.project}")
    return 0


def _store(args, parsed) -> int:
    from voltvault_core.cli import CommandError
    from voltvault_core.cycling import CyclingError
    from voltvault_core.cycling.service import import_dataset
    from voltvault_core.db.engine import create_db_engine, session_scope
    from voltvault_core.db.models import User

    primary = {
        "cell_identifier": args.cell, "chemistry": args.chemistry, "nominal_capacity_Ah": args.nominal_capacity,
        "instrument": args.instrument, "owner": args.owner, "test_objective": args.objective,
    }
    engine = create_db_engine(args.database_url)
    try:
        with session_scope(engine) as session:
            from sqlmodel import select

            actor = session.exec(select(User).where(User.username == args.user)).first()
            if actor is None:
                raise CommandError(f"no user {args.user!r}; create one with 'voltvault user add'")
            data = Path(args.files[0]).read_bytes() if len(args.files) == 1 else b"".join(
                Path(f).read_bytes() for f in args.files
            )
            dataset = import_dataset(
                session, actor, args.project, data=data, filename=" + ".join(Path(f).name for f in args.files),
                primary=primary, parsed=parsed, progress=_progress,
            )
            return int(dataset.id)
    except (CyclingError, PermissionError, LookupError) as exc:
        raise CommandError(str(exc)) from exc
    finally:
        engine.dispose()


def _formats(args) -> int:
    from voltvault_core.cycling import list_formats

    formats = list_formats()
    if args.json:
        sys.stdout.write(json.dumps({"formats": formats}) + "\n")
        return 0
    for fmt in formats:
        note = " (needs --mapping)" if fmt["needs_mapping"] else ""
        print(f"{fmt['name']:<15} {fmt['vendor']:<9} {', '.join(fmt['extensions']):<28} {fmt['label']}{note}")
    return 0


def register(subparsers) -> None:
    """Add ``cycling import`` and ``cycling formats`` to the ``voltvault`` command."""
    cycling = subparsers.add_parser("cycling", help="cycler files: import into BDF, per-cycle metrics")
    sub = cycling.add_subparsers(dest="cycling_command", metavar="ACTION", required=True)

    imp = sub.add_parser("import", help="read a cycler file (or the parts of a split export) into BDF")
    imp.add_argument("files", nargs="+", metavar="FILE", help="the file; several files are parts of one test")
    imp.add_argument("--format", default="auto", help="auto (detect from content) or a name from 'cycling formats'")
    imp.add_argument("--mapping", help="column mapping JSON for the generic reader")
    imp.add_argument("--output", help="write the BDF frame: .bdf.csv, .parquet, .xlsx, .h5 or .mat")
    imp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    store = imp.add_argument_group("store in the database (all of these with --project)")
    store.add_argument("--project", type=int, help="project id to store the dataset in")
    store.add_argument("--user", help="username (editor or owner of the project)")
    store.add_argument("--database-url", help="database URL (default VOLTVAULT_DATABASE_URL)")
    store.add_argument("--cell", help="cell identifier")
    store.add_argument("--chemistry", help="chemistry, e.g. NMC811/graphite")
    store.add_argument("--nominal-capacity", type=float, help="nominal capacity [Ah]")
    store.add_argument("--instrument", help="instrument")
    store.add_argument("--owner", help="owner")
    store.add_argument("--objective", help="test objective")
    imp.set_defaults(func=_import)

    formats = sub.add_parser("formats", help="list the supported cycler formats")
    formats.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    formats.set_defaults(func=_formats)
