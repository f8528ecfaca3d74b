"""Arrow schemas of the tables that pass between engine stages, and conversions.

Spark has no dictionary or unsigned types, so ``source`` travels as a plain string and
every frame is cast back to darkfleet's canonical Polars types on arrival in a worker.
Columns starting with ``_`` are the engine's own keys: ``_group`` (a bucket of whole
vessel components), ``_window`` (an encounter time window), ``_pair`` (a bucket of
vessel pairs).

>>> SEGMENTED.names[-2:]
['seg_id', '_group']
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from darkfleet import schema

__all__ = [
    "EVENTS",
    "GROUP",
    "LINKS",
    "PAIR",
    "PAIRS",
    "PERIODS",
    "POSITIONS",
    "RECEPTION",
    "RESAMPLED",
    "SEGMENTED",
    "STATIC",
    "WINDOW",
    "from_arrow",
    "pack",
    "to_arrow",
    "unpack",
]

GROUP, WINDOW, PAIR = "_group", "_window", "_pair"
_IPC = pa.ipc.IpcWriteOptions(compression="lz4")
_TS = schema.UTC_TS


def _plain(source: pa.Schema) -> pa.Schema:
    """``source`` with dictionary strings as plain strings (Spark's view of a table)."""
    return pa.schema(
        [f.with_type(pa.string()) if pa.types.is_dictionary(f.type) else f for f in source]
    )


POSITIONS = _plain(schema.POSITIONS)
STATIC = _plain(schema.STATIC)
EVENTS = schema.EVENTS
SEGMENTED = pa.schema([*POSITIONS, pa.field("seg_id", pa.string()), pa.field(GROUP, pa.int64())])
LINKS = pa.schema([("mmsi", pa.int64()), ("imo", pa.int64())])
PERIODS = pa.schema(
    [
        ("mmsi", pa.int64()),
        ("start", _TS),
        ("end", _TS),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("hours", pa.float64()),
    ]
)
RECEPTION = pa.schema(
    [
        ("cell_lat", pa.float64()),
        ("cell_lon", pa.float64()),
        ("day", pa.date32()),
        ("n", pa.int64()),
    ]
)
_SAMPLE = [
    ("mmsi", pa.int64()),
    ("seg_id", pa.string()),
    ("ts", _TS),
    ("lat", pa.float64()),
    ("lon", pa.float64()),
    ("speed_kn", pa.float64()),
    ("point_density", pa.float64()),
]
RESAMPLED = pa.schema([*_SAMPLE, ("k", pa.int64()), (WINDOW, pa.int64())])
"""Grid samples of one segment; ``k`` numbers them along the segment (0, 1, ...)."""

PAIRS = pa.schema(
    [
        *[(f"a_{name}", kind) for name, kind in _SAMPLE if name != "ts"],
        ("a_k", pa.int64()),
        ("ts", _TS),
        *[(f"b_{name}", kind) for name, kind in _SAMPLE if name != "ts"],
    ]
)
"""Directed kept partners within the encounter distance: sample a of one vessel, b of another."""


def from_arrow(table: pa.Table, canonical: pa.Schema | None = None) -> pl.DataFrame:
    """A Polars frame; columns named in ``canonical`` cast to darkfleet's types."""
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    if canonical is None:
        return frame
    types = schema.polars_schema(canonical)
    return frame.with_columns(pl.col(n).cast(t) for n, t in types.items() if n in frame.columns)


def to_arrow(frame: pl.DataFrame, target: pa.Schema) -> pa.Table:
    """The columns of ``target`` as an Arrow table of exactly that schema."""
    plain = frame.select(target.names).with_columns(pl.col(pl.Categorical).cast(pl.String))
    return plain.to_arrow(compat_level=pl.CompatLevel.oldest()).cast(_plain(target))


def pack(table: pa.Table) -> bytes:
    """``table`` as an LZ4-compressed Arrow IPC stream: one value that crosses Spark whole.

    Spark's row format makes shuffling or caching many rows (wide ones especially)
    cost more JVM time than darkfleet's own work; packed tables travel as a few values.
    """
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_IPC) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def unpack(value: pa.Buffer | bytes) -> pa.Table:
    """The table that :func:`pack` packed."""
    return pa.ipc.open_stream(value).read_all()
