"""Ingest on Spark: large CSV and Parquet inputs, decoded by darkfleet's own readers.

Spark lists and splits the input (plain paths, folders, or any URI it reads); every
split is decoded in a Python worker by the code the local ingest runs, so the store
ends up with the same positions, static reports and rejects (file and line number
included), and every file's report proves ``read = accepted + duplicates + ignored +
rejected``. Steps:

1. **List** the files; those the ledger already holds are reported as duplicates.
2. **Count lines** of each CSV split in the JVM and find each file's header: a line's
   number is the count of lines in earlier splits plus its place in its own split.
3. **Decode** each split (``mapInArrow``) into tagged rows: positions, static reports,
   rejects, and a tally of read and ignored records, packed per staging bucket of
   MMSIs as Arrow blobs (``_spark_decode``).
4. **Deduplicate and stage** each bucket (``applyInArrow``): its rows sorted by MMSI,
   time and input order, a key's first copy is new unless the store holds it (the
   local ingest's rule and key); new rows are written by darkfleet's Parquet writer
   into one transaction (``_spark_stage``).
5. **Commit** the transaction, with a ledger entry per file.

The store's folder must be visible to every executor (always true in local mode; on a
cluster, a shared file system). A file's records are all committed or none are.

>>> _STAGES[-1]
'commit'
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from darkfleet import schema
from darkfleet.engine._spark_decode import (
    PACKED,
    CsvSplit,
    decode_csv,
    decode_parquet,
)
from darkfleet.engine._spark_inputs import SparkInput, file_key, first_line, list_inputs
from darkfleet.engine._spark_session import bound, engine_errors, spark_schema, spark_session
from darkfleet.engine._spark_stage import WRITTEN, stage_group
from darkfleet.engine.spark import SparkOptions
from darkfleet.errors import EngineError, InputFormatError
from darkfleet.ingest._pipeline import FileReport, IngestReport
from darkfleet.ingest._sniff import sniff
from darkfleet.store import Store

__all__ = ["ingest_spark"]

_STAGES = ("list", "count lines", "decode and stage", "commit")
_COUNTS = ("read", "accepted", "duplicates", "ignored", "rejected")
_HEAD_LINES = 1_000
_PARQUET_FIELDS = frozenset(schema.POSITIONS.names) | frozenset(schema.STATIC.names)


def ingest_spark(
    store: Store,
    paths: Sequence[str],
    fmt: str = "auto",
    progress: Any = None,
    *,
    options: SparkOptions | None = None,
    session: Any = None,
) -> IngestReport:
    """``ingest`` on Spark for CSV and Parquet inputs (paths, folders or URIs)."""
    own = session is None
    options = options or SparkOptions()
    spark = spark_session(options.master, options.shuffle_partitions) if own else session
    try:
        return _Job(store, spark, progress).run(paths, fmt)
    finally:
        if own:
            spark.stop()


class _Job:
    """One Spark ingest: the steps of the module docstring, in order."""

    def __init__(self, store: Store, spark: Any, progress: Any) -> None:
        self.store, self.spark, self.progress = store, spark, progress
        self.job = uuid.uuid4().hex[:16]
        self.reports: dict[int, FileReport] = {}
        self.names: dict[int, str] = {}
        self.rows = 0
        self.done = 0

    def _stage(self, name: str) -> None:
        if self.progress:
            self.progress(name, self.done, len(_STAGES))
        self.done += 1

    def run(self, paths: Sequence[str], fmt: str) -> IngestReport:
        self._stage("list")
        inputs = list_inputs(self.spark, paths, fmt)
        self.names = {f.index: f.name for f in inputs}
        fresh, repeats = self._fresh(inputs)
        if fresh:
            self._ingest_and_commit(fresh)
        self._repeat(repeats)
        self.store.refresh_catalog()
        return IngestReport([self.reports[i] for i in sorted(self.reports)])

    def _ingest_and_commit(self, fresh: list[SparkInput]) -> None:
        """Stage every fresh file in one transaction; commit those that read cleanly."""
        txn = self.store.transaction(f"spark-{self.job}")
        try:
            with engine_errors("ingesting"):
                self._ingest(fresh, txn.dir)
            self._stage("commit")
            ledgers = {f.sha256: self._ledger(f) for f in fresh if self._committed(f)}
        except BaseException:
            txn.abort()
            raise
        if ledgers:
            txn.commit_files(ledgers)
        else:
            txn.abort()

    # -- which files to read ----------------------------------------------------------

    def _fresh(self, inputs: list[SparkInput]) -> tuple[list[SparkInput], dict[int, int]]:
        fresh: list[SparkInput] = []
        first_of: dict[str, int] = {}
        repeats: dict[int, int] = {}
        for f in inputs:
            known = self.store.ledger_entry(f.sha256) if not f.error else None
            if f.error:
                self.reports[f.index] = FileReport(f.name, "unknown", error=f.error)
            elif known is not None:
                self.reports[f.index] = _already(f.name, known["format"], known["read"])
            elif f.sha256 in first_of:
                repeats[f.index] = first_of[f.sha256]
            else:
                first_of[f.sha256] = f.index
                fresh.append(f)
                self.reports[f.index] = FileReport(f.name, f.format)
        return fresh, repeats

    def _repeat(self, repeats: dict[int, int]) -> None:
        """The same content given twice: the second copy reads as already ingested."""
        for index, first in repeats.items():
            original = self.reports[first]
            self.reports[index] = _already(self.names[index], original.format, original.read)

    # -- the Spark work ---------------------------------------------------------------

    def _ingest(self, fresh: list[SparkInput], txn_dir: Any) -> None:
        self._stage("count lines")
        csv = self._csv([f for f in fresh if not f.is_parquet])
        parquet = self._parquet([f for f in fresh if f.is_parquet])
        self._stage("decode and stage")
        buckets = self._buckets
        packed = [
            frame.mapInArrow(bound(task, plan, buckets), spark_schema(PACKED))
            for task, frame, plan in (*csv, *parquet)
        ]
        if not packed:
            return
        rows = packed[0]
        for more in packed[1:]:
            rows = rows.union(more)
        task = bound(stage_group, self.store.root, txn_dir, f"{self.job}")
        staged = rows.groupBy("_bucket").applyInArrow(task, spark_schema(WRITTEN))
        self._count(staged.groupBy("_file", "reason").sum().collect())

    def _count(self, rows: list[Any]) -> None:
        """Each file's totals from the staging tasks' counts."""
        for row in rows:
            report = self.reports[row["_file"]]
            counts = {k: int(row[f"sum({k})"] or 0) for k in _COUNTS}
            report.read += counts["read"]
            report.ignored += counts["ignored"]
            report.accepted += counts["accepted"]
            report.duplicates += counts["duplicates"]
            if row["reason"] is not None:
                report.rejected += counts["rejected"]
                report.rejected_by_reason[row["reason"]] = counts["rejected"]

    def _csv(self, files: list[SparkInput]) -> list[tuple[Any, Any, Any]]:
        """(decode task, text rows, plan) for the CSV files, if any."""
        from pyspark.sql import functions as sf

        if not files:
            return []
        text = self.spark.read.option("lineSep", "\n").text([f.uri for f in files])
        lines = text.select(
            sf.col("value").cast("binary").alias("value"),  # decoded by the worker
            sf.col("_metadata.file_path").alias("_path"),
            sf.col("_metadata.file_block_start").alias("_block"),
        )
        splits = self._csv_splits(lines, {file_key(f.uri): f for f in files})
        return [(decode_csv, lines, splits)]

    def _csv_splits(self, lines: Any, by_key: dict[str, SparkInput]) -> dict[Any, CsvSplit]:
        """Per (file, split): its first line's number and the file's header."""
        blocks = lines.groupBy("_path", "_block").count().collect()
        per_file: dict[str, list[Any]] = defaultdict(list)
        for row in blocks:
            per_file[row["_path"]].append(row)
        splits: dict[Any, CsvSplit] = {}
        for path, rows in per_file.items():
            splits.update(self._file_splits(path, by_key[file_key(path)], rows))
        seen = {file_key(path) for path in per_file}
        for key, f in by_key.items():
            if key not in seen:  # no lines at all
                self.reports[f.index].error = f"{f.name}: empty file (no records)"
        return splits

    def _file_splits(
        self, path: str, f: SparkInput, rows: list[Any]
    ) -> dict[tuple[str, int], CsvSplit]:
        found = f.header or first_line(self._head(f.uri))
        if found is None:
            self.reports[f.index].error = f"{f.name}: empty file (no records)"
            return {}
        header, header_line = found
        try:
            self.reports[f.index].format = sniff(header.encode() + b"\n", f.name)
        except InputFormatError as exc:
            self.reports[f.index].error = str(exc)
            return {}
        splits, first = {}, 1
        for row in sorted(rows, key=lambda r: int(r["_block"])):
            count = int(row["count"])
            holds = first <= header_line < first + count
            splits[(path, int(row["_block"]))] = CsvSplit(f.index, f.name, header, first, holds)
            first += count
        self.rows += first - 1
        return splits

    def _head(self, uri: str) -> list[str]:
        """The first lines of a file only Spark can read (a URI)."""
        text = self.spark.read.option("lineSep", "\n").text(uri).limit(_HEAD_LINES)
        return [row["value"] for row in text.collect()]

    def _parquet(self, files: list[SparkInput]) -> list[tuple[Any, Any, Any]]:
        """(decode task, rows, plan) per group of Parquet files with the same columns."""
        from pyspark.sql import functions as sf

        groups: dict[tuple[str, ...], list[SparkInput]] = defaultdict(list)
        for f in files:
            columns = tuple(self.spark.read.parquet(f.uri).columns)
            if not {"mmsi", "ts"} <= set(columns):
                error = f"{f.name}: Parquet without the canonical 'mmsi' and 'ts' columns"
                self.reports[f.index].error = error
                continue
            groups[tuple(c for c in columns if c in _PARQUET_FIELDS)].append(f)
        plans = []
        for columns, group in groups.items():
            table = self.spark.read.parquet(*[f.uri for f in group])
            self.rows += table.count()
            rows = table.select(
                *columns,
                sf.col("_metadata.file_path").alias("_path"),
                sf.col("_metadata.row_index").alias("_row_index"),
            )
            names = {file_key(f.uri): (f.index, f.name) for f in group}
            plans.append((decode_parquet, rows, names))
        return plans

    @property
    def _buckets(self) -> int:
        """Staging buckets: about a million input rows each, at least two per core."""
        cores = int(self.spark.sparkContext.defaultParallelism)
        return max(2 * cores, -(-self.rows // 1_000_000))

    # -- reports ----------------------------------------------------------------------

    def _committed(self, f: SparkInput) -> bool:
        report = self.reports[f.index]
        if report.error is None and report.read == 0:
            report.error = f"{f.name}: empty file (no records)"
        if report.error is None:
            _check_conservation(report)
        return report.error is None

    def _ledger(self, f: SparkInput) -> dict[str, Any]:
        return {"path": f.name, "sha256": f.sha256, **self.reports[f.index].as_dict()}


def _already(name: str, fmt: str, read: int) -> FileReport:
    return FileReport(name, fmt, read=read, duplicates=read, already_ingested=True)


def _check_conservation(report: FileReport) -> None:
    counted = report.accepted + report.duplicates + report.ignored + report.rejected
    if counted != report.read:
        raise EngineError(f"{report.path}: records not conserved ({report.as_dict()})")
