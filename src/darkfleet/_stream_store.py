"""Appending a live feed to the store in periodic transactions.

Positions, static reports and rejects gather in memory and are committed every
``commit_s`` seconds (and at the end) as one store transaction, deduplicated against
the store like ``darkfleet ingest`` does; each commit adds one ledger entry named
``<source>#watch-<session>-<n>``. Events are upserted by id in the same beat, so a
reader always sees a consistent store. The caller holds the store's writer lock.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import polars as pl

from darkfleet import schema
from darkfleet.ingest._batch import RECORDS, Batch
from darkfleet.ingest._dedupe import KeyIndex
from darkfleet.store import Store

__all__ = ["StoreWriter"]

TABLES = ("positions", "static", "rejects")


class StoreWriter:
    """Buffers decoded rows and closed events; ``commit`` writes them in one transaction."""

    def __init__(self, store: Store, source: str, commit_s: float = 10.0) -> None:
        self.store, self.source, self.commit_s = store, source, commit_s
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.session = f"{stamp}-{os.getpid()}"
        self.indexes = {t: KeyIndex(store, t) for t in ("positions", "static")}
        self.frames: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
        self.events: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.commits = 0
        self.last_commit = time.monotonic()

    def add(self, batch: Batch) -> None:
        """Split a decoded batch into new and duplicate records and keep the new rows."""
        for table, frame in (("positions", batch.positions), ("static", batch.static)):
            new, dup = self.indexes[table].split(frame)
            self.counts["accepted"] += _records(new)
            self.counts["duplicates"] += _records(dup)
            if new.height:
                self.frames[table].append(new.drop(RECORDS))
        if batch.rejects.height:
            self.frames["rejects"].append(batch.rejects)
            self.reasons.update(batch.rejects["reason"].to_list())
        self.counts["read"] += batch.read
        self.counts["ignored"] += batch.ignored
        self.counts["rejected"] += batch.rejects.height

    def add_events(self, rows: list[dict[str, Any]]) -> None:
        self.events.extend(rows)

    def due(self) -> bool:
        return time.monotonic() - self.last_commit >= self.commit_s

    def commit(self) -> None:
        """Commit everything gathered since the last commit (nothing to do: no-op)."""
        self.last_commit = time.monotonic()
        if any(self.frames.values()):
            self._commit_rows()
        if self.events:
            fresh = pl.DataFrame(self.events, schema=schema.polars_schema(schema.EVENTS))
            self.store.merge_events(fresh, kinds=())
            self.events = []

    def _commit_rows(self) -> None:
        self.commits += 1
        name = f"{self.source}#watch-{self.session}-{self.commits}"
        txn = self.store.transaction(hashlib.sha256(name.encode()).hexdigest())
        try:
            for table, frames in self.frames.items():
                if frames:
                    rows = pl.concat(frames, how="vertical_relaxed")
                    txn.stage(table, rows.sort("mmsi", "ts") if table != "rejects" else rows)
        except BaseException:
            txn.abort()
            for index in self.indexes.values():
                index.discard()
            raise
        txn.commit({"path": name, "sha256": txn.sha, "format": "nmea-stream", **self._ledger()})
        for index in self.indexes.values():
            index.commit()
        self.frames = {t: [] for t in TABLES}
        self.counts.clear()
        self.reasons.clear()
        self.store.refresh_catalog()

    def _ledger(self) -> dict[str, Any]:
        counts = ("read", "accepted", "duplicates", "ignored", "rejected")
        return {c: self.counts[c] for c in counts} | {"rejected_by_reason": dict(self.reasons)}


def _records(frame: pl.DataFrame) -> int:
    return int(frame[RECORDS].sum()) if frame.height else 0
