"""Errors of the cycling-data import, written so that a user can act on them.

Every message says which file, what was wrong and what would work.
"""

from __future__ import annotations


class CyclingError(ValueError):
    """Base class of every cycling-data error (a ``ValueError``: the input was wrong)."""


class CyclingFormatError(CyclingError):
    """A file cannot be read as the requested (or detected) cycler format.

    Parameters
    ----------
    filename
        The file's name as the user knows it.
    problem
        What was wrong.
    hint
        What would work instead (optional).
    """

    def __init__(self, filename: str, problem: str, hint: str = "") -> None:
        self.filename = filename
        self.problem = problem
        self.hint = hint
        message = f"{filename}: {problem}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class UnsafeFileError(CyclingFormatError):
    """A file was refused before parsing: too large, wrong signature, or a suspicious archive."""


class UploadNeedsWorkerError(CyclingFormatError):
    """An upload too large to parse in the calling (web) process: submit it as an import job."""


class MetadataError(CyclingError):
    """Required (primary) metadata is missing or malformed."""
