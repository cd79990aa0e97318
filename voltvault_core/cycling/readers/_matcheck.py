"""A bound on what a MATLAB v5 ``.mat`` file can make ``scipy.io.loadmat`` allocate, checked before it runs.

scipy sizes cell and struct arrays by their declared dimensions: one flipped byte in a 17 kB file
declared a 1 x 452,984,832 struct and made ``loadmat`` allocate 3.8 GB (fuzz input 6046). Every element
of an array takes at least one byte of the file (eight for a cell or struct element, which is a tagged
sub-matrix), so an array declaring more elements than its bytes allow is refused here, as is a
compressed element that inflates beyond a bound. Only the element headers are read; the layout is
the documented MAT-file v5 format (tags, ``miMATRIX`` sub-elements, ``miCOMPRESSED`` zlib streams).
"""

from __future__ import annotations

import struct
import zlib

MI_MATRIX = 14
MI_COMPRESSED = 15
CELL, STRUCT, OBJECT, SPARSE = 1, 2, 3, 5
#: a compressed element may inflate to at most this many times the file size plus the slack
MAX_INFLATE_RATIO = 64
INFLATE_SLACK_BYTES = 64 * 1024**2
MAX_DEPTH = 64


class MatTooLargeError(ValueError):
    """The file declares arrays (or compressed data) far larger than the file can hold."""


def check_mat_sizes(data: bytes) -> None:
    """Raise :class:`MatTooLargeError` when a declared array or inflated element is out of bounds.

    Structures this walker does not understand are left to scipy (which then raises or reads them).
    """
    if len(data) < 128 or not data.startswith(b"MATLAB 5.0"):
        return
    endian = "<" if data[126:128] == b"IM" else ">"
    budget = [MAX_INFLATE_RATIO * len(data) + INFLATE_SLACK_BYTES]
    try:
        _walk(data, 128, len(data), endian, 0, budget)
    except (struct.error, IndexError, zlib.error):
        return  # malformed in a way scipy reports itself


def _tag(buf: bytes, pos: int, endian: str) -> tuple[int, int, int, int]:
    """(type, nbytes, data start, next element start) of the element at ``pos``."""
    first, second = struct.unpack_from(endian + "II", buf, pos)
    if first >> 16:  # small data element: type and size in one word, data in the next four bytes
        return first & 0xFFFF, first >> 16, pos + 4, pos + 8
    start = pos + 8
    return first, second, start, start + second + (-second % 8)


def _walk(buf: bytes, pos: int, end: int, endian: str, depth: int, budget: list[int]) -> None:
    if depth > MAX_DEPTH:
        raise MatTooLargeError(f"arrays are nested more than {MAX_DEPTH} deep")
    while pos + 8 <= end:
        kind, nbytes, start, following = _tag(buf, pos, endian)
        if start + nbytes > end:
            return  # truncated: scipy will say so
        if kind == MI_COMPRESSED:
            inflater = zlib.decompressobj()
            allowed = budget[0]
            inner = inflater.decompress(buf[start : start + nbytes], allowed + 1)
            if len(inner) > allowed:
                raise MatTooLargeError("a compressed element inflates beyond the size the file can justify")
            budget[0] -= len(inner)
            _walk(inner, 0, len(inner), endian, depth + 1, budget)
            following = start + nbytes  # compressed elements are not padded
        elif kind == MI_MATRIX:
            _check_matrix(buf, start, start + nbytes, endian, depth, budget)
        pos = following


def _check_matrix(buf: bytes, start: int, end: int, endian: str, depth: int, budget: list[int]) -> None:
    if end - start < 16:
        return  # an empty matrix
    _, _, flags_at, pos = _tag(buf, start, endian)
    array_class = struct.unpack_from(endian + "I", buf, flags_at)[0] & 0xFF
    _, dims_bytes, dims_at, pos = _tag(buf, pos, endian)
    count = 1
    for (dim,) in struct.iter_unpack(endian + "i", buf[dims_at : dims_at + dims_bytes - dims_bytes % 4]):
        if dim < 0:
            raise MatTooLargeError(f"an array declares a negative dimension ({dim})")
        count *= dim
    available = end - start
    if array_class == SPARSE:
        return
    if array_class in (CELL, STRUCT, OBJECT):
        _, _, _, pos = _tag(buf, pos, endian)  # the array name
        n_fields = 1
        if array_class == OBJECT:
            _, _, _, pos = _tag(buf, pos, endian)  # the class name
        if array_class in (STRUCT, OBJECT):
            _, _, length_at, pos = _tag(buf, pos, endian)
            name_length = struct.unpack_from(endian + "i", buf, length_at)[0]
            _, names_bytes, _, pos = _tag(buf, pos, endian)
            n_fields = names_bytes // name_length if name_length > 0 else 0
        if count * max(n_fields, 1) * 8 > available and n_fields:
            raise MatTooLargeError(
                f"an array declares {count:,} elements of {n_fields} field(s) in {available:,} bytes"
            )
        _walk(buf, pos, end, endian, depth + 1, budget)
    elif count > 8 * available:
        raise MatTooLargeError(f"an array declares {count:,} values in {available:,} bytes")
