"""The example the Thermal 3D page shows to readers who cannot run (demo mode, viewers).

No rows are seeded: a thermal run is a job result, not a table of its own (no migration); the example is
computed on first view and cached by the page (about a second).
"""

from __future__ import annotations

from voltvault_core.thermal.jobs import pack_run
from voltvault_core.thermal.model import run_thermal

EXAMPLE = {
    "title": "Example: LG M50 21700 (Chen2020), SPMe 2C discharge, h = 10 W/m²K, single tabs, two-way",
    "options": dict(model="spme", parameter_set="Chen2020", experiment="Discharge at 2C until 2.5 V",
                    geometry="cylindrical", size="21700", cells=1500, h_W_m2_K=10.0, coupling="two-way",
                    tab_layout="single"),
}  # fmt: skip


def example_pack() -> dict:
    """The packed example run (see :func:`voltvault_core.thermal.jobs.pack_run`)."""
    return pack_run(run_thermal(**EXAMPLE["options"]))
