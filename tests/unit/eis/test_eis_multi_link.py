"""Multi-spectrum fits with shared/independent parameters, and the conversions to design parameters."""

from __future__ import annotations

import numpy as np
import pytest

from voltvault_core.constants import F, R
from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.link import (
    active_area_m2,
    design_parameters_from_fit,
    diffusivity_from_diffusion_time,
    diffusivity_from_warburg_coefficient,
    exchange_current_density_from_rct,
    film_resistance_from_rsei,
)
from voltvault_core.eis.multi import fit_multi
from voltvault_core.eis.spectrum import Spectrum

CIRCUIT = "R0-p(R1,CPE1)-W1"
FREQ = np.geomspace(1e5, 1e-2, 45)


def _spectra() -> tuple[list[Spectrum], list[float]]:
    rct = [0.02, 0.035, 0.06]  # changes with temperature; R0, CPE and W are common
    spectra = []
    rng = np.random.default_rng(11)
    for k, (r1, temp) in enumerate(zip(rct, (318.15, 298.15, 278.15), strict=True)):
        z = Circuit(CIRCUIT).impedance(
            {"R0": 0.012, "R1": r1, "CPE1_0": 1.5, "CPE1_1": 0.85, "W1": 0.003}, FREQ
        )
        z = z + 0.003 * np.abs(z) * (rng.standard_normal(FREQ.size) + 1j * rng.standard_normal(FREQ.size))
        spectra.append(Spectrum(FREQ, z, {"temperature_K": temp, "cycle": k + 1}, f"T{temp}"))
    return spectra, rct


def test_multi_fit_shares_and_separates() -> None:
    spectra, rct = _spectra()
    result = fit_multi(spectra, CIRCUIT, shared=["R0", "CPE1_0", "CPE1_1", "W1"], weighting="modulus")
    assert result.success
    assert result.independent == ["R1"]
    shared_r0 = {p["R0"] for p in result.parameters}
    assert len(shared_r0) == 1
    assert next(iter(shared_r0)) == pytest.approx(0.012, rel=0.02)
    for params, errors, truth in zip(result.parameters, result.stderr, rct, strict=True):
        assert abs(params["R1"] - truth) < 3 * errors["R1"]
    # shared parameters are better determined jointly than from one spectrum alone
    assert result.stderr[0]["W1"] < min(f.stderr["W1"] for f in result.individual_fits)
    temps, values, errors = result.parameter_versus("R1", "temperature_K")
    assert list(temps) == [318.15, 298.15, 278.15]
    assert np.all(np.diff(values) > 0)
    assert result.to_dict()["shared"] == ["R0", "CPE1_0", "CPE1_1", "W1"]


def test_multi_fit_rejects_bad_input() -> None:
    spectra, _ = _spectra()
    with pytest.raises(ValueError, match="two spectra"):
        fit_multi(spectra[:1], CIRCUIT, shared=["R0"])
    with pytest.raises(ValueError, match="not in"):
        fit_multi(spectra, CIRCUIT, shared=["R7"])


def test_conversion_formulas() -> None:
    # i0 = RT/(F R_ct A): 1 ohm on 1 m2 at 298.15 K is RT/F = 25.69 mA/m2
    assert exchange_current_density_from_rct(1.0, 1.0, 298.15) == pytest.approx(R * 298.15 / F)
    assert exchange_current_density_from_rct(2.0, 0.5, 298.15, n=2) == pytest.approx(R * 298.15 / (2 * F))
    # D from sigma inverts sigma = |dE/dc| / (sqrt2 n F A sqrt D)
    d_true, area, slope = 1e-14, 2.0, -3e-6
    sigma = abs(slope) / (np.sqrt(2) * F * area * np.sqrt(d_true))
    assert diffusivity_from_warburg_coefficient(sigma, area, slope) == pytest.approx(d_true, rel=1e-12)
    assert diffusivity_from_diffusion_time(100.0, 5e-6) == pytest.approx(2.5e-13)
    film, rho = film_resistance_from_rsei(0.01, 2.0, 5e-9)
    assert film == pytest.approx(0.02)
    assert rho == pytest.approx(0.02 / 5e-9)
    with pytest.raises(ValueError, match="must be > 0"):
        exchange_current_density_from_rct(0.0, 1.0)


def test_design_parameters_from_fit_with_a_parameter_set() -> None:
    pytest.importorskip("solvers.parameters")
    from solvers.parameters import get_parameter_set

    params = get_parameter_set("Chen2020")
    area = active_area_m2(params, "negative")
    expected_area = (
        3
        * params.value("Negative electrode active material volume fraction")
        / params.value("Negative particle radius [m]")
        * params.value("Negative electrode thickness [m]")
        * params.value("Electrode height [m]")
        * params.value("Electrode width [m]")
        * params.get("Number of electrodes connected in parallel to make a cell", 1.0)
    )
    assert area == pytest.approx(expected_area)
    link = design_parameters_from_fit(
        {"R2": 0.01, "Wo1_1": 200.0, "R1": 0.004}, params, r_ct="R2", diffusion_time="Wo1_1", r_sei="R1"
    )
    i0 = link.changes["Negative electrode exchange-current density [A.m-2]"]
    assert i0 == pytest.approx(R * 298.15 / (F * 0.01 * area))
    radius = params.value("Negative particle radius [m]")
    assert link.changes["Negative particle diffusivity [m2.s-1]"] == pytest.approx(radius**2 / 200.0)
    assert link.film_resistance_ohm_m2 == pytest.approx(0.004 * area)
    updated = params.updated(link.changes)  # the changes are valid parameter-set entries
    assert updated.value("Negative particle diffusivity [m2.s-1]") == pytest.approx(radius**2 / 200.0)
    with pytest.raises(KeyError, match="not a fitted parameter"):
        design_parameters_from_fit({"R1": 1.0}, params, r_ct="R5")


def test_a_layered_electrode_has_the_x_averaged_active_area():
    """3 eps_s / R averaged over the layers (not 3 <eps_s> / <R>)."""
    from solvers.parameters import get_parameter_set
    from solvers.parameters.layers import Layer, layered_electrode

    chen = get_parameter_set("Chen2020")
    layered = layered_electrode(
        chen, "negative", [Layer(40e-6, 0.25, 0.75, 8e-6), Layer(60e-6, 0.25, 0.6, 4e-6)]
    )
    H, W = chen["Electrode height [m]"], chen["Electrode width [m]"]
    expected = (3 * 0.75 / 8e-6 * 40e-6 + 3 * 0.6 / 4e-6 * 60e-6) * H * W
    assert active_area_m2(layered, "negative") == pytest.approx(expected, rel=1e-9)
