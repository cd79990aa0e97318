"""The ``voltvault`` command (also ``python -m voltvault_core``).

Foundation commands live here (``db``, ``user``, ``serve``, ``demo``); feature commands (``simulate``,
``cycling``, ``eis``, ``design``, ``materials``, ...) come from modules that define
``register(subparsers)``, listed in :data:`FEATURE_COMMAND_MODULES`. Every command that prints data
takes ``--json`` (exactly one JSON object on stdout) and reports progress on stderr.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

#: feature command -> the module whose ``register(subparsers)`` defines it. Only the module of the command
#: being run is imported (the EIS and design modules take seconds to import: scipy.signal, sqlmodel);
#: ``voltvault --help`` and an unknown command import them all.
FEATURE_COMMANDS = {
    "simulate": "voltvault_core.simulation.cli",
    "cycling": "voltvault_core.cycling.cli",
    "eis": "voltvault_core.eis.cli",
    "design": "voltvault_core.design.cli",
    "materials": "voltvault_core.materials.cli",
    "jobs": "voltvault_core.jobs.cli",
    "thermal": "voltvault_core.thermal.cli",
    "report": "voltvault_core.reports.cli",
    "run": "voltvault_core.tracking.run_cli",
    "doe": "voltvault_core.doe.cli",
}
FEATURE_COMMAND_MODULES = tuple(FEATURE_COMMANDS.values())
FOUNDATION_COMMANDS = ("db", "user", "serve", "demo")

REPO_ROOT = Path(__file__).resolve().parents[1]


class CommandError(Exception):
    """A command failed for a reason the user can fix; printed as one line, exit code 2."""


def _engine(args):
    from voltvault_core.db.engine import create_db_engine

    return create_db_engine(getattr(args, "database_url", None))


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, default=str) + "\n")


# --- db ---------------------------------------------------------------------------------------------
def _db_upgrade(args) -> int:
    from voltvault_core.db.migrate import current_revision, upgrade

    engine = _engine(args)
    upgrade(engine)
    revision = current_revision(engine)
    if args.json:
        _print_json({"database": engine.url.render_as_string(hide_password=True), "revision": revision})
    else:
        print(f"database {engine.url.render_as_string(hide_password=True)} is at revision {revision}")
    return 0


def _db_current(args) -> int:
    from voltvault_core.db.migrate import current_revision, head_revision

    engine = _engine(args)
    info = {"database": engine.url.render_as_string(hide_password=True), "revision": current_revision(engine),
            "head": head_revision()}
    info["up_to_date"] = info["revision"] == info["head"]
    if args.json:
        _print_json(info)
    else:
        print(f"{info['database']}: revision {info['revision']} (head {info['head']})")
    return 0


# --- user -------------------------------------------------------------------------------------------
def _user_add(args) -> int:
    from voltvault_core.auth.users import UserError, add_user
    from voltvault_core.db.engine import session_scope
    from voltvault_core.db.migrate import upgrade

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif args.password is not None:
        password = args.password
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise CommandError("the two passwords differ")
    else:
        raise CommandError("give --password-stdin (recommended) or --password")
    engine = _engine(args)
    upgrade(engine)
    try:
        with session_scope(engine) as session:
            user = add_user(session, None, username=args.username, email=args.email, name=args.name or args.username,
                            password=password, is_admin=args.admin)
            result = {"id": user.id, "username": user.username, "is_admin": user.is_admin}
    except UserError as exc:
        raise CommandError(str(exc)) from exc
    if args.json:
        _print_json(result)
    else:
        print(f"added {'administrator' if result['is_admin'] else 'user'} {result['username']!r}")
    return 0


def _user_list(args) -> int:
    from sqlmodel import select

    from voltvault_core.db.engine import session_scope
    from voltvault_core.db.models import User

    with session_scope(_engine(args)) as session:
        rows = [{"username": u.username, "name": u.name, "email": u.email, "is_admin": u.is_admin,
                 "is_active": u.is_active} for u in session.exec(select(User).order_by(User.username)).all()]
    if args.json:
        _print_json({"users": rows})
    else:
        for row in rows:
            print(f"{row['username']:<20} {row['name']:<24} {row['email']:<30} {'admin' if row['is_admin'] else ''}")
    return 0


# --- demo and serve ---------------------------------------------------------------------------------
def _demo_seed(args) -> int:
    from voltvault_core.db.migrate import upgrade
    from voltvault_core.demo import seed_demo

    engine = _engine(args)
    upgrade(engine)
    summary = seed_demo(engine)
    if args.json:
        _print_json(summary)
    else:
        print(f"demo project {summary['project']!r} (id {summary['project_id']}): " +
              ", ".join(f"{k} {v}" for k, v in summary["contents"].items()))
    return 0


def _serve(args) -> int:
    home = REPO_ROOT / "Home.py"
    if not home.exists():
        raise CommandError(f"{home} not found: run `voltvault serve` from a checkout of the repository")
    env = dict(os.environ)
    if args.database_url:
        env["VOLTVAULT_DATABASE_URL"] = args.database_url
    if args.demo:
        env["VOLTVAULT_DEMO"] = "1"
    command = [sys.executable, "-m", "streamlit", "run", str(home), "--server.port", str(args.port),
               "--server.address", args.address, "--server.headless", "true"]
    if os.name == "posix":  # become the server: a signal to `voltvault serve` stops it, no orphan is left
        os.chdir(REPO_ROOT)
        os.execve(sys.executable, command, env)
    return subprocess.call(command, cwd=REPO_ROOT, env=env)


# --- parser -----------------------------------------------------------------------------------------
def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``command`` (the one being run) only the module defining it is imported."""
    parser = argparse.ArgumentParser(
        prog="voltvault",
        description="VoltVault: battery simulation, cycling data, EIS fitting and cell design.",
        epilog="Database: VOLTVAULT_DATABASE_URL (default: an SQLite file in VOLTVAULT_HOME, ./var).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--database-url", help="database URL (default: VOLTVAULT_DATABASE_URL or the embedded SQLite)")
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        return p

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    with_db(db_sub.add_parser("upgrade", help="apply migrations (also run at app start)")).set_defaults(func=_db_upgrade)
    with_db(db_sub.add_parser("current", help="show the schema revision")).set_defaults(func=_db_current)

    user = sub.add_parser("user", help="user accounts")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = with_db(user_sub.add_parser("add", help="add a user (passwords are stored as bcrypt hashes)"))
    add.add_argument("--username", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--name", help="display name (default: the username)")
    add.add_argument("--admin", action="store_true", help="make the user an administrator")
    secret = add.add_mutually_exclusive_group()
    secret.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    secret.add_argument("--password", help="the password (visible in your shell history; prefer --password-stdin)")
    add.set_defaults(func=_user_add)
    with_db(user_sub.add_parser("list", help="list users")).set_defaults(func=_user_list)

    demo = sub.add_parser("demo", help="the read-only demo project")
    demo_sub = demo.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    with_db(demo_sub.add_parser("seed", help="create or refresh the demo project")).set_defaults(func=_demo_seed)

    serve = sub.add_parser("serve", help="start the web app (Streamlit)")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--address", default="127.0.0.1",
                       help="interface to listen on (default: this machine only; 0.0.0.0 exposes it to the "
                            "network, better behind a TLS reverse proxy)")
    serve.add_argument("--database-url")
    serve.add_argument("--demo", action="store_true", help="public read-only demo without login")
    serve.set_defaults(func=_serve)

    if command in FEATURE_COMMANDS:
        modules = (FEATURE_COMMANDS[command],)
    elif command in FOUNDATION_COMMANDS:
        modules = ()
    else:
        modules = FEATURE_COMMAND_MODULES
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # that feature is not installed in this build
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    command = words[0] if words and not words[0].startswith("-") else None
    parser = build_parser(command)
    args = parser.parse_args(words)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"voltvault {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # database and unexpected errors: logged in full, shown as one plain line
        if os.environ.get("VOLTVAULT_DEBUG"):
            raise
        return _report_unexpected(args, exc)


def _report_unexpected(args, exc: Exception) -> int:
    """Log ``exc`` with its traceback to ``$VOLTVAULT_HOME/voltvault.log``; print a plain line (exit 1).

    A traceback would print SQL and its parameters (a bcrypt hash in a unique violation) on the terminal
    and in CI logs. ``VOLTVAULT_DEBUG=1`` re-raises instead.
    """
    import logging

    from voltvault_core.db.engine import home_dir
    from voltvault_core.errors import USER_ERROR_TYPES, is_database_error, log, public_message

    log_path = home_dir() / "voltvault.log"
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    propagate, log.propagate = log.propagate, False  # not to stderr through the last-resort handler
    try:
        message = public_message(exc, f"voltvault {args.command}")
    finally:
        log.removeHandler(handler)
        log.propagate = propagate
        handler.close()
    hidden = is_database_error(exc) or not isinstance(exc, USER_ERROR_TYPES)
    print(message + (f" Log: {log_path}" if hidden else ""), file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
