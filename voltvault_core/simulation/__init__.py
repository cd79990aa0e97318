"""Simulation: the feature package that runs a cell model and keeps its runs.

One shape, as ``cycling/`` and ``eis/``:

* :mod:`.run` — the entry point ``Simulation(model, parameter_set, experiment).solve()``, the option
  checks, batched solves, and the comparison helpers (RMSE against a run or a measured dataset,
  spatial profiles);
* :mod:`.service` — persisted runs: create, submit to the job pool, read, derive status from the job;
* :mod:`.cli` — ``voltvault simulate``;
* :mod:`.demo` — the demo project's simulations.

``from voltvault_core.simulation import Simulation`` is the import path every caller uses.
"""

from voltvault_core.simulation.run import *  # noqa: F401,F403  (the public entry point, re-exported)
from voltvault_core.simulation.run import (  # noqa: F401
    MESH_KEYS,
    label_experiment,
    max_output_bytes,
    profile_variables,
    rmse_matrix_V,
    spatial_profile,
    voltage_rmse_V,
)
from voltvault_core.simulation.run import __all__  # noqa: F401
