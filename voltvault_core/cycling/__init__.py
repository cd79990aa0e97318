"""Cycling data: import every common cycler format into the Battery Data Format (BDF), keep its
layered metadata, extract per-cycle metrics, fit fade trends, flag data-quality problems, export.

Entry points: :func:`read_cycling_file`, :func:`compute_cycle_metrics`, :func:`list_formats`;
persistence in :mod:`voltvault_core.cycling.service`.
"""

from voltvault_core.cycling.errors import CyclingError, CyclingFormatError, MetadataError, UnsafeFileError
from voltvault_core.cycling.importer import (
    combine_parts,
    list_formats,
    read_cycling_bytes,
    read_cycling_file,
    read_cycling_files,
    summary,
)

__all__ = [
    "CyclingError",
    "CyclingFormatError",
    "MetadataError",
    "UnsafeFileError",
    "combine_parts",
    "list_formats",
    "read_cycling_bytes",
    "read_cycling_file",
    "read_cycling_files",
    "summary",
]
