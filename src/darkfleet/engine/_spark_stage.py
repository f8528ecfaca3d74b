"""Worker side of the Spark ingest, second half: deduplicate tagged rows and stage them.

A task gets one bucket's packed rows (an MMSI's rows all land in one bucket) and sorts
them by table, MMSI, time and input order (``_file``, ``_line``, ``_row``), so every
copy of a key meets the local ingest's ``KeyIndex`` in input order: the first copy is
new unless the store already holds the key, later copies are duplicates. New rows are
written by the store's own writer into the driver's transaction folder (parts of at
most ``_PART_ROWS`` rows,
split by UTC day); rejects are written as they are. Each task yields its counts per
input file, so the driver learns every file's totals from this one pass.

>>> WRITTEN.names[:2]
['_file', 'reason']
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa

from darkfleet import schema
from darkfleet.engine import _stage_tables as tables
from darkfleet.engine._spark_decode import POSITION, REJECT, STATIC, TALLY, conform, unpacked
from darkfleet.ingest._batch import RECORDS
from darkfleet.ingest._dedupe import KeyIndex
from darkfleet.store import Store, Transaction

__all__ = ["WRITTEN", "stage_group"]

WRITTEN = pa.schema(
    [
        ("_file", pa.int32()),
        ("reason", pa.string()),
        ("accepted", pa.int64()),
        ("duplicates", pa.int64()),
        ("read", pa.int64()),
        ("ignored", pa.int64()),
        ("rejected", pa.int64()),
    ]
)
"""Counts per input file (and reject reason) from one task."""

_TABLES = {POSITION: "positions", STATIC: "static", REJECT: "rejects"}
_ORDER = ("_table", "mmsi", "ts", "_file", "_line", "_row")
_PART_ROWS = 2_000_000


def stage_group(store_root: Path, txn_dir: Path, name: str, packed: pa.Table) -> pa.Table:
    """Deduplicate and stage one bucket's packed rows; its ``WRITTEN`` counts."""
    rows = unpacked(packed["payload"]).sort(*_ORDER)
    bucket = packed["_bucket"][0].as_py() if packed.num_rows else 0
    stager = _Stager(Store(store_root), txn_dir, f"{name}-{bucket:05d}")
    for (code,), part in rows.partition_by("_table", as_dict=True, maintain_order=True).items():
        stager.add(int(str(code)), part)
    return stager.finish()


class _Stager:
    """One task's dedupe indexes, part writers and counts."""

    def __init__(self, store: Store, txn_dir: Path, prefix: str) -> None:
        self.indexes = {code: KeyIndex(store, _TABLES[code]) for code in (POSITION, STATIC)}
        self.writers = {code: _PartWriter(txn_dir, t, prefix) for code, t in _TABLES.items()}
        self.counts: list[pl.DataFrame] = []

    def add(self, code: int, rows: pl.DataFrame) -> None:
        if code == TALLY:
            self.counts.append(rows.select("_file", "read", "ignored"))
        elif code == REJECT:
            self.writers[code].add(rows.rename({"_line": "line_no"}))
            self.counts.append(rows.group_by("_file", "reason").agg(pl.len().alias("rejected")))
        else:
            self._deduplicated(code, rows)

    def _deduplicated(self, code: int, rows: pl.DataFrame) -> None:
        canonical = schema.polars_schema(schema.TABLES[_TABLES[code]])
        typed = rows.select(*canonical.names(), RECORDS, "_file").cast(canonical)
        new, duplicate = self.indexes[code].split(typed)
        self.writers[code].add(new)
        self.counts += [_records(new, "accepted"), _records(duplicate, "duplicates")]

    def finish(self) -> pa.Table:
        for writer in self.writers.values():
            writer.flush()
        counts = pl.concat(self.counts, how="diagonal_relaxed") if self.counts else pl.DataFrame()
        return tables.to_arrow(conform(counts, WRITTEN), WRITTEN)


def _records(rows: pl.DataFrame, column: str) -> pl.DataFrame:
    return rows.group_by("_file").agg(pl.col(RECORDS).sum().cast(pl.Int64).alias(column))


class _PartWriter:
    """Buffers rows of one table and stages them in parts (day tables split by day)."""

    def __init__(self, txn_dir: Path, table: str, prefix: str) -> None:
        self.txn_dir, self.table, self.prefix = txn_dir, table, f"{prefix}-{table}"
        self.schema = schema.polars_schema(schema.TABLES[table])
        self.buffer: list[pl.DataFrame] = []
        self.rows = 0
        self.parts = 0

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        self.buffer.append(frame.select(self.schema.names()).cast(self.schema))
        self.rows += frame.height
        if self.rows >= _PART_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        self.parts += 1
        name = f"{self.prefix}-{self.parts:04d}"
        Transaction.stage_at(self.txn_dir, self.table, pl.concat(self.buffer), name)
        self.buffer, self.rows = [], 0
