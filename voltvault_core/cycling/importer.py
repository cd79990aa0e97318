"""The import entry points: read any supported file (or the parts of a split export) into BDF."""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from voltvault_core import bdf
from voltvault_core.cycling.errors import CyclingFormatError
from voltvault_core.cycling.readers import (
    FORMATS,
    ParsedFile,
    ReadContext,
    detect_format,
    get_format,
    load_readers,
    make_probe,
)

#: what the parsing libraries raise on damaged content (numbers beyond range, broken deflate streams,
#: truncated structs, bad zip members, ...): turned into a CyclingFormatError naming the file
READER_FAILURES: tuple[type[BaseException], ...] = (
    ValueError,  # UnicodeError, json.JSONDecodeError, pandas' ParserError, numpy casting errors
    LookupError,  # KeyError, IndexError
    TypeError,
    OSError,  # h5py, zip, mdb pipes
    EOFError,
    ArithmeticError,  # OverflowError, ZeroDivisionError
    zlib.error,
    struct.error,
    zipfile.BadZipFile,
    pd.errors.ParserError,
    RecursionError,
    NotImplementedError,  # scipy.io / galvani: an unsupported variant of a structure
)


def list_formats() -> list[dict[str, Any]]:
    """Registered formats as dicts (name, label, vendor, extensions, needs_mapping), sorted by vendor."""
    load_readers()
    return [
        {
            "name": f.name,
            "label": f.label,
            "vendor": f.vendor,
            "extensions": [e for e in f.extensions if not e[1:].isdigit()] + ([".NNN"] if any(e[1:].isdigit() for e in f.extensions) else []),
            "needs_mapping": f.needs_mapping,
        }
        for f in sorted(FORMATS.values(), key=lambda f: (f.vendor, f.name))
    ]


def accepted_extensions() -> set[str]:
    """Every extension a registered reader uses (numbered Maccor extensions aside)."""
    load_readers()
    return {e for f in FORMATS.values() for e in f.extensions if not e[1:].isdigit()}


def read_cycling_file(
    path: str | Path,
    format: str = "auto",
    *,
    filename: str | None = None,
    mapping: dict[str, Any] | None = None,
) -> ParsedFile:
    """Read one cycler file into the canonical BDF frame.

    Parameters
    ----------
    path
        The file on disk.
    format
        ``"auto"`` (detected from the content) or a registered name (see :func:`list_formats`);
        an explicit format must still recognise the content (signature check).
    filename
        Name shown in messages (an upload's original name); defaults to the path's name.
    mapping
        Column mapping for the ``generic`` format (see :mod:`voltvault_core.cycling.mapping`).

    Raises
    ------
    CyclingFormatError
        Naming the file and what was wrong; nothing is stored by this function.
    """
    path = Path(path)
    probe = make_probe(path, filename)
    if format == "auto":
        fmt = get_format("generic") if mapping is not None else detect_format(probe)
    else:
        fmt = get_format(format)
        try:
            recognised = fmt.needs_mapping or fmt.sniff(probe) > 0
        except CyclingFormatError:
            raise
        except Exception:  # a sniffer must never crash the import: an unrecognised file is refused
            recognised = False
        if not recognised:
            raise CyclingFormatError(
                probe.filename,
                f"the content does not look like {fmt.label}",
                "use --format auto to detect the format from the content",
            )
    try:
        return fmt.read(path, ReadContext(filename=probe.filename, mapping=mapping))
    except CyclingFormatError:
        raise
    except MemoryError as exc:
        raise CyclingFormatError(
            probe.filename, f"reading it as {fmt.label} needs more memory than this import may use",
            "split the export into parts",
        ) from exc
    except READER_FAILURES as exc:
        raise CyclingFormatError(
            probe.filename, f"could not be read as {fmt.label} ({type(exc).__name__}: {_short(exc)})"
        ) from exc


def _short(exc: BaseException, limit: int = 300) -> str:
    text = str(exc)
    return text if len(text) <= limit else text[:limit] + " ..."


def read_cycling_bytes(data: bytes, filename: str, format: str = "auto", *, mapping: dict[str, Any] | None = None) -> ParsedFile:
    """:func:`read_cycling_file` for in-memory uploads (written to a private temporary file).

    Uploads must carry an extension some reader uses (:func:`voltvault_core.cycling.security.check_extension`).
    """
    from voltvault_core.cycling.security import check_extension

    check_extension(filename, accepted_extensions())
    suffix = Path(filename).suffix
    sweep_stale_uploads()
    with upload_directory() as tmp:
        target = tmp / f"upload{suffix}"
        target.write_bytes(data)
        return read_cycling_file(target, format, filename=filename, mapping=mapping)


def upload_root() -> Path:
    """Where uploads are copied while a reader parses them (``<tmp>/voltvault-uploads``)."""
    return Path(tempfile.gettempdir()) / "voltvault-uploads"


@contextlib.contextmanager
def upload_directory():
    """A private directory for one upload's copy, named after this process (``<pid>-<random>``).

    Removed when the block ends, also on errors. A process killed while parsing (a cancelled or
    timed-out import job, whose worker is killed) cannot remove it; :func:`sweep_stale_uploads`
    removes such directories the next time any process reads an upload.
    """
    root = upload_root()
    root.mkdir(mode=0o700, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sweep_stale_uploads() -> int:
    """Remove upload copies left by processes that no longer run; return how many were removed."""
    root = upload_root()
    removed = 0
    try:
        entries = list(root.iterdir())
    except OSError:
        return 0
    for entry in entries:
        pid_text = entry.name.split("-", 1)[0]
        if not pid_text.isdigit() or _process_alive(int(pid_text)):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed += 1
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def combine_parts(parts: Sequence[ParsedFile]) -> ParsedFile:
    """Join the parts of a split export (Neware ``_1``, ``_2`` files; Arbin continuation files).

    Parts are ordered by their first test time. When a part's time restarts at zero it is shifted to
    continue after the previous part. Step counts are renumbered to stay unique.
    """
    if not parts:
        raise ValueError("no parts to combine")
    if len(parts) == 1:
        return parts[0]
    ordered = sorted(parts, key=lambda p: float(p.frame[bdf.TEST_TIME].iloc[0]))
    frames = []
    last_time, last_step = None, 0
    warnings: list[str] = []
    for part in ordered:
        frame = part.frame.copy()
        if last_time is not None and frame[bdf.TEST_TIME].iloc[0] < last_time:
            frame[bdf.TEST_TIME] += last_time - frame[bdf.TEST_TIME].iloc[0]
            warnings.append(f"{part.filename}: test time restarted; shifted to follow the previous part")
        frame[bdf.STEP] = frame[bdf.STEP] + last_step
        last_time = float(frame[bdf.TEST_TIME].iloc[-1])
        last_step = int(frame[bdf.STEP].max())
        frames.append(frame)
    combined = pd.concat(frames, ignore_index=True)
    first = ordered[0]
    metadata = dict(first.source_metadata)
    metadata["parts"] = [p.filename for p in ordered]
    return ParsedFile(
        combined,
        first.format_name,
        " + ".join(p.filename for p in ordered),
        metadata,
        [w for p in ordered for w in p.warnings] + warnings,
    )


def read_cycling_files(paths: Sequence[str | Path], format: str = "auto") -> ParsedFile:
    """Read the parts of a split export and join them (:func:`combine_parts`)."""
    return combine_parts([read_cycling_file(p, format) for p in paths])


def summary(parsed: ParsedFile) -> dict[str, Any]:
    """Short description of a parsed file: rows, columns, cycles, time span, voltage range."""
    frame = parsed.frame
    time_s = frame[bdf.TEST_TIME].to_numpy(dtype=float)
    voltage = frame[bdf.VOLTAGE].to_numpy(dtype=float)
    return {
        "format": parsed.format_name,
        "filename": parsed.filename,
        "rows": len(frame),
        "columns": list(frame.columns),
        "n_cycles": int(frame[bdf.CYCLE].nunique()),
        "test_time_s": float(np.nanmax(time_s) - np.nanmin(time_s)),
        "voltage_min_V": float(np.nanmin(voltage)),
        "voltage_max_V": float(np.nanmax(voltage)),
        "warnings": list(parsed.warnings),
    }
