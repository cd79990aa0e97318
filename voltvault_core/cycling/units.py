"""Units in column names and their conversion to SI (A, V, Ah, Wh, s, W, Ohm, degC).

Cycler exports write units in many ways: ``Current(mA)``, ``Current [A]``, ``I/mA`` (EC-Lab),
``Cap_mAh``, ``Time (min)``. :func:`split_name_unit` separates the quantity from the unit and
:func:`scale_to_si` gives the factor that converts it. Temperatures are kept in degC (the BDF unit)
and converted from K or degF with an offset, see :func:`temperature_to_degC`.
"""

from __future__ import annotations

import re

import numpy as np

#: factor that multiplies a value in the given unit to give the BDF/SI unit of its dimension
UNIT_FACTORS: dict[str, tuple[str, float]] = {
    # current -> A
    "a": ("current", 1.0),
    "amp": ("current", 1.0),
    "amps": ("current", 1.0),
    "ma": ("current", 1e-3),
    "µa": ("current", 1e-6),
    "ua": ("current", 1e-6),
    "na": ("current", 1e-9),
    "ka": ("current", 1e3),
    # voltage -> V
    "v": ("voltage", 1.0),
    "volts": ("voltage", 1.0),
    "mv": ("voltage", 1e-3),
    "µv": ("voltage", 1e-6),
    "uv": ("voltage", 1e-6),
    "kv": ("voltage", 1e3),
    # charge -> Ah
    "ah": ("charge", 1.0),
    "a.h": ("charge", 1.0),
    "amp-hr": ("charge", 1.0),
    "mah": ("charge", 1e-3),
    "ma.h": ("charge", 1e-3),
    "µah": ("charge", 1e-6),
    "uah": ("charge", 1e-6),
    "µa.h": ("charge", 1e-6),
    "c": ("charge", 1.0 / 3600.0),  # coulomb; ambiguous with degC, resolved by the caller's dimension
    "mc": ("charge", 1e-3 / 3600.0),
    # energy -> Wh
    "wh": ("energy", 1.0),
    "w.h": ("energy", 1.0),
    "watt-hr": ("energy", 1.0),
    "mwh": ("energy", 1e-3),
    "mw.h": ("energy", 1e-3),
    "µwh": ("energy", 1e-6),
    "kwh": ("energy", 1e3),
    "j": ("energy", 1.0 / 3600.0),
    "kj": ("energy", 1e3 / 3600.0),
    # time -> s
    "s": ("time", 1.0),
    "sec": ("time", 1.0),
    "secs": ("time", 1.0),
    "second": ("time", 1.0),
    "seconds": ("time", 1.0),
    "ms": ("time", 1e-3),
    "min": ("time", 60.0),
    "mins": ("time", 60.0),
    "minute": ("time", 60.0),
    "minutes": ("time", 60.0),
    "h": ("time", 3600.0),
    "hr": ("time", 3600.0),
    "hrs": ("time", 3600.0),
    "hour": ("time", 3600.0),
    "hours": ("time", 3600.0),
    "d": ("time", 86400.0),
    "day": ("time", 86400.0),
    "days": ("time", 86400.0),
    # power -> W
    "w": ("power", 1.0),
    "mw": ("power", 1e-3),
    "kw": ("power", 1e3),
    # resistance -> Ohm
    "ohm": ("resistance", 1.0),
    "ohms": ("resistance", 1.0),
    "ω": ("resistance", 1.0),
    "mohm": ("resistance", 1e-3),
    "mω": ("resistance", 1e-3),
    "mo": ("resistance", 1e-3),
    "kohm": ("resistance", 1e3),
    "kω": ("resistance", 1e3),
    # temperature (handled with an offset in temperature_to_degC)
    "degc": ("temperature", 1.0),
    "°c": ("temperature", 1.0),
    "℃": ("temperature", 1.0),
    "k": ("temperature", 1.0),
    "degf": ("temperature", 1.0),
    "°f": ("temperature", 1.0),
}

DIMENSION_SI_UNIT = {
    "current": "A",
    "voltage": "V",
    "charge": "Ah",
    "energy": "Wh",
    "time": "s",
    "power": "W",
    "resistance": "Ohm",
    "temperature": "degC",
}

_BRACKET_UNIT = re.compile(r"^(?P<name>.*?)\s*[\(\[\{]\s*(?P<unit>[^\)\]\}]*)\s*[\)\]\}]\s*$")
_SLASH_UNIT = re.compile(r"^(?P<name>.*?)\s*/\s*(?P<unit>[^/]+?)\s*$")
_UNDERSCORE_UNIT = re.compile(r"^(?P<name>.*?)[_\s\-]+(?P<unit>[A-Za-zµ°℃Ω.\-]+)\s*$")


def normalise_unit(unit: str) -> str:
    """Lower-case a unit string and remove spaces and the ``1`` of BDF's dimensionless ``/ 1``."""
    cleaned = unit.strip().lower().replace(" ", "").replace("Ω".lower(), "ω")
    cleaned = cleaned.replace("μ", "µ")  # Greek mu -> micro sign
    return cleaned


def split_name_unit(column: str) -> tuple[str, str | None]:
    """Split a column label into ``(quantity, unit)``; ``unit`` is ``None`` when none is recognised.

    ``"Current(mA)" -> ("Current", "ma")``, ``"I/mA" -> ("I", "ma")``, ``"Voltage [V]" -> ("Voltage", "v")``,
    ``"cap_mAh" -> ("cap", "mah")``, ``"Test Time / s" -> ("Test Time", "s")``.
    """
    text = str(column).strip()
    for pattern in (_BRACKET_UNIT, _SLASH_UNIT, _UNDERSCORE_UNIT):
        match = pattern.match(text)
        if match:
            unit = normalise_unit(match.group("unit"))
            if unit in UNIT_FACTORS:
                return match.group("name").strip(), unit
    return text, None


def scale_to_si(unit: str | None, dimension: str) -> float:
    """Factor converting a value in ``unit`` into the BDF unit of ``dimension``.

    Raises
    ------
    ValueError
        When the unit does not belong to the dimension (say, ``mV`` given for a current).
    """
    if unit is None:
        return 1.0
    key = normalise_unit(unit)
    if dimension == "charge" and key == "c":
        return 1.0 / 3600.0
    if key not in UNIT_FACTORS or UNIT_FACTORS[key][0] != dimension:
        known = sorted(u for u, (dim, _) in UNIT_FACTORS.items() if dim == dimension)
        raise ValueError(f"unit {unit!r} is not a {dimension} unit; known {dimension} units: {', '.join(known)}")
    return UNIT_FACTORS[key][1]


def temperature_to_degC(values: np.ndarray, unit: str | None) -> np.ndarray:
    """Convert temperatures to degC from degC, K or degF (``unit`` None means degC)."""
    key = normalise_unit(unit) if unit else "degc"
    values = np.asarray(values, dtype=float)
    if key == "k":
        return values - 273.15
    if key in ("degf", "°f"):
        return (values - 32.0) * 5.0 / 9.0
    return values
