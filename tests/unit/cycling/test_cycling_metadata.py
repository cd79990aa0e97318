"""Layered metadata (Battery Data Genome): primary required, secondary structured, tertiary free."""

from __future__ import annotations

import pytest

from voltvault_core.cycling.errors import MetadataError
from voltvault_core.cycling.metadata import build_metadata, matches_filters, suggest_primary, validate_primary

PRIMARY = {
    "cell_identifier": "CELL-001",
    "chemistry": "LFP/graphite",
    "nominal_capacity_Ah": "1.1",
    "instrument": "Arbin LBT21084",
    "owner": "Ada",
    "test_objective": "cycle life 1C/1C at 30 °C",
}


def test_primary_is_required_and_cleaned() -> None:
    assert validate_primary(PRIMARY)["nominal_capacity_Ah"] == 1.1
    with pytest.raises(MetadataError) as info:
        validate_primary({**PRIMARY, "owner": " ", "nominal_capacity_Ah": "-2", "colour": "red"})
    message = str(info.value)
    assert "Owner" in message
    assert "must be positive" in message
    assert "colour" in message


def test_layers_are_kept_apart() -> None:
    metadata = build_metadata(PRIMARY, {"operator": "Bo", "temperature_degC": "30"}, {"batch": "7"}, {"channel": 4})
    assert metadata["secondary"] == {"operator": "Bo", "temperature_degC": 30.0}
    assert metadata["tertiary"] == {"batch": "7"}
    assert metadata["source"] == {"channel": 4}
    with pytest.raises(MetadataError, match="free-form keys belong in tertiary"):
        build_metadata(PRIMARY, {"batch": "7"})


def test_filters_search_every_layer() -> None:
    metadata = build_metadata(PRIMARY, {"operator": "Bo"}, {"Batch": "B-17"})
    assert matches_filters(metadata, {"chemistry": "lfp", "batch": "b-17"})
    assert not matches_filters(metadata, {"operator": "carl"})


def test_suggestions_from_the_file() -> None:
    assert suggest_primary({"item_id": "EL150800460659"}, "Arbin", "x.csv") == {
        "cell_identifier": "EL150800460659", "instrument": "Arbin"}
    assert suggest_primary({}, "BDF", "cell_7.bdf.csv")["cell_identifier"] == "cell_7"
