"""``voltvault materials ...``: list, search, show and check the materials library."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _error(message: str):
    from voltvault_core.cli import CommandError

    return CommandError(" ".join(str(message).split()))


def run_list(args) -> int:
    from voltvault_core.materials import load_library

    try:
        hits = load_library().search(args.search or "", args.type)
    except ValueError as exc:
        raise _error(exc) from None
    if args.json:
        rows = [m.to_dict() for m in hits]
        sys.stdout.write(json.dumps({"count": len(rows), "materials": rows}) + "\n")
    else:
        for m in hits:
            est = " (some values estimated)" if m.estimated_properties else ""
            print(f"{m.type:12s} {m.id:22s} {m.name}{est}")
    return 0


def run_show(args) -> int:
    from voltvault_core.materials import load_library

    try:
        material = load_library()[args.id]
    except KeyError as exc:
        raise _error(exc.args[0]) from None
    if args.json:
        sys.stdout.write(json.dumps(material.to_dict()) + "\n")
    else:
        print(f"{material.name} [{material.id}, {material.type}]")
        for name, v in material.properties.items():
            print(f"  {name:42s} {v.value!s:>24}  [{v.source}]")
        for line in material.citations:
            print(f"  {line}")
    return 0


def run_check(args) -> int:
    from voltvault_core.materials import MaterialLibraryError, load_library

    try:
        lib = load_library(args.directory)
    except MaterialLibraryError as exc:
        if args.json:
            sys.stdout.write(json.dumps({"ok": False, "problems": str(exc).splitlines()[1:]}) + "\n")
            return 1
        raise _error(exc) from None
    if args.json:
        sys.stdout.write(json.dumps({"ok": True, "count": len(lib)}) + "\n")
    else:
        print(f"{len(lib)} materials, every value cited")
    return 0


def register(subparsers) -> None:
    """Add ``voltvault materials`` and its subcommands."""
    from voltvault_core.materials.schema import MATERIAL_TYPES

    materials = subparsers.add_parser("materials", help="the cited materials library")
    sub = materials.add_subparsers(dest="materials_command")
    materials.set_defaults(func=lambda args: (materials.print_help(), 0)[1])

    p = sub.add_parser("list", help="list or search materials")
    p.add_argument("--type", choices=MATERIAL_TYPES, default=None)
    p.add_argument("--search", default="", help="words to look for in id, name or formula")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run_list)

    p = sub.add_parser("show", help="every value of one material with its source")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_show)

    p = sub.add_parser("check", help="check material data files against the schema")
    p.add_argument("--directory", type=Path, default=None, help="data directory (default: the shipped one)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_check)
