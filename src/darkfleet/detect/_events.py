"""Building blocks every detector uses to emit rows of the events table.

>>> event_table("gap", schema.empty(schema.EVENTS)).columns == schema.EVENTS.names
True
"""

from __future__ import annotations

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._ids import event_id
from darkfleet.detect.encounters import PlaceLookup

__all__ = ["event_table", "place_distances", "rounded"]

_US_PER_HOUR = 3.6e9


def place_distances(frame: pl.DataFrame, places: PlaceLookup) -> tuple[pl.Series, pl.Series]:
    """Distances (km) from ``frame``'s lat/lon to the nearest port and to the shore."""
    lat = frame["lat"].to_numpy().astype(np.float64)
    lon = frame["lon"].to_numpy().astype(np.float64)
    port = np.asarray(places.distance_to_port_km(lat, lon), dtype=np.float64)
    shore = np.asarray(places.distance_to_shore_km(lat, lon), dtype=np.float64)
    return pl.Series(port), pl.Series(shore)


def rounded(value: pl.Expr) -> pl.Expr:
    """A float column for ``details``: six decimals, NaN and infinity as null."""
    value = value.cast(pl.Float64)
    return pl.when(value.is_finite()).then(value.round(6))


def event_table(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    """schema.EVENTS rows of ``kind`` from a frame with the event columns (ids added)."""
    other = (
        frame["other_mmsi"]
        if "other_mmsi" in frame.columns
        else pl.repeat(None, frame.height, dtype=pl.Int64, eager=True)
    )
    ids = [
        event_id(kind, m, o, s)
        for m, o, s in zip(
            frame["mmsi"].to_list(), other.to_list(), frame["start"].to_list(), strict=True
        )
    ]
    hours = (pl.col("end") - pl.col("start")).dt.total_microseconds() / _US_PER_HOUR
    table = frame.with_columns(
        event_id=pl.Series(ids, dtype=pl.String),
        kind=pl.lit(kind),
        other_mmsi=other,
        duration_h=hours,
    )
    return table.select(schema.EVENTS.names).cast(schema.polars_schema(schema.EVENTS))
