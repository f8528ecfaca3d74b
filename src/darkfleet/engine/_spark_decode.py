"""Worker side of the Spark ingest: decode blocks of input, key them, write new rows.

Each decoded block becomes one *tagged* table (``DECODED``): positions, static rows,
rejects and a tally row of the block's ``read`` and ``ignored`` counts, told apart by
``_table``. Position and static rows carry their dedupe key (``_key``, the local
ingest's hash) and UTC day; ``_file``, ``_line`` (the block's first line) and ``_row``
(the row's place in the block) order them as the local ingest meets them, so "the first
occurrence is new, later ones are duplicates" means the same on both engines.

>>> DECODED.field("_table").type
DataType(int8)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa

from darkfleet import schema
from darkfleet.engine import _stage_tables as tables
from darkfleet.engine._spark_inputs import file_key
from darkfleet.ingest._batch import RECORDS, Batch
from darkfleet.ingest._csv import CsvLayout
from darkfleet.ingest._dedupe import key_hash
from darkfleet.ingest._lines import BLANK, LineBlock
from darkfleet.ingest._parquet import parquet_batch
from darkfleet.store import Transaction

__all__ = [
    "DECODED",
    "KEYS",
    "POSITION",
    "REJECT",
    "STATIC",
    "TALLY",
    "WRITTEN",
    "CsvSplit",
    "decode_csv",
    "decode_parquet",
    "key_task",
    "write_task",
]

POSITION, STATIC, REJECT, TALLY = 0, 1, 2, 3
_TABLES = {POSITION: "positions", STATIC: "static"}
_ORDER = [("_table", pa.int8()), ("_file", pa.int32()), ("_line", pa.int64()), ("_row", pa.int64())]
_STATIC_ONLY = [f for f in tables.STATIC if f.name not in tables.POSITIONS.names]
DECODED = pa.schema(
    [
        *_ORDER,
        *[f.with_nullable(True) for f in tables.POSITIONS],
        *_STATIC_ONLY,
        (RECORDS, pa.int32()),
        ("_key", pa.int64()),
        ("_day", pa.string()),
        ("raw", pa.string()),
        ("reason", pa.string()),
        ("read", pa.int64()),
        ("ignored", pa.int64()),
    ]
)
KEYS = pa.schema([("_day", pa.string()), ("_key", pa.int64())])
WRITTEN = pa.schema([("_file", pa.int32()), ("accepted", pa.int64()), ("duplicates", pa.int64())])
"""Per input file, the records a write task stored as new and found to be duplicates."""


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
    splits: dict[tuple[str, int], CsvSplit], batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """Tagged tables from text rows ``(value, _path, _block)`` of CSV splits, in order."""
    consumed: dict[tuple[str, int], int] = {}
    header_done: set[tuple[str, int]] = set()
    layouts: dict[str, CsvLayout] = {}
    for batch in batches:
        frame = tables.from_arrow(pa.Table.from_batches([batch]))
        for (path, block), run in frame.partition_by(
            "_path", "_block", maintain_order=True, as_dict=True
        ).items():
            key = (str(path), int(str(block)))
            split = splits[key]
            start = consumed.get(key, 0)
            consumed[key] = start + run.height
            lines = _numbered(run["value"], split.first_line + start)
            if split.holds_header and key not in header_done and lines.text.len():
                header_done.add(key)
                lines = LineBlock(lines.text.slice(1), lines.line_no.slice(1))
            if lines.text.len():
                layout = layouts.setdefault(key[0], CsvLayout.of_header(split.header))
                decoded = layout.batch(lines, split.source)
                yield from _tagged(decoded, split.file, int(lines.line_no[0])).to_batches()


def _numbered(text: pl.Series, first_line: int) -> LineBlock:
    """Non-blank lines (``\\r`` stripped) with their physical line numbers."""
    text = text.str.strip_suffix("\r").alias("text")
    numbers = pl.int_range(first_line, first_line + text.len(), eager=True).alias("line_no")
    keep = text.str.strip_chars(BLANK) != ""
    return LineBlock(text.filter(keep), numbers.filter(keep))


def decode_parquet(
    files: dict[str, tuple[int, str]], batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """Tagged tables from Parquet rows with ``_path`` and ``_row_index`` columns."""
    for batch in batches:
        frame = tables.from_arrow(pa.Table.from_batches([batch]))
        for (path,), run in frame.partition_by("_path", maintain_order=True, as_dict=True).items():
            file, source = files[file_key(str(path))]
            line_no = run["_row_index"] + 1
            decoded = parquet_batch(run.drop("_path", "_row_index"), source, line_no)
            yield from _tagged(decoded, file, int(line_no[0])).to_batches()


def _tagged(batch: Batch, file: int, line: int) -> pa.Table:
    """One decoded block as a ``DECODED`` table."""
    at_file = pl.lit(file, pl.Int32).alias("_file")
    at_line = pl.lit(line, pl.Int64).alias("_line")
    tally = pl.DataFrame(
        {"read": [batch.read], "ignored": [batch.ignored]},
        schema={"read": pl.Int64, "ignored": pl.Int64},
    )
    parts = [
        _keyed(batch.positions, "positions").with_columns(_tag(POSITION), at_file, at_line),
        _keyed(batch.static, "static").with_columns(_tag(STATIC), at_file, at_line),
        batch.rejects.rename({"line_no": "_line"}).with_columns(_tag(REJECT), at_file),
        tally.with_columns(_tag(TALLY), at_file, at_line),
    ]
    return _conform(pl.concat([_plain(p) for p in parts], how="diagonal_relaxed"), DECODED)


def _tag(table: int) -> pl.Expr:
    return pl.lit(table, pl.Int8).alias("_table")


def _keyed(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    return frame.with_columns(
        key_hash(table).reinterpret(signed=True),
        pl.col("ts").dt.date().cast(pl.String).alias("_day"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
    )


def _plain(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(pl.Categorical).cast(pl.String))


def _conform(frame: pl.DataFrame, target: pa.Schema) -> pa.Table:
    """``frame`` with every column of ``target`` (missing ones null), as that schema."""
    types = pl.DataFrame(target.empty_table()).schema
    missing = [pl.lit(None, dtype=t).alias(n) for n, t in types.items() if n not in frame.columns]
    return tables.to_arrow(frame.with_columns(missing), target)


# -- keys of stored rows, and writing new ones -----------------------------------------


def key_task(table: str, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``(_day, _key)`` of rows already in the store's ``table``."""
    canonical = tables.POSITIONS if table == "positions" else tables.STATIC
    for batch in batches:
        frame = tables.from_arrow(pa.Table.from_batches([batch]), canonical)
        keyed = frame.select(
            pl.col("ts").dt.date().cast(pl.String).alias("_day"),
            key_hash(table).reinterpret(signed=True),
        )
        yield from keyed.to_arrow().cast(KEYS).to_batches()


def write_task(
    txn_dir: Path, name: str, table: int, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """Stage the new rows (``_new``) of one partition, sorted by day, MMSI and time.

    Rows arrive sorted, so a part of at most ``_PART_ROWS`` rows holds one or two days;
    the task yields its per-file counts of new and duplicate records.
    """
    from pyspark import TaskContext

    context = TaskContext.get()
    prefix = f"{name}-{context.partitionId() if context else 0:05d}"
    writer = _PartWriter(txn_dir, _TABLES.get(table, "rejects"), prefix)
    counts: list[pl.DataFrame] = []
    for batch in batches:
        frame = tables.from_arrow(pa.Table.from_batches([batch]))
        writer.add(frame.filter(pl.col("_new")))
        counts.append(_counts(frame))
    writer.flush()
    if counts:
        total = pl.concat(counts).group_by("_file").sum()
        yield from total.to_arrow().cast(WRITTEN).to_batches()


def _counts(frame: pl.DataFrame) -> pl.DataFrame:
    records = pl.col(RECORDS) if RECORDS in frame.columns else pl.lit(1)
    return frame.group_by("_file").agg(
        records.filter(pl.col("_new")).sum().cast(pl.Int64).alias("accepted"),
        records.filter(~pl.col("_new")).sum().cast(pl.Int64).alias("duplicates"),
    )


_PART_ROWS = 2_000_000


class _PartWriter:
    """Buffers rows of one table and stages them in parts (day tables split by day)."""

    def __init__(self, txn_dir: Path, table: str, prefix: str) -> None:
        self.txn_dir, self.table, self.prefix = txn_dir, table, prefix
        self.columns = schema.TABLES[table].names
        self.buffer: list[pl.DataFrame] = []
        self.rows = 0
        self.parts = 0

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        self.buffer.append(frame)
        self.rows += frame.height
        if self.rows >= _PART_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        rows = pl.concat(self.buffer).select(self.columns)
        canonical = rows.cast(schema.polars_schema(schema.TABLES[self.table]))
        self.parts += 1
        Transaction.stage_at(self.txn_dir, self.table, canonical, f"{self.prefix}-{self.parts:04d}")
        self.buffer, self.rows = [], 0
