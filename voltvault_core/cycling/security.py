"""Upload safety checks, done BEFORE a parser touches a file (DESIGN.md, Security).

* a size cap (``VOLTVAULT_CYCLING_MAX_MB``, default 1024 MB),
* extension and signature checks (each format's ``sniff`` must recognise the content),
* zip limits for the zip containers (``.xlsx``, ``.ndax``): entry count, total uncompressed size,
  compression ratio (zip bombs) and entry names (no absolute paths or ``..``).

User data is never unpickled: the readers use CSV, Excel, MDB (``mdb-export``), MAT (``scipy.io``
without object arrays of code), NewareNDA's binary parser, galvani and Parquet; none executes content.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path, PurePosixPath

from voltvault_core.cycling.errors import UnsafeFileError

ZIP_MAX_ENTRIES = 5000
ZIP_MAX_TOTAL_BYTES = 1536 * 1024**2
ZIP_MAX_RATIO = 400.0
ZIP_RATIO_MIN_BYTES = 1024**2
#: the whole archive may expand at most this much (real xlsx/ndax exports: 4-10x) plus the slack below;
#: many small sheets each pass the per-entry check (0.18 MB -> 40 MiB of XML before this existed)
ZIP_MAX_TOTAL_RATIO = 40.0
ZIP_TOTAL_SLACK_BYTES = 8 * 1024**2
#: worksheets in one workbook (Arbin splits a channel over numbered sheets; a few dozen at most)
XLSX_MAX_SHEETS = 256


def max_file_bytes() -> int:
    """The upload size cap in bytes (environment ``VOLTVAULT_CYCLING_MAX_MB``, default 1024 MB)."""
    return int(float(os.environ.get("VOLTVAULT_CYCLING_MAX_MB", "1024")) * 1024**2)


def check_size(size_bytes: int, filename: str, limit_bytes: int | None = None) -> None:
    """Refuse empty files and files above the cap."""
    limit = max_file_bytes() if limit_bytes is None else limit_bytes
    if size_bytes == 0:
        raise UnsafeFileError(filename, "the file is empty")
    if size_bytes > limit:
        raise UnsafeFileError(
            filename,
            f"the file is {size_bytes / 1024**2:.0f} MB, above the {limit / 1024**2:.0f} MB limit",
            "split the export into parts, or raise VOLTVAULT_CYCLING_MAX_MB on a self-hosted server",
        )


def check_zip(path: Path, filename: str) -> list[str]:
    """Inspect a zip container without extracting it; return its entry names.

    Raises
    ------
    UnsafeFileError
        Not a zip, too many entries, too large uncompressed, a suspicious compression ratio, or an
        entry name that escapes the archive.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeFileError(filename, f"not a readable zip container ({exc})") from exc
    if len(infos) > ZIP_MAX_ENTRIES:
        raise UnsafeFileError(filename, f"the archive holds {len(infos)} entries (limit {ZIP_MAX_ENTRIES})")
    total = sum(info.file_size for info in infos)
    if total > ZIP_MAX_TOTAL_BYTES:
        raise UnsafeFileError(
            filename,
            f"the archive expands to {total / 1024**2:.0f} MB (limit {ZIP_MAX_TOTAL_BYTES / 1024**2:.0f} MB)",
            "export fewer rows per file",
        )
    archive_bytes = max(path.stat().st_size, 1)
    total_limit = ZIP_MAX_TOTAL_RATIO * archive_bytes + ZIP_TOTAL_SLACK_BYTES
    if total > total_limit:
        raise UnsafeFileError(
            filename,
            f"the archive expands to {total / 1024**2:.0f} MB from {archive_bytes / 1024**2:.2f} MB "
            f"({total / archive_bytes:.0f}:1; at most {ZIP_MAX_TOTAL_RATIO:.0f}:1 plus "
            f"{ZIP_TOTAL_SLACK_BYTES / 1024**2:.0f} MB is read), typical of a zip bomb",
        )
    sheets = [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
    if len(sheets) > XLSX_MAX_SHEETS:
        raise UnsafeFileError(
            filename,
            f"the workbook has {len(sheets)} worksheets (at most {XLSX_MAX_SHEETS} are read)",
            "export the data into fewer sheets, or as CSV",
        )
    for info in infos:
        name = PurePosixPath(info.filename)
        if name.is_absolute() or ".." in name.parts:
            raise UnsafeFileError(filename, f"the archive entry {info.filename!r} points outside the archive")
        if info.file_size > ZIP_RATIO_MIN_BYTES and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeFileError(
                filename,
                f"the entry {info.filename!r} compresses {info.file_size / max(info.compress_size, 1):.0f}:1 "
                f"(limit {ZIP_MAX_RATIO:.0f}:1), typical of a zip bomb",
            )
    return [info.filename for info in infos]


def check_extension(filename: str, allowed: set[str]) -> None:
    """Refuse uploads whose extension no reader uses (numbered Maccor extensions ``.001``... are allowed)."""
    from pathlib import Path

    suffix = Path(filename).suffix.lower()
    if suffix in allowed or (suffix[1:].isdigit() and len(suffix) == 4):
        return
    raise UnsafeFileError(
        filename,
        f"files ending in {suffix or '(no extension)'} are not accepted",
        f"accepted: {', '.join(sorted(allowed))} and Maccor's numbered extensions (.001 ...)",
    )


EXCEL_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_spreadsheet_text(value: object) -> object:
    """Neutralise spreadsheet formula injection: text starting with ``= + - @`` gets a leading quote.

    Numbers are left alone (a negative number is not a formula).
    """
    if isinstance(value, str) and value.startswith(EXCEL_FORMULA_PREFIXES):
        return "'" + value
    return value
