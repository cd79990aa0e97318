"""Thermal 3D: not built yet (the page says so plainly)."""

from voltvault_core.ui import unbuilt_page

unbuilt_page(
    "Thermal 3D",
    ":material/thermostat:",
    "3D thermal modelling of pouch, cylindrical and prismatic cells, driven by the heat source of the electrochemical solvers (the lumped thermal option of the Simulation page already computes it), with temperature fields in 3D, cross-sections and VTK export.",
    "Product brief F3. Until it lands, the Simulation page's lumped thermal option gives the cell temperature and total heating.",
)
