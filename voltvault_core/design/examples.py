"""Reference designs: published commercial cells rebuilt from their cited parameters."""

from __future__ import annotations

from voltvault_core.design.model import CellDesign, ElectrodeLayer, Geometry

#: LG M50 datasheet figures (LG Chem INR21700 M50 product specification, 2016; reference "LGChem2016"
#: of data/materials/references.json): typical capacity, nominal voltage, maximum mass
LG_M50_DATASHEET = {
    "capacity_Ah": 5.0,
    "nominal_voltage_V": 3.63,
    "energy_Wh": 18.20,
    "max_mass_kg": 69.25e-3,
}


def lg_m50() -> CellDesign:
    """The LG M50 21700 cell as parameterised by Chen et al. (2020), doi:10.1149/1945-7111/ab9050.

    Coatings, porosities, foils and separator are Chen2020's; the sandwich area 1.58 m x 0.065 m of the
    parameter set is a 0.79 m double-coated winding of 65 mm coated height. The set lumps binder and
    additive into the active phase (active volume fraction = 1 - porosity), so the recipe is 100 %
    active material.
    """
    return CellDesign(
        name="LG M50 (Chen 2020)",
        positive=ElectrodeLayer("NMC811", 75.6e-6, porosity=0.335, active_mass_fraction=1.0,
                                binder_mass_fraction=0.0, additive_mass_fraction=0.0),
        negative=ElectrodeLayer("Graphite-LGM50", 85.2e-6, porosity=0.25, active_mass_fraction=1.0,
                                binder_mass_fraction=0.0, additive_mass_fraction=0.0, binder="CMC/SBR"),
        separator="Separator-LGM50",
        electrolyte="LP57",
        positive_collector_thickness_m=16e-6,
        negative_collector_thickness_m=12e-6,
        geometry=Geometry(format="cylindrical", size="21700", electrode_height_m=0.065, winding_length_m=0.79),
        electrolyte_fill_factor=1.0,
        lower_voltage_V=2.5,
        upper_voltage_V=4.2,
        notes="Rebuilt from Chen et al. (2020); compare with the LG M50 datasheet (5 Ah, 3.63 V, 69.25 g max).",
    )  # fmt: skip
