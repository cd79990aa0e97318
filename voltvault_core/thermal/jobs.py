"""Worker functions of the thermal job kinds (run in the job pool, never in a page)."""

from __future__ import annotations

from typing import Any

import numpy as np

#: time and memory limits of a thermal job (a 100,000-cell hour takes seconds and ~0.5 GB)
JOB_LIMITS = {"timeout_s": 1800.0, "memory_limit_bytes": 4 * 1024**3}
JOB_KINDS = {"thermal-run": "voltvault_core.thermal.jobs:thermal_run", "thermal-abuse": "voltvault_core.thermal.jobs:abuse_run"}


def thermal_run(*, options: dict[str, Any], progress, n_frames: int = 30) -> dict:
    """A :func:`~voltvault_core.thermal.model.run_thermal` run; returns its summary and float32 frames."""
    from voltvault_core.thermal.model import run_thermal

    run = run_thermal(progress=progress, **options)
    return pack_run(run, n_frames)


def pack_run(run, n_frames: int = 30) -> dict:
    """A picklable, compact form of a run for a job result or a page (frames subsampled in time)."""
    idx = np.unique(np.linspace(0, run.time_s.size - 1, min(n_frames, run.time_s.size)).astype(int))
    g = run.cell.grid
    return {
        "summary": run.summary(),
        "info": dict(run.info),
        "time_s": run.time_s,
        "T_mean_K": run.mean_K(),
        "T_max_K": run.temperature_K.max(axis=1),
        "T_min_K": run.temperature_K.min(axis=1),
        "frame_time_s": run.time_s[idx],
        "frames_K": run.temperature_K[idx].astype(np.float32),
        "grid": {"kind": g.kind, "edges": [np.asarray(e) for e in g.edges], "region": g.region,
                 "region_names": list(g.region_names)},
        "heat_W": np.interp(run.time_s, run.heat.time_s, run.heat.total_W),
        "voltage_V": run.voltage_V,
        "collector": dict(run.collector),
    }


def abuse_run(*, parameters, geometry: str, protocol: str, progress, **kwargs) -> dict:
    from voltvault_core.thermal.service import run_abuse

    progress(0.1, f"{protocol} test")
    result, cell = run_abuse(parameters, geometry, protocol, **kwargs)
    return {"summary": result.summary(), "time_s": result.time_s, "T_mean_K": result.T_mean_K,
            "T_max_K": result.T_max_K, "self_heating_K_s": result.self_heating_K_s, "flagged": result.flagged,
            "cells": int(cell.grid.n_cells)}  # fmt: skip
