"""Plotly figures of the EIS Fitting Studio (no Streamlit: pages show them, reports can reuse them).

Nyquist plots use equal axes (``scaleanchor``) and ``-Z''`` upwards; Bode plots |Z| and phase against
log frequency; residual plots the relative residuals in per cent.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from voltvault_core.eis.drt import DRTResult
from voltvault_core.eis.fitting import FitResult
from voltvault_core.eis.kk import KKResult
from voltvault_core.eis.multi import MultiFitResult
from voltvault_core.eis.spectrum import Spectrum
from voltvault_core.figure_style import LEGEND_ABOVE

__all__ = [
    "bode_figure",
    "drt_figure",
    "kk_figure",
    "multi_parameter_figure",
    "nyquist_figure",
    "residual_figure",
]

DATA_COLOR = "#1f77b4"
FIT_COLOR = "#d62728"


def _dense_frequencies(f: np.ndarray, per_decade: int = 40) -> np.ndarray:
    lo, hi = np.log10(f.min()), np.log10(f.max())
    return np.logspace(hi, lo, max(int((hi - lo) * per_decade), 20))


def nyquist_figure(
    spectra: list[Spectrum] | Spectrum, fit: FitResult | None = None, *, flagged: np.ndarray | None = None
) -> go.Figure:
    """Nyquist plot (equal axes) of one or more spectra, with the fitted curve and flagged points."""
    spectra = [spectra] if isinstance(spectra, Spectrum) else list(spectra)
    fig = go.Figure()
    for k, s in enumerate(spectra):
        fig.add_trace(
            go.Scatter(
                x=s.z_real_ohm,
                y=-s.z_imag_ohm,
                mode="markers",
                name=s.label if len(spectra) > 1 else "data",
                marker={"size": 7, "color": DATA_COLOR if len(spectra) == 1 else None},
                customdata=s.frequency_Hz,
                hovertemplate="Z' %{x:.4g} Ω<br>-Z'' %{y:.4g} Ω<br>f %{customdata:.4g} Hz<extra></extra>",
                legendgroup=str(k),
            )
        )
    if flagged is not None and len(spectra) == 1 and np.any(flagged):
        s = spectra[0]
        fig.add_trace(
            go.Scatter(
                x=s.z_real_ohm[flagged],
                y=-s.z_imag_ohm[flagged],
                mode="markers",
                name="KK flagged",
                marker={"size": 13, "symbol": "circle-open", "color": "orange", "line": {"width": 2}},
            )
        )
    if fit is not None:
        f_dense = _dense_frequencies(fit.frequency_Hz)
        z = fit.predict(f_dense)
        fig.add_trace(
            go.Scatter(
                x=z.real, y=-z.imag, mode="lines", name=f"fit {fit.circuit}", line={"color": FIT_COLOR}
            )
        )
    fig.update_layout(
        xaxis_title="Z' [Ω]",
        yaxis_title="-Z'' [Ω]",
        yaxis={"scaleanchor": "x", "scaleratio": 1},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend=LEGEND_ABOVE,
        height=420,
    )
    return fig


def bode_figure(spectra: list[Spectrum] | Spectrum, fit: FitResult | None = None) -> go.Figure:
    """|Z| and phase against frequency (two stacked panels sharing the log-frequency axis)."""
    spectra = [spectra] if isinstance(spectra, Spectrum) else list(spectra)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    for s in spectra:
        name = s.label if len(spectra) > 1 else "data"
        fig.add_trace(
            go.Scatter(
                x=s.frequency_Hz,
                y=np.abs(s.impedance_ohm),
                mode="markers",
                name=name,
                marker={"color": DATA_COLOR if len(spectra) == 1 else None},
            ),
            1,
            1,
        )
        fig.add_trace(
            go.Scatter(
                x=s.frequency_Hz,
                y=-np.angle(s.impedance_ohm, deg=True),
                mode="markers",
                name=name,
                showlegend=False,
                marker={"color": DATA_COLOR if len(spectra) == 1 else None},
            ),
            2,
            1,
        )
    if fit is not None:
        f_dense = _dense_frequencies(fit.frequency_Hz)
        z = fit.predict(f_dense)
        fig.add_trace(
            go.Scatter(x=f_dense, y=np.abs(z), mode="lines", name="fit", line={"color": FIT_COLOR}), 1, 1
        )
        fig.add_trace(
            go.Scatter(
                x=f_dense, y=-np.angle(z, deg=True), mode="lines", showlegend=False, line={"color": FIT_COLOR}
            ),
            2,
            1,
        )
    fig.update_xaxes(type="log")
    fig.update_xaxes(title_text="f [Hz]", row=2, col=1)
    fig.update_yaxes(type="log", title_text="|Z| [Ω]", row=1, col=1)
    fig.update_yaxes(title_text="-phase [°]", row=2, col=1)
    fig.update_layout(
        height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend=LEGEND_ABOVE
    )
    return fig


def residual_figure(fit: FitResult) -> go.Figure:
    """Relative residuals ``(Z_data - Z_fit)/|Z_data|`` [%] of the real and imaginary parts."""
    res_re, res_im = fit.residuals_relative
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=fit.frequency_Hz, y=100 * res_re, mode="lines+markers", name="Δ Z'/|Z|"))
    fig.add_trace(go.Scatter(x=fit.frequency_Hz, y=100 * res_im, mode="lines+markers", name="Δ Z''/|Z|"))
    fig.add_hline(y=0, line={"color": "grey", "width": 1})
    fig.update_xaxes(type="log", title_text="f [Hz]")
    fig.update_yaxes(title_text="residual [%]")
    fig.update_layout(
        height=260, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend=LEGEND_ABOVE
    )
    return fig


def kk_figure(result: KKResult) -> go.Figure:
    """Kramers–Kronig residuals [%] with the threshold band and flagged points."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=result.frequency_Hz, y=100 * result.residual_real, mode="lines+markers", name="Δ Z'/|Z|")
    )
    fig.add_trace(
        go.Scatter(
            x=result.frequency_Hz, y=100 * result.residual_imag, mode="lines+markers", name="Δ Z''/|Z|"
        )
    )
    if result.flagged.any():
        worst = np.maximum(np.abs(result.residual_real), np.abs(result.residual_imag))[result.flagged]
        fig.add_trace(
            go.Scatter(
                x=result.frequency_Hz[result.flagged],
                y=100 * worst,
                mode="markers",
                name="flagged",
                marker={"size": 12, "symbol": "x", "color": "orange"},
            )
        )
    for sign in (1, -1):
        fig.add_hline(y=sign * 100 * result.threshold, line={"color": "orange", "dash": "dash", "width": 1})
    fig.update_xaxes(type="log", title_text="f [Hz]")
    fig.update_yaxes(title_text="KK residual [%]")
    fig.update_layout(
        height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend=LEGEND_ABOVE
    )
    return fig


def drt_figure(result: DRTResult) -> go.Figure:
    """``gamma(tau)`` on log tau with the peaks marked."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=result.tau_s, y=result.gamma_ohm, mode="lines", name="γ(τ)", line={"color": DATA_COLOR})
    )
    if result.peaks:
        fig.add_trace(
            go.Scatter(
                x=[p.time_constant_s for p in result.peaks],
                y=[p.gamma_ohm for p in result.peaks],
                mode="markers+text",
                text=[f"τ={p.time_constant_s:.2g} s<br>R={p.resistance_ohm:.3g} Ω" for p in result.peaks],
                textposition="top center",
                name="peaks",
                marker={"size": 10, "color": FIT_COLOR},
            )
        )
    fig.update_xaxes(type="log", title_text="τ [s]")
    fig.update_yaxes(title_text="γ [Ω]")
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return fig


def multi_parameter_figure(result: MultiFitResult, condition: str) -> go.Figure:
    """Each independent parameter against a condition (one panel per parameter, error bars = 1 se)."""
    names = result.independent or []
    fig = make_subplots(rows=max(len(names), 1), cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for row, name in enumerate(names, start=1):
        x, y, e = result.parameter_versus(name, condition)
        if x.size == 0:
            x, y, e = (
                np.arange(1, len(result.parameters) + 1),
                np.array([p[name] for p in result.parameters]),
                np.array([s[name] for s in result.stderr]),
            )
        fig.add_trace(go.Scatter(x=x, y=y, error_y={"array": e}, mode="lines+markers", name=name), row, 1)
        fig.update_yaxes(title_text=name, row=row, col=1)
    fig.update_xaxes(title_text=condition, row=max(len(names), 1), col=1)
    fig.update_layout(
        height=220 * max(len(names), 1), margin={"l": 10, "r": 10, "t": 10, "b": 10}, showlegend=False
    )
    return fig
