"""Recognise records the store already holds, so that each position is stored once.

A position is the same when its MMSI, time, latitude and longitude are; a static report
when all its fields are. Keys are 64-bit hashes held per UTC day, loaded lazily from the
store and extended as files commit; a collision (about one in 10^12 for a year of
regional data) would count a new record as a duplicate, never lose count of it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from darkfleet import schema
from darkfleet.store import Store

__all__ = ["KeyIndex"]

_SEED = 0x5EED
KEY_COLUMNS = {
    "positions": ["mmsi", "ts", "lat", "lon"],
    "static": [c for c in schema.STATIC.names if c != "source"],
}
Keys = npt.NDArray[np.uint64]


def key_hash(frame: pl.DataFrame | pl.LazyFrame, table: str) -> pl.Expr:
    return pl.struct(KEY_COLUMNS[table]).hash(seed=_SEED).alias("_key")


class KeyIndex:
    """Known keys of one table, per day, with a pending set for the open transaction."""

    def __init__(self, store: Store, table: str) -> None:
        self.store = store
        self.table = table
        self._known: dict[str, Keys] = {}
        self._pending: dict[str, list[Keys]] = {}

    def split(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(new rows, duplicate rows) of ``frame``; new rows become pending keys."""
        if frame.height == 0:
            return frame, frame
        keyed = frame.with_columns(
            key_hash(frame, self.table),
            pl.col("ts").dt.date().cast(pl.String).alias("_day"),
        )
        first = keyed.select(pl.col("_key").is_first_distinct()).to_series()
        seen = np.zeros(keyed.height, dtype=bool)
        keys = keyed["_key"].to_numpy()
        days = keyed["_day"]
        for day in days.unique().to_list():
            rows = (days == day).to_numpy()
            seen[rows] = np.isin(keys[rows], self._keys_of(day))
        is_new = first.to_numpy() & ~seen
        new = keyed.filter(pl.Series(is_new))
        for (day,), part in new.partition_by("_day", as_dict=True).items():
            self._pending.setdefault(str(day), []).append(part["_key"].to_numpy())
        drop = ["_key", "_day"]
        return new.drop(drop), keyed.filter(pl.Series(~is_new)).drop(drop)

    def commit(self) -> None:
        for day, parts in self._pending.items():
            self._known[day] = np.union1d(self._keys_of(day), np.concatenate(parts))
        self._pending.clear()

    def discard(self) -> None:
        self._pending.clear()

    def _keys_of(self, day: str) -> Keys:
        if day not in self._known:
            files = self.store.files(self.table, day)
            if files:
                keys = pl.scan_parquet(files).select(key_hash(pl.LazyFrame(), self.table))
                self._known[day] = np.unique(keys.collect()["_key"].to_numpy())
            else:
                self._known[day] = np.empty(0, dtype=np.uint64)
        pending = self._pending.get(day)
        if pending:
            return np.concatenate([self._known[day], *pending])
        return self._known[day]
