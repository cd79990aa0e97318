"""The curated materials library: schema, citations, published functions, search."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from voltvault_core.materials import MaterialLibraryError, load_library
from voltvault_core.materials.functions import FUNCTIONS, get_function
from voltvault_core.materials.library import DATA_DIR
from voltvault_core.materials.schema import MATERIAL_TYPES


@pytest.fixture(scope="module")
def library():
    return load_library()


def test_library_has_at_least_30_materials_covering_every_class(library):
    assert len(library) >= 30
    ids = set(library)
    for required in ("NMC111", "NMC532", "NMC622", "NMC811", "NCA", "LFP", "LCO", "LMO", "LNMO",
                     "SiOx", "SiGr-5", "LTO", "Li-metal", "LP30", "LP57", "PVDF", "CMC/SBR",
                     "CarbonBlack", "CNT", "Graphene", "Al-foil", "Cu-foil"):  # fmt: skip
        assert required in ids, required
    assert len(library.search(material_type="anode", query="graphite")) >= 3
    assert {m.type for m in library.values()} >= set(MATERIAL_TYPES) - {"housing"}


def test_every_value_of_every_material_cites_a_reference_with_a_link_or_kind(library):
    for material in library.values():
        assert material.references, material.id
        for name, value in material.properties.items():
            if value.source == "derived":
                assert material.blend, f"{material.id}.{name} is derived but the material is not a blend"
                continue
            ref = library.references[value.source]
            assert ref["citation"].strip()
            assert ref.get("doi") or ref.get("url") or ref.get("kind") in ("datasheet", "estimate"), (
                value.source
            )


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "materials"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, material_id: str, edit) -> None:
    doc = json.loads(path.read_text())
    for m in doc["materials"]:
        if m["id"] == material_id:
            edit(m)
    path.write_text(json.dumps(doc))


def test_a_material_without_a_source_fails_the_check_naming_it(tmp_path):
    data = _copy_data(tmp_path)
    _edit(data / "cathodes.json", "NMC811", lambda m: m["properties"]["density_kg_m3"].pop("source"))
    with pytest.raises(MaterialLibraryError, match=r"NMC811.*density_kg_m3.*no source"):
        load_library(data)


def test_a_source_missing_from_the_references_fails(tmp_path):
    data = _copy_data(tmp_path)
    _edit(data / "anodes.json", "LTO", lambda m: m["properties"]["density_kg_m3"].update(source="Nobody2099"))
    with pytest.raises(MaterialLibraryError, match=r"LTO.*Nobody2099"):
        load_library(data)


def test_values_outside_the_schema_fail(tmp_path):
    data = _copy_data(tmp_path)
    _edit(data / "cathodes.json", "LFP", lambda m: m["properties"]["density_kg_m3"].update(value=-3.0))
    _edit(
        data / "cathodes.json", "LCO", lambda m: m["properties"].update(colour={"value": 1, "source": "CRC"})
    )
    _edit(data / "electrolytes.json", "LP30", lambda m: m.pop("conductivity"))
    with pytest.raises(MaterialLibraryError) as err:
        load_library(data)
    text = str(err.value)
    assert "'LFP'" in text
    assert "outside" in text
    assert "unknown property 'colour'" in text
    assert "'LP30'" in text
    assert "conductivity" in text


def test_a_reference_without_doi_or_url_fails(tmp_path):
    data = _copy_data(tmp_path)
    refs = json.loads((data / "references.json").read_text())
    refs["references"]["Chen2020"].pop("doi")
    (data / "references.json").write_text(json.dumps(refs))
    with pytest.raises(MaterialLibraryError, match=r"Chen2020.*doi"):
        load_library(data)


@pytest.mark.parametrize(
    ("cathode", "anode", "v_100_V", "v_0_V"),
    [
        ("NMC811", "Graphite-LGM50", 4.2, 2.5),  # Chen2020 cut-offs
        ("NMC532", "Graphite-Mohtat2020", 4.2, 2.8),  # Mohtat2020 cut-offs
        ("LCO", "Graphite-MCMB2528", 4.1, 3.105),  # Marquis2019 cut-offs
        ("NCO-Ecker2015", "Graphite-Ecker2015", 4.153, 2.5),  # Ecker2015: initial state, 2.5 V cut-off
    ],
)
def test_published_windows_and_ocps_reproduce_the_cells_voltage_limits(
    library, cathode, anode, v_100_V, v_0_V
):
    # the stoichiometry windows and the OCP fits come from the same papers: together they must give the
    # open-circuit voltage of the reference cell at its charge and discharge cut-offs
    pos, neg = library[cathode], library[anode]
    (p0, p100), (n0, n100) = pos.stoichiometry_window(), neg.stoichiometry_window()
    assert float(pos.ocp_V(p100) - neg.ocp_V(n100)) == pytest.approx(v_100_V, abs=0.02)
    assert float(pos.ocp_V(p0) - neg.ocp_V(n0)) == pytest.approx(v_0_V, abs=0.02)


def test_electrolyte_transport_matches_the_published_formulae(library):
    lp57, lp30 = library["LP57"], library["LP30"]
    # Nyman 2008 at 1 mol/L: 0.1297 - 2.51 + 3.329 S/m and 8.794e-11 - 3.972e-10 + 4.862e-10 m2/s
    assert float(lp57.electrolyte_conductivity_S_m(1000.0)) == pytest.approx(0.9487, rel=1e-4)
    assert float(lp57.electrolyte_diffusivity_m2_s(1000.0)) == pytest.approx(1.7684e-10, rel=1e-4)
    # Capiglia/Dualfoil at 1 mol/L and 25 degC, and the Arrhenius rise to 45 degC (E = 34.7 kJ/mol)
    assert float(lp30.electrolyte_conductivity_S_m(1000.0, 298.15)) == pytest.approx(1.1046, rel=1e-4)
    ratio = float(
        lp30.electrolyte_conductivity_S_m(1000.0, 318.15) / lp30.electrolyte_conductivity_S_m(1000.0)
    )
    assert ratio == pytest.approx(np.exp(34700 / 8.314462618 * (1 / 298.15 - 1 / 318.15)), rel=1e-6)
    # concentration-dependent: conductivity has a maximum below 2 mol/L
    c = np.linspace(100.0, 2000.0, 200)
    assert 0 < np.argmax(lp57.electrolyte_conductivity_S_m(c)) < c.size - 1


def test_every_registered_function_is_finite_on_its_range_and_cited():
    refs = json.loads((DATA_DIR / "references.json").read_text())["references"]
    for fn in FUNCTIONS.values():
        assert fn.reference in refs, fn.name
        x = np.linspace(*fn.valid_range, 101)[1:-1]
        y = fn.function(x) if fn.kind == "ocp" else fn.function(x, 298.15)
        assert np.all(np.isfinite(y)), fn.name
    with pytest.raises(KeyError, match="did you mean"):
        get_function("nmc_LGM50_ocp_Chen202")


def test_derived_capacities_are_consistent_with_published_specific_capacities(library):
    # graphite: c_max F / density over the full range is close to the theoretical 372 mAh/g (Nitta 2015)
    graphite = library["Graphite-LGM50"]
    full_mAh_g = graphite.full_volumetric_capacity_C_m3() / graphite.value("density_kg_m3") / 3600.0
    assert full_mAh_g == pytest.approx(
        395, rel=0.02
    )  # 33133 mol/m3 x F / 2250 kg/m3: Chen's c_max is 6 % high
    # LMO has no published window: it is derived from practical / theoretical capacity
    lmo = library["LMO"]
    lo, hi = lmo.stoichiometry_window()
    assert (lo, hi) == pytest.approx((1.0, 1.0 - 120 / 148))
    assert lmo.usable_specific_capacity_mAh_g() == pytest.approx(120.0)


def test_blends_are_mass_weighted_from_their_components(library):
    blend, gr, si = library["SiGr-10"], library["Graphite-LGM50"], library["SiOx"]
    q = 0.9 * gr.usable_specific_capacity_mAh_g() + 0.1 * si.usable_specific_capacity_mAh_g()
    assert blend.value("practical_specific_capacity_mAh_g") == pytest.approx(q)
    rho = 1 / (0.9 / gr.value("density_kg_m3") + 0.1 / si.value("density_kg_m3"))
    assert blend.value("density_kg_m3") == pytest.approx(rho)
    assert "Ai2022" in blend.references


def test_search_by_type_and_name(library):
    assert [m.id for m in library.search("nmc 811")] == ["NMC811"]
    assert {m.type for m in library.search(material_type="electrolyte")} == {"electrolyte"}
    with pytest.raises(ValueError, match="unknown material type"):
        library.search(material_type="cathodes")
    with pytest.raises(KeyError, match="did you mean"):
        library["NMC81"]


def test_estimates_are_flagged(library):
    assert "price_USD_kg" in library["NCA"].estimated_properties
    assert library["NMC811"].estimated_properties == []  # every NMC811 value is cited


def test_lto_redlich_kister_ocp_has_its_two_phase_plateau(library):
    lto = library["LTO"]
    plateau = lto.ocp_V(np.linspace(0.15, 0.8, 14))
    assert np.ptp(plateau) == 0.0  # constant chemical potential inside the miscibility gap
    assert float(plateau[0]) == pytest.approx(155770.73438 / 96485.0)
    sto = np.linspace(0.01, 0.99, 99)
    assert np.all(np.diff(lto.ocp_V(sto)) <= 1e-12)  # lithiation lowers the potential
    # by hand, outside the gap at x = 0.05: mu = G0 + RT ln(x/(1-x)) + sum of the RK terms
    x = 0.05
    rk = sum(o * ((1 - 2 * x) ** (i + 1) - (2 * i * x * (1 - x) * (1 - 2 * x) ** (i - 1) if i else 0))
             for i, o in enumerate((14025.5664, 15593.5771, -100475.7578, -26389.4648)))  # fmt: skip
    mu = -155432.9219 + 8.314 * 300 * np.log((x + 1e-7) / (1 - x + 1e-7)) + rk
    assert float(lto.ocp_V(x)) == pytest.approx(-mu / 96485.0, rel=1e-12)
