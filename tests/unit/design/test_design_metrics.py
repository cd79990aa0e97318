"""Design metrics against hand calculations and against the LG M50 datasheet."""

from __future__ import annotations

import math

import pytest

from voltvault_core.constants import F
from voltvault_core.design.examples import LG_M50_DATASHEET, lg_m50
from voltvault_core.design.metrics import compute_metrics, electrode_metrics
from voltvault_core.design.model import CellDesign, DesignError, ElectrodeLayer, Geometry
from voltvault_core.materials import load_library


@pytest.fixture(scope="module")
def lib():
    return load_library()


def test_recipe_gives_porosity_active_fraction_and_loading_by_hand(lib):
    # 96/2/2 NMC811/PVDF/carbon black, 20 mg/cm2 in 60 um
    layer = ElectrodeLayer("NMC811", 60e-6, porosity=None, loading_kg_m2=0.20)
    m = electrode_metrics(layer)
    rho_am, rho_b, rho_c = 4760.0, 1780.0, 1900.0
    solid = 0.20 / 60e-6 * (0.96 / rho_am + 0.02 / rho_b + 0.02 / rho_c)
    assert m.porosity == pytest.approx(1 - solid, rel=1e-12)
    assert m.active_volume_fraction == pytest.approx(0.20 * 0.96 / rho_am / 60e-6, rel=1e-12)
    # areal capacity = active mass x usable specific capacity (c_max F (0.9084-0.2661) / rho)
    q_mAh_g = 63104 * F * (0.9084 - 0.2661) / rho_am / 3.6e3
    assert m.areal_capacity_Ah_m2 == pytest.approx(0.20 * 0.96 * q_mAh_g, rel=1e-9)  # (kg/m2)(mAh/g) = Ah/m2
    # the inverse: the porosity just computed gives back the same loading
    back = electrode_metrics(ElectrodeLayer("NMC811", 60e-6, porosity=m.porosity))
    assert back.loading_kg_m2 == pytest.approx(0.20, rel=1e-12)


def test_conductivity_follows_bruggeman_over_the_solid_phases(lib):
    m = electrode_metrics(ElectrodeLayer("NMC811", 60e-6, porosity=0.3))
    f = m.phase_volume_fractions
    expected = 0.18 * f["active"] ** 1.5 + 1000.0 * f["additive"] ** 1.5  # PVDF does not conduct
    assert m.electronic_conductivity_S_m == pytest.approx(expected, rel=1e-12)
    more_carbon = electrode_metrics(
        ElectrodeLayer("NMC811", 60e-6, porosity=0.3, active_mass_fraction=0.92, additive_mass_fraction=0.06)
    )
    assert more_carbon.electronic_conductivity_S_m > 3 * m.electronic_conductivity_S_m


def _pouch() -> CellDesign:
    return CellDesign(
        name="hand-check pouch",
        positive=ElectrodeLayer("LFP", 80e-6, porosity=0.35),
        negative=ElectrodeLayer("Graphite-LGM50", 60e-6, porosity=0.35, binder="CMC/SBR"),
        separator="PE-wet-9um",
        electrolyte="LP57",
        geometry=Geometry(format="pouch", electrode_width_m=0.1, electrode_height_m=0.2, n_layers=10),
        electrolyte_fill_factor=1.2,
        lower_voltage_V=2.5,
        upper_voltage_V=3.6,
    )


def test_pouch_capacity_np_masses_and_volume_by_hand(lib):
    d = _pouch()
    m = compute_metrics(d)
    area = 2 * 10 * 0.1 * 0.2
    assert m.sandwich_area_m2 == pytest.approx(area)
    pos, neg = electrode_metrics(d.positive), electrode_metrics(d.negative)
    assert m.capacity_Ah == pytest.approx(min(pos.areal_capacity_Ah_m2, neg.areal_capacity_Ah_m2) * area)
    assert m.np_ratio == pytest.approx(neg.full_areal_capacity_Ah_m2 / pos.areal_capacity_Ah_m2)
    # foils: one per two coatings
    assert m.mass_breakdown_kg["positive collector"] == pytest.approx(16e-6 * area / 2 * 2700)
    assert m.mass_breakdown_kg["negative collector"] == pytest.approx(12e-6 * area / 2 * 8960)
    pore = area * (0.35 * 80e-6 + 0.35 * 60e-6 + 0.40 * 9e-6)
    assert m.pore_volume_m3 == pytest.approx(pore)
    assert m.mass_breakdown_kg["electrolyte"] == pytest.approx(1.2 * pore * 1220)
    assert m.mass_kg == pytest.approx(sum(m.mass_breakdown_kg.values()))
    repeat = 16e-6 + 2 * 80e-6 + 2 * 9e-6 + 2 * 60e-6 + 12e-6
    outer = (0.1 + 0.01) * (0.2 + 0.01 + 0.01) * (10 * repeat + 2 * 1.53e-4)
    assert m.volume_m3 == pytest.approx(outer)
    assert m.energy_density_Wh_L == pytest.approx(m.energy_Wh / (outer * 1e3))
    # LFP/graphite: nominal voltage near 3.3 V
    assert 3.1 < m.nominal_voltage_V < 3.4


def test_energy_without_ocp_uses_average_potentials(lib):
    d = _pouch()
    d.positive.active_material = "LNMO"
    m = compute_metrics(d)
    assert m.nominal_voltage_V == pytest.approx(4.7 - 0.05)
    assert any("average potentials" in w for w in m.warnings)


def test_lg_m50_capacity_and_energy_within_5_percent_of_the_datasheet():
    m = compute_metrics(lg_m50())
    assert m.capacity_Ah == pytest.approx(LG_M50_DATASHEET["capacity_Ah"], rel=0.05)
    assert m.energy_Wh == pytest.approx(LG_M50_DATASHEET["energy_Wh"], rel=0.05)
    assert m.mass_kg < LG_M50_DATASHEET["max_mass_kg"]
    assert m.mass_kg == pytest.approx(LG_M50_DATASHEET["max_mass_kg"], rel=0.05)
    # Chen2020's cell is negative-limited and its windows give 4.2 V / 2.5 V open circuit at the ends
    assert m.limiting_electrode == "negative"
    assert m.stack_fill_fraction < 1.0
    # 21700 can: outer volume pi (21 mm)^2 / 4 x 70 mm
    assert m.volume_m3 == pytest.approx(math.pi * 0.021**2 / 4 * 0.070)


def test_bad_designs_fail_with_actionable_messages():
    d = _pouch()
    d.positive.active_mass_fraction = 0.9
    with pytest.raises(DesignError, match="add up to 1"):
        compute_metrics(d)
    d = _pouch()
    d.positive.loading_kg_m2 = 1.0
    with pytest.raises(DesignError, match="porosity"):
        compute_metrics(d)
    d = _pouch()
    d.positive.active_material = "PVDF"
    with pytest.raises(DesignError, match="not an active material"):
        compute_metrics(d)
    with pytest.raises(DesignError, match="unknown field"):
        CellDesign.from_dict({"name": "x", "colour": "red"})
    d = lg_m50()
    d.geometry.winding_length_m = None
    with pytest.raises(DesignError, match="winding_length_m"):
        compute_metrics(d)


def test_design_round_trips_through_json():
    d = lg_m50()
    assert CellDesign.from_dict(d.to_dict()) == d


@pytest.mark.parametrize(
    ("size", "diameter_m", "height_m"),
    [("18650", 0.018, 0.065), ("21700", 0.021, 0.070), ("4680", 0.046, 0.080)],
)
def test_cylindrical_can_mass_and_volume_by_hand(size, diameter_m, height_m):
    d = lg_m50()
    d.geometry.size = size
    d.geometry.winding_length_m = 0.3
    m = compute_metrics(d)
    wall, rho = 2.5e-4, 7850.0
    can = rho * wall * (math.pi * diameter_m * height_m + 2 * math.pi * diameter_m**2 / 4)
    cap = {"18650": 2.5e-3, "21700": 3.0e-3, "4680": 20e-3}[size]
    assert m.mass_breakdown_kg["housing"] == pytest.approx(can + cap)
    assert m.volume_m3 == pytest.approx(math.pi * diameter_m**2 / 4 * height_m)
    assert m.sandwich_area_m2 == pytest.approx(2 * 0.3 * 0.065)


def test_a_winding_too_long_for_the_can_is_flagged():
    d = lg_m50()
    d.geometry.size = "18650"  # the M50's 0.79 m winding does not fit an 18650
    m = compute_metrics(d)
    assert m.stack_fill_fraction > 1.0
    assert any("room inside the housing" in w for w in m.warnings)


def test_prismatic_case_by_hand():
    d = lg_m50()
    d.geometry = Geometry(format="prismatic", electrode_height_m=0.09, electrode_width_m=0.14, n_layers=30,
                          outer_width_m=0.148, outer_height_m=0.098, outer_thickness_m=0.027)  # fmt: skip
    m = compute_metrics(d)
    w, h, t = 0.148, 0.098, 0.027
    assert m.volume_m3 == pytest.approx(w * h * t)
    assert m.mass_breakdown_kg["housing"] == pytest.approx(2 * (w * h + w * t + h * t) * 8e-4 * 2700)
    assert m.sandwich_area_m2 == pytest.approx(2 * 30 * 0.14 * 0.09)
    d.geometry.outer_width_m = None
    with pytest.raises(DesignError, match="outer_width_m"):
        compute_metrics(d)
