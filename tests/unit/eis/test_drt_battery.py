"""DRT on battery spectra: a frequency range, the diffusion tail, the τ-range edge, a sane L-curve λ, and a
polarisation resistance no larger than the spectrum spans; the EIS -> simulation link refuses unphysical D."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.drt import compute_drt, diffusion_tail_start_Hz
from voltvault_core.eis.link import LinkOutOfRange, design_parameters_from_fit
from voltvault_core.eis.readers import read_spectra
from voltvault_core.eis.spectrum import Spectrum

LI_ION = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "eis" / "exampleData.csv"
F = np.geomspace(1e4, 1e-3, 70)
RC_W = {"R0": 0.015, "R1": 0.02, "C1": 0.05, "W1": 0.004}  # one arc (τ = 1 ms) and a Warburg tail


def _rc_w() -> Spectrum:
    return Spectrum(F, Circuit("R0-p(R1,C1)-W1").impedance(RC_W, F), label="RC + Warburg")


def _li_ion() -> Spectrum:
    if not LI_ION.exists():
        pytest.skip("../shared/data/eis/exampleData.csv is not beside the repository")
    return read_spectra(LI_ION.read_bytes(), LI_ION.name)[0]


def _span(spectrum: Spectrum, drt) -> float:
    return float(spectrum.z_real_ohm.max() - drt.r_inf_ohm)


def test_the_diffusion_tail_is_found_and_excluded():
    spectrum = _rc_w()
    start = diffusion_tail_start_Hz(spectrum)
    assert start is not None
    assert 1e-1 < start < 1e2  # the valley between the arc (160 Hz apex) and the Warburg line
    kept = compute_drt(spectrum, tail="exclude")
    assert kept.excluded_below_Hz == start
    assert kept.polarization_resistance_ohm == pytest.approx(RC_W["R1"], rel=0.2)
    fitted_all = compute_drt(spectrum, tail="keep")
    assert fitted_all.total_resistance_ohm > 2 * RC_W["R1"]  # a tail fitted as a relaxation
    assert any("beyond the measured band" in w or "outside the measured band" in w for w in fitted_all.warnings)


def test_the_frequency_range_limits_the_fitted_points():
    drt = compute_drt(_rc_w(), frequency_range_Hz=(1.0, 5e3))
    assert drt.frequency_Hz.min() >= 1.0
    assert drt.frequency_Hz.max() <= 5e3
    with pytest.raises(ValueError, match="no measured point"):
        compute_drt(_rc_w(), frequency_range_Hz=(1e6, 1e7))
    with pytest.raises(ValueError, match="min < max"):
        compute_drt(_rc_w(), frequency_range_Hz=(10.0, 1.0))


def test_li_ion_spectrum_lcurve_lambda_is_sane():
    spectrum = _li_ion()
    for tail in ("keep", "exclude"):
        drt = compute_drt(spectrum, lambda_value="lcurve", tail=tail)
        relative_misfit = drt.rmse_ohm / float(np.median(np.abs(drt.impedance_ohm)))
        assert relative_misfit < 0.02, (tail, drt.lambda_value, relative_misfit)  # was 2.9e6: a 10 % misfit
        gcv = compute_drt(spectrum, lambda_value="gcv", tail=tail)
        assert drt.lambda_value < 1e3 * gcv.lambda_value


def test_li_ion_polarisation_resistance_is_within_what_the_spectrum_spans():
    spectrum = _li_ion()
    largest = float(np.abs(spectrum.impedance_ohm).max())
    for rule in ("gcv", "lcurve"):
        drt = compute_drt(spectrum, lambda_value=rule, tail="exclude")
        assert drt.excluded_below_Hz is not None  # the tail below the -Z'' valley (about 0.3 Hz)
        assert drt.polarization_resistance_ohm <= 1.05 * _span(spectrum, drt)
        assert drt.polarization_resistance_ohm < largest  # was 3x the largest measured impedance
        lo, hi = drt.measured_tau_range_s
        outside = [p for p in drt.peaks if not lo <= p.time_constant_s <= hi]
        assert all(any(f"{p.time_constant_s:.3g} s" in w for w in drt.warnings) for p in outside)


def test_li_ion_with_the_tail_kept_warns_at_the_tau_edge():
    drt = compute_drt(_li_ion(), tail="keep")
    assert any("edge of the τ range" in w for w in drt.warnings), drt.warnings


def test_a_diffusivity_from_a_flat_ocp_is_refused_not_offered():
    pytest.importorskip("solvers.parameters")
    with pytest.raises(LinkOutOfRange, match=r"nearly flat.*outside the physical range"):
        design_parameters_from_fit({"W1": 0.01}, "Chen2020", warburg="W1", stoichiometry=0.85)
    ok = design_parameters_from_fit({"W1": 0.01}, "Chen2020", warburg="W1", stoichiometry=0.1)
    assert 1e-20 <= ok.changes["Negative particle diffusivity [m2.s-1]"] <= 1e-11


def test_an_unphysical_exchange_current_is_refused():
    pytest.importorskip("solvers.parameters")
    with pytest.raises(LinkOutOfRange, match="exchange-current density"):
        design_parameters_from_fit({"R1": 1e-9}, "Chen2020", r_ct="R1")


def test_a_refused_conversion_leaves_the_others_offered():
    pytest.importorskip("solvers.parameters")
    link = design_parameters_from_fit({"R1": 0.01, "W1": 0.01}, "Chen2020", r_ct="R1", warburg="W1",
                                      stoichiometry=0.85)
    assert list(link.changes) == ["Negative electrode exchange-current density [A.m-2]"]
    assert len(link.refused) == 1
    assert "Negative particle diffusivity" in link.refused[0]
