"""Many designs at once in array code: numpy on the CPU, CuPy on a GPU (``backend="cupy"``).

* :mod:`solvers.batched.kernels`: the SPM, SPMe and DFN residuals of B designs in one array call,
  from per-design geometry vectors and function tables (the compiled kernels' inputs);
* :mod:`solvers.batched.linalg`: B Newton matrices factorised and solved together, the particles
  condensed onto the x-system;
* :mod:`solvers.batched.lockstep`: the batched BDF integrator that drives them, behind
  ``CellModel.solve_batch(..., method="lockstep")``.

Nothing here imports CuPy: the array namespace is passed in (see :mod:`solvers.backends`).
"""
