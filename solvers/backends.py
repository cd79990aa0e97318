"""Array backends behind a lazy registry: ``numpy`` (reference), ``numba`` (default), ``cupy`` (optional).

The models are written once over an array namespace ``xp``; ``numba`` adds compiled kernels for the
hot loops where they exist and otherwise uses numpy, ``cupy`` runs the same array code on a GPU and is
imported only when chosen (no GPU exists on the development machines: its logic is tested through numpy).
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
