"""Worker side of the Spark ingest, first half: decode splits of input into tagged rows.

Each decoded block becomes one *tagged* table (``DECODED``): positions, static rows,
rejects and a tally row of the block's ``read`` and ``ignored`` counts, told apart by
``_table``. ``_file``, ``_line`` (the block's first line, or a reject's own line) and
``_row`` (a row's place in its block) order rows as the local ingest meets them, so
"the first occurrence is new, later ones are duplicates" means the same on both engines.

>>> DECODED.field("_table").type
DataType(int8)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from darkfleet.engine import _stage_tables as tables
from darkfleet.engine._spark_inputs import file_key
from darkfleet.ingest._batch import RECORDS, Batch
from darkfleet.ingest._csv import CsvLayout
from darkfleet.ingest._lines import BLANK, LineBlock
from darkfleet.ingest._parquet import parquet_batch

__all__ = [
    "DECODED",
    "PACKED",
    "POSITION",
    "REJECT",
    "STATIC",
    "TALLY",
    "CsvSplit",
    "conform",
    "decode_csv",
    "decode_parquet",
    "unpacked",
]

POSITION, STATIC, REJECT, TALLY = 0, 1, 2, 3
_ORDER = [("_table", pa.int8()), ("_file", pa.int32()), ("_line", pa.int64()), ("_row", pa.int64())]
_STATIC_ONLY = [f for f in tables.STATIC if f.name not in tables.POSITIONS.names]
_SEED = 0xB0C7
PACKED = pa.schema([("_bucket", pa.int32()), ("payload", pa.binary())])
"""Tagged rows of one decoded block bound for one staging bucket, as LZ4 Arrow IPC.

Spark's row format makes a wide, sparse table slow to shuffle; blobs cross the shuffle
as a few large values and are opened again only by darkfleet's code.
"""
DECODED = pa.schema(
    [
        *_ORDER,
        *[f.with_nullable(True) for f in tables.POSITIONS],
        *_STATIC_ONLY,
        (RECORDS, pa.int32()),
        ("raw", pa.string()),
        ("reason", pa.string()),
        ("read", pa.int64()),
        ("ignored", pa.int64()),
    ]
)


@dataclass(frozen=True)
class CsvSplit:
    """What a worker needs to decode one split of a CSV file (a block Spark read)."""

    file: int
    source: str
    header: str
    first_line: int
    holds_header: bool


# -- decoding --------------------------------------------------------------------------


def decode_csv(
    splits: dict[tuple[str, int], CsvSplit], buckets: int, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """Packed tagged rows from text rows ``(value, _path, _block)`` of CSV splits."""
    consumed: dict[tuple[str, int], int] = {}
    header_done: set[tuple[str, int]] = set()
    layouts: dict[str, CsvLayout] = {}
    for batch in batches:
        frame = tables.from_arrow(_text(pa.Table.from_batches([batch])))
        for (path, block), run in frame.partition_by(
            "_path", "_block", maintain_order=True, as_dict=True
        ).items():
            key = (str(path), int(str(block)))
            split = splits.get(key)
            if split is None:  # a file the driver found unreadable (reported as such)
                continue
            start = consumed.get(key, 0)
            consumed[key] = start + run.height
            lines = _numbered(run["value"], split.first_line + start)
            if split.holds_header and key not in header_done and lines.text.len():
                header_done.add(key)
                lines = LineBlock(lines.text.slice(1), lines.line_no.slice(1))
            if lines.text.len():
                if key[0] not in layouts:
                    layouts[key[0]] = CsvLayout.of_header(split.header)
                layout = layouts[key[0]]
                decoded = layout.batch(lines, split.source)
                yield _packed(_tagged(decoded, split.file, int(lines.line_no[0])), buckets)


def _text(table: pa.Table) -> pa.Table:
    """Lines arrive as bytes: invalid UTF-8 is replaced, as the local reader does."""
    raw = table.column("value")
    try:
        text = raw.cast(pa.large_string())
    except pa.ArrowInvalid:
        lines = [
            None if b is None else b.decode("utf-8", errors="replace") for b in raw.to_pylist()
        ]
        text = pa.chunked_array([pa.array(lines, pa.large_string())])
    return table.set_column(table.schema.get_field_index("value"), "value", text)


def _numbered(text: pl.Series, first_line: int) -> LineBlock:
    """Non-blank lines (``\\r`` stripped) with their physical line numbers."""
    text = text.str.strip_suffix("\r").alias("text")
    numbers = pl.int_range(first_line, first_line + text.len(), eager=True).alias("line_no")
    keep = text.str.strip_chars(BLANK) != ""
    return LineBlock(text.filter(keep), numbers.filter(keep))


def decode_parquet(
    files: dict[str, tuple[int, str]], buckets: int, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """Packed tagged rows from Parquet rows with ``_path`` and ``_row_index`` columns."""
    for batch in batches:
        frame = tables.from_arrow(pa.Table.from_batches([batch]))
        for (path,), run in frame.partition_by("_path", maintain_order=True, as_dict=True).items():
            file, source = files[file_key(str(path))]
            line_no = run["_row_index"] + 1
            decoded = parquet_batch(run.drop("_path", "_row_index"), source, line_no)
            yield _packed(_tagged(decoded, file, int(line_no[0])), buckets)


def _tagged(batch: Batch, file: int, line: int) -> pl.DataFrame:
    """One decoded block as a ``DECODED`` table."""
    at_file = pl.lit(file, pl.Int32).alias("_file")
    at_line = pl.lit(line, pl.Int64).alias("_line")
    tally = pl.DataFrame(
        {"read": [batch.read], "ignored": [batch.ignored]},
        schema={"read": pl.Int64, "ignored": pl.Int64},
    )
    parts = [
        _numbered_rows(batch.positions).with_columns(_tag(POSITION), at_file, at_line),
        _numbered_rows(batch.static).with_columns(_tag(STATIC), at_file, at_line),
        batch.rejects.rename({"line_no": "_line"}).with_columns(_tag(REJECT), at_file),
        tally.with_columns(_tag(TALLY), at_file, at_line),
    ]
    return conform(pl.concat([_plain(p) for p in parts], how="diagonal_relaxed"), DECODED)


def _tag(table: int) -> pl.Expr:
    return pl.lit(table, pl.Int8).alias("_table")


def _numbered_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"))


def _plain(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(pl.Categorical).cast(pl.String))


def conform(frame: pl.DataFrame, target: pa.Schema) -> pl.DataFrame:
    """``frame`` with exactly the columns of ``target`` (missing ones null), in its types."""
    types = pl.DataFrame(target.empty_table()).schema
    missing = [pl.lit(None, dtype=t).alias(n) for n, t in types.items() if n not in frame.columns]
    return frame.with_columns(missing).select(types.names()).cast(types)


# -- packing rows for the shuffle ------------------------------------------------------


def _packed(tagged: pl.DataFrame, buckets: int) -> pa.RecordBatch:
    """Rows split by staging bucket (an MMSI's rows share one), each part as one blob."""
    spread = pl.coalesce(pl.col("mmsi"), pl.col("_line"))  # rejects and tallies: no MMSI
    bucket = (spread.hash(seed=_SEED) % buckets).cast(pl.Int32).alias("_bucket")
    parts = tagged.with_columns(bucket).partition_by("_bucket", as_dict=True, include_key=False)
    keys, blobs = [], []
    for (key,), part in parts.items():
        keys.append(key)
        blobs.append(tables.pack(part.to_arrow()))
    arrays = [pa.array(keys, pa.int32()), pa.array(blobs, pa.binary())]
    return pa.RecordBatch.from_arrays(arrays, schema=PACKED)


def unpacked(blobs: pa.ChunkedArray) -> pl.DataFrame:
    """The tagged rows of a bucket's blobs, concatenated."""
    frames = [tables.from_arrow(tables.unpack(blob.as_buffer())) for blob in blobs]
    return pl.concat(frames) if frames else conform(pl.DataFrame(), DECODED)
