"""The parts a report is made of, independent of its output format (PDF, PowerPoint, HTML).

A :class:`Report` is sections of blocks: paragraphs, tables and figures. Every table and figure carries
``sources``: the provenance references (``P1``, ``P2``...) of the runs, imports and fits its numbers come
from, listed with their hashes, versions and times in the report's provenance appendix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from matplotlib.figure import Figure


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Any]]
    sources: list[str] = field(default_factory=list)
    key: bool = True  # shown in slide decks too


@dataclass
class FigureBlock:
    caption: str
    figure: Figure
    sources: list[str] = field(default_factory=list)
    key: bool = True
    name: str = "figure"  # file stem in figure exports


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Paragraph | Table | FigureBlock] = field(default_factory=list)


@dataclass
class SourceRef:
    """One provenance reference of the appendix."""

    ref: str
    kind: str  # simulation | cycling_dataset | eis_fit | cell_design | experiment
    target_id: int
    label: str
    input_sha256: str = ""
    parameter_set_sha256: str = ""
    input_data_sha256: str = ""
    result_sha256: str = ""
    package_version: str = ""
    source_revision: str = ""
    finished_at: str = ""
    who: str = ""
    note: str = ""


@dataclass
class Report:
    title: str
    subtitle: str
    generated_at: datetime
    template: str
    sections: list[Section]
    sources: list[SourceRef]
    project_name: str = ""
    generator: str = ""

    @property
    def figures(self) -> list[FigureBlock]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, FigureBlock)]

    @property
    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]
