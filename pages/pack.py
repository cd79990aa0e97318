"""Pack: not built yet (the page says so plainly)."""

from voltvault_core.ui import unbuilt_page

unbuilt_page(
    "Pack",
    ":material/battery_full:",
    "Series/parallel pack topologies with cell-to-cell variation, a lumped thermal network, BMS logic and drive-cycle loads.",
    "Product brief F9.",
)
