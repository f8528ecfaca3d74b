"""Zone entries: North Korea's built-in zones and a user GeoJSON zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from darkfleet.detect._ids import event_id
from darkfleet.detect.zones import ZoneEntryParams, zone_entries
from darkfleet.errors import ConfigError
from darkfleet.places import Places, load_zones
from darkfleet.schema import EVENTS, POSITIONS, polars_schema

T0 = datetime(2024, 3, 1, tzinfo=UTC)
USER_ZONE = Path(__file__).parent / "data" / "zones" / "eez_prk.geojson"
WEST_12NM = "PRK territorial sea (12 nm), west coast"
WEST_60NM = "PRK approach (60 nm), west coast"


def line(mmsi: int, lat: float, lons: list[float], seg: str = "") -> pl.DataFrame:
    """One fix an hour along a parallel, through ``lons`` in order."""
    n = len(lons)
    rows = {"mmsi": [mmsi] * n, "ts": [T0 + timedelta(hours=i) for i in range(n)],
            "lat": [lat] * n, "lon": lons, "sog_kn": [10.0] * n}  # fmt: skip
    frame = pl.DataFrame(rows)
    schema = polars_schema(POSITIONS)
    cols = [
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in schema.items()
    ]
    return frame.select(cols).with_columns(seg_id=pl.lit(seg or f"{mmsi}-1"))


def steps(start: float, stop: float, n: int) -> list[float]:
    return [start + (stop - start) * i / (n - 1) for i in range(n)]


@pytest.fixture(scope="module")
def places() -> Places:
    return Places.bundled()


def entries(positions: pl.DataFrame, places: Places, **kw: Any) -> list[dict[str, Any]]:
    events = zone_entries(positions, ZoneEntryParams(**kw), places)
    assert events.schema == polars_schema(EVENTS)
    return [json.loads(d) | {"_start": s, "_end": e} for d, s, e in
            zip(events["details"], events["start"], events["end"], strict=True)]  # fmt: skip


def test_entering_the_12_nm_zone(places: Places) -> None:
    track = line(412000001, 38.5, steps(123.0, 124.8, 19))
    found = entries(track, places)
    assert [d["zone"] for d in found] == [WEST_60NM, WEST_12NM]
    approach, territorial = found
    assert not territorial["first_seen_inside"] and not territorial["exited"]
    assert territorial["_end"] == track["ts"][-1]  # still inside: end is the last fix
    assert approach["positions"] > territorial["positions"] >= 1
    assert territorial["distance_from_shore_km"] < 22.3
    events = zone_entries(track, ZoneEntryParams(), places)
    assert events["event_id"][1] == event_id("zone_entry", 412000001, None, territorial["_start"])
    assert events.to_arrow().schema.names == EVENTS.names


def test_passing_outside_every_zone(places: Places) -> None:
    assert entries(line(412000001, 36.5, steps(123.0, 124.0, 11)), places) == []


def test_through_the_approach_zone_only(places: Places) -> None:
    track = line(412000001, 38.3, steps(123.0, 124.5, 16) + steps(124.4, 123.0, 15))
    (d,) = entries(track, places)
    assert d["zone"] == WEST_60NM and d["exited"]
    inside = track.filter(pl.col("lon") > 123.7)  # roughly the 60 nm line there
    assert d["_start"] <= inside["ts"][0] and d["_end"] > inside["ts"][-1]
    assert d["hours_inside"] == d["positions"] - 1


def test_first_seen_inside_both_zones_is_one_event(places: Places) -> None:
    events = zone_entries(
        line(445000001, 38.5, [124.8, 124.8, 124.0, 123.0]), ZoneEntryParams(), places
    )
    (d,) = [json.loads(x) for x in events["details"]]
    assert d["zone"] == WEST_12NM and d["first_seen_inside"] and d["also_entered"] == [WEST_60NM]
    assert events["confidence"][0] == 0.5


def test_min_positions(places: Places) -> None:
    track = line(412000001, 38.5, steps(123.0, 124.8, 19))
    territorial = entries(track, places)[1]["positions"]
    kept = entries(track, places, min_positions=territorial + 1)
    assert [d["zone"] for d in kept] == [WEST_60NM]


def test_user_geojson_zone(places: Places) -> None:
    with_user = places.with_zones(load_zones(USER_ZONE))
    found = entries(line(412000001, 39.3, steps(129.5, 127.8, 18)), with_user)
    user = [d for d in found if d["zone_source"] == USER_ZONE.name]
    assert len(user) == 1 and user[0]["zone"] == "North Korean 12 NM"


@pytest.mark.parametrize("kw", [{"min_positions": 0}, {"min_hours": -1.0}])
def test_bad_params_raise(kw: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="ZoneEntryParams"):
        ZoneEntryParams(**kw)
