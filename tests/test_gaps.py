"""AIS gap detection: named edge cases built from one-line tracks, and real GFW tracks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet.detect._ids import event_id
from darkfleet.detect.gaps import GapParams, gaps, reception
from darkfleet.errors import ConfigError
from darkfleet.geo import haversine_km
from darkfleet.places import Places
from test_loitering import SEA, T0, assert_events_schema, details, east, real, sail, stay, track

Point = tuple[float, float]
WEST = (35.5, 123.1)  # in the 1° cell (35, 123), 190 km from shore
NEAR_SHORE = (38.5, 125.0)  # off North Korea's west coast: 1.5 km from shore, 42 km from port
NEAR_NAMPO = (38.69, 125.30)


@pytest.fixture(scope="module")
def places() -> Places:
    return Places.bundled()


def dark_for(
    mmsi: int,
    start: Point,
    hours_dark: float,
    every_min: float = 5.0,
    end_km: float = 100.0,
    run_km: float = 66.7,
) -> pl.DataFrame:
    """12 h east (3 kn), silent ``hours_dark``, then 6 h at ``end_km`` east of the stop."""
    before = sail(start, east(start, run_km), 12.0, every_min)
    resume = east(before[-1], end_km)
    after = track(mmsi, T0 + timedelta(hours=12 + hours_dark), stay(resume, 6.0, every_min))
    return pl.concat([track(mmsi, T0, before, every_min), after])


def one(events: pl.DataFrame) -> dict[str, Any]:
    assert events.height == 1
    return details(events)[0]


# --- the definition ------------------------------------------------------------------


def test_13h_gap_at_sea_with_good_reception_is_likely_intentional(places: Places) -> None:
    events = gaps(dark_for(412000101, WEST, 13.0), places=places)
    info = one(events)
    stop = T0 + timedelta(hours=12)
    row = events.row(0, named=True)
    assert (row["kind"], row["mmsi"], row["other_mmsi"]) == ("gap", 412000101, None)
    assert (row["start"], row["end"], row["duration_h"]) == (stop, stop + timedelta(hours=13), 13.0)
    assert row["event_id"] == event_id("gap", 412000101, None, stop)
    assert (row["lat"], row["lon"]) == pytest.approx(east(WEST, 66.7))
    assert info["likely_intentional"] is True
    assert info["positions_12h_before"] == 145
    assert info["reception_positions_per_day"] == 145.0 and info["reception_days"] == 1
    assert (info["reception_cell_lat"], info["reception_cell_lon"]) == (35.0, 123.0)
    assert info["distance_km"] == pytest.approx(100.0, rel=1e-3)
    assert info["implied_speed_kn"] == pytest.approx(100.0 / 1.852 / 13.0, rel=1e-3)
    assert info["distance_from_shore_km"] > 37.04 and info["end_distance_from_shore_km"] > 37.04
    assert row["confidence"] == 1.0


def test_the_same_gap_in_a_sparse_area_is_not_likely_intentional(places: Places) -> None:
    events = gaps(dark_for(412000102, WEST, 13.0, every_min=180.0), places=places)
    info = one(events)
    assert info["positions_12h_before"] == 5 and info["reception_positions_per_day"] == 5.0
    assert info["likely_intentional"] is False
    assert events["confidence"][0] == pytest.approx(0.1 + 0.2 * 5 / 20 + 0.2 * 5 / 28, abs=1e-4)


def test_reception_counts_every_vessel_in_the_cell(places: Places) -> None:
    sparse = dark_for(412000103, WEST, 13.0, every_min=180.0)
    crowd = track(412000104, T0, stay(east(WEST, 20.0), 12.0, every_min=60.0))  # 13 fixes
    info = one(gaps(pl.concat([sparse, crowd]), places=places))
    assert info["reception_positions_per_day"] == 18.0
    assert info["likely_intentional"] is False  # still only 5 positions before the gap


def test_exactly_12_hours_is_not_a_gap() -> None:
    at = [SEA, east(SEA, 10.0)]
    assert gaps(track(412000105, T0, at, every_min=12 * 60)).is_empty()
    assert gaps(track(412000105, T0, at, every_min=12 * 60 + 1 / 60)).height == 1


def test_gap_that_ends_in_port_is_excluded(places: Places) -> None:
    start = (38.2, 124.3)
    assert places.distance_to_port_km(np.array([start[0]]), np.array([start[1]]))[0] > 10.0
    near = places.distance_to_port_km(np.array([NEAR_NAMPO[0]]), np.array([NEAR_NAMPO[1]]))
    assert near[0] < 10.0
    into_port = track(412000106, T0, [start, NEAR_NAMPO], every_min=14 * 60)
    assert gaps(into_port).height == 1
    assert gaps(into_port, places=places).is_empty()
    out_of_port = track(412000106, T0, [NEAR_NAMPO, start], every_min=14 * 60)
    assert gaps(out_of_port, places=places).is_empty()


def test_gap_near_shore_is_not_likely_intentional(places: Places) -> None:
    near = dark_for(412000107, NEAR_SHORE, 13.0, end_km=0.0, run_km=0.0)
    first = one(gaps(near, places=places))
    assert first["distance_from_shore_km"] < 37.04 and first["likely_intentional"] is False
    anywhere = GapParams(min_intentional_shore_nm=0.0)
    assert one(gaps(near, anywhere, places))["likely_intentional"] is True
    assert one(gaps(near))["likely_intentional"] is True  # no places: shore rule skipped
    assert one(gaps(near))["distance_from_shore_km"] is None


def test_positions_before_is_a_closed_12h_window() -> None:
    hourly = track(412000108, T0, stay(SEA, 24.0, every_min=60.0), every_min=60.0)
    later = track(412000108, T0 + timedelta(hours=37), [SEA])
    assert one(gaps(pl.concat([hourly, later])))["positions_12h_before"] == 13


def test_silence_between_segments_of_one_vessel_is_a_gap() -> None:
    # The segmenter starts a new segment after 24 h of silence: the gap lies between.
    first = track(412000109, T0, stay(SEA, 2.0), seg="a")
    second = track(412000109, T0 + timedelta(hours=30), stay(SEA, 2.0), seg="b")
    info = one(gaps(pl.concat([first, second])))
    assert (info["seg_id"], info["end_seg_id"]) == ("a", "b")
    assert info["gap_hours"] == pytest.approx(28.0, abs=0.2)


def test_no_gap_pairs_two_ships_sharing_one_mmsi() -> None:
    # Two overlapping segments are two ships: one's OFF is never paired with the other's ON.
    first = track(412000112, T0, stay(SEA, 6.0), seg="a")
    other = track(412000112, T0 + timedelta(hours=1), stay((SEA[0] + 3, SEA[1]), 30.0), seg="b")
    later = track(412000112, T0 + timedelta(hours=50), stay(SEA, 2.0), seg="c")
    assert gaps(pl.concat([first, other, later])).is_empty()
    assert one(gaps(pl.concat([first, later])))["end_seg_id"] == "c"  # one ship: a gap


def test_implausible_jump_between_segments_is_not_a_gap() -> None:
    first = track(412000113, T0, stay(SEA, 2.0), seg="a")
    far = track(412000113, T0 + timedelta(hours=30), stay((SEA[0] - 30, SEA[1]), 2.0), seg="b")
    assert gaps(pl.concat([first, far])).is_empty()


def test_silence_after_the_last_fix_is_not_reported() -> None:
    assert gaps(track(412000110, T0, stay(SEA, 2.0))).is_empty()


def test_gap_across_the_antimeridian_measures_the_short_way() -> None:
    hop = track(412000111, T0, [(0.0, 179.9), (0.0, -179.9)], every_min=13 * 60)
    info = one(gaps(hop))
    assert info["distance_km"] == pytest.approx(float(haversine_km(0.0, 179.9, 0.0, -179.9)))
    assert info["reception_cell_lon"] == 179.0


def test_reception_averages_over_days_with_data() -> None:
    day1 = track(1, datetime(2024, 3, 1, tzinfo=UTC), stay((35.2, 123.2), 29 / 6))  # 30 fixes
    day3 = track(2, datetime(2024, 3, 3, tzinfo=UTC), stay((35.8, 123.9), 1.5))  # 10 fixes
    edge = track(3, T0, [(10.0, 180.0), (-0.5, -180.0)])
    cells = reception(pl.concat([day1, day3, edge])).sort("cell_lat", "cell_lon")
    assert cells.rows() == [(-1.0, -180.0, 1.0, 1), (10.0, -180.0, 1.0, 1), (35.0, 123.0, 20.0, 2)]


# --- input handling ------------------------------------------------------------------


def test_output_matches_the_events_schema_both_ways(places: Places) -> None:
    assert_events_schema(gaps(dark_for(412000112, WEST, 13.0), places=places))
    assert_events_schema(gaps(track(412000112, T0, [SEA])))


def test_rows_without_position_or_segment_are_ignored_and_order_does_not_matter() -> None:
    clean = pl.concat([dark_for(412000113, WEST, 13.0), dark_for(412000114, SEA, 20.0)])
    noise = clean.head(2).with_columns(lat=pl.lit(None, pl.Float64))
    orphan = clean.head(1).with_columns(lat=pl.lit(0.0), lon=pl.lit(0.0), seg_id=pl.lit(None))
    messy = pl.concat([noise, clean, orphan]).sample(fraction=1.0, shuffle=True, seed=5)
    expected = gaps(clean).sort("mmsi")
    assert expected["mmsi"].to_list() == [412000113, 412000114]
    assert_frame_equal(gaps(messy).sort("mmsi"), expected)


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_gap_hours", 0.0), ("reception_cell_deg", -1.0), ("min_positions_before", "14")],
)
def test_bad_parameters_are_refused_with_the_value(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"GapParams.{field}.*{value}"):
        GapParams(**{field: value})  # type: ignore[arg-type]


# --- real GFW tracks -----------------------------------------------------------------


def test_container_ship_crossing_the_antimeridian_raises_no_gap_there(places: Places) -> None:
    """CSCL SUMMER (477293900) crosses 180° on 2 Jan 2021; its one gap is in the Sea of Japan."""
    segmented = real("477293900")
    assert (segmented["lon"] > 179.0).any() and (segmented["lon"] < -179.0).any()
    events = gaps(segmented, places=places)
    info = one(events)
    assert events["start"][0] == datetime(2021, 1, 6, 12, 14, 6, tzinfo=UTC)
    assert 130.0 < info["start_lon"] < 140.0 and 130.0 < info["end_lon"] < 140.0
    assert info["positions_12h_before"] == 58 and info["likely_intentional"] is False
