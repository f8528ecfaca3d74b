"""Ingest files into a store: read, deduplicate, stage and commit one file at a time.

For every file the report proves conservation:
``read = accepted + duplicates + ignored + rejected``.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from darkfleet.errors import DarkfleetError, InputFormatError
from darkfleet.ingest._batch import RECORDS, Batch
from darkfleet.ingest._dedupe import KeyIndex
from darkfleet.ingest._open import InputUnit, input_units
from darkfleet.ingest._read import detect_format, read_stream
from darkfleet.store import Store

__all__ = ["FileReport", "IngestReport", "Progress", "ingest", "read_ais"]

COUNTS = ("read", "accepted", "duplicates", "ignored", "rejected")
Progress = Callable[[str, int, int], None]
"""Called as ``progress(name, bytes_done, bytes_total)`` after every batch."""


@dataclass
class FileReport:
    """What happened to every record of one file."""

    path: str
    format: str
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    ignored: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    already_ingested: bool = False
    error: str | None = None

    def add(self, batch: Batch, new_records: int, dup_records: int) -> None:
        self.read += batch.read
        self.accepted += new_records
        self.duplicates += dup_records
        self.ignored += batch.ignored
        self.rejected += batch.rejects.height
        for reason, n in Counter(batch.rejects["reason"].to_list()).items():
            self.rejected_by_reason[reason] = self.rejected_by_reason.get(reason, 0) + n

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if out["error"] is None:
            del out["error"]
        return out


@dataclass
class IngestReport:
    """Per-file reports plus totals (``ingest --json``)."""

    files: list[FileReport]

    def totals(self) -> dict[str, int]:
        return {c: sum(getattr(f, c) for f in self.files) for c in COUNTS}

    def errors(self) -> list[str]:
        return [
            f"{f.path}: {f.error}" if not f.error.startswith(f.path) else f.error
            for f in self.files
            if f.error
        ]

    def as_dict(self) -> dict[str, Any]:
        reasons: Counter[str] = Counter()
        for f in self.files:
            reasons.update(f.rejected_by_reason)
        return {
            **self.totals(),
            "rejected_by_reason": dict(reasons),
            "files": [f.as_dict() for f in self.files],
        }


def ingest(
    store: Store,
    paths: Iterable[Path],
    fmt: str = "auto",
    assume_time: datetime | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest every file (and archive member) of ``paths`` into a writable ``store``."""
    indexes = {t: KeyIndex(store, t) for t in ("positions", "static")}
    reports: list[FileReport] = []
    for path in paths:
        try:
            units = list(input_units(Path(path)))
        except InputFormatError as exc:
            reports.append(FileReport(str(path), "unknown", error=str(exc)))
            continue
        for unit in units:
            reports.append(_ingest_unit(store, unit, indexes, fmt, assume_time, progress))
    store.refresh_catalog()
    return IngestReport(reports)


def _ingest_unit(
    store: Store,
    unit: InputUnit,
    indexes: dict[str, KeyIndex],
    fmt: str,
    assume_time: datetime | None,
    progress: Progress | None,
) -> FileReport:
    known = store.ledger_entry(unit.sha256)
    if known is not None:
        return FileReport(
            unit.name,
            known["format"],
            read=known["read"],
            duplicates=known["read"],
            already_ingested=True,
        )
    with unit.open() as stream:
        try:
            found = detect_format(stream, unit.name, fmt)
        except InputFormatError as exc:
            return FileReport(unit.name, "unknown", error=str(exc))
        report = FileReport(unit.name, found)
        txn = store.transaction(unit.sha256)
        try:
            _read_and_stage(
                read_stream(stream, unit.name, found, assume_time),
                txn,
                indexes,
                report,
                lambda: progress and progress(unit.name, unit.progress(stream), unit.size),
            )
        except (DarkfleetError, KeyboardInterrupt):
            txn.abort()
            for index in indexes.values():
                index.discard()
            raise
    if report.read == 0:
        txn.abort()
        report.error = f"{unit.name}: empty file (no records)"
        return report
    txn.commit({"path": unit.name, "sha256": unit.sha256, **report.as_dict()})
    for index in indexes.values():
        index.commit()
    return report


def _read_and_stage(
    batches: Iterator[Batch],
    txn: Any,
    indexes: dict[str, KeyIndex],
    report: FileReport,
    tick: Callable[[], object],
) -> None:
    """Decode the next batch while the previous one is deduplicated and written.

    One worker thread stages batches strictly in order (deduplication depends on it);
    at most ``_IN_FLIGHT`` batches wait for it, so memory stays bounded. Decoding and
    Parquet writing spend most of their time outside the GIL, so on two cores they
    overlap.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="darkfleet-stage") as pool:
        pending: deque[Future[None]] = deque()
        try:
            for batch in batches:
                pending.append(pool.submit(_stage, batch, txn, indexes, report))
                while len(pending) > _IN_FLIGHT:
                    pending.popleft().result()
                tick()
            while pending:
                pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


_IN_FLIGHT = 2


def _stage(batch: Batch, txn: Any, indexes: dict[str, KeyIndex], report: FileReport) -> None:
    new_records = dup_records = 0
    for table, frame in (("positions", batch.positions), ("static", batch.static)):
        new, dup = indexes[table].split(frame)
        new_records += int(new[RECORDS].sum()) if new.height else 0
        dup_records += int(dup[RECORDS].sum()) if dup.height else 0
        txn.stage(table, new.drop(RECORDS).sort("mmsi", "ts"))
    txn.stage("rejects", batch.rejects)
    report.add(batch, new_records, dup_records)


def read_ais(
    path: Path | str, fmt: str = "auto", assume_time: datetime | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Positions and static reports of one file, in the canonical schemas (no store)."""
    positions: list[pl.DataFrame] = []
    static: list[pl.DataFrame] = []
    for unit in input_units(Path(path)):
        with unit.open() as stream:
            found = detect_format(stream, unit.name, fmt)
            for batch in read_stream(stream, unit.name, found, assume_time):
                positions.append(batch.positions.drop(RECORDS))
                static.append(batch.static.drop(RECORDS))
    return pl.concat(positions), pl.concat(static)
