"""Turn an exported design (the JSON of :func:`voltvault_core.design.export.design_to_json`) into PyBaMM.

PyBaMM is optional: it is imported only here, when asked. Numbers pass through; tables become
``pybamm.Interpolant`` (1-D in the first argument, or 2-D in concentration and temperature); functions
exported by name (exchange-current densities) are taken from the PyBaMM parameter set that publishes a
function of that name, or else from the PyBaMM set named as the export's ``base`` (the bundled sets of
the solvers mirror PyBaMM's sets of the same name, key for key).

Graded electrodes: porosities, active material volume fractions and particle radii given as functions of
the through-cell distance x (``{"piecewise": ...}``, ``{"linear": ...}`` or an ``interpolant`` in x, see
:mod:`solvers.parameters.layers`) become PyBaMM functions of x, taking ``(x, y, z)`` where PyBaMM 26 calls
them so (porosities, active fractions) and ``x`` for the radii.
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


#: keys PyBaMM evaluates as functions of the through-cell distance, and whether it also passes (y, z)
X_FUNCTION_KEYS = {
    **{f"{d} electrode porosity": True for d in ("Negative", "Positive")},
    **{f"{d} electrode active material volume fraction": True for d in ("Negative", "Positive")},
    **{f"{d} particle radius [m]": False for d in ("Negative", "Positive")},
    "Separator porosity": True,
}


def _x_function(key: str, entry: Mapping[str, Any]):
    """A PyBaMM function of x for a graded-electrode profile or an x table."""
    import numpy as np
    import pybamm

    if "piecewise" in entry:
        edges = [float(e) for e in entry["piecewise"]["x_edges_m"]]
        vals = [float(v) for v in entry["piecewise"]["values"]]

        def of_x(x):  # a boundary point belongs to the layer at smaller x, as in the solvers
            out = vals[0]
            for edge, lo, hi in zip(edges[1:-1], vals[:-1], vals[1:], strict=True):
                out = out + (hi - lo) * (x > edge)
            return out

    elif "linear" in entry:
        (x0, x1), (v0, v1) = entry["linear"]["x_m"], entry["linear"]["values"]

        def of_x(x):
            return v0 + (v1 - v0) * (x - x0) / (x1 - x0)

    else:
        xs = np.asarray(entry["interpolant"]["x"], dtype=float)
        ys = np.asarray(entry["interpolant"]["y"], dtype=float)

        def of_x(x):
            return pybamm.Interpolant(xs, ys, x, name=key)

    if not X_FUNCTION_KEYS[key]:
        return of_x

    def of_xyz(x, y=None, z=None):
        return of_x(x)

    return of_xyz


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
        elif isinstance(entry, Mapping) and key in X_FUNCTION_KEYS:
            updates[key] = _x_function(key, entry)
        elif isinstance(entry, Mapping) and "interpolant" in entry:
            updates[key] = _table_function(key, entry["interpolant"])
        elif isinstance(entry, Mapping) and "function" in entry:
            updates[key] = _named_function(entry["function"], key, base)
        else:
            raise ValueError(f"cannot convert parameter {key!r}: {entry!r}")
    values.update(updates, check_already_exists=False)
    return values
