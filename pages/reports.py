"""Reports: not built yet (the page says so plainly)."""

from voltvault_core.ui import unbuilt_page

unbuilt_page(
    "Reports",
    ":material/description:",
    "One-click PDF reports (WeasyPrint) of designs, simulations, measured data and fits, with publication-quality figure export.",
    "Product brief F12. Each page already exports its data (CSV, Parquet, HDF5, MAT).",
)
