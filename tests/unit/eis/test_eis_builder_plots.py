"""Circuit builder (the page's element-by-element editor) and the Plotly figures."""

from __future__ import annotations

import numpy as np
import pytest

from voltvault_core.eis.builder import add_element, next_element_name, remove_last_element
from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.drt import compute_drt
from voltvault_core.eis.fitting import fit_circuit
from voltvault_core.eis.kk import linear_kk
from voltvault_core.eis.plots import bode_figure, drt_figure, kk_figure, nyquist_figure, residual_figure
from voltvault_core.eis.spectrum import Spectrum


def test_builder_writes_valid_strings() -> None:
    text = ""
    for symbol, mode in [
        ("R", "series"),
        ("R", "series"),
        ("CPE", "parallel"),
        ("Wo", "branch"),
        ("W", "series"),
    ]:
        text = add_element(text, symbol, mode)
        Circuit(text)  # always parses
    assert text == "R0-p(R1,CPE0-Wo0)-W0"
    assert add_element("R0-p(R1,C1)", "C", "parallel") == "R0-p(R1,C1,C0)"
    assert next_element_name("R0-R1-p(R2,C0)", "R") == "R3"
    assert remove_last_element("R0-p(R1,CPE1)") == "R0-R1"
    assert remove_last_element("R0") == ""
    with pytest.raises(ValueError, match="branch"):
        add_element("R0", "W", "branch")
    with pytest.raises(ValueError, match="unknown element"):
        add_element("R0", "Q", "series")


def test_figures_show_data_fit_and_flags() -> None:
    f = np.geomspace(1e4, 1e-2, 30)
    z = Circuit("R0-p(R1,CPE1)-W1").impedance([0.5, 2.0, 1e-3, 0.85, 0.3], f)
    spectrum = Spectrum(f, z)
    fit = fit_circuit(spectrum, "R0-p(R1,CPE1)-W1")
    nyquist = nyquist_figure(spectrum, fit)
    assert nyquist.layout.yaxis.scaleanchor == "x"  # equal axes
    np.testing.assert_allclose(nyquist.data[0].y, -z.imag)
    assert len(nyquist.data) == 2
    bode = bode_figure(spectrum, fit)
    assert bode.layout.xaxis.type == "log"
    assert len(residual_figure(fit).data) == 2
    kk = linear_kk(spectrum)
    assert kk_figure(kk).data
    flagged = np.zeros(30, dtype=bool)
    flagged[:3] = True
    assert nyquist_figure(spectrum, flagged=flagged).data[-1].name == "KK flagged"
    drt = compute_drt(spectrum)
    assert drt_figure(drt).layout.xaxis.type == "log"
