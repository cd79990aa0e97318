"""``voltvault run export ID --output FILE.vvrun`` · ``voltvault run import FILE --project NAME`` ·
``voltvault run provenance ID`` · ``voltvault run reproduce ID``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    run = subparsers.add_parser("run", help="run bundles (.vvrun) and provenance of saved runs")
    sub = run.add_subparsers(dest="run_command", metavar="ACTION", required=True)

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--user", help="act as this user (default: anonymous, which may read demo projects)")
        p.add_argument("--database-url", help="database URL (default: VOLTVAULT_DATABASE_URL or the embedded SQLite)")
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        return p

    p = common(sub.add_parser("export", help="write a saved run as a .vvrun bundle"))
    p.add_argument("id", type=int, help="simulation id")
    p.add_argument("--output", required=True, help="FILE.vvrun")
    p.add_argument("--no-report", action="store_true", help="leave the PDF report out of the bundle")
    p.set_defaults(func=_export)
    p = common(sub.add_parser("import", help="store a .vvrun bundle's run in a project"))
    p.add_argument("file", help="FILE.vvrun")
    p.add_argument("--project", required=True, help="project name (a unique prefix is enough)")
    p.add_argument("--name", default="", help="name of the imported run")
    p.set_defaults(func=_import)
    p = common(sub.add_parser("provenance", help="show a run's provenance record"))
    p.add_argument("id", type=int, help="simulation id")
    p.set_defaults(func=_provenance)
    p = common(sub.add_parser("reproduce", help="re-run a run from its provenance record and compare"))
    p.add_argument("id", type=int, help="simulation id")
    p.set_defaults(func=_reproduce)


def _fail(message: str) -> int:
    print(f"voltvault run: {message}", file=sys.stderr)
    return 2


def _session(args):
    from voltvault_core.db.engine import create_db_engine, session_scope
    from voltvault_core.db.migrate import upgrade

    engine = create_db_engine(args.database_url)
    upgrade(engine)
    return session_scope(engine)


def _actor(session, args):
    from sqlmodel import select

    from voltvault_core.db.models import User

    if not args.user:
        return None
    actor = session.exec(select(User).where(User.username == args.user)).first()
    if actor is None:
        raise LookupError(f"no user {args.user!r}")
    return actor


def _emit(args, payload: dict, text: str) -> None:
    if args.json:
        sys.stdout.write(json.dumps(payload, default=str) + "\n")
    else:
        print(text)


_ERRORS: tuple[type[Exception], ...] = (LookupError, PermissionError, ValueError, RuntimeError)


def _export(args) -> int:
    from voltvault_core.tracking.bundle import export_bundle

    output = Path(args.output)
    if output.suffix != ".vvrun":
        return _fail(f"--output must end in .vvrun, got {output.name!r}")
    try:
        with _session(args) as session:
            data = export_bundle(session, _actor(session, args), args.id, with_report=not args.no_report)
    except _ERRORS as exc:
        return _fail(str(exc))
    output.write_bytes(data)
    _emit(args, {"output": str(output), "bytes": len(data), "simulation_id": args.id},
          f"wrote {output} ({len(data)} bytes)")
    return 0


def _import(args) -> int:
    from voltvault_core.reports.service import find_project
    from voltvault_core.tracking.bundle import import_bundle

    path = Path(args.file)
    if not path.is_file():
        return _fail(f"no file {path}")
    try:
        with _session(args) as session:
            actor = _actor(session, args)
            project = find_project(session, actor, args.project)
            row = import_bundle(session, actor, project.id, data=path.read_bytes(), name=args.name)
            payload = {"simulation_id": row.id, "project": project.name, "name": row.name,
                       "termination": row.termination}
    except _ERRORS as exc:
        return _fail(str(exc))
    _emit(args, payload, f"imported {payload['name']!r} as simulation {payload['simulation_id']} into {payload['project']!r}")
    return 0


def _provenance(args) -> int:
    from voltvault_core.tracking.provenance import get_provenance, verify_record

    try:
        with _session(args) as session:
            row = get_provenance(session, _actor(session, args), "simulation", args.id)
            payload = {"record": row.record, "record_sha256": row.record_sha256, "problems": verify_record(row)}
    except _ERRORS as exc:
        return _fail(str(exc))
    _emit(args, payload, json.dumps(payload, indent=1, default=str))
    return 0


def _reproduce(args) -> int:
    from voltvault_core.tracking.provenance import reproduce_simulation

    try:
        with _session(args) as session:
            outcome = reproduce_simulation(session, _actor(session, args), args.id)
    except _ERRORS as exc:
        return _fail(str(exc))
    _emit(args, outcome.to_dict(), outcome.message)
    return 0 if outcome.reproduced else 1
