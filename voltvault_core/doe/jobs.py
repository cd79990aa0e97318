"""Job-runner workers of DOE studies (submitted by name through :mod:`voltvault_core.jobs`).

``run_chunk`` runs a contiguous range of a study's runs (one batched solver call per ``batch_size``
designs) and returns plain lists, so the result pickles and travels to the pool or a Dask worker and
back without any user object. Arguments are the spec's JSON and the rows' input values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from voltvault_core.doe.evaluate import evaluate
from voltvault_core.doe.study import load_spec

__all__ = ["run_chunk"]


def run_chunk(*, spec_json: str, values: list[list[float]], run_offset: int,
              progress: Callable[..., None]) -> dict[str, Any]:
    """Outputs of the runs ``values`` of the study ``spec_json`` (run indices from ``run_offset``)."""
    spec = load_spec(spec_json)
    rows = np.asarray(values, dtype=float)
    progress(0.0, f"{rows.shape[0]} runs from run {run_offset}")

    def on_progress(done: int, total: int) -> None:
        progress(done / max(total, 1), f"{done} of {total} runs")

    result = evaluate(spec, rows, progress=on_progress, run_offset=run_offset)
    return {
        "columns": result.columns,
        "values": np.where(np.isfinite(result.values), result.values, np.nan).tolist(),
        "failures": {str(k): v for k, v in result.failures.items()},
        "wall_s": result.wall_s,
        "solver_calls": result.solver_calls,
    }
