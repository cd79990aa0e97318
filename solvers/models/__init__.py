"""Electrochemical cell models behind one registry: ``get_model("spm" | "spme" | "dfn")``.

``"p2d"`` is an alias of ``"dfn"``. Every model has ``solve(parameters, steps, **options)`` and
``solve_batch(list_of_parameters, steps, **options)``, returning :class:`solvers.result.SolverResult`.
"""

from __future__ import annotations

from solvers.models.base import CellModel
from solvers.models.dfn import DFN
from solvers.models.spm import SPM
from solvers.models.spme import SPMe

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
