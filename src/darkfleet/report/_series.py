"""Time series for maps and charts: tracks, the distance between two vessels, draught.

Every series is a dict of parallel lists, times as Unix seconds (compact in JSON and easy
to plot), so the report's script files and the web API carry exactly the same shape.

>>> thin_every(10, 3)
4
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from darkfleet.geo import haversine_km

__all__ = [
    "MAX_TRACK_POINTS",
    "distance_series",
    "draught_series",
    "epoch_s",
    "thin_every",
    "track_series",
]

MAX_TRACK_POINTS = 4000
_GRID = "10m"
_TOLERANCE = "20m"


def epoch_s(column: str = "ts") -> pl.Expr:
    """A UTC timestamp column as whole Unix seconds."""
    return pl.col(column).dt.epoch("s")


def thin_every(rows: int, limit: int) -> int:
    """Keep every n-th row so that at most ``limit`` rows remain."""
    return max(1, math.ceil(rows / max(limit, 1)))


def track_series(positions: pl.DataFrame, limit: int = MAX_TRACK_POINTS) -> dict[str, list[Any]]:
    """One vessel's positions as ``{t, lat, lon, sog}``, thinned to at most ``limit`` points."""
    fixes = positions.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    step = thin_every(fixes.height, limit)
    if step > 1:
        fixes = fixes.gather_every(step)
    out = fixes.select(
        epoch_s().alias("t"),
        pl.col("lat").round(5),
        pl.col("lon").round(5),
        pl.col("sog_kn").cast(pl.Float64).round(1).alias("sog"),
    )
    return {name: out[name].to_list() for name in out.columns}


def distance_series(a: pl.DataFrame, b: pl.DataFrame) -> dict[str, list[Any]]:
    """Distance between two vessels every 10 min (each side's nearest fix within 20 min)."""
    a, b = _fixes(a), _fixes(b)
    if a.height == 0 or b.height == 0:
        return {"t": [], "km": []}
    start: datetime = max(a["ts"][0], b["ts"][0])  # both sorted by time
    end: datetime = min(a["ts"][-1], b["ts"][-1])
    if start > end:
        return {"t": [], "km": []}
    grid = pl.DataFrame({"ts": pl.datetime_range(start, end, _GRID, eager=True)})
    grid = grid.with_columns(pl.col("ts").dt.cast_time_unit("us"))
    both = _nearest(_nearest(grid, a, "_a"), b, "_b").drop_nulls()
    km = haversine_km(
        both["lat_a"].to_numpy(),
        both["lon_a"].to_numpy(),
        both["lat_b"].to_numpy(),
        both["lon_b"].to_numpy(),
    )
    return {"t": both.select(epoch_s())["ts"].to_list(), "km": np.round(km, 3).tolist()}


def _fixes(positions: pl.DataFrame) -> pl.DataFrame:
    return (
        positions.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
        .select("ts", "lat", "lon")
        .unique("ts", keep="first")
        .sort("ts")
    )


def _nearest(grid: pl.DataFrame, fixes: pl.DataFrame, suffix: str) -> pl.DataFrame:
    side = fixes.rename({"lat": f"lat{suffix}", "lon": f"lon{suffix}"})
    return grid.join_asof(side, on="ts", strategy="nearest", tolerance=_TOLERANCE)


def draught_series(static: pl.DataFrame) -> dict[str, list[Any]]:
    """Reported draught as ``{t, m}``: the first report and every change after it."""
    reports = static.filter(pl.col("draught_m").is_not_null()).sort("ts")
    changed = pl.col("draught_m") != pl.col("draught_m").shift(1)
    last = pl.int_range(pl.len()) == pl.len() - 1
    kept = reports.filter(changed.fill_null(True) | last)
    out = kept.select(epoch_s().alias("t"), pl.col("draught_m").cast(pl.Float64).round(2))
    return {"t": out["t"].to_list(), "m": out["draught_m"].to_list()}
