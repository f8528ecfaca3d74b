"""The canonical schemas: declared once, with units in the names, same in Arrow and Polars."""

from __future__ import annotations

import polars as pl
import pytest

from darkfleet import schema

UNITS = ("_kn", "_deg", "_m", "_h", "_km")


@pytest.mark.parametrize("name", sorted(schema.TABLES))
def test_polars_form_matches_arrow(name: str) -> None:
    arrow = schema.TABLES[name]
    converted = pl.from_arrow(arrow.empty_table())
    assert isinstance(converted, pl.DataFrame)
    assert converted.schema == schema.polars_schema(arrow)
    assert schema.empty(arrow).columns == arrow.names


def test_measured_quantities_carry_units() -> None:
    measured = {"sog", "cog", "heading", "length", "beam", "draught", "duration"}
    for arrow in schema.TABLES.values():
        for field in arrow:
            stem = field.name.split("_")[0]
            if stem in measured:
                assert field.name.endswith(UNITS), field.name


def test_events_columns_are_the_documented_ones() -> None:
    assert schema.EVENTS.names == [
        "event_id", "kind", "mmsi", "other_mmsi", "start", "end", "duration_h",
        "lat", "lon", "confidence", "details",
    ]  # fmt: skip
