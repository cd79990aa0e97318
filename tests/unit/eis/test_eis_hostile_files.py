"""Damaged impedance files end in EISFileError (or are read), never in another exception (issue 12).
Cases found by tools/fuzz_readers.py; skips when ../shared is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voltvault_core.eis.readers import read_spectra
from voltvault_core.eis.spectrum import EISFileError

SHARED = Path(os.environ.get("VOLTVAULT_SHARED_DIR") or Path(__file__).resolve().parents[3].parent / "shared")
CHI = SHARED / "data" / "eis" / "exampleDataCHInstruments.txt"


@pytest.mark.skipif(not CHI.exists(), reason="../shared/data/eis is absent")
def test_chi_header_line_without_its_colon_is_read() -> None:
    """Fuzz input 2739: one flipped byte removed the colon of ``Instrument Model:``; the reader raised
    a bare ``IndexError``."""
    data = CHI.read_bytes().replace(b"Instrument Model:", b"Instrument Model\x3b", 1)
    spectra = read_spectra(data, CHI.name)
    assert spectra[0].frequency_Hz.size > 10



BIOLOGIC = SHARED / "data" / "eis" / "exampleDataBioLogic.mpt"


@pytest.mark.skipif(not BIOLOGIC.exists(), reason="../shared/data/eis is absent")
def test_biologic_with_three_tabs_inserted_ends_in_an_eis_file_error() -> None:
    """Fuzz input 8018: three tabs inserted at byte 5969 gave a bare ``ValueError`` from the Spectrum
    constructor (an empty spectrum); read_spectra now names the file and the format."""
    data = BIOLOGIC.read_bytes()
    data = data[:5969] + b"\t\t\t" + data[5969:]
    try:
        read_spectra(data, BIOLOGIC.name)
    except EISFileError as exc:
        assert BIOLOGIC.name in str(exc)  # noqa: PT017 - reading it is fine too; only the error type matters
    except ValueError as exc:  # the bare error of before
        pytest.fail(f"not an EISFileError: {type(exc).__name__}: {exc}")
