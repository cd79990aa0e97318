"""A design exported as a parameter set runs through ``voltvault simulate`` and gives what the metrics promise."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from voltvault_core.design.examples import lg_m50
from voltvault_core.design.export import design_to_json
from voltvault_core.design.metrics import compute_metrics


def _simulate(path, experiment: str, model: str = "spme") -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "voltvault_core", "simulate", "--parameter-set", str(path), "--model", model,
         "--experiment", experiment, "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.slow
def test_exported_lg_m50_delivers_the_promised_capacity(tmp_path):
    design = lg_m50()
    metrics = compute_metrics(design)
    path = tmp_path / "lg_m50.json"
    path.write_text(json.dumps(design_to_json(design)))
    slow = _simulate(path, "Discharge at C/20 until 2.5 V")
    # at C/20 the cell gives (almost) its whole open-circuit capacity
    assert slow["discharge_capacity_Ah"] == pytest.approx(metrics.capacity_Ah, rel=0.01)
    fast = _simulate(path, "Discharge at 1C until 2.5 V")
    # at 1C polarisation stops it a few percent early (PyBaMM SPMe on Chen2020: 4.939 Ah of 5.09)
    assert 0.95 * metrics.capacity_Ah < fast["discharge_capacity_Ah"] < slow["discharge_capacity_Ah"]


@pytest.mark.slow
def test_a_design_of_materials_without_a_bundled_set_simulates_in_process():
    # NCA (Kim 2011 values, no NCA set in the solvers) with Kim's electrolyte: OCP and transport tabulated
    from voltvault_core.design.model import CellDesign, ElectrodeLayer, Geometry
    from voltvault_core.design.ragone import ragone

    design = CellDesign(
        name="NCA pouch",
        positive=ElectrodeLayer("NCA", 70e-6, porosity=0.3),
        negative=ElectrodeLayer("Graphite-LGM50", 80e-6, porosity=0.3, binder="CMC/SBR"),
        electrolyte="LiPF6-EC-EMC-1.2M",
        geometry=Geometry(format="pouch", electrode_width_m=0.08, electrode_height_m=0.15, n_layers=12),
        lower_voltage_V=2.7,
    )
    metrics = compute_metrics(design)
    slow, fast = ragone(design, [0.05, 1.0], model="dfn")
    # the window's end sits slightly above 2.7 V, so C/20 to 2.7 V gives a little more than promised
    assert slow.capacity_Ah == pytest.approx(metrics.capacity_Ah, rel=0.02)
    assert 0.9 * slow.capacity_Ah < fast.capacity_Ah < slow.capacity_Ah
