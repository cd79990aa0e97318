"""Turn an exported design (the JSON of :func:`voltvault_core.design.export.design_to_json`) into PyBaMM.

PyBaMM is optional: it is imported only here, when asked. Numbers pass through; tables become
``pybamm.Interpolant`` (1-D in the first argument, or 2-D in concentration and temperature); functions
exported by name (exchange-current densities) are taken from the PyBaMM parameter set that publishes a
function of that name, or else from the PyBaMM set named as the export's ``base`` (the bundled sets of
the solvers mirror PyBaMM's sets of the same name, key for key).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: PyBaMM sets searched for a function exported by name
PYBAMM_SETS = (
    "Chen2020",
    "Marquis2019",
    "Mohtat2020",
    "Prada2013",
    "Ecker2015",
    "OKane2022",
    "NCA_Kim2011",
    "ORegan2022",
)
#: Functions of (c_e, T) whose key does not start with "Electrolyte"
_ELECTROLYTE_KEYS = ("Cation transference number", "Thermodynamic factor")


def _table_function(key: str, table: Mapping[str, Any]):
    import numpy as np
    import pybamm

    x = np.asarray(table["x"], dtype=float)
    y = np.asarray(table["y"], dtype=float)
    if "T" in table:
        T_grid = np.asarray(table["T"], dtype=float)

        def two_d(a, T):
            return pybamm.Interpolant((x, T_grid), y, [a, T], name=key)

        return two_d
    if key.startswith("Electrolyte") or key in _ELECTROLYTE_KEYS or "diffusivity" in key:

        def with_temperature(a, T):
            return pybamm.Interpolant(x, y, a, name=key)

        return with_temperature

    def one_d(a):
        return pybamm.Interpolant(x, y, a, name=key)

    return one_d


def _named_function(name: str, key: str, base: str | None):
    import pybamm

    for set_name in PYBAMM_SETS:
        try:
            values = pybamm.ParameterValues(set_name)
        except Exception:  # a set missing from this PyBaMM version
            continue
        for value in values.values():
            if callable(value) and getattr(value, "__name__", None) == name:
                return value
    if base is not None:
        value = pybamm.ParameterValues(base).get(key)
        if callable(value):
            return value
    raise ValueError(f"PyBaMM has no function {name!r} for {key!r} (searched {', '.join(PYBAMM_SETS)})")


def to_pybamm_parameter_values(data: Mapping[str, Any]):
    """A ``pybamm.ParameterValues`` equivalent to an exported design.

    Raises
    ------
    ImportError
        When PyBaMM is not installed (``pip install pybamm``).
    ValueError
        When a function exported by name has no PyBaMM counterpart.
    """
    import pybamm

    base = data.get("base")
    values = pybamm.ParameterValues(base) if base else pybamm.ParameterValues({})
    updates: dict[str, Any] = {}
    for key, entry in data["parameters"].items():
        if isinstance(entry, int | float) and not isinstance(entry, bool):
            updates[key] = float(entry)
        elif isinstance(entry, Mapping) and "interpolant" in entry:
            updates[key] = _table_function(key, entry["interpolant"])
        elif isinstance(entry, Mapping) and "function" in entry:
            updates[key] = _named_function(entry["function"], key, base)
        else:
            raise ValueError(f"cannot convert parameter {key!r}: {entry!r}")
    values.update(updates, check_already_exists=False)
    return values
