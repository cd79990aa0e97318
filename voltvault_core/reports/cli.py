"""``voltvault report --project NAME [--experiment ID] [--template NAME] --output FILE.pdf|.pptx|.html [--json]``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

OUTPUT_FORMATS = (".pdf", ".pptx", ".html")


def register(subparsers: Any) -> None:
    from voltvault_core.reports.figures import JOURNAL_PRESETS
    from voltvault_core.reports.service import TEMPLATES

    p = subparsers.add_parser("report", help="a PDF, PowerPoint or HTML report of a project",
                              description="Render a project's report from its stored runs, designs and data. "
                                          "Every number cites its provenance record.")
    p.add_argument("--project", required=True, help="project name (a unique prefix is enough)")
    p.add_argument("--experiment", type=int, help="only this experiment in the experiment section")
    p.add_argument("--template", default="project", choices=list(TEMPLATES))
    p.add_argument("--figure-style", default="report", choices=list(JOURNAL_PRESETS),
                   help="figure preset (sizes, fonts)")
    p.add_argument("--output", required=True, help="FILE.pdf, FILE.pptx or FILE.html")
    p.add_argument("--user", help="read as this user (default: anonymous, which may read demo projects)")
    p.add_argument("--database-url", help="database URL (default: VOLTVAULT_DATABASE_URL or the embedded SQLite)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=_report)


def _fail(message: str) -> int:
    print(f"voltvault report: {message}", file=sys.stderr)
    return 2


def _report(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from voltvault_core.auth.permissions import NotFound, PermissionDenied
    from voltvault_core.db.engine import create_db_engine, session_scope
    from voltvault_core.db.migrate import upgrade
    from voltvault_core.db.models import User
    from voltvault_core.reports.figures import FigureStyle
    from voltvault_core.reports.service import ReportError, build_report, find_project

    output = Path(args.output)
    if output.suffix.lower() not in OUTPUT_FORMATS:
        return _fail(f"--output must end in {', '.join(OUTPUT_FORMATS)}, got {output.name!r}")
    start = time.perf_counter()
    engine = create_db_engine(args.database_url)
    upgrade(engine)
    try:
        with session_scope(engine) as session:
            actor = None
            if args.user:
                actor = session.exec(select(User).where(User.username == args.user)).first()
                if actor is None:
                    return _fail(f"no user {args.user!r}")
            project = find_project(session, actor, args.project)
            print(f"collecting {project.name!r} ...", file=sys.stderr)
            report = build_report(session, actor, project.id, experiment_id=args.experiment, template=args.template,
                                  style=FigureStyle.preset(args.figure_style))
            data = render(report, output.suffix.lower())
    except (ReportError, NotFound, PermissionDenied) as exc:
        return _fail(str(exc))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    summary = {"output": str(output), "format": output.suffix.lower().lstrip("."), "bytes": len(data),
               "project": report.project_name, "template": report.template, "figures": len(report.figures),
               "tables": len(report.tables), "sources": len(report.sources),
               "seconds": round(time.perf_counter() - start, 3)}
    if args.json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        print(f"wrote {output} ({summary['figures']} figures, {summary['tables']} tables, "
              f"{summary['sources']} sources, {len(data)} bytes)")
    return 0


def render(report, suffix: str) -> bytes:
    """Bytes of ``report`` in the format of a file suffix (``.pdf``, ``.pptx``, ``.html``)."""
    if suffix == ".pdf":
        from voltvault_core.reports.pdf import render_pdf

        return render_pdf(report)
    if suffix == ".pptx":
        from voltvault_core.reports.pptx import render_pptx

        return render_pptx(report)
    from voltvault_core.reports.pdf import render_html

    return render_html(report).encode()
