"""ZView / Scribner text exports (``Z60W Data File`` header, numeric preamble, quoted column header).

``data/zview_example.txt`` was written by hand in ZView's documented layout (CRLF, seven empty quoted
comment lines, the sweep settings ``0,2,0,1,0.1,65000``, the point count, a quoted header) with the
impedance of R0 + R1 || C1 (R0 = 0.0213 ohm, R1 = 0.0457 ohm, C1 = 0.0120 F) at 31 frequencies from
65 kHz to 0.1 Hz, printed to 7 significant digits. No real ZView export is among ../shared/data/eis (its
Scribner file is a ZPlot ``.z``), so the values are checked against that circuit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voltvault_core.eis.readers import detect_format, read_spectra
from voltvault_core.eis.spectrum import EISFileError

FIXTURE = Path(__file__).parent / "data" / "zview_example.txt"
R0_OHM, R1_OHM, C1_F = 0.0213, 0.0457, 0.0120


def _model(frequency_Hz: np.ndarray) -> np.ndarray:
    omega = 2 * np.pi * frequency_Hz
    return R0_OHM + R1_OHM / (1 + 1j * omega * R1_OHM * C1_F)


def _check(spectra) -> None:
    assert len(spectra) == 1
    spectrum = spectra[0]
    assert spectrum.frequency_Hz.size == 31
    assert spectrum.frequency_Hz.max() == pytest.approx(65000.0)
    assert spectrum.frequency_Hz.min() == pytest.approx(0.1)
    np.testing.assert_allclose(spectrum.impedance_ohm.real, _model(spectrum.frequency_Hz).real, rtol=1e-5)
    np.testing.assert_allclose(spectrum.impedance_ohm.imag, _model(spectrum.frequency_Hz).imag, rtol=1e-5, atol=1e-9)
    assert (spectrum.impedance_ohm.imag < 0).all()  # capacitive: Z'' negative, as ZView writes it


def test_zview_export_is_detected_and_read() -> None:
    data = FIXTURE.read_bytes()
    assert detect_format(data, FIXTURE.name) == "zview_txt"
    spectra = read_spectra(data, FIXTURE.name)
    _check(spectra)
    assert spectra[0].metadata["points_announced"] == 31


def test_zview_export_without_header_tabs_and_lf() -> None:
    lines = FIXTURE.read_text().splitlines()
    headerless = [line for line in lines if not line.startswith('"Freq')]
    _check(read_spectra("\n".join(headerless).encode(), "no_header.txt"))
    tabbed = [line.replace(",", "\t") for line in lines]
    _check(read_spectra("\n".join(tabbed).encode(), "tabs.txt"))


def test_truncated_zview_row_names_the_line() -> None:
    lines = FIXTURE.read_text().splitlines()
    lines[15] = lines[15].split(",")[0] + ",0.005"
    with pytest.raises(EISFileError, match="line 16"):
        read_spectra("\r\n".join(lines).encode(), "cut.txt")


def test_zview_preamble_without_data_is_refused() -> None:
    with pytest.raises(EISFileError, match="no data rows"):
        read_spectra(b'"Z60W Data File: Version 1.1"\r\n""\r\n0,2,0,1,0.1,65000\r\n31\r\n', "empty.txt")
