"""The store: an open, documented directory of Parquet files plus a DuckDB catalog.

Layout (any Parquet tool can read it)::

    STORE/positions/day=YYYY-MM-DD/part-<file>-<n>.parquet   canonical positions
    STORE/static/day=YYYY-MM-DD/part-<file>-<n>.parquet      static/voyage reports
    STORE/rejects/part-<file>-<n>.parquet                    every rejected record
    STORE/events/day=YYYY-MM-DD/part-0.parquet               detected events
    STORE/matches/part-0.parquet                             sanctions matches
    STORE/ledger/<sha256>.json                               one entry per ingested file
    STORE/catalog.duckdb                                     views over all of the above

One process writes at a time (an advisory lock on ``STORE/.lock``); readers never lock.
Every ingested file is one transaction: its parts are written under ``.staging``, a
commit record lists them, and only then are they moved into place. A crash before the
commit record leaves the store as it was; a crash after it is completed by the next
writer that opens the store.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from darkfleet import schema
from darkfleet.errors import StoreError

__all__ = ["DEFAULT_STORE", "Store", "StoreInfo", "Transaction", "in_bbox"]

DEFAULT_STORE = Path("darkfleet-store")
_DAY_TABLES = ("positions", "static", "events")
_FLAT_TABLES = ("rejects", "matches")


@dataclass(frozen=True)
class StoreInfo:
    """Row counts and extent of a store (``darkfleet info``)."""

    positions: int
    static: int
    events: int
    rejects: int
    vessels: int
    start: str | None
    end: str | None
    bbox: list[float] | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Store:
    """A darkfleet store at ``root``; ``writable`` stores take the writer lock."""

    def __init__(self, root: Path | str = DEFAULT_STORE, *, writable: bool = False) -> None:
        self.root = Path(root)
        self.writable = writable
        self._lock_fh: Any = None
        if writable:
            self._open_for_writing()
        elif not self.root.is_dir():
            raise StoreError(f"{self.root}: no darkfleet store here (run 'darkfleet ingest' first)")

    # -- opening, locking, recovery ------------------------------------------------

    def _open_for_writing(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / "ledger").mkdir(exist_ok=True)
            self._lock_fh = (self.root / ".lock").open("a+")
        except OSError as exc:
            raise StoreError(f"{self.root}: cannot create store ({exc.strerror})") from None
        try:
            fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_fh.close()
            raise StoreError(
                f"{self.root}: store is locked by another darkfleet process; try again when it ends"
            ) from None
        self._lock_fh.seek(0)
        self._lock_fh.truncate()
        self._lock_fh.write(str(os.getpid()))
        self._lock_fh.flush()
        self._recover()

    def close(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _recover(self) -> None:
        staging = self.root / ".staging"
        if staging.is_dir():
            for txn_dir in sorted(staging.iterdir()):
                if (txn_dir / "COMMIT").is_file():
                    Transaction.roll_forward(self.root, txn_dir)
                else:
                    shutil.rmtree(txn_dir, ignore_errors=True)
        _recover_swap(self.root / "events")
        _recover_swap(self.root / "matches")

    # -- ledger ------------------------------------------------------------------

    def ledger_entry(self, sha256: str) -> dict[str, Any] | None:
        path = self.root / "ledger" / f"{sha256}.json"
        if not path.is_file():
            return None
        result: dict[str, Any] = json.loads(path.read_text())
        return result

    def ledger(self) -> list[dict[str, Any]]:
        folder = self.root / "ledger"
        if not folder.is_dir():
            return []
        return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]

    def transaction(self, sha256: str) -> Transaction:
        """A transaction named ``sha256`` (a file's hash, or any unique name for a batch)."""
        self._require_writable()
        return Transaction(self.root, sha256)

    def _require_writable(self) -> None:
        if not self.writable:
            raise StoreError(f"{self.root}: store opened read-only")

    # -- reading -----------------------------------------------------------------

    def files(self, table: str, day: str | None = None) -> list[Path]:
        base = self.root / table
        if table in _DAY_TABLES:
            pattern = f"day={day}/*.parquet" if day else "day=*/*.parquet"
            return sorted(base.glob(pattern))
        return sorted(base.glob("*.parquet"))

    def days(self, table: str = "positions") -> list[str]:
        return sorted(p.name.removeprefix("day=") for p in (self.root / table).glob("day=*"))

    def scan(self, table: str) -> pl.LazyFrame:
        """A lazy frame over one table, typed exactly by its canonical schema."""
        files = self.files(table)
        if not files:
            return schema.empty(schema.TABLES[table]).lazy()
        frame = pl.scan_parquet(files, hive_partitioning=False)
        return frame.select(schema.TABLES[table].names)

    def read(
        self,
        table: str,
        since: datetime | None = None,
        until: datetime | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> pl.DataFrame:
        """One table, optionally limited to a time window and a bounding box."""
        files = self.files(table)
        if table in _DAY_TABLES and (since or until):
            lo = since.date().isoformat() if since else "0000"
            hi = until.date().isoformat() if until else "9999"
            files = [f for f in files if lo <= f.parent.name.removeprefix("day=") <= hi]
        if not files:
            return schema.empty(schema.TABLES[table])
        frame = pl.scan_parquet(files).select(schema.TABLES[table].names)
        time_col = "start" if table == "events" else "ts"
        if since:
            frame = frame.filter(pl.col(time_col) >= since)
        if until:
            frame = frame.filter(pl.col(time_col) < until)
        if bbox and table != "static":
            frame = frame.filter(in_bbox(bbox))
        return frame.collect()

    def info(self) -> StoreInfo:
        counts = {
            t: _row_count(self.files(t)) for t in ("positions", "static", "events", "rejects")
        }
        extent: tuple[Any, ...] = (0, None, None, None, None, None, None)
        if counts["positions"]:
            glob = str(self.root / "positions" / "day=*" / "*.parquet")
            with duckdb.connect() as con:
                row = con.execute(
                    "SELECT count(DISTINCT mmsi), min(ts), max(ts), min(lon), min(lat), "
                    "max(lon), max(lat) FROM read_parquet(?)",
                    [glob],
                ).fetchone()
            extent = tuple(row) if row else extent
        vessels, start, end, *box = extent
        return StoreInfo(
            positions=counts["positions"],
            static=counts["static"],
            events=counts["events"],
            rejects=counts["rejects"],
            vessels=int(vessels or 0),
            start=_iso(start),
            end=_iso(end),
            bbox=[float(v) for v in box] if box[0] is not None else None,
        )

    # -- writing derived tables ------------------------------------------------------

    def replace_table(self, table: str, frame: pl.DataFrame) -> None:
        """Atomically replace a derived table (events or matches) with ``frame``."""
        self._require_writable()
        target = self.root / table
        fresh = self.root / f"{table}.new"
        shutil.rmtree(fresh, ignore_errors=True)
        frame = frame.select(schema.TABLES[table].names)
        with _disk_errors(self.root):
            if table in _DAY_TABLES:
                _write_by_day(frame, fresh, "start" if table == "events" else "ts", "part-0")
            else:
                fresh.mkdir(parents=True)
                _write_parquet(frame, fresh / "part-0.parquet")
            old = self.root / f"{table}.old"
            if target.exists():
                target.rename(old)
            fresh.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        self.refresh_catalog()

    def merge_events(
        self,
        fresh: pl.DataFrame,
        kinds: Sequence[str],
        since: datetime | None = None,
        until: datetime | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> None:
        """Replace the stored events of ``kinds`` inside the window with ``fresh``.

        Events of other kinds, or outside the time window or bounding box that was
        searched, are kept; ids are deterministic, so a rerun replaces, never duplicates.
        """
        old = self.read("events")
        replaced = pl.col("kind").is_in(list(kinds))
        if since:
            replaced &= pl.col("start") >= since
        if until:
            replaced &= pl.col("start") < until
        if bbox:
            replaced &= in_bbox(bbox)
        kept = old.filter(~replaced.fill_null(False))
        merged = pl.concat([kept, fresh.select(kept.columns).cast(kept.schema)])
        merged = merged.unique("event_id", keep="last", maintain_order=True)
        self.replace_table("events", merged.sort("start", "kind", "mmsi", "event_id"))

    def write_meta(self, name: str, record: dict[str, Any]) -> None:
        """Save a small JSON record (run parameters, versions) as ``STORE/meta/<name>.json``."""
        self._require_writable()
        with _disk_errors(self.root):
            _atomic_write(
                self.root / "meta" / f"{name}.json", json.dumps(record, indent=1, default=str)
            )

    def read_meta(self, name: str) -> dict[str, Any] | None:
        path = self.root / "meta" / f"{name}.json"
        if not path.is_file():
            return None
        result: dict[str, Any] = json.loads(path.read_text())
        return result

    def refresh_catalog(self) -> None:
        """(Re)create ``catalog.duckdb`` with one view per table that has data."""
        path = self.root / "catalog.duckdb"
        try:
            with duckdb.connect(str(path)) as con:
                for table in (*_DAY_TABLES, *_FLAT_TABLES):
                    files = self.files(table)
                    con.execute(f"DROP VIEW IF EXISTS {table}")
                    if files:
                        glob = str((self.root / table).resolve()) + (
                            "/day=*/*.parquet" if table in _DAY_TABLES else "/*.parquet"
                        )
                        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{glob}')")
        except duckdb.IOException:
            pass  # another tool holds the catalog open; views are refreshed next time


class Transaction:
    """Staged parts of one ingested file, committed all at once or not at all."""

    def __init__(self, root: Path, sha256: str) -> None:
        self.root = root
        self.sha = sha256
        self.dir = root / ".staging" / sha256
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self._parts = 0

    def stage(self, table: str, frame: pl.DataFrame) -> None:
        """Stage rows of a table (day tables are split by UTC day)."""
        if frame.height == 0:
            return
        self._parts += 1
        with _disk_errors(self.root):
            Transaction.stage_at(self.dir, table, frame, f"{self.sha[:16]}-{self._parts:05d}")

    @staticmethod
    def stage_at(txn_dir: Path, table: str, frame: pl.DataFrame, name: str) -> None:
        """Write ``frame`` as ``part-<name>`` parts of a transaction's folder.

        A static method so that Spark workers, which hold no ``Transaction``, stage
        parts of the driver's transaction in exactly the store's layout.
        """
        if table in _DAY_TABLES:
            _write_by_day(frame, txn_dir / table, "ts", f"part-{name}")
        else:
            (txn_dir / table).mkdir(parents=True, exist_ok=True)
            _write_parquet(frame, txn_dir / table / f"part-{name}.parquet")

    def commit(self, ledger: dict[str, Any]) -> None:
        """Move the staged parts into place and record ``ledger`` for this file."""
        self.commit_files({self.sha: ledger})

    def commit_files(self, ledgers: dict[str, dict[str, Any]]) -> None:
        """Commit parts staged for several files at once, a ledger entry per file hash."""
        moves = [str(p.relative_to(self.dir)) for p in sorted(self.dir.rglob("*.parquet"))]
        record = {"moves": moves, "ledgers": ledgers}
        with _disk_errors(self.root):
            _atomic_write(self.dir / "COMMIT", json.dumps(record))
        Transaction.roll_forward(self.root, self.dir)

    def abort(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    @staticmethod
    def roll_forward(root: Path, txn_dir: Path) -> None:
        """Finish a committed transaction; safe to repeat after a crash at any point."""
        record = json.loads((txn_dir / "COMMIT").read_text())
        for rel in record["moves"]:
            src, dst = txn_dir / rel, root / rel
            if src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        ledgers = record.get("ledgers") or {txn_dir.name: record["ledger"]}
        for sha, ledger in ledgers.items():
            _atomic_write(root / "ledger" / f"{sha}.json", json.dumps(ledger, indent=1))
        shutil.rmtree(txn_dir, ignore_errors=True)


def _write_by_day(frame: pl.DataFrame, base: Path, ts_col: str, name: str) -> None:
    days = frame.with_columns(pl.col(ts_col).dt.date().cast(pl.String).alias("_day"))
    for (day,), part in days.partition_by("_day", as_dict=True, maintain_order=True).items():
        folder = base / f"day={day}"
        folder.mkdir(parents=True, exist_ok=True)
        _write_parquet(part.drop("_day"), folder / f"{name}.parquet")


def _write_parquet(frame: pl.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    frame.write_parquet(tmp, compression="zstd", statistics=True)
    os.replace(tmp, path)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _recover_swap(target: Path) -> None:
    old, fresh = target.with_name(target.name + ".old"), target.with_name(target.name + ".new")
    if not target.exists() and old.exists():
        old.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(fresh, ignore_errors=True)


@contextlib.contextmanager
def _disk_errors(root: Path) -> Iterator[None]:
    full = f"{root}: disk full (or file size limit reached); the store is unchanged"
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            raise StoreError(full) from None
        raise StoreError(f"{root}: cannot write ({exc.strerror})") from None
    except pl.exceptions.ComputeError as exc:  # polars wraps I/O errors of its writers
        text = str(exc)
        if any(f"os error {n}" in text for n in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)):
            raise StoreError(full) from None
        raise StoreError(f"{root}: cannot write ({text.splitlines()[0]})") from None


def _row_count(files: list[Path]) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return str(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def in_bbox(bbox: tuple[float, float, float, float]) -> pl.Expr:
    """Rows inside ``minlon,minlat,maxlon,maxlat`` (minlon > maxlon crosses 180°)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    lat_ok = pl.col("lat").is_between(min_lat, max_lat)
    if min_lon <= max_lon:
        return lat_ok & pl.col("lon").is_between(min_lon, max_lon)
    return lat_ok & ((pl.col("lon") >= min_lon) | (pl.col("lon") <= max_lon))  # across 180°
