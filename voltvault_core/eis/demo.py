"""Demo seeder: SYNTHETIC impedance spectra of a 21700 cell at three temperatures, with their fits.

The spectra are generated here (no measured data is shipped): inductance, ohmic resistance, an SEI arc,
a charge-transfer arc whose resistance follows Arrhenius with 50 kJ/mol, and reflective solid diffusion,
plus 0.3 % Gaussian noise (seeded). Called by :func:`voltvault_core.demo.seed_demo` in its transaction.
"""

from __future__ import annotations

import numpy as np
from sqlmodel import Session

from voltvault_core.constants import T_REF_K, ZERO_CELSIUS_K, R
from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.fitting import fit_circuit
from voltvault_core.eis.library import CIRCUIT_LIBRARY
from voltvault_core.eis.readers import read_spectra
from voltvault_core.eis.service import store_fit, store_spectra

DEMO_CIRCUIT = "L0-R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"
TEMPERATURES_C = (10.0, 25.0, 40.0)
ACTIVATION_ENERGY_J_MOL = 50e3


def demo_spectra_csv(seed: int = 2024) -> bytes:
    """CSV (frequency, Z', -Z'', temperature) of the synthetic demo spectra."""
    f = np.logspace(4, -2, 61)
    rng = np.random.default_rng(seed)
    lines = ["Frequency (Hz),Z' (Ohm),-Z'' (Ohm),Temperature (°C)"]
    for temp_c in TEMPERATURES_C:
        temp_k = temp_c + ZERO_CELSIUS_K
        arrhenius = np.exp(ACTIVATION_ENERGY_J_MOL / R * (1 / temp_k - 1 / T_REF_K))
        values = {
            "L0": 3e-8,
            "R0": 0.018,
            "R1": 0.004,
            "CPE1_0": 0.08,
            "CPE1_1": 0.9,
            "R2": 0.008 * arrhenius,
            "CPE2_0": 2.5,
            "CPE2_1": 0.85,
            "Wo1_0": 0.006,
            "Wo1_1": 250.0,
        }
        z = Circuit(DEMO_CIRCUIT).impedance(values, f)
        z = z + 0.003 * np.abs(z) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
        lines += [f"{a:.6g},{b:.8g},{-c:.8g},{temp_c}" for a, b, c in zip(f, z.real, z.imag, strict=True)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def seed_demo(session: Session, project_id: int) -> dict[str, int]:
    """Store the synthetic spectra and one fit each (SEI + charge transfer + diffusion)."""
    data = demo_spectra_csv()
    filename = "synthetic_M50_EIS_10-25-40C.csv"
    spectra = read_spectra(data, filename)
    spectra = [
        type(s)(
            s.frequency_Hz,
            s.impedance_ohm,
            {**s.metadata, "synthetic": True},
            f"synthetic M50 {s.metadata['temperature_K'] - ZERO_CELSIUS_K:.0f} °C",
        )
        for s in spectra
    ]
    rows = store_spectra(
        session,
        project_id,
        data=data,
        filename=filename,
        spectra=spectra,
        actor_id=None,
        cell_id_label="M50 demo",
    )
    circuit = CIRCUIT_LIBRARY["sei_ct_diffusion"].circuit
    for row, spectrum in zip(rows, spectra, strict=True):
        store_fit(session, row.id, fit_circuit(spectrum.capacitive_only(), circuit), actor_id=None)
    return {"eis_measurements": len(rows), "eis_fits": len(rows)}
