"""A read-only view of a store for the report and the web app, with mtime-checked caches.

Readers never lock the store. Small tables (events, matches) and derived summaries are
cached together with a signature of the files they came from (path, size, mtime), so a
writer that replaces a table is seen on the next request; positions and static reports
are read per request with the day partitions and the vessel filter pushed down.

>>> view = StoreView("darkfleet-store")  # doctest: +SKIP
>>> view.table("events").height  # doctest: +SKIP
211
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from darkfleet import schema
from darkfleet.errors import StoreError
from darkfleet.store import Store

__all__ = ["StoreView"]

T = TypeVar("T")
Signature = tuple[tuple[str, int, int], ...]
_RETRIES = 3


class StoreView:
    """A store opened read-only, with caches that notice when a writer replaced a table."""

    def __init__(self, root: Path | str) -> None:
        self.store = Store(root)
        self.root = self.store.root
        self._cache: dict[str, tuple[Signature, Any]] = {}
        self._lock = threading.Lock()

    def signature(self, *tables: str) -> Signature:
        """Path, size and modification time of every file of ``tables`` (and the meta)."""
        files = [f for t in tables for f in self.store.files(t)]
        files += sorted((self.root / "meta").glob("*.json"))
        return tuple(_stat(f) for f in files)

    def cached(self, key: str, tables: Sequence[str], build: Callable[[], T]) -> T:
        """``build()``, recomputed only when a file of ``tables`` changed since last time."""
        sig = self.signature(*tables)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] == sig:
            value: T = hit[1]
            return value
        value = _retry(build)
        with self._lock:
            self._cache[key] = (sig, value)
        return value

    def table(self, name: str) -> pl.DataFrame:
        """A whole small table (events, matches), cached."""
        return self.cached(f"table:{name}", [name], lambda: self.store.read(name))

    def has_table(self, name: str) -> bool:
        return bool(self.store.files(name))

    def meta(self, name: str) -> dict[str, Any] | None:
        return self.store.read_meta(name)

    def rows(
        self,
        table: str,
        mmsis: Sequence[int],
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> pl.DataFrame:
        """Rows of positions or static for some vessels in ``[since, until)``, sorted by time."""
        return _retry(lambda: self._rows(table, mmsis, since, until))

    def _rows(
        self, table: str, mmsis: Sequence[int], since: datetime | None, until: datetime | None
    ) -> pl.DataFrame:
        files = self.store.files(table)
        lo = since.date().isoformat() if since else "0000"
        hi = until.date().isoformat() if until else "9999"
        files = [f for f in files if lo <= f.parent.name.removeprefix("day=") <= hi]
        if not files:
            return schema.empty(schema.TABLES[table])
        wanted = pl.col("mmsi").is_in(list(mmsis))
        if since:
            wanted &= pl.col("ts") >= since
        if until:
            wanted &= pl.col("ts") < until
        frame = pl.scan_parquet(files).select(schema.TABLES[table].names).filter(wanted)
        return frame.collect().sort("mmsi", "ts")


def _stat(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:  # replaced between listing and stat: differs from any cache
        return (str(path), -1, -1)
    return (str(path), st.st_size, st.st_mtime_ns)


def _retry(build: Callable[[], T]) -> T:
    """Run ``build``; a writer swapping files underneath shows as a vanished file: retry."""
    for attempt in range(_RETRIES):
        try:
            return build()
        except (FileNotFoundError, pl.exceptions.ComputeError) as exc:
            if attempt == _RETRIES - 1:
                raise StoreError(f"store changed while reading ({exc}); try again") from None
    raise AssertionError("unreachable")
