"""Electrode balancing, cost, and parameter-set export/import."""

from __future__ import annotations

import pytest

from solvers.parameters import ParameterSet, get_parameter_set
from voltvault_core.design.balance import balance_design
from voltvault_core.design.cost import ProcessAssumptions, compute_cost
from voltvault_core.design.examples import lg_m50
from voltvault_core.design.export import design_to_json, design_to_parameter_set, parameter_set_to_design
from voltvault_core.design.metrics import compute_metrics
from voltvault_core.design.model import CellDesign, DesignError, ElectrodeLayer, Geometry


def _pouch(cathode="NMC811") -> CellDesign:
    return CellDesign(
        name="pouch",
        positive=ElectrodeLayer(cathode, 70e-6, porosity=0.3),
        negative=ElectrodeLayer("Graphite-LGM50", 80e-6, porosity=0.3, binder="CMC/SBR"),
        geometry=Geometry(format="pouch", electrode_width_m=0.08, electrode_height_m=0.15, n_layers=12),
    )


@pytest.mark.parametrize("np_target", [1.05, 1.1, 1.2])
def test_balancing_hits_the_target_np_and_the_hand_thickness(np_target):
    d = _pouch()
    out = balance_design(d, np_ratio=np_target, negative_porosity=0.32)
    assert out.np_ratio == pytest.approx(np_target, rel=1e-9)
    assert out.negative_porosity == 0.32
    # hand: active loading = N/P x cathode areal capacity / graphite full specific capacity
    pos = compute_metrics(d).positive
    q_full_Ah_kg = 33133 * 96485.33212 / 2250 / 3600
    loading = np_target * pos.areal_capacity_Ah_m2 / q_full_Ah_kg / 0.96
    specific_volume = 0.96 / 2250 + 0.02 / (1 / (0.5 / 1600 + 0.5 / 940)) + 0.02 / 1900
    assert out.negative_loading_kg_m2 == pytest.approx(loading, rel=1e-6)
    assert out.negative_thickness_m == pytest.approx(loading * specific_volume / (1 - 0.32), rel=1e-6)
    assert d.negative.thickness_m == 80e-6  # the input design is not changed


def test_balancing_to_a_target_capacity_resizes_the_cathode():
    out = balance_design(_pouch(), np_ratio=1.1, target_capacity_Ah=10.0)
    assert out.metrics.capacity_Ah == pytest.approx(10.0, rel=0.06)  # negative window may limit by a few %
    assert out.metrics.positive.areal_capacity_Ah_m2 * out.metrics.sandwich_area_m2 == pytest.approx(
        10.0, rel=1e-9
    )
    with pytest.raises(DesignError, match="N/P ratio"):
        balance_design(_pouch(), np_ratio=7.0)


def test_cost_adds_up_and_scales_with_prices():
    d = lg_m50()
    m = compute_metrics(d)
    cost = compute_cost(d, m)
    assert cost.cost_USD == pytest.approx(sum(cost.breakdown_USD.values()))
    assert cost.cost_USD_kWh == pytest.approx(cost.cost_USD / (m.energy_Wh / 1000))
    # the NMC811 line is mass x EnergyTrend price / yield, by hand
    nmc = m.positive.loading_kg_m2 * m.sandwich_area_m2 * (141.2 / 7.2) / 0.92
    assert cost.breakdown_USD["positive active (NMC811)"] == pytest.approx(nmc, rel=1e-3)
    cheaper = compute_cost(d, m, ProcessAssumptions(material_yield=1.0, electrode_processing_USD_m2=0.0))
    assert cheaper.cost_USD < cost.cost_USD
    assert "electrolyte" in cost.estimated_prices
    assert "positive active (NMC811)" not in cost.estimated_prices
    lfp = compute_cost(_pouch("LFP"))
    assert (
        lfp.breakdown_USD["positive active (LFP)"]
        < compute_cost(_pouch()).breakdown_USD["positive active (NMC811)"]
    )


def test_export_of_the_lg_m50_reproduces_chen2020():
    ps = design_to_parameter_set(lg_m50())
    chen = get_parameter_set("Chen2020")
    for key in ("Electrode width [m]", "Electrode height [m]", "Negative electrode thickness [m]",
                "Positive electrode thickness [m]", "Separator thickness [m]", "Negative electrode porosity",
                "Positive electrode active material volume fraction", "Negative particle radius [m]",
                "Maximum concentration in positive electrode [mol.m-3]"):  # fmt: skip
        assert ps.value(key) == pytest.approx(chen.value(key), rel=1e-9), key
    assert ps["Positive electrode OCP [V]"] is chen["Positive electrode OCP [V]"]
    assert ps.value("Initial concentration in negative electrode [mol.m-3]") == pytest.approx(0.9014 * 33133)
    assert "10.1149/1945-7111/ab9050" in ps.citations


def test_export_tabulates_functions_the_solver_sets_do_not_have():
    d = _pouch("NMC111")  # no NMC111 set in the solvers: OCP tabulated, kinetics constant
    d.electrolyte = "LiPF6-EC-EMC-1.2M"
    ps = design_to_parameter_set(d)
    ocp = ps["Positive electrode OCP [V]"]
    from voltvault_core.materials import get_material

    assert float(ocp(0.5)) == pytest.approx(float(get_material("NMC111").ocp_V(0.5)), abs=1e-4)
    assert isinstance(ps["Positive electrode exchange-current density [A.m-2]"], float)
    kappa = ps["Electrolyte conductivity [S.m-1]"]
    assert float(kappa(1200.0, 298.15)) == pytest.approx(
        float(get_material("LiPF6-EC-EMC-1.2M").electrolyte_conductivity_S_m(1200.0, 298.15)), rel=1e-2
    )
    back = ParameterSet.from_json_dict(design_to_json(d))  # serialisable
    assert back.value("Positive electrode thickness [m]") == pytest.approx(70e-6)


def test_materials_without_an_ocp_cannot_be_exported():
    with pytest.raises(DesignError, match=r"LNMO.*open-circuit"):
        design_to_parameter_set(_pouch("LNMO"))


def test_import_of_bundled_sets_and_round_trip():
    design = parameter_set_to_design(get_parameter_set("Chen2020"))
    assert design.positive.active_material == "NMC811"
    assert design.negative.active_material == "Graphite-LGM50"
    assert compute_metrics(design).capacity_Ah == pytest.approx(
        compute_metrics(lg_m50()).capacity_Ah, rel=1e-3
    )
    again = parameter_set_to_design(design_to_parameter_set(lg_m50()))
    assert compute_metrics(again).capacity_Ah == pytest.approx(
        compute_metrics(lg_m50()).capacity_Ah, rel=1e-9
    )
    marquis = parameter_set_to_design(get_parameter_set("Marquis2019"))
    assert (marquis.positive.active_material, marquis.electrolyte) == ("LCO", "LP30")


def test_import_design_json_reads_designs_and_exported_sets():
    import json

    from voltvault_core.design.export import import_design_json

    design = lg_m50()
    assert import_design_json(json.dumps(design.to_dict())) == design
    again = import_design_json(json.dumps(design_to_json(design)).encode())
    assert compute_metrics(again).capacity_Ah == pytest.approx(compute_metrics(design).capacity_Ah, rel=1e-9)
    with pytest.raises(DesignError, match="not valid JSON"):
        import_design_json(b"{nope")
    with pytest.raises(DesignError, match="neither"):
        import_design_json(json.dumps({"colour": "red"}))


@pytest.mark.parametrize(
    ("set_name", "cathode", "anode"),
    [
        ("Chen2020", "NMC811", "Graphite-LGM50"),
        ("OKane2022", "NMC811", "Graphite-LGM50-measured"),
        ("Mohtat2020", "NMC532", "Graphite-Mohtat2020"),
        ("Prada2013", "LFP", "Graphite-LGM50"),
        ("Ecker2015", "NCO-Ecker2015", "Graphite-Ecker2015"),
    ],
)
def test_every_bundled_set_imports_near_its_nominal_capacity(set_name, cathode, anode):
    ps = get_parameter_set(set_name)
    design = parameter_set_to_design(ps)
    assert (design.positive.active_material, design.negative.active_material) == (cathode, anode)
    # Ecker's windows reach 2.5 V at 0.165 Ah against a 0.156 Ah nominal; the others within 2 %
    assert compute_metrics(design).capacity_Ah == pytest.approx(
        ps.value("Nominal cell capacity [A.h]"), rel=0.06
    )


def test_a_graded_set_is_refused_as_a_design_naming_the_key():
    from solvers.parameters.layers import graded_porosity

    graded = graded_porosity(get_parameter_set("Chen2020"), "positive", 0.335, 0.2)
    with pytest.raises(DesignError, match="'Positive electrode porosity' varies along x"):
        parameter_set_to_design(graded)
