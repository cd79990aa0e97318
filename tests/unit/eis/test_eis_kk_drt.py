"""Kramers–Kronig check and DRT on synthetic spectra with known answers, and on the real files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.drt import compute_drt
from voltvault_core.eis.kk import linear_kk
from voltvault_core.eis.readers import read_spectra
from voltvault_core.eis.spectrum import Spectrum

F60 = np.geomspace(1e5, 1e-2, 60)
TWO_RC = "R0-p(R1,C1)-p(R2,C2)"
TAU1_S, TAU2_S = 1e-3, 1.0
TWO_RC_VALUES = {"R0": 0.01, "R1": 0.02, "C1": TAU1_S / 0.02, "R2": 0.03, "C2": TAU2_S / 0.03}
EIS_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "eis"


def _two_rc(noise: float, seed: int = 0) -> Spectrum:
    z = Circuit(TWO_RC).impedance(TWO_RC_VALUES, F60)
    rng = np.random.default_rng(seed)
    z = z + noise * np.abs(z) * (rng.standard_normal(F60.size) + 1j * rng.standard_normal(F60.size))
    return Spectrum(F60, z, label="two RC")


@pytest.mark.parametrize("rule", ["gcv", "lcurve"])
def test_drt_of_two_rc_finds_two_peaks_at_the_time_constants(rule: str) -> None:
    result = compute_drt(_two_rc(0.002), lambda_value=rule)
    assert len(result.peaks) == 2
    found = sorted(p.time_constant_s for p in result.peaks)
    assert abs(np.log10(found[0] / TAU1_S)) < 0.15  # within 0.15 decade
    assert abs(np.log10(found[1] / TAU2_S)) < 0.15
    by_tau = sorted(result.peaks, key=lambda p: p.time_constant_s)
    assert by_tau[0].resistance_ohm == pytest.approx(0.02, rel=0.15)
    assert by_tau[1].resistance_ohm == pytest.approx(0.03, rel=0.15)
    assert result.r_inf_ohm == pytest.approx(0.01, rel=0.05)
    assert result.polarization_resistance_ohm == pytest.approx(0.05, rel=0.05)
    assert result.lambda_rule == rule
    assert result.lambda_value > 0


def test_drt_lambda_user_override_changes_smoothness() -> None:
    spectrum = _two_rc(0.002)
    auto = compute_drt(spectrum)
    heavy = compute_drt(spectrum, lambda_value=auto.lambda_value * 1e4)
    assert heavy.lambda_rule == "user"
    assert heavy.lambda_value == pytest.approx(auto.lambda_value * 1e4)
    assert heavy.gamma_ohm.max() < auto.gamma_ohm.max()  # more regularisation: flatter
    assert heavy.rmse_ohm > auto.rmse_ohm
    with pytest.raises(ValueError, match="regularisation"):
        compute_drt(spectrum, lambda_value="magic")


def test_kk_accepts_valid_data_and_flags_drift() -> None:
    circuit = Circuit("R0-p(R1,CPE1)-p(R2,CPE2)-W1")
    true = {
        "R0": 0.01,
        "R1": 0.02,
        "CPE1_0": 0.05,
        "CPE1_1": 0.85,
        "R2": 0.03,
        "CPE2_0": 2.0,
        "CPE2_1": 0.8,
        "W1": 0.003,
    }
    z = circuit.impedance(true, F60)
    rng = np.random.default_rng(4)
    z = z + 0.001 * np.abs(z) * (rng.standard_normal(60) + 1j * rng.standard_normal(60))
    spectrum = Spectrum(F60, z)
    result = linear_kk(spectrum)
    assert result.valid
    assert result.mu <= 0.85
    assert np.max(np.abs(result.residual_real)) < 0.01
    # a drifting cell: the low-frequency points (measured last) pick up a growing real offset
    z = spectrum.impedance_ohm.copy()
    z[-12:] += 0.05 * np.abs(z[-12:]) * np.linspace(0.2, 1.0, 12)
    drifted = linear_kk(Spectrum(spectrum.frequency_Hz, z))
    assert not drifted.valid
    assert drifted.flagged[-12:].sum() >= 6
    assert drifted.flagged[:-12].sum() <= 3
    assert drifted.to_dict()["n_flagged"] == int(drifted.flagged.sum())


def test_kk_on_real_files() -> None:
    """ZPlot and VersaStudio spectra are clean (<1 %); peis is noise below ~76 Hz, so KK must flag it."""
    if not EIS_DIR.exists():
        pytest.skip("../shared/data is absent")
    for name in ("exampleDataZPlot.z", "exampleDataVersaStudio.par"):
        assert linear_kk(read_spectra(EIS_DIR / name)[0]).valid, name
    peis = read_spectra(EIS_DIR / "peis.mpt")[0]
    result = linear_kk(peis)
    low = peis.frequency_Hz < 76
    assert result.flagged[low].mean() > 0.5


def test_drt_on_real_file_reconstructs_it() -> None:
    if not EIS_DIR.exists():
        pytest.skip("../shared/data is absent")
    spectrum = read_spectra(EIS_DIR / "exampleDataZPlot.z")[0]
    result = compute_drt(spectrum)
    assert result.rmse_ohm < 0.02 * np.mean(np.abs(spectrum.impedance_ohm))
    assert result.peaks
