"""A :class:`~voltvault_core.reports.model.Report` as HTML (Jinja2 template) and PDF (WeasyPrint).

Figures are inline SVG (vector in the PDF). The PDF's dates are the report's ``generated_at``, so equal
inputs and date give byte-identical files.
"""

from __future__ import annotations

import io
from datetime import UTC
from pathlib import Path
from typing import Any

import jinja2

from voltvault_core.reports.figures import svg_for_html
from voltvault_core.reports.model import FigureBlock, Paragraph, Report, Table

TEMPLATE_DIR = Path(__file__).with_name("templates")
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=jinja2.select_autoescape(["html"]),
                          undefined=jinja2.StrictUndefined)


def _blocks(report: Report) -> list[dict[str, Any]]:
    sections, n_fig, n_tab = [], 0, 0
    for section in report.sections:
        blocks = []
        for block in section.blocks:
            if isinstance(block, Paragraph):
                blocks.append({"kind": "paragraph", "text": block.text})
            elif isinstance(block, Table):
                n_tab += 1
                blocks.append({"kind": "table", "number": n_tab, "caption": block.caption, "columns": block.columns,
                               "rows": block.rows, "sources": block.sources})
            elif isinstance(block, FigureBlock):
                n_fig += 1
                blocks.append({"kind": "figure", "number": n_fig, "caption": block.caption,
                               "svg": svg_for_html(block.figure, f"fig{n_fig}"), "sources": block.sources})
        sections.append({"key": section.key, "title": section.title, "blocks": blocks})
    return sections


def render_html(report: Report) -> str:
    """The report as one self-contained HTML document (inline SVG figures)."""
    moment = report.generated_at.astimezone(UTC)
    view = {"title": report.title, "subtitle": report.subtitle, "template": report.template,
            "project_name": report.project_name, "generator": report.generator,
            "sections": _blocks(report), "sources": report.sources}
    return _ENV.get_template("report.html").render(report=view, created=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                                   stamp=moment.strftime("%Y-%m-%d %H:%M UTC"))


def _offline_fetcher():
    """A URL fetcher that fetches nothing: a report is self-contained (inline SVG, fonts from fontconfig), so
    no text in it (names, notes) can make WeasyPrint read a local file or reach the network."""
    from weasyprint.urls import URLFetcher

    class _Refuse(URLFetcher):
        def fetch(self, url, headers=None):
            raise PermissionError(f"reports fetch no resources ({url!r} refused)")

    return _Refuse()


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes (WeasyPrint; fonts from fontconfig, no network, no file reads)."""
    import weasyprint

    html = render_html(report)
    buffer = io.BytesIO()
    weasyprint.HTML(string=html, base_url=str(TEMPLATE_DIR), url_fetcher=_offline_fetcher()).write_pdf(buffer)
    return buffer.getvalue()
