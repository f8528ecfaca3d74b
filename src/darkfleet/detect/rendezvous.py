"""Dark rendezvous: one vessel loiters while another, dark, could have been alongside.

Definition, with the defaults of :class:`RendezvousParams`, from loitering and gap
events (as :func:`~darkfleet.detect.loitering.loitering` and
:func:`~darkfleet.detect.gaps.gaps` emit them):

1. **Overlap.** Vessel A loiters from ``start`` to ``end``; vessel B (another MMSI)
   is dark from its last fix (``gap start``) to its next fix (``gap end``). B's gap
   must cover at least ``min_overlap_fraction`` (0.5: "most of") of A's loitering
   time. Candidates come from an inequality join on the two time intervals (in
   batches of bounded size), so the search never compares every loiter with every gap.
2. **Reach.** B must have been able to stay alongside A for the whole overlap: from
   its last fix to A's loiter position by the start of the overlap, and from there to
   its first fix after by the end of the overlap, each at no more than
   ``max_speed_kn`` (15 kn, a laden tanker's top service speed). Distances are
   shortened by ``position_tolerance_km`` (5 km: A's loiter position is a mean, and
   a vessel under 2 kn drifts a few km in hours), so that B going dark right beside A
   after A started loitering needs no speed at all.
3. **One event per pair and loiter**: the candidate with the lowest required speed
   is kept. ``mmsi`` is the smaller MMSI and ``other_mmsi`` the larger (``details``
   says which one loitered and which one went dark); ``start``/``end`` are A's
   loitering time and ``lat``/``lon`` its loiter position.

``confidence`` = 0.4 x overlap fraction + 0.3 x speed slack (one minus the higher
required speed over ``max_speed_kn``) + 0.3 x the gap's own confidence (which carries
its reception and ``likely_intentional``).

>>> dark_rendezvous(schema.empty(schema.EVENTS), schema.empty(schema.EVENTS)).height
0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import polars as pl

from darkfleet import schema  # noqa: F401  (the doctest)
from darkfleet.detect.encounters import PlaceLookup
from darkfleet.detect.loitering import event_table, place_distances, rounded
from darkfleet.errors import ConfigError
from darkfleet.geo import KM_PER_NM, haversine_km

__all__ = ["PAIR_BUDGET", "RendezvousParams", "candidates", "dark_rendezvous"]

_US_PER_HOUR = 3.6e9
PAIR_BUDGET = 2_000_000
_LOITER_KEYS = ["mmsi", "start", "end", "lat", "lon"]
_GAP_KEYS = [
    "dark_mmsi",
    "gap_start",
    "gap_end",
    "gap_start_lat",
    "gap_start_lon",
    "gap_end_lat",
    "gap_end_lon",
]
_LOITER_DETAILS = pl.Struct({"seg_id": pl.String, "loitering_hours": pl.Float64})
_GAP_DETAILS = pl.Struct(
    {
        "seg_id": pl.String,
        "end_lat": pl.Float64,
        "end_lon": pl.Float64,
        "gap_hours": pl.Float64,
        "likely_intentional": pl.Boolean,
    }
)


@dataclass(frozen=True)
class RendezvousParams:
    """Thresholds of the dark-rendezvous definition (see the module docstring)."""

    max_speed_kn: float = 15.0
    min_overlap_fraction: float = 0.5
    position_tolerance_km: float = 5.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"RendezvousParams.{f.name} must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ConfigError(f"RendezvousParams.{f.name} must be finite and >= 0, got {value}")
        if self.max_speed_kn <= 0 or not 0 < self.min_overlap_fraction <= 1:
            raise ConfigError(
                "RendezvousParams need max_speed_kn > 0 and 0 < min_overlap_fraction <= 1, "
                f"got {self.max_speed_kn} and {self.min_overlap_fraction}"
            )


def dark_rendezvous(
    loitering_events: pl.DataFrame,
    gap_events: pl.DataFrame,
    params: RendezvousParams = RendezvousParams(),
    places: PlaceLookup | None = None,
) -> pl.DataFrame:
    """Dark-rendezvous events (schema.EVENTS) from loitering and gap events.

    Both inputs are schema.EVENTS tables; rows of other kinds are ignored, so the
    same events table may be passed twice.
    """
    found = candidates(loitering_events, gap_events, params)
    return _events(_best_per_pair(found), params, places)


def candidates(
    loitering_events: pl.DataFrame, gap_events: pl.DataFrame, params: RendezvousParams
) -> pl.DataFrame:
    """Loiter x gap pairs of different MMSIs that meet the overlap and reach rules.

    The time join runs on slim frames, in batches of loiters holding about
    ``PAIR_BUDGET`` time-overlapping pairs each (counted exactly beforehand by binary
    search), so memory stays bounded however dense the events are.
    """
    loiters = _loiters(loitering_events).with_row_index("li")
    darks = _gaps(gap_events).with_row_index("gi")
    slim_gaps = darks.select("gi", *_GAP_KEYS)
    pieces = [
        _reachable(_overlapping(batch, slim_gaps, params), params)
        for batch in _batches(loiters.select("li", *_LOITER_KEYS), slim_gaps)
    ]
    return (
        pl.concat(pieces)
        .join(loiters.drop(_LOITER_KEYS), on="li")
        .join(darks.drop(_GAP_KEYS), on="gi")
        .drop("li", "gi")
    )


def _batches(loiters: pl.DataFrame, darks: pl.DataFrame) -> list[pl.DataFrame]:
    """``loiters`` split so that each part overlaps about ``PAIR_BUDGET`` gaps in time."""
    gap_starts = np.sort(darks["gap_start"].dt.epoch("us").to_numpy())
    gap_ends = np.sort(darks["gap_end"].dt.epoch("us").to_numpy())
    start, end = (loiters[c].dt.epoch("us").to_numpy() for c in ("start", "end"))
    pairs = np.searchsorted(gap_starts, end, "left") - np.searchsorted(gap_ends, start, "right")
    batch = pl.Series(np.cumsum(pairs) // PAIR_BUDGET)
    parts = loiters.with_columns(_batch=batch).partition_by("_batch", include_key=False)
    return parts or [loiters]


def _overlapping(
    loiters: pl.DataFrame, darks: pl.DataFrame, params: RendezvousParams
) -> pl.DataFrame:
    """Pairs of different MMSIs whose gap covers enough of the loiter."""
    pairs = loiters.join_where(
        darks, pl.col("start") < pl.col("gap_end"), pl.col("end") > pl.col("gap_start")
    )
    overlap_start = pl.max_horizontal("start", "gap_start")
    overlap_end = pl.min_horizontal("end", "gap_end")
    hours = (overlap_end - overlap_start).dt.total_microseconds() / _US_PER_HOUR
    loiter_h = (pl.col("end") - pl.col("start")).dt.total_microseconds() / _US_PER_HOUR
    return (
        pairs.filter(pl.col("mmsi") != pl.col("dark_mmsi"))
        .with_columns(overlap_start=overlap_start, overlap_end=overlap_end, overlap_hours=hours)
        .with_columns(overlap_fraction=(pl.col("overlap_hours") / loiter_h).fill_nan(1.0))
        .filter(pl.col("overlap_fraction") >= params.min_overlap_fraction)
    )


def _loiters(events: pl.DataFrame) -> pl.DataFrame:
    loiters = events.filter(pl.col("kind") == "loitering")
    return loiters.select(
        "mmsi",
        "start",
        "end",
        "lat",
        "lon",
        pl.col("event_id").alias("loitering_event_id"),
        pl.col("details").str.json_decode(_LOITER_DETAILS).struct.unnest(),
    ).rename({"seg_id": "loitering_seg_id"})


def _gaps(events: pl.DataFrame) -> pl.DataFrame:
    gaps = events.filter(pl.col("kind") == "gap")
    return gaps.select(
        pl.col("mmsi").alias("dark_mmsi"),
        pl.col("start").alias("gap_start"),
        pl.col("end").alias("gap_end"),
        pl.col("lat").alias("gap_start_lat"),
        pl.col("lon").alias("gap_start_lon"),
        pl.col("event_id").alias("gap_event_id"),
        pl.col("confidence").alias("gap_confidence"),
        pl.col("details").str.json_decode(_GAP_DETAILS).struct.unnest(),
    ).rename({"seg_id": "dark_seg_id", "end_lat": "gap_end_lat", "end_lon": "gap_end_lon"})


def _reachable(found: pl.DataFrame, params: RendezvousParams) -> pl.DataFrame:
    """Adds the distances and speeds B needed to come and go; keeps those within reach."""
    lat, lon = found["lat"].to_numpy(), found["lon"].to_numpy()
    km_in = haversine_km(
        found["gap_start_lat"].to_numpy(), found["gap_start_lon"].to_numpy(), lat, lon
    )
    km_out = haversine_km(
        lat, lon, found["gap_end_lat"].to_numpy(), found["gap_end_lon"].to_numpy()
    )
    hours_in = (
        pl.col("overlap_start") - pl.col("gap_start")
    ).dt.total_microseconds() / _US_PER_HOUR
    hours_out = (pl.col("gap_end") - pl.col("overlap_end")).dt.total_microseconds() / _US_PER_HOUR
    tolerance = params.position_tolerance_km
    framed = found.with_columns(
        distance_in_km=pl.Series(km_in), distance_out_km=pl.Series(km_out)
    ).with_columns(
        hours_in=hours_in,
        hours_out=hours_out,
        required_speed_in_kn=_required_speed(pl.col("distance_in_km"), hours_in, tolerance),
        required_speed_out_kn=_required_speed(pl.col("distance_out_km"), hours_out, tolerance),
    )
    required = pl.max_horizontal("required_speed_in_kn", "required_speed_out_kn")
    return framed.with_columns(required_speed_kn=required).filter(
        pl.col("required_speed_kn") <= params.max_speed_kn
    )


def _required_speed(km: pl.Expr, hours: pl.Expr, tolerance_km: float) -> pl.Expr:
    """Knots to cover ``km`` less the tolerance in ``hours``: 0 when nothing is left."""
    left = (km - tolerance_km).clip(lower_bound=0.0)
    return pl.when(left == 0.0).then(0.0).otherwise(left / KM_PER_NM / hours)


def _best_per_pair(found: pl.DataFrame) -> pl.DataFrame:
    """One candidate per loiter and dark vessel: the one needing the least speed."""
    ordered = found.sort(
        "required_speed_kn", "overlap_fraction", "gap_start", descending=[False, True, False]
    )
    return ordered.unique(["loitering_event_id", "dark_mmsi"], keep="first", maintain_order=True)


def _events(
    found: pl.DataFrame, params: RendezvousParams, places: PlaceLookup | None
) -> pl.DataFrame:
    if places is None or found.height == 0:
        port = shore = pl.Series([None] * found.height, dtype=pl.Float64)
    else:
        port, shore = place_distances(found, places)
    framed = found.with_columns(
        loitering_mmsi=pl.col("mmsi"),
        mmsi=pl.min_horizontal("mmsi", "dark_mmsi"),
        other_mmsi=pl.max_horizontal("mmsi", "dark_mmsi"),
        distance_from_port_km=port,
        distance_from_shore_km=shore,
    )
    scored = framed.with_columns(confidence=_confidence(params), details=_details(params))
    table = event_table("dark_rendezvous", scored)
    return (
        table.sort("confidence", descending=True)
        .unique("event_id", keep="first")
        .sort("start", "mmsi", "other_mmsi")
    )


def _confidence(params: RendezvousParams) -> pl.Expr:
    slack = (1.0 - pl.col("required_speed_kn") / params.max_speed_kn).clip(0.0, 1.0)
    overlap = pl.col("overlap_fraction").clip(0.0, 1.0)
    return (0.4 * overlap + 0.3 * slack + 0.3 * pl.col("gap_confidence")).round(4)


def _details(params: RendezvousParams) -> pl.Expr:
    numbers = [
        "overlap_hours",
        "overlap_fraction",
        "loitering_hours",
        "gap_hours",
        "distance_in_km",
        "hours_in",
        "required_speed_in_kn",
        "distance_out_km",
        "hours_out",
        "required_speed_out_kn",
        "gap_start_lat",
        "gap_start_lon",
        "gap_end_lat",
        "gap_end_lon",
        "distance_from_port_km",
        "distance_from_shore_km",
    ]
    margin = (params.max_speed_kn - pl.col("required_speed_kn")).alias("speed_margin_kn")
    fields = [rounded(pl.col(n)).alias(n) for n in numbers] + [
        rounded(margin).alias("speed_margin_kn")
    ]
    fields += [
        pl.col("loitering_mmsi"),
        pl.col("dark_mmsi"),
        pl.col("loitering_seg_id"),
        pl.col("dark_seg_id"),
        pl.col("loitering_event_id"),
        pl.col("gap_event_id"),
        pl.col("likely_intentional").alias("gap_likely_intentional"),
    ]
    return pl.struct(fields).struct.json_encode()
