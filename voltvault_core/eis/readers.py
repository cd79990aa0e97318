"""Impedance file readers, one registered function per instrument format.

Every reader takes the file's bytes and name and returns a list of :class:`Spectrum` in the package
convention ``Z = Z' + j Z''`` [ohm] (capacitive ``Z'' < 0``). Files holding several sweeps (a PEIS per
cycle, per SOC step, per temperature) come back as several spectra, each with its conditions in
``metadata``. A file that cannot be read raises :class:`EISFileError` naming the file and the line.

Use :func:`read_spectra` (format detected from the content, then the extension) or pick a reader by
name from :data:`READERS`.
"""

from __future__ import annotations

import io
import math
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voltvault_core.constants import ZERO_CELSIUS_K
from voltvault_core.eis.spectrum import EISFileError, Spectrum

__all__ = ["READERS", "ReaderSpec", "detect_format", "read_spectra", "register_reader"]

ReadFunction = Callable[[bytes, str], list[Spectrum]]


@dataclass(frozen=True)
class ReaderSpec:
    """A registered file reader.

    Parameters
    ----------
    name : str
        Registry key (``"biologic_mpt"``...).
    description : str
        Instrument / software and file kind, shown to users.
    extensions : tuple of str
        Lower-case extensions with the dot, used when content sniffing is inconclusive.
    sniff : callable
        ``sniff(head: bytes) -> bool``: true when the first bytes identify this format for sure.
    read : callable
        ``read(data: bytes, filename: str) -> list[Spectrum]``.
    """

    name: str
    description: str
    extensions: tuple[str, ...]
    sniff: Callable[[bytes], bool]
    read: ReadFunction


READERS: dict[str, ReaderSpec] = {}


def register_reader(
    name: str, *, description: str, extensions: tuple[str, ...], sniff: Callable[[bytes], bool]
) -> Callable[[ReadFunction], ReadFunction]:
    """Decorator registering ``read(data, filename)`` under ``name`` in :data:`READERS`."""

    def decorator(func: ReadFunction) -> ReadFunction:
        if name in READERS:
            raise ValueError(f"EIS reader {name!r} is registered twice")
        READERS[name] = ReaderSpec(name, description, tuple(e.lower() for e in extensions), sniff, func)
        return func

    return decorator


# ---------------------------------------------------------------------------- helpers
def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace")  # pragma: no cover - latin-1 never fails


def _lines(data: bytes) -> list[str]:
    """Decoded lines; CR, LF and CRLF endings all accepted."""
    return _decode(data).splitlines()


def _to_float(token: str) -> float:
    """A number of a table cell; beyond float range (``1e999``) it is no measurement: NaN."""
    token = token.strip()
    try:
        value = float(token)
    except ValueError:
        if "," in token and "." not in token:  # decimal comma
            value = float(token.replace(",", "."))
        else:
            raise
    return value if math.isfinite(value) or math.isnan(value) else math.nan


def _row(tokens: list[str], filename: str, line_no: int, n_expected: int | None = None) -> list[float]:
    if n_expected is not None and len(tokens) < n_expected:
        raise EISFileError(
            filename,
            f"expected {n_expected} columns, found {len(tokens)} ({' | '.join(tokens)!r}); "
            "the file may be truncated",
            line_no,
        )
    values = []
    for column, token in enumerate(tokens):
        if token.strip() == "":
            values.append(np.nan)
            continue
        try:
            values.append(_to_float(token))
        except ValueError:
            raise EISFileError(
                filename, f"column {column + 1} is {token.strip()!r}, which is not a number", line_no
            ) from None
    return values


def _split_sweeps(frequency_Hz: np.ndarray) -> list[np.ndarray]:
    """Index arrays of the separate sweeps in a column of frequencies.

    A new sweep starts where the frequency jumps back by more than half a decade against the main
    sweep direction (e.g. 0.01 Hz followed by 100 kHz in a high-to-low sweep).
    """
    n = frequency_Hz.size
    if n < 3:
        return [np.arange(n)]
    step = np.diff(np.log10(frequency_Hz))
    direction = np.sign(np.median(step)) or -1.0
    breaks = np.flatnonzero(step * direction < -0.5) + 1
    return [np.asarray(block) for block in np.split(np.arange(n), breaks) if block.size]


def _condition_metadata(columns: dict[str, np.ndarray], index: np.ndarray) -> dict[str, float]:
    """Mean measurement conditions of one spectrum from optional columns (temperature, potential...)."""
    out: dict[str, float] = {}
    for name, values in columns.items():
        chunk = values[index]
        chunk = chunk[np.isfinite(chunk)]
        if chunk.size:
            out[name] = float(np.mean(chunk))
    return out


def _build_spectra(
    filename: str,
    fmt: str,
    frequency_Hz: np.ndarray,
    impedance_ohm: np.ndarray,
    *,
    group: np.ndarray | None = None,
    group_name: str = "cycle",
    conditions: dict[str, np.ndarray] | None = None,
    extra: dict | None = None,
) -> list[Spectrum]:
    """Split rows into spectra (by ``group`` values, else by sweep restarts) and attach metadata."""
    valid = np.isfinite(frequency_Hz) & np.isfinite(impedance_ohm) & (frequency_Hz > 0)
    if not valid.any():
        raise EISFileError(filename, "no row has a positive frequency and a finite impedance")
    rows = np.flatnonzero(valid)
    blocks: list[tuple[dict, np.ndarray]] = []
    if group is not None and np.unique(group[rows]).size > 1:
        for value in np.unique(group[rows]):
            idx = rows[group[rows] == value]
            blocks.append(({group_name: int(value) if float(value).is_integer() else float(value)}, idx))
    else:
        sweeps = _split_sweeps(frequency_Hz[rows])
        for k, sweep in enumerate(sweeps):
            meta = {"sweep": k + 1} if len(sweeps) > 1 else {}
            if group is not None and len(sweeps) == 1 and np.isfinite(group[rows[0]]):
                value = float(group[rows[0]])
                meta[group_name] = int(value) if value.is_integer() else value
            blocks.append((meta, rows[sweep]))
    spectra = []
    stem = Path(filename).name
    for k, (meta, idx) in enumerate(blocks):
        metadata = {"source_file": stem, "format": fmt, **(extra or {}), **meta}
        if conditions:
            metadata.update(_condition_metadata(conditions, idx))
        label = (
            stem
            if len(blocks) == 1
            else f"{stem} [{', '.join(f'{k2} {v}' for k2, v in meta.items()) or k + 1}]"
        )
        spectra.append(Spectrum(frequency_Hz[idx], impedance_ohm[idx], metadata, label))
    return spectra


# ---------------------------------------------------------- generic header matching
_FREQUENCY_RE = re.compile(r"^\s*(freq(uency)?)\b|^\s*f\s*[/(\[]|^\s*freq|^\s*f\s*$", re.IGNORECASE)
_MINUS_IMAG_RE = re.compile(r"^\s*-\s*(z''|z\"|z’’|im\s*\(?z|zim|z\s*imag|imag|zimg|z_imag)", re.IGNORECASE)
_IMAG_RE = re.compile(r"^\s*(z''|z\"|z’’|im\s*\(?z|zim|z\s*imag|imag|zimg|z_imag)", re.IGNORECASE)
_REAL_RE = re.compile(r"^\s*(z'(?!')|z’(?!’)|re\s*\(?z|zre|z\s*real|real|z_real)", re.IGNORECASE)
_MINUS_REAL_RE = re.compile(r"^\s*-\s*(z'(?!')|z’(?!’)|re\s*\(?z|zre|z\s*real|real|z_real)", re.IGNORECASE)
_MODULUS_RE = re.compile(r"^\s*(\|z\||mod(ulus)?\b|z\s*\(ohm|z\s*/\s*ohm|z\s*\(ω|\|z\|)", re.IGNORECASE)
_PHASE_RE = re.compile(r"^\s*-?\s*(phase|phi|φ|theta)", re.IGNORECASE)
_CYCLE_RE = re.compile(r"^\s*(cycle|z cycle|cycle number|set|scan|sweep|loop)\b", re.IGNORECASE)
_TEMPERATURE_C_RE = re.compile(r"^\s*(temp(erature)?)\b.*(°c|degc|\bc\b|celsius)", re.IGNORECASE)
_POTENTIAL_RE = re.compile(r"^\s*(<?ewe>?|e\s*dc|potential|e\s*\(v\)|vdc|e/v|<ewe>/v)", re.IGNORECASE)
_SOC_RE = re.compile(r"^\s*soc\b", re.IGNORECASE)


def _find_column(header: list[str], pattern: re.Pattern[str]) -> int | None:
    for i, name in enumerate(header):
        if pattern.search(name):
            return i
    return None


def _split_tokens(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return [t.strip() for t in line.split(delimiter)]


def _numeric(tokens: list[str]) -> bool:
    try:
        for t in tokens:
            _to_float(t)
    except ValueError:
        return False
    return len(tokens) > 0


def _detect_delimiter(line: str) -> str | None:
    for delimiter in ("\t", ";", ","):
        tokens = [t for t in _split_tokens(line, delimiter) if t != ""]
        if len(tokens) >= 3 and _numeric(tokens):
            return delimiter
    tokens = line.split()
    if len(tokens) >= 3 and _numeric(tokens):
        return None
    raise ValueError("no delimiter")


def _read_table(
    lines: list[str], filename: str, fmt: str, *, description: str, extra: dict | None = None
) -> list[Spectrum]:
    """Read a delimited table of frequency, Z', Z'' (+ optional columns), header optional.

    The imaginary column is taken as ``-Z''`` when its header says so (``-Z''``, ``-Im(Z)``), as ``Z''``
    when the header names it without a minus sign; without a header the sign is detected: the column
    whose majority of values is positive is ``-Z''`` (most points of an electrochemical spectrum are
    capacitive). The choice is stated in ``metadata["sign_convention"]``.
    """
    first_data = None
    delimiter: str | None = None
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            delimiter = _detect_delimiter(line)
        except ValueError:
            continue
        first_data = i
        break
    if first_data is None:
        raise EISFileError(
            filename,
            f"no row of at least three numbers (frequency, Z', Z'') was found; is this a {description}?",
        )
    header: list[str] | None = None
    for j in range(first_data - 1, -1, -1):
        if lines[j].strip():
            candidate = [t for t in _split_tokens(lines[j], delimiter)]
            tokens = [t for t in candidate if t]
            if _numeric(tokens) and len(tokens) < 3:
                continue  # a point count between the header and the data (PalmSens, Ivium)
            if not _numeric(tokens) and len(tokens) >= 3:  # fewer: prose above headerless data
                header = candidate
            break
    rows: list[list[float]] = []
    n_columns = None
    for i in range(first_data, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        tokens = _split_tokens(line, delimiter)
        if delimiter is not None:
            while tokens and tokens[-1] == "":
                tokens.pop()
        if n_columns is None:
            n_columns = len(tokens)
        values = _row(tokens, filename, i + 1, n_expected=min(n_columns, 3))
        rows.append((values + [np.nan] * n_columns)[:n_columns])
    table = np.array(rows, dtype=float)

    sign_note: str
    group = None
    conditions: dict[str, np.ndarray] = {}
    if header is not None:
        header = (header + [""] * table.shape[1])[: table.shape[1]]
        i_f = _find_column(header, _FREQUENCY_RE)
        i_minus = _find_column(header, _MINUS_IMAG_RE)
        i_im = i_minus if i_minus is not None else _find_column(header, _IMAG_RE)
        i_minus_re = _find_column(header, _MINUS_REAL_RE)
        i_re = i_minus_re if i_minus_re is not None else _find_column(header, _REAL_RE)
        i_mod, i_phase = _find_column(header, _MODULUS_RE), _find_column(header, _PHASE_RE)
        polar = (i_re is None or i_im is None) and i_mod is not None and i_phase is not None
        if i_f is None or ((i_re is None or i_im is None) and not polar):
            raise EISFileError(
                filename,
                f"the header {' | '.join(h for h in header if h)!r} does not name a frequency and either a real "
                "and an imaginary impedance column (e.g. 'Frequency (Hz)', \"Z' (Ohm)\", \"-Z'' (Ohm)\") or a "
                "modulus and a phase column ('|Z| (Ohm)', 'Phase (deg)')",
                first_data,
            )
        if polar:
            sign = -1.0 if header[i_phase].strip().startswith("-") else 1.0
            phase_rad = np.radians(sign * table[:, i_phase])
            real = table[:, i_mod] * np.cos(phase_rad)
            imag = table[:, i_mod] * np.sin(phase_rad)
            sign_note = (
                f"polar columns {header[i_mod]!r} and {header[i_phase]!r} (phase in degrees"
                f"{', sign flipped as the header states' if sign < 0 else ''})"
            )
            i_re = i_im = i_mod
        else:
            imag = table[:, i_im]
            real = -table[:, i_re] if i_minus_re is not None else table[:, i_re]
            if i_minus is not None:
                imag = -imag
                sign_note = f"column {header[i_im]!r} read as -Z'' (stated by the header)"
            else:
                sign_note = f"column {header[i_im]!r} read as Z'' (stated by the header)"
            if i_minus_re is not None:
                sign_note += f"; column {header[i_re]!r} read as -Z'"
        i_cycle = _find_column(header, _CYCLE_RE)
        group = table[:, i_cycle] if i_cycle is not None else None
        i_temp = _find_column(header, _TEMPERATURE_C_RE)
        if i_temp is not None:
            conditions["temperature_K"] = table[:, i_temp] + ZERO_CELSIUS_K
        i_pot = _find_column(header, _POTENTIAL_RE)
        if i_pot is not None and i_pot not in (i_f, i_re, i_im):
            conditions["potential_V"] = table[:, i_pot]
        i_soc = _find_column(header, _SOC_RE)
        if i_soc is not None:
            conditions["soc"] = table[:, i_soc]
        frequency = table[:, i_f]
    else:
        frequency, real, imag = table[:, 0], table[:, 1], table[:, 2]
        finite = imag[np.isfinite(imag)]
        if np.mean(finite > 0) > 0.5:
            imag = -imag
            sign_note = (
                "no header: third column read as -Z'' because most of its values are positive "
                "(capacitive points have Z'' < 0)"
            )
        else:
            sign_note = "no header: third column read as Z'' (most values negative, i.e. capacitive)"
    return _build_spectra(
        filename,
        fmt,
        frequency,
        real + 1j * imag,
        group=group,
        conditions=conditions,
        extra={"sign_convention": sign_note, **(extra or {})},
    )


# ------------------------------------------------------------------------- BioLogic
_BIOLOGIC_CONDITIONS = {
    "temperature_K": ("Temperature/",),
    "potential_V": ("<Ewe>/V", "Ewe/V"),
    "charge_from_start_Ah": ("(Q-Qo)/mA.h",),
}


def _biologic_columns(
    names: list[str], columns: Callable[[int], np.ndarray], filename: str, fmt: str, line: int | None
) -> list[Spectrum]:
    def index(*candidates: str) -> int | None:
        for candidate in candidates:
            for i, name in enumerate(names):
                if name.strip() == candidate or (candidate.endswith("/") and name.startswith(candidate)):
                    return i
        return None

    i_f, i_re, i_mim = index("freq/Hz"), index("Re(Z)/Ohm"), index("-Im(Z)/Ohm")
    if i_f is None or i_re is None or i_mim is None:
        raise EISFileError(
            filename,
            "no impedance columns ('freq/Hz', 'Re(Z)/Ohm', '-Im(Z)/Ohm'); this EC-Lab file is not a "
            "PEIS/GEIS record (export the impedance technique, or use the cycling import for GCPL files)",
            line,
        )
    i_group = index("z cycle")
    if i_group is None or np.unique(columns(i_group)).size <= 1:
        i_group = index("cycle number")
    conditions = {}
    for key, candidates in _BIOLOGIC_CONDITIONS.items():
        i = index(*candidates)
        if i is not None:
            values = columns(i).astype(float)
            if key == "temperature_K":
                values = values + ZERO_CELSIUS_K
            elif key == "charge_from_start_Ah":
                values = values / 1000.0
            conditions[key] = values
    return _build_spectra(
        filename,
        fmt,
        columns(i_f).astype(float),
        columns(i_re).astype(float) - 1j * columns(i_mim).astype(float),
        group=None if i_group is None else columns(i_group).astype(float),
        conditions=conditions,
        extra={"sign_convention": "EC-Lab '-Im(Z)/Ohm' column read as -Z''"},
    )


@register_reader(
    "biologic_mpt",
    description="BioLogic EC-Lab ASCII export (.mpt) of a PEIS/GEIS technique",
    extensions=(".mpt",),
    sniff=lambda head: head.startswith((b"EC-Lab ASCII FILE", b"freq/Hz\tRe(Z)/Ohm")),
)
def read_biologic_mpt(data: bytes, filename: str) -> list[Spectrum]:
    """Read an EC-Lab ``.mpt``; one spectrum per ``z cycle`` / ``cycle number`` value.

    The header length comes from ``Nb header lines : N`` (the column names are line N).
    """
    lines = _lines(data)
    header_line = 1
    if lines and lines[0].startswith("EC-Lab ASCII FILE"):
        match = re.match(r"Nb header lines\s*:\s*(\d+)", lines[1] if len(lines) > 1 else "")
        if not match:
            raise EISFileError(filename, "expected 'Nb header lines : N' on the second line", 2)
        header_line = int(match.group(1))
    if len(lines) < header_line:
        raise EISFileError(filename, f"the header announces {header_line} lines but the file is shorter")
    names = lines[header_line - 1].rstrip("\t").split("\t")
    rows = []
    for i in range(header_line, len(lines)):
        if not lines[i].strip():
            continue
        tokens = lines[i].rstrip("\t").split("\t")
        rows.append(_row(tokens, filename, i + 1, n_expected=len(names)))
    if not rows:
        raise EISFileError(filename, "the data table is empty", header_line + 1)
    table = np.array([r[: len(names)] for r in rows], dtype=float)
    return _biologic_columns(names, lambda i: table[:, i], filename, "biologic_mpt", header_line)


@register_reader(
    "biologic_mpr",
    description="BioLogic EC-Lab binary file (.mpr) of a PEIS/GEIS technique (read with galvani)",
    extensions=(".mpr",),
    sniff=lambda head: head.startswith(b"BIO-LOGIC MODULAR FILE"),
)
def read_biologic_mpr(data: bytes, filename: str) -> list[Spectrum]:
    """Read an EC-Lab ``.mpr`` through galvani's parser (never unpickles anything)."""
    from galvani import BioLogic

    try:
        mpr = BioLogic.MPRfile(io.BytesIO(data))
    except Exception as exc:  # galvani raises bare ValueError/NotImplementedError on unknown modules
        raise EISFileError(filename, f"galvani could not parse this .mpr file: {exc}") from exc
    names = list(mpr.data.dtype.names)
    return _biologic_columns(names, lambda i: np.asarray(mpr.data[names[i]]), filename, "biologic_mpr", None)


# ---------------------------------------------------------------------------- Gamry
@register_reader(
    "gamry_dta",
    description="Gamry Framework data file (.DTA) with a ZCURVE table (EISPOT / EISGALV)",
    extensions=(".dta",),
    sniff=lambda head: (head.startswith(b"EXPLAIN") and b"ZCURVE" in head) or b"TAG\tEIS" in head,
)
def read_gamry_dta(data: bytes, filename: str) -> list[Spectrum]:
    """Read every ``ZCURVE``-type table of a Gamry ``.DTA`` (Zimag is signed, i.e. ``Z''``)."""
    lines = _lines(data)
    extra: dict = {}
    for line in lines[:200]:
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] in ("VDC", "AREA", "DATE", "TIME", "TAG"):
            extra[f"gamry_{parts[0].lower()}"] = parts[2].strip()
    if "gamry_area" in extra:
        try:
            extra["electrode_area_m2"] = float(extra["gamry_area"]) * 1e-4
        except ValueError:
            pass
    spectra: list[Spectrum] = []
    starts = [i for i, line in enumerate(lines) if re.match(r"^ZCURVE\w*\tTABLE", line)]
    if not starts:
        raise EISFileError(filename, "no 'ZCURVE TABLE' block: this Gamry file holds no impedance curve")
    for block, start in enumerate(starts):
        names = [n.strip() for n in lines[start + 1].split("\t")]
        try:
            i_f, i_re, i_im = names.index("Freq"), names.index("Zreal"), names.index("Zimag")
        except ValueError:
            raise EISFileError(
                filename, f"ZCURVE columns {names!r} lack Freq, Zreal or Zimag", start + 2
            ) from None
        i_temp = names.index("Temp") if "Temp" in names else None
        rows = []
        i = start + 3  # names line, then units line
        while i < len(lines) and lines[i].startswith("\t"):
            rows.append(_row(lines[i].split("\t"), filename, i + 1, n_expected=len(names))[: len(names)])
            i += 1
        if not rows:
            raise EISFileError(filename, "the ZCURVE table has no data row", start + 4)
        table = np.array(rows, dtype=float)
        conditions = {}
        if i_temp is not None:
            conditions["temperature_K"] = table[:, i_temp] + ZERO_CELSIUS_K
        found = _build_spectra(
            filename,
            "gamry_dta",
            table[:, i_f],
            table[:, i_re] + 1j * table[:, i_im],
            conditions=conditions,
            extra={"sign_convention": "Gamry 'Zimag' read as Z''", **extra},
        )
        if len(starts) > 1:
            found = [
                Spectrum(
                    s.frequency_Hz,
                    s.impedance_ohm,
                    {**s.metadata, "table": block + 1},
                    f"{s.label} #{block + 1}",
                )
                for s in found
            ]
        spectra.extend(found)
    return spectra


# ---------------------------------------------------------------------------- ZPlot
@register_reader(
    "zplot_z",
    description="Scribner ZPlot / ZView ASCII file (.z)",
    extensions=(".z",),
    sniff=lambda head: head.startswith(b"ZPLOT2 ASCII"),
)
def read_zplot(data: bytes, filename: str) -> list[Spectrum]:
    """Read a ZPlot ``.z`` file: data after ``End Comments``; columns named by the ``Freq(Hz)`` line."""
    lines = _lines(data)
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("End Comments")), None)
    names = ["Freq(Hz)", "Ampl", "Bias", "Time(Sec)", "Z'(a)", "Z''(b)"]
    for line in lines[: start or 0]:
        if line.strip().startswith("Freq(Hz)"):
            names = line.split()
    start = -1 if start is None else start
    try:
        i_f, i_re, i_im = names.index("Freq(Hz)"), names.index("Z'(a)"), names.index("Z''(b)")
    except ValueError:
        raise EISFileError(filename, f"ZPlot column names {names!r} lack Freq(Hz), Z'(a) or Z''(b)") from None
    rows = []
    for i in range(start + 1, len(lines)):
        if lines[i].strip():
            rows.append(_row(lines[i].split(), filename, i + 1, n_expected=max(i_f, i_re, i_im) + 1))
    if not rows:
        raise EISFileError(filename, "no data after 'End Comments'")
    width = min(len(r) for r in rows)
    table = np.array([r[:width] for r in rows], dtype=float)
    return _build_spectra(
        filename,
        "zplot_z",
        table[:, i_f],
        table[:, i_re] + 1j * table[:, i_im],
        extra={"sign_convention": "ZPlot Z''(b) read as Z''"},
    )


# ---------------------------------------------------------------------------- ZView / Z60W
_ZVIEW_MARK = re.compile(rb'^(?:\xef\xbb\xbf)?\s*"?\s*Z60W Data File', re.IGNORECASE)
#: ZView's default column order when the file names none (Freq, Ampl, Bias, Time, Z', Z'', GD, Err, Range)
_ZVIEW_COLUMNS = ["Freq(Hz)", "Ampl", "Bias", "Time(Sec)", "Z'(a)", "Z''(b)", "GD", "Err", "Range"]


def _unquote(token: str) -> str:
    return token.strip().strip('"').strip("'").strip()


def _zview_tokens(line: str) -> list[str]:
    delimiter = "\t" if "\t" in line else ("," if "," in line else None)
    tokens = [_unquote(t) for t in _split_tokens(line, delimiter)]
    if delimiter is not None:
        while tokens and tokens[-1] == "":
            tokens.pop()
    return tokens


@register_reader(
    "zview_txt",
    description="Scribner ZView text export ('Z60W Data File' header)",
    extensions=(".txt", ".z60w"),
    sniff=lambda head: bool(_ZVIEW_MARK.match(head)),
)
def read_zview(data: bytes, filename: str) -> list[Spectrum]:
    """Read a ZView text export.

    Layout: a ``"Z60W Data File: Version 1.1"`` line, quoted comment lines (often ``""``), a numeric
    preamble (the sweep settings, e.g. ``0,2,0,1,0.1,65000``, then the number of points), optionally a
    quoted column header (``"Freq(Hz)","Ampl","Bias","Time(Sec)","Z'(a)","Z''(b)",...``), then one row
    per point, comma-, tab- or space-separated. ``Z''(b)`` is the signed imaginary part (negative on a
    capacitive arc), as in ZPlot files. Without a header the columns are ZView's default order.
    """
    lines = _lines(data)
    names = list(_ZVIEW_COLUMNS)
    announced: int | None = None
    start: int | None = None
    preamble: list[list[float]] = []
    for i in range(1, len(lines)):
        line = lines[i].strip()
        if not line or _unquote(line) == "":
            continue
        tokens = _zview_tokens(line)
        if tokens and _numeric(tokens):
            if len(tokens) >= 6 and announced is not None:  # the first data row (no header line)
                start = i
                break
            preamble.append([_to_float(t) for t in tokens])
            if len(tokens) == 1:
                announced = int(preamble[-1][0]) if float(preamble[-1][0]).is_integer() else None
            continue
        if line.startswith('"') and any(re.match(r"freq", t, re.IGNORECASE) for t in tokens):
            names = tokens
            start = i + 1
            break
        if len(preamble) == 0:
            continue  # a comment line (quoted text)
        raise EISFileError(filename, f"expected the ZView column header or data, found {line[:80]!r}", i + 1)
    if start is None:
        raise EISFileError(filename, "no data rows after the ZView preamble")
    lowered = [n.lower().replace(" ", "") for n in names]

    def column(*candidates: str) -> int | None:
        return next((lowered.index(c) for c in candidates if c in lowered), None)

    i_f = column("freq(hz)", "frequency(hz)", "freq")
    i_re = column("z'(a)", "z'", "zreal", "z'(ohm)")
    i_im = column("z''(b)", "z''", "zimag", "z''(ohm)")
    if i_f is None or i_re is None or i_im is None:
        raise EISFileError(filename, f"ZView column names {names!r} lack Freq(Hz), Z'(a) or Z''(b)", start)
    needed = max(i_f, i_re, i_im) + 1
    rows = []
    for i in range(start, len(lines)):
        if not lines[i].strip():
            continue
        rows.append(_row(_zview_tokens(lines[i]), filename, i + 1, n_expected=needed)[:needed])
    if not rows:
        raise EISFileError(filename, "the ZView file has a header but no data rows", start)
    table = np.array(rows, dtype=float)
    extra = {"sign_convention": "ZView Z''(b) read as Z''"}
    if announced is not None:
        extra["points_announced"] = announced
    return _build_spectra(filename, "zview_txt", table[:, i_f], table[:, i_re] + 1j * table[:, i_im], extra=extra)


# ------------------------------------------------------------------- CH Instruments
@register_reader(
    "chi_txt",
    description="CH Instruments text export of an A.C. Impedance experiment",
    extensions=(".txt",),
    sniff=lambda head: b"A.C. Impedance" in head[:400] and b"Freq/Hz" in head,
)
def read_ch_instruments(data: bytes, filename: str) -> list[Spectrum]:
    """Read a CHI ``A.C. Impedance`` export (``Freq/Hz, Z'/ohm, Z"/ohm, ...``; ``Z"`` is signed)."""
    lines = _lines(data)
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("Freq/Hz")), None)
    if start is None:
        raise EISFileError(filename, "no 'Freq/Hz, Z'/ohm, Z\"/ohm' header line")
    extra = {}
    for line in lines[:start]:
        if "Instrument Model" in line:
            extra["instrument"] = line.partition(":")[2].strip()
    return _read_table(lines[start:], filename, "chi_txt", description="CH Instruments export", extra=extra)


# ---------------------------------------------------------------- VersaStudio (.par)
@register_reader(
    "versastudio_par",
    description="Princeton Applied Research VersaStudio / Parstat file (.par)",
    extensions=(".par",),
    sniff=lambda head: b"<Application>" in head or b"<Segment" in head,
)
def read_versastudio(data: bytes, filename: str) -> list[Spectrum]:
    """Read every ``<SegmentN>`` of a VersaStudio ``.par`` (``Z Imag`` is signed, i.e. ``Z''``)."""
    lines = _lines(data)
    spectra: list[Spectrum] = []
    i = 0
    while i < len(lines):
        match = re.match(r"<Segment(\d+)>", lines[i].strip())
        if not match:
            i += 1
            continue
        segment = int(match.group(1))
        names = None
        j = i + 1
        while j < len(lines) and not lines[j].startswith("Definition="):
            j += 1
        if j >= len(lines):
            raise EISFileError(filename, f"<Segment{segment}> has no 'Definition=' line", i + 1)
        names = [n.strip() for n in lines[j].split("=", 1)[1].split(",")]
        try:
            i_f, i_re, i_im = names.index("Frequency(Hz)"), names.index("Z Real"), names.index("Z Imag")
        except ValueError:
            raise EISFileError(
                filename, f"segment {segment} columns lack Frequency(Hz), Z Real or Z Imag", j + 1
            ) from None
        rows = []
        j += 1
        while j < len(lines) and not lines[j].startswith("</Segment"):
            if lines[j].strip():
                rows.append(_row(lines[j].split(","), filename, j + 1, n_expected=max(i_f, i_re, i_im) + 1))
            j += 1
        if rows:
            width = min(len(r) for r in rows)
            table = np.array([r[:width] for r in rows], dtype=float)
            found = _build_spectra(
                filename,
                "versastudio_par",
                table[:, i_f],
                table[:, i_re] + 1j * table[:, i_im],
                extra={"sign_convention": "VersaStudio 'Z Imag' read as Z''", "segment": segment},
            )
            spectra.extend(found)
        i = j + 1
    if not spectra:
        raise EISFileError(filename, "no <SegmentN> block with impedance data")
    if len(spectra) > 1:
        spectra = [
            Spectrum(
                s.frequency_Hz, s.impedance_ohm, s.metadata, f"{s.label} [segment {s.metadata['segment']}]"
            )
            for s in spectra
        ]
    return spectra


# -------------------------------------------------------------------- PowerSuite
@register_reader(
    "powersuite_txt",
    description="Princeton Applied Research PowerSuite text export (Frequency, Zre, Zimg)",
    extensions=(".txt",),
    sniff=lambda head: bool(re.match(rb"\s*Frequency\s*\t\s*Zre\s*\t\s*Zimg", head)),
)
def read_powersuite(data: bytes, filename: str) -> list[Spectrum]:
    """Read a PowerSuite export; ``Zimg`` is signed (``Z''``)."""
    return _read_table(_lines(data), filename, "powersuite_txt", description="PowerSuite export")


# ------------------------------------------------------------------------ Autolab
# NOVA writes the ohm sign (UTF-8) in its column names; a plain "Z' (Ohm)" CSV is the generic reader's
_AUTOLAB_SNIFF = re.compile("Frequency \\(Hz\\)\\s*[;\\t,]\\s*Z' \\(Ω\\)".encode(), re.IGNORECASE)


@register_reader(
    "autolab_txt",
    description="Metrohm Autolab NOVA / FRA ASCII export ('Frequency (Hz)', \"Z' (Ω)\", \"-Z'' (Ω)\")",
    extensions=(".txt", ".csv", ".dfr"),
    sniff=lambda head: bool(_AUTOLAB_SNIFF.search(head)),
)
def read_autolab(data: bytes, filename: str) -> list[Spectrum]:
    """Read an Autolab NOVA export (``;``, tab or ``,`` separated, decimal comma accepted)."""
    return _read_table(_lines(data), filename, "autolab_txt", description="Autolab NOVA export")


# ----------------------------------------------------------------------- generic
@register_reader(
    "generic_csv",
    description="Generic table: frequency, Z', Z'' (either sign, detected), header optional",
    extensions=(".csv", ".txt", ".tsv", ".dat"),
    sniff=lambda head: False,
)
def read_generic_table(data: bytes, filename: str) -> list[Spectrum]:
    """Read any delimited table of frequency [Hz], ``Z'`` [ohm], ``Z''`` or ``-Z''`` [ohm]."""
    return _read_table(_lines(data), filename, "generic_csv", description="table of frequency, Z', Z''")


# ------------------------------------------------------------------------- entry
def detect_format(data: bytes, filename: str) -> str:
    """Name of the reader for these bytes: content signature first, then the file extension."""
    head = data[:4096]
    for spec in READERS.values():
        if spec.sniff(head):
            return spec.name
    suffix = Path(filename).suffix.lower()
    for spec in READERS.values():
        if suffix in spec.extensions and spec.name not in ("chi_txt", "powersuite_txt", "autolab_txt", "zview_txt"):
            return spec.name
    return "generic_csv"


def read_spectra(
    source: str | Path | bytes, filename: str | None = None, *, format: str | None = None
) -> list[Spectrum]:
    """Read every spectrum of an impedance file.

    Parameters
    ----------
    source : str, Path or bytes
        Path of the file, or its bytes (an upload).
    filename : str, optional
        Name to report in errors and metadata (required with bytes for extension-based detection).
    format : str, optional
        A key of :data:`READERS` to skip detection.

    Returns
    -------
    list of Spectrum
        One per sweep, ordered as in the file.

    Raises
    ------
    EISFileError
        The file is unreadable; the message names the file, the line and what was expected.
    """
    if isinstance(source, bytes):
        data = source
        name = filename or "upload"
    else:
        path = Path(source)
        name = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise EISFileError(name, f"cannot open the file ({exc.strerror})") from exc
    if not data.strip():
        raise EISFileError(name, "the file is empty")
    fmt = format or detect_format(data, name)
    if fmt not in READERS:
        raise EISFileError(name, f"unknown format {fmt!r}; known formats: {', '.join(READERS)}")
    try:
        return READERS[fmt].read(data, name)
    except EISFileError:
        raise
    except (ValueError, LookupError, ArithmeticError, TypeError, EOFError, OSError, struct.error, zlib.error) as exc:
        # what a reader's parsing raises on content it did not expect: the file's fault, said plainly
        message = str(exc) if len(str(exc)) <= 300 else str(exc)[:300] + " ..."
        raise EISFileError(name, f"could not be read as {READERS[fmt].description} ({type(exc).__name__}: {message})") from exc
