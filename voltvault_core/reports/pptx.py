"""A :class:`~voltvault_core.reports.model.Report` as a PowerPoint deck (python-pptx, 16:9).

One title slide, one slide per key figure (PNG at 300 dpi: PowerPoint has no portable vector import) and
per key table, and a provenance slide (references with short hashes; the PDF has them in full).
"""

from __future__ import annotations

import io

from voltvault_core.reports.figures import figure_bytes
from voltvault_core.reports.model import FigureBlock, Report, Table

MAX_TABLE_ROWS = 14
MAX_TABLE_COLUMNS = 10


def _text(frame, text: str, size_pt: float, bold: bool = False) -> None:
    from pptx.util import Pt

    frame.text = text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size_pt)
            run.font.bold = bold


def render_pptx(report: Report) -> bytes:
    """The deck as ``.pptx`` bytes."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    deck.core_properties.title = report.title
    deck.core_properties.author = "VoltVault"
    deck.core_properties.created = report.generated_at.replace(tzinfo=None)
    deck.core_properties.modified = report.generated_at.replace(tzinfo=None)
    deck.core_properties.last_modified_by = "VoltVault"
    blank = deck.slide_layouts[6]

    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = report.title
    slide.placeholders[1].text = (f"{report.subtitle + ' · ' if report.subtitle else ''}"
                                  f"{report.generated_at:%Y-%m-%d %H:%M} UTC · {report.generator}")

    def titled(title: str):
        s = deck.slides.add_slide(blank)
        box = s.shapes.add_textbox(Inches(0.5), Inches(0.25), Inches(12.3), Inches(0.8))
        _text(box.text_frame, title, 24, bold=True)
        return s

    n_fig = n_tab = 0
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, FigureBlock):
                n_fig += 1
                if not block.key:
                    continue
                s = titled(f"{section.title}: figure {n_fig}")
                png = figure_bytes(block.figure, "png", dpi=300)
                width_in, height_in = block.figure.get_size_inches()
                scale = min(12.3 / width_in, 5.6 / height_in)
                s.shapes.add_picture(io.BytesIO(png), Inches(0.5 + (12.3 - width_in * scale) / 2), Inches(1.1),
                                     width=Inches(width_in * scale), height=Inches(height_in * scale))
                caption = s.shapes.add_textbox(Inches(0.5), Inches(6.8), Inches(12.3), Inches(0.5))
                _text(caption.text_frame, f"{block.caption} Sources: {', '.join(block.sources)}.", 11)
            elif isinstance(block, Table):
                n_tab += 1
                if not block.key or not block.rows:
                    continue
                s = titled(f"{section.title}: table {n_tab}")
                columns = block.columns[:MAX_TABLE_COLUMNS]
                rows = [r[:MAX_TABLE_COLUMNS] for r in block.rows[:MAX_TABLE_ROWS]]
                shape = s.shapes.add_table(len(rows) + 1, len(columns), Inches(0.5), Inches(1.1), Inches(12.3),
                                           Inches(0.3 * (len(rows) + 1)))
                table = shape.table
                size = 12 if len(columns) <= 6 else 9
                for j, name in enumerate(columns):
                    _text(table.cell(0, j).text_frame, str(name), size, bold=True)
                for i, row in enumerate(rows, start=1):
                    for j, value in enumerate(row):
                        _text(table.cell(i, j).text_frame, str(value), size)
                note = block.caption
                if len(block.rows) > MAX_TABLE_ROWS or len(block.columns) > MAX_TABLE_COLUMNS:
                    note += " (shortened; the PDF report has the whole table)"
                caption = s.shapes.add_textbox(Inches(0.5), Inches(6.8), Inches(12.3), Inches(0.5))
                _text(caption.text_frame, note, 11)

    s = titled("Provenance")
    box = s.shapes.add_textbox(Inches(0.5), Inches(1.1), Inches(12.3), Inches(6.0))
    frame = box.text_frame
    frame.word_wrap = True
    lines = [f"{r.ref}  {r.kind} {r.target_id}: {r.label}"
             + (f" · inputs {r.input_sha256[:12]} · result {r.result_sha256[:12]} · rev {r.source_revision[:12]}"
                if r.input_sha256 else f" · {r.note}") for r in report.sources]
    _text(frame, "\n".join(lines) or "no sources", 10 if len(lines) < 20 else 8)
    for paragraph in frame.paragraphs:
        paragraph.space_after = Pt(2)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
