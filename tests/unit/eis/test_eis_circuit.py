"""Circuit grammar, element formulas, and agreement with impedance.py's own circuit evaluation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from voltvault_core.eis.circuit import Circuit, CircuitSyntaxError, ParallelNode, SeriesNode, parse_circuit
from voltvault_core.eis.elements import ELEMENTS
from voltvault_core.eis.library import CIRCUIT_LIBRARY

F = np.geomspace(1e5, 1e-3, 40)

CIRCUITS = [
    "R0-p(R1,CPE1)-W1",
    "R0-p(R1,C1)-p(R2-Wo1,C2)",
    "R0-p(R1-Wo1,CPE1)",
    "L0-R0-p(R1,CPE1)-p(R2,CPE2)-Ws1",
    "R0-p(R1,CPE1)-G1",
    "R0-p(p(R1,C1)-R2,C2)",
]


def _random_params(circuit: Circuit, rng: np.random.Generator) -> np.ndarray:
    out = []
    for p in circuit.parameters:
        out.append(rng.uniform(0.5, 0.95) if p.spec.kind == "exponent" else 10 ** rng.uniform(-3, 1))
    return np.array(out)


@pytest.mark.parametrize("text", CIRCUITS)
def test_same_impedance_and_names_as_impedancepy(text: str) -> None:
    from impedance.models.circuits import CustomCircuit

    circuit = Circuit(text)
    rng = np.random.default_rng(7)
    p = _random_params(circuit, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = CustomCircuit(text, initial_guess=list(p))
        names, _units = theirs.get_param_names()
        z_theirs = theirs.predict(F, use_initial=True)
    assert circuit.parameter_names == names
    np.testing.assert_allclose(circuit.impedance(p, F), z_theirs, rtol=1e-10)


def test_tree_shape_and_roundtrip() -> None:
    tree = parse_circuit("R0 - p(R1-Wo1, CPE1)")
    assert isinstance(tree, SeriesNode)
    assert isinstance(tree.children[1], ParallelNode)
    assert tree.to_string() == "R0-p(R1-Wo1,CPE1)"
    assert Circuit("R_sei-p(R_ct,CPE_dl)").parameter_names == ["R_sei", "R_ct", "CPE_dl_0", "CPE_dl_1"]


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("R0-p(R1,C1", 11, "expected ',' or ')'"),
        ("R0-X1", 4, "unknown element 'X1'"),
        ("R0-R0", 4, "used twice"),
        ("R0--C1", 4, "expected an element name"),
        ("p(R1)", 5, "two branches"),
        ("__import__('os')", 1, "unknown element"),
        ("", 1, "empty"),
    ],
)
def test_syntax_errors_point_at_the_column(text: str, column: int, fragment: str) -> None:
    with pytest.raises(CircuitSyntaxError) as info:
        parse_circuit(text)
    assert fragment in str(info.value)
    assert f"column {column}" in str(info.value)


def test_element_limits() -> None:
    """Known limits of each formula (independent of impedance.py)."""
    w = np.array([1e-6, 1e6])
    f = w / (2 * np.pi)
    # reflective Warburg: DC real part R/3, then a capacitor
    z = ELEMENTS["Wo"].impedance(np.array([3.0, 2.0]), f)
    assert z[0].real == pytest.approx(1.0, rel=1e-4)
    # transmissive Warburg tends to R at DC
    assert ELEMENTS["Ws"].impedance(np.array([3.0, 2.0]), f)[0] == pytest.approx(3.0, rel=1e-4)
    # HN with alpha = beta = 1 is an RC; beta = 1 a ZARC
    rc = 2.0 / (1 + 1j * 2 * np.pi * F * 1e-2)
    np.testing.assert_allclose(ELEMENTS["HN"].impedance(np.array([2.0, 1e-2, 1.0, 1.0]), F), rc)
    np.testing.assert_allclose(
        ELEMENTS["HN"].impedance(np.array([2.0, 1e-2, 0.8, 1.0]), F),
        ELEMENTS["Zarc"].impedance(np.array([2.0, 1e-2, 0.8]), F),
    )
    # ZARC equals p(R,CPE) with Q = tau^alpha / R
    tau, alpha, r = 1e-2, 0.8, 2.0
    np.testing.assert_allclose(
        Circuit("p(R1,CPE1)").impedance([r, tau**alpha / r, alpha], F),
        ELEMENTS["Zarc"].impedance(np.array([r, tau, alpha]), F),
    )
    # transmission line: DC limit sqrt(R_ion R_ct) coth(sqrt(R_ion/R_ct)) -> R_ct + R_ion/3, 45 degrees at high f
    z = ELEMENTS["TLM"].impedance(np.array([3.0, 5.0, 1e-3, 1.0]), np.array([1e-7, 1e7]))
    assert z[0].real == pytest.approx(np.sqrt(15.0) / np.tanh(np.sqrt(0.6)), rel=1e-4)
    z_small = ELEMENTS["TLM"].impedance(np.array([0.03, 5.0, 1e-3, 1.0]), np.array([1e-7]))
    assert z_small[0].real == pytest.approx(5.0 + 0.01, rel=1e-5)
    assert np.angle(z[1], deg=True) == pytest.approx(-45.0, abs=1.0)
    # Gerischer: DC R, high-frequency 45 degrees
    z = ELEMENTS["G"].impedance(np.array([2.0, 1.0]), np.array([1e-9, 1e9]))
    assert z[0].real == pytest.approx(2.0)
    assert np.angle(z[1], deg=True) == pytest.approx(-45.0, abs=0.1)


def test_every_element_has_units_and_formula() -> None:
    for spec in ELEMENTS.values():
        assert spec.formula
        assert all(p.unit is not None and p.kind in ("scale", "exponent") for p in spec.parameters)


def test_library_circuits_parse() -> None:
    assert {"randles", "randles_warburg", "dual_rc", "sei_ct_diffusion", "transmission_line"} <= set(
        CIRCUIT_LIBRARY
    )
    for entry in CIRCUIT_LIBRARY.values():
        Circuit(entry.circuit)
        assert entry.description
