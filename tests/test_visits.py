"""Port visits: a stop at Nampo versus slow steaming at sea."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from darkfleet.detect.visits import PortVisitParams, port_visits
from darkfleet.errors import ConfigError
from darkfleet.places import Places
from darkfleet.schema import EVENTS, POSITIONS, polars_schema

T0 = datetime(2024, 3, 1, tzinfo=UTC)
KM_PER_DEG = 6371.0 * math.pi / 180.0
NAMPO = (38.72, 125.38)  # 1.8 km from the WPI point of Nampo
AT_SEA = (30.0, 124.0)


def leg(mmsi: int, start_h: float, hours: float, where: tuple[float, float], kn_east: float,
        sog: float | None = None) -> pl.DataFrame:  # fmt: skip
    """A fix every 10 min from ``start_h`` for ``hours`` at ``kn_east`` (SOG ``sog``)."""
    n, (lat, lon) = int(hours * 6) + 1, where
    step = kn_east * 1.852 / (KM_PER_DEG * math.cos(math.radians(lat))) / 6
    rows = {"mmsi": [mmsi] * n, "ts": [T0 + timedelta(hours=start_h + i / 6) for i in range(n)],
            "lat": [lat] * n, "lon": [lon + step * i for i in range(n)],
            "sog_kn": [abs(kn_east) if sog is None else sog] * n}  # fmt: skip
    frame = pl.DataFrame(rows)
    schema = polars_schema(POSITIONS)
    cols = [
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in schema.items()
    ]
    return frame.select(cols).with_columns(seg_id=pl.lit(f"{mmsi}-1"))


def west_of(where: tuple[float, float], km: float) -> tuple[float, float]:
    lat, lon = where
    return lat, lon - km / (KM_PER_DEG * math.cos(math.radians(lat)))


@pytest.fixture(scope="module")
def places() -> Places:
    return Places.bundled()


def visits(positions: pl.DataFrame, places: Places, **kw: Any) -> pl.DataFrame:
    return port_visits(positions, PortVisitParams(**kw), places)


def details(events: pl.DataFrame) -> list[dict[str, Any]]:
    return [json.loads(d) for d in events["details"]]


def arrive_stop_leave(mmsi: int, stop_h: float) -> pl.DataFrame:
    """Sail 28 km into Nampo at 5 kn, stop ``stop_h`` hours, sail out again."""
    approach = leg(mmsi, 0, 3, west_of(NAMPO, 27.78), 5.0)
    stop = leg(mmsi, 3 + 1 / 6, stop_h, NAMPO, 0.0)
    depart = leg(mmsi, 3 + 2 / 6 + stop_h, 3, NAMPO, -5.0)
    return pl.concat([approach, stop, depart])


def test_six_hour_stop_at_nampo(places: Places) -> None:
    events = visits(arrive_stop_leave(445000001, 6), places)
    assert events.schema == polars_schema(EVENTS)
    assert events.to_arrow().schema.names == EVENTS.names
    (d,) = details(events)
    assert d["port"] == "NAMPO" and d["port_km"] < 3.0
    assert d["entry"] and d["exit"] and d["gfw_confidence"] == 4
    assert events["confidence"][0] == 1.0
    assert d["stop_hours"] == pytest.approx(6.0, abs=0.01)
    assert d["distance_from_port_km"] == pytest.approx(d["port_km"])
    assert d["seg_ids"] == ["445000001-1"]


def test_short_stop_is_not_a_visit(places: Places) -> None:
    assert visits(arrive_stop_leave(445000001, 1.5), places).height == 0
    assert visits(arrive_stop_leave(445000001, 1.5), places, min_stop_hours=1.0).height == 1


def test_slow_steaming_at_sea_is_not_a_visit(places: Places) -> None:
    assert visits(leg(412000001, 0, 24, AT_SEA, 0.3, sog=0.1), places).height == 0


def test_moving_through_port_without_stopping(places: Places) -> None:
    assert visits(leg(445000001, 0, 3, west_of(NAMPO, 5.0), 3.0), places).height == 0


def test_first_seen_in_port_has_no_entry(places: Places) -> None:
    track = pl.concat([leg(445000001, 0, 6, NAMPO, 0.0), leg(445000001, 6 + 1 / 6, 3, NAMPO, -5.0)])
    (d,) = details(visits(track, places))
    assert (d["entry"], d["exit"], d["gfw_confidence"]) == (False, True, 3)


def test_stop_only_when_seen_in_port_throughout(places: Places) -> None:
    events = visits(leg(445000001, 0, 8, NAMPO, 0.0), places)
    assert details(events)[0]["gfw_confidence"] == 2 and events["confidence"][0] == 0.5


def test_missing_sog_uses_implied_speed(places: Places) -> None:
    track = leg(445000001, 0, 6, NAMPO, 0.0).with_columns(sog_kn=pl.lit(None, pl.Float32))
    assert visits(track, places).height == 1


def test_empty_input(places: Places) -> None:
    empty = visits(leg(1, 0, 1, NAMPO, 0.0).head(0), places)
    assert empty.height == 0 and empty.schema == polars_schema(EVENTS)


@pytest.mark.parametrize(
    "kw", [{"entry_km": 15.0}, {"stop_begin_kn": 1.0}, {"min_stop_hours": -1.0}]
)
def test_bad_params_raise(kw: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="PortVisitParams"):
        PortVisitParams(**kw)
