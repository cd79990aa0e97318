"""One metric function for page, CLI and reports; published parameter sets keep their real cell format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from solvers.parameters import get_parameter_set
from voltvault_core.design.examples import lg_m50
from voltvault_core.design.export import parameter_set_to_design
from voltvault_core.design.metrics import compute_metrics, metrics_summary, np_ratio_note

ROOT = Path(__file__).resolve().parents[3]
A123_ANR26650M1_MASS_KG = 0.076  # A123 Systems ANR26650M1 datasheet (76 g)


def test_chen2020_imports_as_the_lg_m50_in_its_21700_can():
    design = parameter_set_to_design(get_parameter_set("Chen2020"))
    assert (design.geometry.format, design.geometry.size) == ("cylindrical", "21700")
    imported, reference = compute_metrics(design), compute_metrics(lg_m50())
    assert imported.capacity_Ah == pytest.approx(reference.capacity_Ah, rel=1e-6)
    assert imported.specific_energy_Wh_kg == pytest.approx(reference.specific_energy_Wh_kg, rel=0.01)
    assert imported.specific_energy_Wh_kg > 260  # not the 216 Wh/kg of a single pouch sheet


def test_prada2013_imports_as_an_a123_26650():
    design = parameter_set_to_design(get_parameter_set("Prada2013"))
    assert (design.geometry.format, design.geometry.size) == ("cylindrical", "26650")
    metrics = compute_metrics(design)
    assert metrics.mass_kg == pytest.approx(A123_ANR26650M1_MASS_KG, rel=0.1)
    assert 90 < metrics.specific_energy_Wh_kg < 120  # the 69 Wh/kg of a pouch sheet was wrong
    assert metrics.stack_fill_fraction <= 1.0
    assert "A123" in design.notes


def test_a_set_without_a_known_cell_says_it_became_a_pouch_sheet():
    design = parameter_set_to_design(get_parameter_set("Marquis2019"))
    assert design.geometry.format == "pouch"
    assert "names no cell format" in design.notes


def test_cli_metrics_equal_the_page_metrics_for_the_same_cell(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "voltvault_core", "design", "metrics", "--parameter-set", "Chen2020", "--json"],
        capture_output=True, text=True, cwd=ROOT, check=True, timeout=300,
    )
    cli = json.loads(out.stdout)
    page = metrics_summary(lg_m50(), compute_metrics(lg_m50()))
    assert cli["specific_energy_Wh_kg"] == pytest.approx(page["specific_energy_Wh_kg"], rel=0.01)
    assert cli["np_ratio_note"].split(";")[1] == page["np_ratio_note"].split(";")[1]


def test_the_np_note_agrees_with_the_limiting_electrode():
    metrics = compute_metrics(lg_m50())
    note = np_ratio_note(metrics)
    assert f"N/P {metrics.np_ratio:.3f}" in note
    assert (metrics.limiting_electrode == "negative") == (metrics.cycled_np_ratio < 1.0)
    assert f"{metrics.limiting_electrode} electrode" in note
    assert "negative electrode's window limits" in note
    assert f"cycled N/P {metrics.cycled_np_ratio:.3f}" in note
