"""Draught changes at sea: cargo loaded or discharged away from any port (UN Panel method).

Definition of a ``draught_change`` event, with the defaults of :class:`DraughtParams`:

1. Static reports are attached to segments as for identity changes
   (:func:`darkfleet.detect.identity.attach_segments`); a draught of 0 is "not available".
2. Within a segment a draught value counts once it is *stable*: ``min_reports`` (2)
   consecutive reports of it, or reports of it spanning ``min_stable_hours`` (1 h).
3. Two consecutive stable values differing by at least the vessel's threshold make an
   event when the positions at both reports (the last of the old value, the first of
   the new one) lie more than ``min_port_distance_km`` (10 km, the project's "in port")
   from every port and anchorage. Without reference places no report is "in port".

Thresholds by reported length (median ``length_m`` of the segment, else of the MMSI):
< 150 m 1.0 m, 150-250 m 1.5 m, 250-320 m 2.0 m, > 320 m 3.0 m, unknown 1.0 m. Why: the
mass that moves the draught by a metre grows with the waterplane (tonnes per cm ≈
1.025 × Cw × L × B / 100). A 100 m × 16 m DPRK-sized tanker (Cw 0.8) has about 13 t/cm,
so 1.0 m is ~1,300 t (~9,700 bbl of diesel) — a typical small STS delivery; a 180 m ×
32 m product tanker about 48 t/cm (1.5 m ≈ 7,200 t); an Aframax (245 m × 44 m) about
95 t/cm and a Suezmax (275 m × 48 m) about 118 t/cm, where ballast and trim changes of a
metre or more are routine, hence 2.0 m; a VLCC (330 m × 60 m) 3.0 m. These bands follow
RadianceFleet's tonnage classes (Aframax 1.5, Suezmax 2.0, VLCC 3.0, else 1.0 m), by
length because AIS carries length but not deadweight. AIS draught has 0.1 m steps and
is typed in by the crew, so anything under a metre is noise.

start = last report of the old value, end = first report of the new one; the position
is that of the first new report. ``confidence`` = 0.5 + 0.5 × min(1, excess / threshold)
where excess is how far |Δ| exceeds the threshold.

>>> draught_changes(empty_positions(), schema.empty(schema.STATIC)).columns == EVENTS.names
True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._resample import empty_positions  # noqa: F401  (the doctest)
from darkfleet.detect._static import (
    attach_segments,
    consecutive_pairs,
    event_table,
    stable_runs,
    valid_fixes,
)
from darkfleet.detect.encounters import PlaceLookup
from darkfleet.errors import ConfigError
from darkfleet.geo import haversine_km
from darkfleet.schema import EVENTS

__all__ = ["DraughtParams", "draught_changes", "threshold_m"]


@dataclass(frozen=True)
class DraughtParams:
    """Thresholds of the draught-change definition (see the module docstring)."""

    length_bins_m: tuple[float, ...] = (150.0, 250.0, 320.0)
    thresholds_m: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0)
    unknown_length_threshold_m: float = 1.0
    min_port_distance_km: float = 10.0
    min_reports: int = 2
    min_stable_hours: float = 1.0
    attach_minutes: float = 30.0
    min_segment_positions: int = 3

    def __post_init__(self) -> None:
        bins, steps = self.length_bins_m, self.thresholds_m
        checks = [
            (len(steps) == len(bins) + 1, "len(thresholds_m) == len(length_bins_m) + 1"),
            (all(a < b for a, b in itertools.pairwise(bins)), "rising length_bins_m"),
            (all(t > 0 for t in steps), "thresholds_m > 0"),
            (self.unknown_length_threshold_m > 0, "unknown_length_threshold_m > 0"),
            (self.min_port_distance_km >= 0, "min_port_distance_km >= 0"),
            (self.min_reports >= 1, "min_reports >= 1"),
            (self.min_stable_hours >= 0, "min_stable_hours >= 0"),
            (self.attach_minutes > 0, "attach_minutes > 0"),
            (self.min_segment_positions >= 1, "min_segment_positions >= 1"),
        ]
        for ok, rule in checks:
            if not ok:
                raise ConfigError(f"DraughtParams: need {rule}, got {vars(self)}")


def threshold_m(length_m: float | None, params: DraughtParams = DraughtParams()) -> float:
    """The draught change (m) that counts for a vessel of ``length_m`` (None: unknown)."""
    if length_m is None or not length_m > 0:
        return params.unknown_length_threshold_m
    index = int(np.searchsorted(np.asarray(params.length_bins_m), length_m, side="right"))
    return params.thresholds_m[index]


def draught_changes(
    positions: pl.DataFrame,
    static: pl.DataFrame,
    params: DraughtParams = DraughtParams(),
    places: PlaceLookup | None = None,
) -> pl.DataFrame:
    """Draught-change events (schema.EVENTS) from segmented positions and static reports."""
    reports = static.with_columns(
        draught=pl.when(pl.col("draught_m") > 0).then(pl.col("draught_m").cast(pl.Float64)),
        length=pl.when(pl.col("length_m") > 0).then(pl.col("length_m").cast(pl.Float64)),
    )
    attached = attach_segments(
        reports, positions, params.attach_minutes, params.min_segment_positions
    )
    runs = stable_runs(attached, "draught", params.min_reports, params.min_stable_hours)
    pairs = _with_lengths(consecutive_pairs(runs), attached)
    pairs = pairs.with_columns(
        threshold=_threshold(params), delta=pl.col("value") - pl.col("old_value")
    )
    pairs = pairs.filter(pl.col("delta").abs() >= pl.col("threshold") - 1e-6)
    pairs = _at_sea(pairs, places, params.min_port_distance_km)
    pairs = _with_path_km(pairs, valid_fixes(positions))
    return _events(pairs, places)


def _with_lengths(pairs: pl.DataFrame, attached: pl.DataFrame) -> pl.DataFrame:
    by_seg = attached.group_by("seg_id").agg(seg_length=pl.col("length").median())
    by_mmsi = attached.group_by("mmsi").agg(mmsi_length=pl.col("length").median())
    joined = pairs.join(by_seg, on="seg_id", how="left").join(by_mmsi, on="mmsi", how="left")
    return joined.with_columns(length_m=pl.coalesce("seg_length", "mmsi_length"))


def _threshold(params: DraughtParams) -> pl.Expr:
    length = pl.col("length_m")
    expr = pl.lit(params.thresholds_m[-1])
    for bound, step in reversed(list(zip(params.length_bins_m, params.thresholds_m, strict=False))):
        expr = pl.when(length < bound).then(pl.lit(step)).otherwise(expr)
    return pl.when(length.is_null()).then(pl.lit(params.unknown_length_threshold_m)).otherwise(expr)


def _at_sea(pairs: pl.DataFrame, places: PlaceLookup | None, min_km: float) -> pl.DataFrame:
    if places is None:
        nulls = pl.lit(None, pl.Float64)
        return pairs.with_columns(port_km_before=nulls, port_km_after=nulls)
    before = places.distance_to_port_km(
        pairs["old_last_lat"].to_numpy(), pairs["old_last_lon"].to_numpy()
    )
    after = places.distance_to_port_km(pairs["first_lat"].to_numpy(), pairs["first_lon"].to_numpy())
    framed = pairs.with_columns(
        port_km_before=pl.Series(before, dtype=pl.Float64),
        port_km_after=pl.Series(after, dtype=pl.Float64),
    )
    return framed.filter((pl.col("port_km_before") > min_km) & (pl.col("port_km_after") > min_km))


def _with_path_km(pairs: pl.DataFrame, fixes: pl.DataFrame) -> pl.DataFrame:
    """Distance sailed along the segment between the two reports (``path_km``)."""
    track = fixes.filter(pl.col("seg_id").is_in(pairs["seg_id"].unique().implode()))
    track = track.sort("seg_id", "ts")
    lat, lon = track["lat"].to_numpy(), track["lon"].to_numpy()
    step = np.zeros(track.height)
    if track.height > 1:
        step[1:] = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    seg = track["seg_id"].to_numpy()
    step[1:][seg[1:] != seg[:-1]] = 0.0
    cum = track.select("seg_id", "ts").with_columns(cum_km=pl.Series(np.cumsum(step))).sort("ts")
    return pairs.with_columns(
        path_km=_cum_at(pairs, cum, "first") - _cum_at(pairs, cum, "old_last")
    )


def _cum_at(pairs: pl.DataFrame, cum: pl.DataFrame, column: str) -> pl.Series:
    times = pairs.select("seg_id", pl.col(column).alias("ts")).with_row_index("_i").sort("ts")
    found = times.join_asof(cum, on="ts", by="seg_id", strategy="nearest", check_sortedness=False)
    return found.sort("_i")["cum_km"]


def _events(pairs: pl.DataFrame, places: PlaceLookup | None) -> pl.DataFrame:
    hours = (pl.col("first") - pl.col("old_last")).dt.total_seconds() / 3600.0
    excess = (pl.col("delta").abs() - pl.col("threshold")).clip(lower_bound=0.0)
    info = pl.struct(
        draught_before_m="old_value", draught_after_m="value", delta_m=pl.col("delta").round(3),
        length_m="length_m", threshold_m="threshold", hours_between=hours,
        distance_travelled_km="path_km", port_km_before="port_km_before",
        port_km_after="port_km_after", reports_before="old_n", reports_after="n",
        before_first_seen="old_first", after_last_seen="last",
        seg_ids=pl.concat_list("seg_id"),
    )  # fmt: skip
    rows = pairs.select(
        "mmsi",
        pl.col("old_last").alias("start"),
        pl.col("first").alias("end"),
        pl.col("first_lat").alias("lat"),
        pl.col("first_lon").alias("lon"),
        (0.5 + 0.5 * (excess / pl.col("threshold")).clip(upper_bound=1.0))
        .round(4)
        .alias("confidence"),
        info.alias("info"),
    )
    if rows.height == 0:
        return schema.empty(EVENTS)
    return event_table("draught_change", rows.drop("info"), rows["info"].to_list(), places)
