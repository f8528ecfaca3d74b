"""Loitering detection: named edge cases built from one-line tracks, and real GFW tracks.

The track builders here (``track``, ``stay``, ``sail``) are shared with the gap and
dark-rendezvous tests.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import darkfleet
from darkfleet.detect._ids import event_id
from darkfleet.detect.loitering import LoiteringParams, hourly_speeds, loitering
from darkfleet.detect.segment import segment
from darkfleet.errors import ConfigError
from darkfleet.places import Places
from darkfleet.schema import EVENTS, POSITIONS, polars_schema

Point = tuple[float, float]
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
KM_PER_DEG = 6371.0 * math.pi / 180.0
SEA = (35.5, 123.5)  # mid Yellow Sea: 169 km from the nearest port, 176 km from shore
GFW = Path(__file__).parent / "data" / "gpsdio_segment"
DETAIL_KEYS = {
    "loitering_hours",
    "total_distance_nm",
    "avg_speed_kn",
    "start_lat",
    "start_lon",
    "end_lat",
    "end_lon",
    "distance_from_port_km",
    "distance_from_shore_km",
    "coverage",
    "positions",
    "hours_with_data",
    "seg_id",
}


def track(
    mmsi: int, start: datetime, points: list[Point], every_min: float = 10.0, seg: str = ""
) -> pl.DataFrame:
    """One fix per point, every ``every_min`` minutes from ``start``, canonical columns."""
    ts = [start + timedelta(minutes=every_min * i) for i in range(len(points))]
    frame = pl.DataFrame(
        {"mmsi": [mmsi] * len(points), "ts": ts, "lat": [p[0] for p in points]}
        | {"lon": [(p[1] + 180.0) % 360.0 - 180.0 for p in points]}
    )
    cols = [
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in polars_schema(POSITIONS).items()
    ]
    return frame.select(*cols, pl.lit(seg or f"{mmsi}-1").alias("seg_id"))


def stay(at: Point, hours: float, every_min: float = 10.0, drift_kn: float = 0.0) -> list[Point]:
    """Fixes of ``hours`` at ``at``, drifting north at ``drift_kn`` (first fix included)."""
    n = round(hours * 60 / every_min) + 1
    north_deg = drift_kn * 1.852 / KM_PER_DEG * every_min / 60.0
    return [(at[0] + i * north_deg, at[1]) for i in range(n)]


def sail(a: Point, b: Point, hours: float, every_min: float = 10.0) -> list[Point]:
    """Fixes from ``a`` to ``b`` in ``hours``, evenly spaced, both ends included."""
    n = round(hours * 60 / every_min) + 1
    return [
        (a[0] + (b[0] - a[0]) * i / (n - 1), a[1] + (b[1] - a[1]) * i / (n - 1)) for i in range(n)
    ]


def east(at: Point, km: float) -> Point:
    return at[0], at[1] + km / (KM_PER_DEG * math.cos(math.radians(at[0])))


def details(events: pl.DataFrame) -> list[dict[str, Any]]:
    return [json.loads(d) for d in events["details"]]


@pytest.fixture(scope="module")
def places() -> Places:
    return Places.bundled()


# --- the definition ------------------------------------------------------------------


def test_still_for_six_hours_at_sea_is_loitering() -> None:
    events = loitering(track(412000001, T0, stay(SEA, 6.0)))
    assert events.height == 1
    row = events.row(0, named=True)
    assert (row["kind"], row["mmsi"], row["other_mmsi"]) == ("loitering", 412000001, None)
    assert (row["start"], row["end"], row["duration_h"]) == (T0, T0 + timedelta(hours=6), 6.0)
    assert (row["lat"], row["lon"]) == pytest.approx(SEA)
    assert row["event_id"] == event_id("loitering", 412000001, None, T0)
    info = details(events)[0]
    assert set(info) == DETAIL_KEYS
    assert info["loitering_hours"] == 6.0 and info["avg_speed_kn"] == 0.0
    assert info["positions"] == 37 and info["seg_id"] == "412000001-1"
    assert info["distance_from_port_km"] is None and info["distance_from_shore_km"] is None
    assert row["confidence"] == pytest.approx(0.5 * 6 / 8 + 0.3 + 0.2)


def test_output_matches_the_events_schema_both_ways() -> None:
    for events in (loitering(track(1, T0, stay(SEA, 6.0))), loitering(track(1, T0, [SEA]))):
        assert_events_schema(events)


def assert_events_schema(events: pl.DataFrame) -> None:
    """Every EVENTS column, in order and type, and no other; the Arrow form casts exactly."""
    expected = polars_schema(EVENTS)
    assert set(events.columns) == set(expected) and set(expected) == set(events.columns)
    assert events.schema == expected
    assert events.to_arrow().cast(EVENTS).schema == EVENTS
    assert all("\n" not in d for d in events["details"])


def test_slow_for_three_and_a_half_hours_is_not_loitering() -> None:
    slow = track(412000002, T0, stay(SEA, 3.5))
    assert loitering(slow).is_empty()
    assert loitering(slow, LoiteringParams(min_loitering_hours=3.5)).height == 1


def test_implied_speed_decides_not_reported_speed() -> None:
    drifting = track(412000003, T0, stay(SEA, 5.0, drift_kn=1.5))
    steaming = track(412000004, T0, stay(SEA, 5.0, drift_kn=2.5))
    events = loitering(pl.concat([drifting, steaming]))
    assert events["mmsi"].to_list() == [412000003]
    assert details(events)[0]["avg_speed_kn"] == pytest.approx(1.5, rel=1e-3)
    assert details(events)[0]["total_distance_nm"] == pytest.approx(7.5, rel=1e-3)


def test_loitering_across_midnight_is_one_event() -> None:
    start = datetime(2024, 3, 1, 21, 0, tzinfo=UTC)
    events = loitering(track(412000005, start, stay(SEA, 6.0)))
    assert events.height == 1
    assert events["start"][0] == start and events["end"][0] == start + timedelta(hours=6)
    assert details(events)[0]["hours_with_data"] == 7  # 21 h (after 21:00) ... 03 h


def test_loitering_at_the_antimeridian() -> None:
    points = sail((-16.5, 179.98), (-16.5, 180.02), 6.0)  # 4.3 km in 6 h across 180°
    events = loitering(track(412000006, T0, points))
    assert events.height == 1
    info = details(events)[0]
    assert abs(events["lon"][0]) == pytest.approx(180.0, abs=1e-6)
    assert info["total_distance_nm"] == pytest.approx(4.263 / 1.852, rel=1e-3)
    assert info["start_lon"] == pytest.approx(179.98) and info["end_lon"] == pytest.approx(-179.98)


def test_a_fast_hour_splits_a_run() -> None:
    a, b = SEA, east(SEA, 18.52)  # 10 kn for one hour
    points = stay(a, 3.0) + sail(a, b, 1.0)[1:] + stay(b, 3.0)[1:]
    assert loitering(track(412000007, T0, points)).is_empty()


def test_silence_longer_than_max_gap_splits_a_run() -> None:
    before = track(412000008, T0, stay(SEA, 3.0))
    after = track(412000008, T0 + timedelta(hours=5.5), stay(SEA, 3.0))
    assert loitering(pl.concat([before, after])).is_empty()


def test_silence_up_to_max_gap_is_bridged() -> None:
    before = track(412000009, T0, stay(SEA, 3.0))
    after = track(412000009, T0 + timedelta(hours=4.5), stay(SEA, 3.0))
    events = loitering(pl.concat([before, after]))
    assert events.height == 1
    assert details(events)[0]["loitering_hours"] == pytest.approx(7.5)
    assert details(events)[0]["hours_with_data"] == 8  # 10-13 h and 14-17 h


def test_hourly_speed_counts_the_interval_from_the_previous_hour() -> None:
    a, b = SEA, east(SEA, 1.852)
    hourly = hourly_speeds(track(1, T0, [a, b], every_min=60.0), LoiteringParams())
    assert hourly["hour_speed_kn"].to_list() == [None, pytest.approx(1.0)]


def test_near_a_port_is_excluded(places: Places) -> None:
    near_nampo = (38.69, 125.30)
    assert places.distance_to_port_km(np.array([38.69]), np.array([125.30]))[0] < 10.0
    moored = track(412000010, T0, stay(near_nampo, 8.0))
    assert loitering(moored).height == 1
    assert loitering(moored, places=places).is_empty()


def test_derived_anchorage_is_excluded_via_places(places: Places) -> None:
    waiting = track(412000011, T0, stay(SEA, 8.0))
    assert loitering(waiting, places=places).height == 1
    anchorage = pl.DataFrame({"lat": [SEA[0]], "lon": [east(SEA, 3.0)[1]]})
    assert loitering(waiting, places=places.with_anchorages(anchorage)).is_empty()


def test_distances_from_places(places: Places) -> None:
    events = loitering(track(412000012, T0, stay(SEA, 6.0)), places=places)
    info = details(events)[0]
    assert info["distance_from_port_km"] == pytest.approx(168.69, abs=0.1)
    assert info["distance_from_shore_km"] == pytest.approx(176.0, abs=1.0)


# --- input handling ------------------------------------------------------------------


def test_rows_without_position_or_segment_are_ignored() -> None:
    clean = track(412000013, T0, stay(SEA, 6.0))
    noise = clean.head(3).with_columns(
        lat=pl.Series([None, 10.0, float("nan")]), lon=pl.Series([0.0, None, 0.0])
    )
    orphan = clean.slice(5, 1).with_columns(lat=pl.lit(0.0), seg_id=pl.lit(None, pl.String))
    assert_frame_equal(loitering(pl.concat([noise, clean, orphan])), loitering(clean))


def test_row_order_does_not_matter_and_vessels_are_separate() -> None:
    one = track(412000014, T0, stay(SEA, 6.0))
    two = track(412000015, T0, stay(east(SEA, 0.2), 5.0))
    both = pl.concat([one, two])
    shuffled = both.sample(fraction=1.0, shuffle=True, seed=3)
    expected = loitering(both).sort("mmsi")
    assert expected["mmsi"].to_list() == [412000014, 412000015]
    assert_frame_equal(loitering(shuffled).sort("mmsi"), expected)


def test_segments_of_one_mmsi_are_separate() -> None:
    first = track(412000016, T0, stay(SEA, 3.0), seg="a")
    second = track(412000016, T0 + timedelta(hours=3, minutes=10), stay(SEA, 3.0), seg="b")
    assert loitering(pl.concat([first, second])).is_empty()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_speed_kn", 0.0),
        ("min_loitering_hours", -1.0),
        ("max_gap_hours", float("nan")),
        ("min_port_distance_km", True),
    ],
)
def test_bad_parameters_are_refused_with_the_value(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=f"LoiteringParams.{field}.*{value}"):
        LoiteringParams(**{field: value})


# --- real GFW tracks -----------------------------------------------------------------


def real(name: str) -> pl.DataFrame:
    positions, _ = darkfleet.read_ais(GFW / f"regr_{name}.jsonl.gz")
    return segment(positions)


def test_vlcc_perfect_slows_off_cape_town_but_does_not_loiter(places: Places) -> None:
    """PERFECT (VLCC, 636019687) slows to 2.6-6 kn off Cape Town on 7-8 Jan 2021."""
    track_ = real("636019687")
    assert loitering(track_).is_empty()
    hourly = hourly_speeds(track_, LoiteringParams()).filter(pl.col("ts").dt.day().is_in([7, 8]))
    slowest = hourly.drop_nulls("hour_speed_kn").sort("hour_speed_kn").row(0, named=True)
    assert 2.0 < slowest["hour_speed_kn"] < 3.0
    assert slowest["hour"] == datetime(2021, 1, 8, 7, tzinfo=UTC)
    port = places.distance_to_port_km(np.array([slowest["lat"]]), np.array([slowest["lon"]]))
    assert 10.0 < port[0] < 20.0  # close to, but outside, Cape Town's port area


def test_krill_trawler_loiters_far_from_port(places: Places) -> None:
    """MORE SODRUZHESTVA (272208000) works slowly off the South Orkneys."""
    events = loitering(real("272208000"), places=places)
    assert events.height >= 1
    for info in details(events):
        assert info["distance_from_port_km"] > 10.0
        assert info["avg_speed_kn"] < 2.0 and info["loitering_hours"] >= 4.0
    assert events["lat"].is_between(-61.0, -60.0).all()
