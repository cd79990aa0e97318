"""Pointwise physics written once, run by both executors (the numba loop kernels and the array kernels).

Each function here is plain arithmetic on scalars or arrays, with no Python branching, so that
:mod:`solvers.models.kernels` compiles it into its loops (``numba.njit``) and the numpy code calls it on
whole arrays (see DESIGN.md, "physics once, two executors").
"""
