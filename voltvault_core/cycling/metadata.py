"""Dataset metadata in three layers, after the Battery Data Genome (Ward et al., "Principles of the
Battery Data Genome", Joule 6 (2022) 2253, doi:10.1016/j.joule.2022.08.008): metadata matter as much as
the data, and the minimum needed to reuse a dataset must be captured at import.

* **primary** (required at import): cell identifier, chemistry, nominal capacity [Ah], instrument,
  owner, test objective;
* **secondary** (optional, structured): formation protocol, temperature [degC], electrode design,
  operator, cell format, manufacturer, channel, test start;
* **tertiary**: free-form key/value pairs (anything the lab wants to search by).

The file's own header fields are kept apart under ``source`` (never mixed with what people typed).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from voltvault_core.cycling.errors import MetadataError

SCHEMA = "voltvault.cycling.metadata/1"

PRIMARY_FIELDS: dict[str, str] = {
    "cell_identifier": "Cell identifier (barcode / lab id)",
    "chemistry": "Chemistry (e.g. NMC811/graphite, LFP/graphite)",
    "nominal_capacity_Ah": "Nominal capacity [Ah]",
    "instrument": "Instrument (cycler make and model)",
    "owner": "Owner (person or team responsible)",
    "test_objective": "Test objective (e.g. cycle life at 1C/1C, 25 °C)",
}
SECONDARY_FIELDS: dict[str, str] = {
    "formation_protocol": "Formation protocol",
    "temperature_degC": "Test temperature [°C]",
    "electrode_design": "Electrode design (loading, thickness, porosity)",
    "operator": "Operator",
    "cell_format": "Cell format (pouch, 18650, coin...)",
    "manufacturer": "Manufacturer",
    "channel": "Cycler channel",
    "test_start": "Test start (ISO date)",
}
CHEMISTRY_SUGGESTIONS = (
    "NMC/graphite", "NMC811/graphite", "NCA/graphite", "LFP/graphite", "LCO/graphite", "LMO/graphite",
    "NMC/Si-graphite", "LFP/LTO", "Na-ion", "Li-metal", "solid-state", "other",
)
_NUMERIC_FIELDS = {"nominal_capacity_Ah", "temperature_degC"}


def validate_primary(primary: dict[str, Any]) -> dict[str, Any]:
    """Check and clean the primary layer; raise :class:`MetadataError` listing every problem."""
    problems = []
    cleaned: dict[str, Any] = {}
    for key, label in PRIMARY_FIELDS.items():
        value = primary.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(f"{label} is required")
            continue
        if key in _NUMERIC_FIELDS:
            try:
                number = float(value)
            except (TypeError, ValueError):
                problems.append(f"{label} must be a number, got {value!r}")
                continue
            if not number > 0:
                problems.append(f"{label} must be positive, got {number}")
                continue
            cleaned[key] = number
        else:
            cleaned[key] = str(value).strip()
    unknown = sorted(set(primary) - set(PRIMARY_FIELDS))
    if unknown:
        problems.append(f"unknown primary field(s) {', '.join(unknown)}: put them in secondary or tertiary")
    if problems:
        raise MetadataError("primary metadata: " + "; ".join(problems))
    return cleaned


def build_metadata(
    primary: dict[str, Any],
    secondary: dict[str, Any] | None = None,
    tertiary: dict[str, Any] | None = None,
    source: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The layered metadata document stored with a dataset (validated)."""
    secondary = {k: v for k, v in (secondary or {}).items() if v not in (None, "")}
    unknown = sorted(set(secondary) - set(SECONDARY_FIELDS))
    if unknown:
        raise MetadataError(
            f"unknown secondary field(s) {', '.join(unknown)}; known: {', '.join(SECONDARY_FIELDS)} "
            "(free-form keys belong in tertiary)"
        )
    for key in _NUMERIC_FIELDS & set(secondary):
        try:
            secondary[key] = float(secondary[key])
        except (TypeError, ValueError) as exc:
            raise MetadataError(f"secondary {key} must be a number, got {secondary[key]!r}") from exc
    tertiary = {str(k).strip(): v for k, v in (tertiary or {}).items() if str(k).strip()}
    return {
        "schema": SCHEMA,
        "primary": validate_primary(primary),
        "secondary": secondary,
        "tertiary": tertiary,
        "source": source or {},
    }


def suggest_primary(source: dict[str, Any], format_vendor: str, filename: str) -> dict[str, Any]:
    """Prefill what the file already says (cell id, instrument); the user completes the rest."""
    cell = (
        source.get("cell_identifier")
        or source.get("item_id")
        or source.get("test_name")
        or source.get("name")
        or re.sub(r"\.(bdf\.)?[^.]+$", "", Path(filename).name)
    )
    return {"cell_identifier": str(cell), "instrument": format_vendor if format_vendor not in ("any", "BDF") else ""}


def matches_filters(metadata: dict[str, Any], tags: dict[str, str]) -> bool:
    """True when every ``key: text`` filter appears (case-insensitive substring) in any layer."""
    flat: dict[str, str] = {}
    for layer in ("primary", "secondary", "tertiary", "source"):
        for key, value in (metadata.get(layer) or {}).items():
            flat[str(key).lower()] = str(value).lower()
    return all(str(text).lower() in flat.get(str(key).lower(), "") for key, text in tags.items())
