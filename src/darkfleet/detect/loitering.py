"""Loitering: a vessel almost still at sea for hours (GFW pipe-loitering, Pew reports).

Definition of loitering, with the defaults of :class:`LoiteringParams`:

1. **Intervals.** Within one segment (``seg_id``), every fix reaches back to the
   previous fix: great-circle distance and elapsed time. An interval longer than
   ``max_gap_hours`` (2 h) says nothing about speed: it is left out and breaks runs.
2. **Hours.** Each interval counts in the UTC hour of its later fix, so an hour's
   first interval starts at the last fix of the preceding hour. The hour's implied
   speed is its summed distance over its summed time; it is *slow* below
   ``max_speed_kn`` (2 kn). A segment's first fix alone makes no hour.
3. **Runs.** Consecutive intervals of one segment whose hours are all slow form a run,
   across midnight and across hours without data as long as no interval exceeds
   ``max_gap_hours`` (2 h: two missed hourly bins, i.e. a missed satellite pass or
   two, still bridge; longer silences are gaps, not loitering).
4. **Publish.** ``loitering_hours`` (the run's summed interval time) at least
   ``min_loitering_hours`` (4 h, Pew/RFMO transshipment reports) and the
   representative position (mean latitude, circular-mean longitude of the run's
   fixes) more than ``min_port_distance_km`` (10 km) from every port and anchorage.

Anchorages that are not in the port list are excluded by passing ``places`` extended
with derived anchorages (``places.with_anchorages(derive_anchorages(...))``), the same
object every detector uses, so that one ``Places`` defines "in port" everywhere. With
``places=None`` nothing is excluded and the distances in ``details`` are null.

``confidence`` = 0.5 x length + 0.3 x stillness + 0.2 x coverage, each in 0-1:
length is loitering hours over twice the minimum (full at 8 h, Miller et al. 2018),
stillness is one minus average speed over ``max_speed_kn``, coverage is the share of
the UTC hours spanned that hold at least one fix.

>>> loitering(schema.empty(schema.POSITIONS).with_columns(seg_id=pl.lit("x"))).height
0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import polars as pl

from darkfleet.detect._events import event_table, place_distances, rounded
from darkfleet.detect.encounters import PlaceLookup
from darkfleet.errors import ConfigError
from darkfleet.geo import KM_PER_NM, haversine_km

__all__ = [
    "LoiteringParams",
    "event_table",
    "hourly_speeds",
    "loitering",
    "place_distances",
    "rounded",
    "slow_rows",
    "slow_runs",
    "track_intervals",
]

_US_PER_HOUR = 3.6e9


@dataclass(frozen=True)
class LoiteringParams:
    """Thresholds of the loitering definition (see the module docstring)."""

    max_speed_kn: float = 2.0
    min_loitering_hours: float = 4.0
    max_gap_hours: float = 2.0
    min_port_distance_km: float = 10.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"LoiteringParams.{f.name} must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ConfigError(f"LoiteringParams.{f.name} must be finite and >= 0, got {value}")
        for name in ("max_speed_kn", "max_gap_hours"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"LoiteringParams.{name} must be > 0, got {getattr(self, name)}")


def loitering(
    positions: pl.DataFrame,
    params: LoiteringParams = LoiteringParams(),
    places: PlaceLookup | None = None,
) -> pl.DataFrame:
    """Loitering events (schema.EVENTS) from positions with a ``seg_id`` column.

    Rows with a null lat, lon or seg_id are ignored; any row order, any number of
    vessels. Events are reported by MMSI, one per run of slow hours of a segment.
    """
    rows = slow_rows(hourly_speeds(positions, params), params.max_speed_kn)
    runs = slow_runs(rows).filter(pl.col("loitering_hours") >= params.min_loitering_hours)
    runs = _placed(runs, rows, places, params.min_port_distance_km)
    return _events(runs, params)


def track_intervals(positions: pl.DataFrame, max_gap_hours: float) -> pl.DataFrame:
    """Valid fixes sorted by (seg_id, ts), each with its interval back to the previous fix.

    Adds ``prev_ts``, ``prev_lat``, ``prev_lon``, ``km`` and ``hours`` (null at a
    segment's first fix) and ``valid`` (an interval of at most ``max_gap_hours``).
    """
    extra = [c for c in ("_seg", "sog_kn", "cog_deg") if c in positions.columns]
    tracks = (
        positions.lazy()
        .filter(pl.col("lat").is_finite() & pl.col("lon").is_finite())
        .filter(pl.col("seg_id").is_not_null())
        .select("mmsi", "seg_id", "ts", "lat", "lon", *extra)
        .sort("seg_id", "ts", "lat", "lon")
        .collect()
    )
    lat, lon = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    km = np.full(lat.size, np.nan)
    km[1:] = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    same = pl.col("seg_id") == pl.col("seg_id").shift(1)
    prev = {f"prev_{c}": pl.when(same).then(pl.col(c).shift(1)) for c in ("ts", "lat", "lon")}
    for column in extra:
        prev[f"_prev_{column.strip('_')}"] = pl.when(same).then(pl.col(column).shift(1))
    hours = (pl.col("ts") - pl.col("prev_ts")).dt.total_microseconds() / _US_PER_HOUR
    return (
        tracks.with_columns(km=pl.Series(km).fill_nan(None), **prev)
        .with_columns(km=pl.when(same).then("km"), hours=hours)
        .with_columns(valid=(pl.col("hours") <= max_gap_hours).fill_null(False))
    )


def hourly_speeds(positions: pl.DataFrame, params: LoiteringParams) -> pl.DataFrame:
    """Track intervals (see :func:`track_intervals`) with their UTC hour's implied speed.

    Adds ``hour``, ``hour_id`` (one number per segment hour) and ``hour_speed_kn``
    (null for an hour without a valid interval).
    """
    frame = track_intervals(positions, params.max_gap_hours)
    hour = pl.col("ts").dt.truncate("1h")
    new_hour = (pl.col("seg_id") != pl.col("seg_id").shift(1)) | (hour != hour.shift(1))
    km = pl.when("valid").then("km").otherwise(0.0)
    hours = pl.when("valid").then("hours").otherwise(0.0)
    speed = km.sum().over("hour_id") / KM_PER_NM / hours.sum().over("hour_id")
    return frame.with_columns(hour=hour, hour_id=new_hour.fill_null(True).cum_sum()).with_columns(
        hour_speed_kn=speed.fill_nan(None)
    )


def slow_rows(hourly: pl.DataFrame, max_speed_kn: float) -> pl.DataFrame:
    """The valid intervals of hours slower than ``max_speed_kn``, numbered by run."""
    slow = pl.col("valid") & (pl.col("hour_speed_kn") < max_speed_kn).fill_null(False)
    new_run = pl.col("slow") & ~pl.col("slow").shift(1, fill_value=False)
    return (
        hourly.lazy()
        .with_columns(slow=slow)
        .with_columns(run_id=new_run.cum_sum())
        .filter("slow")
        .drop("slow")
        .collect()
    )


def slow_runs(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per run of slow hours: times, totals, mean position, ends.

    The mean position (mean latitude, circular-mean longitude) is over every fix of
    the run, the one it starts from included.
    """
    return (
        rows.group_by("run_id")
        .agg(
            pl.col("mmsi").first(),
            pl.col("seg_id").first(),
            pl.col("prev_ts").first().alias("start"),
            pl.col("ts").last().alias("end"),
            pl.col("hours").sum().alias("loitering_hours"),
            pl.col("km").sum().alias("distance_km"),
            pl.len().alias("intervals"),
            pl.col("hour").n_unique().alias("hours_with_data"),
            pl.col("hour").first().alias("first_hour"),
            pl.col("hour").last().alias("last_hour"),
            ((pl.col("lat").sum() + pl.col("prev_lat").first()) / (pl.len() + 1)).alias("lat"),
            _with_start(pl.col("lon").radians().sin(), pl.col("prev_lon").radians().sin(), "sin"),
            _with_start(pl.col("lon").radians().cos(), pl.col("prev_lon").radians().cos(), "cos"),
            pl.col("prev_lat").first().alias("start_lat"),
            pl.col("prev_lon").first().alias("start_lon"),
            pl.col("lat").last().alias("end_lat"),
            pl.col("lon").last().alias("end_lon"),
        )
        .with_columns(lon=pl.arctan2("sin", "cos").degrees())
        .drop("sin", "cos")
        .sort("run_id")
    )


def _with_start(at_fixes: pl.Expr, at_start: pl.Expr, name: str) -> pl.Expr:
    """Sum over a run's fixes and the fix it starts from (for circular means)."""
    return (at_fixes.sum() + at_start.first()).alias(name)


def _placed(
    runs: pl.DataFrame, rows: pl.DataFrame, places: PlaceLookup | None, min_port_km: float
) -> pl.DataFrame:
    """Runs away from ports, with port distance and hours-weighted mean shore distance."""
    if places is None:
        nothing = pl.lit(None, pl.Float64)
        return runs.with_columns(distance_from_port_km=nothing, distance_from_shore_km=nothing)
    port, _ = place_distances(runs, places)
    runs = runs.with_columns(distance_from_port_km=port).filter(
        pl.col("distance_from_port_km") > min_port_km
    )
    inside = rows.join(runs.select("run_id"), on="run_id", how="semi")
    _, shore = place_distances(inside, places)
    weighted = (
        inside.with_columns(_shore=shore)
        .group_by("run_id")
        .agg(
            distance_from_shore_km=(pl.col("_shore") * pl.col("hours")).sum()
            / pl.col("hours").sum()
        )
    )
    return runs.join(weighted, on="run_id", how="left")


def _events(runs: pl.DataFrame, params: LoiteringParams) -> pl.DataFrame:
    spanned = (pl.col("last_hour") - pl.col("first_hour")).dt.total_hours() + 1
    framed = runs.with_columns(
        avg_speed_kn=pl.col("distance_km") / KM_PER_NM / pl.col("loitering_hours"),
        coverage=(pl.col("hours_with_data") / spanned).clip(0.0, 1.0),
    )
    return event_table(
        "loitering", framed.with_columns(confidence=_confidence(params), details=_details())
    )


def _confidence(params: LoiteringParams) -> pl.Expr:
    length = (pl.col("loitering_hours") / (2.0 * max(params.min_loitering_hours, 1e-9))).clip(0, 1)
    stillness = (1.0 - pl.col("avg_speed_kn") / params.max_speed_kn).clip(0.0, 1.0)
    return (0.5 * length + 0.3 * stillness + 0.2 * pl.col("coverage")).round(4)


def _details() -> pl.Expr:
    numbers = {
        "loitering_hours": pl.col("loitering_hours"),
        "total_distance_nm": pl.col("distance_km") / KM_PER_NM,
        "avg_speed_kn": pl.col("avg_speed_kn"),
        "start_lat": pl.col("start_lat"),
        "start_lon": pl.col("start_lon"),
        "end_lat": pl.col("end_lat"),
        "end_lon": pl.col("end_lon"),
        "distance_from_port_km": pl.col("distance_from_port_km"),
        "distance_from_shore_km": pl.col("distance_from_shore_km"),
        "coverage": pl.col("coverage"),
    }
    fields = [rounded(v).alias(k) for k, v in numbers.items()]
    fields += [(pl.col("intervals") + 1).alias("positions"), pl.col("hours_with_data")]
    return pl.struct([*fields, pl.col("seg_id")]).struct.json_encode()
