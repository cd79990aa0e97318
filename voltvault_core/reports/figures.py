"""Publication figures: matplotlib, drawn without pyplot (no global state, safe in threads and workers).

Plotly's static export needs kaleido, which downloads a Chrome at run time: impossible on an offline
machine. Report and publication figures are drawn here instead, as vector SVG/EPS/PDF or PNG at 300 dpi
and more, with a :class:`FigureStyle` (fonts, sizes, colours, line widths, axis labels) and journal presets
(:data:`JOURNAL_PRESETS`). Outputs are deterministic: the same data and style give the same bytes (no
dates in the files, a fixed SVG id salt).

>>> style = FigureStyle.preset("ecs-single", font_family="DejaVu Serif")
>>> fig = line_figure([Series("DFN", t_h, v)], x_label="Time / h", y_label="Voltage / V", style=style)
>>> svg = figure_bytes(fig, "svg")
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

MM_PER_INCH = 25.4
FORMATS = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf", "eps": "application/postscript"}
#: colour-blind-safe default cycle (Okabe & Ito 2008)
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

matplotlib.rcParams["svg.hashsalt"] = "voltvault"  # stable ids in SVG output
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: editable in SVG, selectable in the PDF


class FigureError(ValueError):
    """A figure request is invalid (the message names the field)."""


@dataclass(frozen=True)
class FigureStyle:
    """How a figure looks. Sizes in millimetres and points, as journals give them.

    Parameters
    ----------
    width_mm, height_mm : float
        Figure size [mm].
    font_family : str
        A family matplotlib can find (``"DejaVu Sans"``, ``"DejaVu Serif"``, ``"sans-serif"``, ...).
    font_size_pt : float
        Axis-label size [pt]; tick labels are one point smaller.
    line_width_pt : float
        Curve width [pt].
    colours : sequence of str
        Colour cycle of the curves.
    dpi : int
        Resolution of raster output (PNG) [dots per inch]; at least 300 for print.
    grid : bool
        Light grid lines.
    """

    width_mm: float = 160.0
    height_mm: float = 90.0
    font_family: str = "DejaVu Sans"
    font_size_pt: float = 9.0
    line_width_pt: float = 1.2
    colours: tuple[str, ...] = OKABE_ITO
    dpi: int = 300
    grid: bool = True

    def __post_init__(self) -> None:
        for name in ("width_mm", "height_mm", "font_size_pt", "line_width_pt"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not np.isfinite(value) or value <= 0:
                raise FigureError(f"{name} must be a positive number, got {value!r}")
        if not 10 <= self.width_mm <= 600 or not 10 <= self.height_mm <= 600:
            raise FigureError(f"figure size {self.width_mm} x {self.height_mm} mm is outside 10-600 mm")
        if not isinstance(self.dpi, int) or not 72 <= self.dpi <= 2400:
            raise FigureError(f"dpi must be an integer in 72-2400, got {self.dpi!r}")
        if not self.colours:
            raise FigureError("colours must name at least one colour")
        from matplotlib.colors import is_color_like

        bad = [c for c in self.colours if not is_color_like(c)]
        if bad:
            raise FigureError(f"not colours: {bad}")

    @classmethod
    def preset(cls, name: str, **changes: Any) -> FigureStyle:
        """A journal preset, optionally changed (``FigureStyle.preset("nature-single", dpi=600)``)."""
        try:
            base = JOURNAL_PRESETS[name]
        except KeyError:
            raise FigureError(f"unknown figure preset {name!r}; presets: {', '.join(JOURNAL_PRESETS)}") from None
        return replace(base, **changes)

    @property
    def size_in(self) -> tuple[float, float]:
        return self.width_mm / MM_PER_INCH, self.height_mm / MM_PER_INCH


#: column widths from the journals' author guidelines (single / double column)
JOURNAL_PRESETS: dict[str, FigureStyle] = {
    "report": FigureStyle(width_mm=170.0, height_mm=72.0),
    "ecs-single": FigureStyle(width_mm=82.5, height_mm=62.0, font_size_pt=8.0, line_width_pt=1.0),  # J. Electrochem. Soc. 3.25 in
    "ecs-double": FigureStyle(width_mm=171.5, height_mm=90.0, font_size_pt=8.0, line_width_pt=1.0),  # 6.75 in
    "elsevier-single": FigureStyle(width_mm=90.0, height_mm=65.0, font_size_pt=8.0, line_width_pt=1.0),
    "elsevier-double": FigureStyle(width_mm=190.0, height_mm=95.0, font_size_pt=8.0, line_width_pt=1.0),
    "nature-single": FigureStyle(width_mm=89.0, height_mm=65.0, font_size_pt=7.0, line_width_pt=0.8,
                                 font_family="DejaVu Sans"),
    "nature-double": FigureStyle(width_mm=183.0, height_mm=90.0, font_size_pt=7.0, line_width_pt=0.8),
    "ieee-single": FigureStyle(width_mm=88.9, height_mm=65.0, font_size_pt=8.0, line_width_pt=1.0,
                               font_family="DejaVu Serif"),
    "ieee-double": FigureStyle(width_mm=181.9, height_mm=90.0, font_size_pt=8.0, line_width_pt=1.0,
                               font_family="DejaVu Serif"),
    "slide": FigureStyle(width_mm=240.0, height_mm=130.0, font_size_pt=14.0, line_width_pt=2.0, dpi=200),
}


@dataclass(frozen=True)
class Series:
    """One curve: a label, x and y arrays, and optionally a marker style (measured data)."""

    label: str
    x: Any
    y: Any
    kind: str = "line"  # line | markers | bar
    extra: dict[str, Any] = field(default_factory=dict)


def _axes(style: FigureStyle, *, title: bool = False, bottom_pt: float = 0.0) -> tuple[Figure, Any]:
    """A figure with fixed margins sized from the font (a third cheaper to draw than a layout engine)."""
    fig = Figure(figsize=style.size_in, dpi=100)
    w_pt, h_pt = 72 * style.size_in[0], 72 * style.size_in[1]
    fs = style.font_size_pt
    left, bottom = 5.6 * fs, 3.4 * fs + bottom_pt
    right, top = 1.2 * fs, (2.4 if title else 1.0) * fs
    fig.subplots_adjust(left=min(left / w_pt, 0.4), right=max(1 - right / w_pt, 0.6),
                        bottom=min(bottom / h_pt, 0.6), top=max(1 - top / h_pt, 0.5))
    ax = fig.add_subplot()
    return fig, ax


def _dress(ax, style: FigureStyle, x_label: str, y_label: str, title: str | None, legend: bool) -> None:
    font = {"family": style.font_family, "size": style.font_size_pt}
    ax.set_xlabel(x_label, fontdict=font)
    ax.set_ylabel(y_label, fontdict=font)
    if title:
        ax.set_title(title, fontdict={**font, "size": style.font_size_pt + 1})
    for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        label.set_fontfamily(style.font_family)
        label.set_fontsize(style.font_size_pt - 1)
    ax.tick_params(direction="in", top=True, right=True, width=0.6, length=3)
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
    if style.grid:
        ax.grid(True, linewidth=0.3, color="#cccccc")
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, prop={"family": style.font_family, "size": style.font_size_pt - 1})


def line_figure(series: Sequence[Series], *, x_label: str, y_label: str, title: str | None = None,
                style: FigureStyle | None = None, x_log: bool = False, y_log: bool = False,
                equal_aspect: bool = False) -> Figure:
    """Curves (and measured markers) on one pair of axes.

    Raises
    ------
    FigureError
        For no series, or a series whose x and y differ in length.
    """
    style = style or FigureStyle()
    if not series:
        raise FigureError("a figure needs at least one series")
    fig, ax = _axes(style, title=bool(title))
    for k, s in enumerate(series):
        x, y = np.asarray(s.x, dtype=float), np.asarray(s.y, dtype=float)
        if x.shape != y.shape:
            raise FigureError(f"series {s.label!r}: x has {x.size} values, y has {y.size}")
        colour = style.colours[k % len(style.colours)]
        if s.kind == "markers":
            ax.plot(x, y, linestyle="none", marker="o", markersize=2.5, markerfacecolor="none",
                    markeredgewidth=0.6, color=colour, label=s.label)
        else:
            ax.plot(x, y, linewidth=style.line_width_pt, color=colour, label=s.label,
                    linestyle=s.extra.get("linestyle", "-"))
    if x_log:
        ax.set_xscale("log")
    if y_log:
        ax.set_yscale("log")
    if equal_aspect:
        ax.set_aspect("equal", adjustable="datalim")
    _dress(ax, style, x_label, y_label, title, legend=len(series) > 1 or bool(series[0].label))
    return fig


def bar_figure(labels: Sequence[str], values: Sequence[float], *, y_label: str, title: str | None = None,
               style: FigureStyle | None = None, rotate_labels_deg: float = 0.0) -> Figure:
    """One bar per label (metrics of several runs side by side)."""
    style = style or FigureStyle()
    style = replace(style, height_mm=min(style.height_mm, 0.62 * style.width_mm, 60.0))
    if len(labels) != len(values) or not labels:
        raise FigureError(f"bar figure: {len(labels)} labels for {len(values)} values")
    longest = max(len(str(label)) for label in labels)
    extra = 0.55 * style.font_size_pt * longest * float(np.sin(np.radians(rotate_labels_deg)))
    fig, ax = _axes(style, title=bool(title), bottom_pt=extra - (2.0 * style.font_size_pt))
    colours = [style.colours[k % len(style.colours)] for k in range(len(labels))]
    ax.bar(range(len(labels)), np.asarray(values, float), color=colours, width=0.6)
    ax.set_xticks(range(len(labels)), labels)
    _dress(ax, style, "", y_label, title, legend=False)
    if rotate_labels_deg:
        for label in ax.get_xticklabels():
            label.set_rotation(rotate_labels_deg)
            label.set_horizontalalignment("right")
    return fig


def figure_bytes(fig: Figure, fmt: str = "svg", *, dpi: int | None = None, style: FigureStyle | None = None) -> bytes:
    """The figure as ``svg``, ``png`` (at ``dpi`` or the style's, >= 300 by default), ``pdf`` or ``eps``.

    No creation dates are written, so equal figures give equal bytes.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise FigureError(f"unknown figure format {fmt!r}; use one of {', '.join(FORMATS)}")
    buffer = io.BytesIO()
    metadata: dict[str, Any] | None = {
        "svg": {"Date": None, "Creator": "VoltVault"},
        "pdf": {"CreationDate": None, "ModDate": None, "Creator": "VoltVault", "Producer": "VoltVault"},
        "eps": {"Creator": "VoltVault"},
        "png": {"Software": "VoltVault"},
    }[fmt]
    resolution = dpi or (style.dpi if style else 300)
    fig.savefig(buffer, format=fmt, dpi=resolution, metadata=metadata)
    data = buffer.getvalue()
    if fmt == "eps":  # the PostScript backend stamps the time unless SOURCE_DATE_EPOCH is set
        data = b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"%%CreationDate"))
    return data


def svg_for_html(fig: Figure, prefix: str = "f") -> str:
    """Inline SVG text for an HTML report: the XML prolog and DOCTYPE removed, and every id (and the
    references to it) prefixed, so that several figures on one page keep their ids apart."""
    import re

    text = figure_bytes(fig, "svg").decode()
    text = text[text.find("<svg"):]
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = re.sub(r'(href="#|url\(#)([^")]+)', lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)
    return text
