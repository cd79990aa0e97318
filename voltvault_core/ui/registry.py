"""The one list of pages: it feeds the navigation in Home.py and the AppTest smoke test."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to the repository root
    title: str
    icon: str
    section: str
    built: bool = True  # False: the page says plainly that the feature is not built yet


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/dashboard.py", "Dashboard", ":material/dashboard:", "Projects"),
    PageSpec("pages/cell_designer.py", "Cell Designer", ":material/stacks:", "Design & simulate"),
    PageSpec("pages/simulation.py", "Simulation", ":material/bolt:", "Design & simulate"),
    PageSpec("pages/thermal_3d.py", "Thermal 3D", ":material/thermostat:", "Design & simulate"),
    PageSpec("pages/doe.py", "DOE", ":material/grid_view:", "Design & simulate"),
    PageSpec("pages/degradation.py", "Degradation", ":material/trending_down:", "Design & simulate", built=False),
    PageSpec("pages/pack.py", "Pack", ":material/battery_full:", "Design & simulate", built=False),
    PageSpec("pages/cycling_data.py", "Cycling Data", ":material/monitoring:", "Measure"),
    PageSpec("pages/eis.py", "EIS", ":material/blur_circular:", "Measure"),
    PageSpec("pages/experiments.py", "Experiments", ":material/science:", "Track & share"),
    PageSpec("pages/reports.py", "Reports", ":material/description:", "Track & share"),
    PageSpec("pages/admin.py", "Admin", ":material/admin_panel_settings:", "Track & share"),
)
