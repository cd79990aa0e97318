"""Degradation: not built yet (the page says so plainly)."""

from voltvault_core.ui import unbuilt_page

unbuilt_page(
    "Degradation",
    ":material/trending_down:",
    "SEI growth, lithium plating and active-material loss models, calendar and cycle ageing, knee-point detection and lifetime prediction fitted to cycling data.",
    "Product brief F8. Capacity-fade trend fits are available now on the Cycling Data page.",
)
