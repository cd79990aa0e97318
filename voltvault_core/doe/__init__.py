"""DOE studies: sampling, batched runs on the job pool or a Dask cluster, Sobol and Morris sensitivity,
response surfaces, Pareto fronts and multi-objective design search (product brief F5).

Entry points: :func:`~voltvault_core.doe.execute.run_study` (a spec to indices in one call),
:mod:`~voltvault_core.doe.service` (studies in the database, resumable, with roles),
:mod:`~voltvault_core.doe.pareto` (fronts and NSGA-II), ``voltvault doe run SPEC.json``.
"""

from voltvault_core.doe.study import DOEError, StudySpec, load_spec

__all__ = ["DOEError", "StudySpec", "load_spec"]
