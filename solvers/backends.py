"""Array backends behind a lazy registry: ``numpy`` (reference), ``numba`` (default), ``cupy`` (optional).

``numba`` runs each design on the compiled stepper (:mod:`solvers.models.compiled`); ``numpy`` is the
reference (the models' own numpy equations on the Python stepper). ``cupy`` is for many designs at
once: ``solve_batch(..., backend="cupy")`` runs the lockstep batch (:mod:`solvers.batched`), whose
array code takes the namespace as an argument, so numpy runs the very same code in CI
(``method="lockstep", backend="numpy"``) and a strict stand-in of CuPy's array rules tests it there; a
single design with ``backend="cupy"`` runs on the compiled CPU stepper. CuPy is imported only when
chosen (no GPU exists on the development machines).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Backend:
    """A named array namespace."""

    name: str
    xp: ModuleType
    compiled: bool


def _numpy() -> Backend:
    import numpy

    return Backend("numpy", numpy, compiled=False)


def _numba() -> Backend:
    import numpy

    importlib.import_module("numba")
    return Backend("numba", numpy, compiled=True)


def _cupy() -> Backend:
    try:
        cupy = importlib.import_module("cupy")
    except ImportError as exc:
        raise RuntimeError(
            "backend='cupy' needs CuPy and a CUDA GPU (pip install 'voltvault[gpu]'); use 'numba' or 'numpy'"
        ) from exc
    return Backend("cupy", cupy, compiled=True)


BACKENDS: dict[str, Callable[[], Backend]] = {"numpy": _numpy, "numba": _numba, "cupy": _cupy}


def get_backend(name: str) -> Backend:
    """The backend called ``name``; a ValueError lists the valid names."""
    try:
        loader = BACKENDS[name]
    except KeyError:
        raise ValueError(f"Unknown backend {name!r}; choose one of {', '.join(BACKENDS)}") from None
    return loader()
