"""The added parameter sets load, cite their sources (DOIs) and evaluate to published values."""

from __future__ import annotations

import inspect
import json
import re

import numpy as np
import pytest

from solvers.constants import F
from solvers.parameters import ParameterSet, available_parameter_sets, get_parameter_set

NEW_SETS = ("Ecker2015", "Prada2013", "Mohtat2020", "OKane2022", "NCA_Kim2011", "ORegan2022")
DOI = re.compile(r"^(10\.\d{4,9}/\S+|arXiv:\d{4}\.\d{4,5})$")


@pytest.mark.parametrize("name", NEW_SETS)
def test_set_is_discovered_cited_and_complete(name):
    assert name in available_parameter_sets()
    ps = get_parameter_set(name)
    assert ps.citations
    assert all(DOI.match(c) for c in ps.citations), ps.citations
    for key in (
        "Negative electrode thickness [m]",
        "Separator thickness [m]",
        "Positive electrode thickness [m]",
        "Negative particle radius [m]",
        "Positive particle radius [m]",
        "Nominal cell capacity [A.h]",
        "Lower voltage cut-off [V]",
        "Upper voltage cut-off [V]",
        "Initial concentration in negative electrode [mol.m-3]",
        "Initial concentration in positive electrode [mol.m-3]",
    ):
        assert np.isfinite(ps.value(key)), key
    t_plus = ps["Cation transference number"]
    t_plus = t_plus(1000.0, 298.15) if callable(t_plus) else t_plus
    assert 0.0 < t_plus < 1.0
    for key, value in ps.items():
        if callable(value):
            doc = inspect.getdoc(value) or ""
            assert re.search(r"doi:10\.|arXiv:", doc), f"{name}: {value.__name__} cites no DOI"
            dimensionless = key in ("Cation transference number", "Thermodynamic factor")
            assert dimensionless or re.search(r"\[[^\]]+\]", key), f"{key} carries no unit"


def _ocv(ps: ParameterSet, sto_n: float, sto_p: float) -> float:
    return float(ps["Positive electrode OCP [V]"](sto_p) - ps["Negative electrode OCP [V]"](sto_n))


def _initial_sto(ps: ParameterSet) -> tuple[float, float]:
    return (
        ps.value("Initial concentration in negative electrode [mol.m-3]")
        / ps.value("Maximum concentration in negative electrode [mol.m-3]"),
        ps.value("Initial concentration in positive electrode [mol.m-3]")
        / ps.value("Maximum concentration in positive electrode [mol.m-3]"),
    )


@pytest.mark.parametrize(
    ("name", "soc_label", "tolerance_V"),
    [
        ("Prada2013", "Open-circuit voltage at 100% SOC [V]", 0.01),  # concentrations chosen to give 3.6 V
        ("Mohtat2020", "Open-circuit voltage at 0% SOC [V]", 0.02),  # the set starts discharged (2.8 V)
        ("Ecker2015", "Open-circuit voltage at 100% SOC [V]", 0.06),  # 4.15 V against the 4.2 V limit
    ],
)
def test_initial_concentrations_give_the_published_open_circuit_voltage(name, soc_label, tolerance_V):
    ps = get_parameter_set(name)
    assert _ocv(ps, *_initial_sto(ps)) == pytest.approx(ps.value(soc_label), abs=tolerance_V)


@pytest.mark.parametrize("name", NEW_SETS)
def test_lithium_inventory_matches_the_nominal_capacity(name):
    """The lithium of the set (in whichever electrode holds it) covers the nominal capacity with < 15 % to spare.

    Not all of it is usable above the cut-off voltage, hence the one-sided margin.
    """
    ps = get_parameter_set(name)
    area_m2 = ps.value("Electrode height [m]") * ps.value("Electrode width [m]")
    sto_n, sto_p = _initial_sto(ps)
    neg = (
        ps.value("Negative electrode active material volume fraction")
        * ps.value("Negative electrode thickness [m]")
        * area_m2
        * ps.value("Maximum concentration in negative electrode [mol.m-3]")
        * F
        / 3600
    )
    pos = (
        ps.value("Positive electrode active material volume fraction")
        * ps.value("Positive electrode thickness [m]")
        * area_m2
        * ps.value("Maximum concentration in positive electrode [mol.m-3]")
        * F
        / 3600
    )
    lithium_Ah = sto_n * neg if sto_n > 0.5 else sto_p * pos
    nominal_Ah = ps.value("Nominal cell capacity [A.h]")
    assert 0.97 * nominal_Ah < lithium_Ah < 1.15 * nominal_Ah
    assert min(neg, pos) >= 0.95 * ps.value("Nominal cell capacity [A.h]")


def test_ecker2015_known_values():
    ps = get_parameter_set("Ecker2015")
    # conductivity fit at its 296 K reference: the sum of the cubic's coefficients at 1 mol/L
    assert ps["Electrolyte conductivity [S.m-1]"](1000.0, 296.0) == pytest.approx(
        0.2667 - 1.2983 + 1.7919 + 0.1726
    )
    # Arrhenius with E = 17.1 kJ/mol and the 1/T prefactor: 0.606 of the 296 K value at 0 degC
    ratio = (296.0 / 273.15) * np.exp(1.71e4 / 8.314462618 * (1 / 296.0 - 1 / 273.15))
    assert ratio == pytest.approx(0.606, abs=1e-3)
    assert ps["Electrolyte conductivity [S.m-1]"](1000.0, 273.15) == pytest.approx(0.9329 * ratio, rel=1e-6)
    # Nernst-Einstein diffusivity from that conductivity: R T sigma / (F^2 c)
    d = ps["Electrolyte diffusivity [m2.s-1]"](1000.0, 296.0)
    assert d == pytest.approx(8.314462618 * 296.0 * 0.9329 / (F**2 * 1000.0), rel=1e-6)
    assert 1e-10 < d < 1e-9
    # graphite diffusivity at x=0 and the 296 K reference: 8.4e-13 + 8.2e-15
    assert ps["Negative particle diffusivity [m2.s-1]"](0.0, 296.0) == pytest.approx(8.482e-13)
    # NCO diffusivity minimum 3.0e-14 at x = 0.62, 296.15 K
    assert ps["Positive particle diffusivity [m2.s-1]"](0.62, 296.15) == pytest.approx(3.0e-14)
    # graphite plateau near 0.1 V at half lithiation; NCO near 3.9 V at x = 0.5
    assert 0.08 < ps["Negative electrode OCP [V]"](0.5) < 0.14
    assert 3.6 < ps["Positive electrode OCP [V]"](0.5) < 4.0
    # exchange current k F sqrt(c_e c_s (c_max - c_s)) at 296.15 K
    j0 = ps["Negative electrode exchange-current density [A.m-2]"](1000.0, 15960.0, 31920.0, 296.15)
    assert j0 == pytest.approx(F * 1.11e-10 * np.sqrt(1000.0 * 15960.0 * 15960.0))


def test_prada2013_known_values():
    ps = get_parameter_set("Prada2013")
    # the LFP plateau of Afshar et al.: 3.4077 - 0.020269 * 0.5 at mid stoichiometry
    assert ps["Positive electrode OCP [V]"](0.5) == pytest.approx(3.4077 - 0.020269 * 0.5, abs=1e-6)
    assert np.ptp(ps["Positive electrode OCP [V]"](np.linspace(0.1, 0.8, 50))) < 0.02  # flat LFP plateau
    # Prada's conductivity quartic at 1.2 mol/L (c = 1.2e-3 mol/cm3)
    c = 1.2e-3
    expected = (4.1253e-4 + 5.007 * c - 4721.2 * c**2 + 1.5094e6 * c**3 - 1.6018e8 * c**4) * 1e3
    assert ps["Electrolyte conductivity [S.m-1]"](1200.0, 298.0) == pytest.approx(expected)
    assert 0.5 < expected < 2.5
    # the graphite OCP fit of Chen2020 at x = 0.5 (identical to the Chen2020 set's function)
    chen = get_parameter_set("Chen2020")
    x = np.linspace(0.01, 0.99, 25)
    np.testing.assert_allclose(ps["Negative electrode OCP [V]"](x), chen["Negative electrode OCP [V]"](x))


def test_mohtat2020_known_values():
    ps = get_parameter_set("Mohtat2020")
    assert ps["Positive electrode OCP [V]"](0.0) == pytest.approx(4.3452, abs=1e-6)
    # graphite entropic coefficient of Thomas & Newman at x = 0: 0.28 mV/K
    assert ps["Negative electrode OCP entropic change [V.K-1]"](0.0) == pytest.approx(0.28e-3)
    # Arrhenius: the set's diffusivities are their Dualfoil values at 298.15 K
    assert ps["Negative particle diffusivity [m2.s-1]"](0.5, 298.15) == pytest.approx(5e-15)
    assert ps["Positive particle diffusivity [m2.s-1]"](0.5, 298.15) == pytest.approx(8e-15)
    assert ps["Electrolyte conductivity [S.m-1]"](1000.0, 298.15) == pytest.approx(1.3)
    assert ps["Electrolyte diffusivity [m2.s-1]"](1000.0, 318.15) == pytest.approx(
        5.35e-10 * np.exp(37040.0 / 8.314462618 * (1 / 298.15 - 1 / 318.15)), rel=1e-6
    )
    # the OCPs decrease monotonically with lithiation over the used range
    x = np.linspace(0.05, 0.95, 200)
    assert np.all(np.diff(ps["Positive electrode OCP [V]"](x)) < 0)
    assert np.all(np.diff(ps["Negative electrode OCP [V]"](x)) < 1e-4)


@pytest.mark.parametrize("name", NEW_SETS)
def test_json_round_trip_gives_the_same_functions(name):
    ps = get_parameter_set(name)
    back = ParameterSet.from_json_dict(json.loads(json.dumps(ps.to_json_dict(), allow_nan=True)))
    assert set(back) == set(ps)
    x = np.linspace(0.05, 0.95, 7)
    for key, value in ps.items():
        if not callable(value):
            assert back[key] == value
        elif key.endswith("OCP [V]"):
            np.testing.assert_allclose(back[key](x), value(x))
        elif "exchange-current" in key:
            args = (1000.0, 10000.0, 30000.0, 300.0)
            assert back[key](*args) == pytest.approx(value(*args))


def test_okane2022_known_values():
    ps = get_parameter_set("OKane2022")
    ocp = ps["Negative electrode OCP [V]"]
    # the measured table of Chen et al. (2020) is reproduced at its points (first, plateau, last rows)
    assert ocp(0.0) == pytest.approx(1.81772748379334, abs=1e-7)
    assert ocp(0.99) == pytest.approx(0.07693029905613709, abs=1e-7)
    assert ocp(1.0) == pytest.approx(0.0760153081792987, abs=1e-7)
    # and stays within 30 mV of Chen et al.'s fit of the same curve over the plateaus
    chen = get_parameter_set("Chen2020")
    x = np.linspace(0.1, 0.9, 200)
    assert np.max(np.abs(ocp(x) - chen["Negative electrode OCP [V]"](x))) < 0.03
    # Arrhenius laws added by O'Kane et al.: reference values at 298.15 K, E = 30.3 / 25 / 17 kJ/mol
    assert ps["Negative particle diffusivity [m2.s-1]"](0.5, 298.15) == pytest.approx(3.3e-14)
    assert ps["Positive particle diffusivity [m2.s-1]"](0.5, 298.15) == pytest.approx(4e-15)
    r = 8.314462618
    assert ps["Negative particle diffusivity [m2.s-1]"](0.5, 273.15) == pytest.approx(
        3.3e-14 * np.exp(3.03e4 / r * (1 / 298.15 - 1 / 273.15)), rel=1e-6
    )
    nyman_1M = 0.1297 - 2.51 + 3.329  # Nyman et al. conductivity at 1 mol/L
    assert ps["Electrolyte conductivity [S.m-1]"](1000.0, 298.15) == pytest.approx(nyman_1M)
    assert ps["Electrolyte conductivity [S.m-1]"](1000.0, 318.15) == pytest.approx(
        nyman_1M * np.exp(17000.0 / r * (1 / 298.15 - 1 / 318.15)), rel=1e-6
    )


def test_nca_kim2011_known_values():
    ps = get_parameter_set("NCA_Kim2011")
    # Kim et al. give the exchange currents at 100 % SOC: 36 A/m2 (graphite, x = 0.36) and 4 A/m2 (NCA,
    # x = 0.41) at c_e = 1200 mol/m3 and 298.15 K
    c_n, c_p = (
        ps.value("Maximum concentration in negative electrode [mol.m-3]"),
        ps.value("Maximum concentration in positive electrode [mol.m-3]"),
    )
    j0_n = ps["Negative electrode exchange-current density [A.m-2]"]
    j0_p = ps["Positive electrode exchange-current density [A.m-2]"]
    assert j0_n(1200.0, 0.36 * c_n, c_n, 298.15) == pytest.approx(36.0)
    assert j0_p(1200.0, 0.41 * c_p, c_p, 298.15) == pytest.approx(4.0)
    assert j0_n(1200.0, 0.36 * c_n, c_n, 318.15) == pytest.approx(
        36.0 * np.exp(3e4 / 8.314462618 * (1 / 298.15 - 1 / 318.15)), rel=1e-6
    )
    # transport fits at 1 mol/L and 298.15 K, from their printed coefficients
    T = 298.15
    sigma = 3.45 * np.exp(-798 / T) - 48.5 * np.exp(-1080 / T) + 244 * np.exp(-1440 / T)
    assert ps["Electrolyte conductivity [S.m-1]"](1000.0, T) == pytest.approx(sigma)
    assert 0.5 < sigma < 2.0
    d = 1e-7 * (5.84 * np.exp(-2870 / T) - 33.9 * np.exp(-2920 / T) + 129 * np.exp(-3200 / T))
    assert ps["Electrolyte diffusivity [m2.s-1]"](1000.0, T) == pytest.approx(d)
    # the NCA curve: about 4.2 V near x = 0.36 and falling steeply at full lithiation
    assert 4.0 < ps["Positive electrode OCP [V]"](0.36) < 4.3
    assert ps["Positive electrode OCP [V]"](0.99) < 3.3


def test_oregan2022_known_values():
    ps = get_parameter_set("ORegan2022")
    # Landesfeind & Gasteiger (2019), EC:EMC 3:7, at 1 mol/L and 298.15 K from their printed coefficients
    c, T = 1.0, 298.15
    t_plus = (
        -12.8
        - 6.12 * c
        + 8.21e-2 * T
        + 0.904 * c**2
        + 3.18e-2 * c * T
        - 1.27e-4 * T**2
        + 1.75e-2 * c**3
        - 3.12e-3 * c**2 * T
        - 3.96e-5 * c * T**2
    )
    tdf = (
        25.7
        - 45.1 * c
        - 0.177 * T
        + 1.94 * c**2
        + 0.295 * c * T
        + 3.08e-4 * T**2
        + 0.259 * c**3
        - 9.46e-3 * c**2 * T
        - 4.54e-4 * c * T**2
    )
    assert ps["Cation transference number"](1000.0, T) == pytest.approx(t_plus)
    assert ps["Thermodynamic factor"](1000.0, T) == pytest.approx(tdf)
    assert 0.2 < t_plus < 0.4
    assert 1.0 < tdf < 3.0
    e = np.exp(1000.0 / T)
    kappa = (
        0.521
        * (1 + T - 228.0)
        * c
        * (1 - 1.06 * np.sqrt(c) + 0.353 * (1 - 3.59e-3 * e) * c)
        / (1 + 1.48e-3 * e)
    )
    assert ps["Electrolyte conductivity [S.m-1]"](1000.0, T) == pytest.approx(kappa / 10.0)
    assert 0.5 < kappa / 10.0 < 1.5
    d = 1010.0 * np.exp(1.01 * c) * np.exp(-1560.0 / T) * np.exp(-487.0 * c / T) * 1e-10
    assert ps["Electrolyte diffusivity [m2.s-1]"](1000.0, T) == pytest.approx(d)
    # t+ and TDF really depend on concentration and temperature
    assert abs(ps["Cation transference number"](2000.0, T) - t_plus) > 0.05
    assert ps["Thermodynamic factor"](1000.0, 318.15) != pytest.approx(tdf, rel=1e-3)
    # exchange currents at their 298.15 K references, c_e = 1000 mol/m3, half lithiated: i_ref 0.5^(1-a+a)
    for key, c_max, i_ref in (("Negative", 29583.0, 2.668), ("Positive", 51765.0, 5.028)):
        j0 = ps[f"{key} electrode exchange-current density [A.m-2]"]
        assert j0(1000.0, 0.5 * c_max, c_max, T) == pytest.approx(i_ref * 0.5)
    # the value the models take for the NMC conductivity is the Arrhenius law's at 298.15 K
    assert ps["Positive electrode conductivity [S.m-1]"] == pytest.approx(0.8473)
