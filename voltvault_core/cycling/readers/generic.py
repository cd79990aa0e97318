"""Generic CSV / text / Excel tables, read through a confirmed column mapping (the wizard,
:mod:`voltvault_core.cycling.mapping`). Never chosen by auto-detection: a mapping is needed."""

from __future__ import annotations

from pathlib import Path

from voltvault_core.cycling.errors import CyclingFormatError
from voltvault_core.cycling.mapping import apply_mapping, load_table, suggest_mapping
from voltvault_core.cycling.readers import ParsedFile, Probe, ReadContext, register_format


def _sniff(probe: Probe) -> float:
    return 0.05 if (probe.is_zip or not probe.is_binary) else 0.0


@register_format(
    "generic",
    label="Generic CSV/Excel table (column-mapping wizard)",
    extensions=(".csv", ".txt", ".tsv", ".xlsx", ".dat"),
    sniff=_sniff,
    vendor="any",
    needs_mapping=True,
)
def read_generic(path: Path, context: ReadContext) -> ParsedFile:
    """Read a table with the mapping in ``context.mapping`` (a missing one raises with a suggestion)."""
    mapping = context.mapping
    table = load_table(
        path,
        context.filename,
        header_row=(mapping or {}).get("header_row"),
        sheet=(mapping or {}).get("sheet"),
    )
    if mapping is None:
        suggestion = suggest_mapping(list(table.columns))
        mapped = ", ".join(f"{k} <- {v['source']!r}" for k, v in suggestion["columns"].items())
        raise CyclingFormatError(
            context.filename,
            "the generic reader needs a column mapping",
            f"suggested: {mapped or 'nothing recognised'}; confirm it in the Cycling Data page's mapping wizard",
        )
    frame = apply_mapping(table, mapping, context.filename)
    return ParsedFile(frame, "generic", context.filename, {"mapping": {k: v for k, v in mapping.items() if k != "scores"}}, [])
