"""Dark rendezvous: one vessel loiters while another, dark, could have been alongside.

Definition, with the defaults of :class:`RendezvousParams`, from loitering and gap
events (as :func:`~darkfleet.detect.loitering.loitering` and
:func:`~darkfleet.detect.gaps.gaps` emit them):

1. **Overlap.** Vessel A loiters from ``start`` to ``end``; vessel B (another MMSI)
   is dark from its last fix (``gap start``) to its next fix (``gap end``). B's gap
   must cover at least ``min_overlap_fraction`` (0.5: "most of") of A's loitering
   time. Candidates come from an inequality join on the two time intervals (in
   batches of bounded size), so the search never compares every loiter with every gap.
2. **Reach.** B must have been able to lie alongside A for at least
   ``min_alongside_hours`` (3 h: mooring, connecting hoses and pumping a cargo take
   hours; stricter than the 2 h of a visible encounter because the meeting itself is
   inferred, and a long gap alone gives a wide reach) within the overlap: leaving its
   last fix at ``gap start`` at no more than ``max_speed_kn`` (15 kn, a laden tanker's
   top service speed) it arrives at A's loiter position no earlier than
   ``gap start + distance in / speed``; to reach its first fix after the gap it must
   leave no later than ``gap end - distance out / speed``; that window, cut to the
   overlap, must last ``min_alongside_hours``. Distances are shortened by
   ``position_tolerance_km`` (5 km: A's loiter position is a mean, and a vessel under
   2 kn drifts a few km in hours). ``details`` carry the window and the speeds B needed.
   At B's own speed over ground either side of the gap (``cruise_speed_kn`` 10 kn when
   unknown or under 3 kn) the window must still last ``min_expected_alongside_hours``
   (2 h): a vessel that went to meet A spent its silence sailing there and back, one
   that merely passed within reach had no time to spare. And when it fell silent B was
   heading for A, and when heard again heading away from it: its course over ground
   lies within ``max_course_offset_deg`` (60°) of the bearing to (from) A's position.
3. **Explained loitering is skipped**: a loiter that overlaps a visible encounter of
   A with a third vessel (when encounter events are given) already has its partner.
4. **One to one**: each dark gap and each loitering take part in at most one
   rendezvous, paired greedily: B's course pointing most nearly at A first (an unknown
   course counts as 45° off), then the longest expected window;
   ``details.other_candidates`` counts the loiterers a gap could also have met.
   ``mmsi`` is the smaller MMSI and ``other_mmsi`` the larger (``details`` says which
   one loitered and which one went dark); ``start``/``end`` are A's loitering time and
   ``lat``/``lon`` its loiter position.

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
from darkfleet.detect._events import event_table, place_distances, rounded
from darkfleet.detect.encounters import PlaceLookup
from darkfleet.errors import ConfigError
from darkfleet.geo import KM_PER_NM, bearing_deg, haversine_km

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
    "start_sog_kn",
    "end_sog_kn",
    "start_cog_deg",
    "end_cog_deg",
]
_LOITER_DETAILS = pl.Struct({"seg_id": pl.String, "loitering_hours": pl.Float64})
_GAP_DETAILS = pl.Struct(
    {
        "seg_id": pl.String,
        "end_lat": pl.Float64,
        "end_lon": pl.Float64,
        "gap_hours": pl.Float64,
        "likely_intentional": pl.Boolean,
        "start_sog_kn": pl.Float64,
        "end_sog_kn": pl.Float64,
        "start_cog_deg": pl.Float64,
        "end_cog_deg": pl.Float64,
    }
)


@dataclass(frozen=True)
class RendezvousParams:
    """Thresholds of the dark-rendezvous definition (see the module docstring)."""

    max_speed_kn: float = 15.0
    min_overlap_fraction: float = 0.5
    position_tolerance_km: float = 5.0
    min_alongside_hours: float = 3.0
    cruise_speed_kn: float = 10.0
    min_expected_alongside_hours: float = 2.0
    max_course_offset_deg: float = 60.0

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
    encounter_events: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Dark-rendezvous events (schema.EVENTS) from loitering and gap events.

    All inputs are schema.EVENTS tables; rows of other kinds are ignored, so the
    same events table may be passed for each.
    """
    loiters = _unexplained(loitering_events, encounter_events)
    found = candidates(loiters, gap_events, params)
    return _events(_best_per_gap(found), params, places)


def _unexplained(loitering: pl.DataFrame, encounters: pl.DataFrame | None) -> pl.DataFrame:
    """Loitering not overlapping a visible encounter of the same vessel."""
    if encounters is None:
        return loitering
    meets = encounters.filter(pl.col("kind") == "encounter")
    sides = pl.concat(
        [
            meets.select("mmsi", "start", "end"),
            meets.select(pl.col("other_mmsi").alias("mmsi"), "start", "end"),
        ]
    )
    loiters = loitering.filter(pl.col("kind") == "loitering")
    busy = loiters.join(sides, on="mmsi", suffix="_meet").filter(
        (pl.col("start_meet") < pl.col("end")) & (pl.col("end_meet") > pl.col("start"))
    )
    return loiters.join(busy.select("event_id"), on="event_id", how="anti")


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
    """Adds B's possible time alongside A; keeps pairs with at least the minimum."""
    lat, lon = found["lat"].to_numpy(), found["lon"].to_numpy()
    km_in = haversine_km(
        found["gap_start_lat"].to_numpy(), found["gap_start_lon"].to_numpy(), lat, lon
    )
    km_out = haversine_km(
        lat, lon, found["gap_end_lat"].to_numpy(), found["gap_end_lon"].to_numpy()
    )
    tol, speed = params.position_tolerance_km, params.max_speed_kn * KM_PER_NM
    travel_in = pl.duration(microseconds=_travel_us(pl.col("distance_in_km"), tol, speed))
    travel_out = pl.duration(microseconds=_travel_us(pl.col("distance_out_km"), tol, speed))
    arrive = pl.max_horizontal(pl.col("gap_start") + travel_in, "overlap_start")
    leave = pl.min_horizontal(pl.col("gap_end") - travel_out, "overlap_end")
    alongside = (pl.col("alongside_to") - pl.col("alongside_from")).dt.total_microseconds()
    framed = found.with_columns(
        distance_in_km=pl.Series(km_in), distance_out_km=pl.Series(km_out)
    ).with_columns(alongside_from=arrive, alongside_to=leave)
    framed = framed.with_columns(alongside_hours=alongside / _US_PER_HOUR).with_columns(
        required_speed_in_kn=_speed(
            "distance_in_km", pl.col("overlap_end") - pl.col("gap_start"), tol, params
        ),
        required_speed_out_kn=_speed(
            "distance_out_km", pl.col("gap_end") - pl.col("overlap_start"), tol, params
        ),
    )
    required = pl.max_horizontal("required_speed_in_kn", "required_speed_out_kn")
    framed = framed.with_columns(required_speed_kn=required, **_expected(params))
    framed = _with_course_offsets(framed)
    heading_fits = pl.max_horizontal("course_offset_in_deg", "course_offset_out_deg").fill_null(0.0)
    return framed.filter(
        (pl.col("alongside_hours") >= params.min_alongside_hours)
        & (pl.col("expected_alongside_hours") >= params.min_expected_alongside_hours)
        & (heading_fits <= params.max_course_offset_deg)
    )


def _with_course_offsets(found: pl.DataFrame) -> pl.DataFrame:
    """Degrees between B's course over ground and the bearing to (from) A's position.

    When it fell silent B was heading for A (``course_offset_in_deg``), and when it was
    heard again it was heading away from A (``course_offset_out_deg``); null where the
    course is unknown or B was within the position tolerance of A.
    """
    lat, lon = found["lat"].to_numpy(), found["lon"].to_numpy()
    b_in = bearing_deg(
        found["gap_start_lat"].to_numpy(), found["gap_start_lon"].to_numpy(), lat, lon
    )
    b_out = bearing_deg(lat, lon, found["gap_end_lat"].to_numpy(), found["gap_end_lon"].to_numpy())

    def offset(bearing: np.ndarray, cog: str, km: str) -> pl.Expr:
        diff = (pl.lit(pl.Series(bearing)) - pl.col(cog)).abs() % 360.0
        angle = pl.min_horizontal(diff, 360.0 - diff)
        return pl.when(pl.col(km) > 5.0).then(angle)

    return found.with_columns(
        course_offset_in_deg=offset(b_in, "start_cog_deg", "distance_in_km"),
        course_offset_out_deg=offset(b_out, "end_cog_deg", "distance_out_km"),
    )


def _expected(params: RendezvousParams) -> dict[str, pl.Expr]:
    """B's time alongside if it sailed at its own observed speed (SOG either side of the gap).

    A vessel that really went to meet A spends its silence sailing there, lying
    alongside and sailing on, so at its own speed the window stays hours long; one that
    merely passed within reach has no time to spare for it.
    """
    tol = params.position_tolerance_km

    def cruise(sog: str) -> pl.Expr:
        own = pl.when(pl.col(sog) >= 3.0).then(pl.col(sog))
        knots = own.fill_null(params.cruise_speed_kn).clip(3.0, params.max_speed_kn)
        return knots * KM_PER_NM

    def travel(km: str, sog: str) -> pl.Expr:
        hours = (pl.col(km) - tol).clip(lower_bound=0.0) / cruise(sog)
        return pl.duration(microseconds=(hours * _US_PER_HOUR).cast(pl.Int64))

    arrive = pl.max_horizontal(
        pl.col("gap_start") + travel("distance_in_km", "start_sog_kn"), "overlap_start"
    )
    leave = pl.min_horizontal(
        pl.col("gap_end") - travel("distance_out_km", "end_sog_kn"), "overlap_end"
    )
    hours = (leave - arrive).dt.total_microseconds() / _US_PER_HOUR
    return {"expected_alongside_hours": hours}


def _travel_us(km: pl.Expr, tolerance_km: float, km_per_hour: float) -> pl.Expr:
    """Microseconds to cover ``km`` less the tolerance at ``km_per_hour``."""
    return ((km - tolerance_km).clip(lower_bound=0.0) / km_per_hour * _US_PER_HOUR).cast(pl.Int64)


def _speed(km: str, span: pl.Expr, tolerance_km: float, params: RendezvousParams) -> pl.Expr:
    """Knots B needed to cover ``km`` (less the tolerance) and still spend the minimum alongside."""
    hours = span.dt.total_microseconds() / _US_PER_HOUR - params.min_alongside_hours
    left = (pl.col(km) - tolerance_km).clip(lower_bound=0.0)
    return pl.when(left == 0.0).then(0.0).otherwise(left / KM_PER_NM / hours.clip(1e-6))


def _best_per_gap(found: pl.DataFrame) -> pl.DataFrame:
    """Pair dark gaps with loiterers one to one, most plausible first.

    Candidates are ranked by the longest possible time alongside, then the least speed
    needed; taking them greedily in that order, a gap or a loiter already paired is
    not paired again. ``other_candidates`` counts the pairings each gap gave up.
    """
    course = pl.max_horizontal("course_offset_in_deg", "course_offset_out_deg").fill_null(45.0)
    ordered = (
        found.with_columns(_course=course)
        .sort(
            "_course",
            "expected_alongside_hours",
            "required_speed_kn",
            "start",
            descending=[False, True, False, False],
        )
        .drop("_course")
        .with_columns(other_candidates=(pl.len().over("gap_event_id") - 1).cast(pl.Int64))
    )
    used_gaps: set[str] = set()
    used_loiters: set[str] = set()
    keep: list[int] = []
    pairs = zip(ordered["gap_event_id"], ordered["loitering_event_id"], strict=True)
    for i, (gap, loiter) in enumerate(pairs):
        if gap not in used_gaps and loiter not in used_loiters:
            used_gaps.add(gap)
            used_loiters.add(loiter)
            keep.append(i)
    return ordered[keep]


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
    slack = slack / (1 + pl.col("other_candidates"))
    overlap = pl.col("overlap_fraction").clip(0.0, 1.0)
    return (0.4 * overlap + 0.3 * slack + 0.3 * pl.col("gap_confidence")).round(4)


def _details(params: RendezvousParams) -> pl.Expr:
    numbers = [
        "overlap_hours",
        "overlap_fraction",
        "loitering_hours",
        "gap_hours",
        "alongside_hours",
        "expected_alongside_hours",
        "course_offset_in_deg",
        "course_offset_out_deg",
        "distance_in_km",
        "required_speed_in_kn",
        "distance_out_km",
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
        pl.col("alongside_from").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        pl.col("alongside_to").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        pl.col("other_candidates"),
    ]
    return pl.struct(fields).struct.json_encode()
