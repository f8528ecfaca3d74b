"""AIS gaps: a segment falls silent for more than 12 h away from port (GFW gaps).

Definition of a gap, with the defaults of :class:`GapParams`:

1. **Gap.** Two consecutive fixes of one segment (``seg_id``) more than
   ``min_gap_hours`` (12 h, strictly; about a sun-synchronous AIS satellite's revisit
   time) apart. A segment's silence after its last fix (an open gap) is not reported.
2. **At sea.** Both ends more than ``min_port_distance_km`` (10 km) from every port
   and anchorage (only checked when ``places`` is given).
3. **Features.** Duration, great-circle distance and implied speed between the ends;
   ``positions_12h_before``, the segment's fixes in the closed window
   [start - ``hours_before``, start], the last fix included; distances of both ends
   from shore and port; *regional reception*, the positions per day that **all**
   vessels of the input sent from the ``reception_cell_deg`` (1°) cell of the gap start,
   averaged over the days with any position there.
4. **Likely intentional** when reception was good, so that silence is unlikely to be
   a coverage hole: reception at least ``min_reception_per_day`` (10; Welch et al.
   2022 use positions_per_day_off > 10), ``positions_12h_before`` at least
   ``min_positions_before`` (14, Welch et al.'s satellite positions before), and both
   ends more than ``min_intentional_shore_nm`` (20 nm) from shore. GFW's 50 nm rule
   was made for the high seas; in regional seas such as the Yellow Sea (about 100 nm
   from coast to coast at its waist) or the Bohai it would exclude nearly everything.
   20 nm keeps gaps out of the 12 nm territorial sea and the dense coastal traffic
   whose terrestrial reception is patchy, and matches the 20 nm from shore that GFW
   and the Pew transshipment reports use for loitering. With ``places=None`` the shore
   rule is skipped and the distances in ``details`` are null.

``confidence`` = 0.6 + 0.4 x quality when likely intentional, else 0.1 + 0.4 x
quality, where quality is the mean of reception and positions-before, each over twice
its minimum and capped at 1. The event sits at the gap start; ``start``/``end`` are
the two fix times.

>>> gaps(schema.empty(schema.POSITIONS).with_columns(seg_id=pl.lit("x"))).height
0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import timedelta

import polars as pl

from darkfleet import schema  # noqa: F401  (the doctest)
from darkfleet.detect._events import event_table, place_distances, rounded
from darkfleet.detect.encounters import PlaceLookup
from darkfleet.detect.loitering import track_intervals
from darkfleet.errors import ConfigError
from darkfleet.geo import KM_PER_NM

__all__ = ["GapParams", "gaps", "reception"]


@dataclass(frozen=True)
class GapParams:
    """Thresholds of the gap definition (see the module docstring)."""

    min_gap_hours: float = 12.0
    min_port_distance_km: float = 10.0
    hours_before: float = 12.0
    reception_cell_deg: float = 1.0
    min_reception_per_day: float = 10.0
    min_positions_before: int = 14
    min_intentional_shore_nm: float = 20.0
    max_implied_speed_kn: float = 25.0
    min_track_positions: int = 2

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"GapParams.{f.name} must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ConfigError(f"GapParams.{f.name} must be finite and >= 0, got {value}")
        for name in ("min_gap_hours", "hours_before", "reception_cell_deg"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"GapParams.{name} must be > 0, got {getattr(self, name)}")


def gaps(
    positions: pl.DataFrame,
    params: GapParams = GapParams(),
    places: PlaceLookup | None = None,
    reception_cells: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Gap events (schema.EVENTS) from positions with a ``seg_id`` column.

    Rows with a null lat, lon or seg_id are ignored; any row order, any number of
    vessels. Events are reported by MMSI, one per silent interval of a segment.
    Regional reception comes from all of ``positions`` unless ``reception_cells``
    (as :func:`reception` makes them, e.g. from every partition of a cluster) is given.
    """
    tracks = track_intervals(vessel_tracks(positions, params), params.min_gap_hours)
    tracks = tracks.with_row_index("_row")
    found = tracks.filter(pl.col("hours") > params.min_gap_hours)
    found = found.filter(
        (pl.col("_seg") == pl.col("_prev_seg"))
        | (pl.col("km") / KM_PER_NM / pl.col("hours") <= params.max_implied_speed_kn)
    )
    found = _with_positions_before(found, tracks, params.hours_before)
    if reception_cells is None:
        reception_cells = reception(positions, params.reception_cell_deg)
    found = _with_reception(found, reception_cells, params)
    found = _placed(found, places, params.min_port_distance_km)
    return _events(found.with_columns(likely_intentional=_intentional(params, places)), params)


def vessel_tracks(positions: pl.DataFrame, params: GapParams) -> pl.DataFrame:
    """Positions keyed by vessel track: the MMSI's segments chained end to end.

    The segmenter never joins fixes across ``max_gap_hours`` (24 h), so a vessel dark
    for longer starts a new segment; a gap is the silence *between* its segments.
    Segments of one MMSI are chained when none of its segments with at least
    ``min_track_positions`` fixes overlap in time; an MMSI with overlapping segments is
    shared by several ships, and its gaps stay within segments so that one ship's OFF is
    never paired with another's ON (the caveat of GFW's per-MMSI gaps). Shorter segments
    (single glitch fixes, stray type 27 reports) are left out. The original segment is
    kept in ``_seg`` and the one before the interval in ``_prev_seg``.
    """
    wanted = [
        c
        for c in ("mmsi", "seg_id", "ts", "lat", "lon", "sog_kn", "cog_deg")
        if c in positions.columns
    ]
    valid = positions.lazy().select(wanted).filter(pl.col("seg_id").is_not_null()).collect()
    sizes = valid.group_by("mmsi", "seg_id").agg(
        n=pl.len(), first=pl.col("ts").min(), last=pl.col("ts").max()
    )
    long = sizes.filter(pl.col("n") >= params.min_track_positions).sort("mmsi", "first")
    overlap = pl.col("first") < pl.col("last").shift(1).over("mmsi")
    shared = long.filter(overlap.fill_null(False))["mmsi"].unique()
    keyed = valid.join(long.select("seg_id"), on="seg_id", how="semi").with_columns(
        _seg=pl.col("seg_id"),
        seg_id=pl.when(pl.col("mmsi").is_in(shared.implode()))
        .then(pl.col("seg_id"))
        .otherwise(pl.col("mmsi").cast(pl.String)),
    )
    return keyed


def reception(positions: pl.DataFrame, cell_deg: float = 1.0) -> pl.DataFrame:
    """Positions per day per lat/lon cell, averaged over the days with any position.

    Columns ``cell_lat``, ``cell_lon`` (south-west corner, degrees),
    ``positions_per_day`` and ``days``. Every position with a lat/lon counts.
    """
    return (
        positions.lazy()
        .filter(pl.col("lat").is_finite() & pl.col("lon").is_finite())
        .select(*_cell(cell_deg), day=pl.col("ts").dt.date())
        .group_by("cell_lat", "cell_lon", "day")
        .len()
        .group_by("cell_lat", "cell_lon")
        .agg(positions_per_day=pl.col("len").mean(), days=pl.len())
        .collect()
    )


def _cell(cell_deg: float, lat: str = "lat", lon: str = "lon") -> list[pl.Expr]:
    wrapped = (pl.col(lon) + 180.0) % 360.0 - 180.0
    return [
        ((pl.col(lat) / cell_deg).floor() * cell_deg).alias("cell_lat"),
        ((wrapped / cell_deg).floor() * cell_deg).alias("cell_lon"),
    ]


def _with_positions_before(found: pl.DataFrame, tracks: pl.DataFrame, hours: float) -> pl.DataFrame:
    """Adds ``positions_before``: the segment's fixes in [start - hours, start]."""
    since = pl.col("prev_ts") - timedelta(hours=hours)
    queries = found.with_columns(_since=since).sort("_since")
    first = queries.join_asof(
        tracks.select("seg_id", pl.col("ts").alias("_first_ts"), pl.col("_row").alias("_first")),
        left_on="_since",
        right_on="_first_ts",
        by="seg_id",
        strategy="forward",
        check_sortedness=False,
    )
    count = pl.col("_row").cast(pl.Int64) - pl.col("_first").cast(pl.Int64)
    return first.with_columns(positions_before=count).drop("_since", "_first_ts", "_first")


def _with_reception(found: pl.DataFrame, cells: pl.DataFrame, params: GapParams) -> pl.DataFrame:
    keyed = found.with_columns(_cell(params.reception_cell_deg, "prev_lat", "prev_lon"))
    joined = keyed.join(cells, on=["cell_lat", "cell_lon"], how="left")
    return joined.with_columns(pl.col("positions_per_day", "days").fill_null(0))


def _placed(found: pl.DataFrame, places: PlaceLookup | None, min_port_km: float) -> pl.DataFrame:
    """Adds port and shore distances of both ends; drops gaps with an end in port."""
    names = ("start_port_km", "start_shore_km", "end_port_km", "end_shore_km")
    if places is None:
        return found.with_columns(pl.lit(None, pl.Float64).alias(n) for n in names)
    start = found.select(lat="prev_lat", lon="prev_lon")
    start_port, start_shore = place_distances(start, places)
    end_port, end_shore = place_distances(found, places)
    values = (start_port, start_shore, end_port, end_shore)
    with_distances = found.with_columns(v.alias(n) for n, v in zip(names, values, strict=True))
    at_sea = (pl.col("start_port_km") > min_port_km) & (pl.col("end_port_km") > min_port_km)
    return with_distances.filter(at_sea)


def _intentional(params: GapParams, places: PlaceLookup | None) -> pl.Expr:
    good = (pl.col("positions_per_day") >= params.min_reception_per_day) & (
        pl.col("positions_before") >= params.min_positions_before
    )
    if places is None:
        return good
    far_km = params.min_intentional_shore_nm * KM_PER_NM
    return good & (pl.col("start_shore_km") > far_km) & (pl.col("end_shore_km") > far_km)


def _events(found: pl.DataFrame, params: GapParams) -> pl.DataFrame:
    framed = found.with_columns(
        start=pl.col("prev_ts"),
        end=pl.col("ts"),
        lat=pl.col("prev_lat"),
        lon=pl.col("prev_lon"),
        end_lat=pl.col("lat"),
        end_lon=pl.col("lon"),
        implied_speed_kn=pl.col("km") / KM_PER_NM / pl.col("hours"),
    )
    scored = framed.with_columns(confidence=_confidence(params), details=_details(params))
    return event_table("gap", scored)


def _confidence(params: GapParams) -> pl.Expr:
    rec = (pl.col("positions_per_day") / (2.0 * max(params.min_reception_per_day, 1e-9))).clip(0, 1)
    before = (pl.col("positions_before") / (2.0 * max(params.min_positions_before, 1))).clip(0, 1)
    base = pl.when("likely_intentional").then(0.6).otherwise(0.1)
    return (base + 0.2 * rec + 0.2 * before).round(4)


def _details(params: GapParams) -> pl.Expr:
    numbers = {
        "gap_hours": pl.col("hours"),
        "distance_km": pl.col("km"),
        "implied_speed_kn": pl.col("implied_speed_kn"),
        "start_lat": pl.col("lat"),
        "start_lon": pl.col("lon"),
        "end_lat": pl.col("end_lat"),
        "end_lon": pl.col("end_lon"),
        "distance_from_port_km": pl.col("start_port_km"),
        "distance_from_shore_km": pl.col("start_shore_km"),
        "end_distance_from_port_km": pl.col("end_port_km"),
        "end_distance_from_shore_km": pl.col("end_shore_km"),
        "reception_positions_per_day": pl.col("positions_per_day"),
        "reception_cell_lat": pl.col("cell_lat"),
        "reception_cell_lon": pl.col("cell_lon"),
    }
    fields = [rounded(v).alias(k) for k, v in numbers.items()]
    fields += [
        pl.col("days").alias("reception_days"),
        pl.col("positions_before").alias("positions_12h_before"),
        pl.lit(params.hours_before).alias("hours_before"),
        pl.col("likely_intentional"),
        pl.col("_prev_seg").alias("seg_id"),
        pl.col("_seg").alias("end_seg_id"),
        rounded(pl.col("_prev_sog_kn")).alias("start_sog_kn"),
        rounded(pl.col("sog_kn")).alias("end_sog_kn"),
        rounded(pl.col("_prev_cog_deg")).alias("start_cog_deg"),
        rounded(pl.col("cog_deg")).alias("end_cog_deg"),
    ]
    return pl.struct(fields).struct.json_encode()
