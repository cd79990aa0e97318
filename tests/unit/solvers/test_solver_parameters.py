"""The parameter-set framework: discovery, known values, JSON round trip."""

import json

import numpy as np
import pytest

from solvers.parameters import ParameterSet, available_parameter_sets, get_parameter_set
from solvers.parameters.base import Interpolant


def test_discovery_finds_the_published_sets():
    names = available_parameter_sets()
    assert {"Chen2020", "Marquis2019"} <= set(names)
    assert get_parameter_set("chen2020").name == "Chen2020"


def test_unknown_set_lists_the_available_ones():
    with pytest.raises(KeyError, match=r"available: .*Chen2020"):
        get_parameter_set("NoSuchSet2099")


@pytest.mark.parametrize("name", ["Chen2020", "Marquis2019"])
def test_every_set_cites_dois_and_uses_units_in_keys(name):
    ps = get_parameter_set(name)
    assert ps.citations
    assert all(c.startswith("10.") for c in ps.citations)
    for key, value in ps.items():
        if callable(value):
            assert "doi" in (value.__doc__ or "").lower() or "github.com" in (value.__doc__ or ""), key


def test_chen2020_known_values():
    ps = get_parameter_set("Chen2020")
    assert ps["Negative electrode thickness [m]"] == pytest.approx(85.2e-6)
    assert ps["Nominal cell capacity [A.h]"] == 5.0
    # OCV at the initial stoichiometries (29866/33133, 17038/63104) is about 4.17 V (Chen 2020, fig. 10)
    u_n = ps["Negative electrode OCP [V]"](29866 / 33133)
    u_p = ps["Positive electrode OCP [V]"](17038 / 63104)
    assert 4.1 < u_p - u_n < 4.2
    j0 = ps["Negative electrode exchange-current density [A.m-2]"](1000.0, 16566.5, 33133.0, 298.15)
    assert j0 == pytest.approx(6.48e-7 * 1000**0.5 * 16566.5)


def test_marquis2019_arrhenius_doubles_or_so_over_ten_kelvin():
    ps = get_parameter_set("Marquis2019")
    d = ps["Negative particle diffusivity [m2.s-1]"]
    ratio = d(0.5, 308.15) / d(0.5, 298.15)
    assert ratio == pytest.approx(np.exp(42770 / 8.314462618 * (1 / 298.15 - 1 / 308.15)), rel=1e-9)


@pytest.mark.parametrize("name", ["Chen2020", "Marquis2019"])
def test_json_round_trip_by_name_and_by_table(name):
    ps = get_parameter_set(name)
    data = json.loads(json.dumps(ps.to_json_dict()))
    back = ParameterSet.from_json_dict(data)
    assert set(back) == set(ps)
    assert back.name == name
    assert back["Negative electrode OCP [V]"] is ps["Negative electrode OCP [V]"]
    # drop the names: the tables alone rebuild the 1-D and 2-D functions within interpolation error
    for entry in data["parameters"].values():
        if isinstance(entry, dict) and "interpolant" in entry:
            entry.pop("function", None)
    tabulated = ParameterSet.from_json_dict(data)
    sto = np.linspace(0.05, 0.95, 37)
    for key in ("Negative electrode OCP [V]", "Positive electrode OCP [V]"):
        assert isinstance(tabulated[key], Interpolant)
        np.testing.assert_allclose(tabulated[key](sto), ps[key](sto), atol=2e-3)
    c = np.linspace(200, 2000, 11)
    for T in (298.15, 313.15):
        np.testing.assert_allclose(
            tabulated["Electrolyte conductivity [S.m-1]"](c, T),
            ps["Electrolyte conductivity [S.m-1]"](c, T),
            rtol=2e-2,
        )


def test_updated_is_a_copy_and_rejects_non_numbers():
    ps = get_parameter_set("Chen2020")
    thin = ps.updated({"Negative electrode thickness [m]": 70e-6})
    assert thin["Negative electrode thickness [m]"] == 70e-6
    assert ps["Negative electrode thickness [m]"] == pytest.approx(85.2e-6)
    with pytest.raises(TypeError, match="expected a number"):
        ps.updated({"Separator porosity": "high"})
    with pytest.raises(KeyError, match="Did you mean"):
        ps["Negative electrode thicknes [m]"]
