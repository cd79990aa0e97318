"""Demo seeder: a small Sobol study of the LG M50 (Chen2020) cell with SPMe, stored completed.

Three inputs (positive electrode thickness, negative electrode porosity, positive particle radius),
N = 64 in 4 replicates (320 runs, a few seconds), outputs capacity, energy and specific energy, so the
DOE page of the demo project shows every view. Called by :func:`voltvault_core.demo.seed_demo`.
"""

from __future__ import annotations

from sqlmodel import Session

from voltvault_core.doe.execute import run_study
from voltvault_core.doe.service import store_completed_study

DEMO_SPEC = {
    "name": "Demo: M50 cathode and porosity (SPMe, Sobol)",
    "model": "spme", "parameter_set": "Chen2020", "experiment": "Discharge at 1C until 2.5 V",
    "inputs": {"Positive electrode thickness [m]": [60e-6, 90e-6], "Negative electrode porosity": [0.2, 0.35],
               "Positive particle radius [m]": [3e-6, 8e-6]},
    "method": "sobol", "samples": 64, "replicates": 4, "seed": 1,
    "outputs": ["discharge_capacity_Ah", "energy_Wh", "specific_energy_Wh_kg"],
}


def seed_demo(session: Session, project_id: int) -> dict[str, int]:
    result = run_study(DEMO_SPEC)
    store_completed_study(session, project_id, result)
    return {"doe_studies": 1}
