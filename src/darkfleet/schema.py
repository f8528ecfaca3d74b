"""The canonical tables, declared once.

Every table darkfleet reads or writes has exactly one Arrow schema here, with units in
the column names. Detectors, readers, the store and the exports all take their column
names and types from this module, and a test checks that what each of them emits
matches, both ways.

>>> POSITIONS.names[:4]
['mmsi', 'ts', 'lat', 'lon']
"""

from __future__ import annotations

import functools

import polars as pl
import pyarrow as pa

__all__ = [
    "DISCLAIMER",
    "EVENTS",
    "EVENT_KINDS",
    "MATCHES",
    "POSITIONS",
    "REJECTS",
    "REJECT_REASONS",
    "STATIC",
    "TABLES",
    "empty",
    "polars_schema",
]

UTC_TS = pa.timestamp("us", tz="UTC")

POSITIONS = pa.schema(
    [
        pa.field("mmsi", pa.int64(), nullable=False),
        pa.field("ts", UTC_TS, nullable=False),
        pa.field("lat", pa.float64()),
        pa.field("lon", pa.float64()),
        pa.field("sog_kn", pa.float32()),
        pa.field("cog_deg", pa.float32()),
        pa.field("heading_deg", pa.int16()),
        pa.field("nav_status", pa.int8()),
        pa.field("source", pa.dictionary(pa.int32(), pa.string())),
        pa.field("msg_type", pa.int8()),
    ]
)
"""One row per position report. Null lat/lon/sog/cog/heading mean "not available"."""

STATIC = pa.schema(
    [
        pa.field("mmsi", pa.int64(), nullable=False),
        pa.field("ts", UTC_TS, nullable=False),
        pa.field("imo", pa.int64()),
        pa.field("name", pa.string()),
        pa.field("callsign", pa.string()),
        pa.field("ship_type", pa.int16()),
        pa.field("length_m", pa.float32()),
        pa.field("beam_m", pa.float32()),
        pa.field("draught_m", pa.float32()),
        pa.field("destination", pa.string()),
        pa.field("source", pa.dictionary(pa.int32(), pa.string())),
    ]
)
"""One row per static/voyage report (AIS 5, 19, 24 A/B, or a CSV row's identity columns)."""

EVENTS = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("mmsi", pa.int64(), nullable=False),
        pa.field("other_mmsi", pa.int64()),
        pa.field("start", UTC_TS, nullable=False),
        pa.field("end", UTC_TS, nullable=False),
        pa.field("duration_h", pa.float64(), nullable=False),
        pa.field("lat", pa.float64()),
        pa.field("lon", pa.float64()),
        pa.field("confidence", pa.float64(), nullable=False),
        pa.field("details", pa.string(), nullable=False),
    ]
)
"""One table for every event kind; ``details`` is a JSON object of the explaining numbers."""

REJECTS = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("line_no", pa.int64(), nullable=False),
        pa.field("raw", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
    ]
)
"""Every input record that was not accepted, ignored or recognised as a duplicate."""

MATCHES = pa.schema(
    [
        pa.field("mmsi", pa.int64(), nullable=False),
        pa.field("list_name", pa.string(), nullable=False),
        pa.field("list_date", pa.string()),
        pa.field("entry_id", pa.string(), nullable=False),
        pa.field("entry_name", pa.string(), nullable=False),
        pa.field("match_type", pa.string(), nullable=False),
        pa.field("score", pa.float64(), nullable=False),
        pa.field("explanation", pa.string(), nullable=False),
        pa.field("programs", pa.string()),
    ]
)
"""Sanctions-list matches of vessels seen in AIS."""

DISCLAIMER = (
    "Not a legal finding: indicators and estimates derived from AIS data and sanctions "
    "lists, for an analyst to verify; they do not establish that any vessel, person or "
    "state violated sanctions."
)
"""Carried by every screening, risk, cap and report output."""

TABLES: dict[str, pa.Schema] = {
    "positions": POSITIONS,
    "static": STATIC,
    "events": EVENTS,
    "rejects": REJECTS,
    "matches": MATCHES,
}

EVENT_KINDS = (
    "encounter",
    "loitering",
    "gap",
    "shared_mmsi",
    "identity_change",
    "draught_change",
    "port_visit",
    "zone_entry",
    "dark_rendezvous",
)

REJECT_REASONS = {
    "bad_checksum": "NMEA checksum missing or wrong",
    "orphan_fragment": "a fragment of a multi-part message whose other parts never arrived",
    "no_timestamp": "no timestamp in the line, its tag block or a preceding time header",
    "bad_value": "an impossible value in a key field (MMSI, time, latitude, longitude)",
    "bad_length": "the AIS payload is too short for its message type",
    "unparseable": "not readable as a record of the file's format",
}


_POLARS_TYPES: dict[pa.DataType, pl.DataType] = {
    pa.int64(): pl.Int64(),
    pa.int16(): pl.Int16(),
    pa.int8(): pl.Int8(),
    pa.float64(): pl.Float64(),
    pa.float32(): pl.Float32(),
    pa.string(): pl.String(),
    UTC_TS: pl.Datetime("us", "UTC"),
    pa.dictionary(pa.int32(), pa.string()): pl.Categorical(),
}


@functools.cache
def polars_schema(schema: pa.Schema) -> pl.Schema:
    """The Polars form of an Arrow table schema (dictionary strings become Categorical)."""
    return pl.Schema({field.name: _POLARS_TYPES[field.type] for field in schema})


def empty(schema: pa.Schema) -> pl.DataFrame:
    """A zero-row Polars frame with exactly the columns and types of ``schema``."""
    return pl.DataFrame(schema=polars_schema(schema))
