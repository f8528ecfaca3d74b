"""Anchorages derived from the data: places where several distinct vessels stayed put.

Definition (after Global Fishing Watch's anchorages pipeline): a *stationary period* is
a run of consecutive fixes of one vessel track (``seg_id`` when present, else ``mmsi``)
that all lie within ``max_distance_km`` (0.5 km) of the run's first fix and that spans at
least ``min_duration_h`` (12 h). Each period is placed at the mean of its fixes. Periods
are binned into roughly square cells of ``cell_km``; a cell holding periods of at least
``min_vessels`` distinct MMSIs is a derived anchorage, placed at the mean of its periods.

>>> derive_anchorages(empty_positions(), AnchorageParams()).columns
['lat', 'lon', 'label', 'kind', 'vessels', 'stationary_hours']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from darkfleet._places_nn import njit
from darkfleet.errors import ConfigError
from darkfleet.geo import EARTH_RADIUS_KM

__all__ = [
    "ANCHORAGE_SCHEMA",
    "AnchorageParams",
    "anchorages_from_periods",
    "derive_anchorages",
    "empty_positions",
]

KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180.0
ANCHORAGE_SCHEMA = pl.Schema(
    {
        "lat": pl.Float64,
        "lon": pl.Float64,
        "label": pl.String,
        "kind": pl.String,
        "vessels": pl.Int64,
        "stationary_hours": pl.Float64,
    }
)


@dataclass(frozen=True)
class AnchorageParams:
    """Thresholds for :func:`derive_anchorages`.

    ``min_vessels=None`` (the default) scales with the time the data span:
    ``clamp(round(vessels_per_year × days / 365), min_vessels_floor, vessels_per_year)``.
    GFW requires 20 distinct vessels in an S2 level-14 cell (~0.6 km) over its global
    history; 20 a year is about one new vessel every 18 days, i.e. a quiet anchorage, and
    the distinct vessels seen at a place grow roughly linearly with the window once it
    is longer than a typical stay (1–5 days). Below ~2.5 months the linear rule falls
    under the floor of 4, which stays above one ship-to-ship operation (2 vessels, now
    and then a third), so a single STS meeting never becomes an "anchorage" that would
    hide it; a few days of a busy anchorage (Nampo, Longkou, Singapore) show 5–50
    vessels at anchor. Cells are 2 km rather than 0.6 km because short data sample an
    anchorage sparsely and the result is only used with a 10 km "in port" radius; a
    year of global data gives ~10⁵–10⁶ cells, still tiny.

    >>> AnchorageParams().min_vessels_for(days=3.0), AnchorageParams().min_vessels_for(365.0)
    (4, 20)
    """

    max_distance_km: float = 0.5
    min_duration_h: float = 12.0
    cell_km: float = 2.0
    min_vessels: int | None = None
    min_vessels_floor: int = 4
    vessels_per_year: int = 20

    def __post_init__(self) -> None:
        for name in ("max_distance_km", "min_duration_h", "cell_km"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ConfigError(
                    f"AnchorageParams.{name} must be a positive number, got {value!r}"
                )
        for name in ("min_vessels", "min_vessels_floor", "vessels_per_year"):
            value = getattr(self, name)
            if value is None and name == "min_vessels":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"AnchorageParams.{name} must be an integer ≥ 1, got {value!r}")

    def min_vessels_for(self, days: float) -> int:
        """The distinct-vessel threshold for data spanning ``days``."""
        if self.min_vessels is not None:
            return self.min_vessels
        scaled = round(self.vessels_per_year * days / 365.0)
        return max(self.min_vessels_floor, min(self.vessels_per_year, scaled))


def empty_positions() -> pl.DataFrame:
    """A positions-like frame with no rows (for examples and tests)."""
    schema: dict[str, pl.DataType] = {
        "mmsi": pl.Int64(),
        "ts": pl.Datetime("us", "UTC"),
        "lat": pl.Float64(),
        "lon": pl.Float64(),
    }
    return pl.DataFrame(schema=schema)


def derive_anchorages(positions: pl.DataFrame, params: AnchorageParams) -> pl.DataFrame:
    """Derived anchorage points (lat, lon, label=null, kind, vessels, stationary_hours)."""
    return anchorages_from_periods(
        stationary_periods(positions, params), _span_days(positions), params
    )


def anchorages_from_periods(
    periods: pl.DataFrame, days: float, params: AnchorageParams
) -> pl.DataFrame:
    """Derived anchorages from stationary periods (of data spanning ``days``).

    The second half of :func:`derive_anchorages`, for engines that find the periods
    vessel by vessel in parallel.
    """
    if periods.is_empty():
        return pl.DataFrame(schema=ANCHORAGE_SCHEMA)
    cells = _cells(periods, params.cell_km)
    return cells.filter(pl.col("vessels") >= params.min_vessels_for(days)).sort("lat", "lon")


def stationary_periods(positions: pl.DataFrame, params: AnchorageParams) -> pl.DataFrame:
    """One row per stationary period: mmsi, start, end, hours, lat, lon."""
    track = ["mmsi", "seg_id"] if "seg_id" in positions.columns else ["mmsi"]
    fixes = positions.select(*track, "ts", "lat", "lon").filter(
        pl.col("lat").is_finite() & pl.col("lon").is_finite()
    )
    if not _is_sorted(fixes, [*track, "ts"]):
        fixes = fixes.sort(*track, "ts")
    starts = pl.any_horizontal(pl.col(c).ne_missing(pl.col(c).shift(1)) for c in track)
    first = fixes.select(starts.fill_null(True)).to_series().to_numpy()
    runs = _runs(first, fixes["lat"].to_numpy(), fixes["lon"].to_numpy(), params.max_distance_km)
    return _period_rows(fixes.with_columns(run=pl.Series(runs)), params.min_duration_h)


def _is_sorted(frame: pl.DataFrame, keys: list[str]) -> bool:
    """True when rows are already in lexicographic order of ``keys`` (one cheap pass)."""
    if frame.height < 2:
        return True
    if frame.select(pl.sum_horizontal(pl.col(keys).null_count())).item():
        return False
    later = pl.lit(False)
    for key in reversed(keys):
        now, before = pl.col(key), pl.col(key).shift(1)
        later = (now > before) | ((now == before) & later) if key != keys[-1] else now >= before
    return bool(frame.select(later.slice(1).all()).item())


@njit()
def _runs(first: Any, lat: Any, lon: Any, max_km: float) -> Any:
    """Run id per fix: a new run at each new track or when a fix leaves the run's anchor."""
    out = np.empty(lat.shape[0], dtype=np.int64)
    run, alat, alon = -1, 0.0, 0.0
    for i in range(lat.shape[0]):
        if first[i] or _km(alat, alon, lat[i], lon[i]) > max_km:
            run, alat, alon = run + 1, lat[i], lon[i]
        out[i] = run
    return out


@njit()
def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2.0 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def _period_rows(fixes: pl.DataFrame, min_hours: float) -> pl.DataFrame:
    rad = pl.col("lon").radians()
    periods = fixes.group_by("run").agg(
        pl.col("mmsi").first(),
        pl.col("ts").min().alias("start"),
        pl.col("ts").max().alias("end"),
        pl.col("lat").mean(),
        pl.arctan2(rad.sin().mean(), rad.cos().mean()).degrees().alias("lon"),
    )
    hours = (pl.col("end") - pl.col("start")).dt.total_microseconds() / 3.6e9
    return periods.with_columns(hours=hours).filter(pl.col("hours") >= min_hours).drop("run")


def _cells(periods: pl.DataFrame, cell_km: float) -> pl.DataFrame:
    """Bin periods into ~square cells and summarise each (longitude mean on the circle)."""
    dlat = cell_km / KM_PER_DEG
    row = (pl.col("lat") / dlat).floor()
    coslat = ((row + 0.5) * dlat).radians().cos().clip(0.01, 1.0)
    col = (pl.col("lon") * coslat / dlat).floor()
    rad = pl.col("lon").radians()
    return (
        periods.with_columns(row=row, col=col)
        .group_by("row", "col")
        .agg(
            pl.col("lat").mean(),
            pl.arctan2(rad.sin().mean(), rad.cos().mean()).degrees().alias("lon"),
            pl.col("mmsi").n_unique().cast(pl.Int64).alias("vessels"),
            pl.col("hours").sum().alias("stationary_hours"),
        )
        .select(
            "lat",
            "lon",
            pl.lit(None, pl.String).alias("label"),
            pl.lit("derived_anchorage").alias("kind"),
            "vessels",
            "stationary_hours",
        )
    )


def _span_days(positions: pl.DataFrame) -> float:
    span = positions.select(
        (pl.col("ts").max() - pl.col("ts").min()).dt.total_microseconds()
    ).item()
    return max(1.0, (span or 0) / 8.64e10)
