"""The registry of cycler-file readers and the content-based format detection.

Each reader module registers its formats with :func:`register_format`: a name, a label, the usual
extensions, a ``sniff(probe) -> score`` that recognises the content (0 = not this format, 1 = certain)
and a ``read(path, context) -> ParsedFile``. :func:`detect_format` asks every format's sniffer and
keeps the best score; the extension only breaks ties, so a Maccor export named ``.078`` or an Arbin
CSV renamed ``.txt`` is still recognised.
"""

from __future__ import annotations

import importlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from voltvault_core.cycling import security
from voltvault_core.cycling.errors import CyclingFormatError
from voltvault_core.cycling.textio import decode_head

HEAD_BYTES = 65536


@dataclass
class Probe:
    """What the sniffers look at: the file's name, size and first bytes (and zip entry names)."""

    path: Path
    filename: str
    size_bytes: int
    head: bytes

    @property
    def suffix(self) -> str:
        """Lower-case extension with the dot (``".csv"``)."""
        return Path(self.filename).suffix.lower()

    @cached_property
    def text(self) -> str:
        """The head decoded as text (UTF-8, GBK, then Latin-1)."""
        return decode_head(self.head, ("utf-8", "gb18030", "cp1252", "latin-1"))

    @cached_property
    def is_binary(self) -> bool:
        """True when the head contains NUL bytes (not a text export)."""
        return b"\x00" in self.head[:8192] and not self.head.startswith((b"\xff\xfe", b"\xfe\xff"))

    @cached_property
    def is_zip(self) -> bool:
        """True for zip containers (xlsx, ndax)."""
        return self.head.startswith(b"PK\x03\x04")

    @cached_property
    def zip_names(self) -> list[str]:
        """Entry names of a zip container (checked against zip-bomb limits first)."""
        if not self.is_zip:
            return []
        return security.check_zip(self.path, self.filename)

    @cached_property
    def xlsx_sheets(self) -> list[str]:
        """Sheet names of an Excel workbook, read from ``xl/workbook.xml`` without loading cells."""
        if "xl/workbook.xml" not in self.zip_names:
            return []
        import re

        with zipfile.ZipFile(self.path) as archive:
            xml = archive.read("xl/workbook.xml")[:1_000_000].decode("utf-8", errors="replace")
        return re.findall(r'<(?:\w+:)?sheet\b[^>]*\bname="([^"]*)"', xml)


@dataclass
class ReadContext:
    """Options a caller passes to a reader."""

    filename: str
    mapping: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedFile:
    """A reader's result: the canonical BDF frame and what the file says about itself.

    Attributes
    ----------
    frame
        BDF frame (:mod:`voltvault_core.bdf` labels, SI units, current positive on charge).
    format_name
        Registry name of the format that read it.
    source_metadata
        Header fields of the file (test name, channel, start time, schedule, ...), JSON-serialisable.
    warnings
        Things a user should know (rows dropped, units inferred, ...).
    """

    frame: pd.DataFrame
    format_name: str
    filename: str
    source_metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def checked(
        cls, frame: pd.DataFrame, format_name: str, filename: str, metadata: dict[str, Any], warnings: list[str]
    ) -> ParsedFile:
        """The last step of every reader: drop rows without time, voltage or current (saying so), then
        check the BDF invariants, naming the file if one is broken."""
        from voltvault_core.cycling import frame as bdf_frame

        frame, dropped = bdf_frame.drop_incomplete_rows(frame)
        if dropped:
            warnings.append(f"{dropped} incomplete row(s) without time, voltage or current were dropped")
        bdf_frame.validate_bdf(frame, filename)
        return cls(frame, format_name, filename, metadata, warnings)


@dataclass(frozen=True)
class CyclerFormat:
    """One registered file format."""

    name: str
    label: str
    extensions: tuple[str, ...]
    sniff: Callable[[Probe], float]
    read: Callable[[Path, ReadContext], ParsedFile]
    vendor: str
    needs_mapping: bool = False


FORMATS: dict[str, CyclerFormat] = {}

_READER_MODULES = ("arbin", "neware", "maccor", "biologic", "nasa", "bdf_files", "generic")
_loaded = False


def register_format(
    name: str,
    *,
    label: str,
    extensions: tuple[str, ...],
    sniff: Callable[[Probe], float],
    vendor: str,
    needs_mapping: bool = False,
) -> Callable[[Callable[[Path, ReadContext], ParsedFile]], Callable[[Path, ReadContext], ParsedFile]]:
    """Decorator registering a reader function under ``name``."""

    def decorator(read: Callable[[Path, ReadContext], ParsedFile]) -> Callable[[Path, ReadContext], ParsedFile]:
        if name in FORMATS:
            raise ValueError(f"cycler format {name!r} is registered twice")
        FORMATS[name] = CyclerFormat(name, label, extensions, sniff, read, vendor, needs_mapping)
        return read

    return decorator


def load_readers() -> dict[str, CyclerFormat]:
    """Import every reader module once (they register themselves) and return the registry."""
    global _loaded
    if not _loaded:
        for module in _READER_MODULES:
            importlib.import_module(f"voltvault_core.cycling.readers.{module}")
        _loaded = True
    return FORMATS


def make_probe(path: Path, filename: str | None = None) -> Probe:
    """Read the head of a file for sniffing, after the size check."""
    path = Path(path)
    filename = filename or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CyclingFormatError(filename, f"cannot be opened ({exc.strerror})") from exc
    security.check_size(size, filename)
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return Probe(path=path, filename=filename, size_bytes=size, head=head)


def detect_format(probe: Probe) -> CyclerFormat:
    """The registered format whose sniffer scores the content highest.

    Raises
    ------
    CyclingFormatError
        When no reader recognises the content (naming the formats that exist and the mapping wizard).
    """
    formats = load_readers()
    scores: list[tuple[float, int, str]] = []
    for fmt in formats.values():
        if fmt.needs_mapping:
            continue
        try:
            score = float(fmt.sniff(probe))
        except security.UnsafeFileError:
            raise
        except Exception:  # a sniffer must never break detection of the others
            score = 0.0
        if score > 0:
            scores.append((score, int(probe.suffix in fmt.extensions), fmt.name))
    if not scores and probe.head.startswith(b"\xd0\xcf\x11\xe0"):
        raise CyclingFormatError(
            probe.filename,
            "this is an old binary Office file (.xls), which is not read",
            "open it in Excel or LibreOffice and save it as .xlsx, or export CSV",
        )
    if not scores:
        raise CyclingFormatError(
            probe.filename,
            "the content matches none of the known cycler formats",
            f"known formats: {', '.join(sorted(n for n, f in formats.items() if not f.needs_mapping))}; "
            "for another CSV or Excel layout use the generic reader with a column mapping "
            "(voltvault_core.cycling.mapping.suggest_mapping)",
        )
    scores.sort(reverse=True)
    return formats[scores[0][2]]


def get_format(name: str) -> CyclerFormat:
    """A registered format by name (an unknown name lists the valid ones)."""
    formats = load_readers()
    if name not in formats:
        raise CyclingFormatError(name, "is not a known cycler format", f"choose one of: {', '.join(sorted(formats))}")
    return formats[name]
