"""Fitting on synthetic spectra: recovery within confidence intervals, options, errors."""

from __future__ import annotations

import numpy as np
import pytest

from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.fitting import fit_circuit
from voltvault_core.eis.guess import initial_guess, nyquist_features
from voltvault_core.eis.spectrum import Spectrum

F = np.geomspace(1e5, 1e-2, 50)
RANDLES_W = "R0-p(R1,CPE1)-W1"
TRUE = {"R0": 0.015, "R1": 0.03, "CPE1_0": 2.0, "CPE1_1": 0.85, "W1": 0.004}


def _noisy(circuit: str, true: dict[str, float], noise: float, seed: int, f: np.ndarray = F) -> Spectrum:
    z = Circuit(circuit).impedance(true, f)
    rng = np.random.default_rng(seed)
    z = z + noise * np.abs(z) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
    return Spectrum(f, z, {"seed": seed}, f"synthetic {seed}")


def test_recovers_parameters_within_confidence_intervals() -> None:
    spectrum = _noisy(RANDLES_W, TRUE, 0.005, seed=1)
    fit = fit_circuit(spectrum, RANDLES_W, weighting="modulus")
    assert fit.success
    for name, value in TRUE.items():
        # one draw: each truth within 3 standard errors (the 95 % coverage is the next test's business)
        assert abs(fit.parameters[name] - value) < 3 * fit.stderr[name], (name, value, fit.parameters[name])
        assert fit.stderr[name] < 0.1 * value  # informative, not just wide
        low, high = fit.ci95[name]
        assert high - low == pytest.approx(2 * 1.96 * fit.stderr[name], rel=0.02)
    assert fit.reduced_chi_square == pytest.approx(
        0.005**2, rel=0.4
    )  # modulus weighting: noise^2 per residual


def test_confidence_interval_coverage_is_about_95_percent() -> None:
    """Over 30 noise draws the 95 % intervals contain the truth ~95 % of the time (not 50 %, not 100 %)."""
    hits = total = 0
    widths = []
    for seed in range(30):
        fit = fit_circuit(_noisy(RANDLES_W, TRUE, 0.005, seed), RANDLES_W, weighting="modulus", n_starts=2)
        for name, value in TRUE.items():
            low, high = fit.ci95[name]
            hits += low <= value <= high
            total += 1
            widths.append((high - low) / value)
    coverage = hits / total
    assert 0.85 <= coverage <= 0.995, coverage
    assert np.median(widths) < 0.2


def test_multiarc_recovery_from_automatic_guess() -> None:
    circuit = "R0-p(R1,CPE1)-p(R2,CPE2)-Wo1"
    true = {
        "R0": 1.0,
        "R1": 2.0,
        "CPE1_0": 1e-5,
        "CPE1_1": 0.9,
        "R2": 5.0,
        "CPE2_0": 5e-3,
        "CPE2_1": 0.8,
        "Wo1_0": 3.0,
        "Wo1_1": 50.0,
    }
    spectrum = _noisy(circuit, true, 0.002, seed=3, f=np.geomspace(1e5, 1e-3, 70))
    fit = fit_circuit(spectrum, circuit, weighting="modulus")
    for name, value in true.items():
        low, high = fit.ci95[name]
        assert low <= value <= high, (name, value, fit.ci95[name])


def test_features_read_from_nyquist_shape() -> None:
    spectrum = _noisy(RANDLES_W, TRUE, 0.0, seed=0)
    features = nyquist_features(spectrum)
    assert features.r_hf_ohm == pytest.approx(TRUE["R0"], rel=0.05)
    assert len(features.arcs) == 1
    assert features.arcs[0].resistance_ohm == pytest.approx(TRUE["R1"], rel=0.6)  # the tail widens the arc
    # apex of p(R, CPE): omega = (R Q)^(-1/alpha)
    apex = (TRUE["R1"] * TRUE["CPE1_0"]) ** (-1 / TRUE["CPE1_1"]) / (2 * np.pi)
    assert features.arcs[0].apex_frequency_Hz == pytest.approx(apex, rel=0.6)
    assert features.tail is not None
    assert features.tail.angle_deg == pytest.approx(45, abs=15)
    guess = initial_guess(RANDLES_W, spectrum)
    for name in ("R0", "R1", "W1"):
        assert guess[name] == pytest.approx(TRUE[name], rel=1.0)  # right order of magnitude


def test_fixed_parameters_stay_and_bounds_hold() -> None:
    spectrum = _noisy(RANDLES_W, TRUE, 0.003, seed=5)
    fit = fit_circuit(spectrum, RANDLES_W, fixed={"CPE1_1": 0.85})
    assert fit.parameters["CPE1_1"] == 0.85
    assert np.isnan(fit.stderr["CPE1_1"])
    assert "CPE1_1" not in fit.free_parameters
    assert fit.correlation.shape == (4, 4)
    bounded = fit_circuit(spectrum, RANDLES_W, bounds={"R1": (0.0, 0.02)})
    assert bounded.parameters["R1"] <= 0.02 + 1e-12
    assert bounded.rmse_ohm > fit.rmse_ohm  # the true R1 (0.03) is excluded


@pytest.mark.parametrize("weighting", ["unit", "modulus", "proportional"])
def test_weightings_reach_truth_without_noise(weighting: str) -> None:
    spectrum = _noisy(RANDLES_W, TRUE, 0.0, seed=0)
    fit = fit_circuit(spectrum, RANDLES_W, weighting=weighting)
    for name, value in TRUE.items():
        assert fit.parameters[name] == pytest.approx(value, rel=1e-4)
    assert fit.rmse_ohm < 1e-8


def test_differential_evolution_matches_lm() -> None:
    spectrum = _noisy(RANDLES_W, TRUE, 0.003, seed=9)
    lm = fit_circuit(spectrum, RANDLES_W)
    de = fit_circuit(spectrum, RANDLES_W, method="de", seed=1)
    assert de.method == "de"
    assert de.rmse_ohm <= lm.rmse_ohm * 1.001
    assert de.parameters["R1"] == pytest.approx(lm.parameters["R1"], rel=1e-3)


def test_user_initial_guess_is_used() -> None:
    spectrum = _noisy(RANDLES_W, TRUE, 0.003, seed=2)
    fit = fit_circuit(
        spectrum, RANDLES_W, initial_guess={"R0": 0.01, "R1": 0.01, "CPE1_0": 1.0, "CPE1_1": 0.9, "W1": 0.001}
    )
    assert fit.initial_guess["R1"] == 0.01
    assert fit.n_starts == 1
    assert fit.to_dict()["parameters"]["R1"] == pytest.approx(TRUE["R1"], rel=0.05)


def test_errors_a_user_can_act_on() -> None:
    spectrum = _noisy(RANDLES_W, TRUE, 0.0, seed=0)
    with pytest.raises(ValueError, match="not in circuit"):
        fit_circuit(spectrum, RANDLES_W, fixed={"R9": 1.0})
    with pytest.raises(ValueError, match="unknown weighting"):
        fit_circuit(spectrum, RANDLES_W, weighting="none")
    with pytest.raises(ValueError, match="unknown fitting method"):
        fit_circuit(spectrum, RANDLES_W, method="bfgs")
    with pytest.raises(ValueError, match="too few"):
        fit_circuit(spectrum.select(np.arange(spectrum.n_points) < 2), RANDLES_W)


def test_interchangeable_arcs_come_out_high_frequency_first() -> None:
    from voltvault_core.eis.fitting import canonical_arc_order

    circuit = Circuit("R0-p(R1,CPE1)-p(R2,CPE2)")
    slow_first = np.array([0.01, 0.05, 5.0, 0.8, 0.02, 1e-3, 0.9])  # arc 1 at ~0.6 Hz, arc 2 at ~8 kHz
    ordered = canonical_arc_order(circuit, slow_first)
    np.testing.assert_allclose(ordered, [0.01, 0.02, 1e-3, 0.9, 0.05, 5.0, 0.8])
    f = np.geomspace(1e5, 1e-2, 30)
    np.testing.assert_allclose(circuit.impedance(ordered, f), circuit.impedance(slow_first, f))
    # a fixed parameter in a group keeps the order as given
    np.testing.assert_allclose(canonical_arc_order(circuit, slow_first, frozen={"R1"}), slow_first)
    # and fits come out ordered
    z = circuit.impedance(slow_first, f)
    fit = fit_circuit(Spectrum(f, z), circuit)
    assert fit.parameters["R1"] == pytest.approx(0.02, rel=1e-4)
    assert fit.parameters["R2"] == pytest.approx(0.05, rel=1e-4)


@pytest.mark.parametrize(
    ("circuit", "true"),
    [
        ("R0-TLM1", {"R0": 0.01, "TLM1_0": 0.02, "TLM1_1": 0.05, "TLM1_2": 0.5, "TLM1_3": 0.9}),
        (
            "R0-p(R1,CPE1)-G1",
            {"R0": 0.01, "R1": 0.02, "CPE1_0": 0.01, "CPE1_1": 0.9, "G1_0": 0.03, "G1_1": 1.0},
        ),
        ("R0-HN1-W1", {"R0": 0.01, "HN1_0": 0.03, "HN1_1": 1e-3, "HN1_2": 0.85, "HN1_3": 0.8, "W1": 0.005}),
        (
            "R0-Zarc1-Zarc2-Ws1",
            {
                "R0": 0.01,
                "Zarc1_0": 0.01,
                "Zarc1_1": 1e-4,
                "Zarc1_2": 0.9,
                "Zarc2_0": 0.03,
                "Zarc2_1": 0.05,
                "Zarc2_2": 0.8,
                "Ws1_0": 0.02,
                "Ws1_1": 100.0,
            },
        ),
        (
            "L0-R0-TLM1-Wo1",
            {
                "L0": 1e-7,
                "R0": 0.01,
                "TLM1_0": 0.02,
                "TLM1_1": 0.05,
                "TLM1_2": 0.5,
                "TLM1_3": 0.9,
                "Wo1_0": 0.02,
                "Wo1_1": 200.0,
            },
        ),
    ],
)
def test_every_element_family_is_recovered_from_the_automatic_guess(
    circuit: str, true: dict[str, float]
) -> None:
    f = np.geomspace(1e5, 1e-3, 70)
    spectrum = Spectrum(f, Circuit(circuit).impedance(true, f))
    fit = fit_circuit(spectrum, circuit)
    for name, value in true.items():
        assert fit.parameters[name] == pytest.approx(value, rel=1e-6), name
