"""Read Parquet already in darkfleet's canonical positions or static schema.

Columns are matched by name and cast to the canonical types; each row is one record.
Row groups are read one batch at a time, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import polars as pl
import pyarrow.parquet as pq

from darkfleet import schema
from darkfleet.errors import InputFormatError
from darkfleet.ingest._batch import Batch
from darkfleet.ingest._convert import TextRecords, to_batch

__all__ = ["parquet_batch", "read_parquet"]

_ROWS = 1_000_000


def read_parquet(stream: BinaryIO, source: str) -> Iterator[Batch]:
    """Batches from a canonical Parquet file (positions, or static when it has no lat/lon)."""
    try:
        parquet = pq.ParquetFile(stream)
    except Exception as exc:  # pyarrow raises several unrelated types for damaged files
        raise InputFormatError(f"{source}: damaged Parquet file ({exc})") from None
    names = set(parquet.schema_arrow.names)
    if not {"mmsi", "ts"} <= names:
        raise InputFormatError(f"{source}: Parquet without the canonical 'mmsi' and 'ts' columns")
    line_no = 1
    for record_batch in parquet.iter_batches(batch_size=_ROWS):
        frame = pl.from_arrow(record_batch)
        assert isinstance(frame, pl.DataFrame)
        numbers = pl.int_range(line_no, line_no + frame.height, dtype=pl.Int64, eager=True)
        yield parquet_batch(frame, source, numbers)
        line_no += frame.height


def parquet_batch(frame: pl.DataFrame, source: str, line_no: pl.Series) -> Batch:
    """Rows of a canonical Parquet file as a batch; ``line_no`` holds their 1-based row numbers."""
    has_position = "lat" in frame.columns and "lon" in frame.columns
    text = frame.select(
        pl.col(c).cast(pl.String)
        if frame.schema[c] != pl.Datetime
        else pl.col(c).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S%.6f")
        if getattr(frame.schema[c], "time_zone", None)
        else pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S%.6f")
        for c in frame.columns
        if c in _FIELDS
    )
    raw = pl.concat_str([pl.col(c).fill_null("") for c in text.columns], separator=",")
    text = text.with_columns(
        raw.alias("raw"),
        pl.lit(line_no.cast(pl.Int64)).alias("line_no"),
        pl.lit(True).alias("is_vessel"),
        pl.lit(has_position).alias("has_position"),
    )
    if "msg_type" not in text.columns:
        text = text.with_columns(pl.lit("1").alias("msg_type"))
    return to_batch(TextRecords(text, source))


_FIELDS = set(schema.POSITIONS.names) | set(schema.STATIC.names)
