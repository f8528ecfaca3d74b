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


def key_hash(table: str) -> pl.Expr:
    return pl.struct(KEY_COLUMNS[table]).hash(seed=_SEED).alias("_key")


class KeyIndex:
    """Known keys of one table per day (sorted), plus pending keys of the open file."""

    def __init__(self, store: Store, table: str) -> None:
        self.store = store
        self.table = table
        self._known: dict[str, Keys] = {}
        self._pending: dict[str, Keys] = {}

    def split(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(new rows, duplicate rows) of ``frame``; new rows become pending keys."""
        if frame.height == 0:
            return frame, frame
        keyed = frame.with_columns(
            key_hash(self.table),
            pl.col("ts").dt.date().cast(pl.String).alias("_day"),
        )
        is_new = keyed.select(pl.col("_key").is_first_distinct()).to_series().to_numpy()
        keys = keyed["_key"].to_numpy()
        days = keyed["_day"]
        for day in days.unique().to_list():
            rows = (days == day).to_numpy()
            day_keys = keys[rows]
            seen = _member(day_keys, self._known_of(day))
            seen |= _member(day_keys, self._pending.get(day, _EMPTY))
            is_new[rows] &= ~seen
            fresh = day_keys[is_new[rows]]
            self._pending[day] = np.sort(np.concatenate([self._pending.get(day, _EMPTY), fresh]))
        mask = pl.Series(is_new)
        drop = ["_key", "_day"]
        return keyed.filter(mask).drop(drop), keyed.filter(~mask).drop(drop)

    def commit(self) -> None:
        """The open file committed: its keys are now known."""
        for day, pending in self._pending.items():
            self._known[day] = np.sort(np.concatenate([self._known_of(day), pending]))
        self._pending.clear()

    def discard(self) -> None:
        """The open file was abandoned: forget its keys."""
        self._pending.clear()

    def _known_of(self, day: str) -> Keys:
        if day not in self._known:
            files = self.store.files(self.table, day)
            keys = _EMPTY
            if files:
                found = pl.scan_parquet(files).select(key_hash(self.table)).collect()
                keys = np.sort(found["_key"].to_numpy())
            self._known[day] = keys
        return self._known[day]


_EMPTY: Keys = np.empty(0, dtype=np.uint64)


def _member(keys: Keys, sorted_known: Keys) -> npt.NDArray[np.bool_]:
    """Which ``keys`` occur in the sorted array ``sorted_known``."""
    if sorted_known.size == 0:
        return np.zeros(keys.size, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_known, keys), sorted_known.size - 1)
    return np.asarray(sorted_known[at] == keys)
