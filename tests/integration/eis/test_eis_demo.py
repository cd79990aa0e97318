"""The demo project's EIS content: three synthetic spectra whose fits recover the generating values."""

from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import select

from voltvault_core.constants import T_REF_K, ZERO_CELSIUS_K, R
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import EISFit, EISMeasurement
from voltvault_core.eis.demo import ACTIVATION_ENERGY_J_MOL, seed_demo


def test_demo_seed_stores_spectra_and_fits(engine, users) -> None:
    with session_scope(engine) as session:
        counts = seed_demo(session, users["project_id"])
    assert counts == {"eis_measurements": 3, "eis_fits": 3}
    with session_scope(engine) as session:
        rows = session.exec(select(EISMeasurement).order_by(EISMeasurement.id)).all()
        temps = [r.conditions["temperature_K"] for r in rows]
        assert temps == pytest.approx([283.15, 298.15, 313.15])
        assert all(r.conditions["synthetic"] for r in rows)
        r_ct = []
        for row in rows:
            fit = session.exec(select(EISFit).where(EISFit.measurement_id == row.id)).one()
            r_ct.append(next(p["value"] for p in fit.fitted_parameters if p["param"] == "R2"))
    # the fitted charge-transfer resistances follow the generating Arrhenius law
    expected = [0.008 * np.exp(ACTIVATION_ENERGY_J_MOL / R * (1 / t - 1 / T_REF_K)) for t in temps]
    assert r_ct == pytest.approx(expected, rel=0.1)
    assert ZERO_CELSIUS_K < temps[0]
