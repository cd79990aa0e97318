"""Electrochemical cell models behind one registry: ``get_model("spm" | "spme" | "dfn")``.

``"p2d"`` is an alias of ``"dfn"``. Every model has ``solve(parameters, steps, **options)`` and
``solve_batch(list_of_parameters, steps, **options)``, returning :class:`solvers.result.SolverResult`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def _numba_cache_per_source_version() -> None:
    """Keep numba's disk cache in a folder named after a hash of these model sources.

    numba keys a cached function on its own file only, and ``compiled.py`` inlines ``kernels.py`` (which
    inlines ``solvers/physics``): after
    an edit to the kernels, an old cache would silently run the old machine code. A folder per source
    version makes every edit start a fresh cache (and works where the installed package is read-only).
    A ``NUMBA_CACHE_DIR`` set by the user wins.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    import numba

    here = Path(__file__).resolve().parent
    # the kernels also inline the pointwise physics of solvers/physics (written once, run by both executors)
    sources = sorted(here.glob("*.py")) + sorted((here.parent / "physics").glob("*.py"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "voltvault" / "numba" / digest
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # no writable home: numba falls back to its own locations
        return
    numba.config.CACHE_DIR = str(folder)


_numba_cache_per_source_version()

from solvers.models.base import CellModel  # noqa: E402  (after the cache folder is chosen)
from solvers.models.dfn import DFN  # noqa: E402
from solvers.models.spm import SPM  # noqa: E402
from solvers.models.spme import SPMe  # noqa: E402

MODELS: dict[str, type[CellModel]] = {"spm": SPM, "spme": SPMe, "dfn": DFN}
ALIASES = {"p2d": "dfn", "newman": "dfn", "doyle-fuller-newman": "dfn"}


def get_model(name: str) -> CellModel:
    """A model instance by name (case-insensitive); a ValueError lists the valid names."""
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    try:
        return MODELS[key]()
    except KeyError:
        raise ValueError(f"Unknown model {name!r}; choose one of {', '.join([*MODELS, *ALIASES])}") from None


__all__ = ["ALIASES", "MODELS", "CellModel", "get_model"]
