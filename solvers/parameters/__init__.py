"""Parameter sets, discovered automatically.

Every module in this package that defines

* ``NAME = "Ecker2015"`` (the set's name),
* ``CITATIONS = ["10.xxxx/...", ...]`` (DOIs of its sources), and
* ``get_parameter_values() -> dict`` (PyBaMM key -> float or plain numpy function),

is a parameter set; :func:`get_parameter_set` returns it as a :class:`ParameterSet`. Functions in a set
module are named ``<material>_<property>_<Author><Year>``, take PyBaMM's arguments (see
:mod:`solvers.parameters.base`) and carry their DOI in the docstring; they are registered by name so a
set's JSON export can refer to them.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache
from types import ModuleType

from solvers.parameters.base import FUNCTION_REGISTRY, Interpolant, ParameterSet, register_function

__all__ = [
    "FUNCTION_REGISTRY",
    "Interpolant",
    "ParameterSet",
    "available_parameter_sets",
    "get_parameter_set",
    "register_function",
]


@cache
def _set_modules() -> dict[str, ModuleType]:
    modules: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "NAME", None)
        if not isinstance(name, str) or not callable(getattr(module, "get_parameter_values", None)):
            continue
        for obj_name, obj in vars(module).items():
            if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not obj_name.startswith("_"):
                if obj_name != "get_parameter_values":
                    FUNCTION_REGISTRY.setdefault(obj_name, obj)
        modules[name] = module
    return modules


def available_parameter_sets() -> list[str]:
    """Names of every discovered parameter set, sorted."""
    return sorted(_set_modules())


def get_parameter_set(name: str) -> ParameterSet:
    """The named parameter set (case-insensitive), e.g. ``get_parameter_set("Chen2020")``.

    Raises
    ------
    KeyError
        If no set has that name; the message lists the available ones.
    """
    modules = _set_modules()
    lookup = {k.lower(): k for k in modules}
    key = lookup.get(str(name).lower())
    if key is None:
        raise KeyError(f"Unknown parameter set {name!r}; available: {', '.join(sorted(modules))}")
    module = modules[key]
    values = module.get_parameter_values()
    values = {k: v for k, v in values.items() if not isinstance(v, str | list | tuple)}
    return ParameterSet(values, name=key, citations=tuple(getattr(module, "CITATIONS", ())))
