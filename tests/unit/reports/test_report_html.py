"""Report HTML: user text is escaped, and rendering fetches no resources."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from voltvault_core.reports.model import Paragraph, Report, Section, Table
from voltvault_core.reports.pdf import _offline_fetcher, render_html


def _report(text: str) -> Report:
    return Report("T", "", datetime(2026, 1, 1, tzinfo=UTC), "project",
                  [Section("s", "S", [Paragraph(text), Table("c", ["a"], [[text]], ["P1"])])], [],
                  project_name="p", generator="g")


def test_user_text_is_escaped_not_markup():
    html = render_html(_report('<img src="file:///etc/passwd"><script>alert(1)</script>'))
    assert "<img" not in html.split("<body>")[1]
    assert "<script>" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html


def test_the_pdf_renderer_fetches_nothing():
    with pytest.raises(PermissionError, match="refused"):
        _offline_fetcher().fetch("file:///etc/passwd")
