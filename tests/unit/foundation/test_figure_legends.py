"""Legends sit above the plot, never on the x-axis title (where a horizontal legend lands by default)."""

from __future__ import annotations

import numpy as np
import pytest

from voltvault_core.cycling.figures import dqdv_figure, voltage_figure
from voltvault_core.cycling.synthetic import synthetic_cycling_frame
from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.drt import compute_drt
from voltvault_core.eis.fitting import fit_circuit
from voltvault_core.eis.plots import bode_figure, drt_figure, nyquist_figure
from voltvault_core.eis.spectrum import Spectrum


def _figures():
    frame = synthetic_cycling_frame(3, points_per_step=20, rest_points=2)
    f = np.geomspace(1e4, 1e-2, 40)
    spectrum = Spectrum(f, Circuit("R0-p(R1,C1)").impedance({"R0": 0.01, "R1": 0.02, "C1": 0.05}, f))
    fit = fit_circuit(spectrum, "R0-p(R1,C1)")
    return {
        "cycling voltage": voltage_figure(frame, [1, 2]),
        "cycling voltage with title": voltage_figure(frame, [1, 2], title="cell A"),
        "dQ/dV": dqdv_figure(frame, [1, 2]),
        "Nyquist": nyquist_figure(spectrum, fit),
        "Bode": bode_figure(spectrum, fit),
        "DRT": drt_figure(compute_drt(spectrum)),
    }


@pytest.mark.parametrize("name", list(_figures()))
def test_a_horizontal_legend_is_above_the_plot(name):
    layout = _figures()[name].layout
    if layout.showlegend is False:
        return
    legend = layout.legend
    if legend.orientation == "h":
        assert legend.y is not None, f"{name}: legend at Plotly's default place, on the x-axis title"
        assert legend.y >= 1.0, f"{name}: legend at y={legend.y} overlaps the x-axis title"
        assert legend.yanchor == "bottom"
        assert layout.margin.t >= 40  # room for it above the plot
        if layout.title.text:
            assert layout.margin.t >= 80
