"""Damaged impedance files end in EISFileError (or are read), never in another exception (issue 12).
Cases found by tools/fuzz_readers.py; skips when ../shared is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voltvault_core.eis.readers import read_spectra

SHARED = Path(os.environ.get("VOLTVAULT_SHARED_DIR") or Path(__file__).resolve().parents[3].parent / "shared")
CHI = SHARED / "data" / "eis" / "exampleDataCHInstruments.txt"


@pytest.mark.skipif(not CHI.exists(), reason="../shared/data/eis is absent")
def test_chi_header_line_without_its_colon_is_read() -> None:
    """Fuzz input 2739: one flipped byte removed the colon of ``Instrument Model:``; the reader raised
    a bare ``IndexError``."""
    data = CHI.read_bytes().replace(b"Instrument Model:", b"Instrument Model\x3b", 1)
    spectra = read_spectra(data, CHI.name)
    assert spectra[0].frequency_Hz.size > 10

