"""Publication figures: formats, resolution, sizes, fonts, colours, labels, presets and bad inputs."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from voltvault_core.reports.figures import (
    JOURNAL_PRESETS,
    FigureError,
    FigureStyle,
    Series,
    bar_figure,
    figure_bytes,
    line_figure,
    svg_for_html,
)

X = np.linspace(0.0, 5.0, 200)


def _figure(style=None, **kwargs):
    return line_figure([Series("DFN", X, 4.1 - 0.2 * X), Series("measured", X[::10], 4.0 - 0.2 * X[::10], kind="markers")],
                       x_label=kwargs.pop("x_label", "Discharged capacity / Ah"), y_label="Voltage / V",
                       style=style, **kwargs)


def test_svg_is_vector_with_the_labels_as_text_and_the_style_size():
    style = FigureStyle.preset("ecs-single", font_family="DejaVu Serif")
    svg = figure_bytes(_figure(style), "svg").decode()
    root = ET.fromstring(svg)
    width_pt = float(root.get("width").removesuffix("pt"))
    assert width_pt == pytest.approx(style.width_mm / 25.4 * 72, rel=1e-3)
    assert "Discharged capacity / Ah" in svg
    assert "DejaVu Serif" in svg
    assert "<image" not in svg  # no raster inside


def test_png_resolution_is_at_least_300_dpi_and_follows_the_style():
    png = figure_bytes(_figure(FigureStyle(width_mm=90, height_mm=60, dpi=600)), "png", style=FigureStyle(dpi=600))
    image = Image.open(io.BytesIO(png))
    assert image.info["dpi"][0] == pytest.approx(600, abs=1)
    assert image.width == pytest.approx(90 / 25.4 * 600, abs=2)
    default = Image.open(io.BytesIO(figure_bytes(_figure(), "png")))
    assert default.info["dpi"][0] >= 299.9


def test_eps_and_pdf_are_written_and_deterministic():
    eps, pdf = figure_bytes(_figure(), "eps"), figure_bytes(_figure(), "pdf")
    assert eps.startswith(b"%!PS-Adobe")
    assert b"%%BoundingBox" in eps
    assert pdf.startswith(b"%PDF")
    assert figure_bytes(_figure(), "eps") == eps
    assert figure_bytes(_figure(), "pdf") == pdf
    assert figure_bytes(_figure(), "svg") == figure_bytes(_figure(), "svg")


def test_colours_and_labels_are_the_users():
    svg = figure_bytes(_figure(FigureStyle(colours=("#123456", "#abcdef")), x_label="State of charge / %"), "svg").decode()
    assert "#123456" in svg
    assert "#abcdef" in svg
    assert "State of charge / %" in svg


def test_every_preset_is_valid_and_journal_widths_hold():
    assert {"ecs-single", "elsevier-double", "nature-single", "ieee-single"} <= set(JOURNAL_PRESETS)
    assert JOURNAL_PRESETS["nature-single"].width_mm == 89.0
    assert JOURNAL_PRESETS["ieee-single"].width_mm == pytest.approx(3.5 * 25.4)
    for name in JOURNAL_PRESETS:
        assert figure_bytes(_figure(FigureStyle.preset(name)), "svg")


@pytest.mark.parametrize(("changes", "message"), [
    ({"width_mm": -1}, "width_mm must be a positive number"),
    ({"dpi": 10}, "dpi must be an integer in 72-2400"),
    ({"colours": ("notacolour",)}, "not colours"),
    ({"width_mm": 5000}, "outside 10-600 mm"),
])
def test_bad_styles_say_what_is_wrong(changes, message):
    with pytest.raises(FigureError, match=message):
        FigureStyle(**changes)


def test_bad_requests_say_what_is_wrong():
    with pytest.raises(FigureError, match="unknown figure preset 'jacs'"):
        FigureStyle.preset("jacs")
    with pytest.raises(FigureError, match="unknown figure format 'jpg'"):
        figure_bytes(_figure(), "jpg")
    with pytest.raises(FigureError, match="x has 3 values, y has 2"):
        line_figure([Series("a", [1, 2, 3], [1, 2])], x_label="x", y_label="y")
    with pytest.raises(FigureError, match="at least one series"):
        line_figure([], x_label="x", y_label="y")
    with pytest.raises(FigureError, match="2 labels for 1 values"):
        bar_figure(["a", "b"], [1.0], y_label="y")


def test_inline_svgs_keep_their_ids_apart():
    a, b = svg_for_html(_figure(), "fig1"), svg_for_html(_figure(), "fig2")
    ids_a = {e.get("id") for e in ET.fromstring(a).iter() if e.get("id")}
    ids_b = {e.get("id") for e in ET.fromstring(b).iter() if e.get("id")}
    assert ids_a
    assert not ids_a & ids_b
    assert all(i.startswith("fig1-") for i in ids_a)
