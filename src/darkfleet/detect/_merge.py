"""Merging raw encounters of one vessel pair that are close in time.

Raw encounters of both directions are keyed by the ordered MMSI pair (smaller first)
and sorted by start, end and the original vessel/segment ids; one starting at least
``merge_gap`` after the latest end seen so far in its pair opens a new encounter. As in
GFW's ``MergeEncounters``: start is the earliest start, end the latest end; latitude
and longitude are means weighted by raw duration (circular for longitude, total weight
at least one second); speed and distance are medians of the raw medians; point counts
are summed after turning each raw row to the pair's orientation; the start position is
that of the first raw row to start, the end position that of the first to end last.
darkfleet adds each vessel's own median speed and real point count (from the rows seen
from its side, else from its partner's), the segment ids and the number of raw rows.

>>> merge_table(pl.DataFrame(schema=RAW_SCHEMA), 4.0).height
0
"""

from __future__ import annotations

import polars as pl

from darkfleet.detect._runs import RAW_SCHEMA

__all__ = ["MERGED_SCHEMA", "merge_table"]

MERGED_SCHEMA = pl.Schema(
    {
        **{k: v for k, v in RAW_SCHEMA.items() if k not in ("seg_id", "other_seg_id")},
        "seg_ids": pl.List(pl.String()),
        "other_seg_ids": pl.List(pl.String()),
        "median_speed_kn_mmsi": pl.Float64(),
        "median_speed_kn_other": pl.Float64(),
        "real_points_mmsi": pl.Int64(),
        "real_points_other": pl.Int64(),
        "raw_count": pl.UInt32(),
    }
)

PAIR = ["mmsi", "other_mmsi"]


def merge_table(raw: pl.DataFrame, merge_gap_hours: float) -> pl.DataFrame:
    """Merged encounters, one row per vessel pair and period (see the module docstring)."""
    gap = pl.duration(microseconds=round(merge_gap_hours * 3.6e9))
    rows = _oriented(raw.select(RAW_SCHEMA.names()))
    latest_end = pl.col("end").cum_max().shift(1).over(PAIR)
    grouped = rows.with_columns(
        opens=latest_end.is_null() | (pl.col("start") - latest_end >= gap)
    ).with_columns(group=pl.col("opens").cum_sum())
    merged = grouped.group_by([*PAIR, "group"], maintain_order=True).agg(_aggregates())
    return merged.select(MERGED_SCHEMA.names()).cast(MERGED_SCHEMA)


def _oriented(raw: pl.DataFrame) -> pl.DataFrame:
    """Raw rows keyed by the ordered MMSI pair, sorted as GFW sorts them."""
    swap = pl.col("mmsi") > pl.col("other_mmsi")

    def pick(own: str, other: str) -> pl.Expr:
        return pl.when(swap).then(pl.col(other)).otherwise(pl.col(own))

    return (
        raw.with_columns(
            swapped=swap,
            key_mmsi=pick("mmsi", "other_mmsi"),
            key_other=pick("other_mmsi", "mmsi"),
            key_seg=pick("seg_id", "other_seg_id"),
            key_other_seg=pick("other_seg_id", "seg_id"),
            pts=pick("point_count", "other_point_count"),
            other_pts=pick("other_point_count", "point_count"),
            seconds=(pl.col("end") - pl.col("start")).dt.total_microseconds() / 1e6,
        )
        .sort(
            "key_mmsi", "key_other", "start", "end", "mmsi", "seg_id", "other_mmsi", "other_seg_id"
        )
        .drop(PAIR)
        .rename({"key_mmsi": "mmsi", "key_other": "other_mmsi"})
    )


def _aggregates() -> list[pl.Expr]:
    total = pl.max_horizontal(pl.col("seconds").sum(), pl.lit(1.0))
    rad = pl.col("lon").radians()
    sin = (pl.col("seconds") * rad.sin()).sum() / total
    cos = (pl.col("seconds") * rad.cos()).sum() / total
    own, theirs = ~pl.col("swapped"), pl.col("swapped")
    return [
        pl.col("start").min(),
        pl.col("end").max(),
        ((pl.col("seconds") * pl.col("lat")).sum() / total).alias("lat"),
        pl.arctan2(sin, cos).degrees().alias("lon"),
        pl.col("median_distance_km").median(),
        pl.col("median_speed_kn").median(),
        pl.col("pts").sum().alias("point_count"),
        pl.col("other_pts").sum().alias("other_point_count"),
        pl.col("start_lat").first(),
        pl.col("start_lon").first(),
        pl.col("end_lat").get(pl.col("end").arg_max()),
        pl.col("end_lon").get(pl.col("end").arg_max()),
        pl.col("key_seg").unique().sort().alias("seg_ids"),
        pl.col("key_other_seg").unique().sort().alias("other_seg_ids"),
        pl.col("median_speed_kn").filter(own).median().alias("median_speed_kn_mmsi"),
        pl.col("median_speed_kn").filter(theirs).median().alias("median_speed_kn_other"),
        _real_points(own, "point_count", "other_point_count").alias("real_points_mmsi"),
        _real_points(theirs, "point_count", "other_point_count").alias("real_points_other"),
        pl.len().alias("raw_count"),
    ]


def _real_points(side: pl.Expr, own: str, partner: str) -> pl.Expr:
    """A vessel's point count from its own rows, else from its partner's rows."""
    from_own = pl.col(own).filter(side).sum()
    from_partner = pl.col(partner).filter(~side).sum()
    return pl.when(side.any()).then(from_own).otherwise(from_partner)
