"""Encounter detection: named edge cases built from one-line tracks."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet.detect._grid import cell_grid, close_pairs
from darkfleet.detect._ids import event_id
from darkfleet.detect.encounters import (
    EncounterParams,
    encounters,
    merge_encounters,
    raw_encounters,
    resample,
)
from darkfleet.errors import ConfigError
from darkfleet.geo import haversine_km
from darkfleet.schema import EVENTS, POSITIONS, polars_schema

F64 = npt.NDArray[np.float64]
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
KM_PER_DEG = 6371.0 * math.pi / 180.0
PARAMS = EncounterParams()


def track(
    mmsi: int,
    lat: float,
    lon: float,
    hours: float,
    start: datetime = T0,
    every_min: float = 5.0,
    kn_north: float = 0.0,
    seg: str | None = None,
) -> pl.DataFrame:
    """Fixes of one vessel every ``every_min`` minutes, drifting north at ``kn_north``."""
    n = int(hours * 60 / every_min) + 1
    minutes = np.arange(n) * every_min
    lats = lat + kn_north * 1.852 / KM_PER_DEG * minutes / 60.0
    positions = pl.DataFrame(
        {
            "mmsi": [mmsi] * n,
            "ts": [start + timedelta(minutes=float(m)) for m in minutes],
            "lat": lats,
            "lon": [lon] * n,
            "sog_kn": [abs(kn_north)] * n,
            "cog_deg": [0.0 if kn_north >= 0 else 180.0] * n,
        }
    )
    return canonical(positions, seg or f"{mmsi}-1")


def canonical(frame: pl.DataFrame, seg: str) -> pl.DataFrame:
    """``frame`` with every canonical positions column (absent ones null) plus seg_id."""
    schema = polars_schema(POSITIONS)
    cols = [
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in schema.items()
    ]
    return frame.select(*cols, pl.lit(seg).alias("seg_id"))


def east_of(lon: float, km: float, lat: float = 0.0) -> float:
    return lon + km / (KM_PER_DEG * math.cos(math.radians(lat)))


def detect(*tracks: pl.DataFrame, places: object | None = None) -> pl.DataFrame:
    return encounters(pl.concat(tracks), PARAMS, places)  # type: ignore[arg-type]


def details(events: pl.DataFrame, row: int = 0) -> dict[str, object]:
    loaded = json.loads(events["details"][row])
    assert isinstance(loaded, dict)
    return loaded


@dataclass
class FakePlaces:
    """Every point is ``port_km`` from a port and ``shore_km`` from the shore."""

    port_km: float
    shore_km: float

    def distance_to_port_km(self, lat: F64, lon: F64) -> F64:
        return np.full(np.shape(lat), self.port_km)

    def distance_to_shore_km(self, lat: F64, lon: F64) -> F64:
        return np.full(np.shape(lat), self.shore_km)


# --- the definition, case by case -------------------------------------------------


def test_two_vessels_alongside_for_three_hours_meet_once() -> None:
    events = detect(track(222, 30.0, 125.0, 3), track(111, 30.0, east_of(125.0, 0.1, 30.0), 3))
    assert events.height == 1
    row = events.row(0, named=True)
    assert (row["kind"], row["mmsi"], row["other_mmsi"]) == ("encounter", 111, 222)
    # both tracks are extrapolated an hour beyond their ends, as in GFW
    assert row["start"] == T0 - timedelta(hours=1) and row["end"] == T0 + timedelta(hours=4)
    assert row["duration_h"] == pytest.approx(5.0)
    assert 0.0 <= row["confidence"] <= 1.0
    assert details(events)["median_distance_km"] == pytest.approx(0.1, rel=1e-3)


def test_output_schema_is_exactly_events() -> None:
    events = detect(track(1, 10.0, 10.0, 3), track(2, 10.0, 10.001, 3))
    assert events.schema == polars_schema(EVENTS)
    assert events.to_arrow().cast(EVENTS).schema == EVENTS
    for field in EVENTS:
        assert field.nullable or events[field.name].null_count() == 0, field.name
    empty = detect(track(1, 10.0, 10.0, 3))
    assert empty.schema == polars_schema(EVENTS) and empty.height == 0


def test_details_carry_every_explaining_number() -> None:
    events = detect(track(1, 10.0, 10.0, 3), track(2, 10.0, 10.001, 3))
    found = details(events)
    assert set(found) >= {
        "median_distance_km",
        "median_speed_kn",
        "median_speed_kn_mmsi",
        "median_speed_kn_other",
        "start_lat",
        "start_lon",
        "end_lat",
        "end_lon",
        "real_points_mmsi",
        "real_points_other",
        "seg_ids_mmsi",
        "seg_ids_other",
        "distance_from_port_km",
        "distance_from_shore_km",
    }
    assert found["distance_from_port_km"] is None and found["seg_ids_mmsi"] == ["1-1"]
    assert "\n" not in events["details"][0]


def test_midnight_crossing_is_one_encounter() -> None:
    start = datetime(2024, 3, 1, 22, 30, tzinfo=UTC)
    events = detect(
        track(1, 5.0, 5.0, 3, start=start), track(2, 5.0, east_of(5.0, 0.2, 5.0), 3, start=start)
    )
    assert events.height == 1
    hour = timedelta(hours=1)
    assert (events["start"][0], events["end"][0]) == (start - hour, start + 4 * hour)


def test_antimeridian_pair_is_found_and_placed_at_the_dateline() -> None:
    events = detect(track(1, -1.5, 179.9995, 3), track(2, -1.5, -179.9995, 3))
    assert events.height == 1
    assert abs(events["lon"][0]) == pytest.approx(180.0, abs=1e-3)
    assert details(events)["median_distance_km"] == pytest.approx(0.111, abs=1e-3)


def test_pair_across_a_grid_cell_edge_is_found() -> None:
    grid = cell_grid(PARAMS.max_adjacency_dist_km)
    band = grid.n_bands // 2 + 7
    edge_lat = -90.0 + band * grid.band_deg
    cells = int(grid.lon_cells[band])
    edge_lon = -180.0 + 360.0 * 17 / cells
    south_west = track(1, edge_lat - 1e-4, edge_lon - 1e-4, 3)
    north_east = track(2, edge_lat + 1e-4, edge_lon + 1e-4, 3)
    assert detect(south_west, north_east).height == 1


def test_fast_separation_is_no_encounter() -> None:
    together = track(1, 0.0, 0.0, 3)
    leaving = track(2, 0.0, 0.001, 3, kn_north=15.0)
    assert detect(together, leaving).height == 0


def test_three_vessels_together_make_three_pairs() -> None:
    events = detect(track(3, 20.0, 60.0, 3), track(1, 20.0, 60.001, 3), track(2, 20.0, 60.002, 3))
    pairs = sorted(zip(events["mmsi"], events["other_mmsi"], strict=True))
    assert pairs == [(1, 2), (1, 3), (2, 3)]


def test_gap_over_an_hour_in_the_middle_is_not_interpolated() -> None:
    before = track(1, 0.0, 0.0, 2)
    after = track(1, 0.0, 0.0, 2, start=T0 + timedelta(hours=4))
    gappy = pl.concat([before, after])
    samples = resample(gappy, PARAMS)
    inside = samples.filter(
        (pl.col("ts") > T0 + timedelta(hours=2, minutes=59))
        & (pl.col("ts") < T0 + timedelta(hours=3, minutes=1))
    )
    assert inside.height == 0
    partner = track(2, 0.0, 0.001, 6)
    events = detect(gappy, partner)
    assert events.height == 1  # one run: a hole in one track does not end it
    assert events["duration_h"][0] == pytest.approx(8.0)  # 6 h, extrapolated 1 h each side


def test_moving_together_fast_is_not_published() -> None:
    convoy = track(1, 0.0, 0.0, 3, kn_north=10.0), track(2, 0.0, 0.001, 3, kn_north=10.0)
    assert detect(*convoy).height == 0


def test_meeting_shorter_than_two_hours_is_not_published() -> None:
    hour = timedelta(hours=1)
    visitor = pl.concat(
        [
            track(2, 0.05, 0.0, 2, start=T0 - 2 * hour),
            track(2, 0.0, 0.001, 1.5, start=T0 + timedelta(minutes=5)),
            track(2, 0.05, 0.0, 2, start=T0 + 2 * hour),
        ]
    )
    assert detect(track(1, 0.0, 0.0, 6, start=T0 - 2 * hour), visitor).height == 0
    longer = visitor.filter(pl.col("lat") < 0.01).vstack(
        track(2, 0.0, 0.001, 0.75, start=T0 + timedelta(minutes=100))
    )
    assert detect(track(1, 0.0, 0.0, 6, start=T0 - 2 * hour), longer.sort("ts")).height == 1


def test_meetings_closer_than_merge_gap_merge_and_farther_do_not() -> None:
    def meetings(gap_h: float) -> pl.DataFrame:
        second = T0 + timedelta(hours=2 + gap_h)
        return detect(
            track(1, 0.0, 0.0, 2),
            track(2, 0.0, 0.001, 2),
            track(1, 0.0, 0.0, 2, start=second, seg="1-2"),
            track(2, 0.0, 0.001, 2, start=second, seg="2-2"),
        )

    # each meeting is extrapolated an hour at both ends, so 3 h apart leaves 1 h
    assert meetings(3.0).height == 1
    assert meetings(7.0).height == 2


def test_same_mmsi_segments_are_not_partners() -> None:
    assert detect(track(1, 0.0, 0.0, 3), track(1, 0.0, 0.001, 3, seg="1-b")).height == 0


def test_null_positions_are_ignored() -> None:
    pair = pl.concat([track(1, 0.0, 0.0, 3), track(2, 0.0, 0.001, 3)])
    nulls = pair.head(5).with_columns(lat=None, lon=None, ts=pl.col("ts") + timedelta(seconds=1))
    assert encounters(pl.concat([pair, nulls]), PARAMS).equals(encounters(pair, PARAMS))


def test_missing_segment_ids_mean_one_segment_per_mmsi() -> None:
    pair = pl.concat([track(1, 0.0, 0.0, 3), track(2, 0.0, 0.001, 3)])
    events = encounters(pair.with_columns(seg_id=None), PARAMS)
    assert events.height == 1 and details(events)["seg_ids_mmsi"] == ["1"]
    assert encounters(pair.drop("seg_id"), PARAMS).height == 1


def test_port_and_land_filter_and_distances_in_details() -> None:
    pair = track(1, 0.0, 0.0, 3), track(2, 0.0, 0.001, 3)
    assert detect(*pair, places=FakePlaces(port_km=5.0, shore_km=30.0)).height == 0
    assert detect(*pair, places=FakePlaces(port_km=50.0, shore_km=0.0)).height == 0
    events = detect(*pair, places=FakePlaces(port_km=50.0, shore_km=30.0))
    assert events.height == 1
    found = details(events)
    assert (found["distance_from_port_km"], found["distance_from_shore_km"]) == (50.0, 30.0)


def test_event_ids_are_deterministic() -> None:
    pair = pl.concat([track(1, 0.0, 0.0, 3), track(2, 0.0, 0.001, 3)])
    first, again = encounters(pair, PARAMS), encounters(pair.reverse(), PARAMS)
    assert first.equals(again)
    start = T0 - timedelta(hours=1)
    assert first["event_id"][0] == event_id("encounter", 1, 2, start)
    assert len(first["event_id"][0]) == 16


def test_stages_compose_into_the_events() -> None:
    pair = pl.concat([track(1, 0.0, 0.0, 3), track(2, 0.0, 0.001, 3)])
    raw = raw_encounters(resample(pair, PARAMS), PARAMS)
    assert sorted(raw["mmsi"]) == [1, 2]  # one raw row per direction
    merged = merge_encounters(raw, PARAMS)
    assert merged.height == 1 and merged["point_count"][0] == raw["point_count"].sum()


@pytest.mark.parametrize(
    "change",
    [
        {"max_adjacency_dist_km": 4.0},
        {"max_encounter_dist_km": 2.0},
        {"max_tracked_distances": 0},
        {"resample_minutes": 7},
        {"max_gap_hours": 0.0},
        {"max_median_speed_kn": -1.0},
    ],
)
def test_bad_parameters_raise_config_error_with_values(change: dict[str, float]) -> None:
    with pytest.raises(ConfigError) as error:
        EncounterParams(**change)  # type: ignore[arg-type]
    key, value = next(iter(change.items()))
    assert f"{key}={value!r}" in str(error.value)


# --- the grid join finds every close pair, and only those --------------------------


def brute_force(lat: F64, lon: F64, slot: npt.NDArray[np.int64], km: float) -> set[tuple[int, int]]:
    found = set()
    for i in range(lat.size):
        d = haversine_km(lat[i], lon[i], lat, lon)
        for j in np.flatnonzero((d <= km) & (slot == slot[i])):
            if i < j:
                found.add((i, int(j)))
    return found


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    centre_lat=st.sampled_from([0.0, 45.0, -60.0, 85.0, 89.99, -89.995]),
    centre_lon=st.sampled_from([0.0, 179.99, -179.995, 100.0]),
    km=st.sampled_from([0.5, 1.0, 3.9]),
)
def test_grid_join_is_exact(seed: int, centre_lat: float, centre_lon: float, km: float) -> None:
    rng = np.random.default_rng(seed)
    n = 150
    lat = np.clip(centre_lat + rng.normal(0, km / 111.0 * 2, n), -90.0, 90.0)
    lon = (
        centre_lon
        + rng.normal(0, km / 111.0 * 2, n) / max(math.cos(math.radians(centre_lat)), 0.01)
        + 180.0
    ) % 360.0 - 180.0
    slot = rng.integers(0, 3, n).astype(np.int64)
    vessel = np.arange(n, dtype=np.int64)
    i, j, d = close_pairs(slot, lat, lon, vessel, km)
    got = {(min(a, b), max(a, b)) for a, b in zip(i.tolist(), j.tolist(), strict=True)}
    assert len(got) == i.size  # each pair once
    assert got == brute_force(lat, lon, slot, km)
    assert np.allclose(d, haversine_km(lat[i], lon[i], lat[j], lon[j]))


def test_nearest_partner_trimming_matches_a_full_sort() -> None:
    """Each sample keeps its max_tracked nearest partners (distance, then index)."""
    from darkfleet.detect._runs import _by_pair_and_time, kept_partners

    rng = np.random.default_rng(5)
    i = rng.integers(0, 40, 3000)
    j = rng.integers(0, 40, 3000)
    km = np.round(rng.random(3000), 2)  # ties on distance are common
    a, b, d = kept_partners(i, j, km, 7)
    aa, bb, dd = np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([km, km])
    order = np.lexsort((bb, dd, aa))
    aa, bb, dd = aa[order], bb[order], dd[order]
    rank = np.arange(aa.size) - np.searchsorted(aa, aa)
    expected = sorted(zip(aa[rank < 7], bb[rank < 7], dd[rank < 7], strict=True))
    assert sorted(zip(a, b, d, strict=True)) == expected
    seg = rng.integers(0, 9, 40)
    a2, b2, _ = _by_pair_and_time(a, b, d, seg)
    keys = list(zip(seg[a2], seg[b2], a2, strict=True))
    assert keys == sorted(keys)
