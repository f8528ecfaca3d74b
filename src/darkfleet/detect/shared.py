"""Shared MMSIs: two ships transmitting one MMSI at the same time.

A *shared MMSI* event is a time span in which at least two long segments
(``min_long_segment_positions`` fixes, see :class:`~darkfleet.detect.segment.SegmentParams`)
of one MMSI, after chaining segments that follow each other within reach into tracks,
overlap for ``min_overlap_hours`` or more with fixes too far apart for one ship
(median implied speed between their nearest-in-time fixes above ``max_speed_kn``).

>>> from darkfleet import schema
>>> segmented = schema.empty(schema.POSITIONS).with_columns(seg_id=pl.lit(None, pl.String))
>>> shared_mmsi_events(segmented, SegmentParams()).columns == schema.EVENTS.names
True
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._ids import event_id
from darkfleet.detect._segment_kernel import group_starts, stitch_groups
from darkfleet.detect.segment import SegmentParams
from darkfleet.geo import KM_PER_NM, haversine_km

__all__ = ["shared_mmsi_events"]

_US_PER_HOUR = 3_600_000_000.0


def shared_mmsi_events(segmented: pl.DataFrame, params: SegmentParams) -> pl.DataFrame:
    """One ``shared_mmsi`` event per span where long, incompatible tracks of an MMSI overlap.

    ``segmented`` is the output of :func:`segment`. Segments that follow each other and
    are reachable at ``max_speed_kn`` are first chained into tracks (a ship seen again
    after a long gap); tracks of ``min_long_segment_positions`` fixes or more whose
    spans overlap by ``min_overlap_hours`` and whose time-nearest fixes imply a median
    speed above ``max_speed_kn`` are incompatible. Chained overlaps form one event;
    ``details`` names the segments involved with their position counts, the largest
    and median distance between the tracks and the implied speed between them.
    """
    fixes = _with_tracks(segmented, params)
    pairs = _incompatible_pairs(fixes, params)
    if pairs.is_empty():
        return schema.empty(schema.EVENTS)
    clusters = pairs.sort("mmsi", "ov_start", "track_a", "track_b").with_columns(
        _cluster=(pl.col("ov_start") > pl.col("ov_end").cum_max().shift(1))
        .fill_null(True)
        .cast(pl.Int64)
        .cum_sum()
        .over("mmsi")
    )
    rows = [
        _event(group, fixes, params)
        for _, group in clusters.group_by("mmsi", "_cluster", maintain_order=True)
    ]
    return pl.DataFrame(rows, schema=schema.polars_schema(schema.EVENTS), orient="row")


def _with_tracks(segmented: pl.DataFrame, params: SegmentParams) -> pl.DataFrame:
    """Positioned rows (mmsi, seg_id, ts, lat, lon) with the ``track`` they belong to."""
    fixes = segmented.filter(pl.col("seg_id").is_not_null()).select(
        "mmsi", "seg_id", "ts", "lat", "lon"
    )
    hours = pl.col("ts").dt.epoch("us").cast(pl.Float64) / _US_PER_HOUR
    segs = (
        fixes.sort("mmsi", "ts", "seg_id")
        .group_by("mmsi", "seg_id", maintain_order=True)
        .agg(
            hours.first().alias("t0"),
            hours.last().alias("t1"),
            pl.col("lat").first().alias("lat0"),
            pl.col("lon").first().alias("lon0"),
            pl.col("lat").last().alias("lat1"),
            pl.col("lon").last().alias("lon1"),
        )
        .sort("mmsi", "t0", "seg_id")
    )
    starts = group_starts(segs["mmsi"].to_numpy())
    array = np.ascontiguousarray(segs.select(pl.exclude("mmsi", "seg_id")).to_numpy(), np.float64)
    first = stitch_groups(
        starts, array, params.max_speed_kn, params.buffer_hours, params.max_open_segments
    )
    tracks = segs.select("seg_id", track=segs["seg_id"].gather(first))
    return fixes.join(tracks, on="seg_id", maintain_order="left")


def _overlapping_pairs(fixes: pl.DataFrame, params: SegmentParams) -> pl.DataFrame:
    """Pairs (a < b) of long tracks of one MMSI overlapping for ``min_overlap_hours``."""
    tracks = (
        fixes.group_by("mmsi", "track")
        .agg(
            pl.len().alias("n"), pl.col("ts").min().alias("start"), pl.col("ts").max().alias("end")
        )
        .filter(pl.col("n") >= params.min_long_segment_positions)
    )
    min_overlap = pl.duration(microseconds=int(params.min_overlap_hours * _US_PER_HOUR))
    return (
        tracks.join(tracks, on="mmsi", suffix="_b")
        .filter(pl.col("track") < pl.col("track_b"))
        .with_columns(
            ov_start=pl.max_horizontal("start", "start_b"), ov_end=pl.min_horizontal("end", "end_b")
        )
        .filter(pl.col("ov_end") - pl.col("ov_start") >= min_overlap)
        .select("mmsi", pl.col("track").alias("track_a"), pl.col("track_b"), "ov_start", "ov_end")
    )


def _incompatible_pairs(fixes: pl.DataFrame, params: SegmentParams) -> pl.DataFrame:
    """Overlapping pairs whose time-nearest fixes imply a median speed above ``max_speed_kn``."""
    pairs = _overlapping_pairs(fixes, params)
    own = fixes.select("track", "ts", "lat", "lon")
    left = (
        pairs.join(own, left_on="track_a", right_on="track")
        .filter(pl.col("ts").is_between(pl.col("ov_start"), pl.col("ov_end")))
        .sort("ts")
    )
    right = pairs.select("track_a", "track_b").join(own, left_on="track_b", right_on="track")
    near = left.join_asof(
        right.sort("ts").rename({"ts": "ts_b", "lat": "lat_b", "lon": "lon_b"}),
        left_on="ts",
        right_on="ts_b",
        by=["track_a", "track_b"],
        strategy="nearest",
        check_sortedness=False,
    )
    dist = haversine_km(
        near["lat"].to_numpy(),
        near["lon"].to_numpy(),
        near["lat_b"].to_numpy(),
        near["lon_b"].to_numpy(),
    )
    hours = (near["ts"] - near["ts_b"]).dt.total_microseconds().abs().to_numpy() / _US_PER_HOUR
    speed = dist / KM_PER_NM / np.maximum(hours, params.buffer_hours)
    return (
        near.with_columns(dist_km=pl.Series(dist), speed_kn=pl.Series(speed))
        .group_by("mmsi", "track_a", "track_b", "ov_start", "ov_end")
        .agg(
            pl.len().alias("paired"),
            pl.col("dist_km").max().alias("max_km"),
            pl.col("dist_km").median().alias("median_km"),
            pl.col("speed_kn").median().alias("speed_kn"),
        )
        .filter(pl.col("speed_kn") > params.max_speed_kn)
    )


def _event(group: pl.DataFrame, fixes: pl.DataFrame, params: SegmentParams) -> tuple[Any, ...]:
    """The EVENTS row of one cluster of incompatible overlapping track pairs."""
    agg = group.select(
        pl.first("mmsi"), pl.min("ov_start"), pl.max("ov_end"), pl.max("speed_kn", "paired"),
        pl.max("max_km"), pl.median("median_km"),
    ).row(0, named=True)  # fmt: skip
    start, end = agg["ov_start"], agg["ov_end"]
    inside = fixes.filter(
        pl.col("track").is_in(pl.concat([group["track_a"], group["track_b"]]).implode()),
        pl.col("ts").is_between(start, end),
    )
    counts = inside.group_by("seg_id").len().sort("seg_id")
    totals = fixes.group_by("seg_id").len().rename({"len": "total"})
    counts = counts.join(totals, on="seg_id", maintain_order="left")
    details = {
        "seg_ids": counts["seg_id"].to_list(),
        "positions": counts["total"].to_list(),
        "positions_in_overlap": counts["len"].to_list(),
        "max_distance_km": round(agg["max_km"], 3),
        "median_distance_km": round(agg["median_km"], 3),
        "implied_speed_kn": round(agg["speed_kn"], 1),
        "paired_fixes": agg["paired"],
    }
    lat, lon = _representative_fix(inside, counts, start, end)
    confidence = min(1.0, agg["paired"] / (2 * params.min_long_segment_positions))
    confidence *= 1.0 - params.max_speed_kn / agg["speed_kn"]
    mmsi = agg["mmsi"]
    duration_h = (end - start).total_seconds() / 3600.0
    eid = event_id("shared_mmsi", mmsi, None, start)
    return (eid, "shared_mmsi", mmsi, None, start, end, duration_h, lat, lon,
            round(confidence, 3), json.dumps(details))  # fmt: skip


def _representative_fix(
    inside: pl.DataFrame, counts: pl.DataFrame, start: datetime, end: datetime
) -> tuple[float, float]:
    """Position of the busiest segment in the overlap, nearest the middle of it in time."""
    seg_id = counts.sort("len", "seg_id", descending=[True, False])["seg_id"][0]
    middle = start + (end - start) / 2
    fixes = inside.filter(pl.col("seg_id") == seg_id)
    nearest = fixes.sort((pl.col("ts") - middle).abs(), "ts").row(0, named=True)
    return float(nearest["lat"]), float(nearest["lon"])
