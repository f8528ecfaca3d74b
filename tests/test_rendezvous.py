"""Dark rendezvous: a loitering vessel and a dark one that could have been alongside."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest

from darkfleet.detect import rendezvous
from darkfleet.detect._ids import event_id
from darkfleet.detect.gaps import gaps
from darkfleet.detect.loitering import loitering
from darkfleet.detect.rendezvous import RendezvousParams, dark_rendezvous
from darkfleet.errors import ConfigError
from darkfleet.geo import haversine_km
from darkfleet.places import Places
from darkfleet.schema import EVENTS, empty, polars_schema
from test_loitering import SEA, T0, assert_events_schema, details, east, sail, stay, track

LOITERER, DARK = 412000300, 412000200  # the dark vessel has the smaller MMSI
Point = tuple[float, float]


def dark_vessel(
    mmsi: int, last: Point, dark_from: datetime, dark_hours: float, first: Point
) -> pl.DataFrame:
    """Sails 12 h (100 km east) to ``last``, dark ``dark_hours``, then 2 h on from ``first``."""
    before = sail(east(last, -100.0), last, 12.0, every_min=5.0)
    after = sail(first, east(first, 20.0), 2.0, every_min=5.0)
    return pl.concat(
        [
            track(mmsi, dark_from - timedelta(hours=12), before, every_min=5.0),
            track(mmsi, dark_from + timedelta(hours=dark_hours), after, every_min=5.0),
        ]
    )


def scenario(
    gap_end_km: float = 60.0, dark_from: datetime = T0 - timedelta(hours=4), **kw: Any
) -> pl.DataFrame:
    """A loiters 6 h at SEA from T0; B goes dark 40 km west of it for 20 h."""
    loiterer = track(LOITERER, T0, stay(SEA, 6.0))
    last = kw.get("last", east(SEA, -40.0))
    dark = dark_vessel(kw.get("dark_mmsi", DARK), last, dark_from, 20.0, east(SEA, gap_end_km))
    return pl.concat([loiterer, dark])


def detect(
    positions: pl.DataFrame,
    params: RendezvousParams | None = None,
    places: Places | None = None,
) -> pl.DataFrame:
    chosen = params or RendezvousParams()
    return dark_rendezvous(loitering(positions), gaps(positions), chosen, places)


# --- the definition ------------------------------------------------------------------


def test_dark_vessel_within_reach_of_a_loiterer_is_a_rendezvous() -> None:
    events = detect(scenario())
    assert events.height == 1
    row = events.row(0, named=True)
    assert (row["kind"], row["mmsi"], row["other_mmsi"]) == ("dark_rendezvous", DARK, LOITERER)
    assert (row["start"], row["end"], row["duration_h"]) == (T0, T0 + timedelta(hours=6), 6.0)
    assert (row["lat"], row["lon"]) == pytest.approx(SEA)
    assert row["event_id"] == event_id("dark_rendezvous", DARK, LOITERER, T0)
    info = details(events)[0]
    assert (info["loitering_mmsi"], info["dark_mmsi"]) == (LOITERER, DARK)
    assert (info["loitering_seg_id"], info["dark_seg_id"]) == (f"{LOITERER}-1", f"{DARK}-1")
    assert info["overlap_fraction"] == 1.0 and info["overlap_hours"] == 6.0
    assert info["alongside_hours"] == 6.0 and info["other_candidates"] == 0
    assert info["distance_in_km"] == pytest.approx(40.0, rel=1e-3)
    # Speeds that still leave the minimum 3 h alongside within the overlap.
    assert info["required_speed_in_kn"] == pytest.approx(35.0 / 1.852 / 7.0, rel=1e-3)
    assert info["required_speed_out_kn"] == pytest.approx(55.0 / 1.852 / 13.0, rel=1e-3)
    assert info["speed_margin_kn"] == pytest.approx(15.0 - 35.0 / 1.852 / 7.0, rel=1e-3)
    assert info["distance_from_port_km"] is None and info["distance_from_shore_km"] is None
    assert 0.0 < row["confidence"] <= 1.0


def test_gap_ending_800_km_away_is_out_of_reach() -> None:
    assert detect(scenario(gap_end_km=800.0)).is_empty()


def test_no_time_overlap_is_no_rendezvous() -> None:
    day_before = T0 - timedelta(hours=30)
    positions = scenario(dark_from=day_before)
    assert gaps(positions).height == 1 and loitering(positions).height == 1
    assert detect(positions).is_empty()


def test_going_dark_alongside_after_the_loiter_began_needs_no_speed() -> None:
    beside = scenario(dark_from=T0 + timedelta(hours=1), last=east(SEA, 1.0))
    info = details(detect(beside))[0]
    assert info["alongside_hours"] == 5.0 and info["required_speed_in_kn"] == 0.0
    assert info["overlap_fraction"] == pytest.approx(5.0 / 6.0)
    late = scenario(dark_from=T0 + timedelta(hours=4), last=east(SEA, 1.0))
    assert detect(late).is_empty()  # the gap covers only 2 of the 6 loitering hours


def test_speed_limit_is_a_parameter() -> None:
    # At 2.5 kn the dark vessel could be alongside only 0.5 h (arrive T0+3.6, leave T0+4.1).
    assert detect(scenario(), RendezvousParams(max_speed_kn=2.5)).is_empty()
    assert detect(scenario(), RendezvousParams(max_speed_kn=4.0)).height == 1
    assert detect(
        scenario(), RendezvousParams(max_speed_kn=4.0, min_alongside_hours=6.0)
    ).is_empty()


def test_a_vessel_never_meets_itself() -> None:
    shared = scenario(dark_mmsi=LOITERER).with_columns(
        seg_id=pl.when(pl.col("ts") < T0 - timedelta(hours=4, minutes=-1))
        .then(pl.lit("dark"))
        .otherwise(pl.col("seg_id"))
    )
    assert detect(shared).is_empty()


def test_one_event_per_pair_and_loiter() -> None:
    positions = scenario()
    twice = pl.concat([gaps(positions), gaps(positions)])
    assert dark_rendezvous(loitering(positions), twice).height == 1


def test_one_events_table_can_be_passed_twice_and_places_fill_distances() -> None:
    positions, places = scenario(), Places.bundled()
    events = pl.concat([loitering(positions, places=places), gaps(positions, places=places)])
    found = dark_rendezvous(events, events, places=places)
    info = details(found)[0]
    assert info["distance_from_port_km"] == pytest.approx(168.69, abs=0.1)
    assert info["distance_from_shore_km"] == pytest.approx(176.0, abs=1.0)


def test_output_matches_the_events_schema_both_ways() -> None:
    assert_events_schema(detect(scenario()))
    assert_events_schema(dark_rendezvous(empty(EVENTS), empty(EVENTS)))


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_speed_kn", 0.0), ("min_overlap_fraction", 1.5), ("position_tolerance_km", -1.0)],
)
def test_bad_parameters_are_refused_with_the_value(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=f"RendezvousParams.*{value}"):
        RendezvousParams(**{field: value})


# --- the candidate join against brute force ------------------------------------------


def event(
    kind: str, mmsi: int, start: datetime, hours: float, at: Point, **info: Any
) -> dict[str, Any]:
    end = start + timedelta(hours=hours)
    return {
        "event_id": event_id(kind, mmsi, None, start),
        "kind": kind,
        "mmsi": mmsi,
        "other_mmsi": None,
        "start": start,
        "end": end,
        "duration_h": hours,
        "lat": at[0],
        "lon": at[1],
        "confidence": 0.5,
        "details": json.dumps({"seg_id": f"{mmsi}-x", **info}),
    }


def random_events(seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = random.Random(seed)

    def when() -> datetime:
        return T0 + timedelta(minutes=rng.randrange(0, 5 * 24 * 60))

    def where() -> Point:
        return rng.uniform(35.0, 36.0), (rng.uniform(179.0, 181.0) + 180.0) % 360.0 - 180.0

    loiters = [
        event("loitering", rng.randrange(20), when(), rng.uniform(4, 12), where())
        for _ in range(60)
    ]
    gap_rows = []
    for _ in range(120):
        end = where()
        gap_rows.append(
            event(
                "gap",
                rng.randrange(20),
                when(),
                rng.uniform(12, 40),
                where(),
                end_lat=end[0],
                end_lon=end[1],
            )
        )
    schema = polars_schema(EVENTS)
    return pl.DataFrame(loiters, schema=schema), pl.DataFrame(gap_rows, schema=schema)


def brute_force(
    loiters: pl.DataFrame, gap_rows: pl.DataFrame, p: RendezvousParams
) -> set[tuple[str, int]]:
    found = set()
    for a in loiters.iter_rows(named=True):
        for b in gap_rows.iter_rows(named=True):
            if reachable(a, b, p) and a["mmsi"] != b["mmsi"]:
                found.add((a["event_id"], b["mmsi"]))
    return found


def reachable(a: dict[str, Any], b: dict[str, Any], p: RendezvousParams) -> bool:
    lo, hi = max(a["start"], b["start"]), min(a["end"], b["end"])
    if (hi - lo) / (a["end"] - a["start"]) < p.min_overlap_fraction:
        return False
    end = json.loads(b["details"])

    def travel(lat: float, lon: float) -> timedelta:
        km = max(float(haversine_km(lat, lon, a["lat"], a["lon"])) - p.position_tolerance_km, 0.0)
        return timedelta(hours=km / 1.852 / p.max_speed_kn)

    arrive = max(b["start"] + travel(b["lat"], b["lon"]), lo)
    leave = min(b["end"] - travel(end["end_lat"], end["end_lon"]), hi)
    return (leave - arrive) >= timedelta(hours=p.min_alongside_hours) - timedelta(microseconds=2)


@pytest.mark.parametrize(("seed", "budget"), [(1, 2_000_000), (2, 2_000_000), (3, 7)])
def test_candidate_join_agrees_with_brute_force(
    seed: int, budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rendezvous, "PAIR_BUDGET", budget)  # 7: many small batches
    loiters, gap_rows = random_events(seed)
    params = RendezvousParams(max_speed_kn=8.0, min_overlap_fraction=0.3)
    found = rendezvous.candidates(loiters, gap_rows, params)
    got = set(zip(found["loitering_event_id"], found["dark_mmsi"], strict=True))
    expected = brute_force(loiters, gap_rows, params)
    assert expected and got == expected
    best = dark_rendezvous(loiters, gap_rows, params)
    gap_ids = [d["gap_event_id"] for d in details(best)]
    assert len(gap_ids) == len(set(gap_ids)) > 0  # one loiterer per dark gap
