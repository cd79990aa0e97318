"""The Enertech pouch cell (Ai et al. 2020) against its measured temperature rise at 0.5, 1 and 2C.

The measured curves are in ``../shared/data/measured/enertech_ai2020/`` (time [s], temperature rise [K];
voltage files ``<C>_discharge_U.txt`` mark the end of each discharge). The comparison runs the DFN with
the ``Ai2020`` set on the 3D pouch (two-way coupling, single-side tabs, h from the set: 35 W/m2/K on
every face) and takes the RMSE of the rise over the part of the discharge both cover.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from voltvault_core.thermal.model import run_thermal

#: ``../shared`` beside the repository, or ``$VOLTVAULT_SHARED_DIR`` (a worktree placed elsewhere)
SHARED_DIR = Path(os.environ.get("VOLTVAULT_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
MEASURED_DIR = SHARED_DIR / "data" / "measured" / "enertech_ai2020"
C_RATES = ("0.5C", "1C", "2C")


def measured_rise(c_rate: str, directory: Path = MEASURED_DIR) -> tuple[np.ndarray, np.ndarray, float]:
    """(time_s, rise_K, discharge_end_s) of one measured discharge."""
    T = np.loadtxt(directory / f"{c_rate}_discharge_T.txt")
    U = np.loadtxt(directory / f"{c_rate}_discharge_U.txt")
    return T[:, 0], T[:, 1], float(U[-1, 0])


def enertech_comparison(c_rate: str, *, model: str = "dfn", cells: int = 2000, coupling: str = "two-way",
                        directory: Path = MEASURED_DIR) -> dict:  # fmt: skip
    """Run the 3D pouch at ``c_rate`` and compare its temperature rise with the measurement."""
    t_meas, rise_meas, t_end_meas = measured_rise(c_rate, directory)
    run = run_thermal(model, "Ai2020", f"Discharge at {c_rate} until 3 V", geometry="pouch", cells=cells,
                      coupling=coupling, tab_layout="single")  # fmt: skip
    T0 = run.info["ambient_temperature_K"]
    t = run.time_s
    keep = t <= min(t[-1], t_end_meas)
    g = run.cell.grid
    fields = run.temperature_K.reshape(t.size, *g.shape)
    surface_centre = fields[:, g.shape[0] // 2, g.shape[1] // 2, -1] - T0
    mean = run.mean_K() - T0
    measured = np.interp(t, t_meas, rise_meas)
    return {
        "c_rate": c_rate,
        "rmse_mean_K": float(np.sqrt(np.mean((mean[keep] - measured[keep]) ** 2))),
        "rmse_surface_centre_K": float(np.sqrt(np.mean((surface_centre[keep] - measured[keep]) ** 2))),
        "peak_rise_simulated_K": float(mean[keep].max()),
        "peak_rise_measured_K": float(rise_meas[t_meas <= t_end_meas].max()),
        "discharge_end_simulated_s": float(t[-1]),
        "discharge_end_measured_s": t_end_meas,
        "wall_s": run.info["wall_s"],
        "cells": int(g.n_cells),
    }
