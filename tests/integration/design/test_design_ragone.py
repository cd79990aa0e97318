"""Ragone sweep through the solvers."""

from __future__ import annotations

import pytest

from voltvault_core.design.examples import lg_m50
from voltvault_core.design.metrics import compute_metrics
from voltvault_core.design.ragone import ragone


@pytest.mark.slow
def test_ragone_energy_falls_and_power_rises_with_rate():
    design = lg_m50()
    metrics = compute_metrics(design)
    points = ragone(design, [0.05, 0.5, 2.0], model="spme")
    energies = [p.specific_energy_Wh_kg for p in points]
    powers = [p.specific_power_W_kg for p in points]
    assert energies == sorted(energies, reverse=True)
    assert powers == sorted(powers)
    # at C/20 the simulated energy approaches the open-circuit energy of the metrics (within 1 %)
    assert points[0].energy_Wh == pytest.approx(metrics.energy_Wh, rel=0.01)
    # mean power at C/20 is about V_nominal x C/20
    assert points[0].mean_power_W == pytest.approx(
        metrics.nominal_voltage_V * metrics.capacity_Ah / 20, rel=0.02
    )
    assert all(p.termination.startswith("event") for p in points)
