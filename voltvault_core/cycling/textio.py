"""Text-file helpers shared by the text readers: encodings, line endings, delimiters, decimal commas,
and the duration formats cyclers write (``hh:mm:ss.fff``, ``1d 02:03:04.5``, ``26:40:00``).
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: tried in order when no byte-order mark names the encoding
DEFAULT_ENCODINGS: tuple[str, ...] = ("utf-8", "cp1252", "latin-1")
#: Neware's Chinese software writes GBK; tried before the Western code pages for Neware text
CJK_FIRST_ENCODINGS: tuple[str, ...] = ("utf-8", "gb18030", "cp1252", "latin-1")


def decode_text(data: bytes, encodings: Sequence[str] = DEFAULT_ENCODINGS) -> tuple[str, str]:
    """Decode bytes into text, returning ``(text, encoding)``.

    A byte-order mark wins (UTF-8, UTF-16 LE/BE); otherwise the encodings are tried strictly in order.
    ``latin-1`` never fails, so it belongs last.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(name), name
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace"), "latin-1"


def decode_head(head: bytes, encodings: Sequence[str] = DEFAULT_ENCODINGS) -> str:
    """Decode the first bytes of a file for sniffing (a multibyte character may be cut at the end)."""
    for cut in range(4):
        try:
            return decode_text(head[: len(head) - cut] if cut else head, encodings)[0]
        except UnicodeDecodeError:  # pragma: no cover - decode_text never raises
            continue
    return head.decode("latin-1", errors="replace")


def split_lines(text: str) -> list[str]:
    """Split text on CRLF, LF or CR line endings."""
    return text.splitlines()


#: a column header wider than this is not a cycler export's header (a file whose line breaks were lost
#: puts the whole export on its "header" line; pandas then deduplicates ~10^4 names pairwise)
MAX_COLUMNS = 2000


class TableTooWideError(ValueError):
    """A table's header line has more fields than any cycler export writes (:data:`MAX_COLUMNS`)."""


def check_header_width(header_line: str, delimiter: str) -> None:
    """Refuse a header line of more than :data:`MAX_COLUMNS` fields (it is the whole file on one line).

    Raises
    ------
    TableTooWideError
        Naming the number of fields and the limit.
    """
    n_fields = header_line.count(delimiter) + 1
    if n_fields > MAX_COLUMNS:
        raise TableTooWideError(
            f"the column header has {n_fields} columns (at most {MAX_COLUMNS} are read): the file's line breaks "
            "are probably missing; re-export it with one data row per line"
        )


def sniff_delimiter(header_line: str, candidates: str = "\t,;|") -> str:
    """The delimiter that splits the header line into the most fields (tab, comma, semicolon, bar)."""
    counts = {d: header_line.count(d) for d in candidates}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


_DECIMAL_COMMA = re.compile(r"(?:^|[\t;|])\s*-?\d+,\d+(?:[eE][-+]?\d+)?\s*(?=[\t;|]|$)")
_DECIMAL_POINT = re.compile(r"(?:^|[\t;|,])\s*-?\d+\.\d+(?:[eE][-+]?\d+)?\s*(?=[\t;|,]|$)")


def uses_decimal_comma(data_lines: Sequence[str], delimiter: str) -> bool:
    """True when numbers in the sample lines are written with a decimal comma (``0,017``).

    Only possible when the delimiter is not a comma.
    """
    if delimiter == ",":
        return False
    comma = sum(len(_DECIMAL_COMMA.findall(line)) for line in data_lines)
    point = sum(len(_DECIMAL_POINT.findall(line)) for line in data_lines)
    return comma > point


def read_table(
    lines: Sequence[str],
    header_index: int,
    *,
    delimiter: str | None = None,
    decimal: str | None = None,
    skip_blank: bool = True,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parse a delimited table whose header is ``lines[header_index]``.

    Returns the frame (all columns as strings or numbers as pandas infers them) and the dialect used.
    Trailing empty columns (a trailing delimiter) are dropped; a truncated last line is kept and left to
    the caller to drop (its missing fields are NaN).
    """
    header = lines[header_index]
    delimiter = delimiter or sniff_delimiter(header)
    check_header_width(header, delimiter)
    body = [line for line in lines[header_index + 1 :] if line.strip() or not skip_blank]
    if decimal is None:
        decimal = "," if uses_decimal_comma(body[:200], delimiter) else "."
    buffer = io.StringIO("\n".join([header, *body]))
    frame = pd.read_csv(
        buffer,
        sep=delimiter,
        decimal=decimal,
        thousands=None,
        engine="c",
        low_memory=False,
        skipinitialspace=False,
        index_col=False,  # rows with a trailing delimiter must not shift the columns
    )
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed:") and frame[c].isna().all()]
    frame = frame.drop(columns=unnamed)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, {"delimiter": delimiter, "decimal": decimal}


_DURATION = re.compile(
    r"^\s*(?:(?P<days>\d+)\s*(?:d|day|days)?[\s\-]+(?=\d+:))?(?P<h>\d+):(?P<m>\d+):(?P<s>\d+(?:[.,]\d*)?)\s*$"
)


def parse_duration_s(values: pd.Series | np.ndarray) -> np.ndarray:
    """Parse durations into seconds.

    Accepts numbers (already seconds), ``hh:mm:ss[.fff]`` with hours beyond 24, and day prefixes
    (``1d 02:03:04.5``, ``1-02:03:04``, Maccor's ``  0d 00:00:5.05``). Unparseable entries become NaN.
    """
    series = pd.Series(values)
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float)
        return np.where(np.isfinite(values), values, np.nan)
    if pd.api.types.is_timedelta64_dtype(series):
        return series.dt.total_seconds().to_numpy(dtype=float)
    text = series.astype("string").str.strip()
    parts = text.str.extract(_DURATION)
    days = np.nan_to_num(numeric_or_nan(parts["days"]), nan=0.0)
    hours = numeric_or_nan(parts["h"])
    minutes = numeric_or_nan(parts["m"])
    seconds = numeric_or_nan(parts["s"].str.replace(",", ".", regex=False))
    with np.errstate(invalid="ignore", over="ignore"):
        result = days * 86400.0 + hours * 3600.0 + minutes * 60.0 + seconds
    plain = numeric_or_nan(text.str.replace(",", ".", regex=False))
    merged = np.where(np.isnan(result), plain, result)
    return np.where(np.isfinite(merged), merged, np.nan)


_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%d.%m.%Y %H:%M:%S",
)


def parse_datetime_unix_s(values: pd.Series | np.ndarray) -> np.ndarray | None:
    """Parse wall-clock timestamps into Unix seconds (naive times are taken as UTC).

    Tries each known format and keeps the first that parses at least 99 % of the entries and runs
    forward in time (which separates ``mm/dd`` from ``dd/mm``). Returns ``None`` when nothing fits.
    """
    series = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series):
        stamps = series
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        return (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(series):
        return None
    text = series.astype("string").str.strip()
    sample = text.dropna()
    if sample.empty:
        return None
    best: np.ndarray | None = None
    for fmt in _DATETIME_FORMATS:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        ok = parsed.notna().mean()
        if ok < 0.99:
            continue
        unix = (parsed - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy(dtype=float)
        finite = unix[np.isfinite(unix)]
        if finite.size and np.all(np.diff(finite) >= 0):
            return unix
        if best is None:
            best = unix
    return best


def numeric_or_nan(values: pd.Series | np.ndarray) -> np.ndarray:
    """``pd.to_numeric(errors="coerce")`` as float64, safe for integers beyond float range.

    pandas keeps an integer of hundreds of digits as a Python int, whose conversion to float raises
    ``OverflowError``; such values become +-inf here (as ``float("9" * 400)`` does), junk becomes NaN.
    """
    series = pd.Series(values)
    try:
        converted = pd.to_numeric(series, errors="coerce")
        return converted.to_numpy(dtype=float, na_value=np.nan)
    except (OverflowError, TypeError, ValueError):
        return np.array([_float_or_nan(v) for v in series.tolist()], dtype=float)


def _float_or_nan(value: object) -> float:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        return float("nan")


def to_float(values: pd.Series | np.ndarray) -> np.ndarray:
    """Numeric column as float64; strings with a decimal comma are converted, junk becomes NaN."""
    series = pd.Series(values)
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    text = series.astype("string").str.strip().str.replace(",", ".", regex=False)
    return numeric_or_nan(text)
