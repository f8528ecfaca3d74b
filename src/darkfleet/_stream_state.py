"""Per-vessel state of ``darkfleet watch``: a bounded buffer of each vessel's recent fixes.

Each vessel keeps the fixes of its last ``buffer_hours`` (of its own event time) and at
most ``max_fixes`` of them. A vessel silent for ``expire_hours`` of event time keeps only
its last ``tail_fixes`` fixes (enough for the gap detector to pair them with the next
fix when it reappears), and is forgotten after ``forget_hours``. Memory therefore
depends on the number of vessels heard recently, not on the length of the feed.

A vessel whose buffer lost fixes is *trimmed*: events that begin near the start of its
buffer may have begun earlier, so the event book does not trust them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import polars as pl

from darkfleet import schema

__all__ = ["BufferParams", "VesselBuffers", "VesselScope"]

KEYS = ["mmsi", "ts", "lat", "lon"]


@dataclass(frozen=True)
class BufferParams:
    """Bounds of the per-vessel state (event-time hours, fixes)."""

    buffer_hours: float = 48.0
    max_fixes: int = 2000
    expire_hours: float = 48.0
    forget_hours: float = 720.0
    tail_fixes: int = 4


@dataclass(frozen=True)
class VesselScope:
    """For some vessels: where their buffer starts, whether it was trimmed, last fix time."""

    first: dict[int, datetime] = field(default_factory=dict)
    last: dict[int, datetime] = field(default_factory=dict)
    trimmed: frozenset[int] = frozenset()

    def covers(self, mmsi: int | None) -> bool:
        return mmsi is None or mmsi in self.first

    def reliable_after(self, mmsi: int | None, moment: datetime, margin: timedelta) -> bool:
        """True when the buffer of ``mmsi`` reaches back ``margin`` before ``moment``."""
        if mmsi is None or mmsi not in self.trimmed:
            return True
        return moment >= self.first[mmsi] + margin


class VesselBuffers:
    """Recent canonical position rows of every vessel heard, deduplicated and bounded."""

    def __init__(self, params: BufferParams) -> None:
        self.params = params
        self.rows = schema.empty(schema.POSITIONS).with_columns(pl.col("source").cast(pl.String))
        self.trimmed: set[int] = set()

    def add(self, positions: pl.DataFrame) -> pl.Series:
        """Append new fixes (repeats of buffered ones dropped); returns the MMSIs updated."""
        fresh = positions.select(self.rows.columns).cast(self.rows.schema)
        fresh = fresh.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
        fresh = fresh.unique(KEYS, keep="first", maintain_order=True)
        fresh = fresh.join(self.rows.select(KEYS), on=KEYS, how="anti", nulls_equal=True)
        self.rows = pl.concat([self.rows, fresh], rechunk=False)
        return fresh["mmsi"].unique()

    def of(self, mmsis: pl.Series) -> pl.DataFrame:
        """The buffered rows of ``mmsis``."""
        return self.rows.filter(pl.col("mmsi").is_in(mmsis.implode()))

    def scope(self, mmsis: pl.Series) -> VesselScope:
        spans = (
            self.of(mmsis)
            .group_by("mmsi")
            .agg(pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"))
        )
        ids = spans["mmsi"].to_list()
        return VesselScope(
            first=dict(zip(ids, spans["first"].to_list(), strict=True)),
            last=dict(zip(ids, spans["last"].to_list(), strict=True)),
            trimmed=frozenset(self.trimmed.intersection(ids)),
        )

    def last_fixes(self) -> pl.DataFrame:
        """One row per vessel: its latest fix (mmsi, ts, lat, lon)."""
        newest = pl.col("ts").arg_max()
        return self.rows.group_by("mmsi").agg(
            pl.col("ts").max(), pl.col("lat").get(newest), pl.col("lon").get(newest)
        )

    def trim(self, watermark: datetime) -> None:
        """Apply the bounds: own-time window, fix cap, expiry to a tail, forgetting."""
        p = self.params
        last = pl.col("ts").max().over("mmsi")
        newer = pl.col("ts").rank("ordinal", descending=True).over("mmsi")
        expired = last < watermark - timedelta(hours=p.expire_hours)
        keep = (
            (pl.col("ts") >= last - timedelta(hours=p.buffer_hours))
            & (newer <= p.max_fixes)
            & (~expired | (newer <= p.tail_fixes))
            & (last >= watermark - timedelta(hours=p.forget_hours))
        )
        marked = self.rows.with_columns(_keep=keep)
        dropped = marked.filter(~pl.col("_keep"))
        if dropped.height:
            self.trimmed.update(dropped["mmsi"].unique().to_list())
            self.rows = marked.filter("_keep").drop("_keep")
            self.trimmed.intersection_update(self.rows["mmsi"].unique().to_list())

    @property
    def vessels(self) -> int:
        return self.rows["mmsi"].n_unique()
